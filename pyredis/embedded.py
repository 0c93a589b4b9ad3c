"""A pyredis server for tests: ``RedisServer(**config)`` as a child process or a thread.

The parent binds the listening socket (an ephemeral port on 127.0.0.1, and a
unix socket when asked) before the child exists, so servers started side by
side never race for a port and a client may connect as soon as ``start()``
returns.  The child is forked from a parent that has already imported the
server, which makes a start cost milliseconds instead of an interpreter's
start-up; it closes every descriptor it does not need, and watches a pipe
whose write end only the parent holds: when the parent dies, even by
``kill -9``, the pipe reads end-of-file and the child shuts down.
``thread=True`` runs the same loop in a daemon thread of the caller instead.
"""
import atexit
import datetime
import os
import signal
import socket
import sys
import tempfile
import threading
import warnings

from . import clock as _clock

_DEFAULTS = {"save": "", "appendonly": "no", "enable-clock-command": "yes",
             "enable-debug-command": "yes", "loglevel": "warning"}
_live = set()


def _config_args(config):
    """redis.conf parameters as keywords (``maxmemory="10mb"``) to redis-server style arguments."""
    args = []
    for name, value in config.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is True or v is False:
                v = "yes" if v else "no"
            args += ["--" + name.replace("_", "-"), str(v)]
    return args


def _build(config_kwargs, port):
    from .cli import build_config
    from .commands import load_all
    from .log import Log
    from .server import Server
    merged = dict(_DEFAULTS)
    merged.update({k.replace("_", "-"): v for k, v in config_kwargs.items()})
    merged["port"] = port
    config = build_config(_config_args(merged))
    load_all()
    log = Log(config["loglevel"], config["logfile"], role="M")
    return config, log, Server


class RedisServer:
    """A pyredis server on 127.0.0.1 (and a unix socket with ``unix_socket=True`` or a path).

    ``with RedisServer(maxmemory="10mb") as server: server.client().ping()``.
    """

    def __init__(self, thread=False, unix_socket=None, **config):
        # redis.conf's own name for it works too: the socket is bound here, like the port.
        unixsocket = config.pop("unixsocket", None)
        if unix_socket is None and unixsocket:
            unix_socket = unixsocket
        self.thread = thread
        self.config = config
        self._unix_request = unix_socket
        self.host = "127.0.0.1"
        self.port = None
        self.unix_socket = None
        self.pid = None
        self.clock = ServerClock(self)
        self._dir = None
        self._watch_w = None
        self._server = None
        self._thread = None
        self._wake_w = None
        self._conn = None

    # ---- addresses --------------------------------------------------------
    @property
    def url(self):
        return "redis://%s:%d/0" % (self.host, self.port)

    def client(self, **kwargs):
        """A redis-py client for this server (``decode_responses`` and the rest as keywords)."""
        import redis
        if kwargs.pop("unix", False):
            return redis.Redis(unix_socket_path=self.unix_socket, **kwargs)
        return redis.Redis(host=self.host, port=self.port, **kwargs)

    def __repr__(self):
        return "<RedisServer %s%s>" % (self.url if self.port else "stopped",
                                        " thread" if self.thread else "")

    # ---- start and stop -----------------------------------------------------
    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        if self.port is not None:
            return self
        config, log, server_class = _build(self.config, self.config.get("port", 0))
        listeners = self._bind(config)
        if self.thread:
            self._start_thread(config, log, server_class, listeners)
        else:
            self._start_child(config, log, server_class, listeners)
        _live.add(self)
        return self

    def _bind(self, config):
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((self.host, config["port"]))
        tcp.listen(config["tcp-backlog"])
        self.port = tcp.getsockname()[1]
        config.values["port"] = self.port
        listeners = [tcp]
        path = self._unix_request
        if path:
            if path is True:
                self._dir = tempfile.mkdtemp(prefix="pyredis-")
                path = os.path.join(self._dir, "redis.sock")
            unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            unix.bind(path)
            unix.listen(config["tcp-backlog"])
            self.unix_socket = path
            config.values["unixsocket"] = path
            listeners.append(unix)
        return listeners

    def _serve(self, server, listeners):
        for sock in listeners:
            server._add_listener(sock)
        server.ports.append(self.port)

    def _start_thread(self, config, log, server_class, listeners):
        if not config["logfile"]:
            # The caller's stdout is not the server's to write on.
            from .log import Log
            log = Log(config["loglevel"], os.devnull, role="M")
        server = server_class(config, log)
        self._serve(server, listeners)
        # The loop's wake-up socket: stop() ends the poll at once.
        rsock, self._wake_w = socket.socketpair()
        rsock.setblocking(False)
        server._wake = rsock
        server.fds[rsock.fileno()] = rsock
        server.poller.register(rsock.fileno(), 1)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="pyredis-%d" % self.port,
                                        daemon=True)
        self._thread.start()

    def _start_child(self, config, log, server_class, listeners):
        watch_r, self._watch_w = os.pipe()
        ready_r, ready_w = os.pipe()
        with warnings.catch_warnings():
            # The child runs only the server's loop, with everything it needs
            # imported already, so the caller's other threads do not matter.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _child(config, log, server_class, listeners, self.port, watch_r, ready_w)
        self.pid = pid
        os.close(watch_r)
        os.close(ready_w)
        for sock in listeners:
            sock.close()
        try:
            status = os.read(ready_r, 4096)
        finally:
            os.close(ready_r)
        if status != b"ok":
            self._reap()
            self.port = None
            raise RuntimeError("pyredis server failed to start: %s"
                               % status.decode("utf-8", "replace"))

    def stop(self):
        """Stop the server; returns once its listening sockets are closed."""
        if self.port is None:
            return
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self.thread:
            self._server.running = False
            self._wake_w.send(b"x")
            self._thread.join()
            self._wake_w.close()
            self._server = self._thread = None
        else:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self._reap()
        if self.unix_socket is not None:
            # Bound here, so removed here, whichever way the server ended.
            try:
                os.unlink(self.unix_socket)
            except OSError:
                pass
        if self._dir is not None:
            os.rmdir(self._dir)
            self._dir = None
        self.port = self.unix_socket = None
        _live.discard(self)

    def _reap(self):
        os.waitpid(self.pid, 0)
        os.close(self._watch_w)
        self.pid = self._watch_w = None

    # ---- a private connection for the clock ---------------------------------
    def execute(self, *args):
        """Send one command on a private connection; the reply as Python values (errors raise)."""
        if self._conn is None:
            self._conn = _Connection(self.host, self.port)
        return self._conn.call(*args)


