"""ZSet container: ZADD and ZRANK cost per operation at 10k, 100k and 1M members,
on each skiplist twin (compiled zskiplist, pure zskiplist_py) side by side.

Run with ``python -m pytest benchmarks/test_bench_zset.py --benchmark-only``.
Each round times a batch of BATCH operations on a set of the given size; the
per-operation time is the round time divided by BATCH.  O(log n) operations
show an almost flat line from 10k to 1M (the extra levels of a 100x larger set
cost a few percent, cache misses aside).

- insert: BATCH new members with random scores (removed again, untimed, before
  the next round so the size stays put);
- update: BATCH existing members moved to a new random score (ZADD on a member);
- rank: ZRANK of BATCH random existing members;
- pop: ZPOPMIN of BATCH members (put back, untimed, after each round);
- range: BATCH ZRANGE-like slices of 10 pairs at random ranks.

Random members touch a random part of a big structure each time, so at 1M the
time is mostly cache misses (a plain ``bisect`` on a sorted Python list of the
same tuples grows the same way).  The ``warm`` variants work on neighbouring
members (a window that moves every round): the same O(log n) code with the
memory effects removed, which is the flat line.
"""
import random

import pytest

import twin_import
from pyredis.types.zset import ZSet

BATCH = 1000
SIZES = [10_000, 100_000, 1_000_000]
KINDS = ["cython", "python"]


@pytest.fixture(scope="module", params=[(k, n) for k in KINDS for n in SIZES],
                ids=lambda p: "%s-%dk" % (p[0], p[1] // 1000))
def big(request):
    kind, n = request.param
    rnd = random.Random(n)
    items = [(b"member:%d" % i, rnd.random() * 1e6) for i in range(n)]
    zs = ZSet(compact=False)
    zs.scores = dict(items)
    zs.order = twin_import.import_twin("zskiplist", kind).SkipList(
        sorted((s, m) for m, s in items))
    return zs, [m for m, _ in items], rnd


def test_zadd_insert(benchmark, big):
    zs, members, rnd = big
    benchmark.group = "zset zadd insert x %d" % BATCH
    batches = iter(range(10 ** 9))
    fresh = []

    def setup():
        for m in fresh:
            zs.remove(m)
        b = next(batches)
        fresh[:] = [b"new:%d:%d" % (b, i) for i in range(BATCH)]
        return ([(m, rnd.random() * 1e6) for m in fresh],), {}

    def run(pairs):
        insert = zs.insert
        for m, s in pairs:
            insert(m, s)

    size = len(zs)
    benchmark.pedantic(run, setup=setup, rounds=30, iterations=1)
    for m in fresh:
        zs.remove(m)
    assert len(zs) == size


def test_zadd_update(benchmark, big):
    zs, members, rnd = big
    benchmark.group = "zset zadd update x %d" % BATCH

    def setup():
        return ([(rnd.choice(members), rnd.random() * 1e6) for _ in range(BATCH)],), {}

    def run(pairs):
        update = zs.update
        for m, s in pairs:
            update(m, s)

    benchmark.pedantic(run, setup=setup, rounds=30, iterations=1)
    assert len(zs.order) == len(zs.scores)


def test_zrank(benchmark, big):
    zs, members, rnd = big
    benchmark.group = "zset zrank x %d" % BATCH

    def setup():
        return ([rnd.choice(members) for _ in range(BATCH)],), {}

    def run(picks):
        rank = zs.rank
        return [rank(m) for m in picks]

    ranks = benchmark.pedantic(run, setup=setup, rounds=30, iterations=1)
    assert all(0 <= r < len(zs) for r in ranks)


def test_zrank_warm(benchmark, big):
    zs, members, rnd = big
    benchmark.group = "zset zrank warm x %d" % BATCH
    starts = iter(range(0, 10 ** 9, BATCH))

    def setup():
        start = next(starts) % (len(zs) - BATCH)
        return ([m for _, m in zs.slice(start, start + BATCH)],), {}

    def run(picks):
        rank = zs.rank
        return [rank(m) for m in picks]

    ranks = benchmark.pedantic(run, setup=setup, rounds=30, iterations=1)
    assert ranks == list(range(ranks[0], ranks[0] + BATCH))


def test_zadd_insert_warm(benchmark, big):
    zs, members, rnd = big
    benchmark.group = "zset zadd insert warm x %d" % BATCH
    batches = iter(range(10 ** 9))
    fresh = []

    def setup():
        for m in fresh:
            zs.remove(m)
        b = next(batches)
        base = rnd.random() * 1e6
        fresh[:] = [b"new:%d:%d" % (b, i) for i in range(BATCH)]
        return ([(m, base + i * 1e-3) for i, m in enumerate(fresh)],), {}

    def run(pairs):
        insert = zs.insert
        for m, s in pairs:
            insert(m, s)

    size = len(zs)
    benchmark.pedantic(run, setup=setup, rounds=30, iterations=1)
    for m in fresh:
        zs.remove(m)
    assert len(zs) == size


def test_zpopmin(benchmark, big):
    zs, members, rnd = big
    benchmark.group = "zset zpopmin x %d" % BATCH
    popped = []

    def setup():
        for score, member in popped:
            zs.insert(member, score)
        popped.clear()
        return (), {}

    def run():
        pop = zs.pop
        for _ in range(BATCH):
            popped.extend(pop(1))

    size = len(zs)
    benchmark.pedantic(run, setup=setup, rounds=30, iterations=1)
    setup()
    assert len(zs) == size


def test_zrange_10(benchmark, big):
    zs, members, rnd = big
    benchmark.group = "zset zrange 10 x %d" % BATCH

    def setup():
        return ([rnd.randrange(len(zs) - 10) for _ in range(BATCH)],), {}

    def run(starts):
        slice_ = zs.slice
        return [slice_(i, i + 10) for i in starts]

    out = benchmark.pedantic(run, setup=setup, rounds=30, iterations=1)
    assert all(len(pairs) == 10 for pairs in out)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scores", ["integral", "fractional"])
def test_zrange_reply_10(benchmark, kind, scores):
    """A ZRANGE ... WITHSCORES reply of 10 pairs, RESP2, encoded BATCH times."""
    benchmark.group = "zset reply 10 pairs withscores x %d" % BATCH
    encode = twin_import.import_twin("zsetreply", kind).encode_scored
    step = 1.0 if scores == "integral" else 1.37
    pairs = [(i * step, b"element:%012d" % i) for i in range(10)]

    def run():
        for _ in range(BATCH):
            encode(pairs, True, 2)

    benchmark(run)
    assert encode(pairs, True, 2).startswith(b"*20\r\n")
