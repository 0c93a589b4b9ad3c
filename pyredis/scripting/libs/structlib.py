"""Roberto Ierusalimschy's struct library as Redis ships it (lua_struct.c).

Formats: ``<`` ``>`` little/big endian, ``!n`` maximum alignment, ``b B h H
l L T i[n] I[n]`` integers (long and size_t are 8 bytes, int 4, at most 32),
``f d`` floats, ``x`` padding, ``s`` zero-terminated and ``c[n]`` fixed
strings.  Integers are converted through a 64-bit integer as the C code does.
"""
import struct

_U64 = (1 << 64) - 1
_I64_MIN = -(1 << 63)


def _c_uint64(x):
    """The 64-bit pattern C gets from a double: ``(Uinttype)(Itype)n`` when negative."""
    x = float(x)
    if x < 0:
        v = int(x) if x >= -9.223372036854775808e18 else _I64_MIN
        return v & _U64
    if x != x:
        return 1 << 63
    if x < 9.223372036854775808e18:
        return int(x)
    if x < 1.8446744073709551616e19:
        return int(x)
    return 0


def putinteger(x, size, little):
    """``size`` bytes of the integer ``x``; bytes past the 64 bits of the value are zero."""
    data = _c_uint64(x).to_bytes(32, "little")[:size]
    return data if little else data[::-1]


def getinteger(data, little, signed):
    """The number ``data`` holds, wrapped to 64 bits as the C code's shifts wrap."""
    value = int.from_bytes(data if not little else data[::-1], "big") & _U64
    if signed:
        shift = (len(data) * 8 - 1) & 63
        mask = (_U64 << shift) & _U64
        if value & mask:
            value |= mask
        if value & (1 << 63):
            value -= 1 << 64
    return float(value)


def packfloat(x, size, little):
    x = float(x)
    fmt = ("<" if little else ">") + ("f" if size == 4 else "d")
    try:
        return struct.pack(fmt, x)
    except OverflowError:
        return struct.pack(fmt, float("inf") if x > 0 else float("-inf"))


def unpackfloat(data, little):
    fmt = ("<" if little else ">") + ("f" if len(data) == 4 else "d")
    return struct.unpack(fmt, data)[0]


HELPERS = (putinteger, getinteger, packfloat, unpackfloat)

