"""QuickList twins: one suite, run on the Cython and the pure-Python twin.

Every scripted sequence runs through ``Trio``, which applies each call to
both twins and to a plain-list model and then checks results, the invariant
checker, node layouts and contents. Sequences loop over every fill class.
"""

import gc
import random
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant,
                                 rule, run_state_machine_as_test)

from .quicklist_helpers import FILLS, ListModel, Trio, both_modules, val

LIMITS = {-1: 4096, -2: 8192, -3: 16384, -4: 32768, -5: 65536}


def _entry(n):
    # the listpack entry size the twins are expected to charge, written out
    # independently from their code
    header = 1 if n < 64 else 2 if n < 4096 else 5
    e = header + n
    back = 1 if e <= 127 else 2 if e < 16383 else 3
    return e + back


def _per_node(limit, n):
    # _quicklistNodeAllowInsert: a node takes an element of n bytes while
    # its size + n + 8 (SIZE_ESTIMATE_OVERHEAD) stays within the limit
    return (limit - 7 - (n + 8)) // _entry(n) + 1


def _node_limit(fill):
    return LIMITS[fill] if fill < 0 else 8192


def _big(fill):
    # an element no node of this fill may share
    return val(_node_limit(fill) + 100, b"B")


def test_twins_are_distinct_and_compiled():
    cy, py = both_modules()
    assert cy.__name__ == "pyredis._speedups.quicklist"
    assert py.__name__ == "pyredis._speedups.quicklist_py"
    assert cy.QuickList is not py.QuickList


# -- construction and empty lists ---------------------------------------------

def test_empty(quicklist):
    q = quicklist.QuickList()
    q.verify()
    assert len(q) == 0 and not q
    assert q.fill == -2 and q.compress == 0
    assert q.pop_head() is None and q.pop_tail() is None
    assert q.pop_head_many(3) == [] and q.pop_tail_many(3) == []
    assert q.index(0) is None and q.index(-1) is None
    assert q.range(0, -1) == []
    assert list(q) == [] and list(reversed(q)) == []
    assert list(q.iter_from(0)) == [] and list(q.iter_range(0, -1, True)) == []
    assert q.node_layout() == [] and q.node_count == 0 and q.nbytes == 0
    assert q.replace(0, b"x") is False
    assert q.insert_before(0, b"x") is False and q.insert_after(-1, b"x") is False
    assert q.insert_pivot(b"p", b"x", True) is False
    assert q.delete_range(0, 5) == 0 and q.trim(0, -1) == 0
    assert q.remove(b"x", 0) == 0
    assert q.find(b"x") == []
    q.verify()


@pytest.mark.parametrize("fill,compress,want", [
    (-2, 0, (-2, 0)), (-5, 3, (-5, 3)), (-9, 1, (-5, 1)), (1 << 20, 0, (1 << 15, 0)),
    (0, -4, (0, 0)), (7, 1 << 20, (7, (1 << 16) - 1)),
])
def test_constructor_clamps_like_redis(quicklist, fill, compress, want):
    q = quicklist.QuickList(fill, compress)
    assert (q.fill, q.compress) == want
    q2 = quicklist.QuickList(fill=fill, compress=compress)
    assert (q2.fill, q2.compress) == want


def test_constructor_rejects_non_integers():
    for mod in both_modules():
        with pytest.raises(TypeError, match="an integer is required"):
            mod.QuickList("2")
        with pytest.raises(TypeError, match="an integer is required"):
            mod.QuickList(-2, 1.5)


def test_non_bytes_rejected_identically():
    t = Trio()
    t.push_tail(b"ok")
    for call, args in [("push_tail", ("s",)), ("push_head", (1,)),
                       ("replace", (0, bytearray(b"x"))),
                       ("insert_before", (0, "x")), ("insert_after", (0, None)),
                       ("insert_pivot", ("ok", b"x", True)),
                       ("insert_pivot", (b"ok", "x", True)),
                       ("remove", ("ok", 0)), ("find", (memoryview(b"ok"),))]:
        with pytest.raises(TypeError, match="^quicklist elements must be bytes$"):
            getattr(t, call)(*args)
    assert t.items == [b"ok"]


def test_find_argument_errors_identical():
    t = Trio()
    t.extend_tail([b"a", b"b"])
    for args, msg in [((b"a", 0), "rank must not be zero"),
                      ((b"a", 1, -1), "count must not be negative"),
                      ((b"a", 1, 1, -1), "maxlen must not be negative")]:
        with pytest.raises(ValueError, match="^%s$" % msg):
            t.find(*args)


