"""Keyspace notifications, byte for byte against redis-server.

Both servers run with notify-keyspace-events set; a ``PSUBSCRIBE *`` client on
each collects what every command publishes, and the raw bytes are compared.
"""
import shutil
import time

import pytest

from respclient import RawClient, encode_command
from serverproc import start_pyredis, start_redis

FENCE = b"--fence--"
_FENCES = (b"$%d\r\n%b\r\n" % (len(FENCE), FENCE), b"*2\r\n$4\r\npong\r\n$%d\r\n%b\r\n" % (len(FENCE), FENCE))


def collect(client):
    client.send(encode_command("PING", FENCE))
    out = []
    while True:
        reply = client.read_reply()
        if reply in _FENCES:
            return out
        out.append(reply)


class Twin:
    """One raw client on each server."""

    def __init__(self, ours, theirs):
        self.ours = RawClient(ours.port)
        self.theirs = RawClient(theirs.port)

    def run(self, *args):
        mine, oracle = self.ours.cmd(*args), self.theirs.cmd(*args)
        assert mine == oracle, "%r\n  pyredis: %r\n  redis:   %r" % (args, mine, oracle)
        return mine

    def received(self):
        mine, oracle = collect(self.ours), collect(self.theirs)
        assert mine == oracle, "\n  pyredis: %r\n  redis:   %r" % (mine, oracle)
        return mine

    def close(self):
        self.ours.close()
        self.theirs.close()


@pytest.fixture(scope="module")
def servers():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    ours = start_pyredis("--notify-keyspace-events", "KEA")
    theirs = start_redis("--notify-keyspace-events", "KEA")
    yield ours, theirs
    ours.stop()
    theirs.stop()


@pytest.fixture(scope="module")
def clients(servers):
    writer, sub = Twin(*servers), Twin(*servers)
    sub.run("PSUBSCRIBE", "*")
    yield writer, sub
    writer.close()
    sub.close()


@pytest.fixture(params=["KEA", "AKEnm"])
def env(request, clients):
    writer, sub = clients
    writer.run("CONFIG", "SET", "notify-keyspace-events", request.param)
    writer.run("FLUSHALL")
    writer.run("SELECT", "0")
    sub.received()
    yield writer, sub
    writer.run("CONFIG", "SET", "notify-keyspace-events", "KEA")
    sub.received()


