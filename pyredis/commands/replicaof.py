"""The replica side's commands: REPLICAOF/SLAVEOF and FAILOVER (replicaofCommand, failoverCommand).

Becoming a replica and promotion live here (replicationSetMaster,
replicationUnsetMaster); the link itself is ``replication.replica.MasterLink``.
"""
import time

from .. import clock, errors, reply
from ..errors import CommandError
from ..numbers import parse_int
from ..replication import failover as failover_state
from ..replication.master import ONLINE
from ..replication.replica import MasterLink, MasterState, disconnect_replicas
from ..server import Server
from . import command

E_INVALID_PORT = CommandError(errors.INVALID_MASTER_PORT)
ALREADY_CONNECTED = b"+OK Already connected to specified master\r\n"
E_UNBLOCKED_ROLE = CommandError(errors.UNBLOCKED_ROLE_CHANGE)


def _client_string(c):
    from .connection import client_info
    return client_info(c, clock.time(), c)


# REPLICAOF host port | NO ONE
@command("replicaof", 3, "admin noscript stale no_async_loading", group="server")
def replicaof(c, argv):
    return _replicaof(c, argv)


# SLAVEOF host port | NO ONE
@command("slaveof", 3, "admin noscript stale no_async_loading", group="server")
def slaveof(c, argv):
    return _replicaof(c, argv)


def _replicaof(c, argv):
    server = c.server
    if server.failover is not None:
        raise CommandError(errors.REPLICAOF_FAILING_OVER)
    if argv[1].lower() == b"no" and argv[2].lower() == b"one":
        if server.master_link is not None:
            unset_master(server)
            server.log("notice", "MASTER MODE enabled (user request from '%s')" % _client_string(c))
        return reply.OK
    if c.flags_extra == "S":
        raise CommandError(errors.REPLICAOF_FROM_REPLICA)
    port = parse_int(argv[2])
    if port is None or not 0 <= port <= 65535:
        raise E_INVALID_PORT
    host = argv[1].decode("latin-1")
    link = server.master_link
    if link is not None and link.host.lower() == host.lower() and link.port == port:
        server.log("notice", "REPLICAOF would result into synchronization with the master we are "
                             "already connected with. No operation performed.")
        return ALREADY_CONNECTED
    set_master(server, host, port)
    server.log("notice", "REPLICAOF %s:%d enabled (user request from '%s')"
               % (host, port, _client_string(c)))
    return reply.OK


def set_master(server, host, port):
    """replicationSetMaster: drop the current master (caching it), then connect to the new one."""
    link = server.master_link
    if link is not None:
        link.leaving = True
        if link.client is not None:
            server.free_client(link.client)
        link.leaving = False
        link.cancel_handshake(False)
        link.host, link.port = host, port
    else:
        link = MasterLink(server, host, port)
    _disconnect_blocked(server)
    if server.master_link is None:
        # replicationCacheMasterUsingMyself: our own history may continue on the new master's.
        server.log("notice", "Before turning into a replica, using my own master parameters to "
                             "synthesize a cached master: I may be able to synchronize with the new "
                             "master with just a partial transfer.")
        link.cached = MasterState(server.repl.replid, server.repl.master_repl_offset)
    server.master_link = link
    server.replica_gate = link
    # CONFIG GET/REWRITE replicaof show the current master (getConfigReplicaOfOption).
    server.config.values["replicaof"] = "%s %d" % (host, port)
    _log_role(server, "S")
    link.state = "connect"
    server.log("notice", "Connecting to MASTER %s:%d" % (host, port))
    link.connect()


def unset_master(server):
    """replicationUnsetMaster: keep the data, start a new history from here."""
    link = server.master_link
    link.leaving = True
    if link.client is not None:
        server.free_client(link.client)
    link.discard_cached()
    link.cancel_handshake(False)
    server.master_link = None
    server.replica_gate = None
    server.config.values["replicaof"] = ""
    _log_role(server, "M")
    repl = server.repl
    repl.shift_replid()
    server.log("warning", "Setting secondary replication ID to %s, valid up to offset: %d. "
                         "New replication ID is %s" % (repl.replid2, repl.second_replid_offset, repl.replid))
    disconnect_replicas(server)
    master = getattr(server, "master", None)
    if master is not None and repl.backlog is not None:
        # This node's own writes are the stream from now on, starting with a SELECT.
        master.seldb = -1
        master.start_listening()


