"""Start a pyredis-server (or redis-server) process on a free port for black-box tests."""
import os
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_port():
    """A free port whose cluster bus port (+10000) is a port too, as cluster mode requires."""
    while True:
        port = free_port()
        if port <= 55535:
            return port


class ServerProcess:
    def __init__(self, argv, port, cwd):
        self.port = port
        self.host = "127.0.0.1"
        self.cwd = cwd
        self.log_path = os.path.join(cwd, "server.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout=15.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start:\n" + self.log())

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("latin-1")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def start_pyredis(*args, port=None, cwd=None, env=None, bind="127.0.0.1"):
    """A pyredis on ``port`` (a free one by default), on the loopback only as start_redis:
    the port was probed free there.  ``bind=None`` keeps pyredis's own default; a
    ``--bind`` in ``args`` comes later and wins."""
    port = port or free_port()
    cwd = cwd or tempfile.mkdtemp(prefix="pyredis-test-")
    argv = [sys.executable, "-m", "pyredis", "--port", str(port), "--save", "", "--appendonly", "no"]
    if bind is not None:
        argv += ["--bind", bind]
    argv += [str(a) for a in args]
    environ = dict(os.environ)
    if env:
        environ.update(env)
    old = os.environ.copy()
    try:
        os.environ.clear()
        os.environ.update(environ)
        return ServerProcess(argv, port, cwd)
    finally:
        os.environ.clear()
        os.environ.update(old)


def start_redis(*args, port=None, cwd=None):
    port = port or free_port()
    cwd = cwd or tempfile.mkdtemp(prefix="redis-oracle-")
    argv = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
            "--bind", "127.0.0.1"] + [str(a) for a in args]
    return ServerProcess(argv, port, cwd)
