"""RESP request parser, pure-Python twin of ``resp.pyx``.

The parser is sans-IO: the server feeds it whatever ``recv()`` returned and
gets back every request that is now complete. It reproduces Redis 7.0's
networking.c (processInputBuffer, processInlineBuffer, processMultibulkBuffer)
including its odd corners, because clients and test suites depend on them:

* terminators are searched with C ``strchr`` semantics, so a NUL byte ahead of
  the terminator hides it and the request stays incomplete;
* the byte after a header's ``\\r`` and the two bytes after a bulk's data are
  skipped without being checked;
* the size limits on an unterminated line are checked only while the line is
  incomplete, so they depend on how the bytes were split, as in Redis;
* with ``auth_required`` set (a client that has not authenticated yet) a
  multibulk count over 10 and a bulk length over 16384 are protocol errors,
  checked after the ordinary validity checks (processMultibulkBuffer's
  ``authRequired`` branches). Redis runs each request before it parses the
  next one, so the next one sees the authentication state that the previous
  one left; in this mode feed() therefore returns at most one request and
  keeps the rest buffered until the caller has run it and calls feed() again.

Both twins must agree on every observable result; ``tests/twins`` checks it.
"""
import operator

from ._errors import ProtocolError
# Redis string2ll for callers (the parser keeps its own for counts): the pure
# twin is the one in numbers, which the compiled twin must match.
from ..numbers import parse_int  # noqa: F401

INT_MAX = 2147483647
LLONG_MAX = (1 << 63) - 1
LLONG_MIN = -(1 << 63)

TOO_BIG_INLINE = "Protocol error: too big inline request"
UNBALANCED_QUOTES = "Protocol error: unbalanced quotes in request"
TOO_BIG_MBULK = "Protocol error: too big mbulk count string"
INVALID_MBULK = "Protocol error: invalid multibulk length"
TOO_BIG_BULK = "Protocol error: too big bulk count string"
INVALID_BULK = "Protocol error: invalid bulk length"
UNAUTH_MBULK = "Protocol error: unauthenticated multibulk length"
UNAUTH_BULK = "Protocol error: unauthenticated bulk length"
# Redis's fixed limits for a client that has not authenticated yet.
UNAUTH_MAX_COUNT = 10
UNAUTH_MAX_BULK = 16384

# C isspace() in the "C" locale.
_SPACE = frozenset(b" \t\n\v\f\r")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}
# Outside quotes a token ends at these, but not at \v or \f, which isspace()
# still skips between tokens.
_SEP_TO_SPACE = bytes.maketrans(b"\t\r\n", b"   ")


def string2ll(s):
    """Parse ``s`` with Redis's string2ll rules; None when it is not a number.

    Python's int() accepts '+', spaces, underscores and leading zeros; Redis
    rejects all of them, and also anything longer than 20 characters.
    """
    if s.isdigit():
        if len(s) > 20 or (s[0] == 48 and len(s) > 1):
            return None
        v = int(s)
        return v if v <= LLONG_MAX else None
    if len(s) > 1 and s[0] == 45:
        digits = s[1:]
        if len(s) > 20 or not digits.isdigit() or digits[0] == 48:
            return None
        v = -int(digits)
        return v if v >= LLONG_MIN else None
    return None


def split_args(line):
    """Split an inline request line like Redis's sdssplitargs.

    Returns a list of bytes, or None for unbalanced quotes. The line never
    contains NUL: the newline search stops at one.
    """
    if 34 not in line and 39 not in line:
        # Without quotes there are no escapes; this avoids a per-byte loop.
        args = []
        for part in line.translate(_SEP_TO_SPACE).split(b" "):
            part = part.lstrip(b"\v\f")
            if part:
                args.append(part)
        return args
    # NUL padding stands in for C's terminator, so look-ahead past the end
    # reads 0 exactly where sdssplitargs would.
    s = line + b"\0\0\0\0"
    p = 0
    args = []
    while True:
        while s[p] in _SPACE:
            p += 1
        if not s[p]:
            return args
        cur = bytearray()
        inq = insq = done = False
        while not done:
            c = s[p]
            if inq:
                if c == 92 and s[p + 1] == 120 and s[p + 2] in _HEX and s[p + 3] in _HEX:
                    cur.append(int(s[p + 2:p + 4], 16))
                    p += 3
                elif c == 92 and s[p + 1]:
                    p += 1
                    c = s[p]
                    cur.append(_ESCAPES.get(c, c))
                elif c == 34:
                    # A closing quote must be followed by a space or the end.
                    if s[p + 1] and s[p + 1] not in _SPACE:
                        return None
                    done = True
                elif not c:
                    return None
                else:
                    cur.append(c)
            elif insq:
                if c == 92 and s[p + 1] == 39:
                    p += 1
                    cur.append(39)
                elif c == 39:
                    if s[p + 1] and s[p + 1] not in _SPACE:
                        return None
                    done = True
                elif not c:
                    return None
                else:
                    cur.append(c)
            elif c == 32 or c == 10 or c == 13 or c == 9 or c == 0:
                done = True
            elif c == 34:
                inq = True
            elif c == 39:
                insq = True
            else:
                cur.append(c)
            if s[p]:
                p += 1
        args.append(bytes(cur))


