"""Keyspace commands byte for byte against redis-server 7.0.15.

Where Redis's answer depends on its hash table (KEYS and SCAN order, SCAN
cursors, RANDOMKEY) the sets of keys are compared instead of the bytes.
"""
import random
import re
import shlex
import time

from respclient import RawClient, encode_command, parse


def script(pair, text):
    for line in text.strip().splitlines():
        line = line.strip()
        if line:
            pair.run(*shlex.split(line))


def scan_all(client, *args):
    cursor, seen = b"0", []
    while True:
        cursor, keys = parse(client.cmd("SCAN", cursor, *args))
        seen.extend(keys)
        if cursor == b"0":
            return sorted(seen)


def test_del_exists_type_touch(pair):
    script(pair, """
        MSET a 1 b 2 c 3
        RPUSH l x
        SADD s m
        HSET h f v
        ZADD z 1 m
        DEL
        DEL a a zz
        UNLINK b nokey b
        EXISTS c c nokey l
        TOUCH c nokey c
        TYPE c
        TYPE l
        TYPE s
        TYPE h
        TYPE z
        TYPE nokey
        TYPE
        DBSIZE
    """)


def test_rename_move_copy(pair):
    script(pair, """
        SET x v
        RENAME nokey b
        RENAME x x
        RENAMENX x x
        RENAMENX nokey nokey
        RENAME nokey nokey
        SET y old
        EXPIRE x 100
        RENAME x y
        TTL y
        GET y
        SET z 1
        RENAMENX y z
        RENAMENX y w
        TTL w
        MOVE w abc
        MOVE w 16
        MOVE w -1
        MOVE w 0
        MOVE w 99999999999
        MOVE nokey 1
        MOVE w 1
        MOVE w 1
        SELECT 1
        GET w
        TTL w
        SELECT 0
        SET w again
        MOVE w 1
        RPUSH l 1 2 3
        COPY l l
        COPY l l DB 1
        COPY l l2 DB
        COPY l l2 DB x
        COPY l l2 DB 99
        COPY l l2 bad
        COPY nokey l2 bad
        COPY nokey l2
        COPY l z
        COPY l z REPLACE
        TYPE z
        LRANGE z 0 -1
        COPY l z REPLACE DB 0
        COPY l z replace db 2 replace
        SELECT 2
        LRANGE z 0 -1
    """)


def test_expire_family(pair):
    script(pair, """
        RPUSH l a
        EXPIRE l 100 nx xx
        EXPIRE l 100 gt lt
        EXPIRE l 100 nx gt
        EXPIRE l 100 xx gt
        EXPIRE l 100 bad
        EXPIRE l abc bad
        EXPIRE l abc
        EXPIRE nokey abc nx xx
        EXPIRE nokey 100
        EXPIRE l 9223372036854776
        EXPIRE l -9223372036854776
        PEXPIRE l 9223372036854775807
        PEXPIRE l -9223372036854775808
        EXPIREAT l 9223372036854776
        EXPIREAT l 9223372036854775
        PEXPIREAT l 9223372036854775807
        PEXPIRETIME l
        EXPIRETIME l
        EXPIRE l 100 xx
        EXPIRE l 50 gt
        EXPIRE l 200 gt
        EXPIRE l 300 lt
        EXPIRE l 100 lt
        TTL l
        EXPIRE l 100 nx
        PERSIST l
        PERSIST l
        PERSIST nokey
        EXPIRE l 100 lt
        PERSIST l
        EXPIRE l 100 gt
        EXPIRE l 100 xx
        EXPIRE l 100 NX
        EXPIRE l -1 lt
        EXISTS l
        SET k v
        EXPIRETIME k
        PEXPIRETIME k
        EXPIRETIME nokey
        PEXPIRETIME nokey
        TTL nokey
        PTTL nokey
        PTTL k
        PEXPIREAT k 1
        EXISTS k
        SET k v
        EXPIREAT k 4102444800
        EXPIRETIME k
        PEXPIREAT k 4102444800123
        PEXPIRETIME k
        EXPIRETIME k
        EXPIRE k 0
        DBSIZE
    """)
    pair.run("SET", "k", "v")
    pair.run("EXPIRE", "k", "100", b"nx\x00junk")
    pair.run("EXPIRE", "k", "100", b"\x00")
    pair.run("EXPIRE", "k", "100", b"bad\nline")


