"""Cluster mode on one node, byte for byte against a one-node redis-server cluster.

The redis-server is started with cluster-enabled and given every slot with
CLUSTER ADDSLOTSRANGE 0 16383 (pyredis owns them from the start).  Node ids and
ports differ between the two, so those (and only those) are normalised.
"""
import shutil
import time

import pytest

from respclient import RawClient
from serverproc import cluster_port, start_pyredis, start_redis

CROSSSLOT = b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"


def normalise(raw, myid, port):
    """``raw`` with this server's node id and ports replaced, lengths recomputed."""
    out = []

    def text(data):
        data = data.replace(myid, b"<id>")
        return data.replace(b":%d@%d" % (port, port + 10000), b":<port>@<bus>")

    def walk(pos):
        end = raw.index(b"\r\n", pos)
        kind, head, nxt = raw[pos:pos + 1], raw[pos + 1:end], end + 2
        if kind in b"$=" and int(head) >= 0:
            n = int(head)
            body = text(raw[nxt:nxt + n])
            out.append(b"%s%d\r\n%s\r\n" % (kind, len(body), body))
            return nxt + n + 2
        if kind in b"*~%>" and int(head) >= 0:
            out.append(raw[pos:nxt])
            n = int(head) * (2 if kind == b"%" else 1)
            for _ in range(n):
                nxt = walk(nxt)
            return nxt
        if kind == b":" and int(head) == port:
            out.append(b":<port>\r\n")
            return nxt
        out.append(raw[pos:nxt])
        return nxt

    walk(0)
    return b"".join(out)


class ClusterPair:
    """A raw connection to each one-node cluster; ``run`` compares normalised replies."""

    def __init__(self, ours, theirs):
        self.servers = (ours, theirs)
        self.ours = RawClient(ours.port)
        self.theirs = RawClient(theirs.port)
        self.ids = [self._myid(c) for c in (self.ours, self.theirs)]

    @staticmethod
    def _myid(client):
        raw = client.cmd("CLUSTER", "MYID")
        return raw.split(b"\r\n")[1]

    def run(self, *args):
        replies = []
        for client, proc, myid in zip((self.ours, self.theirs), self.servers, self.ids):
            replies.append(normalise(client.cmd(*args), myid, proc.port))
        mine, oracle = replies
        assert mine == oracle, "%r\n  pyredis: %r\n  redis:   %r" % (args, mine, oracle)
        return mine

    def both(self, *args):
        """Send to both without comparing (setup the two do differently)."""
        return [c.cmd(*args) for c in (self.ours, self.theirs)]

    def close(self):
        self.ours.close()
        self.theirs.close()


def _wait_ok(port):
    client = RawClient(port)
    deadline = time.time() + 15
    try:
        while time.time() < deadline:
            if b"cluster_state:ok" in client.cmd("CLUSTER", "INFO"):
                return
            time.sleep(0.05)
    finally:
        client.close()
    raise AssertionError("cluster state never became ok")


@pytest.fixture(scope="module")
def cluster_servers():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    args = ("--cluster-enabled", "yes", "--enable-debug-command", "yes")
    ours = start_pyredis(*args, port=cluster_port())
    theirs = start_redis(*args, port=cluster_port())
    oracle = RawClient(theirs.port)
    assert oracle.cmd("CLUSTER", "ADDSLOTSRANGE", "0", "16383") == b"+OK\r\n"
    oracle.close()
    _wait_ok(theirs.port)
    yield ours, theirs
    ours.stop()
    theirs.stop()


@pytest.fixture
def cp(cluster_servers):
    p = ClusterPair(*cluster_servers)
    p.run("FLUSHALL")
    p.both("FUNCTION", "FLUSH")
    yield p
    p.close()


def test_cluster_info_nodes_slots_shards(cp):
    for sub in ("INFO", "NODES", "SLOTS", "SHARDS", "LINKS", "MYID"):
        cp.run("CLUSTER", sub)


def test_resp3_forms(cp):
    cp.both("HELLO", "3")
    for sub in ("INFO", "NODES", "SLOTS", "SHARDS", "LINKS"):
        cp.run("CLUSTER", sub)
    cp.both("HELLO", "2")


