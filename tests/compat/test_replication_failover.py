"""FAILOVER between pyredis and a real redis-server 7.0.15, in both directions.

A failover pauses writes on the master, waits for the target to acknowledge the
master's offset, turns the master into a replica of the target and sends
``PSYNC <replid> <offset> FAILOVER``, on which the target promotes itself.
The end state is compared with ``DEBUG DIGEST`` on both nodes; the error
replies are compared byte for byte with a redis-server in the same position.
"""
import shutil
import time

import pytest

from respclient import RawClient, encode_command
from serverproc import cluster_port, start_pyredis, start_redis
from compat.test_replication_replica import (DEBUG, assert_same_data, caught_up, dataset, fill_every_type,
                                             info, wait_for)

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")


def _node(proc):
    return proc, RawClient(proc.port)


@pytest.fixture
def nodes():
    """Start nodes on demand; stop them all at the end."""
    started = []

    def start(kind, *args, port=None):
        # Masters sync their replicas at once, without diskless sync's delay.
        proc = (start_pyredis if kind == "pyredis" else start_redis)(
            *DEBUG, "--repl-diskless-sync-delay", "0", *args, port=port)
        node = _node(proc)
        started.append(node)
        return node

    yield start
    for proc, client in started:
        client.close()
        proc.stop()


def _linked_pair(nodes, master_kind, replica_kind, fill=True):
    mproc, m = nodes(master_kind)
    rproc, r = nodes(replica_kind)
    if fill:
        fill_every_type(m)
    assert r.cmd("REPLICAOF", "127.0.0.1", mproc.port) == b"+OK\r\n"
    wait_for(lambda: caught_up(m, r), what="replica caught up")
    wait_for(lambda: "state=online" in info(m).get("slave0", ""), what="replica online")
    return (mproc, m), (rproc, r)


def _failed_over(old, new):
    """old is a replica of new, linked and caught up; new is a master."""
    wait_for(lambda: info(new)["role"] == "master" and info(old)["role"] == "slave"
             and info(old).get("master_link_status") == "up", what="roles swapped")
    wait_for(lambda: info(old)["master_failover_state"] == "no-failover", what="failover state cleared")


@pytest.mark.parametrize("to,target", [(False, "redis"), (True, "redis"), (True, "pyredis")])
def test_pyredis_master_fails_over(nodes, to, target):
    (mproc, m), (rproc, r) = _linked_pair(nodes, "pyredis", target)
    before = dataset(m)
    args = ("FAILOVER", "TO", "127.0.0.1", rproc.port) if to else ("FAILOVER",)
    assert m.cmd(*args) == b"+OK\r\n"
    _failed_over(m, r)
    assert dataset(r) == before
    assert_same_data(r, m)
    # The new master's writes reach pyredis; pyredis refuses its own.
    assert r.cmd("SET", "after", "failover") == b"+OK\r\n"
    r.cmd("RPUSH", "after:list", "a", "b")
    assert_same_data(r, m)
    assert m.cmd("SET", "x", "y").startswith(b"-READONLY")
    # The old master continued the new master's history (no full resync).
    assert info(r)["master_replid2"] == info(m)["master_replid2"] or \
        info(r)["master_replid"] == info(m)["master_replid"]
    log = mproc.log()
    if to:
        assert "FAILOVER requested to 127.0.0.1:%d." % rproc.port in log
    else:
        assert "FAILOVER requested to any replica." in log
    assert "Failover target 127.0.0.1:%d is synced, failing over." % rproc.port in log
    assert "Connecting to MASTER 127.0.0.1:%d" % rproc.port in log
    assert "MASTER MODE enabled (failover request from 'id=" in rproc.log()


def test_redis_master_fails_over_to_pyredis_replica(nodes):
    (mproc, m), (rproc, r) = _linked_pair(nodes, "redis", "pyredis")
    before = dataset(m)
    assert m.cmd("FAILOVER", "TO", "127.0.0.1", rproc.port) == b"+OK\r\n"
    _failed_over(m, r)
    assert dataset(r) == before
    assert r.cmd("SET", "after", "failover") == b"+OK\r\n"
    r.cmd("HSET", "after:hash", "f", "v")
    assert_same_data(r, m)
    # The redis-server continued pyredis's new history with a partial resync.
    assert info(m)["master_replid"] == info(r)["master_replid"]
    assert "MASTER MODE enabled (failover request from 'id=" in rproc.log()


def test_writes_wait_during_failover_then_get_readonly(nodes):
    (mproc, m), (rproc, r) = _linked_pair(nodes, "pyredis", "redis", fill=False)
    writer = RawClient(mproc.port)
    try:
        assert m.cmd("FAILOVER") == b"+OK\r\n"
        writer.send(encode_command("SET", "held", "1"))
        _failed_over(m, r)
        # The write held by the pause runs on what is now a replica.
        assert writer.read_reply().startswith(b"-READONLY")
    finally:
        writer.close()


