"""SAVE, BGSAVE, LASTSAVE, DUMP/RESTORE, SHUTDOWN saving and loading at startup, on live servers."""
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import redis

from respclient import RawClient
from serverproc import free_port
import dataset


def fill(r):
    """Every type and encoding, small and big, with TTLs, in three dbs."""
    r.set("str", "hello")
    r.set("int", "12345")
    r.set("bigint", "-9223372036854775808")
    r.set("long", "abc" * 1000)
    r.set("bin", bytes(range(256)))
    r.set("ttl", "v", px=3_600_000)
    r.rpush("list", "a", "1", "-3", "70000", "x" * 100)
    r.rpush("biglist", *[("item%d" % i) for i in range(2000)])
    r.sadd("intset", 1, 2, 3, -5, 2 ** 40)
    r.sadd("set", "a", "b", "c")
    r.sadd("bigintset", *range(600))
    r.hset("hash", mapping={"f1": "v1", "f2": "2"})
    r.hset("bighash", mapping={("f%d" % i): ("v%d" % i) for i in range(200)})
    r.zadd("zset", {"a": 1, "b": 2.5, "c": -3, "d": 1e20, "e": float("inf"), "f": 0.1})
    r.zadd("bigzset", {("m%d" % i): i * 1.5 for i in range(300)})
    r.expire("bighash", 5000)
    r.execute_command("SELECT", 3)
    r.set("in3", "three")
    r.hset("h3", "f", "v")
    r.execute_command("SELECT", 15)
    r.zadd("z15", {"x": 1})
    r.execute_command("SELECT", 0)


def contents(r):
    return dataset.contents(r, 60000)


def _client(proc):
    return redis.Redis(host=proc.host, port=proc.port, protocol=2)


def test_restart_keeps_every_type(start_server):
    proc = start_server()
    r = _client(proc)
    fill(r)
    before = contents(r)
    assert r.save() is True
    proc.stop()
    again = start_server(cwd=proc.cwd)
    r2 = _client(again)
    assert contents(r2) == before
    assert "Done loading RDB, keys loaded: 18, keys expired: 0." in again.log()
    assert "DB loaded from disk: " in again.log()
    info = r2.info("persistence")
    assert info["rdb_last_load_keys_loaded"] == 18
    assert r2.lrange("biglist", 1999, 1999) == [b"item1999"]


def test_expired_keys_are_not_loaded(start_server):
    proc = start_server()
    r = _client(proc)
    r.set("short", "v", px=300)
    r.set("keep", "v")
    assert r.save() is True
    proc.stop()
    time.sleep(0.4)
    again = start_server(cwd=proc.cwd)
    r2 = _client(again)
    assert r2.keys() == [b"keep"]
    assert r2.info("persistence")["rdb_last_load_keys_expired"] == 1


def test_lastsave_and_dirty_counter(start_server):
    proc = start_server()
    r = _client(proc)
    first = r.lastsave()
    r.set("a", "1")
    r.set("b", "2")
    assert r.info("persistence")["rdb_changes_since_last_save"] == 2
    time.sleep(1.1)
    assert r.save() is True
    assert r.info("persistence")["rdb_changes_since_last_save"] == 0
    assert r.lastsave() > first
    assert os.path.exists(os.path.join(proc.cwd, "dump.rdb"))


def test_save_failure_replies_bare_err(start_server):
    proc = start_server()
    r = _client(proc)
    os.mkdir(os.path.join(proc.cwd, "temp-%d.rdb" % proc.proc.pid))
    assert RawClient(proc.port).cmd("SAVE") == b"-ERR\r\n"
    assert "Failed opening the temp RDB file temp-%d.rdb" % proc.proc.pid in proc.log()
    # A failed SAVE is not a failed background save: writes go on.
    assert r.set("a", "1") is True


def test_bgsave_in_background(start_server):
    proc = start_server("--rdb-key-save-delay", 200000)
    r = _client(proc)
    r.mset({"k%d" % i: i for i in range(5)})
    assert RawClient(proc.port).cmd("BGSAVE") == b"+Background saving started\r\n"
    info = r.info("persistence")
    assert info["rdb_bgsave_in_progress"] == 1
    with pytest.raises(redis.ResponseError, match="^Background save already in progress$"):
        r.execute_command("BGSAVE")
    with pytest.raises(redis.ResponseError, match="^Background save already in progress$"):
        r.save()
    # The parent keeps serving, and its writes are counted after the fork's.
    r.set("during", "x")
    deadline = time.time() + 10
    while r.info("persistence")["rdb_bgsave_in_progress"] and time.time() < deadline:
        time.sleep(0.05)
    info = r.info("persistence")
    assert info["rdb_bgsave_in_progress"] == 0
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_changes_since_last_save"] == 1
    assert "Background saving terminated with success" in proc.log()
    assert not [f for f in os.listdir(proc.cwd) if f.startswith("temp-")]


