"""String commands (Redis's t_string.c).

A string value is ``bytes``, or a ``bytearray`` once APPEND or SETRANGE
changed it in place (so repeated appends cost amortized O(1), not a copy of
the whole value each time).  Replies are built from either with ``%b``, which
copies a bytearray out, never shares it.
"""
from .. import errors, longdouble, reply
from ..db import now_ms
from ..errors import CommandError, E_NOT_INTEGER, E_SYNTAX, E_WRONGTYPE
from .._speedups import parse_int
from ..numbers import INT64_MAX, INT64_MIN
from ..dispatch import slow_command
from ..pubsub import NOTIFY_KEY_MISS
from . import command, run_of

_STRING_TYPES = (bytes, bytearray)

# SET/GETEX option bits (Redis's OBJ_SET_* flags).
_NX = 1
_XX = 2
_GET = 4
_KEEPTTL = 8
_PERSIST = 16
_EX = 32
_PX = 64
_EXAT = 128
_PXAT = 256
_ANY_EXPIRE = _EX | _PX | _EXAT | _PXAT


# ---- encodings the bytes cannot tell --------------------------------------
# OBJECT ENCODING reads a string's encoding off its bytes: "int" when they
# spell an int64, "embstr" up to 44 bytes, "raw" beyond and for a bytearray.
# That is what Redis's tryObjectEncoding gives for every value a client sends.
# Two values escape it: INCRBYFLOAT stores its result unencoded
# (createStringObjectFromLongDouble), so an integral result such as "11" is
# an embstr, and COPY duplicates a shared integer into a private one
# (refcount 1).  Those keys are remembered here, (db id, key) -> (db, value,
# encoding, refcount), valid while the key still holds that very object;
# every string write forgets its key, and stale entries are swept as the
# table grows.
OVERRIDES = {}
_sweep_at = 256


def remember(db, key, value, encoding, refcount):
    global _sweep_at
    OVERRIDES[(db.id, key)] = (db, value, encoding, refcount)
    if len(OVERRIDES) >= _sweep_at:
        for token, (odb, ovalue, _, _) in list(OVERRIDES.items()):
            if odb.data.get(token[1]) is not ovalue:
                del OVERRIDES[token]
        _sweep_at = max(256, 2 * len(OVERRIDES))


def forget(db, key):
    OVERRIDES.pop((db.id, key), None)


def override_of(db, key, value):
    entry = OVERRIDES.get((db.id, key))
    if entry is not None and entry[1] is value and entry[0] is db:
        return entry
    return None


def transfer(src, src_key, dst, dst_key, keep_source=False):
    """The value of ``src_key`` now also (or only) lives at ``dst_key`` (RENAME, MOVE, COPY).

    Called while ``src_key`` still holds the value.
    """
    if not OVERRIDES:
        return
    entry = OVERRIDES.get((src.id, src_key))
    if entry is not None and not keep_source:
        del OVERRIDES[(src.id, src_key)]
    OVERRIDES.pop((dst.id, dst_key), None)
    if entry is not None and entry[0] is src and src.data.get(src_key) is entry[1]:
        OVERRIDES[(dst.id, dst_key)] = (dst, entry[1], entry[2], entry[3])


# Redis's OBJ_SHARED_REFCOUNT
SHARED_REFCOUNT = 2147483647

# The values "0" to "9999" are stored as one object each, whatever key holds
# them, so a counter costs its key alone (Redis's shared.integers).  OBJECT
# REFCOUNT still follows the eviction policy (is_shared_integer).
SMALL_INTEGERS = tuple(b"%d" % i for i in range(10000))
SHARED_INTEGERS = {v: v for v in SMALL_INTEGERS}


def is_shared_integer(value, server):
    """Redis keeps 0..9999 as shared objects unless an LRU/LFU policy needs per-key metadata."""
    return server.access_clock.shared_index(value) >= 0


