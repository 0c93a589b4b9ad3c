"""Listpack twins (listpack.pyx and listpack_py.py): whole blobs as an RDB holds them.

Known vectors pin the bytes Redis writes; the differential tests hold both
twins to the same values, the same bytes and the same errors (type and text)
on any input, malformed blobs included.
"""
import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyredis._speedups._errors import BlobError
from pyredis.listpack import lp_entry
from pyredis.numbers import parse_double


def score_of(text):
    value = parse_double(text)
    if value is None:
        raise ValueError("bad score %r" % text)
    return value


def outcome(fn, *args):
    """The value, or the exception's type and text: what both twins must agree on."""
    try:
        return "ok", fn(*args)
    except (BlobError, ValueError) as exc:
        return type(exc).__name__, str(exc)


# ---- known vectors -----------------------------------------------------------------
def test_small_string_and_int_entries(listpack):
    blob = listpack.lp_pack([b"a", b"1", b"-1", b"300"])
    assert blob == (b"\x12\x00\x00\x00\x04\x00" + b"\x81a\x02" + b"\x01\x01" + b"\xdf\xff\x02"
                    + b"\xc1\x2c\x02" + b"\xff")
    assert listpack.lp_items(blob) == [b"a", b"1", b"-1", b"300"]


@pytest.mark.parametrize("item", [
    b"", b"0", b"-0", b"01", b"127", b"128", b"-4096", b"4095", b"-4097", b"32767", b"-32768",
    b"8388607", b"-8388608", b"2147483647", b"-2147483648", b"2147483648",
    b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"1" * 21,
    b"x" * 63, b"x" * 64, b"x" * 127, b"x" * 4095, b"x" * 4096, b"x" * 20000, b" 1", b"+1"])
def test_each_entry_as_lp_entry_writes_it(listpack, item):
    blob = listpack.lp_pack([item])
    body = lp_entry(item)
    assert blob == struct.pack("<IH", 7 + len(body), 1) + body + b"\xff"
    assert listpack.lp_items(blob) == [item]


def test_count_saturates_at_65535(listpack):
    items = [b"%d" % (i % 100) for i in range(70000)]
    blob = listpack.lp_pack(items)
    assert blob[4:6] == b"\xff\xff"
    assert listpack.lp_items(blob) == items


def test_hash_pairs_fill_a_dict_keeping_first_place_and_last_value(listpack):
    blob = listpack.lp_pack_pairs([(b"a", b"1"), (b"b", b"x"), (b"a", b"3")])
    d = {}
    assert listpack.lp_fill_dict(blob, d) == 3
    assert list(d.items()) == [(b"a", b"3"), (b"b", b"x")]
    with pytest.raises(BlobError, match="listpack pairs"):
        listpack.lp_fill_dict(listpack.lp_pack([b"a"]), {})


def test_zset_scores_as_zzlInsertAt_writes_them(listpack):
    pairs = [(-math.inf, b"lo"), (-0.0, b"z"), (1.0, b"one"), (0.5, b"half"), (2.0 ** 70, b"big"),
             (math.inf, b"hi")]
    blob = listpack.lp_pack_zset(pairs)
    assert listpack.lp_items(blob) == [b"lo", b"-inf", b"z", b"0", b"one", b"1", b"half", b"0.5",
                                       b"big", b"1.1805916207174113e+21", b"hi", b"inf"]
    got = listpack.lp_zset_pairs(blob, score_of)
    assert got == [(s if s else 0.0, m) for s, m in pairs]


def test_zset_text_scores_parsed_only_for_a_good_blob(listpack):
    blob = listpack.lp_pack([b"m", b"bad"])
    with pytest.raises(ValueError, match="bad score"):
        listpack.lp_zset_pairs(blob, score_of)
    broken = blob[:-1] + b"\xf5\xff"
    broken = struct.pack("<I", len(broken)) + broken[4:]
    with pytest.raises(BlobError, match="listpack encoding"):
        listpack.lp_zset_pairs(broken, score_of)


@pytest.mark.parametrize("values,width,expect", [
    ([1, 2, 3], 2, b"\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00"),
    ([-1, 70000], 2, b"\x04\x00\x00\x00\x02\x00\x00\x00\xff\xff\xff\xff\x70\x11\x01\x00"),
    ([5], 8, b"\x08\x00\x00\x00\x01\x00\x00\x00\x05" + b"\x00" * 7),
])
def test_intset_bytes(listpack, values, width, expect):
    assert listpack.intset_pack(values, width) == expect
    assert listpack.intset_items(expect) == [b"%d" % v for v in values]


@pytest.mark.parametrize("blob,error", [
    (b"\x02\x00\x00\x00\x01\x00\x00", "intset too short"),
    (b"\x03\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00", "intset header"),
    (b"\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00", "intset header"),
    (b"\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00", "intset order"),
    (b"\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x02\x00", "intset order"),
])
def test_intset_errors(listpack, blob, error):
    with pytest.raises(BlobError, match=error):
        listpack.intset_items(blob)