def test_bgsave_syntax(r):
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("BGSAVE", "now")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("BGSAVE", "schedule", "x")


def test_failed_bgsave_turns_on_misconf(start_server):
    proc = start_server("--save", "3600 1")
    r = _client(proc)
    r.set("a", "1")
    # The child cannot rename its temp file over a directory.
    os.mkdir(os.path.join(proc.cwd, "dump.rdb"))
    os.mknod(os.path.join(proc.cwd, "dump.rdb", "x"))
    assert RawClient(proc.port).cmd("BGSAVE") == b"+Background saving started\r\n"
    deadline = time.time() + 10
    while r.info("persistence")["rdb_bgsave_in_progress"] and time.time() < deadline:
        time.sleep(0.05)
    assert r.info("persistence")["rdb_last_bgsave_status"] == "err"
    with pytest.raises(redis.ResponseError) as exc:
        r.set("b", "2")
    assert str(exc.value).startswith("MISCONF Redis is configured to save RDB snapshots")
    with pytest.raises(redis.ResponseError):
        r.ping()
    assert r.get("a") == b"1"
    r.config_set("stop-writes-on-bgsave-error", "no")
    assert r.set("b", "2") is True
    # Else the shutdown's save fails the same way and the server stays up, as Redis does.
    r.config_set("save", "")


def _shutdown(proc, *args):
    with pytest.raises(ConnectionError):
        RawClient(proc.port).cmd("SHUTDOWN", *args)


def test_shutdown_nosave_and_save(start_server):
    proc = start_server("--save", "3600 1")
    r = _client(proc)
    r.set("a", "1")
    _shutdown(proc, "NOSAVE")
    proc.proc.wait(10)
    assert not os.path.exists(os.path.join(proc.cwd, "dump.rdb"))
    proc = start_server(cwd=proc.cwd)
    r = _client(proc)
    r.set("b", "2")
    _shutdown(proc, "SAVE")
    proc.proc.wait(10)
    assert "Saving the final RDB snapshot before exiting." in proc.log()
    proc = start_server(cwd=proc.cwd)
    assert _client(proc).keys() == [b"b"]


def test_sigterm_saves_with_save_points(start_server):
    proc = start_server("--save", "3600 1")
    r = _client(proc)
    r.set("a", "1")
    proc.proc.send_signal(signal.SIGTERM)
    proc.proc.wait(10)
    assert "DB saved on disk" in proc.log()
    again = start_server(cwd=proc.cwd)
    assert _client(again).get("a") == b"1"


def test_flushall_saves_with_save_points(start_server):
    proc = start_server("--save", "3600 1")
    r = _client(proc)
    r.set("a", "1")
    assert r.save() is True
    r.set("b", "1")
    r.flushall()
    proc.proc.send_signal(signal.SIGKILL)
    proc.proc.wait(10)
    again = start_server(cwd=proc.cwd)
    assert _client(again).dbsize() == 0


def _rdb_of_strings(n):
    """An RDB (version 10, checksum disabled) of ``n`` string keys."""
    parts = [b"REDIS0010", b"\xfe\x00"]
    for i in range(n):
        key = b"key:%08d" % i
        parts.append(b"\x00" + bytes((len(key),)) + key + b"\x0bvalue-bytes")
    parts.append(b"\xff" + bytes(8))
    return b"".join(parts)


def test_clients_get_loading_while_the_file_loads(tmp_path):
    (tmp_path / "dump.rdb").write_bytes(_rdb_of_strings(200000))
    port = free_port()
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "pyredis", "--port", str(port), "--save", "",
                             "--loading-process-events-interval-bytes", "1024"],
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        replies = []
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"GET key:00000001\r\nINFO persistence\r\n")
                    time.sleep(0.05)
                    data = s.recv(65536)
                    replies.append(data)
                    if data.startswith(b"$11"):
                        break
            except OSError:
                time.sleep(0.02)
        loading = [d for d in replies if d.startswith(b"-LOADING")]
        assert loading, replies[:3]
        assert loading[0].startswith(b"-LOADING Redis is loading the dataset in memory\r\n")
        assert b"loading:1\r\n" in loading[0] and b"loading_loaded_perc:" in loading[0]
        assert replies[-1].startswith(b"$11\r\nvalue-bytes\r\n")
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
    text = (tmp_path / "server.log").read_text()
    assert "RDB file was saved with checksum disabled: no check performed." in text
    assert "Done loading RDB, keys loaded: 200000, keys expired: 0." in text


