"""``redis.call`` of a Lua runtime, pure-Python twin of ``scriptcall.pyx``.

The common case runs here: a command of its own (no subcommand), allowed in
scripts, with its arity and string or number arguments, in a plain run (see
``RunContext.plain``), through dispatch's ``call``.  Anything else goes to the
engine's ``_execute`` with every check.  A command's kind is the engine's:
0 not here, 1 a write, 2 a read (``LuaEngine._command_entry``).
"""


class ScriptCall:
    __slots__ = ("engine", "scripting", "client", "commands", "call", "server", "scripts",
                 "small_numkeys", "new_run", "run_context", "clock", "bulk", "integer", "run_eval",
                 "one", "null", "max_stack_args")

    def __init__(self, engine):
        from ..dispatch import call
        self.engine = engine
        self.scripting = engine.scripting
        self.client = engine.client
        # Command name as a script wrote it -> (command, kind), filled by the engine.
        self.commands = engine.commands
        self.call = call
        self.server = engine.server
        # The script cache's SHA1 -> script (ScriptCache attaches it).
        self.scripts = None
        # The runtime's EVAL runner, set by attach once the engine's bootstrap ran.
        self.run_eval = None
        from ..commands.scripting import SMALL_NUMKEYS
        from .. import clock
        from ..reply import NULL, ONE, bulk
        from ..scripting import convert, engine as engine_module
        self.small_numkeys = SMALL_NUMKEYS
        self.run_context = engine_module.EvalRun
        self.max_stack_args = engine_module.MAX_STACK_ARGS
        self.new_run = engine_module.EvalRun.__new__
        self.clock = clock
        self.bulk = bulk
        self.one = ONE
        self.null = NULL
        self.integer = convert.integer

    def lua_function(self, lua):
        """What the runtime ``lua`` calls as redis.call: this object, through the bridge."""
        return self

    def attach(self, run_eval):
        """Once the runtime's runners exist."""
        self.run_eval = run_eval

    def run(self, runner, func, numkeys, args):
        """``runner(func, numkeys, *args)``."""
        return runner(func, numkeys, *args)

    def evalsha(self, c, argv, fallback):
        """EVALSHA (not _RO) of a cached script without a shebang, in a plain run
        (see ``RunContext.plain``) on a server that is not gated (so no client
        debugs scripts) nor a replica, for a client without ACL key patterns:
        ``LuaEngine.run`` for it written out; anything else is
        ``fallback(c, argv, False)``, the handler's whole path."""
        script = self.scripts.get(argv[1])
        numkeys = self.small_numkeys.get(argv[2])
        if (script is None or numkeys is None or numkeys > len(argv) - 3 or script.shebang
                or len(argv) - 3 > self.max_stack_args):
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
            result = run_eval(script.func, numkeys, *argv[3:])
        finally:
            scripting.run = None
            timed_out = run.timed_out
            if timed_out or run.killed:
                engine._ended_busy(run)
        cls = result.__class__
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
        engine = self.engine
        run = self.scripting.run
        if run is not None and run.plain and args:
            name = args[0]
            entry = None
            if name.__class__ is bytes:
                entry = self.commands.get(name)
                if entry is None:
                    entry = engine._command_entry(name)
            if entry is not None:
                cmd, kind = entry
                n = len(args)
                arity = cmd.arity
                if kind and (n == arity if arity > 0 else n >= -arity):
                    for a in args:
                        if a.__class__ is not bytes:
                            argv = number_argv(args)
                            break
                    else:
                        argv = list(args)
                    if argv is not None:
                        if kind == 1:
                            if run.read_only or (run.oom and not run.wrote and "denyoom" in cmd.flags):
                                return engine._called(engine._execute(args))
                            run.wrote = True
                        sc = self.client
                        result = self.call(sc, cmd, argv)
                        if run.caller.tracking is not None and kind == 2:
                            engine._track(run.caller, cmd, argv)
                        if result.__class__ is bytes and not sc.captured:
                            first = result[0]
                            if first == 36 and result[1] != 45:  # a bulk string
                                return result[result.index(b"\r\n") + 2:-2]
                            if first == 58:  # an integer
                                return int(result[1:-2])
                            if first == 43:  # a status
                                return engine.mk_ok(result[1:-2])
                            return engine._called(engine.top(result))
                        if result is self.null and sc.resp == 2 and not sc.captured:
                            return False  # RESP2's null bulk reads as false
                        return engine._called(engine._replied(sc, result))
        return engine._called(engine._execute(args))


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
