"""cjson, cmsgpack, struct and bit against redis-server's own.

Each snippet runs as ``EVAL <snippet> 0`` on a real redis-server and as a
chunk named ``@user_script`` in a local Lua 5.1 runtime with
``install_all``; the local result is converted to RESP2 as Redis converts a
script's return value, and the raw replies must be equal.  Snippets return
strings (``D`` serialises any value, keeping table iteration order), so the
comparison covers exact bytes, number formatting and error texts (caught with
``pcall``).  An uncaught error is compared as the whole reply,
``-ERR <message> script: <sha>, on @user_script:<line>.``, built locally the
way Redis builds it from its error handler (see ``RUNNER``).
"""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lupa.lua51 import LuaRuntime

from pyredis.scripting.libs import install_all
from respclient import RawClient

PRELUDE = (
    "local D; D = function(v) local t = type(v) "
    "if t == 'string' then return string.format('%q', v) "
    "elseif t == 'number' then return string.format('%.17g', v) "
    "elseif t == 'table' then local r = {} for k, x in next, v do r[#r + 1] = D(k) .. '=' .. D(x) end "
    "return '{' .. table.concat(r, ',') .. '}' "
    "elseif t == 'userdata' then return 'U:' .. tostring(v) else return tostring(v) end end "
    "local function P(...) return select('#', ...) .. ':' .. D({...}) end "
)


def _deny(obj, name, setting):
    raise AttributeError(name)


def make_runtime():
    lua = LuaRuntime(register_eval=False, register_builtins=False, unpack_returned_tuples=True,
                     encoding=None, attribute_filter=_deny)
    install_all(lua)
    return lua


def to_resp(value, lua_type):
    """A Lua return value as Redis 7.0 replies it in RESP2."""
    if value is None:
        return b"$-1\r\n"
    if isinstance(value, bool):
        return b":1\r\n" if value else b"$-1\r\n"
    if isinstance(value, (int, float)):
        return b":%d\r\n" % int(value)
    if isinstance(value, bytes):
        return b"$%d\r\n%b\r\n" % (len(value), value)
    if lua_type(value) == "table":
        err = value[b"err"]
        if isinstance(err, bytes):
            return b"-" + err + b"\r\n"
        ok = value[b"ok"]
        if isinstance(ok, bytes):
            return b"+" + ok + b"\r\n"
        items = []
        i = 1
        while value[i] is not None:
            items.append(to_resp(value[i], lua_type))
            i += 1
        return b"*%d\r\n" % len(items) + b"".join(items)
    return b"$-1\r\n"


@pytest.fixture(scope="module")
def oracle(real_redis):
    client = RawClient(real_redis.port)
    yield client
    client.close()


@pytest.fixture(scope="module")
def local_lua():
    return make_runtime()


# Runs a script as Redis 7.0 does: compiled as "@user_script", called under an
# error handler that reports the script line that raised.  Redis's handler
# looks past one C frame; the libraries' own Lua frames (source SOURCE) stand
# in for Redis's C functions and are skipped the same way.
RUNNER = b"""
local code, source = ...
local dbg = debug
local function handler(err)
  local level = 2
  local i = dbg.getinfo(level, 'nSl')
  while i and (i.what == 'C' or i.source == source) do
    level = level + 1
    i = dbg.getinfo(level, 'nSl')
  end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    err.source = i.source
    err.line = i.currentline
  end
  return err
end
local f = assert(loadstring(code, '@user_script'))
local ok, value = xpcall(f, handler)
return {ok, value}
"""


@pytest.fixture
def check(oracle, local_lua):
    import hashlib

    import lupa
    from pyredis.scripting.libs import SOURCE

    runner = local_lua.execute(b"return function(...) " + RUNNER + b" end")

    def run(snippet):
        script = PRELUDE + snippet
        theirs = oracle.cmd("EVAL", script, "0")
        result = runner(script.encode(), SOURCE.encode())
        ok, value = result[1], result[2]
        if ok:
            mine = to_resp(value, lupa.lua_type)
        else:
            sha = hashlib.sha1(script.encode()).hexdigest().encode()
            mine = b"-%b script: %b, on %b:%d.\r\n" % (value[b"err"], sha, value[b"source"], value[b"line"])
        assert mine == theirs, "%s\n  local: %r\n  redis: %r" % (snippet, mine, theirs)
        return theirs

    return run


