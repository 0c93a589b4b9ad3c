"""The AOF against redis-server 7.0: the same propagated commands, and each loads the other's files."""
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from respclient import RawClient, encode_command
from serverproc import start_pyredis, start_redis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")

AOF_ARGS = ("--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--appendfsync", "always")

# Commands whose propagation is deterministic but for the absolute times,
# which are masked before comparing.
SCRIPT = [
    ("SET", "a", "1"),
    ("SET", "b", "2", "EX", "100"),
    ("SET", "b2", "2", "NX", "PX", "100000", "GET"),
    ("SET", "b3", "v", "EXAT", "99999999999"),
    ("SET", "b4", "v", "PXAT", "99999999999000", "GET"),
    ("SET", "a", "3", "GET"),
    ("SET", "a", "4", "KEEPTTL"),
    ("SETEX", "c", "100", "x"),
    ("PSETEX", "d", "100000", "x"),
    ("SETNX", "e", "1"),
    ("EXPIRE", "a", "100"),
    ("PEXPIRE", "a", "200000", "GT"),
    ("EXPIREAT", "a", "99999999999"),
    ("PEXPIREAT", "a", "99999999999000", "XX"),
    ("EXPIRE", "e", "-1"),
    ("GETEX", "b", "EX", "50"),
    ("GETEX", "b", "PERSIST"),
    ("GETEX", "b", "PXAT", "1"),
    ("GETDEL", "c"),
    ("INCRBYFLOAT", "f", "1.5"),
    ("INCRBYFLOAT", "f", "2.25"),
    ("HSET", "h", "f", "1"),
    ("HINCRBYFLOAT", "h", "f", "0.5"),
    ("SADD", "s", "1", "2"),
    ("SPOP", "s", "5"),
    ("SELECT", "3"),
    ("SET", "x", "y"),
    ("SELECT", "0"),
    ("RPUSH", "src", "a", "b", "c", "d", "e", "f"),
    ("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"),
    ("BRPOPLPUSH", "src", "dst", "0"),
    ("LMPOP", "1", "src", "LEFT", "COUNT", "2"),
    ("BLPOP", "src", "0"),
    ("BLMPOP", "0", "1", "dst", "RIGHT", "COUNT", "5"),
    ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
    ("BZPOPMIN", "z", "0"),
    ("ZMPOP", "1", "z", "MAX", "COUNT", "5"),
    ("DEL", "nothing"),
    ("GET", "a"),
    ("MULTI",), ("SET", "m1", "1"), ("SET", "m2", "2"), ("EXEC",),
    ("MULTI",), ("SET", "m3", "1"), ("GET", "m3"), ("EXEC",),
    ("MULTI",), ("GET", "m3"), ("EXEC",),
    ("MULTI",), ("SELECT", "2"), ("SET", "z", "1"), ("SELECT", "0"), ("SET", "y", "2"), ("EXEC",),
    ("SET", "k", "1", "PX", "1"),
]

# Commands Redis propagates as they came (but GETSET, as SET).
VERBATIM = [
    ("GETSET", "g", "1"), ("APPEND", "g", "2"), ("SETRANGE", "g", "0", "x"), ("MSET", "m1", "1", "m2", "2"),
    ("MSETNX", "n1", "1"), ("INCR", "i"), ("DECRBY", "i", "5"), ("DEL", "m1", "m2", "missing"),
    ("UNLINK", "n1"), ("RPUSH", "l", "a", "b", "c"), ("LINSERT", "l", "BEFORE", "b", "x"),
    ("LPOP", "l", "2"), ("LREM", "l", "0", "c"), ("LSET", "l", "0", "y"), ("LTRIM", "l", "0", "0"),
    ("SADD", "s1", "a", "b"), ("SADD", "s2", "b", "c"), ("SMOVE", "s1", "s2", "a"),
    ("SINTERSTORE", "s3", "s1", "s2"), ("SREM", "s2", "c", "zz"),
    ("ZADD", "z", "INCR", "1.5", "m"), ("ZINCRBY", "z", "2", "m"), ("ZADD", "z2", "1", "a"),
    ("ZUNIONSTORE", "z3", "2", "z", "z2"), ("ZREM", "z3", "a"), ("ZREMRANGEBYSCORE", "z3", "0", "1"),
    ("HSET", "h", "a", "1", "b", "2"), ("HDEL", "h", "a"), ("HINCRBY", "h", "b", "3"),
    ("SORT", "l", "ALPHA", "STORE", "sorted"), ("RENAME", "sorted", "sorted2"), ("COPY", "sorted2", "c2"),
    ("MOVE", "c2", "1"), ("SWAPDB", "0", "1"), ("SWAPDB", "0", "1"), ("EXPIRE", "h", "100", "NX"),
    ("PERSIST", "h"), ("PERSIST", "h"), ("FLUSHDB",), ("SET", "x", "1"), ("FLUSHALL",),
    # Propagated even when there was nothing to flush.
    ("FLUSHALL",), ("FLUSHDB",), ("SELECT", "4"), ("FLUSHDB", "ASYNC"), ("SELECT", "0"),
    ("SWAPDB", "0", "0"), ("DEL", "gone"), ("EXPIRE", "gone", "10"), ("LPOP", "gone"), ("SPOP", "gone"),
]