def _failover_errors(client, replica_port):
    """The replies of FAILOVER's argument and state checks."""
    out = [client.cmd("FAILOVER", "ABORT")]
    for args in (("TIMEOUT", "0"), ("TIMEOUT", "-1"), ("TIMEOUT", "x"), ("TO", "h", "x"),
                 ("TO", "h"), ("FORCE",), ("FORCE", "FORCE"), ("TIMEOUT", "10", "TIMEOUT", "10"),
                 ("TO", "127.0.0.1", "1"), ("TO", "127.0.0.1", replica_port, "FORCE"),
                 ("ABORT", "x"), ("bogus",)):
        out.append(client.cmd("FAILOVER", *args))
    return out


def test_error_replies_match_redis(nodes):
    (pm, p), (pr, _) = _linked_pair(nodes, "pyredis", "redis", fill=False)
    (rm, r), (rr, _) = _linked_pair(nodes, "redis", "redis", fill=False)
    assert _failover_errors(p, pr.port) == _failover_errors(r, rr.port)
    # A replica and a lone master refuse it.
    lone_p, lp = nodes("pyredis")
    lone_r, lr = nodes("redis")
    assert lp.cmd("FAILOVER") == lr.cmd("FAILOVER") == b"-ERR FAILOVER requires connected replicas.\r\n"


def test_abort_and_timeout_match_redis(nodes):
    for kind in ("pyredis", "redis"):
        (mproc, m), (rproc, r) = _linked_pair(nodes, kind, "redis", fill=False)
        # Held back: the replica cannot ACK while paused, so the target never catches up.
        rproc.proc.send_signal(19)
        try:
            m.cmd("SET", "moved", "on")
            assert m.cmd("FAILOVER", "TIMEOUT", "100000") == b"+OK\r\n"
            assert info(m)["master_failover_state"] == "waiting-for-sync"
            assert m.cmd("FAILOVER") == b"-ERR FAILOVER already in progress.\r\n"
            assert m.cmd("REPLICAOF", "127.0.0.1", "1") == \
                b"-ERR REPLICAOF not allowed while failing over.\r\n"
            other = RawClient(mproc.port)
            try:
                assert other.cmd("PSYNC", "?", "-1") == b"-NOMASTERLINK Can't SYNC while failing over\r\n"
            finally:
                other.close()
            # CLIENT UNPAUSE lifts only a CLIENT PAUSE: the write stays held until the abort.
            writer = RawClient(mproc.port)
            try:
                writer.send(encode_command("SET", "held", "1"))
                assert m.cmd("CLIENT", "UNPAUSE") == b"+OK\r\n"
                assert writer.read_all(wait=0.3) == b""
                assert m.cmd("FAILOVER", "ABORT") == b"+OK\r\n"
                assert writer.read_reply() == b"+OK\r\n"
            finally:
                writer.close()
            assert info(m)["master_failover_state"] == "no-failover"
            assert m.cmd("SET", "writable", "again") == b"+OK\r\n"
            assert m.cmd("FAILOVER", "TIMEOUT", "200") == b"+OK\r\n"
            wait_for(lambda: info(m)["master_failover_state"] == "no-failover", what="timeout")
            assert info(m)["role"] == "master"
            assert m.cmd("SET", "writable", "still") == b"+OK\r\n"
        finally:
            rproc.proc.send_signal(18)
        log = mproc.log()
        assert "FAILOVER requested to any replica." in log
        assert "FAILOVER to any replica aborted: Failover manually aborted" in log
        assert "FAILOVER to any replica aborted: Replica never caught up before timeout" in log


def test_force_fails_over_after_timeout(nodes):
    (mproc, m), (rproc, r) = _linked_pair(nodes, "pyredis", "redis")
    rproc.proc.send_signal(19)
    try:
        m.cmd("SET", "moved", "on")
        assert m.cmd("FAILOVER", "TO", "127.0.0.1", rproc.port, "FORCE", "TIMEOUT", "200") == b"+OK\r\n"
        time.sleep(0.5)
        assert info(m)["role"] == "slave"
    finally:
        rproc.proc.send_signal(18)
    _failed_over(m, r)
    assert_same_data(r, m)
    assert "FAILOVER to 127.0.0.1:%d time out exceeded, failing over." % rproc.port in mproc.log()


def test_refused_in_cluster_mode(nodes):
    _, p = nodes("pyredis", "--cluster-enabled", "yes", port=cluster_port())
    _, r = nodes("redis", "--cluster-enabled", "yes", port=cluster_port())
    for args in (("FAILOVER",), ("FAILOVER", "ABORT"), ("FAILOVER", "TIMEOUT", "0")):
        assert p.cmd(*args) == r.cmd(*args)
    assert p.cmd("FAILOVER") == b"-ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.\r\n"


def test_psync_on_an_unlinked_replica_matches_redis(nodes):
    replies = []
    for kind in ("pyredis", "redis"):
        _, c = nodes(kind)
        c.cmd("REPLICAOF", "127.0.0.1", "1")
        replies.append(c.cmd("PSYNC", "?", "-1"))
    assert replies[0] == replies[1] == b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
