"""MEMORY against redis-server: USAGE's estimate, the fixed texts and argument errors."""
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


@pytest.mark.parametrize("build", [
    [("RPUSH", "c", "a", "b", "c")],
    [("RPUSH", "c") + tuple(str(i) for i in range(1000))],
    [("HSET", "c", "a", "b")],
    [("HSET", "c") + tuple(str(i) for i in range(400))],
    [("SADD", "c", "1", "2", "3")],
    [("SADD", "c", "a", "b", "c")],
    [("SADD", "c") + tuple("m%d" % i for i in range(300))],
    [("ZADD", "c", "1", "a")],
    [("ZADD", "c") + tuple(x for i in range(300) for x in (str(i), "m%d" % i))],
])
def test_container_usage_has_redis_magnitude(pair, build):
    for args in build:
        pair.run(*args)
    ours, theirs = _usage(pair, "c")
    assert theirs / 2 <= ours <= theirs * 2


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
