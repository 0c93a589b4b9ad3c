"""HyperLogLog twins (hll.pyx and hll_py.py): one suite, both twins.

Known vectors come from redis-server (PFDEBUG DECODE and GET of its values);
the differential tests run random batches of adds, merges and counts on both
twins, in both encodings, and compare every byte and every register.
"""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyredis._speedups._errors import HLLCorruptError

EMPTY = b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff"
STALE = b"HYLL\x01\x00\x00\x00" + bytes(7) + b"\x80"


def test_empty(hll):
    assert hll.new_sparse() == bytearray(EMPTY)
    assert hll.count(hll.new_sparse()) == 0
    assert hll.count_registers(bytes(hll.REGISTERS)) == 0


def test_known_hash_vectors(hll):
    # redis-server: PFADD h a; PFDEBUG DECODE h -> "Z:12711 v:2,1 Z:3672"
    assert hll.pat_len(b"a") == (12711, 2)
    assert hll.murmurhash64a(b"") == hll.murmurhash64a(bytearray())
    assert hll.murmurhash64a(b"abcdefgh12345") != hll.murmurhash64a(b"abcdefgh1234")


def test_first_add_matches_redis(hll):
    h = hll.new_sparse()
    assert hll.add(h, [b"a"], 3000) == 1
    # XZERO 12711, VAL 2 x1, XZERO 3672; the cache marked stale by the update.
    assert bytes(h) == STALE + b"\x71\xa6\x84\x4e\x57"
    assert hll.add(h, [b"a"], 3000) == 0


def test_dense_registers_round_trip(hll):
    rng = random.Random(1)
    regs = bytearray(rng.randrange(64) for _ in range(hll.REGISTERS))
    body = hll.pack_dense(regs)
    assert len(body) == hll.DENSE_SIZE - hll.HDR_SIZE
    dense = bytearray(b"HYLL\x00" + bytes(11)) + body
    assert hll.unpack_dense(dense) == regs
    for reg in (0, 1, 2, 3, 4, 5000, hll.REGISTERS - 1):
        assert hll.dense_get(dense, reg) == regs[reg]


def test_dense_set_only_raises(hll):
    dense = hll.new_sparse()
    assert hll.to_dense(dense) is True
    assert hll.to_dense(dense) is False
    assert len(dense) == hll.DENSE_SIZE
    for reg in (0, 1, 2, 3, hll.REGISTERS - 1):
        assert hll.dense_set(dense, reg, 40) == 1
        assert hll.dense_set(dense, reg, 40) == 0
        assert hll.dense_set(dense, reg, 3) == 0
        assert hll.dense_get(dense, reg) == 40
    assert hll.count(dense) == hll.count_registers(hll.unpack_dense(dense))


def test_estimator_known_points(hll):
    # Values PFCOUNT gives on redis-server for these register histograms.
    hist = [0] * 64
    hist[0] = hll.REGISTERS
    assert hll.estimate(hist) == 0
    hist[0] -= 1
    hist[1] = 1
    assert hll.estimate(hist) == 1


@pytest.mark.parametrize("body", [b"", b"\x7f\xfe", b"\x7f\xff\x00", b"\x7f\xfb\x83\x80",
                                  b"\x7f\xff\x80"])
def test_corrupt_sparse(hll, body):
    value = bytearray(STALE + body)
    with pytest.raises(HLLCorruptError, match="^Corrupted HLL object detected$"):
        hll.merge(bytearray(hll.REGISTERS), value)
    with pytest.raises(HLLCorruptError):
        hll.to_dense(bytearray(value))
    assert hll.sparse_registers(value) is None


