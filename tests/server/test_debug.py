"""DEBUG on a live pyredis: what each subcommand does to the server, beyond its reply."""
import os
import re
import socket
import sys
import time

import pytest

from respclient import RawClient, encode_command, parse
from serverproc import ServerProcess, free_port, start_pyredis


@pytest.fixture(scope="module")
def debug_server():
    proc = start_pyredis("--enable-debug-command", "yes")
    yield proc
    proc.stop()


@pytest.fixture
def c(debug_server):
    client = RawClient(debug_server.port)
    client.cmd("FLUSHALL")
    client.cmd("CONFIG", "SET", "list-max-listpack-size", "-2")
    yield client
    client.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
    client.cmd("DEBUG", "PAUSE-CRON", "0")
    client.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    client.close()


def _info_field(c, section, name):
    text = parse(c.cmd("INFO", section)).decode()
    return re.search(r"^%s:(.*)\r$" % name, text, re.M).group(1)


def _object(c, key):
    reply = c.cmd("DEBUG", "OBJECT", key)
    assert reply.startswith(b"+Value at:0x"), reply
    return dict(f.split(b":", 1) for f in reply[len(b"+Value "):-2].split(b" "))


def test_help_lists_every_subcommand(c):
    lines = [line[1:] for line in parse(c.cmd("DEBUG", "HELP"))]
    assert len(lines) == 106
    names = [line.split()[0].decode() for line in lines[1:] if not line.startswith(b" ")]
    assert names[:3] == ["AOF-FLUSH-SLEEP", "ASSERT", "CHANGE-REPL-ID"] and names[-1] == "HELP"
    for name in ("POPULATE", "DIGEST-VALUE", "QUICKLIST-PACKED-THRESHOLD", "CLUSTERLINK"):
        assert name in names
    assert c.cmd("DEBUG", "NOSUCH") == (b"-ERR unknown subcommand or wrong number of arguments for "
                                        b"'NOSUCH'. Try DEBUG HELP.\r\n")


def test_refused_unless_enabled(server):
    client = RawClient(server.port)
    assert client.cmd("DEBUG", "POPULATE", "1").startswith(b"-ERR DEBUG command not allowed.")
    assert client.cmd("DBSIZE") == b":0\r\n"
    client.close()


def test_populate_creates_keys_without_dirtying(c, debug_server):
    dirty = int(_info_field(c, "persistence", "rdb_changes_since_last_save"))
    assert c.cmd("DEBUG", "POPULATE", "1000") == b"+OK\r\n"
    assert c.cmd("DBSIZE") == b":1000\r\n"
    assert c.cmd("GET", "key:999") == b"$9\r\nvalue:999\r\n"
    assert int(_info_field(c, "persistence", "rdb_changes_since_last_save")) == dirty
    assert c.cmd("DEBUG", "POPULATE", "2", "big", "12") == b"+OK\r\n"
    assert c.cmd("GET", "big:1") == b"$12\r\nvalue:1\x00\x00\x00\x00\x00\r\n"
    assert c.cmd("DEBUG", "POPULATE", "2", "tiny", "2") == b"+OK\r\n"
    assert c.cmd("GET", "tiny:0") == b"$2\r\nva\r\n"
    assert c.cmd("OBJECT", "ENCODING", "key:1") == b"$6\r\nembstr\r\n"


def test_populate_skips_existing_keys_and_touches_watchers(c, debug_server):
    c.cmd("SET", "key:1", "mine")
    watcher = RawClient(debug_server.port)
    watcher.cmd("WATCH", "key:2")
    c.cmd("DEBUG", "POPULATE", "3")
    assert c.cmd("GET", "key:1") == b"$4\r\nmine\r\n"
    watcher.cmd("MULTI")
    watcher.cmd("PING")
    assert watcher.cmd("EXEC") == b"*-1\r\n"
    watcher.close()


