"""Key-order twins (keysort.pyx and keysort_py.py): bytewise ascending, as Redis's rax iterates."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st


def test_bytewise_order(keysort):
    keys = [b"b", b"a\xff", b"a", b"", b"\x00", b"ab", b"\xff", b"a\x00", b"B"]
    assert keysort.sort_keys(keys) == [b"", b"\x00", b"B", b"a", b"a\x00", b"ab", b"a\xff",
                                       b"b", b"\xff"]


def test_any_iterable_and_a_new_list(keysort):
    keys = {b"k2": 1, b"k10": 2, b"k1": None}
    assert keysort.sort_keys(keys) == [b"k1", b"k10", b"k2"]
    items = [b"z", b"y"]
    out = keysort.sort_keys(items)
    assert out == [b"y", b"z"] and items == [b"z", b"y"]
    assert keysort.sort_keys([]) == [] and keysort.sort_keys(iter([b"x"])) == [b"x"]


def test_the_objects_themselves(keysort):
    keys = [bytes([i % 7]) * (i % 5 + 1) + b"%d" % i for i in range(200)]
    out = keysort.sort_keys(keys)
    assert sorted(map(id, out)) == sorted(map(id, keys))


def test_many_keys_with_a_shared_prefix(keysort):
    rnd = random.Random(7)
    keys = list({b"key:%012d" % rnd.randrange(100000) for _ in range(3000)})
    assert keysort.sort_keys(keys) == sorted(keys)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=12), unique=True))
def test_twins_agree(keysort_twins, keys):
    compiled, pure = keysort_twins
    assert compiled.sort_keys(keys) == pure.sort_keys(keys) == sorted(keys)


def test_equal_heads_and_keys_ending_inside_them(keysort):
    # Keys alike for eight bytes past their shared prefix are ordered by the rest;
    # a key ending there is below every longer key it begins.
    base = b"user:" + b"1234567890"
    keys = [base + b":settings", base + b":profile", base, base + b"\x00", base[:-3],
            base[:-3] + b"\x00\x00\x00", base + b":p", b"user:", b"user:1"]
    assert keysort.sort_keys(keys) == sorted(keys)
    assert keysort.sort_keys(keys[::-1]) == sorted(keys)


def test_memoryviews_come_back_as_bytes(keysort):
    out = keysort.sort_keys([b"b", memoryview(b"c"), memoryview(b"a")])
    assert out == [b"a", b"b", b"c"] and all(k.__class__ is bytes for k in out)
