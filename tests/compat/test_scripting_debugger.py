"""The Lua debugger (SCRIPT DEBUG YES|SYNC, the LDB protocol) against redis-server, transcript by transcript.

Each session runs on a fresh connection to each server: SCRIPT DEBUG, EVAL,
then debugger commands, every reply compared raw.  The last command ends the
script: ``<endsession>``, the EVAL reply, then both servers close the
connection.  Lua values that print as an address are compared up to it.
"""
import re
import shutil
import subprocess

import pytest

from respclient import RawClient

_ADDRESS = re.compile(rb"@0x[0-9a-f]+")

SCRIPT = ("local a = 1\nlocal b = {1,2,'x'}\nredis.call('set', KEYS[1], 'v')\n"
          "local c = redis.call('get', KEYS[1])\nredis.debug('dbg', a, b)\nreturn c")
FUNCTIONS = ("local function f(x)\n  local y = x * 2\n  redis.breakpoint()\n  return y\nend\n"
             "local t = {a=1, b='s', c={true,false}}\nlocal r = f(21)\nredis.call('incr', 'n')\nreturn r")
VALUES = ("local t = {a=1, b='s', c={true,false}, 1.5, 'q\"x\\n'}\nlocal u = nil\n"
          "local f = function() end\nredis.debug(t, u, 1e20, 0.1, -3, {}, f, nil, 123456789012)\n"
          "error('final')")

SESSIONS = [
    (SCRIPT, "1", ["k", "arg"], [("help",), ("s",), ("list",), ("p",), ("whole",), ("b", "3"), ("c",),
                            ("e", "return 1+1"), ("r", "get", "k"), ("maxlen",), ("maxlen", "10"),
                            ("t",), ("s",), ("s",), ("s",), ("s",)]),
    (FUNCTIONS, "1", ["k1", "a1", "a2"],
     [("b",), ("b", "7"), ("b", "2"), ("b",), ("b", "-7"), ("b", "0"), ("b", "x"), ("b", "99"),
      ("b", "-5"), ("b", "3", "3"), ("b", "-3"), ("c",), ("p",), ("p", "x"), ("p", "KEYS"), ("p", "ARGV"),
      ("p", "nosuch"), ("t",), ("l", "3", "1"), ("l", "0", "0"), ("l", "100"), ("e", "error('boom')"),
      ("e", "return {1,'a'}"), ("e", "x +"), ("e",), ("e", "{ARGV[1],", "KEYS}"), ("r", "nosuch"), ("r",),
      ("r", "xadd"), ("nosuch",), ("NEXT",), ("CONTINUE",)]),
    (VALUES, "0", [], [("p", "t"), ("r", "hset", "h", "f", "v"), ("r", "hgetall", "h"), ("r", "incr", "h"),
                  ("r", "ping"), ("r", "lrange", "nolist", "0", "-1"), ("r", "set", "big", "x" * 300),
                  ("r", "get", "big"), ("r", "get", "big"), ("m", "0"), ("r", "get", "big"),
                  ("s",), ("s",), ("s",), ("p",), ("s",), ("s",)]),
    ("local n = 123456789012\nlocal e = {}\nreturn 1\n\n", "0", [],
     [("p",), ("s",), ("p",), ("e", "{n, 1/3, 2^63}"), ("w",), ("a",)]),
    ("return 1", "0", [], [("s",)]),
    ("#!lua flags=no-writes\nreturn redis.call('set', 'x', 'y')", "0", [], [("s",)]),
    # Errors before the script runs end the session at once.
    ("return 1", "notanumber", [], []),
    ("return 1", "3", ["a"], []),
    ("return +", "0", [], []),
]


def _session(port, mode, body, numkeys, args, commands):
    client = RawClient(port)
    try:
        replies = [client.cmd("SCRIPT", "DEBUG", mode)]
        replies.append(client.cmd("EVAL", body, numkeys, *args))
        for command in commands:
            replies.append(client.cmd(*command))
        # After <endsession>: the EVAL reply, then the connection closes.
        replies.append(client.read_all(0.5))
        replies.append(client.is_closed(2.0))
    finally:
        client.close()
    return [_ADDRESS.sub(b"@ADDR", r) if isinstance(r, bytes) else r for r in replies]