# -- sizes and fill ---------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 62, 63, 64, 125, 126, 127, 4093, 4095,
                               4096, 16370, 16377, 16378, 70000])
def test_entry_size_model(quicklist, n):
    q = quicklist.QuickList(-5)
    q.push_tail(val(n))
    assert q.nbytes == 7 + _entry(n)
    q.push_head(val(n, b"z"))
    q.verify()


@pytest.mark.parametrize("fill", [-1, -2, -3, -4, -5])
def test_byte_fill_packs_nodes_exactly(quicklist, fill):
    per_node = _per_node(LIMITS[fill], 10)
    q = quicklist.QuickList(fill)
    q.extend_tail(val(10) for _ in range(per_node * 2 + 5))
    assert q.node_layout() == [per_node, per_node, 5]
    q.verify()
    h = quicklist.QuickList(fill)
    h.extend_head(val(10) for _ in range(per_node * 2 + 5))
    assert h.node_layout() == [5, per_node, per_node]
    h.verify()


def test_head_sizes(quicklist):
    # A node takes a 10-byte element while its size + 10 + 8 stays within the limit.
    per_node = (LIMITS[-2] - 7 - 10 - 8) // _entry(10) + 1
    h = quicklist.QuickList(-2)
    assert h.head_sizes(3) == []
    h.extend_head(val(10) for _ in range(per_node * 2 + 5))
    full = 7 + per_node * _entry(10)
    assert h.head_sizes(2) == [7 + 5 * _entry(10), full]
    assert h.head_sizes(10) == [7 + 5 * _entry(10), full, full]
    assert sum(h.head_sizes(3)) == h.nbytes
    assert h.head_sizes(0) == []


