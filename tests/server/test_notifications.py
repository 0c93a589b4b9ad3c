"""Keyspace notifications (notify-keyspace-events) on a live pyredis."""
import time

import pytest

from respclient import RawClient, bulk, encode_command
from serverproc import start_pyredis


def pmessage(pattern, channel, data, resp=2):
    head = b"*4\r\n" if resp == 2 else b">4\r\n"
    return head + bulk("pmessage") + bulk(pattern) + bulk(channel) + bulk(data)


def received(client):
    token = b"--fence--"
    client.send(encode_command("PING", token))
    fences = (bulk(token), b"*2\r\n$4\r\npong\r\n" + bulk(token))
    out = []
    while True:
        reply = client.read_reply()
        if reply in fences:
            return out
        out.append(reply)


def events(client):
    """(channel, payload) of each notification a ``__key*`` pattern subscriber got."""
    out = []
    for reply in received(client):
        parts = reply.split(b"\r\n")
        assert parts[2] == b"pmessage", reply
        out.append((parts[6].decode(), parts[8].decode()))
    return out


class Notifying:
    """A private server with a notify-keyspace-events setting; a writer and a subscriber."""

    def __init__(self, flags):
        self.proc = start_pyredis("--notify-keyspace-events", flags)
        self.writer = RawClient(self.proc.port)
        self.sub = RawClient(self.proc.port)
        assert self.sub.cmd("PSUBSCRIBE", "__key*__:*").endswith(b":1\r\n")

    def events(self):
        return events(self.sub)

    def close(self):
        self.writer.close()
        self.sub.close()
        self.proc.stop()


@pytest.fixture
def notifying():
    started = []

    def start(flags):
        n = Notifying(flags)
        started.append(n)
        return n

    yield start
    for n in started:
        n.close()


@pytest.fixture(scope="module")
def blank_server():
    n = Notifying("")
    yield n
    n.close()


@pytest.fixture
def blank(blank_server):
    """A server with notifications off (CONFIG SET turns them on for one test)."""
    yield blank_server
    blank_server.writer.cmd("CONFIG", "SET", "notify-keyspace-events", "")
    blank_server.events()


@pytest.fixture(scope="module")
def kea():
    n = Notifying("KEA")
    yield n
    n.close()


def test_set_publishes_keyspace_then_keyevent(kea):
    assert kea.writer.cmd("SET", "k", "v") == b"+OK\r\n"
    assert received(kea.sub) == [pmessage("__key*__:*", "__keyspace@0__:k", "set"),
                                 pmessage("__key*__:*", "__keyevent@0__:set", "k")]


def test_channel_carries_the_db_number(kea):
    kea.writer.cmd("SELECT", "3")
    kea.writer.cmd("SET", "key", "v")
    kea.writer.cmd("SELECT", "0")
    assert kea.events() == [("__keyspace@3__:key", "set"), ("__keyevent@3__:set", "key")]


def test_binary_key(kea):
    kea.writer.cmd("SET", b"a\r\nb\x00", "v")
    got = received(kea.sub)
    assert got == [pmessage("__key*__:*", b"__keyspace@0__:a\r\nb\x00", "set"),
                   pmessage("__key*__:*", "__keyevent@0__:set", b"a\r\nb\x00")]


def test_reads_publish_nothing_without_m(kea):
    kea.writer.cmd("GET", "missing")
    kea.writer.cmd("SET", "k", "v")
    kea.writer.cmd("GET", "k")
    assert kea.events() == [("__keyspace@0__:k", "set"), ("__keyevent@0__:set", "k")]


def test_plain_channel_subscriber(kea):
    sub = RawClient(kea.proc.port)
    sub.cmd("SUBSCRIBE", "__keyevent@0__:set")
    kea.writer.cmd("SET", "x", "1")
    assert received(sub) == [b"*3\r\n$7\r\nmessage\r\n" + bulk("__keyevent@0__:set") + bulk("x")]
    sub.close()
    kea.events()


@pytest.mark.parametrize("flags, expected", [
    ("K$", [("__keyspace@0__:k", "set")]),
    ("E$", [("__keyevent@0__:set", "k")]),
    # A class without K or E publishes nothing; K or E without a class neither.
    ("A", []),
    ("KE", []),
    ("KEg", []),
    ("KEn", [("__keyspace@0__:k", "new"), ("__keyevent@0__:new", "k")]),
    ("KEA", [("__keyspace@0__:k", "set"), ("__keyevent@0__:set", "k")]),
    ("AKEn", [("__keyspace@0__:k", "new"), ("__keyevent@0__:new", "k"),
              ("__keyspace@0__:k", "set"), ("__keyevent@0__:set", "k")]),
])
def test_class_selection(notifying, flags, expected):
    n = notifying(flags)
    n.writer.cmd("SET", "k", "v")
    # Overwriting is not a new key.
    n.writer.cmd("SET", "k", "w")
    second = [e for e in expected if e[1] != "new" and "new" not in e[0]]
    assert n.events() == expected + second


