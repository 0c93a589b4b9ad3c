# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""CRC-64/Jones, compiled twin of ``crc64_py.py`` (same tables, slicing-by-8)."""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

cdef uint64_t POLY = 0x95ac9329ac4bc9b5ULL
cdef uint64_t table[8][256]


cdef void build_tables() noexcept:
    cdef int n, k
    cdef uint64_t crc
    for n in range(256):
        crc = n
        for k in range(8):
            crc = (crc >> 1) ^ POLY if crc & 1 else crc >> 1
        table[0][n] = crc
    for k in range(1, 8):
        for n in range(256):
            crc = table[k - 1][n]
            table[k][n] = (crc >> 8) ^ table[0][crc & 0xff]


build_tables()


def crc64(crc, data):
    """The CRC-64/Jones of ``data`` continued from ``crc``."""
    cdef bytes src = bytes(data)
    cdef const uint8_t *p = <const uint8_t *>PyBytes_AS_STRING(src)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(src)
    cdef uint64_t c = <uint64_t>(crc & 0xffffffffffffffff)
    cdef uint64_t word
    with nogil:
        while n >= 8:
            memcpy(&word, p, 8)  # little-endian hosts only, as the build targets
            c ^= word
            c = (table[7][c & 0xff] ^ table[6][(c >> 8) & 0xff] ^ table[5][(c >> 16) & 0xff]
                 ^ table[4][(c >> 24) & 0xff] ^ table[3][(c >> 32) & 0xff]
                 ^ table[2][(c >> 40) & 0xff] ^ table[1][(c >> 48) & 0xff] ^ table[0][c >> 56])
            p += 8
            n -= 8
        while n > 0:
            c = table[0][(c ^ p[0]) & 0xff] ^ (c >> 8)
            p += 1
            n -= 1
    return c


__all__ = ["crc64"]
