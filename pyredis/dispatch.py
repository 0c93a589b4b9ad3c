"""From a parsed request to a reply: lookup, arity, context checks, then the handler.

The checks run in the order of Redis's processCommand; a rejection inside
MULTI marks the transaction so EXEC answers EXECABORT.
"""
import socket
import time

from . import errors, reply
from .commands import TABLE
from .errors import CommandError
from .eviction import FAIL
from ._speedups import span_end

_perf_ns = time.perf_counter_ns
# A request's command by the name as written, then by its lowercase
# (commands.CommandTable): most requests spell their command as an earlier one.
_spelled_get = TABLE.spelled.get
_find = TABLE.find

# These sets name commands by their own names, not by what the request
# said: rename-command changes only the name a command is called by.
# Commands a RESP2 client may send while subscribed.
PUBSUB_ALLOWED = frozenset(("ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
                            "psubscribe", "punsubscribe", "quit", "reset"))
# Commands that run at once inside MULTI instead of being queued.
MULTI_IMMEDIATE = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))
NO_AUTH_NEEDED = frozenset(("auth", "hello", "quit", "reset"))
# Commands a CLIENT PAUSE WRITE holds back besides those flagged "write", and
# that a MONITOR client may not run (Redis's CMD_MAY_REPLICATE, which COMMAND
# INFO does not show).
MAY_REPLICATE = frozenset(("publish", "spublish", "eval", "evalsha", "fcall"))
# Commands refused unless a config option allows them for this connection
# (Redis's CMD_PROTECTED, which COMMAND INFO does not show).
PROTECTED = {"debug": "enable-debug-command", "pyredis.clock": "enable-clock-command"}
# Protected commands that a server started without their option does not
# know at all, as redis-server, which has no such command.
UNLISTED = frozenset(("pyredis.clock",))


_NOT_MONITORED = frozenset(("admin", "skip_monitor"))
# Commands refused under a transaction when out of memory, but these.
_NEVER_OOM = frozenset(("exec", "discard", "quit", "reset"))


class Gate:
    """A server attribute that, while it holds, sends every request through all of execute()'s checks.

    Setting one recomputes ``server.gated``, the single test execute()
    makes for all of them; reading it costs what a plain attribute does
    where it matters (the checks read it only once the server is gated).
    ``truthy``: the gate holds while the value is true, else while it is not None.
    """

    def __init__(self, truthy=False):
        self.truthy = truthy

    def __set_name__(self, owner, name):
        self.name = name
        owner.gates = owner.__dict__.get("gates", ()) + (self,)

    def holds(self, value):
        return bool(value) if self.truthy else value is not None

    def __get__(self, server, owner=None):
        if server is None:
            return self
        return server.__dict__.get(self.name)

    def __set__(self, server, value):
        values = server.__dict__
        values[self.name] = value
        server.gated = any(g.holds(values.get(g.name)) for g in type(server).gates)


def unknown_command_error(argv):
    args = ""
    for a in argv[1:]:
        if len(args) >= 128:
            break
        args += "'%s' " % errors.arg(a, 128 - len(args))
    return CommandError(errors.UNKNOWN_COMMAND % (errors.arg(argv[0], 128), args))


def lookup(argv):
    """(command, None), or (command or None, error) for a request, as Redis's lookupCommand.

    A request with the wrong number of arguments still names its command.
    """
    cmd = TABLE.get(argv[0].lower())
    if cmd is None:
        return None, unknown_command_error(argv)
    if cmd.subcommands is not None and len(argv) > 1:
        sub = cmd.subcommands.get(argv[1].lower())
        if sub is None:
            # Named as the request named it (rename-command).
            return None, CommandError(errors.UNKNOWN_SUBCOMMAND % (errors.arg(argv[1], 128),
                                                                   argv[0].upper().decode("latin-1")))
        cmd = sub
    arity = cmd.arity
    n = len(argv)
    if (arity > 0 and arity != n) or n < -arity:
        cmd.rejected_calls += 1
        return cmd, CommandError(errors.WRONG_ARITY % cmd.fullname)
    return cmd, None


def reject(c, error, argv=None):
    if argv is not None and c.cmd is not None and c.cmd.fullname == "exec":
        error = _exec_abort(c, error)
    c.server.stats.count_error(error.code)
    if c.multi is not None:
        c.multi_error = True
    c.reply(error.reply)


