# cython: language_level=3
"""``redis.call`` of a Lua runtime, compiled twin of ``scriptcall_py.py``.

The same fast path, with dispatch's ``call`` written out for the script
client (Redis's scriptCall -> call()): what call() does that can be seen
from outside, in its order (commandstats, errorstats, latency, slowlog,
propagation, MONITOR), less what cannot apply to the script client: it
never blocks (commands answer at once in scripts), is not tracked itself
(its caller is, by the engine) and runs no skip_monitor command (they are
all noscript).  dispatch.call and this copy change together.

Where the runtime's Lua C API is reachable, redis.call is a C function of
the runtime and EVAL's and EVALSHA's runs are called through that API (see
``lua_function``); the pure twin goes through lupa's bridge for both, and
what a script sees is the same either way.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.ref cimport Py_INCREF
from cpython.pystate cimport (PyInterpreterState, PyInterpreterState_ThreadHead, PyThreadState,
                              PyThreadState_Next)
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from .meter cimport Meter, clock_ns


# The Lua 5.1 C API of the runtime's own library (lupa's lua51 module exports
# it): redis.call is a C function of that runtime here, and EVALSHA's common
# run calls into Lua without the Python-level bridge, as Redis's C does.
cdef extern from "<dlfcn.h>" nogil:
    void *dlopen(const char *filename, int flags)
    void *dlsym(void *handle, const char *symbol)
    int RTLD_NOW
    int RTLD_NOLOAD

cdef extern from *:
    """
    typedef struct lua_State lua_State;
    """
    ctypedef struct lua_State:
        pass

ctypedef int (*lua_CFunction)(lua_State *L) noexcept nogil

cdef struct LuaApi:
    int (*gettop)(lua_State *L) noexcept nogil
    void (*settop)(lua_State *L, int idx) noexcept nogil
    int (*checkstack)(lua_State *L, int extra) noexcept nogil
    void (*insert)(lua_State *L, int idx) noexcept nogil
    int (*type)(lua_State *L, int idx) noexcept nogil
    double (*tonumber)(lua_State *L, int idx) noexcept nogil
    int (*toboolean)(lua_State *L, int idx) noexcept nogil
    const char *(*tolstring)(lua_State *L, int idx, size_t *len) noexcept nogil
    void *(*touserdata)(lua_State *L, int idx) noexcept nogil
    void (*pushnil)(lua_State *L) noexcept nogil
    void (*pushnumber)(lua_State *L, double n) noexcept nogil
    void (*pushlstring)(lua_State *L, const char *s, size_t len) noexcept nogil
    void (*pushboolean)(lua_State *L, int b) noexcept nogil
    void (*pushvalue)(lua_State *L, int idx) noexcept nogil
    void (*pushlightuserdata)(lua_State *L, void *p) noexcept nogil
    void (*pushcclosure)(lua_State *L, lua_CFunction f, int n) noexcept nogil
    void (*rawgeti)(lua_State *L, int idx, int n) noexcept nogil
    void (*call)(lua_State *L, int nargs, int nresults) noexcept nogil
    int (*pcall)(lua_State *L, int nargs, int nresults, int errfunc) noexcept nogil
    int (*error)(lua_State *L) noexcept nogil
    int (*ref)(lua_State *L, int t) noexcept nogil

DEF LUA_REGISTRYINDEX = -10000
DEF LUA_GLOBALSINDEX = -10002
DEF LUA_MULTRET = -1
DEF LUA_TBOOLEAN = 1
DEF LUA_TNUMBER = 3
DEF LUA_TSTRING = 4

cdef LuaApi api
cdef bint api_loaded = False
# The ScriptCall whose runtime is calling pyredis_lua_open.
cdef object _opening = None


cdef extern from "Python.h":
    PyInterpreterState *PyInterpreterState_Get()


cdef inline bint other_threads() noexcept:
    """Whether the interpreter has a thread besides this one (which may want the GIL)."""
    cdef PyThreadState *head = PyInterpreterState_ThreadHead(PyInterpreterState_Get())
    return head is NULL or PyThreadState_Next(head) is not NULL


cdef inline int upvalue(int i) noexcept nogil:
    return LUA_GLOBALSINDEX - i


cdef bint load_api(bytes path):
    """Whether the Lua C API of the library at ``path`` (already loaded) is reachable."""
    global api_loaded
    if api_loaded:
        return True
    cdef void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD)
    if h is NULL:
        return False
    cdef void *f[21]
    names = (b"lua_gettop", b"lua_settop", b"lua_checkstack", b"lua_insert", b"lua_type",
             b"lua_tonumber", b"lua_toboolean", b"lua_tolstring", b"lua_touserdata", b"lua_pushnil",
             b"lua_pushnumber", b"lua_pushlstring", b"lua_pushboolean", b"lua_pushvalue",
             b"lua_pushlightuserdata", b"lua_pushcclosure", b"lua_rawgeti", b"lua_call",
             b"lua_pcall", b"lua_error", b"luaL_ref")
    cdef int i
    for i in range(21):
        f[i] = dlsym(h, <bytes>names[i])
        if f[i] is NULL:
            return False
    api.gettop = <int (*)(lua_State *) noexcept nogil>f[0]
    api.settop = <void (*)(lua_State *, int) noexcept nogil>f[1]
    api.checkstack = <int (*)(lua_State *, int) noexcept nogil>f[2]
    api.insert = <void (*)(lua_State *, int) noexcept nogil>f[3]
    api.type = <int (*)(lua_State *, int) noexcept nogil>f[4]
    api.tonumber = <double (*)(lua_State *, int) noexcept nogil>f[5]
    api.toboolean = <int (*)(lua_State *, int) noexcept nogil>f[6]
    api.tolstring = <const char *(*)(lua_State *, int, size_t *) noexcept nogil>f[7]
    api.touserdata = <void *(*)(lua_State *, int) noexcept nogil>f[8]
    api.pushnil = <void (*)(lua_State *) noexcept nogil>f[9]
    api.pushnumber = <void (*)(lua_State *, double) noexcept nogil>f[10]
    api.pushlstring = <void (*)(lua_State *, const char *, size_t) noexcept nogil>f[11]
    api.pushboolean = <void (*)(lua_State *, int) noexcept nogil>f[12]
    api.pushvalue = <void (*)(lua_State *, int) noexcept nogil>f[13]
    api.pushlightuserdata = <void (*)(lua_State *, void *) noexcept nogil>f[14]
    api.pushcclosure = <void (*)(lua_State *, lua_CFunction, int) noexcept nogil>f[15]
    api.rawgeti = <void (*)(lua_State *, int, int) noexcept nogil>f[16]
    api.call = <void (*)(lua_State *, int, int) noexcept nogil>f[17]
    api.pcall = <int (*)(lua_State *, int, int, int) noexcept nogil>f[18]
    api.error = <int (*)(lua_State *) noexcept nogil>f[19]
    api.ref = <int (*)(lua_State *, int) noexcept nogil>f[20]
    api_loaded = True
    return True


cdef object from_lua(lua_State *L, int i):
    """A string or number on the stack as the runtime's bridge converts it (None for other types)."""
    cdef size_t size
    cdef const char *s
    cdef double number
    cdef long long integer
    cdef int t = api.type(L, i)
    if t == LUA_TSTRING:
        s = api.tolstring(L, i, &size)
        return PyBytes_FromStringAndSize(s, size)
    if t == LUA_TNUMBER:
        number = api.tonumber(L, i)
        integer = <long long>number
        if number == integer:
            return integer
        return number
    if t == LUA_TBOOLEAN:
        return api.toboolean(L, i) != 0
    return None


