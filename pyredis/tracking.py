"""Client-side caching: which clients read which keys, and their invalidation messages.

The tracking table maps a key name (in any db, as Redis's) to the ids of the
clients that read it since it last changed; a change sends each of them an
invalidation and forgets the entry.  Clients in BCAST mode instead register
prefixes: the keys changed while any prefix is registered are collected in one
dict and broadcast once per event-loop pass, sorted, each prefix taking the
run of them it begins (Redis's trackingBroadcastInvalidationMessages).

Every change reaches ``invalidate`` through ``Database.signal``, the one write
hook, so commands, expiry and scripts need nothing of their own.
"""
import sys
from bisect import bisect_left
from functools import partial

from . import reply
from ._speedups import Reader, remember_key, sort_keys
from .glob import prefix_end

CHANNEL = b"__redis__:invalidate"
_MESSAGE = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
_INVALIDATE = b">2\r\n$10\r\ninvalidate\r\n"


class State:
    """One client's tracking mode (CLIENT TRACKING ON ...)."""

    __slots__ = ("redirect", "bcast", "optin", "optout", "noloop", "prefixes", "caching",
                 "broken_redirect", "selective")

    def __init__(self):
        self.redirect = 0
        self.bcast = False
        self.optin = False
        self.optout = False
        self.noloop = False
        self.prefixes = []
        # CLIENT CACHING given for the next command (or transaction).
        self.caching = False
        self.broken_redirect = False
        # BCAST, OPTIN or OPTOUT: a read is not simply remembered.
        self.selective = False


