"""Reply encoding for RESP2 and RESP3.

A handler says what it replies: ``bulk``, ``integer``, ``simple``, ``array``,
``NULL`` ... .  Replies that read the same in both protocols are plain bytes,
encoded once; the rest are small objects encoded for the client's protocol
when they are written.  Nothing here looks at a value to guess its type.
"""
from ._speedups import encode_bulk, encode_bulks, encode_integer, zsetreply

OK = b"+OK\r\n"
PONG = b"+PONG\r\n"
QUEUED = b"+QUEUED\r\n"
ZERO = b":0\r\n"
ONE = b":1\r\n"
EMPTY_ARRAY = b"*0\r\n"
EMPTY_BULK = b"$0\r\n\r\n"

# One bulk string, encoded by the RESP twin.
bulk = encode_bulk

# An integer reply, encoded by the RESP twin.
integer = encode_integer


def simple(text):
    return b"+" + text + b"\r\n"


def error(text):
    return b"-" + text.encode("latin-1") + b"\r\n"


def encode(reply, resp):
    if reply.__class__ is bytes:
        return reply
    return reply.encode(resp)


class _Reply:
    __slots__ = ()

    def encode(self, resp):  # pragma: no cover - every subclass overrides
        raise NotImplementedError


class _Null(_Reply):
    __slots__ = ("resp2",)

    def __init__(self, resp2):
        self.resp2 = resp2

    def encode(self, resp):
        return self.resp2 if resp == 2 else b"_\r\n"


NULL = _Null(b"$-1\r\n")
NULL_ARRAY = _Null(b"*-1\r\n")


class _Aggregate(_Reply):
    __slots__ = ("items",)
    resp3_prefix = b"*"

    def __init__(self, items):
        self.items = items

    def header(self, resp):
        return b"%b%d\r\n" % (self.resp3_prefix if resp == 3 else b"*", len(self.items))

    def encode(self, resp):
        parts = [self.header(resp)]
        for item in self.items:
            parts.append(item if item.__class__ is bytes else item.encode(resp))
        return b"".join(parts)


class Array(_Aggregate):
    __slots__ = ()


class Set(_Aggregate):
    __slots__ = ()
    resp3_prefix = b"~"


class Push(_Aggregate):
    __slots__ = ()
    resp3_prefix = b">"


class Map(_Aggregate):
    """``items`` is flat: key, value, key, value ..."""

    __slots__ = ()

    def header(self, resp):
        n = len(self.items)
        return b"%%%d\r\n" % (n // 2) if resp == 3 else b"*%d\r\n" % n


class Double(_Reply):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def encode(self, resp):
        text = format_double(self.value)
        if resp == 3:
            return b"," + text + b"\r\n"
        return bulk(text)


class Verbatim(_Reply):
    """Verbatim text in RESP3 (``=``), a plain bulk string in RESP2."""

    __slots__ = ("text", "kind")

    def __init__(self, text, kind=b"txt"):
        self.text = text
        self.kind = kind

    def encode(self, resp):
        if resp == 3:
            return b"=%d\r\n%b:%b\r\n" % (len(self.text) + 4, self.kind, self.text)
        return bulk(self.text)


# A double as Redis 7.0 prints it in replies: ``%.17g``, ``inf``, ``-inf``.
format_double = zsetreply.format_double


def array(items):
    """An array of replies; plain bytes when every element is protocol-independent."""
    for item in items:
        if item.__class__ is not bytes:
            return Array(items)
    return b"*%d\r\n%b" % (len(items), b"".join(items))


# An array of bulk strings (no nulls), encoded by the RESP twin.
bulks = encode_bulks


def bulks_or_null(values):
    """An array of bulk strings where ``None`` stands for a null element."""
    if None not in values:
        return bulks(values)
    return Array([NULL if v is None else bulk(v) for v in values])


def map_of(items):
    return Map(items)


def set_of(items):
    return Set(items)


def double(value):
    return Double(value)
