"""Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB.

Confirmations go out one per channel, as arrays in RESP2 and push replies in
RESP3; the registry and delivery are in ``pyredis/pubsub.py``.
"""
from .. import errors, reply
from ..errors import CommandError
from ..glob import compile_pattern
from ..pubsub import PubSub, push
from ..server import Server
from . import command, container

_NULL = {2: b"$-1\r\n", 3: b"_\r\n"}
_HEAD = {2: b"*3\r\n", 3: b">3\r\n"}


def _confirmation(c, kind, name, count):
    """``[kind, name, count]``: the shape of every (un)subscribe reply."""
    channel = _NULL[c.resp] if name is None else b"$%d\r\n%b\r\n" % (len(name), name)
    return b"%b%b%b:%d\r\n" % (_HEAD[c.resp], kind, channel, count)


_SUBSCRIBE = b"$9\r\nsubscribe\r\n"
_UNSUBSCRIBE = b"$11\r\nunsubscribe\r\n"
_PSUBSCRIBE = b"$10\r\npsubscribe\r\n"
_PUNSUBSCRIBE = b"$12\r\npunsubscribe\r\n"
_SSUBSCRIBE = b"$10\r\nssubscribe\r\n"
_SUNSUBSCRIBE = b"$12\r\nsunsubscribe\r\n"


def _subscribe_generic(c, argv, kind, add, count):
    for name in argv[1:]:
        add(c, name)
        push(c, _confirmation(c, kind, name, count(c)))


def _unsubscribe_generic(c, argv, kind, remove, count, mine):
    """With no names, drop every subscription of the kind (one reply each, or one null reply)."""
    names = argv[1:] or list(mine or ())
    if not names:
        push(c, _confirmation(c, kind, None, count(c)))
        return
    for name in names:
        remove(c, name)
        push(c, _confirmation(c, kind, name, count(c)))


# SUBSCRIBE channel [channel ...]
@command("subscribe", -2, "pubsub noscript loading stale", group="pubsub")
def subscribe(c, argv):
    # Allowed inside MULTI for backward compatibility, as in Redis.
    if c.deny_blocking and c.multi is None:
        raise CommandError(errors.SUBSCRIBE_DENY_BLOCKING % "SUBSCRIBE")
    ps = c.server.pubsub
    _subscribe_generic(c, argv, _SUBSCRIBE, ps.subscribe, ps.channel_count)


# UNSUBSCRIBE [channel [channel ...]]
@command("unsubscribe", -1, "pubsub noscript loading stale", group="pubsub")
def unsubscribe(c, argv):
    ps = c.server.pubsub
    _unsubscribe_generic(c, argv, _UNSUBSCRIBE, ps.unsubscribe, ps.channel_count, c.channels)


# PSUBSCRIBE pattern [pattern ...]
@command("psubscribe", -2, "pubsub noscript loading stale", group="pubsub")
def psubscribe(c, argv):
    if c.deny_blocking and c.multi is None:
        raise CommandError(errors.SUBSCRIBE_DENY_BLOCKING % "PSUBSCRIBE")
    ps = c.server.pubsub
    _subscribe_generic(c, argv, _PSUBSCRIBE, ps.psubscribe, ps.channel_count)


# PUNSUBSCRIBE [pattern [pattern ...]]
@command("punsubscribe", -1, "pubsub noscript loading stale", group="pubsub")
def punsubscribe(c, argv):
    ps = c.server.pubsub
    _unsubscribe_generic(c, argv, _PUNSUBSCRIBE, ps.punsubscribe, ps.channel_count, c.patterns)


# SSUBSCRIBE shardchannel [shardchannel ...]
@command("ssubscribe", -2, "pubsub noscript loading stale", keys=(1, -1, 1), group="pubsub")
def ssubscribe(c, argv):
    # Unlike SUBSCRIBE, no exception for MULTI (Redis's ssubscribeCommand).
    if c.deny_blocking:
        raise CommandError(errors.SUBSCRIBE_DENY_BLOCKING % "SSUBSCRIBE")
    ps = c.server.pubsub
    _subscribe_generic(c, argv, _SSUBSCRIBE, ps.ssubscribe, ps.shard_count)


