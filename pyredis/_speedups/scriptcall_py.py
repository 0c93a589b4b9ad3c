"""``redis.call`` of a Lua runtime, pure-Python twin of ``scriptcall.pyx``.

The common case runs here: a command of its own (no subcommand), allowed in
scripts, with its arity and string or number arguments, in a plain run (see
``RunContext.plain``), through dispatch's ``call``.  Anything else goes to the
engine's ``_execute`` with every check.  A command's kind is the engine's:
0 not here, 1 a write, 2 a read (``LuaEngine._command_entry``).
"""


class ScriptCall:
    __slots__ = ("engine", "scripting", "client", "commands", "call")

    def __init__(self, engine):
        from ..dispatch import call
        self.engine = engine
        self.scripting = engine.scripting
        self.client = engine.client
        # Command name as a script wrote it -> (command, kind), filled by the engine.
        self.commands = engine.commands
        self.call = call

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