class Tracking:
    """The server's tracking table and prefix table."""

    def __init__(self, server):
        self.server = server
        # key -> the id of the one client that read it, or the set of ids of
        # several: most keys have one reader, and an int costs no allocation.
        # Emptied, never replaced: each Reader holds it.
        self.table = {}
        # Readers beyond the first of each key: the table holds len(table) + extra items.
        self.extra = 0
        # prefix -> [set of client ids, {key: writer} changed before the
        # prefixes last changed in this pass (see _settle)]
        self.prefixes = {}
        # (prefix, its prefix_end, its entry) in Redis's order (its rax: sorted).
        self.ordered = []
        # {key: writer client or None} changed this pass, while a prefix is
        # registered (else None): a write stores one item, whatever the prefixes.
        self.changed = None
        # Some prefix holds keys set aside by _settle.
        self.settled = False
        self.clients = 0
        # Keys the running command changed that it itself tracks: sent after its reply.
        self.pending = []
        # tracking-table-max-keys (0: no limit); past it, keys are forgotten
        # before the next command, with an effort that grows while the table
        # stays over (trackingLimitUsedSlots's timeout_counter).
        self.max_keys = sys.maxsize
        self.timeouts = 0
        # Keys forgotten from the front of the table since it was last compacted.
        self.forgotten = 0

    @property
    def active(self):
        return bool(self.table or self.prefixes)

    @property
    def items(self):
        return len(self.table) + self.extra

    # ---- reads --------------------------------------------------------------
    def remember(self, c, at, cmd, argv):
        """trackingRememberKeys: ``c`` ran the read ``cmd``, its one key at ``at`` or, with
        -1, the keys its key specs find (optin/optout decide with CLIENT CACHING).

        Called through ``c.track_read`` in BCAST, OPTIN and OPTOUT modes, and
        by the default mode's Reader for reads of several keys.
        """
        if c.tracking.selective and not _remembers(c.tracking):
            return
        cid = c.id
        for i in (at,) if at > 0 else cmd.key_indexes(argv):
            remember_key(self, argv[i], cid)

    def overflowed(self):
        """The table just grew past tracking-table-max-keys: trim it before the next command."""
        if self.clients:
            self.server.tracking_over = True

    # ---- writes -------------------------------------------------------------
    def invalidate(self, key, writer):
        """trackingInvalidateKey: ``key`` changed, by ``writer`` (a client, or None)."""
        changed = self.changed
        if changed is not None:
            changed[key] = writer
        if self.table:
            readers = self.table.pop(key, None)
            if readers is not None:
                self._invalidate_readers(key, readers, writer)

    def _invalidate_readers(self, key, readers, writer, executing=True):
        if readers.__class__ is int:
            readers = (readers,)
        else:
            self.extra -= len(readers) - 1
        clients = self.server.clients
        for cid in readers:
            target = clients.get(cid)
            if target is None or target.tracking is None or target.tracking.bcast:
                continue
            if target is writer:
                if target.tracking.noloop:
                    continue
                if executing:
                    # After the reply of the command that made the change.
                    self.pending.append(key)
                    target.tracking_after = True
                    continue
            send(target, _keys_reply([key]))

    def flushed(self, writer):
        """trackingInvalidateKeysOnFlush: every tracking client gets a null invalidation.

        The table goes even when no client tracks any more, as Redis's.
        """
        if self.clients:
            for c in list(self.server.clients.values()):
                if c.tracking is None:
                    continue
                if c is writer:
                    self.pending.append(None)
                    c.tracking_after = True
                else:
                    send(c, b"_\r\n" if c.resp == 3 else b"$-1\r\n")
        self.table.clear()
        self.extra = 0
        self.forgotten = 0

    def after_command(self, c):
        """The invalidations the command just run caused for its own client."""
        pending, self.pending = self.pending, []
        if c.closed:
            return
        for key in pending:
            if key is None:
                send(c, b"_\r\n" if c.resp == 3 else b"$-1\r\n")
            else:
                send(c, _keys_reply([key]))

    def broadcast(self):
        """Once per loop pass: the keys changed under each prefix, to its BCAST clients."""
        changed = self.changed
        if not changed and not self.settled:
            return
        ordered = sort_keys(changed)
        total = len(ordered)
        clients = self.server.clients
        for prefix, end, entry in self.ordered:
            ids, early = entry
            lo = bisect_left(ordered, prefix) if prefix else 0
            hi = total if end is None else bisect_left(ordered, end, lo)
            if early:
                for key in ordered[lo:hi]:
                    early[key] = changed[key]
                keys = sort_keys(early)
                writers = early
                entry[1] = {}
            elif lo == hi:
                continue
            else:
                keys = ordered if hi - lo == total else ordered[lo:hi]
                writers = changed
            everything = _keys_reply(keys)
            for cid in ids:
                c = clients.get(cid)
                if c is None or c.tracking is None:
                    continue
                if c.tracking.noloop:
                    mine = [k for k in keys if writers[k] is not c]
                    if mine:
                        send(c, _keys_reply(mine))
                else:
                    send(c, everything)
        changed.clear()
        self.settled = False

    def limit(self, c):
        """trackingLimitUsedSlots, before ``c``'s command while the table is past
        tracking-table-max-keys: forget keys (invalidating them) until it is not,
        100 more each time it is still over."""
        server = self.server
        table = self.table
        if not self.clients or len(table) <= self.max_keys:
            self.timeouts = 0
            server.tracking_over = False
            return
        effort = 100 * (self.timeouts + 1)
        while effort > 0 and table:
            effort -= 1
            key = next(iter(table))
            # Not broadcast: Redis invalidates these with bcast off.
            self._invalidate_readers(key, table.pop(key), c, executing=False)
            self.forgotten += 1
            if len(table) <= self.max_keys:
                self.timeouts = 0
                server.tracking_over = False
                break
        else:
            self.timeouts += 1
        if self.forgotten > len(table):
            # The oldest keys go first; a dict skips the holes they leave
            # from its front on every next(iter()), so it is compacted once
            # as many keys went as remain (O(1) per key forgotten).
            keep = list(table.items())
            table.clear()
            table.update(keep)
            self.forgotten = 0

    def set_max_keys(self, value):
        self.max_keys = value or sys.maxsize
        self.check_limit()

    def check_limit(self):
        """The table may be past the limit (set lower, or a client tracks again)."""
        if self.clients and len(self.table) > self.max_keys:
            self.server.tracking_over = True

    # ---- modes --------------------------------------------------------------
    def enable(self, c, redirect, bcast, optin, optout, noloop, prefixes):
        state = c.tracking
        if state is None:
            state = c.tracking = State()
            self.clients += 1
        state.broken_redirect = False
        state.redirect = redirect
        state.bcast = bcast
        state.optin = optin
        state.optout = optout
        state.noloop = noloop
        state.selective = bcast or optin or optout
        # BCAST clients remember nothing; OPTIN/OPTOUT decide per read.
        c.track_read = (None if bcast else partial(self.remember, c) if state.selective
                        else Reader(self, c).read)
        self.check_limit()
        if bcast:
            self._settle()
            for prefix in prefixes or [b""]:
                entry = self.prefixes.get(prefix)
                if entry is None:
                    entry = self.prefixes[prefix] = [set(), {}]
                entry[0].add(c.id)
                if prefix not in state.prefixes:
                    state.prefixes.append(prefix)
            self._prefixes_changed()

    def disable(self, c):
        state = c.tracking
        if state is None:
            return
        self._settle()
        for prefix in state.prefixes:
            entry = self.prefixes.get(prefix)
            if entry is not None:
                entry[0].discard(c.id)
                if not entry[0]:
                    del self.prefixes[prefix]
        self._prefixes_changed()
        c.tracking = None
        c.track_read = None
        self.clients -= 1
        if c.tracking_after:
            # Its own invalidations, due after the command, go with its tracking.
            c.tracking_after = False
            self.pending = []

    def _settle(self):
        """Before the prefixes change: the keys changed so far go to the prefixes they were
        changed under, so that a prefix gets only the keys changed while it was registered."""
        changed = self.changed
        if not changed:
            return
        for key, writer in changed.items():
            for prefix, end, entry in self.ordered:
                if prefix <= key and (end is None or key < end):
                    entry[1][key] = writer
                    self.settled = True
        changed.clear()

    def _prefixes_changed(self):
        prefixes = self.prefixes
        self.ordered = [(prefix, prefix_end(prefix), prefixes[prefix]) for prefix in sorted(prefixes)]
        if not prefixes:
            self.changed = None
            self.settled = False
        elif self.changed is None:
            self.changed = {}


_keys_reply = reply.bulks


def _remembers(state):
    return not state.bcast and (state.caching if state.optin else not (state.optout and state.caching))


def send(c, value):
    """sendTrackingMessage: to the client or its redirection, as push or pub/sub message."""
    server = c.server
    state = c.tracking
    target = c
    redirected = False
    if state is not None and state.redirect:
        target = server.clients.get(state.redirect)
        if target is None:
            state.broken_redirect = True
            if c.resp == 3:
                c.reply(b">2\r\n$21\r\ntracking-redir-broken\r\n" + reply.integer(state.redirect))
            return
        redirected = True
    if target.resp == 3:
        out = _INVALIDATE + value
    elif redirected and target.subscriptions:
        out = _MESSAGE + value
    else:
        return
    # Pushes ignore CLIENT REPLY OFF, as Redis's.
    off = target.reply_off
    target.reply_off = False
    target.reply(out)
    target.reply_off = off