def test_digest(c):
    empty = b"+" + b"0" * 40 + b"\r\n"
    assert c.cmd("DEBUG", "DIGEST") == empty
    c.cmd("SADD", "s", "a", "b", "c")
    first = c.cmd("DEBUG", "DIGEST")
    assert first != empty and len(first) == 43
    c.cmd("DEL", "s")
    # set members are folded in whatever their order
    c.cmd("SADD", "s", "c", "a", "b")
    assert c.cmd("DEBUG", "DIGEST") == first
    value = parse(c.cmd("DEBUG", "DIGEST-VALUE", "s", "nokey"))
    assert value[1] == b"+" + b"0" * 40 and value[0] != value[1]
    c.cmd("EXPIRE", "s", "100")
    assert parse(c.cmd("DEBUG", "DIGEST-VALUE", "s"))[0] != value[0]
    assert c.cmd("DEBUG", "DIGEST") != first


def test_digest_sees_logically_expired_keys(c):
    c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    c.cmd("SET", "k", "v", "PX", "1")
    time.sleep(0.05)
    assert parse(c.cmd("DEBUG", "DIGEST-VALUE", "k"))[0] != b"+" + b"0" * 40
    assert c.cmd("DEBUG", "OBJECT", "k").startswith(b"+Value at:")
    assert c.cmd("DEBUG", "LISTPACK", "k") == b"-ERR no such key\r\n"


def test_object(c):
    c.cmd("SET", "shared", "100")
    fields = _object(c, "shared")
    assert fields[b"refcount"] == b"2147483647" and fields[b"encoding"] == b"int"
    c.cmd("RPUSH", "l", *[b"x" * 1000] * 20)
    fields = _object(c, "l")
    assert fields[b"encoding"] == b"quicklist" and fields[b"refcount"] == b"1"
    assert fields[b"ql_nodes"] == b"3" and fields[b"ql_avg_node"] == b"6.67"
    assert fields[b"ql_listpack_max"] == b"-2" and fields[b"ql_compressed"] == b"0"
    assert fields[b"ql_uncompressed_size"] == b"%d" % (3 * 7 + 20 * 1004)
    c.cmd("CONFIG", "SET", "list-compress-depth", "1")
    c.cmd("RPUSH", "l2", "a")
    assert _object(c, "l2")[b"ql_compressed"] == b"1"
    c.cmd("CONFIG", "SET", "list-compress-depth", "0")
    assert c.cmd("DEBUG", "OBJECT", "nokey") == b"-ERR no such key\r\n"


def test_object_idle_time(c):
    c.cmd("SET", "k", "v")
    c.cmd("DEBUG", "SLEEP", "1.1")
    assert int(_object(c, "k")[b"lru_seconds_idle"]) >= 1
    c.cmd("GET", "k")
    assert _object(c, "k")[b"lru_seconds_idle"] == b"0"


def test_sdslen(c):
    c.cmd("SET", "key:1", "value:1")
    assert c.cmd("DEBUG", "SDSLEN", "key:1") == (
        b"+key_sds_len:5, key_sds_avail:0, key_zmalloc: 8, val_sds_len:7, val_sds_avail:0, "
        b"val_zmalloc: 16\r\n")
    c.cmd("SET", "n", "12")
    c.cmd("RPUSH", "l", "a")
    for key in ("n", "l"):
        assert c.cmd("DEBUG", "SDSLEN", key) == b"-ERR Not an sds encoded string.\r\n"


def test_listpack_and_quicklist_print_on_stdout(c, debug_server):
    c.cmd("HSET", "h", "field1", "value1")
    assert c.cmd("DEBUG", "LISTPACK", "h") == b"+Listpack structure printed on stdout\r\n"
    c.cmd("RPUSH", "l", "elem-a", "elem-b")
    assert c.cmd("DEBUG", "QUICKLIST", "l", "1") == b"+Quicklist structure printed on stdout\r\n"
    assert c.cmd("DEBUG", "QUICKLIST", "h") == b"-ERR Not a quicklist encoded object.\r\n"
    assert c.cmd("DEBUG", "LISTPACK", "l") == b"-ERR Not a listpack encoded object.\r\n"
    log = debug_server.log()
    assert "[str]field1" in log and "[str]value1" in log
    assert "{count : 2}" in log and "container : PACKED" in log and "[str]elem-b" in log


