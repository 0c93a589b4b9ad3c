"""Restarts that keep a replication history: the RDB's repl-stream-db, repl-id and repl-offset.

A replica restarted from its own dump, and a master restarted from its own,
continue with a partial resync (+CONTINUE, sync_partial_ok on the master) as
redis-server 7.0.15 does; each implementation loads the other's dump with
those fields and continues from it.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from respclient import RawClient
from serverproc import free_port, start_pyredis, start_redis

from compat.test_replication_replica import DEBUG, assert_same_data, fill_every_type, info, linked, \
    wait_for, write_stream

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")

# No PING to replicas between a save and a stop: the dump then holds the replica's exact offset.
QUIET = ("--repl-ping-replica-period", "3600", "--repl-diskless-sync-delay", "0")
STARTERS = {"redis": start_redis, "pyredis": start_pyredis}


def repl_aux(path):
    """The repl-* aux fields of an RDB file, as redis-check-rdb reads them."""
    out = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True).stdout
    fields = {}
    for line in out.splitlines():
        if "AUX FIELD repl-" in line:
            key, _, value = line.split("AUX FIELD ", 1)[1].partition(" = ")
            fields[key] = value.strip("'")
    return fields


def syncs(m):
    stats = info(m, "stats")
    return int(stats["sync_full"]), int(stats["sync_partial_ok"])


class Node:
    def __init__(self, kind, *args, cwd=None, port=None):
        self.kind = kind
        self.args = args
        self.cwd = cwd or tempfile.mkdtemp(prefix="repl-restart-")
        self.port = port or free_port()
        self.proc = None
        self.c = None

    def start(self, *extra):
        self.proc = STARTERS[self.kind](*DEBUG, *self.args, *extra, port=self.port, cwd=self.cwd)
        self.c = RawClient(self.port)
        return self

    def stop(self):
        if self.c is not None:
            self.c.close()
            self.c = None
        if self.proc is not None:
            self.proc.stop()

    def shutdown_save(self):
        self.c.sock.sendall(b"SHUTDOWN SAVE\r\n")
        self.proc.proc.wait(15)
        self.stop()

    @property
    def dump(self):
        return os.path.join(self.cwd, "dump.rdb")


@pytest.fixture
def nodes():
    started = []

    def make(kind, *args, **kw):
        node = Node(kind, *args, **kw)
        started.append(node)
        return node
    yield make
    for node in started:
        node.stop()


@pytest.mark.parametrize("master_kind", ["redis", "pyredis"])
def test_restarted_replica_continues_partially(nodes, master_kind):
    m = nodes(master_kind, *QUIET).start()
    r = nodes("pyredis").start("--replicaof", "127.0.0.1", m.port)
    wait_for(lambda: linked(r.c), what="the first sync")
    fill_every_type(m.c)
    m.c.cmd("SELECT", "3")
    m.c.cmd("SET", "last", "db3")
    assert_same_data(m.c, r.c)
    assert r.c.cmd("SAVE") == b"+OK\r\n"
    aux = repl_aux(r.dump)
    fields = info(m.c)
    assert aux == {"repl-stream-db": "3", "repl-id": fields["master_replid"],
                   "repl-offset": fields["master_repl_offset"]}
    r.stop()
    write_stream(m.c, "while-down")
    full, partial = syncs(m.c)
    r.start("--replicaof", "127.0.0.1", m.port)
    assert_same_data(m.c, r.c)
    assert syncs(m.c) == (full, partial + 1)
    log = r.proc.log()
    assert "Before turning into a replica, using my own master parameters to synthesize a cached " \
           "master: I may be able to synchronize with the new master with just a partial transfer." in log
    assert "Trying a partial resynchronization (request %s:%d)." \
        % (fields["master_replid"], int(fields["master_repl_offset"]) + 1) in log
    assert "Successful partial resynchronization with master." in log


@pytest.mark.parametrize("replica_kind", ["redis", "pyredis"])
def test_master_restarted_from_its_dump_continues_partially(nodes, replica_kind):
    m = nodes("pyredis", *QUIET).start()
    r = nodes(replica_kind).start("--replicaof", "127.0.0.1", m.port)
    fill_every_type(m.c)
    assert_same_data(m.c, r.c)
    before = info(m.c)
    m.shutdown_save()
    m.start()
    after = info(m.c)
    offset = int(before["master_repl_offset"])
    assert after["master_replid2"] == before["master_replid"]
    assert after["master_replid"] != before["master_replid"]
    assert int(after["second_repl_offset"]) == offset + 1
    assert int(after["master_repl_offset"]) == offset
    assert after["repl_backlog_active"] == "1"
    assert int(after["repl_backlog_first_byte_offset"]) == offset + 1
    wait_for(lambda: info(m.c).get("connected_slaves") == "1", what="the replica to reconnect")
    write_stream(m.c, "after")
    assert_same_data(m.c, r.c)
    assert syncs(m.c) == (0, 1), m.proc.log()
    assert info(r.c)["master_replid"] == after["master_replid"]


def test_master_without_history_starts_without_backlog(nodes):
    """A dump saved with no replica ever attached records nothing: no backlog after the restart."""
    for kind in ("redis", "pyredis"):
        m = nodes(kind).start()
        m.c.cmd("SET", "k", "v")
        assert m.c.cmd("SAVE") == b"+OK\r\n"
        assert repl_aux(m.dump) == {}
        m.stop()
        m.start()
        fields = info(m.c)
        assert (fields["repl_backlog_active"], fields["master_replid2"], fields["second_repl_offset"]) == \
            ("0", "0" * 40, "-1")


def test_each_implementation_continues_from_the_others_dump(nodes):
    m = nodes("redis", *QUIET).start()
    ours = nodes("pyredis").start("--replicaof", "127.0.0.1", m.port)
    theirs = nodes("redis").start("--replicaof", "127.0.0.1", m.port)
    fill_every_type(m.c)
    assert_same_data(m.c, ours.c)
    assert_same_data(m.c, theirs.c)
    for node in (ours, theirs):
        assert node.c.cmd("SAVE") == b"+OK\r\n"
        node.stop()
    assert repl_aux(ours.dump) == repl_aux(theirs.dump) != {}
    write_stream(m.c, "while-down")
    full, partial = syncs(m.c)
    # Each restarts from the other's file.
    ours_dump = open(ours.dump, "rb").read()
    shutil.copy(theirs.dump, ours.dump)
    with open(theirs.dump, "wb") as f:
        f.write(ours_dump)
    ours.start("--replicaof", "127.0.0.1", m.port)
    theirs.start("--replicaof", "127.0.0.1", m.port)
    assert_same_data(m.c, ours.c)
    assert_same_data(m.c, theirs.c)
    assert syncs(m.c) == (full, partial + 2)


def test_replication_rdb_carries_the_history(nodes):
    """The RDB of a full sync records the master's replid, offset and selected db, as redis-server's."""
    from replstream import StreamReader
    for kind in ("redis", "pyredis"):
        for diskless in ("yes", "no"):
            m = nodes(kind, "--repl-diskless-sync", diskless, *QUIET).start()
            m.c.cmd("SELECT", "5")
            m.c.cmd("SET", "k", "v")
            first = StreamReader(m.port, capa=("eof", "psync2"))
            second = StreamReader(m.port, capa=("eof", "psync2"))
            path = os.path.join(m.cwd, "got.rdb")
            with open(path, "wb") as f:
                f.write(second.rdb)
            replid = info(m.c)["master_replid"]
            assert repl_aux(path) == {"repl-stream-db": "0", "repl-id": replid,
                                      "repl-offset": str(second.offset)}, (kind, diskless)
            first.close()
            second.close()
            m.stop()
