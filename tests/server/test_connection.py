"""PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET and CLIENT against a live pyredis, raw bytes."""
import re
import threading
import time

import pytest

from respclient import RawClient, encode_command

HELLO2_TAIL = (b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
               b"$7\r\nmodules\r\n*0\r\n")

# catClientInfoString's fields, in order.
CLIENT_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
                 "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem",
                 "tot-mem", "events", "cmd", "user", "redir", "resp"]


def bulk_text(reply):
    """The text of a bulk or verbatim reply."""
    head, _, rest = reply.partition(b"\r\n")
    body = rest[:-2]
    if head.startswith(b"="):
        assert body[:4] == b"txt:"
        body = body[4:]
    else:
        assert head.startswith(b"$")
    assert len(body) == int(head[1:]) - (4 if head.startswith(b"=") else 0)
    return body.decode()


def info_fields(line):
    return dict(part.split("=", 1) for part in line.split(" "))


def client_id(raw):
    return int(raw.cmd("CLIENT", "ID")[1:-2])


# ---- PING / ECHO / QUIT / SELECT -----------------------------------------

def test_ping_and_echo(raw):
    assert raw.cmd("PING") == b"+PONG\r\n"
    assert raw.cmd("PING", "hi there") == b"$8\r\nhi there\r\n"
    assert raw.cmd("PING", "a", "b") == b"-ERR wrong number of arguments for 'ping' command\r\n"
    assert raw.cmd("ECHO", "") == b"$0\r\n\r\n"
    assert raw.cmd("ECHO", b"\x00\r\n") == b"$3\r\n\x00\r\n\r\n"
    assert raw.cmd("ECHO") == b"-ERR wrong number of arguments for 'echo' command\r\n"


def test_quit_replies_then_closes(raw_factory):
    client = raw_factory()
    client.send(b"PING\r\nQUIT\r\nPING\r\n")
    assert client.read_all(0.3) == b"+PONG\r\n+OK\r\n"
    assert client.is_closed()


