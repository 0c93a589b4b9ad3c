"""Tracking-table reader twins (readers.pyx and readers_py.py): the same table, counts and overflows."""
from hypothesis import given, settings
from hypothesis import strategies as st


class Table:
    """What remember_key reads and writes of pyredis.tracking.Tracking."""

    def __init__(self, max_keys=1 << 62):
        self.table = {}
        self.extra = 0
        self.max_keys = max_keys
        self.overflows = []

    def overflowed(self):
        self.overflows.append(len(self.table))


def test_one_reader_is_an_int_then_a_set(readers):
    t = Table()
    readers.remember_key(t, b"k", 7)
    readers.remember_key(t, b"k", 7)
    assert t.table == {b"k": 7} and t.extra == 0
    readers.remember_key(t, b"k", 9)
    assert t.table == {b"k": {7, 9}} and t.extra == 1
    readers.remember_key(t, b"k", 9)
    readers.remember_key(t, b"k", 7)
    readers.remember_key(t, b"k", 11)
    assert t.table == {b"k": {7, 9, 11}} and t.extra == 2


def test_an_equal_id_that_is_another_object(readers):
    t = Table()
    big = 10 ** 20
    readers.remember_key(t, b"k", big)
    readers.remember_key(t, b"k", int(str(big)))
    assert t.table == {b"k": big} and t.extra == 0


def test_overflow_only_when_a_new_key_passes_the_limit(readers):
    t = Table(max_keys=2)
    for key in (b"a", b"b", b"a", b"b"):
        readers.remember_key(t, key, 1)
    assert t.overflows == []
    readers.remember_key(t, b"a", 2)
    assert t.overflows == []
    readers.remember_key(t, b"c", 1)
    readers.remember_key(t, b"c", 1)
    readers.remember_key(t, b"d", 3)
    assert t.overflows == [3, 4]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 6),
       st.lists(st.tuples(st.binary(max_size=2), st.integers(1, 5)), max_size=60))
def test_twins_agree(readers_twins, max_keys, reads):
    compiled, pure = readers_twins
    a, b = Table(max_keys), Table(max_keys)
    for key, cid in reads:
        compiled.remember_key(a, key, cid)
        pure.remember_key(b, key, cid)
    assert a.table == b.table and a.extra == b.extra and a.overflows == b.overflows
    assert a.extra == sum(len(r) - 1 for r in a.table.values() if isinstance(r, set))
    assert len(a.table) == len({key for key, _ in reads})