def _exec_abort(c, error):
    """A rejected EXEC discards the transaction (even without MULTI), as Redis's execCommandAbort."""
    from .commands.transactions import discard_transaction
    discard_transaction(c)
    text = error.text[4:] if error.text.startswith("ERR ") else error.text
    return CommandError("EXECABORT Transaction discarded because of: " + text)


def execute(c, argv):
    """Run one request from ``c`` at top level."""
    # The common case (a plain command, right arity) is checked inline: this
    # runs once per request.  The name of a subcommand's parent is argv[0] too.
    # c.cmd is what CLIENT LIST shows as cmd=, even for a rejected or queued
    # request (processCommand sets c->lastcmd first).
    cmd = _spelled_get(argv[0]) or _find(argv[0])
    if cmd is None or cmd.subcommands is not None:
        cmd, error = lookup(argv)
        c.cmd = cmd
        if error is not None:
            return reject(c, error, argv)
    else:
        c.cmd = cmd
        arity = cmd.arity
        n = len(argv)
        if arity != n and (arity > 0 or n < -arity):
            cmd.rejected_calls += 1
            return reject(c, CommandError(errors.WRONG_ARITY % cmd.fullname), argv)
    server = c.server
    name = cmd.fullname
    if name in PROTECTED and not allow_protected(server.config[PROTECTED[name]], c):
        if name in UNLISTED and server.config[PROTECTED[name]] == "no":
            return reject(c, unknown_command_error(argv), argv)
        cmd.rejected_calls += 1
        return reject(c, CommandError(errors.PROTECTED_NOT_ALLOWED % (name.upper(), PROTECTED[name])),
                      argv)
    if (not c.authenticated or c.subscriptions or c.multi is not None or c.monitor
            or server.gated):
        # The server-wide checks read their Gate only while one holds: a
        # client on this path for its own state (MULTI, a subscriber) pays
        # one test for all of them.
        gated = server.gated
        if not c.authenticated and name not in NO_AUTH_NEEDED:
            cmd.rejected_calls += 1
            return reject(c, CommandError(errors.NOAUTH), argv)
        if c.multi is not None and "no_multi" in cmd.flags and name not in MULTI_IMMEDIATE:
            cmd.rejected_calls += 1
            return reject(c, CommandError(errors.NOT_ALLOWED_IN_MULTI))
        if c.acl_check is not None:
            error = acl_denial(c, cmd, argv, "multi" if c.multi is not None else "toplevel")
            if error is not None:
                cmd.rejected_calls += 1
                return reject(c, error, argv)
        if gated and server.cluster is not None and c.flags_extra != "M" and (
                cmd.first_key or cmd.getkeys is not None or name == "exec"):
            error = server.cluster.route(c, cmd, argv)
            if error is not None:
                cmd.rejected_calls += 1
                if name == "exec":
                    # The transaction goes, with the routing error itself
                    # rather than EXECABORT (processCommand).
                    from .commands.transactions import discard_transaction
                    discard_transaction(c)
                    return reject(c, error)
                return reject(c, error, argv)
        if gated and server.maxmemory and server.memory.perform() == FAIL and (
                "denyoom" in cmd.flags
                or (c.multi is not None and name not in _NEVER_OOM)
                or (name == "exec" and c.multi and any("denyoom" in q.flags for q, _ in c.multi))):
            cmd.rejected_calls += 1
            return reject(c, CommandError(errors.OOM), argv)
        if gated and server.tracking_over:
            server.tracking.limit(c)
        if gated and server.gate is not None:
            # Server-wide refusals (-MISCONF after a failed save), set only while one applies.
            error = server.gate(c, cmd)
            if error is not None:
                cmd.rejected_calls += 1
                return reject(c, error, argv)
        if gated and server.noreplicas is not None and (
                "write" in cmd.flags
                or (name == "exec" and c.multi and any("write" in q.flags for q, _ in c.multi))):
            # min-replicas-to-write: set only while too few good replicas are attached.
            cmd.rejected_calls += 1
            return reject(c, server.noreplicas, argv)
        if gated and server.replica_gate is not None:
            error = server.replica_gate.readonly_error(c, cmd, argv)
            if error is not None:
                cmd.rejected_calls += 1
                return reject(c, error, argv)
        if c.subscriptions and c.resp == 2 and name not in PUBSUB_ALLOWED:
            cmd.rejected_calls += 1
            return reject(c, CommandError(errors.PUBSUB_CONTEXT % cmd.fullname), argv)
        if gated and server.replica_gate is not None:
            error = server.replica_gate.stale_error(c, cmd, argv)
            if error is not None:
                cmd.rejected_calls += 1
                return reject(c, error, argv)
        if gated and server.gate is not None and (
                (server.rdb.loading and "loading" not in cmd.flags)
                or (server.rdb.async_loading and "no_async_loading" in cmd.flags)):
            cmd.rejected_calls += 1
            return reject(c, CommandError(errors.LOADING), argv)
        # A script past busy-reply-threshold is running (this request was
        # read while it yields): only allow_busy commands go through.
        if gated and server.busy is not None and "allow_busy" not in cmd.flags:
            cmd.rejected_calls += 1
            return reject(c, CommandError(server.busy), argv)
        if c.monitor and ("write" in cmd.flags or "readonly" in cmd.flags
                          or name in MAY_REPLICATE):
            cmd.rejected_calls += 1
            return reject(c, CommandError(errors.REPLICA_KEYSPACE), argv)
        if c.multi is not None and name not in MULTI_IMMEDIATE:
            c.multi.append((cmd, argv))
            c.reply(reply.QUEUED)
            return None
    elif c.acl_check is not None:
        # A restricted user with nothing else to check: its permission check
        # alone, not even that when the command's one key is in the range of
        # names the user's key patterns allow (acl.Selector.spans).
        span = c.acl_check.root.spans.get(cmd)
        if span is None or not span[0] <= argv[1] < span[1]:
            error = acl_denial(c, cmd, argv)
            if error is not None:
                cmd.rejected_calls += 1
                return reject(c, error, argv)
    server.current_client = c
    result = call(c, cmd, argv)
    if result is not None:
        c.reply(result)
    if c.tracking_after:
        after_tracked_command(c)
    server.current_client = None
    if server.blocking.ready:
        server.blocking.serve_ready()
    return None


