"""MONITOR: every command the server runs, as a line to each monitoring client.

Dispatch feeds the monitors from ``call()``, the one place every command
passes through (from clients, from MULTI/EXEC and from scripts), as Redis's
replicationFeedMonitors.  Scripts (the commands flagged ``skip_monitor``) are
shown before they run, so their line precedes the commands they call; every
other command after it ran, so a SELECT shows the db it selected.  Admin
commands are never shown.
"""
import time

from .. import clock
from .. import reply
from ..reprs import sdscatrepr
from ..server import Server
from . import command

# Arguments shown as "(redacted)" (redactClientCommandArgument), by position.
_REDACTED = {
    "auth": lambda argv: range(1, len(argv)),
    "migrate": lambda argv: _after(argv, (b"auth", b"auth2")),
    "hello": lambda argv: _after(argv, (b"auth",), both=True),
}


def _after(argv, words, both=False):
    """Positions following an AUTH/AUTH2 option (HELLO's and AUTH2's take two values)."""
    out = []
    i = 1
    while i < len(argv):
        word = argv[i].lower()
        if word in words:
            count = 2 if (both or word == b"auth2") else 1
            out.extend(range(i + 1, min(i + 1 + count, len(argv))))
            i += count
        i += 1
    return out


def origin(c):
    """Where a command came from, as the monitor line names it."""
    if c.sock is None:
        return "lua"
    if c.unix:
        return "unix:" + c.server.config["unixsocket"]
    return c.addr


def redacted_positions(cmd, argv):
    """The arguments MONITOR and SLOWLOG show as "(redacted)"."""
    redact = _REDACTED.get(cmd.parent.name if cmd.parent is not None else cmd.name)
    return frozenset(redact(argv)) if redact is not None else ()


def feed(c, cmd, argv):
    """Send ``argv``, run by ``c``, to every monitoring client."""
    server = c.server
    now = clock.time()
    hidden = redacted_positions(cmd, argv)
    args = b" ".join(b'"(redacted)"' if i in hidden else sdscatrepr(a) for i, a in enumerate(argv))
    line = b"+%.6f [%d %s] %b\r\n" % (now, c.db.id, origin(c).encode("latin-1"), args)
    for m in server.monitors:
        if not m.closed:
            m.reply(line)


# MONITOR
@command("monitor", 1, "admin noscript loading stale", group="server")
def monitor(c, argv):
    # A client already monitoring (or a replica) is ignored, without a reply.
    if c.monitor:
        return None
    c.monitor = True
    c.server.monitors.append(c)
    return reply.OK


def _forget(c):
    if c.monitor:
        c.monitor = False
        c.server.monitors.remove(c)


def _start(server):
    server.monitors = []


# Before the config runs its change listeners at start-up, which read this state.
Server.start_hooks.insert(0, _start)
Server.close_hooks.append(_forget)
Server.reset_hooks.append(_forget)
