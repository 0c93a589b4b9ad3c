"""PYREDIS.CLOCK: a test moves the server's clock over the wire.

Behind ``enable-clock-command`` (no | yes | local, as enable-debug-command):
a server started without it answers as redis-server, which has no such
command.  Moving the clock forward does at once what the jump made due: the
keys whose TTL passed expire (with their notifications), blocked clients whose
timeout passed get their timeout reply, and a CLIENT PAUSE that ended ends, all
before the reply, so the next command sees the new time settled.
"""
from .. import clock, errors, reply
from ..errors import CommandError
from ..numbers import parse_int
from ..server import Server
from . import TABLE, command
from .introspection import help_reply

HELP = (
    "GET",
    "    Return the server's time in milliseconds since the Unix epoch.",
    "SET <unix-time-ms>",
    "    Set the server's time; a frozen clock stays frozen at that time.",
    "ADVANCE <milliseconds>",
    "    Move the clock forward, expiring keys and ending timeouts that become due.",
    "FREEZE",
    "    Stop the clock at the current time.",
    "RESUME",
    "    Let a frozen clock run again from where it stopped.",
)

# What COMMAND INFO and COMMAND DOCS show (module commands carry the "module" flag and group).
RECORDS = {
    "pyredis.clock": {
        "arity": -1,
        "flags": ["module", "admin", "noscript", "loading", "stale"],
        "first_key": 0, "last_key": 0, "step": 0,
        "acl_categories": ["admin", "slow", "dangerous"],
        "tips": [],
        "key_specs": [],
        "docs": {
            "summary": "Reads or moves the server's clock (pyredis, for tests).",
            "since": "0.1.0",
            "group": "module",
            "complexity": "O(1); SET and ADVANCE: O(N) where N is the number of keys with a TTL.",
            "module": "pyredis",
            "arguments": [{
                "name": "operation", "type": "oneof", "arguments": [
                    {"name": "get", "type": "pure-token", "token": "GET"},
                    {"name": "set", "type": "block", "arguments": [
                        {"name": "set", "type": "pure-token", "token": "SET"},
                        {"name": "unix-time-milliseconds", "type": "unix-time"}]},
                    {"name": "advance", "type": "block", "arguments": [
                        {"name": "advance", "type": "pure-token", "token": "ADVANCE"},
                        {"name": "milliseconds", "type": "integer"}]},
                    {"name": "freeze", "type": "pure-token", "token": "FREEZE"},
                    {"name": "resume", "type": "pure-token", "token": "RESUME"},
                ]}],
        },
    },
}


def settle(server):
    """Do what the clock made due: expire keys, time out blocked clients, end a pause."""
    now = clock.time()
    now_ms = int(now * 1000)
    server.access_clock.tick(now_ms)
    for db in server.dbs:
        expires = db.expires
        if expires:
            for key in [k for k, when in expires.items() if when <= now_ms]:
                if key in db.expires:
                    db.expire_key(key)
    server.blocking.expire_timeouts(now)
    if server.pause_end and now >= server.pause_end:
        server.unpause()


def _milliseconds(arg):
    n = parse_int(arg)
    if n is None:
        raise CommandError(errors.NOT_INTEGER)
    return n


# PYREDIS.CLOCK GET | SET <unix-time-ms> | ADVANCE <ms> | FREEZE | RESUME | HELP
@command("pyredis.clock", -1, "module admin noscript loading stale", group="module")
def clock_command(c, argv):
    if len(argv) < 2:
        # Declared with arity -1 so that a server without the command
        # answers a bare PYREDIS.CLOCK as an unknown command, as Redis does.
        raise CommandError(errors.WRONG_ARITY % "pyredis.clock")
    sub = argv[1].lower()
    n = len(argv)
    if n == 2:
        if sub == b"get":
            return reply.integer(clock.now_ms())
        if sub == b"freeze":
            clock.freeze()
            return reply.OK
        if sub == b"resume":
            clock.resume()
            return reply.OK
        if sub == b"help":
            return help_reply("PYREDIS.CLOCK", HELP)
    elif n == 3:
        if sub == b"set":
            clock.set_time(_milliseconds(argv[2]) / 1000.0)
            settle(c.server)
            return reply.OK
        if sub == b"advance":
            ms = _milliseconds(argv[2])
            if ms < 0:
                raise CommandError(errors.CLOCK_BACKWARDS)
            clock.advance(ms / 1000.0)
            settle(c.server)
            return reply.integer(clock.now_ms())
    raise CommandError(errors.SUBCOMMAND_SYNTAX % (errors.arg(argv[1], 128), "PYREDIS.CLOCK"))


# Out of the table until a server starts with the command enabled, so that
# COMMAND, COMMAND COUNT and COMMAND LIST of any other server match Redis's.
CLOCK_COMMAND = TABLE.pop(b"pyredis.clock")


def _install(server):
    if server.config["enable-clock-command"] != "no":
        TABLE[b"pyredis.clock"] = CLOCK_COMMAND


Server.start_hooks.append(_install)
