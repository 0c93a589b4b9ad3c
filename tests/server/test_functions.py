"""FUNCTION and FCALL against a live pyredis."""
import threading
import time

import pytest
from redis.exceptions import ResponseError

from respclient import RawClient, wait_busy

LIB = """#!lua name=counters
local function incr(keys, args)
  return redis.call('incrby', keys[1], args[1] or 1)
end
local function peek(keys)
  return redis.call('get', keys[1])
end
redis.register_function('counter_incr', incr)
redis.register_function{function_name='counter_peek', callback=peek, flags={'no-writes'},
                        description='reads a counter'}
"""


@pytest.fixture
def f(r):
    r.function_flush()
    yield r
    r.function_flush()


def test_load_and_call(f):
    assert f.function_load(LIB) == b"counters"
    assert f.fcall("counter_incr", 1, "c", 5) == 5
    assert f.fcall("COUNTER_INCR", 1, "c") == 6
    assert f.fcall_ro("counter_peek", 1, "c") == b"6"
    with pytest.raises(ResponseError, match="Can not execute a script with write flag using \\*_ro command"):
        f.fcall_ro("counter_incr", 1, "c")
    with pytest.raises(ResponseError, match="Function not found"):
        f.fcall("nosuch", 0)
    with pytest.raises(ResponseError, match="Library 'counters' already exists"):
        f.function_load(LIB)
    assert f.function_load(LIB.replace("reads a counter", "peeks"), replace=True) == b"counters"


def _pairs(flat):
    return dict(zip(flat[::2], flat[1::2]))


def test_list(f):
    f.function_load(LIB)
    (entry,) = [_pairs(e) for e in f.function_list()]
    assert entry[b"library_name"] == b"counters" and entry[b"engine"] == b"LUA"
    functions = {fn[b"name"]: fn for fn in (_pairs(x) for x in entry[b"functions"])}
    assert functions[b"counter_peek"][b"description"] == b"reads a counter"
    assert functions[b"counter_peek"][b"flags"] == [b"no-writes"]
    assert functions[b"counter_incr"][b"description"] is None
    listed = _pairs(f.function_list(library="count*", withcode=True)[0])
    assert listed[b"library_code"] == LIB.encode()
    assert f.function_list(library="other*") == []


def test_delete_flush_and_stats(f):
    f.function_load(LIB)
    stats = _pairs(f.execute_command("FUNCTION", "STATS"))
    assert stats[b"running_script"] is None
    assert _pairs(_pairs(stats[b"engines"])[b"LUA"]) == {b"libraries_count": 1, b"functions_count": 2}
    info = f.info("memory")
    assert info["number_of_libraries"] == 1 and info["number_of_functions"] == 2
    assert info["used_memory_functions"] >= len(LIB)
    assert f.function_delete("counters")
    with pytest.raises(ResponseError, match="Library not found"):
        f.function_delete("counters")
    f.function_load(LIB)
    assert f.function_flush("ASYNC")
    assert f.function_list() == []


def test_dump_and_restore(f):
    f.function_load(LIB)
    payload = f.function_dump()
    f.function_flush()
    assert f.function_restore(payload)
    assert f.fcall("counter_incr", 1, "d") == 1
    with pytest.raises(ResponseError, match="Library counters already exists"):
        f.function_restore(payload)
    assert f.function_restore(payload, "REPLACE")
    assert f.function_restore(payload, "FLUSH")
    with pytest.raises(ResponseError, match="payload version or checksum are wrong"):
        f.function_restore(payload[:-1] + b"\x00")
    assert len(f.function_list()) == 1


def test_function_errors_name_the_function(f):
    f.function_load("#!lua name=bad\nredis.register_function('boom', function() error('no') end)")
    with pytest.raises(ResponseError, match=r"user_function:2: no script: boom, on @user_function:2\."):
        f.fcall("boom", 0)


def test_busy_function_kill_and_stats(start_server):
    server = start_server("--busy-reply-threshold", "50")
    setup = RawClient(server.port)
    setup.cmd("FUNCTION", "LOAD", "#!lua name=busy\nredis.register_function('spin', "
              "function() local i = 0 while true do i = i + 1 end end)")
    caller = RawClient(server.port)
    replies = {}
    thread = threading.Thread(target=lambda: replies.setdefault("r", caller.cmd("FCALL", "spin", "0")))
    thread.start()
    wait_busy(setup)
    assert setup.cmd("GET", "x") == (b"-BUSY Redis is busy running a script. You can only call "
                                     b"FUNCTION KILL or SHUTDOWN NOSAVE.\r\n")
    stats = setup.cmd("FUNCTION", "STATS")
    assert b"spin" in stats and b"FCALL" in stats and b"duration_ms" in stats
    assert setup.cmd("FUNCTION", "KILL") == b"+OK\r\n"
    thread.join(10)
    assert replies["r"] == b"-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n"
    assert setup.cmd("PING") == b"+PONG\r\n"
    caller.close()
    setup.close()
