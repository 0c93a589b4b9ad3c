"""Replication commands of the master side: PSYNC, SYNC, REPLCONF, WAIT, ROLE.

The state lives in ``pyredis.replication.master`` (``server.master``); these
handlers parse and check, as replication.c's syncCommand, replconfCommand,
waitCommand and roleCommand.
"""
from .. import clock, errors, reply
from ..errors import CommandError
from ..numbers import parse_int
from ..persistence import snapshots
from ..replication import master as master_mod
from ..replication.master import BACKLOG_MIN_SIZE, Master
from ..server import Server
from . import command
from .keyspace import FLUSHALL_HOOKS

LONG_MIN = -(1 << 63)
LONG_MAX = (1 << 63) - 1
E_WAIT_TIMEOUT = CommandError(errors.WAIT_TIMEOUT_NOT_INTEGER)
E_TIMEOUT_NEGATIVE = CommandError(errors.TIMEOUT_NEGATIVE)


def _start(server):
    if not hasattr(server, "master_link"):
        # The replica side's link while this node replicates (None: a master).
        server.master_link = None
    server.master = m = Master(server)
    server.noreplicas = None
    server.repl.listeners.append(m.to_replicas)
    config = server.config
    _clamp_backlog(server, config["repl-backlog-size"])
    config.watch("repl-backlog-size", lambda value: _clamp_backlog(server, value))
    config.watch("client-output-buffer-limit", m.set_obuf_limits)
    config.watch("min-replicas-to-write", lambda value: m.refresh_good())
    config.watch("min-replicas-max-lag", lambda value: m.refresh_good())
    m.refresh_good()


def _clamp_backlog(server, size):
    """resizeReplicationBacklog: never below CONFIG_REPL_BACKLOG_MIN_SIZE."""
    if size < BACKLOG_MIN_SIZE:
        size = BACKLOG_MIN_SIZE
        server.config.values["repl-backlog-size"] = size
    server.repl.resize_backlog(size)


def _cron(server):
    server.master.cron(server)


def _forget(c):
    m = getattr(c.server, "master", None)
    if m is not None and (m.links or m.woff):
        m.forget(c)


def _before_reply(server):
    m = server.master
    if m.getack or m.failover_check:
        m.before_reply(server)


def _flushall(server):
    server.master.bgsave_killed()


def _shutdown(server):
    server.master.kill_child()


def _fork_active(server):
    return server.master.child_pid >= 0


Server.start_hooks.append(_start)
Server.cron_hooks.append(_cron)
Server.close_hooks.append(_forget)
Server.before_reply_hooks.append(_before_reply)
Server.shutdown_hooks.append(_shutdown)
snapshots.OTHER_CHILDREN.append(_fork_active)
# After persistence's hook, which kills a running BGSAVE.
FLUSHALL_HOOKS.append(_flushall)


# SYNC
@command("sync", 1, "admin noscript no_async_loading no_multi", group="server")
def sync(c, argv):
    c.server.master.sync(c, argv)


# PSYNC replicationid offset
@command("psync", -3, "admin noscript no_async_loading no_multi", group="server")
def psync(c, argv):
    c.server.master.sync(c, argv)


# REPLCONF <option> <value> <option> <value> ...
@command("replconf", -1, "admin noscript loading stale allow_busy", group="server")
def replconf(c, argv):
    n = len(argv)
    if n % 2 == 0:
        raise errors.E_SYNTAX
    server = c.server
    m = server.master
    for j in range(1, n, 2):
        option = argv[j].lower()
        value = argv[j + 1]
        if option == b"listening-port":
            port = parse_int(value)
            if port is None:
                raise errors.E_NOT_INTEGER
            m.link(c).listening_port = port
        elif option == b"ip-address":
            if len(value) >= 256:
                raise CommandError(errors.REPLCONF_IP_TOO_LONG % len(value))
            m.link(c).ip = value.decode("latin-1")
        elif option == b"capa":
            capa = value.lower()
            if capa == b"eof":
                m.link(c).capa_eof = True
            elif capa == b"psync2":
                m.link(c).capa_psync2 = True
        elif option == b"ack":
            # Sent by replicas only, and never answered.
            r = m.links.get(c)
            if r is None or r.state is None:
                return None
            offset = parse_int(value)
            if offset is None:
                return None
            aof_offset = None
            if n > j + 3 and argv[j + 2].lower() == b"fack":
                aof_offset = parse_int(argv[j + 3])
                if aof_offset is None:
                    return None
            m.ack(r, offset, aof_offset)
            return None
        elif option == b"getack":
            link = getattr(server, "master_link", None)
            if link is not None and hasattr(link, "send_ack"):
                link.send_ack()
            return None
        elif option == b"rdb-only":
            flag = parse_int(value)
            if flag is None:
                raise errors.E_NOT_INTEGER
            if not 0 <= flag <= 1:
                raise CommandError(errors.REPLCONF_RDB_ONLY_RANGE)
            m.link(c).rdb_only = bool(flag)
        elif option == b"rdb-filter-only":
            # Everything is left out first; each filter named puts its part back.
            r = m.link(c)
            r.filtered = True
            r.exclude_functions = True
            for word in value.split():
                if word.lower() != b"functions":
                    raise errors.fmt(errors.REPLCONF_RDB_FILTER, word)
                r.exclude_functions = False
        else:
            raise errors.fmt(errors.REPLCONF_UNKNOWN, argv[j])
    return reply.OK


# WAIT numreplicas timeout
@command("wait", 3, "noscript", group="generic")
def wait(c, argv):
    server = c.server
    if getattr(server, "master_link", None) is not None:
        raise CommandError(errors.WAIT_ON_REPLICA)
    numreplicas = parse_int(argv[1])
    if numreplicas is None:
        raise errors.E_NOT_INTEGER
    timeout = parse_int(argv[2])
    if timeout is None:
        raise E_WAIT_TIMEOUT
    if timeout < 0:
        raise E_TIMEOUT_NEGATIVE
    m = server.master
    offset = m.woff.get(c.id, 0)
    acks = m.count_acks(offset)
    if acks >= numreplicas or c.deny_blocking:
        return reply.integer(acks)
    deadline = clock.time() + timeout / 1000.0 if timeout else 0
    server.blocking.block(c, (), deadline, master_mod.AckCount(m, offset), ())
    m.waiting.append((c, c.blocked, offset, numreplicas))
    m.request_ack(c)
    return None


# ROLE
@command("role", 1, "noscript loading stale fast", group="server")
def role(c, argv):
    server = c.server
    link = getattr(server, "master_link", None)
    if link is not None:
        return link.role_reply()
    return server.master.role_reply()
