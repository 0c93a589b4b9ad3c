"""Stream commands (Redis t_stream.c) on top of ``Stream``.

Check order follows Redis command by command:

- XADD and XTRIM parse every option (streamParseAddOrTrimArgsOrReply) before
  the key is looked up; XADD creates a missing stream before it checks the
  ID against it, which cannot fail for a new stream.
- XDEL and XSETID differ: XDEL looks the key up before parsing its IDs,
  XSETID parses everything first.
- XACK, XCLAIM and XINFO look the key up first; XPENDING and XAUTOCLAIM
  parse their arguments before it.
- XREAD/XREADGROUP parse the options, then per stream: key type, group, ID.

A blocked XREAD/XREADGROUP is served by running its command again (see
pyredis.blocking); what Redis keeps in the client's bpop state (the IDs each
key waits beyond, the count, the group and consumer) is kept in ``_WAITS``.
"""
import weakref
from bisect import bisect_left

from .. import db as dbmod, errors, reply
from ..errors import E_NOT_INTEGER, E_SYNTAX, E_WRONGTYPE, CommandError
from ..numbers import INT64_MAX, parse_int
from ..types import ENCODINGS
from ..types.stream import INVALID_ENTRIES_READ, MAX_ID, SEQ_MASK, Group, Nack, Stream, format_id
from . import command, container
from .strings import option_name

dbmod.TYPE_NAMES[Stream] = b"stream"
dbmod.BLOCKING_TYPES.add(Stream)
dbmod.SIGNAL_ON_DELETE.add(Stream)
ENCODINGS[Stream] = lambda value, config: b"stream"

BLOCK_TYPES = frozenset((Stream,))
UINT64_MAX = SEQ_MASK
# XREAD_BLOCKED_DEFAULT_COUNT: a blocked read without COUNT gets at most this many entries.
BLOCKED_DEFAULT_COUNT = 1000

XADD = ("t", "xadd")
XTRIM = ("t", "xtrim")
XDEL = ("t", "xdel")
XSETID = ("t", "xsetid")
XGROUP_CREATE = ("t", "xgroup-create")
XGROUP_CREATECONSUMER = ("t", "xgroup-createconsumer")
XGROUP_DELCONSUMER = ("t", "xgroup-delconsumer")
XGROUP_DESTROY = ("t", "xgroup-destroy")
XGROUP_SETID = ("t", "xgroup-setid")

_E_INVALID_ID = CommandError(errors.STREAM_INVALID_ID)
_E_NO_SUCH_KEY = CommandError(errors.NO_SUCH_KEY)


# ---- IDs ---------------------------------------------------------------------------------------
def _cstr(arg):
    nul = arg.find(b"\0")
    return arg if nul < 0 else arg[:nul]


def _strtoull(s):
    """string2ull: string2ll if it is non-negative, else C strtoull over the whole string."""
    n = parse_int(s)
    if n is not None:
        return n if n >= 0 else None
    i = 0
    while i < len(s) and s[i] in b" \t\n\v\f\r":
        i += 1
    negative = False
    if i < len(s) and s[i] in b"+-":
        negative = s[i] == 45
        i += 1
    digits = s[i:]
    if not digits or not digits.isdigit():
        return None
    v = int(digits)
    if v > UINT64_MAX:
        return None
    return (-v) & UINT64_MAX if negative else v


def parse_id(arg, missing_seq=0, strict=False, seq_given=None):
    """streamGenericParseIDOrReply: an ID int; ``seq_given`` (a list) learns of an ``ms-*``."""
    if len(arg) > 127:
        raise _E_INVALID_ID
    buf = _cstr(arg)
    if buf == b"-" or buf == b"+":
        if strict:
            raise _E_INVALID_ID
        return 0 if buf == b"-" else MAX_ID
    ms_part, dash, seq_part = buf.partition(b"-")
    ms = _strtoull(ms_part)
    if ms is None:
        raise _E_INVALID_ID
    if not dash:
        return ms << 64 | missing_seq
    if seq_given is not None and seq_part == b"*":
        seq_given.append(False)
        return ms << 64
    seq = _strtoull(seq_part)
    if seq is None:
        raise _E_INVALID_ID
    return ms << 64 | seq


def strict_id(arg, missing_seq=0):
    return parse_id(arg, missing_seq, strict=True)


def _interval_id(arg, missing_seq):
    """streamParseIntervalIDOrReply: (id, exclusive)."""
    if len(arg) > 1 and arg[:1] == b"(":
        return strict_id(arg[1:], missing_seq), True
    return parse_id(arg, missing_seq), False


def _range_start(arg):
    sid, exclusive = _interval_id(arg, 0)
    if exclusive:
        if sid == MAX_ID:
            raise CommandError(errors.STREAM_INVALID_START)
        sid += 1
    return sid


def _range_end(arg):
    sid, exclusive = _interval_id(arg, UINT64_MAX)
    if exclusive:
        if sid == 0:
            raise CommandError(errors.STREAM_INVALID_END)
        sid -= 1
    return sid


def _incr(sid):
    """streamIncrID, which leaves the maximum ID as it is."""
    return sid + 1 if sid < MAX_ID else sid


def _int(arg, error=None):
    n = parse_int(arg)
    if n is None:
        raise error if error is not None else E_NOT_INTEGER
    return n


def _read(c, key):
    value = c.db.lookup_read(key)
    if value is not None and value.__class__ is not Stream:
        raise E_WRONGTYPE
    return value


def _write(c, key):
    value = c.db.lookup(key)
    if value is not None and value.__class__ is not Stream:
        raise E_WRONGTYPE
    return value


def _touch(db, key):
    """signalModifiedKey without a notification or a dirty count (WATCH only)."""
    clients = db.watched.get(key) if db.watched else None
    if clients:
        db.touch_watched(key, clients)