def test_packed_threshold_makes_plain_nodes(c, debug_server):
    assert c.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100") == b"+OK\r\n"
    c.cmd("RPUSH", "l", "a", b"B" * 100, "c", b"D" * 99)
    fields = _object(c, "l")
    assert fields[b"ql_nodes"] == b"3"
    assert fields[b"ql_uncompressed_size"] == b"%d" % ((7 + 3) + 100 + (7 + 3 + 102))
    c.cmd("DEBUG", "QUICKLIST", "l")
    assert "container : PLAIN, encoding: RAW, size: 100, count: 1" in debug_server.log()
    assert c.cmd("LRANGE", "l", "1", "1") == b"*1\r\n$100\r\n" + b"B" * 100 + b"\r\n"
    c.cmd("LSET", "l", "1", "small")
    assert _object(c, "l")[b"ql_nodes"] == b"2"
    for bad in ("5gb", "x", "-1"):
        assert c.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad) == (
            b"-ERR argument must be a memory value bigger than 1 and smaller than 4gb\r\n")


def test_reload_saves_and_loads_the_dataset_back(c):
    c.cmd("SET", "k", "v")
    c.cmd("RPUSH", "l", "a", "b")
    c.cmd("HSET", "h", "f", "v")
    assert c.cmd("DEBUG", "RELOAD") == b"+OK\r\n"
    assert c.cmd("GET", "k") == b"$1\r\nv\r\n"
    assert c.cmd("LRANGE", "l", "0", "-1") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert c.cmd("DEBUG", "RELOAD", "MERGE", "NOFLUSH", "bogus") == (
        b"-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n")
    # NOSAVE loads the file as the last save left it.
    c.cmd("SET", "later", "1")
    assert c.cmd("DEBUG", "RELOAD", "NOSAVE") == b"+OK\r\n"
    assert c.cmd("EXISTS", "later", "k", "l", "h") == b":3\r\n"
    # MERGE NOFLUSH keeps what is there and adds the file's keys.
    c.cmd("DEL", "k")
    c.cmd("SET", "extra", "1")
    assert c.cmd("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE") == b"+OK\r\n"
    assert c.cmd("EXISTS", "extra", "k") == b":2\r\n"

def test_pause_cron_stops_active_expiry(c):
    c.cmd("DEBUG", "PAUSE-CRON", "1")
    c.cmd("SET", "k", "v", "PX", "10")
    time.sleep(0.3)
    assert c.cmd("DBSIZE") == b":1\r\n"
    c.cmd("DEBUG", "PAUSE-CRON", "0")
    deadline = time.time() + 5
    while c.cmd("DBSIZE") != b":0\r\n" and time.time() < deadline:
        time.sleep(0.05)
    assert c.cmd("DBSIZE") == b":0\r\n"


def test_change_repl_id(c, debug_server):
    before = _info_field(c, "replication", "master_replid")
    assert c.cmd("DEBUG", "CHANGE-REPL-ID") == b"+OK\r\n"
    after = _info_field(c, "replication", "master_replid")
    assert after != before and len(after) == 40
    assert "Changing replication IDs after receiving DEBUG change-repl-id" in debug_server.log()


def test_sleep_takes_decimals(c):
    start = time.time()
    assert c.cmd("DEBUG", "SLEEP", "0.3") == b"+OK\r\n"
    assert time.time() - start >= 0.3
    assert c.cmd("DEBUG", "SLEEP", "-1") == b"+OK\r\n"


def test_error_reply_is_not_counted(c):
    c.cmd("CONFIG", "RESETSTAT")
    assert c.cmd("DEBUG", "ERROR", "CUSTOM it\nbroke") == b"-CUSTOM it broke\r\n"
    assert b"errorstat" not in c.cmd("INFO", "errorstats")