@pytest.mark.parametrize("fill", [1, 2, 32, 128])
def test_count_fill_with_safety_cap(quicklist, fill):
    q = quicklist.QuickList(fill)
    q.extend_tail(val(1) for _ in range(fill * 3))
    assert q.node_layout() == [fill] * 3
    # 100-byte elements: the 8 KiB cap allows 79 a node, whatever the count
    per_cap = (8192 - 7) // _entry(100)
    w = quicklist.QuickList(fill)
    w.extend_tail(val(100) for _ in range(200))
    per = min(fill, per_cap)
    assert w.node_layout() == [per] * (200 // per) + ([200 % per] if 200 % per else [])
    w.verify()


def test_fill_zero_is_one_element_per_node(quicklist):
    q = quicklist.QuickList(0)
    q.extend_tail([b"a", b"b", b"c"])
    q.insert_after(0, b"x")
    assert q.node_layout() == [1, 1, 1, 1]
    assert q.range(0, -1) == [b"a", b"x", b"b", b"c"]
    q.verify()


@pytest.mark.parametrize("fill", FILLS)
def test_oversized_elements_get_their_own_node(fill):
    t = Trio(fill)
    big = _big(fill)
    t.extend_tail([b"a", b"b"])
    t.push_tail(big)
    t.push_tail(b"c")
    t.push_head(big)
    assert t.layout[0] == 1 and t.items[0] == big
    i = t.items.index(big, 1)
    assert t.layout[-2:] == [1, 1]
    t.insert_before(i, big)
    t.insert_after(i, big)
    t.replace(1, big)
    t.replace(0, b"small")
    t.replace(i + 1, b"")
    assert t.index(i) == big
    t.remove(big, 2)
    t.remove(big, -1)
    t.remove(big, 0)
    assert big not in t.items


@pytest.mark.parametrize("fill", FILLS)
def test_empty_values(fill):
    t = Trio(fill)
    t.extend_tail([b""] * 3000)
    t.insert_after(1500, b"")
    t.replace(7, b"")
    assert t.find(b"", 1, 3) == [0, 1, 2]
    assert t.find(b"", -1, 2) == [3000, 2999]
    t.remove(b"", 1000)
    t.remove(b"", -1000)
    assert len(t.items) == 1001
    t.trim(1, -2)
    t.remove(b"", 0)
    assert t.items == []


# -- scripted sequences over every fill ---------------------------------------

@pytest.mark.parametrize("fill", FILLS)
def test_push_pop_both_ends(fill):
    t = Trio(fill)
    for k in range(300):
        t.push_tail(b"t%d" % k)
        t.push_head(b"h%d" % k)
    for _ in range(250):
        t.pop_head()
        t.pop_tail()
    t.extend_head([b"x%d" % k for k in range(200)])
    t.extend_tail([b"y%d" % k for k in range(200)])
    t.pop_head_many(150)
    t.pop_tail_many(150)
    t.pop_tail_many(0)
    t.pop_head_many(-3)
    while t.items:
        t.pop_tail() if len(t.items) % 3 else t.pop_head()
    assert t.pop_head() is None and t.pop_tail() is None and t.layout == []


@pytest.mark.parametrize("fill", FILLS)
def test_many_small_values_index_and_range(fill):
    t = Trio(fill)
    t.extend_tail([b"%d" % k for k in range(5000)])
    q_cy, q_py = t.twins
    n = len(t.items)
    for i in list(range(-n - 2, -n + 40)) + list(range(0, n, 97)) + [n - 1, n, n + 5]:
        assert q_cy.index(i) == q_py.index(i) == t.model.index(i)
    for a, b in [(0, -1), (100, 199), (-300, -250), (4990, 6000), (-9000, 3),
                 (2500, 2400), (5000, 5001), (0, 0), (-1, -1), (1234, 4321)]:
        t.range(a, b)
        t.encode_range(a, b)
        t.iter_range(a, b)
        t.iter_range(a, b, True)
    for i in [0, 1, 2499, 2500, 4999, -1, -5000, -5001, 5000]:
        t.iter_from(i)
        t.iter_from(i, True)


@pytest.mark.parametrize("fill", FILLS)
def test_inserts_split_full_nodes(fill):
    t = Trio(fill)
    t.extend_tail([val(7, b"%d" % (k % 10)) for k in range(2000)])
    rnd = random.Random(fill)
    for k in range(120):
        n = len(t.items)
        i = rnd.randrange(-n, n)
        v = b"n%d" % k if k % 7 else val(rnd.choice([100, 3000, 9000]))
        if k % 2:
            t.insert_after(i, v)
        else:
            t.insert_before(i, v)
    # at the edges of nodes: first and last element of each
    pos = 0
    for count in t.layout[:40]:
        t.insert_before(pos, b"edge")
        t.insert_after(pos + count, b"edge")
        pos += count + 2
    t.insert_before(len(t.items), b"out")
    t.insert_after(-len(t.items) - 1, b"out")


@pytest.mark.parametrize("fill", FILLS)
def test_insert_pivot(fill):
    t = Trio(fill)
    t.extend_tail([b"p%d" % (k % 50) for k in range(1000)])
    for k in range(60):
        t.insert_pivot(b"p%d" % (k % 50), b"v%d" % k, bool(k % 2))
    t.insert_pivot(b"missing", b"v", True)
    t.insert_pivot(b"p3", _big(fill), False)


@pytest.mark.parametrize("fill", FILLS)
def test_replace(fill):
    t = Trio(fill)
    t.extend_tail([val(20, b"%d" % (k % 10)) for k in range(1500)])
    rnd = random.Random(fill)
    for k in range(150):
        n = len(t.items)
        size = rnd.choice([0, 1, 20, 60, 500, 5000, 20000, 70000])
        t.replace(rnd.randrange(-n, n), val(size, b"r"))
    t.replace(len(t.items), b"x")
    t.replace(-len(t.items) - 1, b"x")


@pytest.mark.parametrize("fill", FILLS)
def test_delete_range_and_merges(fill):
    t = Trio(fill)
    t.extend_tail([b"%d" % k for k in range(3000)])
    rnd = random.Random(fill)
    for _ in range(60):
        n = len(t.items)
        t.delete_range(rnd.randrange(-n - 3, n + 3), rnd.randrange(-2, 300))
    t.delete_range(0, 0)
    t.delete_range(0, -1)
    t.delete_range(len(t.items), 1)
    t.delete_range(-len(t.items), 1 << 62)
    assert t.items == []


@pytest.mark.parametrize("fill", FILLS)
def test_trim(fill):
    for start, stop in [(0, -1), (5, 10), (-10, -5), (100, 50), (0, 10 ** 6),
                        (-(10 ** 6), 3), (3000, 4000), (2999, 2999), (1, -2)]:
        t = Trio(fill)
        t.extend_tail([b"%d" % k for k in range(3000)])
        t.trim(start, stop)


@pytest.mark.parametrize("fill", FILLS)
def test_remove(fill):
    t = Trio(fill)
    t.extend_tail([b"abc"[k % 3:k % 3 + 1] * (1 + k % 5) for k in range(3000)])
    for value, count in [(b"a", 1), (b"b", -1), (b"aa", 10), (b"bb", -10),
                         (b"c", 0), (b"zz", 3), (b"aaa", 1 << 62),
                         (b"bbb", -(1 << 63)), (b"aaaa", -7), (b"cc", 5)]:
        t.remove(value, count)
    t.remove(b"a", 0)
    t.remove(b"b", 0)


@pytest.mark.parametrize("fill", FILLS)
def test_find_like_lpos(fill):
    t = Trio(fill)
    t.extend_tail([b"a", b"b", b"c", b"1", b"2", b"3", b"c", b"c"])
    # the examples of the LPOS documentation
    assert t.find(b"c") == [2]
    assert t.find(b"c", 2) == [6]
    assert t.find(b"c", -1) == [7]
    assert t.find(b"c", 1, 2) == [2, 6]
    assert t.find(b"c", -1, 2) == [7, 6]
    assert t.find(b"c", 1, 0) == [2, 6, 7]
    assert t.find(b"c", 1, 0, 3) == [2]
    assert t.find(b"c", -1, 0, 2) == [7, 6]
    assert t.find(b"c", 4) == []
    assert t.find(b"c", -(1 << 63), 0) == []
    assert t.find(b"c", 1 << 62, 0) == []
    t.extend_tail([b"abc"[k % 3:k % 3 + 1] for k in range(3000)])
    rnd = random.Random(fill)
    for _ in range(40):
        rank = rnd.choice([1, 2, 5, 400, -1, -3, -700])
        t.find(rnd.choice([b"a", b"b", b"c", b"q"]), rank, rnd.choice([0, 1, 3, 50]),
               rnd.choice([0, 1, 10, 999, 2500, 10 ** 9]))


@pytest.mark.parametrize("fill", FILLS)
def test_pops_never_merge(fill):
    t = Trio(fill)
    t.extend_tail([val(30, b"%d" % (k % 10)) for k in range(3000)])
    before = list(t.layout)
    assert len(before) >= 2
    t.pop_head_many(before[0] - 1)
    t.pop_tail_many(before[-1] - 1)
    assert t.layout == [1] + before[1:-1] + [1]
    t.pop_head()
    t.pop_tail()
    assert t.layout == before[1:-1]


def test_deletes_never_merge_count_fill():
    t = Trio(4)
    t.extend_tail([b"%d" % k for k in range(12)])
    assert t.layout == [4, 4, 4]
    t.delete_range(2, 4)
    assert t.layout == [2, 2, 4]
    t.pop_head_many(3)
    assert t.layout == [1, 4]
    t.remove(b"8", 1)
    assert t.layout == [1, 3]


def test_split_insert_merges_around_as_redis():
    # _quicklistInsert into a full node splits it; the new element joins the
    # part before the pivot (inserting before it), then _quicklistMergeNodes
    # merges neighbours whose sizes, less 11, fit the limit (the layouts are
    # redis-server 7.0.15's for the same commands).
    t = Trio(4)
    t.extend_tail([b"%d" % k for k in range(12)])
    t.insert_before(5, b"x")
    assert t.layout == [4, 2, 3, 4]
    assert t.items[4:7] == [b"4", b"x", b"5"]
    # after "0": "0" stays alone, "y" joins the rest, which stays full
    t.insert_after(0, b"y")
    assert t.layout == [1, 4, 2, 3, 4]


def test_limits_are_inclusive_for_pushes_and_deletes_never_merge():
    # 1361 one-byte elements of 3 bytes each: 7 + 3 * 1360 + 1 + 8 = 4096
    t = Trio(-1)
    t.extend_tail([b"x"] * (1361 * 2 + 1))
    assert t.layout == [1361, 1361, 1]
    t.delete_range(1000, 1361)
    assert t.layout == [1000, 361, 1]
    assert t.twins[0].nbytes == 7 + 3 * 1000 + 7 + 3 * 361 + 7 + 3


def test_replace_happens_in_place_whatever_the_size():
    # quicklistReplaceEntry (7.0.15) never splits: the node outgrows the fill
    t = Trio(-1)
    t.extend_tail([val(100) for _ in range(38)])
    assert t.layout == [38]
    t.replace(10, val(4000, b"R"))
    assert t.layout == [38]
    assert t.twins[0].nbytes == t.twins[1].nbytes == 7 + 37 * _entry(100) + _entry(4000)
    # a push does not fit the outgrown node
    t.push_tail(b"x")
    assert t.layout == [38, 1]
    t.replace(10, b"r")
    assert t.layout == [38, 1]
    # deletes never merge, though the two nodes would now fit in one
    t.delete_range(11, 1)
    assert t.layout == [37, 1]


def test_copy_is_independent(quicklist):
    q = quicklist.QuickList(8, 2)
    q.extend_tail([b"%d" % k for k in range(100)])
    q.pop_head_many(3)
    c = q.copy()
    c.verify()
    assert (c.fill, c.compress) == (8, 2)
    assert c.node_layout() == q.node_layout() and list(c) == list(q)
    c.push_head(b"new")
    c.replace(50, b"changed")
    q.remove(b"10", 0)
    c.verify()
    q.verify()
    assert list(c)[1:] != list(q)
    assert q.index(0) == b"3" and c.index(0) == b"new"


def test_extend_stops_at_first_bad_element():
    outs = []
    for mod in both_modules():
        q = mod.QuickList()
        with pytest.raises(TypeError, match="^quicklist elements must be bytes$"):
            q.extend_tail([b"a", b"b", "c", b"d"])
        with pytest.raises(TypeError, match="^quicklist elements must be bytes$"):
            q.extend_head([b"x", 5])
        q.verify()
        outs.append((list(q), q.node_layout()))
    assert outs[0] == outs[1] == ([b"x", b"a", b"b"], [3])


def test_dropped_list_is_freed_without_the_cycle_collector(quicklist):
    values = [b"%d" % k for k in range(200_000)]
    gc.disable()
    tracemalloc.start()
    try:
        q = quicklist.QuickList(1)
        q.extend_tail(values)
        q.pop_head()
        held = tracemalloc.get_traced_memory()[0]
        del q
        assert held - tracemalloc.get_traced_memory()[0] > 200_000 * 60
    finally:
        tracemalloc.stop()
        gc.enable()



def test_interior_nodes_are_packed_and_reads_leave_them_packed(quicklist):
    # 16-byte elements cost 17 bytes packed (a length byte and the data),
    # against 64 for a bytes object and 8 for its list slot
    n = 20_000
    values = [b"element:%08d" % k for k in range(n)]
    gc.disable()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        q = quicklist.QuickList()
        q.extend_tail(values)
        assert tracemalloc.get_traced_memory()[0] - base < n * 24
        assert q.range(0, -1) == values
        assert q.encode_range(5, 12_345) == b"*12341\r\n" + b"".join(
            b"$16\r\n%b\r\n" % v for v in values[5:12_346])
        assert list(reversed(q)) == values[::-1]
        assert list(q.iter_range(10, 15_000)) == values[10:15_001]
        assert q.index(10_000) == values[10_000]
        assert q.find(values[17_777]) == [17_777]
        assert q.find(values[33], -1) == [33]
        assert sum(count for count, _, _, _ in q.nodes()) == n
        q.verify()
        q.push_head(b"x" * 16)
        q.push_tail(b"y" * 16)
        assert tracemalloc.get_traced_memory()[0] - base < n * 24
        assert q.pop_head_many(2 * n) == [b"x" * 16] + values + [b"y" * 16]
        q.verify()
    finally:
        tracemalloc.stop()
        gc.enable()


@pytest.mark.parametrize("fill", [-2, 3])
def test_packed_nodes_hold_every_length_and_take_writes(fill):
    # lengths either side of one, two and three LEB128 length bytes
    sizes = [0, 1, 127, 128, 300, 16383, 16384, 70000]
    t = Trio(fill)
    for k in range(3):
        for n in sizes:
            t.push_tail(val(n, b"abc"[k:k + 1]))
    for n in sizes:
        t.push_head(val(n, b"h"))
    middle = len(t.model) // 2
    assert t.index(middle) is not None
    assert t.find(val(128, b"b")) != []
    t.replace(middle, b"replaced")
    t.insert_before(middle - 3, val(200, b"i"))
    t.insert_after(middle + 3, b"after")
    t.insert_pivot(val(300, b"a"), b"pivot", True)
    t.remove(val(127, b"c"), 0)
    t.delete_range(5, 4)
    t.trim(1, -2)
    c = [q.copy() for q in t.twins]
    for q in c:
        q.verify()
    assert list(c[0]) == list(c[1]) == list(t.twins[0])
    while len(t.model):
        t.pop_tail()


# -- random sequences ---------------------------------------------------------

_SIZES = [0, 1, 2, 3, 5, 8, 13, 40, 63, 64, 200]
_BIG_SIZES = [1000, 4100, 9000, 17000, 70000]


# Integers as a listpack stores them (1 to 9 bytes), and strings that only look like them.
_NUMBERS = [b"0", b"1", b"-1", b"127", b"128", b"-4096", b"4095", b"40000", b"-8388608",
            b"9999999999", b"9223372036854775807", b"-9223372036854775808",
            b"9223372036854775808", b"007", b"-0", b"12a", b"-", b"+5", b" 5"]


def _random_value(rnd):
    if rnd.random() < 0.1:
        return rnd.choice(_NUMBERS)
    size = rnd.choice(_BIG_SIZES) if rnd.random() < 0.04 else rnd.choice(_SIZES)
    return rnd.choice([b"a", b"b", b"c"]) * size


def _random_step(t, rnd):
    n = len(t.items)
    i = rnd.randrange(-n - 2, n + 2)
    j = rnd.randrange(-n - 2, n + 2)
    v = _random_value(rnd)
    op = rnd.randrange(16)
    if op == 0:
        t.push_head(v)
    elif op == 1:
        t.push_tail(v)
    elif op == 2:
        t.pop_head()
    elif op == 3:
        t.pop_tail()
    elif op == 4:
        t.replace(i, v)
    elif op == 5:
        t.insert_before(i, v)
    elif op == 6:
        t.insert_after(i, v)
    elif op == 7:
        t.delete_range(i, rnd.randrange(-1, 40))
    elif op == 8 and rnd.random() < 0.2:
        t.trim(i, j)
    elif op == 9:
        t.remove(v, rnd.randrange(-3, 4))
    elif op == 10:
        t.range(i, j)
        t.encode_range(i, j)
    elif op == 11:
        t.extend_tail([_random_value(rnd) for _ in range(rnd.randrange(60))])
    elif op == 12:
        t.extend_head([_random_value(rnd) for _ in range(rnd.randrange(60))])
    elif op == 13:
        t.find(v, rnd.choice([1, 2, -1, -2]), rnd.randrange(3), rnd.randrange(n + 2))
    elif op == 14:
        t.insert_pivot(v, _random_value(rnd), rnd.random() < 0.5)
    else:
        t.iter_from(i, rnd.random() < 0.5)
        t.index(i)


@pytest.mark.parametrize("fill", FILLS + (0,))
def test_random_sequences_both_twins_step_by_step(fill):
    rnd = random.Random(1000 + fill)
    for _ in range(3):
        t = Trio(fill)
        for _ in range(500):
            _random_step(t, rnd)


_value = st.builds(lambda ch, n: ch * n, st.sampled_from([b"a", b"b", b"c"]),
                   st.one_of(st.sampled_from(_SIZES), st.sampled_from(_BIG_SIZES)))
_idx = st.integers(-60, 60)
_op = st.one_of(
    st.tuples(st.sampled_from(["push_head", "push_tail"]), _value),
    st.tuples(st.sampled_from(["pop_head", "pop_tail"])),
    st.tuples(st.sampled_from(["replace", "insert_before", "insert_after"]), _idx, _value),
    st.tuples(st.just("delete_range"), _idx, st.integers(-1, 50)),
    st.tuples(st.sampled_from(["trim", "range"]), _idx, _idx),
    st.tuples(st.just("remove"), _value, st.integers(-3, 3)),
    st.tuples(st.just("extend_tail"),
              st.lists(st.sampled_from([b"", b"a", b"bb", b"ccc" * 30]), max_size=80)),
    st.tuples(st.just("find"), _value, st.sampled_from([1, 2, -1, -3]),
              st.integers(0, 3), st.integers(0, 40)),
)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FILLS), st.lists(_op, max_size=60))
def test_hypothesis_sequences_compare_layouts_every_step(fill, ops):
    t = Trio(fill)
    for name, *args in ops:
        getattr(t, name)(*args)


