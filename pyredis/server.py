"""The event loop: one thread, ``selectors``, non-blocking sockets.

Each readable client's bytes go through its parser; the complete requests are
dispatched in order; replies gather in the client's output list and are
written once per loop iteration (one ``send`` for a whole pipelined batch), as
Redis's beforeSleep does.  A partial write keeps the rest and waits for the
socket to become writable, so a slow reader never holds anyone up; a client
whose unsent replies pass BACKPRESSURE_BYTES is not read until they drain.

The per-request path (poll, recv, feed, dispatch, reply, send) is kept short on
purpose: it is what a benchmark measures.
"""
import errno
import math
import os
import select
import selectors
import signal
import socket
import time

from . import clock, shutdown
from . import __version__, REDIS_VERSION
from ._speedups import IMPLEMENTATION, sockio
from .blocking import Blocking
from .client import Client
from .commands import load_all
from .db import Database, new_access_clock
from .dispatch import MAY_REPLICATE, NO_AUTH_NEEDED, Gate, execute, lookup, run_plain
from .persistence.propagate import Propagation
from .replication.state import ReplicationState
from .stats import Stats

# Redis's PROTO_IOBUF_LEN; a read that fills it continues with bigger ones.
READ_SIZE = 16 * 1024
# A client's reads and writes, on its descriptor: socket.recv and send would
# add their timeout handling and argument parsing to every request.
_read = sockio.read
_write = sockio.write
BIG_READ_SIZE = 64 * 1024
MAX_ACCEPTS_PER_CALL = 1000
# A client whose unread replies pass this stops being read until they drain,
# so a pipeline that never reads cannot grow server memory without bound.
BACKPRESSURE_BYTES = 64 * 1024 * 1024
EV_IN = selectors.EVENT_READ
EV_OUT = selectors.EVENT_WRITE
# Active expiry, as Redis's slow cycle: 20 keys a sample, at most 25% of a tick.
EXPIRE_SAMPLE = 20
EXPIRE_TIME_SHARE = 0.25


PROTECTED_MODE_DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from the "
    b"loopback interface. If you want to connect from external computers to Redis you may adopt "
    b"one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    b"SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    b"host the server is running, however MAKE SURE Redis is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Redis configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you "
    b"started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    b"to do one of the above things in order for the server to start accepting connections from "
    b"the outside.\r\n")


def is_loopback(sock):
    """connIsLocal: the peer is on a loopback address."""
    try:
        host = sock.getpeername()[0]
    except OSError:
        return False
    return host.startswith("127.") or host == "::1" or host.startswith("::ffff:127.")


# Errors of an optional (``-``) bind address that skip it: the address or
# its family is not available here (listenToPort).
_SKIPPABLE = frozenset((errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT,
                        errno.ENOPROTOOPT, errno.ESOCKTNOSUPPORT, errno.EPFNOSUPPORT))


def tcp_listeners(bind, port, backlog, log):
    """listenToPort: a listening socket per ``bind`` address, OSError for one that fails.

    ``*`` is every IPv4 address and ``::*`` every IPv6 one (IPv6 only, as
    Redis sets IPV6_V6ONLY); a ``-`` before an address makes it optional.
    Every failure is logged as Redis words it.  With port 0 the first socket
    picks the port and the others take the same one.
    """
    socks = []
    try:
        for spec in bind.split():
            optional = spec.startswith("-")
            addr = spec[1:] if optional else spec
            host = "0.0.0.0" if addr == "*" else "::" if addr == "::*" else addr
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            step = "creating socket"
            sock = None
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
                step = "bind"
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, port))
                step = "listen"
                sock.listen(backlog)
            except OSError as exc:
                if sock is not None:
                    sock.close()
                text = "Warning: Could not create server TCP listening socket %s:%d: %s: %s" % (
                    addr, port, step, exc.strerror)
                if optional and exc.errno in _SKIPPABLE:
                    log("warning", text)
                    continue
                raise OSError(exc.errno, text) from None
            socks.append(sock)
            if port == 0:
                port = sock.getsockname()[1]
    except OSError:
        for sock in socks:
            sock.close()
        raise
    return socks