def test_object(pair):
    script(pair, """
        OBJECT
        OBJECT HELP
        OBJECT help x
        OBJECT encoding
        OBJECT encoding nokey
        OBJECT refcount nokey
        OBJECT idletime nokey
        OBJECT freq nokey
        OBJECT bad x
        SET k v
        OBJECT encoding k x
        OBJECT idletime k
        OBJECT freq k
        OBJECT refcount k
        RPUSH l a
        OBJECT encoding l
        OBJECT refcount l
        CONFIG SET maxmemory-policy allkeys-lfu
        SET fresh v
        OBJECT freq fresh
        OBJECT idletime fresh
        CONFIG SET maxmemory-policy volatile-lfu
        OBJECT idletime k
        CONFIG SET maxmemory-policy noeviction
    """)


def test_flush_and_swapdb(pair):
    script(pair, """
        SET a 1
        SELECT 1
        SET b 2
        FLUSHDB x
        FLUSHDB async extra
        FLUSHALL a b
        FLUSHALL ASYNC x
        SWAPDB 0 1
        GET a
        GET b
        SELECT 0
        GET b
        SWAPDB a 0
        SWAPDB 0 a
        SWAPDB 0 99
        SWAPDB 99999999999 0
        SWAPDB 99999999999 a
        SWAPDB 0 99999999999
        SWAPDB 0 0
        SWAPDB -1 0
        SWAPDB 1 0
        DBSIZE
        FLUSHDB SYNC
        DBSIZE
        SELECT 1
        DBSIZE
        FLUSHDB ASYNC
        FLUSHALL
        DBSIZE
    """)


def test_scan_and_keys_errors(pair):
    script(pair, """
        SET k v
        SCAN abc
        SCAN ' 0'
        SCAN +
        SCAN -
        SCAN 18446744073709551616
        SCAN 0x10
        SCAN 0 count 0
        SCAN 0 count -1
        SCAN 0 count x
        SCAN 0 match
        SCAN 0 bad x
        SCAN 0 type
        SCAN 0 COUNT 10 MATCH k* TYPE string
        SCAN 0 TYPE nosuchtype
        KEYS ''
        KEYS k
        KEYS *
        RANDOMKEY
        DEL k
        RANDOMKEY
        KEYS *
        SCAN 0
    """)
    pair.run("SET", "k", "v")
    for cursor in ("", "-0", "+0", "000", b"\x00", b"0\x00junk"):
        pair.run("SCAN", cursor)


def test_keys_and_full_scans_hold_the_same_keys(pair):
    for client in (pair.ours, pair.theirs):
        for i in range(0, 600, 100):
            client.cmd("MSET", *[x for j in range(i, i + 100) for x in ("key:%d:%d" % (j, j % 7), "v")])
        client.cmd("RPUSH", "list:1", "a")
        client.cmd("SADD", "set:1", "a")
    for args in ((), ("COUNT", "7"), ("MATCH", "key:1*"), ("MATCH", "*:3", "COUNT", "50"), ("TYPE", "list"),
                 ("TYPE", "String", "MATCH", "key:5?:*")):
        assert scan_all(pair.ours, *args) == scan_all(pair.theirs, *args), args
    for pattern in ("*", "key:*:[0-2]", "key:?:*", "*1*", "list:*", "key:\\*"):
        assert sorted(parse(pair.ours.cmd("KEYS", pattern))) == sorted(parse(pair.theirs.cmd("KEYS", pattern)))
    for _ in range(20):
        key = parse(pair.ours.cmd("RANDOMKEY"))
        assert pair.theirs.cmd("EXISTS", key) == b":1\r\n"


def keyspace_events(client, port_client, commands):
    """The keyevent notifications ``commands`` raise, fenced by a PUBLISH."""
    port_client.send(encode_command("PSUBSCRIBE", "__keyevent@*"))
    port_client.read_reply()
    port_client.send(encode_command("SUBSCRIBE", "fence"))
    port_client.read_reply()
    replies = [client.cmd(*cmd) for cmd in commands]
    client.cmd("PUBLISH", "fence", "x")
    events = []
    while True:
        msg = parse(port_client.read_reply())
        if msg[0] == b"message":
            return replies, events
        events.append((msg[2], msg[3]))


