"""RESTORE of malformed compact encodings, with sanitize-dump-payload no (Redis's default) and yes.

Without deep sanitization redis-server checks a listpack's size and end
only.  Of what it then accepts, pyredis matches what Redis serves without
crashing: a list node whose header counts fewer entries than it holds is
read as that many (one node: every read alike; several: LRANGE differs).  What crashes Redis on access (a higher count, a hash
whose count hides a pair) pyredis keeps refusing; under deep sanitization
both refuse every one.
"""
import shutil
import struct

import pytest

from pyredis._speedups import crc64
from pyredis.persistence.blobs import listpack_of
from rdbfiles import rdb_str

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")


def payload(kind, body):
    data = bytes((kind,)) + body + struct.pack("<H", 10)
    return data + struct.pack("<Q", crc64(0, data))


def counted(items, count):
    blob = listpack_of(items)
    return blob[:4] + struct.pack("<H", count) + blob[6:]


def quicklist(*nodes):
    return payload(18, bytes((len(nodes),)) + b"".join(b"\x02" + rdb_str(n) for n in nodes))


# Accepted without deep sanitization by both, and read alike.
SHALLOW_OK = {
    "one-node-short-count": quicklist(counted([b"a", b"b", b"c"], 2)),
    "count-of-one": quicklist(counted([b"a", b"1", b"xyz" * 30], 1)),
}
# Refused by both whatever the sanitization.
REFUSED = {
    "count-zero": quicklist(counted([b"a", b"b"], 0)),
}
# Refused by pyredis, and crash-prone in Redis: never sent to it.
OURS_REFUSED = {
    "higher-count": quicklist(counted([b"a", b"b"], 3)),
    "hash-short-count": payload(16, rdb_str(counted([b"f1", b"v1", b"f2", b"v2"], 2))),
}

READS = [("LLEN", "k"), ("LRANGE", "k", "0", "-1"), ("LINDEX", "k", "-1"), ("LINDEX", "k", "1"),
         ("RPOP", "k"), ("LPOP", "k"), ("LRANGE", "k", "0", "-1"), ("LLEN", "k")]


@pytest.fixture
def sanitize(pair):
    def set_(value):
        pair.run("CONFIG", "SET", "sanitize-dump-payload", value)
    yield set_
    set_("no")


@pytest.mark.parametrize("name", sorted(SHALLOW_OK))
def test_short_counts_read_alike(pair, sanitize, name):
    pair.run("DEL", "k")
    assert pair.run("RESTORE", "k", "0", SHALLOW_OK[name]) == b"+OK\r\n"
    for command in READS:
        pair.run(*command)
    sanitize("yes")
    pair.run("DEL", "k")
    assert pair.run("RESTORE", "k", "0", SHALLOW_OK[name]) == b"-ERR Bad data format\r\n"


def test_short_counts_in_several_nodes_index_alike(pair, sanitize):
    # LRANGE differs: Redis's iterator walks a node's listpack past its count.
    data = quicklist(counted([b"a", b"b", b"c"], 2), counted([b"x", b"y"], 1))
    assert pair.run("RESTORE", "k", "0", data) == b"+OK\r\n"
    for command in [("LLEN", "k")] + [("LINDEX", "k", str(i)) for i in range(-4, 4)]:
        pair.run(*command)
    sanitize("yes")
    pair.run("DEL", "k")
    assert pair.run("RESTORE", "k", "0", data) == b"-ERR Bad data format\r\n"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_by_both(pair, sanitize, name):
    for value in ("no", "yes"):
        sanitize(value)
        pair.run("DEL", "k")
        assert pair.run("RESTORE", "k", "0", REFUSED[name]) == b"-ERR Bad data format\r\n"


@pytest.mark.parametrize("name", sorted(OURS_REFUSED))
def test_what_would_crash_redis_is_refused(pair, name):
    pair.ours.cmd("DEL", "k")
    assert pair.ours.cmd("RESTORE", "k", "0", OURS_REFUSED[name]) == b"-ERR Bad data format\r\n"


def test_zset_scores_that_are_no_numbers_read_as_strtod_reads_them(pair, sanitize):
    # Neither sanitization parses a listpack's scores; zzlStrtod reads their numeric prefix.
    data = payload(17, rdb_str(listpack_of([b"b", b"abc", b"c", b" 0x1p-2!", b"a", b"1.5xyz"])))
    for value in ("no", "yes"):
        sanitize(value)
        pair.run("DEL", "k")
        assert pair.run("RESTORE", "k", "0", data) == b"+OK\r\n"
        pair.run("ZRANGE", "k", "0", "-1", "WITHSCORES")
        for member in ("a", "b", "c"):
            pair.run("ZSCORE", "k", member)
