"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT against a live pyredis."""
import hashlib
import threading
import time

import pytest
import redis
from redis.exceptions import LockNotOwnedError, NoScriptError, ResponseError

from respclient import RawClient, keyevents, wait_busy


def test_eval_basics(r):
    assert r.eval("return 1", 0) == 1
    assert r.eval("return {KEYS[1], ARGV[1]}", 1, "k", "a") == [b"k", b"a"]
    assert r.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, "k", "v") == b"OK"
    assert r.get("k") == b"v"
    assert r.eval("return 3.99", 0) == 3
    assert r.eval("return {1, 2, nil, 4}", 0) == [1, 2]
    assert r.eval("return false", 0) is None
    assert r.eval("return true", 0) == 1
    with pytest.raises(ResponseError, match="^My Error$"):
        r.eval("return {err='My Error'}", 0)


def test_evalsha_and_script_cache(r):
    r.script_flush()
    sha = r.script_load("return ARGV[1]")
    assert sha == hashlib.sha1(b"return ARGV[1]").hexdigest()
    assert r.evalsha(sha, 0, "x") == b"x"
    assert r.evalsha(sha.upper(), 0, "y") == b"y"
    assert r.script_exists(sha, "0" * 40) == [True, False]
    r.script_flush()
    assert r.script_exists(sha) == [False]
    with pytest.raises(NoScriptError):
        r.evalsha(sha, 0)
    script = r.register_script("return redis.call('incr', KEYS[1])")
    assert script(keys=["n"]) == 1
    r.script_flush()
    assert script(keys=["n"]) == 2  # redis-py reloads on NOSCRIPT


def test_read_only_variants(r):
    r.set("a", "1")
    assert r.eval_ro("return redis.call('get', KEYS[1])", 1, "a") == b"1"
    with pytest.raises(ResponseError, match="Write commands are not allowed from read-only scripts"):
        r.eval_ro("return redis.call('set', KEYS[1], 'x')", 1, "a")
    sha = r.script_load("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])")
    assert r.evalsha_ro(sha, 1, "a") == b"1"
    with pytest.raises(ResponseError, match="Can not execute a script with write flag"):
        r.eval_ro("#!lua\nreturn 1", 0)
    assert r.get("a") == b"1"


def test_script_runs_in_callers_db_and_select_stays_inside(server):
    c = redis.Redis(host=server.host, port=server.port, db=3)
    c.flushall()
    assert c.eval("redis.call('set', 'k', 'db3') redis.call('select', 5) "
                  "redis.call('set', 'k', 'db5') return 1", 0) == 1
    assert c.get("k") == b"db3"
    assert redis.Redis(host=server.host, port=server.port, db=5).get("k") == b"db5"
    # The next script starts in the caller's db again.
    assert c.eval("return redis.call('get', 'k')", 0) == b"db3"
    c.close()


def test_blocking_commands_do_not_block(r):
    assert r.eval("return redis.call('blmpop', 0, 1, 'nolist', 'LEFT')", 0) is None
    r.rpush("l", "a")
    assert r.eval("return redis.call('blmpop', 0, 1, 'l', 'LEFT')", 0) == [b"l", [b"a"]]
    with pytest.raises(ResponseError, match="This Redis command is not allowed from script"):
        r.eval("return redis.call('blpop', 'l', 0)", 0)


def test_sandbox_has_no_way_out(r):
    for body in ("return python", "return os", "return io", "return require", "return debug",
                 "return setfenv", "return getfenv", "return newproxy", "return package"):
        with pytest.raises(ResponseError, match="nonexistent global variable"):
            r.eval(body, 0)
    with pytest.raises(ResponseError):
        r.eval("return redis.call.__class__", 0)
    with pytest.raises(ResponseError, match="Attempt to modify a readonly table"):
        r.eval("string.len = nil", 0)
    with pytest.raises(ResponseError, match="Attempt to modify a readonly table"):
        r.eval("getmetatable('').__index = {}", 0)
    # A global made through loadstring is refused as any other.
    with pytest.raises(ResponseError, match="Attempt to modify a readonly table"):
        r.eval("loadstring('leak = 1')()", 0)
    assert r.eval("return string.len('abc')", 0) == 3


