# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The sorted order of a sorted set, compiled twin of ``zskiplist_py.py``.

Redis's zskiplist (t_zset.c): nodes of (score, member) in ascending order,
each with 1..32 levels chosen at random (p = 1/4), every forward pointer
carrying its span, the number of level-0 steps it jumps.  Summing spans on the
way down gives a node's rank, so insertion, removal, rank and seeking a
position are all O(log n), and a range is a seek plus a walk along level 0.

A node holds its member as a borrowed-and-increfed ``bytes`` object and its
score as a C double; the skiplist holds no other Python object, so it needs no
garbage-collector support.  The invariant that keeps the spans right when a
node is appended or removed at the end: a pointer to NULL spans
``length - rank(node)``.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.ref cimport Py_DECREF, Py_INCREF, PyObject
from libc.stdint cimport uint64_t
from libc.string cimport memcmp

cdef enum:
    MAXLEVEL = 32

cdef struct zlevel:
    znode *forward
    Py_ssize_t span

cdef struct znode:
    double score
    PyObject *ele
    znode *backward
    zlevel level[1]


cdef inline int _member_cmp(PyObject *a, PyObject *b):
    """Bytes order, as memcmp then length (Redis's sdscmp)."""
    cdef Py_ssize_t la = PyBytes_GET_SIZE(<object>a), lb = PyBytes_GET_SIZE(<object>b)
    cdef int r
    if a == b:
        return 0
    r = memcmp(PyBytes_AS_STRING(<object>a), PyBytes_AS_STRING(<object>b), la if la < lb else lb)
    if r:
        return r
    return (la > lb) - (la < lb)


cdef inline bint _before(znode *x, double score, PyObject *ele):
    """Whether node ``x`` sorts before (score, ele)."""
    return x.score < score or (x.score == score and _member_cmp(x.ele, ele) < 0)


cdef inline bint _at_or_before(znode *x, double score, PyObject *ele):
    return x.score < score or (x.score == score and _member_cmp(x.ele, ele) <= 0)


cdef inline int _check_member(object member) except -1:
    if type(member) is not bytes:
        raise TypeError("sorted set members are bytes, not %s" % type(member).__name__)
    return 0


