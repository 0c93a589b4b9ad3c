"""Pipelines that mix data commands with commands that change how the next ones run.

A batch of data commands runs without the per-request checks (dispatch.run_plain);
these pipelines switch between that path and the full one in the middle of a
single read, and must answer as redis-server does, byte for byte.
"""
import time

import pytest

from respclient import RawClient, encode_command


def _pipeline(*commands):
    return b"".join(encode_command(*cmd) for cmd in commands)


MIXED = [
    # A transaction opened and run between plain commands.
    [("SET", "a", "1"), ("MULTI",), ("INCR", "a"), ("GET", "a"), ("EXEC",), ("GET", "a")],
    # Rejected requests among plain ones: arity, unknown, wrong type, a
    # queued command with the wrong arity, then plain again.
    [("SET", "s", "x"), ("GET",), ("GET", "s", "t"), ("NOSUCH", "s"), ("INCR", "s"),
     ("LPUSH", "s", "v"), ("MULTI",), ("GET",), ("EXEC",), ("PING",), ("ECHO", "e")],
    # CLIENT REPLY SKIP silences exactly one plain command of the batch.
    [("SET", "k", "1"), ("CLIENT", "REPLY", "SKIP"), ("INCR", "k"), ("INCR", "k"), ("GET", "k")],
    # A subscribed RESP2 client may not run data commands, then may again.
    [("SET", "k", "v"), ("SUBSCRIBE", "ch"), ("GET", "k"), ("PING",), ("UNSUBSCRIBE", "ch"),
     ("GET", "k")],
    # SELECT and the data of another database, within one batch.
    [("SET", "k", "0"), ("SELECT", "1"), ("SET", "k", "1"), ("GET", "k"), ("SELECT", "0"),
     ("GET", "k"), ("FLUSHALL",), ("GET", "k")],
    # Errors a plain command raises leave the rest of the batch running.
    [("HSET", "h", "f", "v"), ("INCRBY", "h", "1"), ("HGET", "h", "f"),
     ("ZADD", "z", "nan", "m"), ("ZADD", "z", "1", "m"), ("ZSCORE", "z", "m")],
    # CONFIG SET in the middle of a batch.
    [("SET", "k", "v"), ("CONFIG", "SET", "latency-tracking", "no"), ("GET", "k"),
     ("CONFIG", "SET", "latency-tracking", "yes"), ("GET", "k")],
]


@pytest.mark.parametrize("commands", MIXED, ids=[" ".join(c[0] for c in cmds) for cmds in MIXED])
def test_mixed_pipeline(pair, commands):
    pair.send_raw(_pipeline(*commands))


def test_pipeline_ending_in_partial_request(pair):
    data = _pipeline(("SET", "k", "1"), ("INCR", "k"), ("GET", "k"))
    pair.send_raw(data + b"*2\r\n$3\r\nGET")
    pair.send_raw(b"\r\n$1\r\nk\r\n")


def test_protocol_error_after_plain_commands(pair):
    pair.send_raw(_pipeline(("SET", "k", "1"), ("INCR", "k")) + b"*1\r\n$x\r\n")
    assert pair.ours.is_closed()
    assert pair.theirs.is_closed()


def _blocked_pair(server):
    blocked = RawClient(server.port)
    blocked.send(encode_command("BLPOP", "q", "0"))
    return blocked


def test_write_that_wakes_a_blocked_client_mid_batch(server, real_redis, pair):
    """The woken client is served before the rest of the batch runs, as in Redis."""
    waiting = [_blocked_pair(s) for s in (server, real_redis)]
    time.sleep(0.2)
    replies = pair.send_raw(_pipeline(("RPUSH", "q", "a", "b"), ("LPOP", "q"), ("LLEN", "q"),
                                      ("RPUSH", "q", "c"), ("LRANGE", "q", "0", "-1")))
    assert replies == b":2\r\n$1\r\nb\r\n:0\r\n:1\r\n*1\r\n$1\r\nc\r\n"
    woken = [w.read_all() for w in waiting]
    assert woken[0] == woken[1] == b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"
    for w in waiting:
        w.close()


def test_commandstats_count_every_plain_command(server, pair):
    pair.run("CONFIG", "RESETSTAT")
    pair.send_raw(_pipeline(*[("INCR", "n")] * 50, ("GET",), ("INCR", "n", "x"), ("GET", "n"),
                            ("HSET", "n", "f", "v")))
    stats = pair.ours.cmd("INFO", "commandstats").decode()
    pair.theirs.cmd("INFO", "commandstats")
    assert "cmdstat_incr:calls=50," in stats
    assert "cmdstat_get:calls=1," in stats
    assert "rejected_calls=1,failed_calls=0" in stats.split("cmdstat_get:")[1].splitlines()[0]
    assert "failed_calls=1" in stats.split("cmdstat_hset:")[1].splitlines()[0]
    info = pair.ours.cmd("INFO", "stats").decode()
    theirs = pair.theirs.cmd("INFO", "stats").decode()

    def processed(text):
        return int(text.split("total_commands_processed:")[1].split()[0])
    # RESETSTAT leaves the command that ran it uncounted in both.
    assert processed(info) == processed(theirs)
