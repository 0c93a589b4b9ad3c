# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Stream nodes, compiled twin of ``streamnode_py.py``.

The node's state, its listpack bytes and the decoded-node cache are the pure
twin's; see that module for what is kept and why.  Here the master ID's two
halves are C integers, so an append's deltas are C arithmetic, and decoding
walks the listpack through a C pointer.
"""
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.string cimport memcpy
from libc.stdint cimport int16_t, int32_t, int64_t, uint64_t

from ..listpack import OVERHEAD, element, int_size, lp_entry, lp_int_entry

SEQ_MASK = (1 << 64) - 1
FLAG_NONE = 0
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2
_TERMINATOR = lp_int_entry(0)
_FLAGS_NONE = lp_int_entry(FLAG_NONE)
_FLAGS_SAME = lp_int_entry(FLAG_SAMEFIELDS)
_SMALL_INTS = [lp_int_entry(v) for v in range(128)]
_LP_COUNT_ONE = _SMALL_INTS[4]
_SMALL_HEAD = [bytes((0x80 | n,)) for n in range(64)]
_SMALL_BACK = [bytes((n + 1,)) for n in range(64)]
_DIGITS = [b"%d" % v for v in range(128)]
_limit = [128]
_decoded = {}


def set_decoded_limit(n):
    """How many nodes stay decoded at once (tests make it tiny to exercise the eviction)."""
    _limit[0] = n


cdef inline object _int_entry(Py_ssize_t v):
    return _SMALL_INTS[v] if 0 <= v <= 127 else lp_int_entry(v)


cdef inline bint _int_start(unsigned char c):
    return c == 45 or 48 <= c <= 57


cdef class Node:
    """One listpack: master ID and fields, the last ID, counts and the entries' bytes."""

    cdef readonly object master
    cdef public object last, fields, head, data, decoded
    cdef public Py_ssize_t count, deleted, elements
    cdef uint64_t master_ms, master_seq

    def __init__(self, master, fields, head=None):
        self.master = master
        self.master_ms = <uint64_t>(master >> 64)
        self.master_seq = <uint64_t>(master & SEQ_MASK)
        self.last = master
        self.fields = tuple(fields)
        if head is None:
            head = b"".join([_int_entry(len(fields))] + [lp_entry(f) for f in fields]
                            + [_TERMINATOR])
        self.head = head
        self.data = bytearray()
        self.count = 0
        self.deleted = 0
        self.elements = 0
        self.decoded = None

    def nbytes(self):
        """lpBytes of the node's listpack."""
        return OVERHEAD + int_size(self.count) + int_size(self.deleted) + len(self.head) \
            + len(self.data)

    def takes(self, pairs, Py_ssize_t max_entries, Py_ssize_t max_bytes):
        """Whether streamAppendItem adds ``pairs`` here rather than opening a node."""
        cdef Py_ssize_t live = self.count, deleted = self.deleted, size
        if max_entries and live + deleted >= max_entries:
            return False
        size = OVERHEAD + len(self.head) + len(self.data)
        size += 2 if live < 128 else int_size(live)
        size += 2 if deleted < 128 else int_size(deleted)
        for item in pairs:
            size += len(item)
        return size < max_bytes

    def append(self, sid, pairs):
        """Add an entry with an ID above every ID in the node (streamAppendItem's node part)."""
        cdef uint64_t dms = <uint64_t>(sid >> 64) - self.master_ms
        cdef uint64_t dseq = <uint64_t>(sid & SEQ_MASK) - self.master_seq
        cdef Py_ssize_t n, pos
        ms = _SMALL_INTS[dms] if dms <= 127 else lp_int_entry(<int64_t>dms)
        seq = _SMALL_INTS[dseq] if dseq <= 127 else lp_int_entry(<int64_t>dseq)
        fields = self.fields
        data = self.data
        if type(data) is bytes:
            # A frozen node that is the last again (the one after it went): it takes appends.
            data = self.data = bytearray(data)
        pos = len(data)
        if len(pairs) == 2 and len(fields) == 1 and pairs[0] == fields[0]:
            v = pairs[1]
            n = len(v)
            if n < 64 and (n == 0 or not _int_start(v[0])):
                data += b"".join((_FLAGS_SAME, ms, seq, _SMALL_HEAD[n], v, _SMALL_BACK[n],
                                  _LP_COUNT_ONE))
            else:
                data += b"".join((_FLAGS_SAME, ms, seq, lp_entry(v), _LP_COUNT_ONE))
            self.elements += 5
        else:
            n = len(pairs) // 2
            if n == len(fields) and (n == 1 and pairs[0] == fields[0]
                                     or tuple(pairs[0::2]) == fields):
                parts = [_FLAGS_SAME, ms, seq]
                parts += [lp_entry(x) for x in pairs[1::2]]
                parts.append(_int_entry(n + 3))
                self.elements += n + 4
            else:
                parts = [_FLAGS_NONE, ms, seq, _int_entry(n)]
                parts += [lp_entry(x) for x in pairs]
                parts.append(_int_entry(2 * n + 4))
                self.elements += 2 * n + 5
            data += b"".join(parts)
        self.count += 1
        self.last = sid
        decoded = self.decoded
        if decoded is not None:
            decoded[0].append(sid)
            decoded[1].append(pairs)
            decoded[2].append(pos)

    def freeze(self):
        """The node will take no more appends: keep its entries as bytes."""
        if type(self.data) is bytearray:
            self.data = bytes(self.data)

    def entries(self):
        """(ids, items, offsets) of every entry, live or marked deleted (item None); shared, read-only."""
        decoded = self.decoded
        if decoded is None:
            decoded = self.decoded = decode(self)
            while len(_decoded) >= _limit[0]:
                old = next(iter(_decoded))
                del _decoded[old]
                (<Node>old).decoded = None
            _decoded[self] = None
        return decoded

    def mark_deleted(self, indexes):
        """Set the DELETED flag of the live entries at ``indexes`` and count them deleted."""
        ids, items, offsets = self.entries()
        data = self.data
        frozen = type(data) is bytes
        if frozen:
            data = bytearray(data)
        for i in indexes:
            data[offsets[i]] |= FLAG_DELETED
            items[i] = None
        if frozen:
            self.data = bytes(data)
        self.count -= len(indexes)
        self.deleted += len(indexes)

    def listpack(self):
        """The node's whole listpack, as Redis holds it and writes it into an RDB."""
        elements = self.elements + 3 + len(self.fields) + 1
        total = self.nbytes()
        return b"".join((total.to_bytes(4, "little"), min(elements, 65535).to_bytes(2, "little"),
                         _int_entry(self.count), _int_entry(self.deleted), self.head, self.data,
                         b"\xff"))

    def copy(self):
        cdef Node node = Node.__new__(Node)
        node.master = self.master
        node.master_ms = self.master_ms
        node.master_seq = self.master_seq
        node.last = self.last
        node.fields = self.fields
        node.head = self.head
        node.data = self.data[:]
        node.count = self.count
        node.deleted = self.deleted
        node.elements = self.elements
        node.decoded = None
        return node


