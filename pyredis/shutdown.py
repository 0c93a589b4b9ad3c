"""Stopping the server: SHUTDOWN, SIGINT and SIGTERM (prepareForShutdown, finishShutdown).

As Redis 7.0, a master whose replicas have not all acknowledged its whole
stream does not stop at once (unless NOW, or ``shutdown-timeout`` is 0): it
holds writes, asks the replicas for an ACK and waits until they catch up or the
timeout passes, checked from the cron.  Then it finishes: the lagging replicas
are logged, the final save is made, and the loop stops.  SHUTDOWN ABORT, or a
save that fails without FORCE, cancels the shutdown: writes flow again and
every SHUTDOWN caller still waiting gets an error.
"""
import os
import signal

from . import clock, errors
from .errors import CommandError

# The flags, valued as shutdown-on-sigint/sigterm's names (SHUTDOWN_SAVE ...).
SAVE, NOSAVE, NOW, FORCE = 1, 2, 4, 8
_FLAG_NAMES = {"save": SAVE, "nosave": NOSAVE, "now": NOW, "force": FORCE}
_SIGNAL_NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Pending:
    """A shutdown waiting for replicas (Redis's shutdown_mstime != 0)."""

    __slots__ = ("flags", "end_ms", "waiting", "client_pause")

    def __init__(self, flags, end_ms):
        self.flags = flags
        self.end_ms = end_ms
        # The SHUTDOWN callers blocked until it ends: (client, its block state).
        self.waiting = []
        # A CLIENT PAUSE (end, all) that outlives the shutdown's own pause.
        self.client_pause = None


def _loading(server):
    rdb = getattr(server, "rdb", None)
    return rdb is not None and rdb.loading


def config_flags(text):
    """shutdown-on-sigint/sigterm's value as flags."""
    flags = 0
    for word in text.split():
        flags |= _FLAG_NAMES.get(word, 0)
    return flags


def wait_for_it(server, c):
    """A SHUTDOWN caller waits for the shutdown's end: no reply if it succeeds."""
    pending = server.shutdown_pending
    if server.blocking.block(c, (), 0, None, ()) is None and c.blocked is not None:
        pending.waiting.append((c, c.blocked))


def prepare(server, flags, c=None):
    """prepareForShutdown: True when the server stops now.

    False while it waits for its replicas (``c``, the SHUTDOWN caller, waits
    too) or after a failure, which is logged and, for ``c``, raised.
    """
    if _loading(server):
        flags = (flags & ~SAVE) | NOSAVE
    server.log("warning", "User requested shutdown...")
    timeout = server.config["shutdown-timeout"]
    if not flags & NOW and timeout and not replicas_in_sync(server):
        pending = server.shutdown_pending = Pending(flags, int(clock.time() * 1000) + timeout * 1000)
        if server.pause_end <= clock.time():
            _send_getack(server)
        else:
            pending.client_pause = (server.pause_end, server.pause_all)
        server.pause(float("inf"), server.pause_all)
        server.log("notice", "Waiting for replicas before shutting down.")
        if c is not None:
            wait_for_it(server, c)
        return False
    if finish(server, flags):
        return True
    if c is not None:
        raise CommandError(errors.SHUTDOWN_FAILED)
    return False


def cron(server):
    """serverCron's check: the replicas caught up, or the time is up."""
    pending = server.shutdown_pending
    if pending is None:
        return
    if int(clock.time() * 1000) >= pending.end_ms or replicas_in_sync(server):
        finish(server, pending.flags)


def finish(server, flags):
    """finishShutdown: True when the server stops (the loop ends); False after a failure."""
    _log_replicas(server)
    saver = getattr(server, "save_snapshot", None)
    if (server.config["save"] and saver is not None and not flags & NOSAVE) or flags & SAVE:
        server.log("notice", "Saving the final RDB snapshot before exiting.")
        try:
            if saver is None:
                raise OSError("snapshots are not supported")
            saver()
        except OSError:
            if flags & FORCE:
                server.log("warning", "Error trying to save the DB. Exit anyway.")
            else:
                server.log("warning", "Error trying to save the DB, can't exit.")
                server.log("warning", "Errors trying to shut down the server. Check the logs for more "
                           "information.")
                cancel(server)
                return False
    server.running = False
    return True


