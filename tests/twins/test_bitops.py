"""The bitops twins: popcount and BITOP agree with each other and with plain arithmetic."""
from hypothesis import given, settings, strategies as st

_SOURCES = st.lists(st.binary(max_size=70), min_size=1, max_size=4)


def _reference(op, sources, length):
    out = bytearray(length)
    for i in range(length):
        column = [s[i] if i < len(s) else 0 for s in sources]
        if op == 3:
            out[i] = ~column[0] & 0xFF
            continue
        acc = column[0]
        for byte in column[1:]:
            acc = acc & byte if op == 0 else acc | byte if op == 1 else acc ^ byte
        out[i] = acc
    return out


def test_constants(bitops):
    assert (bitops.AND, bitops.OR, bitops.XOR, bitops.NOT) == (0, 1, 2, 3)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=100), start=st.integers(0, 100), stop=st.integers(0, 100))
def test_popcount(bitops_twins, data, start, stop):
    expected = sum(bin(b).count("1") for b in data[start:stop])
    for twin in bitops_twins:
        assert twin.popcount(data[start:stop]) == expected
        assert twin.popcount(memoryview(bytearray(data))[start:stop]) == expected


@settings(max_examples=300, deadline=None)
@given(op=st.integers(0, 3), sources=_SOURCES)
def test_bitop(bitops_twins, op, sources):
    if op == 3:
        sources = sources[:1]
    length = max(len(s) for s in sources)
    if not length:
        return
    expected = _reference(op, sources, length)
    for twin in bitops_twins:
        result = twin.bitop(op, [bytearray(s) if i % 2 else s for i, s in enumerate(sources)], length)
        assert type(result) is bytearray
        assert result == expected


def test_megabyte(bitops):
    data = bytes(range(256)) * 4096
    assert bitops.popcount(data) == 4 * len(data)
    assert bitops.bitop(bitops.XOR, [data, data[:10]], len(data))[:12] == bytes(10) + b"\x0a\x0b"


@settings(max_examples=300, deadline=None)
@given(prefix=st.integers(0, 40), fill=st.sampled_from([0, 0xFF, 7]), tail=st.binary(max_size=20))
def test_first_not(bitops_twins, prefix, fill, tail):
    data = bytes([fill]) * prefix + tail
    expected = next((i for i, b in enumerate(data) if b != fill), -1)
    for twin in bitops_twins:
        assert twin.first_not(data, fill) == expected
        assert twin.first_not(memoryview(bytearray(data)), fill) == expected
