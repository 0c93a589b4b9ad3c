# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Cython QuickList: a doubly linked list of small element arrays.

This is the twin of quicklist_py.py, which documents the design. Both
implement the same algorithms step for step, so that for any sequence of
operations they return the same values and end with the same node layout.
A change to one must be made to the other.

Unlike the pure twin, a node's list may start with a gap of None slots
(``_Node.start`` of them) so that pushes and pops at the head are O(1)
rather than a memmove of the whole node; the live elements are
``items[start:]``. Operations that rework a node anyway drop the gap first.
A packed node (see the pure twin) has ``items`` None, no gap, and its
elements in ``packed``, ``pn`` of them.

Indexes are C ``Py_ssize_t``: they must fit in a signed 64-bit integer, as
the command layer parses them.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport uint64_t
from cpython.list cimport PyList_GET_SIZE
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.string cimport memcpy
from cpython.pyport cimport PY_SSIZE_T_MAX

from .resp_header cimport _digits, _header

__all__ = ["QuickList", "set_packed_threshold"]

cdef Py_ssize_t[5] _FILL_LEVELS = [4096, 8192, 16384, 32768, 65536]
cdef enum:
    _SAFETY_LIMIT = 8192
    _FILL_MAX = 1 << 15
    _COMPRESS_MAX = (1 << 16) - 1
    # listpack header (total bytes + element count) plus its end byte
    _LP_OVERHEAD = 7
cdef Py_ssize_t _MAXSIZE = PY_SSIZE_T_MAX
_NOT_BYTES = "quicklist elements must be bytes"


# Elements of at least this many bytes live alone in a plain node, stored as
# they are instead of in a listpack (Redis 7.0's packed_threshold).
_PACKED_THRESHOLD_DEFAULT = 1 << 30
_PACKED_THRESHOLD_MAX = (1 << 32) - (1 << 20)
cdef Py_ssize_t _packed_threshold = 1 << 30


def set_packed_threshold(size):
    """quicklistisSetPackedThreshold: 0 restores the default (1 GiB); False,
    and no change, above the maximum."""
    global _packed_threshold
    size = _index_arg(size)
    if size > _PACKED_THRESHOLD_MAX:
        return False
    _packed_threshold = size if size else _PACKED_THRESHOLD_DEFAULT
    return True


cdef extern from "Python.h":
    ctypedef struct _Obj "PyObject"
    _Obj* _list_item "PyList_GET_ITEM" (object, Py_ssize_t)
    Py_ssize_t _bytes_size "PyBytes_GET_SIZE" (_Obj*)
    char* _bytes_data "PyBytes_AS_STRING" (_Obj*)



cdef inline Py_ssize_t _estimate(Py_ssize_t n) noexcept nogil:
    """What _quicklistNodeAllowInsert counts an element of ``n`` bytes as
    adding to a node: its length plus SIZE_ESTIMATE_OVERHEAD, an upper bound
    of a listpack entry's header and back-length."""
    return n + 8


cdef inline Py_ssize_t _entry_size(Py_ssize_t n) noexcept nogil:
    """Bytes a string of length ``n`` takes in a listpack: encoding header,
    data and the back-length that lets the listpack be walked backwards."""
    cdef Py_ssize_t e
    if n < 64:
        e = n + 1
    elif n < 4096:
        e = n + 2
    else:
        e = n + 5
    if e <= 127:
        return e + 1
    if e < 16383:
        return e + 2
    if e < 2097151:
        return e + 3
    if e < 268435455:
        return e + 4
    return e + 5


cdef Py_ssize_t _int_entry_size(const char *p, Py_ssize_t n) noexcept nogil:
    """Bytes a string of ``n`` (1..20) bytes takes in a listpack as an
    integer (lpStringToInt64 reads it as one: no sign but '-', no leading
    zero, fits 64 bits), else 0."""
    cdef bint negative = p[0] == 45
    cdef Py_ssize_t i = 1 if negative else 0
    cdef uint64_t v = 0, limit
    cdef long long x
    if n == 1 and p[0] == 48:
        return 2
    if i >= n or p[i] < 49 or p[i] > 57:
        return 0
    limit = (<uint64_t>1 << 63) - 1 + negative
    while i < n:
        if p[i] < 48 or p[i] > 57:
            return 0
        if v > (limit - <uint64_t>(p[i] - 48)) // 10:
            return 0
        v = v * 10 + <uint64_t>(p[i] - 48)
        i += 1
    if negative:
        if v > (<uint64_t>1 << 63) - 1:
            return 10
        x = -<long long>v
    else:
        x = <long long>v
    # encoding byte(s) with the value, then a one-byte back-length
    if 0 <= x <= 127:
        return 2
    if -4096 <= x <= 4095:
        return 3
    if -32768 <= x <= 32767:
        return 4
    if -8388608 <= x <= 8388607:
        return 5
    if -2147483648 <= x <= 2147483647:
        return 6
    return 10