@pytest.mark.parametrize("mode", ["SYNC", "YES"])
@pytest.mark.parametrize("index", range(len(SESSIONS)))
def test_session_transcripts(server, real_redis, mode, index):
    body, numkeys, args, commands = SESSIONS[index]
    for port in (server.port, real_redis.port):
        RawClient(port).cmd("FLUSHALL")
    mine = _session(server.port, mode, body, numkeys, args, commands)
    oracle = _session(real_redis.port, mode, body, numkeys, args, commands)
    assert mine == oracle
    assert mine[0] == b"+OK\r\n" and mine[-1] is True


@pytest.mark.parametrize("mode", ["SYNC", "YES"])
def test_dataset_after_the_session(server, real_redis, mode):
    """SYNC keeps what the script wrote; YES ran it in a child, so nothing changed."""
    for port in (server.port, real_redis.port):
        client = RawClient(port)
        client.cmd("FLUSHALL")
        client.close()
        _session(port, mode, SCRIPT, "1", ["k", "arg"], [("c",)])
    results = [RawClient(port).cmd("GET", "k") for port in (server.port, real_redis.port)]
    assert results[0] == results[1] == (b"$1\r\nv\r\n" if mode == "SYNC" else b"$-1\r\n")


def test_redis_cli_ldb(server, real_redis, tmp_path):
    """redis-cli --ldb --eval drives both servers to the same console output."""
    if shutil.which("redis-cli") is None:
        pytest.skip("redis-cli is not installed")
    script = tmp_path / "dbg.lua"
    script.write_text("local a = redis.call('set', KEYS[1], ARGV[1])\nredis.debug('set', a)\n"
                      "local f = function() return 1 end\nreturn redis.call('get', KEYS[1])\n")
    outputs = []
    for port in (server.port, real_redis.port):
        for sync in ([], ["--ldb-sync-mode"]):
            proc = subprocess.run(["redis-cli", "-p", str(port), "--ldb"] + sync
                                  + ["--eval", str(script), "k1", ",", "v1"],
                                  input=b"s\np\nb 4\nc\nr get k1\nl\nw\nc\n", capture_output=True, timeout=30)
            # What redis-cli prints after the last reply depends on whether it
            # writes to the closed connection before it notices the close.
            text = proc.stdout.split(b"\n(Lua debugging session ended")[0].rstrip(b"\n")
            outputs.append(text)
    assert outputs[:2] == outputs[2:]
    assert b"<debug> line 2:" in outputs[0] and b"->#4" in outputs[0]


@pytest.mark.parametrize("mode", ["SYNC", "YES"])
def test_pipelined_and_inside_exec(server, real_redis, mode):
    """The session writes to the socket at once; replies queued before it follow the EVAL's."""
    transcripts = []
    for port in (server.port, real_redis.port):
        client = RawClient(port)
        client.send(b"SCRIPT DEBUG " + mode.encode() + b"\r\nMULTI\r\nEVAL 'return 1' 0\r\nEXEC\r\n")
        first = client.read_reply()
        client.send(b"*1\r\n$1\r\nc\r\n")
        transcripts.append((first, client.read_all(1.0), client.is_closed(2.0)))
        client.close()
    assert transcripts[0] == transcripts[1]
    assert transcripts[0][0].startswith(b"*2\r\n+* Stopped at 1")


