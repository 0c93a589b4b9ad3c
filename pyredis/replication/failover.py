"""FAILOVER on a master: pause writes, wait for a replica to catch up, hand it the role.

As Redis's failoverCommand / updateFailoverStatus / abortFailover /
clearFailoverState: the master holds writes (CLIENT PAUSE WRITE), and once the
target's acknowledged offset equals ``master_repl_offset`` it becomes a replica
of the target, whose handshake sends ``PSYNC <replid> <offset> FAILOVER`` so the
target promotes itself.  ``server.failover`` is None when no failover runs.
"""
from .. import clock

WAIT_FOR_SYNC = "waiting-for-sync"
IN_PROGRESS = "failover-in-progress"
NO_FAILOVER = "no-failover"


class Failover:
    __slots__ = ("state", "host", "port", "end_ms", "force", "client_pause")

    def __init__(self, host, port, end_ms, force):
        self.state = WAIT_FOR_SYNC
        self.host = host
        self.port = port
        self.end_ms = end_ms
        self.force = force
        # A CLIENT PAUSE (end, all) that outlives the failover's own pause.
        self.client_pause = None


def state_name(server):
    """INFO replication's master_failover_state."""
    f = server.failover
    return NO_FAILOVER if f is None else f.state


def find_replica(server, host, port):
    """findReplica: by announced (or peer) address and listening port."""
    host = host.lower()
    for r in server.master.replicas:
        if r.address().lower() == host and r.listening_port == port:
            return r
    return None


def start(server, host, port, timeout_ms, force):
    end_ms = int(clock.time() * 1000) + timeout_ms if timeout_ms else 0
    f = server.failover = Failover(host, port, end_ms, force)
    if server.pause_end > clock.time():
        f.client_pause = (server.pause_end, server.pause_all)
    # Held until the failover ends: the old master must not diverge from its target.
    server.pause(float("inf"), server.pause_all)


def in_progress(server):
    """The replica side's question: does this handshake carry PSYNC ... FAILOVER?"""
    f = server.failover
    return f is not None and f.state == IN_PROGRESS


def update_status(server):
    """updateFailoverStatus: time out, or fail over to a target that caught up."""
    f = server.failover
    if f is None or f.state != WAIT_FOR_SYNC:
        return
    if f.end_ms and f.end_ms <= int(clock.time() * 1000):
        if f.force:
            server.log("notice", "FAILOVER to %s:%d time out exceeded, failing over." % (f.host, f.port))
            f.state = IN_PROGRESS
            _demote(server, f)
        else:
            abort(server, "Replica never caught up before timeout")
        return
    offset = server.repl.master_repl_offset
    if f.host is not None:
        replica = find_replica(server, f.host, f.port)
    else:
        replica = None
        for r in server.master.replicas:
            if r.ack_off == offset:
                replica = r
                f.host = r.address()
                f.port = r.listening_port
                break
    if replica is not None and replica.ack_off == offset:
        f.state = IN_PROGRESS
        server.log("notice", "Failover target %s:%d is synced, failing over." % (f.host, f.port))
        _demote(server, f)


def _demote(server, f):
    from ..commands.replicaof import set_master
    set_master(server, f.host, f.port)


def abort(server, reason):
    """abortFailover: an old master that already turned replica becomes a master again."""
    f = server.failover
    if f is None:
        return
    if f.host is not None:
        server.log("notice", "FAILOVER to %s:%d aborted: %s" % (f.host, f.port, reason))
    else:
        server.log("notice", "FAILOVER to any replica aborted: %s" % reason)
    if f.state == IN_PROGRESS:
        from ..commands.replicaof import unset_master
        unset_master(server)
    clear(server)


def clear(server):
    """clearFailoverState: writes flow again, unless a CLIENT PAUSE still holds them."""
    f = server.failover
    server.failover = None
    server.unpause()
    if f.client_pause is not None and f.client_pause[0] > clock.time():
        server.pause(*f.client_pause)


def client_paused(server, end, pause_all):
    """CLIENT PAUSE during a failover: kept for when the failover's pause ends."""
    f = server.failover
    if f is not None:
        f.client_pause = (end, pause_all)


def client_unpaused(server):
    """CLIENT UNPAUSE lifts only its own pause (unpauseClients(PAUSE_BY_CLIENT_COMMAND))."""
    f = server.failover
    if f is None:
        return
    f.client_pause = None
    server.pause(float("inf"), False)


def psync_settled(server, accepted):
    """syncWithMaster after the PSYNC reply: the target took the role, or refused it.

    Returns True when the failover was aborted (the link is gone then).
    """
    if not in_progress(server):
        return False
    if accepted:
        clear(server)
        return False
    abort(server, "Failover target rejected psync request")
    return True