def psync_failover(c, replid):
    """syncCommand's PSYNC <replid> <offset> FAILOVER: the old master hands its role to this node.

    For the master side's PSYNC: raises CommandError unless ``replid`` is ours;
    afterwards this node is a master and the PSYNC goes on as on any master.
    """
    server = c.server
    if replid.lower() != server.repl.replid.encode():
        raise CommandError(errors.PSYNC_FAILOVER_REPLID)
    if server.master_link is not None:
        unset_master(server)
    server.log("notice", "MASTER MODE enabled (failover request from '%s')" % _client_string(c))


def _disconnect_blocked(server):
    """disconnectAllBlockedClients: a blocked command's premise (being a master) no longer holds."""
    for c in list(server.clients.values()):
        if c.blocked is not None:
            server.blocking.unblock(c, E_UNBLOCKED_ROLE.reply)
            c.close_after_reply = True


# FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
@command("failover", -1, "admin noscript stale", group="server")
def failover(c, argv):
    server = c.server
    if server.cluster is not None:
        raise CommandError(errors.FAILOVER_CLUSTER)
    if len(argv) == 2 and argv[1].lower() == b"abort":
        if server.failover is None:
            raise CommandError(errors.FAILOVER_NOT_IN_PROGRESS)
        failover_state.abort(server, "Failover manually aborted")
        return reply.OK
    timeout = 0
    force = False
    host = None
    port = 0
    n = len(argv)
    j = 1
    while j < n:
        opt = argv[j].lower()
        if opt == b"timeout" and j + 1 < n and timeout == 0:
            timeout = parse_int(argv[j + 1])
            if timeout is None:
                raise errors.E_NOT_INTEGER
            if timeout <= 0:
                raise CommandError(errors.FAILOVER_TIMEOUT)
            j += 2
        elif opt == b"to" and j + 2 < n and host is None:
            port = parse_int(argv[j + 2])
            if port is None:
                raise errors.E_NOT_INTEGER
            host = argv[j + 1].decode("latin-1")
            j += 3
        elif opt == b"force" and not force:
            force = True
            j += 1
        else:
            raise errors.E_SYNTAX
    if server.failover is not None:
        raise CommandError(errors.FAILOVER_IN_PROGRESS)
    if server.master_link is not None:
        raise CommandError(errors.FAILOVER_ON_REPLICA)
    if not server.master.replicas:
        raise CommandError(errors.FAILOVER_NO_REPLICAS)
    if force and (not timeout or host is None):
        raise CommandError(errors.FAILOVER_FORCE_ARGS)
    if host is not None:
        target = failover_state.find_replica(server, host, port)
        if target is None:
            raise CommandError(errors.FAILOVER_TARGET_NOT_REPLICA)
        if target.state != ONLINE:
            raise CommandError(errors.FAILOVER_TARGET_OFFLINE)
        server.log("notice", "FAILOVER requested to %s:%d." % (host, port))
    else:
        server.log("notice", "FAILOVER requested to any replica.")
    failover_state.start(server, host, port, timeout, force)
    return reply.OK


# ---- lifecycle ------------------------------------------------------------------
def _start(server):
    server.master_link = None
    server.replica_gate = None
    server.failover = None
    server._replica_cron_at = 0.0
    value = server.config["replicaof"]
    if value:
        host, port = value.rsplit(" ", 1)
        # Connected by the first cron, once the server listens (as Redis's replicationCron).
        link = MasterLink(server, host, int(port))
        server.master_link = link
        server.replica_gate = link
        _log_role(server, "S")


def _log_role(server, letter):
    """The role letter of each log line: S on a replica, M on a master."""
    if hasattr(server.log, "role"):
        server.log.role = letter


def _cron(server):
    if server.failover is not None:
        failover_state.update_status(server)
    link = server.master_link
    if link is None:
        return
    link.resume()
    link.expire_own_keys()
    now = time.monotonic()
    if now - server._replica_cron_at < 1.0:
        return
    server._replica_cron_at = now
    link.cron()


def _closed(c):
    if c.flags_extra != "M":
        return
    link = c.server.master_link
    if link is not None and link.client is c:
        link.master_closed(c)


Server.start_hooks.append(_start)
Server.cron_hooks.append(_cron)
Server.close_hooks.append(_closed)
