"""Streams in RDB files, DUMP payloads and AOF rewrites, crossing between pyredis and redis-server.

Both servers build the same streams by commands (several listpack nodes,
deleted entries, consumer groups with pending entries and consumers).  A
file one writes is loaded by the other and compared entry for entry, group
for group; delivery and seen times are the writer's, so a loaded copy must
equal the writer's XINFO STREAM FULL exactly and the other server's apart
from those times.
"""
import os
import shutil
import subprocess
import tempfile

import pytest
import redis

from serverproc import start_pyredis, start_redis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")

CONFIG = ("--stream-node-max-entries", "4", "--enable-debug-command", "yes")
STREAMS = [b"s_plain", b"s_deleted", b"s_emptied", b"s_groups", b"s_farids", b"s_trimmed",
           b"s_bigval"]
# Streams with consumers: their payloads carry each server's own clock readings.
TIMED = {b"s_groups"}


def fill(r):
    r.flushall()
    for i in range(1, 11):
        r.xadd("s_plain", {"f": i, "name": "v%d" % i}, id="1-%d" % i)
    r.xadd("s_plain", {"other": "x", "n": "-70000"}, id="2-0")
    r.xadd("s_plain", {"f": "12345678901", "name": "y" * 70}, id="2-1")
    r.xadd("s_plain", {"f": "-1"}, id="3-0")
    for i in range(1, 16):
        r.xadd("s_deleted", {"a": i, "b": "x%d" % i}, id="5-%d" % i)
    r.xdel("s_deleted", "5-1", "5-2", "5-6", "5-9", "5-10", "5-11", "5-12")
    r.xadd("s_emptied", {"a": 1}, id="1-1")
    r.xadd("s_emptied", {"a": 2}, id="1-2")
    r.xdel("s_emptied", "1-1", "1-2")
    r.execute_command("XSETID", "s_emptied", "9-9", "ENTRIESADDED", 5, "MAXDELETEDID", "1-2")
    r.xadd("s_farids", {"a": 1}, id="5-100")
    r.xadd("s_farids", {"a": 2}, id="6-0")
    r.xadd("s_farids", {"a": 3}, id="18446744073709551614-5")
    r.xadd("s_farids", {"a": 4}, id="18446744073709551614-18446744073709551615")
    for i in range(1, 30):
        r.xadd("s_trimmed", {"k": i}, id="7-%d" % i)
    r.xtrim("s_trimmed", maxlen=10)
    r.xtrim("s_trimmed", minid="7-22", approximate=True)
    r.xadd("s_bigval", {"blob": "z" * 5000, "num": "-9223372036854775808"}, id="1-1")
    r.xadd("s_bigval", {"blob": "q" * 300, "num": "9223372036854775807"}, id="1-2")
    for i in range(1, 13):
        r.xadd("s_groups", {"f": i}, id="10-%d" % i)
    r.xgroup_create("s_groups", "g1", id="0")
    r.xgroup_create("s_groups", "g2", id="$")
    r.xgroup_create("s_groups", "123", id="10-3", entries_read=3)
    r.xreadgroup("g1", "alice", {"s_groups": ">"}, count=3)
    r.xreadgroup("g1", "bob", {"s_groups": ">"}, count=2)
    r.xreadgroup("g1", "bob", {"s_groups": ">"}, count=2, noack=True)
    r.xreadgroup("123", "carol", {"s_groups": ">"}, count=1)
    r.xack("s_groups", "g1", "10-2")
    r.xclaim("s_groups", "g1", "bob", 0, ["10-3"], idle=5000, retrycount=7)
    r.xgroup_createconsumer("s_groups", "g2", "dave")
    r.xdel("s_groups", "10-4", "10-12")


def _without_times(value, key=None):
    """XINFO STREAM FULL with delivery and seen times zeroed."""
    if isinstance(value, list):
        if key == b"pending" and value and isinstance(value[0], list):
            return [[x if i != len(entry) - 2 else 0 for i, x in enumerate(entry)]
                    for entry in value]
        out = []
        for i, x in enumerate(value):
            prev = value[i - 1] if i else None
            if prev == b"seen-time":
                out.append(0)
            else:
                out.append(_without_times(x, prev))
        return out
    return value


