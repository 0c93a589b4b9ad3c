"""LuaBitOp 1.0.2 (``bit``): operations on 32-bit values, results as signed numbers.

A number becomes 32 bits as LuaBitOp does it: add 2^52+2^51 in double
precision and keep the low 32 bits of the result's representation.
"""
import struct

_MAGIC = 6755399441055744.0
_MASK = 0xFFFFFFFF
_double = struct.Struct("<d")
_uint64 = struct.Struct("<Q")


def _bits(x):
    return _uint64.unpack(_double.pack(float(x) + _MAGIC))[0] & _MASK


def _signed(b):
    return float(b - 0x100000000 if b & 0x80000000 else b)


def _fold(op, args):
    b = _bits(args[0])
    for x in args[1:]:
        b = op(b, _bits(x))
    return b


def _rol(b, n):
    return ((b << n) | (b >> (32 - n))) & _MASK


def _ror(b, n):
    return ((b >> n) | (b << (32 - n))) & _MASK


_SHIFTS = {
    b"lshift": lambda b, n: (b << n) & _MASK,
    b"rshift": lambda b, n: b >> n,
    b"arshift": lambda b, n: ((b - 0x100000000 if b & 0x80000000 else b) >> n) & _MASK,
    b"rol": _rol,
    b"ror": _ror,
}


def bitop(name, *args):
    """Apply the LuaBitOp function ``name`` to already type-checked numbers."""
    if name == b"tobit":
        return _signed(_bits(args[0]))
    if name == b"bnot":
        return _signed(~_bits(args[0]) & _MASK)
    if name == b"bswap":
        return _signed(int.from_bytes(_bits(args[0]).to_bytes(4, "little"), "big"))
    if name == b"band":
        return _signed(_fold(int.__and__, args))
    if name == b"bor":
        return _signed(_fold(int.__or__, args))
    if name == b"bxor":
        return _signed(_fold(int.__xor__, args))
    return _signed(_SHIFTS[name](_bits(args[0]), _bits(args[1]) & 31))


def tohex(x, n):
    b = _bits(x)
    n = _bits(n)
    n = n - 0x100000000 if n & 0x80000000 else n
    digits = "0123456789abcdef"
    if n < 0:
            # -INT_MIN overflows; the C build ends up printing 8 digits.
        n = 8 if n == -0x80000000 else -n
        digits = "0123456789ABCDEF"
    n = min(n, 8)
    out = []
    for _ in range(n):
        out.append(digits[b & 15])
        b >>= 4
    return "".join(reversed(out)).encode()


HELPERS = (bitop, tohex)

LUA = r"""
local C, bitop, tohex = ...
local select, pcall, tonumber, unpack = select, pcall, tonumber, unpack
local raise, typeerror = C.raise, C.typeerror

-- barg(): numbers and numeric strings; anything else is a type error.
local function barg(n, i, v)
  local x = tonumber(v)
  if x == nil then typeerror(n, i, v, 'number') end
  return x
end

local function wrap(impl)
  return function(...)
    local ok, r = pcall(impl, select('#', ...), ...)
    if ok then return r end
    raise(r)
  end
end

local function unary(name)
  return wrap(function(n, a) return bitop(name, barg(n, 1, a)) end)
end

local function binary(name)
  return wrap(function(n, a, b)
    a = barg(n, 1, a)
    return bitop(name, a, barg(n, 2, b))
  end)
end

-- band/bor/bxor check argument 1, then the others from the last one down.
local function variadic(name)
  return wrap(function(n, ...)
    local args = {...}
    args[1] = barg(n, 1, args[1])
    for i = n, 2, -1 do args[i] = barg(n, i, args[i]) end
    return bitop(name, unpack(args, 1, n > 0 and n or 1))
  end)
end

local hex = wrap(function(n, a, b)
  a = barg(n, 1, a)
  if n < 2 then return tohex(a, 8) end
  return tohex(a, barg(n, 2, b))
end)

-- One constructor, in luaL_register's order, so the table is laid out (and iterates) as Redis's.
return {
  tobit = unary('tobit'), bnot = unary('bnot'),
  band = variadic('band'), bor = variadic('bor'), bxor = variadic('bxor'),
  lshift = binary('lshift'), rshift = binary('rshift'), arshift = binary('arshift'),
  rol = binary('rol'), ror = binary('ror'), bswap = unary('bswap'), tohex = hex,
}
"""