CJSON = [
    "return cjson.encode({1, 2, 3})",
    "return cjson.encode({})",
    "return cjson.encode({a = {}, b = {{}}})",
    "return cjson.encode({1, nil, 3})",
    "return cjson.encode({[1] = 1, [3] = 3})",
    "return D({pcall(cjson.encode, {[1] = 1, [20] = 2})})",
    "return cjson.encode({[1] = 1, [10] = 2})",
    "return cjson.encode({[1] = 1, [11] = 2, [12] = 3, [2] = 1, [3] = 1, [4] = 1})",
    "return cjson.encode({[0] = 1})",
    "return cjson.encode({[2^31] = 1}) .. cjson.encode({[2^53] = 1}) .. cjson.encode({[1] = 1, [2^31] = 2})",
    "return D({pcall(cjson.encode, {[1] = 1, [2^31 - 1] = 2})})",
    "return cjson.encode({[1/0] = 1}) .. cjson.encode({[-1/0] = 1})",
    "local r = P(cjson.encode_sparse_array(false, 1, 0)) .. D({pcall(cjson.encode, {1, nil, 3})}) "
    ".. D({pcall(cjson.encode, {1, 2, 3})}) cjson.encode_sparse_array(false, 2, 10) return r",
    "local r = P(cjson.encode_sparse_array(true, 2^31 - 1, 0)) .. D({pcall(cjson.encode, {1, 2, nil, 4})}) "
    "cjson.encode_sparse_array(false, 2, 10) return r",
    "local r = P(cjson.encode_sparse_array(nil, 2^32 + 3, '7')) cjson.encode_sparse_array(false, 2, 10) return r",
    "return cjson.encode({[-1] = 1, [1.5] = 2})",
    "return cjson.encode({a = 1, b = 'x', c = true, d = false, [1] = 5})",
    "return cjson.encode({x = {y = {z = {1, 2, {w = 'v'}}}}})",
    "return cjson.encode('abc')",
    "return cjson.encode(12)",
    "return cjson.encode(true)",
    "return cjson.encode(false)",
    "return cjson.encode(nil)",
    "return cjson.encode(cjson.null)",
    "return cjson.encode({cjson.null, 1})",
    "return cjson.encode(string.char(0, 1, 7, 8, 9, 10, 11, 12, 13, 14, 31, 32, 34, 39, 47, 92, 127, 128, 255))",
    "return cjson.encode('h\\195\\169llo / \"q\"')",
    "return cjson.encode({0.1, 1/3, -2.5, 1e300, 1e-300, 123456789012345678, 2^53, -0.0, 100, 1e15, 1e16})",
    "return cjson.encode({3.14159265358979, 0.000001, 12345678901234.5})",
    "return D({pcall(cjson.encode, math.huge)})",
    "return D({pcall(cjson.encode, -math.huge)})",
    "return D({pcall(cjson.encode, 0/0)})",
    "return D({pcall(cjson.encode, {[math.huge] = 1})})",
    "return D({pcall(cjson.encode, function() end)})",
    "return D({pcall(cjson.encode, {f = function() end})})",
    "return D({pcall(cjson.encode, coroutine.create(function() end))})",
    "return D({pcall(cjson.encode, {[true] = 1})})",
    "return D({pcall(cjson.encode, {[{}] = 1})})",
    "return D({pcall(cjson.encode)})",
    "return D({pcall(cjson.encode, 1, 2)})",
    "return D({pcall(function() local x = cjson.encode() return x end)})",
    "return D({pcall(function() local x = cjson.encode(1, 2) return x end)})",
    "return D({pcall(function() local x = cjson:encode(1) return x end)})",
    "return D({pcall(function() local x = cjson:decode() return x end)})",
    "return D({pcall(function() local x = bit:band(1) return x end)})",
    "return D({pcall(function() local x = struct:pack('i', 1) return x end)})",
    "return D({pcall(function() local x = cmsgpack:unpack_limit('a') return x end)})",
    "return D({pcall(function() local enc = cjson.encode local x = enc() return x end)})",
    "local t = {f = bit.tohex} return D({pcall(function() local x = t.f({}) return x end)})",
    "local t = {} t[1] = t return D({pcall(cjson.encode, t)})",
    "local t = {} t.a = t return D({pcall(cjson.encode, t)})",
    "local x = cjson.encode(function() end) return x",
    "local x = cjson.decode('[1,') return x",
    # decode
    "return D(cjson.decode('[1,2,3]'))",
    "return D(cjson.decode('{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}'))",
    "return D(cjson.decode(' \\t\\r\\n [ 1 , 2 ] \\n'))",
    "return D(cjson.decode('\"\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00\\\\n\\\\t\\\\\\\\\\\\/\\\\b\\\\f\\\\r\\\\\"\"'))",
    "return D(cjson.decode('\"\\\\u0000x\"'))",
    "return D(cjson.decode('[1e5, -0, 0.5, -1.25e-3, 1E2, 12345678901234567890]'))",
    "return D(cjson.decode('[0x10, -0x1p4, inf, -Infinity, nan, +5, 01, 1.]'))",
    "return D(cjson.decode('123'))",
    "return D(cjson.decode(123))",
    "return D(cjson.decode('null'))",
    "return D(cjson.decode('[null]')[1] == cjson.null)",
    "return D(cjson.decode('{}'))",
    "return D(cjson.decode('[]'))",
    "return D(cjson.decode('[1]\\0garbage'))",
    "return D(cjson.decode('{\"a\":1,\"a\":2}'))",
    "return D({pcall(cjson.decode, '')})",
    "return D({pcall(cjson.decode, '[1,2')})",
    "return D({pcall(cjson.decode, '[1 2]')})",
    "return D({pcall(cjson.decode, '{1:2}')})",
    "return D({pcall(cjson.decode, '{\"a\" 2}')})",
    "return D({pcall(cjson.decode, '{\"a\":2 \"b\"}')})",
    "return D({pcall(cjson.decode, '{\"a\":}')})",
    "return D({pcall(cjson.decode, '[1,]')})",
    "return D({pcall(cjson.decode, '[1]x')})",
    "return D({pcall(cjson.decode, 'tru')})",
    "return D({pcall(cjson.decode, 'nul')})",
    "return D({pcall(cjson.decode, 'foo')})",
    "return D({pcall(cjson.decode, '.5')})",
    "return D({pcall(cjson.decode, '-')})",
    "return D({pcall(cjson.decode, '- 1')})",
    "return D({pcall(cjson.decode, '1e')})",
    "return D({pcall(cjson.decode, '\"abc')})",
    "return D({pcall(cjson.decode, '\"a\\\\qb\"')})",
    "return D({pcall(cjson.decode, '\"a\\\\u12\"')})",
    "return D({pcall(cjson.decode, '\"a\\\\u12g4\"')})",
    "return D({pcall(cjson.decode, '\"\\\\ud800\"')})",
    "return D({pcall(cjson.decode, '\"\\\\udc00\\\\ud800\"')})",
    "return D({pcall(cjson.decode, '\"\\\\ud800\\\\u0041\"')})",
    "return D({pcall(cjson.decode, '\"a\\\\')})",
    "return D({pcall(cjson.decode, '\\0[]')})",
    "return D({pcall(cjson.decode, '[\\0]')})",
    "return D({pcall(cjson.decode, '[1]\\0')})",
    "return D({pcall(cjson.decode)})",
    "return D({pcall(cjson.decode, 'a', 'b')})",
    "return D({pcall(cjson.decode, {})})",
    "return D({pcall(cjson.decode, nil)})",
    "return D({pcall(cjson.decode, string.rep('[', 1001) .. string.rep(']', 1001))})",
    "return D({pcall(cjson.decode, string.rep('{\"a\":', 1001))})",
    "return #cjson.encode(cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)))",
    "local t = {} local c = t for i = 1, 1000 do c[1] = {} c = c[1] end return D({pcall(cjson.encode, t)})",
    "local t = {} local c = t for i = 1, 999 do c[1] = {} c = c[1] end return #cjson.encode(t)",
    "cjson.encode_max_depth(10000) local t = {} local c = t for i = 1, 9000 do c[1] = {} c = c[1] end "
    "local r = D({pcall(cjson.encode, t)}) cjson.encode_max_depth(1000) return r",
    "cjson.encode_max_depth(10000) local t = {} local c = t for i = 1, 5000 do c.k = {} c = c.k end "
    "local r = D({pcall(cjson.encode, t)}) cjson.encode_max_depth(1000) return r",
    "cjson.decode_max_depth(100000) local r = D({pcall(cjson.decode, string.rep('[', 9000) .. string.rep(']', 9000))}) "
    "cjson.decode_max_depth(1000) return r",
    "cjson.decode_max_depth(100000) local r = D({pcall(cjson.decode, string.rep('{\"a\":', 5000))}) "
    "cjson.decode_max_depth(1000) return r",
    "cjson.decode_max_depth(100000) local r = #cjson.encode(cjson.decode(string.rep('[', 900) .. string.rep(']', 900))) "
    "cjson.decode_max_depth(1000) return r",
    # settings
    "return P(cjson.encode_sparse_array())",
    "return P(cjson.encode_max_depth())",
    "return P(cjson.decode_max_depth())",
    "return P(cjson.encode_number_precision())",
    "return P(cjson.encode_keep_buffer())",
    "return P(cjson.encode_invalid_numbers())",
    "return P(cjson.decode_invalid_numbers())",
    "local r = P(cjson.encode_number_precision(3)) .. cjson.encode({3.14159, 1234567}) "
    "cjson.encode_number_precision(14) return r",
    "return D({pcall(cjson.encode_number_precision, 15)})",
    "return D({pcall(cjson.encode_number_precision, 0)})",
    "return D({pcall(cjson.encode_number_precision, 'x')})",
    "return D({pcall(cjson.encode_number_precision, 1, 2)})",
    "return D({pcall(cjson.encode_sparse_array, 1, 2, 3, 4)})",
    "local r = P(cjson.encode_sparse_array(true, 3, 5)) .. cjson.encode({[1] = 1, [20] = 2}) "
    "cjson.encode_sparse_array(false, 2, 10) return r",
    "local r = P(cjson.encode_sparse_array('on')) .. P(cjson.encode_sparse_array('off')) return r",
    "return D({pcall(cjson.encode_sparse_array, 'maybe')})",
    "return D({pcall(cjson.encode_sparse_array, nil, -1)})",
    "local r = P(cjson.encode_sparse_array(nil, 0)) .. cjson.encode({[1] = 1, [100] = 2}) "
    "cjson.encode_sparse_array(nil, 2) return r",
    "local r = P(cjson.encode_invalid_numbers('on')) .. cjson.encode({math.huge, -math.huge, 0/0}) "
    ".. P(cjson.encode_invalid_numbers('null')) .. cjson.encode({math.huge, 0/0, {[1/0] = 1}}) "
    ".. P(cjson.encode_invalid_numbers(false)) return r",
    "local r = P(cjson.encode_invalid_numbers(true)) cjson.encode_invalid_numbers('off') return r",
    "return D({pcall(cjson.encode_invalid_numbers, 'maybe')})",
    "local r = P(cjson.decode_invalid_numbers(false)) "
    "for _, s in ipairs({'0x10', 'inf', 'nan', '+1', '01', '-0x1', '-inf', '1', '-1.5', '-0'}) do "
    "r = r .. D({pcall(cjson.decode, s)}) end cjson.decode_invalid_numbers(true) return r",
    "local r = P(cjson.encode_max_depth(2)) .. D({pcall(cjson.encode, {{{1}}})}) .. cjson.encode({{1}}) "
    "cjson.encode_max_depth(1000) return r",
    "local r = P(cjson.decode_max_depth(2)) .. D({pcall(cjson.decode, '[[[1]]]')}) "
    ".. D({pcall(cjson.decode, '{\"a\":{\"b\":{}}}')}) cjson.decode_max_depth(1000) return r",
    "return D({pcall(cjson.encode_max_depth, 0)})",
    "local r = P(cjson.encode_keep_buffer(false)) .. cjson.encode({1}) .. P(cjson.encode_keep_buffer(true)) return r",
    "local c = cjson.new() c.encode_number_precision(2) return cjson.encode(1.2345) .. c.encode(1.2345) "
    ".. D(c.null == cjson.null) .. D(c._VERSION) .. D(c._NAME)",
    "return D(cjson._NAME) .. D(cjson._VERSION) .. type(cjson.null) .. tostring(cjson.null) .. type(cjson.encode)",
    "local r = {} for k, v in pairs(cjson) do r[#r + 1] = k end return table.concat(r, ' ')",
    "local r = {} for k, v in pairs(cjson.new()) do r[#r + 1] = k end return table.concat(r, ' ')",
    "local t = cjson.decode('{\"b\":1,\"a\":2,\"c\":3,\"d\":{\"x\":1,\"y\":2}}') return cjson.encode(t)",
    "return cjson.encode(cjson.decode('{\"key1\":\"v\",\"key2\":[1,2,{\"k\":null}],\"key3\":-0.5}'))",
]

