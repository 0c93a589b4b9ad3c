"""MULTI / EXEC / DISCARD / WATCH / UNWATCH, byte for byte against redis-server."""
import time

import pytest

from respclient import encode_command


def resp3(pair):
    for client in (pair.ours, pair.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")


def run(pair, *commands):
    for cmd in commands:
        pair.run(*cmd)


def tx(pair, *commands):
    """MULTI, the commands, EXEC on both servers, every reply compared."""
    run(pair, ("MULTI",), *commands)
    return pair.run("EXEC")


@pytest.mark.parametrize("proto", [2, 3])
def test_basic_transactions(pair, proto):
    if proto == 3:
        resp3(pair)
    run(pair, ("EXEC",), ("DISCARD",), ("UNWATCH",))
    tx(pair)
    tx(pair, ("SET", "a", "1"), ("GET", "a"), ("GET", "nokey"), ("PING",), ("ECHO", "e"))
    tx(pair, ("MULTI",), ("WATCH", "x"), ("SET", "b", "2"))
    tx(pair, ("SET", "c", "3"), ("SELECT", "999"), ("SELECT", "x"), ("GET", "c"))
    run(pair, ("MULTI",), ("SET", "d", "4"), ("DISCARD",), ("GET", "d"), ("EXEC",))


@pytest.mark.parametrize("bad", [
    ("NOSUCH",), ("NOSUCH", "a", "b"), ("GET",), ("SET", "x"), ("WATCH",), ("EXEC", "x"), ("MULTI", "x"),
    ("DISCARD", "x"), ("UNWATCH", "x"), ("pubsub", "nosuch"), ("CONFIG",),
])
def test_queueing_errors_abort(pair, bad):
    run(pair, ("MULTI",), ("SET", "k", "v"), bad, ("SET", "k2", "v"), ("EXEC",), ("GET", "k"), ("EXEC",))


def test_rejected_exec(pair):
    run(pair, ("EXEC", "x"), ("MULTI",), ("SET", "k", "v"), ("EXEC", "x"), ("EXEC",), ("GET", "k"))
    run(pair, ("SUBSCRIBE", "c"), ("EXEC",), ("MULTI",), ("UNSUBSCRIBE",), ("EXEC",))


def test_abort_in_resp3(pair):
    resp3(pair)
    run(pair, ("MULTI",), ("NOSUCH",), ("EXEC",))


def test_runtime_errors_inside_exec(pair):
    tx(pair, ("SET", "s", "abc"), ("INCR", "s"), ("LPUSH", "s", "x"), ("GET", "s"), ("SET", "s", "a", "EX", "0"))


def test_pipelined_transaction(pair):
    pair.send_raw(encode_command("MULTI") + encode_command("SET", "p", "1") + encode_command("NOSUCH")
                  + encode_command("EXEC") + encode_command("MULTI") + encode_command("GET", "p")
                  + encode_command("EXEC"))


def test_blocking_commands_inside_multi(pair):
    tx(pair, ("BLPOP", "l", "0"), ("BZPOPMIN", "z", "0"), ("BLMOVE", "l", "m", "LEFT", "LEFT", "0"))


def test_blocked_client_served_after_exec(pair, pair_factory):
    waiter = pair_factory()
    waiter.ours.send(encode_command("BLPOP", "l", "0"))
    waiter.theirs.send(encode_command("BLPOP", "l", "0"))
    time.sleep(0.1)
    tx(pair, ("RPUSH", "l", "a"), ("LPOP", "l"), ("RPUSH", "l", "b", "c"))
    assert waiter.ours.read_reply() == waiter.theirs.read_reply()
    pair.run("LRANGE", "l", "0", "-1")


@pytest.mark.parametrize("proto", [2, 3])
def test_watch(pair, pair_factory, proto):
    other = pair_factory()
    if proto == 3:
        resp3(pair)
    run(pair, ("SET", "k", "1"), ("WATCH", "k"), ("WATCH", "k", "j"))
    tx(pair, ("SET", "k", "2"))
    run(pair, ("WATCH", "k"))
    other.run("SET", "k", "x")
    tx(pair, ("SET", "k", "mine"))
    run(pair, ("GET", "k"), ("WATCH", "k"))
    other.run("SET", "k", "x")
    run(pair, ("UNWATCH",))
    tx(pair, ("PING",))
    run(pair, ("WATCH", "k"))
    other.run("SET", "k", "y")
    run(pair, ("WATCH", "other"))
    tx(pair, ("PING",))
    run(pair, ("WATCH", "k"), ("MULTI",), ("DISCARD",))
    other.run("SET", "k", "z")
    tx(pair, ("PING",))
    run(pair, ("WATCH", "k"), ("SET", "k", "self"))
    tx(pair, ("PING",))


def test_watch_across_dbs(pair, pair_factory):
    other = pair_factory()
    run(pair, ("WATCH", "k"))
    other.run("SELECT", "1")
    other.run("SET", "k", "v")
    tx(pair, ("PING",))
    run(pair, ("SELECT", "1"), ("WATCH", "k"))
    other.run("SET", "k", "w")
    tx(pair, ("PING",))


@pytest.mark.parametrize("write", [
    ("SET", "k", "1"), ("DEL", "k"), ("DEL", "nokey"), ("EXPIRE", "k", "100"), ("PERSIST", "k"),
    ("RENAME", "k", "k2"), ("RENAME", "src", "k"), ("MOVE", "k", "5"), ("APPEND", "k", "x"), ("INCR", "n"),
    ("UNLINK", "k"), ("COPY", "src", "k", "REPLACE"), ("COPY", "src", "k"), ("GETDEL", "k"),
    ("SETRANGE", "k", "0", "x"), ("GETEX", "k", "EX", "100"), ("GETEX", "k"), ("FLUSHALL",), ("FLUSHDB",),
    ("SWAPDB", "0", "1"), ("SWAPDB", "1", "2"), ("LPUSH", "l", "x"), ("LPOP", "l"), ("SADD", "s", "x"),
    ("SADD", "s", "a"), ("SREM", "s", "a"), ("HSET", "h", "f", "v"), ("ZADD", "z", "1", "a"),
    ("ZADD", "z", "XX", "CH", "5", "nomember"), ("SINTERSTORE", "k", "nokey"), ("SORT", "l", "STORE", "k"),
    ("EXPIRE", "k", "-1"), ("PEXPIREAT", "k", "1"), ("SMOVE", "s", "s2", "a"),
])
def test_writes_and_watch(pair, pair_factory, write):
    other = pair_factory()
    other.run("SELECT", "1")
    other.run("SET", "k", "db1")
    other.run("SELECT", "0")
    run(pair, ("SET", "k", "1"), ("SET", "n", "1"), ("SET", "src", "s"))
    if write[0] == "PERSIST":
        pair.run("EXPIRE", "k", "1000")
    if write[0] in ("LPOP", "SORT"):
        pair.run("RPUSH", "l", "a", "b")
    if write[0] in ("SADD", "SREM", "SMOVE"):
        pair.run("SADD", "s", "a")
    run(pair, ("WATCH", "k", "n", "l", "s", "h", "z", "nokey"))
    other.run(*write)
    tx(pair, ("PING",))


def test_expired_watched_keys(pair, pair_factory):
    other = pair_factory()
    # Expires between WATCH and EXEC, untouched.
    run(pair, ("SET", "k", "v"), ("PEXPIRE", "k", "40"), ("WATCH", "k"))
    time.sleep(0.06)
    tx(pair, ("PING",))
    # Already expired at WATCH, then expired for real (read) or overwritten.
    for then in (("GET", "k"), ("SET", "k", "new"), ("FLUSHALL",), ("FLUSHDB",), ("DEL", "k"),
                 ("EXISTS", "k")):
        run(pair, ("SET", "k", "v"), ("PEXPIRE", "k", "1"))
        time.sleep(0.01)
        run(pair, ("WATCH", "k"))
        other.run(*then)
        tx(pair, ("PING",))
    # Two keys expired at WATCH; the second is then deleted by its expiry.
    run(pair, ("SET", "a", "v"), ("PEXPIRE", "a", "1"), ("SET", "b", "v"), ("PEXPIRE", "b", "1"))
    time.sleep(0.01)
    run(pair, ("WATCH", "a", "b"))
    other.run("GET", "b")
    tx(pair, ("PING",))


def test_swapdb_with_expired_keys(pair, pair_factory):
    other = pair_factory()
    # Missing here, expired in the db swapped in: still no change.
    other.run("SELECT", "1")
    other.run("SET", "k", "v")
    other.run("PEXPIRE", "k", "1")
    time.sleep(0.01)
    run(pair, ("WATCH", "k"))
    other.run("SWAPDB", "0", "1")
    tx(pair, ("PING",))
    # Missing on both sides.
    run(pair, ("WATCH", "zz"))
    other.run("SWAPDB", "0", "1")
    tx(pair, ("PING",))


def test_reset_discards_and_unwatches(pair, pair_factory):
    other = pair_factory()
    run(pair, ("WATCH", "k"), ("MULTI",), ("SET", "k", "q"), ("RESET",), ("EXEC",))
    other.run("SET", "k", "x")
    tx(pair, ("GET", "k"))


def test_transaction_with_select_and_subscribe(pair):
    tx(pair, ("SELECT", "2"), ("SET", "k", "v"), ("SUBSCRIBE", "c"), ("PING",), ("SSUBSCRIBE", "s"))
    run(pair, ("GET", "k"), ("UNSUBSCRIBE",), ("GET", "k"))