def test_select(raw):
    assert raw.cmd("SELECT", "3") == b"+OK\r\n"
    raw.cmd("SET", "k", "in3")
    assert raw.cmd("SELECT", "0") == b"+OK\r\n"
    assert raw.cmd("GET", "k") == b"$-1\r\n"
    assert raw.cmd("SELECT", "3") == b"+OK\r\n"
    assert raw.cmd("GET", "k") == b"$3\r\nin3\r\n"
    raw.cmd("DEL", "k")
    for bad in ("16", "-1", "2147483647"):
        assert raw.cmd("SELECT", bad) == b"-ERR DB index is out of range\r\n"
    for bad in ("x", "1.5", "01", " 1", "9223372036854775808"):
        assert raw.cmd("SELECT", bad) == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("SELECT", "2147483648") == (
        b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n")


# ---- HELLO ---------------------------------------------------------------

def test_hello_default_keeps_resp2(raw):
    cid = client_id(raw)
    expected = (b"*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                b"$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:%d\r\n" % cid) + HELLO2_TAIL
    assert raw.cmd("HELLO") == expected
    assert raw.cmd("HELLO", "2") == expected


def test_hello_3_switches_protocol(raw):
    cid = client_id(raw)
    reply = raw.cmd("HELLO", "3")
    assert reply == (b"%%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                     b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:%d\r\n" % cid) + HELLO2_TAIL
    # Later replies use RESP3 encodings.
    assert raw.cmd("GET", "missing") == b"_\r\n"
    assert raw.cmd("HELLO", "2").startswith(b"*14\r\n")
    assert raw.cmd("GET", "missing") == b"$-1\r\n"


def test_hello_errors(raw):
    assert raw.cmd("HELLO", "1") == b"-NOPROTO unsupported protocol version\r\n"
    assert raw.cmd("HELLO", "4") == b"-NOPROTO unsupported protocol version\r\n"
    assert raw.cmd("HELLO", "three") == b"-ERR Protocol version is not an integer or out of range\r\n"
    assert raw.cmd("HELLO", "3", "foo") == b"-ERR Syntax error in HELLO option 'foo'\r\n"
    assert raw.cmd("HELLO", "3", "AUTH", "default") == b"-ERR Syntax error in HELLO option 'AUTH'\r\n"
    assert raw.cmd("HELLO", "3", "SETNAME") == b"-ERR Syntax error in HELLO option 'SETNAME'\r\n"
    assert raw.cmd("HELLO", "3", "a\r\nb") == b"-ERR Syntax error in HELLO option 'a  b'\r\n"
    # Nothing was applied by the failed calls.
    assert raw.cmd("GET", "missing") == b"$-1\r\n"
    assert raw.cmd("HELLO", "3", "AUTH", "nobody", "x") == (
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")


def test_hello_setname_and_auth_without_password(raw):
    assert raw.cmd("HELLO", "2", "AUTH", "default", "anything", "SETNAME", "conn1").startswith(b"*14\r\n")
    assert raw.cmd("CLIENT", "GETNAME") == b"$5\r\nconn1\r\n"
    assert raw.cmd("HELLO", "2", "SETNAME", "bad name") == (
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n")
    assert raw.cmd("CLIENT", "GETNAME") == b"$5\r\nconn1\r\n"


def test_resp3_with_redis_py(r3):
    r3.set("k", "v")
    assert r3.get("k") == b"v"
    assert r3.execute_command("HELLO")[b"proto"] == 3


# ---- AUTH ----------------------------------------------------------------

def test_auth_without_requirepass(raw):
    assert raw.cmd("AUTH", "pw") == (
        b"-ERR AUTH <password> called without any password configured for the default user. "
        b"Are you sure your configuration is correct?\r\n")
    assert raw.cmd("AUTH", "default", "whatever") == b"+OK\r\n"
    assert raw.cmd("AUTH", "bob", "pw") == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    assert raw.cmd("AUTH", "a", "b", "c") == b"-ERR syntax error\r\n"
    assert raw.cmd("AUTH") == b"-ERR wrong number of arguments for 'auth' command\r\n"


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    from serverproc import start_pyredis
    proc = start_pyredis("--requirepass", "s3cret")
    yield proc
    proc.stop()


def test_requirepass(secured):
    c = RawClient(secured.port)
    try:
        assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("SELECT", "1") == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("HELLO", "3") == (
            b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
            b"AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
            b"protocol version at the same time\r\n")
        assert c.cmd("AUTH", "wrong") == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        assert c.cmd("AUTH", "default", "wrong") == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        assert c.cmd("HELLO", "3", "AUTH", "default", "wrong") == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        # Options are checked before the password.
        assert c.cmd("HELLO", "3", "AUTH", "default", "s3cret", "x") == (
            b"-ERR Syntax error in HELLO option 'x'\r\n")
        assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("AUTH", "s3cret") == b"+OK\r\n"
        assert c.cmd("PING") == b"+PONG\r\n"
        # RESET logs the connection out again.
        assert c.cmd("RESET") == b"+RESET\r\n"
        assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "me").startswith(b"%7\r\n")
        assert c.cmd("PING") == b"+PONG\r\n"
        assert c.cmd("CLIENT", "GETNAME") == b"$2\r\nme\r\n"
        assert c.cmd("QUIT") == b"+OK\r\n"
    finally:
        c.close()


def test_requirepass_quit_allowed(secured):
    c = RawClient(secured.port)
    try:
        assert c.cmd("QUIT") == b"+OK\r\n"
        assert c.is_closed()
    finally:
        c.close()


# Until a client authenticates, Redis allows at most 10 arguments of at most
# 16384 bytes in a multibulk request (processMultibulkBuffer, authRequired).
NOAUTH = b"-NOAUTH Authentication required.\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
UNAUTH_MBULK = b"-ERR Protocol error: unauthenticated multibulk length\r\n"
UNAUTH_BULK = b"-ERR Protocol error: unauthenticated bulk length\r\n"
INVALID_MBULK = b"-ERR Protocol error: invalid multibulk length\r\n"
INVALID_BULK = b"-ERR Protocol error: invalid bulk length\r\n"
ELEVEN = b"*11\r\n" + b"$1\r\na\r\n" * 11
ELEVEN_UNKNOWN = (b"-ERR unknown command 'a', with args beginning with: "
                  + b"'a' " * 10 + b"\r\n")


@pytest.mark.parametrize("data,reply", [
    (b"*11\r\n", UNAUTH_MBULK),
    (ELEVEN, UNAUTH_MBULK),
    (b"*1\r\n$16385\r\n", UNAUTH_BULK),
    (b"*2\r\n$3\r\nGET\r\n$16385\r\n", UNAUTH_BULK),
    (b"*0\r\n*11\r\n", UNAUTH_MBULK),
    (b"*-1\r\n*11\r\n", UNAUTH_MBULK),
    # The ordinary checks come first.
    (b"*x\r\n", INVALID_MBULK),
    (b"*11x\r\n", INVALID_MBULK),
    (b"*2147483648\r\n", INVALID_MBULK),
    (b"*1\r\n$-1\r\n", INVALID_BULK),
    (b"*1\r\n$99999999999\r\n", INVALID_BULK),
    # Each request is parsed after the previous one ran, still unauthenticated.
    (b"*2\r\n$4\r\nAUTH\r\n$2\r\npx\r\n*11\r\n", WRONGPASS + UNAUTH_MBULK),
    (b"AUTH px\r\nPING\r\n*1\r\n$16385\r\n", WRONGPASS + NOAUTH + UNAUTH_BULK),
], ids=["mbulk-11", "mbulk-11-full", "bulk-16385", "bulk-16385-second", "zero-then-11",
        "minus-one-then-11", "mbulk-x", "mbulk-11x", "mbulk-over-int-max", "bulk-minus-one",
        "bulk-huge", "wrongpass-then-11", "wrongpass-ping-then-bulk"])
def test_unauthenticated_limits_close_the_connection(secured, data, reply):
    c = RawClient(secured.port)
    try:
        c.send(data)
        assert c.read_all(2.0) == reply
        assert c.is_closed()
    finally:
        c.close()


def test_unauthenticated_limits_are_inclusive(secured):
    c = RawClient(secured.port)
    try:
        c.send(b"*10\r\n")
        c.send(b"$3\r\nDEL\r\n" + b"$1\r\na\r\n" * 9)
        assert c.read_reply() == NOAUTH
        c.send(b"*2\r\n$4\r\nECHO\r\n$16384\r\n")
        c.send(b"v" * 16384 + b"\r\n")
        assert c.read_reply() == NOAUTH
        # Inline requests have no extra limit.
        c.send(b"PING " + b"x" * 20000 + b"\r\n")
        assert c.read_reply() == NOAUTH
        assert c.cmd("PING") == NOAUTH
    finally:
        c.close()


def test_auth_lifts_the_limits_for_the_rest_of_the_same_read(secured):
    c = RawClient(secured.port)
    try:
        value = b"v" * 16385
        c.send(b"AUTH s3cret\r\n" + ELEVEN + encode_command("SET", "unauth:big", value)
               + encode_command("STRLEN", "unauth:big") + encode_command("DEL", "unauth:big"))
        assert c.read_reply() == b"+OK\r\n"
        assert c.read_reply() == ELEVEN_UNKNOWN
        assert c.read_reply() == b"+OK\r\n"
        assert c.read_reply() == b":16385\r\n"
        assert c.read_reply() == b":1\r\n"
    finally:
        c.close()


def test_hello_auth_lifts_the_limits(secured):
    c = RawClient(secured.port)
    try:
        c.send(b"HELLO 3 AUTH default s3cret\r\n" + ELEVEN)
        assert c.read_reply().startswith(b"%7\r\n")
        assert c.read_reply() == ELEVEN_UNKNOWN
        assert c.cmd("PING") == b"+PONG\r\n"
    finally:
        c.close()


def test_reset_brings_the_limits_back(secured):
    c = RawClient(secured.port)
    try:
        assert c.cmd("AUTH", "s3cret") == b"+OK\r\n"
        c.send(ELEVEN)
        assert c.read_reply() == ELEVEN_UNKNOWN
        assert c.cmd("RESET") == b"+RESET\r\n"
        c.send(ELEVEN)
        assert c.read_all(2.0) == UNAUTH_MBULK
        assert c.is_closed()
    finally:
        c.close()


@pytest.mark.parametrize("password,replies,closed", [
    ("s3cret", [b"+OK\r\n", ELEVEN_UNKNOWN], False),
    ("px", [WRONGPASS, UNAUTH_MBULK], True),
])
def test_postponed_auth_runs_before_what_follows_is_parsed(secured, password, replies, closed):
    admin, c = RawClient(secured.port), RawClient(secured.port)
    try:
        assert admin.cmd("AUTH", "s3cret") == b"+OK\r\n"
        assert admin.cmd("CLIENT", "PAUSE", "500", "ALL") == b"+OK\r\n"
        c.send(b"AUTH %s\r\n" % password.encode())
        # Usually a separate read, which arrives while AUTH waits for the
        # pause to end; the replies are the same either way.
        time.sleep(0.1)
        c.send(ELEVEN)
        for expected in replies:
            assert c.read_reply() == expected
        assert c.is_closed() == closed
        assert admin.cmd("PING") == b"+PONG\r\n"
    finally:
        admin.close()
        c.close()


# ---- RESET ---------------------------------------------------------------

def test_reset_restores_connection_state(raw):
    raw.cmd("HELLO", "3")
    raw.cmd("SELECT", "5")
    raw.cmd("CLIENT", "SETNAME", "named")
    raw.cmd("CLIENT", "NO-EVICT", "ON")
    assert raw.cmd("RESET") == b"+RESET\r\n"
    fields = info_fields(bulk_text(raw.cmd("CLIENT", "INFO")).strip())
    assert fields["resp"] == "2"
    assert fields["db"] == "0"
    assert fields["name"] == ""
    # NO-EVICT survives RESET, as in Redis.
    assert fields["flags"] == "e"
    assert raw.cmd("GET", "missing") == b"$-1\r\n"


def test_reset_discards_multi_and_subscriptions(raw):
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("SET", "k", "v") == b"+QUEUED\r\n"
    assert raw.cmd("RESET") == b"+RESET\r\n"
    assert raw.cmd("EXEC") == b"-ERR EXEC without MULTI\r\n"
    assert raw.cmd("GET", "k") == b"$-1\r\n"
    assert raw.cmd("SUBSCRIBE", "ch").startswith(b"*3\r\n$9\r\nsubscribe")
    assert raw.cmd("RESET") == b"+RESET\r\n"
    # No longer in subscriber mode: any command works.
    assert raw.cmd("GET", "k") == b"$-1\r\n"


def test_reset_turns_replies_back_on(raw):
    raw.send(b"CLIENT REPLY OFF\r\nPING\r\nRESET\r\nPING\r\n")
    assert raw.read_reply() == b"+RESET\r\n"
    assert raw.read_reply() == b"+PONG\r\n"


# ---- CLIENT --------------------------------------------------------------

def test_client_id_is_unique_and_increasing(raw_factory):
    a, b = raw_factory(), raw_factory()
    ia, ib = client_id(a), client_id(b)
    assert ib > ia > 0
    assert client_id(a) == ia


def test_client_setname_getname(raw):
    assert raw.cmd("CLIENT", "GETNAME") == b"$-1\r\n"
    assert raw.cmd("CLIENT", "SETNAME", "my-conn_1") == b"+OK\r\n"
    assert raw.cmd("CLIENT", "GETNAME") == b"$9\r\nmy-conn_1\r\n"
    for bad in ("a b", "a\nb", "\x7f", "caf\xe9", "\t"):
        assert raw.cmd("CLIENT", "SETNAME", bad.encode("latin-1")) == (
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n")
    assert raw.cmd("CLIENT", "GETNAME") == b"$9\r\nmy-conn_1\r\n"
    # An empty name removes it.
    assert raw.cmd("CLIENT", "SETNAME", "") == b"+OK\r\n"
    assert raw.cmd("CLIENT", "GETNAME") == b"$-1\r\n"


def test_client_arity_and_unknown_subcommand(raw):
    assert raw.cmd("CLIENT") == b"-ERR wrong number of arguments for 'client' command\r\n"
    assert raw.cmd("CLIENT", "FOO") == b"-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"
    assert raw.cmd("CLIENT", "ID", "x") == b"-ERR wrong number of arguments for 'client|id' command\r\n"
    assert raw.cmd("CLIENT", "SETNAME") == b"-ERR wrong number of arguments for 'client|setname' command\r\n"


def test_client_help(raw):
    reply = raw.cmd("CLIENT", "HELP")
    assert reply.startswith(b"*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n")
    assert b"+NO-EVICT (ON|OFF)\r\n" in reply
    assert reply.endswith(b"+HELP\r\n+    Prints this help.\r\n")


def test_client_info_fields(raw):
    raw.cmd("CLIENT", "SETNAME", "infotest")
    raw.cmd("SELECT", "2")
    text = bulk_text(raw.cmd("CLIENT", "INFO"))
    assert text.endswith("\n") and text.count("\n") == 1
    line = text[:-1]
    assert [part.split("=", 1)[0] for part in line.split(" ")] == CLIENT_FIELDS
    fields = info_fields(line)
    assert int(fields["id"]) == client_id(raw)
    assert re.fullmatch(r"127\.0\.0\.1:\d+", fields["addr"])
    assert fields["laddr"].startswith("127.0.0.1:")
    assert fields["name"] == "infotest"
    assert fields["flags"] == "N"
    assert fields["db"] == "2"
    assert fields["multi"] == "-1"
    assert fields["cmd"] == "client|info"
    assert fields["user"] == "default"
    assert fields["resp"] == "2"
    assert fields["events"] == "r"
    raw.cmd("SELECT", "0")


def test_client_info_is_verbatim_in_resp3(raw):
    raw.cmd("HELLO", "3")
    reply = raw.cmd("CLIENT", "INFO")
    assert reply.startswith(b"=")
    assert "resp=3" in bulk_text(reply)


def test_client_list_shows_every_client(raw_factory):
    a, b = raw_factory(), raw_factory()
    ida, idb = str(client_id(a)), str(client_id(b))
    b.cmd("CLIENT", "SETNAME", "second")
    b.cmd("MULTI")
    b.cmd("PING")
    text = bulk_text(a.cmd("CLIENT", "LIST"))
    assert text.endswith("\n")
    lines = {}
    for line in text.splitlines():
        assert [part.split("=", 1)[0] for part in line.split(" ")] == CLIENT_FIELDS
        fields = info_fields(line)
        lines[fields["id"]] = fields
    assert lines[ida]["cmd"] == "client|list"
    second = lines[idb]
    assert second["name"] == "second"
    assert second["flags"] == "x"
    assert second["multi"] == "1"
    assert int(second["multi-mem"]) > 0
    assert second["cmd"] in ("multi", "ping")


def test_client_list_filters(raw_factory):
    a, b = raw_factory(), raw_factory()
    ib = client_id(b)
    text = bulk_text(a.cmd("CLIENT", "LIST", "ID", str(ib), "99999999"))
    assert text.count("\n") == 1 and info_fields(text.strip())["id"] == str(ib)
    assert bulk_text(a.cmd("CLIENT", "LIST", "ID", "99999999")) == ""
    b.cmd("SUBSCRIBE", "x")
    pubsub = bulk_text(a.cmd("CLIENT", "LIST", "TYPE", "pubsub"))
    assert [info_fields(line)["id"] for line in pubsub.splitlines()] == [str(ib)]
    fields = info_fields(pubsub.strip())
    assert fields["flags"] == "P" and fields["sub"] == "1"
    normal = bulk_text(a.cmd("CLIENT", "LIST", "TYPE", "normal"))
    assert str(ib) not in [info_fields(line)["id"] for line in normal.splitlines()]
    assert bulk_text(a.cmd("CLIENT", "LIST", "TYPE", "replica")) == ""
    assert bulk_text(a.cmd("CLIENT", "LIST", "TYPE", "MASTER")) == ""
    assert a.cmd("CLIENT", "LIST", "TYPE", "foo") == b"-ERR Unknown client type 'foo'\r\n"
    assert a.cmd("CLIENT", "LIST", "ID", "x") == b"-ERR Invalid client ID\r\n"
    assert a.cmd("CLIENT", "LIST", "ID") == b"-ERR syntax error\r\n"
    assert a.cmd("CLIENT", "LIST", "foo") == b"-ERR syntax error\r\n"
    assert a.cmd("CLIENT", "LIST", "TYPE", "normal", "x") == b"-ERR syntax error\r\n"


def _addr_of(client, observer):
    cid = str(client_id(client))
    for line in bulk_text(observer.cmd("CLIENT", "LIST")).splitlines():
        fields = info_fields(line)
        if fields["id"] == cid:
            return fields
    raise AssertionError("client not listed")


def test_client_kill_old_form(raw_factory):
    a, b = raw_factory(), raw_factory()
    addr = _addr_of(b, a)["addr"]
    assert a.cmd("CLIENT", "KILL", addr) == b"+OK\r\n"
    assert b.is_closed()
    assert a.cmd("CLIENT", "KILL", addr) == b"-ERR No such client\r\n"
    assert a.cmd("CLIENT", "KILL", "1.2.3.4:5") == b"-ERR No such client\r\n"


def test_client_kill_old_form_can_kill_itself(raw_factory):
    a = raw_factory()
    addr = _addr_of(a, a)["addr"]
    assert a.cmd("CLIENT", "KILL", addr) == b"+OK\r\n"
    assert a.is_closed()


def test_client_kill_filters(raw_factory):
    a, b, c = raw_factory(), raw_factory(), raw_factory()
    ib = client_id(b)
    assert a.cmd("CLIENT", "KILL", "ID", str(ib)) == b":1\r\n"
    assert b.is_closed()
    assert a.cmd("CLIENT", "KILL", "ID", str(ib)) == b":0\r\n"
    fields = _addr_of(c, a)
    assert a.cmd("CLIENT", "KILL", "ADDR", fields["addr"], "LADDR", "1.1.1.1:1") == b":0\r\n"
    assert a.cmd("CLIENT", "KILL", "ADDR", fields["addr"], "LADDR", fields["laddr"]) == b":1\r\n"
    assert c.is_closed()


def test_client_kill_type_and_skipme(raw_factory):
    a, b = raw_factory(), raw_factory()
    b.cmd("SUBSCRIBE", "ch")
    assert a.cmd("CLIENT", "KILL", "TYPE", "pubsub") == b":1\r\n"
    assert b.is_closed()
    d = raw_factory()
    d_id = client_id(d)
    # USER default matches everyone; SKIPME yes (the default) spares the caller.
    killed = int(a.cmd("CLIENT", "KILL", "USER", "default", "ID", str(d_id))[1:-2])
    assert killed == 1 and d.is_closed()
    me = str(client_id(a))
    assert a.cmd("CLIENT", "KILL", "ID", me) == b":0\r\n"
    assert a.cmd("PING") == b"+PONG\r\n"
    assert a.cmd("CLIENT", "KILL", "ID", me, "SKIPME", "no") == b":1\r\n"
    assert a.is_closed()


def test_client_kill_errors(raw):
    assert raw.cmd("CLIENT", "KILL") == b"-ERR wrong number of arguments for 'client|kill' command\r\n"
    assert raw.cmd("CLIENT", "KILL", "ID", "0") == b"-ERR client-id should be greater than 0\r\n"
    assert raw.cmd("CLIENT", "KILL", "ID", "x") == b"-ERR client-id should be greater than 0\r\n"
    assert raw.cmd("CLIENT", "KILL", "TYPE", "foo") == b"-ERR Unknown client type 'foo'\r\n"
    assert raw.cmd("CLIENT", "KILL", "USER", "bob") == b"-ERR No such user 'bob'\r\n"
    assert raw.cmd("CLIENT", "KILL", "SKIPME", "maybe") == b"-ERR syntax error\r\n"
    assert raw.cmd("CLIENT", "KILL", "foo", "bar") == b"-ERR syntax error\r\n"
    assert raw.cmd("CLIENT", "KILL", "ID", "1", "TYPE") == b"-ERR syntax error\r\n"


def test_client_unblock(raw_factory):
    a, b = raw_factory(), raw_factory()
    ib = client_id(b)
    assert a.cmd("CLIENT", "UNBLOCK", str(ib)) == b":0\r\n"
    b.send(b"BLPOP nolist 0\r\n")
    time.sleep(0.1)
    assert a.cmd("CLIENT", "UNBLOCK", str(ib)) == b":1\r\n"
    assert b.read_reply() == b"*-1\r\n"
    b.send(b"BLPOP nolist 0\r\nPING\r\n")
    time.sleep(0.1)
    assert a.cmd("CLIENT", "UNBLOCK", str(ib), "error") == b":1\r\n"
    assert b.read_reply() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    # The command queued behind the blocked one runs once it is released.
    assert b.read_reply() == b"+PONG\r\n"
    assert a.cmd("CLIENT", "UNBLOCK", str(ib), "TIMEOUT") == b":0\r\n"


def test_client_unblock_errors(raw):
    assert raw.cmd("CLIENT", "UNBLOCK", "1", "foo") == b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"
    assert raw.cmd("CLIENT", "UNBLOCK", "x", "foo") == b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"
    assert raw.cmd("CLIENT", "UNBLOCK", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("CLIENT", "UNBLOCK", "1", "2", "3") == (
        b"-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.\r\n")


def test_client_no_evict(raw):
    assert raw.cmd("CLIENT", "NO-EVICT", "maybe") == b"-ERR syntax error\r\n"
    assert raw.cmd("CLIENT", "NO-EVICT", "on") == b"+OK\r\n"
    assert info_fields(bulk_text(raw.cmd("CLIENT", "INFO")).strip())["flags"] == "e"
    assert raw.cmd("CLIENT", "NO-EVICT", "OFF") == b"+OK\r\n"
    assert info_fields(bulk_text(raw.cmd("CLIENT", "INFO")).strip())["flags"] == "N"


def test_client_reply_off_on(raw):
    raw.send(b"CLIENT REPLY OFF\r\nPING\r\nSET k v\r\nCLIENT REPLY ON\r\nGET k\r\n")
    assert raw.read_reply() == b"+OK\r\n"
    assert raw.read_reply() == b"$1\r\nv\r\n"
    assert raw.read_all(0.1) == b""


def test_client_reply_skip(raw):
    raw.send(b"CLIENT REPLY SKIP\r\nPING one\r\nPING two\r\n"
             b"CLIENT REPLY SKIP\r\nNOSUCHCMD\r\nPING three\r\n"
             b"CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING four\r\nPING five\r\n")
    assert raw.read_reply() == b"$3\r\ntwo\r\n"
    assert raw.read_reply() == b"$5\r\nthree\r\n"
    assert raw.read_reply() == b"$4\r\nfive\r\n"
    assert raw.read_all(0.1) == b""
    assert raw.cmd("CLIENT", "REPLY", "maybe") == b"-ERR syntax error\r\n"


def test_client_reply_off_then_quit_closes(raw_factory):
    c = raw_factory()
    c.send(b"CLIENT REPLY OFF\r\nQUIT\r\n")
    assert c.is_closed()
    assert c.buf == b""


def test_client_tracking_is_off(raw):
    assert raw.cmd("CLIENT", "GETREDIR") == b":-1\r\n"
    assert raw.cmd("CLIENT", "TRACKINGINFO") == (
        b"*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n")


def test_redis_py_client_commands(r):
    r.client_setname("pyclient")
    assert r.client_getname() == "pyclient" or r.client_getname() == b"pyclient"
    info = r.client_info()
    assert info["name"] in ("pyclient", b"pyclient")
    assert any(c["name"] in ("pyclient", b"pyclient") for c in r.client_list())
    assert isinstance(r.client_id(), int)


def test_blocked_client_flag(raw_factory):
    a, b = raw_factory(), raw_factory()
    ib = client_id(b)
    b.send(b"BLPOP nolist 0\r\n")
    deadline = time.time() + 2
    while time.time() < deadline:
        fields = [info_fields(line) for line in bulk_text(a.cmd("CLIENT", "LIST")).splitlines()]
        mine = [f for f in fields if f["id"] == str(ib)]
        if mine and mine[0]["flags"] == "b":
            break
        time.sleep(0.02)
    assert mine[0]["flags"] == "b" and mine[0]["cmd"] == "blpop"
    a.cmd("CLIENT", "UNBLOCK", str(ib))


def test_many_clients_in_threads(server):
    """Parallel connections each see their own name and db."""
    errors = []

    def worker(n):
        try:
            c = RawClient(server.port)
            try:
                for i in range(20):
                    assert c.cmd("CLIENT", "SETNAME", "w%d_%d" % (n, i)) == b"+OK\r\n"
                    assert c.cmd("CLIENT", "GETNAME") == b"$%d\r\nw%d_%d\r\n" % (len("w%d_%d" % (n, i)), n, i)
            finally:
                c.close()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_clearing_requirepass_authenticates_everyone(start_server):
    proc = start_server("--requirepass", "pw")
    c, admin = RawClient(proc.port), RawClient(proc.port)
    assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
    assert admin.cmd("AUTH", "pw") == b"+OK\r\n"
    reply = admin.cmd("CONFIG", "SET", "requirepass", "")
    if reply.startswith(b"-ERR unknown command"):
        pytest.skip("CONFIG SET is not available")
    assert reply == b"+OK\r\n"
    assert c.cmd("PING") == b"+PONG\r\n"
    assert RawClient(proc.port).cmd("PING") == b"+PONG\r\n"
    joined = RawClient(proc.port)
    # A password set again locks out only those that never authenticated.
    assert admin.cmd("CONFIG", "SET", "requirepass", "new") == b"+OK\r\n"
    assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
    assert joined.cmd("PING") == b"+PONG\r\n"
    assert admin.cmd("PING") == b"+PONG\r\n"
    assert RawClient(proc.port).cmd("PING") == b"-NOAUTH Authentication required.\r\n"


def test_requirepass_changes_move_the_unauthenticated_limits(start_server):
    proc = start_server("--requirepass", "pw")
    c, admin = RawClient(proc.port), RawClient(proc.port)
    assert c.cmd("PING") == NOAUTH
    assert admin.cmd("AUTH", "pw") == b"+OK\r\n"
    reply = admin.cmd("CONFIG", "SET", "requirepass", "")
    if reply.startswith(b"-ERR unknown command"):
        pytest.skip("CONFIG SET is not available")
    c.send(ELEVEN)
    assert c.read_reply() == ELEVEN_UNKNOWN
    assert admin.cmd("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
    c.send(ELEVEN)
    assert c.read_all(2.0) == UNAUTH_MBULK
    assert c.is_closed()


# ---- CLIENT PAUSE / UNPAUSE ------------------------------------------------

def test_client_pause_errors(raw):
    assert raw.cmd("CLIENT", "PAUSE") == b"-ERR wrong number of arguments for 'client|pause' command\r\n"
    assert raw.cmd("CLIENT", "PAUSE", "x") == b"-ERR timeout is not an integer or out of range\r\n"
    assert raw.cmd("CLIENT", "PAUSE", "-1") == b"-ERR timeout is negative\r\n"
    assert raw.cmd("CLIENT", "PAUSE", "x", "foo") == b"-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"
    assert raw.cmd("CLIENT", "PAUSE", "0", "all", "x") == (
        b"-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n")
    assert raw.cmd("CLIENT", "UNPAUSE", "x") == b"-ERR wrong number of arguments for 'client|unpause' command\r\n"
    assert raw.cmd("CLIENT", "PAUSE", "0") == b"+OK\r\n"
    assert raw.cmd("PING") == b"+PONG\r\n"


def test_client_pause_write_holds_writes_only(raw_factory):
    admin, other = raw_factory(), raw_factory()
    assert admin.cmd("CLIENT", "PAUSE", "5000", "WRITE") == b"+OK\r\n"
    try:
        assert other.cmd("GET", "pk") == b"$-1\r\n"
        other.send(b"SET pk 1\r\nGET pk\r\n")
        assert other.read_all(0.2) == b""
        listing = bulk_text(admin.cmd("CLIENT", "LIST"))
        held = [info_fields(line) for line in listing.splitlines() if " cmd=get " in line]
        assert held and held[0]["flags"] == "b"
        # Unknown commands are rejected, not held; PUBLISH counts as a write.
        assert admin.cmd("NOSUCH") == b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
        publisher = raw_factory()
        publisher.send(b"PUBLISH ch m\r\n")
        assert publisher.read_all(0.1) == b""
    finally:
        assert admin.cmd("CLIENT", "UNPAUSE") == b"+OK\r\n"
    assert other.read_reply() == b"+OK\r\n"
    assert other.read_reply() == b"$1\r\n1\r\n"
    assert publisher.read_reply() == b":0\r\n"
    other.cmd("DEL", "pk")


def test_client_pause_all_ends_at_timeout(raw_factory):
    admin, other = raw_factory(), raw_factory()
    start = time.time()
    admin.send(b"CLIENT PAUSE 300 ALL\r\nPING\r\n")
    assert admin.read_reply() == b"+OK\r\n"
    other.send(b"PING\r\n")
    # Even the pausing client waits, and so would its CLIENT UNPAUSE.
    assert admin.read_reply() == b"+PONG\r\n"
    assert other.read_reply() == b"+PONG\r\n"
    assert time.time() - start >= 0.25