cdef inline Py_ssize_t _backlen_size(Py_ssize_t n):
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


cdef Py_ssize_t _read(const unsigned char* d, Py_ssize_t p, int64_t* ival, Py_ssize_t* start,
                      Py_ssize_t* slen):
    """The element at ``p``: its end; an integer in ``ival`` (``slen`` -1) or a string's span."""
    cdef unsigned char b = d[p]
    cdef Py_ssize_t size
    cdef uint64_t u
    cdef int i
    if b < 0x80:
        ival[0] = b
        slen[0] = -1
        return p + 2
    if b < 0xC0:
        start[0] = p + 1
        slen[0] = b & 0x3F
        return p + 2 + slen[0]
    if b < 0xE0:
        u = ((b & 0x1F) << 8) | d[p + 1]
        ival[0] = <int64_t>u - 8192 if u >= 4096 else <int64_t>u
        slen[0] = -1
        return p + 3
    if b < 0xF0:
        start[0] = p + 2
        slen[0] = ((b & 0x0F) << 8) | d[p + 1]
        size = 2 + slen[0]
    elif b == 0xF0:
        start[0] = p + 5
        slen[0] = d[p + 1] | (d[p + 2] << 8) | (d[p + 3] << 16) | (<Py_ssize_t>d[p + 4] << 24)
        size = 5 + slen[0]
    else:
        slen[0] = -1
        if b == 0xF1:
            ival[0] = <int16_t>(d[p + 1] | (d[p + 2] << 8))
            size = 3
        elif b == 0xF2:
            u = d[p + 1] | (d[p + 2] << 8) | (<uint64_t>d[p + 3] << 16)
            ival[0] = <int64_t>u - (1 << 24) if u >= (1 << 23) else <int64_t>u
            size = 4
        elif b == 0xF3:
            ival[0] = <int32_t>(d[p + 1] | (d[p + 2] << 8) | (d[p + 3] << 16)
                                | (<uint64_t>d[p + 4] << 24))
            size = 5
        else:
            u = 0
            for i in range(8, 0, -1):
                u = (u << 8) | d[p + i]
            ival[0] = <int64_t>u
            size = 9
    return p + size + _backlen_size(size)