STRUCT = [
    "return struct.pack('>i', 1) .. struct.pack('<i', 1) .. struct.pack('i', -2)",
    "return struct.pack('bBhHlLT', -1, 255, -2, 65535, -3, 4, 5)",
    "return struct.pack('>bBhHlLT', -1, 255, -2, 65535, -3, 4, 5)",
    "return struct.pack('i1i2i3i5i7i8i16I3', 1, 2, 3, 4, 5, 6, -7, 8)",
    "return struct.pack('>i16<i16', -1, -1)",
    "return struct.pack('b', 300) .. struct.pack('B', -1) .. struct.pack('h', 1e6)",
    "return struct.pack('l', 2^63) .. struct.pack('L', 2^64) .. struct.pack('l', -2^64) .. struct.pack('L', 2^70)",
    "return struct.pack('l', 0/0) .. struct.pack('l', math.huge) .. struct.pack('l', -math.huge)",
    "return struct.pack('i', 1.9) .. struct.pack('i', -1.9) .. struct.pack('i', '12') .. struct.pack('i', '0x10')",
    "return struct.pack('<f>f<d>d', 1.5, -2.25, 0.1, -0.0)",
    "return struct.pack('f', 1e300) .. struct.pack('f', -1e300) .. struct.pack('d', 0/0) .. struct.pack('f', 1e-50)",
    "return struct.pack('xbxxh', 1, 2)",
    "local z = 0 z = -z return struct.pack('>d<f', z, z) .. cmsgpack.pack(z) .. cjson.encode(z) .. tostring(z) "
    ".. P(struct.unpack('>d', struct.pack('>d', z)))",
    "return struct.pack('!bi', 1, 2) .. struct.pack('!2bi', 1, 2) .. struct.pack('!bd', 1, 2) .. struct.pack('!4bhbl', 1, 2, 3, 4)",
    "return struct.pack('!bi3', 1, 2) .. struct.pack('!16bi5', 1, 2)",
    "return struct.pack('s', 'abc') .. struct.pack('c', 'xyz') .. struct.pack('c2', 'xyz') .. struct.pack('c0', 'whole')",
    "return struct.pack('sc0', 'a\\0b', 'q') .. struct.pack('s', 12)",
    "return struct.pack(' < i > i ', 1, 2)",
    "return struct.pack('')",
    "return struct.pack('i\\0garbage', 5)",
    "return D({pcall(struct.pack, 'q', 1)})",
    "return D({pcall(struct.pack, '=i', 1)})",
    "return D({pcall(struct.pack, 'i')})",
    "return D({pcall(struct.pack, 'i', 'x')})",
    "return D({pcall(struct.pack, 'i', {})})",
    "return D({pcall(struct.pack, 'bi', 1, nil)})",
    "return D({pcall(struct.pack, 'c3', 'ab')})",
    "return D({pcall(struct.pack, 's', {})})",
    "return D({pcall(struct.pack, 'i33', 1)})",
    "return D({pcall(struct.pack, 'i99999999999', 1)})",
    "return D({pcall(struct.pack, '!3i', 1)})",
    "return D({pcall(struct.pack, '!0i', 1)})",
    "return D({pcall(struct.pack, '!65i', 1)})",
    "return struct.pack('!64bd', 1, 2) .. struct.size('!128bdi3') .. struct.size('!1bd')",
    "return D({pcall(struct.pack)})",
    "return D({pcall(struct.pack, {})})",
    "return D({pcall(struct.pack, 5)})",
    "local x = struct.pack('q') return x",
    "return D({pcall(function() local x = struct.pack('i', 'z') return x end)})",
    "return P(struct.unpack('>i<i', struct.pack('>i<i', 7, -7)))",
    "return P(struct.unpack('bBhHlLT', struct.pack('bBhHlLT', -1, 255, -2, 65535, -3, 4, 5)))",
    "return P(struct.unpack('i3I3i5', '\\255\\255\\255\\255\\255\\255\\1\\2\\3\\4\\255'))",
    "return P(struct.unpack('<i16', string.rep('\\255', 16))) .. P(struct.unpack('>I16', string.rep('\\1', 16)))",
    "return P(struct.unpack('<i9', string.rep('\\128', 9))) .. P(struct.unpack('<I8', string.rep('\\255', 8)))",
    "return P(struct.unpack('<l', '\\0\\0\\0\\0\\0\\0\\0\\128'))",
    "return P(struct.unpack('<f>f<d>d', struct.pack('<f>f<d>d', 1.5, 0.1, 0.1, -0.0)))",
    "return P(struct.unpack('sc3c0', 'abc\\0xyzhello'))",
    "return P(struct.unpack('bc0', '\\3abcdef'))",
    "return P(struct.unpack('!4bi', '\\1\\0\\0\\0\\2\\0\\0\\0'))",
    "return P(struct.unpack('i', '\\1\\0\\0\\0\\2\\0\\0\\0', 5))",
    "return P(struct.unpack('xxb', '\\1\\2\\3'))",
    "return P(struct.unpack('', 'abc'))",
    "return P(struct.unpack('', 'abc', 7))",
    "return P(struct.unpack('b', 'abc', '2'))",
    "return P(struct.unpack('b', 'abc', 2.7))",
    "return P(struct.unpack('b', 'abc', nil))",
    "return P(struct.unpack(5, 'abcdefgh'))",
    "return D({pcall(struct.unpack, 'i', 'abc')})",
    "return D({pcall(struct.unpack, 'b', 'abc', 0)})",
    "return D({pcall(struct.unpack, 'b', 'abc', -1)})",
    "return D({pcall(struct.unpack, 'b', 'abc', 4)})",
    "return D({pcall(struct.unpack, 'b', 'abc', 'x')})",
    "return D({pcall(struct.unpack, 's', 'abc')})",
    "return D({pcall(struct.unpack, 'c0', 'abc')})",
    "return D({pcall(struct.unpack, 'bc0', '\\9abc')})",
    "return D({pcall(struct.unpack, 'sc0', 'a\\0bc')})",
    "return D({pcall(struct.unpack, 'q', 'abc')})",
    "return D({pcall(struct.unpack, 'i')})",
    "return D({pcall(struct.unpack, 'i', {})})",
    "return D({pcall(struct.unpack)})",
    "return select('#', struct.unpack(string.rep('b', 7990), string.rep('a', 7990)))",
    "return D({pcall(struct.unpack, string.rep('b', 8000), string.rep('a', 8000))})",
    "return struct.size('bhilfdT') .. ' ' .. struct.size('!bhilfdT') .. ' ' .. struct.size('c10xi3') .. ' ' .. struct.size('')",
    "return struct.size('!2bd') .. ' ' .. struct.size('q') .. ' ' .. struct.size('<>b') .. ' ' .. struct.size('!bi3')",
    "return D({pcall(struct.size, 's')})",
    "return D({pcall(struct.size, 'c0')})",
    "return D({pcall(struct.size, '=')})",
    "return D({pcall(struct.size, 'i40')})",
    "return D({pcall(struct.size)})",
    "local r = {} for k in pairs(struct) do r[#r + 1] = k end return table.concat(r, ' ')",
]

