# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Whole listpacks, intsets and ziplists as an RDB holds them; compiled twin of ``listpack_py.py``.

The pure twin says what each function returns and raises.  Here a blob is
walked through a C pointer and an encoded listpack is written into one C
buffer, so a small container costs one call instead of one per element.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.float cimport PyFloat_FromDouble
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.tuple cimport PyTuple_GET_ITEM
from libc.stdint cimport int16_t, int32_t, int64_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from .int64 cimport string2ll

from ._errors import BlobError

cdef list _SMALL_INTS = [b"%d" % i for i in range(128)]
# C's LLONG_MAX/2 as double2ll compares it, a double.
cdef double _HALF_LLONG = <double>9223372036854775807 / 2


# ---- decoding -----------------------------------------------------------------
cdef inline Py_ssize_t _backlen_size(Py_ssize_t n) noexcept nogil:
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


cdef inline uint32_t _u32(const unsigned char *s) noexcept nogil:
    return <uint32_t>s[0] | (<uint32_t>s[1] << 8) | (<uint32_t>s[2] << 16) | (<uint32_t>s[3] << 24)


cdef inline uint64_t _u64(const unsigned char *s) noexcept nogil:
    return <uint64_t>_u32(s) | (<uint64_t>_u32(s + 4) << 32)


cdef inline int64_t _signed_le(const unsigned char *s, int width) noexcept nogil:
    cdef uint32_t v
    if width == 1:
        return <signed char>s[0]
    if width == 2:
        return <int16_t>(<uint16_t>(s[0] | (s[1] << 8)))
    if width == 3:
        v = <uint32_t>s[0] | (<uint32_t>s[1] << 8) | (<uint32_t>s[2] << 16)
        return <int64_t>v - 0x1000000 if v & 0x800000 else <int64_t>v
    if width == 4:
        return <int32_t>_u32(s)
    return <int64_t>_u64(s)


cdef object _int_bytes(int64_t v):
    """b"%d" % v."""
    cdef char buf[24]
    cdef int i = 24
    cdef uint64_t u
    if 0 <= v < 128:
        return <object>PyList_GET_ITEM(_SMALL_INTS, v)
    u = <uint64_t>(-(v + 1)) + 1 if v < 0 else <uint64_t>v
    while True:
        i -= 1
        buf[i] = <char>(48 + u % 10)
        u //= 10
        if u == 0:
            break
    if v < 0:
        i -= 1
        buf[i] = 45
    return PyBytes_FromStringAndSize(buf + i, 24 - i)


cdef bytes _as_bytes(object blob):
    return blob if type(blob) is bytes else bytes(blob)


cdef Py_ssize_t _lp_header(const unsigned char *s, Py_ssize_t n, Py_ssize_t *count) except -1:
    if n < 7:
        raise BlobError("listpack too short")
    if _u32(s) != <uint64_t>n or s[n - 1] != 0xFF:
        raise BlobError("listpack header")
    count[0] = s[4] | (s[5] << 8)
    return 6


