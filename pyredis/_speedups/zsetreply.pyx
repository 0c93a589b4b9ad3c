# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Sorted-set replies, compiled twin of ``zsetreply_py.py``.

A range or a pop replies with (score, member) pairs, a score printed as Redis
7.0 prints a double (``%.17g``, ``inf``, ``-inf``): most of such a reply's
cost is that printing and the framing around it, done here into one buffer.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport isinf, signbit
from libc.string cimport memcpy, strlen

# Room for a header, a length line and a score: "%.17g" needs at most 24 bytes.
cdef enum:
    SLACK = 80


cdef extern from "Python.h":
    char *PyOS_double_to_string(double val, char format_code, int precision, int flags, int *ptype) except NULL


cdef Py_ssize_t _double_text(double value, char *out) except -1:
    """``%.17g`` of ``value`` into ``out`` (32 bytes); its length."""
    cdef long long whole
    cdef char *text
    cdef Py_ssize_t n = 0, i
    cdef char digits[24]
    if isinf(value):
        if value > 0:
            memcpy(out, b"inf", 3)
            return 3
        memcpy(out, b"-inf", 4)
        return 4
    # An integral double below 2**53 prints as its digits; -0 keeps its sign.
    if -9007199254740992.0 < value < 9007199254740992.0 and value == <double><long long>value \
            and not (value == 0 and signbit(value)):
        whole = <long long>value
        if whole < 0:
            out[0] = b'-'
            n = 1
            whole = -whole
        i = 0
        while True:
            digits[i] = <char>(48 + whole % 10)
            whole //= 10
            i += 1
            if whole == 0:
                break
        while i:
            i -= 1
            out[n] = digits[i]
            n += 1
        return n
    # The rest as Python prints it (the pure twin's b"%.17g" % value).
    text = PyOS_double_to_string(value, b'g', 17, 0, NULL)
    n = strlen(text)
    memcpy(out, text, n)
    PyMem_Free(text)
    return n


cdef inline Py_ssize_t _put_len(char *p, char kind, Py_ssize_t n):
    """``kind`` then the decimal ``n`` and CRLF."""
    cdef char digits[24]
    cdef Py_ssize_t i = 0, w = 1
    p[0] = kind
    if n < 0:
        p[1] = b'-'
        w = 2
        n = -n
    while True:
        digits[i] = <char>(48 + n % 10)
        n //= 10
        i += 1
        if n == 0:
            break
    while i:
        i -= 1
        p[w] = digits[i]
        w += 1
    p[w] = b'\r'
    p[w + 1] = b'\n'
    return w + 2


cdef inline Py_ssize_t _put_bulk(char *p, bytes data):
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    cdef Py_ssize_t w = _put_len(p, b'$', n)
    memcpy(p + w, PyBytes_AS_STRING(data), n)
    p[w + n] = b'\r'
    p[w + n + 1] = b'\n'
    return w + n + 2


cdef inline Py_ssize_t _put_score(char *p, double score, int resp) except -1:
    cdef char text[32]
    cdef Py_ssize_t n = _double_text(score, text), w
    if resp == 2:
        w = _put_len(p, b'$', n)
    else:
        p[0] = b','
        w = 1
    memcpy(p + w, text, n)
    p[w + n] = b'\r'
    p[w + n + 1] = b'\n'
    return w + n + 2


cdef Py_ssize_t _room(list pairs, object key) except -1:
    cdef Py_ssize_t room = SLACK
    for pair in pairs:
        room += PyBytes_GET_SIZE(<bytes?>(<tuple?>pair)[1]) + 2 * SLACK
    if key is not None:
        room += PyBytes_GET_SIZE(<bytes?>key) + SLACK
    return room


def format_double(double value):
    """A double as Redis 7.0 prints it in replies: ``%.17g``, ``inf``, ``-inf``."""
    cdef char text[32]
    return PyBytes_FromStringAndSize(text, _double_text(value, text))


def encode_double(double value, int resp):
    """A double reply: a bulk string in RESP2, a double in RESP3."""
    cdef char buf[SLACK]
    return PyBytes_FromStringAndSize(buf, _put_score(buf, value, resp))


def encode_scored(list pairs, bint withscores, int resp):
    """The members of (score, member) ``pairs``; with scores flat in RESP2,
    [member, score] pairs in RESP3."""
    cdef char *buf = <char *>PyMem_Malloc(_room(pairs, None))
    cdef Py_ssize_t w
    if buf is NULL:
        raise MemoryError()
    try:
        if withscores and resp == 2:
            w = _put_len(buf, b'*', 2 * len(pairs))
        else:
            w = _put_len(buf, b'*', len(pairs))
        for pair in pairs:
            if withscores and resp != 2:
                memcpy(buf + w, b"*2\r\n", 4)
                w += 4
            w += _put_bulk(buf + w, <bytes?>(<tuple?>pair)[1])
            if withscores:
                w += _put_score(buf + w, <double>(<tuple?>pair)[0], resp)
        return PyBytes_FromStringAndSize(buf, w)
    finally:
        PyMem_Free(buf)


def encode_flat(list pairs, int resp, key=None):
    """[key,] member, score, member, score ... as one flat array (the pops' reply)."""
    cdef char *buf = <char *>PyMem_Malloc(_room(pairs, key))
    cdef Py_ssize_t w
    if buf is NULL:
        raise MemoryError()
    try:
        w = _put_len(buf, b'*', 2 * len(pairs) + (key is not None))
        if key is not None:
            w += _put_bulk(buf + w, <bytes?>key)
        for pair in pairs:
            w += _put_bulk(buf + w, <bytes?>(<tuple?>pair)[1])
            w += _put_score(buf + w, <double>(<tuple?>pair)[0], resp)
        return PyBytes_FromStringAndSize(buf, w)
    finally:
        PyMem_Free(buf)