def full(r, key, timed):
    info = r.execute_command("XINFO", "STREAM", key, "FULL")
    return _without_times(info) if timed else info


def contents(r, timed=False):
    return {key: (r.xrange(key), full(r, key, timed), r.xinfo_stream(key)["radix-tree-keys"])
            for key in STREAMS}


def client(proc):
    return redis.Redis(host=proc.host, port=proc.port, protocol=2)


@pytest.fixture(scope="module")
def both():
    ours = start_pyredis(*CONFIG)
    theirs = start_redis(*CONFIG)
    py, rs = client(ours), client(theirs)
    fill(py)
    fill(rs)
    yield py, rs, ours, theirs
    ours.stop()
    theirs.stop()


def _copy_to_dir(path, prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    shutil.copy(path, os.path.join(d, "dump.rdb"))
    return d


def test_streams_built_alike(both):
    py, rs, _, _ = both
    assert contents(py, True) == contents(rs, True)


def test_pyredis_file_loads_in_redis(both):
    py, rs, ours, _ = both
    assert py.save() is True
    path = os.path.join(ours.cwd, "dump.rdb")
    check = subprocess.run(["redis-check-rdb", path], capture_output=True, timeout=60)
    assert check.returncode == 0, check.stdout
    assert b"RDB looks OK!" in check.stdout
    loaded = start_redis("--dir", _copy_to_dir(path, "srdb-"),
                         *CONFIG)
    try:
        other = client(loaded)
        assert other.execute_command("DEBUG", "DIGEST") == rs.execute_command("DEBUG", "DIGEST")
        assert contents(other) == contents(py)
        assert contents(other, True) == contents(rs, True)
    finally:
        loaded.stop()


def test_redis_file_loads_in_pyredis(both):
    py, rs, _, theirs = both
    assert rs.save() is True
    loaded = start_pyredis("--dir", _copy_to_dir(os.path.join(theirs.cwd, "dump.rdb"), "srdb-"),
                           *CONFIG)
    try:
        other = client(loaded)
        assert other.execute_command("DEBUG", "DIGEST") == rs.execute_command("DEBUG", "DIGEST")
        assert contents(other) == contents(rs)
        # Appending after the load continues the loaded last node as Redis does.
        for r in (other, rs):
            r.copy("s_deleted", "appended")
            r.xadd("appended", {"a": 99}, id="6-0")
            r.xadd("appended", {"b": 1}, id="6-1")
        assert full(other, "appended", True) == full(rs, "appended", True)
        assert other.dump("appended") == rs.dump("appended")
    finally:
        rs.delete("appended")
        loaded.stop()


def test_dump_payloads_cross_both_ways(both):
    py, rs, _, _ = both
    for key in STREAMS:
        mine, oracle = py.dump(key), rs.dump(key)
        if key not in TIMED:
            assert mine == oracle, key
        for r, payload in ((py, oracle), (rs, mine)):
            r.delete(b"copy:" + key)
            assert r.restore(b"copy:" + key, 0, payload) == b"OK"
        # A restored copy dumps back to the very payload it came from.
        assert py.dump(b"copy:" + key) == oracle
        assert rs.dump(b"copy:" + key) == mine
        assert py.xrange(b"copy:" + key) == rs.xrange(key)


def test_uncompressed_payloads(both):
    py, rs, _, _ = both
    for r in (py, rs):
        r.config_set("rdbcompression", "no")
    try:
        for key in STREAMS:
            if key not in TIMED:
                assert py.dump(key) == rs.dump(key), key
    finally:
        for r in (py, rs):
            r.config_set("rdbcompression", "yes")


def test_serializedlength_and_memory_usage(both):
    py, rs, _, _ = both
    for key in STREAMS:
        mine = py.debug_object(key)
        oracle = rs.debug_object(key)
        assert mine["serializedlength"] == oracle["serializedlength"], key
        for samples in (None, 0, 1):
            assert py.memory_usage(key, samples) == rs.memory_usage(key, samples), (key, samples)
