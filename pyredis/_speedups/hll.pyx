# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""HyperLogLog registers, compiled twin of ``hll_py.py``.

Layout, opcode edits and estimator are the pure twin's, which documents
them; here registers are read and written through C pointers into the
``bytearray`` itself.  The buffer is only resized by bytearray slice
assignment, after which the pointer is taken again.
"""
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.math cimport INFINITY, floor, pow, sqrt
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy, memset

from ._errors import HLLCorruptError

HDR_SIZE = 16
REGISTERS = 16384
P = 14
Q = 50
REGISTER_MAX = 63
DENSE_SIZE = 16 + 12288
DENSE = 0
SPARSE = 1
SEED = 0xADC83B19
CORRUPT = "Corrupted HLL object detected"

cdef enum:
    C_HDR = 16
    C_REGS = 16384
    C_P = 14
    C_Q = 50
    C_DENSE_BODY = 12288
    C_VAL_MAX_VALUE = 32
    C_VAL_MAX_LEN = 4
    C_ZERO_MAX_LEN = 64

cdef double ALPHA_INF = 0.721347520444481703680
cdef uint64_t MURMUR_M = 0xC6A4A7935BD1E995ULL

cdef bytes EMPTY = b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff"


# ---- hashing ---------------------------------------------------------------------

cdef uint64_t c_murmur(const uint8_t *data, Py_ssize_t n, uint64_t seed) noexcept nogil:
    cdef uint64_t h = seed ^ (<uint64_t>n * MURMUR_M)
    cdef uint64_t k
    cdef const uint8_t *end = data + (n - (n & 7))
    cdef int rest = n & 7
    while data != end:
        memcpy(&k, data, 8)
        k *= MURMUR_M
        k ^= k >> 47
        k *= MURMUR_M
        h ^= k
        h *= MURMUR_M
        data += 8
    if rest >= 7:
        h ^= (<uint64_t>data[6]) << 48
    if rest >= 6:
        h ^= (<uint64_t>data[5]) << 40
    if rest >= 5:
        h ^= (<uint64_t>data[4]) << 32
    if rest >= 4:
        h ^= (<uint64_t>data[3]) << 24
    if rest >= 3:
        h ^= (<uint64_t>data[2]) << 16
    if rest >= 2:
        h ^= (<uint64_t>data[1]) << 8
    if rest >= 1:
        h ^= <uint64_t>data[0]
        h *= MURMUR_M
    h ^= h >> 47
    h *= MURMUR_M
    h ^= h >> 47
    return h


cdef inline int c_pat_len(const uint8_t *data, Py_ssize_t n, long *index) noexcept nogil:
    cdef uint64_t h = c_murmur(data, n, 0xADC83B19ULL)
    cdef uint64_t bit = 1
    cdef int count = 1
    index[0] = <long>(h & (C_REGS - 1))
    h >>= C_P
    h |= (<uint64_t>1) << C_Q
    while (h & bit) == 0:
        count += 1
        bit <<= 1
    return count


def murmurhash64a(data, seed=SEED):
    """MurmurHash64A as Redis's hyperloglog.c computes it (little-endian blocks)."""
    cdef bytes b = bytes(data)
    return c_murmur(<const uint8_t *>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b), <uint64_t>seed)


def pat_len(element):
    """(register index, run of zeros + 1) of an element: Redis's hllPatLen."""
    cdef bytes b = bytes(element)
    cdef long index
    cdef int count = c_pat_len(<const uint8_t *>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b), &index)
    return index, count


# ---- the contract: values that passed PFADD's header checks ----------------------

NOT_AN_HLL = "not a HyperLogLog value"
BAD_REGISTERS = "16384 registers expected"


cdef int require(hll, bint dense=False) except -1:
    cdef Py_ssize_t size = len(hll)
    cdef int encoding
    if size < C_HDR:
        raise ValueError(NOT_AN_HLL)
    encoding = hll[4]
    if encoding > 1 or (encoding == 0 and size != C_HDR + C_DENSE_BODY) or (dense and encoding != 0):
        raise ValueError(NOT_AN_HLL)
    return 0


