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
import time

import pytest

from respclient import RawClient
from serverproc import free_port, start_pyredis, start_redis

from compat.test_replication_replica import DEBUG, assert_same_data, caught_up, fill_every_type, info, \
    linked, wait_for, write_stream

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


def acked(m):
    """Every replica acknowledged the whole stream: a SHUTDOWN then adds no GETACK to it."""
    fields = info(m)
    offsets = [dict(kv.split("=") for kv in v.split(","))["offset"]
               for k, v in fields.items() if k.startswith("slave")]
    return offsets and all(o == fields["master_repl_offset"] for o in offsets)


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
    wait_for(lambda: acked(m.c), what="the replica's ACK")
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


def _dbsizes(c):
    sizes = []
    for db in range(4):
        c.cmd("SELECT", db)
        sizes.append(c.cmd("DBSIZE"))
    c.cmd("SELECT", "0")
    return sizes


@pytest.mark.parametrize("master_kind,replica_kind",
                         [("redis", "pyredis"), ("pyredis", "pyredis"), ("pyredis", "redis")])
def test_keys_expired_while_the_master_was_down_are_deleted_on_its_replicas(nodes, master_kind,
                                                                             replica_kind):
    """rdbLoad with RDBFLAGS_FEED_REPL: the restarted master leaves out keys already expired and
    streams a DEL for each after the file's offset, so a replica continuing partially drops them."""
    m = nodes(master_kind, *QUIET).start()
    r = nodes(replica_kind).start("--replicaof", "127.0.0.1", m.port)
    wait_for(lambda: linked(r.c), what="the first sync")
    m.c.cmd("SET", "keep", "1")
    m.c.cmd("SELECT", "2")
    # Long enough for the shutdown to come first (the replica's ACK can take a second).
    written = time.time()
    m.c.cmd("SET", "gone1", "1", "PX", "3000")
    m.c.cmd("SET", "keep2", "1")
    m.c.cmd("SELECT", "1")
    m.c.cmd("HSET", "gone2", "f", "v")
    m.c.cmd("PEXPIRE", "gone2", "3000")
    m.c.cmd("SELECT", "0")
    wait_for(lambda: acked(m.c), what="the replica's ACK")
    before = info(m.c)
    m.shutdown_save()
    time.sleep(max(0.0, written + 3.1 - time.time()))
    # The replica expires nothing itself: it still holds both keys.
    assert _dbsizes(r.c) == [b":1\r\n", b":1\r\n", b":2\r\n", b":0\r\n"]
    m.start()
    after = info(m.c)
    # SELECT 1, DEL gone2, SELECT 2, DEL gone1: 94 bytes after the file's offset.
    assert int(after["master_repl_offset"]) == int(before["master_repl_offset"]) + 94
    assert after["master_replid2"] == before["master_replid"]
    assert int(after["repl_backlog_histlen"]) == 94
    assert "Done loading RDB, keys loaded: 2, keys expired: 2." in m.proc.log()
    wait_for(lambda: caught_up(m.c, r.c), what="the replica to continue")
    assert syncs(m.c) == (0, 1)
    assert _dbsizes(r.c) == _dbsizes(m.c) == [b":1\r\n", b":0\r\n", b":1\r\n", b":0\r\n"]
    assert_same_data(m.c, r.c)


@pytest.mark.parametrize("kind", ["redis", "pyredis"])
def test_master_without_history_drops_the_expired_keys_backlog(nodes, kind):
    """Without repl-* fields the backlog made for the DELs is freed; their bytes stay in the offset."""
    m = nodes(kind).start()
    m.c.cmd("SET", "gone", "1", "PX", "300")
    m.c.cmd("SET", "keep", "1")
    assert m.c.cmd("SAVE") == b"+OK\r\n"
    m.stop()
    time.sleep(0.4)
    m.start()
    fields = info(m.c)
    # SELECT 0 and DEL gone, 23 bytes each.
    assert (fields["master_repl_offset"], fields["repl_backlog_active"],
            fields["repl_backlog_first_byte_offset"], fields["repl_backlog_histlen"]) == ("46", "0", "0", "0")


@pytest.mark.parametrize("kind", ["redis", "pyredis"])
def test_replica_loads_expired_keys_of_its_dump(nodes, kind):
    """Only a master expires keys while loading: a replica's master decides with its DELs."""
    from serverproc import free_port
    n = nodes(kind).start()
    n.c.cmd("SET", "gone", "1", "PX", "300")
    n.c.cmd("SET", "keep", "1")
    assert n.c.cmd("SAVE") == b"+OK\r\n"
    n.stop()
    time.sleep(0.4)
    # A master that is not there: the replica keeps what it loaded.
    n.start("--replicaof", "127.0.0.1", free_port())
    assert n.c.cmd("DBSIZE") == b":2\r\n"
    assert "Done loading RDB, keys loaded: 2, keys expired: 0." in n.proc.log()
