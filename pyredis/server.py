"""The event loop: one thread, ``selectors``, non-blocking sockets.

Each readable client's bytes go through its parser; the complete requests are
dispatched in order; replies gather in the client's output list and are
written once per loop iteration (one ``send`` for a whole pipelined batch).  A
partial write keeps the rest and waits for the socket to become writable, so a
slow reader never holds anyone up.
"""
import errno
import os
import selectors
import signal
import socket
import time

from . import __version__, REDIS_VERSION
from ._speedups import IMPLEMENTATION
from .blocking import Blocking
from .client import Client
from .commands import load_all
from .db import Database
from .dispatch import execute
from .stats import Stats

READ_SIZE = 64 * 1024
MAX_ACCEPTS_PER_CALL = 1000
# A client whose unread replies pass this stops being read until they drain,
# so a pipeline that never reads cannot grow server memory without bound.
BACKPRESSURE_BYTES = 64 * 1024 * 1024
EVENT_READ = selectors.EVENT_READ
EVENT_WRITE = selectors.EVENT_WRITE
# Active expiry, as Redis's slow cycle: 20 keys a sample, at most 25% of a tick.
EXPIRE_SAMPLE = 20
EXPIRE_TIME_SHARE = 0.25


class Server:
    # Callables run with a client when it goes away (subscriptions, WATCH ...).
    close_hooks = []
    # Callables run with the server on every hz tick.
    cron_hooks = []

    def __init__(self, config, log):
        load_all()
        self.config = config
        self.log = log
        self.dbs = [Database(i, self) for i in range(config["databases"])]
        self.clients = {}
        self.next_client_id = 1
        self.stats = Stats()
        self.blocking = Blocking(self)
        self.pending_writes = []
        self.unblocked = []
        self.dirty = 0
        self.current_event = None
        self.notify_flags = 0
        self.notify = _no_notify
        self.selector = selectors.DefaultSelector()
        self.listeners = []
        self.running = True
        self.shutdown_hook = None
        self.start_time = time.time()
        self.run_id = os.urandom(20).hex()
        self.implementation = IMPLEMENTATION
        self.version = __version__
        self.redis_version = REDIS_VERSION
        self.ports = []
        config.watch("proto-max-bulk-len", self._set_bulk_limit)

    # ---- listening ------------------------------------------------------
    def listen(self):
        port = self.config["port"]
        for addr in self.config["bind"].split():
            optional = addr.startswith("-")
            addr = addr.lstrip("-")
            if addr == "*":
                addr = "0.0.0.0"
            family = socket.AF_INET6 if ":" in addr else socket.AF_INET
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((addr, port))
                sock.listen(self.config["tcp-backlog"])
            except OSError as exc:
                sock.close()
                if optional and exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
                    continue
                raise OSError(exc.errno, "Could not create server TCP listening socket %s:%d: %s"
                              % (addr, port, exc.strerror)) from None
            self._add_listener(sock)
            if port == 0:
                port = sock.getsockname()[1]
            self.ports.append(sock.getsockname()[1])
        path = self.config["unixsocket"]
        if path:
            if os.path.exists(path):
                os.unlink(path)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(path)
            sock.listen(self.config["tcp-backlog"])
            self._add_listener(sock)
        if not self.listeners:
            raise OSError(errno.EADDRNOTAVAIL, "Failed listening on any bind address")

    def _add_listener(self, sock):
        sock.setblocking(False)
        self.listeners.append(sock)
        self.selector.register(sock, EVENT_READ, None)

    @property
    def port(self):
        return self.ports[0] if self.ports else self.config["port"]

    # ---- the loop -------------------------------------------------------
    def serve_forever(self):
        select = self.selector.select
        interval = 1.0 / max(self.config["hz"], 1)
        next_cron = time.time() + interval
        while self.running:
            now = time.time()
            timeout = next_cron - now
            deadline = self.blocking.next_deadline()
            if deadline is not None and deadline - now < timeout:
                timeout = deadline - now
            if self.pending_writes or self.unblocked or timeout < 0:
                timeout = 0
            for key, mask in select(timeout):
                c = key.data
                if c is None:
                    self._accept(key.fileobj)
                    continue
                if mask & EVENT_WRITE:
                    self._write_ready(c)
                if mask & EVENT_READ and not c.closed:
                    self._read_ready(c)
            if self.unblocked:
                self._resume_unblocked()
            now = time.time()
            if deadline is not None and deadline <= now:
                self.blocking.expire_timeouts(now)
            if now >= next_cron:
                self.cron(now)
                interval = 1.0 / max(self.config["hz"], 1)
                next_cron = now + interval
            if self.pending_writes:
                self._flush_all()
        self._shutdown()

    def _accept(self, lsock):
        maxclients = self.config["maxclients"]
        for _ in range(MAX_ACCEPTS_PER_CALL):
            try:
                sock, _ = lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self.log("warning", "Accepting client connection: %s" % exc.strerror)
                return
            sock.setblocking(False)
            if sock.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if len(self.clients) >= maxclients:
                try:
                    sock.send(b"-ERR max number of clients reached\r\n")
                except OSError:
                    pass
                sock.close()
                self.stats.rejected_connections += 1
                continue
            c = Client(self, sock, self.next_client_id)
            self.next_client_id += 1
            self.clients[c.id] = c
            self.selector.register(sock, EVENT_READ, c)
            self.stats.total_connections += 1

    def _read_ready(self, c):
        try:
            data = c.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.free_client(c)
            return
        if not data:
            self.free_client(c)
            return
        self.stats.net_input_bytes += len(data)
        c.last_interaction = time.time()
        if c.close_after_reply:
            return
        parser = c.parser
        cmds = parser.feed(data)
        if parser.error is not None:
            cmds.append(None)
        elif parser.pending_bytes() > self.config["client-query-buffer-limit"]:
            self.log("warning", "Closing client that reached max query buffer length: id=%d addr=%s"
                     % (c.id, c.addr))
            self.free_client(c)
            return
        if cmds:
            if c.pending is None:
                c.pending = cmds
                c.pending_pos = 0
            else:
                c.pending.extend(cmds)
            self.process(c)

    def process(self, c):
        """Run the client's parsed requests until they run out or it blocks."""
        cmds = c.pending
        i = c.pending_pos
        n = len(cmds)
        while i < n and c.blocked is None and not c.close_after_reply:
            argv = cmds[i]
            i += 1
            if argv is None:
                self.stats.count_error("ERR")
                c.reply(b"-ERR " + c.parser.error.encode("latin-1") + b"\r\n")
                c.close_after_reply = True
                break
            execute(c, argv)
        if i >= len(cmds) or c.close_after_reply:
            c.pending = None
            c.pending_pos = 0
        else:
            c.pending_pos = i

    def _resume_unblocked(self):
        while self.unblocked:
            batch, self.unblocked = self.unblocked, []
            for c in batch:
                if not c.closed and c.blocked is None and c.pending is not None:
                    self.process(c)

    # ---- writing --------------------------------------------------------
    def _flush_all(self):
        clients, self.pending_writes = self.pending_writes, []
        for c in clients:
            c.queued = False
            if not c.closed and not c.writing:
                self._write(c)

    def _write(self, c):
        out = c.out
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        c.out_len = 0
        try:
            n = c.sock.send(data)
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError:
            self.free_client(c)
            return
        self.stats.net_output_bytes += n
        if n < len(data):
            c.obuf = data
            c.opos = n
            c.writing = True
            self._watch_writable(c)
        elif c.close_after_reply:
            self.free_client(c)

    def _write_ready(self, c):
        while True:
            try:
                n = c.sock.send(memoryview(c.obuf)[c.opos:])
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.free_client(c)
                return
            self.stats.net_output_bytes += n
            c.opos += n
            if c.opos < len(c.obuf):
                self._watch_writable(c)
                return
            if not c.out:
                break
            c.obuf = b"".join(c.out)
            c.out.clear()
            c.out_len = 0
            c.opos = 0
        c.obuf = None
        c.opos = 0
        c.writing = False
        if c.close_after_reply:
            self.free_client(c)
            return
        self.selector.modify(c.sock, EVENT_READ, c)

    def _watch_writable(self, c):
        events = EVENT_WRITE if c.output_size() > BACKPRESSURE_BYTES else EVENT_READ | EVENT_WRITE
        self.selector.modify(c.sock, events, c)

    # ---- clients --------------------------------------------------------
    def free_client(self, c):
        if c.closed:
            return
        c.closed = True
        try:
            self.selector.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        self.clients.pop(c.id, None)
        if c.blocked is not None:
            self.blocking.unblock(c, None)
        for hook in self.close_hooks:
            hook(c)

    # ---- periodic work --------------------------------------------------
    def cron(self, now):
        self._active_expire(now)
        timeout = self.config["timeout"]
        if timeout:
            for c in list(self.clients.values()):
                if (c.blocked is None and not c.subscriptions
                        and now - c.last_interaction > timeout):
                    self.free_client(c)
        for hook in self.cron_hooks:
            hook(self)

    def _active_expire(self, now):
        budget = EXPIRE_TIME_SHARE / max(self.config["hz"], 1)
        stop = time.perf_counter() + budget
        now_ms = int(now * 1000)
        for db in self.dbs:
            if not db.expires:
                continue
            while True:
                sampled, expired = db.active_expire(EXPIRE_SAMPLE, now_ms)
                # Keep going while more than a quarter of the sample had expired.
                if sampled == 0 or expired * 4 <= sampled or time.perf_counter() > stop:
                    break
            if time.perf_counter() > stop:
                break

    # ---- start and stop -------------------------------------------------
    def install_signal_handlers(self):
        def handler(signum, frame):
            name = "SIGINT" if signum == signal.SIGINT else "SIGTERM"
            self.log("warning", "Received %s scheduling shutdown..." % name)
            self.running = False
        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    def _shutdown(self):
        self.log("warning", "User requested shutdown...")
        if self.shutdown_hook is not None:
            self.shutdown_hook(self)
        for c in list(self.clients.values()):
            self.free_client(c)
        for sock in self.listeners:
            try:
                self.selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()
        if self.config["unixsocket"]:
            try:
                os.unlink(self.config["unixsocket"])
            except OSError:
                pass
        self.log("warning", "%s is now ready to exit, bye bye..." % "pyredis")

    def _set_bulk_limit(self, value):
        for c in self.clients.values():
            c.parser.max_bulk_len = value


def _no_notify(event_class, event, key, dbid):
    return None
