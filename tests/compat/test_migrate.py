"""MIGRATE between pyredis and redis-server, in both directions, with Redis's replies."""
import shutil

import pytest
import redis

from respclient import RawClient
from serverproc import free_port, start_pyredis, start_redis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")


@pytest.fixture(scope="module")
def servers():
    procs = [start_pyredis(), start_redis(), start_pyredis(), start_redis("--requirepass", "pw")]
    yield procs
    for p in procs:
        p.stop()


def _fill(r):
    r.flushall()
    r.set("s", "v")
    r.rpush("l", "a", "b")
    r.hset("h", mapping={"f": "1"})
    r.sadd("set", 1, 2)
    r.zadd("z", {"m": 2.5})
    r.set("t", "x", px=100000)


@pytest.mark.parametrize("direction", ["py->redis", "redis->py", "py->py"])
def test_migrate_moves_every_type(servers, direction):
    py, rs, py2, _ = servers
    src, dst = {"py->redis": (py, rs), "redis->py": (rs, py), "py->py": (py, py2)}[direction]
    a = redis.Redis(port=src.port)
    b = redis.Redis(port=dst.port)
    _fill(a)
    b.flushall()
    raw = RawClient(src.port)
    assert raw.cmd("MIGRATE", "127.0.0.1", dst.port, "s", 0, 5000) == b"+OK\r\n"
    assert a.exists("s") == 0 and b.get("s") == b"v"
    assert raw.cmd("MIGRATE", "127.0.0.1", dst.port, "", 3, 5000, "COPY", "KEYS", "l", "h", "set",
                   "z", "t", "nosuch") == b"+OK\r\n"
    assert a.exists("l", "h", "set", "z", "t") == 5
    b.execute_command("SELECT", 3)
    assert b.lrange("l", 0, -1) == [b"a", b"b"]
    assert b.hgetall("h") == {b"f": b"1"}
    assert b.smembers("set") == {b"1", b"2"}
    assert b.zrange("z", 0, -1, withscores=True) == [(b"m", 2.5)]
    assert 0 < b.pttl("t") <= 100000
    reply = raw.cmd("MIGRATE", "127.0.0.1", dst.port, "", 3, 5000, "COPY", "KEYS", "l")
    assert reply == (b"-ERR Target instance replied with error: "
                     b"BUSYKEY Target key name already exists.\r\n")
    assert raw.cmd("MIGRATE", "127.0.0.1", dst.port, "", 3, 5000, "REPLACE", "KEYS", "l") == b"+OK\r\n"
    assert a.exists("l") == 0
    assert raw.cmd("MIGRATE", "127.0.0.1", dst.port, "nosuch", 0, 5000) == b"+NOKEY\r\n"
    raw.close()


def test_migrate_replies_match(pair_factory, servers):
    py, rs, _, secured = servers
    pair = pair_factory((py, rs))
    dead = free_port()
    pair.run("SET", "k", "v")
    pair.run("MIGRATE", "127.0.0.1", dead, "k", 0, 1000)
    pair.run("MIGRATE", "127.0.0.1", dead, "k", 0, 1000, "KEYS", "k")
    pair.run("MIGRATE", "127.0.0.1", dead, "", 0, 1000, "AUTH")
    pair.run("MIGRATE", "127.0.0.1", dead, "", 0, 1000, "AUTH2", "u")
    pair.run("MIGRATE", "127.0.0.1", dead, "", 0, 1000, "BOGUS")
    pair.run("MIGRATE", "127.0.0.1", dead, "k", "x", 1000)
    pair.run("MIGRATE", "127.0.0.1", dead, "k", 0, "x")
    pair.run("MIGRATE", "127.0.0.1", secured.port, "k", 0, 1000, "COPY")
    pair.run("MIGRATE", "127.0.0.1", secured.port, "k", 0, 1000, "COPY", "AUTH", "wrong")
    pair.run("MIGRATE", "127.0.0.1", secured.port, "k", 0, 1000, "COPY", "REPLACE", "AUTH", "pw")
    pair.run("MIGRATE", "127.0.0.1", secured.port, "k", 0, 1000, "REPLACE", "AUTH2", "default", "pw")
    pair.run("EXISTS", "k")
    pair.run("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "1", "AUTH", "x", "KEYS", "a", "b")
