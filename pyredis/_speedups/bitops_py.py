"""Whole-string bit work for BITCOUNT, BITPOS and BITOP, pure-Python twin of ``bitops.pyx``.

Python's big integers do the work in C: ``int.from_bytes`` then
``bit_count`` or ``&``/``|``/``^``, never a Python loop per byte.
"""
AND = 0
OR = 1
XOR = 2
NOT = 3

_NOT_TABLE = bytes(255 - i for i in range(256))


def popcount(data):
    """Number of set bits in the bytes-like ``data``."""
    return int.from_bytes(data, "little").bit_count()


def first_not(data, fill):
    """Index of the first byte of the bytes-like ``data`` that is not ``fill``, or -1."""
    data = bytes(data)
    rest = data.lstrip(bytes((fill,)))
    return len(data) - len(rest) if rest else -1


def bitop(op, sources, length):
    """BITOP of the bytes-like ``sources`` into a new bytearray of ``length`` bytes.

    Shorter sources count as zero-padded; NOT takes the first source only.
    """
    if op == NOT:
        return bytearray(bytes(sources[0]).translate(_NOT_TABLE))
    acc = None
    for src in sources:
        n = int.from_bytes(src, "little")
        if acc is None:
            acc = n
        elif op == AND:
            acc &= n
        elif op == OR:
            acc |= n
        else:
            acc ^= n
    return bytearray(acc.to_bytes(length, "little"))
