"""Encodings older Redis versions wrote (ziplist, zipmap, intset, quicklist of ziplists,
string-encoded doubles, RDB versions before 10): loaded by pyredis as redis-server 7.0 loads them.
"""
import os
import shutil
import struct
import tempfile
import time

import pytest
import redis

from pyredis._speedups import crc64
from rdbfiles import rdb_len, rdb_str
from serverproc import free_port, start_pyredis, start_redis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")


def ziplist(items):
    body = b""
    prev = 0
    tail = 10
    for item in items:
        entry = bytes((prev,)) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        if isinstance(item, int):
            if 0 <= item <= 12:
                entry += bytes((0xF1 + item,))
            else:
                entry += b"\xc0" + struct.pack("<h", item)
        elif len(item) <= 63:
            entry += bytes((len(item),)) + item
        else:
            entry += struct.pack(">H", 0x4000 | len(item)) + item
        tail = 10 + len(body)
        body += entry
        prev = len(entry)
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, tail, len(items)) + body + b"\xff"


def zipmap(pairs):
    out = bytes((len(pairs),))
    for f, v in pairs:
        out += bytes((len(f),)) + f + bytes((len(v),)) + b"\x00" + v
    return out + b"\xff"


def intset(values, width):
    code = {2: "h", 4: "i", 8: "q"}[width]
    return struct.pack("<II", width, len(values)) + struct.pack("<%d%s" % (len(values), code), *values)


def payload(kind, body, version=9):
    data = bytes((kind,)) + body + struct.pack("<H", version)
    return data + struct.pack("<Q", crc64(0, data))


def string_double(d):
    text = repr(d).encode()
    return bytes((len(text),)) + text


LEGACY = {
    b"list_linked": payload(1, rdb_len(3) + rdb_str(b"a") + rdb_str(b"b") + rdb_str(b"123")),
    b"set_linked": payload(2, rdb_len(3) + rdb_str(b"1") + rdb_str(b"2") + rdb_str(b"3")),
    b"set_linked_str": payload(2, rdb_len(2) + rdb_str(b"x") + rdb_str(b"2")),
    b"zset_text": payload(3, rdb_len(3) + rdb_str(b"a") + string_double(1.5) + rdb_str(b"b")
                          + b"\xfe" + rdb_str(b"c") + b"\xff"),
    b"hash_linked": payload(4, rdb_len(2) + rdb_str(b"f") + rdb_str(b"v") + rdb_str(b"g")
                            + rdb_str(b"w" * 100)),
    b"hash_zipmap": payload(9, rdb_str(zipmap([(b"f1", b"v1"), (b"f2", b"22")])), version=3),
    b"list_ziplist": payload(10, rdb_str(ziplist([b"a", 5, -300, b"x" * 100]))),
    b"set_intset16": payload(11, rdb_str(intset([-3, 1, 2], 2))),
    b"set_intset64": payload(11, rdb_str(intset([1, 1 << 40], 8))),
    b"zset_ziplist": payload(12, rdb_str(ziplist([b"c", -300, b"a", 1, b"b", b"2.5"]))),
    b"hash_ziplist": payload(13, rdb_str(ziplist([b"f", b"v", b"n", 7]))),
    b"list_quicklist": payload(14, rdb_len(2) + rdb_str(ziplist([b"a", b"b"]))
                               + rdb_str(ziplist([3, b"d" * 70]))),
}


def read_back(r, key):
    kind = r.type(key)
    if kind == b"list":
        value = r.lrange(key, 0, -1)
    elif kind == b"set":
        value = sorted(r.smembers(key))
    elif kind == b"hash":
        value = sorted(r.hgetall(key).items())
    elif kind == b"zset":
        value = r.zrange(key, 0, -1, withscores=True)
    else:
        value = r.get(key)
    return kind, value, r.object("encoding", key)


@pytest.fixture(scope="module")
def both():
    ours, theirs = start_pyredis(), start_redis()
    yield (redis.Redis(host=ours.host, port=ours.port), redis.Redis(host=theirs.host, port=theirs.port))
    ours.stop()
    theirs.stop()


@pytest.mark.parametrize("key", sorted(LEGACY))
def test_legacy_payloads_restore_as_in_redis(both, key):
    py, rs = both
    for r in both:
        r.delete(key)
        assert r.restore(key, 0, LEGACY[key]) == b"OK"
    assert read_back(py, key) == read_back(rs, key)