def test_keyspace_events_match(server, real_redis):
    commands = [
        ("SET", "k", "v"), ("SET", "k", "v", "EX", "100"), ("SET", "k", "v", "KEEPTTL"), ("SET", "k", "v", "NX"),
        ("SET", "k", "v", "XX", "GET"), ("SETNX", "k", "v"), ("SETEX", "k", "10", "v"), ("PSETEX", "k", "10000", "v"),
        ("MSET", "a", "1", "b", "2"), ("MSETNX", "c", "1", "d", "2"), ("GETSET", "k", "w"), ("GETEX", "k"),
        ("GETEX", "k", "EX", "100"), ("GETEX", "k", "PERSIST"), ("GETEX", "k", "PERSIST"), ("GETEX", "k", "PXAT", "1"),
        ("GETDEL", "a"), ("GETDEL", "a"), ("APPEND", "a", "x"), ("APPEND", "a", ""), ("SETRANGE", "a", "0", ""),
        ("SETRANGE", "a", "1", "zz"), ("SETRANGE", "new", "0", ""), ("INCR", "n"), ("DECR", "n"),
        ("INCRBY", "n", "5"), ("DECRBY", "n", "5"), ("INCRBYFLOAT", "n", "1.5"), ("INCR", "n"),
        ("DEL", "a", "b", "zz"), ("UNLINK", "c"), ("RENAME", "d", "e"), ("RENAME", "e", "e"),
        ("RENAMENX", "e", "f"), ("SET", "g", "1"), ("RENAMENX", "f", "g"), ("MOVE", "g", "1"), ("COPY", "f", "h"),
        ("COPY", "f", "h", "REPLACE"), ("COPY", "f", "h2", "DB", "2"), ("EXPIRE", "f", "100"),
        ("PEXPIRE", "f", "200000", "GT"), ("EXPIRE", "f", "1", "GT"), ("PERSIST", "f"), ("PERSIST", "f"),
        ("EXPIRE", "f", "-1"), ("EXPIREAT", "h", "1"), ("SET", "x", "v"), ("SWAPDB", "0", "1"), ("FLUSHDB",),
        ("SET", "y", "1"), ("FLUSHALL",), ("LCS", "x", "y"), ("TOUCH", "x"), ("RPUSH", "L", "a"),
        ("RENAME", "L", "L2"), ("COPY", "L2", "L3"), ("MOVE", "L3", "5"),
    ]
    outcomes = []
    for srv in (server, real_redis):
        client, sub = RawClient(srv.port), RawClient(srv.port)
        try:
            client.cmd("FLUSHALL")
            client.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA")
            outcomes.append(keyspace_events(client, sub, commands))
        finally:
            client.cmd("CONFIG", "SET", "notify-keyspace-events", "")
            client.close()
            sub.close()
    (mine, my_events), (theirs, their_events) = outcomes
    assert mine == theirs
    assert my_events == their_events


def unique_ttls(rnd):
    """TTL draws that never repeat, seconds and milliseconds at least 500 ms apart.

    GT and LT compare absolute times, so an expire equal to the current one
    would depend on whether a millisecond passed between the two commands.
    """
    used = set()

    def draw(lo, hi):
        while True:
            n = rnd.randint(lo, hi)
            if n not in used:
                used.add(n)
                return n
    return (lambda: str(draw(-5, 1000000))), (lambda: str(draw(100, 1000000) * 1000 + 500))


def test_random_sequence(pair):
    rnd = random.Random(99)
    seconds, millis = unique_ttls(rnd)
    keys = ["a", "b", "c", "d"]
    for _ in range(1500):
        k, k2 = rnd.choice(keys), rnd.choice(keys)
        cmd = rnd.choice([
            ("SET", k, rnd.choice(["1", "v", "12"])), ("RPUSH", k, "x"), ("SADD", k, "m"), ("HSET", k, "f", "v"),
            ("DEL", k, k2), ("UNLINK", k), ("EXISTS", k, k2), ("TYPE", k), ("TOUCH", k, k2),
            ("RENAME", k, k2), ("RENAMENX", k, k2), ("MOVE", k, rnd.choice(["0", "1", "2"])),
            ("COPY", k, k2), ("COPY", k, k2, "REPLACE"), ("COPY", k, k2, "DB", rnd.choice(["0", "1"])),
            ("EXPIRE", k, seconds(), *rnd.choice([(), ("NX",), ("XX",), ("GT",), ("LT",)])),
            ("PEXPIRE", k, millis()), ("PERSIST", k), ("DBSIZE",),
            ("SELECT", rnd.choice(["0", "0", "0", "1"])), ("SWAPDB", "0", "1"), ("OBJECT", "ENCODING", k),
            ("GET", k), ("INCR", k), ("APPEND", k, "z"), ("LLEN", k),
        ])
        pair.run(*cmd)
        if rnd.random() < 0.05:
            mine = re.sub(rb":\d+", b":N", pair.ours.cmd("TTL", k))
            theirs = re.sub(rb":\d+", b":N", pair.theirs.cmd("TTL", k))
            assert mine == theirs
    for db in ("0", "1", "2"):
        pair.run("SELECT", db)
        pair.run("DBSIZE")
        assert sorted(parse(pair.ours.cmd("KEYS", "*"))) == sorted(parse(pair.theirs.cmd("KEYS", "*")))


