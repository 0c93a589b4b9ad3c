"""The server's snapshots: SAVE, BGSAVE by fork, save points, loading at startup.

As Redis's rdbSaveBackground, BGSAVE forks: the child writes
``temp-<pid>.rdb`` from its copy-on-write view of the dataset, renames it over
``dbfilename`` and exits; the parent keeps serving and reaps the child from
the cron.  ``RdbState`` holds what INFO persistence reports.
"""
import os
import signal
import time

from .. import clock, errors
from ..latency import fork_done
from ..errors import CommandError
from . import rdb

# Callables (server) -> True while another fork child runs (an AOF rewrite):
# Redis runs one child at a time, so a BGSAVE then waits or is refused.
OTHER_CHILDREN = []

# CONFIG_BGSAVE_RETRY_DELAY: a failed background save is retried this much later.
BGSAVE_RETRY_DELAY = 5
E_MISCONF = CommandError(errors.MISCONF)


class RdbState:
    __slots__ = ("lastsave", "last_status_ok", "last_try", "child_pid", "child_start",
                 "last_bgsave_seconds", "saves", "scheduled", "dirty_at_fork",
                 "loading", "async_loading", "loading_start", "loading_total", "loading_loaded",
                 "loading_used_mem", "keys_loaded", "keys_expired")

    def __init__(self, now):
        self.lastsave = int(now)
        self.last_status_ok = True
        self.last_try = 0
        self.child_pid = -1
        self.child_start = 0.0
        self.last_bgsave_seconds = -1
        self.saves = 0
        self.scheduled = False
        self.dirty_at_fork = 0
        self.loading = False
        # A replica's swapdb load of the same history: the old data is served meanwhile.
        self.async_loading = False
        self.loading_start = 0
        self.loading_total = 0
        self.loading_loaded = 0
        # The used-mem aux field of the RDB loading: its size's estimate from a socket.
        self.loading_used_mem = 0
        self.keys_loaded = 0
        self.keys_expired = 0


def rdb_path(server):
    return server.config["dbfilename"]


def install(server):
    server.rdb = RdbState(clock.time())
    server.save_snapshot = lambda: _final_save(server)
    previous = server.shutdown_hook

    def on_shutdown(s):
        if previous is not None:
            previous(s)
        _stop_child_for_shutdown(s)
    server.shutdown_hook = on_shutdown


def _stop_child_for_shutdown(server):
    if server.rdb.child_pid >= 0:
        server.log("warning", "There is a child saving an .rdb. Killing it!")
        kill_child(server)


def _final_save(server):
    """The save SHUTDOWN and SIGTERM make: a running background save is dropped first."""
    _stop_child_for_shutdown(server)
    save(server)


def reload(server, save_first=True):
    """DEBUG RELOAD: save (unless told not to), empty every db, load the file back.

    Returns None, or the reason it failed (the dataset is then whatever loaded).
    """
    if save_first:
        try:
            save(server)
        except OSError as exc:
            return "Error trying to save the DB: %s" % (exc.strerror or exc)
    for db in server.dbs:
        db.flush()
    try:
        result = rdb.load(server, rdb_path(server))
    except (OSError, rdb.RdbLoadError) as exc:
        return "Error trying to load the RDB dump: %s" % (getattr(exc, "strerror", None) or exc)
    server.rdb.keys_loaded = result.keys_loaded
    server.rdb.keys_expired = result.keys_expired
    server.log("notice", "DB reloaded by DEBUG RELOAD")
    return None


def log_load_error(server, exc):
    """What redis-server logs before it exits on a file it cannot load."""
    log = server.log
    if exc.report == rdb.FATAL:
        log("warning", exc.args[0])
        log("warning", "Fatal error loading the DB: Invalid argument. Exiting.")
    elif exc.report == rdb.PANIC:
        log("warning", "Guru Meditation: %s #rdb.c:3184" % exc.args[0])
    elif exc.report == rdb.REPORT:
        if exc.truncated:
            log("warning", "Short read or OOM loading DB. Unrecoverable error, aborting now.")
        log("warning", report_message(server, exc))
        # rdbReportError runs redis-check-rdb over the file; it exits from there.
        from ..db import now_ms
        from .rdb_check import check_file
        if check_file(server.config, rdb_path(server), log, now_ms()) == 0:
            raise SystemExit(0)


