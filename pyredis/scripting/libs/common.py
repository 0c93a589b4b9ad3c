"""Argument checks and error raising shared by the Lua libraries.

Redis's libraries are C functions: their errors carry the position of the
script line that called them (``luaL_error``), argument errors name the
function as the caller spelled it (``luaL_argerror``), and a handful of
runtime errors carry no position at all.  The public functions here are Lua
closures, so each one runs its implementation under ``pcall`` and hands what
it raised to ``raise``, which rebuilds the C library's message one level up.

An implementation raises one of:
  a string           -> positioned at the caller's line, as ``luaL_error``;
  ``{narg, msg}``    -> ``bad argument #narg to 'name' (msg)``;
  ``{false, msg}``   -> ``msg`` with no position, as ``luaG_runerror`` from C.
"""

# Frames of the library code carry this source; an error handler that reports
# "the caller of the C function" skips them the way Redis skips C frames.
SOURCE = "=lualibs"

LUA = r"""
-- Kept before the engine removes the debug library from the scripts' globals.
local getinfo = debug and debug.getinfo or function() return nil end
local error, format, type, tostring, tonumber = error, string.format, type, tostring, tonumber
local floor, ceil = math.floor, math.ceil
local C = {}

-- Called directly by a public function with what its implementation raised.
function C.raise(e)
  if type(e) == 'table' then
    local narg, msg = e[1], e[2]
    if narg == false then error(msg, 0) end
    local ar = getinfo(2, 'n')
    local name = ar and ar.name
    if ar and ar.namewhat == 'method' then
      narg = narg - 1
      if narg == 0 then
        error(format("calling '%s' on bad self (%s)", tostring(name), msg), 3)
      end
    end
    e = format("bad argument #%d to '%s' (%s)", narg, name or '?', msg)
  end
  error(e, 3)
end

function C.argerror(narg, msg)
  error({narg, msg}, 0)
end

local function typename(n, i, v)
  if i > n then return 'no value' end
  return type(v)
end
C.typename = typename

function C.typeerror(n, i, v, expected)
  error({i, format('%s expected, got %s', expected, typename(n, i, v))}, 0)
end

-- luaL_checknumber: numbers and strings Lua converts.
function C.checknumber(n, i, v)
  local x = tonumber(v)
  if x == nil then
    error({i, format('number expected, got %s', typename(n, i, v))}, 0)
  end
  return x
end

-- A double cast to a 64-bit integer as x86-64 does it (out of range: INT64_MIN).
local function trunc64(x)
  if x ~= x or x >= 9223372036854775808 or x < -9223372036854775808 then
    return -9223372036854775808
  end
  if x >= 0 then return floor(x) end
  return ceil(x)
end
C.trunc64 = trunc64

-- The low 32 bits of an integer, as a C int.
local function int32(i)
  i = i % 4294967296
  if i >= 2147483648 then i = i - 4294967296 end
  return i
end
C.int32 = int32

-- luaL_checkinteger (lua_Integer is 64 bits).
function C.checkinteger(n, i, v)
  return trunc64(C.checknumber(n, i, v))
end

-- luaL_checkinteger stored into a C int.
function C.checkint(n, i, v)
  return int32(trunc64(C.checknumber(n, i, v)))
end

-- luaL_checklstring: strings, and numbers as Lua formats them.
function C.checkstring(n, i, v)
  local t = type(v)
  if t == 'string' then return v end
  if t == 'number' then return tostring(v) end
  error({i, format('string expected, got %s', typename(n, i, v))}, 0)
end

return C
"""