BIT = [
    "return P(bit.tobit(1), bit.tobit(-1), bit.tobit(2^32), bit.tobit(2^31), bit.tobit(2^32 + 5), bit.tobit(-2^31 - 1))",
    "return P(bit.tobit(0.5), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-0.5), bit.tobit(-1.5), bit.tobit(1e10), bit.tobit(1e300))",
    "return P(bit.tobit(2^52 + 3), bit.tobit(2^53 + 2), bit.tobit(2^60 + 2^40 + 7), bit.tobit(-2^60 - 1), bit.tobit(0/0), bit.tobit(math.huge))",
    "return P(bit.tobit('12'), bit.tobit('0x10'), bit.tobit(' 7 '))",
    "return P(bit.bnot(0), bit.bnot(-1), bit.bnot(0x12345678), bit.bnot(2^32))",
    "return P(bit.band(0xff, 0x0f), bit.band(-1, 0x7fffffff, 0xffff), bit.band(5), bit.band(1, 2, 3, 4))",
    "return P(bit.bor(1, 2), bit.bor(0x80000000, 1), bit.bor(7), bit.bxor(0xff, 0x0f), bit.bxor(-1, 1, 2))",
    "return P(bit.lshift(1, 0), bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.lshift(-1, 4), bit.lshift(1, -1))",
    "return P(bit.rshift(-1, 1), bit.rshift(-1, 31), bit.rshift(256, 4), bit.rshift(1, 32), bit.rshift(-16, 36))",
    "return P(bit.arshift(-256, 4), bit.arshift(256, 4), bit.arshift(-1, 31), bit.arshift(0x80000000, 1), bit.arshift(7, 33))",
    "return P(bit.rol(0x12345678, 8), bit.rol(-1, 5), bit.rol(1, 32), bit.ror(0x12345678, 8), bit.ror(1, 1), bit.ror(1, 0))",
    "return P(bit.bswap(0x12345678), bit.bswap(-1), bit.bswap(0x80), bit.bswap(0))",
    "return P(bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -2), bit.tohex(0x12345678, 4), bit.tohex(1, 10))",
    "return P(bit.tohex(0xabcdef, -8), bit.tohex(1, 0), bit.tohex(1, -2^31), bit.tohex(1, 2^32 + 3), bit.tohex(-1, -9))",
    "return D({pcall(bit.band, 1, {})})",
    "return D({pcall(bit.band, {}, 1)})",
    "return D({pcall(bit.band, 1, 'x', {})})",
    "return D({pcall(bit.band)})",
    "return D({pcall(bit.bor, 1, nil)})",
    "return D({pcall(bit.tobit)})",
    "return D({pcall(bit.tobit, 'abc')})",
    "return D({pcall(bit.lshift, 1)})",
    "return D({pcall(bit.lshift, nil, 1)})",
    "return D({pcall(bit.tohex, 1, nil)})",
    "return D({pcall(bit.tohex, true)})",
    "return D({pcall(function() local x = bit.band({}) return x end)})",
    "local x = bit.bxor(1, true) return x",
    "local r = {} for k in pairs(bit) do r[#r + 1] = k end return table.concat(r, ' ')",
    "return type(bit.band) .. type(struct.pack) .. type(cmsgpack.pack) .. D(bit._VERSION)",
]

