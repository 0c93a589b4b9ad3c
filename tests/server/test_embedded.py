"""pyredis.RedisServer: a child process (or a thread) with parent-bound sockets."""
import datetime
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import pyredis
from pyredis.embedded import RedisServer


def _port_closed(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return True
    return False


@pytest.mark.parametrize("thread", [False, True], ids=["process", "thread"])
def test_start_config_and_stop(thread):
    with pyredis.RedisServer(thread=thread, maxmemory="10mb", hz=20) as server:
        assert server.url == "redis://127.0.0.1:%d/0" % server.port
        client = server.client()
        assert client.ping() is True
        assert client.config_get("maxmemory") == {"maxmemory": "10485760"}
        assert client.config_get("hz") == {"hz": "20"}
        assert client.config_get("port") == {"port": str(server.port)}
        assert client.config_get("enable-clock-command") == {"enable-clock-command": "yes"}
        client.set("k", "v")
        assert client.get("k") == b"v"
        if not thread:
            assert server.pid != os.getpid()
        port = server.port
        client.close()
    assert server.port is None
    assert _port_closed(port)


@pytest.mark.parametrize("thread", [False, True], ids=["process", "thread"])
def test_unix_socket(thread):
    with RedisServer(thread=thread, unix_socket=True) as server:
        path = server.unix_socket
        assert os.path.exists(path)
        client = server.client(unix=True, decode_responses=True)
        client.set("a", "b")
        assert client.get("a") == "b"
        assert server.client().get("a") == b"b"
        client.close()
    assert not os.path.exists(path)


def test_unixsocket_parameter_is_a_path(tmp_path):
    path = str(tmp_path / "r.sock")
    with RedisServer(unixsocket=path) as server:
        assert server.unix_socket == path
        assert server.client(unix=True).ping() is True
        assert server.client().config_get("unixsocket") == {"unixsocket": path}
    assert not os.path.exists(path)


def test_many_servers_start_concurrently_without_collisions():
    servers = [RedisServer() for _ in range(8)]
    errors = []

    def start(s):
        try:
            s.start()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert len({s.port for s in servers}) == 8
        for i, s in enumerate(servers):
            s.client().set("id", i)
        assert [int(s.client().get("id")) for s in servers] == list(range(8))
    finally:
        for s in servers:
            s.stop()


def test_bad_config_raises_in_the_caller():
    with pytest.raises(Exception) as info:
        RedisServer(maxmemory="lots").start()
    assert "maxmemory" in str(info.value)


def test_stop_is_idempotent_and_restart_gets_a_new_server():
    server = RedisServer()
    server.start()
    server.client().set("k", "v")
    server.stop()
    server.stop()
    server.start()
    assert server.client().get("k") is None
    server.stop()


def test_child_exits_when_the_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        sys.path.insert(0, %r)
        from pyredis.embedded import RedisServer
        s = RedisServer().start()
        print(s.pid, s.port, flush=True)
        time.sleep(60)
    """ % os.path.dirname(os.path.dirname(pyredis.__file__))))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE)
    try:
        pid, port = map(int, parent.stdout.readline().split())
        assert socket.create_connection(("127.0.0.1", port), timeout=2)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            # The child was reparented; its zombie is reaped by init, or shows as gone.
            with open("/proc/%d/stat" % pid) as f:
                if f.read().split(") ")[1].startswith("Z"):
                    break
            time.sleep(0.02)
        else:
            os.kill(pid, signal.SIGKILL)
            pytest.fail("the child outlived its parent")
        assert _port_closed(port)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_clock_in_python():
    with RedisServer() as server:
        client = server.client()
        client.set("k", "v", ex=60)
        server.clock.freeze()
        before = server.clock.time()
        server.clock.advance(61)
        assert client.exists("k") == 0
        assert server.clock.time() == pytest.approx(before + 61, abs=0.002)
        server.clock.set(datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc))
        assert server.clock.now() == datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
        assert client.time() == (4102444800, 0)
        server.clock.advance(datetime.timedelta(hours=1))
        assert client.time()[0] == 4102444800 + 3600
        server.clock.resume()
        server.clock.reset()
        assert abs(server.clock.time() - time.time()) < 2


def test_thread_mode_clock_moves_blocking_timeouts():
    with RedisServer(thread=True) as server:
        client = server.client()
        server.clock.freeze()
        result = []
        t = threading.Thread(target=lambda: result.append(client.blpop("q", timeout=300)))
        t.start()
        time.sleep(0.1)
        assert result == []
        server.clock.advance(301)
        t.join(2)
        assert result == [None]
        server.clock.reset()


def test_thread_mode_busy_script_leaves_the_host_running():
    # The script runs in the server's thread of this process: the test's own
    # threads keep running, see -BUSY and kill it.
    import redis
    with RedisServer(thread=True, busy_reply_threshold=50) as server:
        runner, other = server.client(), server.client()
        sha = runner.script_load("local i = 0 while true do i = i + 1 end")
        errors = []

        def run():
            try:
                runner.evalsha(sha, 0)
            except redis.ResponseError as exc:
                errors.append(str(exc))
        t = threading.Thread(target=run)
        t.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                other.ping()
            except redis.ResponseError as exc:
                assert str(exc).startswith("BUSY Redis is busy running a script")
                break
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert other.script_kill() is True
        t.join(5)
        assert errors and errors[0].startswith("Script killed by user with SCRIPT KILL...")
        assert other.ping() is True
