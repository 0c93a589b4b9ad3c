"""The Lua debugger behind ``redis-cli --ldb``: SCRIPT DEBUG YES|SYNC and the LDB protocol.

A session starts when a client in debug mode sends EVAL.  SYNC runs it in
the server, which serves nobody else until it ends; YES forks, the child
runs the session and exits, and the parent drops the client and keeps its
data as it was (ldbStartSession).  The session talks to the client over its
socket directly, blocking: the script stops at its first line, and at each
stop the client's commands (``step``, ``continue``, ``list``, ``print``,
``break``, ``eval``, ``redis``, ``maxlen``, ``trace``, ``abort``, ``help``)
are answered with arrays of status lines, as Redis's ldbRepl does.  When the
script ends the client gets ``<endsession>``, then the EVAL reply, and the
connection is closed.
"""
import os
import re
import signal

from lupa.lua51 import lua_type

from .. import errors, reply
from ..db import now_ms
from ..errors import CommandError
from ..numbers import parse_int
from ..reprs import sdscatrepr

_POINTER = re.compile(rb"0x[0-9a-fA-F]+").search
DEFAULT_MAXLEN = 256
MAX_BREAKPOINTS = 64
# ldbCatStackValue stops at this table depth (LUA_MINSTACK - 2).
MAX_VALUE_DEPTH = 18

HELP = (
    b"Redis Lua debugger help:",
    b"[h]elp               Show this help.",
    b"[s]tep               Run current line and stop again.",
    b"[n]ext               Alias for step.",
    b"[c]ontinue           Run till next breakpoint.",
    b"[l]ist               List source code around current line.",
    b"[l]ist [line]        List source code around [line].",
    b"                     line = 0 means: current position.",
    b"[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    b"                     to show before/after [line].",
    b"[w]hole              List all source code. Alias for 'list 1 1000000'.",
    b"[p]rint              Show all the local variables.",
    b"[p]rint <var>        Show the value of the specified variable.",
    b"                     Can also show global vars KEYS and ARGV.",
    b"[b]reak              Show all breakpoints.",
    b"[b]reak <line>       Add a breakpoint to the specified line.",
    b"[b]reak -<line>      Remove breakpoint from the specified line.",
    b"[b]reak 0            Remove all breakpoints.",
    b"[t]race              Show a backtrace.",
    b"[e]val <code>        Execute some Lua code (in a different callframe).",
    b"[r]edis <cmd>        Execute a Redis command.",
    b"[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    b"                     Specifying zero as <len> means unlimited.",
    b"[a]bort              Stop the execution of the script. In sync",
    b"                     mode dataset changes will be retained.",
    b"",
    b"Debugger functions you can call from Lua scripts:",
    b"redis.debug()        Produce logs in the debugger console.",
    b"redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    b"                     next line of code.",
)

_UNKNOWN = b"<error> Unknown Redis Lua debugger command or wrong number of arguments."
_ABORTED = b"ERR script aborted for user request"
# What the REPL's reads end with when the client has closed the connection.
GONE = object()
_TIMEOUT_GONE = b"ERR timeout during Lua debugging with client closing connection"
_TIMEOUT_REASON = b"timeout reached, infinite loop?"
_PROTOCOL_ERROR = b"ERR protocol error"
_BUFFER_FULL = b"ERR max client buffer reached"
# ldbRepl reads the client 1024 bytes at a time and gives up past 1 MB.
_READ_SIZE = 1024
_MAX_INBUF = 1 << 20


def lua_value(v, depth=0):
    """ldbCatStackValue: a Lua value as the debugger prints it."""
    if depth == MAX_VALUE_DEPTH:
        return b"<max recursion level reached! Nested table?>"
    if v is None:
        return b"nil"
    cls = v.__class__
    if cls is bool:
        return b"true" if v else b"false"
    if cls is int or cls is float:
        return b"%g" % v
    if cls is bytes:
        return sdscatrepr(v)
    kind = lua_type(v)
    if kind == "table":
        array, full = [], []
        is_array = True
        expected = 1
        for key, value in v.items():
            if is_array and not (key.__class__ in (int, float) and key == expected):
                is_array = False
            shown = lua_value(value, depth + 1)
            array.append(shown)
            full.append(b"[" + lua_value(key, depth + 1) + b"]=" + shown)
            expected += 1
        return b"{" + b"; ".join(array if is_array else full) + b"}"
    # Redis prints the type and the value's address.
    pointer = _POINTER(str(v).encode("latin-1", "replace"))
    return b'"%s@%s"' % ((kind or "userdata").encode(), pointer.group() if pointer else b"0x0")