CMSGPACK = [
    "return cmsgpack.pack(0, 1, 127, 128, 255, 256, 65535, 65536, 2^32 - 1, 2^32, 2^53, 2^63 - 2^10)",
    "return cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2^31, -2^31 - 1, -2^53, -2^63)",
    "return cmsgpack.pack(2^63, 2^64, -2^64, 1.5, 0.1, -0.0, 1e300, 1e-300, 3.4e38, 1e39)",
    "return cmsgpack.pack(math.huge, -math.huge, 0/0)",
    "return cmsgpack.pack(true, false, nil, 'x', '')",
    "return cmsgpack.pack(string.rep('a', 31), string.rep('b', 32), string.rep('c', 255), string.rep('d', 256))",
    "return #cmsgpack.pack(string.rep('e', 65535)) .. ' ' .. #cmsgpack.pack(string.rep('f', 65536))",
    "return cmsgpack.pack(string.rep('e', 65536)):sub(1, 8)",
    "return cmsgpack.pack({}, {1, 2, 3}, {a = 1}, {1, nil, 3}, {[1] = 1, [3] = 3}, {[2] = 2})",
    "return cmsgpack.pack({[0] = 1}, {[1.5] = 1}, {[-1] = 1}, {1, 2, x = 3}, {[2^31] = 1})",
    "return cmsgpack.pack({a = {b = {c = {1, 2, {d = 'e'}}}}, [true] = false})",
    "local t = {} for i = 1, 15 do t[i] = i end local u = {} for i = 1, 16 do u[i] = i end return cmsgpack.pack(t, u)",
    "local t = {} for i = 1, 15 do t['k' .. i] = i end local u = {} for i = 1, 16 do u['k' .. i] = i end return cmsgpack.pack(t, u)",
    "local t = {} for i = 1, 70000 do t[i] = 1 end return cmsgpack.pack(t):sub(1, 8)",
    "local t = {} t[1] = t return cmsgpack.pack(t)",
    "local t = {} t.a = t return cmsgpack.pack(t)",
    "return cmsgpack.pack(function() end, coroutine.create(function() end), cjson.null)",
    "local t = setmetatable({}, {__index = function(t, k) return k * 10 end}) t[1] = 1 t[2] = 2 return cmsgpack.pack(t)",
    "return D({pcall(cmsgpack.pack)})",
    "local x = cmsgpack.pack() return x",
    "return P(cmsgpack.unpack(cmsgpack.pack(1, -1, 300, -300, 70000, -70000, 2^40, -2^40, 1.5, 0.1, 'str', true, false)))",
    "return P(cmsgpack.unpack(cmsgpack.pack({1, 2, {3, {a = 'b'}}}, {x = {y = 'z'}})))",
    "return P(cmsgpack.unpack(cmsgpack.pack(nil, 1, nil)))",
    "return P(cmsgpack.unpack(''))",
    "return P(cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255\\211\\128\\0\\0\\0\\0\\0\\0\\0'))",
    "return P(cmsgpack.unpack('\\217\\3abc\\218\\0\\2xy\\219\\0\\0\\0\\1z'))",
    "return P(cmsgpack.unpack('\\220\\0\\2\\1\\2\\221\\0\\0\\0\\1\\3\\222\\0\\1\\161a\\1\\223\\0\\0\\0\\1\\1\\2'))",
    "return P(cmsgpack.unpack('\\202\\127\\128\\0\\0\\203\\127\\248\\0\\0\\0\\0\\0\\0'))",
    "return P(cmsgpack.unpack('\\130\\192\\1\\161a\\2'))",
    "return D({pcall(cmsgpack.unpack, '\\129\\192\\1')})",
    "return D({pcall(cmsgpack.unpack, '\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1')})",
    "return P(cmsgpack.unpack('\\129\\161a\\192'))",
    "return D({pcall(cmsgpack.unpack, '\\193')})",
    "return D({pcall(cmsgpack.unpack, '\\1\\196\\1a')})",
    "return D({pcall(cmsgpack.unpack, '\\205\\1')})",
    "return D({pcall(cmsgpack.unpack, '\\147\\1\\2')})",
    "return D({pcall(cmsgpack.unpack, '\\165abc')})",
    "return D({pcall(cmsgpack.unpack, '\\219\\0\\0\\0\\9abc')})",
    "return D({pcall(cmsgpack.unpack)})",
    "return D({pcall(cmsgpack.unpack, {})})",
    "return P(cmsgpack.unpack(5))",
    "local x = cmsgpack.unpack('\\193') return x",
    "local x = cmsgpack.unpack('\\129\\192\\1') return x",
    "local a = 1\nlocal b = 2\nlocal x = cmsgpack.unpack_limit('\\1', -1)\nreturn x",
    "local a = 1\n\nlocal x = cjson.decode('{\"a\":}')\nreturn x",
    "local t = {}\nfor i = 1, 3 do\n  t[i] = bit.tohex(i)\nend\nlocal x = struct.unpack('>i', 'ab')\nreturn x",
    "local s = cmsgpack.pack(1, 'two', {3}) return P(cmsgpack.unpack_one(s)) .. P(cmsgpack.unpack_one(s, 1)) "
    ".. P(cmsgpack.unpack_one(s, 5)) .. P(cmsgpack.unpack_one(s, 6))",
    "local s = cmsgpack.pack(1, 2, 3) return P(cmsgpack.unpack_limit(s, 2)) .. P(cmsgpack.unpack_limit(s, 2, 2)) "
    ".. P(cmsgpack.unpack_limit(s, 0)) .. P(cmsgpack.unpack_limit(s, 0, 1)) .. P(cmsgpack.unpack_limit(s, 5))",
    "return D({pcall(cmsgpack.unpack_one, '\\1', -1)})",
    "return D({pcall(cmsgpack.unpack_one, '\\1', 5)})",
    "return P(cmsgpack.unpack_one('\\1', 1))",
    "return D({pcall(cmsgpack.unpack_limit, '\\1\\2', -1)})",
    "return D({pcall(cmsgpack.unpack_limit, '\\1\\2')})",
    "return D({pcall(cmsgpack.unpack_limit, '\\1\\2', 'x')})",
    "return D({pcall(cmsgpack.unpack_one, {}, 'x')})",
    "return D({pcall(cmsgpack.unpack_one, {})})",
    "return P(cmsgpack.unpack_one('\\1\\2', '1'))",
    "return P(cmsgpack.unpack_one('\\1\\2', 2^32 + 1))",
    "return select('#', cmsgpack.unpack(string.rep('\\1', 7990)))",
    "return D({pcall(cmsgpack.unpack, string.rep('\\1', 8000))})",
    "return D({pcall(cmsgpack.unpack, string.rep('\\145', 5000) .. '\\1')})",
    "return D({pcall(cmsgpack.unpack, string.rep('\\129\\1', 5000) .. '\\1')})",
    "return D({pcall(cmsgpack.unpack, string.rep('\\129\\1', 3999) .. '\\1')})",
    "return D({pcall(cmsgpack.unpack, string.rep('\\1', 3000) .. string.rep('\\145', 2500) .. '\\1')})",
    "return D({pcall(cmsgpack.unpack_one, string.rep('\\145', 3998) .. '\\1')})",
    "return #cmsgpack.pack(cmsgpack.unpack(string.rep('\\145', 3990) .. '\\1'))",
    "return D(cmsgpack._NAME) .. D(cmsgpack._VERSION) .. D(cmsgpack._COPYRIGHT) .. D(cmsgpack._DESCRIPTION)",
    "local r = {} for k in pairs(cmsgpack) do r[#r + 1] = k end return table.concat(r, ' ')",
    "return cmsgpack.pack(cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":1.5}'))",
]