def test_keymiss(notifying):
    n = notifying("Km")
    n.writer.cmd("GET", "nokey")
    n.writer.cmd("SET", "k", "v")
    n.writer.cmd("GET", "k")
    assert n.events() == [("__keyspace@0__:nokey", "keymiss")]


def test_expired_lazily_and_actively(notifying):
    n = notifying("KEx")
    n.writer.cmd("SET", "lazy", "v")
    n.writer.cmd("PEXPIRE", "lazy", "1")
    time.sleep(0.01)
    # The read finds it expired: "expired" then nothing else (no m flag).
    assert n.writer.cmd("GET", "lazy") == b"$-1\r\n"
    assert n.events() == [("__keyspace@0__:lazy", "expired"), ("__keyevent@0__:expired", "lazy")]
    n.writer.cmd("SET", "active", "v")
    n.writer.cmd("PEXPIRE", "active", "1")
    deadline = time.time() + 3
    got = []
    while not got and time.time() < deadline:
        time.sleep(0.05)
        got = n.events()
    assert got == [("__keyspace@0__:active", "expired"), ("__keyevent@0__:expired", "active")]


def test_expired_then_keymiss_on_read(notifying):
    n = notifying("KEA" + "m")
    n.writer.cmd("SET", "k", "v")
    n.writer.cmd("PEXPIRE", "k", "1")
    time.sleep(0.01)
    n.events()
    n.writer.cmd("GET", "k")
    got = n.events()
    # The active cycle may have taken it already; the read always misses.
    assert got[-2:] == [("__keyspace@0__:k", "keymiss"), ("__keyevent@0__:keymiss", "k")]
    assert got[:-2] in ([], [("__keyspace@0__:k", "expired"), ("__keyevent@0__:expired", "k")])


def test_resp3_writer_gets_its_own_notifications_first(kea):
    c = RawClient(kea.proc.port)
    assert c.cmd("HELLO", "3").startswith(b"%")
    c.cmd("SUBSCRIBE", "__keyevent@0__:set")
    c.send(encode_command("SET", "mine", "v"))
    assert c.read_reply() == b">3\r\n$7\r\nmessage\r\n" + bulk("__keyevent@0__:set") + bulk("mine")
    assert c.read_reply() == b"+OK\r\n"
    c.close()
    kea.events()


def test_notifications_inside_exec(kea):
    w = kea.writer
    w.cmd("MULTI")
    w.cmd("SET", "a", "1")
    w.cmd("SET", "b", "2")
    assert w.cmd("EXEC") == b"*2\r\n+OK\r\n+OK\r\n"
    assert kea.events() == [("__keyspace@0__:a", "set"), ("__keyevent@0__:set", "a"),
                            ("__keyspace@0__:b", "set"), ("__keyevent@0__:set", "b")]


def test_config_set_changes_flags(blank):
    n = blank
    n.writer.cmd("SET", "k", "1")
    assert n.events() == []
    assert n.writer.cmd("CONFIG", "SET", "notify-keyspace-events", "E$") == b"+OK\r\n"
    n.writer.cmd("SET", "k", "2")
    assert n.events() == [("__keyevent@0__:set", "k")]
    assert n.writer.cmd("CONFIG", "SET", "notify-keyspace-events", "") == b"+OK\r\n"
    n.writer.cmd("SET", "k", "3")
    assert n.events() == []


@pytest.mark.parametrize("value, shown", [
    ("", ""), ("K", "K"), ("KEA", "AKE"), ("Ex", "xE"), ("KEAmn", "AKEm"), ("nmKE", "nKEm"),
    ("g$lshzxetdKE", "AKE"), ("g$lshzxetKE", "g$lshzxetKE"), ("KEz$", "$zKE"), ("AA", "A"),
    ("mn", "nm"), ("Kg$lshzxetd", "AK"),
])
def test_config_get_shows_canonical_form(blank, value, shown):
    n = blank
    assert n.writer.cmd("CONFIG", "SET", "notify-keyspace-events", value) == b"+OK\r\n"
    assert n.writer.cmd("CONFIG", "GET", "notify-keyspace-events") == (
        b"*2\r\n" + bulk("notify-keyspace-events") + bulk(shown))


def test_config_set_rejects_bad_class(blank):
    n = blank
    assert n.writer.cmd("CONFIG", "SET", "notify-keyspace-events", "KEq") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
        b"Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n")