# (setup, command): one or more representative writes per command group.
WRITES = [
    ([], ("SET", "k", "v")),
    ([], ("SET", "k", "v", "EX", "100")),
    ([("SET", "k", "v", "EX", "100")], ("SET", "k", "w", "KEEPTTL")),
    ([("SET", "k", "v")], ("SET", "k", "w", "NX")),
    ([], ("SETNX", "k", "v")),
    ([], ("SETEX", "k", "100", "v")),
    ([], ("PSETEX", "k", "100000", "v")),
    ([("SET", "k", "v")], ("APPEND", "k", "w")),
    ([], ("APPEND", "k", "w")),
    ([], ("INCR", "n")),
    ([], ("INCRBYFLOAT", "n", "1.5")),
    ([], ("DECRBY", "n", "3")),
    ([("SET", "k", "hello")], ("SETRANGE", "k", "1", "a")),
    ([("SET", "k", "v")], ("GETDEL", "k")),
    ([("SET", "k", "v")], ("GETEX", "k", "EX", "100")),
    ([("SET", "k", "v", "EX", "100")], ("GETEX", "k", "PERSIST")),
    ([("SET", "k", "v")], ("GETSET", "k", "w")),
    ([], ("MSET", "a", "1", "b", "2")),
    ([], ("MSETNX", "a", "1", "b", "2")),
    ([("SET", "k", "v")], ("DEL", "k", "nokey")),
    ([("SET", "k", "v")], ("UNLINK", "k")),
    ([("SET", "k", "v")], ("EXPIRE", "k", "100")),
    ([("SET", "k", "v")], ("EXPIRE", "k", "-1")),
    ([("SET", "k", "v")], ("PEXPIREAT", "k", "1")),
    ([("SET", "k", "v", "EX", "100")], ("PERSIST", "k")),
    ([("SET", "k", "v")], ("RENAME", "k", "k2")),
    ([("SET", "k", "v"), ("SET", "k2", "x")], ("RENAME", "k", "k2")),
    ([("SET", "k", "v")], ("RENAMENX", "k", "k2")),
    ([("SET", "k", "v")], ("MOVE", "k", "1")),
    ([("SET", "k", "v")], ("COPY", "k", "k2")),
    ([("SET", "k", "v")], ("SWAPDB", "0", "1")),
    ([("SET", "k", "v")], ("FLUSHDB",)),
    ([], ("LPUSH", "l", "a", "b")),
    ([], ("RPUSH", "l", "a")),
    ([("RPUSH", "l", "a")], ("LPUSHX", "l", "b")),
    ([("RPUSH", "l", "a", "b")], ("LPOP", "l")),
    ([("RPUSH", "l", "a")], ("RPOP", "l")),
    ([("RPUSH", "l", "a", "b")], ("LPOP", "l", "5")),
    ([("RPUSH", "l", "a", "c")], ("LINSERT", "l", "BEFORE", "c", "b")),
    ([("RPUSH", "l", "a")], ("LSET", "l", "0", "z")),
    ([("RPUSH", "l", "a", "b", "c")], ("LTRIM", "l", "0", "0")),
    ([("RPUSH", "l", "a", "b")], ("LTRIM", "l", "5", "6")),
    ([("RPUSH", "l", "a", "b", "a")], ("LREM", "l", "0", "a")),
    ([("RPUSH", "l", "a", "b")], ("LMOVE", "l", "m", "LEFT", "RIGHT")),
    ([("RPUSH", "l", "a")], ("RPOPLPUSH", "l", "l")),
    ([("RPUSH", "l", "a")], ("BLPOP", "l", "0")),
    ([("RPUSH", "l", "a", "b")], ("LMPOP", "1", "l", "LEFT", "COUNT", "5")),
    ([], ("HSET", "h", "f", "v", "g", "w")),
    ([], ("HSETNX", "h", "f", "v")),
    ([("HSET", "h", "f", "v")], ("HDEL", "h", "f")),
    ([("HSET", "h", "f", "v", "g", "w")], ("HDEL", "h", "f", "nofield")),
    ([], ("HINCRBY", "h", "f", "2")),
    ([], ("HINCRBYFLOAT", "h", "f", "2.5")),
    ([], ("HMSET", "h", "f", "v")),
    ([], ("SADD", "s", "a", "b")),
    ([("SADD", "s", "a", "b")], ("SREM", "s", "a")),
    ([("SADD", "s", "a")], ("SPOP", "s")),
    ([("SADD", "s", "a")], ("SPOP", "s", "5")),
    ([("SADD", "s", "a")], ("SMOVE", "s", "t", "a")),
    ([("SADD", "s", "a", "b"), ("SADD", "t", "b")], ("SINTERSTORE", "d", "s", "t")),
    ([("SADD", "s", "a")], ("SUNIONSTORE", "d", "s", "nokey")),
    ([("SADD", "s", "a"), ("SADD", "d", "x")], ("SDIFFSTORE", "d", "s", "s")),
    ([], ("ZADD", "z", "1", "a", "2", "b")),
    ([("ZADD", "z", "1", "a")], ("ZADD", "z", "INCR", "5", "a")),
    ([], ("ZINCRBY", "z", "1", "a")),
    ([("ZADD", "z", "1", "a", "2", "b")], ("ZREM", "z", "a")),
    ([("ZADD", "z", "1", "a")], ("ZPOPMIN", "z")),
    ([("ZADD", "z", "1", "a", "2", "b")], ("ZPOPMAX", "z", "5")),
    ([("ZADD", "z", "1", "a", "2", "b")], ("ZREMRANGEBYSCORE", "z", "0", "1")),
    ([("ZADD", "z", "1", "a", "2", "b")], ("ZREMRANGEBYRANK", "z", "0", "-1")),
    ([("ZADD", "z", "1", "a")], ("ZUNIONSTORE", "d", "1", "z")),
    ([("ZADD", "z", "1", "a")], ("ZINTERSTORE", "d", "2", "z", "nokey")),
    ([("ZADD", "z", "1", "a")], ("ZRANGESTORE", "d", "z", "0", "-1")),
    ([("ZADD", "z", "1", "a")], ("BZPOPMIN", "z", "0")),
    ([("ZADD", "z", "1", "a")], ("ZMPOP", "1", "z", "MIN")),
    ([("RPUSH", "l", "3", "1", "2")], ("SORT", "l", "STORE", "d")),
    ([("SET", "d", "x")], ("SORT", "nokey", "STORE", "d")),
]

