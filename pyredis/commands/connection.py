"""Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET, CLIENT ..."""
from .. import errors, reply
from ..errors import CommandError
from ..numbers import parse_int
from . import command


# PING [message]
@command("ping", -1, "fast", group="connection")
def ping(c, argv):
    if len(argv) > 2:
        raise CommandError(errors.WRONG_ARITY % "ping")
    if c.subscriptions and c.resp == 2:
        # A subscribed RESP2 client gets PING's answer in the pub/sub reply shape.
        return reply.bulks([b"pong", argv[1] if len(argv) == 2 else b""])
    if len(argv) == 2:
        return reply.bulk(argv[1])
    return reply.PONG


# ECHO message
@command("echo", 2, "fast", group="connection")
def echo(c, argv):
    return reply.bulk(argv[1])


# QUIT
@command("quit", -1, "allow_busy noscript loading stale fast no_auth", group="connection")
def quit_(c, argv):
    c.close_after_reply = True
    return reply.OK


# SELECT index
@command("select", 2, "loading stale fast", group="connection")
def select(c, argv):
    index = parse_int(argv[1])
    if index is None:
        raise CommandError(errors.INVALID_DB_INDEX)
    if not 0 <= index < len(c.server.dbs):
        raise CommandError(errors.DB_INDEX_OUT_OF_RANGE)
    c.db = c.server.dbs[index]
    return reply.OK
