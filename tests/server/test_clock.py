"""PYREDIS.CLOCK: the server's one clock, moved over the wire."""
import time

import pytest

from respclient import RawClient
from serverproc import start_pyredis


@pytest.fixture(scope="module")
def clocked():
    proc = start_pyredis("--enable-clock-command", "yes", "--notify-keyspace-events", "Ex")
    yield proc
    proc.stop()


@pytest.fixture
def c(clocked):
    client = RawClient(clocked.port)
    client.cmd("FLUSHALL")
    yield client
    client.cmd("PYREDIS.CLOCK", "RESUME")
    client.cmd("PYREDIS.CLOCK", "SET", int(time.time() * 1000))
    client.close()


def _int(reply):
    assert reply.startswith(b":"), reply
    return int(reply[1:-2])


def test_get_is_the_real_time_until_moved(c):
    now = _int(c.cmd("PYREDIS.CLOCK", "GET"))
    assert abs(now - time.time() * 1000) < 2000


def test_advance_expires_before_replying_every_time(c):
    for _ in range(20):
        assert c.cmd("SET", "k", "v", "EX", 60) == b"+OK\r\n"
        c.cmd("PYREDIS.CLOCK", "ADVANCE", 59000)
        assert c.cmd("EXISTS", "k") == b":1\r\n"
        c.cmd("PYREDIS.CLOCK", "ADVANCE", 2000)
        assert c.cmd("DBSIZE") == b":0\r\n"
        assert c.cmd("EXISTS", "k") == b":0\r\n"


def test_advance_replies_the_new_time_and_counts_expired_keys(c):
    c.cmd("PYREDIS.CLOCK", "FREEZE")
    before = _int(c.cmd("PYREDIS.CLOCK", "GET"))
    c.cmd("SET", "a", "1", "PX", 10)
    c.cmd("SET", "b", "1", "PX", 10)
    c.cmd("SET", "c", "1")
    assert _int(c.cmd("PYREDIS.CLOCK", "ADVANCE", 11)) == before + 11
    assert c.cmd("DBSIZE") == b":1\r\n"
    assert b"expired_keys:" in c.cmd("INFO", "stats")


def test_advance_sends_expired_notifications(clocked, c):
    sub = RawClient(clocked.port)
    try:
        assert sub.cmd("SUBSCRIBE", "__keyevent@0__:expired").endswith(b":1\r\n")
        c.cmd("SET", "gone", "v", "EX", 5)
        c.cmd("PYREDIS.CLOCK", "ADVANCE", 5000)
        assert sub.read_reply() == (b"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n"
                                    b"$4\r\ngone\r\n")
    finally:
        sub.close()


def test_freeze_holds_ttl_and_time(c):
    c.cmd("PYREDIS.CLOCK", "FREEZE")
    c.cmd("SET", "k", "v", "PX", 100000)
    first = c.cmd("TIME")
    pttl = c.cmd("PTTL", "k")
    time.sleep(0.05)
    assert c.cmd("TIME") == first
    assert c.cmd("PTTL", "k") == pttl == b":100000\r\n"
    assert c.cmd("PYREDIS.CLOCK", "RESUME") == b"+OK\r\n"
    time.sleep(0.02)
    assert _int(c.cmd("PTTL", "k")) < 100000


def test_set_moves_to_an_absolute_time(c):
    assert c.cmd("PYREDIS.CLOCK", "FREEZE") == b"+OK\r\n"
    assert c.cmd("PYREDIS.CLOCK", "SET", 4102444800000) == b"+OK\r\n"
    assert c.cmd("TIME") == b"*2\r\n$10\r\n4102444800\r\n$1\r\n0\r\n"
    c.cmd("SET", "k", "v", "EXAT", 4102444801)
    assert c.cmd("TTL", "k") == b":1\r\n"
    c.cmd("PYREDIS.CLOCK", "SET", 4102444801000)
    assert c.cmd("EXISTS", "k") == b":0\r\n"


def test_blocking_timeout_follows_the_clock(clocked, c):
    blocked = RawClient(clocked.port)
    try:
        c.cmd("PYREDIS.CLOCK", "FREEZE")
        blocked.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$3\r\n100\r\n")
        time.sleep(0.1)
        assert blocked.read_all(wait=0.05) == b""
        start = time.monotonic()
        c.cmd("PYREDIS.CLOCK", "ADVANCE", 100001)
        assert blocked.read_reply() == b"*-1\r\n"
        assert time.monotonic() - start < 0.5
    finally:
        blocked.close()


