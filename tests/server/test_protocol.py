"""The request protocol end to end: framing, protocol errors and the limits that close a client."""
import socket
import time

import pytest

from respclient import RawClient, encode_command

# (bytes sent, the error Redis replies before closing)
PROTOCOL_ERRORS = [
    (b"*abc\r\n", b"invalid multibulk length"),
    (b"*3000000000\r\n", b"invalid multibulk length"),
    (b"* 1\r\n$4\r\nPING\r\n", b"invalid multibulk length"),
    (b"*+1\r\n$4\r\nPING\r\n", b"invalid multibulk length"),
    (b"*01\r\n$4\r\nPING\r\n", b"invalid multibulk length"),
    (b"*1\r\n$abc\r\n", b"invalid bulk length"),
    (b"*1\r\n$-1\r\n", b"invalid bulk length"),
    (b"*1\r\n$+4\r\nPING\r\n", b"invalid bulk length"),
    (b"*1\r\n$04\r\nPING\r\n", b"invalid bulk length"),
    (b"*1\r\n$600000000\r\n", b"invalid bulk length"),
    (b"*1\r\nfoo\r\n", b"expected '$', got 'f'"),
    (b"*1\r\n\n4\r\nPING\r\n", b"expected '$', got ' '"),
    (b'SET "a b\r\n', b"unbalanced quotes in request"),
    (b"SET a 'b\r\n", b"unbalanced quotes in request"),
    (b'SET a "b"c\r\n', b"unbalanced quotes in request"),
    (b"x" * 70000, b"too big inline request"),
    (b"*" + b"1" * 70000, b"too big mbulk count string"),
    (b"*1\r\n$" + b"1" * 70000, b"too big bulk count string"),
]


def error_reply(text):
    return b"-ERR Protocol error: " + text + b"\r\n"


@pytest.mark.parametrize("data,error", PROTOCOL_ERRORS, ids=[e.decode() for _, e in PROTOCOL_ERRORS])
def test_protocol_error_replies_and_closes_only_that_client(server, data, error):
    bystander = RawClient(server.port)
    bad = RawClient(server.port)
    try:
        assert bystander.cmd("PING") == b"+PONG\r\n"
        try:
            bad.send(data)
        except OSError:
            pass
        assert bad.read_all(0.5) == error_reply(error)
        assert bad.is_closed()
        assert bystander.cmd("PING") == b"+PONG\r\n"
        assert RawClient(server.port).cmd("ECHO", "new") == b"$3\r\nnew\r\n"
    finally:
        bystander.close()
        bad.close()


def test_commands_before_the_bad_bytes_run_first(raw_factory):
    c = raw_factory()
    c.send(b"SET before 1\r\n" + encode_command("INCR", "before") + b"PING\r\n*1\r\n$x\r\nPING\r\n")
    assert c.read_all(0.5) == b"+OK\r\n:2\r\n+PONG\r\n" + error_reply(b"invalid bulk length")
    assert c.is_closed()
    other = raw_factory()
    assert other.cmd("GET", "before") == b"$1\r\n2\r\n"
    other.cmd("DEL", "before")


def test_valid_oddities(raw):
    # An empty or null multibulk is skipped; blank inline lines too.
    raw.send(b"*-1\r\n*0\r\n\r\n\r\nPING\r\n")
    assert raw.read_reply() == b"+PONG\r\n"
    # Inline arguments: quotes, escapes, tabs.
    assert raw.cmd("PING") == b"+PONG\r\n"
    raw.send(b'ECHO "a\\x41\\n b"\r\n')
    assert raw.read_reply() == b"$5\r\naA\n b\r\n"
    raw.send(b"ECHO\t'it''s'\r\n")
    assert raw.read_reply() == b"-ERR Protocol error: unbalanced quotes in request\r\n"


def test_inline_newline_only(raw):
    raw.send(b"PING\nPING\n")
    assert raw.read_reply() == b"+PONG\r\n"
    assert raw.read_reply() == b"+PONG\r\n"


def test_request_split_at_every_byte_boundary(raw):
    request = encode_command("SET", "split", "a\r\nvalue") + b"ECHO inline\r\n" + encode_command("GET", "split")
    expected = b"+OK\r\n$6\r\ninline\r\n$8\r\na\r\nvalue\r\n"
    raw.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for cut in range(1, len(request)):
        raw.send(request[:cut])
        raw.send(request[cut:])
        for part in (b"+OK\r\n", b"$6\r\ninline\r\n", b"$8\r\na\r\nvalue\r\n"):
            assert raw.read_reply() == part, cut
    # Byte by byte, with pauses so each byte is a separate read.
    for i in range(len(request)):
        raw.send(request[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.001)
    got = b"".join(raw.read_reply() for _ in range(3))
    assert got == expected


def test_big_argument_in_small_pieces(raw):
    value = bytes(range(256)) * 4096
    request = encode_command("SET", "big", value)
    for i in range(0, len(request), 3001):
        raw.send(request[i:i + 3001])
    assert raw.read_reply() == b"+OK\r\n"
    assert raw.cmd("STRLEN", "big") == b":%d\r\n" % len(value)
    assert raw.cmd("GET", "big") == b"$%d\r\n%b\r\n" % (len(value), value)


def test_proto_max_bulk_len(start_server):
    proc = start_server()
    c = RawClient(proc.port)
    if c.cmd("CONFIG", "SET", "proto-max-bulk-len", "1mb") != b"+OK\r\n":
        pytest.skip("CONFIG SET is not available")
    ok = RawClient(proc.port)
    assert ok.cmd("SET", "k", b"x" * (1024 * 1024)) == b"+OK\r\n"
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
    assert c.read_all(0.5) == error_reply(b"invalid bulk length")
    assert c.is_closed()
    assert ok.cmd("STRLEN", "k") == b":1048576\r\n"


def test_proto_max_bulk_len_from_command_line(start_server):
    proc = start_server("--proto-max-bulk-len", "1mb")
    c = RawClient(proc.port)
    c.send(b"*1\r\n$1048577\r\n")
    assert c.read_all(0.5) == error_reply(b"invalid bulk length")


def test_client_query_buffer_limit_closes_client(start_server):
    proc = start_server("--client-query-buffer-limit", "1mb")
    c = RawClient(proc.port)
    other = RawClient(proc.port)
    # A bulk the server must buffer whole, bigger than the limit.
    c.send(b"*2\r\n$4\r\nECHO\r\n$3000000\r\n")
    chunk = b"y" * 65536
    sent = 0
    try:
        while sent < 2 * 1024 * 1024:
            c.send(chunk)
            sent += len(chunk)
    except OSError:
        pass
    assert c.is_closed(2.0)
    # No reply is sent: Redis just drops the client.
    assert c.buf == b""
    assert other.cmd("PING") == b"+PONG\r\n"
    assert "Closing client that reached max query buffer length" in proc.log()


def test_large_pipeline_of_big_values_round_trips(raw):
    values = [bytes([65 + i % 26]) * (10000 + i) for i in range(50)]
    raw.send(b"".join(encode_command("SET", "k%d" % i, v) for i, v in enumerate(values)))
    for _ in values:
        assert raw.read_reply() == b"+OK\r\n"
    raw.send(b"".join(encode_command("GET", "k%d" % i) for i in range(len(values))))
    for v in values:
        assert raw.read_reply() == b"$%d\r\n%b\r\n" % (len(v), v)
