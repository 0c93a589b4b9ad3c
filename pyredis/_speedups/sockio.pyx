# cython: language_level=3, boundscheck=False, wraparound=False
"""A client socket's reads and writes, compiled twin of ``sockio_py.py``.

The loop reads and writes each ready client's non-blocking socket once a
request at the least.  ``os.read`` allocates the whole read size for every
read and shrinks it after, and hands the GIL over around the call; here a
read lands in one static buffer and becomes a bytes object of its length,
and the GIL stays held: a non-blocking call returns at once, and nothing
else in the process runs Python meanwhile.  Results and errors are
``os.read``'s and ``os.write``'s: bytes (b"" at EOF), the count written,
OSError by errno (BlockingIOError for EAGAIN), EINTR retried after the
signal handlers ran.
"""
from os import strerror

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.exc cimport PyErr_CheckSignals, PyErr_SetFromErrno
from libc.errno cimport EINTR, EINVAL, errno


cdef extern from "unistd.h" nogil:
    ssize_t c_read "read"(int fd, void *buf, size_t count)
    ssize_t c_write "write"(int fd, const void *buf, size_t count)

cdef enum:
    STATIC_SIZE = 16384

cdef char _buf[STATIC_SIZE]


cdef int _raise_errno() except -1:
    PyErr_SetFromErrno(OSError)
    return -1


def read(int fd, Py_ssize_t n):
    """``os.read(fd, n)``."""
    cdef ssize_t got
    cdef object out
    if n < 0:
        raise OSError(EINVAL, strerror(EINVAL))
    if n <= STATIC_SIZE:
        while True:
            got = c_read(fd, _buf, n)
            if got >= 0:
                return PyBytes_FromStringAndSize(_buf, got)
            if errno != EINTR:
                _raise_errno()
            PyErr_CheckSignals()
    out = PyBytes_FromStringAndSize(NULL, n)
    while True:
        got = c_read(fd, PyBytes_AS_STRING(out), n)
        if got >= 0:
            break
        if errno != EINTR:
            _raise_errno()
        PyErr_CheckSignals()
    if got == n:
        return out
    return out[:got]


def write(int fd, data):
    """``os.write(fd, data)`` for a bytes object: the count written."""
    cdef ssize_t done
    if type(data) is not bytes:
        raise TypeError("write() takes bytes, not %s" % type(data).__name__)
    while True:
        done = c_write(fd, PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
        if done >= 0:
            return done
        if errno != EINTR:
            _raise_errno()
        PyErr_CheckSignals()


__all__ = ["read", "write"]
