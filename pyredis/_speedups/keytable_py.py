"""A db's keys (and a hash's fields) and their values, pure-Python twin of ``keytable.pyx``: Python's dict.

The compiled twin exists for memory (a key's bytes kept in its entry, not
as an object of their own); what it must do is what a dict does with bytes
keys: the same values, the same errors and every order (iteration, the last
item ``popitem`` takes) the insertion order.  Keys are bytes in both: a key
of another type is refused when stored.
"""
import itertools


class KeyTable(dict):
    """dict, storing only bytes keys."""

    __slots__ = ()

    def __setitem__(self, key, value):
        if not isinstance(key, bytes):
            raise TypeError("keys are bytes, not %s" % type(key).__name__)
        dict.__setitem__(self, key, value)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, other=(), **kwargs):
        if kwargs:
            raise TypeError("keys are bytes, not str")
        if hasattr(other, "keys"):
            for key in other.keys():
                self[key] = other[key]
        else:
            for key, value in other:
                self[key] = value

    def copy(self):
        return KeyTable(self.items())

    def __init__(self, other=None):
        dict.__init__(self)
        if other is not None:
            self.update(other)

    def items_at(self, positions):
        """The (key, value) pairs at ``positions`` (ascending) of the iteration order, in one walk."""
        out = []
        items = iter(self.items())
        at = -1
        pair = None
        for position in positions:
            if position < at or position >= len(self) or position < 0:
                raise IndexError("positions must ascend within the table")
            if position > at:
                pair = next(itertools.islice(items, position - at - 1, None))
                at = position
            out.append(pair)
        return out

    def __repr__(self):
        return "KeyTable(%d keys)" % len(self)


__all__ = ["KeyTable"]
