"""The sorted set container: members with float scores, ordered by (score, member).

A dict gives a member's score in O(1); a ``SkipList`` (the twin chosen in
``pyredis._speedups``: Redis's skiplist with spans, compiled, or its pure
twin) of (score, member) pairs gives insertion, removal, rank and the start of
a range in O(log n).  Ties are ordered by member bytes, as Redis orders them.
The container knows nothing of clients or replies: the command layer parses,
checks and formats; this module keeps the order and answers positions.

``compact`` mirrors Redis's encoding: True while Redis would keep the set as a
listpack, False once it would have converted it to a skiplist (one way, except
for destinations built by the store commands).  It is observable in two ways:
OBJECT ENCODING, and a listpack stores a score of -0 as 0.
"""
from math import copysign

from .. import db, memsize
from .._speedups import SkipList
from . import ENCODINGS

LISTPACK = b"listpack"
SKIPLIST = b"skiplist"

# The "-" and "+" of a lexical range: below and above every member.
MIN_LEX = object()
MAX_LEX = object()


def lex_cmp(a, b):
    """Redis sdscmplex: members are bytes, MIN_LEX/MAX_LEX the open ends."""
    if a is b:
        return 0
    if a is MIN_LEX or b is MAX_LEX:
        return -1
    if a is MAX_LEX or b is MIN_LEX:
        return 1
    return (a > b) - (a < b)


class LexRange:
    """A parsed lexical range; ``lo``/``hi`` are bytes, MIN_LEX or MAX_LEX."""

    __slots__ = ("lo", "lo_ex", "hi", "hi_ex")

    def __init__(self, lo, lo_ex, hi, hi_ex):
        self.lo = lo
        self.lo_ex = lo_ex
        self.hi = hi
        self.hi_ex = hi_ex

    def empty(self):
        cmp = lex_cmp(self.lo, self.hi)
        return cmp > 0 or (cmp == 0 and (self.lo_ex or self.hi_ex))

    def gte_min(self, member):
        cmp = lex_cmp(member, self.lo)
        return cmp > 0 if self.lo_ex else cmp >= 0

    def lte_max(self, member):
        cmp = lex_cmp(member, self.hi)
        return cmp < 0 if self.hi_ex else cmp <= 0