# SUNSUBSCRIBE [shardchannel [shardchannel ...]]
@command("sunsubscribe", -1, "pubsub noscript loading stale", keys=(1, -1, 1), group="pubsub")
def sunsubscribe(c, argv):
    ps = c.server.pubsub
    _unsubscribe_generic(c, argv, _SUNSUBSCRIBE, ps.sunsubscribe, ps.shard_count, c.shard_channels)


# PUBLISH channel message
@command("publish", 3, "pubsub loading stale fast", group="pubsub")
def publish(c, argv):
    return reply.integer(c.server.pubsub.publish(argv[1], argv[2]))


# SPUBLISH shardchannel message
@command("spublish", 3, "pubsub loading stale fast", keys=(1, 1, 1), group="pubsub")
def spublish(c, argv):
    return reply.integer(c.server.pubsub.spublish(argv[1], argv[2]))


container("pubsub", group="pubsub")


def _matching(c, argv, registry):
    if len(argv) > 3:
        raise CommandError(errors.SUBCOMMAND_SYNTAX % (errors.arg(argv[1], 128), argv[0].decode("latin-1").upper()))
    if len(argv) == 2:
        return reply.bulks(list(registry))
    pattern = argv[2]
    match = compile_pattern(pattern)
    # As in PUBLISH, only an empty pattern matches an empty name.
    return reply.bulks([name for name in registry if (match(name) if name else not pattern)])


def _counts(argv, registry):
    items = []
    for name in argv[2:]:
        items.append(reply.bulk(name))
        items.append(reply.integer(len(registry.get(name, ()))))
    return reply.array(items)


# PUBSUB CHANNELS [pattern]
@command("pubsub|channels", -2, "pubsub loading stale", group="pubsub")
def pubsub_channels(c, argv):
    return _matching(c, argv, c.server.pubsub.channels)


# PUBSUB SHARDCHANNELS [pattern]
@command("pubsub|shardchannels", -2, "pubsub loading stale", group="pubsub")
def pubsub_shardchannels(c, argv):
    return _matching(c, argv, c.server.pubsub.shard_channels)


# PUBSUB NUMSUB [channel [channel ...]]
@command("pubsub|numsub", -2, "pubsub loading stale", group="pubsub")
def pubsub_numsub(c, argv):
    return _counts(argv, c.server.pubsub.channels)


# PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
@command("pubsub|shardnumsub", -2, "pubsub loading stale", group="pubsub")
def pubsub_shardnumsub(c, argv):
    return _counts(argv, c.server.pubsub.shard_channels)


# PUBSUB NUMPAT
@command("pubsub|numpat", 2, "pubsub loading stale", group="pubsub")
def pubsub_numpat(c, argv):
    return reply.integer(len(c.server.pubsub.patterns))


_HELP = [
    b"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CHANNELS [<pattern>]",
    b"    Return the currently active channels matching a <pattern> (default: '*').",
    b"NUMPAT",
    b"    Return number of subscriptions to patterns.",
    b"NUMSUB [<channel> ...]",
    b"    Return the number of subscribers for the specified channels, excluding",
    b"    pattern subscriptions(default: no channels).",
    b"SHARDCHANNELS [<pattern>]",
    b"    Return the currently active shard level channels matching a <pattern> (default: '*').",
    b"SHARDNUMSUB [<shardchannel> ...]",
    b"    Return the number of subscribers for the specified shard level channel(s)",
    b"HELP",
    b"    Prints this help.",
]
_HELP_REPLY = reply.array([reply.simple(line) for line in _HELP])


# PUBSUB HELP
@command("pubsub|help", 2, "loading stale", group="pubsub")
def pubsub_help(c, argv):
    return _HELP_REPLY


def _start(server):
    server.pubsub = ps = PubSub(server)
    server.notify = ps.notify


def _forget(c):
    if c.subscriptions:
        c.server.pubsub.unsubscribe_all(c)


Server.start_hooks.append(_start)
Server.close_hooks.append(_forget)
Server.reset_hooks.append(_forget)
