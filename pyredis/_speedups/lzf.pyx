# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""LZF compression, compiled twin of ``lzf_py.py``.

The choices (hash, match rules, run lengths, output bounds) are the pure
twin's, which documents them; here they run over C pointers.  The hash table
is one static array kept all zero between calls: after each call only the
slots this input could have touched are cleared again, so a short string does
not pay for clearing 256 KiB.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport uint8_t, uint32_t
from libc.string cimport memcpy

cdef enum:
    HSIZE = 65536
    MAX_LIT = 32
    MAX_OFF = 8192
    MAX_REF = 264
    UNROLLED = 16

cdef uint32_t htab[HSIZE]

CORRUPT = "Invalid LZF compressed data"


cdef inline uint32_t slot_of(const uint8_t *p) noexcept nogil:
    return ((((<uint32_t>p[0]) << 8) | p[1]) - (((<uint32_t>p[1]) << 8) | p[2]) * 5) & 0xffff


cdef Py_ssize_t compress(const uint8_t *data, Py_ssize_t in_len, uint8_t *out,
                         Py_ssize_t max_out, Py_ssize_t *stop) noexcept nogil:
    """Length written to ``out`` (room for max_out + 1 bytes), or 0 if it does not fit.

    ``stop`` receives the input position reached: every slot written is the
    hash of a position before it.
    """
    cdef Py_ssize_t ip = 0, op = 1, lit = 0, ref, off, maxlen, bound, length, code, p
    cdef Py_ssize_t last = in_len - 2
    cdef uint32_t slot
    stop[0] = 0
    while ip < last:
        slot = slot_of(data + ip)
        ref = htab[slot]
        htab[slot] = <uint32_t>ip
        if (ref > 0 and ip - ref <= MAX_OFF and data[ref + 2] == data[ip + 2]
                and data[ref] == data[ip] and data[ref + 1] == data[ip + 1]):
            if op + 4 >= max_out and op - (lit == 0) + 4 >= max_out:
                stop[0] = ip + 1
                return 0
            out[op - lit - 1] = <uint8_t>(lit - 1)
            op -= (lit == 0)
            maxlen = in_len - ip - 2
            if maxlen > MAX_REF:
                maxlen = MAX_REF
            bound = maxlen
            if maxlen > UNROLLED and bound < UNROLLED + 3:
                bound = UNROLLED + 3
            length = 3
            while length < bound and data[ref + length] == data[ip + length]:
                length += 1
            off = ip - ref - 1
            code = length - 2
            if code < 7:
                out[op] = <uint8_t>((off >> 8) + (code << 5))
                op += 1
            else:
                out[op] = <uint8_t>((off >> 8) + 224)
                out[op + 1] = <uint8_t>(code - 7)
                op += 2
            out[op] = <uint8_t>(off & 0xff)
            op += 2
            lit = 0
            ip += length
            if ip >= last:
                break
            p = ip - 2
            htab[slot_of(data + p)] = <uint32_t>p
            htab[slot_of(data + p + 1)] = <uint32_t>(p + 1)
        else:
            if op >= max_out:
                stop[0] = ip + 1
                return 0
            lit += 1
            out[op] = data[ip]
            op += 1
            ip += 1
            if lit == MAX_LIT:
                out[op - lit - 1] = MAX_LIT - 1
                lit = 0
                op += 1
    stop[0] = ip
    if op + 3 > max_out:
        return 0
    while ip < in_len:
        lit += 1
        out[op] = data[ip]
        op += 1
        ip += 1
        if lit == MAX_LIT:
            out[op - lit - 1] = MAX_LIT - 1
            lit = 0
            op += 1
    out[op - lit - 1] = <uint8_t>(lit - 1)
    op -= (lit == 0)
    return op


def lzf_compress(data, max_out):
    """Compress ``data`` into at most ``max_out`` bytes, or None if it does not fit.

    Empty input gives None, as liblzf's 0 means "not compressed".
    """
    cdef bytes src = bytes(data)
    cdef Py_ssize_t in_len = PyBytes_GET_SIZE(src)
    cdef Py_ssize_t limit, written, stop, p
    cdef const uint8_t *raw = <const uint8_t *>PyBytes_AS_STRING(src)
    cdef uint8_t *out
    if in_len == 0 or max_out <= 0:
        return None
    # No output is longer than this, and below it the bound tests answer as
    # they would for any larger max_out.
    limit = in_len + in_len // 32 + 16
    if max_out < limit:
        limit = max_out
    out = <uint8_t *>PyMem_Malloc(limit + 1)
    if out == NULL:
        raise MemoryError()
    try:
        with nogil:
            written = compress(raw, in_len, out, limit, &stop)
            if stop > in_len - 2:
                stop = in_len - 2
            p = 0
            while p < stop:
                htab[slot_of(raw + p)] = 0
                p += 1
        if written == 0:
            return None
        return PyBytes_FromStringAndSize(<char *>out, written)
    finally:
        PyMem_Free(out)


def lzf_decompress(data, Py_ssize_t out_len):
    """Exactly ``out_len`` bytes decompressed from ``data``; ValueError if corrupt."""
    cdef bytes src = bytes(data)
    cdef Py_ssize_t in_len = PyBytes_GET_SIZE(src)
    cdef const uint8_t *ip = <const uint8_t *>PyBytes_AS_STRING(src)
    cdef const uint8_t *in_end = ip + in_len
    cdef Py_ssize_t op = 0, length, ref, i
    cdef uint32_t ctrl
    cdef uint8_t *out
    cdef bint ok = True
    if in_len == 0 or out_len < 0:
        raise ValueError(CORRUPT)
    result = PyBytes_FromStringAndSize(NULL, out_len)
    out = <uint8_t *>PyBytes_AS_STRING(result)
    with nogil:
        while ip < in_end:
            ctrl = ip[0]
            ip += 1
            if ctrl < 32:
                length = ctrl + 1
                if op + length > out_len or ip + length > in_end:
                    ok = False
                    break
                memcpy(out + op, ip, length)
                op += length
                ip += length
            else:
                length = ctrl >> 5
                if ip >= in_end:
                    ok = False
                    break
                if length == 7:
                    length += ip[0]
                    ip += 1
                    if ip >= in_end:
                        ok = False
                        break
                ref = op - ((ctrl & 0x1f) << 8) - 1 - ip[0]
                ip += 1
                length += 2
                if op + length > out_len or ref < 0:
                    ok = False
                    break
                for i in range(length):
                    out[op + i] = out[ref + i]
                op += length
    if not ok or op != out_len:
        raise ValueError(CORRUPT)
    return result


__all__ = ["lzf_compress", "lzf_decompress"]