# ---- replies -----------------------------------------------------------------------------------
def _id_reply(sid):
    text = format_id(sid)
    return b"$%d\r\n%b\r\n" % (len(text), text)


def _entry(sid, pairs):
    text = b"%d-%d" % (sid >> 64, sid & SEQ_MASK)
    if len(pairs) == 2:
        # One field: the shape of most streams, built in one step.
        f, v = pairs
        return b"*2\r\n$%d\r\n%b\r\n*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
            len(text), text, len(f), f, len(v), v)
    return b"*2\r\n$%d\r\n%b\r\n%b" % (len(text), text, reply.bulks(pairs))


def _entries(items):
    # _entry written out: this is XRANGE's and XREAD's whole reply.
    parts = [b"*%d\r\n" % len(items)]
    append = parts.append
    for sid, pairs in items:
        if len(pairs) == 2:
            text = b"%d-%d" % (sid >> 64, sid & SEQ_MASK)
            f, v = pairs
            append(b"*2\r\n$%d\r\n%b\r\n*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
                len(text), text, len(f), f, len(v), v))
        else:
            append(_entry(sid, pairs))
    return b"".join(parts)


def _entries_reply(stream, start, end, count=0, rev=False):
    """``_entries`` of ``stream.range(...)``, encoded by the nodes without building the entries."""
    n, body = stream.range_reply(start, end, count, rev)
    if not n:
        return reply.EMPTY_ARRAY
    return b"*%d\r\n%b" % (n, body)


def _stream_keyed(c, parts):
    """XREAD's reply: [[key, entries] ...] in RESP2, a map of key -> entries in RESP3."""
    flat = []
    for key, entries in parts:
        flat.append(reply.bulk(key))
        flat.append(entries)
    if c.resp == 2:
        return reply.Array([reply.Array(flat[i:i + 2]) for i in range(0, len(flat), 2)])
    return reply.Map(flat)


# ---- XADD / XTRIM options ----------------------------------------------------------------------
class TrimArgs:
    __slots__ = ("maxlen", "minid", "approx", "limit", "nomkstream", "id", "id_given", "seq_given",
                 "strategy", "threshold_pos")

    def __init__(self):
        self.maxlen = None
        self.minid = None
        self.approx = False
        self.limit = 0
        self.nomkstream = False
        self.id = 0
        self.id_given = False
        self.seq_given = True
        self.strategy = None
        # Where the trim threshold is in argv (the "~" or "=" before it, if any, is one earlier).
        self.threshold_pos = 0


# What XADD key * ... parses to: shared, never changed.
_NO_OPTIONS = TrimArgs()


def _parse_add_trim(c, argv, xadd):
    """streamParseAddOrTrimArgsOrReply: (args, index of the ID for XADD)."""
    if xadd and argv[2] == b"*":
        return _NO_OPTIONS, 2
    args = TrimArgs()
    n = len(argv)
    i = 2
    limit_given = False
    while i < n:
        more = n - 1 - i
        arg = argv[i]
        opt = option_name(arg)
        if xadd and arg == b"*":
            break
        if (opt == b"maxlen" or opt == b"minid") and more:
            if args.strategy is not None:
                raise CommandError(errors.STREAM_MAXLEN_AND_MINID)
            args.approx = False
            nxt = argv[i + 1]
            if more >= 2 and nxt == b"~":
                args.approx = True
                i += 1
            elif more >= 2 and nxt == b"=":
                i += 1
            if opt == b"maxlen":
                maxlen = _int(argv[i + 1])
                if maxlen < 0:
                    raise CommandError(errors.STREAM_MAXLEN_NEGATIVE)
                args.maxlen = maxlen
            else:
                args.minid = strict_id(argv[i + 1])
            args.threshold_pos = i + 1
            i += 1
            args.strategy = opt.decode()
        elif opt == b"limit" and more:
            limit = _int(argv[i + 1])
            if limit < 0:
                raise CommandError(errors.STREAM_LIMIT_NEGATIVE)
            args.limit = limit
            limit_given = True
            i += 1
        elif xadd and opt == b"nomkstream":
            args.nomkstream = True
        elif xadd:
            given = []
            args.id = parse_id(arg, 0, strict=True, seq_given=given)
            args.seq_given = not given
            args.id_given = True
            break
        else:
            raise E_SYNTAX
        i += 1
    if args.limit and args.strategy is None:
        raise CommandError(errors.STREAM_LIMIT_WITHOUT_STRATEGY)
    if not xadd and args.strategy is None:
        raise CommandError(errors.STREAM_XTRIM_NEEDS_STRATEGY)
    if limit_given:
        if not args.approx:
            raise CommandError(errors.STREAM_LIMIT_WITHOUT_APPROX)
    elif args.approx:
        limit = 100 * c.server.config["stream-node-max-entries"]
        if limit <= 0:
            limit = 10000
        elif limit > 1000000:
            limit = 1000000
        args.limit = limit
    else:
        args.limit = 0
    return args, i


def _trim(stream, args):
    return stream.trim(args.maxlen, args.minid, args.approx, args.limit)


def _exact_trim(argv, stream, args):
    """streamRewriteApproxSpecifier and streamRewriteTrimArgument: an approximate trim
    propagates as the exact one it turned out to be, so a replay trims the same."""
    argv = list(argv)
    argv[args.threshold_pos - 1] = b"="
    if args.strategy == "maxlen":
        argv[args.threshold_pos] = b"%d" % len(stream)
    else:
        first = stream.first_entry()
        argv[args.threshold_pos] = format_id(first[0] if first is not None else 0)
    return argv


def _claim_argv(key, group, consumer_name, sid, nack):
    """streamPropagateXCLAIM: the form a delivery or a claim takes in the AOF."""
    return [b"XCLAIM", key, group.name, consumer_name, b"0", format_id(sid), b"TIME",
            b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count, b"FORCE",
            b"JUSTID", b"LASTID", format_id(group.last_id)]