cdef class SkipList:
    cdef znode *header
    cdef znode *tail
    cdef Py_ssize_t length
    cdef int level
    cdef uint64_t rng
    # Bumped by every change, so an iterator notices a change under it.
    cdef readonly Py_ssize_t version

    def __cinit__(self):
        cdef int i
        self.header = <znode *>PyMem_Malloc(sizeof(znode) + (MAXLEVEL - 1) * sizeof(zlevel))
        if self.header is NULL:
            raise MemoryError()
        self.header.score = 0
        self.header.ele = NULL
        self.header.backward = NULL
        for i in range(MAXLEVEL):
            self.header.level[i].forward = NULL
            self.header.level[i].span = 0
        self.tail = NULL
        self.length = 0
        self.level = 1
        self.rng = 0x9E3779B97F4A7C15
        self.version = 0

    def __init__(self, pairs=()):
        """A skiplist holding the (score, member) ``pairs`` (members distinct);
        ascending input is appended in O(1) a pair."""
        for score, member in pairs:
            _check_member(member)
            if self.tail is NULL or _before(self.tail, score, <PyObject *>member):
                self._append(score, <PyObject *>member)
            else:
                self._insert(score, <PyObject *>member)

    def __dealloc__(self):
        self._free_nodes()
        PyMem_Free(self.header)

    cdef void _free_nodes(self):
        cdef znode *x = self.header.level[0].forward
        cdef znode *nxt
        while x is not NULL:
            nxt = x.level[0].forward
            Py_DECREF(<object>x.ele)
            PyMem_Free(x)
            x = nxt

    cdef int _random_level(self):
        """1 + how many 1-in-4 draws in a row come up (two bits of one xorshift64* number each)."""
        cdef int level = 1
        cdef uint64_t r
        self.rng ^= self.rng >> 12
        self.rng ^= self.rng << 25
        self.rng ^= self.rng >> 27
        r = self.rng * 0x2545F4914F6CDD1DULL
        while r & 3 == 0 and level < MAXLEVEL:
            level += 1
            r >>= 2
        return level

    cdef znode *_new_node(self, int level, double score, PyObject *ele) except NULL:
        cdef znode *x = <znode *>PyMem_Malloc(sizeof(znode) + (level - 1) * sizeof(zlevel))
        if x is NULL:
            raise MemoryError()
        x.score = score
        Py_INCREF(<object>ele)
        x.ele = ele
        return x

    cdef int _append(self, double score, PyObject *ele) except -1:
        """Add a node after the last one (the caller knows it sorts last)."""
        cdef znode *update[MAXLEVEL]
        cdef Py_ssize_t rank[MAXLEVEL]
        cdef znode *x = self.header
        cdef Py_ssize_t traversed = 0
        cdef int i, level
        for i in range(self.level - 1, -1, -1):
            while x.level[i].forward is not NULL:
                traversed += x.level[i].span
                x = x.level[i].forward
            update[i] = x
            rank[i] = traversed
        self._link(update, rank, score, ele)
        return 0

    cdef znode *_link(self, znode **update, Py_ssize_t *rank, double score, PyObject *ele) except NULL:
        """zslInsert's second half: a new node after update[i] on each of its levels."""
        cdef int i, level = self._random_level()
        cdef znode *x
        if level > self.level:
            for i in range(self.level, level):
                rank[i] = 0
                update[i] = self.header
                update[i].level[i].span = self.length
            self.level = level
        x = self._new_node(level, score, ele)
        for i in range(level):
            x.level[i].forward = update[i].level[i].forward
            update[i].level[i].forward = x
            x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
            update[i].level[i].span = (rank[0] - rank[i]) + 1
        for i in range(level, self.level):
            update[i].level[i].span += 1
        x.backward = NULL if update[0] == self.header else update[0]
        if x.level[0].forward is not NULL:
            x.level[0].forward.backward = x
        else:
            self.tail = x
        self.length += 1
        self.version += 1
        return x

    cdef int _insert(self, double score, PyObject *ele) except -1:
        cdef znode *update[MAXLEVEL]
        cdef Py_ssize_t rank[MAXLEVEL]
        cdef znode *x = self.header
        cdef int i
        for i in range(self.level - 1, -1, -1):
            rank[i] = 0 if i == self.level - 1 else rank[i + 1]
            while x.level[i].forward is not NULL and _before(x.level[i].forward, score, ele):
                rank[i] += x.level[i].span
                x = x.level[i].forward
            update[i] = x
        self._link(update, rank, score, ele)
        return 0

    cdef void _unlink(self, znode *x, znode **update):
        """zslDeleteNode: take ``x`` out; update[i] is its predecessor on level i."""
        cdef int i
        for i in range(self.level):
            if update[i].level[i].forward == x:
                update[i].level[i].span += x.level[i].span - 1
                update[i].level[i].forward = x.level[i].forward
            else:
                update[i].level[i].span -= 1
        if x.level[0].forward is not NULL:
            x.level[0].forward.backward = x.backward
        else:
            self.tail = x.backward
        while self.level > 1 and self.header.level[self.level - 1].forward is NULL:
            self.level -= 1
        self.length -= 1
        self.version += 1

    cdef znode *_find(self, double score, PyObject *ele, znode **update):
        """The node equal to (score, ele) or NULL; fills its predecessors."""
        cdef znode *x = self.header
        cdef int i
        for i in range(self.level - 1, -1, -1):
            while x.level[i].forward is not NULL and _before(x.level[i].forward, score, ele):
                x = x.level[i].forward
            update[i] = x
        x = x.level[0].forward
        if x is not NULL and x.score == score and _member_cmp(x.ele, ele) == 0:
            return x
        return NULL

    cdef inline void _free_node(self, znode *x):
        Py_DECREF(<object>x.ele)
        PyMem_Free(x)

    # ---- size -------------------------------------------------------------
    def __len__(self):
        return self.length

    def __bool__(self):
        return self.length != 0

    def __iter__(self):
        """(score, member) pairs in ascending order; a change meanwhile stops it with RuntimeError."""
        return _Iterator(self)

    def check(self):
        """Raise AssertionError unless order, spans, backward links, tail, level and length agree."""
        cdef znode *x = self.header.level[0].forward
        cdef znode *prev = NULL
        cdef znode *y
        cdef Py_ssize_t n = 0, rank
        cdef int i
        ranks = {}
        while x is not NULL:
            n += 1
            ranks[<Py_ssize_t>x] = n
            if x.backward != prev:
                raise AssertionError("backward link of rank %d" % n)
            if prev is not NULL and not _before(prev, x.score, x.ele):
                raise AssertionError("order at rank %d" % n)
            prev = x
            x = x.level[0].forward
        if n != self.length or self.tail != prev:
            raise AssertionError("length or tail")
        if self.level > 1 and self.header.level[self.level - 1].forward is NULL:
            raise AssertionError("empty top level")
        for i in range(self.level):
            x = self.header
            rank = 0
            while True:
                y = x.level[i].forward
                if y is NULL:
                    if x.level[i].span != self.length - rank:
                        raise AssertionError("span to the end on level %d" % i)
                    break
                if ranks[<Py_ssize_t>y] - rank != x.level[i].span:
                    raise AssertionError("span on level %d at rank %d" % (i, rank))
                rank = ranks[<Py_ssize_t>y]
                x = y
        for i in range(self.level, MAXLEVEL):
            if self.header.level[i].forward is not NULL:
                raise AssertionError("link above the level")

    # ---- writes -----------------------------------------------------------
    def insert(self, double score, member):
        """Add (score, member); ``member`` must not be in the list."""
        _check_member(member)
        if self.tail is NULL or _before(self.tail, score, <PyObject *>member):
            self._append(score, <PyObject *>member)
        else:
            self._insert(score, <PyObject *>member)

    def remove(self, double score, member):
        """Remove (score, member); False when it is not there."""
        cdef znode *update[MAXLEVEL]
        cdef znode *x
        _check_member(member)
        x = self._find(score, <PyObject *>member, update)
        if x is NULL:
            return False
        self._unlink(x, update)
        self._free_node(x)
        return True

    def update(self, double old, member, double new):
        """Move ``member`` from score ``old`` to ``new`` (zslUpdateScore): in place when
        its neighbours still bracket it, else removed and inserted again."""
        cdef znode *update[MAXLEVEL]
        cdef znode *x
        _check_member(member)
        x = self._find(old, <PyObject *>member, update)
        if x is NULL:
            raise KeyError(member)
        if ((x.backward is NULL or _before(x.backward, new, x.ele))
                and (x.level[0].forward is NULL
                     or not _at_or_before(x.level[0].forward, new, x.ele))):
            x.score = new
            self.version += 1
            return
        self._unlink(x, update)
        # The member's reference moves to the new node.
        self._insert(new, x.ele)
        self._free_node(x)

    def clear(self):
        cdef int i
        self._free_nodes()
        for i in range(MAXLEVEL):
            self.header.level[i].forward = NULL
            self.header.level[i].span = 0
        self.tail = NULL
        self.length = 0
        self.level = 1
        self.version += 1

    def pop(self, Py_ssize_t count, bint from_max=False):
        """Remove and return up to ``count`` (score, member) pairs from one end."""
        cdef znode *update[MAXLEVEL]
        cdef znode *x
        cdef list out = []
        cdef int i
        while count > 0 and self.length:
            if from_max:
                x = self.tail
                self._find(x.score, x.ele, update)
            else:
                x = self.header.level[0].forward
                for i in range(self.level):
                    update[i] = self.header
            out.append((x.score, <object>x.ele))
            self._unlink(x, update)
            self._free_node(x)
            count -= 1
        return out

    def delete_range(self, Py_ssize_t start, Py_ssize_t stop):
        """Remove the pairs at positions [start, stop) (zslDeleteRangeByRank); their members."""
        cdef znode *update[MAXLEVEL]
        cdef znode *x = self.header
        cdef znode *nxt
        cdef Py_ssize_t traversed = 0
        cdef list out = []
        cdef int i
        if start < 0:
            start = 0
        if stop > self.length:
            stop = self.length
        if start >= stop:
            return out
        for i in range(self.level - 1, -1, -1):
            while x.level[i].forward is not NULL and traversed + x.level[i].span <= start:
                traversed += x.level[i].span
                x = x.level[i].forward
            update[i] = x
        x = x.level[0].forward
        while traversed < stop:
            nxt = x.level[0].forward
            self._unlink(x, update)
            out.append(<object>x.ele)
            self._free_node(x)
            x = nxt
            traversed += 1
        return out

    # ---- positions --------------------------------------------------------
    def bisect_left(self, double score, member):
        """How many pairs sort before (score, member)."""
        cdef znode *x = self.header
        cdef Py_ssize_t rank = 0
        cdef int i
        _check_member(member)
        for i in range(self.level - 1, -1, -1):
            while (x.level[i].forward is not NULL
                   and _before(x.level[i].forward, score, <PyObject *>member)):
                rank += x.level[i].span
                x = x.level[i].forward
        return rank

    def bisect_right(self, double score, member):
        """How many pairs sort at or before (score, member)."""
        cdef znode *x = self.header
        cdef Py_ssize_t rank = 0
        cdef int i
        _check_member(member)
        for i in range(self.level - 1, -1, -1):
            while (x.level[i].forward is not NULL
                   and _at_or_before(x.level[i].forward, score, <PyObject *>member)):
                rank += x.level[i].span
                x = x.level[i].forward
        return rank

    def count_below(self, double score, bint inclusive=False):
        """How many pairs score below ``score`` (or at or below it when ``inclusive``)."""
        cdef znode *x = self.header
        cdef Py_ssize_t rank = 0
        cdef int i
        for i in range(self.level - 1, -1, -1):
            while x.level[i].forward is not NULL and (
                    x.level[i].forward.score < score
                    or (inclusive and x.level[i].forward.score == score)):
                rank += x.level[i].span
                x = x.level[i].forward
        return rank

    cdef znode *_node_at(self, Py_ssize_t index):
        """The node at 0-based ``index`` (zslGetElementByRank), which must exist."""
        cdef znode *x = self.header
        cdef Py_ssize_t traversed = 0, rank = index + 1
        cdef int i
        if index == self.length - 1:
            return self.tail
        for i in range(self.level - 1, -1, -1):
            while x.level[i].forward is not NULL and traversed + x.level[i].span <= rank:
                traversed += x.level[i].span
                x = x.level[i].forward
            if traversed == rank:
                return x
        return NULL

    def at(self, Py_ssize_t index):
        """The (score, member) pair at ``index``; negative counts from the end."""
        cdef znode *x
        if index < 0:
            index += self.length
        if index < 0 or index >= self.length:
            raise IndexError("skiplist index out of range")
        x = self._node_at(index)
        return (x.score, <object>x.ele)

    def slice(self, Py_ssize_t start, Py_ssize_t stop, bint reverse=False):
        """The pairs at positions [start, stop) (clamped), ascending or walked backwards."""
        cdef znode *x
        cdef list out
        cdef Py_ssize_t n, i
        if start < 0:
            start = 0
        if stop > self.length:
            stop = self.length
        if start >= stop:
            return []
        n = stop - start
        out = [None] * n
        if reverse:
            x = self._node_at(stop - 1)
            for i in range(n):
                out[i] = (x.score, <object>x.ele)
                x = x.backward
        else:
            x = self._node_at(start)
            for i in range(n):
                out[i] = (x.score, <object>x.ele)
                x = x.level[0].forward
        return out


cdef class _Iterator:
    cdef SkipList owner
    cdef znode *node
    cdef Py_ssize_t version

    def __cinit__(self, SkipList owner):
        self.owner = owner
        self.node = owner.header.level[0].forward
        self.version = owner.version

    def __iter__(self):
        return self

    def __next__(self):
        cdef znode *x = self.node
        if self.version != self.owner.version:
            raise RuntimeError("skiplist changed during iteration")
        if x is NULL:
            raise StopIteration
        self.node = x.level[0].forward
        return (x.score, <object>x.ele)
