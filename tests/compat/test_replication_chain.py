"""Chains of replicas mixing pyredis and redis-server, and pyredis replicating pyredis.

A pyredis in the middle of a chain forwards its master's stream verbatim, so
the last node's offset equals the first one's and ``DEBUG DIGEST`` agrees on
every node.
"""
import shutil

import pytest

from compat.test_replication_replica import (DEBUG, assert_same_data, fill_every_type, info,
                                             wait_for, write_stream)
from respclient import RawClient, parse
from serverproc import start_pyredis, start_redis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")


@pytest.fixture
def nodes():
    started = []

    def start(kind, *args):
        proc = (start_redis if kind == "redis" else start_pyredis)(
            *DEBUG, "--repl-diskless-sync-delay", "0", *args)
        client = RawClient(proc.port)
        started.append((proc, client))
        return proc, client

    yield start
    for proc, client in started:
        client.close()
        proc.stop()


def test_redis_to_pyredis_to_redis(nodes):
    aproc, a = nodes("redis")
    bproc, b = nodes("pyredis")
    cproc, c = nodes("redis")
    fill_every_type(a)
    assert b.cmd("REPLICAOF", "127.0.0.1", aproc.port) == b"+OK\r\n"
    assert_same_data(a, b)
    assert c.cmd("REPLICAOF", "127.0.0.1", bproc.port) == b"+OK\r\n"
    assert_same_data(b, c)
    write_stream(a)
    assert_same_data(a, b)
    assert_same_data(b, c)
    # The middle node forwards the stream as it came: one history, one offset.
    assert info(c)["master_replid"] == info(a)["master_replid"]
    # (The head's PINGs move its offset now and then: equal once they arrived.)
    wait_for(lambda: info(c)["master_repl_offset"] == info(a)["master_repl_offset"],
             what="the chain's end to reach the head's offset")
    # A broken link between pyredis and its redis-server replica resumes from pyredis's backlog.
    partial = int(info(b, "stats")["sync_partial_ok"])
    assert parse(b.cmd("CLIENT", "KILL", "TYPE", "replica")) == 1
    write_stream(a, "during")
    assert_same_data(a, b)
    assert_same_data(b, c)
    assert int(info(b, "stats")["sync_partial_ok"]) == partial + 1
    # Read again until equal: a key with a 1 ms TTL may be gone at the head before its DEL arrives.
    assert_same_data(a, c)


def test_pyredis_replicates_pyredis_and_promotion_keeps_the_chain(nodes):
    aproc, a = nodes("pyredis")
    bproc, b = nodes("pyredis")
    cproc, c = nodes("redis")
    fill_every_type(a)
    assert b.cmd("REPLICAOF", "127.0.0.1", aproc.port) == b"+OK\r\n"
    assert_same_data(a, b)
    write_stream(a)
    assert_same_data(a, b)
    assert c.cmd("REPLICAOF", "127.0.0.1", bproc.port) == b"+OK\r\n"
    assert_same_data(b, c)
    assert b.cmd("SET", "x", "1") == b"-READONLY You can't write against a read only replica.\r\n"
    # Promotion: the data stays, the old history stays valid for c, which continues partially.
    old = info(b)["master_replid"]
    assert b.cmd("REPLICAOF", "NO", "ONE") == b"+OK\r\n"
    assert info(b)["master_replid2"] == old
    assert b.cmd("SET", "after-promotion", "1") == b"+OK\r\n"
    write_stream(b, "promoted")
    assert_same_data(b, c)
    assert parse(c.cmd("GET", "after-promotion")) == b"1"
    assert int(info(b, "stats")["sync_full"]) == 1
