"""The log as redis-server writes it: the logo, the start lines, levels changed at run time."""
import re
import socket
import time

import redis


def _wait_for(proc, text, timeout=3.0):
    deadline = time.time() + timeout
    while text not in proc.log():
        assert time.time() < deadline, proc.log()
        time.sleep(0.02)


def test_logo_with_port_and_pid(start_server):
    proc = start_server("--always-show-logo", "yes")
    log = proc.log()
    assert "Redis 7.0.15 (00000000/0) 64 bit" in log
    assert re.search(r"Port: %d\n" % proc.port, log)
    assert re.search(r"PID: %d\n" % proc.proc.pid, log)
    assert log.index("PID:") < log.index("# Server initialized") < log.index(
        "* Ready to accept connections")


def test_no_logo_by_default(start_server):
    proc = start_server()
    assert "Port:" not in proc.log()


def test_loglevel_follows_config_set(start_server):
    proc = start_server("--loglevel", "notice")
    r = redis.Redis(port=proc.port)
    with socket.create_connection(("127.0.0.1", proc.port)) as s:
        s.sendall(b"*1\r\n$x\r\n")
        s.recv(100)
    time.sleep(0.2)
    assert "Protocol error" not in proc.log()
    r.config_set("loglevel", "verbose")
    with socket.create_connection(("127.0.0.1", proc.port)) as s:
        s.sendall(b"*1\r\n$x\r\n")
        s.recv(100)
    _wait_for(proc, "Protocol error: invalid bulk length from client")
