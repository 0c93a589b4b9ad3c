"""lua-cmsgpack 0.4.0 as Redis ships it: MessagePack ``pack``/``unpack``.

Numbers that are exact 64-bit integers pack as the smallest integer type,
other numbers as a float when the value survives the round trip through
single precision, else as a double.  A table packs as an array when its keys
are exactly 1..N, otherwise as a map; tables nested 16 deep pack as nil.
Strings use fixstr/str8/str16/str32.  Unpacking returns every value of the
stream (``unpack``), or a next offset first (``unpack_one``/``unpack_limit``,
-1 once the input is consumed).
"""
import struct

_float = struct.Struct(">f")
_double = struct.Struct(">d")


def pack_double(x):
    """mp_encode_double(): 0xca and 4 bytes when the float equals the double, else 0xcb."""
    x = float(x)
    try:
        as_float = _float.pack(x)
    except OverflowError:
        return b"\xcb" + _double.pack(x)
    if _float.unpack(as_float)[0] == x:
        return b"\xca" + as_float
    return b"\xcb" + _double.pack(x)


def pack_int(n):
    """mp_encode_int() for integers outside the fixnum ranges."""
    n = int(n)
    if n >= 0:
        if n <= 0xFF:
            return b"\xcc" + n.to_bytes(1, "big")
        if n <= 0xFFFF:
            return b"\xcd" + n.to_bytes(2, "big")
        if n <= 0xFFFFFFFF:
            return b"\xce" + n.to_bytes(4, "big")
        return b"\xcf" + n.to_bytes(8, "big")
    if n >= -128:
        return b"\xd0" + n.to_bytes(1, "big", signed=True)
    if n >= -32768:
        return b"\xd1" + n.to_bytes(2, "big", signed=True)
    if n >= -2147483648:
        return b"\xd2" + n.to_bytes(4, "big", signed=True)
    return b"\xd3" + n.to_bytes(8, "big", signed=True)


def unpack_number(kind, data):
    """The value of a 0xca/0xcb/0xcf/0xd3 body as a Lua number."""
    if kind == 0xCA:
        return _float.unpack(data)[0]
    if kind == 0xCB:
        return _double.unpack(data)[0]
    # Redis's lua_pushunsigned() is lua_pushinteger(): uint 64 reads as signed too.
    return float(int.from_bytes(data, "big", signed=True))


HELPERS = (pack_double, pack_int, unpack_number)