def _bulk(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


# What a debugging client may send that is not one well-formed request:
# ldbReplParseCommand looks for a request from the first '*', takes
# arguments of 1 to 1024 bytes only, and drops what follows a request.
RAW_REQUESTS = {
    "oversized argument": [_bulk(b"p", b"x" * 1025)],
    "empty argument": [b"*2\r\n$1\r\np\r\n$0\r\n\r\n"],
    "largest argument": [_bulk(b"e", b"return '" + b"x" * 1014 + b"'"), _bulk(b"c")],
    "inline": [b"s\r\n"],
    "text before the request": [b"junk *1\r\n$1\r\ns\r\n", _bulk(b"c")],
    "pipelined": [_bulk(b"s") + _bulk(b"s"), _bulk(b"c")],
    "no arguments": [b"*0\r\n"],
    "too many arguments": [b"*1025\r\n"],
    "not a bulk": [b"*1\r\n:1\r\n"],
    "in pieces": [b"*1\r\n$1\r", b"\ns\r\n", _bulk(b"c")],
    "argument without CRLF": [b"*1\r\n$1\r\nsXY"],
    "NUL before CRLF": [b"*1\x00\r\n$1\r\ns\r\n"],
}


def _raw_session(port, mode, sends):
    client = RawClient(port)
    try:
        replies = [client.cmd("SCRIPT", "DEBUG", mode),
                   client.cmd("EVAL", "local a = 1\nlocal b = 2\nreturn a + b", "0")]
        for data in sends:
            try:
                client.send(data)
            except OSError:
                replies.append("send failed")
                break
            # A reply, or what comes before the connection closes.
            try:
                replies.append(client.read_all(0.5))
            except OSError:
                replies.append("reset")
        replies.append(client.is_closed(2.0))
    finally:
        client.close()
    return [_ADDRESS.sub(b"@ADDR", r) if isinstance(r, bytes) else r for r in replies]


@pytest.mark.parametrize("mode", ["SYNC", "YES"])
@pytest.mark.parametrize("case", sorted(RAW_REQUESTS))
def test_raw_requests(server, real_redis, mode, case):
    mine = _raw_session(server.port, mode, RAW_REQUESTS[case])
    oracle = _raw_session(real_redis.port, mode, RAW_REQUESTS[case])
    assert mine == oracle
    assert mine[1].startswith(b"*2\r\n+* Stopped at 1")


def test_more_than_a_megabyte_without_a_request(server, real_redis):
    transcripts = []
    for port in (server.port, real_redis.port):
        client = RawClient(port)
        client.cmd("SCRIPT", "DEBUG", "SYNC")
        client.cmd("EVAL", "return 1", "0")
        # Never a complete request: the count line's CRLF does not come.
        client.send(b"*1")
        try:
            client.send(b"1" * (1 << 20))
        except OSError:
            pass
        # Everything up to the close (a megabyte takes a while to read on a busy machine).
        transcripts.append((client.read_all(15.0), client.is_closed(2.0)))
        client.close()
    assert transcripts[0] == transcripts[1]
    assert b"max client buffer reached" in transcripts[0][0]


RESP3_SCRIPT = "redis.setresp(3)\nredis.call('del', 'h', 's', 'z')\nreturn 1"
RESP3_COMMANDS = [("s",), ("s",), ("r", "hset", "h", "f", "v", "g", "w"), ("r", "hgetall", "h"),
                  ("r", "sadd", "s", "a"), ("r", "smembers", "s"), ("r", "zadd", "z", "1.5", "m"),
                  ("r", "zscore", "z", "m"), ("r", "zrange", "z", "0", "-1", "withscores"),
                  ("r", "get", "nokey"), ("r", "hgetall", "nokey"), ("r", "zscore", "z", "nom"),
                  # Verbatim strings: Redis 7.0's debugger shows nothing for them.
                  ("r", "lolwut", "version", "1"), ("r", "info", "nosuchsection"),
                  ("r", "incr", "h"), ("c",)]


@pytest.mark.parametrize("mode", ["SYNC", "YES"])
def test_resp3_replies(server, real_redis, mode):
    """<reply> lines of a script that switched to RESP3 (ldbRedisProtocolToHuman)."""
    for port in (server.port, real_redis.port):
        RawClient(port).cmd("FLUSHALL")
    mine = _session(server.port, mode, RESP3_SCRIPT, "0", [], RESP3_COMMANDS)
    oracle = _session(real_redis.port, mode, RESP3_SCRIPT, "0", [], RESP3_COMMANDS)
    assert mine == oracle
    assert b"+<reply> {\"f\" => \"v\",\"g\" => \"w\"}\r\n" in mine[5]


def test_lost_client_lets_the_script_finish(server, real_redis):
    """A SYNC session whose client goes away: the script runs to its end without stopping."""
    body = "redis.call('set', 'k', 'v')\nredis.breakpoint()\nredis.call('set', 'k2', 'v2')\nreturn 1"
    results = []
    for port in (server.port, real_redis.port):
        control = RawClient(port)
        control.cmd("FLUSHALL")
        client = RawClient(port)
        client.cmd("SCRIPT", "DEBUG", "SYNC")
        client.cmd("EVAL", body, "0")
        client.cmd("b", "3")
        client.close()
        results.append(control.cmd("MGET", "k", "k2"))
    assert results[0] == results[1] == b"*2\r\n$1\r\nv\r\n$2\r\nv2\r\n"