def expected_dollar(c):
    """The error for a bulk header that does not start with '$'.

    Redis formats the raw byte with %c, then addReplyErrorFormat turns CR and
    LF into spaces so the reply stays on one line.
    """
    return "Protocol error: expected '$', got '%s'" % (" " if c == 10 or c == 13 else chr(c))


class RequestParser:
    """Incremental parser for client requests, inline and multibulk."""

    __slots__ = ("error", "_max_bulk_len", "_max_inline", "_auth_required", "_buf", "_scan",
                 "_nul", "_stuck", "_remaining", "_args", "_args_len", "_bulklen", "_acc", "_need")

    def __init__(self, max_bulk_len=512 * 1024 * 1024, max_inline=64 * 1024,
                 auth_required=False):
        self.max_bulk_len = max_bulk_len
        self.max_inline = max_inline
        self.auth_required = auth_required
        self.error = None
        # Unconsumed bytes: b"" when empty, the caller's bytes during a feed,
        # a bytearray when a partial header or line is carried to the next feed.
        self._buf = b""
        # Search hint: [0, _scan) of the unconsumed header holds neither its
        # terminator nor NUL, so a resumed search starts there.
        self._scan = 0
        # First NUL at or after the last search start (len(buf) when none);
        # -1 forces a lookup. Kept across a feed that adds no bytes, so the
        # one-request-per-feed mode does not rescan the rest of the buffer
        # for every request.
        self._nul = -1
        # A NUL precedes the terminator of the pending header: strchr will
        # never get past it, so only the size limit can change the outcome.
        self._stuck = False
        self._remaining = 0
        self._args = None
        self._args_len = 0
        self._bulklen = -1
        # A bulk body that straddles feeds is moved here, so the main buffer
        # never carries more than a partial header and a large bulk is
        # assembled in O(total).
        self._acc = None
        self._need = 0

    @property
    def max_bulk_len(self):
        return self._max_bulk_len

    @max_bulk_len.setter
    def max_bulk_len(self, value):
        self._max_bulk_len = operator.index(value)

    @property
    def max_inline(self):
        return self._max_inline

    @max_inline.setter
    def max_inline(self, value):
        self._max_inline = operator.index(value)

    @property
    def auth_required(self):
        """The client has not authenticated: Redis's tighter limits, one request per feed."""
        return self._auth_required

    @auth_required.setter
    def auth_required(self, value):
        self._auth_required = bool(value)

    def feed(self, data):
        """Append ``data``; return the list of requests it completed.

        After a protocol error, ``error`` holds its text, the requests that
        were complete before it are returned and every later call returns [].
        While ``auth_required`` is set, at most one request is returned and
        the bytes after it wait for the next call (``feed(b"")`` parses them).
        """
        if self.error is not None:
            return []
        if data.__class__ is not bytes:
            data = bytes(data)
        if data:
            self._nul = -1
        buf = self._buf
        if buf:
            buf += data
        else:
            buf = self._buf = data
        out = []
        try:
            pos = self._parse(buf, out)
        except ProtocolError as exc:
            self._fail(str(exc))
            return out
        # Compact once per feed, never per field.
        if pos == len(buf):
            self._buf = b""
        elif buf.__class__ is bytes:
            self._buf = bytearray(buf[pos:])
        elif pos:
            del buf[:pos]
        self._scan -= pos
        self._nul -= pos
        return out

    def pending_bytes(self):
        """Bytes held for the incomplete request (buffer and args so far)."""
        n = len(self._buf) + self._args_len
        if self._acc is not None:
            n += len(self._acc)
        return n

    def _fail(self, message):
        self.error = message
        self._buf = b""
        self._scan = 0
        self._stuck = False
        self._remaining = 0
        self._args = None
        self._args_len = 0
        self._bulklen = -1
        self._acc = None
        self._need = 0

    def _find(self, buf, pos, n, term):
        """Index of ``term`` at or after ``pos`` as strchr sees it, else -1."""
        if self._stuck:
            return -1
        start = self._scan if self._scan > pos else pos
        nul = self._nul
        if nul < start:
            nul = buf.find(b"\0", start)
            if nul < 0:
                nul = n
            self._nul = nul
        i = buf.find(term, start, nul)
        if i < 0:
            if nul < n:
                self._stuck = True
            else:
                self._scan = n
        return i

    def _parse(self, buf, out):
        """Consume complete requests from ``buf`` into ``out``; return the new position."""
        n = len(buf)
        copy = buf.__class__ is not bytes
        pos = 0
        remaining = self._remaining
        bulklen = self._bulklen
        args = self._args
        args_len = self._args_len
        single = self._auth_required
        while True:
            if not remaining:
                if pos >= n:
                    break
                if buf[pos] != 42:
                    i = self._find(buf, pos, n, b"\n")
                    if i < 0:
                        if n - pos > self._max_inline:
                            raise ProtocolError(TOO_BIG_INLINE)
                        break
                    end = i - 1 if i > pos and buf[i - 1] == 13 else i
                    argv = split_args(bytes(buf[pos:end]))
                    if argv is None:
                        raise ProtocolError(UNBALANCED_QUOTES)
                    pos = i + 1
                    if argv:
                        out.append(argv)
                        if single:
                            break
                    continue
                i = self._find(buf, pos, n, b"\r")
                if i < 0:
                    if n - pos > self._max_inline:
                        raise ProtocolError(TOO_BIG_MBULK)
                    break
                if i + 1 >= n:
                    self._scan = i
                    break
                count = string2ll(buf[pos + 1:i])
                if count is None or count > INT_MAX:
                    raise ProtocolError(INVALID_MBULK)
                if single and count > UNAUTH_MAX_COUNT:
                    raise ProtocolError(UNAUTH_MBULK)
                pos = i + 2
                if count > 0:
                    # No preallocation: the count is only a claim.
                    remaining = count
                    args = []
                    args_len = 0
                continue
            if bulklen < 0:
                i = self._find(buf, pos, n, b"\r")
                if i < 0:
                    if n - pos > self._max_inline:
                        raise ProtocolError(TOO_BIG_BULK)
                    break
                if i + 1 >= n:
                    self._scan = i
                    break
                if buf[pos] != 36:
                    raise ProtocolError(expected_dollar(buf[pos]))
                bulklen = string2ll(buf[pos + 1:i])
                if bulklen is None or bulklen < 0 or bulklen > self._max_bulk_len:
                    raise ProtocolError(INVALID_BULK)
                if single and bulklen > UNAUTH_MAX_BULK:
                    raise ProtocolError(UNAUTH_BULK)
                pos = i + 2
            acc = self._acc
            if acc is None:
                end = pos + bulklen
                if end + 2 > n:
                    self._acc = bytearray(buf[pos:end])
                    self._need = end + 2 - n
                    pos = n
                    break
                arg = buf[pos:end]
                if copy:
                    arg = bytes(arg)
                pos = end + 2
            else:
                take = n - pos
                if take > self._need:
                    take = self._need
                room = bulklen - len(acc)
                if room > 0:
                    acc += buf[pos:pos + (room if room < take else take)]
                pos += take
                self._need -= take
                if self._need:
                    break
                arg = bytes(acc)
                self._acc = None
            args.append(arg)
            args_len += bulklen
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
        self._args_len = args_len
        return pos


