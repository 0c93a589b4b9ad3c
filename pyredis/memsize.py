"""What a value would occupy in redis-server: the estimate behind MEMORY USAGE.

Redis answers MEMORY USAGE from its allocator's size classes and the sizes of
its structures (objectComputeSize): a robj header, an sds string, a listpack's
bytes, a dict's bucket array and entries.  These functions apply the same
arithmetic to pyredis's values, so figures have Redis's magnitude and grow
as Redis's do; Python's own object sizes are a different thing and are not
what Redis users reason about.  Containers sample up to ``samples`` elements
(0: all) and scale by their size, as Redis does.

Where Redis's own figure is not fixed by the value the estimate cannot equal
it: a hash table or set sampled in part is sampled in Redis's dict order,
which follows a hash seed drawn at start-up (pyredis samples in insertion
order, so elements of unequal sizes give another average), and skiplist nodes
have random levels (counted at their expected size).  With ``SAMPLES 0``, or
elements of one size class, hash tables and sets are exact.
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
    """Allocated size of an sds string of ``n`` bytes (header, data, terminator), as
    sdsnewlen makes it: short ones (keys, members, fields) have a one-byte header."""
    if 0 < n < 32:
        header = 1
    elif n < 256:
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


# A dict grown one insert at a time doubles its table when full, then moves one
# occupied bucket of the old table per later operation (incremental rehashing),
# and dictSlots counts both tables meanwhile.  About 1 - 1/e of the old buckets
# hold an entry, so the old table is gone after that many more inserts.
_OCCUPIED = 0.632


def growing_dict_slots(n, steps=1):
    """dictSlots of a value's dict that reached ``n`` entries by inserts, each taking
    ``steps`` rehash steps (SADD adds; HSET and ZADD look the entry up first: 2)."""
    slots = dict_slots(n)
    old = slots // 2
    if old >= 4 and (n - old - 1) * steps < _OCCUPIED * old:
        return slots + old
    return slots


# zslRandomLevel: a node has level k+1 with probability 1/4 of having level k.
_SKIPLIST_P = 0.25


def _expected_zsl_node():
    total = 0.0
    for level in range(1, ZSKIPLIST_MAXLEVEL + 1):
        p = (1 - _SKIPLIST_P) * _SKIPLIST_P ** (level - 1)
        total += p * alloc(ZSKIPLIST_NODE + ZSKIPLIST_LEVEL * level)
    return total


# The allocation of a skiplist node of random level, on average.
ZSL_NODE = _expected_zsl_node()


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
