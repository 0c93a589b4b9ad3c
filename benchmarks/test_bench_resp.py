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


@pytest.mark.benchmark(group="resp: an array of 100 bulk strings")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_encode_bulks_100(benchmark, kind):
    encode_bulks = import_twin(kind).encode_bulks
    values = [b"element:%04d" % i for i in range(100)]
    out = benchmark(encode_bulks, values)
    assert out.startswith(b"*100\r\n$12\r\nelement:0000\r\n")


@pytest.mark.benchmark(group="resp: 1000 integer replies (a third past the shared ones)")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_encode_integer(benchmark, kind):
    encode_integer = import_twin(kind).encode_integer
    numbers = [i * 15 for i in range(1000)]

    def encode():
        for n in numbers:
            encode_integer(n)

    benchmark(encode)
    assert encode_integer(14985) == b":14985\r\n"


@pytest.mark.benchmark(group="resp: span_end over 1000 requests within an ACL key range")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_span_end(benchmark, kind):
    span_end = import_twin(kind).span_end
    commands = import_twin(kind).RequestParser().feed(BATCH)
    end = benchmark(span_end, commands, 0, len(commands), b"key:", b"key;")
    assert end == 1000
