"""The change count (server.dirty, INFO's rdb_changes_since_last_save) each write adds.

Save points and INFO read it; Redis counts one change per element a
multi-element write adds, sets or removes, and none for the deletion of a
container the write emptied.
"""
import pytest

SETUP = [
    ("SADD", "s", "a", "b", "c", "d"), ("HSET", "h", "a", "1", "b", "2", "c", "3"),
    ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"), ("RPUSH", "l", "a", "b", "a", "c", "a"),
    ("SADD", "s1", "x"), ("HSET", "h1", "f", "v"), ("ZADD", "z1", "1", "m"), ("RPUSH", "l1", "x"),
    ("SADD", "s10", *[str(i) for i in range(10)]), ("SADD", "s2", "1", "2"), ("SET", "str", "1"),
    ("RPUSH", "sl", "c", "b", "a"), ("ZADD", "zp", "1", "a", "2", "b", "3", "c"),
]

WRITES = [
    ("SREM", "s", "a", "b"), ("SREM", "s", "c", "d", "zz"), ("HDEL", "h", "a", "b"), ("HDEL", "h", "c"),
    ("ZREM", "z", "a", "b"), ("ZREMRANGEBYSCORE", "z", "0", "10"), ("LREM", "l", "0", "a"),
    ("LTRIM", "l", "5", "10"), ("SPOP", "s1"), ("HDEL", "h1", "f"), ("ZPOPMIN", "z1"), ("RPOP", "l1"),
    ("SADD", "n", "a", "b", "c"), ("SADD", "n", "c", "d"), ("HSET", "nh", "a", "1", "b", "2"),
    ("HSET", "nh", "a", "1", "c", "2"), ("HMSET", "nh", "c", "1", "d", "2"),
    ("ZADD", "nz", "1", "a", "2", "b"), ("ZADD", "nz", "1", "a", "3", "b", "1", "c"),
    ("ZADD", "nz", "CH", "5", "a"), ("ZADD", "nz", "XX", "INCR", "1", "a"),
    ("SPOP", "s10", "2"), ("SPOP", "s10", "8"), ("SPOP", "s2", "5"), ("ZPOPMAX", "zp", "2"),
    ("ZPOPMIN", "zp", "5"), ("RENAME", "str", "str2"), ("RENAMENX", "str2", "str3"),
    ("MOVE", "str3", "1"), ("SORT", "sl", "ALPHA", "STORE", "sorted"), ("SORT", "none", "STORE", "sorted"),
    ("SORT", "none", "STORE", "sorted"), ("GEOADD", "geo", "1", "1", "a", "2", "2", "b"),
    ("GEOADD", "geo", "XX", "CH", "1", "1", "a", "3", "3", "b"),
]


def _changes(client):
    for line in client.cmd("INFO", "persistence").decode().splitlines():
        if line.startswith("rdb_changes_since_last_save:"):
            return int(line.split(":")[1])
    raise AssertionError("no rdb_changes_since_last_save")


@pytest.fixture
def loaded(pair):
    for cmd in SETUP:
        pair.run(*cmd)
    return pair


def test_each_write_counts_its_changes(loaded):
    pair = loaded
    for cmd in WRITES:
        counted = []
        for client in (pair.ours, pair.theirs):
            before = _changes(client)
            client.cmd(*cmd)
            counted.append(_changes(client) - before)
        assert counted[0] == counted[1], "%r: pyredis %d, redis %d" % (cmd, counted[0], counted[1])
