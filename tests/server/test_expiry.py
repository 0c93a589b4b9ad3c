"""Key expiry: millisecond precision, lazy expiry on access, the active expiry cycle."""
import time

import pytest

from respclient import RawClient
from serverproc import start_pyredis

NULL = b"$-1\r\n"


def wait_for(predicate, timeout=2.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture(scope="module")
def still_server():
    """A server whose active expiry is off, so only lookups reclaim keys."""
    proc = start_pyredis("--enable-debug-command", "yes")
    yield proc
    proc.stop()


@pytest.fixture
def still(still_server):
    client = RawClient(still_server.port)
    client.port = still_server.port
    assert client.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"+OK\r\n"
    client.cmd("FLUSHALL")
    yield client
    client.cmd("CONFIG", "SET", "notify-keyspace-events", "")
    client.close()


def test_millisecond_precision(raw):
    raw.cmd("SET", "k", "v", "PX", "150")
    time.sleep(0.08)
    assert raw.cmd("GET", "k") == b"$1\r\nv\r\n"
    assert 0 < int(raw.cmd("PTTL", "k")[1:]) <= 70
    time.sleep(0.09)
    assert raw.cmd("GET", "k") == NULL


def test_an_expired_key_is_invisible_to_every_command(still):
    c = still
    c.cmd("SELECT", "1")
    c.cmd("SET", "other", "abc")
    for cmd in (("SET", "s", "12"), ("RPUSH", "l", "a"), ("HSET", "h", "f", "v")):
        c.cmd(*cmd)
        c.cmd("PEXPIRE", cmd[1], "1")
    time.sleep(0.01)
    assert c.cmd("DBSIZE") == b":4\r\n"   # nothing reclaimed yet: DBSIZE still counts them
    assert c.cmd("EXISTS", "s", "l", "h") == b":0\r\n"
    assert c.cmd("GET", "s") == NULL
    assert c.cmd("MGET", "s", "other") == b"*2\r\n$-1\r\n$3\r\nabc\r\n"
    assert c.cmd("TYPE", "l") == b"+none\r\n"
    assert c.cmd("TTL", "h") == b":-2\r\n"
    assert c.cmd("DBSIZE") == b":1\r\n"   # those lookups reclaimed them


def test_writes_treat_an_expired_key_as_missing(still):
    c = still
    cases = [
        (("INCR", "k"), b":1\r\n"), (("APPEND", "k", "x"), b":1\r\n"), (("SETNX", "k", "x"), b":1\r\n"),
        (("SET", "k", "x", "XX"), NULL), (("SETRANGE", "k", "1", "x"), b":2\r\n"),
        (("RENAME", "k", "z"), b"-ERR no such key\r\n"), (("COPY", "k", "z"), b":0\r\n"),
        (("MOVE", "k", "1"), b":0\r\n"), (("EXPIRE", "k", "100"), b":0\r\n"), (("PERSIST", "k"), b":0\r\n"),
        (("DEL", "k"), b":0\r\n"), (("GETDEL", "k"), NULL), (("GETEX", "k", "PERSIST"), NULL),
        (("STRLEN", "k"), b":0\r\n"), (("GETRANGE", "k", "0", "-1"), b"$0\r\n\r\n"),
        (("LCS", "k", "other"), b"$0\r\n\r\n"), (("OBJECT", "ENCODING", "k"), NULL),
        (("SET", "k", "x", "GET"), NULL), (("INCRBYFLOAT", "k", "1.5"), b"$3\r\n1.5\r\n"),
    ]
    for cmd, expected in cases:
        c.cmd("SET", "k", "old", "PX", "1")
        time.sleep(0.003)
        assert c.cmd(*cmd) == expected, cmd
        c.cmd("DEL", "k")


def test_keys_scan_randomkey_skip_expired_keys(still):
    c = still
    c.cmd("SET", "live", "1")
    for i in range(20):
        c.cmd("SET", "dead%d" % i, "1", "PX", "1")
    time.sleep(0.01)
    assert c.cmd("KEYS", "*") == b"*1\r\n$4\r\nlive\r\n"
    assert c.cmd("SCAN", "0", "COUNT", "1000") == b"*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n"
    assert c.cmd("RANDOMKEY") == b"$4\r\nlive\r\n"


def test_lazy_expiry_counts_and_announces(still):
    c = still
    c.cmd("CONFIG", "RESETSTAT")
    c.cmd("CONFIG", "SET", "notify-keyspace-events", "Ex")
    sub = RawClient(c.port)
    sub.cmd("SUBSCRIBE", "__keyevent@0__:expired")
    c.cmd("SET", "k", "v", "PX", "1")
    time.sleep(0.01)
    assert c.cmd("GET", "k") == NULL
    assert sub.read_reply() == b"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$1\r\nk\r\n"
    assert b"expired_keys:1\r\n" in c.cmd("INFO", "stats")
    sub.close()


def test_active_expiry_reclaims_keys_nobody_reads(raw):
    for i in range(0, 200, 50):
        raw.cmd("MSET", *[x for j in range(i, i + 50) for x in ("k%d" % j, "v")])
    for i in range(200):
        raw.cmd("PEXPIRE", "k%d" % i, "50")
    raw.cmd("SET", "keep", "v")
    assert raw.cmd("DBSIZE") == b":201\r\n"
    assert wait_for(lambda: raw.cmd("DBSIZE") == b":1\r\n", timeout=1.5)
    assert raw.cmd("GET", "keep") == b"$1\r\nv\r\n"


def test_active_expiry_with_ttls_set_by_set_options(raw):
    for i in range(200):
        raw.send(b"*5\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n$2\r\nPX\r\n$2\r\n50\r\n" % (len(b"k%d" % i), i))
    for _ in range(200):
        assert raw.read_reply() == b"+OK\r\n"
    assert wait_for(lambda: raw.cmd("DBSIZE") == b":0\r\n", timeout=1.5)


def test_overwriting_drops_the_ttl_and_persist_keeps_the_key(raw):
    raw.cmd("SET", "k", "v", "PX", "100")
    raw.cmd("SET", "k", "w")
    raw.cmd("SET", "p", "v", "PX", "100")
    raw.cmd("PERSIST", "p")
    time.sleep(0.15)
    assert raw.cmd("MGET", "k", "p") == b"*2\r\n$1\r\nw\r\n$1\r\nv\r\n"
