"""Cluster mode on one node: a pyredis started with cluster-enabled yes, driven by
redis-py's RedisCluster, redis-cli -c and raw sockets; nodes.conf across restarts."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest
import redis
from redis.cluster import RedisCluster

from respclient import RawClient
from serverproc import cluster_port, start_pyredis

from pyredis.cluster import SlotIndex, key_slot

NODE_LINE = re.compile(r"^([0-9a-f]{40}) :(\d+)@(\d+) myself,master - 0 0 (\d+) connected( .*)?$")


@pytest.fixture(scope="module")
def node():
    proc = start_pyredis("--cluster-enabled", "yes", port=cluster_port())
    yield proc
    proc.stop()


@pytest.fixture
def rc(node):
    client = RedisCluster(host=node.host, port=node.port)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def raw(node):
    client = RawClient(node.port)
    client.cmd("FLUSHALL")
    yield client
    client.close()


# ---- what a client sees -------------------------------------------------------
def test_one_node_owns_every_slot(node, raw):
    info = raw.cmd("CLUSTER", "INFO")
    assert b"cluster_state:ok\r\n" in info and b"cluster_slots_assigned:16384\r\n" in info
    nodes = raw.cmd("CLUSTER", "NODES").split(b"\r\n", 1)[1].decode()
    m = NODE_LINE.match(nodes.rstrip("\r\n").rstrip("\n"))
    assert m and int(m.group(2)) == node.port and int(m.group(3)) == node.port + 10000
    assert m.group(5) == " 0-16383"
    assert raw.cmd("CLUSTER", "MYID") == b"$40\r\n%s\r\n" % m.group(1).encode()
    assert b"cluster_enabled:1" in raw.cmd("INFO", "cluster")
    assert b"redis_mode:cluster" in raw.cmd("INFO", "server")


def test_redis_cluster_client_reads_and_writes_across_slots(rc):
    assert rc.set("foo", "bar") and rc.get("foo") == b"bar"
    keys = {("key%d" % i): str(i) for i in range(50)}
    assert len({key_slot(k.encode()) for k in keys}) > 40
    rc.mset_nonatomic(keys)
    assert rc.mget_nonatomic(list(keys)) == [v.encode() for v in keys.values()]
    assert rc.mget("{u}a", "{u}b", "{u}c") == [None, None, None]
    with pytest.raises(redis.exceptions.RedisClusterException):
        rc.mget("a", "b")
    assert rc.keyslot("foo") == key_slot(b"foo") == 12182
    assert rc.cluster_keyslot("{foo}bar") == 12182
    assert rc.dbsize() == 51


def test_redis_cluster_pipeline_and_script(rc):
    pipe = rc.pipeline()
    pipe.set("x", 1).incr("x").get("y").set("y", 5).lpush("l", "a", "b")
    assert pipe.execute() == [True, 2, None, True, 2]
    script = rc.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    assert script(keys=["counter"], args=[5]) == 5
    assert script(keys=["counter"], args=[2]) == 7
    assert rc.eval("return #KEYS", 2, "{s}a", "{s}b") == 2
    assert rc.eval("return redis.call('get', KEYS[1])", 1, "x") == b"2"


def test_redis_cli_follows_the_cluster(node):
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.skip("redis-cli is not installed")
    base = [cli, "-c", "-p", str(node.port)]
    assert subprocess.run(base + ["set", "clikey", "v1"], capture_output=True,
                          text=True, timeout=10).stdout.strip() == "OK"
    assert subprocess.run(base + ["get", "clikey"], capture_output=True,
                          text=True, timeout=10).stdout.strip() == "v1"
    out = subprocess.run(base + ["cluster", "keyslot", "clikey"], capture_output=True,
                         text=True, timeout=10).stdout.strip()
    assert int(out) == key_slot(b"clikey")
    check = subprocess.run([cli, "--cluster", "check", "127.0.0.1:%d" % node.port],
                           capture_output=True, text=True, timeout=20).stdout
    assert "[OK] All nodes agree about slots configuration." in check
    assert "[OK] All 16384 slots covered." in check


def test_crossslot_and_db_refusals(raw):
    cross = b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    assert raw.cmd("MSET", "a", "1", "b", "2") == cross
    assert raw.cmd("MSET", "{a}1", "1", "{a}2", "2") == b"+OK\r\n"
    assert raw.cmd("SELECT", "1") == b"-ERR SELECT is not allowed in cluster mode\r\n"
    assert raw.cmd("SELECT", "0") == b"+OK\r\n"
    assert raw.cmd("SWAPDB", "0", "1") == b"-ERR SWAPDB is not allowed in cluster mode\r\n"
    assert raw.cmd("MOVE", "a", "1") == b"-ERR MOVE is not allowed in cluster mode\r\n"
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("SET", "a", "1") == b"+QUEUED\r\n"
    assert raw.cmd("SET", "b", "1") == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == cross
    assert raw.cmd("EXEC") == b"-ERR EXEC without MULTI\r\n"
    assert raw.cmd("GET", "a") == b"$-1\r\n"


def test_slot_index_follows_writes_deletes_and_expiry(raw):
    slot = key_slot(b"t")
    for key in ("{t}a", "{t}b", "{t}c"):
        raw.cmd("SET", key, "1")
    raw.cmd("SET", "{t}gone", "1", "PX", "1")
    assert raw.cmd("CLUSTER", "COUNTKEYSINSLOT", slot) == b":4\r\n"
    raw.cmd("DEL", "{t}b")
    raw.cmd("RENAME", "{t}c", "{t}d")
    assert raw.cmd("CLUSTER", "GETKEYSINSLOT", slot, 10) in (
        b"*3\r\n$4\r\n{t}d\r\n$7\r\n{t}gone\r\n$4\r\n{t}a\r\n",
        b"*2\r\n$4\r\n{t}d\r\n$4\r\n{t}a\r\n")
    raw.cmd("SET", "other", "1")
    assert raw.cmd("CLUSTER", "COUNTKEYSINSLOT", key_slot(b"other")) == b":1\r\n"
    raw.cmd("FLUSHALL")
    assert raw.cmd("CLUSTER", "COUNTKEYSINSLOT", slot) == b":0\r\n"


def test_slot_index_unit():
    index = SlotIndex()
    for i in range(5):
        index.add(b"{x}%d" % i)
    slot = key_slot(b"x")
    assert index.count(slot) == 5
    assert index.keys(slot, 2) == [b"{x}4", b"{x}3"]
    index.remove(b"{x}4")
    index.remove(b"{x}missing")
    assert index.keys(slot, 10) == [b"{x}3", b"{x}2", b"{x}1", b"{x}0"]
    assert index.keys(slot, 0) == [] and index.count(slot + 1) == 0
    index.clear()
    assert index.count(slot) == 0 and index.slots[slot] is None


@pytest.mark.parametrize("key,slot", [(b"", 0), (b"123456789", 0x31C3 & 0x3FFF),
                                      (b"{user1000}.following", key_slot(b"user1000")),
                                      (b"foo{}{bar}", key_slot(b"foo{}{bar}")),
                                      (b"foo{{bar}}zap", key_slot(b"{bar")),
                                      (b"foo{bar}{zap}", key_slot(b"bar"))])
def test_key_slot_hash_tags(key, slot):
    assert key_slot(key) == slot


def test_cluster_disabled_without_the_option(r):
    with pytest.raises(redis.exceptions.ResponseError,
                       match="This instance has cluster support disabled"):
        r.execute_command("CLUSTER", "INFO")
    with pytest.raises(redis.exceptions.ResponseError,
                       match="This instance has cluster support disabled"):
        r.execute_command("READONLY")
    assert r.execute_command("SELECT", 1) is True


# ---- nodes.conf ---------------------------------------------------------------
def _read_conf(path):
    with open(path) as f:
        return f.read()


def test_nodes_conf_keeps_the_node_across_restarts():
    cwd = tempfile.mkdtemp(prefix="pyredis-cluster-")
    port = cluster_port()
    proc = start_pyredis("--cluster-enabled", "yes", "--cluster-config-file", "my-nodes.conf",
                         "--save", "", "--dbfilename", "dump.rdb", port=port, cwd=cwd)
    try:
        c = RawClient(proc.port)
        myid = c.cmd("CLUSTER", "MYID").split(b"\r\n")[1].decode()
        conf = _read_conf(os.path.join(cwd, "my-nodes.conf"))
        lines = conf.splitlines()
        assert lines[0] == "%s :%d@%d myself,master - 0 0 0 connected 0-16383" % (
            myid, port, port + 10000)
        assert lines[1] == "vars currentEpoch 0 lastVoteEpoch 0" and len(lines) == 2
        assert c.cmd("CLUSTER", "DELSLOTSRANGE", "10", "20") == b"+OK\r\n"
        assert c.cmd("CLUSTER", "BUMPEPOCH") == b"+BUMPED 1\r\n"
        assert c.cmd("SET", "{k}1", "v") == b"-CLUSTERDOWN The cluster is down\r\n"
        assert c.cmd("CLUSTER", "ADDSLOTS", "15") == b"+OK\r\n"
        assert c.cmd("CONFIG", "SET", "cluster-require-full-coverage", "no") == b"+OK\r\n"
        assert c.cmd("SET", "{k}1", "v") == b"+OK\r\n"
        assert c.cmd("SAVE") == b"+OK\r\n"
        assert _read_conf(os.path.join(cwd, "my-nodes.conf")).splitlines()[0].endswith(
            " 1 connected 0-9 15 21-16383")
        # A second node may not use the same file while this one runs.
        with pytest.raises(RuntimeError, match="already used by a different Redis Cluster node"):
            start_pyredis("--cluster-enabled", "yes", "--cluster-config-file", "my-nodes.conf",
                          cwd=cwd, port=cluster_port())
        c.close()
    finally:
        proc.stop()
    # Another port: the node is known by its id, and the file follows the new port.
    port = cluster_port()
    proc = start_pyredis("--cluster-enabled", "yes", "--cluster-config-file", "my-nodes.conf",
                         "--dbfilename", "dump.rdb", "--cluster-require-full-coverage", "no",
                         port=port, cwd=cwd)
    try:
        c = RawClient(proc.port)
        assert c.cmd("CLUSTER", "MYID") == b"$40\r\n%s\r\n" % myid.encode()
        assert b"cluster_my_epoch:1\r\n" in c.cmd("CLUSTER", "INFO")
        assert b"cluster_slots_assigned:16374\r\n" in c.cmd("CLUSTER", "INFO")
        # Keys loaded from the RDB are in the slot index.
        assert c.cmd("CLUSTER", "COUNTKEYSINSLOT", key_slot(b"k")) == b":1\r\n"
        assert c.cmd("CLUSTER", "GETKEYSINSLOT", key_slot(b"k"), "5") == b"*1\r\n$4\r\n{k}1\r\n"
        assert c.cmd("CLUSTER", "RESET", "HARD") == (
            b"-ERR CLUSTER RESET can't be called with master nodes containing keys\r\n")
        c.cmd("FLUSHALL")
        assert c.cmd("CLUSTER", "RESET", "HARD") == b"+OK\r\n"
        newid = c.cmd("CLUSTER", "MYID").split(b"\r\n")[1].decode()
        assert newid != myid
        assert _read_conf(os.path.join(cwd, "my-nodes.conf")) == (
            "%s :%d@%d myself,master - 0 0 0 connected\nvars currentEpoch 0 lastVoteEpoch 0\n"
            % (newid, port, port + 10000))
        c.close()
    finally:
        proc.stop()


def test_a_corrupt_nodes_conf_stops_the_start():
    cwd = tempfile.mkdtemp(prefix="pyredis-cluster-")
    with open(os.path.join(cwd, "nodes.conf"), "w") as f:
        f.write("this is not a cluster config\n")
    with pytest.raises(RuntimeError, match="corrupted cluster config file"):
        start_pyredis("--cluster-enabled", "yes", cwd=cwd, port=cluster_port())


def test_announced_address_and_hostname():
    proc = start_pyredis("--cluster-enabled", "yes", "--cluster-announce-ip", "10.1.2.3",
                         "--cluster-announce-port", "7000", "--cluster-announce-bus-port", "7100",
                         "--cluster-announce-hostname", "node-a", port=cluster_port())
    try:
        r = redis.Redis(port=proc.port)
        line = r.execute_command("CLUSTER", "NODES").decode()
        assert " 10.1.2.3:7000@7100,node-a myself,master " in line
        slots = r.execute_command("CLUSTER", "SLOTS")
        assert slots[0][2][:2] == [b"10.1.2.3", 7000]
        assert slots[0][2][3] == {b"hostname": b"node-a"}
        r.close()
    finally:
        proc.stop()


def _flags(client):
    info = client.cmd("CLIENT", "INFO").decode()
    return re.search(r" flags=(\S+) ", info).group(1)


def test_readonly_shows_in_client_list_until_readwrite_or_reset(raw):
    assert _flags(raw) == "N"
    assert raw.cmd("READONLY") == b"+OK\r\n"
    assert _flags(raw) == "r"
    assert raw.cmd("READWRITE") == b"+OK\r\n"
    assert _flags(raw) == "N"
    raw.cmd("READONLY")
    assert raw.cmd("RESET") == b"+RESET\r\n"
    assert _flags(raw) == "N"
    assert raw.cmd("ASKING") == b"+OK\r\n"
    assert _flags(raw) == "N"
