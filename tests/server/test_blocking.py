"""Blocking list commands with several clients: who is served, when, and with what."""
import time

import pytest

from respclient import bulk, encode_command

NULL_ARRAY = b"*-1\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def kv(key, value):
    return b"*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(key), key.encode(), len(value), value.encode())


def blocked_count(raw):
    for line in raw.cmd("INFO", "clients").split(b"\r\n"):
        if line.startswith(b"blocked_clients:"):
            return int(line.split(b":")[1])
    raise AssertionError("INFO clients has no blocked_clients")


def wait_blocked(raw, n):
    deadline = time.time() + 5
    while blocked_count(raw) != n:
        assert time.time() < deadline, "expected %d blocked clients" % n
        time.sleep(0.005)


def block(client, raw, *args):
    """Send a blocking command from ``client`` and wait until the server has parked it."""
    before = blocked_count(raw)
    client.send(encode_command(*args))
    wait_blocked(raw, before + 1)


def silent(client, wait=0.1):
    return client.read_all(wait) == b""


@pytest.fixture
def clients(raw_factory):
    return lambda n: [raw_factory() for _ in range(n)]


# ---- serving at once -----------------------------------------------------------------------------

def test_data_present_is_served_at_once(raw):
    raw.cmd("RPUSH", "b", "1", "2")
    assert raw.cmd("BLPOP", "a", "b", "0") == kv("b", "1")
    assert raw.cmd("BRPOP", "a", "b", "0") == kv("b", "2")
    raw.cmd("RPUSH", "src", "x", "y")
    assert raw.cmd("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0") == bulk("y")
    assert raw.cmd("BRPOPLPUSH", "src", "dst", "0") == bulk("x")
    assert raw.cmd("LRANGE", "dst", "0", "-1") == b"*2\r\n" + bulk("x") + bulk("y")
    assert raw.cmd("BLMPOP", "0", "2", "nokey", "dst", "RIGHT", "COUNT", "5") == (
        b"*2\r\n$3\r\ndst\r\n*2\r\n" + bulk("y") + bulk("x"))
    assert blocked_count(raw) == 0


def test_timeout_errors_come_before_the_type_check(raw):
    raw.cmd("SET", "s", "x")
    assert raw.cmd("BLPOP", "s", "abc") == b"-ERR timeout is not a float or out of range\r\n"
    assert raw.cmd("BLPOP", "s", "-1") == b"-ERR timeout is negative\r\n"
    assert raw.cmd("BRPOPLPUSH", "s", "d", "x") == b"-ERR timeout is not a float or out of range\r\n"
    assert raw.cmd("BLMOVE", "s", "d", "LEFT", "LEFT", "x") == b"-ERR timeout is not a float or out of range\r\n"
    assert raw.cmd("BLMPOP", "x", "1", "s", "LEFT") == b"-ERR timeout is not a float or out of range\r\n"
    # BLMPOP reads numkeys, the direction and COUNT before the timeout.
    assert raw.cmd("BLMPOP", "x", "1", "s", "LEFT", "COUNT", "0") == b"-ERR count should be greater than 0\r\n"
    assert raw.cmd("BLMPOP", "x", "0", "s", "LEFT") == b"-ERR numkeys should be greater than 0\r\n"
    assert raw.cmd("BLMOVE", "s", "d", "UP", "LEFT", "x") == b"-ERR syntax error\r\n"
    assert raw.cmd("BLPOP", "s", "0") == WRONGTYPE
    assert raw.cmd("BLPOP", "nokey", "s", "0") == WRONGTYPE


# ---- timeouts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    ("BLPOP", "a", "b", "0.15"), ("BRPOP", "a", "0.15"), ("BLMPOP", "0.15", "1", "a", "LEFT"),
    # A blocked BLMOVE times out with a null array, not LMOVE's null bulk.
    ("BLMOVE", "a", "b", "LEFT", "LEFT", "0.15"), ("BRPOPLPUSH", "a", "b", "0.15"),
])
def test_sub_second_timeout(raw, cmd):
    start = time.time()
    assert raw.cmd(*cmd) == NULL_ARRAY
    elapsed = time.time() - start
    assert 0.13 < elapsed < 2.0, elapsed
    assert blocked_count(raw) == 0


def test_timeouts_in_resp3_are_null(raw):
    assert raw.cmd("HELLO", "3").startswith(b"%")
    assert raw.cmd("BLPOP", "a", "0.02") == b"_\r\n"
    assert raw.cmd("BLMOVE", "a", "b", "LEFT", "LEFT", "0.02") == b"_\r\n"
    assert raw.cmd("BLMPOP", "0.02", "1", "a", "LEFT") == b"_\r\n"


def test_zero_timeout_waits_until_served(raw, clients):
    (c,) = clients(1)
    block(c, raw, "BLPOP", "k", "0")
    assert silent(c, 0.3)
    raw.cmd("RPUSH", "k", "v")
    assert c.read_reply() == kv("k", "v")


