"""CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (the state lives in pyredis.tracking)."""
from .. import errors, reply
from ..config import on_change
from ..errors import CommandError
from ..numbers import parse_int
from ..server import Server
from ..tracking import Tracking
from . import command
from .keyspace import FLUSH_HOOKS


def _prefix_overlap(a, b):
    return a.startswith(b) or b.startswith(a)


# CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
@command("client|tracking", -3, "noscript loading stale", group="connection")
def client_tracking(c, argv):
    server = c.server
    redirect = 0
    bcast = optin = optout = noloop = False
    prefixes = []
    j = 3
    n = len(argv)
    while j < n:
        opt = argv[j].lower()
        more = n - 1 - j
        if opt == b"redirect" and more:
            j += 1
            if redirect:
                raise CommandError(errors.TRACKING_ONE_REDIRECT)
            redirect = parse_int(argv[j])
            if redirect is None:
                raise errors.E_NOT_INTEGER
            if redirect not in server.clients:
                raise CommandError(errors.TRACKING_NO_REDIRECT_CLIENT)
        elif opt == b"bcast":
            bcast = True
        elif opt == b"optin":
            optin = True
        elif opt == b"optout":
            optout = True
        elif opt == b"noloop":
            noloop = True
        elif opt == b"prefix" and more:
            j += 1
            prefixes.append(bytes(argv[j]))
        else:
            raise errors.E_SYNTAX
        j += 1
    mode = argv[2].lower()
    state = c.tracking
    if mode == b"on":
        if not bcast and prefixes:
            raise CommandError(errors.TRACKING_PREFIX_NEEDS_BCAST)
        if state is not None and state.bcast != bcast:
            raise CommandError(errors.TRACKING_SWITCH_BCAST)
        if bcast and (optin or optout):
            raise CommandError(errors.TRACKING_OPT_BCAST)
        if optin and optout:
            raise CommandError(errors.TRACKING_OPTIN_OPTOUT)
        if state is not None and ((optin and state.optout) or (optout and state.optin)):
            raise CommandError(errors.TRACKING_SWITCH_OPT)
        if bcast:
            existing = state.prefixes if state is not None else []
            for i, p in enumerate(prefixes):
                for old in existing:
                    if _prefix_overlap(p, old):
                        raise errors.fmt(errors.TRACKING_PREFIX_EXISTING, p, old)
                for other in prefixes[i + 1:]:
                    if _prefix_overlap(p, other):
                        raise errors.fmt(errors.TRACKING_PREFIX_OTHER, p, other)
        server.tracking.enable(c, redirect, bcast, optin, optout, noloop, prefixes)
    elif mode == b"off":
        server.tracking.disable(c)
    else:
        raise errors.E_SYNTAX
    return reply.OK


# CLIENT CACHING YES|NO
@command("client|caching", 3, "noscript loading stale", group="connection")
def client_caching(c, argv):
    state = c.tracking
    if state is None:
        raise CommandError(errors.CACHING_NOT_TRACKING)
    opt = argv[2].lower()
    if opt == b"yes":
        if not state.optin:
            raise CommandError(errors.CACHING_YES_OPTIN)
    elif opt == b"no":
        if not state.optout:
            raise CommandError(errors.CACHING_NO_OPTOUT)
    else:
        raise errors.E_SYNTAX
    state.caching = True
    c.tracking_after = True
    return reply.OK


# CLIENT GETREDIR
@command("client|getredir", 2, "noscript loading stale", group="connection")
def client_getredir(c, argv):
    return reply.integer(c.tracking.redirect if c.tracking is not None else -1)


# CLIENT TRACKINGINFO
@command("client|trackinginfo", 2, "noscript loading stale", group="connection")
def client_trackinginfo(c, argv):
    state = c.tracking
    if state is None:
        flags = [b"off"]
    else:
        flags = [b"on"]
        if state.bcast:
            flags.append(b"bcast")
        if state.optin:
            flags.append(b"optin")
            if state.caching:
                flags.append(b"caching-yes")
        if state.optout:
            flags.append(b"optout")
            if state.caching:
                flags.append(b"caching-no")
        if state.noloop:
            flags.append(b"noloop")
        if state.broken_redirect:
            flags.append(b"broken_redirect")
    return reply.Map([b"$5\r\nflags\r\n", reply.Set([reply.bulk(f) for f in flags]),
                      b"$8\r\nredirect\r\n",
                      reply.integer(state.redirect if state is not None else -1),
                      b"$8\r\nprefixes\r\n",
                      reply.bulks(state.prefixes if state is not None else [])])


def after_command(c):
    """After a command of a client with ``tracking_after`` set: the invalidations of
    the keys it changed and reads, then resetClient's part: CLIENT CACHING lasts
    one command, or one transaction."""
    c.tracking_after = False
    tracking = c.server.tracking
    if tracking.pending:
        tracking.after_command(c)
    state = c.tracking
    if state is not None and state.caching:
        if c.multi is None and (c.cmd is None or c.cmd.parent is None
                                or c.cmd.parent.name != "client"):
            state.caching = False
        else:
            c.tracking_after = True


def _start(server):
    server.tracking = Tracking(server)
    server.current_client = None


def _forget(c):
    c.server.tracking.disable(c)


def _flushed(c):
    c.server.tracking.flushed(c)


def _cron(server):
    # Also in cron, so that a limit lowered by CONFIG SET holds on an idle server.
    tracking = server.tracking
    if tracking.clients and len(tracking.table) > tracking.max_keys:
        tracking.limit(None)


@on_change("tracking-table-max-keys")
def _max_keys(server, value):
    server.tracking.set_max_keys(value)


Server.start_hooks.insert(0, _start)
Server.close_hooks.append(_forget)
Server.reset_hooks.append(_forget)
Server.cron_hooks.append(_cron)
FLUSH_HOOKS.append(_flushed)
