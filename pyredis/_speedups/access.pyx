# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Per-key access metadata, compiled twin of ``access_py.py``.

The slot format, probing, rebuild, LFU arithmetic and keyspace steps are the
pure twin's; see that module for what is kept and why.  Here the slots are a
C array, a touch is one hash read (cached in the key) and a short probe, the
keyspace steps work on the keyspace table's entries in place, and a rebuild
hashes the keys from their entries without making key objects.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject_Hash
from libc.limits cimport LLONG_MAX, LLONG_MIN
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memset
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from .int64 cimport ll2string, string2ll
from .keytable cimport KeyTable, kt_entry, kt_key, kt_size

LRU_CLOCK_MAX = (1 << 24) - 1
LFU_INIT_VAL = 5
SHARED_INTEGERS = 10000
MIN_CAPACITY = 8

cdef enum:
    C_LRU_CLOCK_MAX = 16777215
    C_RESOLUTION = 1000
    C_LFU_INIT_VAL = 5
    C_SHARED_INTEGERS = 10000
    C_MIN_CAPACITY = 8
    # Keys between a rebuild's fetch of a key's slots and its probe of them.
    C_AHEAD = 8

cdef extern from *:
    void prefetch "__builtin_prefetch"(const void *addr) noexcept nogil

cdef extern from "Python.h":
    # What hash() of a bytes object computes, from its bytes.
    Py_ssize_t _Py_HashBytes(const void *data, Py_ssize_t size)

cdef uint64_t USED = (<uint64_t>1) << 63
cdef uint64_t FP_MASK = ((<uint64_t>1) << 39) - 1
cdef uint64_t FIELD_MASK = ((<uint64_t>1) << 24) - 1
cdef uint64_t SEED = 0x9E3779B97F4A7C15ULL


