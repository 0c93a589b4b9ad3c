"""SHUTDOWN and SIGTERM/SIGINT on a master with replicas, against redis-server 7.0.15.

Each scenario runs on both servers with a raw replica (tests/replstream.py)
that acknowledges, or not, what it was sent: the master holds writes, sends
REPLCONF GETACK and waits up to shutdown-timeout for its replicas to catch
up, then logs the lagging ones and exits; SHUTDOWN ABORT, or a failed save,
cancels the wait.  Replies, streams, exit codes and log lines are compared
with what redis-server does.
"""
import os
import re
import shutil
import signal
import time

import pytest

from replstream import StreamReader
from respclient import RawClient
from serverproc import start_pyredis, start_redis

from compat.test_replication_replica import info, wait_for

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")

STARTERS = {"redis": start_redis, "pyredis": start_pyredis}
KINDS = ["redis", "pyredis"]
# Long enough to look at the wait, short enough for a fast test.
TIMEOUT = ("--shutdown-timeout", "2", "--repl-ping-replica-period", "3600")
GETACK = [b"REPLCONF", b"GETACK", b"*"]
WAITING = "Waiting for replicas before shutting down."
FAILED = b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"


class Master:
    def __init__(self, kind, *args):
        self.proc = STARTERS[kind](*TIMEOUT, *args)
        self.port = self.proc.port
        self.c = RawClient(self.port)
        # A replica that acknowledges only what the test tells it to.
        self.replica = StreamReader(self.port, listening_port=7777)
        assert self.c.cmd("SET", "a", "b") == b"+OK\r\n"
        assert self.replica.until("SET", "a", "b") == [[b"SELECT", b"0"], [b"SET", b"a", b"b"]]

    def client(self):
        return RawClient(self.port)

    def lines(self):
        """The log's messages, without pid, role and time."""
        return [re.sub(r"^\d+:\S+ (\d+ \w+ \d+ [\d:.]+ [.\-*#]|\(\d+\)) ", "", line)
                for line in self.proc.log().splitlines()]

    def exited(self, wait=10):
        return self.proc.proc.wait(wait)

    def stop(self):
        self.replica.close()
        self.proc.stop()


@pytest.fixture
def master():
    started = []

    def make(kind, *args):
        m = Master(kind, *args)
        started.append(m)
        return m
    yield make
    for m in started:
        m.stop()


def _wait_started(m):
    wait_for(lambda: WAITING in m.lines(), what="the shutdown to wait")


@pytest.mark.parametrize("kind", KINDS)
def test_waits_for_the_replica_to_acknowledge(master, kind):
    m = master(kind)
    shut = m.client()
    shut.send(b"SHUTDOWN\r\n")
    _wait_started(m)
    # Writes are held while it waits; reads are served.
    writer = m.client()
    writer.send(b"SET a c\r\n")
    fields = info(m.c, "server")
    assert 0 < int(fields["shutdown_in_milliseconds"]) <= 2000
    assert m.c.cmd("GET", "a") == b"$1\r\nb\r\n"
    assert writer.read_all(0.2) == b""
    assert m.replica.until(*GETACK) == [GETACK]
    m.replica.ack()
    assert m.exited(1.5) == 0
    assert shut.is_closed() and writer.is_closed()
    lines = m.lines()
    at = lines.index("User requested shutdown...")
    assert lines[at + 1:at + 3] == [WAITING, "1 of 1 replicas are in sync when shutting down."]
    assert not any(line.startswith("Lagging replica") for line in lines)


@pytest.mark.parametrize("kind", KINDS)
def test_lagging_replica_is_logged_at_the_timeout(master, kind):
    m = master(kind)
    shut = m.client()
    started = time.time()
    shut.send(b"SHUTDOWN NOSAVE\r\n")
    assert m.replica.until(*GETACK) == [GETACK]
    # Part of the stream: still lagging.
    m.replica.ack(5)
    assert m.exited(6) == 0
    assert time.time() - started >= 1.9
    lines = m.lines()
    at = lines.index(WAITING)
    # SELECT (23 bytes), SET (27) and GETACK (37) were sent; 5 acknowledged.
    assert re.fullmatch(r"Lagging replica 127\.0\.0\.1:7777 reported offset 82 behind master, "
                        r"lag=\d, state=online\.", lines[at + 1]), lines
    assert lines[at + 2] == "0 of 1 replicas are in sync when shutting down."


