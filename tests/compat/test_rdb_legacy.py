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
from serverproc import free_port, start_pyredis, start_redis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")


def rdb_len(n):
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return struct.pack(">H", 0x4000 | n)
    return b"\x80" + struct.pack(">I", n)


def rdb_str(s):
    return rdb_len(len(s)) + s


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
