"""One connection's state: its parser, output buffer, db, transaction and subscriptions."""
import socket

from . import clock
from ._speedups import RequestParser, Stopwatch


class Client:
    __slots__ = ("server", "id", "sock", "fd", "addr", "laddr", "parser", "out", "out_len",
                 "obuf", "opos", "writing", "queued", "pending", "pending_pos", "db", "resp",
                 "name", "authenticated", "close_after_reply", "closed", "multi", "multi_error",
                 "dirty_cas", "watching", "subscriptions", "channels", "patterns", "shard_channels",
                 "blocked", "deny_blocking", "cmd", "argv", "created", "last_interaction",
                 "last_cmd", "obuf_soft_since", "flags_extra", "unix", "no_evict", "reply_off",
                 "reply_skip", "paused_reading", "auth_implicit", "postponed", "held", "monitor", "user", "acl_check", "tracking",
                 "track_read", "tracking_after", "stopwatch", "__weakref__")

    # True for the client scripts run their commands on (Redis's CLIENT_SCRIPT).
    in_script = False

    def __init__(self, server, sock, cid):
        self.server = server
        self.id = cid
        self.sock = sock
        self.fd = sock.fileno()
        self.unix = sock.family == socket.AF_UNIX
        if self.unix:
            # Redis names both ends of a unix socket connection after the socket path.
            self.addr = self.laddr = "%s:0" % server.config["unixsocket"]
        else:
            try:
                self.addr = _format_addr(sock.getpeername())
                self.laddr = _format_addr(sock.getsockname())
            except OSError:
                self.addr = self.laddr = "?:0"
        cfg = server.config
        # The default user until AUTH: connections need no AUTH while it has no password.
        user = server.users[b"default"]
        self._init_state(server, user, user.nopass and user.enabled)
        self.parser = RequestParser(cfg["proto-max-bulk-len"], auth_required=not self.authenticated)
        # Times this client's pipelined runs (dispatch.run_plain).
        self.stopwatch = Stopwatch()
        self.created = self.last_interaction = clock.time()

    def _init_state(self, server, user, authenticated):
        """Everything a client holds besides its socket and parser, as a new one has it."""
        self.user = user
        self.acl_check = None if user is None or user.unrestricted else user
        self.authenticated = authenticated
        # Bytes read while unauthenticated and waiting (postponed or blocked):
        # Redis parses them only after the waiting request ran, which may
        # authenticate the client and lift the unauthenticated limits.
        self.held = None
        self.out = []
        self.out_len = 0
        self.obuf = None
        self.opos = 0
        self.writing = False
        self.queued = False
        self.pending = None
        self.pending_pos = 0
        self.db = server.dbs[0]
        self.resp = 2
        self.name = b""
        # Let in only because requirepass was cleared after it connected.
        self.auth_implicit = False
        # Its next command waits for CLIENT PAUSE to end.
        self.postponed = False
        self.close_after_reply = False
        self.closed = False
        self.multi = None
        self.multi_error = False
        self.dirty_cas = False
        self.watching = None
        self.subscriptions = 0
        self.channels = None
        self.patterns = None
        self.shard_channels = None
        self.blocked = None
        self.deny_blocking = False
        self.cmd = None
        self.argv = None
        self.created = self.last_interaction = 0
        self.last_cmd = b"NULL"
        self.obuf_soft_since = 0
        self.flags_extra = ""
        self.no_evict = False
        # CLIENT REPLY OFF/SKIP: replies are dropped while reply_off is set;
        # reply_skip counts down the commands left until SKIP ends.
        self.reply_off = False
        self.reply_skip = 0
        # Not read while its unsent replies are over the backpressure limit.
        self.paused_reading = False
        # In MONITOR mode: it receives every command and may run no others
        # that touch the keyspace.
        self.monitor = False
        # CLIENT TRACKING's state (a tracking.State) while it is on, what
        # dispatch calls with (command, argv) after each of its reads, and
        # whether work waits for the end of its command (CLIENT CACHING's
        # reset, invalidations of keys it changed and reads).
        self.tracking = None
        self.track_read = None
        self.tracking_after = False

    def reply(self, r):
        """Queue a reply; it is written when the event loop flushes."""
        if self.reply_off:
            return
        if r.__class__ is not bytes:
            r = r.encode(self.resp)
        self.out.append(r)
        self.out_len += len(r)
        if not self.queued:
            self.queued = True
            self.server.pending_writes.append(self)

    def set_authenticated(self, value):
        """Change the authentication state; the parser's unauthenticated limits follow it."""
        self.authenticated = value
        self.parser.auth_required = not value

    def query_buffer_bytes(self):
        """Bytes read but not yet part of a parsed request (Redis's qbuf)."""
        n = self.parser.pending_bytes()
        return n if self.held is None else n + len(self.held)

    def output_size(self):
        return self.out_len + (len(self.obuf) - self.opos if self.obuf is not None else 0)

    def over_output_limit(self, size, hard, soft, seconds):
        """checkClientOutputBufferLimits: past the hard limit, or the soft one for over ``seconds``."""
        over = hard and size >= hard
        if soft and size >= soft:
            now = int(clock.time())
            if not self.obuf_soft_since:
                self.obuf_soft_since = now
            elif now - self.obuf_soft_since > seconds:
                over = True
        else:
            self.obuf_soft_since = 0
        return bool(over)

    def log_output_limit(self):
        from .commands.connection import client_info
        self.server.log("warning", "Client %s scheduled to be closed ASAP for overcoming of output "
                                   "buffer limits." % client_info(self, clock.time(), None))


def _format_addr(addr):
    host = addr[0]
    return ("[%s]:%d" % (host, addr[1])) if ":" in host else "%s:%d" % (host, addr[1])


__all__ = ["Client"]