cdef inline Py_ssize_t _size(object v):
    """Bytes element ``v`` takes in a listpack: as an integer if it is one."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(v)
    cdef const char *p
    cdef Py_ssize_t e
    if 0 < n <= 20:
        p = PyBytes_AS_STRING(v)
        if (47 < p[0] < 58) or p[0] == 45:
            e = _int_entry_size(p, n)
            if e:
                return e
    return _entry_size(n)


cdef Py_ssize_t _items_size(list items):
    cdef Py_ssize_t total = 0
    cdef object x
    for x in items:
        total += _size(x)
    return total


cdef object _index_arg(object value):
    try:
        return value.__index__()
    except AttributeError:
        raise TypeError("an integer is required") from None


cdef class _Node:
    cdef _Node prev
    cdef _Node next
    cdef list items
    cdef bytes packed
    cdef Py_ssize_t pn
    cdef Py_ssize_t start
    cdef Py_ssize_t sz
    # a plain node holds one element at least packed_threshold bytes long, as
    # it is (sz is its length); it takes no other element and never merges
    cdef bint plain

    def __cinit__(self, list items, Py_ssize_t sz):
        self.items = items
        self.packed = None
        self.pn = 0
        self.start = 0
        self.sz = sz
        self.plain = False


cdef bytes _pack(list items, Py_ssize_t start):
    """The elements as one string: each a LEB128 length, then its bytes."""
    cdef Py_ssize_t total = 0, i, n, k
    cdef Py_ssize_t end = PyList_GET_SIZE(items)
    cdef object v
    cdef bytes out
    cdef char *p
    for i in range(start, end):
        n = PyBytes_GET_SIZE(items[i])
        total += n + 1
        while n >= 128:
            n >>= 7
            total += 1
    out = PyBytes_FromStringAndSize(NULL, total)
    p = PyBytes_AS_STRING(out)
    k = 0
    for i in range(start, end):
        v = items[i]
        n = PyBytes_GET_SIZE(v)
        while n >= 128:
            p[k] = <char>((n & 127) | 128)
            k += 1
            n >>= 7
        p[k] = <char>n
        k += 1
        n = PyBytes_GET_SIZE(v)
        memcpy(p + k, PyBytes_AS_STRING(v), n)
        k += n
    return out


cdef list _unpack(bytes data, Py_ssize_t count):
    cdef list out = []
    cdef const unsigned char *p = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t i = 0, j, n, shift
    cdef unsigned char b
    for j in range(count):
        b = p[i]
        i += 1
        n = b & 127
        shift = 7
        while b >= 128:
            b = p[i]
            i += 1
            n |= (<Py_ssize_t>(b & 127)) << shift
            shift += 7
        out.append(PyBytes_FromStringAndSize(<const char *>p + i, n))
        i += n
    return out


cdef inline int _unpacked(_Node node) except -1:
    """Make a packed node's elements a list again, for a write."""
    if node.items is None:
        node.items = _unpack(node.packed, node.pn)
        node.packed = None
    return 0


cdef inline list _items(_Node node):
    _unpacked(node)
    return node.items


cdef inline list _view(_Node node):
    """The node's list to read (a packed node has no gap); it stays packed."""
    if node.items is None:
        return _unpack(node.packed, node.pn)
    return node.items


cdef inline int _pack_node(_Node node) except -1:
    if node.items is not None and not node.plain:
        node.packed = _pack(node.items, node.start)
        node.pn = PyList_GET_SIZE(node.items) - node.start
        node.items = None
        node.start = 0
    return 0


cdef inline _Node _new_node(list items, Py_ssize_t sz):
    cdef _Node node = _Node.__new__(_Node, items, sz)
    return node


cdef inline _Node _plain_node(object v):
    cdef _Node node = _Node.__new__(_Node, [v], PyBytes_GET_SIZE(v))
    node.plain = True
    return node


cdef inline Py_ssize_t _n(_Node node) noexcept:
    if node.items is None:
        return node.pn
    return PyList_GET_SIZE(node.items) - node.start


cdef inline int _flatten(_Node node) except -1:
    _unpacked(node)
    if node.start:
        del node.items[:node.start]
        node.start = 0
    return 0


cdef inline int _prepend(_Node node, object v) except -1:
    _unpacked(node)
    if node.start:
        node.start -= 1
        node.items[node.start] = v
    else:
        node.items.insert(0, v)
    return 0


cdef int _grow_front(_Node node, Py_ssize_t maxcount) except -1:
    # the gap grows with the node, so repeated head pushes cost O(1) each
    # amortised; it never outgrows what the fill lets the node hold
    cdef Py_ssize_t n = _n(node)
    cdef Py_ssize_t g = n if n > 8 else 8
    if g > maxcount - n:
        g = maxcount - n
    node.items = [None] * g + node.items
    node.start = g
    return 0


