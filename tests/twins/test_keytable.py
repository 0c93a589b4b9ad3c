"""The keyspace table twins (keytable.pyx and keytable_py.py, which is dict).

Every answer, error and order of the compiled table must be the dict's: the
two are run side by side on random operation sequences, with the table
grown, emptied and compacted along the way, and on the edges one by one.
The compiled twin exists for memory, so its bytes per key are measured too.
"""
import sys
import tracemalloc

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

# Keys of 64 KB and more are held by reference in the compiled table's
# entries: lengths around that edge, and long keys that differ only at the end.
LONG = 0x10000
LONG_KEYS = [b"L" * (LONG - 1), b"L" * (LONG - 1) + b"M", b"L" * LONG, b"L" * (LONG + 1)]
KEYS = st.one_of(st.sampled_from([b"", b"a", b"\x00", b"a\x00", b"\xff" * 3, b"x" * 300]),
                 st.integers(0, len(LONG_KEYS) - 1).map(lambda i: LONG_KEYS[i]),
                 st.integers(0, 40).map(lambda n: b"key:%d" % n))
VALUES = st.one_of(st.binary(max_size=4), st.integers(), st.just(None))


def outcome(fn):
    """What ``fn()`` returns, or the type and text of what it raises."""
    try:
        return "ok", fn()
    except Exception as exc:
        return type(exc).__name__, str(exc)


def test_twins_agree_on_random_operations(keytable_twins):
    compiled, pure = keytable_twins

    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.tables = [compiled.KeyTable(), pure.KeyTable()]

        def both(self, fn):
            results = [outcome(lambda: fn(t)) for t in self.tables]
            assert results[0] == results[1]
            return results[0]

        @rule(key=KEYS, value=VALUES)
        def set(self, key, value):
            self.both(lambda t: t.__setitem__(key, value))

        @rule(n=st.integers(1, 200), start=st.integers(0, 1000))
        def set_many(self, n, start):
            def op(t):
                for i in range(start, start + n):
                    t[b"many:%d" % i] = i
            self.both(op)

        @rule(n=st.integers(1, 200), start=st.integers(0, 1000))
        def delete_many(self, n, start):
            self.both(lambda t: [t.pop(b"many:%d" % i, None) for i in range(start, start + n)])

        @rule(key=KEYS)
        def get(self, key):
            self.both(lambda t: (t.get(key), t.get(key, "default"), key in t))

        @rule(key=KEYS)
        def getitem(self, key):
            self.both(lambda t: t[key])

        @rule(key=KEYS)
        def delitem(self, key):
            self.both(lambda t: t.__delitem__(key))

        @rule(key=KEYS, default=st.booleans())
        def pop(self, key, default):
            self.both(lambda t: t.pop(key, None) if default else t.pop(key))

        @rule(key=KEYS, value=VALUES)
        def setdefault(self, key, value):
            self.both(lambda t: t.setdefault(key, value))

        @rule()
        def popitem(self):
            self.both(lambda t: t.popitem())

        @rule(items=st.lists(st.tuples(KEYS, VALUES), max_size=5), mapping=st.booleans())
        def update(self, items, mapping):
            self.both(lambda t: t.update(dict(items) if mapping else items))

        @rule()
        def clear(self):
            self.both(lambda t: t.clear())

        @rule()
        def copy(self):
            self.both(lambda t: list(t.copy().items()))

        @rule(key=KEYS)
        def mutate_while_iterating(self, key):
            def op(t):
                seen = []
                it = iter(t)
                for k in it:
                    seen.append(k)
                    if key in t:
                        del t[key]
                    else:
                        t[key] = 1
                return seen
            self.both(op)

        @rule(positions=st.lists(st.integers(-1, 60), max_size=5), ordered=st.booleans())
        def items_at(self, positions, ordered):
            self.both(lambda t: t.items_at(sorted(positions) if ordered else positions))

        @invariant()
        def same_contents_and_order(self):
            self.both(lambda t: (len(t), bool(t), list(t), list(t.keys()), list(t.values()),
                                 list(t.items())))

    Machine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
    run_state_machine_as_test(Machine, settings=Machine.TestCase.settings)


