"""Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.

The engine, the sandbox and the conversions live in pyredis.scripting; these
are the thin command wrappers, in evalGenericCommand's check order: numkeys,
then the script, then the shebang flags against the command.
"""
from .. import errors, reply
from ..errors import CommandError
from ..numbers import parse_int
from ..scripting import forget_client, install
from ..scripting.debugger import kill_children, reap_children, run_session
from ..server import Server
from . import TABLE, command, container


# The numkeys almost every call sends, read without the general parser.
SMALL_NUMKEYS = {str(i).encode(): i for i in range(64)}


def numkeys_arg(argv):
    """The numkeys of EVAL/FCALL ``argv`` (argv[2]), checked as evalGenericCommand."""
    numkeys = SMALL_NUMKEYS.get(argv[2])
    if numkeys is None:
        numkeys = parse_int(argv[2])
        if numkeys is None:
            raise errors.E_NOT_INTEGER
    if numkeys > len(argv) - 3:
        raise CommandError(errors.NUMKEYS_GT_ARGS)
    if numkeys < 0:
        raise CommandError(errors.NUMKEYS_NEGATIVE)
    return numkeys


def script_keys(argv):
    """Key positions of EVAL/FCALL for COMMAND GETKEYS: the numkeys key spec."""
    numkeys = parse_int(argv[2]) if len(argv) > 2 else None
    if numkeys is None or numkeys < 0 or numkeys > len(argv) - 3:
        return []
    return list(range(3, 3 + numkeys))


def _run(c, script, argv, numkeys, ro):
    if script.shebang:
        if "no-cluster" in script.flags and c.server.cluster is not None:
            raise CommandError(errors.SCRIPT_NO_CLUSTER)
        if ro and "no-writes" not in script.flags:
            raise CommandError(errors.SCRIPT_WRITE_FLAG_RO)
        flags = script.flags
        read_only = ro or "no-writes" in flags
    else:
        flags = None
        read_only = ro
    engine = c.server.scripting.cache.engine
    return engine.run(c, engine.run_eval, script.func, script.name, True, read_only, numkeys,
                      argv[3:], flags)


def _eval(c, argv, ro):
    debugging = c.server.scripting.debug_clients
    if debugging and c in debugging:
        return run_session(c, argv, lambda session: _debugged(c, argv, ro, session))
    numkeys = numkeys_arg(argv)
    _, script = c.server.scripting.cache.add(argv[1])
    return _run(c, script, argv, numkeys, ro)


def _debugged(c, argv, ro, session):
    """evalGenericCommand inside a debugging session: the script runs under the debugger's hook."""
    numkeys = numkeys_arg(argv)
    scripting = c.server.scripting
    _, script = scripting.cache.add(argv[1])
    engine = session.engine = scripting.cache.engine
    engine.ldb_start()
    return _run(c, script, argv, numkeys, ro)


def _evalsha(c, argv, ro):
    sha = argv[1]
    # A SHA1 of the wrong length cannot match: answered before numkeys is read.
    if len(sha) != 40:
        raise CommandError(errors.NOSCRIPT)
    scripting = c.server.scripting
    debugging = scripting.debug_clients
    if debugging and c in debugging:
        raise CommandError(errors.SCRIPT_DEBUG_EVALSHA)
    numkeys = SMALL_NUMKEYS.get(argv[2])
    if numkeys is None or numkeys > len(argv) - 3:
        numkeys = numkeys_arg(argv)
    script = scripting.cache.scripts.get(sha)
    if script is None:
        script = scripting.cache.get(sha)
        if script is None:
            raise CommandError(errors.NOSCRIPT)
    return _run(c, script, argv, numkeys, ro)


_FLAGS = "noscript stale skip_monitor no_mandatory_keys"


# EVAL script numkeys [key ...] [arg ...]
@command("eval", -3, _FLAGS, group="scripting", getkeys=script_keys)
def eval_(c, argv):
    return _eval(c, argv, False)


# EVALSHA sha1 numkeys [key ...] [arg ...]
@command("evalsha", -3, _FLAGS, group="scripting", getkeys=script_keys)
def evalsha(c, argv):
    # The common case (a script without flags, in a plain run) is the engine's
    # ScriptCall.evalsha; the rest is _evalsha(c, argv, False).
    return c.server.scripting.cache.engine.script_call.evalsha(c, argv, _evalsha)


