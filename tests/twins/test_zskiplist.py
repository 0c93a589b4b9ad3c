"""The sorted-set skiplist: both twins against a plain sorted list, after every operation.

Each twin is checked on its own against the model (a Python list of
(score, member) pairs kept sorted), and the two twins are run side by side on
the same random operation sequences; every answer, every error and every
``check()`` of the structure's invariants must agree.
"""
import bisect
import math

import pytest
from hypothesis import given, settings, strategies as st

MEMBERS = st.sampled_from([b"", b"a", b"aa", b"ab", b"b", b"\x00", b"a\x00", b"\xff", b"m" * 40,
                           b"member:1", b"member:10", b"member:2"])
SCORES = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, math.inf, -math.inf, 1e300]),
                   st.floats(allow_nan=False, width=64), st.integers(-3, 3).map(float))
POSITIONS = st.integers(-3, 40)

OPS = st.one_of(
    st.tuples(st.just("put"), SCORES, MEMBERS),
    st.tuples(st.just("remove"), MEMBERS),
    st.tuples(st.just("remove_absent"), SCORES, MEMBERS),
    st.tuples(st.just("pop"), st.integers(-1, 5), st.booleans()),
    st.tuples(st.just("delete_range"), POSITIONS, POSITIONS),
    st.tuples(st.just("bisect"), SCORES, MEMBERS),
    st.tuples(st.just("count_below"), SCORES, st.booleans()),
    st.tuples(st.just("at"), POSITIONS),
    st.tuples(st.just("slice"), POSITIONS, POSITIONS, st.booleans()),
    st.tuples(st.just("clear")),
)


class Model:
    """The reference: a sorted list of pairs and a dict of scores."""

    def __init__(self):
        self.pairs = []
        self.scores = {}


def _apply(sl, model, op):
    """Run ``op`` on ``sl`` (and the model when given); return what ``sl`` answered."""
    kind = op[0]
    if kind == "put":
        _, score, member = op
        old = model.scores.get(member)
        if old is None:
            sl.insert(score, member)
            bisect.insort(model.pairs, (score, member))
        else:
            sl.update(old, member, score)
            model.pairs.remove((old, member))
            bisect.insort(model.pairs, (score, member))
        model.scores[member] = score
        return None
    if kind == "remove":
        member = op[1]
        old = model.scores.pop(member, None)
        if old is None:
            return None
        model.pairs.remove((old, member))
        return sl.remove(old, member)
    if kind == "remove_absent":
        _, score, member = op
        if (score, member) in model.pairs:
            return None
        return sl.remove(score, member)
    if kind == "pop":
        _, count, from_max = op
        out = sl.pop(count, from_max)
        n = max(0, min(count, len(model.pairs)))
        if from_max:
            expected = model.pairs[len(model.pairs) - n:][::-1]
            del model.pairs[len(model.pairs) - n:]
        else:
            expected = model.pairs[:n]
            del model.pairs[:n]
        for _, m in expected:
            del model.scores[m]
        assert out == expected
        return out
    if kind == "delete_range":
        _, start, stop = op
        out = sl.delete_range(start, stop)
        start, stop = max(start, 0), min(stop, len(model.pairs))
        gone = model.pairs[start:stop] if start < stop else []
        if gone:
            del model.pairs[start:stop]
        for _, m in gone:
            del model.scores[m]
        assert out == [m for _, m in gone]
        return out
    if kind == "bisect":
        _, score, member = op
        out = (sl.bisect_left(score, member), sl.bisect_right(score, member))
        assert out == (bisect.bisect_left(model.pairs, (score, member)),
                       bisect.bisect_right(model.pairs, (score, member)))
        return out
    if kind == "count_below":
        _, score, inclusive = op
        out = sl.count_below(score, inclusive)
        assert out == sum(1 for s, _ in model.pairs if s < score or (inclusive and s == score))
        return out
    if kind == "at":
        index = op[1]
        try:
            out = sl.at(index)
        except IndexError as exc:
            assert not -len(model.pairs) <= index < len(model.pairs)
            return ("IndexError", str(exc))
        assert out == model.pairs[index]
        return out
    if kind == "slice":
        _, start, stop, reverse = op
        out = sl.slice(start, stop, reverse)
        expected = model.pairs[max(start, 0):max(stop, 0)]
        assert out == (expected[::-1] if reverse else expected)
        return out
    sl.clear()
    model.pairs.clear()
    model.scores.clear()
    return None