@pytest.mark.parametrize("key", ["foo", "", "{user1000}.following", "{user1000}.followers",
                                 "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{}", "a{b",
                                 "}a{b}", "\xff\x00{\x01}"])
def test_keyslot_and_hash_tags(cp, key):
    cp.run("CLUSTER", "KEYSLOT", key)


def test_countkeysinslot_and_getkeysinslot(cp):
    for key in ("{t}a", "{t}b", "{t}c", "other", "{t}d"):
        cp.run("SET", key, "1")
    slot = int(cp.run("CLUSTER", "KEYSLOT", "t")[1:-2])
    cp.run("CLUSTER", "COUNTKEYSINSLOT", slot)
    for count in (0, 1, 3, 10):
        cp.run("CLUSTER", "GETKEYSINSLOT", slot, count)
    cp.run("DEL", "{t}b")
    cp.run("RENAME", "{t}c", "{t}e")
    cp.run("CLUSTER", "GETKEYSINSLOT", slot, 10)
    cp.run("CLUSTER", "COUNTKEYSINSLOT", slot)
    cp.run("SET", "{t}x", "1", "PX", "1")
    time.sleep(0.01)
    cp.run("GET", "{t}x")
    cp.run("CLUSTER", "COUNTKEYSINSLOT", slot)
    cp.run("FLUSHALL")
    cp.run("CLUSTER", "COUNTKEYSINSLOT", slot)
    cp.run("CLUSTER", "GETKEYSINSLOT", slot, 10)


def test_keys_survive_debug_reload_in_the_slot_index(cp):
    cp.run("SET", "{r}1", "a")
    cp.run("RPUSH", "{r}2", "a")
    cp.run("DEBUG", "RELOAD")
    cp.run("CLUSTER", "COUNTKEYSINSLOT", int(cp.run("CLUSTER", "KEYSLOT", "r")[1:-2]))


@pytest.mark.parametrize("args", [
    ("KEYSLOT",), ("KEYSLOT", "a", "b"), ("COUNTKEYSINSLOT", "x"), ("COUNTKEYSINSLOT", "-1"),
    ("COUNTKEYSINSLOT", "16384"), ("GETKEYSINSLOT", "1", "-1"), ("GETKEYSINSLOT", "x", "1"),
    ("GETKEYSINSLOT", "16384", "1"), ("GETKEYSINSLOT", "1", "x"), ("GETKEYSINSLOT", "5"),
    ("FOO",), ("ADDSLOTS", "16384"), ("ADDSLOTS", "x"), ("ADDSLOTS", "-1"), ("ADDSLOTS", "1"),
    ("ADDSLOTS", "1", "x"), ("ADDSLOTS", "x", "1"), ("ADDSLOTSRANGE", "5"),
    ("ADDSLOTSRANGE", "6", "5"), ("ADDSLOTSRANGE", "5", "6", "7"), ("ADDSLOTSRANGE", "1", "2"),
    ("ADDSLOTSRANGE", "1", "2", "x", "3"), ("DELSLOTS", "1", "1"), ("DELSLOTSRANGE", "5", "6", "6", "7"),
    ("ADDSLOTS",), ("DELSLOTS",), ("BUMPEPOCH", "x"), ("SET-CONFIG-EPOCH", "-1"),
    ("SET-CONFIG-EPOCH", "x"), ("MEET", "1.2.3.4"), ("MEET", "1.2.3.4", "x"),
    ("MEET", "nohost", "70000"), ("MEET", "127.0.0.1", "70000"), ("MEET", "127.0.0.1", "1", "x"),
    ("MEET", "127.0.0.1", "1", "2", "3"), ("FORGET", "x"), ("REPLICATE", "x"), ("REPLICAS", "x"),
    ("SLAVES", "x"), ("COUNT-FAILURE-REPORTS", "x"), ("COUNT-FAILURE-REPORTS",),
    ("FAILOVER",), ("FAILOVER", "force"), ("FAILOVER", "TAKEOVER"), ("FAILOVER", "x"),
    ("FAILOVER", "force", "x"), ("FLUSHSLOTS", "x"), ("RESET", "x"), ("RESET", "hard", "x"),
    ("LINKS", "x"), ("MYID", "x"), ("NODES", "x"), ("INFO", "x"), ("SAVECONFIG", "x"),
    ("SETSLOT", "5"), ("SETSLOT", "x", "stable"), ("SETSLOT", "5", "foo"),
    ("SETSLOT", "5", "node", "x"), ("SETSLOT", "5", "migrating", "x"),
    ("SETSLOT", "5", "importing", "x"), ("SETSLOT", "5", "stable", "x"),
    ("SETSLOT", "5", "migrating"), ("SHARDID",), ("HELP",), ("SAVECONFIG",),
])
def test_subcommand_replies_and_errors(cp, args):
    cp.run("CLUSTER", *args)


