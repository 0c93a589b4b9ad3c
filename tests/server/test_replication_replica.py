"""The replica side against a scripted master: the handshake bytes, both payload forms, the stream.

The master here is a socket the test drives by hand, so every byte the
replica sends (PING, AUTH, REPLCONF, PSYNC, ACK) is checked and every reply
it must not send would show up.
"""
import glob
import os
import socket
import struct
import time

import pytest

from pyredis._speedups import crc64
from respclient import RawClient, encode_command, parse

MASTER_ID = "a" * 40
OTHER_ID = "b" * 40


def rdb_with(*pairs):
    """An RDB (version 10) holding string keys in db 0."""
    body = b"REDIS0010\xfe\x00"
    for key, value in pairs:
        body += b"\x00" + bytes([len(key)]) + key + bytes([len(value)]) + value
    body += b"\xff"
    return body + struct.pack("<Q", crc64(0, body))


class FakeMaster:
    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(5)
        self.port = self.listener.getsockname()[1]
        self.conn = None
        self.buf = b""

    def accept(self, timeout=10):
        self.listener.settimeout(timeout)
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(10)
        self.buf = b""

    def _fill(self):
        chunk = self.conn.recv(65536)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def command(self):
        """The next request the replica sent, as a list of str."""
        head = self._line()
        assert head.startswith(b"*"), head
        argv = []
        for _ in range(int(head[1:])):
            size = int(self._line()[1:])
            while len(self.buf) < size + 2:
                self._fill()
            argv.append(self.buf[:size].decode())
            self.buf = self.buf[size + 2:]
        return argv

    def send(self, data):
        self.conn.sendall(data)

    def silent(self, wait=0.3):
        """Nothing more arrived from the replica."""
        self.conn.settimeout(wait)
        try:
            chunk = self.conn.recv(65536)
        except socket.timeout:
            return not self.buf
        finally:
            self.conn.settimeout(10)
        self.buf += chunk
        return False

    def handshake(self, auth=None):
        """Answer PING .. REPLCONF as redis-server does; returns the PSYNC argv."""
        assert self.command() == ["PING"]
        self.send(b"+PONG\r\n")
        if auth is not None:
            assert self.command() == ["AUTH"] + auth
        port = self.command()
        assert port[:2] == ["REPLCONF", "listening-port"]
        assert self.command() == ["REPLCONF", "capa", "eof", "capa", "psync2"]
        self.send(b"+OK\r\n" * (3 if auth is not None else 2))
        return self.command()

    def full_sync(self, rdb, offset=100, eof=False):
        self.send(b"+FULLRESYNC %s %d\r\n\n" % (MASTER_ID.encode(), offset))
        if eof:
            mark = b"m" * 40
            self.send(b"$EOF:" + mark + b"\r\n" + rdb + mark)
        else:
            self.send(b"$%d\r\n" % len(rdb) + rdb)

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.listener.close()


