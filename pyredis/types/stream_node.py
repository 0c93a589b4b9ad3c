"""A stream node: the listpack Redis keeps a run of stream entries in, held as its bytes.

Layout (t_stream.c): the master entry (live count, deleted count, the
master field count, the master fields, a 0 terminator), then per entry its
flags, the ms and seq deltas from the node's master ID, either the field
count and the fields and values or, when the fields are the master's
(SAMEFIELDS), the values only, and last the entry's element count
(lp-count), which lets Redis walk the listpack backwards.  A deleted entry
stays in the listpack with the DELETED flag.

A node keeps the master entry's field part (``head``) and the entries
(``data``) as bytes; the counts, which change, are encoded only when the
whole listpack is asked for.  The last node of a stream takes appends in a
bytearray and is frozen to bytes when the next node opens.  Reads decode a
node's entries once and keep the result while the node is among the most
recently decoded ones (``DECODED_LIMIT``); appends and deletion marks keep a
decoded node in step, so a stream read as it is written is decoded once.
"""
from ..listpack import OVERHEAD, element, int_size, lp_entry, lp_int_entry

SEQ_MASK = (1 << 64) - 1
FLAG_NONE = 0
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2
# The master entry's "0" terminator, and an entry's flags as lp_int_entry writes them.
_TERMINATOR = lp_int_entry(0)
_FLAGS_NONE = lp_int_entry(FLAG_NONE)
_FLAGS_SAME = lp_int_entry(FLAG_SAMEFIELDS)
_SMALL_INTS = [lp_int_entry(v) for v in range(128)]
# The lp-count closing an entry of one master field.
_LP_COUNT_ONE = _SMALL_INTS[4]
_SMALL_HEAD = [bytes((0x80 | n,)) for n in range(64)]
_SMALL_BACK = [bytes((n + 1,)) for n in range(64)]
_INT_START = frozenset(b"-0123456789")
_DIGITS = [b"%d" % v for v in range(128)]
# Nodes decoded at once: enough for the readers of many streams, few enough to bound the memory.
DECODED_LIMIT = 128
_decoded = {}


def _delta(v):
    """A uint64 difference as the int64 lpAppendInteger stores."""
    v &= SEQ_MASK
    return v - (1 << 64) if v >> 63 else v


def _int_entry(v):
    return _SMALL_INTS[v] if 0 <= v <= 127 else lp_int_entry(v)


def same_fields(fields, pairs):
    n = len(pairs) // 2
    if n == 1:
        return len(fields) == 1 and pairs[0] == fields[0]
    return n == len(fields) and tuple(pairs[0::2]) == fields


class Node:
    """One listpack: master ID and fields, the last ID, counts and the entries' bytes."""

    __slots__ = ("master", "last", "fields", "head", "data", "count", "deleted", "elements",
                 "decoded")

    def __init__(self, master, fields, head=None):
        self.master = master
        self.last = master
        self.fields = tuple(fields)
        if head is None:
            head = b"".join([_int_entry(len(fields))] + [lp_entry(f) for f in fields]
                            + [_TERMINATOR])
        self.head = head
        self.data = bytearray()
        self.count = 0
        self.deleted = 0
        # Listpack elements in ``data``: the header's element count needs it.
        self.elements = 0
        # (ids, items, offsets) while decoded; items[i] is None for an entry marked deleted.
        self.decoded = None

    def nbytes(self):
        """lpBytes of the node's listpack."""
        return OVERHEAD + int_size(self.count) + int_size(self.deleted) + len(self.head) \
            + len(self.data)

    def append(self, sid, pairs):
        """Add an entry with an ID above every ID in the node (streamAppendItem's node part)."""
        master = self.master
        ms = (sid >> 64) - (master >> 64)
        seq = (sid & SEQ_MASK) - (master & SEQ_MASK)
        ms = _SMALL_INTS[ms] if 0 <= ms <= 127 else lp_int_entry(_delta(ms))
        seq = _SMALL_INTS[seq] if 0 <= seq <= 127 else lp_int_entry(_delta(seq))
        fields = self.fields
        data = self.data
        if data.__class__ is bytes:
            # A frozen node that is the last again (the one after it went): it takes appends.
            data = self.data = bytearray(data)
        pos = len(data)
        if len(pairs) == 2 and len(fields) == 1 and pairs[0] == fields[0]:
            # One field, the master's: the shape of most streams.
            v = pairs[1]
            n = len(v)
            if n < 64 and (not n or v[0] not in _INT_START):
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
                parts += [lp_entry(v) for v in pairs[1::2]]
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
        if self.data.__class__ is bytearray:
            self.data = bytes(self.data)

    # ---- reading --------------------------------------------------------------------------------
    def entries(self):
        """(ids, items, offsets) of every entry, live or marked deleted (item None); shared, read-only."""
        decoded = self.decoded
        if decoded is None:
            decoded = self.decoded = decode(self)
            if len(_decoded) >= DECODED_LIMIT:
                old = next(iter(_decoded))
                del _decoded[old]
                old.decoded = None
            _decoded[self] = None
        return decoded

    # ---- deleting -------------------------------------------------------------------------------
    def mark_deleted(self, indexes):
        """Set the DELETED flag of the live entries at ``indexes`` and count them deleted."""
        ids, items, offsets = self.entries()
        data = self.data
        frozen = data.__class__ is bytes
        if frozen:
            data = bytearray(data)
        for i in indexes:
            # Flags are 7-bit integers (one byte) in every node the container holds.
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
        node = Node.__new__(Node)
        node.master = self.master
        node.last = self.last
        node.fields = self.fields
        node.head = self.head
        node.data = self.data[:]
        node.count = self.count
        node.deleted = self.deleted
        node.elements = self.elements
        node.decoded = None
        return node