def string_encoding(db, key, value):
    """OBJECT ENCODING of a string value stored at ``key``."""
    if value.__class__ is bytearray:
        return b"raw"
    entry = override_of(db, key, value) if OVERRIDES else None
    if entry is not None:
        return entry[2]
    if len(value) <= 20 and parse_int(value) is not None:
        return b"int"
    return b"embstr" if len(value) <= 44 else b"raw"


def string_refcount(db, key, value):
    entry = override_of(db, key, value) if OVERRIDES else None
    if entry is not None:
        return entry[3]
    return SHARED_REFCOUNT if is_shared_integer(value, db.server) else 1


# ---- helpers ----------------------------------------------------------------
def _check_length(c, size, append):
    """Redis checkStringLength: the result may not pass proto-max-bulk-len."""
    if size + append > c.server.config["proto-max-bulk-len"]:
        raise CommandError(errors.STRING_TOO_LONG)


def option_name(arg):
    """An option as Redis compares it: a C string (cut at NUL), case-insensitive."""
    nul = arg.find(b"\0")
    if nul >= 0:
        arg = arg[:nul]
    return arg.lower()


def _parse_set_options(argv, start, for_set):
    """Redis parseExtendedStringArgumentsOrReply: (flags, expire argument or None).

    An option may repeat (the last expire wins) but not conflict; GETEX takes
    only the expire options and PERSIST, SET all but PERSIST.
    """
    flags = 0
    expire = None
    i = start
    n = len(argv)
    while i < n:
        opt = option_name(argv[i])
        has_next = i + 1 < n
        if opt == b"nx" and for_set and not flags & _XX:
            flags |= _NX
        elif opt == b"xx" and for_set and not flags & _NX:
            flags |= _XX
        elif opt == b"get" and for_set:
            flags |= _GET
        elif opt == b"keepttl" and for_set and not flags & (_PERSIST | _ANY_EXPIRE):
            flags |= _KEEPTTL
        elif opt == b"persist" and not for_set and not flags & (_KEEPTTL | _ANY_EXPIRE):
            flags |= _PERSIST
        elif opt in _EXPIRE_OPTIONS and has_next and not flags & (_KEEPTTL | _PERSIST
                                                                   | (_ANY_EXPIRE & ~_EXPIRE_OPTIONS[opt])):
            flags |= _EXPIRE_OPTIONS[opt]
            expire = argv[i + 1]
            i += 1
        else:
            raise E_SYNTAX
        i += 1
    return flags, expire


_EXPIRE_OPTIONS = {b"ex": _EX, b"px": _PX, b"exat": _EXAT, b"pxat": _PXAT}


