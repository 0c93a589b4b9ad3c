"""A stream node's listpack in an RDB: written as the node holds it, checked when read.

The layout is the one ``pyredis.types.stream_node`` describes; a node keeps
its listpack's bytes, so saving writes them nearly verbatim (only the two
counts at its head are encoded afresh) and loading keeps the file's bytes
once the walk below has found them well-formed.
"""
from ..numbers import parse_int
from ..types.stream_node import FLAG_DELETED, FLAG_SAMEFIELDS, SEQ_MASK, from_listpack
from . import blobs
from .blobs import BlobError

EMPTY_LISTPACK = "empty listpack"


def node_listpack(node):
    """The node's listpack bytes, as streamAppendItem/streamTrim/XDEL leave them."""
    return node.listpack()


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
    items = blobs.lp_items(blob, False)
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
    master_ms = master >> 64
    master_seq = master & SEQ_MASK
    last = -1
    dead = 0
    for _ in range(count + deleted):
        flags = cur.integer()
        ms = (master_ms + cur.integer()) & SEQ_MASK
        sid = ms << 64 | ((master_seq + cur.integer()) & SEQ_MASK)
        if flags & FLAG_SAMEFIELDS:
            cur.many(len(fields))
            expected = len(fields) + 3
        else:
            n = cur.integer()
            cur.many(2 * n)
            expected = 2 * n + 4
        if cur.integer() != expected or sid <= last or sid < master:
            raise BlobError("stream entry")
        last = sid
        if flags & FLAG_DELETED:
            dead += 1
    if cur.pos != len(items) or dead != deleted:
        raise BlobError("stream entries")
    return from_listpack(master, blob, last, count, deleted, len(fields))