# -- state machine against the list model, one run per twin --------------------

def _machine_for(mod):
    class QuickListMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.q = mod.QuickList()
            self.model = ListModel()

        @initialize(fill=st.sampled_from(FILLS))
        def create(self, fill):
            self.q = mod.QuickList(fill)

        @rule(v=_value, head=st.booleans())
        def push(self, v, head):
            if head:
                self.q.push_head(v)
                self.model.push_head(v)
            else:
                self.q.push_tail(v)
                self.model.push_tail(v)

        @rule(vs=st.lists(st.sampled_from([b"", b"a", b"bb", b"c" * 100]), max_size=200),
              head=st.booleans())
        def extend(self, vs, head):
            name = "extend_head" if head else "extend_tail"
            getattr(self.q, name)(vs)
            getattr(self.model, name)(vs)

        @rule(head=st.booleans())
        def pop(self, head):
            name = "pop_head" if head else "pop_tail"
            assert getattr(self.q, name)() == getattr(self.model, name)()

        @rule(i=_idx)
        def index(self, i):
            assert self.q.index(i) == self.model.index(i)

        @rule(i=_idx, v=_value)
        def replace(self, i, v):
            assert self.q.replace(i, v) == self.model.replace(i, v)

        @rule(i=_idx, v=_value, after=st.booleans())
        def insert(self, i, v, after):
            name = "insert_after" if after else "insert_before"
            assert getattr(self.q, name)(i, v) == getattr(self.model, name)(i, v)

        @rule(i=_idx, count=st.integers(-1, 80))
        def delete_range(self, i, count):
            assert self.q.delete_range(i, count) == self.model.delete_range(i, count)

        @rule(a=_idx, b=_idx)
        def trim(self, a, b):
            assert self.q.trim(a, b) == self.model.trim(a, b)

        @rule(v=_value, count=st.integers(-4, 4))
        def remove(self, v, count):
            assert self.q.remove(v, count) == self.model.remove(v, count)

        @rule(a=_idx, b=_idx, reverse=st.booleans())
        def range(self, a, b, reverse):
            assert self.q.range(a, b) == self.model.range(a, b)
            assert self.q.encode_range(a, b) == self.model.encode_range(a, b)
            assert list(self.q.iter_range(a, b, reverse)) == list(
                self.model.iter_range(a, b, reverse))

        @rule(v=_value, rank=st.sampled_from([1, 2, -1, -2]),
              count=st.integers(0, 3), maxlen=st.integers(0, 50))
        def find(self, v, rank, count, maxlen):
            assert self.q.find(v, rank, count, maxlen) == self.model.find(
                v, rank, count, maxlen)

        @invariant()
        def consistent(self):
            self.q.verify()
            assert len(self.q) == len(self.model)
            assert list(self.q) == self.model.items
            assert list(reversed(self.q)) == self.model.items[::-1]

    return QuickListMachine