def _child(config, log, server_class, listeners, port, watch_r, ready_w):
    """The forked child: serve until told to stop or the parent goes away; never returns."""
    code = 1
    try:
        keep = {watch_r, ready_w} | {s.fileno() for s in listeners}
        top = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536
        low = 3
        for fd in sorted(keep):
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, min(top, 65536))
        devnull = os.open(os.devnull, os.O_RDWR)
        if not config["logfile"]:
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
        os.dup2(devnull, 0)
        os.close(devnull)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        server = server_class(config, log)
        for sock in listeners:
            server._add_listener(sock)
        server.ports.append(port)
        server.install_signal_handlers()
        threading.Thread(target=_watch_parent, args=(watch_r,), daemon=True).start()
        os.write(ready_w, b"ok")
        os.close(ready_w)
        server.serve_forever()
        code = 0
    except BaseException as exc:
        try:
            os.write(ready_w, repr(exc).encode())
        except OSError:
            pass
    finally:
        os._exit(code)


def _watch_parent(fd):
    """End-of-file on the pipe means the parent is gone: shut down as on SIGTERM."""
    while True:
        try:
            if not os.read(fd, 1):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    os.kill(os.getpid(), signal.SIGTERM)


@atexit.register
def _stop_all():
    for server in list(_live):
        try:
            server.stop()
        except Exception:
            pass


class ServerClock:
    """The server's clock, moved over the wire with PYREDIS.CLOCK (seconds in, seconds out)."""

    def __init__(self, target):
        # Anything with ``execute(*args)``: a RedisServer, or a redis-py client.
        self._target = target

    def _call(self, *args):
        target = self._target
        if hasattr(target, "execute_command"):
            return target.execute_command("PYREDIS.CLOCK", *args)
        return target.execute("PYREDIS.CLOCK", *args)

    def time(self):
        """The server's time, in seconds since the epoch."""
        return int(self._call("GET")) / 1000.0

    def now(self):
        """The server's time as an aware UTC datetime."""
        return datetime.datetime.fromtimestamp(self.time(), datetime.timezone.utc)

    def set(self, when):
        """Set the time: a datetime (naive ones are local time, as ``timestamp()`` reads them) or seconds."""
        seconds = when.timestamp() if isinstance(when, datetime.datetime) else when
        self._call("SET", int(round(seconds * 1000)))

    def advance(self, seconds):
        """Move forward (seconds or a timedelta); what falls due expires before this returns."""
        if isinstance(seconds, datetime.timedelta):
            seconds = seconds.total_seconds()
        return int(self._call("ADVANCE", int(round(seconds * 1000)))) / 1000.0

    def freeze(self):
        self._call("FREEZE")

    def resume(self):
        self._call("RESUME")

    def reset(self):
        """Back to real time, running (the clock of a test that moved it)."""
        self._call("RESUME")
        self._call("SET", int(_clock._real() * 1000))


class _Connection:
    """A minimal blocking RESP2 connection: enough for the clock without redis-py."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(parts))
        return self._read()

    def _read(self):
        line = self.file.readline()
        if not line:
            raise ConnectionError("pyredis server closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise ConnectionError("unexpected reply %r" % line)

    def close(self):
        self.file.close()
        self.sock.close()
