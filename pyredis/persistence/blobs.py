"""The compact encodings Redis writes whole into an RDB string: listpack and intset.

Redis stores a small list node, hash, sorted set or integer set as one blob
in the layout it keeps in memory, so these must be byte-exact.  Older files
also hold ziplists and zipmaps, which are only read.  Every decoder raises
``BlobError`` on a malformed blob instead of reading past its end.
"""
from struct import Struct, error as struct_error

from .._speedups import listpack as _twin
from .._speedups._errors import BlobError
from ..listpack import backlen_size, lp_entry, lp_int_entry  # noqa: F401 (the blob encoders' API)

_U16 = Struct("<H")
_U32 = Struct("<I")

# The decoders and whole-blob encoders are the chosen twin's (listpack.pyx / listpack_py.py).
lp_items = _twin.lp_items
lp_validate = _twin.lp_validate
lp_fill_dict = _twin.lp_fill_dict
lp_zset_pairs = _twin.lp_zset_pairs
lp_pack = _twin.lp_pack
lp_pack_pairs = _twin.lp_pack_pairs
lp_pack_zset = _twin.lp_pack_zset
intset_items = _twin.intset_items
intset = _twin.intset_pack
ziplist_items = _twin.ziplist_items


def listpack(entries):
    """A listpack of already encoded ``entries`` (lp_entry / lp_int_entry)."""
    body = b"".join(entries)
    count = len(entries)
    return _U32.pack(7 + len(body)) + _U16.pack(count if count < 65535 else 65535) + body + b"\xff"


def listpack_of(items):
    return lp_pack(items)


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
    except (IndexError, struct_error):
        raise BlobError("zipmap truncated") from None
    # zipmapValidateIntegrity, deep as every conversion asks: no empty map, its
    # count right (254: not kept), no field twice.
    fields = out[::2]
    if not fields or blob[0] not in (254, len(fields)) or len(set(fields)) != len(fields):
        raise BlobError("zipmap count")
    return out


def _take(blob, p, n):
    if p + n > len(blob):
        raise BlobError("zipmap truncated")
    return blob[p:p + n]
