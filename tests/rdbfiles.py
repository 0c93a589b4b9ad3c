"""Small RDB files built byte by byte, good and corrupt, for the loader and redis-check-rdb tests."""
import struct

from pyredis._speedups import crc64
from pyredis.persistence.blobs import listpack_of

# An expire time far in the future (year 2286), so the key never counts as already expired.
FAR = 9999999999999


def rdb_len(n):
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return struct.pack(">H", 0x4000 | n)
    return b"\x80" + struct.pack(">I", n)


def rdb_str(s):
    return rdb_len(len(s)) + s


def aux(key, value):
    return b"\xfa" + rdb_str(key) + value


HEAD = (b"REDIS0010" + aux(b"redis-ver", rdb_str(b"7.0.15")) + aux(b"redis-bits", b"\xc0\x40")
        + b"\xfe\x00")


def string(key, value, expire=None):
    ttl = b"" if expire is None else b"\xfc" + struct.pack("<q", expire)
    return ttl + b"\x00" + rdb_str(key) + rdb_str(value)


def quicklist(key, blob):
    """RDB_TYPE_LIST_QUICKLIST_2 of one packed node holding ``blob``."""
    return b"\x12" + rdb_str(key) + b"\x01\x02" + rdb_str(blob)


def listpack(items):
    return listpack_of(items)


def finish(body, checksum=True):
    """``body`` with the EOF opcode and its CRC64 (or a zero, "checksum disabled")."""
    body += b"\xff"
    return body + (struct.pack("<Q", crc64(0, body)) if checksum else bytes(8))


KEYS = (string(b"e", b"v", FAR) + quicklist(b"l", listpack([b"a", b"b", b"c"]))
        + b"\x00\x01n\xc1\x39\x30" + string(b"foo", b"bar"))
GOOD = finish(HEAD + KEYS)
