"""Conversions between replies and Lua values, as Redis's script_lua.c does them.

Reply -> Lua (what ``redis.call`` returns): the command's reply is encoded
for the script client's protocol and read back, RESP2 or RESP3, into Lua
values: bulk strings, integers, ``false`` for RESP2 nulls, tables for arrays,
``{ok=}`` / ``{err=}`` for statuses and errors, ``{map=}``, ``{set=}``,
``{double=}``, ``{big_number=}``, ``{verbatim_string=}`` for RESP3.

Lua -> reply (what a script returns): luaReplyToRedisReply.
"""
import math
import sys

from lupa.lua51 import lua_type

from .. import errors, reply

_INT64_MIN = -(1 << 63)

# Tags of pycall's second result (see the redis table in sandbox.py).
TAG_ERROR = 1
TAG_ERROR_COUNTED = 2
TAG_STATUS = 3


def error_text(s):
    """luaPushErrorBuff: ``-CODE msg`` keeps its code; anything else gets ``ERR``."""
    code, msg = b"ERR", s
    if s[:1] == b"-":
        code, sp, rest = s[1:].partition(b" ")
        if sp:
            msg = rest
        else:
            code, msg = b"ERR", s[1:]
    return code + b" " + msg.strip(b"\r\n")


class ReplyReader:
    """Reads one encoded reply into Lua values for a runtime."""

    def __init__(self, lua, mk_ok, mk_err):
        self.table_from = lua.table_from
        self.mk_ok = mk_ok
        self.mk_err = mk_err

    def top(self, data):
        """The value ``redis.call`` returns for an encoded reply: a value or (text, tag)."""
        # The reply is exactly one value, so a bulk string ends at the final CRLF.
        first = data[0]
        if first == 36:  # $
            if data[1] == 45:  # -
                return False
            return data[data.index(b"\r\n") + 2:-2]
        if first == 58:  # :
            return int(data[1:-2])
        if first == 43:  # +
            return data[1:-2], TAG_STATUS
        if first == 45:  # -
            return error_text(data[:-2]), TAG_ERROR_COUNTED
        value, _ = self.read(data, 0)
        return value

    def read(self, data, pos):
        """(value, next position) for the reply starting at ``pos``."""
        end = data.index(b"\r\n", pos)
        kind = data[pos:pos + 1]
        line = data[pos + 1:end]
        pos = end + 2
        if kind == b"$":
            n = int(line)
            if n < 0:
                return False, pos
            return data[pos:pos + n], pos + n + 2
        if kind == b":":
            return int(line), pos
        if kind == b"+":
            return self.mk_ok(line), pos
        if kind == b"-":
            return self.mk_err(error_text(b"-" + line)), pos
        if kind in (b"*", b">"):
            n = int(line)
            if n < 0:
                return False, pos
            items = []
            for _ in range(n):
                value, pos = self.read(data, pos)
                items.append(value)
            return self.table_from(items), pos
        if kind == b"%":
            pairs = {}
            for _ in range(int(line)):
                key, pos = self.read(data, pos)
                value, pos = self.read(data, pos)
                pairs[key] = value
            return self.table_from({b"map": self.table_from(pairs)}), pos
        if kind == b"~":
            members = {}
            for _ in range(int(line)):
                key, pos = self.read(data, pos)
                members[key] = True
            return self.table_from({b"set": self.table_from(members)}), pos
        if kind == b"_":
            return None, pos
        if kind == b"#":
            return line == b"t", pos
        if kind == b",":
            return self.table_from({b"double": float(line)}), pos
        if kind == b"(":
            return self.table_from({b"big_number": line}), pos
        if kind == b"=":
            n = int(line)
            text = data[pos:pos + n]
            verbatim = self.table_from({b"format": text[:3], b"string": text[4:]})
            return self.table_from({b"verbatim_string": verbatim}), pos + n + 2
        raise ValueError("unexpected reply type %r" % kind)


