"""A Lua runtime with Redis's sandbox, and the run of one script in it.

One ``LuaEngine`` serves EVAL (recreated on SCRIPT FLUSH, as Redis recreates
its Lua state) and another FUNCTION.  Scripts are clients: ``redis.call``
runs the command through the same lookup and checks as a request, then
``dispatch.call``, on the server's script client, in the db the script
client has selected; its common case is ``_speedups.ScriptCall``.
"""
import math

import lupa.lua51 as lua51

from .. import clock, errors, sha
from .._speedups import ScriptCall, number_argv
from ..client import Client
from ..commands import TABLE
from ..db import now_ms
from ..eviction import FAIL
from ..dispatch import call, lookup
from ..errors import CommandError
from ..reply import bulk
from . import convert
from .libs import SOURCE as LIBS_SOURCE, install_all
from .sandbox import BOOTSTRAP
from .tailcalls import mentions_library, patch as patch_tail_calls

_LOG_LEVELS = ("debug", "verbose", "notice", "warning")
# How long FUNCTION LOAD lets a library's code run (Redis's LOAD_TIMEOUT_MS).
LOAD_TIMEOUT_MS = 500
# Past this many keys and arguments a run gets them as tables, not on the Lua
# stack (which holds some 8000 values).
MAX_STACK_ARGS = 1000


_table_get = TABLE.get


def _deny_attributes(obj, name, is_setting):
    raise AttributeError("access denied")



# redis.set_repl flags: REPL_AOF | REPL_REPLICA, all by default.
REPL_AOF = 1
REPL_ALL = 3


# How redis.call's fast path takes a command: not at all (a container, or
# refused in scripts), as a write, or as a read.
_OTHER, _WRITE, _READ = 0, 1, 2
# The names (as scripts write them: any case) a runtime remembers.
_MAX_COMMAND_NAMES = 256


def _script_kind(cmd):
    flags = cmd.flags
    if cmd.subcommands is not None or "noscript" in flags:
        return _OTHER
    return _WRITE if "write" in flags else _READ


class ScriptClient(Client):
    """Redis's lua_client: the client every script's commands run on."""

    __slots__ = ("captured",)
    in_script = True

    def __init__(self, server):
        self.server = server
        self.id = 0
        self.sock = None
        self.fd = -1
        self.unix = False
        self.addr = self.laddr = ""
        self.parser = None
        # The caller's user is set for each run: a script runs with its caller's permissions.
        self._init_state(server, None, True)
        # Blocking commands answer at once, as inside MULTI.
        self.deny_blocking = True
        self.captured = []

    def reply(self, r):
        self.captured.append(r)

    def output_size(self):
        return 0


class RunContext:
    """The script running now: who called it, what it may do, what it did."""

    # What a run starts with, until it changes (one object per run: the
    # fewer stores, the cheaper a short script).
    wrote = False
    killed = False
    timed_out = False
    repl = REPL_ALL
    # Whether redis.call may take its fast path: no debugger, ACL user,
    # replica link or cluster to consult, and every effect propagated.
    plain = True
    # Cluster mode: the slot of the keys met so far (-1: none yet), and
    # whether keys of other slots are allowed too.
    slot = -1
    cross_slot = True

    # Set for each run by LuaEngine.run: caller, name, eval_mode, read_only,
    # start (ms) and oom: out of memory when it started (and not allowed to
    # ignore it), so its first write may not be one that grows memory
    # (scriptVerifyOOM).


class EvalRun(RunContext):
    """The context of EVALSHA's common run (ScriptCall.evalsha): what it
    starts with is set here once, not for each run."""

    eval_mode = True
    read_only = False
    oom = False


# A run's context made without a call of __init__ (one object per run: the
# fewer calls, the cheaper a short script).
_new_run = RunContext.__new__


