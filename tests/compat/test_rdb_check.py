"""A corrupt RDB at startup, and redis-check-rdb: the same file to pyredis and to redis-server 7.0.15.

redis-server logs the load error, then runs redis-check-rdb over the file
(its report goes to stdout) and exits; the standalone redis-check-rdb prints
the same report.  Log lines are compared without their pid/time prefix.
"""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

import rdbfiles as rf
from pyredis.config import Config
from pyredis.persistence.rdb_check import check_file
from serverproc import free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")

_PREFIX = re.compile(rb"^\d+:[CM] \d\d \w{3} \d{4} [\d:.]+ [#*.-] ", re.M)
# Where the failure's own lines begin: everything before is the start-up banner.
_FIRST = re.compile(rb"^LOG (Short read|Wrong RDB checksum|Internal error|Guru|Can.t handle|Failed loading)", re.M)


def _patch(data, at, value):
    return data[:at] + value + data[at + len(value):]


G = rf.GOOD
_LP = G.index(rf.listpack([b"a", b"b", b"c"]))
CORRUPT = {
    "truncated": G[:_LP + 8],
    "bad-type": _patch(G, G.index(b"\x00\x01n"), b"\x1e"),
    "bad-checksum": G[:-1] + bytes((G[-1] ^ 1,)),
    "bad-length": _patch(G, G.index(b"\x03bar") , b"\x30"),
    "bad-listpack": _patch(G, _LP + 3, b"\x11"),
    "bad-string-encoding": _patch(G, G.index(b"\x00\x03foo") + 5, b"\xc4"),
    "empty-node": rf.finish(rf.HEAD + rf.string(b"x", b"y") + b"\x12\x01l\x01\x02\x00"),
    "dup-member-then-eof": rf.HEAD + b"\x02\x01s\x03\x01a\x01a\x01",
    "nul-in-key": rf.HEAD + rf.string(b"a\x00b", b"v") + b"\x00\x02k",
    "expired-then-eof": rf.HEAD + rf.string(b"old", b"v", 1000) + rf.string(b"new", b"v", rf.FAR)
    + b"\x00\x03abc\x05",
    "zero-length-lzf": rf.HEAD + b"\x00\x01k\xc3\x05\x10abc",
    "bad-function": rf.finish(rf.HEAD + b"\xf5" + rf.rdb_str(b"x") + rf.string(b"k", b"v")),
    "truncated-function": rf.HEAD + b"\xf5\x05ab",
    "function-then-eof": rf.HEAD + b"\xf5" + rf.rdb_str(b"#!lua name=lib\nbad code"),
    "bad-version": b"REDIS0011" + rf.KEYS,
}
# Found only by the deep sanitization redis-check-rdb applies (a back-length).
DEEP_ONLY = _patch(G, _LP + 8, b"\x03")


def _start(argv0, data, *extra):
    d = os.path.join(os.environ.get("TMPDIR", "/tmp"), "rdbcheck-%d-%d" % (os.getpid(), time.time_ns()))
    os.makedirs(d)
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(data)
    argv = [sys.executable, "-m", "pyredis"] if argv0 == "pyredis" else ["redis-server"]
    out = subprocess.run(argv + ["--port", str(free_port()), "--bind", "127.0.0.1", "--save", "",
                                 "--dir", d] + list(extra),
                         capture_output=True, timeout=60)
    shutil.rmtree(d, ignore_errors=True)
    return out.returncode, _PREFIX.sub(b"LOG ", out.stdout)


def _failure(text):
    m = _FIRST.search(text)
    return text[m.start():] if m else text


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_a_corrupt_file_stops_both_servers_with_the_same_report(name):
    data = CORRUPT[name]
    ours, theirs = _start("pyredis", data), _start("redis-server", data)
    # A library that does not compile fails the load, but the check (which
    # reads code without compiling it) passes the file: that exit is 0.
    assert ours[0] == theirs[0] == (0 if name == "bad-function" else 1)
    assert _failure(ours[1]) == _failure(theirs[1]), (ours[1].decode("latin-1"),
                                                      theirs[1].decode("latin-1"))


def test_deep_faults_stop_the_load_only_when_sanitizing():
    ours, theirs = (_start(argv0, DEEP_ONLY, "--sanitize-dump-payload", "yes")
                    for argv0 in ("pyredis", "redis-server"))
    assert ours[0] == theirs[0] == 1
    assert b"Listpack integrity check failed." in ours[1]
    assert _failure(ours[1]) == _failure(theirs[1])


def _redis_check(path):
    out = subprocess.run(["redis-check-rdb", path], capture_output=True, timeout=30)
    return out.returncode, _PREFIX.sub(b"LOG ", out.stdout), out.stderr


def _our_check(path):
    lines = []
    code = check_file(Config(), path, lambda level, text: lines.append(b"LOG %s\n" % text.encode()),
                      int(time.time() * 1000), out=lines.append)
    return code, b"".join(lines), b""


def _files():
    return dict(CORRUPT, good=G, deep=DEEP_ONLY, empty=b"", short=b"REDIS00", nocrc=rf.finish(rf.HEAD, False))


@pytest.mark.parametrize("name", sorted(_files()))
def test_the_standalone_checker_prints_what_redis_check_rdb_prints(tmp_path, name):
    path = str(tmp_path / "x.rdb")
    with open(path, "wb") as f:
        f.write(_files()[name])
    assert _our_check(path) == _redis_check(path)


def test_the_command_line_tool(tmp_path):
    path = str(tmp_path / "x.rdb")
    with open(path, "wb") as f:
        f.write(CORRUPT["bad-listpack"])
    for args in ([path], ["-v"], [], [path, path], [str(tmp_path / "missing.rdb")]):
        ours = subprocess.run([sys.executable, "-m", "pyredis.persistence.rdb_check"] + args,
                              capture_output=True, timeout=30)
        theirs = subprocess.run(["redis-check-rdb"] + args, capture_output=True, timeout=30)
        assert ours.returncode == theirs.returncode, args
        assert _PREFIX.sub(b"", ours.stdout) == _PREFIX.sub(b"", theirs.stdout), args
        assert ours.stderr.split(b" ")[0] == theirs.stderr.split(b" ")[0], args


def _mutations(data, step=1):
    """Truncations, and a few byte changes (checksum zeroed, so each is read), every ``step`` bytes."""
    yield data
    for n in range(0, len(data), step):
        yield data[:n]
    body = data[:-8] + bytes(8)
    for at in range(9, len(body) - 8, step):
        for value in (0x00, 0x40, 0xFF):
            yield _patch(body, at, bytes((value,)))
        yield _patch(body, at, bytes((body[at] ^ 0x80,)))


def _legacy():
    """A file of the encodings older versions wrote (ziplist, zipmap, intset, string doubles)."""
    from .test_rdb_legacy import LEGACY
    body = rf.HEAD
    for key in sorted(LEGACY):
        data = LEGACY[key][:-10]
        body += data[:1] + rf.rdb_str(key) + data[1:]
    return rf.finish(body)


@pytest.mark.parametrize("source", ["current", "legacy"])
def test_mutated_files_get_the_same_report(tmp_path, source):
    path = str(tmp_path / "x.rdb")
    for data in _mutations(G) if source == "current" else _mutations(_legacy(), 3):
        with open(path, "wb") as f:
            f.write(data)
        assert _our_check(path) == _redis_check(path), data