class Bool(reply._Reply):
    """addReplyBool: RESP3 true/false, RESP2 1/0."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def encode(self, resp):
        if resp == 3:
            return b"#t\r\n" if self.value else b"#f\r\n"
        return reply.ONE if self.value else reply.ZERO


class BigNumber(reply._Reply):
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def encode(self, resp):
        if resp == 3:
            return b"(" + self.text + b"\r\n"
        return reply.bulk(self.text)


class ScriptError(reply._Reply):
    """An error reply a script returned; ``counted`` once its stats were updated."""

    __slots__ = ("text", "counted")

    def __init__(self, text, counted):
        self.text = text
        self.counted = counted

    def encode(self, resp):
        return b"-" + self.text + b"\r\n"


def _map_crlf(s):
    return s.replace(b"\r", b" ").replace(b"\n", b" ")


def integer(v):
    """A Lua number as a reply: an integer, truncated (luaReplyToRedisReply)."""
    if v.__class__ is float:
        if not math.isfinite(v) or not -9.3e18 < v < 9.3e18:
            return reply.integer(_INT64_MIN)
        v = int(v)
        if not _INT64_MIN <= v < (1 << 63):
            return reply.integer(_INT64_MIN)
    return reply.integer(v)


# luaReplyToRedisReply needs room for 4 more values on the Lua stack at each
# step (lua_checkstack against LUAI_MAXCSTACK); nested tables use it up, and
# where it runs out the reply holds an error instead.  ``top`` follows the
# stack height Redis's recursion would have: the top-level value sits at 2,
# an array element one above its table, a map key four and a map value three
# above theirs, a set member three.
_MAX_C_STACK = 8000
_TOP_LEVEL = 2
_STACK_LIMIT = errors.LUA_STACK_LIMIT.encode()

# Python frames for the deepest reply Lua's stack allows.
if sys.getrecursionlimit() < 3 * _MAX_C_STACK:
    sys.setrecursionlimit(3 * _MAX_C_STACK)


def to_reply(v, rawget, script_resp, errors, top=_TOP_LEVEL):
    """luaReplyToRedisReply for a Lua value; error replies met are appended to ``errors``."""
    if top + 4 > _MAX_C_STACK:
        e = ScriptError(_STACK_LIMIT, False)
        errors.append(e)
        return e
    cls = v.__class__
    if cls is bytes:
        return reply.bulk(v)
    if cls is int or cls is float:
        return integer(v)
    if cls is bool:
        if script_resp == 2:
            return reply.ONE if v else reply.NULL
        return Bool(v)
    if v is None or lua_type(v) != "table":
        return reply.NULL
    err = rawget(v, b"err")
    if err.__class__ is bytes:
        ignore = rawget(v, b"ignore_error_stats_update")
        e = ScriptError(_map_crlf(err), bool(ignore))
        errors.append(e)
        return e
    ok = rawget(v, b"ok")
    if ok.__class__ is bytes:
        return reply.simple(_map_crlf(ok))
    double = rawget(v, b"double")
    if double.__class__ in (int, float):
        return reply.Double(float(double))
    big = rawget(v, b"big_number")
    if big.__class__ is bytes:
        return BigNumber(_map_crlf(big))
    verbatim = rawget(v, b"verbatim_string")
    if verbatim is not None and lua_type(verbatim) == "table":
        fmt = rawget(verbatim, b"format")
        if fmt.__class__ is bytes:
            text = rawget(verbatim, b"string")
            if text.__class__ is bytes:
                return reply.Verbatim(text, fmt[:3])
    mapping = rawget(v, b"map")
    if mapping is not None and lua_type(mapping) == "table":
        items = []
        for key, value in mapping.items():
            items.append(to_reply(key, rawget, script_resp, errors, top + 4))
            items.append(to_reply(value, rawget, script_resp, errors, top + 3))
        return reply.Map(items)
    members = rawget(v, b"set")
    if members is not None and lua_type(members) == "table":
        return reply.Set([to_reply(key, rawget, script_resp, errors, top + 3) for key in members.keys()])
    items = []
    i = 1
    while True:
        item = rawget(v, i)
        if item is None:
            break
        items.append(to_reply(item, rawget, script_resp, errors, top + 1))
        i += 1
    return reply.array(items)
