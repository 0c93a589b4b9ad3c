"""pyredis-server's command line and config file, compared with redis-server's where it has one."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from respclient import RawClient
from serverproc import ServerProcess, free_port

PYREDIS = [sys.executable, "-m", "pyredis"]


def start_with_file(conf, *args, port, cwd):
    """A server started as ``pyredis-server <conf> [args]`` (the file must come first)."""
    return ServerProcess(PYREDIS + [str(conf), "--port", str(port), "--appendonly", "no"]
                         + list(args), port, str(cwd))


def run(argv, stdin=None, timeout=20):
    return subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout)


def fatal(line_no, line, reason):
    return ("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line %d\n"
            ">>> '%s'\n%s\n" % (line_no, line, reason)).encode()


BAD_OPTIONS = [
    (["--port", "abc"], fatal(2, 'port "abc"', "argument couldn't be parsed into an integer")),
    (["--foo", "bar"], fatal(2, 'foo "bar"', "Bad directive or wrong number of arguments")),
    (["--maxclients", "2", "--port"], fatal(3, "port", "wrong number of arguments")),
    (["--port", "--foo"], fatal(2, 'port "--foo"', "argument couldn't be parsed into an integer")),
    (["--save", "--port", "99999"], fatal(3, 'port "99999"', "argument must be between 0 and 65535 inclusive")),
    (["--appendonly", "maybe"], fatal(2, 'appendonly "maybe"', "argument must be 'yes' or 'no'")),
    (["--port", "1", "2"], fatal(2, 'port "1" "2"', "wrong number of arguments")),
    (["--requirepass", "a\tb\xe9", "--x"], fatal(3, "x", "Bad directive or wrong number of arguments")),
    (["--rename-command", "nosuch", "x"],
     fatal(2, 'rename-command "nosuch" "x"', "No such command in rename-command")),
    (["--rename-command", "get", "SET"],
     fatal(2, 'rename-command "get" "SET"', "Target command name already exists")),
    # Commands pyredis lacks are still Redis's names.
    (["--rename-command", "get", "xadd"],
     fatal(2, 'rename-command "get" "xadd"', "Target command name already exists")),
    (["--rename-command", "get", "g", "--rename-command", "GET", "h"],
     fatal(3, 'rename-command "GET" "h"', "No such command in rename-command")),
    (["--rename-command", "get"], fatal(2, 'rename-command "get"', "Bad directive or wrong number of arguments")),
]


@pytest.mark.parametrize("args,expected", BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_bad_option_is_a_fatal_config_error(args, expected):
    result = run(PYREDIS + args)
    assert result.returncode == 1
    assert result.stderr == expected
    assert result.stdout == b""


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
@pytest.mark.parametrize("args", [a for a, _ in BAD_OPTIONS], ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_bad_option_matches_redis_server(args):
    mine = run(PYREDIS + args)
    theirs = run(["redis-server"] + args)
    assert (mine.returncode, mine.stderr) == (theirs.returncode, theirs.stderr)


def test_config_file_syntax(tmp_path):
    port = free_port()
    conf = tmp_path / "redis.conf"
    conf.write_text(
        "# a comment line\n"
        "   # an indented comment\n"
        "\n"
        "port 1\n"
        "  bind 127.0.0.1   \n"
        "requirepass \"sec ret\\x21\"\n"
        "save 900 1\n"
        "save \"300 10\"\n"
        "appendonly no\n"
        "maxclients 100\r\n"
        "list-max-ziplist-value 64\n")
    proc = start_with_file(conf, port=port, cwd=tmp_path)
    try:
        c = RawClient(port)
        assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("AUTH", "sec ret!") == b"+OK\r\n"
        reply = c.cmd("CONFIG", "GET", "save")
        if not reply.startswith(b"-ERR unknown command"):
            # Successive save lines add up, as in Redis.
            assert reply == b"*2\r\n$4\r\nsave\r\n$12\r\n900 1 300 10\r\n"
            assert c.cmd("CONFIG", "GET", "maxclients") == b"*2\r\n$10\r\nmaxclients\r\n$3\r\n100\r\n"
        info = c.cmd("INFO", "server")
        if b"config_file:" in info:
            assert ("config_file:%s\r\n" % conf).encode() in info
    finally:
        proc.stop()


def test_command_line_overrides_config_file(tmp_path):
    port = free_port()
    conf = tmp_path / "redis.conf"
    conf.write_text("port 1\nrequirepass fromfile\n")
    proc = start_with_file(conf, "--requirepass", "fromcli", port=port, cwd=tmp_path)
    try:
        c = RawClient(port)
        assert c.cmd("AUTH", "fromfile") == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        assert c.cmd("AUTH", "fromcli") == b"+OK\r\n"
    finally:
        proc.stop()


def test_config_file_errors(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("# ok\nport 7000\nport 7000 # not a comment\n")
    result = run(PYREDIS + [str(conf)])
    assert result.returncode == 1
    assert result.stderr == fatal(3, "port 7000 # not a comment", "wrong number of arguments")
    conf.write_text('requirepass "open\n')
    result = run(PYREDIS + [str(conf)])
    assert result.stderr == fatal(1, 'requirepass "open', "Unbalanced quotes in configuration line")
    conf.write_text("nosuchdirective 1\n")
    result = run(PYREDIS + [str(conf), "--port", "1"])
    assert result.stderr == fatal(1, "nosuchdirective 1", "Bad directive or wrong number of arguments")


def test_missing_config_file(tmp_path):
    path = str(tmp_path / "missing.conf")
    result = run(PYREDIS + [path])
    assert result.returncode == 1
    assert re.search(rb"# Fatal error, can't open config file '%s': No such file or directory\n"
                     % re.escape(path.encode()), result.stdout)


def test_config_from_stdin(tmp_path):
    result = run(PYREDIS + ["-"], stdin=b"port abc\n")
    assert result.returncode == 1
    assert b"Reading config from stdin" in result.stdout
    assert result.stderr == fatal(1, "port abc", "argument couldn't be parsed into an integer")


def test_include_directive(tmp_path):
    port = free_port()
    (tmp_path / "extra.conf").write_text("requirepass included\n")
    conf = tmp_path / "main.conf"
    conf.write_text("include %s\n" % (tmp_path / "extra.conf"))
    proc = start_with_file(conf, port=port, cwd=tmp_path)
    try:
        assert RawClient(port).cmd("AUTH", "included") == b"+OK\r\n"
    finally:
        proc.stop()


def test_version_and_help():
    for flag in ("-v", "--version"):
        result = run(PYREDIS + [flag])
        assert result.returncode == 0
        assert re.fullmatch(rb"pyredis server v=7\.0\.15 sha=00000000:0 malloc=libc bits=64 "
                            rb"build=pyredis-\S+ implementation=(cython|python)\n", result.stdout)
    for flag in ("-h", "--help"):
        result = run(PYREDIS + [flag])
        # redis-server prints its usage on stderr and exits 1.
        assert result.returncode == 1
        assert result.stderr.startswith(b"Usage: ./pyredis-server [/path/to/redis.conf] [options] [-]\n")
        assert b"./pyredis-server --port 7777\n" in result.stderr


def test_start_banner(start_server):
    proc = start_server()
    log = proc.log()
    pid = proc.proc.pid
    impl = "python" if os.environ.get("PYREDIS_NO_EXTENSIONS") == "1" else "cython"
    assert re.search(r"^%d:C .* # oO0OoO0OoO0Oo pyredis is starting oO0OoO0OoO0Oo$" % pid, log, re.M)
    assert re.search(r"redis_version=7\.0\.15, implementation=%s, bits=64, pid=%d, just started" % (impl, pid), log)
    assert "Running mode=standalone, port=%d, pid=%d, implementation=%s." % (proc.port, pid, impl) in log
    assert re.search(r"^%d:M .* \* Ready to accept connections$" % pid, log, re.M)


def test_defaults():
    from pyredis.config import Config
    config = Config()
    assert config["port"] == 6379
    assert config["bind"] == "* -::*"


def test_default_bind_includes_ipv6_loopback(start_server):
    try:
        probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("no IPv6 loopback")
    proc = start_server(bind=None)
    with socket.create_connection(("::1", proc.port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(64) == b"+PONG\r\n"


def test_default_bind_listens_everywhere(start_server):
    proc = start_server(bind=None)
    out = subprocess.run(["ss", "-ltnH", "sport = :%d" % proc.port], capture_output=True, text=True).stdout
    local = sorted(line.split()[3] for line in out.splitlines())
    assert "0.0.0.0:%d" % proc.port in local
    assert set(local) <= {"0.0.0.0:%d" % proc.port, "[::]:%d" % proc.port}


def test_optional_address_unavailable_is_skipped_with_a_warning(start_server):
    proc = start_server("--bind", "127.0.0.1", "-192.0.2.7")
    with socket.create_connection(("127.0.0.1", proc.port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(64) == b"+PONG\r\n"
    assert ("# Warning: Could not create server TCP listening socket 192.0.2.7:%d: bind: "
            "Cannot assign requested address" % proc.port) in proc.log()


def test_required_address_unavailable_fails():
    port = free_port()
    result = run(PYREDIS + ["--port", str(port), "--bind", "192.0.2.7"])
    assert result.returncode == 1
    assert b"# Warning: Could not create server TCP listening socket 192.0.2.7:%d: bind: " \
        b"Cannot assign requested address" % port in result.stdout
    assert b"# Failed listening on port %d (TCP), aborting." % port in result.stdout


def test_port_in_use_fails(start_server):
    proc = start_server()
    result = run(PYREDIS + ["--port", str(proc.port), "--bind", "127.0.0.1"])
    assert result.returncode == 1
    assert b"Could not create server TCP listening socket 127.0.0.1:%d: bind: Address already in use" \
        % proc.port in result.stdout


def test_not_listening_anywhere():
    result = run(PYREDIS + ["--port", "0", "--bind"])
    assert result.returncode == 1
    assert b"Configured to not listen anywhere, exiting." in result.stdout


def test_save_and_appendonly_options_accepted(start_server):
    # start_server always passes --save "" --appendonly no; a bare --save too.
    proc = start_server("--save")
    assert RawClient(proc.port).cmd("PING") == b"+PONG\r\n"


def test_unix_socket(tmp_path, start_server):
    path = str(tmp_path / "pyredis.sock")
    start_server("--unixsocket", path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall(b"CLIENT INFO\r\n")
        data = b""
        while not data.endswith(b"\n\r\n"):
            data += s.recv(4096)
        assert ("addr=%s:0 laddr=%s:0 " % (path, path)).encode() in data
        assert b" flags=U " in data


def test_console_script():
    script = shutil.which("pyredis-server") or os.path.join(os.path.dirname(sys.executable), "pyredis-server")
    if not os.path.exists(script):
        pytest.skip("pyredis is not installed (pip install -e .)")
    result = run([script, "--version"])
    assert result.returncode == 0
    assert result.stdout.startswith(b"pyredis server v=7.0.15 ")
    result = run([script, "--port", "abc"])
    assert result.stderr == fatal(2, 'port "abc"', "argument couldn't be parsed into an integer")


def test_console_script_serves(tmp_path):
    script = shutil.which("pyredis-server")
    if script is None:
        pytest.skip("pyredis is not installed (pip install -e .)")
    port = free_port()
    proc = subprocess.Popen([script, "--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=str(tmp_path))
    try:
        for line in proc.stdout:
            if b"Ready to accept connections" in line:
                break
        assert RawClient(port).cmd("PING") == b"+PONG\r\n"
    finally:
        proc.terminate()
        assert proc.wait(10) == 0


def test_daemonize_with_pidfile_and_logfile(tmp_path):
    port = free_port()
    pidfile, logfile = tmp_path / "s.pid", tmp_path / "s.log"
    result = run(PYREDIS + ["--port", str(port), "--save", "", "--daemonize", "yes",
                            "--pidfile", str(pidfile), "--logfile", str(logfile)])
    assert result.returncode == 0
    deadline = time.time() + 15
    while True:
        try:
            if RawClient(port).cmd("PING") == b"+PONG\r\n":
                break
        except OSError:
            pass
        assert time.time() < deadline, logfile.read_text() if logfile.exists() else "no log"
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while pidfile.exists():
        assert time.time() < deadline
        time.sleep(0.05)
    log = logfile.read_text()
    assert "%d:M" % pid in log
    assert "Removing the pid file." in log
    assert log.endswith("ready to exit, bye bye...\n")
