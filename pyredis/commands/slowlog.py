"""SLOWLOG: the commands that ran longer than ``slowlog-log-slower-than`` microseconds.

Dispatch's ``call()`` hands each command's duration to ``record``, as Redis's
slowlogPushCurrentCommand; entries keep at most 32 arguments of at most 128
bytes each, the rest summarised as Redis summarises it.
"""
import collections
import time

from .. import clock
from .. import errors, reply
from ..config import on_change
from ..errors import CommandError
from ..numbers import parse_int
from ..server import Server
from . import command, container
from .introspection import help_reply
from ..latency import add_sample
from .monitor import redacted_positions

MAX_ARGS = 32
MAX_ARG_BYTES = 128


class Entry:
    __slots__ = ("id", "time", "duration", "argv", "addr", "name")

    def __init__(self, entry_id, argv, duration, addr, name):
        self.id = entry_id
        self.time = int(clock.time())
        self.duration = duration
        self.argv = argv
        self.addr = addr
        self.name = name

    def reply(self):
        return reply.array([reply.integer(self.id), reply.integer(self.time),
                            reply.integer(self.duration),
                            reply.array([reply.bulk(a) for a in self.argv]),
                            reply.bulk(self.addr), reply.bulk(self.name)])


def _trimmed(cmd, argv):
    hidden = redacted_positions(cmd, argv)
    n = len(argv)
    shown = min(n, MAX_ARGS)
    out = []
    for i in range(shown):
        if i == MAX_ARGS - 1 and n > MAX_ARGS:
            out.append(b"... (%d more arguments)" % (n - MAX_ARGS + 1))
            break
        a = b"(redacted)" if i in hidden else bytes(argv[i])
        if len(a) > MAX_ARG_BYTES:
            a = a[:MAX_ARG_BYTES] + b"... (%d more bytes)" % (len(a) - MAX_ARG_BYTES)
        out.append(a)
    return out


def record(c, cmd, argv, duration_us):
    """Log the command ``c`` ran if it was slow enough (the caller checked the threshold)."""
    server = c.server
    log = server.slowlog
    addr = "?:0" if c.sock is None else c.addr
    log.appendleft(Entry(server.slowlog_next_id, _trimmed(cmd, argv), duration_us,
                         addr.encode("latin-1"), c.name))
    server.slowlog_next_id += 1
    limit = server.config["slowlog-max-len"]
    while len(log) > limit:
        log.pop()


container("slowlog", group="server")

_HELP = [
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
]


# SLOWLOG GET [count]
@command("slowlog|get", -2, "admin loading stale", group="server")
def slowlog_get(c, argv):
    if len(argv) > 3:
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], "SLOWLOG")
    count = 10
    if len(argv) == 3:
        count = parse_int(argv[2])
        if count is None or count < -1:
            raise CommandError(errors.SLOWLOG_COUNT)
    log = c.server.slowlog
    if count == -1 or count > len(log):
        count = len(log)
    return reply.array([log[i].reply() for i in range(count)])


# SLOWLOG LEN
@command("slowlog|len", 2, "admin loading stale", group="server")
def slowlog_len(c, argv):
    return reply.integer(len(c.server.slowlog))


# SLOWLOG RESET
@command("slowlog|reset", 2, "admin loading stale", group="server")
def slowlog_reset(c, argv):
    c.server.slowlog.clear()
    return reply.OK


# SLOWLOG HELP
@command("slowlog|help", 2, "loading stale", group="server")
def slowlog_help(c, argv):
    return help_reply("SLOWLOG", _HELP)


def slow_command(c, cmd, argv, us):
    """A command took at least ``server.slow_check_us``: the slow log and the latency monitor."""
    server = c.server
    threshold = server.config["slowlog-log-slower-than"]
    if threshold >= 0 and us >= threshold and "skip_slowlog" not in cmd.flags:
        record(c, cmd, argv, us)
    add_sample(server, "fast-command" if "fast" in cmd.flags else "command", us // 1000)


def update_slow_check(server):
    """call()'s one comparison for both: the lower threshold in microseconds, None when both are off."""
    config = server.config
    checks = []
    if config["slowlog-log-slower-than"] >= 0:
        checks.append(config["slowlog-log-slower-than"])
    if config["latency-monitor-threshold"]:
        checks.append(config["latency-monitor-threshold"] * 1000)
    server.slow_check_us = min(checks) if checks else None


@on_change("slowlog-max-len")
def _max_len_changed(server, value):
    log = server.slowlog
    while len(log) > value:
        log.pop()


@on_change("slowlog-log-slower-than")
@on_change("latency-monitor-threshold")
def _threshold_changed(server, value):
    update_slow_check(server)


@on_change("latency-tracking")
def _tracking_changed(server, value):
    server.latency_tracking = value


def _start(server):
    server.slowlog = collections.deque()
    server.slowlog_next_id = 0


# Before the config runs its change listeners at start-up, which read this state.
Server.start_hooks.insert(0, _start)
