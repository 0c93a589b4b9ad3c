"""Whole-string bit work: compiled twin against pure twin on a 1 MB string.

Run with ``python -m pytest benchmarks/test_bench_bitops.py --benchmark-only``.
"""
import random

import pytest

import twin_import

MB = random.Random(3).randbytes(1 << 20)
MB2 = random.Random(4).randbytes(1 << 20)


@pytest.mark.parametrize("kind", ["cython", "python"])
def test_popcount_1mb(benchmark, kind):
    mod = twin_import.import_twin("bitops", kind)
    assert benchmark(mod.popcount, MB) == int.from_bytes(MB, "big").bit_count()


@pytest.mark.parametrize("kind", ["cython", "python"])
def test_bitop_and_1mb(benchmark, kind):
    mod = twin_import.import_twin("bitops", kind)
    result = benchmark(mod.bitop, mod.AND, [MB, MB2], len(MB))
    assert len(result) == len(MB)