cdef int require_registers(registers) except -1:
    if len(registers) != C_REGS:
        raise ValueError(BAD_REGISTERS)
    return 0


cdef int require_register(hll, long reg) except -1:
    require(hll, True)
    if not 0 <= reg < C_REGS:
        raise IndexError("register index out of range")
    return 0


# ---- registers ------------------------------------------------------------------

cdef inline int reg_get(const uint8_t *regs, Py_ssize_t avail, long reg) noexcept nogil:
    """Register ``reg`` of a dense body of ``avail`` bytes (bytes past it read 0)."""
    cdef long pos = reg * 6 // 8
    cdef int fb = reg * 6 & 7
    cdef unsigned int b1 = regs[pos + 1] if pos + 1 < avail else 0
    return ((regs[pos] >> fb) | (b1 << (8 - fb))) & 63


cdef inline int reg_set(uint8_t *regs, Py_ssize_t avail, long reg, int value) noexcept nogil:
    cdef long pos = reg * 6 // 8
    cdef int fb = reg * 6 & 7
    cdef int old = reg_get(regs, avail, reg)
    if value <= old:
        return 0
    regs[pos] = (regs[pos] & ~(63 << fb)) | ((value << fb) & 0xFF)
    if pos + 1 < avail:
        regs[pos + 1] = (regs[pos + 1] & ~(63 >> (8 - fb))) | (value >> (8 - fb))
    return 1


cdef inline int at(const uint8_t *s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    return s[i] if i < n else 0


cdef void dense_histogram(const uint8_t *body, long *hist) noexcept nogil:
    """Count the registers of a whole dense body, four registers per three bytes."""
    cdef long i
    cdef unsigned int b0, b1, b2
    for i in range(0, C_DENSE_BODY, 3):
        b0 = body[i]
        b1 = body[i + 1]
        b2 = body[i + 2]
        hist[b0 & 63] += 1
        hist[((b0 >> 6) | (b1 << 2)) & 63] += 1
        hist[((b1 >> 4) | (b2 << 4)) & 63] += 1
        hist[b2 >> 2] += 1


cdef void dense_max(const uint8_t *body, uint8_t *mx) noexcept nogil:
    cdef long i, reg = 0
    cdef unsigned int b0, b1, b2, r
    for i in range(0, C_DENSE_BODY, 3):
        b0 = body[i]
        b1 = body[i + 1]
        b2 = body[i + 2]
        r = b0 & 63
        if r > mx[reg]:
            mx[reg] = r
        r = ((b0 >> 6) | (b1 << 2)) & 63
        if r > mx[reg + 1]:
            mx[reg + 1] = r
        r = ((b1 >> 4) | (b2 << 4)) & 63
        if r > mx[reg + 2]:
            mx[reg + 2] = r
        r = b2 >> 2
        if r > mx[reg + 3]:
            mx[reg + 3] = r
        reg += 4


cdef int sparse_to_regs(const uint8_t *s, Py_ssize_t n, uint8_t *regs) noexcept nogil:
    """Decode a sparse HLL into 16384 register bytes; 0 if its runs do not cover them."""
    cdef Py_ssize_t p = C_HDR
    cdef long idx = 0, runlen, i
    cdef int op, value
    memset(regs, 0, C_REGS)
    while p < n:
        op = s[p]
        if op & 0xC0 == 0:
            idx += (op & 0x3F) + 1
            p += 1
        elif op & 0x80 == 0:
            idx += (((op & 0x3F) << 8) | at(s, n, p + 1)) + 1
            p += 2
        else:
            runlen = (op & 3) + 1
            if idx + runlen > C_REGS:
                return 0
            value = ((op >> 2) & 0x1F) + 1
            for i in range(runlen):
                regs[idx + i] = value
            idx += runlen
            p += 1
    return idx == C_REGS


cdef void pack_regs(const uint8_t *regs, uint8_t *body) noexcept nogil:
    cdef long reg
    memset(body, 0, C_DENSE_BODY)
    for reg in range(C_REGS):
        reg_set(body, C_DENSE_BODY, reg, regs[reg])


cdef void unpack_regs(const uint8_t *body, Py_ssize_t avail, uint8_t *regs) noexcept nogil:
    cdef long reg
    for reg in range(C_REGS):
        regs[reg] = reg_get(body, avail, reg)


def unpack_dense(hll):
    """The 16384 registers of a dense HLL, one per byte."""
    require(hll, True)
    cdef bytes body = bytes(hll[C_HDR:DENSE_SIZE])
    out = bytearray(C_REGS)
    unpack_regs(<const uint8_t *>PyBytes_AS_STRING(body), PyBytes_GET_SIZE(body),
                <uint8_t *>PyByteArray_AS_STRING(out))
    return out


def pack_dense(registers):
    """6-bit packing of 16384 registers (each 0..63), as the dense body."""
    require_registers(registers)
    cdef bytes regs = bytes(registers)
    out = bytearray(C_DENSE_BODY)
    pack_regs(<const uint8_t *>PyBytes_AS_STRING(regs), <uint8_t *>PyByteArray_AS_STRING(out))
    return out


def sparse_registers(hll):
    """The registers a sparse HLL encodes, or None when its runs do not cover exactly 16384."""
    require(hll)
    cdef bytes s = bytes(hll)
    out = bytearray(C_REGS)
    if not sparse_to_regs(<const uint8_t *>PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s),
                          <uint8_t *>PyByteArray_AS_STRING(out)):
        return None
    return out