class LuaEngine:
    """One Lua runtime: compiles scripts and runs them with the callbacks below."""

    def __init__(self, scripting, eval_engine):
        self.scripting = scripting
        self.server = server = scripting.server
        lua = self.lua = lua51.LuaRuntime(register_eval=False, register_builtins=False,
                                          unpack_returned_tuples=True, encoding=None,
                                          attribute_filter=_deny_attributes)
        install_all(lua)
        self.client = scripting.client
        # redis.call's fast path: command name as written -> (command, kind).
        # The command table is complete before any script runs.
        self.commands = {}
        self.script_call = script_call = ScriptCall(self)
        (self._compile, self.run_eval, self.run_function, self._load_library, self._rearm,
         self.rawget, self.mk_ok, self.mk_err, self._dump, self._undump, ldb, tables) = lua.execute(
            BOOTSTRAP, script_call.lua_function(lua), self._pcall, _sha1hex, self._log, self._setresp, self._set_repl,
            self._acl_check, _error_info, self._tick, self._random, self._randomseed,
            server.redis_version.encode(), _version_num(server.redis_version), eval_engine,
            LIBS_SOURCE.encode(), _patch_library_tail_calls, self._ldb_stop, self._ldb_repl,
            self._ldb_debug, name="=redis")
        script_call.attach(self.run_eval)
        self._table_runners = dict(zip((self.run_eval, self.run_function), tables.values()))
        # The debugger's helpers: start, end, eval, global, redis.
        self.ldb = tuple(ldb.values())
        self.ldb_start, self.ldb_end = self.ldb[:2]
        self.reader = convert.ReplyReader(lua, self.mk_ok, self.mk_err)
        self.top = self.reader.top

    # ---- compiling --------------------------------------------------------
    def compile(self, body, chunkname):
        """The compiled chunk, or raises ValueError with Lua's message."""
        result = self._compile(body, chunkname)
        if result.__class__ is tuple:
            raise ValueError(result[1])
        if mentions_library(body):
            patched = patch_tail_calls(self._dump(result))
            if patched is not None:
                result = self._undump(patched, chunkname)
        return result

    def load_library(self, body, chunkname):
        """Run a library's code: ([(name, callback, description, flags)], None, None), or
        (None, compile error, None), or (None, None, error raised while it ran)."""
        scripting = self.scripting
        scripting.load_deadline = now_ms() + LOAD_TIMEOUT_MS
        try:
            result = self._load_library(body, chunkname)
        finally:
            timed_out = scripting.load_deadline < 0
            scripting.load_deadline = None
            if timed_out:
                self._rearm()
        if result.__class__ is not tuple:
            result = (result,)
        if result[0]:
            functions = []
            for entry in result[1].values():
                desc = entry[3]
                functions.append((entry[1], entry[2], desc if desc else None,
                                  [f.decode("latin-1") for f in entry[4].values()]))
            return functions, None, None
        return None, (result[1] if len(result) > 1 else None), (result[2] if len(result) > 2 else None)

    # ---- running ----------------------------------------------------------
    def run(self, c, runner, func, name, eval_mode, read_only, nkeys, args, flags=None):
        """Run a compiled script for client ``c``; returns its reply.

        ``flags`` are the script's declared flags (a shebang's, a function's),
        None for a script without a shebang.
        """
        scripting = self.scripting
        server = self.server
        # The server's Gates (maxmemory, cluster, the replica's) are all off
        # while it is not gated: one test instead of a read of each.
        gated = server.gated
        if gated or server.master_link is not None:
            oom = self._gates(c, flags, read_only)
            cluster = server.cluster
        else:
            oom = False
            cluster = None
        sc = self.client
        sc.db = c.db
        sc.resp = 2
        sc.user = c.user
        sc.acl_check = c.acl_check
        run = scripting.run = _new_run(RunContext)
        run.caller = c
        run.name = name
        run.eval_mode = eval_mode
        run.read_only = read_only
        run.start = clock.now_ms()
        run.oom = oom
        if (scripting.ldb is not None or c.acl_check is not None or server.master_link is not None
                or (gated and (cluster is not None or server.replica_gate is not None))):
            run.plain = False
        if cluster is not None:
            # A script without a shebang may touch keys of any slot.
            run.cross_slot = flags is None or "allow-cross-slot-keys" in flags
            if cluster.request_client is c:
                run.slot = cluster.request_slot
        try:
            if len(args) <= MAX_STACK_ARGS:
                result = self.script_call.run(runner, func, nkeys, args)
            else:
                table_from = self.lua.table_from
                result = self._table_runners[runner](func, table_from(args[:nkeys]), table_from(args[nkeys:]))
        finally:
            scripting.run = None
            if cluster is not None and cluster.request_client is c:
                cluster.request_slot = run.slot
            if run.timed_out or run.killed:
                self._ended_busy(run)
        cls = result.__class__
        if cls is bytes:
            # The script returned a string or a number (see the runners in sandbox.py).
            if not run.timed_out:
                return bulk(result)
        elif cls is int or cls is float:
            if not run.timed_out:
                return convert.integer(result)
        return self.outcome(c, run, result)

    def outcome(self, c, run, result):
        """The reply for what a run's runner returned, past its common cases."""
        cls = result.__class__
        if cls is bytes or cls is int or cls is float or cls is bool:
            ok = True
            value = result
        else:
            ok = result[0]
            value = result[1]
        server = self.server
        name = run.name
        if run.timed_out and not server.running:
            # SHUTDOWN NOSAVE during the script: the server goes away, the caller gets nothing.
            c.reply_off = True
            return None
        if not ok:
            return self._script_error(c, value, name)
        errs = []
        out = convert.to_reply(value, self.rawget, self.client.resp, errs)
        for e in errs:
            if not e.counted:
                server.stats.count_error(e.text.split(b" ", 1)[0].decode("latin-1"))
        if errs:
            c.cmd.failed_calls += 1
        return out

    def _gates(self, c, flags, read_only):
        """The checks of a run on a replica or under maxmemory: whether it starts out of memory."""
        server = self.server
        if server.master_link is not None:
            self._replica_gate(c, flags)
        if server.maxmemory and not read_only and (flags is None or "allow-oom" not in flags):
            if server.memory.perform() == FAIL:
                # A script that declares its flags counts as a command that
                # grows memory unless it says allow-oom (scriptFlagsToCmdFlags).
                if flags is not None:
                    raise CommandError(errors.OOM)
                return True
        return False

    def _replica_gate(self, c, flags):
        """scriptPrepareForRun on a replica: stale data and writes as the script declares."""
        link = self.server.master_link
        if link.stale() and (flags is None or "allow-stale" not in flags):
            raise CommandError(errors.MASTERDOWN)
        if flags is not None and "no-writes" not in flags and link.readonly_for(c):
            raise CommandError(errors.READONLY_SCRIPT)

    def _ended_busy(self, run):
        if run.timed_out:
            self.server.busy = None
        self._rearm()

    def _script_error(self, c, err, name):
        """luaCallFunction's reply for an uncaught error."""
        rawget = self.rawget
        if err is None or lua51.lua_type(err) != "table":
            text = err if err.__class__ is bytes else b"execution failure"
            raise CommandError(errors.SCRIPT_RUN_FAILED % (name, errors.arg(text[:100])))
        msg = rawget(err, b"err")
        msg = msg if msg.__class__ is bytes else b""
        source = rawget(err, b"source")
        line = rawget(err, b"line")
        text = msg
        if source is not None and line is not None:
            text = b"%s script: %s, on %s:%d." % (msg, name.encode("latin-1"), source, int(line))
        text = text.replace(b"\r", b" ").replace(b"\n", b" ")
        if rawget(err, b"ignore_error_stats_update"):
            # Counted in the error stats by the command that failed; a failed call all the same.
            c.cmd.failed_calls += 1
            return b"-" + text + b"\r\n"
        raise CommandError(text.decode("latin-1"))

    # ---- callbacks from Lua -----------------------------------------------
    # Errors are raised as ScriptRaise; Lua's error handler (or the sandbox's
    # pcall) turns them into Redis's error tables through _error_info.
    # ---- redis.call's helpers (the call itself is _speedups.ScriptCall) ----
    def _track(self, caller, cmd, argv):
        """call()'s trackingRememberKeys(server.script_caller) after a read: what is
        remembered are the keys the caller's own command names (EVAL's KEYS), not
        the ones the read fetched."""
        if "readonly" in cmd.flags and caller.track_read is not None:
            caller.track_read(-1, caller.cmd, caller.argv)

    def _command_entry(self, name):
        """(command, how the fast path takes it) for a name as a script wrote it, or None."""
        cmd = _table_get(name.lower())
        if cmd is None:
            return None
        entry = (cmd, _script_kind(cmd))
        if len(self.commands) < _MAX_COMMAND_NAMES:
            self.commands[name] = entry
        return entry

    def _called(self, value):
        """redis.call's result for what _execute returned."""
        if value.__class__ is not tuple:
            return value
        text, tag = value
        if tag == convert.TAG_STATUS:
            return self.mk_ok(text)
        raise ScriptRaise(text, tag == convert.TAG_ERROR_COUNTED)

    def _pcall(self, *args):
        """redis.pcall: as redis.call, but an error reply is returned as ``{err=...}``."""
        try:
            value = self._execute(args)
        except ScriptRaise as exc:
            return self.mk_err(exc.text, exc.counted or None)
        if value.__class__ is tuple:
            text, tag = value
            if tag == convert.TAG_STATUS:
                return self.mk_ok(text)
            return self.mk_err(text, (tag == convert.TAG_ERROR_COUNTED) or None)
        return value

    def _execute(self, args):
        """scriptCall: the script's command through the request checks and dispatch's call()."""
        scripting = self.scripting
        run = scripting.run
        if run is None:
            raise _api_error(errors.SCRIPT_CALL_OUTSIDE_RUN)
        argv = list(args)
        for a in args:
            if a.__class__ is not bytes:
                argv = _argv(args)
                break
        else:
            if not args:
                raise _api_error(errors.LUA_CALL_NO_ARGS)
        if scripting.ldb is not None:
            scripting.ldb.command_logged(argv)
        cmd = _table_get(argv[0].lower())
        if cmd is None or cmd.subcommands is not None or (
                (cmd.arity > 0 and cmd.arity != len(argv)) or len(argv) < -cmd.arity):
            cmd, error = lookup(argv)
            if cmd is None:
                return self._reject(None, errors.SCRIPT_UNKNOWN_COMMAND)
            if error is not None:
                cmd.rejected_calls -= 1
                return self._reject(cmd, errors.SCRIPT_WRONG_ARITY)
        flags = cmd.flags
        if "noscript" in flags:
            return self._reject(cmd, errors.SCRIPT_NOSCRIPT_COMMAND)
        if self.server.replica_gate is not None and "stale" not in flags and self.server.master_link.stale():
            return self._reject(cmd, errors.SCRIPT_STALE_REPLICA)
        caller = run.caller
        if caller.acl_check is not None:
            denied = _acl_denial(caller, cmd, argv, True)
            if denied is not None:
                return self._reject(cmd, denied)
        if "write" in flags:
            if run.read_only:
                return self._reject(cmd, errors.SCRIPT_WRITE_READ_ONLY)
            if self.server.master_link is not None and self.server.master_link.readonly_for(caller):
                return self._reject(cmd, errors.READONLY_REPLICA)
            if run.oom and not run.wrote and "denyoom" in flags:
                return self._reject(cmd, errors.OOM)
            run.wrote = True
        sc = scripting.client
        server = self.server
        if server.cluster is not None:
            denied = server.cluster.script_check(run, cmd, argv)
            if denied is not None:
                return self._reject(cmd, denied)
        if server.propagating and not run.repl & REPL_AOF:
            # redis.set_repl: this command's effects stay out of the AOF.
            ops = server.propagation.ops
            mark = len(ops)
            result = call(sc, cmd, argv)
            del ops[mark:]
        else:
            result = call(sc, cmd, argv)
        if caller.tracking is not None:
            self._track(caller, cmd, argv)
        if result.__class__ is bytes and not sc.captured:
            if scripting.ldb is not None:
                scripting.ldb.reply_logged(result)
            return self.top(result)
        return self._replied(sc, result)

    def _replied(self, sc, result):
        """The value for a command's reply and what its handler wrote to the script client."""
        scripting = self.scripting
        captured = sc.captured
        if captured:
            # What the handler wrote to the client itself comes first, as on a connection.
            if result is not None:
                captured.append(result)
            result = b"".join(r if r.__class__ is bytes else r.encode(sc.resp) for r in captured)
            captured.clear()
        elif result is None:
            return None
        else:
            result = result.encode(sc.resp)
        if scripting.ldb is not None:
            scripting.ldb.reply_logged(result)
        return self.top(result)

    # ---- the Lua debugger's callbacks ---------------------------------------
    def _ldb_stop(self, is_count, line, lua_breakpoint):
        session = self.scripting.ldb
        return None if session is None else session.should_stop(is_count, line, lua_breakpoint)

    def _ldb_repl(self, reason, local_vars, frames):
        session = self.scripting.ldb
        return None if session is None else session.stop(reason, local_vars, frames)

    def _ldb_debug(self, n, *values):
        session = self.scripting.ldb
        if session is not None:
            values = list(values[:n])
            values += [None] * (n - len(values))
            session.debug(values)

    def _reject(self, cmd, text):
        """A command refused inside a script: counted as a rejected call and an ERR reply."""
        ldb = self.scripting.ldb
        if ldb is not None:
            ldb.error_logged(text[4:].encode("latin-1") if text.startswith("ERR ") else text.encode("latin-1"))
        if cmd is not None:
            cmd.rejected_calls += 1
        self.server.stats.count_error("ERR")
        return text.encode("latin-1"), convert.TAG_ERROR_COUNTED

    def _log(self, *args):
        """redis.log(level, message, ...)."""
        if len(args) < 2:
            raise _api_error(errors.LUA_LOG_ARGS)
        level = _number(args[0])
        if level is None:
            raise _api_error(errors.LUA_LOG_LEVEL_TYPE)
        level = int(level)
        if not 0 <= level <= 3:
            raise _api_error(errors.LUA_LOG_LEVEL)
        parts = []
        for a in args[1:]:
            cls = a.__class__
            if cls is bytes:
                parts.append(a)
            elif cls is int or cls is float:
                parts.append(_lua_number(a))
        self.server.log(_LOG_LEVELS[level], b" ".join(parts).decode("utf-8", "replace"))

    def _setresp(self, *args):
        if len(args) != 1:
            raise _api_error(errors.LUA_SETRESP_ARGS)
        resp = _number(args[0])
        if resp != 2 and resp != 3:
            raise _api_error(errors.LUA_SETRESP_VERSION)
        self.scripting.client.resp = int(resp)

    def _set_repl(self, *args):
        if len(args) != 1:
            raise _api_error(errors.LUA_SET_REPL_ARGS)
        flags = _number(args[0])
        flags = int(flags) if flags is not None else 0
        if flags & ~3:
            raise _api_error(errors.LUA_SET_REPL_FLAGS)
        run = self.scripting.run
        if run is not None:
            run.repl = flags
            if not flags & REPL_AOF:
                run.plain = False

    def _acl_check(self, *args):
        argv = _argv(args)
        cmd, error = lookup(argv)
        if cmd is None:
            raise _api_error(errors.LUA_ACL_INVALID_COMMAND)
        if error is not None:
            cmd.rejected_calls -= 1
        run = self.scripting.run
        caller = run.caller if run is not None else None
        if caller is not None and caller.acl_check is not None:
            return _acl_denial(caller, cmd, argv, False) is None
        return True

    def _random(self, *args):
        """Lua's math_random on redisLrand48."""
        r = self.scripting.rand.random()
        n = len(args)
        if n == 0:
            return r
        if n == 1:
            upper = _checkint(args, 0, b"random")
            if upper < 1:
                raise ScriptRaise(b"bad argument #1 to 'random' (interval is empty)", where=True)
            return math.floor(r * upper) + 1
        if n == 2:
            lower = _checkint(args, 0, b"random")
            upper = _checkint(args, 1, b"random")
            if lower > upper:
                raise ScriptRaise(b"bad argument #2 to 'random' (interval is empty)", where=True)
            return math.floor(r * (upper - lower + 1)) + lower
        raise ScriptRaise(b"wrong number of arguments", where=True)

    def _randomseed(self, *args):
        self.scripting.rand.seed(_checkint(args, 0, b"randomseed"))

    def _tick(self):
        """The instruction hook: busy-script bookkeeping; a kill message once killed."""
        scripting = self.scripting
        run = scripting.run
        if run is None:
            deadline = scripting.load_deadline
            if deadline is not None and (deadline < 0 or now_ms() > deadline):
                # luaEngineLoadHook: a library's code must finish loading in time.
                scripting.load_deadline = -1
                return errors.FUNCTION_LOAD_TIMEOUT.encode("latin-1")
            return None
        server = self.server
        if not run.timed_out:
            if now_ms() - run.start < server.config["busy-reply-threshold"]:
                return None
            run.timed_out = True
            server.busy = errors.BUSY_EVAL if run.eval_mode else errors.BUSY_FUNCTION
            server.log("warning", "Slow script detected: still in execution after %d milliseconds. "
                       "You can try killing the script using the %s command. Script name is: %s."
                       % (now_ms() - run.start, "SCRIPT KILL" if run.eval_mode else "FUNCTION KILL",
                          run.name))
        server.process_events_once(run.caller)
        if run.killed or not server.running:
            # Redis 7.0 words it so for FUNCTION KILL too.
            return errors.SCRIPT_KILLED.encode("latin-1")
        return None


