"""A stream node as the listpack Redis keeps it in memory and writes whole into an RDB.

Layout (t_stream.c): the master entry (live count, deleted count, the
master field count, the master fields, a 0 terminator), then per entry its
flags, the ms and seq deltas from the node's master ID, either the field
count and the fields and values or, when the fields are the master's
(SAMEFIELDS), the values only, and last the entry's element count
(lp-count), which lets Redis walk the listpack backwards.  Deleted entries
stay in the listpack with the DELETED flag.
"""
from ..numbers import parse_int
from ..listpack import int_size
from ..types.stream import SEQ_MASK, Node
from . import blobs
from .blobs import BlobError, lp_entry, lp_int_entry

FLAG_NONE = 0
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2
EMPTY_LISTPACK = "empty listpack"


def _delta(v):
    """A uint64 difference as the int64 lpAppendInteger stores."""
    v &= SEQ_MASK
    return v - (1 << 64) if v >> 63 else v


def same_fields(fields, pairs):
    n = len(pairs) // 2
    if n == 1:
        return len(fields) == 1 and pairs[0] == fields[0]
    return n == len(fields) and pairs[0::2] == fields


def node_listpack(node):
    """The node's listpack bytes, as streamAppendItem/streamTrim/XDEL leave them."""
    fields = node.fields
    entries = [lp_int_entry(node.count), lp_int_entry(node.deleted), lp_int_entry(len(fields))]
    entries += [lp_entry(f) for f in fields]
    entries.append(lp_int_entry(0))
    append = entries.append
    master = node.master
    master_ms = master >> 64
    master_seq = master & SEQ_MASK
    items = node.items
    gone = node.gone
    for i, sid in enumerate(node.ids):
        pairs = items[i]
        flags = FLAG_NONE
        if pairs is None:
            pairs = gone[i]
            flags = FLAG_DELETED
        n = len(pairs) // 2
        same = same_fields(fields, pairs)
        if same:
            flags |= FLAG_SAMEFIELDS
        append(lp_int_entry(flags))
        append(lp_int_entry(_delta((sid >> 64) - master_ms)))
        append(lp_int_entry(_delta((sid & SEQ_MASK) - master_seq)))
        if same:
            entries += [lp_entry(v) for v in pairs[1::2]]
            append(lp_int_entry(n + 3))
        else:
            append(lp_int_entry(n))
            entries += [lp_entry(x) for x in pairs]
            append(lp_int_entry(2 * n + 4))
    return blobs.listpack(entries)


class _Cursor:
    __slots__ = ("items", "pos")

    def __init__(self, items):
        self.items = items
        self.pos = 0

    def take(self):
        p = self.pos
        if p >= len(self.items):
            raise BlobError("stream listpack truncated")
        self.pos = p + 1
        return self.items[p]

    def integer(self):
        v = parse_int(self.take())
        if v is None:
            raise BlobError("stream listpack integer")
        return v

    def many(self, n):
        p = self.pos
        if n < 0 or p + n > len(self.items):
            raise BlobError("stream listpack truncated")
        self.pos = p + n
        return self.items[p:p + n]


def node_from_listpack(master, blob):
    """The Node a listpack holds (streamValidateListpackIntegrity's walk); raises BlobError.

    Beyond Redis's deep check, entry IDs must rise from the master ID and the
    live count must match the flags: the container relies on both.
    """
    items = blobs.lp_items(blob)
    if not items:
        raise BlobError(EMPTY_LISTPACK)
    cur = _Cursor(items)
    count = cur.integer()
    deleted = cur.integer()
    fields = cur.many(cur.integer())
    if cur.integer() != 0:
        raise BlobError("master terminator")
    if count < 0 or deleted < 0 or count + deleted == 0:
        raise BlobError("entry counts")
    node = Node(master, fields)
    master_ms = master >> 64
    master_seq = master & SEQ_MASK
    last = -1
    dead = []
    for i in range(count + deleted):
        flags = cur.integer()
        ms = (master_ms + cur.integer()) & SEQ_MASK
        sid = ms << 64 | ((master_seq + cur.integer()) & SEQ_MASK)
        if flags & FLAG_SAMEFIELDS:
            values = cur.many(len(fields))
            pairs = [None] * (2 * len(values))
            pairs[0::2] = fields
            pairs[1::2] = values
            expected = len(fields) + 3
        else:
            n = cur.integer()
            pairs = cur.many(2 * n)
            expected = 2 * n + 4
        if cur.integer() != expected or sid <= last or sid < master:
            raise BlobError("stream entry")
        last = sid
        node.append(sid, pairs)
        if flags & FLAG_DELETED:
            dead.append(i)
    if cur.pos != len(items) or len(dead) != deleted:
        raise BlobError("stream entries")
    for i in dead:
        node.mark_deleted(i)
    node.count = count
    node.deleted = deleted
    # The listpack's own size, whatever encodings its writer chose.
    node.body_bytes = len(blob) - node.master_bytes - int_size(count) - int_size(deleted)
    return node
