"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, byte for byte against redis-server."""
import re
import sys
import threading
import time

import pytest

from respclient import RawClient, wait_busy


def resp3(pair):
    for client in (pair.ours, pair.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")


def run(pair, *commands):
    return [pair.run(*cmd) for cmd in commands]


def run_script(pair, how, body, *args):
    """EVAL ``body``, or SCRIPT LOAD it and EVALSHA it (the cached script's path of its own)."""
    if how == "eval":
        return pair.run("EVAL", body, *args)
    loaded = pair.run("SCRIPT", "LOAD", body)
    if not loaded.startswith(b"$"):
        return loaded
    return pair.run("EVALSHA", loaded.split(b"\r\n")[1], *args)


HOW = pytest.mark.parametrize("how", ["eval", "evalsha"])


# Lua values -> replies, in both protocols.
RETURNS = [
    "return 1", "return -7", "return 3.99", "return -3.99", "return 1e30", "return 0/0",
    "return 'str'", "return ''", "return true", "return false", "return nil", "return",
    "return {}", "return {1, 2, 3.7, 'a', nil, 5}", "return {1, {2, {3, 'x'}}, false, true}",
    "return {ok='fine'}", "return {ok='a\\r\\nb'}", "return {err='My Error'}",
    "return {err='ERR custom\\nline'}", "return {1, {err='inner'}, {ok='st'}}",
    "return {double=3.5}", "return {double=1/0}", "return {double=-1/0}", "return {double=0.1}",
    "return {map={a=1}}", "return {set={x=true}}", "return {big_number='123456789012345678901'}",
    "return {verbatim_string={format='txt', string='hello'}}", "return {err=1}", "return {ok=1}",
    "return {double='x'}", "return redis.status_reply('FINE')", "return redis.error_reply('xx')",
    "return redis.error_reply('-CODE text')", "return redis.error_reply('ERR xx')",
    "return redis.error_reply()", "return redis.status_reply(1)", "return function() end",
    "return {1, 2, nil, 4}", "return {[1]=1, [3]=3}", "return {a=1, 'x'}",
]


@pytest.mark.parametrize("proto", [2, 3])
def test_lua_to_reply(pair, proto):
    if proto == 3:
        resp3(pair)
    for body in RETURNS:
        pair.run("EVAL", body, "0")


# What a script makes of a missing key, in either protocol of its own.
NIL_READS = [
    "return redis.call('GET', KEYS[1])", "return redis.call('GET', 'missing')",
    "return redis.call('GET', 'missing') == false", "return {redis.call('GET', 'missing'), 1}",
    "return type(redis.pcall('GET', 'missing'))", "redis.setresp(3) return redis.call('GET', 'missing')",
    "redis.setresp(3) return redis.call('GET', 'missing') == nil", "redis.setresp(3) return false",
    "redis.setresp(3) return true", "redis.setresp(3) return redis.call('GET', KEYS[1])",
]


@pytest.mark.parametrize("proto", [2, 3])
def test_lua_to_reply_from_cached_scripts(pair, proto):
    # EVALSHA of a cached script runs on a path of its own (ScriptCall.evalsha).
    if proto == 3:
        resp3(pair)
    for key in ("k", "missing"):
        pair.run("SET", "k", "v")
        for body in RETURNS + NIL_READS:
            line = pair.run("SCRIPT", "LOAD", body)
            pair.run("EVALSHA", line.split(b"\r\n")[1], "1", key)


@pytest.mark.parametrize("proto", [2, 3])
def test_nesting_past_the_lua_stack(pair, proto):
    # The test client reads nested replies recursively too.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 30000))
    try:
        _nesting(pair, proto)
    finally:
        sys.setrecursionlimit(limit)


def _nesting(pair, proto):
    if proto == 3:
        resp3(pair)
    for body in ["local t = {} t[1] = t return t", "local t = {} t.map = t return t",
                 "local t = {} t.set = {} t.set[t] = true return t",
                 "local t = {} t[1] = {map={a=t}} return t",
                 "local t = {} for i = 1, 300 do t = {t} end return t"]:
        pair.run("EVAL", body, "0")
    pair.run("PING")


@pytest.mark.parametrize("proto", [2, 3])
def test_lua_to_reply_after_setresp3(pair, proto):
    if proto == 3:
        resp3(pair)
    for body in RETURNS:
        pair.run("EVAL", "redis.setresp(3) " + body, "0")


# Replies -> Lua values: each command's reply is read into Lua and returned.
CALLS = [
    ("SET", "s", "v"), ("GET", "s"), ("GET", "nokey"), ("INCR", "n"), ("INCRBYFLOAT", "f", "1.5"),
    ("RPUSH", "l", "a", "b", "c"), ("LRANGE", "l", "0", "-1"), ("LPOP", "nolist"),
    ("HSET", "h", "f", "v"), ("HGETALL", "h"), ("SADD", "st", "m"), ("SMEMBERS", "st"),
    ("ZADD", "z", "1.5", "m"), ("ZSCORE", "z", "m"), ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
    ("TYPE", "s"), ("PING",), ("EXISTS", "s", "nokey"), ("INCR", "s"), ("HGET", "s", "f"),
    ("LPOS", "l", "x"), ("ZRANDMEMBER", "nozset", "1"), ("SORT", "l", "ALPHA"),
]


@HOW
@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("call", ["call", "pcall"])
def test_reply_to_lua(pair, resp, call, how):
    body = ("redis.setresp(%d) local r = redis.%s(unpack(ARGV)) "
            "if type(r) == 'table' then return {type(r), r} end return {type(r), r}") % (resp, call)
    for args in CALLS:
        run_script(pair, how, body, "0", *args)


def test_reply_to_lua_resp3_types(pair):
    run(pair, ("HSET", "h", "a", "1"), ("SADD", "s", "x"), ("ZADD", "z", "2.5", "m"))
    body = """redis.setresp(3)
    local m = redis.call('HGETALL', 'h')
    local s = redis.call('SMEMBERS', 's')
    local d = redis.call('ZSCORE', 'z', 'm')
    local n = redis.call('GET', 'nokey')
    return {m.map.a, s.set.x and 1 or 0, d.double, type(n), type(d)}"""
    pair.run("EVAL", body, "0")
    pair.run("EVAL", "redis.setresp(3) return redis.call('HGETALL', 'h')", "0")
    pair.run("EVAL", "redis.setresp(3) return redis.call('ZSCORE', 'z', 'm')", "0")
    resp3(pair)
    pair.run("EVAL", "redis.setresp(3) return redis.call('HGETALL', 'h')", "0")
    pair.run("EVAL", "redis.setresp(3) return redis.call('SMEMBERS', 's')", "0")
    pair.run("EVAL", "redis.setresp(3) return redis.call('ZSCORE', 'z', 'm')", "0")
    pair.run("EVAL", "return redis.call('HGETALL', 'h')", "0")


ERRORS = [
    "return redis.call('incr', 's')", "return redis.pcall('incr', 's')",
    "local r = redis.call('incr', 's') return r", "return redis.call('nosuch')",
    "return redis.pcall('nosuch')", "return redis.call('get')", "return redis.call('multi')",
    "return redis.call('blpop', 'l', 0)", "return redis.call('script', 'load', 'x')",
    "error('boom')", "error({err='My Error'})", "error()", "error(nil)", "error(1)",
    "return x", "x = 1", "local t = nil; return t.x", "return redis.call()", "return redis.call(1)",
    "return redis.call('get', {})", "return redis.pcall('get', {})", "return redis.call('get', nil)",
    "return redis.log(1)", "return redis.log('a', 'b')", "return redis.log(99, 'x')",
    "return redis.sha1hex()", "return redis.sha1hex('a', 'b')", "return redis.setresp(4)",
    "return redis.setresp()", "return redis.set_repl(5)", "return redis.set_repl()",
    "return redis.acl_check_cmd('nosuch')", "return redis.acl_check_cmd()",
    "return redis.register_function('a', function() end)", "return print",
    "return type(setfenv)", "return type(newproxy)", "return type(os)", "return type(io)",
    "return type(require)", "return type(package)", "return type(debug)", "return type(dofile)",
    "return type(loadfile)", "string.x = 1", "rawset(_G, 'x', 1)", "math.foo = 1",
    "redis.call = nil", "table.insert = nil", "_G.x = 1",
    "local ok, e = pcall(redis.call, 'incr', 's') return {tostring(ok), e}",
    "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), e}",
    "local ok, e = pcall(redis.setresp, 9) return {tostring(ok), e}",
    "local ok, e = pcall(error, {err='X'}) return {type(e), e}",
    "local ok, e = pcall(error, {1}) return {type(e)}",
    "local ok, e = pcall(function() return redis.call('incr', 's') end) return e",
    "local ok, e = xpcall(function() return redis.call('incr', 's') end, function(e) return e end) "
    "return {type(e), tostring(e.err)}",
    "local ok, e = pcall(function() return x end) return e",
    "return math.random(0)", "return math.random(3, 1)", "return math.random('x')",
    "\n\n  return redis.call('incr', 's')", "#!lua\nreturn redis.call('incr', 's')",
    "return redis.call('select', 99)", "return 1 +", "return 'unfinished",
    "return {coroutine.resume(coroutine.create(function() error('boom') end))}",
    "return {coroutine.resume(coroutine.create(function() error({err='X'}) end))}",
    "return coroutine.resume(1)", "return coroutine.wrap(function() return redis.call('nosuch') end)()",
    "return {pcall(coroutine.wrap(function() return redis.call('nosuch') end))}",
]


@HOW
def test_errors(pair, how):
    pair.run("SET", "s", "notanumber")
    for body in ERRORS:
        run_script(pair, how, body, "0")


# A tail call to a C library keeps the script's frame in Redis: the error
# names the function and the script's line.
TAIL_CALLS = [
    "return cjson.decode('{')", "return bit.band('a')", "return bit.tohex()",
    "return cjson.encode(function() end)", "return cmsgpack.pack()", "return cmsgpack.unpack(1, 2, 3)",
    "return struct.pack('>x', {})", "return struct.unpack('i', 'a')",
    "local function f(x)\n  return cjson.decode(x)\nend\nreturn f('[')",
    "local t = {}\nfunction t.g()\n\n  return bit.lshift()\nend\nreturn t.g()",
    "return cjson.decode(cjson.encode({1, 'x'}))", "return {cmsgpack.unpack(cmsgpack.pack(1, 2, 3))}",
    "return {pcall(cjson.decode, '{')}", "return {pcall(function() return bit.band({}) end)}",
    "return struct.unpack('>i', struct.pack('>i', ARGV[1] or 7))",
    # Tail calls to other functions stay tail calls: deep recursion works.
    "local function loop(n) if n == 0 then return 'done' end return loop(n - 1) end return loop(100000)",
    "local c = cjson\nreturn c.decode('[')",
]


def test_library_errors_under_tail_calls(pair):
    for body in TAIL_CALLS:
        pair.run("EVAL", body, "0")
    pair.run("FUNCTION", "LOAD", "#!lua name=tail\n"
             "redis.register_function('dec', function(keys, args)\n  return cjson.decode(args[1])\nend)")
    pair.run("FCALL", "dec", "0", "[1,")
    pair.run("FCALL", "dec", "0", "[1]")
    pair.run("FUNCTION", "FLUSH")


def test_sandbox_and_api(pair):
    for body in [
        # The C libraries (bit, cjson, cmsgpack, struct) are tested on their own.
        "local libs = {bit=1, cjson=1, cmsgpack=1, struct=1} local t={} "
        "for k,v in pairs(_G) do if not libs[k] then t[#t+1]=k end end table.sort(t) return t",
        "local t={} for k,v in pairs(redis) do t[#t+1]=k end table.sort(t) return t",
        "local t={} for k in pairs(string) do t[#t+1]=k end table.sort(t) return t",
        "local t={} for k in pairs(math) do t[#t+1]=k end table.sort(t) return t",
        "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}",
        "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
        "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
        "return redis.replicate_commands()", "return redis.breakpoint()", "return redis.debug('x')",
        "return redis.set_repl(redis.REPL_ALL)", "return redis.log(redis.LOG_DEBUG, 'x', 1)",
        "return redis.acl_check_cmd('set', 'a', 'b')", "return redis.sha1hex('')",
        "return redis.sha1hex('abc')", "return redis.sha1hex(12)", "return _VERSION",
        "return type(getmetatable(''))", "return ('abc'):upper()", "return string.format('%5.2f', 1.5)",
        "return tostring(loadstring('return 1')())", "return type(loadstring('x = 1'))",
        "local f = loadstring('return x') return pcall(f)", "return #KEYS + #ARGV",
        "return table.concat({1, 2, 3}, ',')", "return tostring(1/3)", "return tostring(2^53)",
        "return select('#', 1, 2, 3)", "return unpack({1, 2, 3})", "return coroutine.status(coroutine.create(function() end))",
        "local t = setmetatable({}, {__index = function() return 5 end}) return t.x",
        "return type(getmetatable(string))",
        "return tostring(next({}))",
        # Precompiled chunks are refused: only source text loads.
        "local f, e = loadstring(string.dump(function() return 1 end)) return {tostring(f), e}",
        "local f, e = loadstring(string.dump(function() return 1 end), 'n') return {tostring(f), e}",
        "local s = string.dump(function() return 1 end) local i = 0 "
        "local f, e = load(function() i = i + 1 if i == 1 then return s end end) return {tostring(f), e}",
        "local co = coroutine.wrap(function() return redis.call('set', 'cc', '1') end) return co()",
    ]:
        pair.run("EVAL", body, "0")
    pair.run("EVAL", "return {KEYS, ARGV}", "2", "k1", "k2", "a1", "a2")
    pair.run("EVAL", "return {KEYS, ARGV}", "0")


def test_api_functions_print_as_functions(pair):
    # Addresses differ between servers: the forms are compared.
    names = ["redis.call", "redis.pcall", "redis.sha1hex", "redis.log", "redis.setresp",
             "redis.set_repl", "redis.acl_check_cmd", "math.random", "math.randomseed"]
    body = "return {%s}" % ", ".join(
        "tostring(%s):match('^function: 0x%%x+$') ~= nil and 1 or tostring(%s)" % (n, n) for n in names)
    pair.run("EVAL", body, "0")
    run(pair, ("EVAL", "return tostring(nil)", "0"), ("EVAL", "return tostring()", "0"),
        ("EVAL", "return {tostring(1.5), tostring(true), type(tostring({}))}", "0"),
        ("EVAL", "return tostring(setmetatable({}, {__tostring = function() return 'x' end}))", "0"))


def test_bytecode_script_is_refused(pair):
    pair.run("EVAL", b"\x1bLuaQ\x00\x01\x04\x08", "0")
    pair.run("SCRIPT", "LOAD", b"\x1bLuaQ\x00")


@HOW
def test_argument_conversion(pair, how):
    for body in [
        "return redis.call('set', 'k', 1.5)", "return redis.call('get', 'k')",
        "redis.call('set', 'k', 0.1) return redis.call('get', 'k')",
        "redis.call('set', 'k', 1e20) return redis.call('get', 'k')",
        "redis.call('set', 'k', 123456789012) return redis.call('get', 'k')",
        "return redis.call('set', 'k', true)", "return redis.call('echo', 'a\\0b')",
        "return redis.call('echo', 2^53 + 1)",
        "return redis.call('echo', 2^63)", "return redis.call('echo', -2^64)",
        "return redis.call('incrby', 'n', 2^53)", "return redis.call('incrbyfloat', 'f', 1/3)",
        "return redis.call('echo', 1/0)", "return {redis.call('echo', KEYS[1], 'extra')}",
        "return redis.call('echo', unpack({'a'}))", "return redis.call('exists', unpack(KEYS))",
        "return {redis.call('mset', unpack(KEYS))}",
        "return coroutine.wrap(function() return redis.call('get', 'k') end)()",
        "return coroutine.wrap(function() return redis.call('incr', 'k') end)()",
    ]:
        run_script(pair, how, body, "2", "key\0one", "")


def test_random_sequence(pair):
    # One generator for the server's life, not reseeded per script.
    pair.run("EVAL", "math.randomseed(12345)", "0")
    for _ in range(3):
        pair.run("EVAL", "return {tostring(math.random()), math.random(10), math.random(5, 9)}", "0")
    pair.run("EVAL", "math.randomseed(7) return {tostring(math.random()), math.random(100)}", "0")
    pair.run("EVAL", "math.randomseed(-3) return tostring(math.random())", "0")


@HOW
def test_more_arguments_than_the_lua_stack_holds(pair, how):
    # The Lua stack takes some 8000 values: past that a run still gets every key and argument.
    body = ("return {#KEYS, #ARGV, KEYS[1], KEYS[#KEYS], ARGV[1], ARGV[#ARGV], "
            "redis.pcall('exists', unpack(KEYS))}")
    for nkeys, nargs in ((999, 1), (1000, 1), (7000, 2), (8100, 0), (3, 20000)):
        args = ["k%d" % i for i in range(nkeys)] + ["a%d" % i for i in range(nargs)]
        run_script(pair, how, body, str(nkeys), *args)
    lib = ("#!lua name=many\nredis.register_function('many', function(keys, args) "
           "return {#keys, #args, keys[#keys], args[#args]} end)")
    pair.run("FUNCTION", "LOAD", "REPLACE", lib)
    for nkeys in (10, 8100):
        pair.run("FCALL", "many", str(nkeys), *["k%d" % i for i in range(nkeys)], "x", "y")


def test_numkeys_and_cache(pair):
    run(pair, ("EVAL", "return 1", "1"), ("EVAL", "return 1", "-1"), ("EVAL", "return 1", "abc"),
        ("EVAL", "return 1", "2", "a"), ("EVAL", "return 1"), ("EVALSHA", "abc", "0"),
        ("EVALSHA", "abc", "x"), ("EVALSHA", "a" * 40, "x"), ("EVALSHA", "a" * 40, "0"),
        ("SCRIPT", "FLUSH"), ("SCRIPT", "LOAD", "return 'hello'"),
        ("SCRIPT", "EXISTS", "1b936e3fe509bcbc9cd0664897bbe8fd0cac101b",
         "1B936E3FE509BCBC9CD0664897BBE8FD0CAC101B", "x"),
        ("EVALSHA", "1B936E3FE509BCBC9CD0664897BBE8FD0CAC101B", "0"),
        ("EVALSHA_RO", "1b936e3fe509bcbc9cd0664897bbe8fd0cac101b", "0"),
        ("SCRIPT", "LOAD", "return 1 +"), ("SCRIPT", "LOAD"), ("SCRIPT", "EXISTS"),
        ("SCRIPT", "FLUSH", "ASYNC"), ("SCRIPT", "FLUSH", "SYNC"), ("SCRIPT", "FLUSH", "x"),
        ("SCRIPT", "FLUSH", "SYNC", "x"),
        ("SCRIPT", "EXISTS", "1b936e3fe509bcbc9cd0664897bbe8fd0cac101b"),
        ("SCRIPT", "KILL"), ("SCRIPT", "KILL", "x"), ("SCRIPT", "DEBUG", "maybe"),
        ("SCRIPT", "DEBUG", "no"), ("SCRIPT", "NOSUCH"), ("SCRIPT", "HELP"), ("SCRIPT",),
        ("EVAL", "return redis.call('get', KEYS[1])", "1", "x"))


def test_shebang_flags(pair):
    run(pair, ("SET", "a", "1"))
    for body in [
        "#!lua\nreturn 1", "#!lua flags=no-writes\nreturn redis.call('get', 'a')",
        "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')",
        "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 2",
        "#!lua flags=\nreturn 3", "#!lua flags=bad\nreturn 1", "#!lua name=x\nreturn 1",
        "#!luax\nreturn 1", "#!lua", "#! lua\nreturn 1", "#!lua  flags=no-writes \nreturn 4",
    ]:
        pair.run("EVAL", body, "0")
        pair.run("EVAL_RO", body, "0")
    run(pair, ("EVAL_RO", "return redis.call('set', 'a', 'b')", "0"),
        ("EVAL_RO", "return redis.call('get', 'a')", "0"),
        ("EVAL_RO", "return redis.pcall('set', 'a', 'b')", "0"))


def test_keyspace_effects(pair):
    run(pair, ("EVAL", "redis.call('select', 2) redis.call('set', 'x', 'db2') return redis.call('get', 'x')", "0"),
        ("GET", "x"), ("SELECT", "2"), ("GET", "x"),
        ("EVAL", "return redis.call('get', 'x')", "0"), ("SELECT", "0"),
        ("EVAL", "redis.call('rpush', 'l', 'b', 'a', 'c') return redis.call('sort', 'l', 'alpha')", "0"),
        ("EVAL", "redis.call('sadd', 'st', 'z', 'y', 'x') return redis.call('sort', 'st', 'alpha')", "0"),
        ("EVAL", "return redis.call('smembers', 'nosuch')", "0"),
        ("SADD", "big", *"kcjabdefghi"),
        # SORT BY nosort of a set sorts anyway inside a script (the set has no order to keep).
        ("EVAL", "return redis.call('sort', 'big', 'by', 'nosort')", "0"),
        ("EVAL", "return redis.call('sort', 'big', 'by', 'nosort', 'desc', 'limit', 1, 3)", "0"),
        ("EVAL", "return redis.call('sort_ro', 'big', 'by', 'nosort', 'limit', 0, 2)", "0"))


def test_multi_exec_with_eval(pair):
    run(pair, ("MULTI",), ("EVAL", "return redis.call('incr', 'c')", "0"),
        ("EVAL", "return redis.call('nosuch')", "0"), ("EVAL", "return 1 +", "0"),
        ("EVALSHA", "a" * 40, "0"), ("EXEC",), ("GET", "c"))


def test_watch_invalidated_by_script(pair_factory):
    pair = pair_factory()
    pair.run("FLUSHALL")
    other = pair_factory()
    run(pair, ("WATCH", "w"))
    other.run("EVAL", "return redis.call('set', 'w', '1')", "0")
    run(pair, ("MULTI",), ("PING",), ("EXEC",))


def _stat_lines(client):
    """INFO commandstats and errorstats lines, without timings and CONFIG's own line."""
    lines = []
    for section in ("commandstats", "errorstats"):
        for line in client.cmd("INFO", section).decode().splitlines():
            if line.startswith(("cmdstat_", "errorstat_")) and not line.startswith("cmdstat_config"):
                lines.append(re.sub(r"usec=\d+,usec_per_call=[\d.]+,", "", line))
    return sorted(lines)


def test_stats(pair):
    run(pair, ("CONFIG", "RESETSTAT"), ("SET", "s", "x"),
        ("EVAL", "redis.call('set', 'a', '1') return redis.call('get', 'a')", "0"),
        ("EVAL", "return redis.call('incr', 's')", "0"), ("EVAL", "error('x')", "0"),
        ("EVAL", "return redis.pcall('incr', 's')", "0"), ("EVAL", "return {err='X bad'}", "0"),
        ("EVAL", "return redis.call('nosuch')", "0"), ("EVAL", "return redis.call('get')", "0"))
    ours, theirs = _stat_lines(pair.ours), _stat_lines(pair.theirs)
    assert ours == theirs, "\n%s\n%s" % (ours, theirs)


def test_memory_fields(pair):
    for client in (pair.ours, pair.theirs):
        client.cmd("SCRIPT", "FLUSH")
        client.cmd("SCRIPT", "LOAD", "return 1")
        info = client.cmd("INFO", "memory").decode()
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        assert fields["number_of_cached_scripts"] == "1"
        for name in ("used_memory_vm_eval", "used_memory_scripts_eval", "used_memory_vm_functions",
                     "used_memory_vm_total", "used_memory_functions", "used_memory_scripts",
                     "used_memory_lua"):
            assert int(fields[name]) >= 0


def test_getkeys(pair):
    run(pair, ("COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"),
        ("COMMAND", "GETKEYS", "EVAL", "return 1", "0"),
        ("COMMAND", "GETKEYS", "EVALSHA_RO", "x", "1", "k"),
        ("COMMAND", "GETKEYS", "EVAL", "return 1", "5", "a"),
        ("COMMAND", "INFO", "eval", "evalsha", "eval_ro", "evalsha_ro"),
        ("COMMAND", "DOCS", "eval"))


def _busy_run(servers, body, commands, kill):
    """Start ``body`` on one connection, then send ``commands`` from another; both servers."""
    results = []
    for server in servers:
        caller, other = RawClient(server.port), RawClient(server.port)
        other.cmd("CONFIG", "SET", "busy-reply-threshold", "100")
        replies = {}
        thread = threading.Thread(target=lambda: replies.setdefault("r", caller.cmd(*body)))
        thread.start()
        wait_busy(other)
        seen = [other.cmd(*cmd) for cmd in commands]
        if kill:
            seen.append(other.cmd(*kill))
        thread.join(20)
        seen.append(replies.get("r"))
        seen.append(other.cmd("PING"))
        caller.close()
        other.close()
        results.append(seen)
    assert results[0] == results[1]
    return results[0]


def test_busy_script_killed(servers_with):
    servers = servers_with()
    seen = _busy_run(servers, ("EVAL", "local i = 0 while true do i = i + 1 end", "0"),
                     [("PING",), ("GET", "x"), ("FUNCTION", "STATS"), ("FUNCTION", "KILL"),
                      ("MULTI",), ("GET", "x"), ("SCRIPT", "LOAD", "return 1"), ("DISCARD",),
                      ("SHUTDOWN",)],
                     ("SCRIPT", "KILL"))
    assert seen[0].startswith(b"-BUSY")
    assert seen[-2].startswith(b"-ERR Script killed by user with SCRIPT KILL")


def test_busy_script_pcall_cannot_swallow_kill(servers_with):
    servers = servers_with()
    body = "while true do pcall(function() local i = 0 while true do i = i + 1 end end) end"
    _busy_run(servers, ("EVAL", body, "0"), [("PING",)], ("SCRIPT", "KILL"))


def test_busy_script_unkillable_after_write(servers_with):
    servers = servers_with()
    body = ("redis.call('set', 'w', 'x') local i = 0 while i < 30000000 do i = i + 1 end "
            "return redis.call('get', 'w')")
    seen = _busy_run(servers, ("EVAL", body, "0"), [("GET", "w")], ("SCRIPT", "KILL"))
    assert seen[-3].startswith(b"-UNKILLABLE")


def test_acl_applies_to_script_commands(pair_factory):
    admin = pair_factory()
    admin.run("ACL", "SETUSER", "lim", "on", "nopass", "~k*", "&chan", "+eval", "+get", "+acl|log")
    admin.run("ACL", "LOG", "RESET")
    try:
        limited = pair_factory()
        limited.run("AUTH", "lim", "x")
        for body in ["return redis.call('set', 'k1', 'v')", "return redis.call('get', 'other')",
                     "return redis.pcall('set', 'k1', 'v')", "return redis.call('get', 'k1')",
                     "return redis.acl_check_cmd('set', 'k1', 'v')",
                     "return redis.acl_check_cmd('get', 'k1')", "return redis.acl_check_cmd('get', 'zz')"]:
            limited.run("EVAL", body, "0")
        for client in (admin.ours, admin.theirs):
            entry = client.cmd("ACL", "LOG", "1")
            assert b"$7\r\ncontext\r\n$3\r\nlua\r\n" in entry and b"$3\r\nset\r\n" in entry
    finally:
        admin.run("ACL", "DELUSER", "lim")


def test_scripts_when_out_of_memory(servers_with, pair_factory):
    p = pair_factory(servers_with("--maxmemory-policy", "noeviction"))
    for side in (p.ours, p.theirs):
        for i in range(2000):
            side.cmd("SET", "fill:%d" % i, "x" * 1000)
        # Far below what the data uses, so both are plainly out of memory.
        side.cmd("CONFIG", "SET", "maxmemory", "1mb")
    for args in (
            ("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "a"),
            ("EVAL", "return redis.pcall('set', KEYS[1], 'v')", "1", "a"),
            ("EVAL", "return redis.call('get', KEYS[1])", "1", "fill:1"),
            ("EVAL", "redis.call('del', KEYS[1]); return redis.call('set', KEYS[2], 'v')", "2",
             "fill:1", "b"),
            ("EVAL", "#!lua\nreturn redis.call('set', KEYS[1], 'v')", "1", "a"),
            ("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'v')", "1", "a"),
            ("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "a"),
            ("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "a"),
            ("FUNCTION", "LOAD", "#!lua name=oomlib\nredis.register_function('w', function(k) "
                                 "return redis.call('set', k[1], 'v') end)"),
            ("FCALL", "w", "1", "c")):
        ours = p.ours.cmd(*args)
        theirs = p.theirs.cmd(*args)
        # Script error replies name the script's sha and line: compared whole.
        assert ours == theirs, (args, ours, theirs)


def test_blocking_stream_reads_from_scripts(pair):
    pair.run("XADD", "s", "1-1", "f", "v")
    pair.run("EVAL", "return redis.call('xread', 'block', '0', 'streams', 's', '0')", "0")
    pair.run("EVAL", "return redis.call('xread', 'count', '1', 'streams', 's', '0')", "0")
    pair.run("EVAL", "return redis.pcall('xreadgroup', 'group', 'g', 'c', 'block', '10', "
                     "'streams', 's', '>')", "0")


def _script_reads_tracked(port):
    """What a tracking client hears after its scripts read keys (EVAL, FCALL) and they change."""
    reader, writer = RawClient(port), RawClient(port)
    out = [reader.cmd("HELLO", "3")[:1], reader.cmd("CLIENT", "TRACKING", "ON")]
    out.append(reader.cmd("EVAL", "redis.pcall('GET', KEYS[1]) return redis.call('HGET', KEYS[2], 'f')",
                          "2", "trk:a", "trk:h"))
    out.append(reader.cmd("EVAL", "return redis.pcall('SET', KEYS[1], 1)", "1", "trk:w"))
    out.append(reader.cmd("FUNCTION", "LOAD", "REPLACE",
                          "#!lua name=trklib\nredis.register_function('rd', "
                          "function(k) return redis.call('STRLEN', k[1]) end)"))
    out.append(reader.cmd("FCALL", "rd", "1", "trk:f"))
    for key in ("trk:a", "trk:h", "trk:w", "trk:f"):
        out.append(writer.cmd("SET", key, "changed"))
        out.append(reader.read_all())
    out.append(reader.cmd("FUNCTION", "DELETE", "trklib"))
    reader.close()
    writer.close()
    return out


def test_keys_a_script_reads_are_tracked_for_its_caller(server, real_redis):
    # call() remembers a read command's keys for server.script_caller.
    assert _script_reads_tracked(server.port) == _script_reads_tracked(real_redis.port)


def _script_commands_seen(port):
    """MONITOR, SLOWLOG and LATENCY HISTOGRAM around scripts' commands (timings masked)."""
    c, m = RawClient(port), RawClient(port)
    c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
    c.cmd("SLOWLOG", "RESET")
    c.cmd("CONFIG", "RESETSTAT")
    m.send(b"MONITOR\r\n")
    out = [m.read_reply()]
    c.cmd("EVAL", "redis.call('SET', KEYS[1], 'v') redis.call('EXPIRE', KEYS[1], 100) "
                  "return redis.call('GET', KEYS[1])", "1", "seen")
    c.cmd("EVAL", "return redis.pcall('INCR', KEYS[1])", "1", "seen")
    c.cmd("EVAL", "return redis.call('HSET', KEYS[1], 'f', 1.5)", "1", "seen:h")
    out.append(re.sub(rb"\+\d+\.\d+ \[0 [^\]]*\]", b"+T", m.read_all()))
    c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    out.append(re.sub(rb":\d+\r\n", b":N\r\n", c.cmd("SLOWLOG", "GET")))
    out.append(re.sub(rb"(histogram_usec\r\n)\*\d+\r\n(:\d+\r\n:\d+\r\n)+", rb"\1",
                      c.cmd("LATENCY", "HISTOGRAM", "set", "get", "expire", "incr", "hset", "eval")))
    c.cmd("DEL", "seen", "seen:h")
    c.close()
    m.close()
    return out


def test_script_commands_in_monitor_slowlog_and_latency(server, real_redis):
    # The commands a script runs go through call()'s bookkeeping as a client's do.
    assert _script_commands_seen(server.port) == _script_commands_seen(real_redis.port)