def test_random_is_redis_rand48(r):
    assert r.eval("math.randomseed(0) return {tostring(math.random()), tostring(math.random())}", 0) == \
        [b"0.17082803611217", b"0.74990198051087"]
    assert r.eval("math.randomseed(0) return math.random(10)", 0) == 2


def test_keyspace_notifications(notifying):
    writer, sub = notifying
    writer.cmd("EVAL", "redis.call('set', 'ev', '1') redis.call('del', 'ev') return 1", "0")
    assert keyevents(sub)[:2] == ["set ev", "del ev"]


def test_watch_is_invalidated_by_a_script(server, r):
    other = redis.Redis(host=server.host, port=server.port)
    with r.pipeline() as pipe:
        pipe.watch("w")
        other.eval("return redis.call('set', 'w', '1')", 0)
        pipe.multi()
        pipe.set("w", "2")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    other.close()


def test_multi_exec_with_eval(r):
    with r.pipeline() as pipe:
        pipe.eval("return redis.call('incr', 'c')", 0)
        pipe.eval("return redis.call('incr', 'c')", 0)
        assert pipe.execute() == [1, 2]


def test_commandstats_count_eval_and_its_commands(r):
    r.config_resetstat()
    r.eval("redis.call('set', 'a', '1') return redis.call('get', 'a')", 0)
    stats = r.info("commandstats")
    assert stats["cmdstat_eval"]["calls"] == 1
    assert stats["cmdstat_set"]["calls"] == 1
    assert stats["cmdstat_get"]["calls"] == 1
    r.set("s", "x")
    with pytest.raises(ResponseError):
        r.eval("return redis.call('incr', 's')", 0)
    assert r.info("errorstats")["errorstat_ERR"]["count"] == 1


def test_memory_fields(r):
    r.script_flush()
    r.script_load("return 'a'")
    r.script_load("return 'b'")
    info = r.info("memory")
    assert info["number_of_cached_scripts"] == 2
    assert info["used_memory_scripts_eval"] > 0
    assert info["used_memory_vm_eval"] > 0
    assert info["used_memory_vm_total"] == info["used_memory_vm_eval"] + info["used_memory_vm_functions"]
    r.script_flush()
    assert r.info("memory")["number_of_cached_scripts"] == 0


def test_script_debug(r):
    assert r.execute_command("SCRIPT", "DEBUG", "NO") == b"OK"
    with pytest.raises(ResponseError, match="Use SCRIPT DEBUG YES/SYNC/NO"):
        r.execute_command("SCRIPT", "DEBUG", "MAYBE")
    assert r.execute_command("SCRIPT", "DEBUG", "YES") == b"OK"
    with pytest.raises(ResponseError, match="Please use EVAL instead of EVALSHA"):
        r.evalsha("a" * 40, 0)
    # A debugging session itself is tested in test_scripting_debugger.py.
    assert r.execute_command("SCRIPT", "DEBUG", "NO") == b"OK"
    assert r.eval("return 1", 0) == 1


def test_getkeys(r):
    assert r.command_getkeys("EVAL", "return 1", 2, "a", "b", "c") == ["a", "b"]
    assert r.command_getkeys("FCALL", "f", 1, "a", "b") == ["a"]


def test_redis_py_lock(server, r):
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert r.pttl("resource") > 9000
    assert lock.extend(10)
    assert r.pttl("resource") > 19000
    assert lock.reacquire()
    assert 9000 < r.pttl("resource") <= 10000
    other = redis.Redis(host=server.host, port=server.port).lock("resource", timeout=10)
    assert not other.acquire(blocking=True, blocking_timeout=0.3)
    lock.release()
    assert r.get("resource") is None
    assert other.acquire(blocking=True, blocking_timeout=1)
    assert other.locked() and other.owned()
    # The Lua scripts check the token: a lock taken over by another owner is not ours.
    lock.local.token = b"stale-token"
    with pytest.raises(LockNotOwnedError):
        lock.extend(5)
    with pytest.raises(LockNotOwnedError):
        lock.reacquire()
    with pytest.raises(LockNotOwnedError):
        lock.release()
    other.release()