def test_client_pause_ends_with_the_clock(clocked, c):
    other = RawClient(clocked.port)
    try:
        c.cmd("PYREDIS.CLOCK", "FREEZE")
        assert c.cmd("CLIENT", "PAUSE", 100000, "WRITE") == b"+OK\r\n"
        other.send(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n")
        assert other.read_all(wait=0.1) == b""
        c.cmd("PYREDIS.CLOCK", "ADVANCE", 100001)
        assert other.read_reply() == b"+OK\r\n"
    finally:
        other.close()


def test_object_idletime_follows_the_clock(c):
    c.cmd("SET", "k", "v")
    c.cmd("PYREDIS.CLOCK", "ADVANCE", 3600 * 1000)
    assert _int(c.cmd("OBJECT", "IDLETIME", "k")) >= 3599


def test_client_list_ages_and_slowlog_times_follow_the_clock(c):
    c.cmd("PYREDIS.CLOCK", "FREEZE")
    c.cmd("PYREDIS.CLOCK", "ADVANCE", 7200 * 1000)
    assert b" age=72" in c.cmd("CLIENT", "INFO")
    c.cmd("CONFIG", "SET", "slowlog-log-slower-than", 0)
    c.cmd("SLOWLOG", "RESET")
    c.cmd("PYREDIS.CLOCK", "SET", 4102444800000)
    c.cmd("PING")
    assert b":4102444800\r\n" in c.cmd("SLOWLOG", "GET", 1)
    c.cmd("CONFIG", "SET", "slowlog-log-slower-than", 10000)


def test_errors(c):
    assert c.cmd("PYREDIS.CLOCK") == b"-ERR wrong number of arguments for 'pyredis.clock' command\r\n"
    assert c.cmd("PYREDIS.CLOCK", "ADVANCE", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert c.cmd("PYREDIS.CLOCK", "ADVANCE", "-1").startswith(b"-ERR PYREDIS.CLOCK ADVANCE takes")
    assert c.cmd("PYREDIS.CLOCK", "GET", "1") == (
        b"-ERR unknown subcommand or wrong number of arguments for 'GET'. Try PYREDIS.CLOCK HELP.\r\n")
    assert c.cmd("PYREDIS.CLOCK", "HELP").startswith(
        b"*13\r\n+PYREDIS.CLOCK <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n")


def test_command_info_and_docs(c):
    info = c.cmd("COMMAND", "INFO", "pyredis.clock")
    assert info.startswith(b"*1\r\n*10\r\n$13\r\npyredis.clock\r\n:-1\r\n*5\r\n+module\r\n+admin\r\n")
    docs = c.cmd("COMMAND", "DOCS", "pyredis.clock")
    assert b"$6\r\nmodule\r\n$7\r\npyredis\r\n" in docs
    assert b"$5\r\ngroup\r\n$6\r\nmodule\r\n" in docs


def test_disabled_answers_as_an_unknown_command():
    proc = start_pyredis()
    try:
        client = RawClient(proc.port)
        assert client.cmd("PYREDIS.CLOCK", "GET") == (
            b"-ERR unknown command 'PYREDIS.CLOCK', with args beginning with: 'GET' \r\n")
        assert client.cmd("PYREDIS.CLOCK") == (
            b"-ERR unknown command 'PYREDIS.CLOCK', with args beginning with: \r\n")
        client.close()
    finally:
        proc.stop()


def test_local_allows_loopback_only():
    proc = start_pyredis("--enable-clock-command", "local")
    try:
        client = RawClient(proc.port)
        assert client.cmd("PYREDIS.CLOCK", "FREEZE") == b"+OK\r\n"
        client.close()
    finally:
        proc.stop()


def test_declaration_matches_its_record():
    from pyredis.commands import introspection
    from pyredis.commands.clock import CLOCK_COMMAND, RECORDS
    rec = RECORDS["pyredis.clock"]
    assert introspection.record(CLOCK_COMMAND) is rec
    assert "pyredis.clock" not in introspection.records()
    assert (CLOCK_COMMAND.arity, introspection.command_flags(CLOCK_COMMAND),
            (CLOCK_COMMAND.first_key, CLOCK_COMMAND.last_key, CLOCK_COMMAND.key_step),
            CLOCK_COMMAND.group) == (rec["arity"], rec["flags"], (0, 0, 0), rec["docs"]["group"])


def test_disabled_server_lists_no_clock_command():
    proc = start_pyredis()
    try:
        client = RawClient(proc.port)
        assert b"pyredis.clock" not in client.cmd("COMMAND", "LIST")
        assert client.cmd("COMMAND", "INFO", "pyredis.clock") == b"*1\r\n$-1\r\n"
        assert b"enable-clock-command" not in client.cmd("CONFIG", "GET", "*")
        client.close()
    finally:
        proc.stop()


def test_a_script_started_on_a_moved_clock_is_timed_on_it(c, clocked):
    """A run's start and the busy check read the same clock: an hour's jump
    before the script does not make a short script look busy."""
    c.cmd("PYREDIS.CLOCK", "ADVANCE", 3600 * 1000)
    other = RawClient(clocked.port)
    try:
        c.send(b"EVAL \"local i = 0 while i < 20000000 do i = i + 1 end return i\" 0\r\n")
        time.sleep(0.2)
        assert other.cmd("PING") == b"+PONG\r\n"
        assert c.read_reply() == b":20000000\r\n"
    finally:
        other.close()