cdef int _redis_call(lua_State *L) noexcept with gil:
    """redis.call's body: what it pushed (or -1: an error value is on top; -2: let the bridge run it)."""
    cdef ScriptCall self = <ScriptCall>api.touserdata(L, upvalue(1))
    cdef int i, n, t, top
    cdef long long integer
    if L is not self.L:
        # A coroutine's call: the bridge runs the Python side with the runtime on that thread.
        return -2
    n = api.gettop(L)
    args = PyTuple_New(n)
    for i in range(n):
        t = api.type(L, i + 1)
        # Other types are refused whatever they are: None stands for them.
        a = from_lua(L, i + 1) if t == LUA_TSTRING or t == LUA_TNUMBER else None
        Py_INCREF(a)
        PyTuple_SET_ITEM(args, i, a)
    try:
        value = self.call_args(args)
        cls = type(value)
        if cls is bytes:
            api.pushlstring(L, PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value))
            return 1
        if cls is bool:
            api.pushboolean(L, value is True)
            return 1
        if cls is int:
            try:
                integer = value
            except OverflowError:
                pass
            else:
                api.pushnumber(L, <double>integer)
                return 1
        elif cls is float:
            api.pushnumber(L, <double>value)
            return 1
        elif value is None:
            api.pushnil(L)
            return 1
        self.taken = value
    except BaseException as exc:
        self.taken = exc
        api.pushvalue(L, upvalue(2))
        api.call(L, 0, 1)
        self.taken = None
        return -1
    # Tables and the rest: the bridge converts them, as it would have.
    top = api.gettop(L)
    api.pushvalue(L, upvalue(2))
    api.call(L, 0, LUA_MULTRET)
    self.taken = None
    return api.gettop(L) - top