def test_loading_is_checked_after_the_pubsub_context(tmp_path):
    # processCommand refuses a subscribed RESP2 client's GET for the
    # subscription before it looks at loading; SUBSCRIBE itself runs while
    # loading, PING (allowed while subscribed) does not.
    (tmp_path / "dump.rdb").write_bytes(_rdb_of_strings(200000))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pyredis", "--port", str(port), "--save", "",
                             "--loading-process-events-interval-bytes", "1024"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"SUBSCRIBE ch\r\nGET k\r\nPING\r\n")
                    data = b""
                    while data.count(b"\r\n") < 6:
                        data += s.recv(65536)
                    s.sendall(b"RESET\r\nGET k\r\nINFO persistence\r\n")
                    time.sleep(0.05)
                    after = s.recv(65536)
                    if b"-LOADING" in after:
                        break
            except OSError:
                time.sleep(0.02)
        assert data == (b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                        b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                        b"QUIT / RESET are allowed in this context\r\n"
                        b"-LOADING Redis is loading the dataset in memory\r\n")
        assert after.startswith(b"+RESET\r\n-LOADING Redis is loading the dataset in memory\r\n"), after
    finally:
        proc.terminate()
        proc.wait(10)


def test_corrupt_file_stops_the_server(tmp_path):
    good = _rdb_of_strings(10)
    (tmp_path / "dump.rdb").write_bytes(good[:-30])
    port = free_port()
    out = subprocess.run([sys.executable, "-m", "pyredis", "--port", str(port), "--save", ""],
                         cwd=tmp_path, capture_output=True, timeout=30)
    assert out.returncode == 1
    text = out.stdout.decode()
    assert "Short read or OOM loading DB. Unrecoverable error, aborting now." in text
    assert ("Internal error in RDB reading offset 0, function at rdb.c:3249 -> "
            "Unexpected EOF reading RDB file") in text
    # The file check that follows finds the short read itself and ends the process.
    assert text.endswith("--- RDB ERROR DETECTED ---\n"
                         "[offset 247] Unexpected EOF reading RDB file\n"
                         "[additional info] While doing: read-key\n"
                         "[additional info] Reading type 0 (string)\n"
                         "[info] 9 keys read\n[info] 0 expires\n[info] 0 already expired\n")
    assert "Terminating server" not in text


def test_a_key_twice_in_the_file_panics_as_redis(tmp_path):
    (tmp_path / "dump.rdb").write_bytes(b"REDIS0010\xfe\x00\x00\x01k\x01v\x00\x01k\x01v\xff" + bytes(8))
    out = subprocess.run([sys.executable, "-m", "pyredis", "--port", str(free_port()), "--save", ""],
                         cwd=tmp_path, capture_output=True, timeout=30)
    assert out.returncode == 1
    text = out.stdout.decode()
    assert "RDB has duplicated key 'k' in DB 0" in text
    assert "Guru Meditation: Duplicated key found in RDB file #rdb.c:3184" in text
    assert "Internal error" not in text


def test_dump_restore_roundtrip(r):
    fill(r)
    before = contents(r)
    payloads = {key: (r.dump(key), r.pttl(key)) for key in r.keys()}
    r.flushdb()
    for key, (payload, ttl) in payloads.items():
        assert r.restore(key, max(ttl, 0), payload) == b"OK"
    after = contents(r)
    assert {k: v for k, v in after.items() if k[0] == 0} == {k: v for k, v in before.items() if k[0] == 0}


def test_restore_errors(r):
    r.set("a", "1")
    payload = r.dump("a")
    with pytest.raises(redis.ResponseError, match="^BUSYKEY Target key name already exists.$"):
        r.restore("a", 0, payload)
    with pytest.raises(redis.ResponseError, match="^DUMP payload version or checksum are wrong$"):
        r.restore("b", 0, payload[:-1] + b"\x00")
    with pytest.raises(redis.ResponseError, match="^Invalid TTL value, must be >= 0$"):
        r.restore("b", -1, payload)
    assert r.restore("a", 0, payload, replace=True) == b"OK"
    assert r.dump("nosuch") is None


