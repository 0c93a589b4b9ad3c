"""redis-check-rdb: walk an RDB file with deep sanitization and report what it holds or where it breaks.

The same report redis-server 7.0.15 prints (on stdout, whatever the logfile)
when a file it loads at startup turns out corrupt, and what the standalone
``redis-check-rdb <file>`` prints.  Offsets are bytes read so far; a value
whose loader reports its own error (rdbReportError) is shown with that error's
whole "Internal error ..." text and ends the process after the log line
"Terminating server after rdb file reading failure.", as Redis does.
"""
import os
import sys
from struct import Struct

from .rdb_loader import EmptyKey, Loader, RdbLoadError
from .rdb_writer import (
    OPCODE_AUX, OPCODE_EOF, OPCODE_EXPIRETIME, OPCODE_EXPIRETIME_MS, OPCODE_FREQ,
    OPCODE_FUNCTION, OPCODE_FUNCTION2, OPCODE_IDLE, OPCODE_RESIZEDB, OPCODE_SELECTDB, RDB_VERSION)

_I32 = Struct("<i")
_I64 = Struct("<q")

# rdb_check_doing_string, indexed by what the checker was doing.
START, READ_TYPE, READ_EXPIRE, READ_KEY, READ_OBJECT_VALUE, CHECK_SUM, READ_LEN, READ_AUX, \
    READ_MODULE_AUX, READ_FUNCTIONS = range(10)
DOING = ("start", "read-type", "read-expire", "read-key", "read-object-value", "check-sum",
         "read-len", "read-aux", "read-module-aux", "read-functions")

# rdb_type_string: the names of the value types, by type byte.
TYPE_NAMES = ("string", "list-linked", "set-hashtable", "zset-v1", "hash-hashtable", "zset-v2",
              "module-value", "", "", "hash-zipmap", "list-ziplist",
              "set-intset", "zset-ziplist", "hash-ziplist", "quicklist", "stream",
              "hash-listpack", "zset-listpack", "quicklist-v2")

# What a short read inside a value is: the value's loader returned NULL without a report.
_SILENT = "Unexpected EOF reading RDB file"


def _is_object_type(kind):
    """rdbIsObjectType."""
    return 0 <= kind <= 7 or 9 <= kind <= 19


def _text(value):
    """A string as printf's %s shows it: up to its first NUL."""
    end = value.find(b"\0")
    return bytes(value if end < 0 else value[:end])


class _Stop(Exception):
    """The check is over: ``reported`` when a loader's own error ended it."""

    def __init__(self, reported):
        Exception.__init__(self)
        self.reported = reported


