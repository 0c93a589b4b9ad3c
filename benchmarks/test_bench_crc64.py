"""CRC-64/Jones: compiled twin against pure twin, side by side.

Run with ``python -m pytest benchmarks/test_bench_crc64.py --benchmark-only``.
The workload is what an RDB save checksums: 1 MiB in 16 KiB writes.
"""
import random

import pytest

import twin_import

DATA = random.Random(1).randbytes(1 << 20)
CHUNKS = [DATA[i:i + 16384] for i in range(0, len(DATA), 16384)]


def import_twin(kind):
    return twin_import.import_twin("crc64", kind)


@pytest.mark.benchmark(group="crc64: 1 MiB in 16 KiB pieces")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_crc64_file(benchmark, kind):
    crc64 = import_twin(kind).crc64

    def checksum():
        crc = 0
        for chunk in CHUNKS:
            crc = crc64(crc, chunk)
        return crc

    assert benchmark(checksum) == import_twin("python").crc64(0, DATA)
