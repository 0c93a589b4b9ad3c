"""LZF twins (lzf.pyx and lzf_py.py): one suite, both twins, and Redis's own bytes.

The compressor must write what redis-server's liblzf writes, so the known
vectors come from dump.rdb files that redis-server saved; the differential
tests then hold both twins to the same output, the same bounds and the same
errors on any input.
"""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .redis_dump import saved_by_redis

CORRUPT = "Invalid LZF compressed data"


def repetitive(seed, n, alphabet):
    rng = random.Random(seed)
    return bytes(rng.choice(alphabet) for _ in range(n))


# Values Redis compresses when saving (over 20 bytes, not integers).
REDIS_VALUES = [
    b"a" * 21,
    b"xy" * 12,
    b"a" * 100,
    b"abcabcabcabc" * 25,
    b"hello world " * 300,
    repetitive(1, 5000, b"ab"),
    repetitive(2, 40000, b"abcd"),
    b"".join(b"%d," % random.Random(3).randrange(1000) for _ in range(20000)),
    bytes(range(256)) * 40,
]


@pytest.mark.parametrize("value", REDIS_VALUES, ids=lambda v: "%d-bytes" % len(v))
def test_output_equals_redis_dump(lzf, value):
    _, payload = saved_by_redis(value)
    assert payload is not None
    assert lzf.lzf_compress(value, len(value) - 4) == payload
    assert lzf.lzf_decompress(payload, len(value)) == value


def test_incompressible_value_is_stored_raw_by_redis_and_refused_here(lzf):
    value = random.Random(4).randbytes(200)
    _, payload = saved_by_redis(value)
    assert payload is None
    assert lzf.lzf_compress(value, len(value) - 4) is None


def test_known_vectors(lzf):
    assert lzf.lzf_compress(b"abc", 100) == b"\x02abc"
    # liblzf never refers back to the first byte, so the first reference is
    # from position 2 to 1: two literals, 97 bytes at offset 0, two literals.
    assert lzf.lzf_compress(b"a" * 100, 96) == b"\x01aa\xe0\x57\x00\x01aa"
    assert lzf.lzf_decompress(b"\x01aa\xe0\x57\x00\x01aa", 100) == b"a" * 100
    # A run stops at 32 literals.
    data = bytes(range(40))
    assert lzf.lzf_compress(data, 100) == b"\x1f" + data[:32] + b"\x07" + data[32:]


def test_empty_and_non_positive_bound_give_none(lzf):
    assert lzf.lzf_compress(b"", 10) is None
    assert lzf.lzf_compress(b"abc", 0) is None
    assert lzf.lzf_compress(b"abc", -1) is None


def test_bound_is_exact(lzf):
    value = b"hello world " * 10
    full = lzf.lzf_compress(value, 1000)
    # liblzf may refuse a bound a few bytes above the result (it keeps room
    # for a header and up to 3 literals); never below it.
    assert lzf.lzf_compress(value, len(full) - 1) is None
    fits = [n for n in range(len(full), len(full) + 8) if lzf.lzf_compress(value, n) == full]
    assert fits and fits[-1] == len(full) + 7


@pytest.mark.parametrize("bad, out_len", [
    (b"", 0),
    (b"", 5),
    (b"\x02ab", 3),             # literal run past the input
    (b"\x02abc", 2),            # literal run past the output
    (b"\x00a\x20", 3),          # reference without its offset byte
    (b"\x00a\xe0", 10),         # long reference without its length byte
    (b"\x00a\xe0\x05", 10),     # long reference without its offset byte
    (b"\x00a\x20\x01", 4),      # reference before the start of the output
    (b"\x00a\x20\x00", 3),      # reference past the end of the output
    (b"\x02abc", 4),            # fewer bytes than announced
    (b"\x02abc", 0),
])
def test_corrupt_input_raises(lzf, bad, out_len):
    with pytest.raises(ValueError, match="^%s$" % CORRUPT):
        lzf.lzf_decompress(bad, out_len)


def test_overlapping_reference(lzf):
    assert lzf.lzf_decompress(b"\x01ab\xe0\x05\x01", 16) == b"ab" * 8


def test_accepts_bytes_like(lzf):
    value = b"hello hello hello hello"
    expected = lzf.lzf_compress(value, 100)
    assert lzf.lzf_compress(bytearray(value), 100) == expected
    assert lzf.lzf_compress(memoryview(value), 100) == expected
    assert lzf.lzf_decompress(bytearray(expected), len(value)) == value


# ---- both twins, any input ----------------------------------------------------------

def texts():
    """Inputs with many matches: few distinct bytes, repeats, long runs."""
    small = st.binary(max_size=300)
    alphabet = st.lists(st.integers(0, 255), min_size=1, max_size=4)
    patterned = st.builds(lambda a, picks: bytes(a[i % len(a)] for i in picks),
                          alphabet, st.lists(st.integers(0, 3), max_size=3000))
    repeated = st.builds(lambda chunk, n: chunk * n, st.binary(min_size=1, max_size=40),
                         st.integers(1, 300))
    return st.one_of(small, patterned, repeated)


def outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as exc:  # noqa: BLE001 - the twins must fail the same way
        return type(exc), str(exc)


@settings(max_examples=300, deadline=None)
@given(data=texts(), slack=st.integers(-20, 20))
def test_twins_compress_alike_and_round_trip(lzf_twins, data, slack):
    compiled, pure = lzf_twins
    bound = max(len(data) + slack, 0)
    ours = compiled.lzf_compress(data, bound)
    assert ours == pure.lzf_compress(data, bound)
    if ours is not None:
        assert len(ours) <= bound
        assert compiled.lzf_decompress(ours, len(data)) == data
        assert pure.lzf_decompress(ours, len(data)) == data


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), out_len=st.integers(0, 400))
def test_twins_decompress_alike_on_any_input(lzf_twins, data, out_len):
    compiled, pure = lzf_twins
    assert outcome(compiled.lzf_decompress, data, out_len) == outcome(pure.lzf_decompress, data, out_len)


@settings(max_examples=100, deadline=None)
@given(data=texts(), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4))
def test_twins_agree_on_damaged_streams(lzf_twins, data, flips):
    compiled, pure = lzf_twins
    packed = compiled.lzf_compress(data, len(data) + 64)
    if not packed:
        return
    damaged = bytearray(packed)
    for at, value in flips:
        damaged[at % len(damaged)] = value
    for out_len in (len(data), len(data) + 1):
        assert outcome(compiled.lzf_decompress, bytes(damaged), out_len) == \
            outcome(pure.lzf_decompress, bytes(damaged), out_len)


def test_twins_agree_after_a_large_input(lzf_twins):
    # The compiled twin reuses its hash table: what a big input left behind
    # must not change the next result.
    compiled, pure = lzf_twins
    big = repetitive(5, 100000, b"abcdefgh")
    small = repetitive(6, 3000, b"abcdefgh")
    assert compiled.lzf_compress(big, len(big)) == pure.lzf_compress(big, len(big))
    assert compiled.lzf_compress(small, 10) is None
    assert compiled.lzf_compress(small, len(small)) == pure.lzf_compress(small, len(small))