LUA = r"""
local C, putinteger, getinteger, packfloat, unpackfloat = ...
local byte, sub, find, rep, format = string.byte, string.sub, string.find, string.rep, string.format
local concat, unpack, select, pcall, tonumber = table.concat, unpack, select, pcall, tonumber
local error = error
local floor = math.floor
local raise, argerror, checknumber, checkstring, checkinteger =
  C.raise, C.argerror, C.checknumber, C.checkstring, C.checkinteger

local MAXINTSIZE, MAXALIGN, MAXCSTACK = 32, 8, 8000

-- The format is a C string: it ends at the first NUL.
local function cformat(n, v)
  local fmt = checkstring(n, 1, v)
  local z = find(fmt, '\0', 1, true)
  if z then fmt = sub(fmt, 1, z - 1) end
  return fmt
end

local function isdigit(c) return c and c >= 48 and c <= 57 end

local function getnum(fmt, i, df)
  local c = byte(fmt, i)
  if not isdigit(c) then return df, i end
  local a = 0
  repeat
    local d = c - 48
    if a > 214748364 or a * 10 > 2147483647 - d then error('integral size overflow', 0) end
    a = a * 10 + d
    i = i + 1
    c = byte(fmt, i)
  until not isdigit(c)
  return a, i
end

local SIZES = {b = 1, B = 1, h = 2, H = 2, l = 8, L = 8, T = 8, f = 4, d = 8, x = 1}

local function optsize(opt, fmt, i)
  local s = SIZES[opt]
  if s then return s, i end
  if opt == 'c' then return getnum(fmt, i, 1) end
  if opt == 'i' or opt == 'I' then
    local sz
    sz, i = getnum(fmt, i, 4)
    if sz > MAXINTSIZE then
      error(format('integral size %d is larger than limit of %d', sz, MAXINTSIZE), 0)
    end
    return sz, i
  end
  return 0, i
end

-- x & m for a mask below 64 (the offset taken modulo 2^64 as a size_t is).
local function band_small(x, m)
  local r, bitv = 0, 1
  x = x % 64
  while m > 0 do
    if m % 2 == 1 and x % 2 == 1 then r = r + bitv end
    m = floor(m / 2); x = floor(x / 2); bitv = bitv * 2
  end
  return r
end

local function masked(x, a)
  if a >= 64 then return x % a end  -- a power of two: the alignment
  return band_small(x, a - 1)
end

local function gettoalign(len, align, opt, size)
  if size == 0 or opt == 'c' then return 0 end
  local a = size > align and align or size
  return masked(a - masked(len, a), a)
end

local function isp2(x)
  if x <= 0 then return false end
  while x % 2 == 0 do x = x / 2 end
  return x == 1
end

-- Returns endian (true = little), align.
local function controloptions(opt, fmt, i, little, align)
  if opt == ' ' then return i, little, align end
  if opt == '>' then return i, false, align end
  if opt == '<' then return i, true, align end
  if opt == '!' then
    local a
    a, i = getnum(fmt, i, MAXALIGN)
    if not isp2(a) then error(format('alignment %d is not a power of 2', a), 0) end
    return i, little, a
  end
  argerror(1, format("invalid format option '%s'", opt))
end

local INTS = {b = true, B = true, h = true, H = true, l = true, L = true, T = true, i = true, I = true}

-- A float's exact value for Python, keeping the sign of zero.
local function exact(x)
  if x == 0 and 1 / x < 0 then return '-0' end
  return x
end

local function pack(n, ...)
  local args = {...}
  local fmt = cformat(n, args[1])
  -- b_pack() pushes a nil after its arguments: a missing one reads as nil.
  n = n + 1
  local out, k = {}, 0
  local little, align, arg, total = true, 1, 2, 0
  local i, len = 1, #fmt
  while i <= len do
    local opt = sub(fmt, i, i)
    i = i + 1
    local size
    size, i = optsize(opt, fmt, i)
    local toalign = gettoalign(total, align, opt, size)
    total = total + toalign
    if toalign > 0 then k = k + 1; out[k] = rep('\0', toalign) end
    if INTS[opt] then
      local x = checknumber(n, arg, args[arg])
      arg = arg + 1
      k = k + 1; out[k] = putinteger(x, size, little)
    elseif opt == 'x' then
      k = k + 1; out[k] = '\0'
    elseif opt == 'f' or opt == 'd' then
      local x = checknumber(n, arg, args[arg])
      arg = arg + 1
      k = k + 1; out[k] = packfloat(exact(x), size, little)
    elseif opt == 'c' or opt == 's' then
      local s = checkstring(n, arg, args[arg])
      arg = arg + 1
      local l = #s
      if size == 0 then size = l end
      if l < size then argerror(arg, 'string too short') end
      k = k + 1; out[k] = sub(s, 1, size)
      if opt == 's' then
        k = k + 1; out[k] = '\0'
        size = size + 1
      end
    else
      i, little, align = controloptions(opt, fmt, i, little, align)
    end
    total = total + size
  end
  return concat(out, '', 1, k)
end

local function fits(pos, size, ld)
  return size <= ld and pos >= 0 and pos <= ld - size
end

local function unpack_impl(n, f, data, init)
  local fmt = cformat(n, f)
  data = checkstring(n, 2, data)
  local ld = #data
  local pos = 1
  if n >= 3 and init ~= nil then pos = checkinteger(n, 3, init) end
  if pos == 0 then argerror(3, 'offset must be 1 or greater') end
  pos = pos - 1
  local res, cnt = {}, 0
  local little, align = true, 1
  local i, len = 1, #fmt
  while i <= len do
    local opt = sub(fmt, i, i)
    i = i + 1
    local size
    size, i = optsize(opt, fmt, i)
    pos = pos + gettoalign(pos, align, opt, size)
    if not fits(pos, size, ld) then argerror(2, 'data string too short') end
    if n + cnt + 2 > MAXCSTACK then error('stack overflow (too many results)', 0) end
    if INTS[opt] then
      cnt = cnt + 1
      res[cnt] = getinteger(sub(data, pos + 1, pos + size), little, opt >= 'a')
    elseif opt == 'x' then
    elseif opt == 'f' or opt == 'd' then
      cnt = cnt + 1
      res[cnt] = unpackfloat(sub(data, pos + 1, pos + size), little)
    elseif opt == 'c' then
      if size == 0 then
        local prev = res[cnt]
        if cnt == 0 or tonumber(prev) == nil then error("format 'c0' needs a previous size", 0) end
        size = tonumber(prev)
        size = size >= 0 and floor(size) or -1
        res[cnt] = nil
        cnt = cnt - 1
        if not fits(pos, size, ld) then argerror(2, 'data string too short') end
      end
      cnt = cnt + 1
      res[cnt] = sub(data, pos + 1, pos + size)
    elseif opt == 's' then
      local e = find(data, '\0', pos + 1, true)
      if not e then error('unfinished string in data', 0) end
      size = e - pos
      cnt = cnt + 1
      res[cnt] = sub(data, pos + 1, e - 1)
    else
      i, little, align = controloptions(opt, fmt, i, little, align)
    end
    pos = pos + size
  end
  cnt = cnt + 1
  res[cnt] = pos + 1
  return res, cnt
end

local function size_impl(n, f)
  local fmt = cformat(n, f)
  local little, align, pos = true, 1, 0
  local i, len = 1, #fmt
  while i <= len do
    local opt = sub(fmt, i, i)
    i = i + 1
    local size
    size, i = optsize(opt, fmt, i)
    pos = pos + gettoalign(pos, align, opt, size)
    if opt == 's' then
      argerror(1, "option 's' has no fixed size")
    elseif opt == 'c' and size == 0 then
      argerror(1, "option 'c0' has no fixed size")
    end
    if not find(opt, '^%w') then
      i, little, align = controloptions(opt, fmt, i, little, align)
    end
    pos = pos + size
  end
  return pos
end

-- One constructor, in luaL_register's order, so the table is laid out as Redis's.
return {
  pack = function(...)
    local ok, r = pcall(pack, select('#', ...), ...)
    if ok then return r end
    raise(r)
  end,
  unpack = function(...)
    local ok, r, cnt = pcall(unpack_impl, select('#', ...), ...)
    if ok then return unpack(r, 1, cnt) end
    raise(r)
  end,
  size = function(...)
    local ok, r = pcall(size_impl, select('#', ...), ...)
    if ok then return r end
    raise(r)
  end,
}
"""