def _ziplist(entries):
    """A ziplist of ``entries`` (each with a prevlen field of its width), prevlens and tail set right."""
    body = b""
    prev = 0
    tail = 10
    for entry in entries:
        wide = entry[0] == 254
        rest = entry[5:] if wide else entry[1:]
        head = b"\xfe" + struct.pack("<I", prev) if wide or prev >= 254 else bytes((prev,))
        tail = 10 + len(body)
        body += head + rest
        prev = len(head) + len(rest)
    return struct.pack("<IIH", 11 + len(body), tail, len(entries)) + body + b"\xff"


def test_ziplist_prevlens_and_tail_are_checked(listpack):
    blob = _ziplist([b"\x00\x03abc", b"\x00\xf3", b"\x00\x01z"])
    assert listpack.ziplist_items(blob) == [b"abc", b"2", b"z"]
    with pytest.raises(BlobError, match="^ziplist prevlen$"):
        listpack.ziplist_items(blob[:15] + b"\x04" + blob[16:])
    with pytest.raises(BlobError, match="^ziplist tail$"):
        listpack.ziplist_items(blob[:4] + struct.pack("<I", 15) + blob[8:])
    with pytest.raises(BlobError, match="^ziplist header$"):
        listpack.ziplist_items(blob[:4] + struct.pack("<I", len(blob)) + blob[8:])


def test_ziplist_entries(listpack):
    blob = _ziplist([b"\x00\x03abc", b"\x05\xf3", b"\x02\xfe\x80", b"\x03\xc0\x00\x80",
                     b"\x04\xf0\x00\x00\x80", b"\x05\xd0\xff\xff\xff\xff",
                     b"\x05\xe0" + struct.pack("<q", -(1 << 40)), b"\x0a\x40\x02xy"])
    assert listpack.ziplist_items(blob) == [b"abc", b"2", b"-128", b"-32768", b"-8388608", b"-1",
                                            b"%d" % -(1 << 40), b"xy"]


# ---- both twins alike ------------------------------------------------------------
INTEGERS = st.integers(-(1 << 63), (1 << 63) - 1)
ITEMS = st.lists(st.one_of(st.binary(max_size=80), INTEGERS.map(lambda v: b"%d" % v),
                           st.sampled_from([b"0", b"-0", b"01", b"x" * 5000, b"9" * 20])),
                 max_size=30)
SCORES = st.one_of(st.floats(allow_nan=False), INTEGERS.map(float),
                   st.sampled_from([0.0, -0.0, math.inf, -math.inf, 2.0 ** 62, 4503599627370496.0]))


@settings(max_examples=300, deadline=None)
@given(items=ITEMS)
def test_pack_and_items_alike(listpack_twins, items):
    compiled, pure = listpack_twins
    blob = compiled.lp_pack(items)
    assert blob == pure.lp_pack(items) == pure.lp_pack(iter(items))
    assert compiled.lp_items(blob) == pure.lp_items(blob) == items
    pairs = list(zip(items[::2], items[1::2]))
    blob = compiled.lp_pack_pairs(pairs)
    assert blob == pure.lp_pack_pairs(pairs)
    a, b = {}, {}
    assert outcome(compiled.lp_fill_dict, blob, a) == outcome(pure.lp_fill_dict, blob, b)
    assert list(a.items()) == list(b.items())


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(SCORES, st.binary(max_size=30)), max_size=20))
def test_zset_pack_and_pairs_alike(listpack_twins, pairs):
    compiled, pure = listpack_twins
    blob = compiled.lp_pack_zset(pairs)
    assert blob == pure.lp_pack_zset(pairs)
    got = compiled.lp_zset_pairs(blob, score_of)
    assert got == pure.lp_zset_pairs(blob, score_of)
    assert [m for _, m in got] == [m for _, m in pairs]
    assert [s if s else 0.0 for s, _ in got] == [s if s else 0.0 for s, _ in pairs]


@settings(max_examples=300, deadline=None)
@given(values=st.lists(INTEGERS, max_size=20, unique=True), width=st.sampled_from([2, 4, 8]))
def test_intset_alike(listpack_twins, values, width):
    compiled, pure = listpack_twins
    values.sort()
    blob = compiled.intset_pack(values, width)
    assert blob == pure.intset_pack(values, width)
    assert compiled.intset_items(blob) == pure.intset_items(blob) == [b"%d" % v for v in values]


def _mutated(blob, cuts, flips, extra):
    data = bytearray(blob)
    for at, value in flips:
        if data:
            data[at % len(data)] = value
    data = bytes(data)
    for cut in cuts:
        data = data[:cut] if cut >= 0 else data[cut:]
    return data + extra


MUTATIONS = dict(
    cuts=st.lists(st.integers(-60, 200), max_size=1),
    flips=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), max_size=4),
    extra=st.binary(max_size=4))