def new_sparse():
    """An empty HLL as createHLLObject makes it: sparse, all XZERO."""
    return bytearray(EMPTY)


cdef int c_to_dense(bytearray hll) except -1:
    cdef uint8_t regs[C_REGS]
    cdef uint8_t *s = <uint8_t *>PyByteArray_AS_STRING(hll)
    cdef Py_ssize_t n = PyByteArray_GET_SIZE(hll)
    if s[4] == 0:
        return 0
    if not sparse_to_regs(s, n, regs):
        raise HLLCorruptError(CORRUPT)
    header = hll[:C_HDR]
    header[4] = 0
    body = bytearray(C_DENSE_BODY)
    pack_regs(regs, <uint8_t *>PyByteArray_AS_STRING(body))
    hll[:] = header + body
    return 1


def to_dense(bytearray hll):
    """Turn a sparse HLL dense in place (hllSparseToDense); False if already dense."""
    require(hll)
    return c_to_dense(hll) == 1


def dense_get(bytearray hll, long reg):
    require_register(hll, reg)
    cdef uint8_t *s = <uint8_t *>PyByteArray_AS_STRING(hll)
    return reg_get(s + C_HDR, PyByteArray_GET_SIZE(hll) - C_HDR, reg)


def dense_set(bytearray hll, long reg, int value):
    """Raise register ``reg`` to ``value``; 1 if it changed (hllDenseSet)."""
    require_register(hll, reg)
    if not 0 <= value <= 63:
        raise ValueError("register value out of range")
    cdef uint8_t *s = <uint8_t *>PyByteArray_AS_STRING(hll)
    return reg_set(s + C_HDR, PyByteArray_GET_SIZE(hll) - C_HDR, reg, value)


# ---- sparse updates ---------------------------------------------------------------

cdef struct Path:
    Py_ssize_t *pos
    long *first
    Py_ssize_t len
    Py_ssize_t cap


cdef int path_push(Path *path, Py_ssize_t pos, long first) except -1:
    cdef Py_ssize_t cap
    cdef void *grown
    if path.len == path.cap:
        cap = path.cap * 2 + 64
        grown = PyMem_Realloc(path.pos, cap * sizeof(Py_ssize_t))
        if grown == NULL:
            raise MemoryError()
        path.pos = <Py_ssize_t *>grown
        grown = PyMem_Realloc(path.first, cap * sizeof(long))
        if grown == NULL:
            raise MemoryError()
        path.first = <long *>grown
        path.cap = cap
    path.pos[path.len] = pos
    path.first[path.len] = first
    path.len += 1
    return 0