def run_plain(c, cmds, i, n):
    """Run ``cmds[i:n]`` while they are plain commands; the index of the first one left.

    Server._run calls this for a client and server on which execute() has
    nothing to check but ACL key patterns (authenticated, no transaction,
    subscriptions, MONITOR, CLIENT REPLY, pause, gate, AOF or replicas).
    A plain command (Command.plain) cannot change any of that, so the
    checks hold for the whole run; what remains per request is execute()'s
    ACL key range test, call()'s bookkeeping for such a client (client
    tracking's included), written out here, and the reply, queued as
    Client.reply queues it.  execute(), call() and this change together.
    A request that is not plain, has the wrong arity or needs the full ACL
    check is left to execute(), and so is the rest of the batch once a
    write has woken blocked clients.

    Requests that repeat one command go to its run (commands.run_of) when
    it has one: a loop that serves them without the per-request lookup,
    checks and handler frames.

    One clock read per request: a command's time runs from the end of the
    one before it in the run (its lookup and checks included), and the
    client's Stopwatch reads the clock and records the call in one step,
    where call() reads the clock before and after the handler.
    """
    server = c.server
    stats = server.stats
    blocking = server.blocking
    latency = server.latency_tracking
    slow = server.slow_check_us
    out = c.out
    resp = c.resp
    acl = c.acl_check
    tracking = c.tracking
    track = c.track_read
    # A command's run (commands.run_of) serves a client that does not track
    # keys itself; ``missed``, a command whose run served nothing.
    missed = None
    start_i = i
    server.current_client = c
    stopwatch = c.stopwatch
    lap = stopwatch.lap
    stopwatch.start()
    try:
        while i < n:
            argv = cmds[i]
            if argv is None:
                break
            cmd = _spelled_get(argv[0]) or _find(argv[0])
            if cmd is None or not cmd.plain:
                break
            arity = cmd.arity
            if arity != len(argv) and (arity > 0 or len(argv) < -arity):
                break
            if acl is not None:
                span = acl.root.spans.get(cmd)
                if span is None or not span[0] <= argv[1] < span[1]:
                    break
            c.cmd = cmd
            c.argv = argv
            server.current_event = cmd.event
            if cmd.run is not None and tracking is None and cmd is not missed and i + 1 < n:
                j = cmd.run(c, cmds, i, n if acl is None else span_end(cmds, i, n, *span),
                            lap, latency, slow)
                if j != i:
                    i = j
                    continue
                # Not its common case (a TTL, options): likely so for the
                # rest of the batch too, which the handler serves untried.
                missed = cmd
            try:
                result = cmd.handler(c, argv)
            except CommandError as exc:
                result = exc.reply
                cmd.failed_calls += 1
                stats.count_error(exc.code)
            us = lap(cmd.meter, latency)
            i += 1
            if slow is not None and us >= slow:
                slow_command(c, cmd, argv, us)
            if track is not None and (at := cmd.tracked_key):
                track(at, cmd, argv)
            if result is not None:
                if result.__class__ is not bytes:
                    result = result.encode(resp)
                out.append(result)
                c.out_len += len(result)
            if tracking is not None and c.tracking_after:
                after_tracked_command(c)
            if blocking.ready:
                server.current_client = None
                blocking.serve_ready()
                break
            if tracking is not None and server.gated:
                # The read took the tracking table past its limit: execute()
                # trims it before the next request.
                break
    finally:
        server.current_client = None
        stats.total_commands += i - start_i
        if out and not c.queued:
            c.queued = True
            server.pending_writes.append(c)
    return i