def test_corrupt_add_raises_after_keeping_earlier_changes(hll):
    # The runs cover registers 0..16382: only an update of 16383 finds out.
    value = bytearray(STALE + b"\x7f\xfe")
    assert hll.sparse_set(value, 16383, 3, 3000) == -1
    assert hll.sparse_set(value, 5, 3, 3000) == 1
    last = next(e for e in (b"e%d" % i for i in range(10**6)) if hll.pat_len(e)[0] == 16383)
    first = next(e for e in (b"f%d" % i for i in range(10**6)) if hll.pat_len(e)[0] < 16000)
    before = bytes(value)
    with pytest.raises(HLLCorruptError):
        hll.add(value, [first, last, b"never"], 3000)
    assert value != before
    assert hll.sparse_registers(bytearray(STALE + b"\x7f\xff")) == bytes(16384)


# ---- both twins, random work -------------------------------------------------------

def both(hll_twins, fn, *args):
    """Run ``fn`` on each twin with its own copies of bytearray arguments; compare outcomes."""
    results = []
    copies = []
    for twin in hll_twins:
        mine = [bytearray(a) if isinstance(a, bytearray) else a for a in args]
        try:
            out = ("ok", getattr(twin, fn)(*mine))
        except HLLCorruptError as exc:
            out = ("corrupt", str(exc))
        results.append(out)
        copies.append(mine)
    assert results[0] == results[1], fn
    assert copies[0] == copies[1], fn
    return results[0], copies[0]


batches = st.lists(st.lists(st.binary(max_size=12), max_size=40), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(batches=batches, max_bytes=st.sampled_from([0, 40, 300, 3000]))
def test_twins_add_alike_byte_for_byte(hll_twins, batches, max_bytes):
    compiled, pure = hll_twins
    a, b = compiled.new_sparse(), pure.new_sparse()
    for batch in batches:
        assert compiled.add(a, batch, max_bytes) == pure.add(b, batch, max_bytes)
        assert a == b
        assert compiled.count(a) == pure.count(b)
        assert compiled.count(bytes(a)) == pure.count(bytes(b))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), sizes=st.lists(st.sampled_from([0, 3, 50, 400, 2000]),
                                                  min_size=1, max_size=3),
       max_bytes=st.sampled_from([100, 3000, 6000]), dest_dense=st.booleans())
def test_twins_merge_and_store_alike(hll_twins, seed, sizes, max_bytes, dest_dense):
    compiled, pure = hll_twins
    rng = random.Random(seed)
    registers = bytearray(pure.REGISTERS)
    for n in sizes:
        value = pure.new_sparse()
        pure.add(value, [b"%d" % rng.randrange(10**9) for _ in range(n)], max_bytes)
        both(hll_twins, "merge", registers, value)
        pure.merge(registers, value)
    assert compiled.count_registers(registers) == pure.count_registers(registers)
    dest = pure.new_sparse()
    pure.add(dest, [b"d%d" % rng.randrange(10**9) for _ in range(rng.choice([0, 10, 200]))],
             max_bytes)
    if dest_dense:
        pure.to_dense(dest)
    _, (stored, _, _) = both(hll_twins, "store", dest, registers, max_bytes)
    # Whatever the encoding, the stored HLL holds the union of the registers.
    expected = bytearray(registers)
    pure.merge(expected, dest)
    dense = bytearray(stored)
    pure.to_dense(dense)
    assert pure.unpack_dense(dense) == expected


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(st.binary(max_size=12), max_size=300))
def test_encodings_agree_register_by_register(hll_twins, batch):
    for twin in hll_twins:
        sparse = twin.new_sparse()
        dense = twin.new_sparse()
        twin.to_dense(dense)
        big = 1 << 30
        assert twin.add(sparse, batch, big) == twin.add(dense, batch, big)
        assert twin.count(sparse) == twin.count(dense)
        regs = bytearray(twin.REGISTERS)
        twin.merge(regs, sparse)
        assert regs == twin.unpack_dense(dense)
        if sparse[4] == 1:
            assert twin.sparse_registers(sparse) == regs
            twin.to_dense(sparse)
        assert sparse[16:] == dense[16:]


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=24), index=st.integers(0, 16383), count=st.integers(1, 51),
       max_bytes=st.sampled_from([0, 30, 3000]))
