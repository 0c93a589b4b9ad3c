"""Listpack arithmetic: how many bytes an element takes, as listpack.c lays it out.

Several figures Redis reports depend on listpack sizes (XINFO's node sizes, the
stream node split rule, MEMORY USAGE, the RDB blobs): they all read them here.
"""
from .numbers import parse_int

# Header (total bytes, element count) and the end byte.
OVERHEAD = 7


def backlen_size(n):
    """Bytes of the back-length that follows an element of ``n`` bytes."""
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def int_size(v):
    """Bytes of an integer element, back-length included."""
    if 0 <= v <= 127:
        return 2
    if -4096 <= v <= 4095:
        return 3
    if -32768 <= v <= 32767:
        return 4
    if -8388608 <= v <= 8388607:
        return 5
    if -2147483648 <= v <= 2147483647:
        return 6
    return 10


_INT_START = frozenset(b"-0123456789")


def str_size(s):
    """Bytes of a string element: stored as an integer when it spells one (lpStringToInt64)."""
    n = len(s)
    if n <= 20 and n and s[0] in _INT_START:
        v = parse_int(s)
        if v is not None:
            return int_size(v)
    if n < 64:
        enc = 1 + n
    elif n < 4096:
        enc = 2 + n
    else:
        enc = 5 + n
    return enc + backlen_size(enc)
