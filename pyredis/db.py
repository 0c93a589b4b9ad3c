"""The keyspace: one ``Database`` per logical db, holding values and expiry times.

Every read goes through ``lookup`` so an expired key is never visible; it also
records the access for OBJECT IDLETIME/FREQ, which ``peek`` (Redis's
LOOKUP_NOTOUCH, for TYPE, EXISTS, TTL ...) does not.  Every
write ends in ``signal``, the single hook behind WATCH, keyspace notifications
and the dirty counter.  Value types are plain containers: ``bytes`` or
``bytearray`` for strings, and the classes registered in ``TYPE_NAMES``.
"""
import random

from . import clock
from ._speedups import AccessClock, AccessTable, KeyTable
from .config import on_change
from .errors import E_WRONGTYPE
from .pubsub import NOTIFY_KEY_MISS, NOTIFY_NEW

TYPE_NAMES = {bytes: b"string", bytearray: b"string", dict: b"hash", set: b"set"}

# Types a blocked client can wait for; key creation with one of these wakes it.
BLOCKING_TYPES = set()
# Types whose deletion wakes the clients waiting on the key (a blocked
# XREADGROUP is told its stream is gone: Redis's signalDeletedKeyAsReady).
SIGNAL_ON_DELETE = set()


def now_ms():
    return int(clock.time() * 1000)


def _lfu(config):
    return "lfu" in config["maxmemory-policy"]


def _shares_integers(config):
    """Redis shares the objects of 0..9999 unless LRU/LFU eviction needs each key's own field."""
    return not (config["maxmemory"] and ("lru" in config["maxmemory-policy"]
                                         or "lfu" in config["maxmemory-policy"]))


def new_access_clock(config):
    return AccessClock(now_ms(), lfu=_lfu(config), log_factor=config["lfu-log-factor"],
                       decay_time=config["lfu-decay-time"],
                       share_integers=_shares_integers(config))


@on_change("maxmemory-policy")
@on_change("maxmemory")
def _eviction_changed(server, value):
    clock = server.access_clock
    clock.lfu = _lfu(server.config)
    clock.share_integers = _shares_integers(server.config)


@on_change("lfu-log-factor")
def _log_factor_changed(server, value):
    server.access_clock.log_factor = value


@on_change("lfu-decay-time")
def _decay_time_changed(server, value):
    server.access_clock.decay_time = value


