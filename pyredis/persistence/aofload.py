"""Loading the AOF at start-up: the manifest's files in order, run by a client of no connection.

As Redis's loadAppendOnlyFiles / loadSingleAppendOnlyFile, with its log
lines; a file cut short is truncated to its last whole command when
``aof-load-truncated`` allows it and it is the last file, else the start
fails.  An old single ``appendfilename`` file is moved into the directory and
becomes the base (aofUpgradePrepare).
"""
import io
import os
import socket

from ..client import Client
from ..db import now_ms
from ..dispatch import lookup
from ..errors import CommandError
from . import manifest as mf

OK, NOT_EXIST, EMPTY, TRUNCATED, FAILED = range(5)


class LoadFailed(Exception):
    """The AOF cannot be loaded; the messages are already logged and the server must exit."""


class _NoSocket:
    family = socket.AF_UNIX

    def fileno(self):
        return -1


def loading_client(server):
    """Redis's fake client for AOF loading: no connection, replies dropped."""
    c = Client(server, _NoSocket(), 0)
    c.reply_off = True
    c.deny_blocking = True
    return c


def load_at_startup(server):
    """Load the AOF into an empty dataset, then open it for appending; raises LoadFailed."""
    aof = server.aof
    log = server.log
    config = server.config
    dirname, filename = config["appenddirname"], config["appendfilename"]
    try:
        m = mf.load_from_disk(dirname, filename)
    except mf.ManifestError as exc:
        log("warning", str(exc))
        raise LoadFailed()
    except OSError as exc:
        log("warning", "Can't open the AOF manifest file %s: %s" % (filename + ".manifest", exc.strerror))
        raise LoadFailed()
    if m is None and os.path.isfile(filename):
        m = _upgrade(server, dirname, filename)
    aof.manifest = m
    if m is not None:
        start = now_ms() / 1000.0
        result = _load_files(server, m, dirname)
        if result == FAILED:
            raise LoadFailed()
        if result != NOT_EXIST:
            log("notice", "DB loaded from append only file: %.3f seconds" % (now_ms() / 1000.0 - start))
    aof.open_on_start()


def load_append_only_files(server):
    """loadAppendOnlyFiles from the current manifest (DEBUG LOADAOF): False when nothing loaded."""
    m = server.aof.manifest
    if m is None:
        return False
    return _load_files(server, m, server.config["appenddirname"]) in (OK, EMPTY)


def _upgrade(server, dirname, filename):
    """aofUpgradePrepare: the old file becomes base 1 of a new manifest, moved into the directory."""
    os.makedirs(dirname, exist_ok=True)
    m = mf.Manifest(filename)
    m.base = filename
    m.base_seq = 1
    m.seqs[filename] = 1
    mf.persist(dirname, m)
    os.rename(filename, os.path.join(dirname, filename))
    server.log("notice", "Successfully migrated an old-style AOF into the AOF directory (%s)." % dirname)
    return m


def _load_files(server, m, dirname):
    names = ([(m.base, "base")] if m.base is not None else []) + [(n, "incr") for n in m.incrs]
    if not any(os.path.exists(os.path.join(dirname, n)) for n, _ in names):
        return NOT_EXIST
    loaded_any = False
    for i, (name, kind) in enumerate(names):
        last = i == len(names) - 1
        path = os.path.join(dirname, name)
        if not os.path.exists(path):
            server.log("warning", "The AOF file %s doesn't exist" % name)
            return FAILED
        start = now_ms() / 1000.0
        result = load_file(server, path, name)
        if result == TRUNCATED and not last:
            server.log("warning", "Fatal error: the truncated file is not the last file")
            return FAILED
        if result == FAILED:
            return FAILED
        if result in (OK, TRUNCATED):
            loaded_any = True
            server.log("notice", "DB loaded from %s file %s: %.3f seconds"
                       % (kind, name, now_ms() / 1000.0 - start))
    return OK if loaded_any else EMPTY


