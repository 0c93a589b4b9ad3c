"""LZF: compiled twin against pure twin, side by side.

Run with ``python -m pytest benchmarks/test_bench_lzf.py --benchmark-only``.
The workload is what an RDB save compresses: a 64 KiB text-like value (CSV
numbers) and a 1 KiB JSON-like value, each into len-4 bytes as Redis asks.
"""
import random

import pytest

import twin_import

rng = random.Random(1)
LARGE = b"".join(b"%d,%d\n" % (rng.randrange(10000), rng.randrange(100)) for _ in range(8000))[:65536]
SMALL = b"".join(b'{"id":%d,"name":"user%d","active":true},' % (i, rng.randrange(1000))
                 for i in range(30))[:1024]


def import_twin(kind):
    return twin_import.import_twin("lzf", kind)


@pytest.mark.benchmark(group="lzf: compress 64 KiB")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_compress_large(benchmark, kind):
    compress = import_twin(kind).lzf_compress
    packed = benchmark(compress, LARGE, len(LARGE) - 4)
    assert packed is not None and len(packed) < len(LARGE)


@pytest.mark.benchmark(group="lzf: compress 1 KiB")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_compress_small(benchmark, kind):
    compress = import_twin(kind).lzf_compress
    packed = benchmark(compress, SMALL, len(SMALL) - 4)
    assert packed is not None and len(packed) < len(SMALL)


@pytest.mark.benchmark(group="lzf: decompress 64 KiB")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_decompress_large(benchmark, kind):
    module = import_twin(kind)
    packed = module.lzf_compress(LARGE, len(LARGE) - 4)
    assert benchmark(module.lzf_decompress, packed, len(LARGE)) == LARGE