cdef inline int zero_run(uint8_t *seq, int n, long length) noexcept nogil:
    if length > C_ZERO_MAX_LEN:
        seq[n] = ((length - 1) >> 8) | 0x40
        seq[n + 1] = (length - 1) & 0xFF
        return n + 2
    seq[n] = length - 1
    return n + 1


cdef int merge_runs(bytearray hll, Py_ssize_t prev) except -1:
    cdef uint8_t *s = <uint8_t *>PyByteArray_AS_STRING(hll)
    cdef Py_ssize_t end = PyByteArray_GET_SIZE(hll)
    cdef Py_ssize_t p = C_HDR if prev < 0 else prev
    cdef int scan = 5, op, op2, runlen
    while p < end and scan:
        scan -= 1
        op = s[p]
        if op & 0xC0 == 0x40:
            p += 2
            continue
        if op & 0xC0 == 0:
            p += 1
            continue
        if p + 1 < end:
            op2 = s[p + 1]
            if op2 & 0x80 and (op ^ op2) & 0x7C == 0:
                runlen = (op & 3) + (op2 & 3) + 2
                if runlen <= C_VAL_MAX_LEN:
                    s[p + 1] = (op & 0xFC) | (runlen - 1)
                    del hll[p]
                    s = <uint8_t *>PyByteArray_AS_STRING(hll)
                    end -= 1
                    continue
        p += 1
    s[15] |= 0x80
    return 1


cdef int promote(bytearray hll, long index, int count) except -2:
    try:
        c_to_dense(hll)
    except HLLCorruptError:
        return -1
    reg_set(<uint8_t *>PyByteArray_AS_STRING(hll) + C_HDR, C_DENSE_BODY, index, count)
    return 1


cdef int c_sparse_set(bytearray hll, long index, int count, long long max_bytes,
                      Path *path) except -2:
    cdef uint8_t *s
    cdef Py_ssize_t end, p, nxt, prev
    cdef long first, span, last, runlen
    cdef int op, oplen, curval, n = 0, oldlen, delta
    cdef bint is_xzero
    cdef uint8_t seq[5]
    if count > C_VAL_MAX_VALUE:
        return promote(hll, index, count)
    s = <uint8_t *>PyByteArray_AS_STRING(hll)
    end = PyByteArray_GET_SIZE(hll)
    if path.len:
        path.len -= 1
        p = path.pos[path.len]
        first = path.first[path.len]
        prev = path.pos[path.len - 1] if path.len else -1
    else:
        p = C_HDR
        first = 0
        prev = -1
    span = 0
    while p < end:
        op = s[p]
        oplen = 1
        if op & 0xC0 == 0:
            span = (op & 0x3F) + 1
        elif op & 0x80:
            span = (op & 3) + 1
        else:
            span = (((op & 0x3F) << 8) | at(s, end, p + 1)) + 1
            oplen = 2
        if index <= first + span - 1:
            break
        path_push(path, p, first)
        prev = p
        p += oplen
        first += span
    if span == 0 or p >= end:
        return -1
    op = s[p]
    is_xzero = op & 0xC0 == 0x40
    nxt = p + 2 if is_xzero else p + 1
    if nxt >= end:
        nxt = -1
    if op & 0x80:
        runlen = (op & 3) + 1
        if ((op >> 2) & 0x1F) + 1 >= count:
            return 0
        if runlen == 1:
            s[p] = ((count - 1) << 2) | 0x80
            return merge_runs(hll, prev)
    elif not is_xzero and (op & 0x3F) == 0:
        s[p] = ((count - 1) << 2) | 0x80
        return merge_runs(hll, prev)
    last = first + span - 1
    if op & 0x80:
        curval = ((op >> 2) & 0x1F) + 1
        if index != first:
            seq[n] = ((curval - 1) << 2) | (index - first - 1) | 0x80
            n += 1
        seq[n] = ((count - 1) << 2) | 0x80
        n += 1
        if index != last:
            seq[n] = ((curval - 1) << 2) | (last - index - 1) | 0x80
            n += 1
    else:
        if index != first:
            n = zero_run(seq, n, index - first)
        seq[n] = ((count - 1) << 2) | 0x80
        n += 1
        if index != last:
            n = zero_run(seq, n, last - index)
    oldlen = 2 if is_xzero else 1
    delta = n - oldlen
    if delta > 0 and end + delta > max_bytes:
        return promote(hll, index, count)
    piece = (<char *>seq)[:n]
    if nxt >= 0:
        hll[p:nxt] = piece
    else:
        hll[p:] = piece
        del hll[end + delta:]
    return merge_runs(hll, prev)