def test_twins_agree_on_any_sparse_body(hll_twins, body, index, count, max_bytes):
    value = bytearray(STALE + body)
    both(hll_twins, "sparse_set", value, index, count, max_bytes)
    both(hll_twins, "count", value)
    both(hll_twins, "merge", bytearray(16384), value)
    both(hll_twins, "to_dense", value)
    both(hll_twins, "sparse_registers", value)
    both(hll_twins, "add", value, [b"a", b"b", b"c"], max_bytes)


@settings(max_examples=100, deadline=None)
@given(element=st.binary(max_size=40))
def test_twins_hash_alike(hll_twins, element):
    compiled, pure = hll_twins
    assert compiled.murmurhash64a(element) == pure.murmurhash64a(element)
    assert compiled.pat_len(element) == pure.pat_len(element)
    index, count = pure.pat_len(element)
    assert 0 <= index < 16384 and 1 <= count <= 51


@settings(max_examples=100, deadline=None)
@given(hist=st.lists(st.integers(0, 400), min_size=64, max_size=64))
def test_twins_estimate_alike(hll_twins, hist):
    compiled, pure = hll_twins
    hist[0] = max(0, 16384 - sum(hist[1:52]))
    assert compiled.estimate(hist) == pure.estimate(hist)


# ---- the contract: only values that passed the header checks ----------------------

BAD_VALUES = [b"", b"HYLL", STALE[:15], b"HYLL\x02" + bytes(11) + b"\x7f\xff",
              b"HYLL\x00" + bytes(11) + bytes(100)]


@pytest.mark.parametrize("value", BAD_VALUES, ids=range(len(BAD_VALUES)))
def test_twins_refuse_values_that_are_not_hlls_alike(hll_twins, value):
    calls = [("add", (bytearray(value), [b"a"], 3000)), ("count", (bytearray(value),)),
             ("merge", (bytearray(16384), bytearray(value))), ("to_dense", (bytearray(value),)),
             ("store", (bytearray(value), bytes(16384), 3000)),
             ("sparse_set", (bytearray(value), 1, 1, 3000)),
             ("sparse_registers", (bytearray(value),)), ("unpack_dense", (bytearray(value),))]
    for name, args in calls:
        outcomes = []
        for twin in hll_twins:
            with pytest.raises(ValueError) as info:
                getattr(twin, name)(*[bytearray(a) if isinstance(a, bytearray) else a for a in args])
            outcomes.append(str(info.value))
        assert outcomes[0] == outcomes[1] == "not a HyperLogLog value", name


def test_twins_check_register_arguments_alike(hll_twins):
    for twin in hll_twins:
        dense = twin.new_sparse()
        twin.to_dense(dense)
        for reg in (-1, 16384):
            with pytest.raises(IndexError, match="^register index out of range$"):
                twin.dense_get(dense, reg)
            with pytest.raises(IndexError, match="^register index out of range$"):
                twin.sparse_set(twin.new_sparse(), reg, 1, 3000)
        for value in (-1, 64):
            with pytest.raises(ValueError, match="^register value out of range$"):
                twin.dense_set(dense, 0, value)
        with pytest.raises(ValueError, match="^register value out of range$"):
            twin.sparse_set(twin.new_sparse(), 0, 0, 3000)
        with pytest.raises(ValueError, match="^16384 registers expected$"):
            twin.count_registers(bytes(10))
        with pytest.raises(ValueError, match="^16384 registers expected$"):
            twin.merge(bytearray(10), dense)
        with pytest.raises(ValueError, match="^16384 registers expected$"):
            twin.pack_dense(bytes(10))
        with pytest.raises(ValueError, match="^not a HyperLogLog value$"):
            twin.dense_get(twin.new_sparse(), 0)
