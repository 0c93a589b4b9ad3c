"""CRC-64/Jones twins (crc64.pyx and crc64_py.py): one suite, both twins, Redis's RDB trailer."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from .redis_dump import saved_by_redis


def bitwise(crc, data):
    """The definition, one bit at a time: reflected Jones polynomial, no final xor."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
    return crc


def test_check_value(crc64):
    assert crc64.crc64(0, b"123456789") == 0xE9C6D914C4B8D9CA
    assert crc64.crc64(0, b"") == 0
    assert crc64.crc64(0xFFFF, b"") == 0xFFFF


def test_redis_rdb_trailer(crc64):
    dump, _ = saved_by_redis(b"hello world " * 50)
    assert crc64.crc64(0, dump[:-8]) == int.from_bytes(dump[-8:], "little")


def test_continues_a_running_crc(crc64):
    data = random.Random(1).randbytes(1000)
    for cut in (0, 1, 7, 8, 9, 500, 999, 1000):
        assert crc64.crc64(crc64.crc64(0, data[:cut]), data[cut:]) == crc64.crc64(0, data)


def test_accepts_bytes_like(crc64):
    assert crc64.crc64(0, bytearray(b"123456789")) == 0xE9C6D914C4B8D9CA
    assert crc64.crc64(0, memoryview(b"123456789")) == 0xE9C6D914C4B8D9CA


@settings(max_examples=300, deadline=None)
@given(crc=st.integers(0, (1 << 64) - 1), data=st.binary(max_size=100))
def test_twins_agree_with_the_definition(crc64_twins, crc, data):
    compiled, pure = crc64_twins
    expected = bitwise(crc, data)
    assert compiled.crc64(crc, data) == expected
    assert pure.crc64(crc, data) == expected
