"""CONFIG GET/SET/RESETSTAT/REWRITE on a live pyredis, and the parameter table itself."""
import os
import socket
import sys
import time

import pytest

from pyredis import cli
from pyredis.config import PARAMS, PARAMS_BY_NAME, Config, ConfigError
from respclient import RawClient
from serverproc import ServerProcess, free_port


def _config_map(raw, *patterns):
    reply = raw.cmd("CONFIG", "GET", *patterns)
    parts = reply.split(b"\r\n")[1:-1]
    values = parts[1::2]
    return dict(zip(values[::2], values[1::2]))


# ---- the table --------------------------------------------------------------------
def test_every_default_parses_back_to_itself():
    config = Config()
    for p in PARAMS:
        text = p.format(config.values[p.name])
        if p.name in ("dir", "replicaof"):
            continue
        assert p.parse(text) == config.values[p.name], p.name


def test_names_and_aliases_are_unique_and_lowercase():
    names = [p.name for p in PARAMS] + [a for p in PARAMS for a in p.aliases]
    assert len(names) == len(set(names))
    assert all(n == n.lower() for n in names)
    assert set(PARAMS_BY_NAME) == set(names)


@pytest.mark.parametrize("name,text,error", [
    ("hz", "x", "argument couldn't be parsed into an integer"),
    ("hz", "-1", "argument must be between 0 and 2147483647 inclusive"),
    ("maxmemory", "-1", "argument must be a memory value"),
    ("maxclients", "-1", "argument must be between 1 and 4294967295 inclusive"),
    ("maxmemory-clients", "200%", "percentage argument must be less or equal to 100"),
    ("unixsocketperm", "9", "argument couldn't be parsed as an octal number"),
    ("unixsocketperm", "1000", "argument must be between 0 and 777 inclusive"),
    ("appendonly", "1", "argument must be 'yes' or 'no'"),
    ("appendfsync", "x", "argument(s) must be one of the following: everysec, always, no"),
])
def test_parse_errors(name, text, error):
    with pytest.raises(ConfigError) as exc:
        Config().set(name, text)
    assert str(exc.value) == error


def test_memory_values_and_formats():
    config = Config()
    config.set("maxmemory", "1gb")
    assert config["maxmemory"] == 1024 ** 3
    config.set("maxmemory", "1G")
    assert config["maxmemory"] == 1000 ** 3
    config.set("maxmemory-clients", "10%")
    assert config.get("maxmemory-clients") == "10%"
    config.set("unixsocketperm", "700")
    assert config["unixsocketperm"] == 0o700 and config.get("unixsocketperm") == "700"


def test_save_lines_add_up_in_a_config_file_but_not_in_config_set():
    config = Config()
    cli.load_config_text(config, "save 900 1\nsave 300 10\n")
    assert config["save"] == "900 1 300 10"
    config2 = Config()
    cli.load_config_text(config2, 'save 900 1\nsave ""\n')
    assert config2["save"] == ""


def test_stock_redis_conf_loads():
    path = "/etc/redis/redis.conf"
    if not os.path.exists(path):
        pytest.skip("no stock redis.conf on this machine")
    with open(path, encoding="latin-1") as f:
        text = f.read()
    # The directory and files the stock file names belong to a system install.
    text = "\n".join(line for line in text.split("\n")
                     if not line.startswith(("dir ", "logfile ", "pidfile ")))
    config = Config()
    cli.load_config_text(config, text)
    assert config["port"] == 6379


# ---- a live server ------------------------------------------------------------------
def test_config_get_lists_names_once(raw):
    values = _config_map(raw, "*", "*max*", "hz")
    assert b"hash-max-ziplist-entries" in values and b"hash-max-listpack-entries" in values
    assert b"key-load-delay" not in values
    reply = raw.cmd("CONFIG", "GET", "*")
    names = reply.split(b"\r\n")[2::4]
    assert len(names) == len(set(names)) == len([n for n in PARAMS_BY_NAME if not PARAMS_BY_NAME[n].hidden])


def test_config_set_is_all_or_nothing(raw):
    before = _config_map(raw, "hz", "maxmemory")
    reply = raw.cmd("CONFIG", "SET", "hz", "20", "maxmemory", "nope")
    assert reply == (b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
                     b"argument must be a memory value\r\n")
    assert _config_map(raw, "hz", "maxmemory") == before


def test_config_set_several_and_read_back(raw):
    try:
        assert raw.cmd("CONFIG", "SET", "hz", "25", "slowlog-max-len", "64") == b"+OK\r\n"
        assert _config_map(raw, "hz", "slowlog-max-len") == {b"hz": b"25", b"slowlog-max-len": b"64"}
        info = raw.cmd("INFO", "server")
        assert b"\r\nhz:25\r\n" in info and b"\r\nconfigured_hz:25\r\n" in info
    finally:
        raw.cmd("CONFIG", "SET", "hz", "10", "slowlog-max-len", "128")


def test_maxclients_takes_effect(start_server):
    srv = start_server()
    a = RawClient(srv.port)
    assert a.cmd("CONFIG", "SET", "maxclients", "1") == b"+OK\r\n"
    b = RawClient(srv.port)
    assert b.read_all(0.5) == b"-ERR max number of clients reached\r\n"
    assert b.is_closed()
    b.close()
    assert a.cmd("CONFIG", "SET", "maxclients", "10") == b"+OK\r\n"
    c = RawClient(srv.port)
    assert c.cmd("PING") == b"+PONG\r\n"
    assert b"rejected_connections:1\r\n" in a.cmd("INFO", "stats")
    a.close()
    c.close()


