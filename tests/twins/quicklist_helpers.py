"""Shared pieces of the QuickList twin tests: a plain-list model with the
QuickList API, and a harness that runs every call on both twins and the
model at once. The per-twin fixture is ``quicklist`` from conftest.py."""

import importlib
import importlib.machinery
from collections.abc import Iterator

# every fill Redis accepts has a distinct behaviour class: the five byte
# limits, one element per node (1), tiny count limits (2) and count limits
# that the 8 KiB safety cap can also bound (32, 128)
FILLS = (-5, -4, -3, -2, -1, 1, 2, 32, 128)


def both_modules():
    """(compiled, pure) QuickList modules, imported by name rather than
    through the chooser, so that a missing build fails the differential
    tests instead of comparing the pure twin with itself."""
    compiled = importlib.import_module("pyredis._speedups.quicklist")
    if not compiled.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        raise ImportError("%s is not a compiled extension" % compiled.__file__)
    return compiled, importlib.import_module("pyredis._speedups.quicklist_py")


def _norm(start, stop, total):
    if start < 0:
        start += total
    if stop < 0:
        stop += total
    if start < 0:
        start = 0
    if start > stop or start >= total:
        return None
    if stop >= total:
        stop = total - 1
    return start, stop


class ListModel:
    """The QuickList API on a plain Python list, written for clarity."""

    def __init__(self, items=()):
        self.items = list(items)

    def __len__(self):
        return len(self.items)

    def _pos(self, i):
        n = len(self.items)
        if i < 0:
            i += n
        return i if 0 <= i < n else None

    def push_head(self, v):
        self.items.insert(0, v)

    def push_tail(self, v):
        self.items.append(v)

    def extend_head(self, values):
        for v in values:
            self.items.insert(0, v)

    def extend_tail(self, values):
        self.items.extend(values)

    def pop_head(self):
        return self.items.pop(0) if self.items else None

    def pop_tail(self):
        return self.items.pop() if self.items else None

    def pop_head_many(self, count):
        out = self.items[:max(count, 0)]
        del self.items[:len(out)]
        return out

    def pop_tail_many(self, count):
        k = min(max(count, 0), len(self.items))
        out = self.items[len(self.items) - k:][::-1]
        del self.items[len(self.items) - k:]
        return out

    def index(self, i):
        p = self._pos(i)
        return None if p is None else self.items[p]

    def replace(self, i, v):
        p = self._pos(i)
        if p is None:
            return False
        self.items[p] = v
        return True

    def insert_before(self, i, v):
        p = self._pos(i)
        if p is None:
            return False
        self.items.insert(p, v)
        return True

    def insert_after(self, i, v):
        p = self._pos(i)
        if p is None:
            return False
        self.items.insert(p + 1, v)
        return True

    def insert_pivot(self, pivot, v, after):
        if pivot not in self.items:
            return False
        p = self.items.index(pivot)
        self.items.insert(p + 1 if after else p, v)
        return True

    def delete_range(self, start, count):
        p = self._pos(start)
        if count <= 0 or p is None:
            return 0
        end = min(len(self.items), p + count)
        del self.items[p:end]
        return end - p

    def trim(self, start, stop):
        n = len(self.items)
        r = _norm(start, stop, n)
        self.items = [] if r is None else self.items[r[0]:r[1] + 1]
        return n - len(self.items)

    def remove(self, value, count):
        hits = [k for k, x in enumerate(self.items) if x == value]
        if count > 0:
            hits = hits[:count]
        elif count < 0:
            hits = hits[len(hits) + count:] if -count < len(hits) else hits
        for k in reversed(hits):
            del self.items[k]
        return len(hits)

    def range(self, start, stop):
        r = _norm(start, stop, len(self.items))
        return [] if r is None else self.items[r[0]:r[1] + 1]

    def encode_range(self, start, stop):
        items = self.range(start, stop)
        return b"*%d\r\n" % len(items) + b"".join(b"$%d\r\n%b\r\n" % (len(v), v) for v in items)

    def iter_range(self, start, stop, reverse=False):
        out = self.range(start, stop)
        return iter(out[::-1] if reverse else out)

    def iter_from(self, index, reverse=False):
        p = self._pos(index)
        if p is None:
            return iter(())
        return iter(self.items[p::-1] if reverse else self.items[p:])

    def __iter__(self):
        return iter(list(self.items))

    def __reversed__(self):
        return iter(self.items[::-1])

    def find(self, value, rank=1, count=1, maxlen=0):
        n = len(self.items)
        order = list(range(n)) if rank > 0 else list(range(n - 1, -1, -1))
        if maxlen:
            order = order[:maxlen]
        hits = [k for k in order if self.items[k] == value][abs(rank) - 1:]
        return hits[:count] if count else hits


def _outcome(fn, args):
    try:
        result = fn(*args)
    except Exception as exc:  # both twins must fail the same way
        return ("raised", type(exc), str(exc))
    if isinstance(result, Iterator):
        result = list(result)
    return ("returned", result)


class Trio:
    """Runs every call on both twins and on the model; after each call it
    checks results, invariants, node layouts and contents."""

    def __init__(self, fill=-2, compress=0, check_model=True):
        self.twins = [m.QuickList(fill, compress) for m in both_modules()]
        self.model = ListModel()
        self.check_model = check_model
        self.fill = fill

    def __getattr__(self, name):
        def call(*args):
            outcomes = [_outcome(getattr(q, name), args) for q in self.twins]
            assert outcomes[0] == outcomes[1], (name, args, outcomes)
            if self.check_model and outcomes[0][0] == "returned":
                expected = _outcome(getattr(self.model, name), args)
                assert outcomes[0] == expected, (name, args, outcomes[0], expected)
            self.check()
            if outcomes[0][0] == "raised":
                raise outcomes[0][1](outcomes[0][2])
            return outcomes[0][1]
        return call

    def check(self):
        for q in self.twins:
            q.verify()
        a, b = self.twins
        assert a.node_layout() == b.node_layout()
        assert len(a) == len(b) == len(self.model)
        contents = list(a)
        assert contents == list(b) == self.model.items
        assert list(reversed(a)) == list(reversed(b)) == contents[::-1]
        assert a.nbytes == b.nbytes
        assert a.nodes() == b.nodes()
        assert a.node_count == b.node_count == len(a.node_layout())

    @property
    def layout(self):
        return self.twins[0].node_layout()

    @property
    def items(self):
        return self.model.items


def val(size, ch=b"a"):
    return ch * size
