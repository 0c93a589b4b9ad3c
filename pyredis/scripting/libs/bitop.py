"""LuaBitOp 1.0.2 (``bit``): operations on 32-bit values, results as signed numbers.

A number becomes 32 bits as LuaBitOp does it: add 2^52+2^51 in double
precision and keep the low 32 bits of the result's representation.  Below
2^51 in magnitude that is the number rounded half-to-even, modulo 2^32, which
Lua computes exactly; larger magnitudes, infinities and NaN go through the
double's bits in Python.  AND, OR and XOR combine 4-bit digits through
16x16 tables.
"""
import struct

_MAGIC = 6755399441055744.0
_MASK = 0xFFFFFFFF
_double = struct.Struct("<d")
_uint64 = struct.Struct("<Q")


def tobits(x):
    """The low 32 bits of ``x + 2^52 + 2^51`` as a double, unsigned."""
    return float(_uint64.unpack(_double.pack(float(x) + _MAGIC))[0] & _MASK)


HELPERS = (tobits,)

LUA = r"""
local C, tobits = ...
local select, pcall, tonumber, format, sub = select, pcall, tonumber, string.format, string.sub
local floor = math.floor
local raise, typeerror = C.raise, C.typeerror

local MAGIC, LIMIT, TWO32, TWO31 = 6755399441055744, 2251799813685248, 4294967296, 2147483648

-- barg(): numbers and numeric strings as unsigned 32-bit values; anything else is a type error.
local function barg(n, i, v)
  local x = tonumber(v)
  if x == nil then typeerror(n, i, v, 'number') end
  if x > -LIMIT and x < LIMIT then return ((x + MAGIC) - MAGIC) % TWO32 end
  return tobits(x)
end

-- 16x16 tables of AND, OR and XOR of two 4-bit digits.
local AND, OR, XOR = {}, {}, {}
for x = 0, 15 do
  for y = 0, 15 do
    local a, o, e, m, p, q = 0, 0, 0, 1, x, y
    for _ = 1, 4 do
      local bp, bq = p % 2, q % 2
      if bp + bq == 2 then a = a + m end
      if bp + bq >= 1 then o = o + m end
      if bp + bq == 1 then e = e + m end
      p, q, m = (p - bp) / 2, (q - bq) / 2, m * 2
    end
    AND[x * 16 + y], OR[x * 16 + y], XOR[x * 16 + y] = a, o, e
  end
end

local function combine(t, a, b)
  local r, m = 0, 1
  for _ = 1, 8 do
    local x, y = a % 16, b % 16
    r = r + t[x * 16 + y] * m
    a, b, m = (a - x) / 16, (b - y) / 16, m * 16
  end
  return r
end

local function signed(u)
  if u >= TWO31 then return u - TWO32 end
  return u
end

local function wrap(impl)
  return function(...)
    local ok, r = pcall(impl, select('#', ...), ...)
    if ok then return r end
    raise(r)
  end
end

local function unary(f)
  return wrap(function(n, a) return signed(f(barg(n, 1, a))) end)
end

-- The shift count is the second argument's low 5 bits.
local function shift(f)
  return wrap(function(n, a, b)
    a = barg(n, 1, a)
    return signed(f(a, barg(n, 2, b) % 32))
  end)
end

-- band/bor/bxor check argument 1, then the others from the last one down.
local function variadic(t)
  return wrap(function(n, a, b, ...)
    a = barg(n, 1, a)
    if n <= 1 then return signed(a) end
    if n == 2 then return signed(combine(t, a, barg(n, 2, b))) end
    local rest = {...}
    for i = n, 3, -1 do rest[i - 2] = barg(n, i, rest[i - 2]) end
    a = combine(t, a, barg(n, 2, b))
    for i = 1, n - 2 do a = combine(t, a, rest[i]) end
    return signed(a)
  end)
end

local function bswap(u)
  local b0, b1, b2 = u % 256, floor(u / 256) % 256, floor(u / 65536) % 256
  return ((b0 * 256 + b1) * 256 + b2) * 256 + floor(u / 16777216)
end

local hex = wrap(function(n, a, b)
  a = barg(n, 1, a)
  local digits, fmt = 8, '%08x'
  if n >= 2 then
    digits = signed(barg(n, 2, b))
    if digits < 0 then
      fmt = '%08X'
      -- -INT_MIN overflows in C; the build ends up printing 8 digits.
      digits = digits == -TWO31 and 8 or -digits
    end
    if digits > 8 then digits = 8 end
  end
  return sub(format(fmt, a), 9 - digits)
end)

-- One constructor, in luaL_register's order, so the table is laid out (and iterates) as Redis's.
return {
  tobit = unary(function(u) return u end),
  bnot = unary(function(u) return TWO32 - 1 - u end),
  band = variadic(AND), bor = variadic(OR), bxor = variadic(XOR),
  lshift = shift(function(u, k) return (u * 2 ^ k) % TWO32 end),
  rshift = shift(function(u, k) return floor(u / 2 ^ k) end),
  arshift = shift(function(u, k) return floor(signed(u) / 2 ^ k) % TWO32 end),
  rol = shift(function(u, k) return (u * 2 ^ k) % TWO32 + floor(u / 2 ^ (32 - k)) end),
  ror = shift(function(u, k) return floor(u / 2 ^ k) + (u * 2 ^ (32 - k)) % TWO32 end),
  bswap = unary(bswap),
  tohex = hex,
}
"""
