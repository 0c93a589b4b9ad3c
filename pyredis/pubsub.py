"""Who listens to what: channels, patterns and shard channels, and delivery.

``PubSub`` keeps, for each channel, pattern and shard channel, its subscribers
in subscription order; each client keeps its own subscriptions in
``c.channels``, ``c.patterns`` and ``c.shard_channels`` (dicts used as ordered
sets) and their total in ``c.subscriptions``.  No entry is kept for a channel
nobody listens to.

Delivery writes a message encoded once per protocol straight into each
subscriber's output list; it never waits for a socket.  A subscriber whose
pending output passes the ``client-output-buffer-limit pubsub`` limits is
disconnected, as Redis's checkClientOutputBufferLimits does.

Keyspace notifications (``notify-keyspace-events``) go through ``notify``,
which the server calls from ``Database.signal``.  Commands live in
``pyredis/commands/pubsub.py``.
"""

from . import clock
from .glob import compile_pattern

# notify-keyspace-events classes, Redis's NOTIFY_* bits.
NOTIFY_KEYSPACE = 1 << 0     # K
NOTIFY_KEYEVENT = 1 << 1     # E
NOTIFY_GENERIC = 1 << 2      # g
NOTIFY_STRING = 1 << 3       # $
NOTIFY_LIST = 1 << 4         # l
NOTIFY_SET = 1 << 5          # s
NOTIFY_HASH = 1 << 6         # h
NOTIFY_ZSET = 1 << 7         # z
NOTIFY_EXPIRED = 1 << 8      # x
NOTIFY_EVICTED = 1 << 9      # e
NOTIFY_STREAM = 1 << 10      # t
NOTIFY_KEY_MISS = 1 << 11    # m
NOTIFY_MODULE = 1 << 13      # d
NOTIFY_NEW = 1 << 14         # n
# 'A': every class except key miss and new key.
NOTIFY_ALL = (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET
              | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

CLASS_BITS = {
    "g": NOTIFY_GENERIC, "$": NOTIFY_STRING, "l": NOTIFY_LIST, "s": NOTIFY_SET, "h": NOTIFY_HASH,
    "z": NOTIFY_ZSET, "x": NOTIFY_EXPIRED, "e": NOTIFY_EVICTED, "t": NOTIFY_STREAM,
    "m": NOTIFY_KEY_MISS, "d": NOTIFY_MODULE, "n": NOTIFY_NEW, "A": NOTIFY_ALL,
    "K": NOTIFY_KEYSPACE, "E": NOTIFY_KEYEVENT,
}
# The order CONFIG GET shows the classes in (Redis's keyspaceEventsFlagsToString).
_SHOWN = "g$lshzxetdn"


def events_to_flags(text):
    """Bits for a notify-keyspace-events string, or None if it has a bad character."""
    flags = 0
    for ch in text:
        bit = CLASS_BITS.get(ch)
        if bit is None:
            return None
        flags |= bit
    return flags


def flags_to_events(flags):
    """The canonical string CONFIG GET shows: 'A' hides the classes it covers (and 'n')."""
    if flags & NOTIFY_ALL == NOTIFY_ALL:
        out = "A"
    else:
        out = "".join(ch for ch in _SHOWN if flags & CLASS_BITS[ch])
    if flags & NOTIFY_KEYSPACE:
        out += "K"
    if flags & NOTIFY_KEYEVENT:
        out += "E"
    if flags & NOTIFY_KEY_MISS:
        out += "m"
    return out


def _bulk(b):
    return b"$%d\r\n%b\r\n" % (len(b), b)


def push(c, data):
    """Queue pub/sub output for ``c``: like ``c.reply`` but never silenced by
    CLIENT REPLY OFF/SKIP (Redis's CLIENT_PUSHING)."""
    c.out.append(data)
    c.out_len += len(data)
    if not c.queued:
        c.queued = True
        c.server.pending_writes.append(c)


class PubSub:
    def __init__(self, server):
        self.server = server
        self.channels = {}        # channel -> {client: None}, in subscription order
        self.patterns = {}        # pattern -> {client: None}
        self.matchers = {}        # pattern -> compiled glob
        self.shard_channels = {}  # shard channel -> {client: None}
        self.flags = 0
        self._events = {}
        self.hard = self.soft = self.soft_seconds = self.threshold = 0
        config = server.config
        config.watch("notify-keyspace-events", self._set_events)
        config.watch("client-output-buffer-limit", self._set_limits)
        self._set_events(config["notify-keyspace-events"])
        self._set_limits(config["client-output-buffer-limit"])

    # ---- configuration --------------------------------------------------
    def _set_events(self, text):
        flags = events_to_flags(text) or 0
        self.flags = flags
        # The hook in Database.signal stays off unless something can be published.
        active = flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT) and flags & ~(NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)
        self.server.notify_flags = flags if active else 0

    def _set_limits(self, limits):
        self.hard, self.soft, self.soft_seconds = limits["pubsub"]
        nonzero = [n for n in (self.hard, self.soft) if n]
        self.threshold = min(nonzero) if nonzero else 0

    # ---- subscriptions --------------------------------------------------
    def subscribe(self, c, channel):
        """Add ``channel`` to ``c``'s subscriptions; False if it was already there."""
        if c.closed:
            # Dropped (output buffer limit) while its EXEC still runs.
            return False
        mine = c.channels
        if mine is None:
            mine = c.channels = {}
        elif channel in mine:
            return False
        mine[channel] = None
        subs = self.channels.get(channel)
        if subs is None:
            subs = self.channels[channel] = {}
        subs[c] = None
        c.subscriptions += 1
        return True

    def unsubscribe(self, c, channel):
        return self._remove(c, c.channels, self.channels, channel)

    def psubscribe(self, c, pattern):
        if c.closed:
            return False
        mine = c.patterns
        if mine is None:
            mine = c.patterns = {}
        elif pattern in mine:
            return False
        mine[pattern] = None
        subs = self.patterns.get(pattern)
        if subs is None:
            subs = self.patterns[pattern] = {}
            self.matchers[pattern] = compile_pattern(pattern)
        subs[c] = None
        c.subscriptions += 1
        return True

    def punsubscribe(self, c, pattern):
        removed = self._remove(c, c.patterns, self.patterns, pattern)
        if removed and pattern not in self.patterns:
            del self.matchers[pattern]
        return removed

    def ssubscribe(self, c, channel):
        if c.closed:
            return False
        mine = c.shard_channels
        if mine is None:
            mine = c.shard_channels = {}
        elif channel in mine:
            return False
        mine[channel] = None
        subs = self.shard_channels.get(channel)
        if subs is None:
            subs = self.shard_channels[channel] = {}
        subs[c] = None
        c.subscriptions += 1
        return True

    def sunsubscribe(self, c, channel):
        return self._remove(c, c.shard_channels, self.shard_channels, channel)

    @staticmethod
    def _remove(c, mine, registry, name):
        if not mine or name not in mine:
            return False
        del mine[name]
        subs = registry[name]
        del subs[c]
        if not subs:
            del registry[name]
        c.subscriptions -= 1
        return True

    def unsubscribe_all(self, c):
        """Drop every subscription of ``c`` without telling it (disconnect, RESET)."""
        if not c.subscriptions:
            return
        for name in list(c.channels or ()):
            self.unsubscribe(c, name)
        for name in list(c.patterns or ()):
            self.punsubscribe(c, name)
        for name in list(c.shard_channels or ()):
            self.sunsubscribe(c, name)

    @staticmethod
    def channel_count(c):
        """What (P)SUBSCRIBE and (P)UNSUBSCRIBE report: channels plus patterns."""
        return len(c.channels or ()) + len(c.patterns or ())

    @staticmethod
    def shard_count(c):
        return len(c.shard_channels or ())

    # ---- delivery -------------------------------------------------------
    def publish(self, channel, message):
        """Deliver to the channel's subscribers then to matching patterns; the receiver count."""
        receivers = 0
        over = None
        subs = self.channels.get(channel)
        tail = None
        if subs:
            tail = b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(channel), channel, len(message), message)
            receivers = len(subs)
            over = self._deliver(subs, b"*3\r\n$7\r\nmessage\r\n" + tail, None)
        if self.patterns:
            matchers = self.matchers
            for pattern, subs in self.patterns.items():
                # Redis's stringmatchlen never matches an empty name unless
                # the pattern is empty too.
                if not (matchers[pattern](channel) if channel else not pattern):
                    continue
                if tail is None:
                    tail = b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(channel), channel, len(message), message)
                receivers += len(subs)
                over = self._deliver(subs, b"*4\r\n$8\r\npmessage\r\n" + _bulk(pattern) + tail, over)
        if over:
            self._disconnect(over)
        return receivers

    def spublish(self, channel, message):
        subs = self.shard_channels.get(channel)
        if not subs:
            return 0
        data = b"*3\r\n$8\r\nsmessage\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
            len(channel), channel, len(message), message)
        receivers = len(subs)
        over = self._deliver(subs, data, None)
        if over:
            self._disconnect(over)
        return receivers

    def _deliver(self, subs, data, over):
        """Append ``data`` (RESP2 form; RESP3 clients get it as a push) to each subscriber.

        Returns the list of subscribers now past their output buffer limit
        (``over`` extended), to be disconnected once delivery is done.
        """
        data3 = None
        n = len(data)
        pending = self.server.pending_writes
        threshold = self.threshold
        for c in subs:
            if c.resp == 2:
                c.out.append(data)
            else:
                if data3 is None:
                    data3 = b">" + data[1:]
                c.out.append(data3)
            size = c.out_len + n
            c.out_len = size
            if not c.queued:
                c.queued = True
                pending.append(c)
            if threshold:
                if c.obuf is not None:
                    size += len(c.obuf) - c.opos
                if size >= threshold:
                    if self._over_limit(c, size):
                        if over is None:
                            over = []
                        over.append(c)
                elif c.obuf_soft_since:
                    c.obuf_soft_since = 0
        return over

    def _over_limit(self, c, size):
        """Redis's checkClientOutputBufferLimits for the pubsub class."""
        if c.closed:
            return False
        return c.over_output_limit(size, self.hard, self.soft, self.soft_seconds)

    def _disconnect(self, clients):
        server = self.server
        for c in clients:
            if c.closed:
                continue
            c.log_output_limit()
            # Nothing more is sent to it, not even what is already queued.
            c.out.clear()
            c.out_len = 0
            c.close_after_reply = True
            server.free_client(c)

    # ---- keyspace notifications -----------------------------------------
    def notify(self, event_class, event, key, dbid):
        """Publish ``__keyspace@<db>__:<key>`` / ``__keyevent@<db>__:<event>`` as configured."""
        flags = self.flags
        if not flags & CLASS_BITS[event_class]:
            return
        name = self._events.get(event)
        if name is None:
            name = self._events[event] = event.encode() if isinstance(event, str) else bytes(event)
        if flags & NOTIFY_KEYSPACE:
            self.publish(b"__keyspace@%d__:%b" % (dbid, key), name)
        if flags & NOTIFY_KEYEVENT:
            self.publish(b"__keyevent@%d__:%b" % (dbid, name), key)
