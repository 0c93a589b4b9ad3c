# cython: language_level=3
"""``redis.call`` of a Lua runtime, compiled twin of ``scriptcall_py.py``.

The same fast path, with dispatch's ``call`` written out for the script
client (Redis's scriptCall -> call()): what call() does that can be seen
from outside, in its order (commandstats, errorstats, latency, slowlog,
propagation, MONITOR), less what cannot apply to the script client: it
never blocks (commands answer at once in scripts), is not tracked itself
(its caller is, by the engine) and runs no skip_monitor command (they are
all noscript).  dispatch.call and this copy change together.
"""
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC


cdef inline long long _now_ns():
    """time.perf_counter_ns's clock (CLOCK_MONOTONIC), read without a call into Python."""
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000000000LL + ts.tv_nsec


cdef class ScriptCall:
    cdef object engine, scripting, client, server
    cdef dict commands
    # The script client's list of what handlers wrote to it, and the server's Stats (both kept for life).
    cdef list captured
    cdef object stats
    # The script cache's SHA1 -> script (ScriptCache attaches it).
    cdef public dict scripts
    cdef object command_error, slow_command, record_latency, feed_monitors, not_monitored
    cdef object new_run, run_context, clock, bulk, integer, run_eval, one, null
    cdef dict small_numkeys

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
        self.record_latency = dispatch.record_latency
        self.feed_monitors = dispatch.feed_monitors
        self.not_monitored = dispatch._NOT_MONITORED
        from pyredis.commands.scripting import SMALL_NUMKEYS
        from pyredis import clock
        from pyredis import reply
        from pyredis.scripting import convert, engine as engine_module
        self.small_numkeys = SMALL_NUMKEYS
        self.run_context = engine_module.EvalRun
        self.new_run = engine_module.EvalRun.__new__
        self.clock = clock
        self.bulk = reply.bulk
        self.one = reply.ONE
        self.null = reply.NULL
        self.integer = convert.integer

    def evalsha(self, c, argv, fallback):
        """EVALSHA (not _RO) of a cached script without a shebang, in a plain run
        (see ``RunContext.plain``) on a server that is not gated (so no client
        debugs scripts) nor a replica, for a client without ACL key patterns:
        ``LuaEngine.run`` for it written out; anything else is
        ``fallback(c, argv, False)``, the handler's whole path."""
        cdef Py_ssize_t i, nargs = len(argv)
        cdef tuple args
        script = self.scripts.get(argv[1])
        numkeys = self.small_numkeys.get(argv[2])
        if (script is None or numkeys is None or <Py_ssize_t>numkeys > nargs - 3 or script.shebang):
            return fallback(c, argv, False)
        server = self.server
        if server.gated or server.master_link is not None or c.acl_check is not None:
            return fallback(c, argv, False)
        engine = self.engine
        run_eval = self.run_eval
        if run_eval is None:
            # Set by the engine once its bootstrap ran, after this object was made.
            run_eval = self.run_eval = engine.run_eval
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
        args = PyTuple_New(nargs - 1)
        func = script.func
        Py_INCREF(func)
        PyTuple_SET_ITEM(args, 0, func)
        Py_INCREF(numkeys)
        PyTuple_SET_ITEM(args, 1, numkeys)
        for i in range(3, nargs):
            a = argv[i]
            Py_INCREF(a)
            PyTuple_SET_ITEM(args, i - 1, a)
        run = self.new_run(self.run_context)
        run.caller = c
        run.name = script.name
        run.start = int(self.clock.time() * 1000)
        scripting = self.scripting
        scripting.run = run
        try:
            result = run_eval(*args)
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

    def __call__(self, *args):
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
        cdef long long start = _now_ns()
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
        elapsed = <object>(_now_ns() - start)
        cmd.usec += elapsed
        if propagating:
            server.propagation.end(c, argv, server.dirty > dirty, mark)
        cmd.calls += 1
        self.stats.total_commands += 1
        if server.latency_tracking:
            us = elapsed // 1000
            hist = cmd.latency
            if hist is not None and us < 256:
                hist[us] += 1
            else:
                self.record_latency(cmd, us)
        slow = server.slow_check_ns
        if slow is not None and elapsed >= slow:
            self.slow_command(c, cmd, argv, elapsed // 1000)
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
