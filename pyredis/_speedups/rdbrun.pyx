# cython: language_level=3, boundscheck=False, wraparound=False
"""The plain string keys of an RDB, read and written; compiled twin of ``rdbrun_py.py``.

The pure twin says what a plain string record is and where a run stops;
here the record headers are read through a C pointer and only the key and
value objects are made.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_Contains, PyDict_GetItem, PyDict_Next, PyDict_SetItem, PyDict_Size
from cpython.object cimport PyObject
from libc.string cimport memcpy


def load_strings(bytes data, Py_ssize_t pos, Py_ssize_t limit, dict keyspace, created, slots):
    cdef const unsigned char *s = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), p, q, stop, count = 0
    cdef object key
    while pos < limit and pos < n and s[pos] == 0:
        p = pos + 1
        if p >= n or s[p] >= 64:
            break
        q = p + 1 + s[p]
        if q >= n or s[q] >= 64 or q + 1 + s[q] > n:
            break
        key = PyBytes_FromStringAndSize(<const char *>s + p + 1, s[p])
        if PyDict_Contains(keyspace, key):
            break
        stop = q + 1 + s[q]
        PyDict_SetItem(keyspace, key, PyBytes_FromStringAndSize(<const char *>s + q + 1, s[q]))
        created(key)
        if slots is not None:
            slots(key)
        count += 1
        pos = stop
    return pos, count


cdef inline bint _plain(const unsigned char *s, Py_ssize_t n) noexcept:
    return 0 < n <= 20 and not (s[0] == 45 or 48 <= s[0] <= 57)


def save_keys(dict data, dict expires, other, add, Py_ssize_t flush_bytes):
    cdef Py_ssize_t pos = 0, nk, nv, i
    cdef PyObject *k
    cdef PyObject *v
    cdef PyObject *w
    cdef object key, value, record
    cdef long long when
    cdef unsigned long long u
    cdef bytearray buf = bytearray()
    cdef unsigned char head[9]
    cdef const unsigned char *ks
    cdef const unsigned char *vs
    cdef unsigned char rec[44]
    cdef Py_ssize_t size = PyDict_Size(data)
    while PyDict_Next(data, &pos, &k, &v):
        key = <object>k
        value = <object>v
        if expires:
            w = PyDict_GetItem(expires, key)
            if w is not NULL:
                when = <object>w
                u = <unsigned long long>when
                head[0] = 0xFC
                for i in range(8):
                    head[1 + i] = <unsigned char>(u >> (8 * i))
                buf += (<char *>head)[:9]
        if type(key) is bytes and type(value) is bytes:
            ks = <const unsigned char *>PyBytes_AS_STRING(key)
            vs = <const unsigned char *>PyBytes_AS_STRING(value)
            nk = PyBytes_GET_SIZE(key)
            nv = PyBytes_GET_SIZE(value)
            if _plain(ks, nk) and _plain(vs, nv):
                rec[0] = 0
                rec[1] = <unsigned char>nk
                memcpy(rec + 2, ks, nk)
                rec[2 + nk] = <unsigned char>nv
                memcpy(rec + 3 + nk, vs, nv)
                buf += (<char *>rec)[:3 + nk + nv]
                if len(buf) >= flush_bytes:
                    add(bytes(buf))
                    del buf[:]
                continue
        record = other(key, value)
        buf += record
        if len(buf) >= flush_bytes:
            add(bytes(buf))
            del buf[:]
    if buf:
        add(bytes(buf))
    return size