def test_small_limits_convert_on_load(both):
    py, rs = both
    for r in both:
        r.config_set("hash-max-listpack-entries", 1)
        r.config_set("zset-max-listpack-entries", 1)
        r.config_set("set-max-intset-entries", 1)
    try:
        for key in (b"hash_ziplist", b"zset_ziplist", b"set_intset16", b"hash_zipmap"):
            for r in both:
                r.delete(key)
                r.restore(key, 0, LEGACY[key])
            assert read_back(py, key) == read_back(rs, key)
    finally:
        for r in both:
            r.config_set("hash-max-listpack-entries", 128)
            r.config_set("zset-max-listpack-entries", 128)
            r.config_set("set-max-intset-entries", 512)


def test_corrupt_payloads_are_bad_data_format(both):
    for body in (rdb_str(b"\x01\x02\x03"), rdb_str(ziplist([b"a"])[:-1] + b"\x00"), b"\x05"):
        data = payload(13, body)
        replies = []
        for r in both:
            with pytest.raises(redis.ResponseError) as exc:
                r.restore("bad", 0, data)
            replies.append(str(exc.value))
        assert replies == ["Bad data format"] * 2


def test_old_version_file_loads_as_in_redis():
    when = int(time.time()) + 3600
    body = b"REDIS0003" + b"\xfe\x00"
    body += b"\xfd" + struct.pack("<i", when) + b"\x00" + rdb_str(b"old") + rdb_str(b"value")
    body += b"\x03" + rdb_str(b"z") + rdb_len(2) + rdb_str(b"a") + string_double(2.0) \
        + rdb_str(b"b") + b"\xfe"
    body += b"\x0d" + rdb_str(b"h") + rdb_str(ziplist([b"f", b"v"]))
    body += b"\xfe\x02" + b"\x00" + rdb_str(b"in2") + rdb_str(b"x")
    body += b"\xff"
    results = []
    for start in (start_pyredis, start_redis):
        d = tempfile.mkdtemp(prefix="rdb-old-")
        with open(os.path.join(d, "dump.rdb"), "wb") as f:
            f.write(body)
        proc = start("--dir", d)
        try:
            r = redis.Redis(host=proc.host, port=proc.port)
            seen = {key: read_back(r, key) for key in (b"old", b"z", b"h")}
            seen["ttl"] = r.ttl("old") > 3500
            r.execute_command("SELECT", 2)
            seen["in2"] = r.get("in2")
            results.append(seen)
        finally:
            proc.stop()
    assert results[0] == results[1]
    assert results[0]["in2"] == b"x"


def test_sanitize_dump_payload_refuses_duplicates(both):
    from pyredis.persistence.blobs import listpack_of
    data = payload(16, rdb_str(listpack_of([b"f", b"v", b"f", b"w"])), version=10)
    for r in both:
        r.config_set("sanitize-dump-payload", "yes")
    try:
        for r in both:
            with pytest.raises(redis.ResponseError, match="^Bad data format$"):
                r.restore("dup", 0, data)
    finally:
        for r in both:
            r.config_set("sanitize-dump-payload", "no")


def _failed_start(argv0, rdb):
    import subprocess
    import sys
    d = tempfile.mkdtemp(prefix="rdb-bad-")
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(rdb)
    port = str(free_port())
    argv = ([sys.executable, "-m", "pyredis"] if argv0 == "pyredis" else ["redis-server"])
    out = subprocess.run(argv + ["--port", port, "--save", "", "--dir", d], capture_output=True,
                         timeout=30)
    assert out.returncode == 1
    return out.stdout.decode("latin-1")


@pytest.mark.parametrize("rdb,line", [
    (b"REDIS0010\xfe\x00\x1e\x01k\x01v\xff" + bytes(8),
     "Internal error in RDB reading offset 0, function at rdb.c:2681 -> Unknown RDB encoding type 30"),
    (b"REDIS0010\xfe\x00\x00\x01k\xc4\x01\xff",
     "Internal error in RDB reading offset 0, function at rdb.c:529 -> "
     "Unknown RDB string encoding type 4"),
    (b"REDIS0010\xfe\x00\x00\x01k\x05abc",
     "Internal error in RDB reading offset 0, function at rdb.c:3249 -> "
     "Unexpected EOF reading RDB file"),
    (b"REDIS0010\xfe\x00\x0f\x01k\x01v\xff" + bytes(8),
     "Internal error in RDB reading offset 0, function at rdb.c:2338 -> "
     "Stream master ID loading failed: invalid encoding or I/O error."),
])
def test_bad_files_stop_both_servers_with_the_same_log(rdb, line):
    ours, theirs = _failed_start("pyredis", rdb), _failed_start("redis-server", rdb)
    assert line in ours and line in theirs