cdef class QuickList:
    cdef _Node _head
    cdef _Node _tail
    cdef Py_ssize_t _count
    cdef Py_ssize_t _nodes
    cdef int _fill
    cdef int _compress
    cdef Py_ssize_t _limit
    cdef Py_ssize_t _maxcount

    def __init__(self, fill=-2, compress=0):
        fill = _index_arg(fill)
        compress = _index_arg(compress)
        # clamped like quicklistSetFill / quicklistSetCompressDepth
        if fill > _FILL_MAX:
            fill = _FILL_MAX
        elif fill < -5:
            fill = -5
        if compress > _COMPRESS_MAX:
            compress = _COMPRESS_MAX
        elif compress < 0:
            compress = 0
        self._fill = fill
        self._compress = compress
        if self._fill < 0:
            self._limit = _FILL_LEVELS[-self._fill - 1]
            self._maxcount = _MAXSIZE
        else:
            # fill 0 allows no second element in a node: one element per node
            self._limit = _SAFETY_LIMIT
            self._maxcount = self._fill
        self._head = None
        self._tail = None
        self._count = 0
        self._nodes = 0

    def __dealloc__(self):
        # prev/next form reference cycles, and a chain freed by refcount
        # recurses once per node: unlink node by node so a dropped list is
        # freed at once, without waiting for the cycle collector, at any length
        cdef _Node node = self._head
        cdef _Node nxt
        self._head = None
        self._tail = None
        while node is not None:
            nxt = node.next
            node.next = None
            node.prev = None
            node = nxt

    @property
    def fill(self):
        return self._fill

    @property
    def compress(self):
        return self._compress

    @property
    def node_count(self):
        return self._nodes

    @property
    def nbytes(self):
        cdef Py_ssize_t total = 0
        cdef _Node node = self._head
        while node is not None:
            total += node.sz
            node = node.next
        return total

    def __len__(self):
        return self._count

    # -- linking ---------------------------------------------------------

    cdef inline bint _allows(self, _Node node, Py_ssize_t esz):
        return (node.sz + esz <= self._limit and _n(node) < self._maxcount
                and not node.plain)

    cdef void _link_after(self, _Node node, _Node new):
        cdef _Node nxt = node.next
        new.prev = node
        new.next = nxt
        node.next = new
        if nxt is None:
            self._tail = new
        else:
            nxt.prev = new
        self._nodes += 1

    cdef void _link_before(self, _Node node, _Node new):
        cdef _Node prv = node.prev
        new.next = node
        new.prev = prv
        node.prev = new
        if prv is None:
            self._head = new
        else:
            prv.next = new
        self._nodes += 1

    cdef void _unlink(self, _Node node):
        cdef _Node prv = node.prev
        cdef _Node nxt = node.next
        if prv is None:
            self._head = nxt
        else:
            prv.next = nxt
        if nxt is None:
            self._tail = prv
        else:
            nxt.prev = prv
        node.prev = None
        node.next = None
        self._nodes -= 1

    cdef bint _mergeable(self, _Node a, _Node b):
        """_quicklistNodeAllowMerge: the merged size is estimated as both
        sizes less 11 bytes (a ziplist's header and end), 4 more than the
        listpack header and end byte the merge saves."""
        return (a is not None and b is not None and not a.plain and not b.plain
                and a.sz + b.sz - 11 <= self._limit
                and _n(a) + _n(b) <= self._maxcount)

    cdef _Node _merge(self, _Node a, _Node b):
        _unpacked(a)
        _flatten(b)
        a.items.extend(b.items)
        a.sz += b.sz - _LP_OVERHEAD
        self._unlink(b)
        return a

    cdef int _merge_around(self, _Node center) except -1:
        """_quicklistMergeNodes: the two nodes before ``center``, the two
        after it, then ``center`` with what precedes and follows it."""
        cdef _Node prev = center.prev
        cdef _Node prev_prev = prev.prev if prev is not None else None
        cdef _Node nxt = center.next
        cdef _Node next_next = nxt.next if nxt is not None else None
        cdef _Node target = center
        if self._mergeable(prev_prev, prev):
            self._merge(prev_prev, prev)
        if self._mergeable(nxt, next_next):
            self._merge(nxt, next_next)
        if self._mergeable(center.prev, center):
            target = self._merge(center.prev, center)
        if self._mergeable(target, target.next):
            self._merge(target, target.next)
        return 0

    cdef _Node _seek(self, Py_ssize_t i, Py_ssize_t *off):
        """Node and offset of element ``i`` (0 <= i < len), walking from the
        nearer end and skipping whole nodes by their counts."""
        cdef _Node node
        cdef Py_ssize_t n, j
        if i <= (self._count - 1) >> 1:
            node = self._head
            n = _n(node)
            while i >= n:
                i -= n
                node = node.next
                n = _n(node)
            off[0] = i
            return node
        j = self._count - 1 - i
        node = self._tail
        n = _n(node)
        while j >= n:
            j -= n
            node = node.prev
            n = _n(node)
        off[0] = n - 1 - j
        return node

    # -- pushes and pops ---------------------------------------------------

    cdef int _push_tail(self, object v) except -1:
        cdef Py_ssize_t esz
        cdef _Node t, node
        if type(v) is not bytes:
            raise TypeError(_NOT_BYTES)
        # A node takes an element while its size plus the element's string
        # size fits (Redis's estimate); it then grows by what the element
        # really takes, less for an integer.
        esz = _estimate(PyBytes_GET_SIZE(v))
        t = self._tail
        if PyBytes_GET_SIZE(v) < _packed_threshold and t is not None and self._allows(t, esz):
            _items(t).append(v)
            t.sz += _size(v)
        else:
            if PyBytes_GET_SIZE(v) >= _packed_threshold:
                node = _plain_node(v)
            else:
                node = _new_node([v], _size(v) + _LP_OVERHEAD)
            node.prev = t
            if t is None:
                self._head = node
            else:
                t.next = node
                if t.prev is not None:
                    _pack_node(t)
            self._tail = node
            self._nodes += 1
        self._count += 1
        return 0

    cdef int _push_head(self, object v) except -1:
        cdef Py_ssize_t esz
        cdef _Node h, node
        if type(v) is not bytes:
            raise TypeError(_NOT_BYTES)
        esz = _estimate(PyBytes_GET_SIZE(v))
        h = self._head
        if PyBytes_GET_SIZE(v) < _packed_threshold and h is not None and self._allows(h, esz):
            _unpacked(h)
            if not h.start:
                _grow_front(h, self._maxcount)
            h.start -= 1
            h.items[h.start] = v
            h.sz += _size(v)
        else:
            if PyBytes_GET_SIZE(v) >= _packed_threshold:
                node = _plain_node(v)
            else:
                node = _new_node([v], _size(v) + _LP_OVERHEAD)
            node.next = h
            if h is None:
                self._tail = node
            else:
                h.prev = node
                if h.next is not None:
                    _pack_node(h)
            self._head = node
            self._nodes += 1
        self._count += 1
        return 0

    def push_tail(self, v):
        self._push_tail(v)

    def push_head(self, v):
        self._push_head(v)

    def extend_tail(self, values):
        for v in values:
            self._push_tail(v)

    def extend_head(self, values):
        for v in values:
            self._push_head(v)

    cdef object _pop_head(self):
        cdef _Node h = self._head
        cdef list items
        cdef Py_ssize_t s, n
        if h is None:
            return None
        items = _items(h)
        s = h.start
        v = items[s]
        items[s] = None
        s += 1
        h.start = s
        self._count -= 1
        n = PyList_GET_SIZE(items) - s
        if n:
            h.sz -= _size(v)
            # a node used as a queue would otherwise grow its gap forever
            if s >= 32 and s > n:
                pass
        else:
            self._unlink(h)
        return v

    cdef object _pop_tail(self):
        cdef _Node t = self._tail
        cdef list items
        if t is None:
            return None
        items = _items(t)
        v = items.pop()
        self._count -= 1
        if PyList_GET_SIZE(items) > t.start:
            t.sz -= _size(v)
        else:
            self._unlink(t)
        return v

    def pop_head(self):
        return self._pop_head()

    def pop_tail(self):
        return self._pop_tail()

    def pop_head_many(self, count):
        cdef list out = []
        while count > 0 and self._count:
            out.append(self._pop_head())
            count -= 1
        return out

    def pop_tail_many(self, count):
        cdef list out = []
        while count > 0 and self._count:
            out.append(self._pop_tail())
            count -= 1
        return out

    # -- random access -------------------------------------------------------

    def index(self, Py_ssize_t i):
        cdef Py_ssize_t count = self._count
        cdef Py_ssize_t off
        cdef _Node node
        if i < 0:
            i += count
        if i < 0 or i >= count:
            return None
        node = self._seek(i, &off)
        return _view(node)[node.start + off]

    def replace(self, Py_ssize_t i, v):
        cdef Py_ssize_t count = self._count
        cdef Py_ssize_t off, esz, delta
        cdef _Node node
        cdef list items
        if type(v) is not bytes:
            raise TypeError(_NOT_BYTES)
        if i < 0:
            i += count
        if i < 0 or i >= count:
            return False
        node = self._seek(i, &off)
        items = _items(node)
        esz = _estimate(PyBytes_GET_SIZE(v))
        if node.plain or PyBytes_GET_SIZE(v) >= _packed_threshold:
            self._replace_plain(node, off, v, esz)
            return True
        # quicklistReplaceEntry replaces in place, whatever the node's size then.
        node.sz += _size(v) - _size(items[node.start + off])
        items[node.start + off] = v
        return True

    cdef int _replace_plain(self, _Node node, Py_ssize_t off, object v,
                            Py_ssize_t esz) except -1:
        """Replace where a plain node is involved, as quicklistReplaceEntry:
        a large value takes a plain node of its own, a small one leaving a
        plain node goes to the head of the next node if it fits there."""
        cdef _Node nxt
        if PyBytes_GET_SIZE(v) >= _packed_threshold:
            if node.plain:
                node.items[node.start] = v
                node.sz = PyBytes_GET_SIZE(v)
            else:
                self._split_plain(node, off, 1, v)
            return 0
        nxt = node.next
        if nxt is not None and self._allows(nxt, esz):
            _prepend(nxt, v)
            nxt.sz += _size(v)
            self._unlink(node)
        else:
            node.plain = False
            node.items[node.start] = v
            node.sz = _size(v) + _LP_OVERHEAD
        return 0

    cdef int _split_plain(self, _Node node, Py_ssize_t pos, Py_ssize_t drop,
                          object v) except -1:
        """Split packed ``node`` at ``pos``, dropping ``drop`` elements there,
        with a plain node for ``v`` between the halves; nothing merges."""
        _flatten(node)
        cdef list items = node.items
        cdef list left = items[:pos]
        cdef list right = items[pos + drop:]
        cdef _Node mid = _plain_node(v)
        if left:
            node.items = left
            node.sz = _LP_OVERHEAD + _items_size(left)
            self._link_after(node, mid)
        else:
            self._link_before(node, mid)
        if right:
            if left:
                self._link_after(mid, _new_node(right, _LP_OVERHEAD + _items_size(right)))
            else:
                node.items = right
                node.sz = _LP_OVERHEAD + _items_size(right)
        elif not left:
            self._unlink(node)
        return 0

    def insert_before(self, Py_ssize_t i, v):
        return self._insert(i, v, False)

    def insert_after(self, Py_ssize_t i, v):
        return self._insert(i, v, True)

    def insert_pivot(self, pivot, v, after):
        """Insert ``v`` next to the first element equal to ``pivot``, walking
        from the head. Returns False when there is no such element."""
        cdef _Node node
        cdef list items
        cdef Py_ssize_t off
        if type(v) is not bytes or type(pivot) is not bytes:
            raise TypeError(_NOT_BYTES)
        node = self._head
        while node is not None:
            items = _view(node)
            # the gap holds None, which never equals a bytes pivot
            if pivot in items:
                off = items.index(pivot) - node.start
                self._insert_at(node, off + 1 if after else off, v,
                                _estimate(PyBytes_GET_SIZE(v)), after)
                return True
            node = node.next
        return False

    cdef object _insert(self, Py_ssize_t i, object v, bint after):
        cdef Py_ssize_t count = self._count
        cdef Py_ssize_t off
        cdef _Node node
        if type(v) is not bytes:
            raise TypeError(_NOT_BYTES)
        if i < 0:
            i += count
        if i < 0 or i >= count:
            return False
        node = self._seek(i, &off)
        self._insert_at(node, off + 1 if after else off, v,
                        _estimate(PyBytes_GET_SIZE(v)), after)
        return True

    cdef int _insert_at(self, _Node node, Py_ssize_t pos, object v,
                        Py_ssize_t esz, bint after) except -1:
        """Put ``v`` at offset ``pos`` (0..count) of ``node``, as
        _quicklistInsert: in the node if it has room, else at the edge of
        the neighbour past the node's edge if that one has room, else in a
        node of its own there; else the node is split at ``pos`` and ``v``
        joins the part that is not the node (the part after it when
        inserting after an element), and the nodes around merge."""
        cdef Py_ssize_t n = _n(node)
        cdef _Node nxt, prv
        cdef list left, right
        _unpacked(node)
        if PyBytes_GET_SIZE(v) >= _packed_threshold:
            # quicklist's _quicklistInsert for a large element: a plain node
            # beside the node at its edges (or beside a plain one), else a split
            if pos == n:
                self._link_after(node, _plain_node(v))
            elif pos == 0:
                self._link_before(node, _plain_node(v))
            else:
                self._split_plain(node, pos, 0, v)
        elif self._allows(node, esz):
            if pos == 0:
                _prepend(node, v)
            else:
                node.items.insert(node.start + pos, v)
            node.sz += _size(v)
        elif pos == n and (node.next is not None or node.plain):
            nxt = node.next
            if nxt is not None and self._allows(nxt, esz):
                _prepend(nxt, v)
                nxt.sz += _size(v)
            else:
                self._link_after(node, _new_node([v], _size(v) + _LP_OVERHEAD))
        elif pos == 0 and (node.prev is not None or node.plain):
            prv = node.prev
            if prv is not None and self._allows(prv, esz):
                _items(prv).append(v)
                prv.sz += _size(v)
            else:
                self._link_before(node, _new_node([v], _size(v) + _LP_OVERHEAD))
        else:
            # _quicklistSplitNode
            _flatten(node)
            left = node.items[:pos]
            right = node.items[pos:]
            if after:
                node.items = left
                node.sz = _LP_OVERHEAD + _items_size(left)
                right.insert(0, v)
                self._link_after(node, _new_node(right, _LP_OVERHEAD + _items_size(right)))
            else:
                node.items = right
                node.sz = _LP_OVERHEAD + _items_size(right)
                left.append(v)
                self._link_before(node, _new_node(left, _LP_OVERHEAD + _items_size(left)))
            self._merge_around(node)
        self._count += 1
        return 0

    # -- deletion ----------------------------------------------------------

    def delete_range(self, Py_ssize_t start, Py_ssize_t count):
        """Delete ``count`` elements from index ``start`` (negative counts
        from the tail); the count is cut at the list's end. Returns the
        number of elements deleted."""
        return self._delete_range(start, count)

    cdef Py_ssize_t _delete_range(self, Py_ssize_t start,
                                  Py_ssize_t count) except -1:
        cdef Py_ssize_t total = self._count
        cdef Py_ssize_t off, remaining, n, end, s
        cdef _Node node, nxt
        cdef list items
        if count <= 0:
            return 0
        if start < 0:
            start += total
        if start < 0 or start >= total:
            return 0
        if count > total - start:
            count = total - start
        node = self._seek(start, &off)
        remaining = count
        while remaining:
            n = _n(node)
            nxt = node.next
            if off == 0 and remaining >= n:
                self._unlink(node)
                remaining -= n
            else:
                items = _items(node)
                s = node.start
                end = off + remaining
                if end > n:
                    end = n
                node.sz -= _items_size(items[s + off:s + end])
                del items[s + off:s + end]
                remaining -= end - off
            off = 0
            node = nxt
        self._count -= count
        return count

    def trim(self, Py_ssize_t start, Py_ssize_t stop):
        """Keep only the elements from ``start`` to ``stop`` inclusive, with
        LTRIM's index rules. Returns the number of elements deleted."""
        cdef Py_ssize_t total = self._count
        cdef Py_ssize_t ltrim, rtrim, deleted = 0
        if start < 0:
            start += total
        if stop < 0:
            stop += total
        if start < 0:
            start = 0
        if start > stop or start >= total:
            ltrim = total
            rtrim = 0
        else:
            if stop >= total:
                stop = total - 1
            ltrim = start
            rtrim = total - stop - 1
        if ltrim:
            deleted += self._delete_range(0, ltrim)
        if rtrim:
            deleted += self._delete_range(-rtrim, rtrim)
        return deleted

    def remove(self, value, count):
        """Delete elements equal to ``value``, as LREM does: the first
        ``count`` from the head when ``count`` > 0, the last ``-count`` from
        the tail when ``count`` < 0, all when 0. Returns how many."""
        cdef Py_ssize_t limit, esz, removed = 0, k
        cdef bint forward
        cdef _Node node, nxt, prv
        cdef list items, keep
        if type(value) is not bytes:
            raise TypeError(_NOT_BYTES)
        count = _index_arg(count)
        forward = count >= 0
        big = count if forward else -count
        limit = _MAXSIZE if big > _MAXSIZE else big
        esz = _size(value)
        if forward:
            node = self._head
            while node is not None:
                nxt = node.next
                items = _view(node)
                if value in items:
                    _flatten(node)
                    items = node.items
                    keep, k = _without(
                        items, value,
                        limit - removed if limit else PyList_GET_SIZE(items),
                        False)
                    removed += k
                    if PyList_GET_SIZE(keep):
                        node.items = keep
                        node.sz -= k * esz
                    else:
                        self._unlink(node)
                    if limit and removed >= limit:
                        break
                node = nxt
        else:
            node = self._tail
            while node is not None:
                prv = node.prev
                items = _view(node)
                if value in items:
                    _flatten(node)
                    items = node.items
                    keep, k = _without(items, value, limit - removed, True)
                    removed += k
                    if PyList_GET_SIZE(keep):
                        node.items = keep
                        node.sz -= k * esz
                    else:
                        self._unlink(node)
                    if removed >= limit:
                        break
                node = prv
        self._count -= removed
        return removed

    # -- reading -----------------------------------------------------------

    def range(self, Py_ssize_t start, Py_ssize_t stop):
        """Elements from ``start`` to ``stop`` inclusive, with LRANGE's index
        rules (out-of-range bounds are clamped, an empty range gives [])."""
        cdef Py_ssize_t total = self._count
        cdef Py_ssize_t want, off, n, s
        cdef _Node node
        cdef list out, items
        if start < 0:
            start += total
        if stop < 0:
            stop += total
        if start < 0:
            start = 0
        if start > stop or start >= total:
            return []
        if stop >= total:
            stop = total - 1
        want = stop - start + 1
        node = self._seek(start, &off)
        s = node.start + off
        out = _view(node)[s:s + want]
        want -= PyList_GET_SIZE(out)
        while want > 0:
            node = node.next
            items = _view(node)
            s = node.start
            n = PyList_GET_SIZE(items) - s
            if n <= want:
                if s:
                    out.extend(items[s:])
                else:
                    out.extend(items)
                want -= n
            else:
                out.extend(items[s:s + want])
                want = 0
        return out

    def encode_range(self, Py_ssize_t start, Py_ssize_t stop):
        """``range(start, stop)`` as a RESP array of bulk strings (LRANGE's
        reply), written in one buffer with no list of the elements between."""
        cdef Py_ssize_t total = self._count
        cdef Py_ssize_t want, left, off, s, e, i, size, nbytes, first
        cdef _Node node, first_node
        cdef list views, items
        cdef _Obj* v
        cdef char* p
        if start < 0:
            start += total
        if stop < 0:
            stop += total
        if start < 0:
            start = 0
        if start > stop or start >= total:
            return b"*0\r\n"
        if stop >= total:
            stop = total - 1
        want = stop - start + 1
        node = first_node = self._seek(start, &off)
        s = first = node.start + off
        # First pass: the reply's size, and each node's list (a packed
        # node is unpacked once).
        views = []
        left = want
        nbytes = _digits(want) + 3
        while True:
            items = _view(node)
            views.append(items)
            e = PyList_GET_SIZE(items)
            if e - s > left:
                e = s + left
            for i in range(s, e):
                size = _bytes_size(_list_item(items, i))
                nbytes += _digits(size) + size + 5
            left -= e - s
            if left == 0:
                break
            node = node.next
            s = node.start
        out = PyBytes_FromStringAndSize(NULL, nbytes)
        p = _header(PyBytes_AS_STRING(out), 42, want)
        left = want
        node = first_node
        s = first
        for items in views:
            e = PyList_GET_SIZE(items)
            if e - s > left:
                e = s + left
            for i in range(s, e):
                v = _list_item(items, i)
                size = _bytes_size(v)
                p = _header(p, 36, size)
                memcpy(p, _bytes_data(v), size)
                p[size] = 13
                p[size + 1] = 10
                p += size + 2
            left -= e - s
            if left:
                node = node.next
                s = node.start
        return out

    def iter_from(self, Py_ssize_t index, reverse=False):
        """Iterate from element ``index`` towards the tail, or towards the
        head when ``reverse``. Nothing is yielded when ``index`` is out of
        range. The list must not be modified while iterating."""
        cdef Py_ssize_t total = self._count
        cdef Py_ssize_t off
        cdef _Node node
        if index < 0:
            index += total
        if index < 0 or index >= total:
            return iter(())
        node = self._seek(index, &off)
        return _walk(node, off, total, bool(reverse))

    def iter_range(self, Py_ssize_t start, Py_ssize_t stop, reverse=False):
        """Iterate the LRANGE-normalised range ``start``..``stop``, from
        ``start`` up or, when ``reverse``, from ``stop`` down."""
        cdef Py_ssize_t total = self._count
        cdef Py_ssize_t off
        cdef _Node node
        if start < 0:
            start += total
        if stop < 0:
            stop += total
        if start < 0:
            start = 0
        if start > stop or start >= total:
            return iter(())
        if stop >= total:
            stop = total - 1
        node = self._seek(stop if reverse else start, &off)
        return _walk(node, off, stop - start + 1, bool(reverse))

    def __iter__(self):
        if self._head is None:
            return iter(())
        return _walk(self._head, 0, self._count, False)

    def __reversed__(self):
        cdef _Node t = self._tail
        if t is None:
            return iter(())
        return _walk(t, _n(t) - 1, self._count, True)

    def find(self, value, rank=1, count=1, maxlen=0):
        """Indexes of elements equal to ``value``, as LPOS finds them: skip
        the first ``|rank| - 1`` matches, walking from the head when ``rank``
        > 0 and from the tail when < 0; return at most ``count`` indexes (0
        for all) and compare at most ``maxlen`` elements (0 for all)."""
        cdef Py_ssize_t skip, want, budget, total, base, n, end, begin, p, h, s
        cdef bint forward
        cdef _Node node
        cdef list items, out, hits
        if type(value) is not bytes:
            raise TypeError(_NOT_BYTES)
        rank = _index_arg(rank)
        count = _index_arg(count)
        maxlen = _index_arg(maxlen)
        if rank == 0:
            raise ValueError("rank must not be zero")
        if count < 0:
            raise ValueError("count must not be negative")
        if maxlen < 0:
            raise ValueError("maxlen must not be negative")
        forward = rank > 0
        big = rank - 1 if forward else -rank - 1
        skip = _MAXSIZE if big > _MAXSIZE else big
        want = _MAXSIZE if count > _MAXSIZE else count
        total = self._count
        budget = total if maxlen == 0 or maxlen > total else maxlen
        out = []
        base = 0
        if forward:
            node = self._head
            while node is not None and budget > 0:
                items = _view(node)
                s = node.start
                n = PyList_GET_SIZE(items) - s
                end = n if n <= budget else budget
                p = _index_in(items, value, s, s + end)
                while p >= 0:
                    if skip:
                        skip -= 1
                    else:
                        out.append(base + p - s)
                        if PyList_GET_SIZE(out) == want:
                            return out
                    p = _index_in(items, value, p + 1, s + end)
                budget -= end
                base += n
                node = node.next
        else:
            node = self._tail
            while node is not None and budget > 0:
                items = _view(node)
                s = node.start
                n = PyList_GET_SIZE(items) - s
                begin = n - budget if n > budget else 0
                hits = []
                p = _index_in(items, value, s + begin, s + n)
                while p >= 0:
                    hits.append(p - s)
                    p = _index_in(items, value, p + 1, s + n)
                for h in reversed(hits):
                    if skip:
                        skip -= 1
                    else:
                        out.append(total - 1 - (base + n - 1 - h))
                        if PyList_GET_SIZE(out) == want:
                            return out
                budget -= n - begin
                base += n
                node = node.prev
        return out

    # -- whole list ----------------------------------------------------------

    def copy(self):
        """A new QuickList with the same settings, elements and layout."""
        cdef QuickList other = QuickList(self._fill, self._compress)
        cdef _Node node = self._head
        cdef _Node new, t
        while node is not None:
            if node.items is None:
                new = _new_node(None, node.sz)
                new.packed = node.packed
                new.pn = node.pn
            else:
                new = _new_node(node.items[node.start:], node.sz)
            new.plain = node.plain
            t = other._tail
            new.prev = t
            if t is None:
                other._head = new
            else:
                t.next = new
            other._tail = new
            node = node.next
        other._count = self._count
        other._nodes = self._nodes
        return other

    def nodes(self):
        """(count, size, plain, elements) of each node, head first (DEBUG QUICKLIST)."""
        cdef list out = []
        cdef _Node node = self._head
        while node is not None:
            out.append((_n(node), node.sz, node.plain, _view(node)[node.start:]))
            node = node.next
        return out

    def head_sizes(self, Py_ssize_t count):
        """The byte sizes of the first ``count`` nodes, head first (MEMORY USAGE samples them)."""
        cdef list out = []
        cdef _Node node = self._head
        while node is not None and len(out) < count:
            out.append(node.sz)
            node = node.next
        return out

    def node_layout(self):
        cdef list out = []
        cdef _Node node = self._head
        while node is not None:
            out.append(_n(node))
            node = node.next
        return out

    def verify(self):
        """Check every structural invariant; raise AssertionError naming the
        first one broken."""
        cdef Py_ssize_t maxcount = self._maxcount
        cdef Py_ssize_t count = 0, pos, n, sz
        cdef list forward = []
        cdef list items
        cdef _Node prev = None
        cdef _Node node = self._head
        if (self._head is None) != (self._tail is None):
            raise AssertionError("head and tail disagree on emptiness")
        while node is not None:
            pos = PyList_GET_SIZE(forward)
            if node.prev is not prev:
                raise AssertionError("node %d: prev link broken" % pos)
            if node.items is None:
                if node.packed is None or node.plain or node.start:
                    raise AssertionError("node %d: no elements" % pos)
                if _pack(_view(node), 0) != node.packed:
                    raise AssertionError("node %d: packed string malformed" % pos)
            elif node.packed is not None:
                raise AssertionError("node %d: packed and unpacked" % pos)
            for x in _view(node)[:node.start]:
                if x is not None:
                    raise AssertionError("node %d: gap slot in use" % pos)
            items = _view(node)[node.start:]
            n = PyList_GET_SIZE(items)
            if n == 0:
                raise AssertionError("node %d: empty" % pos)
            for x in items:
                if type(x) is not bytes:
                    raise AssertionError("node %d: element is not bytes" % pos)
            if node.plain:
                if n != 1 or node.sz != PyBytes_GET_SIZE(items[0]):
                    raise AssertionError("node %d: plain node holds %d elements in %d bytes"
                                         % (pos, n, node.sz))
                forward.append(node)
                count += n
                prev = node
                node = node.next
                continue
            sz = _LP_OVERHEAD + _items_size(items)
            if sz != node.sz:
                raise AssertionError("node %d: size %d recorded, %d actual"
                                     % (pos, node.sz, sz))
            # Sizes may pass the fill (an in-place replace, a merge's
            # estimate); counts never pass a count fill.
            if n > 1 and n > maxcount:
                raise AssertionError("node %d: %d elements break fill %d"
                                     % (pos, n, self._fill))
            forward.append(node)
            count += n
            prev = node
            node = node.next
        if prev is not self._tail:
            raise AssertionError("tail is not the last node")
        pos = PyList_GET_SIZE(forward)
        node = self._tail
        while node is not None:
            pos -= 1
            if pos < 0 or forward[pos] is not node:
                raise AssertionError("backward walk differs from forward walk")
            node = node.prev
        if pos != 0:
            raise AssertionError("backward walk differs from forward walk")
        if count != self._count:
            raise AssertionError("%d elements recorded, %d in nodes"
                                 % (self._count, count))
        if PyList_GET_SIZE(forward) != self._nodes:
            raise AssertionError("%d nodes recorded, %d linked"
                                 % (self._nodes, PyList_GET_SIZE(forward)))