def sparse_set(bytearray hll, long index, int count, long long max_bytes):
    """hllSparseSet: 1 updated, 0 unchanged, -1 corrupt."""
    require(hll)
    if not 0 <= index < C_REGS:
        raise IndexError("register index out of range")
    if not 1 <= count <= 63:
        raise ValueError("register value out of range")
    cdef Path path
    path.pos = NULL
    path.first = NULL
    path.len = path.cap = 0
    try:
        return c_sparse_set(hll, index, count, max_bytes, &path)
    finally:
        PyMem_Free(path.pos)
        PyMem_Free(path.first)


# ---- commands' building blocks ------------------------------------------------------

def add(bytearray hll, elements, long long max_bytes):
    """PFADD's loop: the number of elements that changed a register.

    Raises HLLCorruptError at the first element that finds the HLL corrupt;
    the changes made before it stay, as in Redis.
    """
    require(hll)
    cdef long updated = 0, index
    cdef int count, result
    cdef bytes element
    cdef Path path
    path.pos = NULL
    path.first = NULL
    path.cap = 0
    try:
        for item in elements:
            element = item if type(item) is bytes else bytes(item)
            count = c_pat_len(<const uint8_t *>PyBytes_AS_STRING(element),
                              PyBytes_GET_SIZE(element), &index)
            if (<uint8_t *>PyByteArray_AS_STRING(hll))[4] == 0:
                updated += reg_set(<uint8_t *>PyByteArray_AS_STRING(hll) + C_HDR,
                                   PyByteArray_GET_SIZE(hll) - C_HDR, index, count)
            else:
                path.len = 0
                result = c_sparse_set(hll, index, count, max_bytes, &path)
                if result < 0:
                    raise HLLCorruptError(CORRUPT)
                updated += result
    finally:
        PyMem_Free(path.pos)
        PyMem_Free(path.first)
    return updated


def merge(bytearray registers, hll):
    """Raise each of 16384 ``registers`` to the HLL's (hllMerge)."""
    require_registers(registers)
    require(hll)
    cdef const uint8_t[::1] view = hll
    cdef uint8_t *mx = <uint8_t *>PyByteArray_AS_STRING(registers)
    cdef const uint8_t *s = &view[0]
    cdef Py_ssize_t n = view.shape[0], p = C_HDR
    cdef long i = 0, runlen, reg
    cdef int op, value
    if s[4] == 0:
        dense_max(s + C_HDR, mx)
        return
    while p < n:
        op = s[p]
        if op & 0xC0 == 0:
            i += (op & 0x3F) + 1
            p += 1
        elif op & 0x80 == 0:
            i += (((op & 0x3F) << 8) | at(s, n, p + 1)) + 1
            p += 2
        else:
            runlen = (op & 3) + 1
            if runlen + i > C_REGS:
                raise HLLCorruptError(CORRUPT)
            value = ((op >> 2) & 0x1F) + 1
            while runlen:
                if value > mx[i]:
                    mx[i] = value
                i += 1
                runlen -= 1
            p += 1
    if i != C_REGS:
        raise HLLCorruptError(CORRUPT)