cdef Py_ssize_t _lp_next(const unsigned char *s, Py_ssize_t p, Py_ssize_t end, int64_t *iv,
                         Py_ssize_t *start, Py_ssize_t *length) except -1:
    """The entry at ``p``: a string at [start, start + length) or (start < 0) the integer iv.

    Returns the offset of the next entry.
    """
    cdef unsigned int b = s[p]
    cdef Py_ssize_t size
    cdef int width
    cdef int v
    if b < 0x80:
        iv[0] = b
        start[0] = -1
        return p + 2
    if b < 0xC0:
        size = 1 + (b & 0x3F)
        if p + size > end:
            raise BlobError("listpack entry")
        start[0] = p + 1
        length[0] = size - 1
        return p + size + 1
    if b < 0xE0:
        if p + 2 > end:
            raise BlobError("listpack entry")
        v = ((b & 0x1F) << 8) | s[p + 1]
        iv[0] = v - (1 << 13) if v >= (1 << 12) else v
        start[0] = -1
        size = 2
    elif b < 0xF0:
        if p + 2 > end:
            raise BlobError("listpack entry")
        size = 2 + (((b & 0x0F) << 8) | s[p + 1])
        if p + size > end:
            raise BlobError("listpack entry")
        start[0] = p + 2
        length[0] = size - 2
    elif b == 0xF0:
        if p + 5 > end:
            raise BlobError("listpack entry")
        size = 5 + <Py_ssize_t>_u32(s + p + 1)
        if p + size > end:
            raise BlobError("listpack entry")
        start[0] = p + 5
        length[0] = size - 5
    elif 0xF1 <= b <= 0xF4:
        width = 2 if b == 0xF1 else 3 if b == 0xF2 else 4 if b == 0xF3 else 8
        size = 1 + width
        if p + size > end:
            raise BlobError("listpack entry")
        iv[0] = _signed_le(s + p + 1, width)
        start[0] = -1
    else:
        raise BlobError("listpack encoding")
    p += size + _backlen_size(size)
    if p > end:
        raise BlobError("listpack backlen")
    return p


cdef inline object _lp_value(const unsigned char *s, int64_t iv, Py_ssize_t start, Py_ssize_t length):
    if start < 0:
        return _int_bytes(iv)
    return PyBytes_FromStringAndSize(<const char *>s + start, length)


cdef inline int _lp_end(Py_ssize_t p, Py_ssize_t end, Py_ssize_t count, Py_ssize_t seen) except -1:
    if p != end or (count != 65535 and count != seen):
        raise BlobError("listpack count")
    return 0


def lp_items(blob, bint counted=True):
    cdef bytes data = _as_bytes(blob)
    cdef const unsigned char *s = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), count, start = 0, length = 0
    cdef Py_ssize_t p = _lp_header(s, n, &count)
    cdef Py_ssize_t end = n - 1
    cdef int64_t iv = 0
    cdef list out = []
    while p < end:
        p = _lp_next(s, p, end, &iv, &start, &length)
        out.append(_lp_value(s, iv, start, length))
    _lp_end(p, end, count if counted else 65535, len(out))
    return out


def lp_validate(blob, bint counted=True):
    cdef bytes data = _as_bytes(blob)
    lp_items(data, counted)
    cdef const unsigned char *s = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), count, start = 0, length = 0
    cdef Py_ssize_t p = _lp_header(s, n, &count)
    cdef Py_ssize_t end = n - 1, q, total
    cdef int64_t iv = 0
    cdef uint64_t prevlen
    while p < end:
        q = _lp_next(s, p, end, &iv, &start, &length)
        total = q - p
        prevlen = _decode_backlen(s, q - 1)
        # prevlen + its back-length equals the entry's span only when prevlen is the entry's size.
        if prevlen == <uint64_t>-1 or <Py_ssize_t>prevlen + _backlen_size(<Py_ssize_t>prevlen) != total:
            raise BlobError("listpack backlen")
        p = q


cdef inline uint64_t _decode_backlen(const unsigned char *s, Py_ssize_t q) noexcept nogil:
    cdef uint64_t value = 0
    cdef int shift = 0
    while True:
        value |= <uint64_t>(s[q] & 127) << shift
        if not s[q] & 128:
            return value
        shift += 7
        q -= 1
        if shift > 28:
            return <uint64_t>-1


def lp_fill_dict(blob, d):
    cdef bytes data = _as_bytes(blob)
    cdef const unsigned char *s = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), count, start = 0, length = 0
    cdef Py_ssize_t p = _lp_header(s, n, &count)
    cdef Py_ssize_t end = n - 1, seen = 0
    cdef int64_t iv = 0
    cdef object field = None, value
    while p < end:
        p = _lp_next(s, p, end, &iv, &start, &length)
        value = _lp_value(s, iv, start, length)
        if seen & 1:
            d[field] = value
        else:
            field = value
        seen += 1
    _lp_end(p, end, count, seen)
    if seen & 1:
        raise BlobError("listpack pairs")
    return seen >> 1


