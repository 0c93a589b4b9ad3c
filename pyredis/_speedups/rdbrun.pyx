# cython: language_level=3, boundscheck=False, wraparound=False
"""The runs of plain string keys in an RDB; compiled twin of ``rdbrun_py.py``.

The pure twin says what a plain string record is and where a run stops;
here the record headers are read through a C pointer and only the key and
value objects are made.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_Contains, PyDict_SetItem


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