def _expire_ms(c, arg, flags):
    """Redis getExpireMillisecondsOrReply: the absolute expiry in ms."""
    n = parse_int(arg)
    if n is None:
        raise E_NOT_INTEGER
    seconds = flags & (_EX | _EXAT)
    if n <= 0 or (seconds and n > INT64_MAX // 1000):
        raise errors.fmt(errors.INVALID_EXPIRE, c.cmd.fullname)
    if seconds:
        n *= 1000
    if flags & (_EX | _PX):
        n += now_ms()
        if n > INT64_MAX:
            raise errors.fmt(errors.INVALID_EXPIRE, c.cmd.fullname)
    return n


def _string_or_wrongtype(value):
    if value is not None and value.__class__ is not bytes and value.__class__ is not bytearray:
        raise E_WRONGTYPE
    return value


def _bulk_or_null(value):
    return reply.NULL if value is None else reply.bulk(value)


def _set_generic(c, key, value, flags, expire, ok_reply, abort_reply):
    """Redis setGenericCommand."""
    db = c.db
    when = _expire_ms(c, expire, flags) if expire is not None else None
    if flags & _GET:
        old = db.get_string(key)
        found = old is not None
    else:
        found = db.lookup(key) is not None
    if (flags & _NX and found) or (flags & _XX and not found):
        if flags & _GET:
            return _bulk_or_null(old)
        return abort_reply
    db.set(key, SHARED_INTEGERS.get(value, value) if len(value) < 5 else value,
           keep_ttl=bool(flags & _KEEPTTL))
    if OVERRIDES:
        forget(db, key)
    db.signal(key, ("$", "set"))
    if when is not None:
        db.set_expire(key, when)
        db.notify(("g", "expire"), key)
        # Propagated as the absolute time alone: the other options held.
        c.server.rewrite_propagation([b"SET", key, value, b"PXAT", b"%d" % when])
    elif flags & _GET:
        # GET changes nothing: propagated without it (it may repeat).
        c.server.rewrite_propagation(c.argv[:3] + [a for a in c.argv[3:] if a.lower() != b"get"])
    if flags & _GET:
        return _bulk_or_null(old)
    return ok_reply


# ---- commands -------------------------------------------------------------
# GET key
@command("get", 2, "readonly fast", keys=(1, 1, 1), group="string")
def get(c, argv):
    value = c.db.get_string(argv[1])
    return reply.NULL if value is None else reply.bulk(value)


@run_of("get")
def _get_run(c, cmds, i, n, lap, latency, slow):
    """GETs of strings without a TTL and of missing keys (see commands.run_of)."""
    db = c.db
    if db.server.notify_flags & NOTIFY_KEY_MISS:
        return i
    read = db.access.read
    expires = db.expires
    out = c.out
    cmd = c.cmd
    meter = cmd.meter
    null = reply.NULL.encode(c.resp)
    bulk = reply.bulk
    name = cmds[i][0]
    size = 0
    while i < n:
        argv = cmds[i]
        if argv is None or len(argv) != 2 or argv[0] != name:
            break
        value = read(argv[1], expires, bytes, True)
        if value is False:
            break
        result = null if value is None else bulk(value)
        us = lap(meter, latency)
        i += 1
        if slow is not None and us >= slow:
            slow_command(c, cmd, argv, us)
        out.append(result)
        size += len(result)
    c.out_len += size
    return i


# SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
#     PXAT unix-time-milliseconds | KEEPTTL]
@command("set", -3, "write denyoom", keys=(1, 1, 1), group="string", event=("$", "set"))
def set_(c, argv):
    if len(argv) == 3:
        if OVERRIDES:
            db = c.db
            key = argv[1]
            value = argv[2]
            db.store(key, SHARED_INTEGERS.get(value, value) if len(value) < 5 else value)
            forget(db, key)
            db.signal(key)
        else:
            # MSET's path: the one pair is argv[1:3].
            c.db.store_pairs(argv, SHARED_INTEGERS)
        return reply.OK
    flags, expire = _parse_set_options(argv, 3, True)
    return _set_generic(c, argv[1], argv[2], flags, expire, reply.OK, reply.NULL)


@run_of("set")
def _set_run(c, cmds, i, n, lap, latency, slow):
    """SET key value of keys without a TTL (see commands.run_of)."""
    db = c.db
    if OVERRIDES or db.slots is not None:
        return i
    server = db.server
    changed = invalidate = None
    if db.listened():
        if db.watched or server.notify_flags or db.mem_sizes is not None:
            return i
        # Client tracking alone listens: each key invalidated as store_pairs
        # does it; with broadcasting clients only, that is the pass's record
        # of changed keys (Tracking.invalidate, written out).
        tracking = server.tracking
        if tracking.table or tracking.changed is None:
            invalidate = tracking.invalidate
        else:
            changed = tracking.changed
    store = db.access.store_pairs
    expires = db.expires
    data = db.data
    keys = len(data)
    out = c.out
    cmd = c.cmd
    meter = cmd.meter
    name = cmds[i][0]
    start = i
    while i < n:
        argv = cmds[i]
        if argv is None or len(argv) != 3 or argv[0] != name or store(argv, 1, SHARED_INTEGERS, expires) != 3:
            break
        if changed is not None:
            changed[argv[1]] = c
        elif invalidate is not None:
            invalidate(argv[1], c)
        us = lap(meter, latency)
        i += 1
        if slow is not None and us >= slow:
            slow_command(c, cmd, argv, us)
        out.append(reply.OK)
    if len(data) != keys:
        db.version += 1
    server.dirty += i - start
    c.out_len += 5 * (i - start)
    return i


# SETNX key value
@command("setnx", 3, "write denyoom fast", keys=(1, 1, 1), group="string", event=("$", "set"))
def setnx(c, argv):
    return _set_generic(c, argv[1], argv[2], _NX, None, reply.ONE, reply.ZERO)


# SETEX key seconds value
@command("setex", 4, "write denyoom", keys=(1, 1, 1), group="string", event=("$", "set"))
def setex(c, argv):
    return _set_generic(c, argv[1], argv[3], _EX, argv[2], reply.OK, reply.NULL)


# PSETEX key milliseconds value
@command("psetex", 4, "write denyoom", keys=(1, 1, 1), group="string", event=("$", "set"))
def psetex(c, argv):
    return _set_generic(c, argv[1], argv[3], _PX, argv[2], reply.OK, reply.NULL)


# GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
@command("getex", -2, "write fast", keys=(1, 1, 1), group="string", event=("g", "expire"))
def getex(c, argv):
    # Options are parsed before the lookup, the expire value only after it
    # (a missing key answers null whatever the value says).
    flags, expire = _parse_set_options(argv, 2, False)
    db = c.db
    key = argv[1]
    value = _string_or_wrongtype(db.lookup_read(key))
    if value is None:
        return reply.NULL
    when = _expire_ms(c, expire, flags) if expire is not None else None
    result = reply.bulk(value)
    if when is not None:
        if flags & (_EXAT | _PXAT) and when <= now_ms() and c.server.master_link is None:
            db.delete(key)
            db.signal(key, ("g", "del"))
            c.server.rewrite_propagation([_lazy(c, "lazyfree-lazy-expire"), key])
        else:
            db.set_expire(key, when)
            db.signal(key, ("g", "expire"))
            c.server.rewrite_propagation([b"PEXPIREAT", key, b"%d" % when])
    elif flags & _PERSIST:
        if db.persist(key):
            db.signal(key, ("g", "persist"))
            c.server.rewrite_propagation([b"PERSIST", key])
    return result


# GETDEL key
@command("getdel", 2, "write fast", keys=(1, 1, 1), group="string", event=("g", "del"))
def getdel(c, argv):
    db = c.db
    value = db.get_string(argv[1])
    if value is None:
        return reply.NULL
    db.delete(argv[1])
    db.signal(argv[1])
    c.server.rewrite_propagation([_lazy(c, "lazyfree-lazy-user-del"), argv[1]])
    return reply.bulk(value)


def _lazy(c, option):
    """The delete command Redis propagates: UNLINK when ``option`` frees lazily."""
    return b"UNLINK" if c.server.config[option] else b"DEL"


# GETSET key value
@command("getset", 3, "write denyoom fast", keys=(1, 1, 1), group="string", event=("$", "set"))
def getset(c, argv):
    db = c.db
    key = argv[1]
    old = db.get_string(key)
    db.set(key, argv[2])
    if OVERRIDES:
        forget(db, key)
    db.signal(key)
    c.server.rewrite_propagation([b"SET", key, argv[2]])
    return _bulk_or_null(old)


# MGET key [key ...]
@command("mget", -2, "readonly fast", keys=(1, -1, 1), group="string")
def mget(c, argv):
    lookup = c.db.lookup_read
    values = []
    for key in argv[1:]:
        value = lookup(key)
        if value is not None and value.__class__ is not bytes and value.__class__ is not bytearray:
            value = None
        values.append(value)
    return reply.bulks_or_null(values)


def _mset(c, argv, nx):
    if len(argv) % 2 == 0:
        raise CommandError(errors.WRONG_ARITY % c.cmd.fullname)
    db = c.db
    if nx:
        for i in range(1, len(argv), 2):
            if db.lookup(argv[i]) is not None:
                return reply.ZERO
    if OVERRIDES:
        for i in range(1, len(argv), 2):
            key = argv[i]
            value = argv[i + 1]
            db.store(key, SHARED_INTEGERS.get(value, value) if len(value) < 5 else value)
            forget(db, key)
            db.signal(key)
    else:
        db.store_pairs(argv, SHARED_INTEGERS)
    return reply.ONE if nx else reply.OK


# MSET key value [key value ...]
@command("mset", -3, "write denyoom", keys=(1, -1, 2), group="string", event=("$", "set"))
def mset(c, argv):
    if len(argv) % 2 and not OVERRIDES:
        # _mset's common case, without its frame.
        c.db.store_pairs(argv, SHARED_INTEGERS)
        return reply.OK
    return _mset(c, argv, False)


# MSETNX key value [key value ...]
@command("msetnx", -3, "write denyoom", keys=(1, -1, 2), group="string", event=("$", "set"))
def msetnx(c, argv):
    return _mset(c, argv, True)


# APPEND key value
@command("append", 3, "write denyoom fast", keys=(1, 1, 1), group="string", event=("$", "append"))
def append(c, argv):
    db = c.db
    key = argv[1]
    value = db.lookup(key)
    if value is None:
        if OVERRIDES:
            forget(db, key)
        db.add(key, argv[2])
        total = len(argv[2])
    else:
        if value.__class__ is bytearray:
            _check_length(c, len(value), len(argv[2]))
            value += argv[2]
        elif value.__class__ is bytes:
            _check_length(c, len(value), len(argv[2]))
            value = bytearray(value)
            value += argv[2]
            db.data[key] = value
        else:
            raise E_WRONGTYPE
        total = len(value)
    db.signal(key)
    return reply.integer(total)


# STRLEN key
@command("strlen", 2, "readonly fast", keys=(1, 1, 1), group="string")
def strlen(c, argv):
    value = c.db.get_string(argv[1])
    return reply.ZERO if value is None else reply.integer(len(value))


# SETRANGE key offset value
@command("setrange", 4, "write denyoom", keys=(1, 1, 1), group="string", event=("$", "setrange"))
def setrange(c, argv):
    offset = parse_int(argv[2])
    if offset is None:
        raise E_NOT_INTEGER
    if offset < 0:
        raise CommandError(errors.OFFSET_OUT_OF_RANGE)
    db = c.db
    key = argv[1]
    data = argv[3]
    value = db.lookup(key)
    if value is None:
        if not data:
            return reply.ZERO
        _check_length(c, offset, len(data))
        value = bytearray(offset + len(data))
        value[offset:] = data
        db.add(key, value)
    else:
        if value.__class__ is not bytearray:
            if value.__class__ is not bytes:
                raise E_WRONGTYPE
            if not data:
                return reply.integer(len(value))
            _check_length(c, offset, len(data))
            value = bytearray(value)
            db.data[key] = value
        elif not data:
            return reply.integer(len(value))
        else:
            _check_length(c, offset, len(data))
        end = offset + len(data)
        if end > len(value):
            value.extend(bytes(end - len(value)))
        value[offset:end] = data
    db.signal(key)
    return reply.integer(len(value))


# GETRANGE key start end
@command("getrange", 4, "readonly", keys=(1, 1, 1), group="string")
def getrange(c, argv):
    return _getrange(c, argv)


# SUBSTR key start end
@command("substr", 4, "readonly", keys=(1, 1, 1), group="string")
def substr(c, argv):
    return _getrange(c, argv)


def _getrange(c, argv):
    # Redis getrangeCommand parses both indexes before looking the key up.
    start = parse_int(argv[2])
    if start is None:
        raise E_NOT_INTEGER
    end = parse_int(argv[3])
    if end is None:
        raise E_NOT_INTEGER
    value = c.db.get_string(argv[1])
    if value is None:
        return reply.EMPTY_BULK
    n = len(value)
    if start < 0 and end < 0 and start > end:
        return reply.EMPTY_BULK
    if start < 0:
        start = max(n + start, 0)
    if end < 0:
        end = max(n + end, 0)
    if end >= n:
        end = n - 1
    if start > end or n == 0:
        return reply.EMPTY_BULK
    return reply.bulk(value[start:end + 1])


def _incr_by(c, key, incr):
    """Redis incrDecrCommand: the type and the stored value are checked after the increment."""
    db = c.db
    if not OVERRIDES:
        # An integer without a TTL, the common case, changed in one compiled step.
        result = db.access.incr_by(key, incr, SMALL_INTEGERS, db.expires)
        if result is not None:
            db.signal(key)
            return reply.integer(result)
    value = db.lookup(key)
    if value is None:
        current = 0
    else:
        if value.__class__ is not bytes and value.__class__ is not bytearray:
            raise E_WRONGTYPE
        current = parse_int(value)
        if current is None:
            raise E_NOT_INTEGER
    result = current + incr
    if result > INT64_MAX or result < INT64_MIN:
        raise CommandError(errors.OVERFLOW)
    new = SMALL_INTEGERS[result] if 0 <= result < 10000 else b"%d" % result
    if value is None:
        db.set(key, new, keep_ttl=True)
    else:
        # db.set for a key that holds a value, written out; the lookup's
        # touch already left the field dbOverwrite would.
        db.data[key] = new
    if OVERRIDES:
        forget(db, key)
    db.signal(key)
    return reply.integer(result)


# INCR key
@command("incr", 2, "write denyoom fast", keys=(1, 1, 1), group="string", event=("$", "incrby"))
def incr(c, argv):
    return _incr_by(c, argv[1], 1)


@run_of("incr")
def _incr_run(c, cmds, i, n, lap, latency, slow):
    """INCRs of integers without a TTL (see commands.run_of)."""
    db = c.db
    if OVERRIDES or db.listened():
        return i
    incr_by = db.access.incr_by
    expires = db.expires
    integer = reply.integer
    out = c.out
    cmd = c.cmd
    meter = cmd.meter
    name = cmds[i][0]
    start = i
    size = 0
    while i < n:
        argv = cmds[i]
        if argv is None or len(argv) != 2 or argv[0] != name:
            break
        result = incr_by(argv[1], 1, SMALL_INTEGERS, expires)
        if result is None:
            break
        result = integer(result)
        us = lap(meter, latency)
        i += 1
        if slow is not None and us >= slow:
            slow_command(c, cmd, argv, us)
        out.append(result)
        size += len(result)
    db.server.dirty += i - start
    c.out_len += size
    return i


# DECR key
@command("decr", 2, "write denyoom fast", keys=(1, 1, 1), group="string", event=("$", "incrby"))
def decr(c, argv):
    return _incr_by(c, argv[1], -1)


# INCRBY key increment
@command("incrby", 3, "write denyoom fast", keys=(1, 1, 1), group="string", event=("$", "incrby"))
def incrby(c, argv):
    n = parse_int(argv[2])
    if n is None:
        raise E_NOT_INTEGER
    return _incr_by(c, argv[1], n)


# DECRBY key decrement
@command("decrby", 3, "write denyoom fast", keys=(1, 1, 1), group="string", event=("$", "incrby"))
def decrby(c, argv):
    n = parse_int(argv[2])
    if n is None:
        raise E_NOT_INTEGER
    if n == INT64_MIN:
        raise CommandError(errors.DECREMENT_OVERFLOW)
    return _incr_by(c, argv[1], -n)


# INCRBYFLOAT key increment
@command("incrbyfloat", 3, "write denyoom fast", keys=(1, 1, 1), group="string",
         event=("$", "incrbyfloat"))
def incrbyfloat(c, argv):
    db = c.db
    key = argv[1]
    value = _string_or_wrongtype(db.lookup(key))
    # The stored value is parsed before the increment, both with strtold.
    current = longdouble.ZERO if value is None else longdouble.parse(bytes(value))
    if current is None:
        raise errors.E_NOT_FLOAT
    increment = longdouble.parse(argv[2])
    if increment is None:
        raise errors.E_NOT_FLOAT
    total = longdouble.add(current, increment)
    if total is None:
        raise CommandError(errors.RESULT_NAN_OR_INF)
    text = longdouble.format_human(total)
    db.set(key, text, keep_ttl=True)
    if len(text) <= 20 and parse_int(text) is not None:
        remember(db, key, text, b"embstr", 1)
    elif OVERRIDES:
        forget(db, key)
    db.signal(key)
    # The result, not the increment: a replica's float arithmetic may differ.
    c.server.rewrite_propagation([b"SET", key, text, b"KEEPTTL"])
    return reply.bulk(text)


# LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
@command("lcs", -3, "readonly", keys=(1, 2, 1), group="string")
def lcs(c, argv):
    # Redis lcsCommand looks both keys up (and type-checks them) before parsing options.
    db = c.db
    a = db.lookup_read(argv[1])
    b = db.lookup_read(argv[2])
    if (a is not None and a.__class__ not in _STRING_TYPES) or (
            b is not None and b.__class__ not in _STRING_TYPES):
        raise CommandError(errors.LCS_NOT_STRINGS)
    a = b"" if a is None else a
    b = b"" if b is None else b
    get_len = get_idx = with_len = False
    min_len = 0
    i = 3
    n = len(argv)
    while i < n:
        opt = option_name(argv[i])
        if opt == b"idx":
            get_idx = True
        elif opt == b"len":
            get_len = True
        elif opt == b"withmatchlen":
            with_len = True
        elif opt == b"minmatchlen" and i + 1 < n:
            min_len = parse_int(argv[i + 1])
            if min_len is None:
                raise E_NOT_INTEGER
            min_len = max(min_len, 0)
            i += 1
        else:
            raise E_SYNTAX
        i += 1
    if get_idx and get_len:
        raise CommandError(errors.LCS_IDX_AND_LEN)
    if len(a) >= 0xFFFFFFFF - 1 or len(b) >= 0xFFFFFFFF - 1:
        raise CommandError(errors.LCS_TOO_LONG)
    # Redis sizes a (len(a)+1) x (len(b)+1) table of uint32 and refuses past
    # proto-max-bulk-len; the same limit applies here although the table kept
    # is 32 times smaller (one bit per cell).
    if (len(a) + 1) * (len(b) + 1) * 4 > c.server.config["proto-max-bulk-len"]:
        raise CommandError(errors.LCS_MEMORY)
    # Copied only now: a refused pair of big strings costs nothing.
    a, b = bytes(a), bytes(b)
    if get_len:
        return reply.integer(lcs_length(a, b))
    length, common, ranges = lcs_traceback(a, b)
    if not get_idx:
        return reply.bulk(common)
    matches = []
    for a_start, a_end, b_start, b_end in ranges:
        match_len = a_end - a_start + 1
        if min_len and match_len < min_len:
            continue
        item = [reply.array([reply.integer(a_start), reply.integer(a_end)]),
                reply.array([reply.integer(b_start), reply.integer(b_end)])]
        if with_len:
            item.append(reply.integer(match_len))
        matches.append(reply.array(item))
    return reply.Map([reply.bulk(b"matches"), reply.array(matches),
                      reply.bulk(b"len"), reply.integer(length)])


# ---- LCS ------------------------------------------------------------------
# Bit-parallel LCS (Allison-Dix / Hyyro): one row of the DP table is a bit
# vector over the other string, bit q clear when L(p, q+1) = L(p, q) + 1, so
# L(p, q) = q - popcount(low q bits).  A row costs a few big-int operations,
# which makes the table O(n*m/word) in time and n*m bits in memory, while the
# traceback reads exactly the values Redis's uint32 table holds and breaks
# ties the same way, so the string and the IDX ranges come out identical.

def _char_masks(chars, text):
    """For each byte in ``chars``: an int with bit q set where text[q] is that byte."""
    rev = text[::-1]
    masks = {}
    for ch in set(chars):
        table = bytearray(b"0" * 256)
        table[ch] = 0x31
        masks[ch] = int(rev.translate(bytes(table)), 2)
    return masks


def _rows(short, long_, keep):
    """Bit rows of the DP table, iterating over the shorter string; all of them when ``keep``."""
    width = len(long_)
    full = (1 << width) - 1
    masks = _char_masks(short, long_)
    nbytes = (width + 7) >> 3
    v = full
    rows = [v.to_bytes(nbytes, "little")] if keep else None
    for ch in short:
        u = v & masks[ch]
        v = ((v + u) | (v - u)) & full
        if keep:
            rows.append(v.to_bytes(nbytes, "little"))
    return v, rows


def lcs_length(a, b):
    if not a or not b:
        return 0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    v, _ = _rows(short, long_, False)
    return len(long_) - v.bit_count()


def lcs_traceback(a, b):
    """(length, common subsequence, ranges) exactly as Redis's LCS walks its table back.

    ``ranges`` are (a_start, a_end, b_start, b_end) in the order Redis emits
    them: from the end of the strings towards their start.
    """
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return 0, b"", []
    a_short = n <= m
    short, long_ = (a, b) if a_short else (b, a)
    _, rows = _rows(short, long_, True)

    def prefix_lcs(p, q):
        """L(p, q): LCS of short[:p] and long_[:q]."""
        if p == 0 or q == 0:
            return 0
        low = int.from_bytes(rows[p][:(q + 7) >> 3], "little") & ((1 << q) - 1)
        return q - low.bit_count()

    def step(p, q):
        """L(p, q) - L(p, q-1), read off bit q-1 of row p."""
        return 1 - ((rows[p][(q - 1) >> 3] >> ((q - 1) & 7)) & 1)

    # (p, q) indexes (short, long); track L(p, q) and L(p-1, q) as the walk moves.
    p, q = (n, m) if a_short else (m, n)
    here = prefix_lcs(p, q)
    above = prefix_lcs(p - 1, q)
    length = here
    out = bytearray(length)
    k = length
    ranges = []
    run = None
    streak = 0
    i, j = n, m
    while i > 0 and j > 0 and here:
        # Once L(i, j) is 0 no match is left on the way back: Redis walks on
        # to the edge of its table but emits nothing more.
        if a[i - 1] == b[j - 1]:
            k -= 1
            out[k] = a[i - 1]
            if run is None:
                run = [i - 1, i - 1, j - 1, j - 1]
            else:
                run[0] = i - 1
                run[2] = j - 1
            i -= 1
            j -= 1
            # diagonal: q then p
            here -= step(p, q)
            above -= step(p - 1, q)
            q -= 1
            p -= 1
            here = above
            above = prefix_lcs(p - 1, q) if p > 0 else 0
            continue
        if run is not None:
            ranges.append(run)
            run = None
        left_q = here - step(p, q)     # L(p, q-1)
        if a_short:
            up_a, up_b = above, left_q   # L(i-1, j), L(i, j-1)
        else:
            up_a, up_b = left_q, above
        move_p = (up_a > up_b) == a_short
        if up_a > up_b:
            i -= 1
        else:
            j -= 1
        if move_p:
            p -= 1
            here = above
            above = prefix_lcs(p - 1, q) if p > 0 else 0
            streak = 0
            continue
        if left_q != here:
            here = left_q
            above -= step(p - 1, q)
            q -= 1
            streak = 0
            continue
        streak += 1
        if streak < 32:
            above -= step(p - 1, q)
            q -= 1
            continue
        # A long walk along the longer string: while row p's delta bit is 0
        # and the bytes differ, each step moves q alone and keeps L(p, q), so
        # jump to where either stops holding (bit-level search, not a loop).
        row = int.from_bytes(rows[p], "little")
        free = ~row & ((1 << q) - 1)
        stop = max(free.bit_length(), long_.rfind(short[p - 1], 0, q) + 1)
        span = q - stop
        prev = int.from_bytes(rows[p - 1], "little") >> stop
        above -= span - (prev & ((1 << span) - 1)).bit_count()
        q = stop
        if a_short:
            j -= span - 1
        else:
            i -= span - 1
        streak = 0
    if run is not None:
        ranges.append(run)
    return length, bytes(out), ranges