@pytest.mark.parametrize("kind", KINDS)
def test_abort_lets_the_held_writes_run(master, kind):
    m = master(kind)
    shut = m.client()
    shut.send(b"SHUTDOWN\r\n")
    _wait_started(m)
    writer = m.client()
    writer.send(b"SET a c\r\n")
    # A second SHUTDOWN, even NOW, waits for the same end.
    again = m.client()
    again.send(b"SHUTDOWN NOW\r\n")
    time.sleep(0.2)
    assert again.read_all(0.1) == b""
    assert m.c.cmd("SHUTDOWN", "ABORT") == b"+OK\r\n"
    assert shut.read_reply() == FAILED
    assert again.read_reply() == FAILED
    assert writer.read_reply() == b"+OK\r\n"
    assert m.c.cmd("SHUTDOWN", "ABORT") == b"-ERR No shutdown in progress.\r\n"
    assert "shutdown_in_milliseconds" not in info(m.c, "server")
    assert m.replica.until("SET", "a", "c") == [GETACK, [b"SET", b"a", b"c"]]
    assert m.proc.proc.poll() is None
    assert "Shutdown manually aborted." in m.lines()
    # Writes are not held any more.
    assert m.c.cmd("SET", "x", "1") == b"+OK\r\n"


@pytest.mark.parametrize("kind", KINDS)
def test_failed_save_after_the_wait_cancels(master, kind):
    m = master(kind)
    # The temp file the save writes first cannot be created over a directory.
    os.mkdir(os.path.join(m.proc.cwd, "temp-%d.rdb" % m.proc.proc.pid))
    shut = m.client()
    shut.send(b"SHUTDOWN SAVE\r\n")
    _wait_started(m)
    writer = m.client()
    writer.send(b"SET a c\r\n")
    assert m.replica.until(*GETACK) == [GETACK]
    m.replica.ack()
    assert shut.read_reply() == FAILED
    assert writer.read_reply() == b"+OK\r\n"
    assert m.proc.proc.poll() is None
    lines = m.lines()
    at = lines.index("1 of 1 replicas are in sync when shutting down.")
    assert lines[at + 1] == "Saving the final RDB snapshot before exiting."
    assert lines[at + 3:at + 5] == ["Error trying to save the DB, can't exit.",
                                    "Errors trying to shut down the server. Check the logs for more "
                                    "information."]
    # FORCE exits all the same.
    shut.send(b"SHUTDOWN SAVE FORCE\r\n")
    assert m.replica.until(*GETACK) == [[b"SET", b"a", b"c"], GETACK]
    m.replica.ack()
    assert m.exited(5) == 0
    assert "Error trying to save the DB. Exit anyway." in m.lines()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", [("SHUTDOWN", "NOW"), ("CONFIG", "SET", "shutdown-timeout", "0")])
def test_now_and_no_timeout_do_not_wait(master, kind, how):
    m = master(kind)
    started = time.time()
    if how[0] == "CONFIG":
        assert m.c.cmd(*how) == b"+OK\r\n"
        m.c.send(b"SHUTDOWN\r\n")
    else:
        m.c.send(b"SHUTDOWN NOW\r\n")
    assert m.exited(5) == 0
    assert time.time() - started < 1.5
    lines = m.lines()
    assert WAITING not in lines
    assert re.fullmatch(r"Lagging replica 127\.0\.0\.1:7777 reported offset 50 behind master, "
                        r"lag=\d, state=online\.", lines[lines.index("User requested shutdown...") + 1])


@pytest.mark.parametrize("kind", KINDS)
def test_sigterm_waits_as_shutdown(master, kind):
    m = master(kind)
    m.proc.proc.send_signal(signal.SIGTERM)
    assert m.replica.until(*GETACK) == [GETACK]
    _wait_started(m)
    assert m.proc.proc.poll() is None
    m.replica.ack()
    assert m.exited(2) == 0
    lines = m.lines()
    at = lines.index("Received SIGTERM scheduling shutdown...")
    assert lines[at + 1:at + 4] == ["User requested shutdown...", WAITING,
                                    "1 of 1 replicas are in sync when shutting down."]


