"""Hash commands (Redis t_hash.c).

Hashes are ``types.hash.Hash`` dicts.  Replies list fields in dict order,
which is Redis's listpack order while the hash is small; HINCRBYFLOAT adds
as x87 long doubles (``pyredis.longdouble``) like Redis.
"""
import random

from .. import errors, longdouble, reply
from ..errors import E_NOT_FLOAT, E_NOT_INTEGER, E_SYNTAX, CommandError
from .._speedups import parse_int
from ..numbers import INT64_MAX, INT64_MIN
from ..types import members_for_sampling, random_member
from ..types.hash import Hash
from ..dispatch import slow_command
from . import command, run_of
from .sets import parse_range_long, scan_collection

_HASH_NOT_INTEGER = CommandError(errors.HASH_VALUE_NOT_INTEGER)
_HASH_NOT_FLOAT = CommandError(errors.HASH_VALUE_NOT_FLOAT)
_INCREMENT_NAN_OR_INF = CommandError(errors.INCREMENT_NAN_OR_INF)
_RESULT_NAN_OR_INF = CommandError(errors.RESULT_NAN_OR_INF)
_OUT_OF_RANGE = CommandError(errors.ZSET_VALUE_OUT_OF_RANGE)

LONG_MAX = INT64_MAX
# HRANDFIELD ... WITHVALUES doubles the reply: Redis caps |count| at LONG_MAX/2 (C division).
_WITHVALUES_MAX = LONG_MAX // 2
# CASE 3 of hrandfieldWithCountCommand: beyond this share of the hash, drop instead of pick.
_SUB_STRATEGY_MUL = 3


def _limits(c):
    values = c.server.config.values
    return values["hash-max-listpack-entries"], values["hash-max-listpack-value"]


def _read(c, key):
    return c.db.get_typed(key, Hash)


def _write(c, key):
    """The hash at ``key`` for a write, without creating it (lookupKeyWrite: no hit/miss stats)."""
    return c.db.get_typed(key, Hash, read=False)


def _create(c, key):
    h = Hash()
    c.db.add(key, h)
    return h