def _fix_total(data):
    """Most random bytes fail the header; give some of them the right total length."""
    if len(data) >= 4:
        return struct.pack("<I", len(data)) + data[4:]
    return data


@settings(max_examples=500, deadline=None)
@given(items=ITEMS, fix=st.booleans(), **MUTATIONS)
def test_malformed_listpacks_alike(listpack_twins, items, fix, cuts, flips, extra):
    compiled, pure = listpack_twins
    blob = _mutated(compiled.lp_pack(items), cuts, flips, extra)
    if fix:
        blob = _fix_total(blob)
    assert outcome(compiled.lp_items, blob) == outcome(pure.lp_items, blob)
    assert outcome(compiled.lp_zset_pairs, blob, score_of) == outcome(pure.lp_zset_pairs, blob,
                                                                       score_of)
    a, b = {}, {}
    result = outcome(compiled.lp_fill_dict, blob, a)
    assert result == outcome(pure.lp_fill_dict, blob, b)
    if result[0] == "ok":
        assert a == b


def test_deep_validation_reads_each_back_length(listpack):
    blob = listpack.lp_pack([b"a", b"x" * 200, b"12"])
    assert listpack.lp_validate(blob) is None
    # The back-length of "a" (its last byte before "x"...) no longer reads as the entry's size.
    bad = blob[:8] + b"\x03" + blob[9:]
    assert listpack.lp_items(bad) == [b"a", b"x" * 200, b"12"]
    with pytest.raises(BlobError, match="^listpack backlen$"):
        listpack.lp_validate(bad)


def test_a_stream_node_count_is_not_checked(listpack):
    blob = listpack.lp_pack([b"a", b"b"])
    wrong = blob[:4] + struct.pack("<H", 5) + blob[6:]
    with pytest.raises(BlobError, match="^listpack count$"):
        listpack.lp_items(wrong)
    with pytest.raises(BlobError, match="^listpack count$"):
        listpack.lp_validate(wrong)
    assert listpack.lp_items(wrong, False) == [b"a", b"b"]
    assert listpack.lp_validate(wrong, False) is None


@settings(max_examples=500, deadline=None)
@given(items=ITEMS, fix=st.booleans(), counted=st.booleans(), **MUTATIONS)
def test_deep_validation_alike(listpack_twins, items, fix, counted, cuts, flips, extra):
    compiled, pure = listpack_twins
    blob = _mutated(compiled.lp_pack(items), cuts, flips, extra)
    if fix:
        blob = _fix_total(blob)
    assert outcome(compiled.lp_validate, blob, counted) == outcome(pure.lp_validate, blob, counted)
    assert outcome(compiled.lp_items, blob, counted) == outcome(pure.lp_items, blob, counted)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=60), fix=st.booleans())
def test_random_bytes_alike(listpack_twins, data, fix):
    compiled, pure = listpack_twins
    if fix:
        data = _fix_total(data)
    for name in ("lp_items", "intset_items", "ziplist_items"):
        assert outcome(getattr(compiled, name), data) == outcome(getattr(pure, name), data), name


@settings(max_examples=300, deadline=None)
@given(values=st.lists(INTEGERS, max_size=10, unique=True), width=st.sampled_from([2, 4, 8]),
       **MUTATIONS)
def test_malformed_intsets_alike(listpack_twins, values, width, cuts, flips, extra):
    compiled, pure = listpack_twins
    blob = _mutated(compiled.intset_pack(sorted(values), width), cuts, flips, extra)
    assert outcome(compiled.intset_items, blob) == outcome(pure.intset_items, blob)


ZIP_ENTRIES = st.lists(st.one_of(
    st.binary(max_size=70).map(lambda s: (b"\x00" + bytes((len(s),)) + s) if len(s) < 64
                               else b"\x00" + bytes((0x40 | (len(s) >> 8), len(s) & 0xFF)) + s),
    st.sampled_from([b"\x05\xf3", b"\x02\xfe\x80", b"\x03\xc0\x00\x80", b"\x04\xf0\x00\x00\x80",
                     b"\x05\xd0\xff\xff\xff\xff", b"\x05\xe0" + b"\x01" * 8,
                     b"\xfe\x01\x00\x00\x00\x03abc", b"\x06\x80\x00\x00\x00\x02xy"])),
    max_size=10)


@settings(max_examples=300, deadline=None)
@given(entries=ZIP_ENTRIES, fix=st.booleans(), **MUTATIONS)
def test_ziplists_alike(listpack_twins, entries, fix, cuts, flips, extra):
    compiled, pure = listpack_twins
    blob = _ziplist(entries)
    assert compiled.ziplist_items(blob) == pure.ziplist_items(blob)
    blob = _mutated(blob, cuts, flips, extra)
    if fix:
        blob = _fix_total(blob)
    assert outcome(compiled.ziplist_items, blob) == outcome(pure.ziplist_items, blob)
