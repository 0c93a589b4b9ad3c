"""Per-key access table: compiled twin against pure twin, side by side.

Run with ``python -m pytest benchmarks/test_bench_access.py --benchmark-only``.
A touch is what every key lookup pays (LRU and LFU); a fill is 100k new keys
from an empty table, rebuilds included; store_pairs is MSET's pass over its
ten key, value pairs.
"""
import random

import pytest

import twin_import

KEYS = [b"key:%012d" % i for i in range(100_000)]
NOW = 1_700_000_000_000


def import_twin(kind):
    return twin_import.import_twin("access", kind)


def filled(kind, lfu=False):
    mod = import_twin(kind)
    clock = mod.AccessClock(NOW, lfu=lfu)
    data = twin_import.import_twin("keytable", kind).KeyTable(dict.fromkeys(KEYS, b"v"))
    table = mod.AccessTable(clock, data)
    for key in KEYS:
        table.created(key)
    return table


@pytest.mark.benchmark(group="access: 1000 touches in a 100k-key table")
@pytest.mark.parametrize("lfu", [False, True], ids=["lru", "lfu"])
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_touch(benchmark, kind, lfu):
    table = filled(kind, lfu)
    sample = random.Random(1).sample(KEYS, 1000)

    def touch():
        for key in sample:
            table.touch(key, b"value")

    benchmark(touch)
    assert table.get(sample[0]) is not None


@pytest.mark.benchmark(group="access: 100k new keys into an empty table")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_fill(benchmark, kind):
    table = benchmark.pedantic(filled, args=(kind,), rounds=3, iterations=1)
    assert len(table) == len(KEYS)


@pytest.mark.benchmark(group="access: 100 MSETs of 10 existing keys (store_pairs)")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_store_pairs(benchmark, kind):
    table = filled(kind)
    rnd = random.Random(2)
    requests = [[b"MSET"] + [x for key in rnd.sample(KEYS, 10) for x in (key, b"xxx")]
                for _ in range(100)]
    shared = {b"%d" % i: b"%d" % i for i in range(10000)}

    def store():
        for argv in requests:
            table.store_pairs(argv, 1, shared, {})

    benchmark(store)
    assert table.data[requests[0][1]] == b"xxx"