LUA = r"""
local C, pack_double, pack_int, unpack_number = ...
local byte, sub, char, format = string.byte, string.sub, string.char, string.format
local concat, select, pcall, type, next, unpack = table.concat, select, pcall, type, next, unpack
local error = error
local floor, huge = math.floor, math.huge
local raise, argerror, checkstring, checkinteger, int32 = C.raise, C.argerror, C.checkstring, C.checkinteger, C.int32

local MAX_NESTING, MAXCSTACK, INT_MAX = 16, 8000, 2147483647

------------------------------------------------------------------ pack

local function be(n, width)
  local out = {}
  for i = width, 1, -1 do
    out[i] = n % 256
    n = floor(n / 256)
  end
  return char(unpack(out, 1, width))
end

local function header(len, fix, small, b8, b16, b32)
  if len < small then return char(fix + len) end
  if b8 and len <= 0xff then return char(b8, len) end
  if len <= 0xffff then return char(b16) .. be(len, 2) end
  return char(b32) .. be(len, 4)
end

local function number(x)
  if x == floor(x) and x >= -9223372036854775808 and x < 9223372036854775808 then
    if x >= 0 and x <= 127 then return char(x) end
    if x < 0 and x >= -32 then return char(x + 256) end
    return pack_int(x)
  end
  return pack_double(x ~= x and format('%.17g', x) or x)
end

-- table_is_an_array(): keys exactly 1..N.
local function is_array(t)
  local count, max = 0, 0
  for k in next, t do
    if type(k) ~= 'number' or k <= 0 or k ~= floor(k) or k > INT_MAX then return false end
    if k > max then max = k end
    count = count + 1
  end
  return max == count
end

local encode

encode = function(v, level, buf, n)
  local t = type(v)
  if t == 'table' and level == MAX_NESTING then t = 'nil' end
  if t == 'string' then
    n = n + 1; buf[n] = header(#v, 0xa0, 32, 0xd9, 0xda, 0xdb)
    n = n + 1; buf[n] = v
  elseif t == 'boolean' then
    n = n + 1; buf[n] = v and '\195' or '\194'
  elseif t == 'number' then
    n = n + 1; buf[n] = number(v)
  elseif t == 'table' then
    if is_array(v) then
      local len = #v
      n = n + 1; buf[n] = header(len, 0x90, 16, nil, 0xdc, 0xdd)
      for j = 1, len do n = encode(v[j], level + 1, buf, n) end
    else
      local len = 0
      for _ in next, v do len = len + 1 end
      n = n + 1; buf[n] = header(len, 0x80, 16, nil, 0xde, 0xdf)
      for k, val in next, v do
        n = encode(k, level + 1, buf, n)
        n = encode(val, level + 1, buf, n)
      end
    end
  else
    n = n + 1; buf[n] = '\192'
  end
  return n
end

local function pack(nargs, ...)
  if nargs == 0 then argerror(0, 'MessagePack pack needs input.') end
  if nargs * 2 > MAXCSTACK then argerror(0, 'Too many arguments for MessagePack pack.') end
  local buf, n = {}, 0
  for i = 1, nargs do
    n = encode((select(i, ...)), 0, buf, n)
  end
  return concat(buf, '', 1, n)
end

------------------------------------------------------------------ unpack

local EOF, BADFMT = {}, {}
local STACK = 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)'

local function need(s, p, len)
  if #s - p + 1 < len then error(EOF, 0) end
end

local function uint(s, p, width)
  local n = 0
  for i = p, p + width - 1 do n = n * 256 + byte(s, i) end
  return n
end

local function sint(s, p, width)
  local n = uint(s, p, width)
  local half = 2 ^ (8 * width - 1)
  if n >= half then n = n - 2 * half end
  return n
end

local decode

local function decode_array(s, p, len, top)
  if top + 2 > MAXCSTACK then error('stack overflow (in function mp_decode_to_lua_array)', 0) end
  local t = {}
  for i = 1, len do
    t[i], p = decode(s, p, top + 2)
  end
  return t, p
end

local function decode_map(s, p, len, top)
  local t = {}
  for _ = 1, len do
    local k, v
    k, p = decode(s, p, top + 1)
    v, p = decode(s, p, top + 2)
    if k == nil then error({false, 'table index is nil'}, 0) end
    if k ~= k then error({false, 'table index is NaN'}, 0) end
    t[k] = v
  end
  return t, p
end

-- One value at s[p] (1-based); top is the C stack depth mp_decode_to_lua_type() would have.
decode = function(s, p, top)
  need(s, p, 1)
  if top + 1 > MAXCSTACK then error(STACK, 0) end
  local c = byte(s, p)
  if c < 0x80 then return c, p + 1 end
  if c >= 0xe0 then return c - 256, p + 1 end
  if c >= 0xa0 and c < 0xc0 then
    local l = c - 0xa0
    need(s, p, 1 + l)
    return sub(s, p + 1, p + l), p + 1 + l
  end
  if c >= 0x90 and c < 0xa0 then return decode_array(s, p + 1, c - 0x90, top) end
  if c >= 0x80 and c < 0x90 then return decode_map(s, p + 1, c - 0x80, top) end
  if c == 0xc0 then return nil, p + 1 end
  if c == 0xc2 then return false, p + 1 end
  if c == 0xc3 then return true, p + 1 end
  if c == 0xcc then need(s, p, 2); return byte(s, p + 1), p + 2 end
  if c == 0xd0 then need(s, p, 2); return sint(s, p + 1, 1), p + 2 end
  if c == 0xcd then need(s, p, 3); return uint(s, p + 1, 2), p + 3 end
  if c == 0xd1 then need(s, p, 3); return sint(s, p + 1, 2), p + 3 end
  if c == 0xce then need(s, p, 5); return uint(s, p + 1, 4), p + 5 end
  if c == 0xd2 then need(s, p, 5); return sint(s, p + 1, 4), p + 5 end
  if c == 0xca then need(s, p, 5); return unpack_number(c, sub(s, p + 1, p + 4)), p + 5 end
  if c == 0xcb or c == 0xcf or c == 0xd3 then
    need(s, p, 9)
    return unpack_number(c, sub(s, p + 1, p + 8)), p + 9
  end
  if c == 0xd9 then
    need(s, p, 2)
    local l = byte(s, p + 1)
    need(s, p, 2 + l)
    return sub(s, p + 2, p + 1 + l), p + 2 + l
  end
  if c == 0xda or c == 0xdb then
    local w = c == 0xda and 2 or 4
    need(s, p, 1 + w)
    local l = uint(s, p + 1, w)
    p = p + 1 + w
    need(s, p, l)
    return sub(s, p, p + l - 1), p + l
  end
  if c == 0xdc or c == 0xdd then
    local w = c == 0xdc and 2 or 4
    need(s, p, 1 + w)
    return decode_array(s, p + 1 + w, uint(s, p + 1, w), top)
  end
  if c == 0xde or c == 0xdf then
    local w = c == 0xde and 2 or 4
    need(s, p, 1 + w)
    return decode_map(s, p + 1 + w, uint(s, p + 1, w), top)
  end
  error(BADFMT, 0)
end

-- mp_unpack_full(): the values (after the next offset unless decoding everything).
local function unpack_full(s, limit, offset, top)
  local len = #s
  -- offset and limit are 64-bit; the messages print them as C ints.
  if offset < 0 or limit < 0 then
    error(format('Invalid request to unpack with offset of %d and limit of %d.', int32(offset), int32(len)), 0)
  elseif offset > len then
    error(format('Start offset %d greater than input length %d.', int32(offset), int32(len)), 0)
  end
  local decode_all = limit == 0 and offset == 0
  if decode_all then limit = huge end
  local res, cnt = {}, 0
  local p = offset + 1
  local first = decode_all and 0 or 1
  while p <= len and cnt < limit do
    local ok, v, np = pcall(decode, s, p, top + cnt)
    if not ok then
      if v == EOF then error('Missing bytes in input.', 0) end
      if v == BADFMT then error('Bad data format in input.', 0) end
      error(v, 0)
    end
    cnt = cnt + 1
    res[first + cnt] = v
    p = np
  end
  if not decode_all then
    res[1] = p > len and -1 or p - 1
    cnt = cnt + 1
  end
  return res, cnt
end

local function unpack_all(nargs, s)
  return unpack_full(checkstring(nargs, 1, s), 0, 0, nargs > 0 and nargs or 1)
end

local function unpack_one(nargs, s, offset)
  if nargs >= 2 and offset ~= nil then offset = checkinteger(nargs, 2, offset) else offset = 0 end
  return unpack_full(checkstring(nargs, 1, s), 1, offset, 1)
end

local function unpack_limit(nargs, s, limit, offset)
  limit = checkinteger(nargs, 2, limit)
  if nargs >= 3 and offset ~= nil then offset = checkinteger(nargs, 3, offset) else offset = 0 end
  return unpack_full(checkstring(nargs, 1, s), limit, offset, 1)
end

local function results(f)
  return function(...)
    local ok, r, cnt = pcall(f, select('#', ...), ...)
    if ok then return unpack(r, 1, cnt) end
    raise(r)
  end
end

local M = {}
M.pack = function(...)
  local ok, r = pcall(pack, select('#', ...), ...)
  if ok then return r end
  raise(r)
end
M.unpack = results(unpack_all)
M.unpack_one = results(unpack_one)
M.unpack_limit = results(unpack_limit)
M._NAME = 'cmsgpack'
M._VERSION = 'lua-cmsgpack 0.4.0'
M._COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo'
M._DESCRIPTION = 'MessagePack C implementation for Lua'
return M
"""