cdef inline object _value(const unsigned char* d, int64_t ival, Py_ssize_t start, Py_ssize_t slen):
    if slen >= 0:
        return PyBytes_FromStringAndSize(<const char*>d + start, slen)
    if 0 <= ival < 128:
        return _DIGITS[ival]
    return b"%d" % ival


def decode(Node node, bint keep_deleted=False):
    """(ids, items, offsets) of the node's entries; each item a [field, value ...] list or None.

    With ``keep_deleted`` deleted entries keep their items too, and a fourth
    list gives their indexes.
    """
    data = node.data
    if type(data) is not bytes:
        data = bytes(data)
    cdef const unsigned char* d = <const unsigned char*>PyBytes_AS_STRING(data)
    cdef Py_ssize_t end = PyBytes_GET_SIZE(data), p = 0, start = 0, slen = 0, k, n
    cdef int64_t ival = 0, flags, dms, dseq
    cdef uint64_t ms, seq
    fields = node.fields
    cdef Py_ssize_t nfields = len(fields)
    one_field = fields[0] if nfields == 1 else None
    cdef list ids = [], items = [], offsets = [], dead = []
    cdef list pairs
    while p < end:
        offsets.append(p)
        p = _read(d, p, &flags, &start, &slen)
        p = _read(d, p, &dms, &start, &slen)
        p = _read(d, p, &dseq, &start, &slen)
        ms = node.master_ms + <uint64_t>dms
        seq = node.master_seq + <uint64_t>dseq
        ids.append((<object>ms) << 64 | seq)
        if flags & FLAG_SAMEFIELDS:
            if one_field is not None:
                p = _read(d, p, &ival, &start, &slen)
                pairs = [one_field, _value(d, ival, start, slen)]
            else:
                pairs = []
                for k in range(nfields):
                    p = _read(d, p, &ival, &start, &slen)
                    pairs.append(fields[k])
                    pairs.append(_value(d, ival, start, slen))
        else:
            p = _read(d, p, &ival, &start, &slen)
            n = 2 * ival
            pairs = []
            for k in range(n):
                p = _read(d, p, &ival, &start, &slen)
                pairs.append(_value(d, ival, start, slen))
        # The lp-count that closes the entry.
        p = _read(d, p, &ival, &start, &slen)
        if flags & FLAG_DELETED:
            if keep_deleted:
                dead.append(len(items))
                items.append(pairs)
            else:
                items.append(None)
        else:
            items.append(pairs)
    if keep_deleted:
        return ids, items, offsets, dead
    return ids, items, offsets


def string_element(data, Py_ssize_t p):
    """An element as the bytes a client gave: integers spelled in decimal."""
    v, p = element(data, p)
    if type(v) is int:
        return b"%d" % v, p
    return v, p


# ---- replies ------------------------------------------------------------------------------------
cdef inline Py_ssize_t _udigits(uint64_t v) noexcept:
    cdef Py_ssize_t d = 1
    while v >= 10:
        v //= 10
        d += 1
    return d


