"""Pipelines that repeat one command: what commands.run_of serves in one loop.

Each pipeline repeats a command over the cases its run serves and the ones it
leaves to the handler (a TTL, another type, a missing key, a conversion, an
error), in one read, and must answer as redis-server does, byte for byte;
what the run changes besides the replies (the change count, keyspace hits and
misses, LFU counters, commandstats, the slow log, encodings) is compared too.
"""
import time

import pytest

from respclient import RawClient, encode_command


def _pipeline(*commands):
    return b"".join(encode_command(*cmd) for cmd in commands)


def _info_field(client, section, name):
    for line in client.cmd("INFO", section).decode().splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise AssertionError("no %s in INFO %s" % (name, section))


def _both(pair, *args):
    return pair.ours.cmd(*args), pair.theirs.cmd(*args)


def _same(pair, *args):
    mine, oracle = _both(pair, *args)
    assert mine == oracle, "%r\n  pyredis: %r\n  redis:   %r" % (args, mine, oracle)
    return mine


def _run_and_compare_state(pair, setup, commands, checks):
    """Run ``setup`` one by one, ``commands`` as one pipeline, then ``checks``;
    the change count and keyspace hits/misses of the pipeline compared too."""
    for cmd in setup:
        pair.run(*cmd)
    time.sleep(0.01)  # a key set with PX 1 is gone by then
    pair.run("CONFIG", "RESETSTAT")
    before = [int(_info_field(c, "persistence", "rdb_changes_since_last_save"))
              for c in (pair.ours, pair.theirs)]
    pair.send_raw(_pipeline(*commands))
    after = [int(_info_field(c, "persistence", "rdb_changes_since_last_save"))
             for c in (pair.ours, pair.theirs)]
    assert after[0] - before[0] == after[1] - before[1]
    for field in ("keyspace_hits", "keyspace_misses", "total_commands_processed"):
        mine, oracle = (_info_field(c, "stats", field) for c in (pair.ours, pair.theirs))
        assert mine == oracle, field
    for cmd in checks:
        pair.run(*cmd)


