"""MEMORY against redis-server: USAGE's estimate, the fixed texts and argument errors."""
import time

import pytest

from respclient import parse


def _usage(p, key):
    ours = parse(p.ours.cmd("MEMORY", "USAGE", key))
    theirs = parse(p.theirs.cmd("MEMORY", "USAGE", key))
    return ours, theirs


@pytest.mark.parametrize("value", ["x", "123", "y" * 44, "y" * 45, "y" * 100, "y" * 1000, "-5",
                                   "y" * 70000])
def test_string_usage_is_exact(pair, value):
    pair.run("SET", "k", value)
    ours, theirs = _usage(pair, "k")
    assert ours == theirs


def test_key_length_counts(pair):
    pair.run("SET", "k" * 57, "x")
    ours, theirs = _usage(pair, "k" * 57)
    assert ours == theirs


def _no_fork_child(p):
    # While a child runs (a save another test started), Redis resizes no hash
    # table (dict_can_resize): the figures would follow the child, not the data.
    deadline = time.monotonic() + 10
    for side in (p.ours, p.theirs):
        while time.monotonic() < deadline:
            info = side.cmd("INFO", "persistence")
            if b"rdb_bgsave_in_progress:0" in info and b"aof_rewrite_in_progress:0" in info:
                break
            time.sleep(0.05)


def _members(fmt, n):
    return tuple(fmt % i for i in range(n))


def _pairs(fmt_a, fmt_b, n):
    return tuple(x for i in range(n) for x in (fmt_a % i, fmt_b % i))


# Encodings whose size objectComputeSize works out without chance: listpacks,
# intsets, quicklists (their nodes sampled head first), and hash tables grown by
# inserts away from the moment their incremental rehashing ends: Redis seeds its
# hash per process, so how many old buckets hold an entry (one rehash step each)
# varies; the sizes here sit at least five standard deviations from that edge.
_EXACT = {
    "list-small": [("RPUSH", "c", "a", "b", "c")],
    "list-ints": [("RPUSH", "c") + _members("%d", 1000)],
    "list-nodes": [("RPUSH", "c") + tuple("v%d" % i * 3 for i in range(5000))],
    "list-mixed": [("RPUSH", "c") + tuple("x" * (i % 70) for i in range(3000))],
    "list-head": [("LPUSH", "c") + tuple("x" * (i % 50) for i in range(3000))],
    "list-edited": [("RPUSH", "c") + _members("e%d", 4000), ("LTRIM", "c", "100", "-300"),
                    ("LINSERT", "c", "BEFORE", "e1500", "y" * 3000), ("LREM", "c", "0", "e2000")],
    "list-plain": [("RPUSH", "c", "a", "z" * 9000, "b")],
    "hash-listpack": [("HSET", "c") + _pairs("f%d", "v%d", 100)],
    "hash-deleted": [("HSET", "c") + _pairs("f%d", "v%.0s", 50), ("HDEL", "c", "f1", "f2")],
    "hash-table": [("HSET", "c") + _pairs("abcdefghij%03d", "y" * 70 + "%d", 200)],
    # Converted past hash-max-listpack-entries: the table presized to the fields then held.
    "hash-converted": [("HSET", "c") + _pairs("f%05d", "v%05d", 600)],
    "hash-converted-at-limit": [("HSET", "c") + _pairs("f%05d", "v%05d", 513)],
    "hash-converted-grown": [("HSET", "c") + _pairs("f%05d", "v%05d", 2000)],
    "hash-converted-by-one": [("HSET", "c", "f%05d" % i, "v%05d" % i) for i in range(700)],
    "set-intset": [("SADD", "c") + _members("%d", 300)],
    "set-intset-wide": [("SADD", "c") + tuple(str(i * 70000) for i in range(300))],
    "set-table-small": [("SADD", "c", "a", "b", "c")],
    "set-table": [("SADD", "c") + _members("m%d", 300)],
    "set-table-done": [("SADD", "c") + _members("m%d", 1000)],
    "set-table-sds": [("SADD", "c") + _members("abcdefghij%03d", 240)],
    # Converted from an intset: the table presized to the intset's length then.
    "set-converted": [("SADD", "c") + _members("%d", 600)],
    "set-converted-at-limit": [("SADD", "c") + _members("%d", 513)],
    "set-converted-by-string": [("SADD", "c") + _members("%d", 300), ("SADD", "c", "abc")],
    "set-converted-mid-command": [("SADD", "c") + _members("%d", 100) + ("abc",) + _members("%d", 200)],
    "set-table-type8": [("SADD", "c") + _members("x" * 27 + "%03d", 120)],
    "zset-listpack": [("ZADD", "c") + tuple(x for i in range(100) for x in (str(i * 1.5), "m%d" % i))],
}