def _same(a, b):
    """Equal, with -0.0 and 0.0 told apart (the twins must keep the score they were given)."""
    assert a == b
    assert repr(a) == repr(b)


@settings(max_examples=300, deadline=None)
@given(st.lists(OPS, max_size=60))
def test_each_twin_follows_the_model(zskiplist, ops):
    sl = zskiplist.SkipList()
    model = Model()
    for op in ops:
        _apply(sl, model, op)
        sl.check()
        assert len(sl) == len(model.pairs)
        assert bool(sl) == bool(model.pairs)
    _same(list(sl), model.pairs)


@settings(max_examples=300, deadline=None)
@given(st.lists(OPS, max_size=80))
def test_twins_agree_on_random_sequences(zskiplist_twins, ops):
    compiled, pure = zskiplist_twins
    a, b = compiled.SkipList(), pure.SkipList()
    ma, mb = Model(), Model()
    for op in ops:
        _same(_apply(a, ma, op), _apply(b, mb, op))
        a.check()
        b.check()
        _same(list(a), list(b))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(MEMBERS, SCORES))
def test_built_from_pairs_in_any_order(zskiplist, scores):
    pairs = sorted((s, m) for m, s in scores.items())
    for given_pairs in (pairs, pairs[::-1], pairs[1::2] + pairs[::2]):
        sl = zskiplist.SkipList(given_pairs)
        sl.check()
        _same(list(sl), pairs)


def test_large_list_ranks_and_levels(zskiplist):
    # Enough nodes for many levels: spans checked across all of them.
    sl = zskiplist.SkipList()
    n = 20000
    for i in range(n):
        sl.insert(float((i * 7919) % n), b"m%d" % i)
    sl.check()
    pairs = list(sl)
    assert [s for s, _ in pairs] == [float(i) for i in range(n)]
    for k in (0, 1, 2, 1000, n - 2, n - 1):
        assert sl.at(k) == pairs[k]
        assert sl.bisect_left(*pairs[k]) == k
    assert sl.slice(100, 110, True) == pairs[100:110][::-1]
    assert sl.delete_range(5000, 15000) == [m for _, m in pairs[5000:15000]]
    sl.check()
    assert len(sl) == n - 10000
    assert sl.pop(3, True) == pairs[::-1][:3]
    assert sl.pop(2) == pairs[:2]
    sl.check()


def test_update_in_place_and_moving(zskiplist):
    sl = zskiplist.SkipList([(1.0, b"a"), (2.0, b"b"), (3.0, b"c")])
    sl.update(2.0, b"b", 2.5)
    sl.update(1.0, b"a", 4.0)
    sl.update(3.0, b"c", -0.0)
    sl.check()
    _same(list(sl), [(-0.0, b"c"), (2.5, b"b"), (4.0, b"a")])
    with pytest.raises(KeyError):
        sl.update(9.0, b"b", 1.0)


def test_members_are_bytes(zskiplist):
    sl = zskiplist.SkipList()
    for bad in ("a", bytearray(b"a"), 1):
        with pytest.raises(TypeError, match="sorted set members are bytes, not %s" % type(bad).__name__):
            sl.insert(1.0, bad)
        with pytest.raises(TypeError):
            zskiplist.SkipList([(1.0, bad)])
    assert len(sl) == 0


def test_iterating_while_changed_stops(zskiplist):
    sl = zskiplist.SkipList([(1.0, b"a"), (2.0, b"b")])
    it = iter(sl)
    assert next(it) == (1.0, b"a")
    sl.insert(3.0, b"c")
    with pytest.raises(RuntimeError, match="skiplist changed during iteration"):
        next(it)
    assert list(sl) == [(1.0, b"a"), (2.0, b"b"), (3.0, b"c")]


def test_the_chooser_picks_the_compiled_twin_unless_told():
    import pyredis._speedups as chooser
    from pyredis._speedups import zskiplist, zskiplist_py
    expected = zskiplist_py.SkipList if chooser.IMPLEMENTATION == "python" else zskiplist.SkipList
    assert chooser.SkipList is expected