class _Poller:
    """The loop's view of a ``selectors`` selector: file descriptors in, (fd, events) out.

    The loop keeps its own fd -> client map, so the selector's keys carry no data.
    An epoll selector's ready list is read from its epoll instance itself
    (through a second descriptor of it): the selector would build a key and
    translate the mask for every ready socket, where almost all are only
    readable, which epoll and selectors spell alike (1).  ``events`` gives
    the selectors mask of any other.
    """

    def __init__(self):
        self._selector = selectors.DefaultSelector()
        self.register = self._selector.register
        self.modify = self._selector.modify
        self.unregister = self._selector.unregister
        self._select = self._selector.select
        self._epoll = None
        if isinstance(self._selector, selectors.EpollSelector):
            self._epoll = select.epoll.fromfd(os.dup(self._selector.fileno()))
            self._epoll_poll = self._epoll.poll
            self.poll = self._poll_epoll

    def poll(self, timeout):
        return [(key.fd, events) for key, events in self._select(timeout)]

    def _poll_epoll(self, timeout):
        # The selector's rounding: a wait never ends before ``timeout``, and
        # never blocks when it is past.
        return self._epoll_poll(math.ceil(timeout * 1e3) * 1e-3 if timeout > 0 else 0)

    def events(self, fd, mask):
        """The selectors mask of what ``poll`` gave as ``mask`` for ``fd`` (not EV_IN)."""
        if self._epoll is None:
            return mask
        events = 0
        if mask & ~select.EPOLLIN:
            events |= EV_OUT
        if mask & ~select.EPOLLOUT:
            events |= EV_IN
        try:
            return events & self._selector.get_key(fd).events
        except KeyError:
            return 0

    def close(self):
        if self._epoll is not None:
            self._epoll.close()
        self._selector.close()


