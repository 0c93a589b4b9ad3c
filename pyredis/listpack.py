"""Listpack elements as listpack.c lays them out: their sizes, encoding and decoding.

Several figures Redis reports depend on listpack sizes (XINFO's node sizes, the
stream node split rule, MEMORY USAGE, the RDB blobs): they all read them here.
Stream nodes and the RDB blobs encode and decode their elements here.
"""
from struct import Struct

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


# ---- encoding -----------------------------------------------------------------------------------
_I16 = Struct("<h")
_I32 = Struct("<i")
_I64 = Struct("<q")
_U32 = Struct("<I")


def _backlen(n):
    """lpEncodeBacklen: the entry length written backwards, 7 bits a byte."""
    if n <= 127:
        return bytes((n,))
    if n < 16383:
        return bytes((n >> 7, (n & 127) | 128))
    if n < 2097151:
        return bytes((n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128))
    if n < 268435455:
        return bytes((n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128))
    return bytes((n >> 28, ((n >> 21) & 127) | 128, ((n >> 14) & 127) | 128,
                  ((n >> 7) & 127) | 128, (n & 127) | 128))


# The 7-bit unsigned integers: one byte and a one-byte back-length.
_SMALL_INT_ENTRIES = [bytes((v, 1)) for v in range(128)]


def lp_int_entry(v):
    """An integer entry in the smallest of listpack's integer encodings."""
    if 0 <= v <= 127:
        return _SMALL_INT_ENTRIES[v]
    if -4096 <= v <= 4095:
        if v < 0:
            v += 1 << 13
        return bytes(((v >> 8) | 0xC0, v & 0xFF, 2))
    if -32768 <= v <= 32767:
        return b"\xf1" + _I16.pack(v) + b"\x03"
    if -8388608 <= v <= 8388607:
        return b"\xf2" + (v & 0xFFFFFF).to_bytes(3, "little") + b"\x04"
    if -2147483648 <= v <= 2147483647:
        return b"\xf3" + _I32.pack(v) + b"\x05"
    return b"\xf4" + _I64.pack(v) + b"\x09"


# A string entry shorter than 64 bytes: its one-byte header and one-byte back-length.
_SMALL_HEAD = [bytes((0x80 | n,)) for n in range(64)]
_SMALL_BACK = [bytes((n + 1,)) for n in range(64)]


def lp_entry(s):
    """lpAppend's entry for ``s``: an integer when string2ll accepts it, else a string."""
    n = len(s)
    if n and n <= 20 and s[0] in _INT_START:
        v = parse_int(s)
        if v is not None:
            return lp_int_entry(v)
    if n < 64:
        return _SMALL_HEAD[n] + s + _SMALL_BACK[n]
    if n < 4096:
        head = bytes((0xE0 | (n >> 8), n & 0xFF))
    else:
        head = b"\xf0" + _U32.pack(n)
    return head + s + _backlen(len(head) + n)


# ---- decoding -----------------------------------------------------------------------------------
_INT_WIDTHS = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}


def element(data, p):
    """(value, offset of the next element) for the well-formed element at ``p``.

    The value is an int for the integer encodings and bytes for strings.
    """
    b = data[p]
    if b < 0x80:
        return b, p + 2
    if b < 0xC0:
        end = p + 1 + (b & 0x3F)
        return bytes(data[p + 1:end]), end + 1
    if b < 0xE0:
        v = ((b & 0x1F) << 8) | data[p + 1]
        return (v - (1 << 13) if v >= 1 << 12 else v), p + 3
    if b < 0xF0:
        start = p + 2
        size = 2 + (((b & 0x0F) << 8) | data[p + 1])
    elif b == 0xF0:
        start = p + 5
        size = 5 + _U32.unpack_from(data, p + 1)[0]
    else:
        width = _INT_WIDTHS[b]
        size = 1 + width
        v = int.from_bytes(data[p + 1:p + size], "little", signed=True)
        return v, p + size + backlen_size(size)
    return bytes(data[start:p + size]), p + size + backlen_size(size)
