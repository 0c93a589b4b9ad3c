"""INFO, TIME, DBSIZE, SHUTDOWN and DEBUG on a live pyredis."""
import os
import re
import threading
import time

from respclient import RawClient


def _info(raw, *sections):
    reply = raw.cmd("INFO", *sections)
    head, _, rest = reply.partition(b"\r\n")
    assert head.startswith(b"$")
    body = rest[:int(head[1:])]
    return dict(line.split(":", 1) for line in body.decode().split("\r\n") if line and not line.startswith("#"))


def test_info_server_names_the_implementation(raw, server):
    info = _info(raw, "server")
    want = "python" if os.environ.get("PYREDIS_NO_EXTENSIONS") == "1" else "cython"
    assert info["pyredis_implementation"] == want
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", info["pyredis_version"])
    assert info["redis_version"] == "7.0.15"
    assert info["redis_mode"] == "standalone"
    assert info["tcp_port"] == str(server.port)
    assert info["process_id"] == str(server.proc.pid)
    assert re.fullmatch(r"[0-9a-f]{40}", info["run_id"])
    assert info["arch_bits"] in ("32", "64")
    assert int(info["uptime_in_seconds"]) >= 0


def test_info_layout(raw):
    reply = raw.cmd("INFO")
    body = reply.partition(b"\r\n")[2]
    assert body.startswith(b"# Server\r\nredis_version:7.0.15\r\n")
    headers = re.findall(rb"# (\w+)\r\n", body)
    assert headers == [b"Server", b"Clients", b"Memory", b"Persistence", b"Stats", b"Replication",
                       b"CPU", b"Modules", b"Errorstats", b"Cluster", b"Keyspace"]
    assert b"\r\n\r\n# Clients\r\n" in body
    assert raw.cmd("INFO", "nosuch") == b"$0\r\n\r\n"
    assert raw.cmd("INFO", "cluster") == b"$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n"


def test_info_memory_estimates_the_dataset_and_shows_rss(raw):
    info = _info(raw, "memory")
    used = int(info["used_memory"])
    # An empty redis-server's figure, plus the dataset as redis-server would hold it.
    assert used >= 876128
    assert int(info["used_memory_rss"]) > 1024 * 1024
    assert int(info["used_memory_peak"]) >= used
    assert info["used_memory_human"].endswith(("K", "M", "G"))
    assert info["maxmemory_policy"] == "noeviction"
    raw.cmd("SET", "big", "x" * 100000)
    assert int(_info(raw, "memory")["used_memory"]) >= used + 100000


def test_info_stats_count_connections_commands_and_hits(raw_factory):
    a = raw_factory()
    a.cmd("SELECT", "13")
    before = _info(a, "stats")
    b = raw_factory()
    b.cmd("PING")
    a.cmd("SET", "stats:k", "v")
    a.cmd("GET", "stats:k")
    a.cmd("GET", "stats:missing")
    after = _info(a, "stats")
    assert int(after["total_connections_received"]) >= int(before["total_connections_received"]) + 1
    assert int(after["total_commands_processed"]) >= int(before["total_commands_processed"]) + 5
    assert int(after["keyspace_hits"]) >= int(before["keyspace_hits"]) + 1
    assert int(after["keyspace_misses"]) >= int(before["keyspace_misses"]) + 1
    assert int(after["total_net_input_bytes"]) > int(before["total_net_input_bytes"])
    a.cmd("DEL", "stats:k")


def test_info_clients(raw_factory):
    a = raw_factory()
    b = raw_factory()
    b.cmd("PING")
    info = _info(a, "clients")
    assert int(info["connected_clients"]) >= 2
    assert info["maxclients"] == "10000"


def test_commandstats_and_errorstats_lines(raw):
    raw.cmd("CONFIG", "RESETSTAT")
    raw.cmd("TIME")
    raw.cmd("TIME")
    raw.cmd("TIME", "x")
    raw.cmd("CONFIG", "SET", "hz", "nope")
    stats = raw.cmd("INFO", "commandstats").decode()
    m = re.search(r"cmdstat_time:calls=2,usec=(\d+),usec_per_call=(\d+\.\d\d),rejected_calls=1,failed_calls=0\r\n",
                  stats)
    assert m, stats
    assert abs(float(m.group(2)) - int(m.group(1)) / 2) < 0.01
    assert re.search(r"cmdstat_config\|set:calls=1,usec=\d+,usec_per_call=[0-9.]+,rejected_calls=0,"
                     r"failed_calls=1\r\n", stats)
    assert "errorstat_ERR:count=2\r\n" in raw.cmd("INFO", "errorstats").decode()


def test_info_keyspace(raw):
    raw.cmd("SELECT", "14")
    raw.cmd("SET", "ks:a", "1")
    raw.cmd("SET", "ks:b", "1")
    assert b"db14:keys=2,expires=0,avg_ttl=0\r\n" in raw.cmd("INFO", "keyspace")
    raw.cmd("DEL", "ks:a", "ks:b")
    raw.cmd("SELECT", "0")


def test_info_keyspace_avg_ttl_follows_the_expiry_cycle(start_server):
    srv = start_server("--hz", "100")
    c = RawClient(srv.port)
    for i in range(50):
        c.cmd("SET", "t%d" % i, "v", "PX", "100000")
    c.cmd("SET", "forever", "v")
    deadline = time.time() + 5
    line = b""
    while time.time() < deadline:
        line = re.search(rb"db0:keys=51,expires=50,avg_ttl=(\d+)", c.cmd("INFO", "keyspace"))
        if line and int(line.group(1)):
            break
        time.sleep(0.05)
    assert line and 90000 < int(line.group(1)) <= 100000
    for i in range(50):
        c.cmd("PERSIST", "t%d" % i)
    time.sleep(0.1)
    deadline = time.time() + 5
    while b"avg_ttl=0" not in c.cmd("INFO", "keyspace") and time.time() < deadline:
        time.sleep(0.05)
    assert b"db0:keys=51,expires=0,avg_ttl=0\r\n" in c.cmd("INFO", "keyspace")
    c.close()