def _walk(_Node node, Py_ssize_t off, Py_ssize_t left, bint reverse):
    # each node is sliced before yielding so a node's list is never read
    # half-way through a change
    cdef list chunk
    cdef Py_ssize_t s
    if reverse:
        while left > 0:
            s = node.start
            chunk = _view(node)[s + (off - left + 1 if left <= off else 0):s + off + 1]
            chunk.reverse()
            yield from chunk
            left -= PyList_GET_SIZE(chunk)
            node = node.prev
            if node is None:
                return
            off = _n(node) - 1
    else:
        while left > 0:
            s = node.start + off
            chunk = _view(node)[s:s + left]
            yield from chunk
            left -= PyList_GET_SIZE(chunk)
            node = node.next
            if node is None:
                return
            off = 0


cdef Py_ssize_t _index_in(list items, object value, Py_ssize_t start,
                          Py_ssize_t end) except -2:
    cdef Py_ssize_t i
    for i in range(start, end):
        x = items[i]
        if x is value or x == value:
            return i
    return -1


cdef tuple _without(list items, object value, Py_ssize_t need, bint from_end):
    """``items`` without its first (or last, ``from_end``) ``need``
    occurrences of ``value``, and how many were dropped."""
    cdef list hits = []
    cdef list keep = []
    cdef Py_ssize_t n = PyList_GET_SIZE(items)
    cdef Py_ssize_t p, prev = 0
    p = _index_in(items, value, 0, n)
    while p >= 0:
        hits.append(p)
        p = _index_in(items, value, p + 1, n)
    if PyList_GET_SIZE(hits) > need:
        hits = hits[PyList_GET_SIZE(hits) - need:] if from_end else hits[:need]
    for p in hits:
        keep.extend(items[prev:p])
        prev = p + 1
    keep.extend(items[prev:])
    return keep, PyList_GET_SIZE(hits)