def wait_for(cond, timeout=10, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def info(client):
    text = parse(client.cmd("INFO", "replication")).decode()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


@pytest.fixture
def fake():
    m = FakeMaster()
    yield m
    m.close()


@pytest.fixture
def replica(start_server):
    proc = start_server()
    c = RawClient(proc.port)
    yield proc, c
    c.close()


def linked(replica, fake, rdb=rdb_with((b"foo", b"bar")), eof=False):
    """The replica attached to ``fake`` by a full sync."""
    proc, c = replica
    assert c.cmd("REPLICAOF", "127.0.0.1", str(fake.port)) == b"+OK\r\n"
    fake.accept()
    fake.handshake()
    fake.full_sync(rdb, eof=eof)
    wait_for(lambda: info(c)["master_link_status"] == "up", what="the link")
    return c


def test_handshake_psync_and_length_prefixed_payload(replica, fake):
    proc, c = replica
    c.cmd("SET", "old", "data")
    own = info(c)
    assert c.cmd("REPLICAOF", "127.0.0.1", str(fake.port)) == b"+OK\r\n"
    fake.accept()
    # A master turning replica offers its own history first.
    assert fake.handshake() == ["PSYNC", own["master_replid"], "1"]
    fake.full_sync(rdb_with((b"foo", b"bar")))
    wait_for(lambda: info(c)["master_link_status"] == "up", what="the link")
    assert c.cmd("GET", "foo") == b"$3\r\nbar\r\n"
    assert c.cmd("EXISTS", "old") == b":0\r\n"
    fields = info(c)
    assert fields["role"] == "slave"
    assert fields["master_host"] == "127.0.0.1"
    assert fields["master_port"] == str(fake.port)
    assert fields["master_sync_in_progress"] == "0"
    assert fields["slave_repl_offset"] == "100"
    assert fields["master_replid"] == MASTER_ID
    assert "master_link_down_since_seconds" not in fields
    log = proc.log()
    assert "Full resync from master: %s:100" % MASTER_ID in log
    assert "MASTER <-> REPLICA sync: receiving %d bytes from master to disk" % len(rdb_with((b"foo", b"bar"))) in log
    assert "MASTER <-> REPLICA sync: Finished with success" in log
    assert not glob.glob(os.path.join(proc.cwd, "temp-*.rdb"))
    assert os.path.exists(os.path.join(proc.cwd, "dump.rdb"))


def test_stream_applied_silently_and_acked_with_offsets(replica, fake):
    c = linked(replica, fake)
    stream = (encode_command("SELECT", "0") + encode_command("SET", "a", "1")
              + encode_command("PING") + encode_command("MULTI") + encode_command("INCR", "a")
              + encode_command("LPUSH", "l", "x") + encode_command("EXEC")
              + encode_command("SELECT", "2") + encode_command("SET", "in2", "v"))
    fake.send(stream)
    fake.send(encode_command("REPLCONF", "GETACK", "*"))
    # The ACK counts what came before GETACK (a periodic ACK may come first, with less).
    acks = [fake.command()]
    while acks[-1] != ["REPLCONF", "ACK", str(100 + len(stream))] and len(acks) < 3:
        acks.append(fake.command())
    assert acks[-1] == ["REPLCONF", "ACK", str(100 + len(stream))]
    assert all(int(ack[2]) <= 100 + len(stream) for ack in acks)
    assert c.cmd("GET", "a") == b"$1\r\n2\r\n"
    assert c.cmd("LRANGE", "l", "0", "-1") == b"*1\r\n$1\r\nx\r\n"
    c.cmd("SELECT", "2")
    assert c.cmd("GET", "in2") == b"$1\r\nv\r\n"
    total = 100 + len(stream) + len(encode_command("REPLCONF", "GETACK", "*"))
    fields = info(c)
    assert fields["slave_repl_offset"] == str(total)
    assert fields["slave_read_repl_offset"] == str(total)
    assert fields["master_repl_offset"] == str(total)
    # No reply went back: only the periodic ACK arrives.
    fake.conn.settimeout(3)
    assert fake.command() == ["REPLCONF", "ACK", str(total)]


def test_multi_in_flight_is_not_counted_until_exec(replica, fake):
    c = linked(replica, fake)
    fake.send(encode_command("MULTI") + encode_command("SET", "t", "1"))
    time.sleep(0.2)
    assert c.cmd("EXISTS", "t") == b":0\r\n"
    fields = info(c)
    assert fields["slave_repl_offset"] == "100"
    assert int(fields["slave_read_repl_offset"]) > 100
    fake.send(encode_command("EXEC"))
    wait_for(lambda: c.cmd("EXISTS", "t") == b":1\r\n", what="the transaction")


def test_eof_marked_payload_acks_at_once(replica, fake):
    c = linked(replica, fake, eof=True)
    # usemark: the replica ACKs right after loading so the master starts the stream.
    assert fake.command() == ["REPLCONF", "ACK", "100"]
    assert c.cmd("GET", "foo") == b"$3\r\nbar\r\n"
    assert "receiving streamed RDB from master with EOF to disk" in replica[0].log()


def test_masterauth_and_masteruser(start_server, fake):
    proc = start_server("--masterauth", "pw", "--masteruser", "repl")
    c = RawClient(proc.port)
    c.cmd("REPLICAOF", "127.0.0.1", str(fake.port))
    fake.accept()
    assert fake.handshake(auth=["repl", "pw"])[0] == "PSYNC"
    c.close()


def test_auth_error_retries(start_server, fake):
    proc = start_server("--masterauth", "pw")
    c = RawClient(proc.port)
    c.cmd("REPLICAOF", "127.0.0.1", str(fake.port))
    fake.accept()
    assert fake.command() == ["PING"]
    fake.send(b"-NOAUTH Authentication required.\r\n")
    assert fake.command() == ["AUTH", "pw"]
    fake.command()
    fake.command()
    fake.send(b"-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+OK\r\n")
    wait_for(lambda: "Unable to AUTH to MASTER: -WRONGPASS" in proc.log(), what="the log line")
    # The next cron connects again.
    fake.accept()
    assert fake.command() == ["PING"]
    c.close()


def test_expired_keys_hidden_but_kept_until_the_master_deletes(replica, fake):
    c = linked(replica, fake)
    past = str(int(time.time() * 1000) - 1000)
    fake.send(encode_command("SET", "gone", "v") + encode_command("PEXPIREAT", "gone", past))
    wait_for(lambda: c.cmd("DBSIZE") == b":2\r\n", what="the key")
    assert c.cmd("GET", "gone") == b"$-1\r\n"
    assert c.cmd("EXISTS", "gone") == b":0\r\n"
    time.sleep(0.3)
    # Neither the lookups nor the active expiry deleted it.
    assert c.cmd("DBSIZE") == b":2\r\n"
    fake.send(encode_command("DEL", "gone"))
    wait_for(lambda: c.cmd("DBSIZE") == b":1\r\n", what="the master's DEL")


def test_sync_in_progress_fields_and_no_one_during_transfer(replica, fake):
    proc, c = replica
    c.cmd("SET", "kept", "1")
    c.cmd("REPLICAOF", "127.0.0.1", str(fake.port))
    fake.accept()
    fake.handshake()
    fake.send(b"+FULLRESYNC %s 7\r\n$1000\r\n" % MASTER_ID.encode() + b"x" * 10)
    wait_for(lambda: info(c).get("master_sync_read_bytes") == "10", what="the transfer")
    fields = info(c)
    assert fields["master_sync_in_progress"] == "1"
    assert fields["master_sync_total_bytes"] == "1000"
    assert fields["master_sync_left_bytes"] == "990"
    assert fields["master_sync_perc"] == "1.00"
    assert fields["master_link_status"] == "down"
    assert glob.glob(os.path.join(proc.cwd, "temp-*.rdb"))
    assert c.cmd("REPLICAOF", "NO", "ONE") == b"+OK\r\n"
    assert info(c)["role"] == "master"
    assert c.cmd("GET", "kept") == b"$1\r\n1\r\n"
    assert not glob.glob(os.path.join(proc.cwd, "temp-*.rdb"))
    assert c.cmd("SET", "w", "1") == b"+OK\r\n"


def test_reconnect_resyncs_partially_and_takes_the_new_id(replica, fake):
    c = linked(replica, fake)
    stream = encode_command("SET", "a", "1")
    fake.send(stream)
    wait_for(lambda: c.cmd("EXISTS", "a") == b":1\r\n", what="the write")
    fake.conn.close()
    fake.accept()
    assert fake.handshake() == ["PSYNC", MASTER_ID, str(101 + len(stream))]
    fake.send(b"+CONTINUE %s\r\n" % OTHER_ID.encode() + encode_command("SET", "b", "2"))
    wait_for(lambda: c.cmd("EXISTS", "b") == b":1\r\n", what="the stream after +CONTINUE")
    fields = info(c)
    assert fields["master_link_status"] == "up"
    assert fields["master_replid"] == OTHER_ID
    assert fields["master_replid2"] == MASTER_ID
    assert fields["second_repl_offset"] == str(101 + len(stream))
    log = replica[0].log()
    assert "Connection with master lost." in log
    assert "Master replication ID changed to " + OTHER_ID in log
    assert "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization." in log


def test_master_client_listed_and_killable(replica, fake):
    c = linked(replica, fake)
    listing = parse(c.cmd("CLIENT", "LIST", "TYPE", "master")).decode()
    assert listing.count("\n") == 1 and " flags=M " in listing
    assert c.cmd("CLIENT", "KILL", "TYPE", "master") == b":1\r\n"
    fake.accept()
    psync = fake.handshake()
    assert psync == ["PSYNC", MASTER_ID, "101"]
    assert parse(c.cmd("CLIENT", "LIST", "TYPE", "master")) == b""


def test_replicaof_directive_connects_at_start(start_server, fake):
    proc = start_server("--replicaof", "127.0.0.1", str(fake.port))
    fake.accept()
    assert fake.handshake() == ["PSYNC", "?", "-1"]
    assert "Partial resynchronization not possible (no cached master)" in proc.log()
    assert ":S " in proc.log()


def test_timeout_during_handshake_reconnects(start_server, fake):
    proc = start_server("--repl-timeout", "1")
    c = RawClient(proc.port)
    c.cmd("REPLICAOF", "127.0.0.1", str(fake.port))
    fake.accept()
    assert fake.command() == ["PING"]
    fake.accept(timeout=5)
    assert "Timeout connecting to the MASTER..." in proc.log()
    c.close()


def test_replica_replies(replica, fake):
    proc, c = replica
    assert c.cmd("REPLICAOF", "127.0.0.1", "abc") == b"-ERR Invalid master port\r\n"
    assert c.cmd("REPLICAOF", "127.0.0.1", "65536") == b"-ERR Invalid master port\r\n"
    assert c.cmd("REPLICAOF", "no", "one") == b"+OK\r\n"
    assert c.cmd("REPLICAOF", "a") == b"-ERR wrong number of arguments for 'replicaof' command\r\n"
    assert c.cmd("SLAVEOF", "127.0.0.1", str(fake.port)) == b"+OK\r\n"
    assert c.cmd("REPLICAOF", "127.0.0.1", str(fake.port)) == b"+OK Already connected to specified master\r\n"
    assert c.cmd("SET", "k", "v") == b"-READONLY You can't write against a read only replica.\r\n"
    assert c.cmd("MULTI") == b"+OK\r\n"
    assert c.cmd("SET", "k", "v") == b"-READONLY You can't write against a read only replica.\r\n"
    assert c.cmd("EXEC") == (b"-EXECABORT Transaction discarded because of previous errors.\r\n")
    assert c.cmd("FAILOVER") == b"-ERR FAILOVER is not valid when server is a replica.\r\n"
    assert c.cmd("FAILOVER", "TIMEOUT", "0") == b"-ERR FAILOVER timeout must be greater than 0\r\n"
    assert c.cmd("FAILOVER", "TO", "h", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert c.cmd("FAILOVER", "FORCE", "FORCE") == b"-ERR syntax error\r\n"
    assert c.cmd("FAILOVER", "ABORT") == b"-ERR No failover in progress.\r\n"
    assert c.cmd("CONFIG", "SET", "replica-read-only", "no") == b"+OK\r\n"
    assert c.cmd("SET", "k", "v") == b"+OK\r\n"
    assert c.cmd("CONFIG", "SET", "replica-read-only", "yes") == b"+OK\r\n"
    assert c.cmd("CONFIG", "SET", "replica-serve-stale-data", "no") == b"+OK\r\n"
    down = b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
    assert c.cmd("GET", "k") == down
    assert c.cmd("PING") == down
    assert c.cmd("ECHO", "x") == b"$1\r\nx\r\n"
    assert c.cmd("REPLICAOF", "NO", "ONE") == b"+OK\r\n"
    assert c.cmd("GET", "k") == b"$1\r\nv\r\n"
    assert c.cmd("FAILOVER") == b"-ERR FAILOVER requires connected replicas.\r\n"
    assert c.cmd("FAILOVER", "TO", "h", "1", "FORCE") == b"-ERR FAILOVER requires connected replicas.\r\n"


def test_blocked_clients_are_released_when_turning_replica(replica, fake):
    proc, c = replica
    waiter = RawClient(proc.port)
    waiter.send(encode_command("BLPOP", "q", "0"))
    time.sleep(0.2)
    c.cmd("REPLICAOF", "127.0.0.1", str(fake.port))
    assert waiter.read_reply() == (b"-UNBLOCKED force unblock from blocking operation, "
                                   b"instance state changed (master -> replica?)\r\n")
    assert waiter.is_closed()
    waiter.close()


def test_bad_payload_header_reconnects(replica, fake):
    proc, c = replica
    c.cmd("REPLICAOF", "127.0.0.1", str(fake.port))
    fake.accept()
    fake.handshake()
    fake.send(b"+FULLRESYNC %s 0\r\nhello\r\n" % MASTER_ID.encode())
    fake.accept()
    assert "Bad protocol from MASTER, the first byte is not '$' (we received 'hello')" in proc.log()
    assert fake.command() == ["PING"]


def test_full_sync_restarts_the_aof_with_the_loaded_data(start_server, fake):
    proc = start_server("--appendonly", "yes")
    c = RawClient(proc.port)
    c.cmd("SET", "before", "1")
    linked((proc, c), fake, rdb=rdb_with((b"loaded", b"v")))
    fake.send(encode_command("SET", "streamed", "w"))
    wait_for(lambda: c.cmd("EXISTS", "streamed") == b":1\r\n", what="the write")
    wait_for(lambda: "aof_rewrite_in_progress:0" in parse(c.cmd("INFO", "persistence")).decode()
             and "aof_rewrite_scheduled:0" in parse(c.cmd("INFO", "persistence")).decode(),
             what="the rewrite")
    assert c.cmd("REPLICAOF", "NO", "ONE") == b"+OK\r\n"
    c.close()
    proc.stop()
    again = start_server("--appendonly", "yes", cwd=proc.cwd)
    r = RawClient(again.port)
    assert r.cmd("GET", "loaded") == b"$1\r\nv\r\n"
    assert r.cmd("GET", "streamed") == b"$1\r\nw\r\n"
    assert r.cmd("EXISTS", "before") == b":0\r\n"
    r.close()


def test_stream_waits_while_a_script_runs_long(start_server, fake):
    proc = start_server("--busy-reply-threshold", "100")
    c = linked((proc, RawClient(proc.port)), fake)
    runner = RawClient(proc.port)
    runner.send(encode_command("EVAL", "local t = redis.call('TIME')[1] + 0 "
                               "while redis.call('TIME')[1] - t < 2 do end return 1", "0"))
    time.sleep(0.5)
    fake.send(encode_command("SET", "during", "1"))
    time.sleep(0.3)
    assert c.cmd("EXISTS", "during").startswith(b"-BUSY")
    assert runner.read_reply() == b":1\r\n"
    wait_for(lambda: c.cmd("EXISTS", "during") == b":1\r\n", what="the held write")
    runner.close()


def test_errors_from_the_stream_are_logged_not_sent(replica, fake):
    c = linked(replica, fake)
    fake.send(encode_command("LPUSH", "foo", "x") + encode_command("SET", "after", "1"))
    wait_for(lambda: c.cmd("EXISTS", "after") == b":1\r\n", what="the stream")
    assert ("== CRITICAL == This replica is sending an error to its master: 'WRONGTYPE Operation "
            "against a key holding the wrong kind of value' after processing the command 'lpush'"
            in replica[0].log())
    fake.send(encode_command("REPLCONF", "GETACK", "*"))
    ack = fake.command()
    while ack[2] == "100":
        ack = fake.command()
    assert ack[:2] == ["REPLCONF", "ACK"]


def test_role_reply_per_link_state():
    from pyredis.replication.replica import MasterLink, MasterState
    from pyredis.reply import encode
    link = MasterLink(None, "127.0.0.1", 6379)
    head = b"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n"
    for state, shown in (("connect", b"connect"), ("connecting", b"connecting"),
                         ("receive_ping_reply", b"handshake"), ("receive_replies", b"handshake"),
                         ("receive_psync_reply", b"handshake"), ("sync", b"sync")):
        link.state = state
        assert encode(link.role_reply(), 2) == head + b"$%d\r\n%s\r\n:-1\r\n" % (len(shown), shown)
    link.state = "connected"
    link.master = MasterState("a" * 40, 1234)
    assert encode(link.role_reply(), 2) == head + b"$9\r\nconnected\r\n:1234\r\n"
