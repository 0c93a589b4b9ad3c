"""The RDB entry points the rest of pyredis uses (SAVE, loading, DUMP, the AOF preamble).

The format lives in ``rdb_writer`` (rdbSave*) and ``rdb_loader`` (rdbLoad*);
this module adds files: a save goes to a temp file that is renamed over the
target, so a reader never sees half a snapshot.
"""
import os

from . import rdb_loader, rdb_writer
from .rdb_loader import FATAL, LOGGED, PANIC, REPORT, RdbLoadError

__all__ = ["RdbLoadError", "REPORT", "FATAL", "LOGGED", "PANIC", "save", "load", "serialized_length", "dump_payload",
           "write_snapshot", "read_snapshot"]


def write_snapshot(server, fileobj, aof_base=False, rsi=None, data=True, functions=True):
    """The RDB stream for every db to ``fileobj``; returns the number of keys written.

    ``rsi``: the replication history to record (replication.rdbinfo.save_info), or None.
    ``data``/``functions``: what a filtered replica (REPLCONF rdb-filter-only) asked for.
    """
    return rdb_writer.write_snapshot(server, fileobj, aof_base, rsi, data, functions)


def read_snapshot(server, fileobj, progress=None, aof_preamble=False, allow_dup=False, expired=None):
    """Load the RDB stream in ``fileobj`` into ``server.dbs``; a rdb_loader.LoadResult.

    A seekable ``fileobj`` is left just after the RDB's checksum, where an
    AOF's commands follow its RDB preamble (``result.size`` is the RDB's length).
    """
    start = fileobj.tell() if fileobj.seekable() else 0
    data = fileobj.read()
    result = rdb_loader.read_rdb(server, data, progress=progress, aof_preamble=aof_preamble,
                                 allow_dup=allow_dup, expired=expired)
    if result.size < len(data) and fileobj.seekable():
        fileobj.seek(start + result.size)
    if server.memory.active:
        # Loaded keys count towards maxmemory like written ones.
        server.memory.start()
    return result


def temp_path(path, pid=None):
    return os.path.join(os.path.dirname(path), "temp-%d.rdb" % (os.getpid() if pid is None else pid))


def save(server, path):
    """rdbSave: write ``path`` through temp-<pid>.rdb, fsync, rename; raises OSError.

    Every save to the dump file records the node's replication history, as
    Redis's SAVE, BGSAVE, shutdown, FLUSHALL and DEBUG RELOAD do.
    """
    from ..replication.rdbinfo import save_info
    rsi = save_info(server)
    temp = temp_path(path)
    try:
        f = open(temp, "wb")
    except OSError as exc:
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = "unknown"
        server.log("warning", "Failed opening the temp RDB file %s (in server root dir %s) for "
                   "saving: %s" % (os.path.basename(temp), cwd, exc.strerror))
        raise
    try:
        with f:
            write_snapshot(server, f, rsi=rsi)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except OSError as exc:
        server.log("warning", "Write error saving DB on disk: %s" % (exc.strerror or exc))
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def load(server, path, progress=None, allow_dup=False, expired=None, keep_expired=False):
    """Load the RDB file at ``path`` into ``server.dbs`` (emptying nothing); a LoadResult.

    ``allow_dup``: a key already there is replaced (DEBUG RELOAD MERGE), not fatal.
    ``expired(db_id, key)``: told of each key left out as already expired.
    ``keep_expired``: such keys are loaded all the same (a replica's: its master expires them).
    """
    with open(path, "rb") as f:
        return read_snapshot(server, f, progress, aof_preamble=keep_expired, allow_dup=allow_dup,
                             expired=expired)


def dump_payload(value, compress=True):
    return rdb_writer.dump_payload(value, compress)


def serialized_length(value, compress=True):
    return rdb_writer.serialized_length(value, compress)