class ZSet:
    __slots__ = ("scores", "order", "compact")

    def __init__(self, compact=True):
        self.scores = {}
        self.order = SkipList()
        self.compact = compact

    # ---- size and lookup ------------------------------------------------
    def __len__(self):
        return len(self.scores)

    def __bool__(self):
        return bool(self.scores)

    def __contains__(self, member):
        return member in self.scores

    def __iter__(self):
        """(score, member) pairs in order."""
        return iter(self.order)

    def get(self, member):
        """The score of ``member`` or None."""
        return self.scores.get(member)

    def encoding(self, config=None):
        """The name OBJECT ENCODING reports."""
        return LISTPACK if self.compact else SKIPLIST

    def fits_listpack(self, max_entries, max_value):
        """Whether Redis would keep (or turn) this set into a listpack."""
        if len(self.scores) > max_entries:
            return False
        return all(len(m) <= max_value for m in self.scores)

    def to_skiplist(self):
        self.compact = False

    def to_listpack(self):
        """Turn a freshly built set compact; a listpack keeps no negative zero."""
        self.compact = True
        scores = self.scores
        for member in [m for m, s in scores.items() if s == 0.0 and copysign(1.0, s) < 0]:
            scores[member] = 0.0
            self.order.update(0.0, member, 0.0)

    # ---- writes ---------------------------------------------------------
    def insert(self, member, score):
        """Add ``member``, which must be absent."""
        if self.compact and score == 0.0:
            score = 0.0
        self.scores[member] = score
        self.order.insert(score, member)

    def update(self, member, score):
        """Give the present ``member`` a new score."""
        if self.compact and score == 0.0:
            score = 0.0
        scores = self.scores
        self.order.update(scores[member], member, score)
        scores[member] = score

    def remove(self, member):
        """Remove ``member``; False if it was absent."""
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.order.remove(score, member)
        return True

    def delete_range(self, start, stop):
        """Remove the members at positions [start, stop); return how many went."""
        if start >= stop:
            return 0
        order = self.order
        scores = self.scores
        if start == 0 and stop >= len(order):
            n = len(order)
            order.clear()
            scores.clear()
            return n
        removed = order.delete_range(start, stop)
        for member in removed:
            del scores[member]
        return len(removed)

    def pop(self, count, from_max=False):
        """Remove and return up to ``count`` (score, member) pairs from one end."""
        pairs = self.order.pop(count, from_max)
        scores = self.scores
        for pair in pairs:
            del scores[pair[1]]
        return pairs

    @classmethod
    def from_items(cls, items, compact):
        """A set holding the (member, score) ``items``, members distinct, built in one sort."""
        zs = cls(compact)
        zs.scores = scores = dict(items)
        zs.order = SkipList(sorted([(s, m) for m, s in scores.items()]))
        return zs

    @classmethod
    def from_scores(cls, scores, pairs, compact):
        """A set over the member -> score dict ``scores``.

        ``pairs``, its (score, member) in any order, becomes the set's own.
        """
        zs = cls.__new__(cls)
        zs.scores = scores
        # A listpack from an RDB is already in order: the sort is one pass,
        # and the skiplist appends ascending pairs without a search.
        pairs.sort()
        zs.order = SkipList(pairs)
        zs.compact = compact
        return zs

    def __reduce__(self):
        return (ZSet.from_items, (list(self.scores.items()), self.compact))

    def copy(self):
        new = ZSet(self.compact)
        new.scores = dict(self.scores)
        new.order = SkipList(self.order)
        return new

    # ---- positions ------------------------------------------------------
    def rank(self, member):
        """0-based position of ``member`` in ascending order, or None."""
        score = self.scores.get(member)
        if score is None:
            return None
        return self.order.bisect_left(score, member)

    def at(self, index):
        return self.order.at(index)

    def slice(self, start, stop, reverse=False):
        """(score, member) pairs at positions [start, stop), optionally walked backwards."""
        return self.order.slice(start, stop, reverse)

    def score_span(self, lo, lo_ex, hi, hi_ex):
        """Positions [start, stop) of the members whose score is within the bounds."""
        order = self.order
        return order.count_below(lo, lo_ex), order.count_below(hi, not hi_ex)

    def uniform_score(self):
        """The score shared by every member, or None when they differ."""
        order = self.order
        if not order:
            return None
        first = order.at(0)[0]
        return first if first == order.at(-1)[0] else None

    # ---- lexical ranges ---------------------------------------------------
    # Lexical ranges are meant for sets whose members all share one score;
    # then member order is position order and every search is a bisection.
    # With mixed scores the result is unspecified; a compact set then
    # follows Redis's listpack walk exactly (linear), a large one bisects.
    def _lex_bisect(self, score, bound, right):
        if bound is MIN_LEX:
            return 0
        if bound is MAX_LEX:
            return len(self.order)
        if right:
            return self.order.bisect_right(score, bound)
        return self.order.bisect_left(score, bound)

    def _min_pos(self, score, rng):
        """First position whose member is at or above the range's min."""
        return self._lex_bisect(score, rng.lo, rng.lo_ex)

    def _max_pos(self, score, rng):
        """First position whose member is above the range's max."""
        return self._lex_bisect(score, rng.hi, not rng.hi_ex)

    def _first_true(self, pred):
        """First position whose member satisfies the (assumed monotone) ``pred``."""
        order = self.order
        lo, hi = 0, len(order)
        while lo < hi:
            mid = (lo + hi) // 2
            if pred(order.at(mid)[1]):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _lex_overlaps(self, rng):
        """Whether ``rng`` can hold any member: the check both lex ends start with."""
        order = self.order
        return bool(order) and not rng.empty() and rng.gte_min(order.at(-1)[1]) and rng.lte_max(order.at(0)[1])

    def lex_first(self, rng):
        """Position of the first member in ``rng`` (zzlFirstInLexRange), or None."""
        if not self._lex_overlaps(rng):
            return None
        order = self.order
        n = len(order)
        score = self.uniform_score()
        if score is not None:
            i = self._min_pos(score, rng)
        elif self.compact:
            i = next(i for i, (_, m) in enumerate(order) if rng.gte_min(m))
        else:
            i = self._first_true(rng.gte_min)
        if i >= n or not rng.lte_max(order.at(i)[1]):
            return None
        return i

    def lex_last(self, rng):
        """Position of the last member in ``rng`` (zzlLastInLexRange), or None."""
        if not self._lex_overlaps(rng):
            return None
        order = self.order
        n = len(order)
        score = self.uniform_score()
        if score is not None:
            i = self._max_pos(score, rng) - 1
        elif self.compact:
            i = n - 1 - next(i for i, (_, m) in enumerate(order.slice(0, n, True))
                             if rng.lte_max(m))
        else:
            i = self._first_true(lambda m: not rng.lte_max(m)) - 1
        if i < 0 or not rng.gte_min(order.at(i)[1]):
            return None
        return i

    def lex_run_end(self, rng, start):
        """First position at or after ``start`` whose member is above the range's max."""
        order = self.order
        n = len(order)
        if start >= n:
            return n
        score = self.uniform_score()
        if score is not None:
            return max(start, self._max_pos(score, rng))
        i = start
        while i < n and rng.lte_max(order.at(i)[1]):
            i += 1
        return i

    def lex_run_begin(self, rng, start):
        """Last position at or before ``start`` whose member is below the range's min."""
        order = self.order
        if start < 0:
            return -1
        score = self.uniform_score()
        if score is not None:
            return min(start, self._min_pos(score, rng) - 1)
        i = start
        while i >= 0 and rng.gte_min(order.at(i)[1]):
            i -= 1
        return i


def encoding(value, config):
    return value.encoding()


db.TYPE_NAMES[ZSet] = b"zset"
db.BLOCKING_TYPES.add(ZSet)
ENCODINGS[ZSet] = encoding


def _lp_score(score):
    """A score as a listpack holds it: an integer when it is one, else its %.17g text."""
    if score.is_integer() and abs(score) < 2 ** 63:
        return b"%d" % score
    return b"%.17g" % score


def _memory(z, samples):
    if z.compact:
        return memsize.ROBJ + memsize.listpack(
            v for score, member in z.order for v in (member, _lp_score(score)))
    header = memsize.alloc(memsize.ZSKIPLIST_NODE
                           + memsize.ZSKIPLIST_LEVEL * memsize.ZSKIPLIST_MAXLEVEL)
    node = memsize.ZSL_NODE
    return (memsize.ROBJ + memsize.ZSET + memsize.ZSKIPLIST + memsize.DICT
            + 8 * memsize.growing_dict_slots(len(z), 2) + header
            + memsize._sampled(iter(z.order), len(z), samples,
                               lambda sm: memsize.sds(len(sm[1])) + memsize.DICT_ENTRY + node))


memsize.SIZERS[ZSet] = _memory