_HEAD = b"REDIS0010\xfe\x00"
_TAIL = b"\xff" + bytes(8)
_GARBAGE = rdb_str(b"garbagegarbage")


def _internal(line, text):
    return "Internal error in RDB reading offset 0, function at rdb.c:%d -> %s" % (line, text)


@pytest.mark.parametrize("rdb,lines", [
    (_HEAD + b"\x02\x01k\x82", [_internal(236, "Unknown length encoding 2 in rdbLoadLen()")]),
    (_HEAD + b"\x00\x01k\xc3\x02\x20\x00\x00", [_internal(413, "Invalid LZF compressed string")]),
    (_HEAD + b"\x03\x01k\x01\x01m\x03abc" + _TAIL,
     ["Short read or OOM loading DB. Unrecoverable error, aborting now.",
      _internal(3249, "Unexpected EOF reading RDB file")]),
    (_HEAD + b"\x02\x01k\x02\x01a\x01a" + _TAIL, [_internal(1829, "Duplicate set members detected")]),
    (_HEAD + b"\x05\x01k\x01\x01a" + struct.pack("<d", float("nan")) + _TAIL,
     [_internal(1882, "Zset with NAN score detected")]),
    (_HEAD + b"\x05\x01k\x02\x01a" + struct.pack("<d", 1) + b"\x01a" + struct.pack("<d", 2) + _TAIL,
     [_internal(1894, "Duplicate zset fields detected")]),
    (_HEAD + b"\x04\x01k" + rdb_len(601)
     + b"".join(rdb_str(b"f%d" % i) + b"\x01v" for i in range(600)) + b"\x02f1\x01v" + _TAIL,
     [_internal(2019, "Duplicate hash fields detected")]),
    (_HEAD + b"\x12\x01k\x01\x03\x01x" + _TAIL, [_internal(2048, "Quicklist integrity check failed.")]),
    (_HEAD + b"\x12\x01k\x01\x02" + _GARBAGE + _TAIL, [_internal(2071, "Listpack integrity check failed.")]),
    (_HEAD + b"\x0e\x01k\x01" + _GARBAGE + _TAIL, [_internal(2081, "Ziplist integrity check failed.")]),
    (_HEAD + b"\x09\x01k" + _GARBAGE + _TAIL, [_internal(2130, "Zipmap integrity check failed.")]),
    (_HEAD + b"\x0a\x01k" + _GARBAGE + _TAIL, [_internal(2189, "List ziplist integrity check failed.")]),
    (_HEAD + b"\x0b\x01k" + _GARBAGE + _TAIL, [_internal(2214, "Intset integrity check failed.")]),
    (_HEAD + b"\x0c\x01k" + _GARBAGE + _TAIL, [_internal(2229, "Zset ziplist integrity check failed.")]),
    (_HEAD + b"\x11\x01k" + _GARBAGE + _TAIL, [_internal(2255, "Zset listpack integrity check failed.")]),
    (_HEAD + b"\x0d\x01k" + _GARBAGE + _TAIL, [_internal(2275, "Hash ziplist integrity check failed.")]),
    (_HEAD + b"\x10\x01k" + _GARBAGE + _TAIL, [_internal(2301, "Hash listpack integrity check failed.")]),
    (b"REDXS0010" + _TAIL, ["Wrong signature trying to load DB from file",
                            "Fatal error loading the DB: Invalid argument. Exiting."]),
    (b"REDIS0011" + _TAIL, ["Can't handle RDB format version 11",
                            "Fatal error loading the DB: Invalid argument. Exiting."]),
    (b"REDIS0010\xfe\x14" + _TAIL, ["FATAL: Data file was created with a Redis server configured to "
                                    "handle more than 16 databases. Exiting"]),
])
def test_corrupt_values_are_reported_at_redis_lines(rdb, lines):
    ours, theirs = _failed_start("pyredis", rdb), _failed_start("redis-server", rdb)
    for log in (ours, theirs):
        at = [log.find(line) for line in lines]
        assert -1 not in at and at == sorted(at), (lines, log[-600:])
    # Only rdbReportError's failures name a line.
    assert ("Internal error" in ours) == ("Internal error" in theirs)
