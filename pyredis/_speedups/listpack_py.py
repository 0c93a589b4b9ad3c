"""Pure-Python twin of listpack.pyx: whole listpacks, intsets and ziplists as an RDB holds them.

Decoding turns a blob into the values a container stores (integers spelled
in decimal, as Redis hands them out); every malformed blob raises
``BlobError`` with the same text in both twins, and nothing is read past the
blob's end.  Encoding writes the bytes Redis keeps in memory and saves whole:
an element that ``string2ll`` accepts is stored as an integer.
"""
from struct import Struct

from ..listpack import backlen_size, lp_entry, lp_int_entry
from ._errors import BlobError

_U16 = Struct("<H")
_U32 = Struct("<I")
_II = Struct("<II")

LP_HEADER = 6
LP_EOF = 0xFF

_LP_INTS = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}
_SMALL_INTS = [b"%d" % i for i in range(128)]


# ---- listpack -----------------------------------------------------------------
def lp_items(blob, counted=True):
    """The entries of a listpack, as bytes (integers spelled in decimal).

    ``counted``: the header's element count must match (a stream's node is
    not held to it: Redis never checks it there).
    """
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
            size = 2 + (((b & 0x0F) << 8) | blob[p + 1])
            if p + size > end:
                raise BlobError("listpack entry")
            out.append(blob[p + 2:p + size])
        elif b == 0xF0:
            if p + 5 > end:
                raise BlobError("listpack entry")
            size = 5 + _U32.unpack_from(blob, p + 1)[0]
            if p + size > end:
                raise BlobError("listpack entry")
            out.append(blob[p + 5:p + size])
        elif b in _LP_INTS:
            size = 1 + _LP_INTS[b]
            if p + size > end:
                raise BlobError("listpack entry")
            out.append(b"%d" % int.from_bytes(blob[p + 1:p + size], "little", signed=True))
        else:
            raise BlobError("listpack encoding")
        p += size + backlen_size(size)
        if p > end:
            raise BlobError("listpack backlen")
    if p != end or (counted and count != 65535 and count != len(out)):
        raise BlobError("listpack count")
    return out


def lp_validate(blob, counted=True):
    """lpValidateIntegrity's deep walk: lp_items's checks, and each entry's back-length reads as its size.

    The back-length is read backwards as lpDecodeBacklen reads it, so only
    what Redis's deep sanitization refuses raises ``BlobError``.
    """
    lp_items(blob, counted)
    p = LP_HEADER
    end = len(blob) - 1
    while p < end:
        b = blob[p]
        if b < 0x80:
            size = 1
        elif b < 0xC0:
            size = 1 + (b & 0x3F)
        elif b < 0xE0:
            size = 2
        elif b < 0xF0:
            size = 2 + (((b & 0x0F) << 8) | blob[p + 1])
        elif b == 0xF0:
            size = 5 + _U32.unpack_from(blob, p + 1)[0]
        else:
            size = 1 + _LP_INTS[b]
        p += size + backlen_size(size)
        if _decode_backlen(blob, p - 1) != size:
            raise BlobError("listpack backlen")


def _decode_backlen(blob, q):
    """lpDecodeBacklen from the back-length's last byte; -1 past five bytes."""
    value = 0
    shift = 0
    while True:
        b = blob[q]
        value |= (b & 127) << shift
        if not b & 128:
            return value
        shift += 7
        q -= 1
        if shift > 28:
            return -1


def lp_fill_dict(blob, d):
    """Store a hash listpack's field, value pairs into the mapping ``d``; the number of pairs.

    A field met twice keeps its first place and its last value, as a dict
    built from the pairs would.
    """
    items = lp_items(blob)
    if len(items) & 1:
        raise BlobError("listpack pairs")
    for i in range(0, len(items), 2):
        d[items[i]] = items[i + 1]
    return len(items) >> 1


def lp_zset_pairs(blob, parse_score):
    """A sorted-set listpack's (score, member) pairs in listpack order.

    Scores go through ``parse_score(text)``, which returns a float or raises;
    it must read an integer's decimal text as that integer (the compiled twin
    converts integer entries itself).
    """
    items = lp_items(blob)
    if len(items) & 1:
        raise BlobError("listpack pairs")
    return [(parse_score(items[i + 1]), items[i]) for i in range(0, len(items), 2)]