class Checker:
    """redis_check_rdb over the bytes of one file; report lines go to ``out`` (bytes)."""

    def __init__(self, config, data, out, now):
        self.config = config
        self.loader = Loader(config, data, deep=True)
        self.out = out
        self.now = now
        self.doing = START
        self.key = None
        # Redis's checker state starts zeroed: type 0 until a first value is done.
        self.key_type = 0
        self.keys = 0
        self.expires = 0
        self.already_expired = 0

    def info(self, message):
        """rdbCheckInfo."""
        self.out(b"[offset %d] %s\n" % (self.loader.pos, message))

    def generic_info(self):
        """rdbShowGenericInfo."""
        self.out(b"[info] %d keys read\n[info] %d expires\n[info] %d already expired\n"
                 % (self.keys, self.expires, self.already_expired))

    def error(self, message):
        """rdbCheckError."""
        lines = [b"--- RDB ERROR DETECTED ---",
                 b"[offset %d] %s" % (self.loader.pos, message),
                 b"[additional info] While doing: %s" % DOING[self.doing].encode()]
        if self.key is not None:
            lines.append(b"[additional info] Reading key '%s'" % _text(self.key))
        if self.key_type != -1:
            name = TYPE_NAMES[self.key_type] if self.key_type < len(TYPE_NAMES) else "unknown"
            lines.append(b"[additional info] Reading type %d (%s)" % (self.key_type, name.encode()))
        self.out(b"".join(line + b"\n" for line in lines))
        self.generic_info()

    def run(self):
        """True when the file checks out; else the error is printed and _Stop raised."""
        try:
            self._walk()
        except RdbLoadError as exc:
            if exc.args[0] != _SILENT:
                # rdbReportError inside the checker: its message (no loading
                # progress is kept while checking, so offset 0), then the process ends.
                self.error(b"Internal error in RDB reading offset 0, function at rdb.c:%d -> %s"
                           % (exc.line, exc.args[0].encode("latin-1")))
                raise _Stop(True) from None
            self.error(_SILENT.encode())
            raise _Stop(False) from None
        except EmptyKey:
            # rdbLoadObject gives the checker no error slot: an empty value reads as a short read.
            self.error(_SILENT.encode())
            raise _Stop(False) from None
        return True

    def _walk(self):
        loader = self.loader
        if loader.end < 9:
            raise RdbLoadError(_SILENT)
        magic = loader.read(9)
        if magic[:5] != b"REDIS":
            self._fail(b"Wrong signature trying to load DB from file")
        try:
            version = int(bytes(magic[5:]))
        except ValueError:
            version = 0
        if version < 1 or version > RDB_VERSION:
            self._fail(b"Can't handle RDB format version %d" % version)
        expire = -1
        while True:
            self.doing = READ_TYPE
            kind = loader.byte()
            if kind == OPCODE_EXPIRETIME:
                self.doing = READ_EXPIRE
                expire = _I32.unpack(loader.read(4))[0] * 1000
                continue
            if kind == OPCODE_EXPIRETIME_MS:
                self.doing = READ_EXPIRE
                expire = _I64.unpack(loader.read(8))[0]
                continue
            if kind == OPCODE_FREQ:
                loader.byte()
                continue
            if kind == OPCODE_IDLE:
                loader.length()
                continue
            if kind == OPCODE_EOF:
                break
            if kind == OPCODE_SELECTDB:
                self.doing = READ_LEN
                self.info(b"Selecting DB ID %d" % loader.length())
                continue
            if kind == OPCODE_RESIZEDB:
                self.doing = READ_LEN
                loader.length()
                loader.length()
                continue
            if kind == OPCODE_AUX:
                self.doing = READ_AUX
                key = loader.string()
                value = loader.string()
                self.info(b"AUX FIELD %s = '%s'" % (_text(key), _text(value)))
                continue
            if kind in (OPCODE_FUNCTION, OPCODE_FUNCTION2):
                self.doing = READ_FUNCTIONS
                # rdbFunctionLoad without a library context: the code is read, not compiled.
                if kind == OPCODE_FUNCTION:
                    self._fail(b"Failed loading library, Pre-release function format not supported.")
                try:
                    loader.string()
                except RdbLoadError as exc:
                    if exc.args[0] != _SILENT:
                        raise
                    self._fail(b"Failed loading library, Failed loading library payload")
                continue
            if not _is_object_type(kind):
                self.error(b"Invalid object type: %d" % kind)
                raise _Stop(False)
            self.key_type = kind
            self.doing = READ_KEY
            self.key = loader.string()
            self.keys += 1
            self.doing = READ_OBJECT_VALUE
            loader.object(kind)
            if expire != -1:
                if expire < self.now:
                    self.already_expired += 1
                self.expires += 1
            self.key = None
            self.key_type = -1
            expire = -1
        if version >= 5 and self.config["rdbchecksum"]:
            from .._speedups import crc64
            self.doing = CHECK_SUM
            expected = crc64(0, bytes(loader.buf[:loader.pos]))
            stored = int.from_bytes(loader.read(8), "little")
            if stored == 0:
                self.info(b"RDB file was saved with checksum disabled: no check performed.")
            elif stored != expected:
                self._fail(b"RDB CRC error")
            else:
                self.info(b"Checksum OK")

    def _fail(self, message):
        self.error(message)
        raise _Stop(False)


def check_file(config, path, log, now, out=None):
    """redis_check_rdb_main: 0 when the file checks out, else 1 (the report printed).

    ``log`` takes the line that ends the process after a loader's own error.
    """
    if out is None:
        def out(data):
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
    shown = os.fsencode(path)
    out(b"[offset 0] Checking RDB file %s\n" % shown)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return 1
    checker = Checker(config, data, out, now)
    try:
        checker.run()
    except _Stop as stop:
        if stop.reported:
            log("warning", "Terminating server after rdb file reading failure.")
        return 1
    checker.info(b"\\o/ RDB looks OK! \\o/")
    checker.generic_info()
    return 0


def main(argv=None):
    """The redis-check-rdb command line: ``<rdb-file-name>``, or ``-v``."""
    from .. import REDIS_VERSION
    from ..config import Config
    from ..db import now_ms
    from ..log import Log
    argv = sys.argv if argv is None else argv
    if len(argv) != 2:
        sys.stderr.write("Usage: %s <rdb-file-name>\n" % argv[0])
        return 1
    if argv[1] in ("-v", "--version"):
        print("redis-check-rdb %s" % REDIS_VERSION)
        return 0
    return check_file(Config(), argv[1], Log("notice", "", role="C"), now_ms())


if __name__ == "__main__":
    sys.exit(main())