def test_insertion_order_survives_deletes_and_compaction(keytable):
    t = keytable.KeyTable()
    for i in range(1000):
        t[b"%d" % i] = i
    for i in range(0, 1000, 3):
        del t[b"%d" % i]
    # Reinserted keys go last; overwritten ones keep their place.
    t[b"0"] = "again"
    t[b"1"] = "new value"
    for i in range(1000, 3000):
        t[b"%d" % i] = i
    expected = [b"%d" % i for i in range(1000) if i % 3 and i != 0] + [b"0"] + \
        [b"%d" % i for i in range(1000, 3000)]
    assert list(t) == expected
    assert t[b"1"] == "new value" and t[b"0"] == "again"
    assert len(t) == len(expected)


def test_errors_are_dicts(keytable):
    t = keytable.KeyTable()
    with pytest.raises(KeyError) as exc:
        t[b"missing"]
    assert exc.value.args == (b"missing",)
    with pytest.raises(KeyError) as exc:
        t.popitem()
    assert exc.value.args == ("popitem(): dictionary is empty",)
    with pytest.raises(TypeError, match="unhashable type: 'bytearray'"):
        t.get(bytearray(b"k"))
    # A key of another type is never there, and cannot be stored.
    assert t.get("k", 1) == 1 and "k" not in t and t.pop(7, None) is None
    with pytest.raises(TypeError, match="keys are bytes, not str"):
        t["k"] = 1
    t[b"a"] = 1
    it = iter(t)
    t[b"b"] = 2
    for _ in range(2):
        with pytest.raises(RuntimeError, match="dictionary changed size during iteration"):
            next(it)


def test_equality_with_dicts(keytable):
    t = keytable.KeyTable({b"k": b"v", b"n": 1})
    assert t == {b"n": 1, b"k": b"v"} and {b"k": b"v", b"n": 1} == t
    assert t != {b"k": b"v"} and t != {b"k": b"w", b"n": 1} and not (t == [1])


def test_values_are_released(keytable):
    class Value:
        alive = 0

        def __init__(self):
            Value.alive += 1

        def __del__(self):
            Value.alive -= 1

    t = keytable.KeyTable()
    for i in range(100):
        t[b"%d" % i] = Value()
    t[b"0"] = Value()
    del t[b"1"]
    t.pop(b"2")
    assert Value.alive == 98
    t.clear()
    assert Value.alive == 0
    t[b"x"] = Value()
    del t
    assert Value.alive == 0


def test_long_keys_are_kept_and_released(keytable):
    keys = [bytes(b"K" * (0x10000 + i)) for i in range(5)]
    counts = [sys.getrefcount(k) for k in keys]
    t = keytable.KeyTable()
    t.update((k, i) for i, k in enumerate(keys))
    # Found by equal keys that are other objects, and handed back equal.
    assert [t[bytes(bytearray(k))] for k in keys] == [0, 1, 2, 3, 4]
    assert list(t) == keys and t.popitem() == (keys[4], 4)
    del t[keys[0]]
    assert t.pop(keys[1]) == 1 and list(t.items()) == [(keys[2], 2), (keys[3], 3)]
    t.clear()
    t[keys[2]] = 2
    del t
    assert [sys.getrefcount(k) for k in keys] == counts


def _bytes_per_key(fill, count):
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        table = fill(count)
        return (tracemalloc.get_traced_memory()[0] - before) / count, table
    finally:
        tracemalloc.stop()


def test_compiled_table_keeps_a_short_key_in_its_entry(keytable_twins):
    """100k 16-byte keys take 32 bytes each for the entry and about 25 for
    the index and its entries beside their values; a dict of bytes keys takes
    49 for the key object alone (before the allocator's rounding)."""
    compiled, _ = keytable_twins
    value = b"v" * 16

    def fill(kind):
        def run(count):
            table = kind()
            for i in range(count):
                table[b"key:%012d" % i] = value
            return table
        return run

    per_key, table = _bytes_per_key(fill(compiled.KeyTable), 100_000)
    per_key_dict, _ = _bytes_per_key(fill(dict), 100_000)
    assert len(table) == 100_000 and table[b"key:000000099999"] is value
    assert per_key < 60 and per_key < 0.6 * per_key_dict