RUNS = {
    "get": (
        [("SET", "s", "v"), ("SET", "n", "12"), ("SET", "t", "x", "EX", "100"), ("RPUSH", "l", "a"),
         ("SET", "a", "x"), ("APPEND", "a", "y"), ("SET", "gone", "x", "PX", "1")],
        [("GET", "s"), ("GET", "n"), ("GET", "missing"), ("GET", "t"), ("GET", "s"), ("GET", "l"),
         ("GET", "s"), ("GET", "a"), ("GET", "gone"), ("get", "s"), ("GET", "s", "x"), ("GET", "n")],
        [("DBSIZE",)],
    ),
    "set": (
        [("SET", "t", "x", "EX", "100"), ("RPUSH", "l", "a"), ("SET", "old", "1")],
        [("SET", "a", "1"), ("SET", "old", "2"), ("SET", "t", "y"), ("SET", "b", "9999"),
         ("SET", "c", "10000"), ("SET", "l", "now a string"), ("SET", "a", "2", "GET"),
         ("SET", "d", "-1"), ("set", "e", "x"), ("SET", "f", "x"), ("SET", "a", "3")],
        [("TTL", "t"), ("TYPE", "l"), ("GET", "a"), ("OBJECT", "ENCODING", "b"),
         ("OBJECT", "ENCODING", "c"), ("OBJECT", "REFCOUNT", "b"), ("DBSIZE",)],
    ),
    "incr": (
        [("SET", "n", "9998"), ("SET", "t", "5", "EX", "100"), ("SET", "s", "abc"),
         ("SET", "big", "9223372036854775806"), ("RPUSH", "l", "a"), ("SET", "sp", " 1")],
        [("INCR", "n"), ("INCR", "n"), ("INCR", "n"), ("INCR", "new"), ("INCR", "new"),
         ("INCR", "t"), ("INCR", "n"), ("INCR", "s"), ("INCR", "big"), ("INCR", "big"),
         ("INCR", "l"), ("INCR", "sp"), ("INCR", "n")],
        [("GET", "n"), ("OBJECT", "ENCODING", "n"), ("OBJECT", "REFCOUNT", "new"), ("TTL", "t"),
         ("GET", "big")],
    ),
    "lpush": (
        [("RPUSH", "l", "a"), ("SET", "s", "x"), ("RPUSH", "t", "a"), ("EXPIRE", "t", "100")],
        [("LPUSH", "l", "b"), ("LPUSH", "l", "c"), ("LPUSH", "new", "a"), ("LPUSH", "new", "b"),
         ("LPUSH", "s", "a"), ("LPUSH", "t", "b"), ("LPUSH", "l", "d", "e"), ("LPUSH", "l", "f"),
         ("RPUSH", "l", "z"), ("RPUSH", "l", "y"), ("RPUSH", "new", "c")],
        [("LRANGE", "l", "0", "-1"), ("LRANGE", "new", "0", "-1"), ("LRANGE", "t", "0", "-1")],
    ),
    "lpop": (
        [("RPUSH", "l", "a", "b", "c"), ("RPUSH", "r", "x", "y"), ("SET", "s", "x"),
         ("RPUSH", "t", "a", "b"), ("EXPIRE", "t", "100")],
        [("LPOP", "l"), ("LPOP", "l"), ("LPOP", "l"), ("LPOP", "l"), ("LPOP", "s"), ("LPOP", "t"),
         ("LPOP", "r", "1"), ("LPOP", "missing"), ("RPOP", "r"), ("RPOP", "r"), ("RPOP", "t"),
         ("RPOP", "t")],
        [("EXISTS", "l", "r", "t"), ("DBSIZE",)],
    ),
    "hset": (
        [("HSET", "h", "a", "1"), ("HSET", "t", "a", "1"), ("EXPIRE", "t", "100"), ("SET", "s", "x"),
         ("CONFIG", "SET", "hash-max-listpack-entries", "3")],
        [("HSET", "h", "b", "2"), ("HSET", "h", "a", "3"), ("HSET", "h", "c", "4"),
         ("HSET", "h", "d", "5"), ("HSET", "h", "e", "x" * 100), ("HSET", "new", "a", "1"),
         ("HSET", "new", "b", "2"), ("HSET", "s", "a", "1"), ("HSET", "t", "b", "2"),
         ("HSET", "h", "f", "6", "g", "7"), ("HSET", "h", "a", "8")],
        [("OBJECT", "ENCODING", "h"), ("HGETALL", "new"), ("HLEN", "h"), ("HGET", "h", "a")],
    ),
    "sadd": (
        [("SADD", "i", "1"), ("SADD", "w", "a"), ("SET", "s", "x"), ("SADD", "t", "a"),
         ("EXPIRE", "t", "100"), ("CONFIG", "SET", "set-max-intset-entries", "4")],
        [("SADD", "i", "2"), ("SADD", "i", "2"), ("SADD", "i", "3"), ("SADD", "i", "4"),
         ("SADD", "i", "5"), ("SADD", "w", "b"), ("SADD", "w", "a"), ("SADD", "new", "1"),
         ("SADD", "s", "a"), ("SADD", "t", "b"), ("SADD", "w", "c", "d"), ("SADD", "w", "e")],
        [("OBJECT", "ENCODING", "i"), ("SCARD", "i"), ("SCARD", "w"), ("SMEMBERS", "new")],
    ),
    "spop": (
        [("SADD", "one", "m"), ("SET", "s", "x")],
        [("SPOP", "missing"), ("SPOP", "missing"), ("SPOP", "one"), ("SPOP", "one"),
         ("SPOP", "s"), ("SPOP", "missing"), ("SPOP", "one", "1")],
        [("EXISTS", "one")],
    ),
    "zadd": (
        [("ZADD", "z", "1", "a"), ("SET", "s", "x"), ("ZADD", "t", "1", "a"), ("EXPIRE", "t", "100"),
         ("CONFIG", "SET", "zset-max-listpack-entries", "3")],
        [("ZADD", "z", "1", "a"), ("ZADD", "z", "2", "a"), ("ZADD", "z", "0", "b"),
         ("ZADD", "z", "1.5", "c"), ("ZADD", "z", "nan", "d"), ("ZADD", "z", "-inf", "e"),
         ("ZADD", "z", "7", "f"), ("ZADD", "new", "1", "a"), ("ZADD", "new", "1", "b"),
         ("ZADD", "s", "1", "a"), ("ZADD", "t", "2", "b"), ("ZADD", "z", "1e3", "g"),
         ("ZADD", "z", "x", "h"), ("ZADD", "z", "NX", "1", "a"), ("ZADD", "z", "3", "a")],
        [("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("OBJECT", "ENCODING", "z"),
         ("ZRANGE", "new", "0", "-1", "WITHSCORES")],
    ),
    "zpopmin": (
        [("ZADD", "z", "1", "a", "2", "b", "3", "c"), ("ZADD", "y", "1", "x"), ("SET", "s", "x"),
         ("ZADD", "t", "1", "a", "2", "b"), ("EXPIRE", "t", "100")],
        [("ZPOPMIN", "z"), ("ZPOPMAX", "z"), ("ZPOPMIN", "z"), ("ZPOPMIN", "z"),
         ("ZPOPMIN", "missing"), ("ZPOPMIN", "s"), ("ZPOPMIN", "t"), ("ZPOPMIN", "y", "1"),
         ("ZPOPMAX", "t"), ("ZPOPMAX", "t"), ("ZPOPMAX", "missing")],
        [("EXISTS", "z", "y", "t"), ("DBSIZE",)],
    ),
}


# What the cases' setups change, and its default.
LIMITS = [("hash-max-listpack-entries", "128"), ("set-max-intset-entries", "512"),
          ("zset-max-listpack-entries", "128")]


@pytest.fixture
def limits(pair):
    yield pair
    for name, default in LIMITS:
        pair.run("CONFIG", "SET", name, default)


@pytest.mark.parametrize("name", sorted(RUNS))
@pytest.mark.parametrize("protocol", ["2", "3"])
def test_run_against_redis(limits, name, protocol):
    pair = limits
    setup, commands, checks = RUNS[name]
    _both(pair, "HELLO", protocol)  # the replies differ in the client id
    _run_and_compare_state(pair, setup, commands, checks)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_run_with_keyspace_events(server, real_redis, limits, name):
    """Runs of writes leave the requests to the handler while events are on:
    every event, in order, as redis-server sends them."""
    pair = limits
    setup, commands, checks = RUNS[name]
    pair.run("CONFIG", "SET", "notify-keyspace-events", "KEA")
    listeners = []
    try:
        for proc in (server, real_redis):
            listener = RawClient(proc.port)
            listener.cmd("PSUBSCRIBE", "__key*__:*")
            listeners.append(listener)
        for cmd in setup:
            pair.run(*cmd)
        for listener in listeners:
            listener.read_all()
        pair.send_raw(_pipeline(*commands))
        heard = [listener.read_all() for listener in listeners]
        assert heard[0] == heard[1]
        for cmd in checks:
            pair.run(*cmd)
    finally:
        pair.run("CONFIG", "SET", "notify-keyspace-events", "")
        for listener in listeners:
            listener.close()


def test_lfu_counters_count_each_access_once(pair):
    """With lfu-log-factor 0 every access adds one to the counter: a run that
    left a request to the handler must not have touched its key first."""
    pair.run("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    pair.run("CONFIG", "SET", "lfu-log-factor", "0")
    try:
        setup = [("SET", "s", "v"), ("RPUSH", "l", "a", "b", "c"), ("ZADD", "z", "1", "a", "2", "b"),
                 ("SADD", "set", "m"), ("HSET", "h", "f", "v"), ("SET", "n", "1")]
        for cmd in setup:
            pair.run(*cmd)
        pair.send_raw(_pipeline(
            ("GET", "s"), ("GET", "s"), ("LPOP", "l"), ("LPOP", "l"), ("ZPOPMIN", "z"),
            ("ZPOPMIN", "z"), ("SPOP", "set"), ("SPOP", "set"), ("ZADD", "z2", "1", "a"),
            ("ZADD", "z2", "nan", "a"), ("HSET", "h", "g", "w"), ("HSET", "h", "f", "x"),
            ("INCR", "n"), ("INCR", "n"), ("LPUSH", "l", "x"), ("LPUSH", "l", "y"),
            ("SADD", "set", "a"), ("SADD", "set", "b"), ("ZADD", "z3", "1", "a"), ("ZADD", "z3", "1", "a")))
        for key in ("s", "l", "h", "set", "z3"):
            _same(pair, "OBJECT", "FREQ", key)
    finally:
        pair.run("CONFIG", "SET", "maxmemory-policy", "noeviction")
        pair.run("CONFIG", "SET", "lfu-log-factor", "10")


def test_run_feeds_the_slow_log_and_commandstats(pair):
    pair.run("CONFIG", "SET", "slowlog-log-slower-than", "0")
    try:
        pair.run("SLOWLOG", "RESET")
        pair.run("CONFIG", "RESETSTAT")
        pair.run("RPUSH", "l", "a")
        pair.send_raw(_pipeline(*[("GET", "k%d" % i) for i in range(5)], *[("SET", "k", "v")] * 3,
                                ("LPUSH", "l", "b"), ("LPUSH", "l", "c")))
        mine, oracle = _both(pair, "SLOWLOG", "LEN")
        assert mine == oracle
        for client in (pair.ours, pair.theirs):
            client.cmd("CONFIG", "SET", "slowlog-log-slower-than", "-1")
        entries = [[_args(e) for e in _entries(c.cmd("SLOWLOG", "GET", "100"))]
                   for c in (pair.ours, pair.theirs)]
        assert entries[0] == entries[1]
        for name in ("get", "set", "lpush"):
            calls = [_info_field(c, "commandstats", "cmdstat_" + name).split(",")[0]
                     for c in (pair.ours, pair.theirs)]
            assert calls[0] == calls[1]
    finally:
        pair.run("CONFIG", "SET", "slowlog-log-slower-than", "10000")


def _entries(raw):
    """The slow log's entries, each its raw bytes (a *6 array per entry)."""
    return raw.split(b"*6\r\n")[1:]


def _args(entry):
    """An entry's arguments: the bulk strings after its id, time and duration."""
    return [part for part in entry.split(b"\r\n")
            if part and part[:1] not in b"*:$" and not part.startswith(b"127.0.0.1:")]


def test_run_writes_break_a_watch(server, real_redis, pair):
    watchers = []
    for proc in (server, real_redis):
        w = RawClient(proc.port)
        w.cmd("WATCH", "k")
        watchers.append(w)
    pair.send_raw(_pipeline(("SET", "other", "1"), ("SET", "k", "v"), ("SET", "k", "w")))
    results = []
    for w in watchers:
        w.cmd("MULTI")
        w.cmd("GET", "k")
        results.append(w.cmd("EXEC"))
        w.close()
    assert results[0] == results[1] == b"*-1\r\n"


def test_run_of_pushes_wakes_a_blocked_client_once_the_list_is_made(server, real_redis, pair):
    waiting = []
    for proc in (server, real_redis):
        w = RawClient(proc.port)
        w.send(encode_command("BLPOP", "q", "0"))
        waiting.append(w)
    time.sleep(0.2)
    pair.send_raw(_pipeline(("LPUSH", "q", "a"), ("LPUSH", "q", "b"), ("LPUSH", "q", "c"),
                            ("LLEN", "q")))
    woken = [w.read_all() for w in waiting]
    assert woken[0] == woken[1] == b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"
    for w in waiting:
        w.close()


def test_client_list_names_the_last_command_of_a_run(server, real_redis, pair):
    ids = [client.cmd("CLIENT", "ID")[1:-2].decode() for client in (pair.ours, pair.theirs)]
    pair.send_raw(_pipeline(*[("SET", "k", "v")] * 4, *[("GET", "k")] * 4))
    for client, proc, me in ((pair.ours, server, ids[0]), (pair.theirs, real_redis, ids[1])):
        other = RawClient(proc.port)
        listing = other.cmd("CLIENT", "LIST", "ID", me)
        other.close()
        assert b" cmd=get " in listing, listing


def test_run_within_acl_key_patterns(server, real_redis, pair):
    """A user allowed ~key:* only: the run stops where the patterns do."""
    pair.run("ACL", "SETUSER", "runner", "on", ">pw", "~key:*", "+@all")
    try:
        clients = []
        for proc in (server, real_redis):
            client = RawClient(proc.port)
            client.cmd("AUTH", "runner", "pw")
            clients.append(client)
        batch = _pipeline(("SET", "key:1", "a"), ("SET", "key:2", "b"), ("SET", "other", "c"),
                          ("SET", "key:3", "d"), ("GET", "key:1"), ("GET", "key:2"), ("GET", "nokey"),
                          ("GET", "key:3"), ("INCR", "key:n"), ("INCR", "key:n"), ("INCR", "kez"),
                          ("RPUSH", "key:l", "a"), ("LPUSH", "key:l", "b"), ("LPUSH", "key:l", "c"),
                          ("LPUSH", "k", "x"), ("LPOP", "key:l"), ("LPOP", "key:"), ("LPOP", "key;"))
        for client in clients:
            client.send(batch)
        replies = [client.read_all() for client in clients]
        assert replies[0] == replies[1]
        for client in clients:
            client.close()
        pair.run("DBSIZE")
        pair.run("LRANGE", "key:l", "0", "-1")
    finally:
        pair.run("ACL", "DELUSER", "runner")


def test_run_of_sets_invalidates_tracked_keys(server, real_redis, pair):
    """A BCAST tracker hears of every key a run of SETs wrote, as from redis-server."""
    trackers = []
    try:
        for proc in (server, real_redis):
            tracker = RawClient(proc.port)
            tracker.cmd("HELLO", "3")
            tracker.cmd("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "key:")
            trackers.append(tracker)
        pair.send_raw(_pipeline(("SET", "key:1", "a"), ("SET", "key:2", "b"), ("SET", "other", "c"),
                                ("SET", "key:1", "d"), ("SET", "key:3", "e", "EX", "100"),
                                ("SET", "key:3", "f"), ("SET", "key:4", "g")))
        heard = [tracker.read_all() for tracker in trackers]
        assert heard[0] == heard[1]
        assert b"key:4" in heard[0]
    finally:
        for tracker in trackers:
            tracker.close()