# ---- waking --------------------------------------------------------------------------------------

def test_push_wakes_the_waiter(raw, clients):
    (c,) = clients(1)
    block(c, raw, "BRPOP", "k1", "k2", "0")
    assert raw.cmd("LPUSH", "k2", "a", "b") == b":2\r\n"
    assert c.read_reply() == kv("k2", "a")
    assert raw.cmd("LRANGE", "k2", "0", "-1") == b"*1\r\n" + bulk("b")
    assert blocked_count(raw) == 0


def test_first_come_first_served(raw, clients):
    c1, c2, c3 = clients(3)
    block(c1, raw, "BLPOP", "k", "0")
    block(c2, raw, "BLPOP", "k", "0")
    block(c3, raw, "BRPOP", "k", "0")
    assert raw.cmd("RPUSH", "k", "a", "b", "c", "d") == b":4\r\n"
    assert c1.read_reply() == kv("k", "a")
    assert c2.read_reply() == kv("k", "b")
    assert c3.read_reply() == kv("k", "d")
    assert raw.cmd("LRANGE", "k", "0", "-1") == b"*1\r\n" + bulk("c")


def test_fewer_elements_than_waiters(raw, clients):
    c1, c2 = clients(2)
    block(c1, raw, "BLPOP", "k", "0")
    block(c2, raw, "BLPOP", "k", "0")
    raw.cmd("LPUSH", "k", "a")
    assert c1.read_reply() == kv("k", "a")
    assert silent(c2)
    assert blocked_count(raw) == 1
    raw.cmd("LPUSH", "k", "b")
    assert c2.read_reply() == kv("k", "b")


def test_lmove_into_the_key_wakes(raw, clients):
    (c,) = clients(1)
    block(c, raw, "BLPOP", "dst", "0")
    raw.cmd("RPUSH", "src", "a", "b")
    assert raw.cmd("LMOVE", "src", "dst", "RIGHT", "LEFT") == bulk("b")
    assert c.read_reply() == kv("dst", "b")
    assert raw.cmd("LLEN", "dst") == b":0\r\n"


def test_exec_wakes_after_the_transaction(raw, clients):
    (c,) = clients(1)
    block(c, raw, "BLPOP", "k", "0")
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("RPUSH", "k", "a") == b"+QUEUED\r\n"
    assert raw.cmd("RPUSH", "k", "b") == b"+QUEUED\r\n"
    assert silent(c)
    assert raw.cmd("EXEC") == b"*2\r\n:1\r\n:2\r\n"
    assert c.read_reply() == kv("k", "a")
    assert raw.cmd("LRANGE", "k", "0", "-1") == b"*1\r\n" + bulk("b")


def test_list_emptied_inside_the_transaction_serves_nobody(raw, clients):
    (c,) = clients(1)
    block(c, raw, "BLPOP", "k", "0")
    raw.cmd("MULTI")
    raw.cmd("RPUSH", "k", "a")
    raw.cmd("LPOP", "k")
    assert raw.cmd("EXEC") == b"*2\r\n:1\r\n$1\r\na\r\n"
    assert silent(c)
    assert blocked_count(raw) == 1
    raw.cmd("RPUSH", "k", "b")
    assert c.read_reply() == kv("k", "b")


def test_key_of_another_type_does_not_wake(raw, clients):
    (c,) = clients(1)
    block(c, raw, "BLPOP", "k", "0.3")
    raw.cmd("SET", "k", "string")
    assert silent(c)
    assert c.read_reply() == NULL_ARRAY


def test_other_db_does_not_wake(raw, clients):
    (c,) = clients(1)
    assert c.cmd("SELECT", "1") == b"+OK\r\n"
    block(c, raw, "BLPOP", "k", "0")
    raw.cmd("RPUSH", "k", "db0")
    assert silent(c)
    raw.cmd("SELECT", "1")
    raw.cmd("RPUSH", "k", "db1")
    assert c.read_reply() == kv("k", "db1")
    assert raw.cmd("LLEN", "k") == b":0\r\n"
    raw.cmd("SELECT", "0")
    assert raw.cmd("LLEN", "k") == b":1\r\n"


def test_pipelined_commands_wait_behind_the_blocked_one(raw, clients):
    (c,) = clients(1)
    c.send(encode_command("BLPOP", "k", "0") + encode_command("PING") + encode_command("LLEN", "k"))
    wait_blocked(raw, 1)
    assert silent(c)
    raw.cmd("RPUSH", "k", "a", "b")
    assert c.read_reply() == kv("k", "a")
    assert c.read_reply() == b"+PONG\r\n"
    assert c.read_reply() == b":1\r\n"


def test_duplicate_keys_are_waited_on_once(raw, clients):
    c1, c2 = clients(2)
    block(c1, raw, "BLPOP", "k", "k", "0")
    block(c2, raw, "BLPOP", "k", "0")
    raw.cmd("RPUSH", "k", "a", "b")
    assert c1.read_reply() == kv("k", "a")
    assert c2.read_reply() == kv("k", "b")
    assert blocked_count(raw) == 0


