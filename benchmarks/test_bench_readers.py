"""The tracking table's record of a read: compiled twin against pure twin, side by side.

Run with ``python -m pytest benchmarks/test_bench_readers.py --benchmark-only``.
The workload is 1000 GETs of a client tracking its keys (``key:`` + 12 digits,
about 960 distinct keys, all already in the table, as a pipelined GET load leaves it).
"""
import random

import pytest

import twin_import

RNG = random.Random(1)
KEYS = sorted({b"key:%012d" % RNG.randrange(100000) for _ in range(960)})
ARGVS = [[b"GET", bytes(bytearray(RNG.choice(KEYS)))] for _ in range(1000)]
for _argv in ARGVS:
    hash(_argv[1])


class _Tracking:
    def __init__(self):
        self.table = {key: 3 for key in KEYS}
        self.extra = 0
        self.max_keys = 1 << 60

    def overflowed(self):
        raise AssertionError("no limit")


class _Client:
    id = 3


@pytest.mark.benchmark(group="readers: 1000 tracked GETs")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_remember_reads(benchmark, kind):
    tracking = _Tracking()
    read = twin_import.import_twin("readers", kind).Reader(tracking, _Client()).read

    def run():
        for argv in ARGVS:
            read(1, None, argv)

    benchmark(run)
    assert len(tracking.table) == len(KEYS) and tracking.extra == 0