def test_state_machine_against_list_model(quicklist):
    run_state_machine_as_test(
        _machine_for(quicklist),
        settings=settings(max_examples=60, stateful_step_count=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]))


# -- integers: smaller in a listpack ---------------------------------------------

# Listpack entry sizes of integers (encoding, value, back-length), from listpack.c's
# encodings: 7-bit unsigned, 13, 16, 24, 32 and 64-bit signed.
INT_SIZES = [(b"0", 2), (b"127", 2), (b"128", 3), (b"-1", 3), (b"-4096", 3), (b"4095", 3),
             (b"4096", 4), (b"-32768", 4), (b"32768", 5), (b"-8388608", 5), (b"8388608", 6),
             (b"-2147483648", 6), (b"2147483648", 10), (b"9223372036854775807", 10),
             (b"-9223372036854775808", 10),
             # not integers to lpStringToInt64: string entries
             (b"9223372036854775808", 21), (b"-9223372036854775809", 22), (b"007", 5),
             (b"-0", 4), (b"+5", 4), (b"1.5", 5), (b"", 2)]


@pytest.mark.parametrize("value, size", INT_SIZES)
def test_integer_entry_sizes(quicklist, value, size):
    q = quicklist.QuickList()
    q.push_tail(value)
    assert q.nbytes == 7 + size
    q.push_head(value)
    q.verify()
    assert q.nbytes == 7 + 2 * size