__all__ = ["ProtocolError", "RequestParser"]


# ---- replies ----------------------------------------------------------------
def encode_bulks(values):
    """An array of bulk strings (RESP2 and RESP3 alike), built in one buffer.

    ``values`` is a sequence of bytes-like objects, none of them None.
    """
    if values.__class__ is not list and values.__class__ is not tuple:
        values = list(values)
    n = len(values)
    if not n:
        return b"*0\r\n"
    # Heads and values interleaved and joined once: fewer objects than a
    # formatted string per element.
    try:
        heads = list(map(_BULK_HEADS.__getitem__, map(len, values)))
    except IndexError:
        heads = [b"$%d" % len(v) for v in values]
    parts = [None] * (2 * n)
    parts[::2] = heads
    parts[1::2] = values
    return b"*%d\r\n%b\r\n" % (n, b"\r\n".join(parts))


_BULK_HEADS = [b"$%d" % n for n in range(1024)]


def span_end(cmds, i, n, low, high):
    """The index of the first request after ``cmds[i]`` (before ``n``) whose
    first argument is not within ``low <= argument < high``; a request
    without one, or None (a protocol error's place), ends the span too."""
    i += 1
    while i < n:
        argv = cmds[i]
        if argv.__class__ is not list or len(argv) < 2 or not low <= argv[1] < high:
            break
        i += 1
    return i


def encode_bulk(value):
    """One bulk string (RESP2 and RESP3 alike): ``$<len>\\r\\n<value>\\r\\n``."""
    return b"$%d\r\n%b\r\n" % (len(value), value)


_INTEGERS = [b":%d\r\n" % i for i in range(-1, 10001)]


def encode_integer(n):
    """An integer reply (RESP2 and RESP3 alike): ``:<n>\r\n``."""
    if -1 <= n <= 10000:
        return _INTEGERS[n + 1]
    return b":%d\r\n" % n