# Entries of short strings met lately: field names, members and small
# values repeat from key to key, and a lookup costs less than encoding.
_ENTRIES = {}
_ENTRIES_MAX = 8192


def _entry(s):
    e = _ENTRIES.get(s)
    if e is None:
        e = lp_entry(s)
        if len(s) <= 16:
            if len(_ENTRIES) >= _ENTRIES_MAX:
                _ENTRIES.clear()
            _ENTRIES[s] = e
    return e


def lp_pack(items):
    """The listpack of the bytes ``items``, each stored as lpAppend stores it."""
    return _listpack([_entry(s) for s in items])


def lp_pack_pairs(pairs):
    """The listpack of the (field, value) ``pairs``, flattened."""
    entries = []
    append = entries.append
    for f, v in pairs:
        append(_entry(f))
        append(_entry(v))
    return _listpack(entries)


def lp_pack_zset(pairs):
    """A sorted set's listpack from its (score, member) ``pairs`` in order."""
    entries = []
    append = entries.append
    for score, member in pairs:
        append(_entry(member))
        append(_score_entry(score))
    return _listpack(entries)


# C's LLONG_MAX/2 as double2ll compares it, a double.
_HALF_LLONG = float((1 << 63) - 1) / 2


def _score_entry(score):
    """zzlInsertAt's score entry: an integer when double2ll takes it, else d2string's text."""
    if -_HALF_LLONG <= score <= _HALF_LLONG:
        n = int(score)
        if n == score:
            return lp_int_entry(n)
    return lp_entry(d2string(score))


def d2string(value):
    """Redis's d2string: how a listpack spells a score that is not an integer."""
    if value != value:
        return b"nan"
    if value in (float("inf"), float("-inf")):
        return b"inf" if value > 0 else b"-inf"
    if value == 0:
        return b"-0" if str(value)[0] == "-" else b"0"
    if -4503599627370495 < value < 4503599627370496 and value == int(value):
        return b"%d" % int(value)
    return b"%.17g" % value


def _listpack(entries):
    body = b"".join(entries)
    count = len(entries)
    return _U32.pack(LP_HEADER + len(body) + 1) + _U16.pack(count if count < 65535 else 65535) \
        + body + b"\xff"


# ---- intset -------------------------------------------------------------------
def intset_items(blob):
    """The members of an intset, ascending, as bytes."""
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


def intset_pack(values, width=2):
    """An intset of the int ``values`` (sorted, distinct): ``width`` bytes each, or wider if needed."""
    lo = values[0] if values else 0
    hi = values[-1] if values else 0
    if width == 2 and -32768 <= lo and hi <= 32767:
        code = "h"
    elif width <= 4 and -2147483648 <= lo and hi <= 2147483647:
        width, code = 4, "i"
    else:
        width, code = 8, "q"
    return _II.pack(width, len(values)) + Struct("<%d%s" % (len(values), code)).pack(*values)


# ---- ziplist (read only) ---------------------------------------------------------
def ziplist_items(blob):
    """The entries of a ziplist (RDB files before 7.0), as bytes."""
    n = len(blob)
    if n < 11:
        raise BlobError("ziplist too short")
    total, tail = _II.unpack_from(blob, 0)
    count, = _U16.unpack_from(blob, 8)
    if total != n or blob[-1] != 0xFF or tail > n - 1:
        raise BlobError("ziplist header")
    out = []
    p = 10
    end = n - 1
    last = -1
    # ziplistValidateIntegrity (always deep where a ziplist is converted): each
    # entry's prevlen is the previous entry's size, and the tail is the last one.
    while p < end:
        if blob[p] == 0xFF:
            raise BlobError("ziplist end")
        if blob[p] == 254:
            if p + 5 >= end:
                raise BlobError("ziplist entry")
            prevlen = _U32.unpack_from(blob, p + 1)[0]
        else:
            prevlen = blob[p]
        if prevlen != (p - last if last >= 0 else 0):
            raise BlobError("ziplist prevlen")
        last = p
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
            if p + 5 > end:
                raise BlobError("ziplist entry")
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
    if last >= 0 and last != tail:
        raise BlobError("ziplist tail")
    return out


__all__ = ["BlobError", "lp_items", "lp_validate", "lp_fill_dict", "lp_zset_pairs", "lp_pack", "lp_pack_pairs",
           "lp_pack_zset", "d2string", "intset_items", "intset_pack", "ziplist_items"]