# One representative write per command group: (setup, command, keyevent events).
# The expected events are what redis-server 7.0.15 publishes.
GROUP_CASES = [
    ([], ("SET", "k", "v", "EX", "100"), [("set", "k"), ("expire", "k")]),
    ([], ("SETEX", "k", "100", "v"), [("set", "k"), ("expire", "k")]),
    ([("SET", "k", "v")], ("APPEND", "k", "w"), [("append", "k")]),
    ([], ("INCR", "n"), [("incrby", "n")]),
    ([], ("INCRBYFLOAT", "n", "1.5"), [("incrbyfloat", "n")]),
    ([("SET", "k", "hello")], ("SETRANGE", "k", "1", "a"), [("setrange", "k")]),
    ([("SET", "k", "v")], ("GETDEL", "k"), [("del", "k")]),
    ([("SET", "k", "v", "EX", "100")], ("GETEX", "k", "PERSIST"), [("persist", "k")]),
    ([], ("MSET", "a", "1", "b", "2"), [("set", "a"), ("set", "b")]),
    ([("SET", "k", "v")], ("DEL", "k", "nokey"), [("del", "k")]),
    ([("SET", "k", "v")], ("EXPIRE", "k", "100"), [("expire", "k")]),
    ([("SET", "k", "v")], ("EXPIRE", "k", "-1"), [("del", "k")]),
    ([("SET", "k", "v", "EX", "100")], ("PERSIST", "k"), [("persist", "k")]),
    ([("SET", "k", "v")], ("RENAME", "k", "k2"), [("rename_from", "k"), ("rename_to", "k2")]),
    ([("SET", "k", "v")], ("COPY", "k", "k2"), [("copy_to", "k2")]),
    ([], ("LPUSH", "l", "a", "b"), [("lpush", "l")]),
    ([("RPUSH", "l", "a")], ("RPOP", "l"), [("rpop", "l"), ("del", "l")]),
    ([("RPUSH", "l", "a", "c")], ("LINSERT", "l", "BEFORE", "c", "b"), [("linsert", "l")]),
    ([("RPUSH", "l", "a", "b")], ("LTRIM", "l", "5", "6"), [("ltrim", "l"), ("del", "l")]),
    ([("RPUSH", "l", "a", "b")], ("LMOVE", "l", "m", "LEFT", "RIGHT"), [("rpush", "m"), ("lpop", "l")]),
    ([("RPUSH", "l", "a")], ("BLPOP", "l", "0"), [("lpop", "l"), ("del", "l")]),
    ([], ("HSET", "h", "f", "v", "g", "w"), [("hset", "h")]),
    ([("HSET", "h", "f", "v")], ("HDEL", "h", "f"), [("hdel", "h"), ("del", "h")]),
    ([], ("HINCRBYFLOAT", "h", "f", "2.5"), [("hincrbyfloat", "h")]),
    ([], ("SADD", "s", "a", "b"), [("sadd", "s")]),
    ([("SADD", "s", "a")], ("SMOVE", "s", "t", "a"), [("srem", "s"), ("del", "s"), ("sadd", "t")]),
    ([("SADD", "s", "a", "b"), ("SADD", "t", "b")], ("SINTERSTORE", "d", "s", "t"), [("sinterstore", "d")]),
    ([("SADD", "s", "a"), ("SADD", "d", "x")], ("SDIFFSTORE", "d", "s", "s"), [("del", "d")]),
    ([], ("ZADD", "z", "1", "a", "2", "b"), [("zadd", "z")]),
    ([], ("ZINCRBY", "z", "1", "a"), [("zincr", "z")]),
    ([("ZADD", "z", "1", "a")], ("ZPOPMIN", "z"), [("zpopmin", "z"), ("del", "z")]),
    ([("ZADD", "z", "1", "a", "2", "b")], ("ZREMRANGEBYSCORE", "z", "0", "1"), [("zremrangebyscore", "z")]),
    ([("ZADD", "z", "1", "a")], ("ZUNIONSTORE", "d", "1", "z"), [("zunionstore", "d")]),
    ([("RPUSH", "l", "3", "1", "2")], ("SORT", "l", "STORE", "d"), [("sortstore", "d")]),
]


@pytest.fixture(scope="module")
def events_only():
    n = Notifying("EA")
    yield n
    n.close()


@pytest.mark.parametrize("setup, command, expected", GROUP_CASES, ids=[" ".join(c[1]) for c in GROUP_CASES])
def test_group_events(events_only, setup, command, expected):
    w = events_only.writer
    w.cmd("FLUSHALL")
    for s in setup:
        assert not w.cmd(*s).startswith(b"-"), s
    events_only.events()
    assert not w.cmd(*command).startswith(b"-")
    assert events_only.events() == [("__keyevent@0__:" + e, k) for e, k in expected]


def test_move_events_name_both_dbs(events_only):
    w = events_only.writer
    w.cmd("FLUSHALL")
    w.cmd("SET", "k", "v")
    events_only.events()
    assert w.cmd("MOVE", "k", "1") == b":1\r\n"
    assert events_only.events() == [("__keyevent@0__:move_from", "k"), ("__keyevent@1__:move_to", "k")]


def test_new_events_stay_on_with_a_even_if_not_shown(blank):
    w = blank.writer
    assert w.cmd("CONFIG", "SET", "notify-keyspace-events", "KEAn") == b"+OK\r\n"
    assert w.cmd("CONFIG", "GET", "notify-keyspace-events").endswith(b"$3\r\nAKE\r\n")
    w.cmd("SET", "fresh", "v")
    assert blank.events() == [("__keyspace@0__:fresh", "new"), ("__keyevent@0__:new", "fresh"),
                              ("__keyspace@0__:fresh", "set"), ("__keyevent@0__:set", "fresh")]