def test_info_counts_read_and_write_events(start_server):
    srv = start_server()
    c = RawClient(srv.port)
    before = _info(c, "stats")
    for _ in range(3):
        c.cmd("PING")
    c.send(b"PING\r\nPING\r\n")
    c.read_reply()
    c.read_reply()
    after = _info(c, "stats")
    # Each PING was a read and a write; the pipelined pair one of each; and
    # the first INFO's own read and reply count too.
    assert int(after["total_reads_processed"]) - int(before["total_reads_processed"]) == 5
    assert int(after["total_writes_processed"]) - int(before["total_writes_processed"]) == 5
    c.close()


def test_instantaneous_ops_per_sec(start_server):
    srv = start_server("--hz", "50")
    c = RawClient(srv.port)
    deadline = time.time() + 0.5
    while time.time() < deadline:
        c.send(b"PING\r\n" * 200)
        for _ in range(200):
            c.read_reply()
    ops = int(_info(c, "stats")["instantaneous_ops_per_sec"])
    assert ops > 100
    c.close()


def test_info_resp3_is_verbatim(raw_factory):
    c = raw_factory()
    assert c.cmd("HELLO", "3").startswith(b"%")
    assert c.cmd("INFO", "cluster") == b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n"


def test_time(raw):
    reply = raw.cmd("TIME")
    m = re.fullmatch(rb"\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n", reply)
    assert m
    assert abs(int(m.group(1)) - time.time()) < 2
    assert 0 <= int(m.group(2)) < 1000000


def test_dbsize(raw):
    raw.cmd("SELECT", "15")
    start = int(raw.cmd("DBSIZE")[1:-2])
    raw.cmd("SET", "dbsize:x", "1")
    assert raw.cmd("DBSIZE") == b":%d\r\n" % (start + 1)
    raw.cmd("SELECT", "0")


def test_shutdown_stops_the_server_and_removes_the_pidfile(start_server, tmp_path):
    pidfile = str(tmp_path / "pyredis.pid")
    srv = start_server("--pidfile", pidfile)
    assert os.path.exists(pidfile)
    c = RawClient(srv.port)
    assert c.cmd("SHUTDOWN", "ABORT") == b"-ERR No shutdown in progress.\r\n"
    c.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
    assert c.is_closed(5)
    assert srv.proc.wait(10) == 0
    assert not os.path.exists(pidfile)


def test_shutdown_save_that_fails_needs_force(start_server):
    srv = start_server()
    # The temp file SAVE writes first cannot be created over a directory.
    os.mkdir(os.path.join(srv.cwd, "temp-%d.rdb" % srv.proc.pid))
    c = RawClient(srv.port)
    assert c.cmd("SHUTDOWN", "SAVE") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    assert c.cmd("PING") == b"+PONG\r\n"
    c.send(b"*3\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n$5\r\nFORCE\r\n")
    assert c.is_closed(5)
    assert srv.proc.wait(10) == 0


def test_shutdown_refused_in_multi(start_server):
    srv = start_server()
    c = RawClient(srv.port)
    assert c.cmd("MULTI") == b"+OK\r\n"
    assert c.cmd("SHUTDOWN") == b"-ERR Command not allowed inside a transaction\r\n"
    c.cmd("DISCARD")
    assert c.cmd("PING") == b"+PONG\r\n"
    c.close()


def test_debug_sleep_blocks_the_whole_server(start_server):
    srv = start_server("--enable-debug-command", "yes")
    sleeper = RawClient(srv.port)
    other = RawClient(srv.port)
    assert other.cmd("PING") == b"+PONG\r\n"
    t = threading.Thread(target=lambda: sleeper.cmd("DEBUG", "SLEEP", "0.5"))
    t.start()
    time.sleep(0.1)
    start = time.time()
    assert other.cmd("PING") == b"+PONG\r\n"
    assert time.time() - start >= 0.3
    t.join()
    sleeper.close()
    other.close()


def test_debug_needs_enable_debug_command(raw):
    assert raw.cmd("DEBUG", "SLEEP", "0").startswith(b"-ERR DEBUG command not allowed.")


def test_debug_help_and_log(start_server):
    srv = start_server("--enable-debug-command", "yes")
    c = RawClient(srv.port)
    help_text = c.cmd("DEBUG", "HELP")
    assert help_text.startswith(b"*")
    assert b"+SLEEP <seconds>\r\n" in help_text and help_text.endswith(b"+HELP\r\n+    Prints this help.\r\n")
    assert c.cmd("DEBUG", "LOG", "marker-12345") == b"+OK\r\n"
    c.close()
    time.sleep(0.1)
    assert "DEBUG LOG: marker-12345" in srv.log()


def test_info_counts_pubsub_channels_and_patterns(raw_factory):
    sub = raw_factory()
    admin = raw_factory()
    before = _info(admin, "stats")
    sub.cmd("SUBSCRIBE", "info:ch1", "info:ch2")
    sub.read_reply()
    sub.cmd("PSUBSCRIBE", "info:p*")
    after = _info(admin, "stats")
    assert int(after["pubsub_channels"]) == int(before["pubsub_channels"]) + 2
    assert int(after["pubsub_patterns"]) == int(before["pubsub_patterns"]) + 1
