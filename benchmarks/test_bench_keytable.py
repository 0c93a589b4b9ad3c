"""The keyspace table: compiled twin against pure twin (dict), side by side.

Run with ``python -m pytest benchmarks/test_bench_keytable.py --benchmark-only``.
A get is what every key lookup pays, a set of an existing key what SET pays
on an overwrite; a fill is 100k new keys from empty, resizes included; a
walk is what SAVE, KEYS and SCAN's snapshot pay (a new bytes object per key
in the compiled twin).
"""
import random

import pytest

import twin_import

KEYS = [b"key:%012d" % i for i in range(100_000)]
# New objects, as a request's keys are: a dict cannot match them by identity.
SAMPLE = [bytes(bytearray(key)) for key in random.Random(1).sample(KEYS, 1000)]
MISSING = [b"nokey:%d" % i for i in range(1000)]


def filled(kind):
    table = twin_import.import_twin("keytable", kind).KeyTable()
    for key in KEYS:
        table[key] = b"v"
    return table


@pytest.mark.benchmark(group="keytable: 1000 gets in a 100k-key table")
@pytest.mark.parametrize("hit", [True, False], ids=["hit", "miss"])
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_get(benchmark, kind, hit):
    table = filled(kind)
    keys = SAMPLE if hit else MISSING
    get = table.get

    def run():
        for key in keys:
            get(key)

    benchmark(run)
    assert (table.get(keys[0]) is not None) == hit


@pytest.mark.benchmark(group="keytable: 1000 overwrites in a 100k-key table")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_overwrite(benchmark, kind):
    table = filled(kind)

    def run():
        for key in SAMPLE:
            table[key] = b"w"

    benchmark(run)
    assert table[SAMPLE[0]] == b"w"


@pytest.mark.benchmark(group="keytable: 100k new keys into an empty table")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_fill(benchmark, kind):
    table = benchmark.pedantic(filled, args=(kind,), rounds=3, iterations=1)
    assert len(table) == len(KEYS)


@pytest.mark.benchmark(group="keytable: walk 100k keys and values")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_walk(benchmark, kind):
    table = filled(kind)
    n = benchmark(lambda: sum(1 for _ in table.items()))
    assert n == len(KEYS)