def load_file(server, path, name):
    """loadSingleAppendOnlyFile: OK, EMPTY, TRUNCATED or FAILED (logged)."""
    log = server.log
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        return EMPTY
    if data.startswith(b"REDIS"):
        from . import rdb
        log("notice", "Reading RDB base file on AOF loading...")
        stream = io.BytesIO(data)
        try:
            rdb.read_snapshot(server, stream, aof_preamble=True)
        except rdb.RdbLoadError:
            log("warning", "Error reading the RDB preamble of the AOF file %s, AOF loading aborted" % name)
            return FAILED
        log("notice", "Reading the remaining AOF tail...")
        pos = stream.tell()
    else:
        pos = 0
    c = loading_client(server)
    outcome = _replay(server, c, data, pos, name)
    if outcome == "ok":
        return OK
    kind, valid_up_to = outcome
    if kind == "fmt":
        log("warning", "Bad file format reading the append only file %s: make a backup of your AOF file, "
            "then use ./redis-check-aof --fix <filename.manifest>" % name)
        return FAILED
    if kind == "unknown":
        return FAILED
    # Unexpected end of file.
    if server.config["aof-load-truncated"]:
        log("warning", "!!! Warning: short read while loading the AOF file %s!!!" % name)
        log("warning", "!!! Truncating the AOF %s at offset %d !!!" % (name, valid_up_to))
        try:
            os.truncate(path, valid_up_to)
        except OSError as exc:
            log("warning", "Error truncating the AOF file %s: %s" % (name, exc.strerror))
            return FAILED
        log("warning", "AOF %s loaded anyway because aof-load-truncated is enabled" % name)
        return TRUNCATED
    log("warning", "Unexpected end of file reading the append only file %s. You can: 1) Make a backup "
        "of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you "
        "can set the 'aof-load-truncated' configuration option to yes and restart the server." % name)
    return FAILED


def _line(data, pos):
    """(line without CRLF, position after it) or None when the line is incomplete."""
    end = data.find(b"\n", pos)
    if end < 0:
        return None
    return data[pos:end].rstrip(b"\r"), end + 1


def _replay(server, c, data, pos, name):
    """Run every command; "ok", or (kind, valid_up_to) with kind "eof", "fmt" or "unknown"."""
    n = len(data)
    valid_up_to = pos
    before_multi = -1
    in_multi = False
    # A transaction runs at its EXEC, so a cut-off one leaves nothing behind.
    queued = []
    while pos < n:
        if data[pos:pos + 1] == b"#":
            # An annotation (#TS:...): skipped whole.
            got = _line(data, pos)
            if got is None:
                return "eof", valid_up_to
            pos = got[1]
            valid_up_to = pos
            continue
        if data[pos:pos + 1] != b"*":
            return "fmt", valid_up_to
        got = _line(data, pos)
        if got is None:
            return "eof", valid_up_to
        head, pos = got
        try:
            argc = int(head[1:])
        except ValueError:
            return "fmt", valid_up_to
        if argc < 1:
            return "fmt", valid_up_to
        argv = []
        for _ in range(argc):
            got = _line(data, pos)
            if got is None:
                return "eof", valid_up_to
            head, pos = got
            if head[:1] != b"$":
                return "fmt", valid_up_to
            try:
                length = int(head[1:])
            except ValueError:
                return "fmt", valid_up_to
            if pos + length + 2 > n:
                return "eof", valid_up_to
            argv.append(data[pos:pos + length])
            pos += length + 2
        cmd, error = lookup(argv)
        if cmd is None:
            server.log("warning", "Unknown command '%s' reading the append only file %s"
                       % (argv[0].decode("latin-1"), name))
            return "unknown", valid_up_to
        name_ = cmd.fullname
        if name_ == "multi":
            before_multi = valid_up_to
            in_multi = True
        elif name_ == "exec":
            in_multi = False
            for queued_cmd, queued_argv in queued:
                _run(server, c, queued_cmd, queued_argv)
            del queued[:]
        elif error is None:
            if in_multi:
                queued.append((cmd, argv))
            else:
                _run(server, c, cmd, argv)
        valid_up_to = pos
    if in_multi:
        # Only a clean end inside MULTI is reverted; a command cut short
        # leaves the file as far as its last whole command, as Redis does.
        server.log("warning", "Revert incomplete MULTI/EXEC transaction in AOF file %s" % name)
        return "eof", before_multi
    return "ok"


def _run(server, c, cmd, argv):
    c.cmd = cmd
    c.argv = argv
    server.current_event = cmd.event
    try:
        cmd.handler(c, argv)
    except CommandError:
        pass