@pytest.mark.parametrize("snippet", CJSON)
def test_cjson(check, snippet):
    check(snippet)


@pytest.mark.parametrize("snippet", STRUCT)
def test_struct(check, snippet):
    check(snippet)


@pytest.mark.parametrize("snippet", BIT)
def test_bit(check, snippet):
    check(snippet)


@pytest.mark.parametrize("snippet", CMSGPACK)
def test_cmsgpack(check, snippet):
    check(snippet)


def test_library_functions_are_lua_functions(local_lua):
    kinds = local_lua.execute(b"""
        local r = {}
        for _, lib in ipairs({cjson, cmsgpack, struct, bit}) do
            for k, v in pairs(lib) do
                if type(v) ~= 'function' and type(v) ~= 'string' and v ~= cjson.null then
                    r[#r + 1] = k
                end
            end
        end
        return table.concat(r, ' ')
    """)
    assert kinds == b""


def test_tail_call_patch_knows_every_library_function(local_lua):
    from pyredis.scripting.tailcalls import FUNCTION_NAMES
    names = local_lua.execute(b"""
        local r = {}
        for _, lib in ipairs({cjson, cmsgpack, struct, bit}) do
            for k, v in pairs(lib) do
                if type(v) == 'function' then r[#r + 1] = k end
            end
        end
        return table.concat(r, ' ')
    """)
    assert set(names.split()) == FUNCTION_NAMES