def reply_value(data, pos=0):
    """ldbRedisProtocolToHuman: (text, next position) for the reply at ``pos``.

    Redis 7.0 knows the RESP2 types and RESP3's maps, sets, nulls, booleans
    and doubles; any other type (a verbatim string, a big number) adds
    nothing and is not skipped, so the elements after it are read from the
    same place.
    """
    kind = data[pos:pos + 1]
    if kind not in _HUMAN_TYPES:
        return b"", pos
    end = data.index(b"\r\n", pos)
    line = data[pos + 1:end]
    pos = end + 2
    if kind == b":":
        return line, pos
    if kind == b"$":
        n = int(line)
        if n < 0:
            return b"NULL", pos
        return sdscatrepr(data[pos:pos + n]), pos + n + 2
    if kind in (b"+", b"-"):
        return sdscatrepr(kind + line), pos
    if kind in (b"*", b"~"):
        n = int(line)
        if n < 0:
            return b"NULL", pos
        items = []
        for _ in range(n):
            item, pos = reply_value(data, pos)
            items.append(item)
        if kind == b"~":
            return b"~(" + b",".join(items) + b")", pos
        return b"[" + b",".join(items) + b"]", pos
    if kind == b"%":
        items = []
        for _ in range(int(line)):
            key, pos = reply_value(data, pos)
            value, pos = reply_value(data, pos)
            items.append(key + b" => " + value)
        return b"{" + b",".join(items) + b"}", pos
    if kind == b"_":
        return b"(null)", pos
    if kind == b"#":
        return (b"#true" if line == b"t" else b"#false"), pos
    return b"(double) " + line, pos


_HUMAN_TYPES = frozenset((b":", b"$", b"+", b"-", b"*", b"~", b"%", b"_", b"#", b","))


