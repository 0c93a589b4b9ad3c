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
LISTPACK_HEADER = 7
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


def _int64(value):
    if len(value) > 20 or not value:
        return None
    try:
        n = int(value)
    except ValueError:
        return None
    if b"%d" % n != value or not -(1 << 63) <= n < (1 << 63):
        return None
    return n


def lp_entry(value):
    """Bytes one element takes in a listpack (integers in their compact encodings)."""
    n = _int64(value) if len(value) <= 20 else None
    if n is not None:
        if 0 <= n <= 127:
            return 2
        if -4096 <= n <= 4095:
            return 3
        if -32768 <= n <= 32767:
            return 4
        if -8388608 <= n <= 8388607:
            return 5
        if -2147483648 <= n <= 2147483647:
            return 6
        return 10
    size = len(value)
    if size < 64:
        e = size + 1
    elif size < 4096:
        e = size + 2
    else:
        e = size + 5
    return e + (1 if e <= 127 else 2 if e < 16383 else 3 if e < 2097151 else 4 if e < 268435455 else 5)


def listpack(values):
    return alloc(LISTPACK_HEADER + sum(lp_entry(v) for v in values))


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
    if value.__class__ is bytes and n <= 20 and _int64(value) is not None:
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
    return value_size(value, samples) + sds(len(key)) + DICT_ENTRY