def test_htstats(c):
    for i in range(5):
        c.cmd("SET", "k%d" % i, "v", "EX", "100")
    text = parse(c.cmd("DEBUG", "HTSTATS", "0")).decode()
    assert text.startswith("[Dictionary HT]\nHash table 0 stats (main hash table):\n table size: 8\n"
                           " number of elements: 5\n")
    assert "[Expires HT]\nHash table 0 stats (main hash table):\n table size: 8\n" in text
    c.cmd("CONFIG", "SET", "hash-max-listpack-entries", "1")
    c.cmd("HSET", "h", "a", "1", "b", "2")
    c.cmd("CONFIG", "SET", "hash-max-listpack-entries", "128")
    text = parse(c.cmd("DEBUG", "HTSTATS-KEY", "h")).decode()
    assert " table size: 4\n number of elements: 2\n" in text
    assert c.cmd("DEBUG", "HTSTATS", "16") == b"-ERR Out of range database\r\n"


def test_client_eviction_buckets(c):
    assert c.cmd("DEBUG", "CLIENT-EVICTION") == b"-ERR maxmemory-clients is disabled.\r\n"
    c.cmd("CONFIG", "SET", "maxmemory-clients", "10mb")
    try:
        text = parse(c.cmd("DEBUG", "CLIENT-EVICTION")).decode()
    finally:
        c.cmd("CONFIG", "SET", "maxmemory-clients", "0")
    lines = text.splitlines()
    assert len(lines) == 19
    assert lines[0].startswith("bucket          0 -      32767: tot-mem:")
    assert lines[-1].startswith("bucket 4294967296+            : tot-mem:")
    assert sum(int(line.rsplit(" ", 1)[1]) for line in lines) >= 1


def test_config_rewrite_force_all(tmp_path):
    conf = tmp_path / "server.conf"
    port = free_port()
    conf.write_text("port %d\nsave \"\"\nenable-debug-command yes\n" % port)
    srv = ServerProcess([sys.executable, "-m", "pyredis", str(conf)], port, str(tmp_path))
    try:
        client = RawClient(srv.port)
        assert client.cmd("DEBUG", "CONFIG-REWRITE-FORCE-ALL") == b"+OK\r\n"
        text = conf.read_text()
        # options at their defaults are written too
        assert "\nhz 10\n" in text and "\ndatabases 16\n" in text
        client.close()
    finally:
        srv.stop()


def test_switches_reply_ok(c):
    for args in (("SET-SKIP-CHECKSUM-VALIDATION", "1"), ("SET-SKIP-CHECKSUM-VALIDATION", "0"),
                 ("AOF-FLUSH-SLEEP", "0"), ("REPLYBUFFER", "PEAK-RESET-TIME", "never"),
                 ("REPLYBUFFER", "PEAK-RESET-TIME", "reset"), ("REPLYBUFFER", "RESIZING", "1"),
                 ("DROP-CLUSTER-PACKET-FILTER", "-1"), ("REPLICATE", "SET", "a", "b"),
                 ("LEAK", "leaked")):
        assert c.cmd("DEBUG", *args) == b"+OK\r\n", args
    # REPLICATE goes to replicas only: nothing happened here
    assert c.cmd("EXISTS", "a") == b":0\r\n"
    assert c.cmd("DEBUG", "STRINGMATCH-TEST") == b"+Apparently Redis did not crash: test passed\r\n"
    assert c.cmd("DEBUG", "STRUCTSIZE").startswith(b"$83\r\nbits:64 robj:16 ")
    assert c.cmd("DEBUG", "MALLCTL", "x").startswith(b"-ERR unknown subcommand")
    assert c.cmd("DEBUG", "CLUSTERLINK", "KILL", "to", "x") == (
        b"-ERR Debug option only available for cluster mode enabled setup!\r\n")


# ---- failure injection: each kills a server of its own -----------------------------
def _crashing_server(start_server):
    srv = start_server("--enable-debug-command", "yes", "--save", "900 1")
    client = RawClient(srv.port)
    client.cmd("SET", "k", "v")
    return srv, client


def _wait_exit(srv, timeout=10):
    return srv.proc.wait(timeout)


