"""Per-key access metadata, pure-Python twin of ``access.pyx``.

Redis keeps 24 bits in every object header (``robj->lru``): the LRU clock of
the last access, or under an LFU ``maxmemory-policy`` the minute of the last
decrement (16 bits) and a logarithmic access counter (8 bits).  OBJECT
IDLETIME and OBJECT FREQ read it.

Values here are plain ``bytes`` and containers with no room for a header, and
a dict from key to field would cost more than the key itself, so each db keeps
its fields in one open-addressing table of 64-bit slots:

    bit 63 set (occupied) | 39 bits of the key's hash | the 24-bit field

The home slot comes from the other 32 bits of the hash, so a key is told apart
by 71 bits of its hash.  Deleted keys are not removed one by one: the table is
rebuilt from the db's dict when it fills up, which drops them in the same pass
that grows it, amortized O(1) per new key like a dict resize.

Integers 0..9999 are shared objects in Redis (unless an LRU/LFU policy with a
``maxmemory`` limit forbids it), so a key holding one reports the shared
object's field, touched by every key that holds the same number.

The table also holds the db's commonest keyspace steps that need nothing
but the keys, their values and these fields, so that the compiled twin takes
each in one call: ``read`` (lookupKey of a key without a TTL, with the
keyspace hit and miss counters), ``store_pairs`` (MSET's and SET's setKey)
and ``incr_by`` (INCRBY on an integer).  Each leaves alone what it does not
take (a TTL, which may have to expire first; another type; an overflow) and
says so, and the db takes the long way.

Both twins implement the same steps; ``tests/twins`` checks that they return
the same fields and leave the same slot layout.  Redis draws the LFU counter's
coin with rand(); the twins share a seeded xorshift generator so that they
draw the same numbers.
"""
from array import array

from .resp_py import parse_int

LRU_CLOCK_MAX = (1 << 24) - 1
LRU_CLOCK_RESOLUTION = 1000
LFU_INIT_VAL = 5
SHARED_INTEGERS = 10000
MIN_CAPACITY = 8

_M64 = (1 << 64) - 1
_USED = 1 << 63
_FP_MASK = (1 << 39) - 1
_FIELD_MASK = (1 << 24) - 1
_INT64_MAX = (1 << 63) - 1
_SEED = 0x9E3779B97F4A7C15