def _next_id(last, now):
    """streamNextID: the clock's ms, or one past the last ID."""
    if now > last >> 64:
        return now << 64
    return last + 1


# XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
@command("xadd", -5, "write denyoom fast", keys=(1, 1, 1), group="stream", event=XADD)
def xadd(c, argv):
    args, idpos = _parse_add_trim(c, argv, True)
    field_pos = idpos + 1
    nfields = len(argv) - field_pos
    if nfields < 2 or nfields % 2:
        raise CommandError(errors.WRONG_ARITY % c.cmd.fullname)
    if args.id_given and args.seq_given and args.id == 0:
        raise CommandError(errors.STREAM_XADD_ZERO_ID)
    key = argv[1]
    db = c.db
    stream = db.lookup(key)
    if stream is None:
        if args.nomkstream:
            return reply.NULL
        stream = Stream()
        db.add(key, stream)
    elif stream.__class__ is not Stream:
        raise E_WRONGTYPE
    last = stream.last_id
    if last == MAX_ID:
        raise CommandError(errors.STREAM_EXHAUSTED)
    if args.id_given:
        sid = args.id
        if not args.seq_given:
            if last >> 64 == sid >> 64:
                if last & SEQ_MASK == UINT64_MAX:
                    raise CommandError(errors.STREAM_ID_TOO_SMALL)
                sid = last + 1
    else:
        sid = _next_id(last, dbmod.now_ms())
    if sid <= last:
        raise CommandError(errors.STREAM_ID_TOO_SMALL)
    server = c.server
    config = server.config
    stream.append(sid, argv[field_pos:], config["stream-node-max-entries"],
                  config["stream-node-max-bytes"])
    db.signal(key)
    if args.strategy is not None and _trim(stream, args):
        db.notify(XTRIM, key)
    text = b"%d-%d" % (sid >> 64, sid & SEQ_MASK)
    if server.propagating and (not args.id_given or not args.seq_given or args.approx):
        # The ID and trim a replay must repeat are the ones this call chose.
        out = list(argv)
        out[idpos] = text
        if args.approx:
            out = _exact_trim(out, stream, args)
        server.rewrite_propagation(out)
    server.blocking.key_created(db, key)
    return b"$%d\r\n%b\r\n" % (len(text), text)


# XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
@command("xtrim", -4, "write", keys=(1, 1, 1), group="stream", event=XTRIM)
def xtrim(c, argv):
    args, _ = _parse_add_trim(c, argv, False)
    key = argv[1]
    stream = _write(c, key)
    if stream is None:
        return reply.ZERO
    deleted = _trim(stream, args)
    if deleted:
        before = c.server.dirty
        c.db.signal(key)
        c.server.dirty = before + deleted
        if args.approx and c.server.propagating:
            c.server.rewrite_propagation(_exact_trim(argv, stream, args))
    return reply.integer(deleted)


# XDEL key id [id ...]
@command("xdel", -3, "write fast", keys=(1, 1, 1), group="stream", event=XDEL)
def xdel(c, argv):
    key = argv[1]
    stream = _write(c, key)
    if stream is None:
        return reply.ZERO
    ids = [strict_id(arg) for arg in argv[2:]]
    deleted = stream.xdel(ids)
    if deleted:
        before = c.server.dirty
        c.db.signal(key)
        c.server.dirty = before + deleted
    return reply.integer(deleted)


# XLEN key
@command("xlen", 2, "readonly fast", keys=(1, 1, 1), group="stream")
def xlen(c, argv):
    stream = _read(c, argv[1])
    return reply.ZERO if stream is None else reply.integer(stream.length)


# ---- ranges ------------------------------------------------------------------------------------
def _xrange(c, argv, rev):
    """xrangeGenericCommand: both IDs, COUNT, then the key."""
    start_arg, end_arg = (argv[3], argv[2]) if rev else (argv[2], argv[3])
    start = _range_start(start_arg)
    end = _range_end(end_arg)
    count = -1
    n = len(argv)
    j = 4
    while j < n:
        if option_name(argv[j]) == b"count" and j + 1 < n:
            count = _int(argv[j + 1])
            if count < 0:
                count = 0
            j += 2
        else:
            raise E_SYNTAX
    stream = _read(c, argv[1])
    if stream is None:
        return reply.EMPTY_ARRAY
    if count == 0:
        return reply.NULL_ARRAY
    return _entries_reply(stream, start, end, count if count > 0 else 0, rev)


# XRANGE key start end [COUNT count]
@command("xrange", -4, "readonly", keys=(1, 1, 1), group="stream")
def xrange(c, argv):
    return _xrange(c, argv, False)


# XREVRANGE key end start [COUNT count]
@command("xrevrange", -4, "readonly", keys=(1, 1, 1), group="stream")
def xrevrange(c, argv):
    return _xrange(c, argv, True)


# ---- groups: reading ---------------------------------------------------------------------------
def _lookup_consumer(group, name, now):
    """streamLookupConsumer: the consumer with its seen-time refreshed, or None."""
    consumer = group.consumers.get(name)
    if consumer is None:
        return None
    consumer.seen_time = now
    return consumer


def _create_consumer(c, group, name, key, now):
    consumer = group.create_consumer(name, now)
    if consumer is not None:
        c.server.dirty += 1
        c.db.notify(XGROUP_CREATECONSUMER, key)
    return consumer


def _consumer(c, group, name, key, now, noack=False):
    """The named consumer, created (and announced) when missing.

    A NOACK read that creates its consumer propagates the creation: no
    XCLAIM will carry it (streamPropagateConsumerCreation).
    """
    consumer = _lookup_consumer(group, name, now)
    if consumer is None:
        consumer = _create_consumer(c, group, name, key, now)
        if noack and c.server.propagating:
            c.server.also_propagate(c.db.id, [b"XGROUP", b"CREATECONSUMER", key, group.name, name])
    return consumer