def report_message(server, exc):
    """rdbReportError's message for a REPORT error."""
    return "Internal error in RDB reading offset %d, function at rdb.c:%d -> %s" % (
        server.rdb.loading_loaded, exc.line, exc.args[0])


def gate(c, cmd):
    """processCommand's -MISCONF check (dispatch checks -LOADING later, at Redis's place)."""
    server = c.server
    state = server.rdb
    if (not state.last_status_ok and server.config["stop-writes-on-bgsave-error"]
            and server.config["save"] and _may_write(c, cmd)):
        return E_MISCONF
    return None


def _may_write(c, cmd):
    if "write" in cmd.flags or cmd.fullname == "ping":
        return True
    if cmd.fullname == "exec" and c.multi:
        return any("write" in queued.flags for queued, _ in c.multi)
    return False


def _update_gate(server):
    state = server.rdb
    server.gate = gate if (state.loading or state.async_loading or not state.last_status_ok) else None


# ---- saving ------------------------------------------------------------------------
def save(server, count=True):
    """rdbSave to dbfilename in the foreground; raises OSError.

    ``count``: whether INFO's rdb_saves counts it (FLUSHALL's save is not).
    """
    state = server.rdb
    if count:
        state.saves += 1
    rdb.save(server, rdb_path(server))
    server.log("notice", "DB saved on disk")
    server.dirty = 0
    state.lastsave = int(clock.time())
    state.last_status_ok = True
    _update_gate(server)


def bgsave(server):
    """rdbSaveBackground; True once the child runs, False if fork failed."""
    state = server.rdb
    state.dirty_at_fork = server.dirty
    state.last_try = int(clock.time())
    started = time.perf_counter()
    try:
        pid = os.fork()
    except OSError as exc:
        state.last_status_ok = False
        _update_gate(server)
        server.log("warning", "Can't save in background: fork: %s" % exc.strerror)
        return False
    if pid == 0:
        _child(server)
    fork_done(server, started)
    server.log("notice", "Background saving started by pid %d" % pid)
    state.saves += 1
    state.child_pid = pid
    state.child_start = time.time()
    state.scheduled = False
    return True


def become_child(server):
    """A forked child: default signals, no listening sockets, log lines marked C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for sock in server.listeners:
        sock.close()
    server.log.role = "C"


def _child(server):
    code = 1
    try:
        become_child(server)
        rdb.save(server, rdb_path(server))
        server.log("notice", "DB saved on disk")
        server.log("notice", "Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB")
        code = 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def reap(server, block=False):
    """backgroundSaveDoneHandler once the child has exited; True if it had."""
    state = server.rdb
    if state.child_pid < 0:
        return False
    try:
        pid, status = os.waitpid(state.child_pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        pid, status = state.child_pid, 1 << 8
    if pid == 0:
        return False
    child = state.child_pid
    state.child_pid = -1
    state.last_bgsave_seconds = int(time.time() - state.child_start)
    if os.WIFSIGNALED(status):
        server.log("warning", "Background saving terminated by signal %d" % os.WTERMSIG(status))
        _remove_temp(server, child)
        # A child killed on purpose (SIGUSR1) is not an error.
        if os.WTERMSIG(status) != signal.SIGUSR1:
            state.last_status_ok = False
    elif os.WEXITSTATUS(status) == 0:
        server.log("notice", "Background saving terminated with success")
        server.dirty -= state.dirty_at_fork
        state.lastsave = int(clock.time())
        state.last_status_ok = True
    else:
        server.log("warning", "Background saving error")
        state.last_status_ok = False
    _update_gate(server)
    return True


def kill_child(server):
    """killRDBChild: stop a background save that no longer matters."""
    state = server.rdb
    if state.child_pid < 0:
        return
    try:
        os.kill(state.child_pid, signal.SIGUSR1)
    except OSError:
        pass
    child = state.child_pid
    try:
        os.waitpid(child, 0)
    except ChildProcessError:
        pass
    state.child_pid = -1
    _remove_temp(server, child)


def _remove_temp(server, pid):
    try:
        os.unlink(rdb.temp_path(rdb_path(server), pid))
    except OSError:
        pass


def other_child_active(server):
    return any(check(server) for check in OTHER_CHILDREN)


def cron(server):
    """serverCron's part: reap the child, or start a save a save point asks for."""
    state = server.rdb
    if state.child_pid >= 0:
        reap(server)
        return
    if other_child_active(server):
        return
    if state.scheduled:
        bgsave(server)
        return
    points = server.config["save"]
    if not points or server.dirty == 0:
        return
    now = int(clock.time())
    parts = points.split()
    for i in range(0, len(parts), 2):
        seconds, changes = int(parts[i]), int(parts[i + 1])
        if (server.dirty >= changes and now - state.lastsave > seconds
                and (now - state.last_try > BGSAVE_RETRY_DELAY or state.last_status_ok)):
            server.log("notice", "%d changes in %d seconds. Saving..." % (changes, seconds))
            bgsave(server)
            return