# Lua source for random values: Lua reads them back as the same doubles.
def lua_number(x):
    if x != x:
        return "(0/0)"
    if x in (float("inf"), float("-inf")):
        return "(1/0)" if x > 0 else "(-1/0)"
    return "(%r)" % x


def lua_string(b):
    return '"' + "".join("\\%d" % c for c in b) + '"'


def lua_literal(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return lua_number(float(v))
    if isinstance(v, bytes):
        return lua_string(v)
    if isinstance(v, list):
        return "{" + ",".join(lua_literal(x) for x in v) + "}"
    return "{" + ",".join("[%s]=%s" % (lua_literal(k), lua_literal(x)) for k, x in v.items()) + "}"


numbers = st.one_of(
    st.integers(min_value=-2**64, max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, -0.5, 2**31, -2**31, 2**32, 2**53, 1e300, 0.1]),
)
keys = st.one_of(st.binary(max_size=6), st.integers(min_value=-3, max_value=40))


def containers(children):
    return st.lists(children, max_size=6) | st.dictionaries(keys, children, max_size=6)


values = st.recursive(st.one_of(st.booleans(), numbers, st.binary(max_size=40)), containers, max_leaves=20)

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(values)
def test_cjson_random_tables(check, value):
    literal = lua_literal(value)
    check("local ok, r = pcall(cjson.encode, %s) if not ok then return 'E' .. r end "
          "local ok2, back = pcall(cjson.decode, r) return r .. D(back)" % literal)