def _deliver(c, stream, start, count, group, consumer, noack, key=None):
    """streamReplyWithRange for a group read of new entries: the entries reply.

    A group read propagates as what it changed, never as itself: an XCLAIM
    per delivered entry, or the group's new position after a NOACK read.
    """
    if group is None:
        return _entries_reply(stream, start, MAX_ID, count)
    items = stream.range(start, MAX_ID, count)
    if items:
        now = dbmod.now_ms()
        server = c.server
        propagating = server.propagating
        if propagating:
            server.prevent_propagation()
        for sid, _ in items:
            stream.delivered(group, sid)
            if noack:
                continue
            nack = group.pel.get(sid)
            if nack is None:
                nack = Nack(consumer, now)
                group.pel.add(sid, nack)
                consumer.pel.add(sid, nack)
            else:
                # XGROUP SETID can make a delivered entry new again: it moves to this consumer.
                nack.consumer.pel.remove(sid)
                nack.consumer = consumer
                nack.delivery_time = now
                nack.delivery_count = 1
                consumer.pel.add(sid, nack)
            if propagating:
                server.also_propagate(c.db.id, _claim_argv(key, group, consumer.name, sid, nack))
        if propagating and noack:
            server.also_propagate(c.db.id, [b"XGROUP", b"SETID", key, group.name,
                                            format_id(group.last_id), b"ENTRIESREAD",
                                            b"%d" % group.entries_read])
    return _entries(items)


def _history(stream, start, count, consumer):
    """streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from ``start``."""
    parts = []
    now = dbmod.now_ms()
    pel = consumer.pel
    nulls = False
    for sid in pel.iter_from(start):
        if count and len(parts) >= count:
            break
        pairs = stream.get(sid)
        if pairs is None:
            parts.append(reply.Array([_id_reply(sid), reply.NULL_ARRAY]))
            nulls = True
        else:
            parts.append(_entry(sid, pairs))
            nack = pel.map[sid]
            nack.delivery_time = now
            nack.delivery_count += 1
    if nulls:
        return reply.Array(parts)
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


class _Wait:
    """What a blocked XREAD/XREADGROUP waits for (Redis's bpop fields for streams)."""

    __slots__ = ("state", "ids", "count", "group", "consumer", "noack")

    def __init__(self, state, ids, count, group, consumer, noack):
        self.state = state
        self.ids = ids
        self.count = count
        self.group = group
        self.consumer = consumer
        self.noack = noack


_WAITS = weakref.WeakKeyDictionary()


def _xread(c, argv, xreadgroup):
    """xreadCommand."""
    n = len(argv)
    timeout = None
    count = 0
    streams_arg = 0
    group_name = consumer_name = None
    noack = False
    i = 1
    while i < n:
        more = n - i - 1
        opt = option_name(argv[i])
        if opt == b"block" and more:
            # Scripts run on a client of their own that says so (Redis's CLIENT_LUA).
            if c.in_script:
                raise CommandError(errors.STREAM_BLOCK_IN_SCRIPT % argv[0].decode("latin-1"))
            i += 1
            timeout = _int(argv[i], CommandError(errors.TIMEOUT_NOT_INTEGER))
            if timeout < 0:
                raise CommandError(errors.TIMEOUT_NEGATIVE)
        elif opt == b"count" and more:
            i += 1
            count = _int(argv[i])
            if count < 0:
                count = 0
        elif opt == b"streams" and more:
            streams_arg = i + 1
            nstreams = n - streams_arg
            if nstreams % 2:
                raise CommandError(errors.STREAM_UNBALANCED)
            nstreams //= 2
            break
        elif opt == b"group" and more >= 2:
            if not xreadgroup:
                raise CommandError(errors.STREAM_GROUP_ONLY_XREADGROUP)
            group_name = argv[i + 1]
            consumer_name = argv[i + 2]
            i += 2
        elif opt == b"noack":
            if not xreadgroup:
                raise CommandError(errors.STREAM_NOACK_ONLY_XREADGROUP)
            noack = True
        else:
            raise E_SYNTAX
        i += 1
    if not streams_arg:
        raise E_SYNTAX
    if xreadgroup and group_name is None:
        raise CommandError(errors.STREAM_MISSING_GROUP)
    keys = argv[streams_arg:streams_arg + nstreams]
    blocker = c.server.blocking
    wait = _WAITS.get(c)
    if wait is not None and c.blocked is wait.state and blocker.serving is not None:
        return _serve_blocked(c, wait, blocker.serving)
    db = c.db
    ids = []
    groups = []
    for j, key in enumerate(keys):
        stream = db.lookup_read(key)
        if stream is not None and stream.__class__ is not Stream:
            raise E_WRONGTYPE
        group = None
        if group_name is not None:
            if stream is None or group_name not in stream.groups:
                raise errors.fmt(errors.STREAM_XREADGROUP_NOGROUP, key, group_name)
            group = stream.groups[group_name]
        groups.append(group)
        arg = argv[streams_arg + nstreams + j]
        if arg == b"$":
            if xreadgroup:
                raise CommandError(errors.STREAM_DOLLAR_IN_XREADGROUP)
            ids.append(stream.last_id if stream is not None else 0)
        elif arg == b">":
            if not xreadgroup:
                raise CommandError(errors.STREAM_GT_ONLY_XREADGROUP)
            ids.append(MAX_ID)
        else:
            ids.append(strict_id(arg))
    parts = []
    now = dbmod.now_ms()
    for j, key in enumerate(keys):
        stream = db.lookup_read(key)
        if stream is None:
            continue
        gt = ids[j]
        group = groups[j]
        history = False
        serve = False
        if group is not None:
            if gt != MAX_ID:
                serve = history = True
            elif stream.length and stream.last_valid_id() > group.last_id:
                serve = True
                gt = group.last_id
        elif stream.length and stream.last_valid_id() > gt:
            serve = True
        if not serve:
            continue
        start = _incr(gt)
        if group is not None:
            consumer = _consumer(c, group, consumer_name, key, now, noack)
            if history:
                entries = _history(stream, start, count, consumer)
            else:
                entries = _deliver(c, stream, start, count, group, consumer, noack, key)
            c.server.dirty += 1
        else:
            entries = _deliver(c, stream, start, count, None, None, False)
        parts.append((key, entries))
    if parts:
        return _stream_keyed(c, parts)
    if timeout is not None:
        if c.deny_blocking:
            return reply.NULL_ARRAY
        deadline = (dbmod.now_ms() + timeout) / 1000.0 if timeout else 0
        waiting = {}
        for key, sid in zip(keys, ids):
            waiting.setdefault(key, sid)
        result = blocker.block(c, list(waiting), deadline, reply.NULL_ARRAY, BLOCK_TYPES)
        if c.blocked is not None:
            _WAITS[c] = _Wait(c.blocked, waiting, count or BLOCKED_DEFAULT_COUNT, group_name,
                              consumer_name, noack)
            if group_name is not None:
                c.blocked.gone_error = errors.CommandError(errors.STREAM_KEY_GONE)
        return result
    return reply.NULL_ARRAY