def test_subcommands_naming_this_node(cp):
    myid_ours, myid_theirs = cp.ids
    for sub in ("FORGET", "REPLICATE", "REPLICAS", "SLAVES", "COUNT-FAILURE-REPORTS"):
        mine = normalise(cp.ours.cmd("CLUSTER", sub, myid_ours), myid_ours, cp.servers[0].port)
        theirs = normalise(cp.theirs.cmd("CLUSTER", sub, myid_theirs), myid_theirs,
                           cp.servers[1].port)
        assert mine == theirs, sub


def test_setslot_states_show_in_nodes(cp):
    myid_ours, myid_theirs = cp.ids

    def both(*args):
        mine = cp.ours.cmd(*[myid_ours if a == "<id>" else a for a in args])
        theirs = cp.theirs.cmd(*[myid_theirs if a == "<id>" else a for a in args])
        assert normalise(mine, myid_ours, cp.servers[0].port) == normalise(
            theirs, myid_theirs, cp.servers[1].port), args

    both("CLUSTER", "SETSLOT", "5", "importing", "<id>")
    both("CLUSTER", "SETSLOT", "5", "migrating", "<id>")
    cp.run("CLUSTER", "NODES")
    both("CLUSTER", "SETSLOT", "5", "node", "<id>")
    cp.run("CLUSTER", "NODES")
    cp.run("CLUSTER", "SETSLOT", "5", "stable")
    cp.run("CLUSTER", "NODES")
    cp.run("CLUSTER", "DELSLOTS", "7")
    both("CLUSTER", "SETSLOT", "7", "importing", "<id>")
    cp.run("CLUSTER", "NODES")
    both("CLUSTER", "SETSLOT", "7", "node", "<id>")
    cp.run("CLUSTER", "NODES")
    cp.run("CLUSTER", "INFO")


def test_slot_removal_takes_the_cluster_down(cp):
    cp.run("SET", "a", "1")
    cp.run("CLUSTER", "DELSLOTS", "100", "200", "15495")
    cp.run("CLUSTER", "DELSLOTS", "100")
    for sub in ("INFO", "NODES", "SLOTS", "SHARDS"):
        cp.run("CLUSTER", sub)
    cp.run("GET", "a")
    cp.run("SET", "{a}b", "1")
    cp.run("MGET", "a", "b")
    cp.run("PING")
    cp.run("CONFIG", "SET", "cluster-allow-reads-when-down", "yes")
    cp.run("GET", "a")
    cp.run("SET", "a", "2")
    cp.run("EVAL", "return redis.call('get', KEYS[1])", "1", "a")
    cp.run("EVAL", "return redis.call('get', 'a')", "0")
    cp.run("EVAL", "return redis.call('set', 'a', 3)", "0")
    cp.run("CONFIG", "SET", "cluster-allow-reads-when-down", "no")
    cp.run("EVAL", "return redis.call('get', 'a')", "0")
    cp.run("SPUBLISH", "a", "x")
    cp.run("CONFIG", "SET", "cluster-require-full-coverage", "no")
    # redis-server takes the new setting into account on its next cluster cron.
    _wait_ok(cp.servers[1].port)
    cp.run("CLUSTER", "INFO")
    cp.run("GET", "a")
    cp.run("GET", "{a}b")
    cp.run("GET", "x")
    cp.run("CONFIG", "SET", "cluster-require-full-coverage", "yes")
    cp.run("CLUSTER", "ADDSLOTSRANGE", "100", "100", "200", "200")
    cp.run("CLUSTER", "ADDSLOTS", "15495")
    cp.run("CLUSTER", "INFO")
    cp.run("GET", "a")


