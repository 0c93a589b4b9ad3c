"""The master side against redis-server 7.0.15.

The stream: a raw replica doing ``PSYNC ? -1`` on pyredis and on redis-server
reads the same commands for the same writes (timestamps normalised, PINGs
left out).  Interop: a redis-server replica of pyredis syncs a dataset of
every type (disk and diskless), follows a stream of writes, resyncs
partially after its link is killed, and ends with the same DEBUG DIGEST.
"""
import os
import re
import shutil
import tempfile
import time

import pytest

from replstream import StreamReader, normalised
from respclient import RawClient
from serverproc import start_pyredis, start_redis

OPTS = ("--repl-diskless-sync", "no", "--enable-debug-command", "yes")


@pytest.fixture(scope="module")
def masters():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    ours = start_pyredis(*OPTS)
    theirs = start_redis(*OPTS)
    yield ours, theirs
    ours.stop()
    theirs.stop()


class StreamPair:
    def __init__(self, masters):
        self.procs = masters
        self.clients = [RawClient(p.port) for p in masters]
        for c in self.clients:
            c.cmd("FLUSHALL")
        self.readers = [StreamReader(p.port) for p in masters]

    def run(self, *args):
        replies = [c.cmd(*args) for c in self.clients]
        assert replies[0] == replies[1], (args, replies)
        return replies[0]

    def streams(self):
        """Both streams up to a marker write, compared; returns pyredis's."""
        self.run("SET", "__end__", "1")
        got = [normalised(r.until("SET", "__end__", "1")) for r in self.readers]
        assert got[0] == got[1], "\n  pyredis: %r\n  redis:   %r" % (got[0], got[1])
        return got[0]

    def close(self):
        for c in self.clients + self.readers:
            c.close()


@pytest.fixture
def sp(masters):
    p = StreamPair(masters)
    yield p
    p.close()


def test_fullresync_reply_shape(sp):
    for r in sp.readers:
        assert re.match(rb"^\+FULLRESYNC [0-9a-f]{40} \d+$", r.reply)
        assert r.rdb.startswith(b"REDIS0010")


def test_strings(sp):
    sp.run("SET", "s", "v")
    sp.run("APPEND", "s", "w")
    sp.run("INCR", "n")
    sp.run("INCRBYFLOAT", "f", "1.5")
    sp.run("SET", "e", "v", "EX", "100")
    sp.run("SETEX", "e2", "100", "v")
    sp.run("GETDEL", "s")
    sp.run("MSET", "a", "1", "b", "2")
    sp.run("GET", "a")
    out = sp.streams()
    assert out[0] == [b"SELECT", b"0"]


def test_lists(sp):
    sp.run("RPUSH", "l", "a", "b", "c")
    sp.run("LPOP", "l")
    sp.run("LMOVE", "l", "l2", "LEFT", "RIGHT")
    sp.run("LPOP", "missing")
    sp.run("LTRIM", "l", "0", "0")
    sp.run("BLPOP", "l", "0")
    sp.streams()


def test_hashes_sets_zsets(sp):
    sp.run("HSET", "h", "f", "v", "g", "w")
    sp.run("HINCRBYFLOAT", "h", "n", "2.5")
    sp.run("HDEL", "h", "f")
    sp.run("SADD", "s", "a", "b", "c")
    sp.run("SREM", "s", "a")
    sp.run("SMOVE", "s", "s2", "b")
    sp.run("ZADD", "z", "1", "a", "2", "b")
    sp.run("ZINCRBY", "z", "5", "a")
    sp.run("ZPOPMIN", "z")
    sp.run("ZUNIONSTORE", "z2", "1", "z")
    sp.streams()


