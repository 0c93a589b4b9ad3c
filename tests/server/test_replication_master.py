"""The master side of replication, black-box: raw replicas attached with PSYNC/SYNC."""
import socket
import threading
import time

import pytest

from replstream import StreamReader
from respclient import RawClient, encode_command
from serverproc import start_pyredis


# The replicas these tests attach never acknowledge all of the stream: a
# shutdown that waited for them (shutdown-timeout) would only slow the tests.
_NO_WAIT = ("--shutdown-timeout", "0")


@pytest.fixture
def master():
    proc = start_pyredis("--repl-diskless-sync", "no")
    yield proc
    proc.stop()


def _info(client, section="replication"):
    text = client.cmd("INFO", section).decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def _wait(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_full_resync_then_stream_with_select(master):
    c = RawClient(master.port)
    c.cmd("SET", "before", "1")
    r = StreamReader(master.port, listening_port=6390)
    info = _info(c)
    assert r.reply == b"+FULLRESYNC %s %d" % (info["master_replid"].encode(), r.offset)
    assert r.rdb.startswith(b"REDIS0010") and b"before" in r.rdb
    c.cmd("SELECT", "5")
    c.cmd("SET", "k", "v")
    assert r.until("SET", "k", "v") == [[b"SELECT", b"5"], [b"SET", b"k", b"v"]]
    assert info["repl_backlog_active"] == "1"
    assert info["connected_slaves"] == "1"
    assert info["slave0"].startswith("ip=127.0.0.1,port=6390,state=")


def test_replica_client_flags_and_kill(master):
    c = RawClient(master.port)
    r = StreamReader(master.port)
    line = [ln for ln in c.cmd("CLIENT", "LIST").decode().split("\n") if "cmd=psync" in ln]
    assert line and " flags=S " in line[0]
    assert b"cmd=psync" in c.cmd("CLIENT", "LIST", "TYPE", "replica")
    assert c.cmd("CLIENT", "KILL", "TYPE", "slave") == b":1\r\n"
    with pytest.raises(ConnectionError):
        r.command()
    assert _wait(lambda: _info(c)["connected_slaves"] == "0")
    assert "Connection with replica 127.0.0.1:<unknown-replica-port> lost." in master.log()


def test_ack_moves_offset_role_and_lag(master):
    c = RawClient(master.port)
    r = StreamReader(master.port, listening_port=7000)
    c.cmd("SET", "a", "1")
    r.until("SET", "a", "1")
    offset = r.offset + r.read
    r.ack()
    assert _wait(lambda: _info(c)["slave0"] == "ip=127.0.0.1,port=7000,state=online,offset=%d,lag=0"
                 % offset)
    role = c.cmd("ROLE")
    assert role == (b"*3\r\n$6\r\nmaster\r\n:%d\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n7000\r\n$%d\r\n%d\r\n"
                    % (int(_info(c)["master_repl_offset"]), len(str(offset)), offset))


def test_partial_resync_continues_from_the_backlog(master):
    c = RawClient(master.port)
    r = StreamReader(master.port, capa=["psync2"])
    c.cmd("SET", "a", "1")
    r.until("SET", "a", "1")
    replid = r.replid
    resume = r.offset + r.read + 1
    r.close()
    c.cmd("SET", "b", "2")
    again = StreamReader(master.port, replid=replid.decode(), offset=resume, capa=["psync2"])
    assert again.reply == b"+CONTINUE " + replid
    assert again.until("SET", "b", "2") == [[b"SET", b"b", b"2"]]
    stats = _info(c, "stats")
    assert (stats["sync_full"], stats["sync_partial_ok"], stats["sync_partial_err"]) == ("1", "1", "0")
    # Without psync2 the reply names no ID; an unknown ID or offset means a full resync.
    plain = StreamReader(master.port, replid=replid.decode(), offset=resume)
    assert plain.reply == b"+CONTINUE"
    wrong = StreamReader(master.port, replid="f" * 40, offset=1)
    assert wrong.reply.startswith(b"+FULLRESYNC")
    far = StreamReader(master.port, replid=replid.decode(), offset=10 ** 9)
    assert far.reply.startswith(b"+FULLRESYNC")
    stats = _info(c, "stats")
    assert (stats["sync_full"], stats["sync_partial_ok"], stats["sync_partial_err"]) == ("3", "2", "2")
    assert "Partial resynchronization not accepted: Replication ID mismatch" in master.log()
    assert "tried to PSYNC with an offset that is greater than the master replication offset" \
        in master.log()


def test_old_sync_gets_the_payload_without_fullresync(master):
    c = RawClient(master.port)
    c.cmd("SET", "x", "1")
    raw = RawClient(master.port)
    raw.send(encode_command("SYNC"))
    head = b""
    while not head.endswith(b"\r\n"):
        chunk = raw.sock.recv(1)
        if chunk != b"\n" or head:
            head += chunk
    assert head.startswith(b"$")
    payload = b""
    while len(payload) < int(head[1:-2]):
        payload += raw.sock.recv(65536)
    assert payload.startswith(b"REDIS")


def test_diskless_transfer_with_eof_mark_and_delay():
    proc = start_pyredis("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "2", *_NO_WAIT)
    try:
        c = RawClient(proc.port)
        c.cmd("SET", "k", "v")
        started = time.time()
        r = StreamReader(proc.port, capa=["eof", "psync2"])
        assert time.time() - started >= 1.0
        assert r.rdb.startswith(b"REDIS0010") and r.rdb.count(b"k") >= 1
        assert "Delay next BGSAVE for diskless SYNC" in proc.log()
        assert "Starting BGSAVE for SYNC with target: replicas sockets" in proc.log()
        # The stream waits for the first ACK after a diskless transfer.
        c.cmd("SET", "after", "1")
        assert _wait(lambda: ",state=online," in _info(c)["slave0"])
        r.ack(r.offset)
        assert r.until("SET", "after", "1")[-1] == [b"SET", b"after", b"1"]
        # A replica without the EOF capability gets a disk transfer.
        plain = StreamReader(proc.port)
        assert plain.rdb.startswith(b"REDIS0010")
        assert "Starting BGSAVE for SYNC with target: disk" in proc.log()
    finally:
        proc.stop()


def test_wait(master):
    c = RawClient(master.port)
    assert c.cmd("WAIT", "0", "0") == b":0\r\n"
    started = time.time()
    assert c.cmd("WAIT", "1", "200") == b":0\r\n"
    assert time.time() - started >= 0.19
    r = StreamReader(master.port)
    c.cmd("SET", "k", "v")
    r.until("SET", "k", "v")
    c.send(encode_command("WAIT", "1", "0"))
    # WAIT asks the replica for an ACK through the stream.
    assert r.until("REPLCONF", "GETACK", "*")[-1] == [b"REPLCONF", b"GETACK", b"*"]
    r.ack()
    assert c.read_reply() == b":1\r\n"
    # Not acknowledged past the client's last write: the timeout's count.
    c.cmd("SET", "k", "w")
    assert c.cmd("WAIT", "1", "100") == b":0\r\n"
    # Inside MULTI it does not block.
    c.cmd("MULTI")
    c.cmd("WAIT", "5", "0")
    assert c.cmd("EXEC").endswith(b":0\r\n")


def test_min_replicas_to_write(master):
    c = RawClient(master.port)
    assert c.cmd("CONFIG", "SET", "min-replicas-to-write", "1") == b"+OK\r\n"
    assert c.cmd("SET", "k", "v") == b"-NOREPLICAS Not enough good replicas to write.\r\n"
    assert c.cmd("GET", "k") == b"$-1\r\n"
    assert _info(c)["min_slaves_good_slaves"] == "0"
    c.cmd("MULTI")
    assert c.cmd("SET", "k", "v").startswith(b"-NOREPLICAS")
    assert c.cmd("EXEC").startswith(b"-EXECABORT")
    r = StreamReader(master.port)
    r.ack(r.offset)
    assert _wait(lambda: c.cmd("SET", "k", "v") == b"+OK\r\n")
    assert _info(c)["min_slaves_good_slaves"] == "1"
    r.close()
    assert _wait(lambda: c.cmd("SET", "k", "v").startswith(b"-NOREPLICAS"))
    assert c.cmd("CONFIG", "SET", "min-replicas-to-write", "0") == b"+OK\r\n"
    assert c.cmd("SET", "k", "v") == b"+OK\r\n"


def test_ping_every_period():
    proc = start_pyredis("--repl-diskless-sync", "no", "--repl-ping-replica-period", "1", *_NO_WAIT)
    try:
        r = StreamReader(proc.port)
        assert r.until("PING", skip_pings=False) == [[b"PING"]]
    finally:
        proc.stop()


def test_backlog_size_and_ttl(master):
    c = RawClient(master.port)
    assert c.cmd("CONFIG", "SET", "repl-backlog-size", "16384") == b"+OK\r\n"
    r = StreamReader(master.port)
    replid = _info(c)["master_replid"]
    for i in range(100):
        c.cmd("SET", "key%d" % i, "x" * 500)
    info = _info(c)
    assert info["repl_backlog_histlen"] == "16384"
    assert int(info["repl_backlog_first_byte_offset"]) == int(info["master_repl_offset"]) - 16384 + 1
    assert c.cmd("CONFIG", "SET", "repl-backlog-ttl", "1") == b"+OK\r\n"
    r.close()
    assert _wait(lambda: _info(c)["repl_backlog_active"] == "0", 5)
    assert _info(c)["master_replid"] != replid
    assert "Replication backlog freed after 1 seconds without connected replicas." in master.log()


def test_replica_output_buffer_limit_closes_it(master):
    c = RawClient(master.port)
    c.cmd("CONFIG", "SET", "client-output-buffer-limit", "replica 1mb 0 0")
    r = StreamReader(master.port)
    r.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    value = "x" * 100000
    for i in range(200):
        c.cmd("SET", "k%d" % i, value)
        if _info(c)["connected_slaves"] == "0":
            break
    assert _wait(lambda: _info(c)["connected_slaves"] == "0")
    assert "scheduled to be closed ASAP for overcoming of output buffer limits." in master.log()
    assert " flags=S " in [ln for ln in master.log().split("\n") if "overcoming" in ln][0]


def test_replconf_replies(master):
    c = RawClient(master.port)
    assert c.cmd("REPLCONF", "listening-port", "1", "capa", "eof", "capa", "psync2") == b"+OK\r\n"
    assert c.cmd("REPLCONF", "bad", "x") == b"-ERR Unrecognized REPLCONF option: bad\r\n"
    assert c.cmd("REPLCONF", "a") == b"-ERR syntax error\r\n"
    # ACK and GETACK are never answered.
    c.send(encode_command("REPLCONF", "ACK", "5") + encode_command("REPLCONF", "GETACK", "*"))
    assert c.cmd("PING") == b"+PONG\r\n"


def test_writes_during_the_bgsave_follow_the_rdb_in_order():
    proc = start_pyredis("--repl-diskless-sync", "no", "--rdb-key-save-delay", "200000", *_NO_WAIT)
    try:
        c = RawClient(proc.port)
        for i in range(5):
            c.cmd("SET", "k%d" % i, "v")
        box = {}
        t = threading.Thread(target=lambda: box.setdefault("r", StreamReader(proc.port)))
        t.start()
        assert _wait(lambda: "Background saving started" in proc.log())
        c.cmd("SET", "during", "1")
        c.cmd("SELECT", "1")
        c.cmd("INCR", "n")
        t.join(30)
        r = box["r"]
        assert b"during" not in r.rdb
        assert r.until("INCR", "n") == [[b"SELECT", b"0"], [b"SET", b"during", b"1"],
                                        [b"SELECT", b"1"], [b"INCR", b"n"]]
    finally:
        proc.stop()


def test_flushall_killing_the_bgsave_fails_the_sync():
    proc = start_pyredis("--repl-diskless-sync", "no", "--rdb-key-save-delay", "1000000")
    try:
        c = RawClient(proc.port)
        for i in range(5):
            c.cmd("SET", "k%d" % i, "v")
        raw = RawClient(proc.port)
        raw.send(encode_command("PSYNC", "?", "-1"))
        assert _wait(lambda: "Background saving started" in proc.log())
        assert c.cmd("FLUSHALL") == b"+OK\r\n"
        assert raw.is_closed(5.0)
        assert "SYNC failed. BGSAVE child returned an error" in proc.log()
        assert _info(c)["connected_slaves"] == "0"
    finally:
        proc.stop()


def test_saves_are_not_propagated_and_record_the_history(master):
    """SAVE resets dirty but changes nothing (not in the stream); the dump holds repl-id/offset/stream-db."""
    import os
    from pyredis.persistence.rdb_writer import save_string
    c = RawClient(master.port)
    r = StreamReader(master.port)
    c.cmd("SELECT", "2")
    c.cmd("SET", "a", "1")
    assert c.cmd("SAVE") == b"+OK\r\n"
    with open(os.path.join(master.cwd, "dump.rdb"), "rb") as f:
        dump = f.read()
    info = _info(c)
    for key, value in ((b"repl-stream-db", b"2"), (b"repl-id", info["master_replid"].encode()),
                       (b"repl-offset", info["master_repl_offset"].encode())):
        assert b"\xfa" + save_string(key, False) + save_string(value, False) in dump
    c.cmd("SET", "b", "2")
    assert r.until("SET", "b", "2") == [[b"SELECT", b"2"], [b"SET", b"a", b"1"], [b"SET", b"b", b"2"]]


def test_dump_without_replicas_records_no_history(master):
    import os
    c = RawClient(master.port)
    c.cmd("SET", "a", "1")
    assert c.cmd("SAVE") == b"+OK\r\n"
    with open(os.path.join(master.cwd, "dump.rdb"), "rb") as f:
        assert b"repl-" not in f.read()


def test_failover_proceeds_on_the_ack_that_shows_the_target_caught_up():
    """updateFailoverStatus runs before the loop sleeps, not on the cron (once a second here)."""
    from serverproc import free_port
    proc = start_pyredis("--hz", "1", "--repl-diskless-sync", "no", "--repl-ping-replica-period", "3600")
    try:
        c = RawClient(proc.port)
        r = StreamReader(proc.port, listening_port=free_port())
        c.cmd("SET", "k", "v")
        r.until("SET", "k", "v")
        assert c.cmd("FAILOVER") == b"+OK\r\n"
        time.sleep(1.2)
        assert _info(c)["master_failover_state"] == "waiting-for-sync"
        r.ack()
        time.sleep(0.3)
        assert _info(c)["master_failover_state"] == "failover-in-progress"
        assert "is synced, failing over." in proc.log()
    finally:
        proc.stop()