def store(bytearray hll, registers, long long max_bytes):
    """PFMERGE's write: every non-zero register set into the HLL, sparse while it fits."""
    require(hll)
    require_registers(registers)
    cdef bytes regs = bytes(registers)
    cdef const uint8_t *mx = <const uint8_t *>PyBytes_AS_STRING(regs)
    cdef long j
    cdef Path path
    path.pos = NULL
    path.first = NULL
    path.len = path.cap = 0
    try:
        for j in range(C_REGS):
            if not mx[j]:
                continue
            if (<uint8_t *>PyByteArray_AS_STRING(hll))[4] == 0:
                reg_set(<uint8_t *>PyByteArray_AS_STRING(hll) + C_HDR,
                        PyByteArray_GET_SIZE(hll) - C_HDR, j, mx[j])
            else:
                c_sparse_set(hll, j, mx[j], max_bytes, &path)
    finally:
        PyMem_Free(path.pos)
        PyMem_Free(path.first)


def registers_of(hll):
    """All 16384 registers of a dense HLL, one per byte (PFDEBUG GETREG)."""
    return unpack_dense(hll)


# ---- the estimator --------------------------------------------------------------------

cdef double sigma(double x) noexcept nogil:
    cdef double y = 1.0, z = x, z_prev
    if x == 1.0:
        return INFINITY
    while True:
        x *= x
        z_prev = z
        z += x * y
        y += y
        if z_prev == z:
            return z


cdef double tau(double x) noexcept nogil:
    cdef double y = 1.0, z, z_prev
    if x == 0.0 or x == 1.0:
        return 0.0
    z = 1 - x
    while True:
        x = sqrt(x)
        z_prev = z
        y *= 0.5
        z -= pow(1 - x, 2) * y
        if z_prev == z:
            return z / 3


cdef uint64_t c_estimate(const long *hist) noexcept nogil:
    cdef double m = C_REGS
    cdef double z = m * tau((m - hist[C_Q + 1]) / m)
    cdef double e, whole
    cdef int j
    j = C_Q
    while j >= 1:
        z += hist[j]
        z *= 0.5
        j -= 1
    z += m * sigma(hist[0] / m)
    e = ALPHA_INF * m * m / z
    whole = floor(e)
    if e - whole >= 0.5:
        whole += 1
    return <uint64_t>whole


def estimate(histogram):
    """Redis 7.0's hllCount from a register histogram (Ertl's improved estimator)."""
    cdef long hist[64]
    cdef int j
    for j in range(64):
        hist[j] = histogram[j]
    return c_estimate(hist)


def count(hll):
    """The cardinality of an HLL (not its cached value); HLLCorruptError if sparse is corrupt."""
    require(hll)
    cdef const uint8_t[::1] view = hll
    cdef const uint8_t *s = &view[0]
    cdef Py_ssize_t n = view.shape[0], p = C_HDR
    cdef long hist[64]
    cdef long idx = 0, runlen, reg
    cdef int op
    memset(hist, 0, sizeof(hist))
    if s[4] == 0:
        dense_histogram(s + C_HDR, hist)
        return c_estimate(hist)
    while p < n:
        op = s[p]
        if op & 0xC0 == 0:
            runlen = (op & 0x3F) + 1
            hist[0] += runlen
            p += 1
        elif op & 0x80 == 0:
            runlen = (((op & 0x3F) << 8) | at(s, n, p + 1)) + 1
            hist[0] += runlen
            p += 2
        else:
            runlen = (op & 3) + 1
            hist[((op >> 2) & 0x1F) + 1] += runlen
            p += 1
        idx += runlen
    if idx != C_REGS:
        raise HLLCorruptError(CORRUPT)
    return c_estimate(hist)


def count_registers(registers):
    """The cardinality of 16384 raw registers (PFCOUNT of several keys)."""
    require_registers(registers)
    cdef bytes regs = bytes(registers)
    cdef const uint8_t *r = <const uint8_t *>PyBytes_AS_STRING(regs)
    cdef long hist[64]
    cdef long reg
    memset(hist, 0, sizeof(hist))
    for reg in range(C_REGS):
        hist[r[reg] & 63] += 1
    return c_estimate(hist)


__all__ = ["murmurhash64a", "pat_len", "new_sparse", "to_dense", "dense_get", "dense_set",
           "sparse_set", "add", "merge", "store", "registers_of", "count", "count_registers",
           "estimate", "unpack_dense", "pack_dense", "sparse_registers"]