def _serve_blocked(c, wait, key):
    """serveClientsBlockedOnStreamKey for one client: a reply, or None to stay blocked."""
    stream = c.db.peek(key)
    if stream is None or stream.__class__ is not Stream:
        return None
    gt = wait.ids[key]
    group = None
    if wait.group is not None:
        group = stream.groups.get(wait.group)
        if group is None:
            del _WAITS[c]
            raise CommandError(errors.STREAM_BLOCKED_GROUP_GONE)
        gt = wait.ids[key] = group.last_id
    if stream.last_id <= gt:
        return None
    start = _incr(gt)
    consumer = None
    if group is not None:
        consumer = _consumer(c, group, wait.consumer, key, dbmod.now_ms(), wait.noack)
    entries = _deliver(c, stream, start, wait.count, group, consumer, wait.noack, key)
    del _WAITS[c]
    if c.resp == 2:
        return reply.Array([reply.Array([reply.bulk(key), entries])])
    return reply.Map([reply.bulk(key), entries])


def _streams_keys(argv):
    n = len(argv)
    for i in range(1, n):
        if option_name(argv[i]) == b"streams":
            first = i + 1
            count = (n - first) // 2
            return list(range(first, first + count))
    return []


# XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
@command("xread", -4, "readonly blocking movablekeys", group="stream", getkeys=_streams_keys)
def xread(c, argv):
    return _xread(c, argv, False)


# XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
@command("xreadgroup", -7, "write blocking movablekeys", group="stream", getkeys=_streams_keys)
def xreadgroup(c, argv):
    return _xread(c, argv, True)


# ---- groups: management ------------------------------------------------------------------------
container("xgroup", group="stream")


def _xgroup_target(c, argv, create_or_setid, create):
    """The shared head of xgroupCommand: options, key, then the key/group existence checks."""
    entries_read = INVALID_ENTRIES_READ
    mkstream = False
    if create_or_setid:
        i = 5
        n = len(argv)
        while i < n:
            opt = option_name(argv[i])
            if create and opt == b"mkstream":
                mkstream = True
                i += 1
            elif opt == b"entriesread" and i + 1 < n:
                entries_read = _int(argv[i + 1])
                if entries_read < 0 and entries_read != INVALID_ENTRIES_READ:
                    raise CommandError(errors.STREAM_ENTRIESREAD)
                i += 2
            else:
                raise _subcommand_syntax(argv)
    key = argv[2]
    stream = _write(c, key)
    group = None
    if not mkstream:
        if stream is None:
            raise CommandError(errors.STREAM_XGROUP_NEEDS_KEY)
        group = stream.groups.get(argv[3])
        if group is None and not create and c.cmd.name != "destroy":
            raise errors.fmt(errors.STREAM_XGROUP_NOGROUP, argv[3], key)
    return stream, group, entries_read, mkstream


def _subcommand_syntax(argv):
    return CommandError(errors.SUBCOMMAND_SYNTAX % (errors.arg(argv[1], 128), "XGROUP"))


# XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
@command("xgroup|create", -5, "write denyoom", keys=(2, 2, 1), group="stream")
def xgroup_create(c, argv):
    stream, group, entries_read, mkstream = _xgroup_target(c, argv, True, True)
    if len(argv) > 8:
        raise _subcommand_syntax(argv)
    key = argv[2]
    if stream is not None:
        group = stream.groups.get(argv[3])
    if argv[4] == b"$":
        sid = stream.last_id if stream is not None else 0
    else:
        sid = strict_id(argv[4])
    db = c.db
    if stream is None:
        stream = Stream()
        db.add(key, stream)
        _touch(db, key)
    if group is not None:
        raise CommandError(errors.STREAM_BUSYGROUP)
    stream.groups[argv[3]] = Group(argv[3], sid, entries_read)
    c.server.dirty += 1
    db.notify(XGROUP_CREATE, key)
    return reply.OK


# XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
@command("xgroup|setid", -5, "write", keys=(2, 2, 1), group="stream")
def xgroup_setid(c, argv):
    stream, group, entries_read, _ = _xgroup_target(c, argv, True, False)
    if len(argv) not in (5, 7):
        raise _subcommand_syntax(argv)
    if argv[4] == b"$":
        sid = stream.last_id
    else:
        sid = parse_id(argv[4])
    group.last_id = sid
    group.entries_read = entries_read
    c.server.dirty += 1
    c.db.notify(XGROUP_SETID, argv[2])
    return reply.OK