class ScriptRaise(Exception):
    """An error a callback raises into the script: its text and whether its stats were counted."""

    def __init__(self, text, counted=False, where=False):
        super().__init__(text)
        self.text = text
        self.counted = counted
        # A Lua library error: the script's position goes in front, as luaL_error's.
        self.where = where


def _acl_denial(caller, cmd, argv, log):
    """The ACL check of scriptCall with the caller's user: None, or the error text."""
    from ..commands import acl
    result, pos = acl.check_user(caller.acl_check, cmd, argv)
    if not result:
        return None
    if log:
        acl.log_denial(caller, result, "lua", cmd.fullname if result == acl.DENIED_CMD else argv[pos])
    if result == acl.DENIED_CMD:
        return errors.SCRIPT_NOPERM_COMMAND
    if result == acl.DENIED_KEY:
        return errors.SCRIPT_NOPERM_KEY
    return errors.SCRIPT_NOPERM_CHANNEL


def _api_error(text):
    return ScriptRaise(text.encode("latin-1"))


def _error_info(exc):
    if isinstance(exc, ScriptRaise):
        return exc.text, exc.counted, exc.where
    return b"ERR " + str(exc).encode("utf-8", "replace"), False, False


def _checkint(args, i, fname):
    """luaL_checkint: a number (or numeric string), truncated."""
    v = args[i] if i < len(args) else None
    x = _number(v)
    if x is None:
        got = b"no value" if i >= len(args) else _type_name(v)
        raise ScriptRaise(b"bad argument #%d to '%s' (number expected, got %s)" % (i + 1, fname, got),
                          where=True)
    return int(x)