def test_streams(sp):
    sp.run("XADD", "x", "1-1", "f", "v")
    sp.run("XADD", "x", "2-1", "f", "w")
    sp.run("XGROUP", "CREATE", "x", "g", "0")
    sp.run("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "x", ">")
    sp.run("XACK", "x", "g", "1-1")
    sp.run("XTRIM", "x", "MAXLEN", "1")
    sp.run("XDEL", "x", "2-1")
    sp.streams()


def test_expire_as_pexpireat(sp):
    sp.run("SET", "k", "v")
    sp.run("EXPIRE", "k", "100")
    sp.run("PEXPIRE", "k", "100000")
    sp.run("EXPIREAT", "k", "4000000000")
    sp.run("PERSIST", "k")
    sp.run("SET", "gone", "v", "PX", "1")
    time.sleep(0.05)
    sp.run("GET", "gone")
    out = sp.streams()
    assert [b"PEXPIREAT", b"k", b"<ms>"] in out
    assert [b"DEL", b"gone"] in out


def test_eval_propagates_effects(sp):
    sp.run("EVAL", "redis.call('SET', KEYS[1], 'x'); redis.call('INCR', 'cnt'); return 1", "1", "k")
    sp.run("EVAL", "return redis.call('GET', 'k')", "0")
    out = sp.streams()
    assert [b"MULTI"] in out and [b"EXEC"] in out
    assert not any(argv[0] == b"EVAL" for argv in out)


def test_multi_exec(sp):
    for c in sp.clients:
        c.cmd("MULTI")
        c.cmd("SET", "a", "1")
        c.cmd("INCR", "a")
        c.cmd("GET", "a")
    sp.run("EXEC")
    sp.streams()


def test_select(sp):
    for c in sp.clients:
        c.cmd("SELECT", "3")
    sp.run("SET", "in3", "v")
    for c in sp.clients:
        c.cmd("SELECT", "0")
    sp.run("SET", "in0", "v")
    out = sp.streams()
    assert [b"SELECT", b"3"] in out


def test_flushall(sp):
    sp.run("SET", "a", "1")
    sp.run("FLUSHALL")
    sp.run("FLUSHDB")
    sp.streams()


# ---- redis-server as a replica of pyredis ----------------------------------------------
def _start_replica(master_port, *args):
    return start_redis("--replicaof", "127.0.0.1", master_port, "--enable-debug-command", "yes", *args,
                       cwd=tempfile.mkdtemp(prefix="redis-replica-"))


def _wait(predicate, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _info(client, section="replication"):
    text = client.cmd("INFO", section).decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def _fill_every_type(c, prefix="", n=50):
    for i in range(n):
        c.cmd("SET", "%ss%d" % (prefix, i), "v%d" % i)
    c.cmd("RPUSH", prefix + "l", *["e%d" % i for i in range(n)])
    c.cmd("HSET", prefix + "h", *[x for i in range(n) for x in ("f%d" % i, str(i))])
    c.cmd("SADD", prefix + "set", *[str(i) for i in range(n)])
    c.cmd("SADD", prefix + "strset", *["m%d" % i for i in range(n)])
    c.cmd("ZADD", prefix + "z", *[x for i in range(n) for x in (str(i * 1.5), "m%d" % i)])
    for i in range(1, n):
        c.cmd("XADD", prefix + "x", "%d-1" % i, "f", str(i))
    c.cmd("XGROUP", "CREATE", prefix + "x", "g", "0")
    c.cmd("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", prefix + "x", ">")
    c.cmd("SET", prefix + "ttl", "v", "EX", "1000")
    c.cmd("PFADD", prefix + "hll", "a", "b", "c")
    c.cmd("SELECT", "2")
    c.cmd("SET", prefix + "db2", "v")
    c.cmd("SELECT", "0")


def _digests_equal(master, replica):
    def same():
        return master.cmd("DEBUG", "DIGEST") == replica.cmd("DEBUG", "DIGEST")
    return _wait(same, 10)


@pytest.mark.parametrize("diskless", ["no", "yes"])
def test_redis_replica_full_sync_stream_and_partial_resync(diskless):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    master = start_pyredis("--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0",
                           "--enable-debug-command", "yes")
    replica = None
    try:
        m = RawClient(master.port)
        _fill_every_type(m)
        replica = _start_replica(master.port)
        r = RawClient(replica.port)
        assert _wait(lambda: _info(r).get("master_link_status") == "up")
        assert _digests_equal(m, r)
        assert r.cmd("DBSIZE") == m.cmd("DBSIZE")
        # A stream of writes of every type.
        _fill_every_type(m, prefix="live:", n=20)
        m.cmd("EXPIRE", "live:l", "500")
        m.cmd("EVAL", "redis.call('INCR', KEYS[1]) return 1", "1", "live:n")
        m.cmd("DEL", "s1")
        assert _digests_equal(m, r)
        # WAIT sees the replica's acknowledgement.
        assert m.cmd("WAIT", "1", "5000") == b":1\r\n"
        # The link breaks; the replica continues with a partial resync.
        assert m.cmd("CLIENT", "KILL", "TYPE", "replica") == b":1\r\n"
        m.cmd("SET", "after-kill", "v")
        assert _wait(lambda: _info(r).get("master_link_status") == "up" and r.cmd("GET", "after-kill")
                     == b"$1\r\nv\r\n")
        assert _wait(lambda: "Successful partial resynchronization with master." in replica.log())
        stats = _info(m, "stats")
        assert stats["sync_full"] == "1"
        assert stats["sync_partial_ok"] == "1"
        assert _digests_equal(m, r)
        info = _info(m)
        assert info["connected_slaves"] == "1"
        assert info["slave0"].startswith("ip=127.0.0.1,port=%d,state=online," % replica.port)
        role = m.cmd("ROLE")
        assert role.startswith(b"*3\r\n$6\r\nmaster\r\n:")
        assert (b"$%d\r\n%d\r\n" % (len(str(replica.port)), replica.port)) in role
        assert info["master_replid"] == _info(r)["master_replid"]
    finally:
        if replica is not None:
            replica.stop()
        master.stop()


def test_two_replicas_share_a_disk_bgsave():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    # A slow save keeps the first BGSAVE running while the second replica attaches.
    master = start_pyredis("--repl-diskless-sync", "no", "--rdb-key-save-delay", "20000",
                           "--enable-debug-command", "yes")
    replicas = []
    try:
        m = RawClient(master.port)
        _fill_every_type(m, n=30)
        replicas.append(_start_replica(master.port))
        assert _wait(lambda: "Background saving started" in master.log())
        replicas.append(_start_replica(master.port))
        assert _wait(lambda: "Waiting for end of BGSAVE for SYNC" in master.log())
        m.cmd("SET", "during-sync", "v")
        for rp in replicas:
            r = RawClient(rp.port)
            assert _wait(lambda: _info(r).get("master_link_status") == "up", 60)
            assert _digests_equal(m, r)
        assert master.log().count("Background saving started") == 1
        assert _info(m, "stats")["sync_full"] == "2"
    finally:
        for rp in replicas:
            rp.stop()
        master.stop()


def test_oracle_wait_and_role_errors(masters):
    ours, theirs = masters
    a, b = RawClient(ours.port), RawClient(theirs.port)
    for args in [("WAIT", "x", "0"), ("WAIT", "0", "x"), ("WAIT", "0", "-1"), ("WAIT", "0", "1.5"),
                 ("WAIT", "0", "0"), ("REPLCONF", "foo", "bar"), ("REPLCONF", "listening-port"),
                 ("REPLCONF", "listening-port", "x"), ("REPLCONF", "rdb-only", "2"),
                 ("REPLCONF", "rdb-filter-only", "x"), ("REPLCONF", "rdb-filter-only", ""),
                 ("REPLCONF", "capa", "whatever"), ("REPLCONF", "ip-address", "x" * 300),
                 ("REPLCONF",), ("PSYNC", "a", "x"), ("CONFIG", "SET", "repl-backlog-size", "10"),
                 ("CONFIG", "GET", "repl-backlog-size"), ("CONFIG", "SET", "repl-backlog-size", "1mb")]:
        assert a.cmd(*args) == b.cmd(*args), args
    a.close()
    b.close()