def test_redis_py_lock_blocking_waits_for_release(server, r):
    holder = r.lock("res2", timeout=5, thread_local=False)
    assert holder.acquire()
    waiter = redis.Redis(host=server.host, port=server.port).lock("res2", timeout=5, sleep=0.05)
    timer = threading.Timer(0.3, holder.release)
    timer.start()
    assert waiter.acquire(blocking=True, blocking_timeout=3)
    timer.join()
    waiter.release()


def _start_busy(port, body):
    caller = RawClient(port)
    replies = {}

    def run():
        try:
            replies["r"] = caller.cmd("EVAL", body, "0")
        except (OSError, ConnectionError) as exc:
            replies["r"] = exc
    thread = threading.Thread(target=run)
    thread.start()
    return caller, thread, replies


def test_busy_script_and_kill(start_server):
    server = start_server("--busy-reply-threshold", "50")
    caller, thread, replies = _start_busy(server.port, "local i = 0 while true do i = i + 1 end")
    other = RawClient(server.port)
    wait_busy(other)
    busy = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    assert other.cmd("GET", "x") == busy
    assert other.cmd("SHUTDOWN") == busy
    # FUNCTION KILL does not stop an EVAL script: it answers the EVAL flavour of BUSY.
    assert other.cmd("FUNCTION", "KILL") == busy
    # A new connection is accepted and served while the script runs.
    third = RawClient(server.port)
    assert third.cmd("PING") == busy
    assert other.cmd("SCRIPT", "KILL") == b"+OK\r\n"
    thread.join(10)
    assert replies["r"].startswith(b"-ERR Script killed by user with SCRIPT KILL... script: ")
    assert other.cmd("PING") == b"+PONG\r\n"
    assert caller.cmd("PING") == b"+PONG\r\n"
    assert other.cmd("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"
    for c in (caller, other, third):
        c.close()


def test_busy_script_shutdown_nosave(start_server):
    server = start_server("--busy-reply-threshold", "50")
    caller, thread, replies = _start_busy(server.port, "redis.call('set', 'x', 1) while true do end")
    other = RawClient(server.port)
    wait_busy(other)
    assert other.cmd("SCRIPT", "KILL").startswith(b"-UNKILLABLE Sorry the script already executed")
    other.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
    thread.join(10)
    assert not thread.is_alive()
    server.proc.wait(10)
    assert server.proc.returncode == 0


def test_nothing_a_script_returns_breaks_the_server(r):
    r.eval("local t = {} for i = 1, 100 do t = {t} end return t", 0)
    assert r.eval("return {1e300, -1e300, 0/0, 2^63, -2^63}", 0)[:2] == [-2 ** 63, -2 ** 63]
    assert r.eval("return {coroutine.create(function() end), function() end}", 0) == [None, None]
    assert r.eval("return redis.call('ping')", 0) == b"PONG"
    assert r.ping()


def test_script_effects_reach_the_aof(start_server, tmp_path):
    import glob
    import os
    import redis as redis_py
    proc = start_server("--appendonly", "yes", "--dir", str(tmp_path))
    r = redis_py.Redis(port=proc.port)
    r.eval("redis.call('set', KEYS[1], 'a'); redis.call('incr', KEYS[2]); "
           "redis.set_repl(redis.REPL_NONE); redis.call('set', KEYS[3], 'hidden'); "
           "redis.set_repl(redis.REPL_ALL); redis.call('del', KEYS[3]); return 1",
           3, "k1", "k2", "k3")
    incr = glob.glob(os.path.join(str(tmp_path), "appendonlydir", "*.incr.aof"))[0]
    data = open(incr, "rb").read()
    assert b"eval" not in data.lower()
    assert b"*1\r\n$5\r\nMULTI\r\n" in data.upper() or b"multi" in data.lower()
    assert b"hidden" not in data
    assert b"k1" in data and b"k2" in data and b"k3" in data