cdef inline char* _put_u(char* p, uint64_t v, Py_ssize_t d) noexcept:
    cdef Py_ssize_t i
    for i in range(d - 1, -1, -1):
        p[i] = <char>(48 + v % 10)
        v //= 10
    return p + d


cdef inline char* _put_header(char* p, char prefix, Py_ssize_t n) noexcept:
    p[0] = prefix
    p = _put_u(p + 1, <uint64_t>n, _udigits(<uint64_t>n))
    p[0] = 13
    p[1] = 10
    return p + 2


cdef inline void _entry_id(const unsigned char* d, Py_ssize_t p, Node node, uint64_t* ms,
                           uint64_t* seq) noexcept:
    cdef int64_t flags = 0, dms = 0, dseq = 0
    cdef Py_ssize_t start = 0, slen = 0
    p = _read(d, p, &flags, &start, &slen)
    p = _read(d, p, &dms, &start, &slen)
    _read(d, p, &dseq, &start, &slen)
    ms[0] = node.master_ms + <uint64_t>dms
    seq[0] = node.master_seq + <uint64_t>dseq


def encode_range(Node node, Py_ssize_t i, Py_ssize_t stop, Py_ssize_t limit):
    """(RESP bytes, how many) of the live entries from index ``i`` towards ``stop``.

    ``stop`` is excluded; below ``i`` the walk goes backwards.  At most
    ``limit`` entries (0: no limit), each ``[id, [field, value ...]]``, as
    XRANGE and XREAD reply in RESP2 and RESP3 alike.
    """
    cdef tuple decoded = node.entries()
    cdef list items = decoded[1], offsets = decoded[2], pairs
    cdef Py_ssize_t step = 1 if stop >= i else -1
    cdef Py_ssize_t j = i, n = 0, total = 0, k, npairs, size, idlen
    cdef uint64_t ms = 0, seq = 0
    cdef object v
    data = node.data
    cdef const unsigned char* d = <const unsigned char*>(
        PyBytes_AS_STRING(data) if type(data) is bytes else PyByteArray_AS_STRING(data))
    while j != stop:
        v = items[j]
        if v is not None:
            pairs = <list>v
            _entry_id(d, offsets[j], node, &ms, &seq)
            idlen = _udigits(ms) + 1 + _udigits(seq)
            npairs = len(pairs)
            # *2  $<idlen> id  *<npairs>
            total += 4 + _udigits(<uint64_t>idlen) + 3 + idlen + 2 + _udigits(<uint64_t>npairs) + 3
            for k in range(npairs):
                v = pairs[k]
                if type(v) is not bytes:
                    # A value kept as another bytes-like object: the same bytes, from now on.
                    v = pairs[k] = bytes(v)
                size = PyBytes_GET_SIZE(v)
                total += _udigits(<uint64_t>size) + size + 5
            n += 1
            if n == limit:
                break
        j += step
    out = PyBytes_FromStringAndSize(NULL, total)
    cdef char* p = PyBytes_AS_STRING(out)
    cdef Py_ssize_t written = 0
    j = i
    while written < n:
        v = items[j]
        if v is not None:
            pairs = <list>v
            _entry_id(d, offsets[j], node, &ms, &seq)
            p = _put_header(p, 42, 2)
            idlen = _udigits(ms) + 1 + _udigits(seq)
            p = _put_header(p, 36, idlen)
            p = _put_u(p, ms, _udigits(ms))
            p[0] = 45
            p = _put_u(p + 1, seq, _udigits(seq))
            p[0] = 13
            p[1] = 10
            p += 2
            npairs = len(pairs)
            p = _put_header(p, 42, npairs)
            for k in range(npairs):
                v = pairs[k]
                size = PyBytes_GET_SIZE(v)
                p = _put_header(p, 36, size)
                memcpy(p, PyBytes_AS_STRING(v), size)
                p[size] = 13
                p[size + 1] = 10
                p += size + 2
            written += 1
        j += step
    return out, n
