"""HyperLogLog byte for byte against redis-server 7.0.15.

The HLL is a string, so after every PFADD and PFMERGE the GET of each key is
compared: sparse opcodes, promotion to dense, cached cardinality and its
stale bit must all be Redis's bytes.
"""
import random

import pytest


def elements(rng, n, tag):
    return [b"%s:%d" % (tag, rng.randrange(10**12)) for _ in range(n)]


def test_empty_and_small(pair):
    pair.run("PFADD", "h")
    pair.run("GET", "h")
    pair.run("PFADD", "h")
    pair.run("PFCOUNT", "h")
    pair.run("GET", "h")
    pair.run("PFADD", "h", "a", "b", "c", "a")
    pair.run("GET", "h")
    pair.run("PFCOUNT", "h")
    pair.run("GET", "h")
    pair.run("OBJECT", "ENCODING", "h")
    pair.run("PFCOUNT", "missing")
    pair.run("PFCOUNT", "h", "missing")
    pair.run("PFDEBUG", "DECODE", "h")
    pair.run("PFDEBUG", "ENCODING", "h")


@pytest.mark.parametrize("seed", range(6))
def test_random_pfadd_sequences(pair, seed):
    rng = random.Random(seed)
    total = rng.choice([50, 400, 1500, 4000])
    added = 0
    while added < total:
        batch = elements(rng, rng.randrange(1, 60), b"s%d" % seed)
        added += len(batch)
        pair.run("PFADD", "h", *batch)
        if rng.random() < 0.3:
            pair.run("PFCOUNT", "h")
        if rng.random() < 0.2:
            pair.run("GET", "h")
    pair.run("GET", "h")
    pair.run("PFCOUNT", "h")
    pair.run("GET", "h")
    pair.run("PFDEBUG", "ENCODING", "h")


@pytest.mark.parametrize("seed", range(6))
def test_random_merges(pair, seed):
    rng = random.Random(100 + seed)
    keys = ["a", "b", "c"]
    for key in keys:
        pair.run("PFADD", key, *elements(rng, rng.choice([0, 5, 200, 1200, 3000]), key.encode()))
    for _ in range(4):
        dest = rng.choice(keys + ["d", "e"])
        sources = rng.sample(keys + ["missing"], rng.randrange(0, 4))
        pair.run("PFMERGE", dest, *sources)
        pair.run("GET", dest)
        pair.run("PFCOUNT", dest)
        pair.run("PFCOUNT", *sources, dest)
        pair.run("PFADD", dest, *elements(rng, 20, b"more"))
        pair.run("GET", dest)


