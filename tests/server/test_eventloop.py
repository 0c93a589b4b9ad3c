"""The event loop, black-box: pipelining, fairness, limits, idle timeout, signals, garbage input."""
import signal
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from respclient import RawClient, encode_command


def test_pipeline_of_1000_commands_in_one_write(raw):
    raw.send(b"".join(encode_command("INCR", "counter") for _ in range(1000)))
    for i in range(1, 1001):
        assert raw.read_reply() == b":%d\r\n" % i
    assert raw.read_all(0.05) == b""


def test_pipeline_mixed_inline_and_multibulk(raw):
    batch = []
    for i in range(500):
        batch.append(b"ECHO inline%d\r\n" % i if i % 2 else encode_command("ECHO", "bulk%d" % i))
    raw.send(b"".join(batch))
    for i in range(500):
        text = b"inline%d" % i if i % 2 else b"bulk%d" % i
        assert raw.read_reply() == b"$%d\r\n%b\r\n" % (len(text), text)


def test_clients_are_independent(raw_factory):
    clients = [raw_factory() for _ in range(20)]
    for i, c in enumerate(clients):
        c.send(encode_command("SELECT", i % 16) + encode_command("ECHO", "c%d" % i))
    for i, c in enumerate(clients):
        assert c.read_reply() == b"+OK\r\n"
        assert c.read_reply() == b"$%d\r\nc%d\r\n" % (len("c%d" % i), i)


def test_maxclients(start_server):
    proc = start_server("--maxclients", "2")
    a, b = RawClient(proc.port), RawClient(proc.port)
    assert a.cmd("PING") == b"+PONG\r\n"
    assert b.cmd("PING") == b"+PONG\r\n"
    c = RawClient(proc.port)
    assert c.read_all(0.5) == b"-ERR max number of clients reached\r\n"
    assert c.is_closed()
    a.cmd("QUIT")
    a.close()
    deadline = time.time() + 2
    while True:
        d = RawClient(proc.port)
        try:
            if d.cmd("PING") == b"+PONG\r\n":
                break
        except ConnectionError:
            pass
        assert time.time() < deadline
        time.sleep(0.05)
    assert b.cmd("PING") == b"+PONG\r\n"


def test_idle_timeout_spares_blocked_and_subscribed(start_server):
    proc = start_server("--timeout", "1")
    idle = RawClient(proc.port)
    blocked = RawClient(proc.port)
    subscribed = RawClient(proc.port)
    busy = RawClient(proc.port)
    assert idle.cmd("PING") == b"+PONG\r\n"
    blocked.send(b"BLPOP nolist 0\r\n")
    assert subscribed.cmd("SUBSCRIBE", "ch").startswith(b"*3\r\n")
    deadline = time.time() + 2.6
    while time.time() < deadline:
        assert busy.cmd("PING") == b"+PONG\r\n"
        time.sleep(0.2)
    assert idle.is_closed(0.5)
    assert not blocked.is_closed(0.1)
    assert not subscribed.is_closed(0.1)
    assert busy.cmd("LPUSH", "nolist", "x") == b":1\r\n"
    assert blocked.read_reply() == b"*2\r\n$6\r\nnolist\r\n$1\r\nx\r\n"


def test_slow_reader_does_not_block_others(server):
    slow = socket.create_connection(("127.0.0.1", server.port))
    setup = RawClient(server.port)
    value = bytes(range(256)) * 4096  # 1 MiB
    assert setup.cmd("SET", "bigvalue", value) == b"+OK\r\n"
    count = 40
    slow.sendall(encode_command("GET", "bigvalue") * count)
    # While 40 MiB of replies wait for the slow reader, others are served promptly.
    other = RawClient(server.port)
    for _ in range(20):
        start = time.time()
        assert other.cmd("PING") == b"+PONG\r\n"
        assert time.time() - start < 1.0
    expected = b"$%d\r\n%b\r\n" % (len(value), value)
    total = len(expected) * count
    received = bytearray()
    slow.settimeout(20)
    while len(received) < total:
        chunk = slow.recv(1 << 20)
        assert chunk, "server closed the slow reader"
        received += chunk
    assert bytes(received) == expected * count
    slow.close()
    setup.cmd("DEL", "bigvalue")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_cleanly(start_server, signum):
    proc = start_server()
    c = RawClient(proc.port)
    assert c.cmd("SET", "k", "v") == b"+OK\r\n"
    proc.proc.send_signal(signum)
    assert proc.proc.wait(10) == 0
    log = proc.log()
    name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT"
    assert "Received %s scheduling shutdown..." % name in log
    assert "ready to exit, bye bye..." in log
    assert c.is_closed()


def test_signal_while_clients_are_blocked(start_server):
    proc = start_server()
    blocked = RawClient(proc.port)
    blocked.send(b"BLPOP nolist 0\r\n")
    time.sleep(0.1)
    start = time.time()
    proc.proc.terminate()
    assert proc.proc.wait(10) == 0
    assert time.time() - start < 2
    assert blocked.is_closed()


@pytest.fixture(scope="module")
def garbage_server():
    from serverproc import start_pyredis
    proc = start_pyredis()
    yield proc
    proc.stop()


# Bytes that look like protocol often enough to reach deep parser states.
_tokens = st.sampled_from([b"*", b"$", b"\r\n", b"\r", b"\n", b"-1", b"0", b"1", b"3", b"2147483648", b" ",
                           b'"', b"'", b"\\x4", b"\x00", b"PING", b"SET", b"GET", b"k", b"ECHO", b"+", b"\xff"])
_garbage = st.one_of(st.binary(max_size=200),
                     st.lists(_tokens, max_size=60).map(b"".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_garbage, split=st.integers(min_value=0, max_value=200))
def test_garbage_never_kills_the_server(garbage_server, data, split):
    c = socket.create_connection(("127.0.0.1", garbage_server.port))
    try:
        c.sendall(data[:split])
        c.sendall(data[split:])
        # A harmless command behind it; may be answered or swallowed.
        c.sendall(b"\r\n")
    except OSError:
        pass
    finally:
        c.close()
    probe = RawClient(garbage_server.port)
    try:
        assert probe.cmd("PING") == b"+PONG\r\n"
    finally:
        probe.close()
    assert garbage_server.proc.poll() is None


def test_client_that_never_reads_is_paused_then_resumed(start_server):
    proc = start_server()
    setup = RawClient(proc.port)
    value = b"v" * (1 << 20)
    assert setup.cmd("SET", "big", value) == b"+OK\r\n"
    hog = socket.create_connection(("127.0.0.1", proc.port))
    count = 100
    # More replies than the server keeps for one client (64 MiB).
    hog.sendall(encode_command("GET", "big") * count)

    def hog_line():
        lines = setup.cmd("CLIENT", "LIST").decode().splitlines()
        hogs = [line for line in lines if line.startswith("id=") and " cmd=client|list " not in line]
        return hogs[0] if hogs else ""

    deadline = time.time() + 10
    while " events=w " not in hog_line():
        assert time.time() < deadline, hog_line()
        time.sleep(0.05)
    # A paused client is not read: its PING waits until the replies drain.
    hog.sendall(b"PING\r\n")
    time.sleep(0.2)
    assert " cmd=get " in hog_line()
    assert setup.cmd("PING") == b"+PONG\r\n"
    expected = (b"$%d\r\n%b\r\n" % (len(value), value)) * count + b"+PONG\r\n"
    received = bytearray()
    hog.settimeout(20)
    while len(received) < len(expected):
        chunk = hog.recv(1 << 20)
        assert chunk
        received += chunk
    assert bytes(received) == expected
    hog.close()