def cancel(server):
    """cancelShutdown: writes flow again, the waiting SHUTDOWN callers get an error."""
    pending = server.shutdown_pending
    server.shutdown_pending = None
    server.shutdown_asap = False
    if pending is None:
        return
    blocking = server.blocking
    for c, state in pending.waiting:
        if c.blocked is state:
            blocking.release_with_error(c, CommandError(errors.SHUTDOWN_FAILED))
    server.unpause()
    if getattr(server, "failover", None) is not None:
        server.pause(float("inf"), False)
    if pending.client_pause is not None and pending.client_pause[0] > clock.time():
        server.pause(*pending.client_pause)


def abort(server):
    """abortShutdown: False when no shutdown was in progress or asked for."""
    if server.shutdown_pending is not None:
        cancel(server)
    elif server.shutdown_asap:
        server.shutdown_asap = False
    else:
        return False
    server.log("notice", "Shutdown manually aborted.")
    return True


def on_signal(server, signum):
    """A SIGINT or SIGTERM read by the loop: True when the server stops now."""
    name = _SIGNAL_NAMES.get(signum, signum)
    if server.shutdown_asap and signum == signal.SIGINT:
        # Twice: the user wants out without waiting for a save or the replicas.
        server.log("warning", "You insist... exiting now.")
        os._exit(1)
    if _loading(server):
        server.log("warning", "Received shutdown signal during loading, scheduling shutdown.")
    else:
        server.log("warning", "Received %s scheduling shutdown..." % name)
    server.shutdown_asap = True
    if server.shutdown_pending is not None:
        return False
    key = "shutdown-on-sigint" if signum == signal.SIGINT else "shutdown-on-sigterm"
    return prepare(server, config_flags(server.config[key]))


def client_paused(server, end, pause_all):
    """CLIENT PAUSE while the shutdown holds writes: kept for when it is cancelled."""
    pending = server.shutdown_pending
    if pending is not None:
        pending.client_pause = (end, pause_all)


def client_unpaused(server):
    """CLIENT UNPAUSE lifts only its own pause."""
    pending = server.shutdown_pending
    if pending is not None:
        pending.client_pause = None
        server.pause(float("inf"), False)


def in_milliseconds(server):
    """INFO server's shutdown_in_milliseconds, None when no shutdown waits."""
    pending = server.shutdown_pending
    if pending is None:
        return None
    return pending.end_ms - int(clock.time() * 1000)


# ---- the replicas ---------------------------------------------------------------
def _replicas(server):
    master = getattr(server, "master", None)
    return master.replicas if master is not None else ()


def replicas_in_sync(server):
    """isReadyToShutdown: every replica acknowledged the whole stream."""
    offset = server.repl.master_repl_offset
    for r in _replicas(server):
        if r.ack_off != offset:
            return False
    return True


def _send_getack(server):
    master = getattr(server, "master", None)
    if master is not None and master.replicas and getattr(server, "master_link", None) is None:
        from .replication.master import GETACK
        master.feed_command(GETACK)


def _log_replicas(server):
    from .replication.master import ONLINE, STATE_NAMES
    offset = server.repl.master_repl_offset
    replicas = _replicas(server)
    lagging = 0
    now = int(clock.time())
    for r in replicas:
        if r.ack_off != offset:
            lagging += 1
            lag = now - r.ack_time if r.state == ONLINE else 0
            server.log("warning", "Lagging replica %s reported offset %d behind master, lag=%d, state=%s."
                       % (r.name(), offset - r.ack_off, lag, STATE_NAMES[r.state]))
    if replicas:
        server.log("notice", "%d of %d replicas are in sync when shutting down."
                   % (len(replicas) - lagging, len(replicas)))