def lp_zset_pairs(blob, parse_score):
    cdef bytes data = _as_bytes(blob)
    cdef const unsigned char *s = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), count, start = 0, length = 0
    cdef Py_ssize_t p = _lp_header(s, n, &count)
    cdef Py_ssize_t end = n - 1, seen = 0, i
    cdef int64_t iv = 0
    cdef object member = None, score
    cdef bint texts = False
    cdef list out = []
    while p < end:
        p = _lp_next(s, p, end, &iv, &start, &length)
        if seen & 1:
            if start < 0:
                score = PyFloat_FromDouble(<double>iv)
            else:
                score = PyBytes_FromStringAndSize(<const char *>s + start, length)
                texts = True
            out.append((score, member))
        else:
            member = _lp_value(s, iv, start, length)
        seen += 1
    _lp_end(p, end, count, seen)
    if seen & 1:
        raise BlobError("listpack pairs")
    if texts:
        # Scores spelled as text are parsed once the whole blob is known good,
        # so a malformed blob raises the same error as in the pure twin.
        for i in range(len(out)):
            score = <object>PyTuple_GET_ITEM(out[i], 0)
            if type(score) is bytes:
                out[i] = (parse_score(score), <object>PyTuple_GET_ITEM(out[i], 1))
    return out


# ---- encoding -----------------------------------------------------------------
cdef struct _Buf:
    unsigned char *data
    Py_ssize_t size
    Py_ssize_t cap
    Py_ssize_t count


cdef int _reserve(_Buf *b, Py_ssize_t extra) except -1:
    cdef Py_ssize_t cap
    cdef unsigned char *grown
    if b.size + extra <= b.cap:
        return 0
    cap = b.cap * 2
    if cap < b.size + extra:
        cap = b.size + extra
    grown = <unsigned char *>PyMem_Realloc(b.data, cap)
    if grown == NULL:
        raise MemoryError()
    b.data = grown
    b.cap = cap
    return 0


cdef inline void _put_le(unsigned char *d, uint64_t v, int width) noexcept nogil:
    cdef int i
    for i in range(width):
        d[i] = <unsigned char>(v >> (8 * i))


cdef int _put_int(_Buf *b, int64_t v) except -1:
    cdef unsigned char *d
    cdef int64_t u
    _reserve(b, 10)
    d = b.data + b.size
    if 0 <= v <= 127:
        d[0] = <unsigned char>v
        d[1] = 1
        b.size += 2
    elif -4096 <= v <= 4095:
        u = v + 8192 if v < 0 else v
        d[0] = <unsigned char>((u >> 8) | 0xC0)
        d[1] = <unsigned char>(u & 0xFF)
        d[2] = 2
        b.size += 3
    elif -32768 <= v <= 32767:
        d[0] = 0xF1
        _put_le(d + 1, <uint64_t>v, 2)
        d[3] = 3
        b.size += 4
    elif -8388608 <= v <= 8388607:
        d[0] = 0xF2
        _put_le(d + 1, <uint64_t>v, 3)
        d[4] = 4
        b.size += 5
    elif -2147483648 <= v <= 2147483647:
        d[0] = 0xF3
        _put_le(d + 1, <uint64_t>v, 4)
        d[5] = 5
        b.size += 6
    else:
        d[0] = 0xF4
        _put_le(d + 1, <uint64_t>v, 8)
        d[9] = 9
        b.size += 10
    b.count += 1
    return 0


