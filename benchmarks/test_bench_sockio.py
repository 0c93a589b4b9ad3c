"""Client socket I/O: compiled twin against pure twin (os.read, os.write), side by side.

Run with ``python -m pytest benchmarks/test_bench_sockio.py --benchmark-only``.
A round is what a request at ``-P 1`` costs the loop in I/O: one write of a
short reply and one read of a short request, on a connected socket pair.
"""
import socket

import pytest

import twin_import

REQUEST = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"


@pytest.mark.benchmark(group="sockio: 1000 writes and reads of a short message")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_round(benchmark, kind):
    mod = twin_import.import_twin("sockio", kind)
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    write, read, wfd, rfd = mod.write, mod.read, a.fileno(), b.fileno()

    def rounds():
        for _ in range(1000):
            write(wfd, REQUEST)
            read(rfd, 16384)

    try:
        benchmark(rounds)
        write(wfd, REQUEST)
        assert read(rfd, 16384) == REQUEST
    finally:
        a.close()
        b.close()
