"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

Dispatch queues commands while ``c.multi`` is a list and sets
``c.multi_error`` when one is rejected while queueing.  EXEC runs the queue in
one go; the event loop has one thread, so no other client's command can run
in between.  WATCH state: ``db.watched`` (key -> clients) and ``c.watching``
((db, key) -> expired-at-WATCH flag); writes mark watchers ``c.dirty_cas``
through ``Database.signal`` (see ``Database.touch_watched``).
"""
from .. import errors, reply
from ..dispatch import call
from ..errors import CommandError
from ..server import Server
from . import command


def watch_key(c, db, key):
    """Redis's watchForKey: remember whether the key had already expired."""
    watching = c.watching
    if watching is None:
        watching = c.watching = {}
    token = (db, key)
    if token in watching:
        return
    clients = db.watched.get(key)
    if clients is None:
        clients = db.watched[key] = set()
    clients.add(c)
    watching[token] = db.key_is_expired(key)


def unwatch_all(c):
    watching = c.watching
    if not watching:
        return
    c.watching = None
    for db, key in watching:
        clients = db.watched.get(key)
        if clients is not None:
            clients.discard(c)
            if not clients:
                del db.watched[key]


def watched_key_expired(c):
    """Redis's isWatchedKeyExpired: a watched key, alive at WATCH, has expired since."""
    for (db, key), expired_at_watch in c.watching.items():
        if not expired_at_watch and db.key_is_expired(key):
            return True
    return False


def discard_transaction(c):
    c.multi = None
    c.multi_error = False
    c.dirty_cas = False
    unwatch_all(c)


# MULTI
@command("multi", 1, "noscript loading stale fast allow_busy", group="transactions")
def multi(c, argv):
    if c.multi is not None:
        raise CommandError(errors.MULTI_NESTED)
    c.multi = []
    c.multi_error = False
    return reply.OK


# EXEC
@command("exec", 1, "noscript loading stale skip_slowlog", group="transactions")
def exec_(c, argv):
    if c.multi is None:
        raise CommandError(errors.EXEC_WITHOUT_MULTI)
    if c.watching and watched_key_expired(c):
        c.dirty_cas = True
    if c.multi_error or c.dirty_cas:
        aborted = c.multi_error
        discard_transaction(c)
        if aborted:
            raise CommandError(errors.EXECABORT)
        return reply.NULL_ARRAY
    unwatch_all(c)
    queued = c.multi
    saved = (c.deny_blocking, c.cmd, c.argv)
    # Blocking commands answer at once as if they timed out.
    c.deny_blocking = True
    # The header goes first: pushes a command sends to this very client (a
    # RESP3 subscriber publishing) land between the replies, as in Redis.
    c.reply(b"*%d\r\n" % len(queued))
    try:
        for cmd, args in queued:
            # Permissions may have changed since the command was queued.
            if c.acl_check is not None:
                error = exec_permission_error(c, cmd, args)
                if error is not None:
                    c.reply(error.reply)
                    continue
            result = call(c, cmd, args)
            if result is not None:
                c.reply(result)
    finally:
        c.deny_blocking, c.cmd, c.argv = saved
        discard_transaction(c)
    return None


def exec_permission_error(c, cmd, args):
    from .acl import DENIED_CMD, DENIED_KEY, DENIED_CHANNEL, check_user, log_denial
    result, pos = check_user(c.acl_check, cmd, args)
    if not result:
        return None
    log_denial(c, result, "multi", cmd.fullname if result == DENIED_CMD else args[pos])
    reason = {DENIED_CMD: "no permission to execute the command or subcommand",
              DENIED_KEY: "no permission to touch the specified keys",
              DENIED_CHANNEL: "no permission to access one of the channels used as arguments"}
    return CommandError(errors.NOPERM_EXEC % reason[result])


# DISCARD
@command("discard", 1, "noscript loading stale fast allow_busy", group="transactions")
def discard(c, argv):
    if c.multi is None:
        raise CommandError(errors.DISCARD_WITHOUT_MULTI)
    discard_transaction(c)
    return reply.OK


# WATCH key [key ...]
@command("watch", -2, "noscript loading stale fast allow_busy", keys=(1, -1, 1), group="transactions")
def watch(c, argv):
    if c.multi is not None:
        raise CommandError(errors.WATCH_IN_MULTI)
    # Already dirty: the next EXEC fails whatever else is watched.
    if c.dirty_cas:
        return reply.OK
    db = c.db
    for key in argv[1:]:
        watch_key(c, db, key)
    return reply.OK


# UNWATCH
@command("unwatch", 1, "noscript loading stale fast allow_busy", group="transactions")
def unwatch(c, argv):
    unwatch_all(c)
    c.dirty_cas = False
    return reply.OK


Server.close_hooks.append(unwatch_all)
Server.reset_hooks.append(discard_transaction)