class Database:
    __slots__ = ("id", "server", "data", "expires", "access", "_ttl_keys", "watched",
                 "version", "scan_snapshot", "avg_ttl", "mem_sizes", "sample_keys", "slots")

    def __init__(self, index, server):
        self.id = index
        self.server = server
        self.data = KeyTable()
        self.expires = {}
        self.access = AccessTable(server.access_clock, self.data)
        # Keys that had a TTL set, for O(1) random sampling by the active expiry
        # cycle; entries may be stale and are dropped when sampled.
        self._ttl_keys = []
        self.watched = {}
        self.version = 0
        self.scan_snapshot = None
        self.avg_ttl = 0
        # While maxmemory is set: each key's memory estimate, and key names
        # to sample eviction candidates from (see eviction.Memory).
        self.mem_sizes = None
        self.sample_keys = None
        # In cluster mode, db 0's keys by hash slot (cluster.SlotIndex).
        self.slots = None

    # ---- reads ----------------------------------------------------------
    def lookup(self, key):
        """The live value of ``key`` or None (expiring it lazily); an access."""
        value = self.access.read(key, self.expires, None, False)
        if value is False:
            # A TTL: the key may have to expire first.
            if self._expired(key):
                return None
            value = self.data[key]
            self.access.touch(key, value)
        return value

    def peek(self, key):
        """``lookup`` that leaves the key's access time and LFU counter alone."""
        value = self.data.get(key)
        if value is not None and self.expires and self._expired(key):
            return None
        return value

    def _expired(self, key):
        """Expire ``key`` now if its time has come (expireIfNeeded); True if it did."""
        when = self.expires.get(key)
        if when is not None and when <= now_ms():
            link = self.server.master_link
            if link is not None:
                # A replica never deletes a key itself: its master's DEL will come.
                return link.hides_expired()
            self.expire_key(key)
            return True
        return False

    def lookup_read(self, key, touch=True):
        """``lookup`` that counts keyspace hits and misses, as Redis's lookupKeyRead.

        A miss also publishes "keymiss" (notify-keyspace-events class m).
        """
        if touch:
            # A missing key or one without a TTL, the common cases, in one compiled step.
            value = self.access.read(key, self.expires, None, True)
            if value is not False:
                if value is None and self.server.notify_flags & NOTIFY_KEY_MISS:
                    self.server.notify("m", "keymiss", key, self.id)
                return value
        # The long way: a key with a TTL, or a read that leaves the field alone.
        value = self.data.get(key)
        if value is not None:
            if self.expires and self._expired(key):
                value = None
            elif touch:
                self.access.touch(key, value)
        if value is None:
            self.access.clock.misses += 1
            server = self.server
            if server.notify_flags & NOTIFY_KEY_MISS:
                server.notify("m", "keymiss", key, self.id)
        else:
            self.access.clock.hits += 1
        return value

    def get_typed(self, key, cls, read=True):
        """Value of ``key`` if it is a ``cls``; None if missing; WRONGTYPE otherwise."""
        # A missing key or a ``cls`` without a TTL, the common cases, in one
        # compiled step; anything else the long way, which the step left untouched.
        value = self.access.read(key, self.expires, cls, read)
        if value is False:
            value = self.lookup_read(key) if read else self.lookup(key)
            if value is not None and value.__class__ is not cls:
                raise E_WRONGTYPE
        elif value is None and read and self.server.notify_flags & NOTIFY_KEY_MISS:
            self.server.notify("m", "keymiss", key, self.id)
        return value

    def get_string(self, key):
        """lookup_read of a string: its value, None if missing, WRONGTYPE otherwise."""
        value = self.access.read(key, self.expires, bytes, True)
        if value is False:
            value = self.lookup_read(key)
            if value is not None and value.__class__ is not bytes and value.__class__ is not bytearray:
                raise E_WRONGTYPE
        elif value is None and self.server.notify_flags & NOTIFY_KEY_MISS:
            self.server.notify("m", "keymiss", key, self.id)
        return value

    def type_name(self, value):
        return TYPE_NAMES[value.__class__]

    # ---- writes ---------------------------------------------------------
    def set(self, key, value, keep_ttl=False):
        """Store ``value`` at ``key``: new or overwritten, TTL dropped unless kept.

        The caller has looked the key up first, as Redis's setKey does.
        """
        data = self.data
        if key not in data:
            self.add(key, value)
            return
        data[key] = value
        self.access.overwritten(key)
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)

    def store(self, key, value):
        """Redis setKey: look ``key`` up (lazily expiring it, an access), then ``set``."""
        # lookup and set written out: SET and MSET run this for every key.
        # The touch leaves the field an overwrite would (AccessTable.overwrite_pairs).
        data = self.data
        old = data.get(key)
        if old is None or (self.expires and self._expired(key)):
            self.add(key, value)
            return
        self.access.touch(key, old)
        data[key] = value
        if self.expires:
            self.expires.pop(key, None)

    def store_pairs(self, argv, shared):
        """``store`` then ``signal`` each key of the key, value pairs from argv[1] on (MSET).

        A short value found in ``shared`` is stored as that mapping's object.
        """
        server = self.server
        if server.notify_flags:
            # Each key's events in Redis's order: "new" (a created key), then "set".
            for i in range(1, len(argv), 2):
                value = argv[i + 1]
                self.store(argv[i], shared.get(value, value) if len(value) < 5 else value)
                self.signal(argv[i])
            return
        # The pairs are stored in one compiled pass, but for keys with a TTL
        # (which may have to expire first) and in cluster mode (the slot
        # index); watchers, tracking and memory accounting hear of each key
        # after it, which none of them can tell from hearing between stores.
        data = self.data
        size = len(data)
        n = len(argv)
        if self.slots is None:
            i = self.access.store_pairs(argv, 1, shared, self.expires)
            while i < n:
                value = argv[i + 1]
                self.store(argv[i], shared.get(value, value) if len(value) < 5 else value)
                i = self.access.store_pairs(argv, i + 2, shared, self.expires)
        else:
            for i in range(1, n, 2):
                value = argv[i + 1]
                self.store(argv[i], shared.get(value, value) if len(value) < 5 else value)
        if len(data) != size:
            self.version += 1
        if self.watched or self.mem_sizes is not None:
            # A while loop: a range object costs more than SET's one key.
            i = 1
            while i < n:
                self.signal(argv[i])
                i += 2
        else:
            # signal() for each key, with nothing to tell but client tracking.
            server.dirty += n >> 1
            if server.tracking.clients:
                if n == 3:
                    server.tracking.invalidate(argv[1], server.current_client)
                else:
                    i = 1
                    while i < n:
                        server.tracking.invalidate(argv[i], server.current_client)
                        i += 2

    def add(self, key, value):
        """Create ``key``, which must not exist."""
        self.data[key] = value
        self.access.created(key)
        self.version += 1
        if self.slots is not None:
            self.slots.add(key)
        if value.__class__ in BLOCKING_TYPES:
            self.server.blocking.key_created(self, key)
        if self.server.notify_flags & NOTIFY_NEW:
            self.server.notify("n", "new", key, self.id)

    def delete(self, key):
        """Remove ``key`` if it exists (expired or not); True if it held a value."""
        value = self.data.pop(key, None)
        if value is None:
            return False
        self.version += 1
        if self.expires:
            self.expires.pop(key, None)
        if self.slots is not None:
            self.slots.remove(key)
        if value.__class__ in SIGNAL_ON_DELETE:
            self.server.blocking.key_created(self, key)
        return True

    def remove_if_empty(self, key, value):
        """Containers never stay empty: drop the key when its last element went."""
        if not value:
            self.delete(key)
            # The write that emptied it counted the change, not the deletion.
            self.signal(key, ("g", "del"), 0)
            return True
        return False

    def listened(self):
        """Whether signal() has more to do than count a change: watchers here,
        keyspace events, client tracking or memory accounting."""
        server = self.server
        return bool(self.watched or server.notify_flags or server.tracking.clients
                    or self.mem_sizes is not None)

    def signal(self, key, event=None, changes=1):
        """A write to ``key`` happened: count ``changes`` in dirty, touch
        watchers, notify.

        ``event`` is a (class, name) pair; by default the running command's
        declared event.  ``changes`` is what Redis adds to server.dirty: one
        per element a multi-element write added, set or removed.
        """
        server = self.server
        server.dirty += changes
        if self.watched:
            clients = self.watched.get(key)
            if clients:
                self.touch_watched(key, clients)
        if server.notify_flags:
            if event is None:
                event = server.current_event
            if event is not None:
                server.notify(event[0], event[1], key, self.id)
        if server.tracking.clients:
            server.tracking.invalidate(key, server.current_client)
        if self.mem_sizes is not None:
            server.memory.account(self, key)

    def notify(self, event, key):
        """A keyspace event that is not a write of the running command."""
        if self.server.notify_flags:
            self.server.notify(event[0], event[1], key, self.id)

    # ---- WATCH ----------------------------------------------------------
    # ``watched`` maps key -> clients watching it here; each client's
    # ``watching`` maps (db, key) -> "the key had already expired at WATCH".
    # A key already expired at WATCH whose expiry then deletes it did not
    # logically change, so that deletion leaves the watcher clean
    # (Redis's touchWatchedKey / touchAllWatchedKeysInDb).
    def key_is_expired(self, key):
        when = self.expires.get(key) if self.expires else None
        return when is not None and when <= now_ms()

    def touch_watched(self, key, clients):
        token = (self, key)
        for c in clients:
            if c.watching.get(token) and key not in self.data:
                c.watching[token] = False
                continue
            c.dirty_cas = True

    def touch_all_watched(self, replaced_with=None):
        """This db is being emptied (FLUSHDB/FLUSHALL) or swapped with ``replaced_with`` (SWAPDB)."""
        data = self.data
        other = replaced_with.data if replaced_with is not None else ()
        for key, clients in self.watched.items():
            exists = key in data
            in_other = key in other
            if not exists and not in_other:
                continue
            token = (self, key)
            for c in clients:
                if c.watching.get(token):
                    if not in_other:
                        c.watching[token] = False
                        continue
                    if replaced_with.key_is_expired(key):
                        continue
                elif not exists and replaced_with.key_is_expired(key):
                    c.watching[token] = True
                    continue
                c.dirty_cas = True

    def flush(self):
        if self.watched:
            self.touch_all_watched()
        if self.mem_sizes is not None:
            self.server.memory.flushed(self)
        self.signal_deleted_waits()
        removed = len(self.data)
        self.data = KeyTable()
        self.expires = {}
        self.access = AccessTable(self.server.access_clock, self.data)
        self._ttl_keys = []
        self.version += 1
        self.scan_snapshot = None
        if self.slots is not None:
            self.slots.clear()
        return removed

    def signal_deleted_waits(self, replaced_with=None):
        """Wake clients waiting on keys whose value goes with this db's contents and
        is not replaced by one of its type (scanDatabaseForDeletedStreams)."""
        blocking = self.server.blocking
        if not SIGNAL_ON_DELETE or not blocking.waiting:
            return
        for dbid, key in list(blocking.waiting):
            if dbid != self.id:
                continue
            cls = self.data.get(key).__class__
            if cls in SIGNAL_ON_DELETE:
                if replaced_with is not None and replaced_with.data.get(key).__class__ is cls:
                    continue
                blocking.key_created(self, key)

    # ---- expiry ---------------------------------------------------------
    def set_expire(self, key, when_ms):
        if key not in self.expires:
            self._ttl_keys.append(key)
        self.expires[key] = when_ms
        if self.server.master_link is not None:
            self.server.master_link.expire_set(self, key)

    def get_expire(self, key):
        """Absolute expiry in ms, or -1 when ``key`` has no TTL."""
        return self.expires.get(key, -1) if self.expires else -1

    def persist(self, key):
        return self.expires.pop(key, None) is not None

    def expire_key(self, key):
        """Delete an expired key and tell everyone who listens (deleteExpiredKeyAndPropagate).

        Not counted in ``dirty``: Redis counts no change for an expiry, and
        the command that met the key must not propagate for it.
        """
        self.delete(key)
        server = self.server
        server.stats.expired_keys += 1
        self.signal(key, ("x", "expired"))
        server.dirty -= 1
        if server.propagating:
            server.propagation.expired(self.id, [b"UNLINK" if server.config["lazyfree-lazy-expire"] else b"DEL",
                                             key])

    def active_expire(self, samples, now):
        """Sample up to ``samples`` keys with a TTL; return (sampled, expired)."""
        keys = self._ttl_keys
        expires = self.expires
        if len(keys) > 2 * len(expires) + 64:
            keys[:] = list(expires)
        sampled = expired = 0
        ttl_sum = ttl_samples = 0
        while keys and sampled < samples:
            i = random.randrange(len(keys))
            key = keys[i]
            when = expires.get(key)
            if when is None or when <= now:
                keys[i] = keys[-1]
                keys.pop()
                if when is None:
                    continue
                self.expire_key(key)
                expired += 1
            else:
                ttl_sum += when - now
                ttl_samples += 1
            sampled += 1
        if ttl_samples:
            # Redis's running average: 2% this sample, 98% the estimate so far.
            avg = ttl_sum // ttl_samples
            if not self.avg_ttl:
                self.avg_ttl = avg
            self.avg_ttl = (self.avg_ttl // 50) * 49 + avg // 50
        return sampled, expired

    # ---- whole keyspace -------------------------------------------------
    def random_key(self):
        """A random live key, or None; expired keys met on the way are reclaimed."""
        for _ in range(100):
            n = len(self.data)
            if n == 0:
                return None
            key = self.data.items_at((random.randrange(n),))[0][0]
            if self.peek(key) is not None:
                return key
        return None

    def keys(self):
        now = now_ms()
        expires = self.expires
        return [k for k in self.data if not (expires and expires.get(k, now + 1) <= now)]

    def snapshot_for_scan(self, cursor):
        from .scan import Snapshot
        snap = self.scan_snapshot
        if snap is None or (cursor == 0 and snap.version != self.version):
            snap = self.scan_snapshot = Snapshot(self.data, self.version)
        return snap
