"""The sorted order of a sorted set, pure-Python twin of ``zskiplist.pyx``.

The compiled twin is Redis's skiplist with spans.  Its levels are random and
never observable, so this twin keeps the same order in the structure that is
fastest in pure Python: a ``sortedcontainers.SortedList`` of (score, member)
tuples, whose lists of lists give the same O(log n) insertion, removal, rank
and seek.  Both twins answer every method alike, errors included.
"""
from sortedcontainers import SortedList


class _Top:
    """Greater than any member: (score, TOP) sorts after every (score, member)."""

    __slots__ = ()

    def __lt__(self, other):
        return False

    def __gt__(self, other):
        return True

    def __le__(self, other):
        return other is self

    def __ge__(self, other):
        return True


TOP = _Top()


def _check_member(member):
    if member.__class__ is not bytes:
        raise TypeError("sorted set members are bytes, not %s" % type(member).__name__)


class SkipList:
    __slots__ = ("_order", "version")

    def __init__(self, pairs=()):
        """A skiplist holding the (score, member) ``pairs`` (members distinct)."""
        pairs = list(pairs)
        for _, member in pairs:
            _check_member(member)
        self._order = SortedList((float(s), m) for s, m in pairs)
        # Bumped by every change, so an iterator notices a change under it.
        self.version = 0

    # ---- size -------------------------------------------------------------
    def __len__(self):
        return len(self._order)

    def __bool__(self):
        return bool(self._order)

    def __iter__(self):
        """(score, member) pairs in ascending order; a change meanwhile stops it with RuntimeError."""
        version = self.version
        for pair in self._order:
            if self.version != version:
                raise RuntimeError("skiplist changed during iteration")
            yield pair
        if self.version != version:
            raise RuntimeError("skiplist changed during iteration")

    def check(self):
        """Raise AssertionError unless the pairs are in strictly ascending order."""
        self._order._check()
        pairs = list(self._order)
        for a, b in zip(pairs, pairs[1:]):
            if not a < b:
                raise AssertionError("order")

    # ---- writes -----------------------------------------------------------
    def insert(self, score, member):
        """Add (score, member); ``member`` must not be in the list."""
        _check_member(member)
        self._order.add((float(score), member))
        self.version += 1

    def remove(self, score, member):
        """Remove (score, member); False when it is not there."""
        _check_member(member)
        try:
            self._order.remove((score, member))
        except ValueError:
            return False
        self.version += 1
        return True

    def update(self, old, member, new):
        """Move ``member`` from score ``old`` to ``new``."""
        _check_member(member)
        order = self._order
        try:
            order.remove((old, member))
        except ValueError:
            raise KeyError(member) from None
        order.add((float(new), member))
        self.version += 1

    def clear(self):
        self._order.clear()
        self.version += 1

    def pop(self, count, from_max=False):
        """Remove and return up to ``count`` (score, member) pairs from one end."""
        order = self._order
        n = min(count, len(order))
        if n <= 0:
            return []
        self.version += 1
        if n == 1:
            return [order.pop(-1 if from_max else 0)]
        if from_max:
            out = list(order.islice(len(order) - n, reverse=True))
            del order[len(order) - n:]
        else:
            out = list(order.islice(0, n))
            del order[:n]
        return out

    def delete_range(self, start, stop):
        """Remove the pairs at positions [start, stop); their members."""
        order = self._order
        start = max(start, 0)
        stop = min(stop, len(order))
        if start >= stop:
            return []
        out = [m for _, m in order.islice(start, stop)]
        if start == 0 and stop == len(order):
            order.clear()
        else:
            del order[start:stop]
        self.version += 1
        return out

    # ---- positions --------------------------------------------------------
    def bisect_left(self, score, member):
        """How many pairs sort before (score, member)."""
        _check_member(member)
        return self._order.bisect_left((score, member))

    def bisect_right(self, score, member):
        """How many pairs sort at or before (score, member)."""
        _check_member(member)
        return self._order.bisect_right((score, member))

    def count_below(self, score, inclusive=False):
        """How many pairs score below ``score`` (or at or below it when ``inclusive``)."""
        return self._order.bisect_left((score, TOP) if inclusive else (score,))

    def at(self, index):
        """The (score, member) pair at ``index``; negative counts from the end."""
        order = self._order
        n = len(order)
        if index < 0:
            index += n
        if index < 0 or index >= n:
            raise IndexError("skiplist index out of range")
        return order[index]

    def slice(self, start, stop, reverse=False):
        """The pairs at positions [start, stop) (clamped), ascending or walked backwards."""
        start = max(start, 0)
        stop = min(stop, len(self._order))
        if start >= stop:
            return []
        return list(self._order.islice(start, stop, reverse=reverse))