def decode(node, keep_deleted=False):
    """(ids, items, offsets) of the node's entries; each item a [field, value ...] list or None.

    With ``keep_deleted`` deleted entries keep their items too, and a fourth
    list gives their indexes.
    """
    data = node.data
    if data.__class__ is not bytes:
        data = bytes(data)
    fields = node.fields
    nfields = len(fields)
    one_field = fields[0] if nfields == 1 else None
    master = node.master
    master_ms = master >> 64
    master_seq = master & SEQ_MASK
    ids = []
    items = []
    offsets = []
    dead = []
    end = len(data)
    p = 0
    while p < end:
        offsets.append(p)
        flags = data[p]
        if flags < 0x80:
            p += 2
        else:
            flags, p = element(data, p)
        ms = data[p]
        if ms < 0x80:
            p += 2
        else:
            ms, p = element(data, p)
        seq = data[p]
        if seq < 0x80:
            p += 2
        else:
            seq, p = element(data, p)
        ids.append(((master_ms + ms) & SEQ_MASK) << 64 | ((master_seq + seq) & SEQ_MASK))
        if flags & FLAG_SAMEFIELDS:
            if one_field is not None:
                v, p = _string(data, p)
                pairs = [one_field, v]
            else:
                values = []
                for _ in range(nfields):
                    v, p = _string(data, p)
                    values.append(v)
                pairs = [None] * (2 * nfields)
                pairs[0::2] = fields
                pairs[1::2] = values
        else:
            n, p = element(data, p)
            pairs = []
            for _ in range(2 * n):
                v, p = _string(data, p)
                pairs.append(v)
        # The lp-count that closes the entry.
        p = p + 2 if data[p] < 0x80 else element(data, p)[1]
        if flags & FLAG_DELETED:
            if keep_deleted:
                dead.append(len(items))
            else:
                pairs = None
        items.append(pairs)
    if keep_deleted:
        return ids, items, offsets, dead
    return ids, items, offsets


def _string(data, p):
    """An element as the bytes a client gave: integers spelled in decimal."""
    b = data[p]
    if b < 0x80:
        return _DIGITS[b], p + 2
    if b < 0xC0:
        end = p + 1 + (b & 0x3F)
        return data[p + 1:end], end + 1
    v, p = element(data, p)
    if v.__class__ is int:
        return b"%d" % v, p
    return v, p


def from_listpack(master, blob, last, count, deleted, nfields):
    """The node a listpack already checked well-formed holds, keeping its bytes as they are."""
    p = 6
    for _ in range(2):
        p = element(blob, p)[1]
    head_start = p
    fields = []
    p = element(blob, p)[1]
    for _ in range(nfields):
        v, p = _string(blob, p)
        fields.append(v)
    p = element(blob, p)[1]
    node = Node(master, fields, bytes(blob[head_start:p]))
    node.data = bytes(blob[p:-1])
    node.last = last
    node.count = count
    node.deleted = deleted
    elements = int.from_bytes(blob[4:6], "little")
    if elements == 65535:
        # The header stops counting there: count by walking.
        elements = 0
        q = 0
        data = node.data
        while q < len(data):
            q = element(data, q)[1]
            elements += 1
    else:
        elements -= 3 + nfields + 1
    node.elements = elements
    if any(node.data[off] >= 0x80 for off in decode(node)[2]):
        # Flags in a wider integer encoding than Redis writes: re-encode the entries.
        node = _reencoded(node)
    return node


def _reencoded(node):
    fresh = Node(node.master, node.fields, node.head)
    ids, items, _, dead = decode(node, True)
    for sid, pairs in zip(ids, items):
        fresh.append(sid, pairs)
    if dead:
        fresh.mark_deleted(dead)
    fresh.freeze()
    return fresh
