# cython: language_level=3, boundscheck=False, wraparound=False
"""The plain string keys of an RDB, read and written; compiled twin of ``rdbrun_py.py``.

The pure twin says what a plain string record is and where a run stops;
here the record headers are read through a C pointer and only the key and
value objects are made.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from libc.string cimport memcpy

from .keytable cimport KeyTable, kt_entry, kt_key, kt_key_object, kt_size


def load_strings(bytes data, Py_ssize_t pos, Py_ssize_t limit, KeyTable keyspace, created, slots):
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
        if not keyspace.c_add(key, PyBytes_FromStringAndSize(<const char *>s + q + 1, s[q])):
            break
        stop = q + 1 + s[q]
        created(key)
        if slots is not None:
            slots(key)
        count += 1
        pos = stop
    return pos, count


cdef inline bint _plain(const unsigned char *s, Py_ssize_t n) noexcept:
    return 0 < n <= 20 and not (s[0] == 45 or 48 <= s[0] <= 57)


def save_keys(KeyTable data, dict expires, other, add, Py_ssize_t flush_bytes):
    cdef Py_ssize_t pos, nk, nv, i
    cdef kt_entry *e
    cdef PyObject *w
    cdef object key, value, record
    cdef long long when
    cdef unsigned long long u
    cdef bytearray buf = bytearray()
    cdef unsigned char head[9]
    cdef const unsigned char *ks
    cdef const unsigned char *vs
    cdef unsigned char rec[44]
    cdef Py_ssize_t size = data.used
    pos = 0
    while pos < data.nentries:
        if data.used != size:
            raise RuntimeError("dictionary changed size during iteration")
        e = data.entries[pos]
        pos += 1
        if e == NULL:
            continue
        value = <object>e.value
        ks = <const unsigned char *>kt_key(e)
        nk = kt_size(e)
        # The key's bytes object only where something needs one.
        key = None
        if expires:
            key = kt_key_object(e)
            w = PyDict_GetItem(expires, key)
            if w is not NULL:
                when = <object>w
                u = <unsigned long long>when
                head[0] = 0xFC
                for i in range(8):
                    head[1 + i] = <unsigned char>(u >> (8 * i))
                buf += (<char *>head)[:9]
        if type(value) is bytes:
            vs = <const unsigned char *>PyBytes_AS_STRING(value)
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
        if key is None:
            key = kt_key_object(e)
        record = other(key, value)
        buf += record
        if len(buf) >= flush_bytes:
            add(bytes(buf))
            del buf[:]
    if buf:
        add(bytes(buf))
    return size
