"""Cursor iteration with Redis's SCAN guarantee.

The cursor is a hash threshold: every member whose hash is below it has been
returned.  A page comes from a snapshot of the members sorted by hash; any
snapshot taken while an iteration runs holds every member present for the
whole iteration, so a snapshot may be rebuilt at any time without breaking the
guarantee.  Members added later may or may not be returned; members deleted
since the snapshot are skipped by the caller.  Cursors are valid within one
server run, like Redis cursors across a rehash-free lifetime.
"""
import re
from array import array
from bisect import bisect_left

from .errors import CommandError, INVALID_CURSOR as _INVALID_CURSOR_TEXT

_MASK = (1 << 62) - 1
INVALID_CURSOR = CommandError(_INVALID_CURSOR_TEXT)


def _hash(member):
    return hash(member) & _MASK


class Snapshot:
    __slots__ = ("members", "hashes", "version")

    def __init__(self, members, version=None):
        members = list(members)
        members.sort(key=_hash)
        self.members = members
        self.hashes = array("Q", map(_hash, members))
        self.version = version

    def page(self, cursor, count):
        """(members, next cursor) for the page starting at ``cursor``."""
        hashes = self.hashes
        n = len(hashes)
        start = bisect_left(hashes, cursor - 1) if cursor else 0
        end = min(start + max(count, 1), n)
        # Members sharing a hash go out together, so a page never splits them.
        while 0 < end < n and hashes[end] == hashes[end - 1]:
            end += 1
        return self.members[start:end], (hashes[end] + 1 if end < n else 0)


class SnapshotCache:
    """Snapshots of collections under iteration, bounded in number."""

    def __init__(self, limit=64):
        self.limit = limit
        self.entries = {}

    def get(self, collection, cursor):
        key = id(collection)
        entry = self.entries.get(key)
        # Cursor 0 starts an iteration: members added since the last snapshot must show.
        if entry is None or entry[0] is not collection or cursor == 0:
            if len(self.entries) >= self.limit:
                self.entries.pop(next(iter(self.entries)))
            entry = (collection, Snapshot(collection))
            self.entries[key] = entry
        return entry[1]


_CURSOR = re.compile(rb"([+-]?)([0-9]+)").fullmatch
_C_SPACE = frozenset(b" \t\n\v\f\r")
_ULONG_MAX = (1 << 64) - 1


def parse_cursor(arg):
    """parseScanCursorOrReply: C ``strtoul`` base 10, no leading space, no trailing bytes, no overflow."""
    nul = arg.find(b"\0")
    if nul >= 0:
        # The C string ends at the first NUL.
        arg = arg[:nul]
    if not arg:
        return 0
    if arg[0] in _C_SPACE:
        raise INVALID_CURSOR
    m = _CURSOR(arg)
    if m is None:
        raise INVALID_CURSOR
    value = int(m.group(2))
    if value > _ULONG_MAX:
        raise INVALID_CURSOR
    if m.group(1) == b"-" and value:
        value = (1 << 64) - value
    return value
