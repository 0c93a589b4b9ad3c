"""The Lua debugger against a live server: sessions over raw sockets, SYNC blocking, YES forking."""
import time

from respclient import RawClient

BODY = "local a = redis.call('incr', KEYS[1])\nredis.debug('a is', a)\nreturn a"


def _start(server, mode, body=BODY, *keys):
    client = RawClient(server.port)
    assert client.cmd("SCRIPT", "DEBUG", mode) == b"+OK\r\n"
    first = client.cmd("EVAL", body, str(len(keys or ("counter",))), *(keys or ("counter",)))
    return client, first


def test_sync_session_steps_and_ends(server):
    RawClient(server.port).cmd("DEL", "counter")
    client, first = _start(server, "SYNC")
    assert first == (b"*2\r\n+* Stopped at 1, stop reason = step over\r\n"
                     b"+-> 1   local a = redis.call('incr', KEYS[1])\r\n")
    assert client.cmd("s") == (b"*4\r\n+<redis> incr counter\r\n+<reply> 1\r\n"
                               b"+* Stopped at 2, stop reason = step over\r\n+-> 2   redis.debug('a is', a)\r\n")
    assert client.cmd("p") == b"*1\r\n+<value> a = 1\r\n"
    assert client.cmd("c") == b'*2\r\n+<debug> line 2: "a is", 1\r\n+<endsession>\r\n'
    assert client.read_reply() == b":1\r\n"
    assert client.is_closed()
    # SYNC mode keeps what the script did.
    assert RawClient(server.port).cmd("GET", "counter") == b"$1\r\n1\r\n"


def test_sync_session_blocks_other_clients(server):
    client, _ = _start(server, "SYNC")
    other = RawClient(server.port)
    other.send(b"PING\r\n")
    # The server runs nothing else while the session waits for the debugger.
    assert other.read_all(0.3) == b""
    client.cmd("c")
    assert other.read_reply() == b"+PONG\r\n"


def test_forked_session_leaves_the_data_and_serves_others(server):
    control = RawClient(server.port)
    control.cmd("SET", "counter", "10")
    client, first = _start(server, "YES")
    assert first.startswith(b"*2\r\n+* Stopped at 1")
    # The parent keeps serving while the child debugs.
    assert control.cmd("PING") == b"+PONG\r\n"
    assert client.cmd("s").startswith(b"*4\r\n+<redis> incr counter\r\n+<reply> 11\r\n")
    assert client.cmd("r", "get", "counter") == b'*2\r\n+<redis> get counter\r\n+<reply> "11"\r\n'
    assert control.cmd("GET", "counter") == b"$2\r\n10\r\n"
    assert client.cmd("c") == b'*2\r\n+<debug> line 2: "a is", 11\r\n+<endsession>\r\n'
    assert client.read_reply() == b":11\r\n"
    assert client.is_closed()
    assert control.cmd("GET", "counter") == b"$2\r\n10\r\n"


def test_abort_and_lost_client(server):
    client, _ = _start(server, "SYNC")
    assert client.cmd("a") == b"*1\r\n+<endsession>\r\n"
    assert client.read_reply().startswith(b"-ERR script aborted for user request script: ")
    # A debugging client that goes away ends the session; the server carries on.
    client, _ = _start(server, "SYNC")
    client.close()
    deadline = time.time() + 5
    while True:
        try:
            assert RawClient(server.port).cmd("PING") == b"+PONG\r\n"
            break
        except OSError:
            assert time.time() < deadline


def test_debug_mode_answers(server):
    client = RawClient(server.port)
    assert client.cmd("SCRIPT", "DEBUG", "YES") == b"+OK\r\n"
    assert client.cmd("EVALSHA", "a" * 40, "0") == b"-ERR Please use EVAL instead of EVALSHA for debugging\r\n"
    assert client.cmd("SCRIPT", "DEBUG", "NO") == b"+OK\r\n"
    assert client.cmd("EVAL", "return 7", "0") == b":7\r\n"
    assert client.cmd("SCRIPT", "DEBUG", "maybe") == b"-ERR Use SCRIPT DEBUG YES/SYNC/NO\r\n"
    # redis.breakpoint() and redis.debug() outside a session do nothing.
    assert client.cmd("EVAL", "redis.debug('x') return redis.breakpoint()", "0") == b"$-1\r\n"


def test_busy_loop_stops_with_a_timeout_reason(server):
    control = RawClient(server.port)
    assert control.cmd("CONFIG", "SET", "busy-reply-threshold", "200") == b"+OK\r\n"
    try:
        client, _ = _start(server, "SYNC", "local i = 0\nwhile true do\n  i = i + 1\nend")
        reply = client.cmd("c")
        assert reply.startswith(b"*2\r\n+* Stopped at ") and b"timeout reached, infinite loop?" in reply
        assert client.cmd("a") == b"*1\r\n+<endsession>\r\n"
    finally:
        control.cmd("CONFIG", "SET", "busy-reply-threshold", "5000")


def test_shutdown_ends_forked_sessions(start_server):
    server = start_server()
    client, first = _start(server, "YES")
    assert first.startswith(b"*2\r\n+* Stopped at 1")
    control = RawClient(server.port)
    control.send(b"SHUTDOWN NOSAVE\r\n")
    assert control.is_closed(5.0)
    # The child serving the session is killed with the server (ldbKillForkedSessions).
    assert client.is_closed(5.0)
    assert server.proc.wait(10) == 0
    assert "Killing debugging session" in server.log()


def test_finished_forked_sessions_are_reaped(server):
    for _ in range(3):
        client, _ = _start(server, "YES")
        client.cmd("c")
        assert client.is_closed()
    # No zombie is left once the cron has run.
    deadline = time.time() + 5
    while True:
        children = _children(server.proc.pid)
        if not children:
            break
        assert time.time() < deadline, children
        time.sleep(0.1)


def _children(pid):
    import os
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found