def test_shutdown_drops_a_running_bgsave(start_server):
    proc = start_server("--rdb-key-save-delay", 1000000)
    r = _client(proc)
    r.mset({"k%d" % i: i for i in range(5)})
    assert RawClient(proc.port).cmd("BGSAVE") == b"+Background saving started\r\n"
    _shutdown(proc, "NOSAVE")
    proc.proc.wait(10)
    assert "There is a child saving an .rdb. Killing it!" in proc.log()
    time.sleep(0.2)
    assert os.listdir(proc.cwd) == ["server.log"]


@pytest.mark.slow
def test_kill_during_bgsave_keeps_the_previous_file(start_server):
    proc = start_server("--rdb-key-save-delay", 20000)
    r = _client(proc)
    r.set("old", "1")
    assert r.save() is True
    path = os.path.join(proc.cwd, "dump.rdb")
    with open(path, "rb") as f:
        before = f.read()
    r.mset({"k%d" % i: i for i in range(500)})
    assert RawClient(proc.port).cmd("BGSAVE") == b"+Background saving started\r\n"
    time.sleep(1.0)
    children = subprocess.run(["pgrep", "-P", str(proc.proc.pid)], capture_output=True, text=True)
    proc.proc.kill()
    proc.proc.wait(10)
    for pid in children.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    with open(path, "rb") as f:
        assert f.read() == before
    again = start_server(cwd=proc.cwd)
    assert _client(again).keys() == [b"old"]


def test_save_point_starts_a_background_save(start_server):
    proc = start_server("--save", "1 2")
    r = _client(proc)
    r.set("a", "1")
    time.sleep(1.5)
    # One change is below the save point's two.
    assert not os.path.exists(os.path.join(proc.cwd, "dump.rdb"))
    r.set("b", "1")
    deadline = time.time() + 10
    while "Background saving terminated with success" not in proc.log() and time.time() < deadline:
        time.sleep(0.05)
    assert "2 changes in 1 seconds. Saving..." in proc.log()
    assert os.path.exists(os.path.join(proc.cwd, "dump.rdb"))
    info = r.info("persistence")
    assert info["rdb_changes_since_last_save"] == 0
    assert info["rdb_saves"] == 1


def test_checksum_mismatch_stops_the_load(start_server, tmp_path):
    proc = start_server()
    r = _client(proc)
    r.set("key", "a value long enough")
    assert r.save() is True
    proc.stop()
    with open(os.path.join(proc.cwd, "dump.rdb"), "rb") as f:
        data = bytearray(f.read())
    at = data.index(b"a value long enough")
    data[at] ^= 1
    (tmp_path / "dump.rdb").write_bytes(bytes(data))
    out = subprocess.run([sys.executable, "-m", "pyredis", "--port", str(free_port()), "--save", ""],
                         cwd=tmp_path, capture_output=True, timeout=30)
    assert out.returncode == 1
    assert re.search(r"Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\.",
                     out.stdout.decode())
    assert "RDB CRC error" in out.stdout.decode()


def test_rdb_stream_stops_at_its_checksum():
    """The AOF reads its RDB preamble with read_snapshot, then the commands after it."""
    import io
    from pyredis.cli import build_config
    from pyredis.persistence import rdb
    from pyredis.server import Server
    server = Server(build_config(["--save", ""]), lambda *a: None)
    server.dbs[2].data[b"k"] = b"v"
    buf = io.BytesIO()
    assert rdb.write_snapshot(server, buf) == 1
    size = buf.tell()
    buf.write(b"*1\r\n$4\r\nPING\r\n")
    buf.seek(0)
    for db in server.dbs:
        db.flush()
    result = rdb.read_snapshot(server, buf)
    assert (result.keys_loaded, result.size) == (1, size)
    assert buf.read() == b"*1\r\n$4\r\nPING\r\n"
    assert server.dbs[2].data == {b"k": b"v"}


def test_corrupt_payloads_never_crash(r):
    import random
    import struct
    from pyredis._speedups import crc64
    fill(r)
    payloads = [r.dump(key)[:-10] for key in r.keys()]
    rng = random.Random(12)
    replies = set()
    for i in range(400):
        data = bytearray(rng.choice(payloads))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(data))
            if rng.random() < 0.7:
                data[pos] = rng.randrange(256)
            else:
                del data[pos:]
                data += b"\x00"
        body = bytes(data) + b"\x0a\x00"
        body += struct.pack("<Q", crc64(0, body))
        try:
            replies.add(r.restore("fuzz%d" % i, 0, body))
        except redis.ResponseError as exc:
            replies.add(str(exc))
    assert replies <= {b"OK", "Bad data format"}
    assert r.ping() is True