@FUZZ
@given(st.lists(values, min_size=1, max_size=4))
def test_cmsgpack_random_values(check, items):
    literal = ",".join(lua_literal(v) for v in items)
    check("local s = cmsgpack.pack(%s) return s .. '|' .. P(cmsgpack.unpack(s))" % literal)


@FUZZ
@given(st.binary(max_size=24))
def test_cmsgpack_random_bytes(check, data):
    check("return D({pcall(cmsgpack.unpack, %s)})" % lua_string(data))


@FUZZ
@given(st.lists(numbers, min_size=2, max_size=4), st.integers(min_value=-40, max_value=40))
def test_bit_random(check, nums, shift):
    args = ",".join(lua_number(float(x)) for x in nums)
    first = lua_number(float(nums[0]))
    check("return P(bit.band(%s), bit.bor(%s), bit.bxor(%s), bit.tobit(%s), bit.bnot(%s), bit.bswap(%s), "
          "bit.lshift(%s, %d), bit.rshift(%s, %d), bit.arshift(%s, %d), bit.rol(%s, %d), bit.ror(%s, %d), "
          "bit.tohex(%s, %d))" % ((args, args, args, first, first, first) + (first, shift) * 6))


@FUZZ
@given(st.sampled_from(["b", "B", "h", "H", "i", "I", "l", "L", "T", "i3", "I5", "i12", "f", "d"]),
       st.sampled_from(["<", ">", "!4", "!8<", ">!2"]), numbers)
def test_struct_random(check, opt, prefix, x):
    fmt = prefix + "b" + opt
    check("local s = struct.pack('%s', 1, %s) return s .. '|' .. P(struct.unpack('%s', s)) .. struct.size('%s')"
          % (fmt, lua_number(float(x)), fmt, fmt))


@FUZZ
@given(st.text(alphabet='[]{}:,"\\/ -+.0123456789eExXpPabfilnrstuINFu\x00\t\n', max_size=24))
def test_cjson_random_text(check, text):
    data = lua_string(text.encode())
    check("local r = D({pcall(cjson.decode, %s)}) cjson.decode_invalid_numbers(false) "
          "r = r .. D({pcall(cjson.decode, %s)}) cjson.decode_invalid_numbers(true) return r" % (data, data))


@FUZZ
@given(st.text(alphabet="<>!=bBhHlLTiIfdxsc0123456789 q", max_size=8), st.binary(max_size=24),
       st.lists(st.one_of(numbers, st.binary(max_size=6)), max_size=4))
def test_struct_random_formats(check, fmt, data, args):
    f = lua_string(fmt.encode())
    literal = ",".join([f] + [lua_literal(a) for a in args])
    check("return D({pcall(struct.pack, %s)}) .. D({pcall(struct.unpack, %s, %s)}) .. D({pcall(struct.size, %s)})"
          % (literal, f, lua_string(data), f))


def test_libraries_read_no_globals():
    # The engine reshapes the scripts' globals; the libraries hold what they use.
    lua = make_runtime()
    result = lua.execute(b"""
        local cjson, cmsgpack, struct, bit, pcall, pairs, next = cjson, cmsgpack, struct, bit, pcall, pairs, next
        local tostring, table = tostring, table
        local G = _G
        local saved = {}
        for k, v in pairs(G) do saved[k] = v end
        for k in pairs(saved) do G[k] = nil end
        local ok, err = pcall(function()
            local out = {}
            local t = cjson.decode('{"a":[1,2.5,"x",null,true,{"b":-1e300}],"c":"\\\\u00e9"}')
            out[#out + 1] = cjson.encode(t)
            out[#out + 1] = cjson.new().encode({1, 2})
            out[#out + 1] = tostring(cjson.encode_invalid_numbers('off'))
            out[#out + 1] = cmsgpack.pack(t, 1.5, -70000, 'str')
            local u = {cmsgpack.unpack(out[#out])}
            local v = {cmsgpack.unpack_limit(out[#out - 1] or '', 1, 0)}
            out[#out + 1] = struct.pack('>!4bi3dsc0', 1, 2, 0.5, 'z', 'q')
            local w = {struct.unpack('>!4bi3ds', out[#out])}
            out[#out + 1] = struct.size('>!4bi3d')
            out[#out + 1] = bit.tohex(bit.band(bit.bor(1, 2^40), bit.bxor(7, 1), 255), -4)
            out[#out + 1] = bit.rol(bit.lshift(1, 5), 30) + bit.arshift(-256, 4) + bit.bswap(1) + bit.tobit(2^60)
            for _, f in next, {
                function() return cjson.decode('[1,') end,
                function() return cjson.encode(function() end) end,
                function() return cjson.encode_number_precision(99) end,
                function() return cmsgpack.unpack('\\193') end,
                function() return cmsgpack.unpack('\\129\\192\\1') end,
                function() return struct.pack('q') end,
                function() return struct.unpack('i', 'ab') end,
                function() return struct.size('s') end,
                function() return struct.unpack('s', 'abc') end,
                function() return struct.pack('!3i', 1) end,
                function() return bit.band({}) end,
            } do
                local ok2, e = pcall(f)
                out[#out + 1] = e
            end
            return out
        end)
        for k, v in next, saved do G[k] = v end
        if not ok then return 'failed: ' .. tostring(err) end
        return table.concat(err, '|')
    """)
    assert not result.startswith(b"failed"), result
    assert b"attempt to" not in result, result
    assert b"unfinished string in data|alignment 3 is not a power of 2" in result
    assert b"Expected value but found T_END at character 4" in result
    assert b"bad argument #1 to '?' (number expected, got table)" in result
