"""pyredis as a replica of a real redis-server 7.0.15: sync, stream, resync, errors, promotion.

Each test compares the end state with ``DEBUG DIGEST`` and ``DBSIZE`` of every
db, so any key the replica missed or applied wrongly fails it.  Replies a
replica gives its own clients are compared byte for byte with a redis-server
replica of the same master.
"""
import shutil
import time

import pytest

from compat.conftest import Pair
from respclient import RawClient, parse
from serverproc import start_pyredis, start_redis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")

DEBUG = ("--enable-debug-command", "yes")


def wait_for(cond, timeout=15.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def info(client, section="replication"):
    text = parse(client.cmd("INFO", section)).decode()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def linked(replica):
    return info(replica).get("master_link_status") == "up"


def caught_up(master, replica):
    """The replica applied everything the master sent."""
    m, r = info(master), info(replica)
    return r.get("master_link_status") == "up" and \
        r.get("slave_repl_offset") == m["master_repl_offset"]


def dataset(client):
    out = [parse(client.cmd("DEBUG", "DIGEST"))]
    for db in range(16):
        client.cmd("SELECT", db)
        out.append(parse(client.cmd("DBSIZE")))
    client.cmd("SELECT", 0)
    return out


def assert_same_data(master, replica):
    """Equal once caught up (the master may expire a key between the two reads: read again)."""
    deadline = time.time() + 15
    while True:
        wait_for(lambda: caught_up(master, replica), what="the replica to catch up")
        ours, theirs = dataset(replica), dataset(master)
        if ours == theirs or time.time() > deadline:
            break
        time.sleep(0.1)
    assert ours == theirs


def fill_every_type(c, prefix=""):
    p = prefix
    c.cmd("SET", p + "str", "hello")
    c.cmd("SET", p + "int", "12345")
    c.cmd("SET", p + "big", "x" * 5000)
    c.cmd("RPUSH", p + "list", *[str(i) for i in range(20)])
    c.cmd("RPUSH", p + "biglist", *["v" * 100 + str(i) for i in range(200)])
    c.cmd("SADD", p + "intset", *[str(i) for i in range(10)])
    c.cmd("SADD", p + "set", "a", "b", "c")
    c.cmd("HSET", p + "hash", "f1", "v1", "f2", "2")
    c.cmd("HSET", p + "bighash", *[x for i in range(300) for x in ("f%d" % i, "v" * 80)])
    c.cmd("ZADD", p + "zset", "1", "a", "2.5", "b", "-3", "c")
    c.cmd("ZADD", p + "bigzset", *[x for i in range(200) for x in (str(i), "m" * 70 + str(i))])
    c.cmd("XADD", p + "stream", "1-1", "f", "v")
    c.cmd("XADD", p + "stream", "2-1", "g", "w")
    c.cmd("XGROUP", "CREATE", p + "stream", "grp", "0")
    c.cmd("XREADGROUP", "GROUP", "grp", "alice", "COUNT", "1", "STREAMS", p + "stream", ">")
    c.cmd("PFADD", p + "hll", "a", "b", "c")
    c.cmd("SETBIT", p + "bits", "100", "1")
    c.cmd("SET", p + "ttl", "v", "EX", "1000")
    c.cmd("SELECT", "3")
    c.cmd("SET", p + "in3", "three")
    c.cmd("HSET", p + "h3", "a", "1")
    c.cmd("SELECT", "0")


def write_stream(c, prefix="w"):
    """Writes of every type, as a client sends them, including the ones Redis rewrites."""
    p = prefix
    c.cmd("SET", p + "s", "1")
    c.cmd("INCR", p + "s")
    c.cmd("INCRBYFLOAT", p + "f", "1.5")
    c.cmd("APPEND", p + "s", "x")
    c.cmd("SETEX", p + "ex", "100", "v")
    c.cmd("SET", p + "px", "v", "PX", "100000")
    c.cmd("GETEX", p + "px", "EX", "500")
    c.cmd("LPUSH", p + "l", "a", "b", "c")
    c.cmd("RPOP", p + "l")
    c.cmd("LINSERT", p + "l", "BEFORE", "a", "z")
    c.cmd("LMOVE", p + "l", p + "l2", "LEFT", "RIGHT")
    c.cmd("SADD", p + "set", "1", "2", "3", "4")
    c.cmd("SPOP", p + "set")
    c.cmd("SREM", p + "set", "1")
    c.cmd("HSET", p + "h", "a", "1", "b", "2")
    c.cmd("HINCRBYFLOAT", p + "h", "a", "0.25")
    c.cmd("HDEL", p + "h", "b")
    c.cmd("ZADD", p + "z", "1", "a", "2", "b")
    c.cmd("ZINCRBY", p + "z", "3", "a")
    c.cmd("ZPOPMIN", p + "z")
    c.cmd("XADD", p + "x", "*", "f", "v")
    c.cmd("XADD", p + "x", "MAXLEN", "1", "*", "f", "w")
    c.cmd("PFADD", p + "hll", "x", "y")
    c.cmd("EVAL", "redis.call('SET', KEYS[1], 'lua'); redis.call('INCR', KEYS[2]); return 1", "2",
          p + "lua", p + "luacount")
    c.cmd("MULTI")
    c.cmd("SET", p + "m1", "a")
    c.cmd("INCR", p + "m2")
    c.cmd("LPUSH", p + "ml", "x")
    c.cmd("EXEC")
    c.cmd("SELECT", "5")
    c.cmd("SET", p + "in5", "five")
    c.cmd("EXPIRE", p + "in5", "1000")
    c.cmd("SELECT", "0")
    c.cmd("SET", p + "short", "v", "PX", "1")
    c.cmd("RENAME", p + "s", p + "renamed")
    c.cmd("DEL", p + "h")
    c.cmd("PERSIST", p + "ex")
    c.cmd("COPY", p + "z", p + "zcopy")


@pytest.fixture
def master():
    proc = start_redis(*DEBUG, "--repl-diskless-sync-delay", "0")
    client = RawClient(proc.port)
    yield proc, client
    client.close()
    proc.stop()


@pytest.fixture
def replica():
    proc = start_pyredis(*DEBUG)
    client = RawClient(proc.port)
    yield proc, client
    client.close()
    proc.stop()


def test_full_sync_then_stream_flushall_and_expiry(master, replica):
    mproc, m = master
    rproc, r = replica
    fill_every_type(m)
    r.cmd("SET", "stale", "replaced by the sync")
    assert r.cmd("REPLICAOF", "127.0.0.1", mproc.port) == b"+OK\r\n"
    assert_same_data(m, r)
    assert r.cmd("EXISTS", "stale") == b":0\r\n"
    write_stream(m)
    assert_same_data(m, r)
    m.cmd("FLUSHALL")
    write_stream(m, "after")
    assert_same_data(m, r)
    log = rproc.log()
    for line in ("Connecting to MASTER 127.0.0.1:%d" % mproc.port, "MASTER <-> REPLICA sync started",
                 "Master replied to PING, replication can continue...",
                 "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk",
                 "MASTER <-> REPLICA sync: Flushing old data",
                 "MASTER <-> REPLICA sync: Loading DB in memory",
                 "MASTER <-> REPLICA sync: Finished with success"):
        assert line in log


def test_disk_based_master_sends_length_prefixed_rdb(replica):
    mproc = start_redis(*DEBUG, "--repl-diskless-sync", "no")
    m = RawClient(mproc.port)
    try:
        rproc, r = replica
        fill_every_type(m)
        r.cmd("REPLICAOF", "127.0.0.1", mproc.port)
        assert_same_data(m, r)
        write_stream(m)
        assert_same_data(m, r)
        assert "bytes from master to disk" in rproc.log()
    finally:
        m.close()
        mproc.stop()


def test_diskless_load_to_parser(master):
    mproc, m = master
    rproc = start_pyredis(*DEBUG, "--repl-diskless-load", "swapdb")
    r = RawClient(rproc.port)
    try:
        fill_every_type(m)
        r.cmd("REPLICAOF", "127.0.0.1", mproc.port)
        assert_same_data(m, r)
        assert "receiving streamed RDB from master with EOF to parser" in rproc.log()
    finally:
        r.close()
        rproc.stop()


def test_link_break_resyncs_partially(master, replica):
    mproc, m = master
    rproc, r = replica
    fill_every_type(m)
    r.cmd("REPLICAOF", "127.0.0.1", mproc.port)
    assert_same_data(m, r)
    partial = int(info(m, "stats")["sync_partial_ok"])
    assert parse(m.cmd("CLIENT", "KILL", "TYPE", "replica")) == 1
    write_stream(m, "during")
    assert_same_data(m, r)
    assert int(info(m, "stats")["sync_partial_ok"]) == partial + 1
    # The replica side may drop the link too (CLIENT KILL TYPE master).
    assert parse(r.cmd("CLIENT", "KILL", "TYPE", "master")) == 1
    write_stream(m, "again")
    assert_same_data(m, r)
    assert int(info(m, "stats")["sync_partial_ok"]) == partial + 2
    assert int(info(m, "stats")["sync_full"]) == 1
    assert "Caching the disconnected master state." in rproc.log()


def test_master_restart_resyncs_fully(replica):
    rproc, r = replica
    mproc = start_redis(*DEBUG, "--repl-diskless-sync-delay", "0")
    port = mproc.port
    m = RawClient(port)
    fill_every_type(m)
    r.cmd("REPLICAOF", "127.0.0.1", port)
    assert_same_data(m, r)
    m.close()
    mproc.stop()
    wait_for(lambda: not linked(r), what="the link to go down")
    fields = info(r)
    assert fields["master_link_status"] == "down"
    assert int(fields["master_link_down_since_seconds"]) >= 0
    # Still served while the master is away (replica-serve-stale-data yes).
    assert r.cmd("GET", "str") == b"$5\r\nhello\r\n"
    mproc = start_redis(*DEBUG, "--repl-diskless-sync-delay", "0", port=port)
    m = RawClient(port)
    try:
        m.cmd("SET", "new", "master")
        assert_same_data(m, r)
        assert r.cmd("GET", "str") == b"$-1\r\n"
    finally:
        m.close()
        mproc.stop()


def test_masterauth_with_requirepass_master(replica):
    rproc, r = replica
    mproc = start_redis(*DEBUG, "--requirepass", "secret", "--repl-diskless-sync-delay", "0")
    m = RawClient(mproc.port)
    try:
        m.cmd("AUTH", "secret")
        m.cmd("SET", "k", "v")
        r.cmd("CONFIG", "SET", "masterauth", "wrong")
        r.cmd("REPLICAOF", "127.0.0.1", mproc.port)
        wait_for(lambda: "Unable to AUTH to MASTER: -WRONGPASS" in rproc.log(), what="the AUTH error")
        assert not linked(r)
        r.cmd("CONFIG", "SET", "masterauth", "secret")
        assert_same_data(m, r)
        assert r.cmd("GET", "k") == b"$1\r\nv\r\n"
    finally:
        m.close()
        mproc.stop()


def test_promotion_keeps_data_and_shifts_replid(master, replica):
    mproc, m = master
    rproc, r = replica
    fill_every_type(m)
    r.cmd("REPLICAOF", "127.0.0.1", mproc.port)
    assert_same_data(m, r)
    before = dataset(r)
    old = info(r)
    assert r.cmd("REPLICAOF", "NO", "ONE") == b"+OK\r\n"
    new = info(r)
    assert new["role"] == "master"
    assert new["master_replid2"] == old["master_replid"]
    assert new["master_replid"] != old["master_replid"]
    assert int(new["second_repl_offset"]) == int(old["master_repl_offset"]) + 1
    assert dataset(r) == before
    assert r.cmd("SET", "written", "after promotion") == b"+OK\r\n"
    assert "MASTER MODE enabled (user request from 'id=" in rproc.log()


@pytest.fixture
def two_replicas(master, replica):
    """A redis-server replica and a pyredis replica of one redis-server master, linked."""
    mproc, m = master
    rproc, r = replica
    theirs = start_redis(*DEBUG)
    t = RawClient(theirs.port)
    t.cmd("REPLICAOF", "127.0.0.1", mproc.port)
    r.cmd("REPLICAOF", "127.0.0.1", mproc.port)
    m.cmd("SET", "k", "v")
    m.cmd("RPUSH", "l", "a")
    m.cmd("FUNCTION", "LOAD", "#!lua name=lib\n"
          "redis.register_function('w', function(keys) return redis.call('SET', keys[1], 'f') end)\n"
          "redis.register_function{function_name='r', callback=function(keys) "
          "return redis.call('GET', keys[1]) end, flags={'no-writes'}}\n"
          "redis.register_function{function_name='s', callback=function(keys) "
          "return redis.call('GET', keys[1]) end, flags={'no-writes', 'allow-stale'}}")
    wait_for(lambda: caught_up(m, r) and caught_up(m, t), what="both replicas")
    pair = Pair(rproc, theirs)
    yield m, pair, r, t
    pair.close()
    t.close()
    theirs.stop()


def test_info_replication_matches_redis(two_replicas):
    m, pair, r, t = two_replicas
    # Fields whose values depend on timing or on when each replica created its backlog.
    varying = {"master_last_io_seconds_ago", "repl_backlog_first_byte_offset", "repl_backlog_histlen",
               "master_link_down_since_seconds"}

    def fields(client):
        return [(k, None if k in varying else v) for k, v in info(client).items()]
    assert fields(r) == fields(t)
    pair.run("CONFIG", "GET", "replicaof")
    pair.run("CONFIG", "GET", "slaveof")
    pair.run("REPLICAOF", "127.0.0.1", "1")
    wait_for(lambda: not linked(r) and not linked(t), what="both links down")
    assert fields(r) == fields(t)
    pair.run("CONFIG", "GET", "replicaof")
    pair.run("REPLICAOF", "NO", "ONE")
    pair.run("CONFIG", "GET", "replicaof")
    assert [k for k, _ in fields(r)] == [k for k, _ in fields(t)]


def test_replica_replies_match_redis(two_replicas):
    m, pair, r, t = two_replicas
    port = int(info(r)["master_port"])
    pair.run("SET", "k", "x")
    pair.run("LPUSH", "l", "b")
    pair.run("GET", "k")
    pair.run("LRANGE", "l", "0", "-1")
    pair.run("REPLICAOF", "127.0.0.1", str(port))
    pair.run("REPLICAOF", "127.0.0.1", "abc")
    pair.run("REPLICAOF", "127.0.0.1", "65536")
    pair.run("REPLICAOF", "127.0.0.1", "-1")
    pair.run("SLAVEOF", "127.0.0.1", str(port))
    pair.run("REPLICAOF", "x")
    pair.run("MULTI")
    pair.run("SET", "k", "y")
    pair.run("GET", "k")
    pair.run("EXEC")
    pair.run("MULTI")
    pair.run("REPLICAOF", "127.0.0.1", str(port))
    pair.run("EXEC")
    pair.run("EVAL", "return redis.call('SET', 'k', 'z')", "0")
    pair.run("EVAL", "return redis.pcall('SET', 'k', 'z')", "0")
    pair.run("EVAL", "return redis.call('GET', 'k')", "0")
    pair.run("EVAL", "#!lua\nreturn redis.call('GET', 'k')", "0")
    pair.run("EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', 'k')", "0")
    pair.run("FCALL", "nosuch", "0")
    pair.run("FCALL", "w", "1", "k")
    pair.run("FCALL", "r", "1", "k")
    pair.run("FCALL_RO", "w", "1", "k")
    pair.run("FAILOVER")
    pair.run("FAILOVER", "ABORT")
    pair.run("FAILOVER", "TIMEOUT", "0")
    pair.run("FAILOVER", "TO", "h")
    pair.run("CONFIG", "SET", "replica-read-only", "no")
    pair.run("SET", "local", "1")
    pair.run("GET", "local")
    pair.run("CONFIG", "SET", "replica-read-only", "yes")
    pair.run("DEL", "local")


def test_replica_sees_expired_keys_as_gone_until_master_deletes(two_replicas):
    m, pair, r, t = two_replicas
    m.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    m.cmd("SET", "soon", "v", "PX", "100")
    wait_for(lambda: caught_up(m, r) and caught_up(m, t), what="both replicas")
    time.sleep(0.2)
    pair.run("GET", "soon")
    pair.run("EXISTS", "soon")
    pair.run("TTL", "soon")
    # Not deleted: the key still counts until the master's DEL arrives.
    pair.run("DBSIZE")
    assert m.cmd("GET", "soon") == b"$-1\r\n"
    wait_for(lambda: caught_up(m, r) and caught_up(m, t), what="the master's DEL")
    pair.run("DBSIZE")


def test_writable_replica_expires_its_own_keys(two_replicas):
    m, pair, r, t = two_replicas
    pair.run("CONFIG", "SET", "replica-read-only", "no")
    pair.run("SET", "own", "v", "PX", "100")
    pair.run("SET", "own2", "v")
    pair.run("PEXPIRE", "own2", "150")
    pair.run("DBSIZE")
    time.sleep(0.4)
    pair.run("GET", "own")
    pair.run("DBSIZE")
    m.cmd("SET", "from-master", "1")
    wait_for(lambda: caught_up(m, r) and caught_up(m, t), what="both replicas")
    pair.run("DBSIZE")
    pair.run("CONFIG", "SET", "replica-read-only", "yes")


def test_masterdown_when_stale_data_is_refused(two_replicas):
    m, pair, r, t = two_replicas
    pair.run("CONFIG", "SET", "replica-serve-stale-data", "no")
    pair.run("GET", "k")
    pair.run("REPLICAOF", "127.0.0.1", "1")
    wait_for(lambda: not linked(r) and not linked(t), what="both links down")
    pair.run("GET", "k")
    pair.run("MULTI")
    pair.run("GET", "k")
    pair.run("PING")
    pair.run("EXEC")
    pair.run("ECHO", "x")
    pair.run("FCALL", "r", "1", "k")
    pair.run("FCALL", "s", "1", "k")
    pair.run("EVAL", "return 1", "0")
    pair.run("EVAL", "#!lua flags=no-writes\nreturn 1", "0")
    pair.run("EVAL", "#!lua flags=no-writes,allow-stale\nreturn 1", "0")
    pair.run("CONFIG", "SET", "replica-serve-stale-data", "yes")
    pair.run("GET", "k")
    pair.run("REPLICAOF", "NO", "ONE")
    pair.run("SET", "k", "mine")


def test_master_client_in_client_list_matches_redis(two_replicas):
    """The master's link as CLIENT LIST shows it: flags=M, user=(superuser), its address and db."""
    m, pair, r, t = two_replicas
    m.cmd("SELECT", "4")
    m.cmd("SET", "k", "v")
    m.cmd("SELECT", "0")
    wait_for(lambda: caught_up(m, r) and caught_up(m, t), what="both replicas")
    # Sizes, ids, ages and the last command (the master's PINGs come at their own times) differ.
    kept = ("addr", "fd", "name", "flags", "db", "sub", "psub", "ssub", "multi", "events", "user",
            "redir", "resp")

    def master_line(client):
        lines = [ln for ln in parse(client.cmd("CLIENT", "LIST", "TYPE", "master")).decode().splitlines()]
        assert len(lines) == 1
        fields = dict(part.split("=", 1) for part in lines[0].split(" "))
        return {k: fields[k] for k in kept if k != "fd"}
    ours = master_line(r)
    assert ours == master_line(t)
    assert (ours["flags"], ours["user"], ours["db"]) == ("M", "(superuser)", "4")