def _aof_dir(proc):
    return os.path.join(proc.cwd, "appendonlydir")


def _incr_commands(proc):
    d = _aof_dir(proc)
    with open(os.path.join(d, "appendonly.aof.manifest")) as f:
        names = [line.split()[1] for line in f if line.split()[-1] == "i"]
    data = b""
    for name in names:
        with open(os.path.join(d, name), "rb") as f:
            data += f.read()
    # Absolute times depend on the moment each server ran the command.
    return re.sub(rb"\$1[34]\r\n1\d{12,13}\r\n", b"$13\r\n<ms>\r\n", data)


def _wait_for(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _run(proc, commands):
    c = RawClient(proc.port)
    try:
        for cmd in commands:
            c.cmd(*cmd)
    finally:
        c.close()


@pytest.fixture
def aof_pair():
    ours = start_pyredis(*AOF_ARGS)
    theirs = start_redis(*AOF_ARGS, "--dir", tempfile.mkdtemp(prefix="redis-aof-"))
    theirs.cwd = _redis_dir(theirs)
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _redis_dir(proc):
    c = RawClient(proc.port)
    try:
        reply = c.cmd("CONFIG", "GET", "dir")
    finally:
        c.close()
    return reply.split(b"\r\n")[-2].decode()


def test_propagated_commands_equal_redis(aof_pair):
    ours, theirs = aof_pair
    for proc in aof_pair:
        _run(proc, SCRIPT)
    time.sleep(0.1)
    for proc in aof_pair:
        # A read of the expired key propagates its deletion.
        _run(proc, [("GET", "k")])
    assert _wait_for(lambda: _incr_commands(ours) == _incr_commands(theirs), 3), \
        "%r\n%r" % (_incr_commands(ours), _incr_commands(theirs))


def test_verbatim_commands_equal_redis(aof_pair):
    ours, theirs = aof_pair
    for proc in aof_pair:
        _run(proc, VERBATIM)
    assert _wait_for(lambda: _incr_commands(ours) == _incr_commands(theirs), 3), \
        "%r\n%r" % (_incr_commands(ours), _incr_commands(theirs))


def test_active_expiry_propagates_del(aof_pair):
    for proc in aof_pair:
        _run(proc, [("SET", "gone", "1", "PX", "20")])
    for proc in aof_pair:
        assert _wait_for(lambda: _incr_commands(proc).endswith(b"*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n"))


def _dataset(port):
    """Every key of dbs 0..3 with its type, value and whether it has a TTL."""
    c = RawClient(port)
    out = {}
    try:
        for db in range(4):
            c.cmd("SELECT", db)
            for key in sorted(_bulks(c.cmd("KEYS", "*"))):
                kind = c.cmd("TYPE", key)
                if kind == b"+string\r\n":
                    value = c.cmd("GET", key)
                elif kind == b"+list\r\n":
                    value = c.cmd("LRANGE", key, 0, -1)
                elif kind == b"+set\r\n":
                    value = sorted(_bulks(c.cmd("SMEMBERS", key)))
                elif kind == b"+zset\r\n":
                    value = c.cmd("ZRANGE", key, 0, -1, "WITHSCORES")
                else:
                    value = sorted(_bulks(c.cmd("HGETALL", key)))
                ttl = c.cmd("PEXPIRETIME", key)
                out[(db, key)] = (kind, value, ttl, c.cmd("OBJECT", "ENCODING", key))
    finally:
        c.close()
    return out


def _bulks(raw):
    items = []
    lines = raw.split(b"\r\n")
    i = 1
    while i < len(lines):
        if lines[i].startswith(b"$"):
            items.append(lines[i + 1])
            i += 2
        else:
            i += 1
    return items


FILL = [
    ("SET", "str", "hello"), ("SET", "int", "12345"), ("SET", "ttl", "v", "PXAT", "99999999999000"),
    ("RPUSH", "list", *[str(i) for i in range(200)]), ("RPUSH", "small", "a", "b"),
    ("SADD", "iset", "1", "2", "3"), ("SADD", "set", *["m%d" % i for i in range(150)]),
    ("ZADD", "z", "1.5", "a", "-2", "b", "inf", "c"),
    ("ZADD", "bigz", *[x for i in range(200) for x in (str(i / 7), "m%d" % i)]),
    ("HSET", "h", "f1", "v1", "f2", "v2"),
    ("HSET", "bigh", *[x for i in range(150) for x in ("f%d" % i, "v%d" % i)]),
    ("SELECT", "2"), ("SET", "other", "db"), ("PEXPIRE", "other", "50000000"),
]


def _fill_and_rewrite(proc):
    _run(proc, FILL[:6])
    c = RawClient(proc.port)
    try:
        assert c.cmd("BGREWRITEAOF").startswith(b"+Background append only file rewriting")
        assert _wait_for(lambda: _rewritten(c, 1))
    finally:
        c.close()
    _run(proc, FILL[6:])


def _restart_other(start, data_dir):
    proc = start(*AOF_ARGS, "--dir", data_dir)
    return proc


def test_pyredis_aof_loads_in_redis():
    ours = start_pyredis(*AOF_ARGS)
    try:
        _fill_and_rewrite(ours)
        expected = _dataset(ours.port)
    finally:
        ours.stop()
    d = _aof_dir(ours)
    check = subprocess.run(["redis-check-aof", os.path.join(d, "appendonly.aof.manifest")],
                           capture_output=True, text=True)
    assert check.returncode == 0 and "All AOF files and manifest are valid" in check.stdout, check.stdout
    theirs = start_redis(*AOF_ARGS, "--dir", ours.cwd)
    try:
        assert _dataset(theirs.port) == expected
    finally:
        theirs.stop()


def test_redis_aof_loads_in_pyredis():
    theirs = start_redis(*AOF_ARGS, "--dir", tempfile.mkdtemp(prefix="redis-aof-"))
    theirs.cwd = _redis_dir(theirs)
    try:
        _fill_and_rewrite(theirs)
        expected = _dataset(theirs.port)
    finally:
        theirs.stop()
    ours = start_pyredis(*AOF_ARGS, cwd=theirs.cwd)
    try:
        assert _dataset(ours.port) == expected
        assert "DB loaded from append only file" in ours.log()
    finally:
        ours.stop()


def _old_style(proc_dir):
    with open(os.path.join(proc_dir, "appendonly.aof"), "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nvalue\r\n"
                b"*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nx\r\n")


def test_old_single_file_aof_is_upgraded_as_redis_does():
    ours_dir = tempfile.mkdtemp(prefix="pyredis-old-")
    theirs_dir = tempfile.mkdtemp(prefix="redis-old-")
    _old_style(ours_dir)
    _old_style(theirs_dir)
    ours = start_pyredis(*AOF_ARGS, cwd=ours_dir)
    theirs = start_redis(*AOF_ARGS, "--dir", theirs_dir)
    try:
        assert _dataset(ours.port) == _dataset(theirs.port)
        assert len(_dataset(ours.port)) == 2
        for d in (ours_dir, theirs_dir):
            assert not os.path.exists(os.path.join(d, "appendonly.aof"))
        listing = [sorted(os.listdir(os.path.join(d, "appendonlydir"))) for d in (ours_dir, theirs_dir)]
        assert listing[0] == listing[1]
        manifests = []
        for d in (ours_dir, theirs_dir):
            with open(os.path.join(d, "appendonlydir", "appendonly.aof.manifest"), "rb") as f:
                manifests.append(f.read())
        assert manifests[0] == manifests[1]
    finally:
        ours.stop()
        theirs.stop()


def test_empty_start_makes_the_same_layout_as_redis(aof_pair):
    ours, theirs = aof_pair
    dirs = [_aof_dir(p) for p in aof_pair]
    assert [sorted(os.listdir(d)) for d in dirs][0] == ["appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof",
                                                          "appendonly.aof.manifest"]
    assert sorted(os.listdir(dirs[0])) == sorted(os.listdir(dirs[1]))
    texts = []
    for d in dirs:
        with open(os.path.join(d, "appendonly.aof.manifest"), "rb") as f:
            texts.append(f.read())
    assert texts[0] == texts[1]


def test_bgrewriteaof_rotates_files_as_redis(aof_pair):
    for proc in aof_pair:
        c = RawClient(proc.port)
        try:
            c.cmd("SET", "k", "v")
            assert c.cmd("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
            assert _wait_for(lambda: _rewritten(c, 1))
            c.cmd("SET", "k2", "v2")
        finally:
            c.close()
    dirs = [_aof_dir(p) for p in aof_pair]
    assert _wait_for(lambda: sorted(os.listdir(dirs[0])) == sorted(os.listdir(dirs[1])))
    texts = []
    for d in dirs:
        with open(os.path.join(d, "appendonly.aof.manifest"), "rb") as f:
            texts.append(f.read())
    assert texts[0] == texts[1] == (b"file appendonly.aof.2.base.aof seq 2 type b\n"
                                    b"file appendonly.aof.2.incr.aof seq 2 type i\n")


def _rewritten(c, n):
    """The n-th rewrite started and no rewrite runs (Redis counts a rewrite when it starts)."""
    info = c.cmd("INFO", "persistence")
    return b"aof_rewrites:%d\r\n" % n in info and b"aof_rewrite_in_progress:0\r\n" in info and \
        b"aof_rewrite_scheduled:0\r\n" in info


def _layout(proc):
    d = _aof_dir(proc)
    with open(os.path.join(d, "appendonly.aof.manifest"), "rb") as f:
        return sorted(os.listdir(d)), f.read()


def test_rewrite_while_off_then_enable_then_rewrite_as_redis():
    procs = [start_pyredis("--aof-use-rdb-preamble", "no")]
    procs.append(start_redis("--aof-use-rdb-preamble", "no", "--dir", tempfile.mkdtemp(prefix="redis-aof-")))
    procs[1].cwd = _redis_dir(procs[1])
    clients = [RawClient(p.port) for p in procs]
    try:
        steps = []
        for c in clients:
            c.cmd("SET", "a", "1")
            assert c.cmd("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
        assert all(_wait_for(lambda: _rewritten(c, 1)) for c in clients)
        steps.append([_layout(p) for p in procs])
        for c in clients:
            assert c.cmd("CONFIG", "SET", "appendonly", "yes") == b"+OK\r\n"
        assert all(_wait_for(lambda: _rewritten(c, 2)) for c in clients)
        steps.append([_layout(p) for p in procs])
        for c in clients:
            c.cmd("SET", "b", "2")
            assert c.cmd("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
        assert all(_wait_for(lambda: _rewritten(c, 3)) for c in clients)
        steps.append([_layout(p) for p in procs])
        for ours, theirs in steps:
            assert ours == theirs
        assert steps[-1][0][1] == (b"file appendonly.aof.3.base.aof seq 3 type b\n"
                                   b"file appendonly.aof.2.incr.aof seq 2 type i\n")
    finally:
        for c in clients:
            c.close()
        for p in procs:
            p.stop()


def test_lazy_expiry_inside_exec_is_part_of_the_transaction():
    args = AOF_ARGS + ("--enable-debug-command", "yes")
    ours = start_pyredis(*args)
    theirs = start_redis(*args, "--dir", tempfile.mkdtemp(prefix="redis-aof-"))
    theirs.cwd = _redis_dir(theirs)
    try:
        for proc in (ours, theirs):
            _run(proc, [("DEBUG", "SET-ACTIVE-EXPIRE", "0"), ("SET", "e1", "1", "PX", "1"),
                        ("SET", "e2", "1", "PX", "1"), ("SET", "e3", "1", "PX", "1")])
        time.sleep(0.05)
        for proc in (ours, theirs):
            _run(proc, [("MULTI",), ("SET", "x", "1"), ("GET", "e1"), ("SET", "y", "2"), ("EXEC",),
                        ("MULTI",), ("SET", "e2", "new"), ("EXEC",),
                        # The delete and the write go out as one transaction.
                        ("SET", "e3", "new")])
        assert _wait_for(lambda: _incr_commands(ours) == _incr_commands(theirs), 3), \
            "%r\n%r" % (_incr_commands(ours), _incr_commands(theirs))
    finally:
        ours.stop()
        theirs.stop()


def test_bgrewriteaof_while_one_runs(servers_with, pair_factory):
    # hz 1: a finished child is noticed by the cron only, so the second request still sees it.
    pair = pair_factory(servers_with(*AOF_ARGS, "--hz", "1"))
    pair.run("SET", "k", "v")
    assert pair.run("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
    assert pair.run("BGREWRITEAOF") == b"-ERR Background append only file rewriting already in progress\r\n"


BLOCKED = [
    (("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"), ("RPUSH", "src", "a", "b")),
    (("BRPOPLPUSH", "src2", "dst", "0"), ("LPUSH", "src2", "x")),
    (("BZPOPMAX", "z", "0"), ("ZADD", "z", "1", "m", "2", "n")),
    (("BLMPOP", "0", "2", "nol", "l", "RIGHT", "COUNT", "3"), ("RPUSH", "l", "1", "2")),
    (("BZMPOP", "0", "1", "z2", "MIN", "COUNT", "5"), ("ZADD", "z2", "1", "m")),
]


def test_clients_served_after_blocking_propagate_as_redis(aof_pair):
    for proc in aof_pair:
        for blocking, write in BLOCKED:
            waiter, writer = RawClient(proc.port), RawClient(proc.port)
            try:
                waiter.send(encode_command(*blocking))
                assert _wait_for(lambda: b"blocked_clients:1\r\n" in writer.cmd("INFO", "clients"))
                writer.cmd(*write)
                assert waiter.read_reply() not in (b"*-1\r\n", b"$-1\r\n")
            finally:
                waiter.close()
                writer.close()
    assert _wait_for(lambda: _incr_commands(aof_pair[0]) == _incr_commands(aof_pair[1]), 3), \
        "%r\n%r" % (_incr_commands(aof_pair[0]), _incr_commands(aof_pair[1]))


SCRIPTED = [
    ("EVAL", "redis.call('set', KEYS[1], 'a') return 1", "1", "s1"),
    ("EVAL", "redis.call('set', KEYS[1], 'a'); redis.call('incr', KEYS[2]); "
             "redis.call('expire', KEYS[1], 100) return 1", "2", "s1", "s2"),
    ("EVAL", "return redis.call('get', KEYS[1])", "1", "s1"),
    ("EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('set', KEYS[1], 'x'); "
             "redis.set_repl(redis.REPL_ALL); redis.call('del', KEYS[1]) return 1", "1", "s3"),
    ("EVAL", "redis.call('select', 3); redis.call('set', KEYS[1], 'z') return 1", "1", "s4"),
    ("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function(k) "
                         "return redis.call('lpush', k[1], 'x') end)"),
    ("FCALL", "f", "1", "l1"),
    ("MULTI",), ("EVAL", "redis.call('set', KEYS[1], 'm') return 1", "1", "s5"),
    ("SET", "s6", "v"), ("EXEC",),
]


def test_script_effects_equal_redis(aof_pair):
    ours, theirs = aof_pair
    for proc in aof_pair:
        _run(proc, SCRIPTED)
    assert _wait_for(lambda: _incr_commands(ours) == _incr_commands(theirs), 3), \
        "%r\n%r" % (_incr_commands(ours), _incr_commands(theirs))


STREAMS = [("XADD", "s", "*", "f", "v"), ("XADD", "s", "5-*", "f", "v")] + [
    ("XADD", "s2", "%d-1" % i, "f", "v") for i in range(1, 301)] + [
    ("XADD", "s2", "MAXLEN", "~", "10", "*", "f", "v"),
    ("XADD", "s2", "MAXLEN", "~", "10", "LIMIT", "100", "*", "f", "v"),
    ("XADD", "s3", "MINID", "~", "0-5", "*", "f", "v"),
    ("XADD", "s3", "99999999999999-*", "f", "v"),
    ("XTRIM", "s2", "MAXLEN", "~", "5"), ("XTRIM", "s2", "MAXLEN", "~", "0", "LIMIT", "50"),
    ("XTRIM", "s2", "MAXLEN", "=", "120"),
    ("XGROUP", "CREATE", "s2", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s2", ">"),
    ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s2", ">"),
    ("XREADGROUP", "GROUP", "g", "n", "COUNT", "2", "NOACK", "STREAMS", "s2", ">"),
    ("XCLAIM", "s2", "g", "c2", "0", "201-1"),
    ("XAUTOCLAIM", "s2", "g", "c3", "0", "0", "COUNT", "1"),
    ("XACK", "s2", "g", "203-1"),
]


def test_stream_commands_propagate_as_redis(aof_pair):
    ours, theirs = aof_pair
    for proc in aof_pair:
        _run(proc, STREAMS)

    def masked(proc):
        # Auto IDs and delivery times are the servers' clocks.
        return re.sub(rb"\$\d+\r\n1\d{12}(-\d+)?\r\n", b"$<n>\r\n<time>\r\n", _incr_commands(proc))
    assert _wait_for(lambda: masked(ours) == masked(theirs), 3), \
        "%r\n%r" % (masked(ours), masked(theirs))