def _set_pairs(c, argv, name):
    """The body of HSET/HMSET (hashTypeLookupWriteOrCreate, hashTypeTryConversion, hashTypeSet)."""
    if len(argv) % 2:
        # Checked by the command itself, before the key is looked up.
        raise CommandError(errors.WRONG_ARITY % name)
    key = argv[1]
    h = _write(c, key)
    if h is None:
        h = _create(c, key)
    max_entries, max_value = _limits(c)
    h.check_lengths(argv[2:], max_value)
    created = 0
    store = h.store
    for i in range(2, len(argv), 2):
        created += store(argv[i], argv[i + 1], max_entries, max_value)
    c.db.signal(key, None, (len(argv) - 2) // 2)
    return created


# HSET key field value [field value ...]
@command("hset", -4, "write denyoom fast", keys=(1, 1, 1), group="hash", event=("h", "hset"))
def hset(c, argv):
    if len(argv) == 4:
        # One field, the common case: store's length check is all
        # hashTypeTryConversion would do for it.
        key = argv[1]
        db = c.db
        h = db.get_typed(key, Hash, read=False)
        if h is None:
            h = _create(c, key)
        values = c.server.config.values
        new = h.store(argv[2], argv[3], values["hash-max-listpack-entries"],
                      values["hash-max-listpack-value"])
        db.signal(key)
        return reply.ONE if new else reply.ZERO
    return reply.integer(_set_pairs(c, argv, "hset"))


@run_of("hset")
def _hset_run(c, cmds, i, n, lap, latency, slow):
    """HSET key field value into an existing hash (commands.run_of)."""
    db = c.db
    if db.listened():
        return i
    read = db.access.read
    expires = db.expires
    values = c.server.config.values
    max_entries = values["hash-max-listpack-entries"]
    max_value = values["hash-max-listpack-value"]
    out = c.out
    cmd = c.cmd
    meter = cmd.meter
    name = cmds[i][0]
    start = i
    while i < n:
        argv = cmds[i]
        if argv is None or len(argv) != 4 or argv[0] != name:
            break
        h = read(argv[1], expires, Hash, False)
        if h is None or h is False:
            break
        result = reply.ONE if h.store(argv[2], argv[3], max_entries, max_value) else reply.ZERO
        us = lap(meter, latency)
        i += 1
        if slow is not None and us >= slow:
            slow_command(c, cmd, argv, us)
        out.append(result)
    db.server.dirty += i - start
    c.out_len += 4 * (i - start)
    return i


# HMSET key field value [field value ...]
@command("hmset", -4, "write denyoom fast", keys=(1, 1, 1), group="hash", event=("h", "hset"))
def hmset(c, argv):
    _set_pairs(c, argv, "hmset")
    return reply.OK


# HSETNX key field value
@command("hsetnx", 4, "write denyoom fast", keys=(1, 1, 1), group="hash", event=("h", "hset"))
def hsetnx(c, argv):
    key, field, value = argv[1], argv[2], argv[3]
    h = _write(c, key)
    if h is not None and field in h:
        return reply.ZERO
    if h is None:
        h = _create(c, key)
    max_entries, max_value = _limits(c)
    h.check_lengths((field, value), max_value)
    h.store(field, value, max_entries, max_value)
    c.db.signal(key)
    return reply.ONE


# HGET key field
@command("hget", 3, "readonly fast", keys=(1, 1, 1), group="hash")
def hget(c, argv):
    h = _read(c, argv[1])
    if h is None:
        return reply.NULL
    value = h.get(argv[2])
    return reply.NULL if value is None else reply.bulk(value)


# HMGET key field [field ...]
@command("hmget", -3, "readonly fast", keys=(1, 1, 1), group="hash")
def hmget(c, argv):
    h = _read(c, argv[1])
    if h is None:
        return reply.bulks_or_null([None] * (len(argv) - 2))
    get = h.get
    return reply.bulks_or_null([get(f) for f in argv[2:]])


# HDEL key field [field ...]
@command("hdel", -3, "write fast", keys=(1, 1, 1), group="hash", event=("h", "hdel"))
def hdel(c, argv):
    key = argv[1]
    h = _write(c, key)
    if h is None:
        return reply.ZERO
    deleted = 0
    for field in argv[2:]:
        if h.remove(field):
            deleted += 1
            if not h:
                break
    if deleted:
        c.db.signal(key, None, deleted)
        c.db.remove_if_empty(key, h)
    return reply.integer(deleted)


# HEXISTS key field
@command("hexists", 3, "readonly fast", keys=(1, 1, 1), group="hash")
def hexists(c, argv):
    h = _read(c, argv[1])
    return reply.ONE if h is not None and argv[2] in h else reply.ZERO


# HLEN key
@command("hlen", 2, "readonly fast", keys=(1, 1, 1), group="hash")
def hlen(c, argv):
    h = _read(c, argv[1])
    return reply.integer(0 if h is None else len(h))


# HSTRLEN key field
@command("hstrlen", 3, "readonly fast", keys=(1, 1, 1), group="hash")
def hstrlen(c, argv):
    h = _read(c, argv[1])
    value = None if h is None else h.get(argv[2])
    return reply.integer(0 if value is None else len(value))


# HKEYS key
@command("hkeys", 2, "readonly", keys=(1, 1, 1), group="hash")
def hkeys(c, argv):
    h = _read(c, argv[1])
    return reply.EMPTY_ARRAY if h is None else reply.bulks(list(h))


# HVALS key
@command("hvals", 2, "readonly", keys=(1, 1, 1), group="hash")
def hvals(c, argv):
    h = _read(c, argv[1])
    return reply.EMPTY_ARRAY if h is None else reply.bulks(list(h.values()))


def _flat(pairs):
    out = []
    for field, value in pairs:
        out.append(field)
        out.append(value)
    return out


class _BulkMap(reply.Map):
    """A map reply of bulk strings, built once as a RESP2 array (``items`` holds its bytes)."""

    __slots__ = ()

    def encode(self, resp):
        body = self.items
        if resp == 2:
            return body
        end = body.index(b"\r\n")
        return b"%%%d\r\n" % (int(body[1:end]) // 2) + body[end + 2:]


# HGETALL key
@command("hgetall", 2, "readonly", keys=(1, 1, 1), group="hash")
def hgetall(c, argv):
    h = _read(c, argv[1])
    if h is None:
        return _BulkMap(reply.EMPTY_ARRAY)
    return _BulkMap(reply.bulks(_flat(h.items())))


# HINCRBY key field increment
@command("hincrby", 4, "write denyoom fast", keys=(1, 1, 1), group="hash", event=("h", "hincrby"))
def hincrby(c, argv):
    key, field = argv[1], argv[2]
    incr = parse_int(argv[3])
    if incr is None:
        raise E_NOT_INTEGER
    h = _write(c, key)
    old = None if h is None else h.get(field)
    if old is None:
        value = 0
    else:
        value = parse_int(old)
        if value is None:
            raise _HASH_NOT_INTEGER
    value += incr
    if not INT64_MIN <= value <= INT64_MAX:
        raise errors.E_OVERFLOW
    if h is None:
        h = _create(c, key)
    h.store(field, b"%d" % value, *_limits(c))
    c.db.signal(key)
    return reply.integer(value)


# HINCRBYFLOAT key field increment
@command("hincrbyfloat", 4, "write denyoom fast", keys=(1, 1, 1), group="hash",
         event=("h", "hincrbyfloat"))
def hincrbyfloat(c, argv):
    key, field = argv[1], argv[2]
    incr = longdouble.parse(argv[3])
    if incr is None:
        raise E_NOT_FLOAT
    if incr is longdouble.INF or incr is longdouble.NEG_INF:
        raise _INCREMENT_NAN_OR_INF
    h = _write(c, key)
    old = None if h is None else h.get(field)
    if old is None:
        value = longdouble.ZERO
    else:
        value = longdouble.parse(old)
        if value is None:
            raise _HASH_NOT_FLOAT
    total = longdouble.add(value, incr)
    if total is None:
        raise _RESULT_NAN_OR_INF
    text = longdouble.format_human(total)
    if h is None:
        h = _create(c, key)
    h.store(field, text, *_limits(c))
    c.db.signal(key)
    # The result, not the increment: a replica's float arithmetic may differ.
    c.server.rewrite_propagation([b"HSET", key, field, text])
    return reply.bulk(text)


# HRANDFIELD key [count [WITHVALUES]]
@command("hrandfield", -2, "readonly", keys=(1, 1, 1), group="hash")
def hrandfield(c, argv):
    n = len(argv)
    if n >= 3:
        count = parse_range_long(argv[2])
        withvalues = False
        if n > 4 or (n == 4 and argv[3].lower() != b"withvalues"):
            raise E_SYNTAX
        if n == 4:
            withvalues = True
            if not -_WITHVALUES_MAX <= count <= _WITHVALUES_MAX:
                raise _OUT_OF_RANGE
        return _hrandfield_count(c, argv[1], count, withvalues)
    h = _read(c, argv[1])
    if h is None:
        return reply.NULL
    return reply.bulk(random_member(h))


def _hrandfield_count(c, key, count, withvalues):
    """hrandfieldWithCountCommand: its cases decide which order the fields come in."""
    h = _read(c, key)
    if h is None or count == 0:
        return reply.EMPTY_ARRAY
    size = len(h)
    if count < 0 or count == 1:
        # CASE 1: independent picks (repetitions allowed), in random order.
        items = members_for_sampling(h)
        n = len(items)
        randrange = random.randrange
        fields = [items[randrange(n)] for _ in range(abs(count))]
    elif count >= size:
        # CASE 2: the whole hash, in its order.
        fields = list(h)
    elif count * _SUB_STRATEGY_MUL > size or not h.listpack:
        # CASE 3 (Redis copies the hash and drops random fields) and CASE 4
        # for a hashtable (random picks until enough distinct ones): both
        # reply in the order of a temporary dict, i.e. no useful order.
        items = members_for_sampling(h)
        fields = [items[i] for i in random.sample(range(len(items)), count)]
    else:
        # CASE 4 for a listpack: lpRandomPairsUnique keeps listpack order.
        items = list(h)
        fields = [items[i] for i in sorted(random.sample(range(size), count))]
    if not withvalues:
        return reply.bulks(fields)
    if c.resp == 2:
        return reply.bulks(_flat((f, h[f]) for f in fields))
    return reply.array([reply.bulks((f, h[f])) for f in fields])


# HSCAN key cursor [MATCH pattern] [COUNT count]
@command("hscan", -3, "readonly", keys=(1, 1, 1), group="hash")
def hscan(c, argv):
    return scan_collection(c, argv, Hash, _hscan_page)


def _hscan_page(h, cursor, count, cache):
    if h.listpack:
        return list(h.items()), 0
    fields, cursor = cache.get(h, cursor).page(cursor, count)
    # Fields deleted since the snapshot are skipped.
    return [(f, h[f]) for f in fields if f in h], cursor