class AccessClock:
    """The server-wide clocks and policy every field is read and written with.

    ``tick`` is called from the server cron, as Redis refreshes
    ``server.lruclock`` there: fields have one-second (LRU) or one-minute
    (LFU) resolution anyway.
    """

    __slots__ = ("lru", "minutes", "lfu", "log_factor", "decay_time", "share_integers", "hits", "misses",
                 "shared", "_rng")

    def __init__(self, now_ms, lfu=False, log_factor=10, decay_time=1, share_integers=True):
        self.lfu = bool(lfu)
        self.log_factor = log_factor
        self.decay_time = decay_time
        self.share_integers = bool(share_integers)
        self._rng = _SEED
        # Keyspace hits and misses (INFO stats): counted here, where most of them happen.
        self.hits = 0
        self.misses = 0
        self.tick(now_ms)
        self.shared = array("I", [self.fresh()]) * SHARED_INTEGERS

    def tick(self, now_ms):
        self.lru = (now_ms // LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX
        self.minutes = (now_ms // 60000) & 65535

    def fresh(self):
        """The field of a new object (createObject)."""
        if self.lfu:
            return (self.minutes << 8) | LFU_INIT_VAL
        return self.lru

    def accessed(self, field):
        """The field after a lookup (lookupKey: updateLFU, or the LRU clock)."""
        if not self.lfu:
            return self.lru
        counter = self.frequency(field)
        if counter != 255:
            baseval = counter - LFU_INIT_VAL
            if baseval < 0:
                baseval = 0
            if self._random() < 1.0 / (baseval * self.log_factor + 1):
                counter += 1
        return (self.minutes << 8) | counter

    def frequency(self, field):
        """LFUDecrAndReturn: the counter less one per decay period elapsed."""
        counter = field & 255
        if not self.decay_time:
            return counter
        ldt = field >> 8
        now = self.minutes
        elapsed = now - ldt if now >= ldt else 65535 - ldt + now
        periods = elapsed // self.decay_time
        if periods:
            counter = 0 if periods > counter else counter - periods
        return counter

    def idle_ms(self, field):
        """estimateObjectIdleTime, with the clock's wrap-around."""
        lru = self.lru
        if lru >= field:
            return (lru - field) * LRU_CLOCK_RESOLUTION
        return (lru + (LRU_CLOCK_MAX - field)) * LRU_CLOCK_RESOLUTION

    def shared_index(self, value):
        """The shared integer object ``value`` is in Redis, or -1."""
        if not self.share_integers or value.__class__ is not bytes:
            return -1
        n = len(value)
        if n == 0 or n > 4 or not value.isdigit() or (n > 1 and value[0] == 48):
            return -1
        return int(value)

    def _random(self):
        """xorshift64* as a double in [0, 1)."""
        x = self._rng
        x ^= x >> 12
        x ^= (x << 25) & _M64
        x ^= x >> 27
        self._rng = x
        return (((x * 0x2545F4914F6CDD1D) & _M64) >> 11) * (1.0 / 9007199254740992.0)


class AccessTable:
    """One db's fields, keyed by the hash of the key; ``data`` is the db's dict."""

    __slots__ = ("clock", "data", "_slots", "_capacity", "_used")

    def __init__(self, clock, data):
        self.clock = clock
        self.data = data
        self._capacity = MIN_CAPACITY
        self._slots = array("Q", bytes(8 * MIN_CAPACITY))
        self._used = 0

    # ---- what the db calls ------------------------------------------------
    def touch(self, key, value):
        """A lookup of ``key`` holding ``value`` (lookupKey without NOTOUCH)."""
        clock = self.clock
        h = hash(key) & _M64
        if clock.lfu:
            i = self._find(h)
            old = self._slots[i]
            field = (old & _FIELD_MASK) if old else clock.fresh()
            self._store(h, i, clock.accessed(field))
        else:
            self._store(h, self._find(h), clock.lru)
        n = clock.shared_index(value)
        if n >= 0:
            clock.shared[n] = clock.accessed(clock.shared[n])

    def created(self, key):
        """``key`` now holds a new object."""
        h = hash(key) & _M64
        self._store(h, self._find(h), self.clock.fresh())

    def overwritten(self, key):
        """dbOverwrite: under LFU the new value keeps the old counter."""
        h = hash(key) & _M64
        i = self._find(h)
        if self.clock.lfu and self._slots[i]:
            return
        self._store(h, i, self.clock.fresh())

    def store_pairs(self, argv, i, shared, expires):
        """Redis's setKey for the key, value pairs of ``argv`` from ``i`` on (MSET)
        while no key has a TTL: a new key is created, an existing one touched
        and overwritten; a value of at most four bytes starting with a digit
        found in ``shared`` (the shared integers) is stored as that mapping's
        object.

        Returns the index of the first key with a TTL (which may have to
        expire first), or the end of ``argv``.  The caller does what else a
        new key needs.  A touch already leaves the field an overwrite would
        (dbOverwrite keeps an LFU counter, and the LRU clock is the same).
        """
        data = self.data
        n = len(argv) - 1
        while i < n:
            key = argv[i]
            if expires and key in expires:
                return i
            value = argv[i + 1]
            if len(value) < 5 and value[:1].isdigit():
                value = shared.get(value, value)
            old = data.get(key)
            if old is None:
                data[key] = value
                self.created(key)
            else:
                self.touch(key, old)
                data[key] = value
            i += 2
        return i

    def read(self, key, expires, cls, count):
        """lookupKey (lookupKeyRead if ``count``) where it needs no more than the
        table: a key without a TTL holding a ``cls`` (any value if None) is
        touched, counted as a keyspace hit if ``count``, and returned; a
        missing key is None, counted as a miss if ``count``.  False, having
        done nothing, for a key with a TTL (it may have to expire) or of
        another class: the caller takes the long way.
        """
        value = self.data.get(key)
        if value is None:
            if count:
                self.clock.misses += 1
            return None
        if expires and key in expires:
            return False
        if cls is not None and value.__class__ is not cls:
            return False
        self.touch(key, value)
        if count:
            self.clock.hits += 1
        return value

    def incr_by(self, key, delta, small, expires):
        """INCRBY's change to a key that holds an integer and has no TTL: the
        key is touched and holds its value plus ``delta`` (a result found by
        index in ``small``, the shared integers, stored as that object).

        Returns the result, or None, having changed nothing, for every other
        case (no such key, a TTL, not a canonical int64, an overflow), which
        the caller takes the long way.
        """
        if expires and key in expires:
            return None
        old = self.data.get(key)
        if old is None or old.__class__ is not bytes:
            return None
        current = parse_int(old)
        if current is None:
            return None
        result = current + delta
        if result > _INT64_MAX or result < -_INT64_MAX - 1:
            return None
        self.touch(key, old)
        self.data[key] = small[result] if 0 <= result < len(small) else b"%d" % result
        return result

    def get(self, key):
        """The field of ``key``, or None when it has none."""
        slot = self._slots[self._find(hash(key) & _M64)]
        return slot & _FIELD_MASK if slot else None

    def put(self, key, field):
        """Give ``key`` this field (RENAME and MOVE carry the object's own)."""
        h = hash(key) & _M64
        self._store(h, self._find(h), field & _FIELD_MASK)

    # ---- layout, for the twin tests ----------------------------------------
    @property
    def capacity(self):
        return self._capacity

    def __len__(self):
        return self._used

    def slots(self):
        return list(self._slots)

    # ---- the table -----------------------------------------------------------
    def _find(self, h):
        """The slot holding hash ``h``, or the empty slot where it would go."""
        slots = self._slots
        cap = self._capacity
        i = ((h >> 32) * cap) >> 32
        fp = h & _FP_MASK
        while True:
            slot = slots[i]
            if not slot or (slot >> 24) & _FP_MASK == fp:
                return i
            i += 1
            if i == cap:
                i = 0

    def _store(self, h, i, field):
        if not self._slots[i]:
            if (self._used + 1) * 5 > self._capacity * 4:
                self._rebuild()
                i = self._find(h)
            self._used += 1
        self._slots[i] = _USED | ((h & _FP_MASK) << 24) | field

    def _rebuild(self):
        """Grow to fit the db's keys, keeping only the fields of keys it still holds."""
        old = self._slots
        old_cap = self._capacity
        cap = max(MIN_CAPACITY, (len(self.data) + 1) * 8 // 5)
        slots = array("Q", bytes(8 * cap))
        used = 0
        for key in self.data:
            h = hash(key) & _M64
            fp = h & _FP_MASK
            i = ((h >> 32) * old_cap) >> 32
            while True:
                slot = old[i]
                if not slot:
                    break
                if (slot >> 24) & _FP_MASK == fp:
                    j = ((h >> 32) * cap) >> 32
                    while slots[j] and (slots[j] >> 24) & _FP_MASK != fp:
                        j += 1
                        if j == cap:
                            j = 0
                    if not slots[j]:
                        slots[j] = slot
                        used += 1
                    break
                i += 1
                if i == old_cap:
                    i = 0
        self._slots = slots
        self._capacity = cap
        self._used = used


__all__ = ["AccessClock", "AccessTable", "LFU_INIT_VAL", "LRU_CLOCK_MAX", "SHARED_INTEGERS"]
