"""A master that refuses PSYNC with an error: the replica falls back to SYNC as redis-server 7.0.15.

The history then has no ID (master_replid empty) and starts at offset -1, and
the replica sends no REPLCONF ACK (a pre-PSYNC master would not read it).
"""
import shutil
import time

import pytest

from fakemaster import FakeMaster
from respclient import RawClient, parse
from serverproc import start_pyredis, start_redis

from compat.test_replication_replica import DEBUG, dataset, fill_every_type, info, linked, wait_for, \
    write_stream

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")

STARTERS = {"redis": start_redis, "pyredis": start_pyredis}
FIELDS = ("role", "master_link_status", "slave_read_repl_offset", "slave_repl_offset", "master_replid",
          "master_replid2", "master_repl_offset", "second_repl_offset", "repl_backlog_active",
          "repl_backlog_first_byte_offset")


def good_rdb():
    proc = start_redis(*DEBUG)
    c = RawClient(proc.port)
    try:
        c.cmd("RPUSH", "mylist", "a", "b", "c")
        c.cmd("SET", "k", "v")
        c.cmd("SAVE")
        with open(proc.cwd + "/dump.rdb", "rb") as f:
            return f.read()
    finally:
        c.close()
        proc.stop()


def test_psync_error_falls_back_to_sync():
    payload = good_rdb()
    seen = {}
    for kind in ("redis", "pyredis"):
        fake = FakeMaster(payload, psync_reply=b"-ERR unknown command 'PSYNC'")
        proc = STARTERS[kind](*DEBUG, "--replicaof", "127.0.0.1", fake.port)
        c = RawClient(proc.port)
        try:
            wait_for(lambda: linked(c), what="the link")
            time.sleep(1.5)
            fields = info(c)
            role = c.cmd("ROLE").replace(b":%d\r\n" % fake.port, b":<port>\r\n")
            seen[kind] = ({k: fields[k] for k in FIELDS}, role, c.cmd("DBSIZE"),
                          [argv[0].lower() for argv in fake.commands])
            log = proc.log()
            assert "Master does not support PSYNC or is in error state (reply: -ERR unknown command " \
                   "'PSYNC')" in log
            assert "Retrying with SYNC..." in log
        finally:
            c.close()
            proc.stop()
            fake.close()
    assert seen["pyredis"][:2] == seen["redis"][:2]
    assert seen["pyredis"][2] == seen["redis"][2] == b":2\r\n"
    assert seen["pyredis"][3] == seen["redis"][3] == [b"ping", b"replconf", b"replconf", b"psync", b"sync"]
    assert seen["pyredis"][0]["master_replid"] == ""


# redis-server's diskless master waits for the replica's first ACK to stream, and
# drops an ACK read before it reaped the transfer's child: a SYNC replica sends
# only that one, so the link can stall there.  pyredis keeps the early ACK.
@pytest.mark.parametrize("master_kind,diskless", [("redis", "no"), ("pyredis", "no"), ("pyredis", "yes")])
def test_replica_of_a_master_without_psync_follows_its_stream(master_kind, diskless):
    mproc = STARTERS[master_kind](*DEBUG, "--rename-command", "PSYNC", "", "--repl-diskless-sync", diskless,
                                  "--repl-diskless-sync-delay", "0")
    rproc = start_pyredis(*DEBUG)
    m, r = RawClient(mproc.port), RawClient(rproc.port)
    try:
        fill_every_type(m)
        r.cmd("REPLICAOF", "127.0.0.1", mproc.port)
        wait_for(lambda: linked(r), what="the link")
        write_stream(m)
        # Compared as read: a key with a 1 ms TTL may expire on the master
        # between two reads, and its DEL reach the replica a moment later.
        deadline = time.time() + 15
        ours, theirs = dataset(r), dataset(m)
        while ours != theirs and time.time() < deadline:
            time.sleep(0.1)
            ours, theirs = dataset(r), dataset(m)
        assert ours == theirs
        assert parse(m.cmd("INFO", "replication")).count(b"slave0:") == 1
        assert "Retrying with SYNC..." in rproc.log()
    finally:
        m.close()
        r.close()
        # The replica first: a SYNC replica does not acknowledge the stream, so
        # a master stopped first would wait for it (shutdown-timeout).
        rproc.stop()
        mproc.stop()