@pytest.mark.parametrize("kind", KINDS)
def test_shutdown_on_sigterm_now(master, kind):
    m = master(kind, "--shutdown-on-sigterm", "now")
    m.proc.proc.send_signal(signal.SIGTERM)
    assert m.exited(1.5) == 0
    assert WAITING not in m.lines()


@pytest.mark.parametrize("kind", KINDS)
def test_second_sigint_exits_at_once(master, kind):
    m = master(kind)
    m.proc.proc.send_signal(signal.SIGINT)
    _wait_started(m)
    m.proc.proc.send_signal(signal.SIGINT)
    assert m.exited(1.5) == 1
    assert m.lines()[-1] == "You insist... exiting now."


@pytest.mark.parametrize("kind", KINDS)
def test_abort_during_a_signal_shutdown(master, kind):
    m = master(kind)
    m.proc.proc.send_signal(signal.SIGTERM)
    _wait_started(m)
    assert m.c.cmd("SHUTDOWN", "ABORT") == b"+OK\r\n"
    time.sleep(2.5)
    assert m.proc.proc.poll() is None
    assert m.c.cmd("SET", "x", "1") == b"+OK\r\n"
    # The signal's shutdown is over: a SIGINT now is a first one.
    m.proc.proc.send_signal(signal.SIGINT)
    _wait_started(m)
    assert m.proc.proc.poll() is None


def test_real_replica_catches_up_before_pyredis_exits(master):
    m = master("pyredis")
    m.replica.close()
    wait_for(lambda: info(m.c)["connected_slaves"] == "0", what="the raw replica to go")
    replica = start_redis("--replicaof", "127.0.0.1", m.port)
    try:
        r = RawClient(replica.port)
        wait_for(lambda: info(r).get("master_link_status") == "up", what="the link")
        for i in range(1000):
            m.c.send(b"SET k%d v\r\n" % i)
        m.c.send(b"SHUTDOWN NOSAVE\r\n")
        assert m.exited(5) == 0
        lines = m.lines()
        assert lines.index(WAITING) < lines.index("1 of 1 replicas are in sync when shutting down.")
        assert not any(line.startswith("Lagging replica") for line in lines)
        assert r.cmd("GET", "k999") == b"$1\r\nv\r\n"
    finally:
        replica.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_client_unpause_keeps_the_shutdown_pause(master, kind):
    m = master(kind)
    shut = m.client()
    shut.send(b"SHUTDOWN\r\n")
    _wait_started(m)
    assert m.c.cmd("CLIENT", "PAUSE", "100000", "WRITE") == b"+OK\r\n"
    assert m.c.cmd("CLIENT", "UNPAUSE") == b"+OK\r\n"
    writer = m.client()
    writer.send(b"SET a c\r\n")
    assert writer.read_all(0.3) == b""
    assert m.c.cmd("GET", "a") == b"$1\r\nb\r\n"
    assert m.c.cmd("SHUTDOWN", "ABORT") == b"+OK\r\n"
    assert writer.read_reply() == b"+OK\r\n"
    assert shut.read_reply() == FAILED


@pytest.mark.parametrize("kind", KINDS)
def test_client_pause_outlives_an_aborted_shutdown(master, kind):
    m = master(kind)
    shut = m.client()
    shut.send(b"SHUTDOWN\r\n")
    _wait_started(m)
    assert m.c.cmd("CLIENT", "PAUSE", "100000", "WRITE") == b"+OK\r\n"
    assert m.c.cmd("SHUTDOWN", "ABORT") == b"+OK\r\n"
    assert shut.read_reply() == FAILED
    writer = m.client()
    writer.send(b"SET a c\r\n")
    assert writer.read_all(0.3) == b""
    assert m.c.cmd("CLIENT", "UNPAUSE") == b"+OK\r\n"
    assert writer.read_reply() == b"+OK\r\n"