def test_lfu_counters(pair):
    try:
        script(pair, """
            CONFIG SET maxmemory-policy allkeys-lfu
            SET k v
            OBJECT freq k
            GET k
            OBJECT freq k
            EXISTS k
            TYPE k
            TTL k
            OBJECT freq k
            CONFIG SET lfu-log-factor 0
            GET k
            TOUCH k k
            SET k w
            MSET k x
            APPEND k y
            OBJECT freq k
            RENAME k k2
            OBJECT freq k2
            COPY k2 k3
            OBJECT freq k3
            OBJECT freq k2
            MOVE k2 1
            SADD s a
            SUNIONSTORE d s
            SUNIONSTORE d s
            OBJECT freq d
            ZADD z 1 a
            ZUNIONSTORE zd 1 z
            ZUNIONSTORE zd 1 z
            OBJECT freq zd
            RPUSH l 3 1 2
            SORT l STORE sorted
            SORT l STORE sorted
            OBJECT freq sorted
            INCRBYFLOAT f 1.5
            INCRBYFLOAT f 1.5
            OBJECT freq f
            SELECT 1
            OBJECT freq k2
            FLUSHDB
            SELECT 0
        """)
    finally:
        script(pair, "CONFIG SET maxmemory-policy noeviction lfu-log-factor 10")


def test_idletime_touching_and_peeking_commands(pair):
    keys = ["get", "strlen", "touch", "persist", "expire", "append", "set", "mget", "copysrc",
            "type", "exists", "ttl", "pttl", "expiretime", "encoding", "refcount", "watch",
            "scanned", "sortby", "sortget", "sorted", "untouched", "renamed", "h", "shared"]
    after_wait = """
        GET get
        STRLEN strlen
        TOUCH touch
        PERSIST persist
        EXPIRE expire 100
        APPEND append x
        SET set w
        MGET mget
        COPY copysrc copied
        TYPE type
        EXISTS exists
        TTL ttl
        PTTL pttl
        EXPIRETIME expiretime
        OBJECT ENCODING encoding
        OBJECT REFCOUNT refcount
        WATCH watch
        UNWATCH
        SORT_RO sorted BY sortby GET sortget
        RENAME renamed renamed2
        HGET h f
        SET shared2 4242
    """
    for key in keys:
        if key not in ("sorted", "h"):
            pair.run("SET", key, "v")
    pair.run("RPUSH", "sorted", "1")
    pair.run("HSET", "h", "f", "v")
    pair.run("SET", "shared", "4242")
    time.sleep(2.2)
    script(pair, after_wait)
    # Their replies follow each server's hash table order; only the access matters.
    for cmd in (("SCAN", "0", "TYPE", "string"), ("KEYS", "*"), ("RANDOMKEY",)):
        pair.ours.cmd(*cmd)
        pair.theirs.cmd(*cmd)

    def idle(client, key):
        return int(parse(client.cmd("OBJECT", "IDLETIME", key)))

    for key in keys + ["copied", "renamed2", "shared2"]:
        if key == "renamed":
            continue
        # Both servers count whole seconds of a clock of their own, so the
        # compared fact is "accessed since the wait" or not.
        assert (idle(pair.ours, key) >= 2) == (idle(pair.theirs, key) >= 2), key


def _keyspace_counts(client):
    info = client.cmd("INFO", "stats").decode()
    return [line for line in info.split("\r\n") if line.startswith(("keyspace_hits:", "keyspace_misses:"))]


def test_keyspace_hits_and_misses(pair):
    # Each way a lookup can go: a plain string, a string made by APPEND, a key
    # with a TTL, another type (counted, then WRONGTYPE), a missing key, an
    # expired one, reads of several keys, and writes (never counted).
    for client in (pair.ours, pair.theirs):
        client.cmd("CONFIG", "RESETSTAT")
    script(pair, """
        SET s v
        SET a 1
        APPEND a 2
        SET t v EX 100
        SET gone v PX 1
        RPUSH l x
        HSET h f v
    """)
    time.sleep(0.01)
    script(pair, """
        GET s
        GET a
        GET t
        GET l
        GET missing
        GET gone
        HGET h f
        HGET h nofield
        HGET missing f
        LRANGE l 0 -1
        STRLEN s
        MGET s a missing t
        EXISTS s missing
        TYPE l
        LPUSH l y
        HSET h g v
        SADD st m
        INCR counter
        INCR counter
        SET s w
    """)
    assert _keyspace_counts(pair.ours) == _keyspace_counts(pair.theirs)