class Server:
    # Callables run with a client when it goes away (subscriptions, WATCH ...).
    close_hooks = []
    # Callables run with the server on every hz tick.
    cron_hooks = []
    # Callables run with the server once it is built (command groups install
    # their state and config listeners here).
    start_hooks = []
    # Callables run with a client on RESET (drop its transaction, WATCHes,
    # subscriptions ...).
    reset_hooks = []
    # Callables run with the server before queued replies are written (the
    # AOF reaches the disk before a write is acknowledged).
    before_reply_hooks = []
    # Callables run with the server as it shuts down, before clients are freed.
    shutdown_hooks = []

    # Server-wide conditions under which dispatch runs all its checks:
    # maxmemory is set; the BUSY text while a script runs long; gate, a
    # refusal for every client (-MISCONF, loading); noreplicas, the error
    # while min-replicas-to-write is not met; cluster mode's routing; a
    # replica's link to its master; tracking_over, the tracking table past
    # tracking-table-max-keys; debugging, a client with SCRIPT DEBUG on.
    # ``gated`` is whether any of them holds.
    gated = False
    maxmemory = Gate(truthy=True)
    busy = Gate()
    gate = Gate()
    noreplicas = Gate()
    cluster = Gate()
    replica_gate = Gate()
    tracking_over = Gate(truthy=True)
    debugging = Gate(truthy=True)

    def __init__(self, config, log):
        load_all()
        self.config = config
        self.log = log
        self.access_clock = new_access_clock(config)
        self.dbs = [Database(i, self) for i in range(config["databases"])]
        self.clients = {}
        self.next_client_id = 1
        self.stats = Stats(self.access_clock)
        self.blocking = Blocking(self)
        self.pending_writes = []
        self.unblocked = []
        self.dirty = 0
        # The propagation stream (AOF, replicas): dispatch tests the flag on every call.
        self.propagating = False
        self.propagation = Propagation(self)
        self.rewrite_propagation = self.propagation.rewrite
        self.prevent_propagation = self.propagation.prevent
        self.also_propagate = self.propagation.also
        self.force_propagation = self.propagation.force
        self.repl = ReplicationState(config["repl-backlog-size"])
        self.current_event = None
        # The BUSY error text while a script runs past busy-reply-threshold.
        self.busy = None
        self.notify_flags = 0
        self.notify = _no_notify
        self.poller = _Poller()
        # fd -> Client, or the listening socket itself for listeners and the
        # signal wake-up socket.
        self.fds = {}
        self.listeners = []
        self.running = True
        self.shutdown_hook = None
        # A shutdown waiting for lagging replicas (shutdown.Pending), and whether
        # a signal asked for one.
        self.shutdown_pending = None
        self.shutdown_asap = False
        self.start_time = clock.time()
        self.run_id = os.urandom(20).hex()
        self.implementation = IMPLEMENTATION
        self.version = __version__
        self.redis_version = REDIS_VERSION
        self.ports = []
        self._wake = None
        self._signals = []
        # CLIENT PAUSE: when it ends (0 = not paused), whether it holds every
        # command or only writes, and the clients whose next command waits.
        self.pause_end = 0.0
        self.pause_all = False
        self.postponed = []
        # A callable (client, command) -> CommandError or None that dispatch
        # consults while set: refusals that hold for every client at once.
        self.gate = None
        # Cluster mode's slot map and routing (cluster.Cluster), None when off.
        self.cluster = None
        config.watch("proto-max-bulk-len", self._set_bulk_limit)
        config.watch("client-output-buffer-limit", self._set_obuf_limits)
        self._set_obuf_limits(config["client-output-buffer-limit"])
        for hook in self.start_hooks:
            hook(self)

    # ---- listening ------------------------------------------------------
    def listen(self):
        port = self.config["port"]
        if not self.config["bind"].split() and not self.config["unixsocket"]:
            raise OSError(errno.EADDRNOTAVAIL, "Configured to not listen anywhere, exiting.")
        for sock in tcp_listeners(self.config["bind"], port, self.config["tcp-backlog"], self.log):
            self._add_listener(sock)
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
        self.fds[sock.fileno()] = sock
        self.poller.register(sock.fileno(), EV_IN)

    @property
    def port(self):
        return self.ports[0] if self.ports else self.config["port"]

    # ---- the loop -------------------------------------------------------
    def serve_forever(self):
        poll = self.poller.poll
        events = self.poller.events
        fds = self.fds
        read_ready = self._read_ready
        write_ready = self._write_ready
        blocking = self.blocking
        client_class = Client
        next_cron = time.monotonic() + 1.0 / max(self.config["hz"], 1)
        while True:
            if not self.running:
                if self._signals and not self._signal_shutdown():
                    continue
                break
            # One clock read per iteration: timers run at the top, before the
            # poll that waited for them.
            now = clock.time()
            # The cron keeps real time whatever the server's clock does.
            mono = time.monotonic()
            if mono >= next_cron:
                self.cron(now)
                next_cron = mono + 1.0 / max(self.config["hz"], 1)
            deadline = blocking.next_deadline()
            if deadline is not None and deadline <= now:
                blocking.expire_timeouts(now)
                deadline = blocking.next_deadline()
            if self.pause_end and now >= self.pause_end:
                self.unpause()
            if self.unblocked:
                self._resume_unblocked()
            if self.tracking.prefixes:
                self.tracking.broadcast()
            if self.pending_writes:
                self._flush_all()
            timeout = next_cron - mono
            if deadline is not None and deadline - now < timeout:
                timeout = deadline - now
            if self.pause_end and self.pause_end - now < timeout:
                timeout = self.pause_end - now
            if self.unblocked:
                timeout = 0
            for fd, mask in poll(timeout):
                c = fds.get(fd)
                if c.__class__ is not client_class:
                    if c is not None:
                        self._accept(c)
                    continue
                if mask != EV_IN:
                    mask = events(fd, mask)
                    if mask & EV_OUT:
                        write_ready(c)
                        if c.closed or mask == EV_OUT:
                            continue
                # EV_IN, or a hang-up/error that the read will report.
                read_ready(c)
            if self.pending_writes:
                self._flush_all()
        self._shutdown()

    def process_events_once(self, running=None):
        """One non-blocking pass of the loop from inside a long job (processEventsWhileBlocked).

        Other clients are read, served and written to; ``running``, the
        client whose command is running (a busy script's caller), is not
        read until it ends.
        """
        if self.pending_writes:
            self._flush_all()
        for fd, mask in self.poller.poll(0):
            c = self.fds.get(fd)
            if c.__class__ is not Client:
                if c is not None:
                    self._accept(c)
                continue
            if mask != EV_IN:
                mask = self.poller.events(fd, mask)
                if mask & EV_OUT:
                    self._write_ready(c)
                    if c.closed or mask == EV_OUT:
                        continue
            if c is not running:
                self._read_ready(c)
        if self.pending_writes:
            self._flush_all()

    def _accept(self, lsock):
        if lsock.__class__ is not socket.socket:
            # An event source that handles itself (a replica's link to its master).
            lsock.ready()
            return
        if lsock is self._wake:
            self._drain_wake()
            return
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
                # Best effort, as Redis: the error is written once and the connection dropped.
                try:
                    sock.send(b"-ERR max number of clients reached\r\n")
                except OSError:
                    pass
                sock.close()
                self.stats.rejected_connections += 1
                continue
            if self.config["protected-mode"] and sock.family != socket.AF_UNIX and \
                    self.users[b"default"].nopass and not is_loopback(sock):
                try:
                    sock.send(PROTECTED_MODE_DENIED)
                except OSError:
                    pass
                sock.close()
                self.stats.rejected_connections += 1
                continue
            c = Client(self, sock, self.next_client_id)
            self.next_client_id += 1
            self.clients[c.id] = c
            self.fds[c.fd] = c
            self.poller.register(c.fd, EV_IN)
            self.stats.total_connections += 1

    def _read_ready(self, c):
        self.stats.reads_processed += 1
        try:
            data = _read(c.fd, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.free_client(c)
            return
        n = len(data)
        if n == READ_SIZE:
            # A big request: take what else is there in larger reads.  Small
            # reads keep the common case cheap (no large buffer to allocate).
            data = self._read_more(c, data)
            if data is None:
                return
            n = len(data)
        elif not n:
            self.free_client(c)
            return
        self.stats.net_input_bytes += n
        c.last_interaction = clock.time()
        if c.close_after_reply:
            return
        parser = c.parser
        if c.pending is not None or c.blocked is not None or parser.auth_required:
            self._read_slow(c, data, n)
            return
        cmds = parser.feed(data)
        if parser.error is not None:
            cmds.append(None)
        elif not cmds or n >= READ_SIZE:
            cmds = self._parse_limit(c, cmds, n)
            if not cmds:
                return
        self._run(c, cmds, 0)
        if c.writing and not c.paused_reading and c.out_len > BACKPRESSURE_BYTES:
            self._watch_writable(c)

    def _parse(self, c, data, n):
        """The requests ``data`` completed (None last after a protocol error).

        None when the client was closed for passing client-query-buffer-limit.
        """
        parser = c.parser
        cmds = parser.feed(data)
        if parser.error is not None:
            cmds.append(None)
            return cmds
        return self._parse_limit(c, cmds, n)

    def _parse_limit(self, c, cmds, n):
        """``cmds``, or None when the read closed the client for passing client-query-buffer-limit."""
        if ((not cmds or n >= READ_SIZE)
                and c.parser.pending_bytes() > self.config["client-query-buffer-limit"]):
            # Only a read that completed nothing, or filled the buffer, can
            # have grown an incomplete request past the limit.
            self._query_buffer_full(c)
            return None
        return cmds

    def _read_slow(self, c, data, n):
        """The read path of a client that waits (blocked, postponed) or has not authenticated."""
        parser = c.parser
        waiting = c.pending is not None or c.blocked is not None
        if waiting and (parser.auth_required or c.held is not None):
            # The waiting request may authenticate the client, and Redis
            # parses what follows it only after it ran: keep the bytes
            # unparsed until then (process() feeds them).
            if c.held is None:
                c.held = bytearray(data)
                if c.pending is None:
                    # So that the end of the block resumes this client.
                    c.pending = []
                    c.pending_pos = 0
            else:
                c.held += data
            if c.query_buffer_bytes() > self.config["client-query-buffer-limit"]:
                self._query_buffer_full(c)
            return
        cmds = self._parse(c, data, n)
        if not cmds:
            return
        if not waiting:
            self._run_stepwise(c, cmds)
        else:
            if c.pending is None:
                c.pending = cmds
                c.pending_pos = 0
            else:
                c.pending.extend(cmds)
            self.process(c)
        if c.writing and not c.paused_reading and c.out_len > BACKPRESSURE_BYTES:
            self._watch_writable(c)

    def _query_buffer_full(self, c):
        self.log("warning", "Closing client that reached max query buffer length: id=%d addr=%s"
                 % (c.id, c.addr))
        self.free_client(c)

    def _read_more(self, c, data):
        """A full first read plus one more, up to BIG_READ_SIZE; None if the client went away.

        One event never takes more than that, so a client streaming big
        requests gets its replies flushed between reads, like others.
        """
        try:
            more = _read(c.fd, BIG_READ_SIZE - READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return data
        except OSError:
            self.free_client(c)
            return None
        # An empty read is EOF: serve what came first, the next read sees it.
        return data + more if more else data

    def process(self, c):
        """Run the client's parsed requests until they run out, it blocks or must close.

        Then the requests still unparsed, in the parser or held back while it
        waited, are parsed and run.
        """
        if c.blocked is not None or c.postponed:
            return
        cmds = c.pending
        c.pending = None
        self._run(c, cmds, c.pending_pos)
        if c.pending is None and c.blocked is None and not c.close_after_reply and not c.closed:
            held = c.held
            c.held = None
            parser = c.parser
            cmds = parser.feed(b"" if held is None else held)
            if parser.error is not None:
                cmds.append(None)
            if cmds:
                self._run_stepwise(c, cmds)

    def _run_stepwise(self, c, cmds):
        """Run ``cmds``, then parse and run what follows, one request at a time while unauthenticated.

        Redis parses a request only after the one before it ran, so a request
        of an unauthenticated client must see the state the previous one left:
        the parser returns one request per feed while ``auth_required`` is
        set, and once AUTH succeeds the rest comes out of one feed.
        """
        parser = c.parser
        while True:
            self._run(c, cmds, 0)
            if c.pending is not None or c.blocked is not None or c.close_after_reply or c.closed:
                return
            cmds = parser.feed(b"")
            if parser.error is not None:
                cmds.append(None)
            if not cmds:
                return

    def _run(self, c, cmds, i):
        n = len(cmds)
        while i < n:
            if c.authenticated and c.multi is None and not (
                    c.subscriptions or c.monitor or c.reply_off or c.reply_skip or self.gated
                    or self.pause_end or self.monitors or self.propagating):
                # Nothing for execute() to check: plain commands run without it.
                i = run_plain(c, cmds, i, n)
                if i == n:
                    break
            argv = cmds[i]
            i += 1
            if argv is None:
                self._protocol_error(c)
                break
            if self.pause_end and self._must_wait(c, argv):
                c.postponed = True
                self.postponed.append(c)
                c.pending = cmds
                c.pending_pos = i - 1
                return
            execute(c, argv)
            if c.reply_skip:
                # resetClient: CLIENT REPLY SKIP silences exactly the next command.
                c.reply_skip -= 1
                if not c.reply_skip:
                    c.reply_off = False
            if c.blocked is not None or c.close_after_reply:
                break
        if c.close_after_reply:
            c.pending = None
            if not c.queued:
                # Nothing to send (CLIENT REPLY OFF), but the flush closes it.
                c.queued = True
                self.pending_writes.append(c)
        elif i < n:
            # Blocked: the rest waits (and more may be appended) until it is released.
            c.pending = cmds
            c.pending_pos = i

    # ---- CLIENT PAUSE ---------------------------------------------------
    def pause(self, end, pause_all):
        """pauseClients: the latest mode applies, the later end time wins."""
        self.pause_all = pause_all
        if end > self.pause_end:
            self.pause_end = end

    def unpause(self):
        """unpauseClients: the postponed commands run next, in the order they came."""
        self.pause_end = 0.0
        self.pause_all = False
        clients, self.postponed = self.postponed, []
        for c in clients:
            c.postponed = False
        # Resumed by the loop, not from inside the command that unpaused.
        self.unblocked.extend(clients)

    def _must_wait(self, c, argv):
        """processCommand's pause check; requests it rejects anyway are not held."""
        cmd, error = lookup(argv)
        if error is not None or (not c.authenticated and cmd.fullname not in NO_AUTH_NEEDED):
            return False
        if self.pause_all:
            return True
        if "write" in cmd.flags or cmd.fullname in MAY_REPLICATE:
            return True
        if cmd.fullname == "exec" and c.multi:
            return any("write" in queued.flags or queued.fullname in MAY_REPLICATE
                       for queued, _ in c.multi)
        return False

    def _protocol_error(self, c):
        """Reply the parser's error, then close once the reply is out (setProtocolError)."""
        message = c.parser.error
        self.stats.count_error("ERR")
        self.log("verbose", "%s from client: id=%d addr=%s" % (message, c.id, c.addr))
        c.reply_off = False
        c.reply(b"-ERR " + message.encode("latin-1") + b"\r\n")
        c.close_after_reply = True

    def _resume_unblocked(self):
        while self.unblocked:
            batch, self.unblocked = self.unblocked, []
            for c in batch:
                if not c.closed and c.blocked is None and c.pending is not None:
                    self.process(c)

    # ---- writing --------------------------------------------------------
    def _flush_all(self):
        """Write each client's queued replies with one send (beforeSleep's handleClientsWithPendingWrites)."""
        for hook in self.before_reply_hooks:
            hook(self)
        clients, self.pending_writes = self.pending_writes, []
        writes = written = 0
        for c in clients:
            c.queued = False
            if c.writing or c.closed:
                continue
            out = c.out
            if not out:
                if c.close_after_reply:
                    self.free_client(c)
                continue
            # One reply is joined into itself, not copied.
            data = b"".join(out)
            out.clear()
            c.out_len = 0
            writes += 1
            try:
                n = _write(c.fd, data)
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError:
                self.free_client(c)
                continue
            written += n
            if n < len(data):
                c.obuf = data
                c.opos = n
                c.writing = True
                if self.normal_obuf_limits and not c.subscriptions and not c.flags_extra \
                        and self._over_obuf_limit(c):
                    continue
                self._watch_writable(c)
            elif c.close_after_reply:
                self.free_client(c)
        stats = self.stats
        stats.writes_processed += writes
        stats.net_output_bytes += written

    def _write_ready(self, c):
        if not c.writing:
            return
        self.stats.writes_processed += 1
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
                if self.normal_obuf_limits and not c.subscriptions and not c.flags_extra \
                        and self._over_obuf_limit(c):
                    return
                if c.paused_reading != (c.output_size() > BACKPRESSURE_BYTES):
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
        c.paused_reading = False
        self.poller.modify(c.fd, EV_IN)
        # Requests read before the pause may be waiting.
        if c.pending is not None and c.blocked is None:
            self.process(c)

    def _set_obuf_limits(self, limits):
        hard, soft, _ = limits["normal"]
        self.normal_obuf_limits = limits["normal"] if hard or soft else None

    def _over_obuf_limit(self, c):
        """checkClientOutputBufferLimits for a normal client left with unsent replies.

        True if it was closed for passing the hard limit, or the soft one for
        longer than its seconds.
        """
        if not c.over_output_limit(c.output_size(), *self.normal_obuf_limits):
            return False
        c.log_output_limit()
        self.free_client(c)
        return True

    def _watch_writable(self, c):
        paused = c.output_size() > BACKPRESSURE_BYTES
        c.paused_reading = paused
        self.poller.modify(c.fd, EV_OUT if paused else EV_IN | EV_OUT)

    # ---- clients --------------------------------------------------------
    def free_client(self, c):
        if c.closed:
            return
        c.closed = True
        if self.fds.get(c.fd) is c:
            del self.fds[c.fd]
            try:
                self.poller.unregister(c.fd)
            except (KeyError, ValueError, OSError):
                pass
        c.sock.close()
        self.clients.pop(c.id, None)
        if c.postponed:
            self.postponed.remove(c)
        if c.blocked is not None:
            self.blocking.unblock(c, None)
        for hook in self.close_hooks:
            hook(c)

    # ---- periodic work --------------------------------------------------
    def cron(self, now):
        # Access times are read against a clock refreshed here, as Redis's
        # server.lruclock is in serverCron.
        self.access_clock.tick(int(now * 1000))
        # A replica's keys expire when its master says so (iAmMaster in serverCron).
        if self.master_link is None:
            self._active_expire(now)
        # An expired key may have been waited on (a blocked XREADGROUP learns its stream went).
        if self.blocking.ready:
            self.blocking.serve_ready()
        timeout = self.config["timeout"]
        if timeout:
            # clientsCronHandleTimeout: blocked and subscribed clients never time out.
            for c in list(self.clients.values()):
                # Replication links (flags_extra: M or S) have repl-timeout instead.
                if (c.blocked is None and not c.subscriptions and not c.postponed
                        and not c.flags_extra and now - c.last_interaction > timeout):
                    self.log("verbose", "Closing idle client")
                    self.free_client(c)
        for hook in self.cron_hooks:
            hook(self)

    def _active_expire(self, now):
        budget = EXPIRE_TIME_SHARE / max(self.config["hz"], 1)
        started = time.perf_counter()
        stop = started + budget
        try:
            self._expire_cycle(now, stop)
        finally:
            if self.config["latency-monitor-threshold"]:
                from .latency import add_sample
                add_sample(self, "expire-cycle", int((time.perf_counter() - started) * 1000))

    def _expire_cycle(self, now, stop):
        now_ms = int(now * 1000)
        for db in self.dbs:
            if not db.expires:
                db.avg_ttl = 0
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
        """SIGINT and SIGTERM ask for a clean shutdown; the loop does it.

        The handler only records the signal: the wake-up socket makes the
        poll return at once, and the loop logs and shuts down outside the
        handler, where writing the log cannot re-enter a half-done write.
        """
        rsock, wsock = socket.socketpair()
        rsock.setblocking(False)
        wsock.setblocking(False)
        self._wake = rsock
        self._wake_w = wsock
        self.fds[rsock.fileno()] = rsock
        self.poller.register(rsock.fileno(), EV_IN)
        signal.set_wakeup_fd(wsock.fileno(), warn_on_full_buffer=False)

        def handler(signum, frame):
            self._signals.append(signum)
            self.running = False
        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    def _drain_wake(self):
        try:
            while self._wake.recv(4096):
                pass
        except OSError:
            pass

    def _signal_shutdown(self):
        """The shutdown a signal asked for; False if it waits or failed and the server goes on."""
        signum = self._signals.pop(0)
        del self._signals[:]
        if shutdown.on_signal(self, signum):
            return True
        self.running = True
        return False

    def _shutdown(self):
        for hook in self.shutdown_hooks:
            hook(self)
        if self.shutdown_hook is not None:
            self.shutdown_hook(self)
        for c in list(self.clients.values()):
            self.free_client(c)
        for sock in self.listeners:
            try:
                self.poller.unregister(sock.fileno())
            except (KeyError, ValueError, OSError):
                pass
            sock.close()
        if self.config["unixsocket"]:
            try:
                os.unlink(self.config["unixsocket"])
            except OSError:
                pass
        if self.config["pidfile"]:
            self.log("notice", "Removing the pid file.")
            try:
                os.unlink(self.config["pidfile"])
            except OSError:
                pass
        self.log("warning", "pyredis is now ready to exit, bye bye...")

    def _set_bulk_limit(self, value):
        for c in self.clients.values():
            c.parser.max_bulk_len = value


def _no_notify(event_class, event, key, dbid):
    return None
