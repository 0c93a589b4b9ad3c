"""The append only file, Redis 7.0's multi-part layout.

``appenddirname`` holds a manifest naming one base file (the dataset as
commands at the last rewrite), history files awaiting deletion and the incr
files that follow the base.  Writes reach the AOF as the propagation stream
hands them over (``feed``); the buffer is written before any reply goes out
(``before_reply``), and fsynced at once (``always``), once a second
(``everysec``) or when the kernel likes (``no``).

A rewrite forks: the parent first starts a new incr file, so the child only
has to write the snapshot it forked with as the new base; when it exits, the
manifest moves to the new base plus the incr files opened since, and the
older files become history and are deleted.
"""
import os
import threading
import time

from .. import errors
from ..config import ConfigError
from ..db import now_ms
from ..latency import add_sample, fork_done
from ..errors import CommandError
from . import manifest as mf
from .aofformat import encode_command, select, write_dataset

# aof_state
OFF, ON, WAIT_REWRITE = 0, 1, 2


class Aof:
    def __init__(self, server):
        self.server = server
        self.config = server.config
        self.log = server.log
        self.state = OFF
        self.manifest = None
        self.fd = -1
        self.buf = []
        self.selected_db = -1
        self.last_ts = 0
        self.current_size = 0
        self.base_size = 0
        self.last_fsync = _now()
        self.unsynced = False
        self.fsync_thread = None
        self.last_write_ok = True
        # strerror of the last failed write (Redis's -MISCONF text names it).
        self.last_write_error = None
        # Rewrite child: pid, the temp file it writes, when it started.
        self.child = None
        self.child_temp = None
        self.child_start = 0.0
        self.child_rdb = False
        self.rewrite_scheduled = False
        self.rewrites = 0
        self.rewrite_failures = 0
        self.last_rewrite_ok = True
        self.last_rewrite_secs = -1
        # The incr file written while the first rewrite after enabling runs.
        self.temp_incr = None

    # ---- paths ----------------------------------------------------------
    @property
    def dirname(self):
        return self.config["appenddirname"]

    def path(self, name):
        return os.path.join(self.dirname, name)

    def _new_manifest(self):
        return mf.Manifest(self.config["appendfilename"])

    # ---- the propagation listener ---------------------------------------
    def feed(self, db_id, argv):
        buf = self.buf
        if self.config["aof-timestamp-enabled"]:
            now = int(_now())
            if now > self.last_ts:
                buf.append(b"#TS:%d\r\n" % now)
                self.last_ts = now
        if db_id != self.selected_db:
            buf.append(select(db_id))
            self.selected_db = db_id
        buf.append(encode_command(argv))

    def before_reply(self, server=None):
        """flushAppendOnlyFile: the buffer to the file (and to the disk with ``always``)."""
        if not self.buf or self.fd < 0:
            return
        data = b"".join(self.buf)
        self.buf = []
        try:
            view = memoryview(data)
            started = time.perf_counter()
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
                self.current_size += n
            self._write_latency(started)
            if self.config["appendfsync"] == "always" and not self._fsync_held():
                started = time.perf_counter()
                os.fsync(self.fd)
                add_sample(self.server, "aof-fsync-always", int((time.perf_counter() - started) * 1000))
                self.last_fsync = _now()
            else:
                self.unsynced = True
            if not self.last_write_ok:
                self.log("warning", "AOF write error looks solved, Redis can write again.")
            self.last_write_ok = True
        except OSError as exc:
            self.last_write_ok = False
            self.last_write_error = exc.strerror
            self.log("warning", "Error writing to the AOF file: %s" % exc.strerror)
            if self.config["appendfsync"] == "always":
                self.log("warning", "Can't recover from AOF write error when the AOF fsync policy is "
                         "'always'. Exiting...")
                os._exit(1)
            # Kept for the next attempt, as Redis keeps its aof_buf.
            self.buf.insert(0, bytes(view))

    def _write_latency(self, started):
        """flushAppendOnlyFile's events: the write, named after what else was using the disk."""
        ms = int((time.perf_counter() - started) * 1000)
        if not ms:
            return
        if self.fsync_in_progress():
            add_sample(self.server, "aof-write-pending-fsync", ms)
        elif self.child is not None or self.server.rdb.child_pid >= 0:
            add_sample(self.server, "aof-write-active-child", ms)
        else:
            add_sample(self.server, "aof-write-alone", ms)
        add_sample(self.server, "aof-write", ms)

    # ---- cron -----------------------------------------------------------
    def cron(self, server):
        self.before_reply()
        if self.unsynced and self.fd >= 0 and self.config["appendfsync"] == "everysec":
            now = _now()
            # One fsync at a time, off the event loop (Redis's bio job); a
            # slow disk delays the next one rather than the clients.
            if now - self.last_fsync >= 1.0 and not self.fsync_in_progress() and not self._fsync_held():
                self.fsync_thread = threading.Thread(target=_fsync_quietly, args=(self.fd,), daemon=True)
                self.fsync_thread.start()
                self.last_fsync = now
                self.unsynced = False
        if self.child is not None:
            self._poll_child()
        elif self.rewrite_scheduled:
            self.start_rewrite()
        elif self.state == ON:
            self._auto_rewrite()

    def _fsync_held(self):
        """no-appendfsync-on-rewrite: no fsync while a child writes to the disk too."""
        return self.child is not None and self.config["no-appendfsync-on-rewrite"]

    def fsync_in_progress(self):
        return self.fsync_thread is not None and self.fsync_thread.is_alive()

    def _join_fsync(self):
        """Before the descriptor closes, the fsync running on it ends."""
        if self.fsync_thread is not None:
            self.fsync_thread.join()
            self.fsync_thread = None

    def _auto_rewrite(self):
        percent = self.config["auto-aof-rewrite-percentage"]
        if not percent or self.current_size < self.config["auto-aof-rewrite-min-size"]:
            return
        base = self.base_size or 1
        growth = self.current_size * 100 // base - 100
        if growth >= percent:
            self.log("notice", "Starting automatic rewriting of AOF on %d%% growth" % growth)
            self.start_rewrite()

    # ---- start, stop ----------------------------------------------------
    def _open_incr(self, name):
        fd = os.open(self.path(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if self.fd >= 0:
            self.before_reply()
            self._join_fsync()
            os.close(self.fd)
        self.fd = fd
        # A new file starts with no db selected.
        self.selected_db = -1

    def open_on_start(self):
        """aofOpenIfNeededOnServerStart: a base for an empty start, then the last incr file."""
        os.makedirs(self.dirname, exist_ok=True)
        m = self.manifest
        if m is None:
            m = self.manifest = self._new_manifest()
        if m.base is None and not m.incrs:
            snapshot = _snapshot_writer(self.config)
            name = m.new_base(rdb=snapshot is not None)
            self._write_base(self.path(name), snapshot)
            self.log("notice", "Creating AOF base file %s on server start" % name)
        if m.incrs:
            name = m.incrs[-1]
            self.log("notice", "Opening AOF incr file %s on server start" % name)
        else:
            name = m.new_incr()
            self.log("notice", "Creating AOF incr file %s on server start" % name)
        self._open_incr(name)
        self._persist_manifest()
        self.base_size = self._file_size(m.base)
        self.current_size = self.base_size + sum(self._file_size(n) for n in m.incrs)
        self._delete_history()
        self.state = ON
        self.server.propagation.add_listener(self.feed)

    def enable(self):
        """startAppendOnly (CONFIG SET appendonly yes): a rewrite makes the first base."""
        if self.state != OFF:
            return
        os.makedirs(self.dirname, exist_ok=True)
        if self.manifest is None:
            try:
                self.manifest = mf.load_from_disk(self.dirname, self.config["appendfilename"]) \
                    or self._new_manifest()
            except (OSError, mf.ManifestError) as exc:
                self.log("warning", "Can't read the AOF manifest: %s" % exc)
                raise ConfigError("Unable to turn on AOF. Check server logs.")
        self.state = WAIT_REWRITE
        self.temp_incr = mf.temp_incr_name(self.config["appendfilename"])
        self._open_incr(self.temp_incr)
        os.ftruncate(self.fd, 0)
        self.log("notice", "Creating AOF incr file %s on background rewrite" % self.temp_incr)
        self.server.propagation.add_listener(self.feed)
        if self.child is not None:
            # Its base would miss what the new incr file did not record.
            self.log("warning", "AOF was enabled but there is already an AOF rewriting in background. "
                     "Stopping background AOF and starting a rewrite now.")
            self._kill_child()
        if not self.start_rewrite():
            self.disable()
            raise ConfigError("Unable to turn on AOF. Check server logs.")

    def disable(self):
        """stopAppendOnly."""
        if self.state == OFF:
            return
        self.before_reply()
        if self.fd >= 0:
            self._join_fsync()
            _fsync_quietly(self.fd)
            os.close(self.fd)
        self.fd = -1
        self.buf = []
        self.selected_db = -1
        if self.state == WAIT_REWRITE:
            try:
                os.unlink(self.path(self.temp_incr))
            except OSError:
                pass
            self.temp_incr = None
        self.state = OFF
        self.rewrite_scheduled = False
        self.server.propagation.remove_listener(self.feed)
        if self.child is not None:
            self.log("notice", "Killing running AOF rewrite child: %d" % self.child)
            self._kill_child()

    def shutdown(self, server=None):
        """prepareForShutdown's part: no rewrite child left behind, the file on disk."""
        if self.child is not None:
            self.log("warning", "There is a child rewriting the AOF. Killing it!")
            self._kill_child()
        if self.state != OFF and self.fd >= 0:
            self.before_reply()
            self.log("notice", "Calling fsync() on the AOF file.")
            self._join_fsync()
            try:
                os.fsync(self.fd)
            except OSError:
                pass

    # ---- rewrite --------------------------------------------------------
    def start_rewrite(self):
        """rewriteAppendOnlyFileBackground; False when the fork failed."""
        self.rewrite_scheduled = False
        self.before_reply()
        os.makedirs(self.dirname, exist_ok=True)
        m = self.manifest
        if self.state == ON:
            # The writes from here on go to a new incr file, already in the manifest.
            name = m.new_incr()
            self._open_incr(name)
            self._persist_manifest()
            self.log("notice", "Creating AOF incr file %s on background rewrite" % name)
        snapshot = _snapshot_writer(self.config)
        self.child_rdb = snapshot is not None
        started = _now()
        fork_started = time.perf_counter()
        try:
            pid = os.fork()
        except OSError as exc:
            self.log("warning", "Can't rewrite append only file in background: fork: %s" % exc.strerror)
            self.last_rewrite_ok = False
            return False
        if pid == 0:
            code = 1
            try:
                self.log.role = "C"
                temp = "temp-rewriteaof-bg-%d.aof" % os.getpid()
                self._write_base(temp, snapshot)
                self.log("notice", "Successfully created the temporary AOF base file %s" % temp)
                code = 0
            except BaseException:
                pass
            finally:
                os._exit(code)
        fork_done(self.server, fork_started)
        # Named after the child, as Redis names it.
        temp = "temp-rewriteaof-bg-%d.aof" % pid
        self.child = pid
        # Counted when started, as Redis's stat_aof_rewrites.
        self.rewrites += 1
        self.child_temp = temp
        self.child_start = started
        self.log("notice", "Background append only file rewriting started by pid %d" % pid)
        return True

    def _poll_child(self):
        try:
            pid, status = os.waitpid(self.child, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.child, 1 << 8
        if pid == 0:
            return
        self.child = None
        self.last_rewrite_secs = int(_now() - self.child_start)
        code = os.waitstatus_to_exitcode(status)
        if code == 0:
            self._rewrite_done()
        else:
            if code < 0:
                self.log("warning", "Background AOF rewrite terminated by signal %d" % -code)
            else:
                self.log("warning", "Background AOF rewrite terminated with error")
            self._rewrite_failed()

    def _rewrite_failed(self):
        self.last_rewrite_ok = False
        self.rewrite_failures += 1
        try:
            os.unlink(self.child_temp)
        except OSError:
            pass
        if self.state == WAIT_REWRITE:
            # Try again from the cron, as Redis does while waiting for the first base.
            self.rewrite_scheduled = True

    def _rewrite_done(self):
        """backgroundRewriteDoneHandler."""
        self.log("notice", "Background AOF rewrite terminated with success")
        m = self.manifest.copy()
        name = m.new_base(rdb=self.child_rdb)
        try:
            os.rename(self.child_temp, self.path(name))
        except OSError as exc:
            self.log("warning", "Error trying to rename the temporary AOF base file %s into %s: %s"
                     % (self.child_temp, name, exc.strerror))
            self._rewrite_failed()
            return
        self.log("notice", "Successfully renamed the temporary AOF base file %s into %s"
                 % (self.child_temp, name))
        if self.state == WAIT_REWRITE:
            incr = m.new_incr()
            # markRewrittenIncrAofAsHistory: incr files of an earlier AOF (on, off, on again) are in the base.
            m.history[:0] = m.incrs[:-1]
            del m.incrs[:-1]
            os.rename(self.path(self.temp_incr), self.path(incr))
            self.temp_incr = None
            self.log("notice", "Successfully renamed the temporary AOF incr file %s into %s"
                     % (mf.temp_incr_name(self.config["appendfilename"]), incr))
        elif self.state == ON:
            # Every incr file but the one written since the fork is in the new base.
            m.history[:0] = m.incrs[:-1]
            del m.incrs[:-1]
        else:
            m.history[:0] = m.incrs
            m.incrs = []
        self.manifest = m
        self._persist_manifest()
        if self.state == WAIT_REWRITE:
            self.state = ON
        self.base_size = self._file_size(m.base)
        self.current_size = self.base_size + sum(self._file_size(n) for n in m.incrs)
        self._delete_history()
        self.rewrite_failures = 0
        self.last_rewrite_ok = True
        self.log("notice", "Background AOF rewrite finished successfully")

    def _kill_child(self):
        try:
            os.kill(self.child, 9)
            os.waitpid(self.child, 0)
        except OSError:
            pass
        try:
            os.unlink(self.child_temp)
        except OSError:
            pass
        self.child = None

    def _write_base(self, path, snapshot=None):
        """rewriteAppendOnlyFile: the dataset as an RDB or as commands, fsynced, through a temp file."""
        temp = path + ".tmp-%d" % os.getpid()
        with open(temp, "wb") as f:
            if snapshot is not None:
                snapshot(self.server, f)
            else:
                write_dataset(self.server, f, self.config["aof-timestamp-enabled"])
            f.flush()
            os.fsync(f.fileno())
        os.rename(temp, path)

    # ---- manifest and history --------------------------------------------
    def _persist_manifest(self):
        mf.persist(self.dirname, self.manifest)

    def _delete_history(self):
        if self.config["aof-disable-auto-gc"]:
            return
        m = self.manifest
        for name in m.history:
            self.log("notice", "Removing the history file %s in the background" % name)
            try:
                os.unlink(self.path(name))
            except OSError:
                pass
        if m.history:
            m.history = []
            self._persist_manifest()

    def _file_size(self, name):
        if name is None:
            return 0
        try:
            return os.stat(self.path(name)).st_size
        except OSError:
            return 0

    # ---- INFO -----------------------------------------------------------
    def info_fields(self):
        fields = [
            ("aof_enabled", 1 if self.state != OFF else 0),
            ("aof_rewrite_in_progress", 1 if self.child is not None else 0),
            ("aof_rewrite_scheduled", 1 if self.rewrite_scheduled else 0),
            ("aof_last_rewrite_time_sec", self.last_rewrite_secs),
            ("aof_current_rewrite_time_sec",
             int(_now() - self.child_start) if self.child is not None else -1),
            ("aof_last_bgrewrite_status", "ok" if self.last_rewrite_ok else "err"),
            ("aof_rewrites", self.rewrites),
            ("aof_rewrites_consecutive_failures", self.rewrite_failures),
            ("aof_last_write_status", "ok" if self.last_write_ok else "err"),
            ("aof_last_cow_size", 0),
            ("module_fork_in_progress", 0),
            ("module_fork_last_cow_size", 0),
        ]
        if self.state != OFF:
            fields += [
                ("aof_current_size", self.current_size),
                ("aof_base_size", self.base_size),
                ("aof_pending_rewrite", 1 if self.rewrite_scheduled else 0),
                ("aof_buffer_length", sum(len(b) for b in self.buf)),
                ("aof_pending_bio_fsync", 1 if self.fsync_in_progress() else 0),
                ("aof_delayed_fsync", 0),
            ]
        return fields


def _now():
    """Seconds, from the server's one clock."""
    return now_ms() / 1000.0


def _snapshot_writer(config):
    """The RDB writer for the base's preamble, when aof-use-rdb-preamble asks for one."""
    if not config["aof-use-rdb-preamble"]:
        return None
    from .rdb import write_snapshot
    return write_snapshot


def _fsync_quietly(fd):
    try:
        os.fsync(fd)
    except OSError:
        pass


def bgrewriteaof(server):
    """BGREWRITEAOF: the status line, or raises CommandError."""
    aof = server.aof
    if aof.child is not None:
        raise CommandError(errors.AOF_REWRITE_IN_PROGRESS)
    if aof.state == WAIT_REWRITE:
        aof.rewrite_scheduled = True
        return b"+Background append only file rewriting scheduled\r\n"
    if aof.manifest is None:
        # Off: a rewrite makes a base of its own, as a later CONFIG SET appendonly yes would.
        aof.manifest = mf.load_from_disk(aof.dirname, aof.config["appendfilename"]) or aof._new_manifest()
    if not aof.start_rewrite():
        raise CommandError(errors.AOF_REWRITE_FAILED)
    return b"+Background append only file rewriting started\r\n"


def install(server):
    """Start hook: the AOF state, its cron, its flush before replies, CONFIG SET appendonly."""
    aof = server.aof = Aof(server)
    # Per server: the class-level hook lists are shared by every instance.
    server.before_reply_hooks = server.before_reply_hooks + [aof.before_reply]
    server.cron_hooks = server.cron_hooks + [aof.cron]
    server.shutdown_hooks = server.shutdown_hooks + [aof.shutdown]

    def appendonly_changed(value):
        if value:
            aof.enable()
        else:
            aof.disable()
    server.config.watch("appendonly", appendonly_changed)