@pytest.mark.parametrize("sub, status, marks", [
    ("SEGFAULT", -11, ("crashed by signal: 11", "REDIS BUG REPORT START")),
    ("PANIC", -6, ("Guru Meditation: DEBUG PANIC called at Unix time", "REDIS BUG REPORT END")),
    ("ASSERT", -6, ("=== ASSERTION FAILED ===", "'1 == 2' is not true")),
    ("OOM", -6, ("Out Of Memory allocating 9223372036854775807 bytes!",
                 "Redis aborting for OUT OF MEMORY")),
])
def test_crashes_kill_the_process_without_saving(start_server, sub, status, marks):
    srv, client = _crashing_server(start_server)
    client.send(b"DEBUG %s\r\n" % sub.encode())
    assert _wait_exit(srv) == status
    log = srv.log()
    for mark in marks:
        assert mark in log
    assert not os.path.exists(os.path.join(srv.cwd, "dump.rdb"))
    assert client.is_closed()
    client.close()


def test_loadaof_without_an_aof_exits(start_server):
    srv, client = _crashing_server(start_server)
    client.send(b"DEBUG LOADAOF\r\n")
    assert _wait_exit(srv) == 1
    client.close()


def _reconnect(srv, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            client = RawClient(srv.port)
            if client.cmd("PING") == b"+PONG\r\n":
                return client
            client.close()
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("server did not come back:\n" + srv.log())


@pytest.mark.parametrize("sub", [("RESTART",), ("CRASH-AND-RECOVER", "50")])
def test_restart_reexecutes_the_same_command_line(start_server, sub):
    srv = start_server("--enable-debug-command", "yes")
    client = RawClient(srv.port)
    run_id = _info_field(client, "server", "run_id")
    client.send(encode_command("DEBUG", *sub))
    assert client.is_closed(wait=5)
    client.close()
    client = _reconnect(srv)
    assert srv.proc.poll() is None
    assert _info_field(client, "server", "run_id") != run_id
    # the same options: DEBUG is still enabled
    assert client.cmd("DEBUG", "SLEEP", "0") == b"+OK\r\n"
    client.close()


def test_restart_with_a_bad_delay_stays_up(c):
    assert c.cmd("DEBUG", "RESTART", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert c.cmd("PING") == b"+PONG\r\n"


def test_unix_socket_server_restarts(start_server, tmp_path):
    path = str(tmp_path / "s.sock")
    srv = start_server("--enable-debug-command", "yes", "--unixsocket", path)
    client = RawClient(srv.port)
    client.send(b"DEBUG RESTART\r\n")
    assert client.is_closed(wait=5)
    client.close()
    _reconnect(srv).close()
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(b"PING\r\n")
    assert s.recv(16) == b"+PONG\r\n"
    s.close()


def test_loadaof_reloads_the_append_only_file(start_server, tmp_path):
    import redis as redis_py
    proc = start_server("--appendonly", "yes", "--dir", str(tmp_path), "--enable-debug-command", "yes")
    r = redis_py.Redis(port=proc.port)
    r.set("a", "1")
    r.rpush("l", "x", "y")
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert r.get("a") == b"1" and r.lrange("l", 0, -1) == [b"x", b"y"]
    assert "Append Only File loaded by DEBUG LOADAOF" in proc.log()


def test_reload_keeps_long_keys_and_fields(c):
    """Keys and hash fields of 64 KB and more (held by reference in the key table)."""
    key = b"k" * 0x10000 + b"\x00\xff"
    near = key[:-1] + b"\xfe"
    c.cmd("SET", key, "v1")
    c.cmd("SET", near, "v2")
    c.cmd("HSET", "h", key, "f1", near, "f2")
    c.cmd("RENAME", near, near + b"!")
    assert c.cmd("DEBUG", "RELOAD") == b"+OK\r\n"
    assert c.cmd("GET", key) == b"$2\r\nv1\r\n" and c.cmd("GET", near) == b"$-1\r\n"
    assert c.cmd("GET", near + b"!") == b"$2\r\nv2\r\n"
    assert sorted(parse(c.cmd("KEYS", "k*"))) == [near + b"!", key]
    assert parse(c.cmd("HMGET", "h", key, near)) == [b"f1", b"f2"]
    assert c.cmd("DEL", key, near + b"!") == b":2\r\n" and c.cmd("DBSIZE") == b":1\r\n"
