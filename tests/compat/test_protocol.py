"""Request framing and protocol errors: the same raw bytes to pyredis and redis-server."""
import time

import pytest

from respclient import RawClient, encode_command

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


# ---- unauthenticated clients ------------------------------------------------

ELEVEN = b"*11\r\n" + b"$1\r\na\r\n" * 11


@pytest.fixture(scope="module")
def secured_servers(servers_with):
    """pyredis and redis-server, both with ``requirepass pw``."""
    return servers_with("--requirepass", "pw")


@pytest.fixture
def secured_pair(pair_factory, secured_servers):
    """A fresh, unauthenticated connection to each server."""
    return pair_factory(secured_servers)


# Each case is a list of writes; the replies to each are compared before the next.
UNAUTH_CLOSING = [
    pytest.param([b"*11\r\n"], id="mbulk-11"),
    pytest.param([ELEVEN], id="mbulk-11-full"),
    pytest.param([b"*1\r\n$16385\r\n"], id="bulk-16385"),
    pytest.param([b"*2\r\n$3\r\nGET\r\n$16385\r\n"], id="bulk-16385-second"),
    pytest.param([b"*0\r\n*11\r\n"], id="zero-then-11"),
    pytest.param([b"*-1\r\n*11\r\n"], id="minus-one-then-11"),
    pytest.param([b"*x\r\n"], id="mbulk-x"),
    pytest.param([b"*11x\r\n"], id="mbulk-11x"),
    pytest.param([b"*2147483648\r\n"], id="mbulk-over-int-max"),
    pytest.param([b"*1\r\n$-1\r\n"], id="bulk-minus-one"),
    pytest.param([b"*1\r\n$99999999999\r\n"], id="bulk-huge"),
    pytest.param([b"*2\r\n$4\r\nAUTH\r\n$2\r\npx\r\n*11\r\n"], id="wrongpass-then-11"),
    pytest.param([b"AUTH px\r\nPING\r\n*1\r\n$16385\r\n"], id="wrongpass-ping-then-bulk"),
    pytest.param([b"AUTH pw\r\n", b"RESET\r\n", ELEVEN], id="reset-then-11"),
]

UNAUTH_OPEN = [
    pytest.param([b"*10\r\n", b"$3\r\nDEL\r\n" + b"$1\r\na\r\n" * 9], id="mbulk-10"),
    pytest.param([b"*2\r\n$4\r\nECHO\r\n$16384\r\n", b"v" * 16384 + b"\r\n"], id="bulk-16384"),
    pytest.param([b"PING " + b"x" * 20000 + b"\r\n"], id="inline-20000"),
    pytest.param([b"AUTH pw\r\n" + ELEVEN + b"PING\r\n"], id="auth-then-11"),
    pytest.param([b"AUTH pw\r\n" + encode_command("SET", "unauth:big", "v" * 16385)
                  + encode_command("STRLEN", "unauth:big") + encode_command("DEL", "unauth:big")],
                 id="auth-then-bulk-16385"),
    pytest.param([b"AUTH px\r\n", b"AUTH pw\r\n" + ELEVEN], id="wrongpass-auth-then-11"),
]


@pytest.mark.parametrize("writes", UNAUTH_CLOSING)
def test_unauthenticated_limits_close(secured_pair, writes):
    for data in writes:
        secured_pair.send_raw(data)
    assert secured_pair.ours.is_closed()
    assert secured_pair.theirs.is_closed()


@pytest.mark.parametrize("writes", UNAUTH_OPEN)
def test_unauthenticated_limits_not_reached(secured_pair, writes):
    for data in writes:
        secured_pair.send_raw(data)
    secured_pair.run("PING")


@pytest.mark.parametrize("password", ["pw", "px"])
def test_postponed_auth_then_eleven_arguments(secured_servers, password):
    admins = [RawClient(s.port) for s in secured_servers]
    clients = [RawClient(s.port) for s in secured_servers]
    try:
        for admin in admins:
            assert admin.cmd("AUTH", "pw") == b"+OK\r\n"
            assert admin.cmd("CLIENT", "PAUSE", "400", "ALL") == b"+OK\r\n"
        for c in clients:
            c.send(b"AUTH %s\r\n" % password.encode())
        # Usually lets the second write arrive while AUTH waits for the pause
        # to end; the replies are the same either way.
        time.sleep(0.1)
        for c in clients:
            c.send(ELEVEN)
        mine, oracle = [[c.read_reply(), c.read_reply()] for c in clients]
        assert mine == oracle
        assert clients[0].is_closed() == clients[1].is_closed() == (password == "px")
    finally:
        for c in admins + clients:
            c.close()
