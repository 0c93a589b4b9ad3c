"""HyperLogLog commands on a live pyredis: replies, errors, and the value as a string."""
import random

import pytest
import redis

EMPTY = b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff"
# PFADD that creates the key counts as an update, so the cache is marked stale.
CREATED = EMPTY[:15] + b"\x80" + EMPTY[16:]


def add_many(r, key, n, tag="e", seed=1):
    rng = random.Random(seed)
    items = ["%s%d" % (tag, rng.randrange(10**12)) for _ in range(n)]
    for i in range(0, n, 1000):
        r.pfadd(key, *items[i:i + 1000])
    return items


def test_pfadd_creates_an_empty_sparse_hll(r):
    assert r.pfadd("h") == 1
    assert r.get("h") == CREATED
    assert r.pfadd("h") == 0
    assert r.object("encoding", "h") == b"raw"
    assert r.type("h") == b"string"


def test_pfadd_reports_register_changes(r):
    assert r.pfadd("h", "a", "b", "c") == 1
    assert r.pfadd("h", "a", "b", "c") == 0
    assert r.pfadd("h", "a", "d") == 1
    assert r.pfcount("h") == 4


def test_pfcount_writes_back_the_cached_cardinality(r):
    r.pfadd("h", "a", "b", "c")
    value = r.get("h")
    assert value[15] & 0x80
    assert r.pfcount("h") == 3
    cached = r.get("h")
    assert cached[15] & 0x80 == 0
    assert int.from_bytes(cached[8:16], "little") == 3
    # The cached value is what PFCOUNT reports, even when it is wrong.
    r.set("h", cached[:8] + (99).to_bytes(8, "little") + cached[16:])
    assert r.pfcount("h") == 99


def test_pfcount_cache_write_touches_watchers(r):
    r.pfadd("h", "a")
    other = redis.Redis(port=r.connection_pool.connection_kwargs["port"])
    with r.pipeline() as pipe:
        pipe.watch("h")
        other.pfcount("h")
        pipe.multi()
        pipe.get("h")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    other.close()


def test_accuracy_and_dense_promotion(r):
    add_many(r, "h", 10000)
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
    assert len(r.get("h")) == 12304
    assert abs(r.pfcount("h") - 10000) < 10000 * 0.03


def test_sparse_limit_from_config(r):
    r.config_set("hll-sparse-max-bytes", 0)
    try:
        r.pfadd("h", "a")
        assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
    finally:
        r.config_set("hll-sparse-max-bytes", 3000)


def test_pfcount_and_pfmerge_union(r):
    a = add_many(r, "a", 3000, "x")
    b = add_many(r, "b", 3000, "y")
    union = r.pfcount("a", "b", "missing")
    assert abs(union - 6000) < 6000 * 0.03
    assert r.pfmerge("d", "a", "b", "missing") is True
    assert r.pfcount("d") == union
    assert r.pfmerge("a", "b") is True
    assert r.pfcount("a") == union
    assert len(a) == len(b)


def test_pfmerge_of_nothing_creates_an_empty_hll(r):
    assert r.pfmerge("d") is True
    value = r.get("d")
    assert value[:15] == EMPTY[:15] and value[16:] == EMPTY[16:]
    assert r.pfcount("d") == 0


def test_errors(r):
    r.set("s", "not an hll value")
    r.rpush("l", "x")
    for cmd in (("PFADD", "s", "a"), ("PFCOUNT", "s"), ("PFCOUNT", "s", "t"), ("PFMERGE", "d", "s")):
        with pytest.raises(redis.ResponseError, match="^WRONGTYPE Key is not a valid HyperLogLog string value.$"):
            r.execute_command(*cmd)
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE Operation against a key holding the wrong kind"):
        r.pfadd("l", "a")
    r.set("bad", b"HYLL\x01\x00\x00\x00" + bytes(7) + b"\x80" + b"\x7f\xfe")
    with pytest.raises(redis.ResponseError, match="^(INVALIDOBJ )?Corrupted HLL object detected$"):
        r.pfcount("bad")
    with pytest.raises(redis.ResponseError, match="^(INVALIDOBJ )?Corrupted HLL object detected$"):
        r.pfmerge("d", "bad")
    assert r.exists("d") == 0


def test_pfdebug(r):
    r.pfadd("h", "a")
    assert r.execute_command("PFDEBUG", "DECODE", "h") == b"Z:12711 v:2,1 Z:3672"
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"sparse"
    regs = r.execute_command("PFDEBUG", "GETREG", "h")
    assert len(regs) == 16384 and regs[12711] == 2 and sum(regs) == 2
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
    assert r.execute_command("PFDEBUG", "TODENSE", "h") == 0
    with pytest.raises(redis.ResponseError, match="^HLL encoding is not sparse$"):
        r.execute_command("PFDEBUG", "DECODE", "h")
    with pytest.raises(redis.ResponseError, match="^Unknown PFDEBUG subcommand 'what'$"):
        r.execute_command("PFDEBUG", "what", "h")
    with pytest.raises(redis.ResponseError, match="^The specified key does not exist$"):
        r.execute_command("PFDEBUG", "what", "nokey")


def test_pfselftest(r):
    assert r.execute_command("PFSELFTEST") == b"OK"


def test_get_set_round_trip_keeps_working(r):
    add_many(r, "h", 500)
    value = r.get("h")
    r.set("copy", value)
    assert r.pfcount("copy") == r.pfcount("h")
    r.pfadd("copy", "one more")
    r.pfadd("h", "one more")
    assert r.get("copy") == r.get("h")