# XGROUP DESTROY key group
@command("xgroup|destroy", 4, "write", keys=(2, 2, 1), group="stream")
def xgroup_destroy(c, argv):
    stream, group, _, _ = _xgroup_target(c, argv, False, False)
    if group is None:
        return reply.ZERO
    del stream.groups[argv[3]]
    c.server.dirty += 1
    c.db.notify(XGROUP_DESTROY, argv[2])
    # Clients blocked in XREADGROUP on this group learn that it is gone.
    c.server.blocking.key_created(c.db, argv[2])
    return reply.ONE


# XGROUP CREATECONSUMER key group consumer
@command("xgroup|createconsumer", 5, "write denyoom", keys=(2, 2, 1), group="stream")
def xgroup_createconsumer(c, argv):
    stream, group, _, _ = _xgroup_target(c, argv, False, False)
    created = _create_consumer(c, group, argv[4], argv[2], dbmod.now_ms())
    return reply.ONE if created is not None else reply.ZERO


# XGROUP DELCONSUMER key group consumer
@command("xgroup|delconsumer", 5, "write", keys=(2, 2, 1), group="stream")
def xgroup_delconsumer(c, argv):
    stream, group, _, _ = _xgroup_target(c, argv, False, False)
    pending = group.delete_consumer(argv[4])
    if pending is None:
        return reply.ZERO
    c.server.dirty += 1
    c.db.notify(XGROUP_DELCONSUMER, argv[2])
    return reply.integer(pending)


_XGROUP_HELP = (
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
)

_XINFO_HELP = (
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
)


def _help(lines):
    return b"*%d\r\n%b" % (len(lines), b"".join(reply.simple(line.encode()) for line in lines))


# XGROUP HELP
@command("xgroup|help", 2, "loading stale", group="stream")
def xgroup_help(c, argv):
    return _help(_XGROUP_HELP)


# ---- groups: acknowledging and claiming --------------------------------------------------------
def _group_or_nogroup(c, key, name):
    stream = _read(c, key)
    group = stream.groups.get(name) if stream is not None else None
    if group is None:
        raise errors.fmt(errors.STREAM_NOGROUP, key, name)
    return stream, group


def _release(group, sid, nack):
    group.pel.remove(sid)
    nack.consumer.pel.remove(sid)


# XACK key group id [id ...]
@command("xack", -4, "write fast", keys=(1, 1, 1), group="stream")
def xack(c, argv):
    stream = _read(c, argv[1])
    group = stream.groups.get(argv[2]) if stream is not None else None
    if group is None:
        return reply.ZERO
    ids = [strict_id(arg) for arg in argv[3:]]
    acked = 0
    for sid in ids:
        nack = group.pel.get(sid)
        if nack is not None:
            _release(group, sid, nack)
            acked += 1
            c.server.dirty += 1
    return reply.integer(acked)


# XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
@command("xpending", -3, "readonly", keys=(1, 1, 1), group="stream")
def xpending(c, argv):
    n = len(argv)
    if n != 3 and (n < 6 or n > 9):
        raise E_SYNTAX
    minidle = 0
    consumer_name = None
    if n >= 6:
        at = 3
        if option_name(argv[3]) == b"idle":
            minidle = _int(argv[4])
            if n < 8:
                raise E_SYNTAX
            at += 2
        count = _int(argv[at + 2])
        if count < 0:
            count = 0
        start = _range_start(argv[at])
        end = _range_end(argv[at + 1])
        if at + 3 < n:
            consumer_name = argv[at + 3]
    key = argv[1]
    stream, group = _group_or_nogroup(c, key, argv[2])
    if n == 3:
        pel = group.pel
        if not pel:
            return reply.Array([reply.ZERO, reply.NULL, reply.NULL, reply.NULL_ARRAY])
        owners = [b"*2\r\n" + reply.bulk(con.name) + reply.bulk(b"%d" % len(con.pel))
                  for con in group.sorted_consumers() if con.pel]
        return b"*4\r\n%b%b%b*%d\r\n%b" % (reply.integer(len(pel)), _id_reply(pel.ids[0]),
                                         _id_reply(pel.ids[-1]), len(owners), b"".join(owners))
    pel = group.pel
    if consumer_name is not None:
        consumer = group.consumers.get(consumer_name)
        if consumer is None:
            return reply.EMPTY_ARRAY
        pel = consumer.pel
    now = dbmod.now_ms()
    parts = []
    if count:
        for sid in pel.iter_from(start):
            if sid > end:
                break
            nack = pel.map[sid]
            if minidle and now - nack.delivery_time < minidle:
                continue
            elapsed = max(now - nack.delivery_time, 0)
            parts.append(b"*4\r\n%b%b%b%b" % (_id_reply(sid), reply.bulk(nack.consumer.name),
                                               reply.integer(elapsed),
                                               reply.integer(nack.delivery_count)))
            if len(parts) == count:
                break
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


# XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
#   [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
@command("xclaim", -6, "write fast", keys=(1, 1, 1), group="stream")
def xclaim(c, argv):
    key = argv[1]
    stream, group = _group_or_nogroup(c, key, argv[2])
    minidle = _int(argv[4], CommandError(errors.STREAM_XCLAIM_MINIDLE % "XCLAIM"))
    if minidle < 0:
        minidle = 0
    n = len(argv)
    ids = []
    j = 5
    while j < n:
        try:
            ids.append(strict_id(argv[j]))
        except CommandError:
            break
        j += 1
    now = dbmod.now_ms()
    retrycount = -1
    deliverytime = -1
    force = justid = False
    last_id = 0
    while j < n:
        more = n - 1 - j
        opt = option_name(argv[j])
        if opt == b"force":
            force = True
        elif opt == b"justid":
            justid = True
        elif opt == b"idle" and more:
            j += 1
            deliverytime = now - _int(argv[j], CommandError(errors.STREAM_XCLAIM_OPTION % "IDLE"))
        elif opt == b"time" and more:
            j += 1
            deliverytime = _int(argv[j], CommandError(errors.STREAM_XCLAIM_OPTION % "TIME"))
        elif opt == b"retrycount" and more:
            j += 1
            retrycount = _int(argv[j], CommandError(errors.STREAM_XCLAIM_OPTION % "RETRYCOUNT"))
        elif opt == b"lastid" and more:
            j += 1
            last_id = strict_id(argv[j])
        else:
            raise errors.fmt(errors.STREAM_XCLAIM_UNKNOWN, _cstr(argv[j]))
        j += 1
    propagate_last_id = last_id > group.last_id
    if propagate_last_id:
        group.last_id = last_id
    if deliverytime != -1:
        if deliverytime < 0 or deliverytime > now:
            deliverytime = now
    else:
        deliverytime = now
    consumer = None
    name = argv[3]
    parts = []
    changed = 0
    for sid in ids:
        nack = group.pel.get(sid)
        pairs = stream.get(sid)
        if pairs is None:
            if nack is not None:
                _release(group, sid, nack)
                changed += 1
            continue
        if force and nack is None:
            nack = Nack(None, now)
            group.pel.add(sid, nack)
        if nack is None:
            continue
        if nack.consumer is not None and minidle and now - nack.delivery_time < minidle:
            continue
        if consumer is None:
            consumer = _consumer(c, group, name, key, now)
        if nack.consumer is not consumer and nack.consumer is not None:
            nack.consumer.pel.remove(sid)
        nack.delivery_time = deliverytime
        if retrycount >= 0:
            nack.delivery_count = retrycount
        elif not justid:
            nack.delivery_count += 1
        if nack.consumer is not consumer:
            consumer.pel.add(sid, nack)
            nack.consumer = consumer
        parts.append(_id_reply(sid) if justid else _entry(sid, pairs))
        changed += 1
        if c.server.propagating:
            c.server.prevent_propagation()
            c.server.also_propagate(c.db.id, _claim_argv(key, group, name, sid, nack))
    # A moved group ID counts as a change only when no entry change carried it.
    c.server.dirty += changed or int(propagate_last_id)
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


# XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
@command("xautoclaim", -6, "write fast", keys=(1, 1, 1), group="stream")
def xautoclaim(c, argv):
    minidle = _int(argv[4], CommandError(errors.STREAM_XCLAIM_MINIDLE % "XAUTOCLAIM"))
    if minidle < 0:
        minidle = 0
    start = _range_start(argv[5])
    count = 100
    justid = False
    n = len(argv)
    j = 6
    while j < n:
        more = n - 1 - j
        opt = option_name(argv[j])
        if opt == b"count" and more:
            count = parse_int(argv[j + 1])
            if count is None or not 1 <= count <= INT64_MAX // 16:
                raise CommandError(errors.STREAM_COUNT_POSITIVE)
            j += 1
        elif opt == b"justid":
            justid = True
        else:
            raise E_SYNTAX
        j += 1
    key = argv[1]
    stream, group = _group_or_nogroup(c, key, argv[2])
    attempts = count * 10
    now = dbmod.now_ms()
    name = argv[3]
    consumer = None
    parts = []
    deleted = []
    pel = group.pel
    ids = pel.ids
    pos = bisect_left(ids, start)
    cursor = None
    while True:
        if not attempts:
            break
        attempts -= 1
        if not count:
            break
        if pos >= len(ids):
            cursor = 0
            break
        sid = ids[pos]
        nack = pel.map[sid]
        pairs = stream.get(sid)
        if pairs is None:
            _release(group, sid, nack)
            c.server.dirty += 1
            deleted.append(sid)
            pos = bisect_left(ids, sid)
            count -= 1
            continue
        pos += 1
        if minidle and now - nack.delivery_time < minidle:
            continue
        if consumer is None:
            consumer = _consumer(c, group, name, key, now)
        if nack.consumer is not consumer:
            nack.consumer.pel.remove(sid)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        if nack.consumer is not consumer:
            consumer.pel.add(sid, nack)
            nack.consumer = consumer
        parts.append(_id_reply(sid) if justid else _entry(sid, pairs))
        count -= 1
        c.server.dirty += 1
        if c.server.propagating:
            c.server.prevent_propagation()
            c.server.also_propagate(c.db.id, _claim_argv(key, group, name, sid, nack))
    if cursor is None:
        cursor = ids[pos] if pos < len(ids) else 0
    return b"*3\r\n%b*%d\r\n%b*%d\r\n%b" % (_id_reply(cursor), len(parts), b"".join(parts),
                                           len(deleted), b"".join(map(_id_reply, deleted)))


# ---- XSETID ------------------------------------------------------------------------------------
# XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
@command("xsetid", -3, "write denyoom fast", keys=(1, 1, 1), group="stream", event=XSETID)
def xsetid(c, argv):
    sid = strict_id(argv[2])
    entries_added = -1
    max_deleted = 0
    n = len(argv)
    i = 3
    while i < n:
        more = n - 1 - i
        opt = option_name(argv[i])
        if opt == b"entriesadded" and more:
            entries_added = _int(argv[i + 1])
            if entries_added < 0:
                raise CommandError(errors.STREAM_ENTRIES_ADDED_NEGATIVE)
            i += 2
        elif opt == b"maxdeletedid" and more:
            max_deleted = strict_id(argv[i + 1])
            if sid < max_deleted:
                raise CommandError(errors.STREAM_XSETID_BELOW_GIVEN_MAXDELETED)
            i += 2
        else:
            raise E_SYNTAX
    key = argv[1]
    stream = _write(c, key)
    if stream is None:
        raise _E_NO_SUCH_KEY
    if stream.length:
        if sid < stream.last_valid_id():
            raise CommandError(errors.STREAM_XSETID_BELOW_TOP)
        if entries_added != -1 and stream.length > entries_added:
            raise CommandError(errors.STREAM_XSETID_ENTRIES_ADDED)
    stream.last_id = sid
    if entries_added != -1:
        stream.entries_added = entries_added
    if max_deleted:
        stream.max_deleted_id = max_deleted
    # xsetidCommand notifies but does not signal the key: WATCH does not see it.
    c.server.dirty += 1
    c.db.notify(XSETID, key)
    return reply.OK


