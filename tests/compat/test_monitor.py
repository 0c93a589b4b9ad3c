"""MONITOR lines, SLOWLOG entries and LATENCY replies against redis-server.

Timestamps, durations and client ports differ between the two servers; they
are masked, everything else is compared byte for byte.
"""
import re
import time

import pytest

from respclient import RawClient, encode_command, parse

_LINE = re.compile(rb"^\+\d+\.\d{6} \[(\d+) ([^\]]*)\] (.*)$")


def _monitor_lines(port, commands):
    mon = RawClient(port)
    assert mon.cmd("MONITOR") == b"+OK\r\n"
    c = RawClient(port)
    for args in commands:
        c.send(encode_command(*args))
        c.read_reply()
    c.cmd("PING", "fence")
    lines = []
    while True:
        line = mon.read_reply()
        m = _LINE.match(line[:-2])
        assert m, line
        db, origin, args = m.groups()
        if origin.startswith(b"127.0.0.1:"):
            origin = b"client"
        lines.append(b"%s %s %s" % (db, origin, args))
        if args == b'"PING" "fence"':
            break
    mon.close()
    c.close()
    return lines


_SEQUENCE = [
    ("SET", "a", b"b\x00\n\"\\ \x7f\xff"),
    ("SELECT", "5"),
    ("GET", "a"),
    ("AUTH", "nopass"),
    ("AUTH", "user", "nopass"),
    ("MULTI",),
    ("INCR", "n"),
    ("EXEC",),
    ("nosuch", "x"),
    ("GET",),
    ("CONFIG", "GET", "maxmemory"),
    ("CLIENT", "LIST"),
    ("SELECT", "0"),
    ("HELLO", "2", "AUTH", "default", "secret"),
    ("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "x"),
    ("MIGRATE", "127.0.0.1", "1", "", "0", "10", "AUTH", "pw", "KEYS", "a"),
    ("MIGRATE", "127.0.0.1", "1", "", "0", "10", "AUTH2", "u", "pw", "KEYS", "a"),
    ("DEL", "a", "n"),
]


def test_monitor_lines_match(server, real_redis):
    commands = [c for c in _SEQUENCE if c[0] != "MIGRATE"]
    ours = _monitor_lines(server.port, commands)
    theirs = _monitor_lines(real_redis.port, commands)
    assert ours == theirs


def test_monitor_client_restrictions(pair):
    for p in (pair.ours, pair.theirs):
        p.send(b"MONITOR\r\nMONITOR\r\nGET a\r\nSET a b\r\nPUBLISH c m\r\nPING\r\n")
    assert pair.ours.read_all(0.3).split(b"\r\n")[:4] == pair.theirs.read_all(0.3).split(b"\r\n")[:4]
    assert pair.run("RESET") == b"+RESET\r\n"
    assert pair.run("SET", "a", "b") == b"+OK\r\n"


@pytest.fixture
def slow_pair(pair):
    pair.run("CONFIG", "SET", "slowlog-log-slower-than", "0")
    pair.run("SLOWLOG", "RESET")
    yield pair
    pair.run("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    pair.run("CONFIG", "SET", "slowlog-max-len", "128")
    pair.run("CLIENT", "SETNAME", "")


def _entries(raw):
    """SLOWLOG GET entries without id, time, duration and client port."""
    out = []
    for entry in parse(raw):
        out.append((entry[3], entry[4].split(b":")[0], entry[5]))
    return out


def test_slowlog_entries(slow_pair):
    p = slow_pair
    p.run("SET", "a", "b")
    p.run("AUTH", "secret")
    p.run("CLIENT", "SETNAME", "nm")
    p.run("MSET", *[str(i) for i in range(40)])
    p.run("SET", "big", "x" * 200)
    p.run("MULTI")
    p.run("INCR", "n")
    p.run("EXEC")
    ours = _entries(p.ours.cmd("SLOWLOG", "GET", "-1"))
    theirs = _entries(p.theirs.cmd("SLOWLOG", "GET", "-1"))
    assert ours == theirs
    assert p.run("SLOWLOG", "LEN") == b":%d\r\n" % (len(ours) + 1)


def test_slowlog_errors_and_limits(slow_pair):
    p = slow_pair
    for args in (("SLOWLOG", "GET", "-2"), ("SLOWLOG", "GET", "x"),
                 ("SLOWLOG", "GET", "1", "2"), ("SLOWLOG", "LEN", "x"),
                 ("SLOWLOG", "GET", "0"), ("SLOWLOG", "NOPE"), ("SLOWLOG",),
                 ("SLOWLOG", "HELP")):
        p.run(*args)
    p.run("CONFIG", "SET", "slowlog-max-len", "2")
    p.run("SET", "a", "b")
    p.run("SLOWLOG", "LEN")
    p.run("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    p.run("SLOWLOG", "RESET")
    p.run("SET", "a", "b")
    p.run("SLOWLOG", "LEN")


def test_latency_replies(pair):
    p = pair
    for args in (("LATENCY", "HELP"), ("LATENCY", "LATEST"), ("LATENCY", "HISTORY", "command"),
                 ("LATENCY", "GRAPH", "command"), ("LATENCY", "RESET"), ("LATENCY", "RESET", "a", "b"),
                 ("LATENCY", "DOCTOR"), ("LATENCY", "NOPE"), ("LATENCY", "HISTORY")):
        p.run(*args)


def test_latency_doctor_texts(pair):
    p = pair
    p.run("CONFIG", "SET", "latency-monitor-threshold", "1")
    try:
        p.run("LATENCY", "RESET")
        p.run("LATENCY", "DOCTOR")
    finally:
        p.run("CONFIG", "SET", "latency-monitor-threshold", "0")


def test_latency_histogram_shape(pair):
    p = pair
    p.run("CONFIG", "RESETSTAT")
    p.run("SET", "a", "b")
    p.run("GET", "a")
    ours = parse(p.ours.cmd("LATENCY", "HISTOGRAM", "set", "get", "nosuch"))
    theirs = parse(p.theirs.cmd("LATENCY", "HISTOGRAM", "set", "get", "nosuch"))
    assert sorted(ours[0::2]) == sorted(theirs[0::2]) == [b"get", b"set"]
    for hist in ours[1::2]:
        assert hist[0] == b"calls" and hist[1] == 1 and hist[2] == b"histogram_usec"
        edges = hist[3][0::2]
        assert all(e in (1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056) for e in edges)
