"""redis-py against pyredis: sync and asyncio, RESP2 and RESP3, Python and hiredis parsers, Lock."""
import asyncio

import pytest
import redis
import redis.asyncio
from redis.utils import HIREDIS_AVAILABLE

PROTOCOLS = [2, 3]


def _parsers():
    from redis._parsers import _HiredisParser, _RESP2Parser, _RESP3Parser
    out = [("python", {2: _RESP2Parser, 3: _RESP3Parser})]
    if HIREDIS_AVAILABLE:
        out.append(("hiredis", {2: _HiredisParser, 3: _HiredisParser}))
    return out


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("parser", _parsers(), ids=lambda p: p[0])
def test_sync_commands(pyredis_server, protocol, parser):
    pool = redis.ConnectionPool(host=pyredis_server.host, port=pyredis_server.port, protocol=protocol,
                                parser_class=parser[1][protocol], decode_responses=True)
    client = redis.Redis(connection_pool=pool)
    try:
        client.flushall()
        assert client.set("s", "v", ex=100) is True
        assert client.get("s") == "v"
        assert client.ttl("s") == 100
        assert client.hset("h", mapping={"a": "1", "b": "2"}) == 2
        assert client.hgetall("h") == {"a": "1", "b": "2"}
        assert client.rpush("l", "x", "y", "z") == 3
        assert client.lrange("l", 0, -1) == ["x", "y", "z"]
        assert client.zadd("z", {"m": 1.5, "n": 2}) == 2
        assert client.zrange("z", 0, -1, withscores=True) == [["m", 1.5], ["n", 2.0]] \
            if protocol == 3 else [("m", 1.5), ("n", 2.0)]
        assert client.sadd("set", "a", "b") == 2
        assert client.smembers("set") == {"a", "b"}
        pipe = client.pipeline()
        pipe.incr("n").incrby("n", 5).get("n")
        assert pipe.execute() == [1, 6, "6"]
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            client.get("h")
    finally:
        client.flushall()
        client.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_asyncio(pyredis_server, protocol):
    async def main():
        client = redis.asyncio.Redis(host=pyredis_server.host, port=pyredis_server.port,
                                     protocol=protocol)
        try:
            await client.flushall()
            await client.set("a", "1")
            assert await client.incr("a") == 2
            async with client.pipeline(transaction=True) as pipe:
                pipe.set("b", "x").get("b")
                assert await pipe.execute() == [True, b"x"]
            pubsub = client.pubsub()
            await pubsub.subscribe("news")
            assert await client.publish("news", "hello") == 1
            messages = []
            while len(messages) < 2:
                msg = await pubsub.get_message(timeout=1)
                if msg is not None:
                    messages.append(msg)
            assert messages[1]["data"] == b"hello"
            await pubsub.aclose()
            assert await client.blpop(["empty"], timeout=0.1) is None
        finally:
            await client.flushall()
            await client.aclose()
    asyncio.run(main())


def test_lock_expires_with_the_clock(scripting, pyredis_client, pyredis_clock):
    lock = pyredis_client.lock("resource", timeout=30, blocking=False)
    assert lock.acquire() is True
    other = pyredis_client.lock("resource", timeout=30, blocking=False)
    assert other.acquire() is False
    assert lock.extend(10) is True
    assert 39000 <= pyredis_client.pttl("resource") <= 40000
    pyredis_clock.advance(41)
    # The lease ran out: another holder gets it, and the first cannot release it.
    assert other.acquire() is True
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock.release()
    other.release()
    assert pyredis_client.exists("resource") == 0


def test_lock_blocking_acquire(scripting, pyredis_client):
    lock = pyredis_client.lock("job", timeout=5, blocking_timeout=1, sleep=0.01)
    with lock:
        assert lock.owned()
        assert pyredis_client.lock("job", blocking_timeout=0.05, sleep=0.01).acquire() is False
    assert not lock.locked()