# Reads: with 'm' each miss publishes keymiss (expired keys first publish "expired").
READS = [
    ("GET", "nokey"), ("MGET", "a", "nokey"), ("STRLEN", "nokey"), ("GETRANGE", "nokey", "0", "1"),
    ("EXISTS", "nokey"), ("TYPE", "nokey"), ("TTL", "nokey"), ("PTTL", "nokey"),
    ("HGET", "nokey", "f"), ("HGETALL", "nokey"), ("HLEN", "nokey"), ("HEXISTS", "nokey", "f"),
    ("LRANGE", "nokey", "0", "-1"), ("LLEN", "nokey"), ("LINDEX", "nokey", "0"),
    ("SMEMBERS", "nokey"), ("SISMEMBER", "nokey", "a"), ("SCARD", "nokey"), ("SINTER", "nokey", "s"),
    ("ZSCORE", "nokey", "a"), ("ZRANGE", "nokey", "0", "-1"), ("ZCARD", "nokey"), ("ZRANK", "nokey", "a"),
    ("SORT", "nokey"), ("OBJECT", "ENCODING", "nokey"), ("GETDEL", "nokey"), ("LPOP", "nokey"),
    ("INCR", "n"), ("GETEX", "nokey"),
]


def _ids(cases):
    return [" ".join(c[1]) for c in cases]


@pytest.mark.parametrize("setup, command", WRITES, ids=_ids(WRITES))
def test_write_events(env, setup, command):
    writer, sub = env
    for s in setup:
        writer.run(*s)
    sub.received()
    writer.run(*command)
    sub.received()


@pytest.mark.parametrize("command", READS, ids=[" ".join(c) for c in READS])
def test_read_events(env, command):
    writer, sub = env
    writer.run("SET", "a", "1")
    writer.run("SADD", "s", "x")
    sub.received()
    writer.run(*command)
    sub.received()


def test_expired_key_read(env):
    writer, sub = env
    writer.run("SET", "k", "v")
    writer.run("PEXPIRE", "k", "1")
    time.sleep(0.02)
    # Lazily (on GET) or by the active cycle: the same messages either way.
    writer.run("GET", "k")
    sub.received()


def test_other_db_and_transaction(env):
    writer, sub = env
    writer.run("SELECT", "9")
    writer.run("MULTI")
    writer.run("SET", "a", "1")
    writer.run("SET", "b", "2")
    writer.run("EXEC")
    writer.run("SELECT", "0")
    sub.received()


def test_resp3_writer_subscribed_to_itself(env, servers):
    me = Twin(*servers)
    try:
        for client in (me.ours, me.theirs):
            assert client.cmd("HELLO", "3").startswith(b"%")
        me.run("SUBSCRIBE", "__keyevent@0__:set")
        for client in (me.ours, me.theirs):
            client.send(encode_command("SET", "mine", "v"))
        assert [me.ours.read_reply() for _ in range(2)] == [me.theirs.read_reply() for _ in range(2)]
    finally:
        me.close()
        env[1].received()
