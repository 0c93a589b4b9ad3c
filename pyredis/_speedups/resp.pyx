# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""RESP request parser, compiled twin of ``resp_py.py``.

The algorithm, state and error texts are the pure twin's; see that module for
the Redis 7.0 behaviour being reproduced. Here the scans and integer parsing
run over the buffer's bytes in C and arguments are built straight from it.
"""
import operator

from cpython.bytearray cimport (PyByteArray_AS_STRING, PyByteArray_FromStringAndSize,
                                PyByteArray_GET_SIZE, PyByteArray_Resize)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.limits cimport INT_MAX, LLONG_MAX, LLONG_MIN, ULLONG_MAX
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp, memcpy
from cpython.list cimport PyList_GET_SIZE, PyList_New, PyList_SET_ITEM
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF


cdef extern from "Python.h":
    Py_ssize_t PyDict_GET_SIZE(object)

from .resp_header cimport _digits, _header
from .int64 cimport ll2string, string2ll

from ._errors import ProtocolError

cdef extern from "Python.h":
    const Py_ssize_t PY_SSIZE_T_MAX

TOO_BIG_INLINE = "Protocol error: too big inline request"
UNBALANCED_QUOTES = "Protocol error: unbalanced quotes in request"
TOO_BIG_MBULK = "Protocol error: too big mbulk count string"
INVALID_MBULK = "Protocol error: invalid multibulk length"
TOO_BIG_BULK = "Protocol error: too big bulk count string"
INVALID_BULK = "Protocol error: invalid bulk length"
UNAUTH_MBULK = "Protocol error: unauthenticated multibulk length"
UNAUTH_BULK = "Protocol error: unauthenticated bulk length"

cdef enum:
    # Redis's fixed limits for a client that has not authenticated yet.
    _UNAUTH_MAX_COUNT = 10
    # A request's argument list is made this long at most before its
    # arguments arrive (the count is only a claim); longer ones grow.
    _PREALLOC_ARGS = 1024
    _UNAUTH_MAX_BULK = 16384
    # Names longer than any command's are not kept for the next request.
    _NAME_MAX = 32
    _NAMES_MAX = 4096

# One object per command name for all clients' parsers (up to _NAMES_MAX
# names), so that the table finds it by identity whichever client sent it.
cdef dict _names = {}

UNAUTH_MAX_COUNT = _UNAUTH_MAX_COUNT
UNAUTH_MAX_BULK = _UNAUTH_MAX_BULK


cdef inline bint _isspace(unsigned char c) noexcept:
    # C isspace() in the "C" locale; bytes >= 0x80 are not spaces.
    return c == 32 or (9 <= c <= 13)


cdef inline bint _ishex(unsigned char c) noexcept:
    return (48 <= c <= 57) or (97 <= c <= 102) or (65 <= c <= 70)


cdef inline int _hexval(unsigned char c) noexcept:
    if c <= 57:
        return c - 48
    if c >= 97:
        return c - 87
    return c - 55


cdef inline Py_ssize_t _quick_header(const unsigned char* p, Py_ssize_t pos, Py_ssize_t n,
                                     unsigned char marker, long long* value) noexcept:
    """The common header read in one pass: ``marker``, a canonical count of at
    most 18 digits and CR, with the byte after the CR in p[:n] too.  The CR's
    index and the count in ``value``; -1 for anything else, which the general
    path (strchr, then string2ll) reads and answers as Redis does.
    """
    cdef Py_ssize_t i = pos + 1
    cdef Py_ssize_t end = pos + 19
    cdef long long v = 0
    if pos >= n or p[pos] != marker:
        return -1
    if end > n:
        end = n
    while i < end and 48 <= p[i] <= 57:
        v = v * 10 + (p[i] - 48)
        i += 1
    if i == pos + 1 or i + 1 >= n or p[i] != 13 or (p[pos + 1] == 48 and i != pos + 2):
        return -1
    value[0] = v
    return i


cdef inline unsigned char _at(const unsigned char* s, Py_ssize_t n, Py_ssize_t k) noexcept:
    # Past the end reads 0, like the C string sdssplitargs walks.
    return s[k] if k < n else 0


cdef object _split_args(const unsigned char* s, Py_ssize_t n):
    """sdssplitargs over s[0:n]: a list of bytes, or None for unbalanced quotes."""
    cdef list args = []
    cdef Py_ssize_t p = 0
    cdef Py_ssize_t clen
    cdef unsigned char c, nx
    cdef bint inq, insq, done
    # Unescaping never lengthens a token, so one line-sized scratch suffices.
    cdef unsigned char* cur = <unsigned char*>malloc(n + 1)
    if cur == NULL:
        raise MemoryError()
    try:
        while True:
            while p < n and _isspace(s[p]):
                p += 1
            if p >= n:
                return args
            clen = 0
            inq = insq = done = 0
            while not done:
                c = _at(s, n, p)
                if inq:
                    nx = _at(s, n, p + 1)
                    if (c == 92 and nx == 120 and _ishex(_at(s, n, p + 2))
                            and _ishex(_at(s, n, p + 3))):
                        cur[clen] = _hexval(s[p + 2]) * 16 + _hexval(s[p + 3])
                        clen += 1
                        p += 3
                    elif c == 92 and nx:
                        p += 1
                        c = s[p]
                        if c == 110:
                            c = 10
                        elif c == 114:
                            c = 13
                        elif c == 116:
                            c = 9
                        elif c == 98:
                            c = 8
                        elif c == 97:
                            c = 7
                        cur[clen] = c
                        clen += 1
                    elif c == 34:
                        if nx and not _isspace(nx):
                            return None
                        done = 1
                    elif not c:
                        return None
                    else:
                        cur[clen] = c
                        clen += 1
                elif insq:
                    nx = _at(s, n, p + 1)
                    if c == 92 and nx == 39:
                        p += 1
                        cur[clen] = 39
                        clen += 1
                    elif c == 39:
                        if nx and not _isspace(nx):
                            return None
                        done = 1
                    elif not c:
                        return None
                    else:
                        cur[clen] = c
                        clen += 1
                elif c == 32 or c == 10 or c == 13 or c == 9 or c == 0:
                    done = 1
                elif c == 34:
                    inq = 1
                elif c == 39:
                    insq = 1
                else:
                    cur[clen] = c
                    clen += 1
                if p < n:
                    p += 1
            args.append(PyBytes_FromStringAndSize(<char*>cur, clen))
    finally:
        free(cur)


cdef str _expected_dollar(unsigned char c):
    # Redis prints the raw byte with %c; addReplyErrorFormat turns CR and LF
    # into spaces so the reply stays on one line.
    if c == 10 or c == 13:
        c = 32
    return "Protocol error: expected '$', got '%s'" % chr(c)


cdef class RequestParser:
    """Incremental parser for client requests, inline and multibulk."""

    # The fields mirror resp_py.RequestParser's attributes, which document them.
    cdef public object error
    cdef object _max_bulk_len_obj
    cdef object _max_inline_obj
    # C copies of the limits, clamped to ranges with the same effect.
    cdef long long _max_bulk
    cdef Py_ssize_t _max_inline
    cdef public bint auth_required
    cdef object _buf
    cdef Py_ssize_t _scan
    cdef bint _stuck
    cdef long long _remaining
    cdef list _args
    cdef Py_ssize_t _argi
    cdef Py_ssize_t _args_len
    cdef long long _bulklen
    cdef object _acc
    # The last command name read: a request naming the same command gets this
    # object again, whose hash is already known to the command table.
    cdef bytes _name
    # Unsigned so that a bulk length near LLONG_MAX plus its two trailing
    # bytes cannot overflow.
    cdef unsigned long long _need

    def __init__(self, max_bulk_len=512 * 1024 * 1024, max_inline=64 * 1024,
                 auth_required=False):
        self.max_bulk_len = max_bulk_len
        self.max_inline = max_inline
        self.auth_required = auth_required
        self.error = None
        self._buf = b""
        self._scan = 0
        self._stuck = 0
        self._remaining = 0
        self._args = None
        self._argi = 0
        self._args_len = 0
        self._bulklen = -1
        self._acc = None
        self._need = 0

    @property
    def max_bulk_len(self):
        return self._max_bulk_len_obj

    @max_bulk_len.setter
    def max_bulk_len(self, value):
        value = operator.index(value)
        self._max_bulk_len_obj = value
        # A bulk length is in [0, LLONG_MAX], so clamping changes no outcome.
        self._max_bulk = LLONG_MAX if value > LLONG_MAX else (-1 if value < 0 else value)

    @property
    def max_inline(self):
        return self._max_inline_obj

    @max_inline.setter
    def max_inline(self, value):
        value = operator.index(value)
        self._max_inline_obj = value
        self._max_inline = (PY_SSIZE_T_MAX if value > PY_SSIZE_T_MAX
                            else (-1 if value < 0 else value))

    def feed(self, data):
        """Append ``data``; return the list of requests it completed.

        After a protocol error, ``error`` holds its text, the requests that
        were complete before it are returned and every later call returns [].
        While ``auth_required`` is set, at most one request is returned and
        the bytes after it wait for the next call (``feed(b"")`` parses them).
        """
        cdef const unsigned char* p
        cdef Py_ssize_t n, pos
        cdef list out
        if self.error is not None:
            return []
        if type(data) is not bytes:
            data = bytes(data)
        buf = self._buf
        if buf:
            buf += data
        else:
            buf = self._buf = data
        if type(buf) is bytes:
            p = <const unsigned char*>PyBytes_AS_STRING(buf)
            n = PyBytes_GET_SIZE(buf)
        else:
            p = <const unsigned char*>PyByteArray_AS_STRING(buf)
            n = PyByteArray_GET_SIZE(buf)
        out = []
        try:
            pos = self._parse(p, n, out)
        except ProtocolError as exc:
            self._fail(str(exc))
            return out
        # Compact once per feed, never per field.
        if pos == n:
            self._buf = b""
        elif type(buf) is bytes:
            self._buf = PyByteArray_FromStringAndSize(<const char*>p + pos, n - pos)
        elif pos:
            del buf[:pos]
        self._scan -= pos
        return out

    def pending_bytes(self):
        """Bytes held for the incomplete request (buffer and args so far)."""
        cdef Py_ssize_t n = len(self._buf) + self._args_len
        if self._acc is not None:
            n += PyByteArray_GET_SIZE(self._acc)
        return n

    cdef void _fail(self, str message):
        self.error = message
        self._buf = b""
        self._scan = 0
        self._stuck = 0
        self._remaining = 0
        self._args = None
        self._argi = 0
        self._args_len = 0
        self._bulklen = -1
        self._acc = None
        self._need = 0

    cdef inline Py_ssize_t _find(self, const unsigned char* p, Py_ssize_t pos, Py_ssize_t n,
                                 unsigned char term) noexcept:
        """Index of ``term`` at or after ``pos`` as strchr sees it, else -1."""
        cdef Py_ssize_t i
        cdef unsigned char c
        if self._stuck:
            return -1
        i = self._scan if self._scan > pos else pos
        while i < n:
            c = p[i]
            if c == term:
                return i
            if c == 0:
                self._stuck = 1
                return -1
            i += 1
        self._scan = n
        return -1

    cdef bytes _command_name(self, const unsigned char* s, Py_ssize_t size):
        cdef bytes name = self._name
        cdef PyObject *known
        if (name is not None and PyBytes_GET_SIZE(name) == size
                and memcmp(PyBytes_AS_STRING(name), s, size) == 0):
            return name
        name = PyBytes_FromStringAndSize(<const char*>s, size)
        if size <= _NAME_MAX:
            known = PyDict_GetItem(_names, name)
            if known != NULL:
                name = <bytes>known
            elif PyDict_GET_SIZE(_names) < _NAMES_MAX:
                _names[name] = name
            self._name = name
        return name

    cdef Py_ssize_t _parse(self, const unsigned char* p, Py_ssize_t n, list out) except -1:
        """Consume complete requests from p[0:n] into ``out``; return the new position."""
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t i, end, take, room, size
        cdef long long remaining = self._remaining
        cdef long long bulklen = self._bulklen
        cdef long long count
        cdef Py_ssize_t args_len = self._args_len
        cdef list args = self._args
        cdef Py_ssize_t argi = self._argi
        cdef object acc
        cdef object argv
        cdef bint single = self.auth_required
        while True:
            if not remaining:
                if pos >= n:
                    break
                if p[pos] != 42:
                    i = self._find(p, pos, n, 10)
                    if i < 0:
                        if n - pos > self._max_inline:
                            raise ProtocolError(TOO_BIG_INLINE)
                        break
                    end = i - 1 if i > pos and p[i - 1] == 13 else i
                    argv = _split_args(p + pos, end - pos)
                    if argv is None:
                        raise ProtocolError(UNBALANCED_QUOTES)
                    pos = i + 1
                    if argv:
                        out.append(argv)
                        if single:
                            break
                    continue
                i = _quick_header(p, pos, n, 42, &count)
                if i < 0:
                    i = self._find(p, pos, n, 13)
                    if i < 0:
                        if n - pos > self._max_inline:
                            raise ProtocolError(TOO_BIG_MBULK)
                        break
                    if i + 1 >= n:
                        self._scan = i
                        break
                    if not string2ll(p + pos + 1, i - pos - 1, &count):
                        raise ProtocolError(INVALID_MBULK)
                if count > INT_MAX:
                    raise ProtocolError(INVALID_MBULK)
                if single and count > _UNAUTH_MAX_COUNT:
                    raise ProtocolError(UNAUTH_MBULK)
                pos = i + 2
                if count > 0:
                    remaining = count
                    # Slots filled in order below; a list with empty slots
                    # never leaves the parser.
                    args = PyList_New(count if count <= _PREALLOC_ARGS else _PREALLOC_ARGS)
                    argi = 0
                    args_len = 0
                continue
            if bulklen < 0:
                i = _quick_header(p, pos, n, 36, &bulklen)
                if i < 0:
                    i = self._find(p, pos, n, 13)
                    if i < 0:
                        if n - pos > self._max_inline:
                            raise ProtocolError(TOO_BIG_BULK)
                        break
                    if i + 1 >= n:
                        self._scan = i
                        break
                    if p[pos] != 36:
                        raise ProtocolError(_expected_dollar(p[pos]))
                    if not string2ll(p + pos + 1, i - pos - 1, &bulklen) or bulklen < 0:
                        raise ProtocolError(INVALID_BULK)
                if bulklen > self._max_bulk:
                    raise ProtocolError(INVALID_BULK)
                if single and bulklen > _UNAUTH_MAX_BULK:
                    raise ProtocolError(UNAUTH_BULK)
                pos = i + 2
            acc = self._acc
            if acc is None:
                if <unsigned long long>bulklen + 2 > <unsigned long long>(n - pos):
                    take = <Py_ssize_t>bulklen if bulklen < n - pos else n - pos
                    self._acc = PyByteArray_FromStringAndSize(<const char*>p + pos, take)
                    self._need = <unsigned long long>bulklen + 2 - <unsigned long long>(n - pos)
                    pos = n
                    break
                end = pos + <Py_ssize_t>bulklen
                if argi:
                    arg = PyBytes_FromStringAndSize(<const char*>p + pos, end - pos)
                else:
                    arg = self._command_name(p + pos, end - pos)
                pos = end + 2
            else:
                take = n - pos
                if <unsigned long long>take > self._need:
                    take = <Py_ssize_t>self._need
                size = PyByteArray_GET_SIZE(acc)
                room = <Py_ssize_t>bulklen - size
                if room > take:
                    room = take
                if room > 0:
                    PyByteArray_Resize(acc, size + room)
                    memcpy(PyByteArray_AS_STRING(acc) + size, p + pos, room)
                pos += take
                self._need -= <unsigned long long>take
                if self._need:
                    break
                arg = PyBytes_FromStringAndSize(PyByteArray_AS_STRING(acc),
                                                PyByteArray_GET_SIZE(acc))
                self._acc = None
            if argi < PyList_GET_SIZE(args):
                Py_INCREF(arg)
                PyList_SET_ITEM(args, argi, arg)
            else:
                args.append(arg)
            argi += 1
            args_len += <Py_ssize_t>bulklen
            bulklen = -1
            remaining -= 1
            if not remaining:
                out.append(args)
                args = None
                args_len = 0
                if single:
                    break
        self._remaining = remaining
        self._bulklen = bulklen
        self._args = args
        self._argi = argi
        self._args_len = args_len
        return pos

__all__ = ["ProtocolError", "RequestParser"]


# ---- replies ----------------------------------------------------------------
cdef extern from "Python.h":
    object PyBytes_FromObject(object o)


cdef extern from "Python.h":
    ctypedef struct _Obj "PyObject"
    _Obj* _list_item "PyList_GET_ITEM" (object, Py_ssize_t)
    bint _is_bytes "PyBytes_CheckExact" (_Obj*)
    Py_ssize_t _bytes_size "PyBytes_GET_SIZE" (_Obj*)
    char* _bytes_data "PyBytes_AS_STRING" (_Obj*)


def encode_bulks(values):
    """An array of bulk strings (RESP2 and RESP3 alike), built in one buffer.

    ``values`` is a sequence of bytes-like objects, none of them None.
    """
    cdef list items = values if type(values) is list else list(values)
    cdef Py_ssize_t n = PyList_GET_SIZE(items)
    cdef Py_ssize_t total = _digits(n) + 3
    cdef Py_ssize_t i, size
    cdef _Obj* v
    cdef char *p
    # Borrowed references: nothing runs between the two passes that could
    # change the list, which holds its items.
    for i in range(n):
        v = _list_item(items, i)
        if not _is_bytes(v):
            items = [x if type(x) is bytes else PyBytes_FromObject(x) for x in items]
            return encode_bulks(items)
        size = _bytes_size(v)
        total += _digits(size) + size + 5
    out = PyBytes_FromStringAndSize(NULL, total)
    p = _header(PyBytes_AS_STRING(out), 42, n)
    for i in range(n):
        v = _list_item(items, i)
        size = _bytes_size(v)
        if size < 10:
            p[0] = 36
            p[1] = <char>(48 + size)
            p[2] = 13
            p[3] = 10
            p += 4
        else:
            p = _header(p, 36, size)
        memcpy(p, _bytes_data(v), size)
        p[size] = 13
        p[size + 1] = 10
        p += size + 2
    return out


cdef extern from "Python.h":
    long long PyLong_AsLongLongAndOverflow(object, int*) except? -1

cdef tuple _INTEGERS = tuple([b":%d\r\n" % i for i in range(-1, 10001)])


def encode_integer(n):
    """An integer reply (RESP2 and RESP3 alike): ``:<n>\r\n``."""
    cdef int overflow = 0
    cdef long long v
    cdef char buf[24]
    cdef Py_ssize_t i
    if type(n) is not int:
        return b":%d\r\n" % n
    v = PyLong_AsLongLongAndOverflow(n, &overflow)
    if overflow:
        return b":%d\r\n" % n
    if -1 <= v <= 10000:
        return _INTEGERS[v + 1]
    buf[22] = 13
    buf[23] = 10
    i = 22 - ll2string(buf + 22, v) - 1
    buf[i] = 58
    return PyBytes_FromStringAndSize(buf + i, 24 - i)


cdef inline int _bytes_cmp(bytes a, bytes b):
    """memcmp order, the shorter first on a tie: bytes' own comparison."""
    cdef Py_ssize_t la = PyBytes_GET_SIZE(a), lb = PyBytes_GET_SIZE(b)
    cdef int r = memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), la if la < lb else lb)
    if r:
        return r
    return (la > lb) - (la < lb)