def test_flushslots_and_reset_need_an_empty_db(cp):
    cp.run("SET", "a", "1")
    cp.run("CLUSTER", "FLUSHSLOTS")
    cp.run("CLUSTER", "RESET")
    cp.run("CLUSTER", "RESET", "soft")
    cp.run("DEL", "a")


def test_epochs(cp):
    cp.run("CLUSTER", "BUMPEPOCH")
    cp.run("CLUSTER", "BUMPEPOCH")
    cp.run("CLUSTER", "SET-CONFIG-EPOCH", "5")
    cp.run("CLUSTER", "INFO")
    cp.run("CLUSTER", "NODES")


@pytest.mark.parametrize("args", [
    ("MSET", "a", "1", "b", "2"), ("MSET", "{a}1", "1", "{a}2", "2"), ("MGET", "a", "b"),
    ("MGET", "a", "a"), ("DEL", "a", "b"), ("EXISTS", "{x}a", "{x}b"), ("RENAME", "a", "b"),
    ("SUNIONSTORE", "a", "b"), ("SINTERCARD", "2", "a", "b"), ("SINTERCARD", "x", "a", "b"),
    ("ZUNIONSTORE", "{z}d", "2", "{z}a", "b"), ("LMPOP", "2", "a", "b", "LEFT"),
    ("BLMPOP", "0", "2", "a", "b", "LEFT"), ("BLPOP", "a", "b", "0"), ("WATCH", "a", "b"),
    ("XREAD", "STREAMS", "a", "b", "0", "0"), ("SSUBSCRIBE", "a", "b"), ("SUNSUBSCRIBE", "a", "b"),
    ("SPUBLISH", "a", "b"), ("MIGRATE", "127.0.0.1", "1", "", "0", "10", "KEYS", "a", "b"),
    ("GEORADIUS", "a", "0", "0", "1", "km", "STORE", "b"), ("SORT", "a", "STORE", "b"),
    ("OBJECT", "ENCODING", "a"), ("COPY", "a", "b"), ("COPY", "a", "{a}b", "DB", "1"),
    ("COPY", "a", "{a}b", "DB", "0"), ("COPY", "a", "{a}b", "DB", "99"), ("MOVE", "a", "1"),
    ("SWAPDB", "0", "1"), ("SELECT", "1"), ("SELECT", "0"), ("SELECT", "x"), ("READONLY",),
    ("READWRITE",), ("ASKING",), ("READONLY", "x"), ("EVAL", "return 1", "2", "a", "b"),
    ("EVAL", "return 1", "2", "{a}1", "{a}2"), ("EVAL", "return 1", "x", "a", "b"),
    ("FCALL", "f", "2", "a", "b"), ("INFO", "cluster"), ("KEYS", "*"), ("DBSIZE",),
])
def test_request_routing(cp, args):
    cp.run(*args)


def test_crossslot_in_transactions(cp):
    cp.run("MULTI")
    cp.run("SET", "a", "1")
    cp.run("SET", "b", "1")
    cp.run("EXEC")
    cp.run("EXEC")
    cp.run("MULTI")
    cp.run("MSET", "a", "1", "b", "2")
    cp.run("SET", "a", "1")
    cp.run("EXEC")
    cp.run("MULTI")
    cp.run("SET", "{a}x", "1")
    cp.run("GET", "a")
    cp.run("PING")
    cp.run("EXEC")
    cp.run("MULTI")
    cp.run("SELECT", "1")
    cp.run("SELECT", "0")
    cp.run("GET", "a")
    cp.run("EXEC")
    cp.run("WATCH", "a")
    cp.run("MULTI")
    cp.run("GET", "b")
    cp.run("EXEC")
    cp.run("INFO", "errorstats")