cdef class AccessClock:
    """The server-wide clocks and policy every field is read and written with."""

    cdef public uint32_t lru
    cdef public uint32_t minutes
    cdef bint _lfu
    cdef public long long log_factor
    cdef public long long decay_time
    cdef public unsigned long long hits
    cdef public unsigned long long misses
    cdef bint _share
    cdef uint64_t _rng
    cdef uint32_t _shared[C_SHARED_INTEGERS]

    def __init__(self, now_ms, lfu=False, log_factor=10, decay_time=1, share_integers=True):
        cdef Py_ssize_t i
        cdef uint32_t fresh
        self._lfu = bool(lfu)
        self.log_factor = log_factor
        self.decay_time = decay_time
        self._share = bool(share_integers)
        self._rng = SEED
        self.hits = 0
        self.misses = 0
        self.tick(now_ms)
        fresh = self._fresh()
        for i in range(C_SHARED_INTEGERS):
            self._shared[i] = fresh

    @property
    def lfu(self):
        return self._lfu

    @lfu.setter
    def lfu(self, value):
        self._lfu = bool(value)

    @property
    def share_integers(self):
        return self._share

    @share_integers.setter
    def share_integers(self, value):
        self._share = bool(value)

    @property
    def shared(self):
        return _SharedView(self)

    def tick(self, now_ms):
        self.lru = (now_ms // C_RESOLUTION) & C_LRU_CLOCK_MAX
        self.minutes = (now_ms // 60000) & 65535

    def fresh(self):
        return self._fresh()

    def accessed(self, field):
        return self._accessed(field)

    def frequency(self, field):
        return self._frequency(field)

    def idle_ms(self, field):
        cdef uint64_t lru = self.lru
        cdef uint64_t f = field
        if lru >= f:
            return (lru - f) * C_RESOLUTION
        return (lru + (C_LRU_CLOCK_MAX - f)) * C_RESOLUTION

    def shared_index(self, value):
        return self._shared_index(value)

    cdef inline uint32_t _fresh(self) noexcept:
        if self._lfu:
            return (self.minutes << 8) | C_LFU_INIT_VAL
        return self.lru

    cdef uint32_t _accessed(self, uint32_t field) noexcept:
        cdef uint32_t counter
        cdef double baseval
        if not self._lfu:
            return self.lru
        counter = self._frequency(field)
        if counter != 255:
            baseval = <double>counter - C_LFU_INIT_VAL
            if baseval < 0:
                baseval = 0
            if self._random() < 1.0 / (baseval * <double>self.log_factor + 1):
                counter += 1
        return (self.minutes << 8) | counter

    cdef uint32_t _frequency(self, uint32_t field) noexcept:
        cdef uint32_t counter = field & 255
        cdef uint32_t ldt, now
        cdef unsigned long long elapsed, periods
        if self.decay_time == 0:
            return counter
        ldt = field >> 8
        now = self.minutes
        elapsed = now - ldt if now >= ldt else 65535 - ldt + now
        periods = elapsed // <unsigned long long>self.decay_time
        if periods:
            counter = 0 if periods > counter else counter - <uint32_t>periods
        return counter

    cdef inline int _shared_index(self, object value):
        cdef Py_ssize_t n, k
        cdef const unsigned char* s
        cdef int v = 0
        if not self._share or type(value) is not bytes:
            return -1
        n = PyBytes_GET_SIZE(value)
        if n == 0 or n > 4:
            return -1
        s = <const unsigned char*>PyBytes_AS_STRING(value)
        if n > 1 and s[0] == 48:
            return -1
        for k in range(n):
            if s[k] < 48 or s[k] > 57:
                return -1
            v = v * 10 + (s[k] - 48)
        return v

    cdef inline double _random(self) noexcept:
        cdef uint64_t x = self._rng
        x ^= x >> 12
        x ^= x << 25
        x ^= x >> 27
        self._rng = x
        return <double>((x * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0)


cdef class _SharedView:
    """``clock.shared[n]``, as the pure twin's array reads and writes it."""

    cdef AccessClock clock

    def __init__(self, AccessClock clock):
        self.clock = clock

    def __len__(self):
        return C_SHARED_INTEGERS

    def __getitem__(self, Py_ssize_t n):
        if not 0 <= n < C_SHARED_INTEGERS:
            raise IndexError("array index out of range")
        return self.clock._shared[n]

    def __setitem__(self, Py_ssize_t n, uint32_t field):
        if not 0 <= n < C_SHARED_INTEGERS:
            raise IndexError("array assignment index out of range")
        self.clock._shared[n] = field


cdef inline uint64_t _hash(object key) except? 0:
    return <uint64_t>PyObject_Hash(key)


cdef inline Py_ssize_t _home(uint64_t h, Py_ssize_t cap) noexcept:
    return <Py_ssize_t>(((h >> 32) * <uint64_t>cap) >> 32)


cdef class AccessTable:
    """One db's fields, keyed by the hash of the key; ``data`` is the db's KeyTable."""

    cdef public AccessClock clock
    cdef public KeyTable data
    cdef uint64_t* _slots
    cdef Py_ssize_t _capacity
    cdef Py_ssize_t _used

    def __cinit__(self):
        self._slots = NULL

    def __init__(self, AccessClock clock, KeyTable data):
        self.clock = clock
        self.data = data
        self._slots = self._alloc(C_MIN_CAPACITY)
        self._capacity = C_MIN_CAPACITY
        self._used = 0

    def __dealloc__(self):
        PyMem_Free(self._slots)

    # ---- what the db calls ------------------------------------------------
    def touch(self, key, value):
        self._touch(key, value)

    cdef int _touch(self, object key, object value) except -1:
        cdef AccessClock clock = self.clock
        cdef uint64_t h = _hash(key)
        cdef Py_ssize_t i = self._find(h)
        cdef uint64_t old
        cdef int n
        if clock._lfu:
            old = self._slots[i]
            self._store(h, i, clock._accessed(<uint32_t>(old & FIELD_MASK) if old
                                              else clock._fresh()))
        else:
            self._store(h, i, clock.lru)
        n = clock._shared_index(value)
        if n >= 0:
            clock._shared[n] = clock._accessed(clock._shared[n])
        return 0

    def created(self, key):
        cdef uint64_t h = _hash(key)
        self._store(h, self._find(h), self.clock._fresh())

    def overwritten(self, key):
        cdef uint64_t h = _hash(key)
        cdef Py_ssize_t i = self._find(h)
        if self.clock._lfu and self._slots[i]:
            return
        self._store(h, i, self.clock._fresh())

    def store_pairs(self, argv, Py_ssize_t i, dict shared, dict expires):
        cdef KeyTable data = self.data
        cdef Py_ssize_t n = len(argv) - 1
        cdef object key, value, old
        cdef uint64_t h
        while i < n:
            key = argv[i]
            if expires and key in expires:
                return i
            value = argv[i + 1]
            # Only digits can be one of the shared integers: no hash for the rest.
            if (type(value) is bytes and 0 < PyBytes_GET_SIZE(value) < 5
                    and 48 <= (<const unsigned char*>PyBytes_AS_STRING(value))[0] <= 57):
                value = shared.get(value, value)
            old = data.c_put(key, value)
            if old is None:
                h = _hash(key)
                self._store(h, self._find(h), self.clock._fresh())
            else:
                self._touch(key, old)
            i += 2
        return i

    def read(self, key, dict expires, cls, bint count):
        cdef kt_entry *e = self.data.find(key)
        cdef object value
        if e == NULL:
            if count:
                self.clock.misses += 1
            return None
        if expires and key in expires:
            return False
        value = <object>e.value
        if cls is not None and type(value) is not cls:
            return False
        self._touch(key, value)
        if count:
            self.clock.hits += 1
        return value

    def incr_by(self, key, long long delta, tuple small, dict expires):
        cdef kt_entry *e
        cdef object old, new
        cdef long long current, result
        cdef char buf[24]
        cdef Py_ssize_t n
        if expires and key in expires:
            return None
        e = self.data.find(key)
        if e == NULL:
            return None
        old = <object>e.value
        if type(old) is not bytes or not string2ll(
                <const unsigned char*>PyBytes_AS_STRING(old), PyBytes_GET_SIZE(old), &current):
            return None
        if (delta > 0 and current > LLONG_MAX - delta) or (delta < 0 and current < LLONG_MIN - delta):
            return None
        result = current + delta
        if 0 <= result < PyTuple_GET_SIZE(small):
            new = <object>PyTuple_GET_ITEM(small, result)
        else:
            n = ll2string(buf + 24, result)
            new = PyBytes_FromStringAndSize(buf + 24 - n, n)
        self._touch(key, old)
        Py_INCREF(new)
        Py_DECREF(old)
        e.value = <PyObject*>new
        return result

    def get(self, key):
        cdef uint64_t slot = self._slots[self._find(_hash(key))]
        return <uint32_t>(slot & FIELD_MASK) if slot else None

    def put(self, key, field):
        cdef uint64_t h = _hash(key)
        self._store(h, self._find(h), <uint32_t>(<uint64_t>field & FIELD_MASK))

    # ---- layout, for the twin tests ----------------------------------------
    @property
    def capacity(self):
        return self._capacity

    def __len__(self):
        return self._used

    def slots(self):
        return [self._slots[i] for i in range(self._capacity)]

    # ---- the table -----------------------------------------------------------
    cdef uint64_t* _alloc(self, Py_ssize_t cap) except NULL:
        cdef uint64_t* slots = <uint64_t*>PyMem_Malloc(cap * sizeof(uint64_t))
        if slots == NULL:
            raise MemoryError()
        memset(slots, 0, cap * sizeof(uint64_t))
        return slots

    cdef inline Py_ssize_t _find(self, uint64_t h) noexcept:
        cdef uint64_t* slots = self._slots
        cdef Py_ssize_t cap = self._capacity
        cdef Py_ssize_t i = _home(h, cap)
        cdef uint64_t fp = h & FP_MASK
        cdef uint64_t slot
        while True:
            slot = slots[i]
            if slot == 0 or ((slot >> 24) & FP_MASK) == fp:
                return i
            i += 1
            if i == cap:
                i = 0

    cdef int _store(self, uint64_t h, Py_ssize_t i, uint32_t field) except -1:
        if self._slots[i] == 0:
            if (self._used + 1) * 5 > self._capacity * 4:
                self._rebuild()
                i = self._find(h)
            self._used += 1
        self._slots[i] = USED | ((h & FP_MASK) << 24) | field
        return 0

    cdef int _rebuild(self) except -1:
        cdef uint64_t* old = self._slots
        cdef Py_ssize_t old_cap = self._capacity
        cdef KeyTable data = self.data
        cdef kt_entry **entries = data.entries
        cdef Py_ssize_t count = data.nentries
        cdef Py_ssize_t cap = (data.used + 1) * 8 // 5
        cdef uint64_t* slots
        cdef Py_ssize_t used = 0, i, j, k, m
        cdef kt_entry *e
        cdef uint64_t h, fp, slot
        cdef uint64_t ahead[C_AHEAD]
        if cap < C_MIN_CAPACITY:
            cap = C_MIN_CAPACITY
        slots = self._alloc(cap)
        # The keys' hashes from their bytes in the table (no key object made),
        # in a pipeline: a key's entry is fetched C_AHEAD keys before it is
        # hashed, and its old and new slots C_AHEAD keys before they are
        # probed, so that a big table's cache misses overlap.
        for k in range(count + C_AHEAD):
            m = k - C_AHEAD
            if m >= 0 and entries[m] != NULL:
                h = ahead[m & (C_AHEAD - 1)]
                fp = h & FP_MASK
                i = _home(h, old_cap)
                while True:
                    slot = old[i]
                    if slot == 0:
                        break
                    if ((slot >> 24) & FP_MASK) == fp:
                        j = _home(h, cap)
                        while slots[j] != 0 and ((slots[j] >> 24) & FP_MASK) != fp:
                            j += 1
                            if j == cap:
                                j = 0
                        if slots[j] == 0:
                            slots[j] = slot
                            used += 1
                        break
                    i += 1
                    if i == old_cap:
                        i = 0
            if k < count:
                # Its ring place is free: key k - C_AHEAD was probed above.
                if k + C_AHEAD < count and entries[k + C_AHEAD] != NULL:
                    prefetch(entries[k + C_AHEAD])
                e = entries[k]
                if e != NULL:
                    h = <uint64_t>_Py_HashBytes(kt_key(e), kt_size(e))
                    ahead[k & (C_AHEAD - 1)] = h
                    prefetch(&old[_home(h, old_cap)])
                    prefetch(&slots[_home(h, cap)])
        self._slots = slots
        self._capacity = cap
        self._used = used
        PyMem_Free(old)
        return 0


__all__ = ["AccessClock", "AccessTable", "LFU_INIT_VAL", "LRU_CLOCK_MAX", "SHARED_INTEGERS"]