@pytest.mark.parametrize("name", sorted(_EXACT))
@pytest.mark.parametrize("samples", [None, "0", "1", "3"])
def test_container_usage_is_redis_figure(pair, name, samples):
    # redis-server's cron would finish a table's rehashing after a moment: only the
    # steps operations take are modelled, so the oracle takes only those too.
    pair.run("CONFIG", "SET", "activerehashing", "no")
    _no_fork_child(pair)
    try:
        for args in _EXACT[name]:
            pair.run(*args)
        extra = ("SAMPLES", samples) if samples else ()
        pair.run("OBJECT", "ENCODING", "c")
        pair.run("MEMORY", "USAGE", "c", *extra)
    finally:
        pair.run("CONFIG", "SET", "activerehashing", "yes")


_COMPRESSED = {
    "repetitive": [("RPUSH", "c") + tuple("v%d" % i * 3 for i in range(5000))],
    "head-pushed": [("LPUSH", "c") + tuple("x" * (i % 50) for i in range(3000))],
    "mixed": [("RPUSH", "c") + tuple(("%x" % (i * 2654435761 % 2 ** 32)) * 3 for i in range(4000))],
    "incompressible": [("RPUSH", "c") + tuple("%064x" % (i * 0x9E3779B97F4A7C15 % 2 ** 256)
                                              for i in range(3000))],
    "edited": [("RPUSH", "c") + _members("e%d", 4000), ("LTRIM", "c", "100", "-300"),
               ("LINSERT", "c", "BEFORE", "e1500", "y" * 3000), ("LREM", "c", "0", "e2000")],
}


@pytest.mark.parametrize("name", sorted(_COMPRESSED))
@pytest.mark.parametrize("depth", ["1", "2", "3"])
def test_compressed_list_usage_is_redis_figure(pair, name, depth):
    # Nodes beyond list-compress-depth are LZF-compressed when that saves enough.
    pair.run("CONFIG", "SET", "list-compress-depth", depth)
    try:
        for args in _COMPRESSED[name]:
            pair.run(*args)
        for extra in ((), ("SAMPLES", "0"), ("SAMPLES", "2")):
            pair.run("MEMORY", "USAGE", "c", *extra)
    finally:
        pair.run("CONFIG", "SET", "list-compress-depth", "0")


@pytest.mark.parametrize("build", [
    # Converted from a listpack: Redis sizes the table at once, and samples in hash order.
    [("HSET", "c") + _pairs("field-number-%d" + "x" * 30, "v%d", 600)],
    [("ZADD", "c") + tuple(x for i in range(300) for x in (str(i), "m%d" % i))],
    [("ZADD", "c") + tuple(x for i in range(200) for x in (str(i), "abcdefghij%03d" % i))],
    [("ZADD", "c") + tuple(x for i in range(2000) for x in (str(i), "member:%d" % i))],
])
def test_sampled_usage_is_close(pair, build):
    # Skiplist nodes have random levels: Redis's own figure moves from run to run.
    for args in build:
        pair.run(*args)
    for extra in ((), ("SAMPLES", "0")):
        ours = parse(pair.ours.cmd("MEMORY", "USAGE", "c", *extra))
        theirs = parse(pair.theirs.cmd("MEMORY", "USAGE", "c", *extra))
        assert abs(ours - theirs) <= theirs * 0.15, (extra, ours, theirs)


def test_usage_grows_with_the_value(pair):
    sizes = []
    for n in (10, 100, 1000):
        pair.run("DEL", "h")
        pair.run("HSET", "h", *[x for i in range(n) for x in ("f%d" % i, "v" * 20)])
        sizes.append(parse(pair.ours.cmd("MEMORY", "USAGE", "h")))
    assert sizes[0] < sizes[1] < sizes[2]
    assert sizes[2] > 5 * sizes[1]


def test_usage_arguments(pair):
    pair.run("SET", "k", "v")
    for args in (("MEMORY", "USAGE", "nokey"), ("MEMORY", "USAGE", "k", "SAMPLES", "x"),
                 ("MEMORY", "USAGE", "k", "SAMPLES", "-1"), ("MEMORY", "USAGE", "k", "foo"),
                 ("MEMORY", "USAGE", "k", "SAMPLES"), ("MEMORY", "USAGE"),
                 ("MEMORY", "STATS", "x"), ("MEMORY", "DOCTOR", "x"), ("MEMORY", "HELP"),
                 ("MEMORY", "PURGE"), ("MEMORY", "NOPE")):
        pair.run(*args)


def test_doctor_on_an_empty_server(servers_with, pair_factory):
    # The doctor's verdict depends on the server's history (its peak memory),
    # so it is compared on servers that just started.
    p = pair_factory(servers_with())
    p.run("MEMORY", "DOCTOR")


def test_stats_fields(pair):
    pair.run("SET", "k", "v")
    pair.run("SELECT", "3")
    pair.run("SET", "k", "v")
    pair.run("SELECT", "0")
    ours = parse(pair.ours.cmd("MEMORY", "STATS"))
    theirs = parse(pair.theirs.cmd("MEMORY", "STATS"))
    assert ours[0::2] == theirs[0::2]
    db0 = ours[ours.index(b"db.0") + 1]
    assert db0[0::2] == [b"overhead.hashtable.main", b"overhead.hashtable.expires",
                         b"overhead.hashtable.slot-to-keys"]
    assert ours[ours.index(b"keys.count") + 1] == 2
