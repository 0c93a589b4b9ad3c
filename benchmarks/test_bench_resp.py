"""RESP request parser: compiled twin against pure twin, side by side.

Run with ``python -m pytest benchmarks/test_bench_resp.py --benchmark-only``.
The workload is what a pipelining client sends: 1000 ``SET key:NNN <16 bytes>``
requests arriving in one read.
"""

import pytest

import twin_import

BATCH = b"".join(b"*3\r\n$3\r\nSET\r\n$7\r\nkey:%03d\r\n$16\r\nvalue-16-bytes!!\r\n" % i
                 for i in range(1000))


def import_twin(kind):
    return twin_import.import_twin("resp", kind)


@pytest.mark.benchmark(group="resp: 1000 pipelined SET in one feed")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_pipelined_set(benchmark, kind):
    parser_class = import_twin(kind).RequestParser

    def parse():
        return parser_class().feed(BATCH)

    commands = benchmark(parse)
    assert len(commands) == 1000
    assert commands[999] == [b"SET", b"key:999", b"value-16-bytes!!"]
