"""The Lua side of a scripting runtime: the sandbox, the ``redis`` table and the runners.

``BOOTSTRAP`` runs once in a fresh runtime, after the libraries are
installed and while ``debug`` still exists.  It takes the Python callbacks as
its arguments, keeps what it needs in locals (out of the scripts' reach),
removes ``debug`` and the other globals Redis leaves out, and returns the
functions the engine calls.

Scripts see a read-only global table holding Redis's allow-list; reading a
missing global and writing any global raise Redis's errors.  Library tables
are read-only proxies.  The error handler turns every error into Redis's
error table ``{err=..., source=..., line=...}``, skipping the frames of this
chunk so the position is the user's.
"""

BOOTSTRAP = r"""
local pycall, pypcall, pysha1, pylog, pysetresp, pysetrepl, pyacl, pyerr, pytick, pyrand, pyseed,
      version, version_num, eval_engine, libs_source, pytailcalls, pyldbstop, pyldbrepl,
      pyldbdebug = ...
local G = _G
local getinfo, sethook, getlocal = debug.getinfo, debug.sethook, debug.getlocal
local error, type, tostring, tonumber, select, next = error, type, tostring, tonumber, select, next
local setmetatable, getmetatable, rawget, rawset = setmetatable, getmetatable, rawget, rawset
local setfenv, loadstring, load, pcall, xpcall, unpack = setfenv, loadstring, load, pcall, xpcall, unpack
local pairs = pairs
local INTERNAL = getinfo(1, 'S').source
local HOOK_INSTRUCTIONS = 100000

-- An error raised by a Python callback reaches Lua as the exception
-- (userdata); pyerr gives its text and whether its stats were counted.
local function error_table(err, where)
  if type(err) == 'userdata' then
    local text, counted, positioned = pyerr(err)
    if positioned then
      -- A Lua-style error (luaL_error): the caller's position, then ERR as any string error.
      if where then
        text = where.short_src .. ':' .. where.currentline .. ': ' .. text
      end
      text = 'ERR ' .. text
    end
    return {err = text, ignore_error_stats_update = counted or nil}
  end
  return err
end

-- The error handler: Redis's __redis__err__handler, blind to this chunk's frames.
local handling = false
local function err_handler(err)
  handling = true
  local level = 2
  local i = getinfo(level, 'nSl')
  if i and i.what == 'C' then
    level = 3
    i = getinfo(level, 'nSl')
  end
  -- The C libraries (cjson ...) are Lua code here: their frames are skipped as Redis skips C ones.
  while i and (i.source == INTERNAL or i.source == libs_source) do
    level = level + 1
    i = getinfo(level, 'nSl')
  end
  err = error_table(err, i)
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    rawset(err, 'source', i.source)
    rawset(err, 'line', i.currentline)
  end
  handling = false
  return err
end

-- Read-only tables (Redis's lua_enablereadonlytable): proxies over the real
-- table, which pairs and next still walk.
local readonly_tables = setmetatable({}, {__mode = 'k'})
local function deny_write()
  error('Attempt to modify a readonly table', 2)
end
local function readonly(t)
  local proxy = setmetatable({}, {__index = t, __newindex = deny_write, __metatable = false})
  readonly_tables[proxy] = t
  return proxy
end
local function checked_rawset(t, k, v)
  if readonly_tables[t] then
    error('Attempt to modify a readonly table', 0)
  end
  return rawset(t, k, v)
end
local function sandboxed_next(t, k)
  return next(readonly_tables[t] or t, k)
end
local function sandboxed_pairs(t)
  local real = readonly_tables[t]
  if real then
    return function(_, k) return next(real, k) end, t, nil
  end
  return pairs(t)
end
-- The Python callbacks stand where Redis has C functions: to scripts they
-- are functions, and their metatables stay out of reach.
local callbacks = {}
for _, f in next, {pycall, pypcall, pysha1, pylog, pysetresp, pysetrepl, pyacl, pyrand, pyseed} do
  callbacks[f] = true
end
local function sandboxed_type(v)
  local t = type(v)
  if t == 'userdata' and callbacks[v] then return 'function' end
  return t
end
local function sandboxed_getmetatable(t)
  if readonly_tables[t] or callbacks[t] then return nil end
  return getmetatable(t)
end
-- ... and they print as functions, each with an address of its own (the
-- bridge's metatable, shared by every Python object Lua holds, asks here).
local callback_text = {}
for f in next, callbacks do callback_text[f] = tostring(function() end) end
local bridge_mt = getmetatable(pypcall)
if type(bridge_mt) == 'table' and bridge_mt.__tostring then
  local bridge_tostring = bridge_mt.__tostring
  bridge_mt.__tostring = function(o) return callback_text[o] or bridge_tostring(o) end
end
local function pack_results(...) return select('#', ...), {...} end
-- luaRedisPcall: an error table caught by pcall reads as its err text.
local function sandboxed_pcall(...)
  local n, r = pack_results(pcall(...))
  if not r[1] then
    local err = error_table(r[2])
    if type(err) == 'table' and type(rawget(err, 'err')) == 'string' then
      err = rawget(err, 'err')
    end
    r[2] = err
  end
  return unpack(r, 1, n)
end
local function sandboxed_xpcall(f, handler)
  return xpcall(f, function(err) return handler(error_table(err)) end)
end

local function raise(msg)
  error({err = msg})
end

-- Reading a name a table does not hold is an error (Redis's globals protection).
local function missing_global(t, n)
  local i = getinfo(2, 'S')
  if i and i.what == 'C' then
    return nil
  end
  error("Script attempted to access nonexistent global variable '" .. tostring(n) .. "'", 2)
end
local function strict(t)
  return setmetatable(t, {__index = missing_global})
end

-- The sandboxed globals scripts see: one read-only table whose lookups go
-- to ``globals``, or to the library API while FUNCTION LOAD runs a library
-- (Redis swaps the globals' __index the same way), so every function a
-- library defines sees the full globals when it is called.
local globals = strict({})
local env_mt = {__index = globals, __newindex = deny_write, __metatable = false}
local env = setmetatable({}, env_mt)
readonly_tables[env] = globals

local function copy(t)
  local out = {}
  for k, v in next, t do out[k] = v end
  return out
end
local math_lib = copy(math)
-- math.random on Redis's rand48 (redisLrand48), math.randomseed on redisSrand48.
math_lib.random = pyrand
math_lib.randomseed = pyseed

-- Chunks load as source text only: Redis's Lua refuses precompiled bytecode
-- (a way out of any sandbox), so a leading ESC is a syntax error there too.
local ESC = 27
local function sandboxed_loadstring(s, name)
  if type(s) == 'string' and s:byte(1) == ESC then
    return loadstring(' ' .. s, name or s)
  end
  local f, e = loadstring(s, name)
  if f then setfenv(f, env) end
  return f, e
end
local function sandboxed_load(fn, name)
  local first = true
  local function reader()
    local piece = fn()
    if first then
      first = false
      if type(piece) == 'string' and piece:byte(1) == ESC then piece = ' ' .. piece end
    end
    return piece
  end
  local f, e = load(type(fn) == 'function' and reader or fn, name)
  if f then setfenv(f, env) end
  return f, e
end

for _, name in next, {'assert', 'collectgarbage', 'error', 'gcinfo', 'ipairs',
                      'rawequal', 'rawget', 'select', 'setmetatable', 'tonumber', 'tostring',
                      'unpack', '_VERSION'} do
  globals[name] = G[name]
end
globals.next = sandboxed_next
globals.getmetatable = sandboxed_getmetatable
globals.type = sandboxed_type
globals.pairs = sandboxed_pairs
globals.pcall = sandboxed_pcall
globals.xpcall = sandboxed_xpcall
globals.rawset = checked_rawset
globals.loadstring = sandboxed_loadstring
globals.load = sandboxed_load
globals.math = readonly(math_lib)
globals.string = readonly(string)
globals.table = readonly(table)
globals.coroutine = readonly(coroutine)
for _, name in next, {'bit', 'cjson', 'cmsgpack', 'struct'} do
  if type(G[name]) == 'table' then globals[name] = readonly(G[name]) end
end
if eval_engine then
  globals.__redis__err__handler = err_handler
end
globals._G = env

-- Methods on strings go through the read-only string table, and the
-- metatable itself cannot be changed from a script.
local string_mt = getmetatable('')
string_mt.__index = globals.string
string_mt.__metatable = readonly({__index = globals.string})

-- The redis table.
local redis = {}
local function mk_ok(s) return {ok = s} end
local function mk_err(s, counted) return {err = s, ignore_error_stats_update = counted} end

-- The functions that may raise are the Python callbacks themselves: called
-- from a script they are C functions, so even a tail call keeps the
-- script's frame for the error position.
redis.call = pycall
redis.pcall = pypcall
redis.sha1hex = pysha1
redis.log = pylog
redis.setresp = pysetresp
redis.set_repl = pysetrepl
redis.acl_check_cmd = pyacl

-- luaPushErrorBuff: "-CODE msg" keeps its code, anything else gets ERR.
local function error_text(s)
  local code, msg = 'ERR', s
  if s:sub(1, 1) == '-' then
    local sp = s:find(' ', 1, true)
    if sp then
      code, msg = s:sub(2, sp - 1), s:sub(sp + 1)
    else
      msg = s:sub(2)
    end
  end
  msg = msg:gsub('^[\r\n]+', ''):gsub('[\r\n]+$', '')
  return code .. ' ' .. msg
end
function redis.error_reply(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  if s:sub(1, 1) ~= '-' then s = '-' .. s end
  return {err = error_text(s)}
end
function redis.status_reply(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  return {ok = s}
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
function redis.replicate_commands() return true end
-- The Lua debugger's switches (see the hook below).
local ldb_on, ldb_breakpoint = false, false
function redis.breakpoint()
  if ldb_on then
    ldb_breakpoint = true
    return true
  end
  return false
end
function redis.debug(...)
  if ldb_on then pyldbdebug(select('#', ...), ...) end
end
redis.REDIS_VERSION = version
redis.REDIS_VERSION_NUM = version_num
globals.redis = readonly(redis)

-- Busy scripts: every HOOK_INSTRUCTIONS instructions the engine checks the
-- clock (and serves other clients); a kill raises from then on at every
-- line, so a pcall in the script cannot swallow it.
local hook
hook = function()
  -- Never inside this chunk's own code: once a run has failed, its return
  -- path must not fail again.
  if handling then return end
  local i = getinfo(2, 'S')
  if i and i.source == INTERNAL then return end
  local killed = pytick()
  if killed then
    sethook(hook, 'l')
    error({err = killed})
  end
end
local function rearm()
  sethook(hook, '', HOOK_INSTRUCTIONS)
end
rearm()

-- The Lua debugger (redis-cli --ldb): while a session is on, every line of
-- the script (and every HOOK_INSTRUCTIONS instructions) asks the session
-- whether to stop; a stop hands it the frame's locals and the script's
-- frames, and its REPL runs until the user steps or continues.  Hooks are
-- off while a hook runs, so what the REPL evaluates is not traced.
local function in_script(i)
  return i and i.short_src:find('user_script', 1, true)
end
local ldb_hook = function(event, line)
  local i = getinfo(2, 'Sl')
  if not in_script(i) then return end
  local bp = ldb_breakpoint
  local reason = pyldbstop(event == 'count', i.currentline, bp)
  if not reason then return end
  ldb_breakpoint = false
  local locals, n = {}, 1
  while true do
    local name, value = getlocal(2, n)
    if not name then break end
    if not name:find('(*temporary)', 1, true) then locals[#locals + 1] = {name, value} end
    n = n + 1
  end
  local frames, level = {}, 2
  while true do
    local f = getinfo(level, 'Snl')
    if not f then break end
    if in_script(f) then frames[#frames + 1] = {f.name or false, f.currentline} end
    level = level + 1
  end
  local err = pyldbrepl(reason, locals, frames)
  if err then error({err = err}) end
end
local function ldb_start()
  ldb_on, ldb_breakpoint = true, false
  sethook(ldb_hook, 'l', HOOK_INSTRUCTIONS)
end
local function ldb_end()
  ldb_on, ldb_breakpoint = false, false
  rearm()
end
-- The REPL's eval: an expression, else a statement, in the scripts' globals.
local function ldb_eval(code)
  local f = loadstring('return ' .. code, '@ldb_eval')
  if not f then
    local e
    f, e = loadstring(code, '@ldb_eval')
    if not f then return false, e end
  end
  setfenv(f, env)
  return pcall(f)
end
local function ldb_global(name)
  return rawget(globals, name)
end
local function ldb_redis(...)
  pcall(pycall, ...)
end

-- Compiling: a script body runs with the sandboxed globals.
local function compile(body, chunkname)
  if body:byte(1) == ESC then body = ' ' .. body end
  local f, e = loadstring(body, chunkname)
  if not f then return nil, e end
  setfenv(f, env)
  return f
end

-- A compiled chunk as bytecode and back (for the tail calls to the libraries).
local dump = string.dump
local function undump(chunk, chunkname)
  local f = loadstring(chunk, chunkname)
  setfenv(f, env)
  return f
end

-- KEYS and ARGV of a run from the arguments after numkeys.
local function split_args(nkeys, ...)
  local n = select('#', ...)
  if nkeys == n then return {...}, {} end
  if nkeys == 0 then return {}, {...} end
  local all, keys, argv = {...}, {}, {}
  for i = 1, nkeys do keys[i] = all[i] end
  for i = nkeys + 1, n do argv[i - nkeys] = all[i] end
  return keys, argv
end

-- A run's outcome for the engine: a string, number or boolean the script
-- returned, as it is (the common cases, handed back without a tuple), else
-- xpcall's status and the script's first result.
local function outcome(ok, r)
  if ok then
    local t = type(r)
    if t == 'string' or t == 'number' or t == 'boolean' then return r end
  end
  return ok, r
end

-- EVAL: KEYS and ARGV are globals of the run.  Its common cases (all
-- arguments keys, and outcome's) are written out: a call less each.
local function run_eval(f, nkeys, ...)
  if nkeys == select('#', ...) then
    globals.KEYS, globals.ARGV = {...}, {}
  else
    globals.KEYS, globals.ARGV = split_args(nkeys, ...)
  end
  local ok, r = xpcall(f, err_handler)
  if ok then
    local t = type(r)
    if t == 'string' or t == 'number' or t == 'boolean' then return r end
  end
  return ok, r
end

-- Runs with more arguments than the Lua stack takes get KEYS and ARGV as tables.
local function run_eval_tables(f, keys, argv)
  globals.KEYS, globals.ARGV = keys, argv
  return outcome(xpcall(f, err_handler))
end
-- FCALL: the function gets the keys and the arguments as its two parameters.
local function run_function_tables(f, keys, argv)
  return outcome(xpcall(function() return f(keys, argv) end, err_handler))
end
local function run_function(f, nkeys, ...)
  return run_function_tables(f, split_args(nkeys, ...))
end

-- FUNCTION LOAD: the library body runs with only a reduced redis table,
-- whose register_function collects the functions.
local FLAGS = {['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true,
               ['no-cluster'] = true, ['allow-cross-slot-keys'] = true}
local function read_flags(t)
  local out = {}
  for _, v in next, t do
    if type(v) ~= 'string' or not FLAGS[v] then return nil end
    out[#out + 1] = v
  end
  return out
end
local function valid_name(s)
  return #s > 0 and not s:find('[^%w_]')
end
local function as_string(v)
  local t = type(v)
  if t == 'string' then return v end
  if t == 'number' then return tostring(v) end
  return nil
end
local function load_library(body, chunkname)
  local f, e = loadstring(body, chunkname)
  if not f then return false, e end
  local patched = pytailcalls(body, dump(f))
  if patched then f = loadstring(patched, chunkname) end
  local registered, order = {}, {}
  local function register(...)
    local n = select('#', ...)
    if n < 1 or n > 2 then raise('ERR wrong number of arguments to redis.register_function') end
    local name, callback, desc, flags
    if n == 1 then
      local args = ...
      if type(args) ~= 'table' then
        raise('ERR calling redis.register_function with a single argument is only applicable ' ..
              'to Lua table (representing named arguments).')
      end
      for k, v in next, args do
        if type(k) ~= 'string' and type(k) ~= 'number' then
          raise('ERR named argument key given to redis.register_function is not a string')
        end
        local key = tostring(k):lower()
        if key == 'function_name' then
          name = as_string(v)
          if not name then
            raise('ERR function_name argument given to redis.register_function must be a string')
          end
        elseif key == 'description' then
          desc = as_string(v)
          if not desc then
            raise('ERR description argument given to redis.register_function must be a string')
          end
        elseif key == 'callback' then
          if type(v) ~= 'function' then
            raise('ERR callback argument given to redis.register_function must be a function')
          end
          callback = v
        elseif key == 'flags' then
          if type(v) ~= 'table' then
            raise('ERR flags argument to redis.register_function must be a table representing ' ..
                  'function flags')
          end
          flags = read_flags(v)
          if not flags then raise('ERR unknown flag given') end
        else
          raise('ERR unknown argument given to redis.register_function')
        end
      end
      if not name then raise('ERR redis.register_function must get a function name argument') end
      if not callback then raise('ERR redis.register_function must get a callback argument') end
    else
      local a, b = ...
      name = as_string(a)
      if not name then raise('ERR first argument to redis.register_function must be a string') end
      if type(b) ~= 'function' then
        raise('ERR second argument to redis.register_function must be a function')
      end
      callback = b
    end
    if not valid_name(name) then
      raise('ERR Library names can only contain letters, numbers, or underscores(_) and must be ' ..
            'at least one character long')
    end
    if registered[name] then raise('ERR Function already exists in the library') end
    registered[name] = true
    order[#order + 1] = {name, callback, desc or false, flags or {}}
  end
  local load_redis = {register_function = register, log = pylog,
                      LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
                      REDIS_VERSION = redis.REDIS_VERSION, REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM}
  setfenv(f, env)
  env_mt.__index = strict({redis = readonly(strict(load_redis))})
  local ok, err = xpcall(f, err_handler)
  env_mt.__index = globals
  if not ok then
    return false, nil, type(err) == 'table' and tostring(rawget(err, 'err')) or tostring(err)
  end
  return true, order
end

debug = nil
G.debug = nil
for _, name in next, {'dofile', 'loadfile', 'print', 'require', 'module', 'package', 'os', 'io',
                      'setfenv', 'getfenv', 'newproxy'} do
  G[name] = nil
end

return compile, run_eval, run_function, load_library, rearm, rawget, mk_ok, mk_err, dump, undump,
       {ldb_start, ldb_end, ldb_eval, ldb_global, ldb_redis}, {run_eval_tables, run_function_tables}
"""