@pytest.mark.parametrize("seed", range(4))
def test_random_mixed_programs(pair, seed):
    rng = random.Random(500 + seed)
    keys = ["a", "b", "c", "d"]
    pair.run("CONFIG", "SET", "hll-sparse-max-bytes", rng.choice(["60", "700", "3000", "9000"]))
    try:
        for _ in range(40):
            op = rng.random()
            key = rng.choice(keys)
            if op < 0.5:
                # Small elements from a small pool: many repeats, many VAL merges.
                pool = rng.choice([30, 3000, 10**9])
                pair.run("PFADD", key, *[b"%d" % rng.randrange(pool)
                                         for _ in range(rng.randrange(1, 80))])
            elif op < 0.7:
                pair.run("PFMERGE", key, *rng.sample(keys, rng.randrange(0, 3)))
            elif op < 0.85:
                pair.run("PFCOUNT", *rng.sample(keys, rng.randrange(1, 3)))
            elif op < 0.9:
                pair.run("PFDEBUG", "TODENSE", key)
            else:
                pair.run("PFDEBUG", "ENCODING", key)
            for k in keys:
                pair.run("GET", k)
    finally:
        pair.run("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def test_sparse_max_bytes(pair):
    rng = random.Random(7)
    for limit in ("0", "100", "5000"):
        pair.run("CONFIG", "SET", "hll-sparse-max-bytes", limit)
        pair.run("DEL", "h", "d")
        pair.run("PFADD", "h", *elements(rng, 300, b"x"))
        pair.run("GET", "h")
        pair.run("PFMERGE", "d", "h")
        pair.run("GET", "d")
    pair.run("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def test_dense_count_and_debug(pair):
    rng = random.Random(8)
    pair.run("PFADD", "h", *elements(rng, 20000, b"d"))
    pair.run("PFDEBUG", "ENCODING", "h")
    pair.run("PFCOUNT", "h")
    pair.run("GET", "h")
    pair.run("PFDEBUG", "DECODE", "h")
    pair.run("PFDEBUG", "GETREG", "h")
    pair.run("PFADD", "s", "x", "y")
    pair.run("PFDEBUG", "GETREG", "s")
    pair.run("GET", "s")
    pair.run("PFADD", "t", "x", "y")
    pair.run("PFDEBUG", "TODENSE", "t")
    pair.run("PFDEBUG", "TODENSE", "t")
    pair.run("GET", "t")
    pair.run("PFDEBUG", "nosuch", "t")
    pair.run("PFDEBUG", "nosuch", "missing")
    pair.run("PFDEBUG", "GETREG")
    pair.run("PFDEBUG", "GETREG", "t", "x")


def test_wrong_types_and_invalid_values(pair):
    pair.run("SET", "str", "not an hll at all, long enough")
    pair.run("SET", "int", "12345")
    pair.run("SET", "short", "HYLL")
    pair.run("SET", "badenc", b"HYLL\x02" + bytes(11) + b"\x7f\xff")
    pair.run("SET", "baddense", b"HYLL\x00" + bytes(11) + b"\x00" * 100)
    pair.run("RPUSH", "list", "a")
    for key in ("str", "int", "short", "badenc", "baddense", "list"):
        pair.run("PFADD", key, "a")
        pair.run("PFCOUNT", key)
        pair.run("PFCOUNT", key, "other")
        pair.run("PFMERGE", key)
        pair.run("PFMERGE", "dest", key)
        pair.run("PFDEBUG", "ENCODING", key)
    pair.run("EXISTS", "dest")


def corrupt_values():
    header = b"HYLL\x01\x00\x00\x00" + bytes(7) + b"\x80"
    return [
        header + b"\x7f\xff",                    # 16384 zeros, cache stale: fine
        header + b"\x7f\xff\x00",                # one register too many
        header + b"\x7f\xfe",                    # one register short
        header + b"\x7f",                        # XZERO missing its second byte
        header + b"\x7f\xfe\x80",                # VAL ending it right
        header + b"\x7f\xff\x80",                # VAL past the end
        header + b"\x7f\xfc\xff",                # VAL with value 32, length 4, one over
        header + b"",                            # no registers at all
        header + b"\x7f\xfe\x7f\xff",            # far too many
        header + b"\x7f\xfb\x83\x80",            # exactly 16384, then a VAL past the end
        header + b"\x7f\xff\x00",                # exactly 16384, then a ZERO
        header + b"\x80\x7f\xfe",                # a VAL first
        b"HYLL\x01\x00\x00\x00" + (12345).to_bytes(8, "little") + b"\x7f\xff",  # cached
    ]


@pytest.mark.parametrize("value", corrupt_values(), ids=lambda v: v[16:].hex() or "empty")
def test_corrupt_sparse_values(pair, value):
    pair.run("SET", "h", value)
    pair.run("PFCOUNT", "h")
    pair.run("GET", "h")
    pair.run("PFCOUNT", "h", "h")
    pair.run("PFMERGE", "d", "h")
    pair.run("GET", "d")
    pair.run("PFADD", "h", "a", "b", "c")
    pair.run("GET", "h")
    pair.run("SET", "h", value)
    pair.run("PFDEBUG", "DECODE", "h")
    pair.run("PFDEBUG", "TODENSE", "h")
    pair.run("GET", "h")
    pair.run("SET", "h", value)
    pair.run("PFDEBUG", "GETREG", "h")
    if value.endswith(b"\x80\x7f"):
        # An XZERO cut after its first byte reads the byte past the string's
        # end; Redis's first split writes the split's last byte there, and
        # the next update of that last opcode reads it back.  Only one
        # update is compared for such a value.
        return
    pair.run("SET", "h", value)
    pair.run("PFADD", "h", *[b"e%d" % i for i in range(200)])
    pair.run("GET", "h")


def test_value_written_by_redis_reads_back_alike(pair):
    # A value SET from its bytes (as RESTORE or a replica would) keeps working.
    rng = random.Random(9)
    pair.run("PFADD", "h", *elements(rng, 2000, b"r"))
    value = pair.run("GET", "h")
    body = value[value.index(b"\r\n") + 2:-2]
    pair.run("SET", "copy", body)
    pair.run("OBJECT", "ENCODING", "copy")
    pair.run("PFCOUNT", "copy")
    pair.run("OBJECT", "ENCODING", "copy")
    pair.run("PFADD", "copy", "new-element")
    pair.run("GET", "copy")


def test_arity_and_command_info(pair):
    pair.run("PFADD")
    pair.run("PFCOUNT")
    pair.run("PFMERGE")
    pair.run("PFDEBUG", "GETREG")
    pair.run("PFSELFTEST", "x")
    for name in ("PFADD", "PFCOUNT", "PFMERGE", "PFDEBUG", "PFSELFTEST"):
        pair.run("COMMAND", "INFO", name)


def test_pfselftest(pair):
    pair.run("PFSELFTEST")


# ---- keyspace notifications (PFADD and PFMERGE publish "pfadd"; PFCOUNT nothing) ----

from .test_notifications import clients, env, servers  # noqa: E402,F401 - fixtures

PF_WRITES = [
    ([], ("PFADD", "h", "a")),
    ([], ("PFADD", "h")),
    ([("PFADD", "h", "a")], ("PFADD", "h", "a")),
    ([("PFADD", "h", "a")], ("PFCOUNT", "h")),
    ([("PFADD", "h", "a")], ("PFCOUNT", "h", "nokey")),
    ([("PFADD", "h", "a")], ("PFMERGE", "d", "h")),
    ([], ("PFMERGE", "d")),
    ([("PFADD", "h", "a")], ("PFDEBUG", "TODENSE", "h")),
    ([("SET", "h", "x")], ("PFADD", "h", "a")),
]


@pytest.mark.parametrize("setup, command", PF_WRITES, ids=[" ".join(c) for _, c in PF_WRITES])
def test_events(env, setup, command):
    writer, sub = env
    for s in setup:
        writer.run(*s)
    sub.received()
    writer.run(*command)
    sub.received()