def span_end(list cmds, Py_ssize_t i, Py_ssize_t n, bytes low, bytes high):
    """The index of the first request after ``cmds[i]`` (before ``n``) whose
    first argument is not within ``low <= argument < high``; a request
    without one, or None (a protocol error's place), ends the span too."""
    cdef object argv, key
    i += 1
    while i < n:
        argv = cmds[i]
        if type(argv) is not list or PyList_GET_SIZE(argv) < 2:
            break
        key = (<list>argv)[1]
        if type(key) is not bytes:
            if not low <= key < high:
                break
        elif _bytes_cmp(low, <bytes>key) > 0 or _bytes_cmp(<bytes>key, high) >= 0:
            break
        i += 1
    return i


def parse_int(value):
    """Redis ``string2ll`` on a bytes-like ``value``: the int64 it spells exactly, else None."""
    cdef long long v
    cdef int ok
    if type(value) is bytes:
        ok = string2ll(<const unsigned char*>PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value), &v)
    elif type(value) is bytearray:
        ok = string2ll(<const unsigned char*>PyByteArray_AS_STRING(value), PyByteArray_GET_SIZE(value),
                        &v)
    else:
        return parse_int(bytes(memoryview(value)))
    return v if ok else None


def encode_bulk(value):
    """One bulk string (RESP2 and RESP3 alike): ``$<len>\\r\\n<value>\\r\\n``."""
    cdef Py_ssize_t size
    cdef char *p
    if type(value) is not bytes:
        value = PyBytes_FromObject(value)
    size = PyBytes_GET_SIZE(value)
    out = PyBytes_FromStringAndSize(NULL, _digits(size) + size + 5)
    p = _header(PyBytes_AS_STRING(out), 36, size)
    memcpy(p, PyBytes_AS_STRING(value), size)
    p[size] = 13
    p[size + 1] = 10
    return out