# EVAL_RO script numkeys [key ...] [arg ...]
@command("eval_ro", -3, "readonly " + _FLAGS, group="scripting", getkeys=script_keys)
def eval_ro(c, argv):
    return _eval(c, argv, True)


# EVALSHA_RO sha1 numkeys [key ...] [arg ...]
@command("evalsha_ro", -3, "readonly " + _FLAGS, group="scripting", getkeys=script_keys)
def evalsha_ro(c, argv):
    return _evalsha(c, argv, True)


def untracked_reads(*names):
    """Client tracking remembers what a read-only script's commands read, not the
    script's own keys (call() leaves EVAL_RO, EVALSHA_RO and FCALL_RO out)."""
    for name in names:
        TABLE[name].tracked_key = 0


untracked_reads(b"eval_ro", b"evalsha_ro")


container("script", group="scripting")

_SCRIPT_HELP = reply.array([reply.simple(line) for line in (
    b"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"DEBUG (YES|SYNC|NO)",
    b"    Set the debug mode for subsequent scripts executed.",
    b"EXISTS <sha1> [<sha1> ...]",
    b"    Return information about the existence of the scripts in the script cache.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Flush the Lua scripts cache. Very dangerous on replicas.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the scripts cache.",
    b"    * SYNC: Synchronously flush the scripts cache.",
    b"KILL",
    b"    Kill the currently executing Lua script.",
    b"LOAD <script>",
    b"    Load a script into the scripts cache without executing it.",
    b"HELP",
    b"    Prints this help.",
)])


# SCRIPT HELP
@command("script|help", 2, "loading stale", group="scripting")
def script_help(c, argv):
    return _SCRIPT_HELP


# SCRIPT LOAD script
@command("script|load", 3, "noscript stale", group="scripting")
def script_load(c, argv):
    sha, _ = c.server.scripting.cache.add(argv[2])
    return reply.bulk(sha)


# SCRIPT EXISTS sha1 [sha1 ...]
@command("script|exists", -3, "noscript", group="scripting")
def script_exists(c, argv):
    cache = c.server.scripting.cache
    return reply.array([reply.ONE if cache.get(sha) is not None else reply.ZERO
                        for sha in argv[2:]])


def flush_mode(argv, error):
    """The optional ASYNC|SYNC of SCRIPT FLUSH / FUNCTION FLUSH (both flush at once here)."""
    if len(argv) == 3 and argv[2].lower() not in (b"sync", b"async"):
        raise CommandError(error)
    if len(argv) > 3:
        raise CommandError(error)


# SCRIPT FLUSH [ASYNC|SYNC]
@command("script|flush", -2, "noscript", group="scripting")
def script_flush(c, argv):
    flush_mode(argv, errors.SCRIPT_FLUSH_OPTION)
    c.server.scripting.flush_scripts()
    return reply.OK


def kill(c, eval_mode):
    """scriptKill: stop the running script unless it wrote or is of the other kind."""
    run = c.server.scripting.run
    if run is None or not run.timed_out:
        raise CommandError(errors.NOTBUSY)
    if run.wrote:
        raise CommandError(errors.UNKILLABLE)
    if eval_mode and not run.eval_mode:
        raise CommandError(errors.BUSY_FUNCTION)
    if not eval_mode and run.eval_mode:
        raise CommandError(errors.BUSY_EVAL)
    run.killed = True
    return reply.OK


# SCRIPT KILL
@command("script|kill", 2, "noscript allow_busy", group="scripting")
def script_kill(c, argv):
    return kill(c, True)


# SCRIPT DEBUG YES|SYNC|NO
@command("script|debug", 3, "noscript", group="scripting")
def script_debug(c, argv):
    if c.multi is not None:
        raise CommandError(errors.SCRIPT_DEBUG_IN_MULTI)
    mode = argv[2].lower()
    scripting = c.server.scripting
    if mode == b"no":
        scripting.set_debug(c, None)
    elif mode in (b"yes", b"sync"):
        scripting.set_debug(c, mode.decode())
    else:
        raise CommandError(errors.SCRIPT_DEBUG_OPTION)
    return reply.OK


Server.start_hooks.append(install)
Server.close_hooks.append(forget_client)
Server.cron_hooks.append(reap_children)
Server.shutdown_hooks.append(kill_children)