@pytest.mark.parametrize("script", [
    "return redis.call('get','b')",
    "redis.call('get','a') return redis.call('get','b')",
    "return redis.call('mget','a','b')",
    "return redis.pcall('mget','a','b')",
    "return redis.call('select','1')",
    "#!lua\nreturn redis.call('get','b')",
    "#!lua\nredis.call('get','a') return redis.call('get','b')",
    "#!lua\nredis.call('get','a') return redis.call('get','{a}b')",
    "#!lua flags=allow-cross-slot-keys\nredis.call('get','a') return redis.call('get','b')",
    "#!lua\nreturn redis.call('mget','a','b')",
    "#!lua\nreturn redis.pcall('get','b')",
    "#!lua flags=no-cluster\nreturn 1",
    "#!lua flags=no-cluster,no-writes\nreturn 1",
    "#!lua\nreturn redis.call('ping')",
])
@pytest.mark.parametrize("keys", [(), ("a",)])
def test_scripts(cp, script, keys):
    cp.run("EVAL", script, len(keys), *keys)
    cp.run("EVAL_RO", script, len(keys), *keys)


def test_functions(cp):
    cp.run("FUNCTION", "LOAD", "REPLACE",
           "#!lua name=l\n"
           "redis.register_function('f', function(k) redis.call('get','a') "
           "return redis.call('get','b') end)\n"
           "redis.register_function{function_name='g', callback=function(k) "
           "redis.call('get','a') return redis.call('get','b') end, "
           "flags={'allow-cross-slot-keys'}}\n"
           "redis.register_function{function_name='h', callback=function(k) return 1 end, "
           "flags={'no-cluster'}}\n"
           "redis.register_function{function_name='k', callback=function(k) "
           "return redis.call('get', 'b') end, flags={'no-writes'}}")
    for name in ("f", "g", "h", "k"):
        cp.run("FCALL", name, "0")
        cp.run("FCALL", name, "1", "a")
        cp.run("FCALL", name, "2", "a", "b")
        cp.run("FCALL_RO", name, "0")
    cp.run("INFO", "errorstats")


def test_cluster_disabled(pair):
    for args in (("CLUSTER", "HELP"), ("CLUSTER", "INFO"), ("CLUSTER", "KEYSLOT", "a"),
                 ("CLUSTER", "FOO"), ("CLUSTER", "INFO", "x"), ("CLUSTER", "NODES"),
                 ("CLUSTER", "ADDSLOTS", "1"), ("READONLY",), ("READWRITE",), ("ASKING",),
                 ("INFO", "cluster"), ("EVAL", "#!lua flags=no-cluster\nreturn 1", "0"),
                 ("MSET", "a", "1", "b", "2")):
        pair.run(*args)


def test_routing_after_acl_and_before_oom(cp):
    cp.run("ACL", "SETUSER", "limited", "on", "nopass", "~a", "+@all")
    cp.run("AUTH", "limited", "x")
    cp.run("MSET", "a", "1", "b", "2")
    cp.run("MSET", "b", "1", "a", "2")
    cp.run("MGET", "a", "{a}b")
    cp.run("AUTH", "default", "x")
    cp.run("ACL", "DELUSER", "limited")
    cp.run("SET", "big", "x" * 10000)
    cp.run("CONFIG", "SET", "maxmemory", "1")
    try:
        cp.run("MSET", "a", "1", "b", "2")
        cp.run("MSET", "a", "1", "{a}b", "2")
        cp.run("GET", "a")
    finally:
        cp.run("CONFIG", "SET", "maxmemory", "0")


def test_routing_while_subscribed(cp):
    cp.run("SUBSCRIBE", "ch")
    cp.run("MSET", "a", "1", "b", "2")
    cp.run("GET", "a")
    cp.run("SSUBSCRIBE", "a", "b")
    cp.run("UNSUBSCRIBE")


@pytest.mark.parametrize("kind", ["hostname", "unknown-endpoint", "ip"])
def test_preferred_endpoint_and_hostname(cp, kind):
    cp.run("CONFIG", "SET", "cluster-preferred-endpoint-type", kind)
    try:
        for hostname in ("", "node-a.example"):
            cp.run("CONFIG", "SET", "cluster-announce-hostname", hostname)
            # redis-server publishes a new hostname on its next cluster cron.
            time.sleep(0.25)
            for sub in ("SLOTS", "SHARDS", "NODES"):
                cp.run("CLUSTER", sub)
    finally:
        cp.run("CONFIG", "SET", "cluster-announce-hostname", "")
        cp.run("CONFIG", "SET", "cluster-preferred-endpoint-type", "ip")


