"""The broadcast key sort of client tracking: compiled twin against pure twin, side by side.

Run with ``python -m pytest benchmarks/test_bench_keysort.py --benchmark-only``.
The workload is one event-loop pass of a pipelined SET load seen by a BCAST
client: 800 changed keys of redis-benchmark's shape (``key:`` + 12 digits).
"""
import random

import pytest

import twin_import

RNG = random.Random(1)
KEYS = {b"key:%012d" % RNG.randrange(100000): None for _ in range(800)}


@pytest.mark.benchmark(group="keysort: 800 changed keys")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_sort_changed_keys(benchmark, kind):
    sort_keys = twin_import.import_twin("keysort", kind).sort_keys
    assert benchmark(sort_keys, KEYS) == sorted(KEYS)
