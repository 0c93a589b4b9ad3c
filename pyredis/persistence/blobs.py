"""The compact encodings Redis writes whole into an RDB string: listpack and intset.

Redis stores a small list node, hash, sorted set or integer set as one blob
in the layout it keeps in memory, so these must be byte-exact.  Older files
also hold ziplists and zipmaps, which are only read.  Every decoder raises
``BlobError`` on a malformed blob instead of reading past its end.
"""
from struct import Struct

from ..listpack import backlen_size, lp_entry, lp_int_entry  # noqa: F401 (the blob encoders' API)

_U16 = Struct("<H")
_U32 = Struct("<I")
_II = Struct("<II")

LP_HEADER = 6
LP_EOF = 0xFF


class BlobError(ValueError):
    pass


# ---- listpack -----------------------------------------------------------------
def listpack(entries):
    """A listpack of already encoded ``entries`` (lp_entry / lp_int_entry)."""
    body = b"".join(entries)
    count = len(entries)
    return _U32.pack(LP_HEADER + len(body) + 1) + _U16.pack(count if count < 65535 else 65535) \
        + body + b"\xff"


def listpack_of(items):
    return listpack([lp_entry(s) for s in items])


def lp_items(blob):
    """The entries of a listpack, as bytes (integers spelled in decimal)."""
    n = len(blob)
    if n < LP_HEADER + 1:
        raise BlobError("listpack too short")
    total, = _U32.unpack_from(blob, 0)
    if total != n or blob[-1] != LP_EOF:
        raise BlobError("listpack header")
    count, = _U16.unpack_from(blob, 4)
    out = []
    p = LP_HEADER
    end = n - 1
    while p < end:
        b = blob[p]
        if b < 0x80:
            out.append(_SMALL_INTS[b])
            p += 2
            continue
        elif b < 0xC0:
            size = 1 + (b & 0x3F)
            if p + size > end:
                raise BlobError("listpack entry")
            out.append(blob[p + 1:p + size])
            # A string this short always has a one-byte back-length.
            p += size + 1
            continue
        elif b < 0xE0:
            if p + 2 > end:
                raise BlobError("listpack entry")
            v = ((b & 0x1F) << 8) | blob[p + 1]
            out.append(b"%d" % (v - (1 << 13) if v >= 1 << 12 else v))
            size = 2
        elif b < 0xF0:
            if p + 2 > end:
                raise BlobError("listpack entry")
            ln = ((b & 0x0F) << 8) | blob[p + 1]
            size = 2 + ln
            out.append(blob[p + 2:p + size])
        elif b == 0xF0:
            if p + 5 > end:
                raise BlobError("listpack entry")
            ln, = _U32.unpack_from(blob, p + 1)
            size = 5 + ln
            out.append(blob[p + 5:p + size])
        elif b in _LP_INTS:
            width = _LP_INTS[b]
            size = 1 + width
            if p + size > end:
                raise BlobError("listpack entry")
            out.append(b"%d" % int.from_bytes(blob[p + 1:p + size], "little", signed=True))
        else:
            raise BlobError("listpack encoding")
        if p + size > end:
            raise BlobError("listpack entry")
        p += size + backlen_size(size)
        if p > end:
            raise BlobError("listpack backlen")
    if p != end or (count != 65535 and count != len(out)):
        raise BlobError("listpack count")
    return out


_LP_INTS = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}
_SMALL_INTS = [b"%d" % i for i in range(128)]


# ---- intset -------------------------------------------------------------------
def intset(values, width=2):
    """An intset of the int ``values`` (sorted, distinct), ``width`` bytes a member or wider if they need it."""
    lo = values[0] if values else 0
    hi = values[-1] if values else 0
    if width == 2 and -32768 <= lo and hi <= 32767:
        code = "h"
    elif width <= 4 and -2147483648 <= lo and hi <= 2147483647:
        width, code = 4, "i"
    else:
        width, code = 8, "q"
    return _II.pack(width, len(values)) + Struct("<%d%s" % (len(values), code)).pack(*values)


def intset_items(blob):
    if len(blob) < 8:
        raise BlobError("intset too short")
    width, count = _II.unpack_from(blob, 0)
    code = {2: "h", 4: "i", 8: "q"}.get(width)
    if code is None or len(blob) != 8 + width * count:
        raise BlobError("intset header")
    values = Struct("<%d%s" % (count, code)).unpack_from(blob, 8)
    for i in range(1, count):
        if values[i - 1] >= values[i]:
            raise BlobError("intset order")
    return [b"%d" % v for v in values]


# ---- ziplist (read only) ---------------------------------------------------------
def ziplist_items(blob):
    n = len(blob)
    if n < 11:
        raise BlobError("ziplist too short")
    total, tail, count = _II.unpack_from(blob, 0) + _U16.unpack_from(blob, 8)
    if total != n or blob[-1] != 0xFF:
        raise BlobError("ziplist header")
    out = []
    p = 10
    end = n - 1
    while p < end:
        p += 5 if blob[p] == 254 else 1
        if p >= end:
            raise BlobError("ziplist entry")
        b = blob[p]
        enc = b >> 6
        if enc == 0:
            ln, p = b & 0x3F, p + 1
        elif enc == 1:
            ln, p = ((b & 0x3F) << 8) | blob[p + 1], p + 2
        elif enc == 2:
            ln, p = int.from_bytes(blob[p + 1:p + 5], "big"), p + 5
        else:
            if b == 0xC0:
                width = 2
            elif b == 0xD0:
                width = 4
            elif b == 0xE0:
                width = 8
            elif b == 0xF0:
                width = 3
            elif b == 0xFE:
                width = 1
            elif 0xF1 <= b <= 0xFD:
                out.append(b"%d" % ((b & 0x0F) - 1))
                p += 1
                continue
            else:
                raise BlobError("ziplist encoding")
            if p + 1 + width > end:
                raise BlobError("ziplist entry")
            out.append(b"%d" % int.from_bytes(blob[p + 1:p + 1 + width], "little", signed=True))
            p += 1 + width
            continue
        if p + ln > end:
            raise BlobError("ziplist entry")
        out.append(blob[p:p + ln])
        p += ln
    if p != end or (count != 65535 and count != len(out)):
        raise BlobError("ziplist count")
    return out


# ---- zipmap (read only) ------------------------------------------------------------
def _zipmap_len(blob, p):
    b = blob[p]
    if b < 254:
        return b, p + 1
    if b == 254:
        return _U32.unpack_from(blob, p + 1)[0], p + 5
    raise BlobError("zipmap length")


def zipmap_items(blob):
    """The field, value, field, value ... of a zipmap."""
    out = []
    try:
        p = 1
        while blob[p] != 255:
            ln, p = _zipmap_len(blob, p)
            out.append(_take(blob, p, ln))
            p += ln
            ln, p = _zipmap_len(blob, p)
            free = blob[p]
            p += 1
            out.append(_take(blob, p, ln))
            p += ln + free
        if p != len(blob) - 1:
            raise BlobError("zipmap end")
    except IndexError:
        raise BlobError("zipmap truncated") from None
    return out


def _take(blob, p, n):
    if p + n > len(blob):
        raise BlobError("zipmap truncated")
    return blob[p:p + n]