def acl_denial(c, cmd, argv, context="toplevel"):
    """commands.acl.check_command, which imports this module: bound here on first use,
    so the check a restricted user runs on every request costs no import."""
    global acl_denial
    from .commands.acl import check_command
    acl_denial = check_command
    return check_command(c, cmd, argv, context)


def feed_monitors(c, cmd, argv):
    from .commands.monitor import feed
    feed(c, cmd, argv)


def slow_command(c, cmd, argv, us):
    from .commands.slowlog import slow_command as record
    record(c, cmd, argv, us)


def after_tracked_command(c):
    from .commands.tracking import after_command
    after_command(c)


def _is_local(c):
    """islocalClient: loopback or a unix socket."""
    return c.sock.family == socket.AF_UNIX or c.addr.startswith(("127.", "[::1]"))


def allow_protected(setting, c):
    """allowProtectedAction: ``yes``, or ``local`` for a loopback/unix connection."""
    return setting == "yes" or (setting == "local" and _is_local(c))


def call(c, cmd, argv):
    """Run ``cmd`` and return its reply (errors become error replies).

    _speedups/scriptcall.pyx writes this out for the commands scripts run:
    a change here goes there too.
    """
    server = c.server
    server.current_event = cmd.event
    c.cmd = cmd
    c.argv = argv
    monitors = server.monitors
    if monitors and "skip_monitor" in cmd.flags:
        # Scripts show before the commands they run (evalGenericCommand).
        feed_monitors(c, cmd, argv)
    # Read once: the command itself may turn the AOF on or off.
    propagating = server.propagating
    if propagating:
        dirty = server.dirty
        mark = server.propagation.begin()
    start = _perf_ns()
    try:
        result = cmd.handler(c, argv)
    except CommandError as exc:
        result = exc.reply
        cmd.failed_calls += 1
        server.stats.count_error(exc.code)
    except BaseException:
        if propagating:
            # The stream must not stay inside a call that will never end.
            server.propagation.end(c, argv, server.dirty > dirty, mark)
        raise
    elapsed = _perf_ns() - start
    if propagating:
        # A save resets dirty: only a rise means a change (call()'s dirty < 0 -> 0).
        server.propagation.end(c, argv, server.dirty > dirty, mark)
    # A command that blocked is counted once, when it is served or times out.
    counted = result is not None or c.blocked is None
    us = cmd.meter.record(elapsed, counted, server.latency_tracking)
    if counted:
        server.stats.total_commands += 1
        slow = server.slow_check_us
        if slow is not None and us >= slow:
            slow_command(c, cmd, argv, us)
        if c.track_read is not None and (at := cmd.tracked_key):
            # trackingRememberKeys.
            c.track_read(at, cmd, argv)
    if monitors and not cmd.flags & _NOT_MONITORED:
        feed_monitors(c, cmd, argv)
    return result
