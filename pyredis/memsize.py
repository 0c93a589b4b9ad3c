"""What a value would occupy in redis-server: the estimate behind MEMORY USAGE.

Redis answers MEMORY USAGE from its allocator's size classes and the sizes of
its structures (objectComputeSize): a robj header, an sds string, a listpack's
bytes, a dict's bucket array and entries.  These functions apply the same
arithmetic to pyredis's values, so figures have Redis's magnitude and grow
as Redis's do; Python's own object sizes are a different thing and are not
what Redis users reason about.  Containers sample up to ``samples`` elements
(0: all) and scale by their size, as Redis does.
"""
import itertools

from . import listpack as lp
from .numbers import parse_int

ROBJ = 16
DICT = 56
DICT_ENTRY = 24
QUICKLIST = 40
QUICKLIST_NODE = 40
ZSKIPLIST = 32
ZSET = 16
ZSKIPLIST_NODE = 24
ZSKIPLIST_LEVEL = 16
ZSKIPLIST_MAXLEVEL = 32
INTSET_HEADER = 8
EMBSTR_LIMIT = 44

# jemalloc's small size classes; above them, four classes per power of two.
_SMALL = (8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
          640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144,
          7168, 8192, 10240, 12288, 14336)

SIZERS = {}


def alloc(n):
    """The size class jemalloc gives an allocation of ``n`` bytes."""
    if n <= 8:
        return 8
    if n <= 14336:
        lo, hi = 0, len(_SMALL) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if _SMALL[mid] < n:
                lo = mid + 1
            else:
                hi = mid
        return _SMALL[lo]
    if n <= 4096 * 4:
        return -(-n // 4096) * 4096
    step = 1 << (n.bit_length() - 3)
    return -(-n // step) * step


def sds(n):
    """Allocated size of an sds string of ``n`` bytes (header, data, terminator)."""
    if n < 256:
        header = 3
    elif n < 65536:
        header = 5
    elif n < 1 << 32:
        header = 9
    else:
        header = 17
    return alloc(header + n + 1)


def listpack(values):
    return alloc(lp.OVERHEAD + sum(map(lp.str_size, values)))


def dict_slots(n):
    slots = 4
    while slots < n:
        slots *= 2
    return slots if n else 0


def _sampled(iterable, count, samples, per_item):
    """Redis's estimate: the average of the first ``samples`` items times ``count``."""
    if not count:
        return 0
    taken = list(itertools.islice(iterable, samples if samples else count))
    if not taken:
        return 0
    return int(sum(per_item(x) for x in taken) / len(taken) * count)


def string_size(value):
    n = len(value)
    if value.__class__ is bytes and n <= 20 and parse_int(value) is not None:
        return ROBJ
    if value.__class__ is bytes and n <= EMBSTR_LIMIT:
        return alloc(ROBJ + 3 + n + 1)
    return ROBJ + sds(n)


def value_size(value, samples=5):
    """objectComputeSize of ``value``."""
    cls = value.__class__
    if cls is bytes or cls is bytearray:
        return string_size(value)
    sizer = SIZERS.get(cls)
    return sizer(value, samples) if sizer is not None else ROBJ


def key_usage(key, value, samples=5):
    """MEMORY USAGE: the value, the key's sds and its dict entry."""
    n = len(key)
    # A key is an sdsdup of the argument: under 32 bytes that is an
    # SDS_TYPE_5 string, whose header is one byte.
    return value_size(value, samples) + (alloc(n + 2) if n < 32 else sds(n)) + DICT_ENTRY