cdef int c_redis_call(lua_State *L) noexcept nogil:
    cdef int n = _redis_call(L)
    if n == -1:
        # Raised outside the Python call, so no Python state is skipped.
        return api.error(L)
    if n == -2:
        api.pushvalue(L, upvalue(3))
        api.insert(L, 1)
        api.call(L, api.gettop(L) - 1, LUA_MULTRET)
        return api.gettop(L)
    return n


cdef int c_keep(lua_State *L) noexcept nogil:
    """A reference in the registry to the value it is given (for the runs called from here)."""
    api.pushnumber(L, api.ref(L, LUA_REGISTRYINDEX))
    return 1


cdef public int pyredis_lua_open(void *state) noexcept with gil:
    """package.loadlib's entry: redis.call and keep for ``_opening``'s runtime, from its take and itself."""
    cdef lua_State *L = <lua_State *>state
    cdef ScriptCall sc = <ScriptCall>_opening
    sc.L = L
    api.pushlightuserdata(L, <void *>sc)
    api.pushvalue(L, 1)
    api.pushvalue(L, 2)
    api.pushcclosure(L, c_redis_call, 3)
    api.pushcclosure(L, c_keep, 0)
    return 2


cdef class ScriptCall:
    # The runtime's main thread, once redis.call is its C function (see lua_function).
    cdef lua_State *L
    cdef int stash_ref
    # A runner or script function -> its reference in the registry.
    cdef dict refs
    cdef object keep, taken, stashed
    cdef object engine, scripting, client, server
    cdef dict commands
    # The script client's list of what handlers wrote to it, and the server's Stats (both kept for life).
    cdef list captured
    cdef object stats
    # The script cache's SHA1 -> script (ScriptCache attaches it).
    cdef public dict scripts
    cdef object command_error, slow_command, feed_monitors, not_monitored
    cdef object new_run, run_context, clock, bulk, integer, run_eval, one, null
    cdef dict small_numkeys
    cdef Py_ssize_t max_stack_args

    def __init__(self, engine):
        from pyredis import dispatch
        from pyredis.errors import CommandError
        self.engine = engine
        self.scripting = engine.scripting
        self.client = engine.client
        # Command name as a script wrote it -> (command, kind), filled by the engine.
        self.commands = engine.commands
        self.server = engine.server
        self.captured = engine.client.captured
        self.stats = engine.server.stats
        self.command_error = CommandError
        self.slow_command = dispatch.slow_command
        self.feed_monitors = dispatch.feed_monitors
        self.not_monitored = dispatch._NOT_MONITORED
        from pyredis.commands.scripting import SMALL_NUMKEYS
        from pyredis import clock
        from pyredis import reply
        from pyredis.scripting import convert, engine as engine_module
        self.small_numkeys = SMALL_NUMKEYS
        self.run_context = engine_module.EvalRun
        self.max_stack_args = engine_module.MAX_STACK_ARGS
        self.new_run = engine_module.EvalRun.__new__
        self.clock = clock
        self.bulk = reply.bulk
        self.one = reply.ONE
        self.null = reply.NULL
        self.integer = convert.integer
        self.refs = {}

    def lua_function(self, lua):
        """What the runtime ``lua`` calls as redis.call: a C function of its own when its
        library's API is reachable, else this object (through the bridge)."""
        global _opening
        import lupa.lua51
        if not load_api(lupa.lua51.__file__.encode()):
            return self
        opener = lua.eval("package.loadlib(...)", __file__.encode(), b"pyredis_lua_open")
        if opener is None:
            return self
        _opening = self
        try:
            call, self.keep = opener(self.take, self)
        finally:
            _opening = None
        return call

    def attach(self, run_eval):
        """Once the runtime's runners exist: EVALSHA's common run calls ``run_eval`` itself."""
        self.run_eval = run_eval
        if self.L is not NULL:
            self.stash_ref = self.keep(self.stash)

    def take(self):
        """The value redis.call's C function left for the bridge to convert."""
        return self.taken

    def stash(self, *values):
        """A run's results the C side leaves for the bridge to convert."""
        self.stashed = values

    def evalsha(self, c, argv, fallback):
        """EVALSHA (not _RO) of a cached script without a shebang, in a plain run
        (see ``RunContext.plain``) on a server that is not gated (so no client
        debugs scripts) nor a replica, for a client without ACL key patterns:
        ``LuaEngine.run`` for it written out; anything else is
        ``fallback(c, argv, False)``, the handler's whole path."""
        cdef Py_ssize_t nargs = len(argv)
        script = self.scripts.get(argv[1])
        numkeys = self.small_numkeys.get(argv[2])
        if (script is None or numkeys is None or <Py_ssize_t>numkeys > nargs - 3 or script.shebang
                or nargs - 3 > self.max_stack_args):
            return fallback(c, argv, False)
        server = self.server
        if server.gated or server.master_link is not None or c.acl_check is not None:
            return fallback(c, argv, False)
        engine = self.engine
        run_eval = self.run_eval
        # The script client keeps what the last run set: stores only what differs.
        sc = self.client
        db = c.db
        if sc.db is not db:
            sc.db = db
        if sc.resp != 2:
            sc.resp = 2
        user = c.user
        if sc.user is not user:
            sc.user = user
        if sc.acl_check is not None:
            sc.acl_check = None
        run = self.new_run(self.run_context)
        run.caller = c
        run.name = script.name
        run.start = int(self.clock.time() * 1000)
        scripting = self.scripting
        scripting.run = run
        try:
            if self.L is not NULL:
                result = self._run(run_eval, script.func, numkeys, argv, 3)
            else:
                result = run_eval(script.func, numkeys, *argv[3:])
        finally:
            scripting.run = None
            timed_out = run.timed_out
            if timed_out or run.killed:
                engine._ended_busy(run)
        cls = type(result)
        if cls is bytes:
            if not timed_out:
                return self.bulk(result)
        elif cls is int or cls is float:
            if not timed_out:
                return self.integer(result)
        elif cls is bool:
            if not timed_out and sc.resp == 2:
                return self.one if result else self.null
        return engine.outcome(c, run, result)

    def run(self, runner, func, numkeys, args):
        """``runner(func, numkeys, *args)``: EVAL's runs called from here when the C API is
        reachable (a cached script lives as long as the runtime, so its function may stay
        referenced; a library's may be replaced)."""
        if self.L is NULL or runner is not self.run_eval:
            return runner(func, numkeys, *args)
        return self._run(runner, func, numkeys, args, 0)

    cdef object _run(self, runner, func, numkeys, args, Py_ssize_t first):
        """runner(func, numkeys, *args[first:]) through lua_pcall: its result as the bridge returns it."""
        cdef lua_State *L = self.L
        cdef int top = api.gettop(L), status, n, t
        cdef Py_ssize_t i, nargs = len(args)
        refs = self.refs
        runner_ref = refs.get(runner)
        if runner_ref is None:
            runner_ref = refs[runner] = self.keep(runner)
        ref = refs.get(func)
        if ref is None:
            ref = refs[func] = self.keep(func)
        for i in range(first, nargs):
            if type(args[i]) is not bytes:
                return runner(func, numkeys, *args[first:])
        if not api.checkstack(L, <int>(nargs - first + 3)):
            return runner(func, numkeys, *args[first:])
        api.rawgeti(L, LUA_REGISTRYINDEX, <int>runner_ref)
        api.rawgeti(L, LUA_REGISTRYINDEX, <int>ref)
        api.pushnumber(L, <double><long>numkeys)
        for i in range(first, nargs):
            a = args[i]
            api.pushlstring(L, PyBytes_AS_STRING(a), PyBytes_GET_SIZE(a))
        if other_threads():
            # Without the GIL, as the bridge runs Lua: a host's other threads
            # (pyredis.RedisServer(thread=True), the AOF's fsync) run while a script does.
            with nogil:
                status = api.pcall(L, <int>(nargs - first + 2), LUA_MULTRET, 0)
        else:
            status = api.pcall(L, <int>(nargs - first + 2), LUA_MULTRET, 0)
        n = api.gettop(L) - top
        if status == 0 and n == 1:
            t = api.type(L, -1)
            if t == LUA_TSTRING or t == LUA_TNUMBER or t == LUA_TBOOLEAN:
                result = from_lua(L, -1)
                api.settop(L, top)
                return result
        # Tables, errors and the rest: the bridge converts them.
        api.rawgeti(L, LUA_REGISTRYINDEX, self.stash_ref)
        api.insert(L, top + 1)
        api.call(L, n, 0)
        values = self.stashed
        self.stashed = None
        if status != 0:
            from lupa.lua51 import LuaError
            raise LuaError(values[0] if values else None)
        if n == 1:
            return values[0]
        return values if n else None

    def __call__(self, *args):
        """redis.call through the bridge."""
        return self.call_args(args)

    cpdef call_args(self, tuple args):
        """redis.call: the reply as Lua values; an error reply is raised."""
        cdef bytes r
        engine = self.engine
        run = self.scripting.run
        if run is not None and run.plain and args:
            name = args[0]
            entry = None
            if type(name) is bytes:
                entry = self.commands.get(name)
                if entry is None:
                    entry = engine._command_entry(name)
            if entry is not None:
                cmd, kind = entry
                n = len(args)
                arity = cmd.arity
                if kind and (n == arity if arity > 0 else n >= -arity):
                    argv = list(args)
                    for a in args:
                        if type(a) is not bytes:
                            argv = number_argv(args)
                            break
                    if argv is not None:
                        if kind == 1:
                            if run.read_only or (run.oom and not run.wrote and "denyoom" in cmd.flags):
                                return engine._called(engine._execute(args))
                            run.wrote = True
                        sc = self.client
                        result = self._call(sc, cmd, argv)
                        if kind == 2 and run.caller.tracking is not None:
                            engine._track(run.caller, cmd, argv)
                        if type(result) is bytes and not self.captured:
                            r = result
                            first = r[0]
                            if first == 36 and r[1] != 45:  # a bulk string
                                return bulk_value(r)
                            if first == 58:  # an integer
                                return int(r[1:-2])
                            if first == 43:  # a status
                                return engine.mk_ok(r[1:-2])
                            return engine._called(engine.top(r))
                        if result is self.null and sc.resp == 2 and not self.captured:
                            return False  # RESP2's null bulk reads as false
                        return engine._called(engine._replied(sc, result))
        return engine._called(engine._execute(args))

    cdef object _call(self, c, cmd, argv):
        """dispatch.call for the script client ``c``."""
        server = self.server
        if server.notify_flags:
            # What db.signal reads (for keyspace events only).
            server.current_event = cmd.event
        c.cmd = cmd
        c.argv = argv
        monitors = server.monitors
        # Read once: the command itself may turn the AOF on or off.
        propagating = server.propagating
        dirty = mark = None
        if propagating:
            dirty = server.dirty
            mark = server.propagation.begin()
        cdef long long start = clock_ns()
        try:
            result = cmd.handler(c, argv)
        except self.command_error as exc:
            result = exc.reply
            cmd.failed_calls += 1
            self.stats.count_error(exc.code)
        except BaseException:
            if propagating:
                server.propagation.end(c, argv, server.dirty > dirty, mark)
            raise
        cdef long long us = (<Meter?>cmd.meter).c_record(clock_ns() - start, True,
                                                         server.latency_tracking)
        if propagating:
            server.propagation.end(c, argv, server.dirty > dirty, mark)
        self.stats.total_commands += 1
        slow = server.slow_check_us
        if slow is not None and us >= slow:
            self.slow_command(c, cmd, argv, us)
        if monitors and not cmd.flags & self.not_monitored:
            self.feed_monitors(c, cmd, argv)
        return result


cdef inline bytes bulk_value(bytes r):
    """The string an encoded bulk reply ($<n> CRLF <data> CRLF) holds."""
    cdef const char *p = r
    cdef Py_ssize_t n = len(r), i = 1
    while i < n and p[i] != 13:
        i += 1
    return PyBytes_FromStringAndSize(p + i + 2, n - i - 4)


def number_argv(args):
    """luaArgsToRedisArgv for strings and numbers (numbers as %.17g), or None for other values."""
    argv = []
    for a in args:
        cls = a.__class__
        if cls is bytes:
            argv.append(a)
        elif cls is int or cls is float:
            argv.append(b"%.17g" % a)
        else:
            return None
    return argv
