"""Sorted-set replies: both twins encode the same bytes, scores printed as Redis prints them."""
import math

import pytest
from hypothesis import given, settings, strategies as st


SCORES = st.one_of(st.floats(allow_nan=False, width=64),
                   st.sampled_from([0.0, -0.0, 1e15, 1e16, 1e17, 123456789012345678.0, 0.1, 1e-4,
                                    1e-5, 5e-324, 2.0 ** 70, math.inf, -math.inf, 2.0 ** 53 - 1,
                                    2.0 ** 53, -(2.0 ** 53 - 1), -(2.0 ** 53), 2.0 ** 53 + 2, 1e15 + 0.5,
                                    -1.0, -10.0, 9.0, 10.0, 99.0, 100.0]),
                   st.integers(-10 ** 6, 10 ** 6).map(float))
PAIRS = st.lists(st.tuples(SCORES, st.binary(max_size=40)), max_size=20)


@pytest.mark.parametrize("value, text", [
    (0.0, b"0"), (-0.0, b"-0"), (1.5, b"1.5"), (0.1, b"0.10000000000000001"), (1e17, b"1e+17"),
    (123456.0, b"123456"), (1e-5, b"1.0000000000000001e-05"), (math.inf, b"inf"),
    (-math.inf, b"-inf"), (5e-324, b"4.9406564584124654e-324")])
def test_format_double_prints_like_redis(zsetreply, value, text):
    assert zsetreply.format_double(value) == text


@settings(max_examples=500, deadline=None)
@given(SCORES)
def test_twins_print_doubles_alike(zsetreply_twins, value):
    compiled, pure = zsetreply_twins
    text = compiled.format_double(value)
    assert text == pure.format_double(value)
    if not math.isinf(value):
        assert text == b"%.17g" % value
    for resp in (2, 3):
        assert compiled.encode_double(value, resp) == pure.encode_double(value, resp)


@settings(max_examples=300, deadline=None)
@given(PAIRS, st.booleans(), st.sampled_from([2, 3]), st.one_of(st.none(), st.binary(max_size=10)))
def test_twins_encode_pairs_alike(zsetreply_twins, pairs, withscores, resp, key):
    compiled, pure = zsetreply_twins
    assert compiled.encode_scored(pairs, withscores, resp) == pure.encode_scored(pairs, withscores, resp)
    assert compiled.encode_flat(pairs, resp, key) == pure.encode_flat(pairs, resp, key)


def test_encodings_parse_back(zsetreply):
    pairs = [(1.0, b"a"), (-0.0, b"b\r\n"), (math.inf, b"")]
    assert zsetreply.encode_scored(pairs, False, 2) == b"*3\r\n$1\r\na\r\n$3\r\nb\r\n\r\n$0\r\n\r\n"
    assert zsetreply.encode_scored(pairs, True, 2) == (
        b"*6\r\n$1\r\na\r\n$1\r\n1\r\n$3\r\nb\r\n\r\n$2\r\n-0\r\n$0\r\n\r\n$3\r\ninf\r\n")
    assert zsetreply.encode_scored(pairs, True, 3) == (
        b"*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$3\r\nb\r\n\r\n,-0\r\n*2\r\n$0\r\n\r\n,inf\r\n")
    assert zsetreply.encode_flat(pairs[:1], 2, b"k") == b"*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert zsetreply.encode_flat([], 3) == b"*0\r\n"
    assert zsetreply.encode_double(2.5, 2) == b"$3\r\n2.5\r\n"
    assert zsetreply.encode_double(-math.inf, 3) == b",-inf\r\n"


def test_bad_pairs_are_type_errors(zsetreply):
    for bad in ([(1.0, "str")], [(1.0, 5)], ((1.0, b"a"),)):
        with pytest.raises(TypeError):
            zsetreply.encode_scored(bad, True, 2)
        with pytest.raises(TypeError):
            zsetreply.encode_flat(bad, 2)