cdef inline int _put_backlen(unsigned char *d, Py_ssize_t n) noexcept nogil:
    """lpEncodeBacklen at d; the bytes written."""
    if n <= 127:
        d[0] = <unsigned char>n
        return 1
    if n < 16383:
        d[0] = <unsigned char>(n >> 7)
        d[1] = <unsigned char>((n & 127) | 128)
        return 2
    if n < 2097151:
        d[0] = <unsigned char>(n >> 14)
        d[1] = <unsigned char>(((n >> 7) & 127) | 128)
        d[2] = <unsigned char>((n & 127) | 128)
        return 3
    if n < 268435455:
        d[0] = <unsigned char>(n >> 21)
        d[1] = <unsigned char>(((n >> 14) & 127) | 128)
        d[2] = <unsigned char>(((n >> 7) & 127) | 128)
        d[3] = <unsigned char>((n & 127) | 128)
        return 4
    d[0] = <unsigned char>(n >> 28)
    d[1] = <unsigned char>(((n >> 21) & 127) | 128)
    d[2] = <unsigned char>(((n >> 14) & 127) | 128)
    d[3] = <unsigned char>(((n >> 7) & 127) | 128)
    d[4] = <unsigned char>((n & 127) | 128)
    return 5


cdef int _put_str(_Buf *b, object item) except -1:
    cdef bytes data = _as_bytes(item)
    cdef const unsigned char *s = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    cdef long long v
    cdef unsigned char *d
    cdef Py_ssize_t head
    if n and n <= 20 and (s[0] == 45 or 48 <= s[0] <= 57) and string2ll(s, n, &v):
        return _put_int(b, v)
    _reserve(b, n + 10)
    d = b.data + b.size
    if n < 64:
        d[0] = <unsigned char>(0x80 | n)
        head = 1
    elif n < 4096:
        d[0] = <unsigned char>(0xE0 | (n >> 8))
        d[1] = <unsigned char>(n & 0xFF)
        head = 2
    else:
        d[0] = 0xF0
        _put_le(d + 1, <uint64_t>n, 4)
        head = 5
    memcpy(d + head, s, n)
    b.size += head + n + _put_backlen(d + head + n, head + n)
    b.count += 1
    return 0


cdef int _put_score(_Buf *b, double score) except -1:
    if -_HALF_LLONG <= score <= _HALF_LLONG and <double>(<int64_t>score) == score:
        return _put_int(b, <int64_t>score)
    return _put_str(b, d2string(score))


cdef int _start(_Buf *b) except -1:
    b.data = <unsigned char *>PyMem_Malloc(256)
    if b.data == NULL:
        raise MemoryError()
    b.cap = 256
    b.size = 6
    b.count = 0
    return 0


cdef bytes _finish(_Buf *b):
    cdef bytes out
    cdef Py_ssize_t count = b.count if b.count < 65535 else 65535
    try:
        _reserve(b, 1)
        b.data[b.size] = 0xFF
        b.size += 1
        _put_le(b.data, <uint64_t>b.size, 4)
        _put_le(b.data + 4, <uint64_t>count, 2)
        out = PyBytes_FromStringAndSize(<const char *>b.data, b.size)
    finally:
        PyMem_Free(b.data)
        b.data = NULL
    return out


def lp_pack(items):
    cdef _Buf b
    _start(&b)
    try:
        for item in items:
            _put_str(&b, item)
    except BaseException:
        PyMem_Free(b.data)
        raise
    return _finish(&b)


def lp_pack_pairs(pairs):
    cdef _Buf b
    _start(&b)
    try:
        for f, v in pairs:
            _put_str(&b, f)
            _put_str(&b, v)
    except BaseException:
        PyMem_Free(b.data)
        raise
    return _finish(&b)


def lp_pack_zset(pairs):
    cdef _Buf b
    _start(&b)
    try:
        for score, member in pairs:
            _put_str(&b, member)
            _put_score(&b, score)
    except BaseException:
        PyMem_Free(b.data)
        raise
    return _finish(&b)


def d2string(value):
    if value != value:
        return b"nan"
    if value in (float("inf"), float("-inf")):
        return b"inf" if value > 0 else b"-inf"
    if value == 0:
        return b"-0" if str(value)[0] == "-" else b"0"
    if -4503599627370495 < value < 4503599627370496 and value == int(value):
        return b"%d" % int(value)
    return b"%.17g" % value


