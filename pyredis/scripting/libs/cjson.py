"""lua-cjson 2.1.0 as Redis ships it: ``cjson.encode``/``decode`` and its settings.

Numbers print with ``%.<precision>g`` (14 by default), strings escape ``"``,
``\\``, ``/`` and control bytes, tables encode as arrays when every key is a
positive integer and the array is not excessively sparse, otherwise as
objects (so ``{}`` is ``{}``).  Decoding follows the C parser token by token,
with its error texts and 1-based character positions; numbers are read with
``strtod`` (through Lua's own ``tonumber``), so hex, ``inf`` and ``nan`` decode
while ``decode_invalid_numbers`` is on.  Each ``cjson.new()`` instance keeps
its own settings, and ``cjson.null`` is one shared sentinel: a userdata that
prints as Redis's lightuserdata NULL does (``userdata: (nil)``).
"""

HELPERS = ()

LUA = r"""
local C = ...
local byte, sub, find, format, gsub, lower, char =
  string.byte, string.sub, string.find, string.format, string.gsub, string.lower, string.char
local concat, select, pcall, type, tostring, tonumber, next, rawget, rawequal =
  table.concat, select, pcall, type, tostring, tonumber, next, rawget, rawequal
local floor, huge, match = math.floor, math.huge, string.match
local error, ipairs, newproxy, getmetatable = error, ipairs, newproxy, getmetatable
local raise, argerror, typename, checkint, int32 = C.raise, C.argerror, C.typename, C.checkint, C.int32

local MAXCSTACK, INT_MAX = 8000, 2147483647

-- cjson.null: lightuserdata NULL in Redis; one sentinel shared by every instance.
local null = newproxy(true)
do
  local mt = getmetatable(null)
  mt.__tostring = function() return 'userdata: (nil)' end
  mt.__metatable = false
end

local escapes = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/',
  ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
  ['\127'] = '\\u007f',
}
for i = 0, 31 do
  local c = char(i)
  if not escapes[c] then escapes[c] = format('\\u%04x', i) end
end

local function quote(s)
  return '"' .. gsub(s, '[%z\1-\31"\\/\127]', escapes) .. '"'
end

------------------------------------------------------------------ encode

local function number(cfg, x)
  if x ~= x or x == huge or x == -huge then
    local mode = cfg.encode_invalid_numbers
    if mode == 0 then error('Cannot serialise number: must not be NaN or Inf', 0) end
    if mode == 2 then return 'null' end
    if x ~= x then return 'nan' end
  end
  return format(cfg.fmt, x)
end

local encode_value

-- lua_array_length(): the array size, or -1 for an object.
local function array_length(cfg, t)
  local max, items = 0, 0
  for k in next, t do
    if type(k) == 'number' and k ~= 0 and floor(k) == k and k >= 1 then
      if k > max then
        max = k < 2147483648 and k or -2147483648
      end
      items = items + 1
    else
      return -1
    end
  end
  if cfg.sparse_ratio > 0 and max > int32(items * cfg.sparse_ratio) and max > cfg.sparse_safe then
    if not cfg.sparse_convert then error('Cannot serialise table: excessively sparse array', 0) end
    return -1
  end
  return max
end

encode_value = function(cfg, v, depth, top, buf, n)
  local t = type(v)
  if t == 'string' then
    n = n + 1; buf[n] = quote(v)
  elseif t == 'number' then
    n = n + 1; buf[n] = number(cfg, v)
  elseif t == 'boolean' then
    n = n + 1; buf[n] = v and 'true' or 'false'
  elseif t == 'table' then
    depth = depth + 1
    if depth > cfg.encode_max_depth or top + 3 > MAXCSTACK then
      error(format('Cannot serialise, excessive nesting (%d)', depth), 0)
    end
    local len = array_length(cfg, v)
    if len > 0 then
      n = n + 1; buf[n] = '['
      for i = 1, len do
        if i > 1 then n = n + 1; buf[n] = ',' end
        n = encode_value(cfg, rawget(v, i), depth, top + 1, buf, n)
      end
      n = n + 1; buf[n] = ']'
    else
      n = n + 1; buf[n] = '{'
      local comma = false
      for k, val in next, v do
        if comma then n = n + 1; buf[n] = ',' else comma = true end
        local kt = type(k)
        if kt == 'number' then
          n = n + 1; buf[n] = '"' .. number(cfg, k) .. '":'
        elseif kt == 'string' then
          n = n + 1; buf[n] = quote(k) .. ':'
        else
          error(format('Cannot serialise %s: table key must be a number or string', kt), 0)
        end
        n = encode_value(cfg, val, depth, top + 2, buf, n)
      end
      n = n + 1; buf[n] = '}'
    end
  elseif t == 'nil' or rawequal(v, null) then
    n = n + 1; buf[n] = 'null'
  else
    error(format('Cannot serialise %s: type not supported', t), 0)
  end
  return n
end

local function encode(cfg, nargs, v)
  if nargs ~= 1 then argerror(1, 'expected 1 argument') end
  local buf = {}
  local n = encode_value(cfg, v, 0, 1, buf, 0)
  return concat(buf, '', 1, n)
end

------------------------------------------------------------------ decode

local ESCAPES = {
  [34] = '"', [92] = '\\', [47] = '/', [98] = '\b', [102] = '\f',
  [110] = '\n', [114] = '\r', [116] = '\t', [117] = 'u',
}

local function hex4(s, i)
  local h = sub(s, i, i + 3)
  if #h < 4 or find(h, '[^%x]') then return nil end
  return tonumber(h, 16)
end

local function utf8(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then
    return char(0xC0 + floor(cp / 64), 0x80 + cp % 64)
  end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
              0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end

-- A \uXXXX escape (a surrogate pair takes two) at s[i]: the bytes and the escape's length.
local function unicode_escape(s, i)
  local cp = hex4(s, i + 2)
  if not cp then return nil end
  local len = 6
  if cp >= 0xD800 and cp <= 0xDFFF then
    if cp >= 0xDC00 then return nil end
    if sub(s, i + 6, i + 7) ~= '\\u' then return nil end
    local low = hex4(s, i + 8)
    if not low or low < 0xDC00 or low > 0xDFFF then return nil end
    cp = (cp - 0xD800) * 1024 + (low - 0xDC00) + 0x10000
    len = 12
  end
  return utf8(cp), len
end

-- Token: type, value (or the error text), 1-based position, next position.
local function string_token(s, p)
  local parts, k, i = {}, 0, p + 1
  while true do
    local a = find(s, '["\\]', i)
    if not a then return 'T_ERROR', 'unexpected end of string', #s + 1, #s + 1 end
    if a > i then k = k + 1; parts[k] = sub(s, i, a - 1) end
    if byte(s, a) == 34 then return 'T_STRING', concat(parts, '', 1, k), p, a + 1 end
    local r = ESCAPES[byte(s, a + 1)]
    if r == 'u' then
      local str, len = unicode_escape(s, a)
      if not str then return 'T_ERROR', 'invalid unicode escape code', a, a end
      k = k + 1; parts[k] = str
      i = a + len
    elseif not r then
      return 'T_ERROR', 'invalid escape code', a, a
    else
      k = k + 1; parts[k] = r
      i = a + 2
    end
  end
end

-- The longest prefix of s at p that strtod() reads, and its value.
local function strtod(s, p)
  local sign = sub(s, p, p)
  local q = p
  if sign == '-' or sign == '+' then q = q + 1 else sign = '' end
  local tok
  local m = sub(s, q, q + 1)
  if m == '0x' or m == '0X' then
    local mant = match(s, '^%x*%.?%x*', q + 2)
    if find(mant, '%x') then
      tok = sub(s, q, q + 1 + #mant)
      local e = match(s, '^[pP][+-]?%d+', q + #tok)
      if e then tok = tok .. e end
    end
  end
  if not tok then
    local w = lower(sub(s, q, q + 7))
    if w == 'infinity' then
      tok = sub(s, q, q + 7)
    elseif sub(w, 1, 3) == 'inf' then
      tok = sub(s, q, q + 2)
    elseif sub(w, 1, 3) == 'nan' then
      tok = sub(s, q, q + 2)
      local paren = match(s, '^%([%w_]*%)', q + 3)
      if paren then tok = tok .. paren end
    else
      local mant = match(s, '^%d*%.?%d*', q)
      if find(mant, '%d') then
        tok = mant
        local e = match(s, '^[eE][+-]?%d+', q + #mant)
        if e then tok = tok .. e end
      end
    end
  end
  if not tok then return nil end
  return tonumber(sign .. tok), q + #tok
end

local function is_invalid_number(s, p)
  local c = byte(s, p)
  if c == 43 then return true end
  if c == 45 then p = p + 1; c = byte(s, p) end
  if c == 48 then
    local c2 = byte(s, p + 1)
    return c2 == 120 or c2 == 88 or (c2 ~= nil and c2 >= 48 and c2 <= 57)
  end
  if c == nil or c <= 57 then return false end
  local w = lower(sub(s, p, p + 2))
  return w == 'inf' or w == 'nan'
end

local SINGLE = {
  [123] = 'T_OBJ_BEGIN', [125] = 'T_OBJ_END', [91] = 'T_ARR_BEGIN', [93] = 'T_ARR_END',
  [58] = 'T_COLON', [44] = 'T_COMMA',
}
-- Characters the C tokenizer looks at further (T_UNKNOWN); anything else is an invalid token.
local UNKNOWN = {}
for c in ('"+-0123456789fiInNt'):gmatch('.') do UNKNOWN[byte(c)] = true end

local function number_token(s, p)
  -- Plain integers (the common case) are read directly: nothing strtod would go on with follows.
  local _, e = find(s, '^-?%d+', p)
  if e and not find(s, '^[%.eExX]', e + 1) then return 'T_NUMBER', tonumber(sub(s, p, e)), p, e + 1 end
  local v, np = strtod(s, p)
  if v == nil then return 'T_ERROR', 'invalid number', p, p end
  return 'T_NUMBER', v, p, np
end

local function next_token(cfg, s, p)
  local _, e = find(s, '^[ \t\n\r]*', p)
  p = e + 1
  local c = byte(s, p)
  if c == nil then return 'T_END', nil, p, p end
  local single = SINGLE[c]
  if single then return single, nil, p, p + 1 end
  if not UNKNOWN[c] then return 'T_ERROR', 'invalid token', p, p end
  if c == 34 then return string_token(s, p) end
  if c == 45 or (c >= 48 and c <= 57) then
    if not cfg.decode_invalid_numbers and is_invalid_number(s, p) then
      return 'T_ERROR', 'invalid number', p, p
    end
    return number_token(s, p)
  end
  if sub(s, p, p + 3) == 'true' then return 'T_BOOLEAN', true, p, p + 4 end
  if sub(s, p, p + 4) == 'false' then return 'T_BOOLEAN', false, p, p + 5 end
  if sub(s, p, p + 3) == 'null' then return 'T_NULL', nil, p, p + 4 end
  if cfg.decode_invalid_numbers and is_invalid_number(s, p) then return number_token(s, p) end
  return 'T_ERROR', 'invalid token', p, p
end

local function parse_error(expected, tt, val, idx)
  error(format('Expected %s but found %s at character %d',
               expected, tt == 'T_ERROR' and val or tt, idx), 0)
end

local parse_value

local function descend(cfg, depth, top, slots, p)
  if depth > cfg.decode_max_depth or top + slots > MAXCSTACK then
    error(format('Found too many nested data structures (%d) at character %d', depth, p - 1), 0)
  end
end

local function parse_array(cfg, s, p, depth, top)
  descend(cfg, depth, top, 2, p)
  local t = {}
  local tt, val, idx, np = next_token(cfg, s, p)
  if tt == 'T_ARR_END' then return t, np end
  local i = 1
  while true do
    t[i], p = parse_value(cfg, s, tt, val, idx, np, depth, top + 1)
    tt, val, idx, np = next_token(cfg, s, p)
    if tt == 'T_ARR_END' then return t, np end
    if tt ~= 'T_COMMA' then parse_error('comma or array end', tt, val, idx) end
    tt, val, idx, np = next_token(cfg, s, np)
    i = i + 1
  end
end

local function parse_object(cfg, s, p, depth, top)
  descend(cfg, depth, top, 3, p)
  local t = {}
  local tt, val, idx, np = next_token(cfg, s, p)
  if tt == 'T_OBJ_END' then return t, np end
  while true do
    if tt ~= 'T_STRING' then parse_error('object key string', tt, val, idx) end
    local key = val
    tt, val, idx, np = next_token(cfg, s, np)
    if tt ~= 'T_COLON' then parse_error('colon', tt, val, idx) end
    tt, val, idx, np = next_token(cfg, s, np)
    t[key], p = parse_value(cfg, s, tt, val, idx, np, depth, top + 2)
    tt, val, idx, np = next_token(cfg, s, p)
    if tt == 'T_OBJ_END' then return t, np end
    if tt ~= 'T_COMMA' then parse_error('comma or object end', tt, val, idx) end
    tt, val, idx, np = next_token(cfg, s, np)
  end
end

parse_value = function(cfg, s, tt, val, idx, np, depth, top)
  if tt == 'T_STRING' or tt == 'T_NUMBER' or tt == 'T_BOOLEAN' then return val, np end
  if tt == 'T_NULL' then return null, np end
  if tt == 'T_OBJ_BEGIN' then return parse_object(cfg, s, np, depth + 1, top) end
  if tt == 'T_ARR_BEGIN' then return parse_array(cfg, s, np, depth + 1, top) end
  parse_error('value', tt, val, idx)
end

local function decode(cfg, nargs, s)
  if nargs ~= 1 then argerror(1, 'expected 1 argument') end
  local ts = type(s)
  if ts == 'number' then
    s = tostring(s)
  elseif ts ~= 'string' then
    argerror(1, 'string expected, got ' .. typename(nargs, 1, s))
  end
  if #s >= 2 and (byte(s, 1) == 0 or byte(s, 2) == 0) then
    error('JSON parser does not support UTF-16 or UTF-32', 0)
  end
  -- The C parser stops at the first NUL byte.
  local z = find(s, '\0', 1, true)
  if z then s = sub(s, 1, z - 1) end
  local tt, val, idx, np = next_token(cfg, s, 1)
  local v, p = parse_value(cfg, s, tt, val, idx, np, 0, 1)
  tt, val, idx, np = next_token(cfg, s, p)
  if tt ~= 'T_END' then parse_error('the end', tt, val, idx) end
  return v
end

------------------------------------------------------------------ settings

local function arg_init(nargs, max)
  if nargs > max then argerror(max + 1, 'found too many arguments') end
end

local BOOL_OPTIONS = {'off', 'on'}

local function checkoption(nargs, i, v, options)
  local name = C.checkstring(nargs, i, v)
  for k, o in ipairs(options) do
    if o == name then return k - 1 end
  end
  argerror(i, format("invalid option '%s'", name))
end

-- json_enum_option(): a boolean or one of the option names; returns the setting's value.
local function enum_option(nargs, i, v, current, options)
  local bool_true = 1
  if not options then options = BOOL_OPTIONS end
  if v ~= nil then
    if type(v) == 'boolean' then
      current = v and bool_true or 0
    else
      current = checkoption(nargs, i, v, options)
    end
  end
  if current == 0 or current == bool_true then return current, current == bool_true end
  return current, options[current + 1]
end

local function integer_option(nargs, i, v, current, min, max)
  if v ~= nil then
    local value = checkint(nargs, i, v)
    if value < min or value > max then
      argerror(1, format('expected integer between %d and %d', min, max))
    end
    current = value
  end
  return current
end

-- The order lua_cjson_new() registers its functions in (it fixes pairs() order).
local ORDER = {
  'encode', 'decode', 'encode_sparse_array', 'encode_max_depth', 'decode_max_depth',
  'encode_number_precision', 'encode_keep_buffer', 'encode_invalid_numbers',
  'decode_invalid_numbers',
}

local function new()
  local cfg = {
    sparse_convert = false, sparse_ratio = 2, sparse_safe = 10,
    encode_max_depth = 1000, decode_max_depth = 1000,
    encode_invalid_numbers = 0, decode_invalid_numbers = true,
    keep_buffer = true, precision = 14, fmt = '%.14g',
  }
  local impl = {}

  function impl.encode(n, v) return encode(cfg, n, v) end
  function impl.decode(n, s) return decode(cfg, n, s) end

  function impl.encode_sparse_array(n, convert, ratio, safe)
    arg_init(n, 3)
    local c, shown = enum_option(n, 1, convert, cfg.sparse_convert and 1 or 0)
    cfg.sparse_convert = c == 1
    cfg.sparse_ratio = integer_option(n, 2, ratio, cfg.sparse_ratio, 0, INT_MAX)
    cfg.sparse_safe = integer_option(n, 3, safe, cfg.sparse_safe, 0, INT_MAX)
    return {shown, cfg.sparse_ratio, cfg.sparse_safe}
  end

  function impl.encode_max_depth(n, v)
    arg_init(n, 1)
    cfg.encode_max_depth = integer_option(n, 1, v, cfg.encode_max_depth, 1, INT_MAX)
    return cfg.encode_max_depth
  end

  function impl.decode_max_depth(n, v)
    arg_init(n, 1)
    cfg.decode_max_depth = integer_option(n, 1, v, cfg.decode_max_depth, 1, INT_MAX)
    return cfg.decode_max_depth
  end

  function impl.encode_number_precision(n, v)
    arg_init(n, 1)
    cfg.precision = integer_option(n, 1, v, cfg.precision, 1, 14)
    cfg.fmt = '%.' .. cfg.precision .. 'g'
    return cfg.precision
  end

  function impl.encode_keep_buffer(n, v)
    arg_init(n, 1)
    local c, shown = enum_option(n, 1, v, cfg.keep_buffer and 1 or 0)
    cfg.keep_buffer = c == 1
    return shown
  end

  function impl.encode_invalid_numbers(n, v)
    arg_init(n, 1)
    local c, shown = enum_option(n, 1, v, cfg.encode_invalid_numbers, {'off', 'on', 'null'})
    cfg.encode_invalid_numbers = c
    return shown
  end

  function impl.decode_invalid_numbers(n, v)
    arg_init(n, 1)
    local c, shown = enum_option(n, 1, v, cfg.decode_invalid_numbers and 1 or 0)
    cfg.decode_invalid_numbers = c == 1
    return shown
  end

  local M = {}
  for _, name in ipairs(ORDER) do
    local f = impl[name]
    M[name] = function(...)
      local ok, r = pcall(f, select('#', ...), ...)
      if ok then return r end
      raise(r)
    end
  end
  M.encode_sparse_array = function(...)
    local ok, r = pcall(impl.encode_sparse_array, select('#', ...), ...)
    if ok then return r[1], r[2], r[3] end
    raise(r)
  end
  M.new = function() return new() end
  M.null = null
  M._NAME = 'cjson'
  M._VERSION = '2.1.0'
  return M
end

return new()
"""