def test_disconnected_waiter_is_forgotten(raw, clients):
    c1, c2 = clients(2)
    block(c1, raw, "BLPOP", "k", "0")
    block(c2, raw, "BLPOP", "k", "0")
    c1.close()
    wait_blocked(raw, 1)
    raw.cmd("RPUSH", "k", "a")
    assert c2.read_reply() == kv("k", "a")
    assert raw.cmd("LLEN", "k") == b":0\r\n"


# ---- moves ---------------------------------------------------------------------------------------

def test_blmove_chain(raw, clients):
    c1, c2, c3 = clients(3)
    block(c1, raw, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
    block(c2, raw, "BRPOPLPUSH", "b", "c", "0")
    block(c3, raw, "BLPOP", "c", "0")
    raw.cmd("RPUSH", "a", "x")
    assert c1.read_reply() == bulk("x")
    assert c2.read_reply() == bulk("x")
    assert c3.read_reply() == kv("c", "x")
    for key in ("a", "b", "c"):
        assert raw.cmd("LLEN", key) == b":0\r\n"


def test_blmove_served_pushes_where_asked(raw, clients):
    (c,) = clients(1)
    raw.cmd("RPUSH", "dst", "old")
    block(c, raw, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
    raw.cmd("RPUSH", "src", "a", "b")
    assert c.read_reply() == bulk("b")
    assert raw.cmd("LRANGE", "dst", "0", "-1") == b"*2\r\n" + bulk("b") + bulk("old")
    assert raw.cmd("LRANGE", "src", "0", "-1") == b"*1\r\n" + bulk("a")


def test_blmove_same_key(raw, clients):
    (c,) = clients(1)
    block(c, raw, "BRPOPLPUSH", "k", "k", "0")
    raw.cmd("RPUSH", "k", "a", "b")
    assert c.read_reply() == bulk("b")
    assert raw.cmd("LRANGE", "k", "0", "-1") == b"*2\r\n" + bulk("b") + bulk("a")


def test_blmove_to_a_wrong_type_fails_when_served(raw, clients):
    (c,) = clients(1)
    raw.cmd("SET", "dst", "string")
    block(c, raw, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
    raw.cmd("RPUSH", "src", "a")
    assert c.read_reply() == WRONGTYPE
    assert raw.cmd("LRANGE", "src", "0", "-1") == b"*1\r\n" + bulk("a")
    assert blocked_count(raw) == 0


def test_blmpop_served_with_count(raw, clients):
    (c,) = clients(1)
    block(c, raw, "BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "2")
    raw.cmd("RPUSH", "k2", "a", "b", "c")
    assert c.read_reply() == b"*2\r\n$2\r\nk2\r\n*2\r\n" + bulk("c") + bulk("b")
    assert raw.cmd("LRANGE", "k2", "0", "-1") == b"*1\r\n" + bulk("a")


# ---- MULTI and CLIENT UNBLOCK -------------------------------------------------------------------

def test_inside_multi_blocking_commands_do_not_block(raw):
    raw.cmd("RPUSH", "full", "v")
    raw.cmd("MULTI")
    for cmd in (("BLPOP", "k", "0"), ("BRPOP", "k", "0"), ("BLMPOP", "0", "1", "k", "LEFT"),
                ("BLMOVE", "k", "d", "LEFT", "LEFT", "0"), ("BRPOPLPUSH", "k", "d", "0"),
                ("BLPOP", "k", "full", "0")):
        assert raw.cmd(*cmd) == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == (b"*6\r\n*-1\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n" + kv("full", "v"))
    assert blocked_count(raw) == 0


def client_id(c):
    reply = c.cmd("CLIENT", "ID")
    assert reply.startswith(b":")
    return reply[1:-2].decode()


@pytest.mark.parametrize("cmd", [("BLPOP", "k", "0"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "0"),
                                 ("BLMPOP", "0", "1", "k", "LEFT")])
def test_client_unblock(raw, clients, cmd):
    c1, c2 = clients(2)
    id1, id2 = client_id(c1), client_id(c2)
    block(c1, raw, *cmd)
    block(c2, raw, *cmd)
    assert raw.cmd("CLIENT", "UNBLOCK", id1) == b":1\r\n"
    assert c1.read_reply() == NULL_ARRAY
    assert raw.cmd("CLIENT", "UNBLOCK", id2, "ERROR") == b":1\r\n"
    assert c2.read_reply() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    assert raw.cmd("CLIENT", "UNBLOCK", id1) == b":0\r\n"
    assert blocked_count(raw) == 0
    # Both are ordinary clients again and no longer waiting for the key.
    raw.cmd("RPUSH", "k", "a")
    assert silent(c1) and silent(c2)
    assert c1.cmd("PING") == b"+PONG\r\n"
    assert raw.cmd("LLEN", "k") == b":1\r\n"
