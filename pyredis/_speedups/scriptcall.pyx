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
from collections import defaultdict
from time import perf_counter_ns as _perf_ns


cdef class ScriptCall:
    cdef object engine, scripting, client, commands, server
    cdef object command_error, slow_command, feed_monitors, not_monitored

    def __init__(self, engine):
        from pyredis import dispatch
        from pyredis.errors import CommandError
        self.engine = engine
        self.scripting = engine.scripting
        self.client = engine.client
        # Command name as a script wrote it -> (command, kind), filled by the engine.
        self.commands = engine.commands
        self.server = engine.server
        self.command_error = CommandError
        self.slow_command = dispatch.slow_command
        self.feed_monitors = dispatch.feed_monitors
        self.not_monitored = dispatch._NOT_MONITORED

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
                        if run.caller.tracking is not None and kind == 2:
                            engine._track(run.caller, cmd, argv)
                        if type(result) is bytes and not sc.captured:
                            r = result
                            first = r[0]
                            if first == 36 and r[1] != 45:  # a bulk string
                                return r[r.index(b"\r\n") + 2:-2]
                            if first == 58:  # an integer
                                return int(r[1:-2])
                            if first == 43:  # a status
                                return engine.mk_ok(r[1:-2])
                            return engine._called(engine.top(r))
                        return engine._called(engine._replied(sc, result))
        return engine._called(engine._execute(args))

    cdef object _call(self, c, cmd, argv):
        """dispatch.call for the script client ``c``."""
        server = self.server
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
        start = _perf_ns()
        try:
            result = cmd.handler(c, argv)
        except self.command_error as exc:
            result = exc.reply
            cmd.failed_calls += 1
            server.stats.count_error(exc.code)
        except BaseException:
            if propagating:
                server.propagation.end(c, argv, server.dirty > dirty, mark)
            raise
        elapsed = _perf_ns() - start
        cmd.usec += elapsed
        if propagating:
            server.propagation.end(c, argv, server.dirty > dirty, mark)
        cmd.calls += 1
        server.stats.total_commands += 1
        if server.latency_tracking:
            us = elapsed // 1000
            hist = cmd.latency
            if hist is None:
                hist = cmd.latency = [0] * 256
                cmd.latency_long = defaultdict(int)
            if us < 256:
                hist[us] += 1
            else:
                shift = us.bit_length() - 8
                cmd.latency_long[us >> shift << shift] += 1
        slow = server.slow_check_ns
        if slow is not None and elapsed >= slow:
            self.slow_command(c, cmd, argv, elapsed // 1000)
        if monitors and not cmd.flags & self.not_monitored:
            self.feed_monitors(c, cmd, argv)
        return result


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