def _type_name(v):
    if v is None:
        return b"nil"
    cls = v.__class__
    if cls is bool:
        return b"boolean"
    if cls is bytes:
        return b"string"
    return (lua51.lua_type(v) or "userdata").encode()


def _number(v):
    """lua_tonumber: numbers, and strings that read as numbers."""
    cls = v.__class__
    if cls is int or cls is float:
        return v
    if cls is bytes:
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _lua_number(v):
    """A Lua number as Lua's tostring prints it (%.14g)."""
    return b"%.14g" % v


def _argv(args):
    """luaArgsToRedisArgv: strings as they are, numbers as %.17g."""
    if not args:
        raise _api_error(errors.LUA_CALL_NO_ARGS)
    argv = number_argv(args)
    if argv is None:
        raise _api_error(errors.LUA_CALL_ARG_TYPE)
    return argv


def _patch_library_tail_calls(body, chunk):
    """A library's chunk with its tail calls to the C libraries made calls, or None."""
    return patch_tail_calls(chunk) if mentions_library(body) else None


def _sha1hex(*args):
    if len(args) != 1:
        raise _api_error(errors.LUA_WRONG_ARGS)
    data = args[0]
    if data.__class__ is not bytes:
        data = _lua_number(data) if data.__class__ in (int, float) else b""
    return sha.sha1(data).hexdigest().encode()


def _version_num(version):
    major, minor, patch = (int(p) for p in version.split("."))
    return (major << 16) | (minor << 8) | patch