def test_a_script_in_a_transaction_keeps_the_transaction_slot(cp):
    for queued in ((("GET", "{a}x"), ("EVAL", "#!lua\nreturn redis.call('get','b')", "0")),
                   (("EVAL", "#!lua\nreturn redis.call('get','b')", "0"),
                    ("EVAL", "#!lua\nreturn redis.call('get','a')", "0")),
                   (("EVAL", "#!lua\nreturn redis.call('get','b')", "0"),
                    ("EVAL", "#!lua\nreturn redis.call('get','{b}x')", "0"))):
        cp.run("MULTI")
        for args in queued:
            cp.run(*args)
        cp.run("EXEC")
    cp.run("GET", "b")
    cp.run("EVAL", "#!lua\nreturn redis.call('get','a')", "0")


# Three keys of slot 5.
SLOT5 = ("k12912", "k30990", "k85964")


def test_a_slot_migrating_to_this_node(cp):
    k1, k2, k3 = SLOT5
    myid_ours, myid_theirs = cp.ids
    assert cp.ours.cmd("CLUSTER", "SETSLOT", "5", "MIGRATING", myid_ours) == b"+OK\r\n"
    assert cp.theirs.cmd("CLUSTER", "SETSLOT", "5", "MIGRATING", myid_theirs) == b"+OK\r\n"
    try:
        cp.run("GET", k1)
        cp.run("SET", k1, "v")
        cp.run("MGET", k1, k2)
        cp.run("MGET", k1, k1)
        cp.run("EXISTS", k2, k3)
        cp.run("MULTI")
        cp.run("GET", k1)
        cp.run("GET", k2)
        cp.run("EXEC")
        cp.run("EVAL", "return redis.call('mget', KEYS[1], KEYS[2])", "2", k1, k3)
        cp.run("EVAL", "return redis.call('mget', '%s', '%s')" % (k1, k3), "0")
        cp.run("SPUBLISH", k2, "x")
        cp.run("MIGRATE", "127.0.0.1", "1", "", "0", "10", "KEYS", k2, k3)
        cp.run("SET", k2, "w")
        cp.run("MGET", k1, k2)
    finally:
        cp.run("CLUSTER", "SETSLOT", "5", "STABLE")


def test_scripts_declare_their_writes_to_a_cluster_down_for_writes(cp):
    cp.run("FUNCTION", "LOAD", "REPLACE",
           "#!lua name=cl\n"
           "redis.register_function('w', function(k) return redis.call('set', k[1], 1) end)\n"
           "redis.register_function{function_name='r', callback=function(k) "
           "return redis.call('get', k[1]) end, flags={'no-writes'}}")
    cp.run("SCRIPT", "LOAD", "#!lua\nreturn redis.call('set',KEYS[1],1)")
    cp.run("CLUSTER", "DELSLOTS", "100")
    cp.run("CONFIG", "SET", "cluster-allow-reads-when-down", "yes")
    try:
        for args in (("EVAL", "#!lua\nreturn redis.call('set',KEYS[1],1)", "1", "a"),
                     ("EVAL", "#!lua flags=no-writes\nreturn redis.call('get',KEYS[1])", "1", "a"),
                     ("EVAL", "#!lua flags=bad\nreturn 1", "1", "a"),
                     ("EVAL", "return redis.call('set',KEYS[1],1)", "1", "a"),
                     ("EVAL_RO", "#!lua\nreturn 1", "1", "a"),
                     ("EVALSHA", "0" * 40, "1", "a"),
                     ("FCALL", "w", "1", "a"), ("FCALL", "r", "1", "a"),
                     ("FCALL_RO", "w", "1", "a"), ("FCALL", "nosuch", "1", "a")):
            cp.run(*args)
        sha = cp.run("SCRIPT", "LOAD", "#!lua\nreturn redis.call('set',KEYS[1],1)")
        cp.run("EVALSHA", sha.split(b"\r\n")[1], "1", "a")
        cp.run("MULTI")
        cp.run("EVAL", "#!lua\nreturn redis.call('set',KEYS[1],1)", "1", "a")
        cp.run("GET", "a")
        cp.run("EXEC")
    finally:
        cp.run("CONFIG", "SET", "cluster-allow-reads-when-down", "no")
        cp.run("CLUSTER", "ADDSLOTS", "100")
