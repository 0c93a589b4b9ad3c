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


class PortTaken(RuntimeError):
    """Another process took the probed port before this server bound it."""


def _listening_inodes(port):
    """The socket inodes listening on TCP ``port``, or None where /proc cannot tell."""
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(fields[9])
        except (OSError, StopIteration, IndexError, ValueError):
            return None
    return inodes


def _listens(pid, port):
    """True if process ``pid`` holds a socket listening on ``port`` (or if that cannot be told)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return inodes is None
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return True
    for fd in fds:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


# Every server started, in order: a failing test's report shows the logs of its own.
STARTED = []


class ServerProcess:
    def __init__(self, argv, port, cwd):
        self.port = port
        self.host = "127.0.0.1"
        self.cwd = cwd
        self.log_path = os.path.join(cwd, "server.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)
        STARTED.append(self)
        self._wait_ready()

    def _wait_ready(self, timeout=15.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    answered = s.recv(64).startswith((b"+PONG", b"-NOAUTH"))
            except OSError:
                answered = False
            if answered:
                if _listens(self.proc.pid, self.port):
                    return
                # Someone else answers on the port: this server fails to bind it.
                try:
                    self.proc.wait(max(deadline - time.time(), 0.1))
                except subprocess.TimeoutExpired:
                    break
                self._log.close()
                raise PortTaken("port %d was taken:\n%s" % (self.port, self.log()))
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


def start_on_free_port(start, port):
    """``start(port)`` on ``port``, or on free ports until one stays free long enough to bind."""
    if port:
        return start(port)
    for _ in range(4):
        try:
            return start(free_port())
        except PortTaken:
            continue
    return start(free_port())


def start_pyredis(*args, port=None, cwd=None, env=None, bind="127.0.0.1"):
    """A pyredis on ``port`` (a free one by default), on the loopback only as start_redis:
    the port was probed free there.  ``bind=None`` keeps pyredis's own default; a
    ``--bind`` in ``args`` comes later and wins."""
    cwd = cwd or tempfile.mkdtemp(prefix="pyredis-test-")
    head = [sys.executable, "-m", "pyredis", "--save", "", "--appendonly", "no"]
    if bind is not None:
        head += ["--bind", bind]
    tail = [str(a) for a in args]
    environ = dict(os.environ)
    if env:
        environ.update(env)

    def start(port):
        old = os.environ.copy()
        try:
            os.environ.clear()
            os.environ.update(environ)
            return ServerProcess(head + ["--port", str(port)] + tail, port, cwd)
        finally:
            os.environ.clear()
            os.environ.update(old)
    return start_on_free_port(start, port)


def start_redis(*args, port=None, cwd=None):
    cwd = cwd or tempfile.mkdtemp(prefix="redis-oracle-")
    head = ["redis-server", "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]
    tail = [str(a) for a in args]
    return start_on_free_port(lambda port: ServerProcess(head + ["--port", str(port)] + tail, port, cwd), port)