# ---- intset -------------------------------------------------------------------
def intset_items(blob):
    cdef bytes data = _as_bytes(blob)
    cdef const unsigned char *s = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), i
    cdef uint64_t width, count
    cdef int64_t v, prev = 0
    cdef list out
    if n < 8:
        raise BlobError("intset too short")
    width = _u32(s)
    count = _u32(s + 4)
    if (width != 2 and width != 4 and width != 8) or <uint64_t>n != 8 + width * count:
        raise BlobError("intset header")
    for i in range(<Py_ssize_t>count):
        v = _signed_le(s + 8 + i * width, <int>width)
        if i and prev >= v:
            raise BlobError("intset order")
        prev = v
    out = [None] * <Py_ssize_t>count
    for i in range(<Py_ssize_t>count):
        out[i] = _int_bytes(_signed_le(s + 8 + i * width, <int>width))
    return out


def intset_pack(values, width=2):
    cdef Py_ssize_t n = len(values), i
    cdef int w = width
    cdef int64_t lo = values[0] if n else 0
    cdef int64_t hi = values[n - 1] if n else 0
    cdef unsigned char *d
    cdef bytes out
    if w == 2 and -32768 <= lo and hi <= 32767:
        w = 2
    elif w <= 4 and -2147483648 <= lo and hi <= 2147483647:
        w = 4
    else:
        w = 8
    out = PyBytes_FromStringAndSize(NULL, 8 + w * n)
    d = <unsigned char *>PyBytes_AS_STRING(out)
    _put_le(d, <uint64_t>w, 4)
    _put_le(d + 4, <uint64_t>n, 4)
    for i in range(n):
        _put_le(d + 8 + i * w, <uint64_t><int64_t>values[i], w)
    return out


# ---- ziplist (read only) ---------------------------------------------------------
def ziplist_items(blob):
    cdef bytes data = _as_bytes(blob)
    cdef const unsigned char *s = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), p, end, ln, count, last = -1, prevlen
    cdef unsigned int b
    cdef int width
    cdef list out = []
    if n < 11:
        raise BlobError("ziplist too short")
    count = s[8] | (s[9] << 8)
    if _u32(s) != <uint64_t>n or s[n - 1] != 0xFF or _u32(s + 4) > <uint64_t>(n - 1):
        raise BlobError("ziplist header")
    p = 10
    end = n - 1
    while p < end:
        if s[p] == 0xFF:
            raise BlobError("ziplist end")
        if s[p] == 254:
            if p + 5 >= end:
                raise BlobError("ziplist entry")
            prevlen = <Py_ssize_t>_u32(s + p + 1)
        else:
            prevlen = s[p]
        if prevlen != (p - last if last >= 0 else 0):
            raise BlobError("ziplist prevlen")
        last = p
        p += 5 if s[p] == 254 else 1
        if p >= end:
            raise BlobError("ziplist entry")
        b = s[p]
        if b >> 6 == 0:
            ln = b & 0x3F
            p += 1
        elif b >> 6 == 1:
            ln = ((b & 0x3F) << 8) | s[p + 1]
            p += 2
        elif b >> 6 == 2:
            if p + 5 > end:
                raise BlobError("ziplist entry")
            ln = (<Py_ssize_t>s[p + 1] << 24) | (<Py_ssize_t>s[p + 2] << 16) \
                | (<Py_ssize_t>s[p + 3] << 8) | <Py_ssize_t>s[p + 4]
            p += 5
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
                out.append(_int_bytes((b & 0x0F) - 1))
                p += 1
                continue
            else:
                raise BlobError("ziplist encoding")
            if p + 1 + width > end:
                raise BlobError("ziplist entry")
            out.append(_int_bytes(_signed_le(s + p + 1, width)))
            p += 1 + width
            continue
        if p + ln > end:
            raise BlobError("ziplist entry")
        out.append(PyBytes_FromStringAndSize(<const char *>s + p, ln))
        p += ln
    if p != end or (count != 65535 and count != len(out)):
        raise BlobError("ziplist count")
    if last >= 0 and <uint64_t>last != _u32(s + 4):
        raise BlobError("ziplist tail")
    return out
