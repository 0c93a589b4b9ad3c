"""Stream nodes (pure-Python twin of ``streamnode.pyx``): a listpack of stream entries as its bytes.

The listpack layout is described in ``pyredis.types.stream_node``, which
chooses the twin.  A node keeps the master entry's field part (``head``) and
the entries (``data``) as bytes; the counts, which change, are encoded only
when the whole listpack is asked for.  The last node of a stream takes
appends in a bytearray and is frozen to bytes when the next node opens.
Reads decode a node's entries once and keep the result while the node is
among the most recently decoded ones (``set_decoded_limit``); appends and
deletion marks keep a decoded node in step, so a stream read as it is
written is decoded once.
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
_limit = [128]
_decoded = {}


def set_decoded_limit(n):
    """How many nodes stay decoded at once (tests make it tiny to exercise the eviction)."""
    _limit[0] = n


def _delta(v):
    """A uint64 difference as the int64 lpAppendInteger stores."""
    v &= SEQ_MASK
    return v - (1 << 64) if v >> 63 else v


def _int_entry(v):
    return _SMALL_INTS[v] if 0 <= v <= 127 else lp_int_entry(v)


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

    def takes(self, pairs, max_entries, max_bytes):
        """Whether streamAppendItem adds ``pairs`` here rather than opening a node: lpBytes plus
        the items' lengths stays under ``max_bytes`` and the entries under ``max_entries`` (0: any)."""
        live = self.count
        deleted = self.deleted
        size = OVERHEAD + len(self.head) + len(self.data) \
            + (2 if live < 128 else int_size(live)) + (2 if deleted < 128 else int_size(deleted)) \
            + (len(pairs[0]) + len(pairs[1]) if len(pairs) == 2 else sum(map(len, pairs)))
        return size < max_bytes and not (max_entries and live + deleted >= max_entries)

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
            while len(_decoded) >= _limit[0]:
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
                v, p = string_element(data, p)
                pairs = [one_field, v]
            else:
                values = []
                for _ in range(nfields):
                    v, p = string_element(data, p)
                    values.append(v)
                pairs = [None] * (2 * nfields)
                pairs[0::2] = fields
                pairs[1::2] = values
        else:
            n, p = element(data, p)
            pairs = []
            for _ in range(2 * n):
                v, p = string_element(data, p)
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


def encode_range(node, i, stop, limit):
    """(RESP bytes, how many) of the live entries from index ``i`` towards ``stop``.

    ``stop`` is excluded; below ``i`` the walk goes backwards.  At most
    ``limit`` entries (0: no limit), each ``[id, [field, value ...]]``, as
    XRANGE and XREAD reply in RESP2 and RESP3 alike.
    """
    ids, items, _ = node.entries()
    parts = []
    append = parts.append
    n = 0
    run = range(i, stop, 1 if stop >= i else -1)
    if limit and not node.deleted:
        # Every entry is live: the limit cuts the run itself.
        run = run[:limit]
        limit = 0
    for j in run:
        pairs = items[j]
        if pairs is None:
            continue
        sid = ids[j]
        text = b"%d-%d" % (sid >> 64, sid & SEQ_MASK)
        if len(pairs) == 2:
            # One field: the shape of most streams, built in one step.
            f, v = pairs
            append(b"*2\r\n$%d\r\n%b\r\n*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
                len(text), text, len(f), f, len(v), v))
        else:
            append(b"*2\r\n$%d\r\n%b\r\n*%d\r\n" % (len(text), text, len(pairs)))
            parts += [b"$%d\r\n%b\r\n" % (len(x), x) for x in pairs]
        n += 1
        if n == limit:
            break
    return b"".join(parts), n


def string_element(data, p):
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
