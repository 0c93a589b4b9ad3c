"""Client socket I/O twins (sockio.pyx and sockio_py.py, which is os.read and os.write).

On a connected pair of non-blocking sockets both twins must read the same
bytes in the same pieces, write the same counts and raise the same errors
(would block, end of stream, a closed peer, a bad descriptor, bad arguments).
"""
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as exc:
        return type(exc).__name__, str(exc)


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    yield a, b
    a.close()
    b.close()


def test_reads_and_writes(sockio, pair):
    a, b = pair
    assert sockio.write(a.fileno(), b"hello\r\n") == 7
    assert sockio.read(b.fileno(), 3) == b"hel"
    assert sockio.read(b.fileno(), 16384) == b"lo\r\n"
    with pytest.raises(BlockingIOError):
        sockio.read(b.fileno(), 16384)
    assert sockio.write(a.fileno(), b"") == 0


def test_a_read_past_the_static_buffer(sockio, pair):
    a, b = pair
    data = bytes(range(256)) * 200
    assert sockio.write(a.fileno(), data) == len(data)
    got = sockio.read(b.fileno(), 48 * 1024)
    assert got == data[:len(got)] and len(got) > 16384
    assert sockio.read(b.fileno(), 100000) == data[len(got):]


def test_end_of_stream_and_a_closed_peer(sockio, pair):
    a, b = pair
    a.close()
    assert sockio.read(b.fileno(), 10) == b""
    with pytest.raises(BrokenPipeError):
        sockio.write(b.fileno(), b"x")


def test_errors_are_the_twins(sockio_twins, pair):
    a, b = pair
    results = []
    for mod in sockio_twins:
        results.append([
            outcome(mod.read, b.fileno(), 10),
            outcome(mod.read, b.fileno(), -1),
            outcome(mod.read, 1 << 20, 10),
            outcome(mod.write, 1 << 20, b"x"),
            outcome(mod.write, a.fileno(), memoryview(b"x")),
            outcome(mod.write, a.fileno(), "x"),
        ])
    assert results[0] == results[1]
    assert results[0][0][0] == "BlockingIOError" and results[0][2][0] == "OSError"


@settings(max_examples=100, deadline=None)
@given(chunks=st.lists(st.binary(min_size=0, max_size=3000), max_size=8),
       sizes=st.lists(st.integers(0, 20000), min_size=1, max_size=10))
def test_twins_read_the_same_pieces(sockio_twins, chunks, sizes):
    seen = []
    for mod in sockio_twins:
        a, b = socket.socketpair()
        a.setblocking(False)
        b.setblocking(False)
        try:
            written = [mod.write(a.fileno(), chunk) for chunk in chunks]
            reads = [outcome(mod.read, b.fileno(), n) for n in sizes]
        finally:
            a.close()
            b.close()
        seen.append((written, reads))
    assert seen[0] == seen[1]
