# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A db's keys (and a hash's fields) and their values, compiled twin of ``keytable_py.py``
(which is Python's dict).

Keys are most of a keyspace's memory, as fields are of a big hash's.  A dict keeps each key as a bytes
object (33 bytes of header before the key's own, 64 bytes in all for a
16-byte key once the allocator rounds it) and spends a 24-byte entry on it.
Here a key's bytes live in its entry, after the value's pointer, 32 bits of
its hash and its length (16 bytes and the key: 32 for a 16-byte key), as
Redis keeps an sds key in its dictEntry; the table itself is a dict's:
an index of 32-bit slots into an array of entry pointers in insertion
order, with a hole where a key was deleted until the entries run out and
the array is compacted.  So every order the twins hand out (iteration,
what SCAN, KEYS, RANDOMKEY and SAVE see) is insertion order, as a dict's.
Keys are bytes; a key read back is a new bytes object with the same bytes.
A key of 64 KB or more is not copied: its entry keeps the key's own bytes
object, whose header is nothing beside it (and the 32-bit length in the
entry need not hold it).
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_Check, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject, PyObject_Hash
from libc.stdint cimport int32_t, uint32_t
from libc.string cimport memcmp, memcpy, memset


cdef extern from "Python.h":
    void incref "Py_INCREF"(PyObject *)
    void decref "Py_DECREF"(PyObject *)


cdef enum:
    EMPTY = -1
    DUMMY = -2
    MIN_SIZE = 8

cdef object _MISSING = object()


cdef inline void _free_entry(kt_entry *e) noexcept:
    if kt_held(e):
        decref(kt_object(e))
    PyMem_Free(e)


cdef inline Py_ssize_t _usable(Py_ssize_t isize) noexcept:
    # dict's USABLE_FRACTION: two thirds of the index, so one slot always stays empty.
    return (isize << 1) // 3


cdef class KeyTable:
    """A mapping of bytes keys to values with a dict's behaviour and order."""

    def __cinit__(self, *args, **kwargs):
        self.indices = NULL
        self.entries = NULL
        self._alloc(MIN_SIZE)
        self.used = 0

    def __init__(self, other=None):
        if other is not None:
            self.update(other)

    def __dealloc__(self):
        self._release(self.entries, self.nentries)
        PyMem_Free(self.indices)

    # ---- the table ---------------------------------------------------------
    cdef int _alloc(self, Py_ssize_t isize) except -1:
        cdef int32_t *indices = <int32_t *>PyMem_Malloc(isize * sizeof(int32_t))
        cdef kt_entry **entries = <kt_entry **>PyMem_Malloc(_usable(isize) * sizeof(kt_entry *))
        if indices == NULL or entries == NULL:
            PyMem_Free(indices)
            PyMem_Free(entries)
            raise MemoryError()
        # EMPTY is -1: every byte 0xFF.
        memset(indices, 0xFF, isize * sizeof(int32_t))
        self.indices = indices
        self.entries = entries
        self.isize = isize
        self.usable = _usable(isize)
        self.nentries = 0
        return 0

    cdef void _release(self, kt_entry **entries, Py_ssize_t n) noexcept:
        """Free ``n`` entries of a detached array (values last: their release may run code)."""
        cdef Py_ssize_t i
        cdef kt_entry *e
        cdef PyObject *value
        if entries == NULL:
            return
        for i in range(n):
            e = entries[i]
            if e != NULL:
                value = e.value
                _free_entry(e)
                decref(value)
        PyMem_Free(entries)

    cdef Py_ssize_t _slot(self, const char *data, Py_ssize_t size, uint32_t h,
                          Py_ssize_t *slot) noexcept:
        """The entry index of the key, or -1 and in ``slot`` the index slot it would take."""
        cdef size_t mask = <size_t>self.isize - 1
        cdef size_t i = h & mask
        cdef size_t perturb = h
        cdef Py_ssize_t free_slot = -1
        cdef int32_t ix
        cdef kt_entry *e
        while True:
            ix = self.indices[i]
            if ix == EMPTY:
                slot[0] = <Py_ssize_t>i if free_slot < 0 else free_slot
                return -1
            if ix == DUMMY:
                if free_slot < 0:
                    free_slot = <Py_ssize_t>i
            else:
                e = self.entries[ix]
                if e.hash == h and kt_size(e) == size and memcmp(kt_key(e), data, size) == 0:
                    slot[0] = <Py_ssize_t>i
                    return ix
            # dict's probe: every slot is reached once the hash's bits run out.
            perturb >>= 5
            i = (i * 5 + perturb + 1) & mask

    cdef int _resize(self, Py_ssize_t minsize) except -1:
        """dict's resize: an index of the first power of two >= ``minsize``, the entries compacted."""
        cdef Py_ssize_t isize = MIN_SIZE
        cdef int32_t *old_indices = self.indices
        cdef kt_entry **old = self.entries
        cdef Py_ssize_t n = self.nentries, i, j = 0
        cdef size_t mask, k, perturb
        cdef kt_entry *e
        while isize < minsize:
            isize <<= 1
        self._alloc(isize)
        mask = <size_t>isize - 1
        for i in range(n):
            e = old[i]
            if e == NULL:
                continue
            self.entries[j] = e
            k = e.hash & mask
            perturb = e.hash
            while self.indices[k] != EMPTY:
                perturb >>= 5
                k = (k * 5 + perturb + 1) & mask
            self.indices[k] = <int32_t>j
            j += 1
        self.nentries = j
        self.usable -= j
        PyMem_Free(old)
        PyMem_Free(old_indices)
        return 0

    cdef kt_entry *find(self, object key) except? NULL:
        cdef Py_ssize_t slot, ix
        cdef uint32_t h = <uint32_t>PyObject_Hash(key)
        if not PyBytes_Check(key):
            return NULL
        ix = self._slot(PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), h, &slot)
        return self.entries[ix] if ix >= 0 else NULL

    cdef int c_set(self, object key, object value) except -1:
        self.c_put(key, value)
        return 0

    cdef object c_put(self, object key, object value):
        """Store ``value`` at ``key``; the value it replaced, or None for a new key."""
        cdef Py_ssize_t slot, ix
        cdef uint32_t h
        cdef kt_entry *e
        cdef PyObject *old
        if not PyBytes_Check(key):
            raise TypeError("keys are bytes, not %s" % type(key).__name__)
        h = <uint32_t>PyObject_Hash(key)
        ix = self._slot(PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), h, &slot)
        if ix < 0:
            self._insert(key, h, slot, value)
            return None
        e = self.entries[ix]
        old = e.value
        incref(<PyObject *>value)
        e.value = <PyObject *>value
        result = <object>old
        decref(old)
        return result

    cdef bint c_add(self, object key, object value) except -1:
        """Store ``value`` at ``key`` if it holds nothing; whether it did."""
        cdef Py_ssize_t slot
        cdef uint32_t h
        if not PyBytes_Check(key):
            raise TypeError("keys are bytes, not %s" % type(key).__name__)
        h = <uint32_t>PyObject_Hash(key)
        if self._slot(PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), h, &slot) >= 0:
            return False
        self._insert(key, h, slot, value)
        return True

    cdef int _insert(self, bytes key, uint32_t h, Py_ssize_t slot, object value) except -1:
        """A new entry for ``key``, which is not in the table (``slot``: where its probe ended)."""
        cdef const char *data = PyBytes_AS_STRING(key)
        cdef Py_ssize_t size = PyBytes_GET_SIZE(key)
        cdef kt_entry *e
        cdef bint held = size >= KT_LONG
        if self.usable <= 0:
            self._resize(self.used * 3)
            self._slot(data, size, h, &slot)
        e = <kt_entry *>PyMem_Malloc(sizeof(kt_entry) + (sizeof(PyObject *) if held else size))
        if e == NULL:
            raise MemoryError()
        incref(<PyObject *>value)
        e.value = <PyObject *>value
        e.hash = h
        if held:
            e.size = KT_LONG
            incref(<PyObject *>key)
            (<PyObject **>e.key)[0] = <PyObject *>key
        else:
            e.size = <uint32_t>size
            memcpy(e.key, data, size)
        self.entries[self.nentries] = e
        self.indices[slot] = <int32_t>self.nentries
        self.nentries += 1
        self.used += 1
        self.usable -= 1
        return 0

    cdef object _take(self, object key, object default):
        """Remove ``key`` and return its value; ``default``, or KeyError when it is _MISSING."""
        cdef Py_ssize_t slot, ix
        cdef uint32_t h = <uint32_t>PyObject_Hash(key)
        cdef kt_entry *e
        cdef object value
        ix = -1
        if PyBytes_Check(key):
            ix = self._slot(PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), h, &slot)
        if ix < 0:
            if default is _MISSING:
                raise KeyError(key)
            return default
        e = self.entries[ix]
        self.indices[slot] = DUMMY
        self.entries[ix] = NULL
        self.used -= 1
        value = <object>e.value
        decref(e.value)
        _free_entry(e)
        return value

    # ---- the mapping -------------------------------------------------------
    def __len__(self):
        return self.used

    def __contains__(self, key):
        return self.find(key) != NULL

    def __getitem__(self, key):
        cdef kt_entry *e = self.find(key)
        if e == NULL:
            raise KeyError(key)
        return <object>e.value

    def __setitem__(self, key, value):
        self.c_set(key, value)

    def __delitem__(self, key):
        self._take(key, _MISSING)

    def get(self, key, default=None):
        cdef kt_entry *e = self.find(key)
        return <object>e.value if e != NULL else default

    def pop(self, key, default=_MISSING):
        return self._take(key, default)

    def setdefault(self, key, default=None):
        cdef kt_entry *e = self.find(key)
        if e != NULL:
            return <object>e.value
        self.c_set(key, default)
        return default

    def popitem(self):
        """The last key and its value, removed (dict's LIFO order)."""
        cdef Py_ssize_t i = self.nentries - 1
        if not self.used:
            raise KeyError("popitem(): dictionary is empty")
        while self.entries[i] == NULL:
            i -= 1
        key = kt_key_object(self.entries[i])
        value = self._take(key, _MISSING)
        # As dict: the tail is reused, but not counted usable again (its
        # index slot stays taken by the deleted marker).
        self.nentries = i
        return key, value

    def clear(self):
        cdef kt_entry **entries = self.entries
        cdef int32_t *indices = self.indices
        cdef Py_ssize_t n = self.nentries
        self._alloc(MIN_SIZE)
        self.used = 0
        PyMem_Free(indices)
        self._release(entries, n)

    def update(self, other=(), **kwargs):
        if kwargs:
            raise TypeError("keys are bytes, not str")
        if hasattr(other, "keys"):
            for key in other.keys():
                self.c_set(key, other[key])
        else:
            for key, value in other:
                self.c_set(key, value)

    def copy(self):
        return KeyTable(self.items())

    def items_at(self, positions):
        """The (key, value) pairs at ``positions`` (ascending) of the iteration order, in one walk."""
        cdef Py_ssize_t i = -1, at = -1, want
        cdef kt_entry *e = NULL
        out = []
        for position in positions:
            want = position
            if want < at or want >= self.used or want < 0:
                raise IndexError("positions must ascend within the table")
            while at < want:
                i += 1
                e = self.entries[i]
                if e != NULL:
                    at += 1
            out.append((kt_key_object(e), <object>e.value))
        return out

    def __iter__(self):
        return _Iterator(self, 0)

    def keys(self):
        return _Iterator(self, 0)

    def values(self):
        return _Iterator(self, 1)

    def items(self):
        return _Iterator(self, 2)

    def __eq__(self, other):
        if not isinstance(other, (dict, KeyTable)):
            return NotImplemented
        if len(other) != self.used:
            return False
        for key, value in self.items():
            if other.get(key, _MISSING) != value:
                return False
        return True

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __repr__(self):
        return "KeyTable(%d keys)" % self.used


cdef class _Iterator:
    """Keys, values or (key, value) pairs in insertion order; dict's error if the size changes."""
    cdef KeyTable table
    cdef Py_ssize_t pos
    cdef Py_ssize_t used
    cdef int kind

    def __cinit__(self, KeyTable table, int kind):
        self.table = table
        self.pos = 0
        self.used = table.used
        self.kind = kind

    def __iter__(self):
        return self

    def __length_hint__(self):
        return self.table.used if self.table is not None and self.used == self.table.used else 0

    def __next__(self):
        cdef KeyTable table = self.table
        cdef kt_entry *e
        if table is None:
            raise StopIteration
        if table.used != self.used:
            # As dict's iterator: the error repeats on every later call.
            self.used = -1
            raise RuntimeError("dictionary changed size during iteration")
        while self.pos < table.nentries:
            e = table.entries[self.pos]
            self.pos += 1
            if e != NULL:
                if self.kind == 0:
                    return kt_key_object(e)
                if self.kind == 1:
                    return <object>e.value
                return kt_key_object(e), <object>e.value
        self.table = None
        raise StopIteration


__all__ = ["KeyTable"]