# ---- loading ------------------------------------------------------------------------
def begin_loading(server, total, async_loading=False):
    """startLoading: -LOADING for commands without the loading flag (with ``async_loading``,
    for the no_async_loading ones only); the progress callback.

    The callback serves other clients between chunks (processEventsWhileBlocked).
    """
    state = server.rdb
    if async_loading:
        state.async_loading = True
    else:
        state.loading = True
    state.loading_start = int(time.time())
    state.loading_total = total
    state.loading_loaded = 0
    state.loading_used_mem = 0
    _update_gate(server)

    def progress(pos):
        state.loading_loaded = pos
        server.process_events_once()
    return progress


def end_loading(server):
    server.rdb.loading = server.rdb.async_loading = False
    _update_gate(server)


def load_at_startup(server):
    """loadDataFromDisk: False when the server must exit."""
    path = rdb_path(server)
    try:
        size = os.path.getsize(path)
    except OSError:
        return True
    state = server.rdb
    from ..replication.rdbinfo import begin_startup_load, restore
    expired = begin_startup_load(server)
    progress = begin_loading(server, size)
    start = time.time()
    try:
        result = rdb.load(server, path, progress, expired=expired,
                          keep_expired=getattr(server, "master_link", None) is not None)
    except rdb.RdbLoadError as exc:
        log_load_error(server, exc)
        return False
    except OSError as exc:
        server.log("warning", "Fatal error loading the DB: %s. Exiting." % exc.strerror)
        return False
    finally:
        end_loading(server)
    state.loading_loaded = size
    state.keys_loaded = result.keys_loaded
    state.keys_expired = result.keys_expired
    server.log("notice", "Done loading RDB, keys loaded: %d, keys expired: %d."
               % (result.keys_loaded, result.keys_expired))
    server.log("notice", "DB loaded from disk: %.3f seconds" % (time.time() - start))
    restore(server, result.aux)
    return True


def loading_fields(server):
    """The loading_* lines that end INFO persistence while a file loads."""
    state = server.rdb
    now = time.time()
    fields = []
    if state.loading or state.async_loading:
        # genRedisInfoString: a socket load has no total; the RDB's used-mem stands in for it.
        loaded = state.loading_loaded
        perc = 0.0
        remaining = 1
        if state.loading_total:
            perc = loaded * 100.0 / state.loading_total
            remaining = state.loading_total - loaded
        elif state.loading_used_mem:
            perc = min(loaded * 100.0 / state.loading_used_mem, 99.99)
            remaining = max(state.loading_used_mem - loaded, 1)
        elapsed = int(now) - state.loading_start
        eta = 1 if elapsed == 0 else elapsed * remaining // (loaded + 1)
        fields += [("loading_start_time", state.loading_start),
                   ("loading_total_bytes", state.loading_total),
                   ("loading_rdb_used_mem", state.loading_used_mem),
                   ("loading_loaded_bytes", loaded),
                   ("loading_loaded_perc", "%.2f" % perc),
                   ("loading_eta_seconds", eta)]
    return fields
