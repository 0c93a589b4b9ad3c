"""Shared suite for ``parse_int`` (Redis string2ll) in the RESP twins (resp.pyx and resp_py.py)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

ACCEPTED = [
    (b"0", 0), (b"1", 1), (b"-1", -1), (b"10", 10), (b"123456789", 123456789),
    (b"9223372036854775807", INT64_MAX), (b"-9223372036854775808", INT64_MIN),
    (b"999999999999999999", 999999999999999999), (b"-999999999999999999", -999999999999999999),
    (b"1000000000000000000", 10 ** 18),
]
REJECTED = [
    b"", b"-", b"-0", b"00", b"01", b"+1", b" 1", b"1 ", b"1_0", b"1.0", b"1e3", b"0x10", b"abc",
    b"9223372036854775808", b"-9223372036854775809", b"18446744073709551616",
    b"99999999999999999999", b"123456789012345678901", b"\xd9\xa1", b"1\x00", b"--1",
]


@pytest.mark.parametrize("text, value", ACCEPTED)
def test_accepted(resp, text, value):
    assert resp.parse_int(text) == value
    assert resp.parse_int(bytearray(text)) == value
    assert resp.parse_int(memoryview(text)) == value


@pytest.mark.parametrize("text", REJECTED)
def test_rejected(resp, text):
    assert resp.parse_int(text) is None
    assert resp.parse_int(bytearray(text)) is None


def test_not_bytes_like(resp):
    with pytest.raises(TypeError):
        resp.parse_int("1")


@settings(max_examples=500)
@given(st.one_of(st.integers(min_value=-(1 << 70), max_value=1 << 70).map(lambda n: b"%d" % n),
                 st.binary(max_size=22), st.from_regex(rb"\A[-+ 0-9]{0,22}\Z")))
def test_twins_agree(resp_twins, text):
    compiled, pure = resp_twins
    expected = pure.parse_int(text)
    assert compiled.parse_int(text) == expected
    assert compiled.parse_int(bytearray(text)) == expected
    if expected is not None:
        assert expected == int(text) and INT64_MIN <= expected <= INT64_MAX