def test_timeout_takes_effect(start_server):
    srv = start_server("--hz", "100")
    admin = RawClient(srv.port)
    idle = RawClient(srv.port)
    assert idle.cmd("PING") == b"+PONG\r\n"
    assert admin.cmd("CONFIG", "SET", "timeout", "1") == b"+OK\r\n"
    deadline = time.time() + 4
    closed = False
    while time.time() < deadline and not closed:
        admin.cmd("PING")
        closed = idle.is_closed(0.2)
    assert closed
    admin.close()
    idle.close()


def test_proto_max_bulk_len_takes_effect(start_server):
    srv = start_server()
    c = RawClient(srv.port)
    assert c.cmd("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
    c.send(b"*2\r\n$4\r\nECHO\r\n$%d\r\n" % (1024 * 1024 + 1))
    assert c.read_all(0.5) == b"-ERR Protocol error: invalid bulk length\r\n"
    c.close()


def test_resetstat_clears_command_and_error_stats(raw):
    raw.cmd("NOSUCHCOMMAND")
    raw.cmd("TIME")
    assert b"cmdstat_time:" in raw.cmd("INFO", "commandstats")
    assert raw.cmd("CONFIG", "RESETSTAT") == b"+OK\r\n"
    stats = raw.cmd("INFO", "commandstats")
    assert b"cmdstat_time:" not in stats
    assert b"errorstat_" not in raw.cmd("INFO", "errorstats")
    assert b"total_error_replies:0\r\n" in raw.cmd("INFO", "stats")


def _start_with_file(text):
    cwd = os.path.realpath(__import__("tempfile").mkdtemp(prefix="pyredis-conf-"))
    path = os.path.join(cwd, "pyredis.conf")
    port = free_port()
    with open(path, "w") as f:
        f.write(text % {"port": port})
    return ServerProcess([sys.executable, "-m", "pyredis", path], port, cwd), path


def test_config_rewrite_round_trip():
    srv, path = _start_with_file("# mine\nport %(port)s\nsave \"\"\nbind 127.0.0.1\nhz 15\nlua-time-limit 100\n")
    try:
        c = RawClient(srv.port)
        assert b"config_file:%s\r\n" % path.encode() in c.cmd("INFO", "server")
        assert c.cmd("CONFIG", "SET", "hz", "30", "maxmemory", "3mb", "notify-keyspace-events", "KEA",
                     "client-output-buffer-limit", "pubsub 64mb 16mb 90") == b"+OK\r\n"
        assert c.cmd("CONFIG", "REWRITE") == b"+OK\r\n"
        c.close()
        with open(path) as f:
            text = f.read()
        assert text.startswith("# mine\nport %d\nsave \"\"\nbind 127.0.0.1\nhz 30\nbusy-reply-threshold 100\n"
                               % srv.port)
        assert "# Generated by CONFIG REWRITE\n" in text
        for line in ("maxmemory 3mb", 'notify-keyspace-events "AKE"',
                     "client-output-buffer-limit pubsub 64mb 16mb 90"):
            assert line + "\n" in text
    finally:
        srv.stop()
    srv2 = ServerProcess([sys.executable, "-m", "pyredis", path], srv.port, os.path.dirname(path))
    try:
        c = RawClient(srv2.port)
        assert _config_map(c, "hz", "maxmemory", "notify-keyspace-events") == {
            b"hz": b"30", b"maxmemory": b"3145728", b"notify-keyspace-events": b"AKE"}
        c.close()
    finally:
        srv2.stop()


def test_config_rewrite_without_file(raw):
    assert raw.cmd("CONFIG", "REWRITE") == b"-ERR The server is running without a config file\r\n"


def test_unix_socket_counts_as_local(start_server, tmp_path):
    sock_path = str(tmp_path / "s.sock")
    srv = start_server("--unixsocket", sock_path, "--enable-debug-command", "local")
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.sendall(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n0\r\n")
    assert s.recv(100) == b"+OK\r\n"
    s.close()
    c = RawClient(srv.port)
    assert c.cmd("DEBUG", "SLEEP", "0") == b"+OK\r\n"
    c.close()


def test_config_set_port_and_bind_move_the_listener(start_server):
    srv = start_server()
    c = RawClient(srv.port)
    # An address no interface has: binding fails and nothing changes.
    assert c.cmd("CONFIG", "SET", "bind", "192.0.2.1") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'bind') - "
        b"Failed to bind to specified addresses.\r\n")
    assert RawClient(srv.port).cmd("PING") == b"+PONG\r\n"
    new_port = free_port()
    assert c.cmd("CONFIG", "SET", "port", str(new_port)) == b"+OK\r\n"
    assert RawClient(new_port).cmd("PING") == b"+PONG\r\n"
    with pytest.raises(OSError):
        RawClient(srv.port, timeout=1)
    assert c.cmd("CONFIG", "GET", "port") == b"*2\r\n$4\r\nport\r\n$%d\r\n%d\r\n" % (len(str(new_port)), new_port)
    assert b"tcp_port:%d\r\n" % new_port in c.cmd("INFO", "server")
    c.close()