# ---- XINFO -------------------------------------------------------------------------------------
container("xinfo", group="stream")


def _info_stream(c, key):
    stream = c.db.lookup_read(key)
    if stream is None:
        raise _E_NO_SUCH_KEY
    if stream.__class__ is not Stream:
        raise E_WRONGTYPE
    return stream


def _lag(stream, group):
    lag = stream.group_lag(group)
    return reply.NULL if lag is None else reply.integer(lag)


def _entries_read(group):
    if group.entries_read == INVALID_ENTRIES_READ:
        return reply.NULL
    return reply.integer(group.entries_read)


# XINFO CONSUMERS key group
@command("xinfo|consumers", 4, "readonly", keys=(2, 2, 1), group="stream")
def xinfo_consumers(c, argv):
    stream = _info_stream(c, argv[2])
    group = stream.groups.get(argv[3])
    if group is None:
        raise errors.fmt(errors.STREAM_XGROUP_NOGROUP, argv[3], argv[2])
    now = dbmod.now_ms()
    return reply.Array([reply.Map([b"$4\r\nname\r\n", reply.bulk(con.name),
                                   b"$7\r\npending\r\n", reply.integer(len(con.pel)),
                                   b"$4\r\nidle\r\n", reply.integer(max(now - con.seen_time, 0))])
                        for con in group.sorted_consumers()])


# XINFO GROUPS key
@command("xinfo|groups", 3, "readonly", keys=(2, 2, 1), group="stream")
def xinfo_groups(c, argv):
    stream = _info_stream(c, argv[2])
    out = []
    for name in sorted(stream.groups):
        g = stream.groups[name]
        out.append(reply.Map([
            b"$4\r\nname\r\n", reply.bulk(name),
            b"$9\r\nconsumers\r\n", reply.integer(len(g.consumers)),
            b"$7\r\npending\r\n", reply.integer(len(g.pel)),
            b"$17\r\nlast-delivered-id\r\n", _id_reply(g.last_id),
            b"$12\r\nentries-read\r\n", _entries_read(g),
            b"$3\r\nlag\r\n", _lag(stream, g)]))
    return reply.Array(out)


def _field(name):
    return reply.bulk(name.encode())


# XINFO STREAM key [FULL [COUNT count]]
@command("xinfo|stream", -3, "readonly", keys=(2, 2, 1), group="stream")
def xinfo_stream(c, argv):
    stream = _info_stream(c, argv[2])
    extra = argv[3:]
    full = False
    count = 10
    if extra:
        if len(extra) not in (1, 3) or option_name(extra[0]) != b"full" or (
                len(extra) == 3 and option_name(extra[1]) != b"count"):
            raise CommandError(errors.SUBCOMMAND_SYNTAX % (errors.arg(argv[1], 128), "XINFO"))
        full = True
        if len(extra) == 3:
            count = _int(extra[2])
            if count < 0:
                count = 10
    items = [
        _field("length"), reply.integer(stream.length),
        _field("radix-tree-keys"), reply.integer(stream.node_count()),
        _field("radix-tree-nodes"), reply.integer(stream.rax_nodes()),
        _field("last-generated-id"), _id_reply(stream.last_id),
        _field("max-deleted-entry-id"), _id_reply(stream.max_deleted_id),
        _field("entries-added"), reply.integer(stream.entries_added),
        _field("recorded-first-entry-id"), _id_reply(stream.first_id),
    ]
    if not full:
        first = stream.first_entry()
        last = stream.last_entry()
        items += [_field("groups"), reply.integer(len(stream.groups)),
                  _field("first-entry"), reply.NULL if first is None else _entry(*first),
                  _field("last-entry"), reply.NULL if last is None else _entry(*last)]
        return reply.Map(items)
    items += [_field("entries"), _entries(stream.range(0, MAX_ID, count))]
    groups = []
    for name in sorted(stream.groups):
        g = stream.groups[name]
        pel_ids = g.pel.ids if not count else g.pel.ids[:count]
        pending = [b"*4\r\n%b%b%b%b" % (_id_reply(sid), reply.bulk(g.pel.map[sid].consumer.name),
                                        reply.integer(g.pel.map[sid].delivery_time),
                                        reply.integer(g.pel.map[sid].delivery_count))
                   for sid in pel_ids]
        consumers = []
        for con in g.sorted_consumers():
            cids = con.pel.ids if not count else con.pel.ids[:count]
            cpending = [b"*3\r\n%b%b%b" % (_id_reply(sid),
                                           reply.integer(con.pel.map[sid].delivery_time),
                                           reply.integer(con.pel.map[sid].delivery_count))
                        for sid in cids]
            consumers.append(reply.Map([
                _field("name"), reply.bulk(con.name),
                _field("seen-time"), reply.integer(con.seen_time),
                _field("pel-count"), reply.integer(len(con.pel)),
                _field("pending"), b"*%d\r\n%b" % (len(cpending), b"".join(cpending))]))
        groups.append(reply.Map([
            _field("name"), reply.bulk(name),
            _field("last-delivered-id"), _id_reply(g.last_id),
            _field("entries-read"), _entries_read(g),
            _field("lag"), _lag(stream, g),
            _field("pel-count"), reply.integer(len(g.pel)),
            _field("pending"), b"*%d\r\n%b" % (len(pending), b"".join(pending)),
            _field("consumers"), reply.Array(consumers)]))
    items += [_field("groups"), reply.Array(groups)]
    return reply.Map(items)


# XINFO HELP
@command("xinfo|help", 2, "loading stale", group="stream")
def xinfo_help(c, argv):
    return _help(_XINFO_HELP)