@pytest.mark.parametrize("fill", FILLS)
def test_integers_fill_by_string_size_and_count_their_own(fill):
    # Redis checks the room with the string's size, then stores the smaller integer
    t = Trio(fill)
    t.extend_tail([b"%d" % (100000 + i) for i in range(3000)])
    cy, py = t.twins
    # 100000..102999: 24-bit integers, 5 bytes each against 8 as strings
    assert cy.nbytes == py.nbytes == 7 * len(t.layout) + 5 * 3000
    if fill < 0:
        # room is checked for 6 + 8 bytes: 7 + 5k + 14 <= limit
        assert t.layout[0] == min(3000, (_node_limit(fill) - 21) // 5 + 1)


# -- plain nodes (DEBUG QUICKLIST-PACKED-THRESHOLD) ------------------------------

@pytest.fixture
def packed_threshold():
    """Set the packed threshold of both twins; the default comes back afterwards."""
    modules = both_modules()

    def set_both(size):
        results = [m.set_packed_threshold(size) for m in modules]
        assert results[0] == results[1]
        return results[0]
    yield set_both
    set_both(0)


def _plain_flags(t):
    a, b = t.twins
    flags = [plain for _, _, plain, _ in a.nodes()]
    assert flags == [plain for _, _, plain, _ in b.nodes()]
    return flags


def _check_plain(t, threshold):
    """Every element of at least ``threshold`` bytes, and only those, is alone in a plain node."""
    _plain_flags(t)
    for count, size, plain, items in t.twins[0].nodes():
        if plain:
            assert count == 1 and size == len(items[0]) >= threshold
        else:
            assert all(len(x) < threshold for x in items)


def test_packed_threshold_bounds(packed_threshold):
    assert packed_threshold((1 << 32) - (1 << 20))
    assert not packed_threshold((1 << 32) - (1 << 20) + 1)
    assert packed_threshold(0)
    t = Trio(-2)
    t.push_tail(val(9000))
    # the default threshold (1 GiB): a big element is a packed node of its own
    assert _plain_flags(t) == [False]


@pytest.mark.parametrize("fill", FILLS + (0,))
def test_plain_nodes_hold_one_element_unpacked(fill, packed_threshold):
    packed_threshold(10)
    t = Trio(fill)
    big = val(10, b"P")
    t.extend_tail([b"a", b"b"])
    t.push_tail(big)
    t.push_tail(b"c")
    t.push_head(big)
    flags = _plain_flags(t)
    assert flags[0] and flags[-2] and not flags[-1]
    _check_plain(t, 10)
    nodes = t.twins[0].nodes()
    assert nodes[0] == (1, 10, True, [big])
    # a small element never joins a plain node: it starts a packed one
    t.push_head(b"d")
    assert _plain_flags(t)[:2] == [False, True]
    # a large element inserted inside a packed node splits it around a plain node
    t.extend_tail([b"e", b"f", b"g"])
    before = t.layout
    i = t.items.index(b"f")
    t.insert_before(i, big)
    assert t.index(i) == big and t.layout != before
    _check_plain(t, 10)
    # replacing: large into a packed node, small into a plain node
    t.replace(i + 1, val(11, b"Q"))
    t.replace(i, b"small")
    _check_plain(t, 10)
    t.insert_pivot(b"small", big, True)
    t.remove(big, 1)
    t.delete_range(1, 3)
    _check_plain(t, 10)


def test_plain_nodes_never_merge(packed_threshold):
    packed_threshold(5)
    t = Trio(-2)
    t.extend_tail([b"a", b"bbbbb", b"c", b"ddddd", b"e"])
    assert t.layout == [1, 1, 1, 1, 1]
    assert _plain_flags(t) == [False, True, False, True, False]
    t.delete_range(1, 1)
    # deletions never merge
    assert t.layout == [1, 1, 1, 1]
    assert _plain_flags(t) == [False, False, True, False]
    # a small value replacing a plain node's joins the next packed node
    t.replace(2, b"x")
    assert _plain_flags(t) == [False, False, False]
    assert t.layout == [1, 1, 2] and t.items == [b"a", b"c", b"x", b"e"]


@pytest.mark.parametrize("threshold", [1, 3, 40, 100, 5000])
@pytest.mark.parametrize("fill", [-2, 4, 0])
def test_random_sequences_with_plain_nodes(fill, threshold, packed_threshold):
    packed_threshold(threshold)
    rnd = random.Random(threshold * 7 + fill)
    t = Trio(fill)
    for _ in range(300):
        _random_step(t, rnd)
        _check_plain(t, threshold)
