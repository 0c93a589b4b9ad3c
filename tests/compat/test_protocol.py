"""Request framing and protocol errors: the same raw bytes to pyredis and redis-server."""
import pytest

from respclient import encode_command

BAD_REQUESTS = [
    b"*abc\r\n",
    b"*3000000000\r\n",
    b"* 1\r\n$4\r\nPING\r\n",
    b"*+1\r\n$4\r\nPING\r\n",
    b"*01\r\n$4\r\nPING\r\n",
    b"*1\r\n$abc\r\n",
    b"*1\r\n$-1\r\n",
    b"*1\r\n$+4\r\nPING\r\n",
    b"*1\r\n$04\r\nPING\r\n",
    b"*1\r\n$ 4\r\nPING\r\n",
    b"*1\r\n$600000000\r\n",
    b"*1\r\nfoo\r\n",
    b"*1\r\n\n4\r\nPING\r\n",
    b"*1\r\n\r\r\n",
    b"*2\r\n$4\r\nECHO\r\n:1\r\n",
    b'SET "a b\r\n',
    b"SET a 'b\r\n",
    b'SET a "b"c\r\n',
    b"x" * 70000,
    b"*" + b"1" * 70000,
    b"*1\r\n$" + b"1" * 70000,
    b"PING\r\n*1\r\n$x\r\nPING\r\n",
    b"SET k 1\r\nINCR k\r\nGET k\r\n*2\r\n$3\r\nGET\r\n*1\r\n",
]


@pytest.mark.parametrize("data", BAD_REQUESTS, ids=[repr(d[:24]) for d in BAD_REQUESTS])
def test_protocol_error_bytes(pair, data):
    pair.send_raw(data)
    assert pair.ours.is_closed()
    assert pair.theirs.is_closed()


GOOD_REQUESTS = [
    b"*-1\r\n*0\r\nPING\r\n",
    b"\r\n\n  \r\nPING\r\n",
    b"PING\nECHO a\n",
    b'ECHO "a\\x41\\n\\t\\"b"\r\n',
    b"ECHO 'it\\'s'\r\n",
    b"ECHO \"\\xzz\"\r\n",
    b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
    b"ECHO \v\fx\r\n",
    b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\x00b\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    b"NOSUCH a b\r\nPING\r\n",
    b"\x00PING\r\nPING\r\n",
]


@pytest.mark.parametrize("data", GOOD_REQUESTS, ids=[repr(d[:24]) for d in GOOD_REQUESTS])
def test_valid_framing_bytes(pair, data):
    pair.send_raw(data)


def test_split_requests(pair):
    request = encode_command("SET", "k", "v\r\n") + b"GET k\r\n" + encode_command("STRLEN", "k")
    for cut in (1, 2, 4, 9, 15, len(request) - 1):
        pair.ours.send(request[:cut])
        pair.theirs.send(request[:cut])
        pair.send_raw(request[cut:])


def test_pipeline(pair):
    pair.send_raw(b"".join(encode_command("INCR", "n") for _ in range(300)))