class Session:
    """One debugging session: the client's socket, the source, breakpoints and the log."""

    def __init__(self, server, c, body, forked):
        self.server = server
        self.client = c
        self.sock = c.sock
        self.forked = forked
        # ldbStartSession: the source without its trailing newlines, by line.
        body = body.rstrip(b"\r\n")
        self.lines = body.split(b"\n") if body else []
        self.breakpoints = []
        self.step = True
        self.maxlen = DEFAULT_MAXLEN
        self.maxlen_hint_sent = False
        self.currentline = -1
        self.logs = []
        self.inbuf = bytearray()
        self.start = now_ms()
        self.engine = None

    # ---- output -------------------------------------------------------------
    def log(self, entry):
        self.logs.append(entry)

    def log_with_maxlen(self, entry):
        """ldbLogWithMaxLen: long entries trimmed, with a hint the first time."""
        trimmed = False
        if self.maxlen and len(entry) > self.maxlen:
            entry = entry[:self.maxlen] + b" ..."
            trimmed = True
        self.log(entry)
        if trimmed and not self.maxlen_hint_sent:
            self.maxlen_hint_sent = True
            self.log(b"<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.")

    def send_logs(self):
        """ldbSendLogs: the log as an array of status replies (CR and LF as spaces)."""
        out = [b"*%d\r\n" % len(self.logs)]
        for entry in self.logs:
            out.append(b"+" + entry.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n")
        self.logs = []
        self.write(b"".join(out))

    def write(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def source_line(self, line):
        """ldbLogSourceLine: the line with its number, -> for the current one, # for a breakpoint."""
        code = self.lines[line - 1] if 0 < line <= len(self.lines) else b"<out of range source code line>"
        current = line == self.currentline
        bp = line in self.breakpoints
        prefix = b"->#" if current and bp else b"-> " if current else b"  #" if bp else b"   "
        self.log(b"%s%-3d %s" % (prefix, line, code))

    def list(self, around, context):
        for line in range(1, len(self.lines) + 1):
            if around and abs(around - line) > context:
                continue
            self.source_line(line)

    # ---- what the script's run calls ----------------------------------------
    def should_stop(self, is_count, line, lua_breakpoint):
        """luaLdbLineHook's test: the stop reason, or None to run on."""
        self.currentline = line
        bp = lua_breakpoint or line in self.breakpoints
        if is_count and not self.step and not bp:
            limit = self.server.config["busy-reply-threshold"] or 5000
            if now_ms() - self.start < limit:
                return None
            self.step = False
            return _TIMEOUT_REASON
        if not (self.step or bp):
            return None
        self.step = False
        if bp:
            return b"redis.breakpoint() called" if lua_breakpoint else b"break point"
        return b"step over"

    def stop(self, reason, local_vars, frames):
        """A stop: the position, then the REPL.  Returns the error that aborts the script, or None."""
        self.log(b"* Stopped at %d, stop reason = %s" % (self.currentline, reason))
        self.source_line(self.currentline)
        self.send_logs()
        error = self.repl([(pair[1], pair[2]) for pair in local_vars.values()],
                          [(frame[1], frame[2]) for frame in frames.values()])
        if error is GONE:
            # Only a script stopped for running too long is ended, or the
            # server would wait on it forever (luaLdbLineHook).
            error = _TIMEOUT_GONE if reason == _TIMEOUT_REASON else None
        self.start = now_ms()
        return error

    def debug(self, values):
        """redis.debug(...)."""
        self.log_with_maxlen(b"<debug> line %d: " % self.currentline
                             + b", ".join(lua_value(v) for v in values))

    def command_logged(self, argv):
        if self.step:
            self.log(b"<redis> " + b" ".join(argv))

    def error_logged(self, text):
        if self.step:
            self.log(b"<error> " + text)

    def reply_logged(self, data):
        if self.step:
            if data[:1] == b"-":
                self.log(b"<error> " + data[:-2])
            self.log_with_maxlen(b"<reply> " + reply_value(data)[0])

    # ---- the REPL -----------------------------------------------------------
    def read_command(self):
        """ldbRepl's read loop: the next request's argv, an error text that
        ends the script, or GONE once the client has closed the connection."""
        while True:
            argv = self._parse()
            if argv is not None:
                return argv
            try:
                data = self.sock.recv(_READ_SIZE)
            except OSError:
                data = b""
            if not data:
                return GONE
            self.inbuf += data
            if len(self.inbuf) > _MAX_INBUF:
                self.inbuf = bytearray()
                return _BUFFER_FULL

    def _parse(self):
        """ldbReplParseCommand, as forgiving and as strict as Redis's: a
        request is looked for from the first ``*`` on, every argument must
        be 1 to 1024 bytes, and once one is read the whole buffer goes (what
        was pipelined after it is lost).  argv, None to read on, or the
        protocol error."""
        buf = self.inbuf
        if not buf:
            return None
        # The buffer is read as a C string: a NUL byte ends every search.
        pos = _cfind(buf, b"*", 0)
        if pos < 0:
            return _PROTOCOL_ERROR
        end = _cfind(buf, b"\r\n", pos)
        if end < 0:
            return None
        count = _atoi(buf[pos + 1:end])
        if count <= 0 or count > 1024:
            return _PROTOCOL_ERROR
        pos = end + 2
        argv = []
        while len(argv) < count:
            if pos >= len(buf) or buf[pos] == 0:
                return None
            if buf[pos] != 0x24:  # $
                return _PROTOCOL_ERROR
            end = _cfind(buf, b"\r\n", pos)
            if end < 0:
                return None
            n = _atoi(buf[pos + 1:end])
            if n <= 0 or n > 1024:
                return _PROTOCOL_ERROR
            pos = end + 2
            if pos + n + 2 > len(buf):
                return None
            argv.append(bytes(buf[pos:pos + n]))
            pos += n
            if buf[pos:pos + 2] != b"\r\n":
                return _PROTOCOL_ERROR
            pos += 2
        self.inbuf = bytearray()
        return argv

    def repl(self, local_vars, frames):
        _, _, evaluate, global_value, redis_call = self.engine.ldb
        while True:
            argv = self.read_command()
            if argv.__class__ is not list:
                if argv is GONE:
                    # ldbRepl's C_ERR: the script runs on, with no more stops.
                    self.step = False
                    self.breakpoints = []
                return argv
            name = argv[0].lower()
            argc = len(argv)
            if name in (b"h", b"help"):
                for line in HELP:
                    self.log(line)
            elif name in (b"s", b"step", b"n", b"next"):
                self.step = True
                return None
            elif name in (b"c", b"continue"):
                return None
            elif name in (b"t", b"trace"):
                self.trace(frames)
            elif name in (b"m", b"maxlen"):
                self.set_maxlen(argv)
            elif name in (b"b", b"break"):
                self.breakpoint_command(argv)
            elif name in (b"e", b"eval"):
                self.eval(evaluate, argv)
            elif name in (b"a", b"abort"):
                return _ABORTED
            elif argc > 1 and name in (b"r", b"redis"):
                self.step = True
                redis_call(*argv[1:])
                self.step = False
            elif name in (b"p", b"print"):
                if argc == 2:
                    self.print_var(global_value, local_vars, argv[1])
                else:
                    self.print_all(local_vars)
            elif name in (b"l", b"list"):
                around, ctx = self.currentline, 5
                if argc > 1:
                    num = _atoi(argv[1])
                    if num > 0:
                        around = num
                if argc > 2:
                    ctx = _atoi(argv[2])
                self.list(around, ctx)
            elif name in (b"w", b"whole"):
                self.list(1, 1000000)
            else:
                self.log(_UNKNOWN)
            self.send_logs()

    def trace(self, frames):
        for level, (name, line) in enumerate(frames):
            self.log(b"%s %s:" % (b"In" if level == 0 else b"From", name if name else b"top level"))
            self.source_line(line)
        if not frames:
            self.log(b"<error> Can't retrieve Lua stack.")

    def set_maxlen(self, argv):
        if len(argv) == 2:
            value = _atoi(argv[1])
            self.maxlen_hint_sent = True
            if value != 0 and value <= 60:
                value = 60
            self.maxlen = value
        if self.maxlen:
            self.log(b"<value> replies are truncated at %d bytes." % self.maxlen)
        else:
            self.log(b"<value> replies are unlimited.")

    def breakpoint_command(self, argv):
        """ldbBreak."""
        if len(argv) == 1:
            if not self.breakpoints:
                self.log(b"No breakpoints set. Use 'b <line>' to add one.")
                return
            self.log(b"%d breakpoints set:" % len(self.breakpoints))
            for line in self.breakpoints:
                self.source_line(line)
            return
        for arg in argv[1:]:
            line = parse_int(arg)
            if line is None:
                self.log(b"Invalid argument:'%s'" % arg)
            elif line == 0:
                self.breakpoints = []
                self.log(b"All breakpoints removed.")
            elif line > 0:
                if len(self.breakpoints) == MAX_BREAKPOINTS:
                    self.log(b"Too many breakpoints set.")
                elif line <= len(self.lines) and line not in self.breakpoints:
                    self.breakpoints.append(line)
                    self.list(line, 1)
                else:
                    self.log(b"Wrong line number.")
            elif -line in self.breakpoints:
                self.breakpoints.remove(-line)
                self.log(b"Breakpoint removed.")
            else:
                self.log(b"No breakpoint in the specified line.")

    def eval(self, evaluate, argv):
        """ldbEval: the code as an expression, else as a statement."""
        result = evaluate(b" ".join(argv[1:]))
        if result.__class__ is not tuple:
            result = (result,)
        if not result[0]:
            err = result[1] if len(result) > 1 else None
            self.log(b"<error> " + (err if err.__class__ is bytes else b"(null)"))
            return
        self.log_with_maxlen(b"<retval> " + lua_value(result[1] if len(result) > 1 else None))

    def print_all(self, local_vars):
        for name, value in local_vars:
            self.log_with_maxlen(b"<value> %s = %s" % (name, lua_value(value)))
        if not local_vars:
            self.log(b"No local variables in the current context.")

    def print_var(self, global_value, local_vars, name):
        for local, value in local_vars:
            if local == name:
                self.log_with_maxlen(b"<value> " + lua_value(value))
                return
        value = global_value(name)
        if value is not None:
            self.log_with_maxlen(b"<value> " + lua_value(value))
        else:
            self.log(b"No such variable.")


def _cfind(buf, sub, pos):
    """strstr/strchr from ``pos`` in a C string: -1 past a NUL byte.

    A CRLF is found by its LF: a one-byte search is fast whatever the
    bytes around it, a two-byte one is not (and a megabyte of input
    without a request is searched once per read).
    """
    if sub == b"\r\n":
        start = pos
        while True:
            nl = buf.find(b"\n", pos + 1)
            if nl < 0:
                return -1
            if buf[nl - 1] == 0x0D:
                found = nl - 1
                break
            pos = nl
        pos = start
    else:
        found = buf.find(sub, pos)
    if found > 0 and buf.find(b"\0", pos, found) >= 0:
        return -1
    return found


def _atoi(s):
    """C atoi: leading spaces, a sign, the digits that follow; 0 if none."""
    s = s.lstrip()
    sign = 1
    if s[:1] in (b"-", b"+"):
        sign = -1 if s[:1] == b"-" else 1
        s = s[1:]
    n = 0
    for ch in s:
        if not 0x30 <= ch <= 0x39:
            break
        n = n * 10 + ch - 0x30
    n *= sign
    return ((n + (1 << 31)) % (1 << 32)) - (1 << 31)


def run_session(c, argv, run_script):
    """EVAL from a client in debug mode: the session, forked (YES) or in the server (SYNC)."""
    scripting = c.server.scripting
    server = c.server
    forked = scripting.debug_clients.get(c) != "sync"
    if forked:
        try:
            pid = _fork_session(scripting)
        except OSError as exc:
            raise CommandError(errors.SCRIPT_DEBUG_FAILED % exc.strerror)
        if pid:
            # The parent: the client now belongs to the child, and what was
            # queued for it is dropped with it (freeClientAsync).
            scripting.set_debug(c, None)
            c.out = []
            c.out_len = 0
            c.reply_off = True
            c.close_after_reply = True
            return reply.NULL
        server.log("warning", "Redis forked for debugging eval")
    else:
        server.log("warning", "Redis synchronous debugging eval session started")
    if not forked:
        return _session(server, c, argv, run_script, False)
    try:
        _session(server, c, argv, run_script, True)
    finally:
        server.log("warning", "Lua debugging session child exiting")
        os._exit(0)


def _session(server, c, argv, run_script, forked):
    scripting = server.scripting
    session = Session(server, c, argv[1], forked)
    sock = c.sock
    sock.setblocking(True)
    # Replies queued before the EVAL stay queued: the session writes to the
    # socket directly, and they go out with the EVAL reply.
    scripting.ldb = session
    try:
        try:
            result = run_script(session)
        except CommandError as exc:
            result = exc.reply
        finally:
            scripting.ldb = None
            if session.engine is not None:
                session.engine.ldb_end()
        session.log(b"<endsession>")
        session.send_logs()
    finally:
        if not forked:
            sock.setblocking(False)
    scripting.set_debug(c, None)
    if forked:
        queued = b"".join(c.out)
        if result is not None:
            queued += result if result.__class__ is bytes else result.encode(c.resp)
        session.write(queued)
        return None
    server.log("warning", "Redis synchronous debugging eval session ended")
    c.close_after_reply = True
    return result


def _fork_session(scripting):
    """Fork the session's child: its pid in the parent (reaped by the cron), 0 in the child."""
    pid = os.fork()
    if pid:
        scripting.ldb_children.add(pid)
    else:
        # redisFork's child: no listening sockets, log lines marked C.
        from ..persistence.snapshots import become_child
        become_child(scripting.server)
    return pid


def reap_children(server):
    """The cron's check of the debugging children that have exited."""
    children = server.scripting.ldb_children
    for pid in list(children):
        try:
            done = os.waitpid(pid, os.WNOHANG)[0]
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def kill_children(server):
    """ldbKillForkedSessions: a shutdown ends every debugging child."""
    children = server.scripting.ldb_children
    for pid in list(children):
        server.log("warning", "Killing debugging session %d" % pid)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    children.clear()
