"""FUNCTION and FCALL, byte for byte against redis-server, and DUMP/RESTORE between the two."""
import threading
import time

import pytest

from respclient import RawClient, parse, wait_busy

LIB = ("#!lua name=mylib\n"
       "redis.register_function('echo_args', function(keys, args) return {keys, args} end)\n"
       "redis.register_function{function_name='ro_get', callback=function(keys) "
       "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}\n"
       "redis.register_function{function_name='writer', callback=function(keys, args) "
       "return redis.call('set', keys[1], args[1]) end}\n"
       "redis.register_function('fails', function() return redis.call('incr', 'nokey', 'x') end)\n"
       "redis.register_function('raises', function() error('from a function') end)\n")


def resp3(pair):
    for client in (pair.ours, pair.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")


def run(pair, *commands):
    return [pair.run(*cmd) for cmd in commands]


@pytest.fixture
def fpair(pair):
    pair.run("FUNCTION", "FLUSH")
    yield pair
    pair.run("FUNCTION", "FLUSH")


LOAD_ERRORS = [
    "return 1", "#!lua\nreturn 1", "#!lua name=\nreturn 1", "#!lua name=a-b\nreturn 1",
    "#!lua name=lib1 foo=bar\nreturn 1", "#!lu name=lib1\nreturn 1", "#!lua name=lib1\nreturn 1",
    "#!lua name=lib1", "#!lua name=a name=b\nreturn 1",
    "#!lua name=lib3\nredis.register_function('g', 'x')",
    "#!lua name=lib4\nredis.register_function{function_name='g', callback=function() end, flags={'bad'}}",
    "#!lua name=lib4\nredis.register_function{function_name='g', callback=function() end, flags='x'}",
    "#!lua name=lib4\nredis.register_function{function_name='g', callback=function() end, foo=1}",
    "#!lua name=lib4\nredis.register_function{function_name={}, callback=function() end}",
    "#!lua name=lib4\nredis.register_function{function_name='g', callback=1}",
    "#!lua name=lib4\nredis.register_function{function_name='g', description={}, callback=function() end}",
    "#!lua name=lib4\nredis.register_function('g')", "#!lua name=lib4\nredis.register_function()",
    "#!lua name=lib4\nredis.register_function('a', function() end, 3)",
    "#!lua name=lib4\nredis.register_function{callback=function() end}",
    "#!lua name=lib4\nredis.register_function{function_name='x'}",
    "#!lua name=lib4\nredis.register_function({}, function() end)",
    "#!lua name=lib4\nredis.register_function('g-h', function() end)",
    "#!lua name=lib4\nredis.register_function('g', function() end) redis.register_function('g', function() end)",
    "#!lua name=lib4\nredis.call('set','a','b')", "#!lua name=lib4\nerror('x')",
    "#!lua name=lib4\nreturn 1 +", "#!lua name=lib4\nx = 5", "#!lua name=lib4\nlocal s = string.rep('x', 2)",
    "#!lua name=lib4\nredis.setresp(3)", "#!lua name=lib4\nredis.nosuch()",
    "#!lua name=lib4\nredis.register_function('echo_args', function() end)",
    "#!lua name=spin\nwhile true do end",
]


def test_load_errors(fpair):
    fpair.run("FUNCTION", "LOAD", LIB)
    for code in LOAD_ERRORS:
        fpair.run("FUNCTION", "LOAD", code)
    run(fpair, ("FUNCTION", "LOAD", LIB), ("FUNCTION", "LOAD", "REPLACE", "REPLACE", LIB),
        ("FUNCTION", "LOAD", "FOO", LIB), ("FUNCTION", "LOAD", "REPLACE"), ("FUNCTION", "LOAD"),
        ("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('WRITER', function() end)"))


def test_fcall(fpair):
    run(fpair, ("FUNCTION", "LOAD", LIB), ("FCALL", "echo_args", "2", "a", "b", "c", "d"),
        ("FCALL", "ECHO_ARGS", "0"), ("FCALL", "writer", "1", "k", "v"), ("FCALL", "ro_get", "1", "k"),
        ("FCALL_RO", "ro_get", "1", "k"), ("FCALL_RO", "writer", "1", "k", "v"),
        ("FCALL", "fails", "0"), ("FCALL", "raises", "0"), ("FCALL", "nosuch", "0"),
        ("FCALL", "nosuch", "x"), ("FCALL", "writer", "x"), ("FCALL", "writer", "-1"),
        ("FCALL", "writer", "3", "a"), ("FCALL", "writer"), ("FCALL_RO", "echo_args", "0"))
    lib = ("#!lua name=ro\nredis.register_function{function_name='ro_writes', "
           "callback=function() return redis.call('set', 'x', '1') end, flags={'no-writes'}}")
    run(fpair, ("FUNCTION", "LOAD", lib), ("FCALL", "ro_writes", "0"), ("FCALL_RO", "ro_writes", "0"))


def test_function_globals(fpair):
    lib = ("#!lua name=g\nredis.register_function('globals', function() "
           "local libs = {bit=1, cjson=1, cmsgpack=1, struct=1} local t = {} "
           "for k in pairs(_G) do if not libs[k] then t[#t+1] = k end end table.sort(t) return t end)\n"
           "redis.register_function('keys', function() return KEYS end)\n"
           "redis.register_function('setglobal', function() y = 1 end)\n"
           "redis.register_function('resp3', function() redis.setresp(3) "
           "return redis.call('hgetall', 'h') end)\n"
           # Helpers defined while the library loads see the full globals when called.
           "local function helper(k) return {redis.call('get', k), string.upper('x')} end\n"
           "redis.register_function('uses_helper', function(keys) return helper(keys[1]) end)\n")
    run(fpair, ("FUNCTION", "LOAD", lib), ("FCALL", "globals", "0"), ("FCALL", "keys", "0"),
        ("FCALL", "setglobal", "0"), ("HSET", "h", "a", "b"), ("FCALL", "resp3", "0"),
        ("SET", "hk", "hv"), ("FCALL", "uses_helper", "1", "hk"))


# Redis lists libraries, and functions in a library, in its hash tables'
# order: listings compared byte for byte hold one function per library and
# one library unless filtered.
LIST_LIB = ("#!lua name=mylib\nredis.register_function{function_name='ro_get', callback=function(keys) "
            "return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-stale'}, "
            "description='reads a key'}")
OTHER_LIB = "#!lua name=other\nredis.register_function('plain', function() return 1 end)"


@pytest.mark.parametrize("proto", [2, 3])
def test_list_and_stats(fpair, proto):
    if proto == 3:
        resp3(fpair)
    run(fpair, ("FUNCTION", "LIST"), ("FUNCTION", "STATS"), ("FUNCTION", "LOAD", LIST_LIB),
        ("FUNCTION", "LIST"), ("FUNCTION", "LIST", "WITHCODE"), ("FUNCTION", "LOAD", OTHER_LIB),
        ("FUNCTION", "LIST", "LIBRARYNAME", "my*"), ("FUNCTION", "LIST", "LIBRARYNAME", "MY*"),
        ("FUNCTION", "LIST", "LIBRARYNAME", "x*"), ("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "oth?r"),
        ("FUNCTION", "LIST", "LIBRARYNAME", "mylib", "WITHCODE"),
        ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"), ("FUNCTION", "LIST", "LIBRARYNAME"),
        ("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"),
        ("FUNCTION", "LIST", "foo"), ("FUNCTION", "STATS"), ("FUNCTION", "STATS", "x"),
        ("FUNCTION", "HELP"), ("FUNCTION", "NOSUCH"), ("FUNCTION",))


def _normalised_list(client, *args):
    """FUNCTION LIST with libraries and their functions sorted by name.

    Redis lists both in the order of its hash tables, whose siphash seed is
    random per process: two redis-servers disagree with each other, so only
    the contents can be compared.  pyredis lists them in load order.
    """
    libraries = parse(client.cmd("FUNCTION", "LIST", *args))
    for lib in libraries:
        functions = lib[lib.index(b"functions") + 1]
        functions.sort(key=lambda f: f[1])
    return sorted(libraries, key=lambda lib: lib[1])


def test_list_of_several_libraries_unordered(fpair):
    for name in ("alpha", "beta", "gamma", "delta", "eps"):
        body = ("#!lua name=%s\n" % name + "".join(
            "redis.register_function{function_name='%s_%d', callback=function() return %d end%s}\n"
            % (name, i, i, ", flags={'no-writes'}" if i % 2 else "") for i in range(4)))
        fpair.run("FUNCTION", "LOAD", body)
    for args in ((), ("WITHCODE",), ("LIBRARYNAME", "*a*")):
        assert _normalised_list(fpair.ours, *args) == _normalised_list(fpair.theirs, *args)
    assert len(_normalised_list(fpair.ours)) == 5
    fpair.run("FCALL", "gamma_3", "0")


def test_delete_flush_kill(fpair):
    run(fpair, ("FUNCTION", "LOAD", LIB), ("FUNCTION", "DELETE", "nosuch"), ("FUNCTION", "DELETE", "MYLIB"),
        ("FUNCTION", "DELETE", "mylib"), ("FCALL", "echo_args", "0"), ("FUNCTION", "DELETE"),
        ("FUNCTION", "LOAD", LIB), ("FUNCTION", "FLUSH", "foo"), ("FUNCTION", "FLUSH", "ASYNC"),
        ("FUNCTION", "LIST"), ("FUNCTION", "LOAD", LIB), ("FUNCTION", "FLUSH", "SYNC"),
        ("FUNCTION", "DUMP"),
        ("FUNCTION", "FLUSH"), ("FUNCTION", "KILL"), ("FUNCTION", "KILL", "x"))


def _dump(client):
    return parse(client.cmd("FUNCTION", "DUMP"))


@pytest.mark.parametrize("direction", ["redis_to_pyredis", "pyredis_to_redis"])
def test_dump_restore_between_servers(fpair, direction):
    other = "#!lua name=short\nredis.register_function('s', function() return 1 end)"
    for client in (fpair.ours, fpair.theirs):
        client.cmd("FUNCTION", "LOAD", LIB)
        client.cmd("FUNCTION", "LOAD", other)
    source, target = ((fpair.theirs, fpair.ours) if direction == "redis_to_pyredis"
                      else (fpair.ours, fpair.theirs))
    payload = _dump(source)
    # Which library is named first follows Redis's hash table order.
    conflict = target.cmd("FUNCTION", "RESTORE", payload)
    assert conflict in (b"-ERR Library mylib already exists\r\n", b"-ERR Library short already exists\r\n")
    assert target.cmd("FUNCTION", "RESTORE", payload, "REPLACE") == b"+OK\r\n"
    assert target.cmd("FUNCTION", "FLUSH") == b"+OK\r\n"
    assert target.cmd("FUNCTION", "RESTORE", payload) == b"+OK\r\n"
    assert target.cmd("FCALL", "echo_args", "1", "k", "a") == b"*2\r\n*1\r\n$1\r\nk\r\n*1\r\n$1\r\na\r\n"
    assert target.cmd("FCALL", "s", "0") == b":1\r\n"
    assert target.cmd("FUNCTION", "RESTORE", payload, "FLUSH") == b"+OK\r\n"
    # Both servers now hold the same libraries.
    assert fpair.run("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "short")
    lists = [parse(c.cmd("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "mylib"))
             for c in (fpair.ours, fpair.theirs)]
    for entry in lists:
        entry[0][5].sort()
    assert lists[0] == lists[1]
    corrupt = payload[:-1] + bytes([payload[-1] ^ 1])
    fpair.run("FUNCTION", "RESTORE", corrupt)


def test_dump_is_redis_bytes(fpair):
    # One library per dump: several would come out in each server's hash order.
    run(fpair, ("FUNCTION", "DUMP"), ("FUNCTION", "LOAD", LIB), ("FUNCTION", "DUMP"),
        ("FUNCTION", "FLUSH"),
        ("FUNCTION", "LOAD", "#!lua name=tiny\nredis.register_function('t', function() end)"),
        ("FUNCTION", "DUMP"), ("CONFIG", "SET", "rdbcompression", "no"), ("FUNCTION", "DUMP"),
        ("CONFIG", "SET", "rdbcompression", "yes"))


def test_restore_errors(fpair):
    fpair.run("FUNCTION", "LOAD", LIB)
    payload = _dump(fpair.theirs)
    conflicting = "#!lua name=conflict\nredis.register_function('writer', function() end)"
    run(fpair, ("FUNCTION", "RESTORE", "xx"), ("FUNCTION", "RESTORE", "xx", "badpolicy"),
        ("FUNCTION", "RESTORE", payload, "badpolicy"), ("FUNCTION", "RESTORE", payload, "FLUSH", "x"),
        ("FUNCTION", "RESTORE", payload, "append"), ("FUNCTION", "DELETE", "mylib"),
        ("FUNCTION", "LOAD", conflicting), ("FUNCTION", "RESTORE", payload),
        ("FUNCTION", "RESTORE", payload, "REPLACE"), ("FUNCTION", "LIST", "LIBRARYNAME", "conflict"),
        ("FUNCTION", "RESTORE", payload, "FLUSH"), ("FUNCTION", "LIST", "LIBRARYNAME", "conflict"),
        ("FUNCTION", "RESTORE", b"\x01\x02" + payload[-10:]),
        ("FUNCTION", "RESTORE", payload[-10:]))


def test_busy_function_killed(servers_with):
    servers = servers_with()
    lib = ("#!lua name=busy\nredis.register_function('spin', function() "
           "local i = 0 while true do i = i + 1 end end)")
    results = []
    for server in servers:
        caller, other = RawClient(server.port), RawClient(server.port)
        other.cmd("FUNCTION", "FLUSH")
        other.cmd("FUNCTION", "LOAD", lib)
        other.cmd("CONFIG", "SET", "busy-reply-threshold", "100")
        replies = {}
        thread = threading.Thread(target=lambda: replies.setdefault("r", caller.cmd("FCALL", "spin", "0")))
        thread.start()
        wait_busy(other)
        seen = [other.cmd("PING"), other.cmd("SCRIPT", "KILL"), other.cmd("MULTI"), other.cmd("INCR", "x"),
                other.cmd("EXEC")]
        stats = parse(other.cmd("FUNCTION", "STATS"))
        running = dict(zip(stats[1][::2], stats[1][1::2]))
        seen.append((running[b"name"], running[b"command"]))
        seen.append(other.cmd("FUNCTION", "KILL"))
        thread.join(20)
        seen.append(replies.get("r"))
        seen.append(other.cmd("PING"))
        caller.close()
        other.close()
        results.append(seen)
    assert results[0] == results[1]
    assert results[0][0].startswith(b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL")


def test_functions_in_rdb_files_both_ways(tmp_path):
    import os
    import shutil
    import time
    from respclient import RawClient
    from serverproc import start_pyredis, start_redis
    code = ("#!lua name=filelib\nredis.register_function('ff', function(keys, args) "
            "return args[1] end)")
    for make_first, make_second in ((start_pyredis, start_redis), (start_redis, start_pyredis)):
        first = make_first()
        c = RawClient(first.port)
        c.cmd("FUNCTION", "LOAD", code)
        c.cmd("SET", "k", "v")
        dump = c.cmd("FUNCTION", "DUMP")
        assert c.cmd("SAVE") == b"+OK\r\n"
        cwd = c.cmd("CONFIG", "GET", "dir").split(b"\r\n")[-2].decode()
        c.close()
        first.stop()
        target = str(tmp_path / ("from-" + make_first.__name__))
        os.makedirs(target)
        shutil.copy(os.path.join(cwd, "dump.rdb"), target)
        second = make_second("--dir", target)
        d = RawClient(second.port)
        assert d.cmd("FCALL", "ff", "0", "hello") == b"$5\r\nhello\r\n"
        assert d.cmd("GET", "k") == b"$1\r\nv\r\n"
        assert d.cmd("FUNCTION", "DUMP") == dump
        d.close()
        second.stop()
