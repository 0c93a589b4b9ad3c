"""Keyspace commands (Redis's db.c, expire.c and OBJECT from object.c).

Reads that Redis does with lookupKeyRead (EXISTS, TYPE, TTL, TOUCH, OBJECT,
COPY's source, SCAN's TYPE filter) go through ``db.lookup_read`` so the hit
and miss counters move as in Redis; writes look keys up with ``db.lookup``.
"""

from .. import errors, reply, types
from ..db import BLOCKING_TYPES, now_ms
from ..errors import CommandError, E_NOT_INTEGER, E_SYNTAX
from ..glob import compile_pattern
from .._speedups import parse_int
from ..numbers import INT64_MAX
from ..scan import parse_cursor
from . import command, container
from . import strings
from .strings import option_name

_INT_MIN = -(1 << 31)
_INT_MAX = (1 << 31) - 1


def _db_index(c, arg):
    """Redis getIntFromObjectOrReply then selectDb: the Database, or the Redis error."""
    n = parse_int(arg)
    if n is None:
        raise E_NOT_INTEGER
    if not _INT_MIN <= n <= _INT_MAX:
        raise CommandError(errors.ZSET_VALUE_BETWEEN % (_INT_MIN, _INT_MAX))
    dbs = c.server.dbs
    if not 0 <= n < len(dbs):
        raise CommandError(errors.DB_INDEX_OUT_OF_RANGE)
    return dbs[n]


# ---- deleting and looking ------------------------------------------------
def _delete_keys(c, argv):
    db = c.db
    count = 0
    for key in argv[1:]:
        # An expired key is reclaimed (and announced as expired), not counted.
        if db.lookup(key) is not None and db.delete(key):
            db.signal(key)
            count += 1
    return reply.integer(count)


# DEL key [key ...]
@command("del", -2, "write", keys=(1, -1, 1), group="generic", event=("g", "del"))
def del_(c, argv):
    return _delete_keys(c, argv)


# UNLINK key [key ...]
@command("unlink", -2, "write fast", keys=(1, -1, 1), group="generic", event=("g", "del"))
def unlink(c, argv):
    return _delete_keys(c, argv)


def _count_existing(c, argv, touch):
    lookup = c.db.lookup_read
    count = 0
    for key in argv[1:]:
        if lookup(key, touch) is not None:
            count += 1
    return reply.integer(count)


# EXISTS key [key ...]
@command("exists", -2, "readonly fast", keys=(1, -1, 1), group="generic")
def exists(c, argv):
    return _count_existing(c, argv, False)


# TOUCH key [key ...]
@command("touch", -2, "readonly fast", keys=(1, -1, 1), group="generic")
def touch(c, argv):
    return _count_existing(c, argv, True)


# TYPE key
@command("type", 2, "readonly fast", keys=(1, 1, 1), group="generic")
def type_(c, argv):
    db = c.db
    value = db.lookup_read(argv[1], False)
    return reply.simple(b"none" if value is None else db.type_name(value))


# KEYS pattern
@command("keys", 2, "readonly", group="generic")
def keys(c, argv):
    db = c.db
    pattern = argv[1]
    match = None if pattern == b"*" else compile_pattern(pattern)
    expires = db.expires
    now = now_ms()
    out = []
    # Expired keys are skipped but left for the expiry cycles, as keysCommand does.
    for key in db.data:
        if match is not None and not match(key):
            continue
        if expires:
            when = expires.get(key)
            if when is not None and when <= now:
                continue
        out.append(key)
    return reply.bulks(out)




# SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
@command("scan", -2, "readonly", group="generic")
def scan(c, argv):
    cursor = parse_cursor(argv[1])
    count = 10
    match = None
    type_name = None
    i = 2
    n = len(argv)
    while i < n:
        opt = option_name(argv[i])
        if i + 1 >= n:
            raise E_SYNTAX
        if opt == b"count":
            count = parse_int(argv[i + 1])
            if count is None:
                raise E_NOT_INTEGER
            if count < 1:
                raise E_SYNTAX
        elif opt == b"match":
            pattern = argv[i + 1]
            match = None if pattern == b"*" else compile_pattern(pattern)
        elif opt == b"type":
            type_name = option_name(argv[i + 1])
        else:
            raise E_SYNTAX
        i += 2
    db = c.db
    page, next_cursor = db.snapshot_for_scan(cursor).page(cursor, count)
    data = db.data
    out = []
    for key in page:
        if key not in data:
            continue  # deleted since the snapshot
        if match is not None and not match(key):
            continue
        if type_name is not None:
            value = db.lookup_read(key, False)
            if (b"none" if value is None else db.type_name(value)) != type_name:
                continue
        if db.peek(key) is None:
            continue
        out.append(key)
    return reply.array([reply.bulk(b"%d" % next_cursor), reply.bulks(out)])


# RANDOMKEY
@command("randomkey", 1, "readonly", group="generic")
def randomkey(c, argv):
    key = c.db.random_key()
    return reply.NULL if key is None else reply.bulk(key)


# ---- moving keys -----------------------------------------------------------
def _rename(c, argv, nx):
    db = c.db
    src, dst = argv[1], argv[2]
    value = db.lookup(src)
    if value is None:
        raise errors.E_NO_SUCH_KEY
    if src == dst:
        return reply.ZERO if nx else reply.OK
    when = db.get_expire(src)
    if db.lookup(dst) is not None:
        if nx:
            return reply.ZERO
        db.delete(dst)
    strings.transfer(db, src, db, dst)
    field = db.access.get(src)
    db.delete(src)
    db.add(dst, value)
    db.access.put(dst, field)
    if when != -1:
        db.set_expire(dst, when)
    db.signal(src, ("g", "rename_from"))
    db.signal(dst, ("g", "rename_to"), 0)  # renameGenericCommand: dirty++ once
    return reply.ONE if nx else reply.OK


# RENAME key newkey
@command("rename", 3, "write", keys=(1, 2, 1), group="generic")
def rename(c, argv):
    return _rename(c, argv, False)


# RENAMENX key newkey
@command("renamenx", 3, "write fast", keys=(1, 2, 1), group="generic")
def renamenx(c, argv):
    return _rename(c, argv, True)


# MOVE key db
@command("move", 3, "write fast", keys=(1, 1, 1), group="generic")
def move(c, argv):
    if c.server.cluster is not None:
        raise CommandError(errors.CLUSTER_MOVE)
    src = c.db
    dst = _db_index(c, argv[2])
    if dst is src:
        raise CommandError(errors.SAME_OBJECT)
    key = argv[1]
    value = src.lookup(key)
    if value is None:
        return reply.ZERO
    when = src.get_expire(key)
    if dst.lookup(key) is not None:
        return reply.ZERO
    strings.transfer(src, key, dst, key)
    dst.add(key, value)
    dst.access.put(key, src.access.get(key))
    if when != -1:
        dst.set_expire(key, when)
    src.delete(key)
    src.signal(key, ("g", "move_from"))
    dst.signal(key, ("g", "move_to"), 0)  # moveCommand: dirty++ once
    return reply.ONE


def copy_value(value):
    """A value no later write to the original can change (COPY)."""
    cls = value.__class__
    if cls is bytes:
        return value
    if cls is bytearray:
        return bytearray(value)
    return value.copy()


# COPY source destination [DB destination-db] [REPLACE]
@command("copy", -3, "write denyoom", keys=(1, 2, 1), group="generic", event=("g", "copy_to"))
def copy(c, argv):
    src = dst = c.db
    replace = False
    i = 3
    n = len(argv)
    while i < n:
        opt = option_name(argv[i])
        if opt == b"replace":
            replace = True
        elif opt == b"db" and i + 1 < n:
            dst = _db_index(c, argv[i + 1])
            i += 1
        else:
            raise E_SYNTAX
        i += 1
    if c.server.cluster is not None and (src.id != 0 or dst.id != 0):
        raise CommandError(errors.CLUSTER_COPY_DB)
    key, newkey = argv[1], argv[2]
    if src is dst and key == newkey:
        raise CommandError(errors.SAME_OBJECT)
    value = src.lookup_read(key)
    if value is None:
        return reply.ZERO
    when = src.get_expire(key)
    if dst.lookup(newkey) is not None:
        if not replace:
            return reply.ZERO
        dst.delete(newkey)
    new = copy_value(value)
    dst.add(newkey, new)
    if new.__class__ is bytes:
        strings.transfer(src, key, dst, newkey, keep_source=True)
        if strings.is_shared_integer(new, c.server) and strings.override_of(dst, newkey, new) is None:
            # dupStringObject gives the copy a private integer object.
            strings.remember(dst, newkey, new, b"int", 1)
    elif strings.OVERRIDES:
        strings.forget(dst, newkey)
    if when != -1:
        dst.set_expire(newkey, when)
    dst.signal(newkey)
    return reply.ONE


# ---- expiry ----------------------------------------------------------------
_EXPIRE_FLAGS = {b"nx": 1, b"xx": 2, b"gt": 4, b"lt": 8}


def _expire_generic(c, argv, base_ms, unit_ms):
    """Redis expireGenericCommand: options, then the time, then the key."""
    flags = 0
    for arg in argv[3:]:
        opt = option_name(arg)
        flag = _EXPIRE_FLAGS.get(opt)
        if flag is None:
            raise errors.fmt(errors.EXPIRE_UNSUPPORTED_OPTION, arg.split(b"\0", 1)[0])
        flags |= flag
    nx, xx, gt, lt = flags & 1, flags & 2, flags & 4, flags & 8
    if nx and (xx or gt or lt):
        raise CommandError(errors.EXPIRE_NX_INCOMPATIBLE)
    if gt and lt:
        raise CommandError(errors.EXPIRE_GT_LT_INCOMPATIBLE)
    when = parse_int(argv[2])
    if when is None:
        raise E_NOT_INTEGER
    if unit_ms == 1000:
        # LLONG_MIN / 1000 truncates towards zero in C.
        if when > INT64_MAX // 1000 or when < -(INT64_MAX // 1000):
            raise errors.fmt(errors.INVALID_EXPIRE, c.cmd.fullname)
        when *= 1000
    if when > INT64_MAX - base_ms:
        raise errors.fmt(errors.INVALID_EXPIRE, c.cmd.fullname)
    when += base_ms
    db = c.db
    key = argv[1]
    if db.lookup(key) is None:
        return reply.ZERO
    if flags:
        current = db.get_expire(key)
        if nx and current != -1:
            return reply.ZERO
        if xx and current == -1:
            return reply.ZERO
        # No TTL counts as an infinite one.
        if gt and (current == -1 or when <= current):
            return reply.ZERO
        if lt and current != -1 and when >= current:
            return reply.ZERO
    # A relative time is measured from the command's own clock reading, so a
    # positive TTL never expires on the spot however long the command took.
    # checkAlreadyExpired: a replica keeps the key with its time; the master's DEL follows.
    if when <= (base_ms or now_ms()) and c.server.master_link is None:
        db.delete(key)
        db.signal(key, ("g", "del"))
        c.server.rewrite_propagation([b"UNLINK" if c.server.config["lazyfree-lazy-expire"] else b"DEL", key])
    else:
        db.set_expire(key, when)
        db.signal(key)
        if base_ms or unit_ms != 1:
            # Propagated as an absolute time; the options stay.
            c.server.rewrite_propagation([b"PEXPIREAT", key, b"%d" % when] + argv[3:])
    return reply.ONE


# EXPIRE key seconds [NX | XX | GT | LT]
@command("expire", -3, "write fast", keys=(1, 1, 1), group="generic", event=("g", "expire"))
def expire(c, argv):
    return _expire_generic(c, argv, now_ms(), 1000)


# PEXPIRE key milliseconds [NX | XX | GT | LT]
@command("pexpire", -3, "write fast", keys=(1, 1, 1), group="generic", event=("g", "expire"))
def pexpire(c, argv):
    return _expire_generic(c, argv, now_ms(), 1)


# EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
@command("expireat", -3, "write fast", keys=(1, 1, 1), group="generic", event=("g", "expire"))
def expireat(c, argv):
    return _expire_generic(c, argv, 0, 1000)


# PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
@command("pexpireat", -3, "write fast", keys=(1, 1, 1), group="generic", event=("g", "expire"))
def pexpireat(c, argv):
    return _expire_generic(c, argv, 0, 1)


def _ttl_generic(c, key, in_ms, absolute):
    """Redis ttlGenericCommand: -2 missing, -1 no TTL; seconds are rounded."""
    db = c.db
    if db.lookup_read(key, False) is None:
        return reply.integer(-2)
    when = db.get_expire(key)
    if when == -1:
        return reply.integer(-1)
    ttl = when if absolute else max(when - now_ms(), 0)
    return reply.integer(ttl if in_ms else (ttl + 500) // 1000)


# TTL key
@command("ttl", 2, "readonly fast", keys=(1, 1, 1), group="generic")
def ttl(c, argv):
    return _ttl_generic(c, argv[1], False, False)


# PTTL key
@command("pttl", 2, "readonly fast", keys=(1, 1, 1), group="generic")
def pttl(c, argv):
    return _ttl_generic(c, argv[1], True, False)


# EXPIRETIME key
@command("expiretime", 2, "readonly fast", keys=(1, 1, 1), group="generic")
def expiretime(c, argv):
    return _ttl_generic(c, argv[1], False, True)


# PEXPIRETIME key
@command("pexpiretime", 2, "readonly fast", keys=(1, 1, 1), group="generic")
def pexpiretime(c, argv):
    return _ttl_generic(c, argv[1], True, True)


# PERSIST key
@command("persist", 2, "write fast", keys=(1, 1, 1), group="generic", event=("g", "persist"))
def persist(c, argv):
    db = c.db
    key = argv[1]
    if db.lookup(key) is not None and db.persist(key):
        db.signal(key)
        return reply.ONE
    return reply.ZERO


# ---- OBJECT ------------------------------------------------------------------
container("object", group="generic")

_OBJECT_HELP = reply.array([reply.simple(line) for line in (
    b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"ENCODING <key>",
    b"    Return the kind of internal representation used in order to store the value",
    b"    associated with a <key>.",
    b"FREQ <key>",
    b"    Return the access frequency index of the <key>. The returned integer is",
    b"    proportional to the logarithm of the recent access frequency of the key.",
    b"IDLETIME <key>",
    b"    Return the idle time of the <key>, that is the approximated number of",
    b"    seconds elapsed since the last access to the key.",
    b"REFCOUNT <key>",
    b"    Return the number of references of the value associated with the specified",
    b"    <key>.",
    b"HELP",
    b"    Prints this help.",
)])

def _object_lookup(db, key):
    """Redis objectCommandLookup: counted as a hit or miss, but a miss raises no keymiss event."""
    value = db.peek(key)
    stats = db.server.stats
    if value is None:
        stats.keyspace_misses += 1
    else:
        stats.keyspace_hits += 1
    return value


def _lfu_policy(c):
    return c.server.access_clock.lfu


# OBJECT HELP
@command("object|help", 2, "loading stale", group="generic")
def object_help(c, argv):
    return _OBJECT_HELP


# OBJECT ENCODING key
@command("object|encoding", 3, "readonly", keys=(2, 2, 1), group="generic")
def object_encoding(c, argv):
    db = c.db
    key = argv[2]
    value = _object_lookup(db, key)
    if value is None:
        return reply.NULL
    if value.__class__ is bytes or value.__class__ is bytearray:
        return reply.bulk(strings.string_encoding(db, key, value))
    name = types.encoding_of(value, c.server.config)
    return reply.bulk(b"unknown" if name is None else name)


# OBJECT REFCOUNT key
@command("object|refcount", 3, "readonly", keys=(2, 2, 1), group="generic")
def object_refcount(c, argv):
    db = c.db
    key = argv[2]
    value = _object_lookup(db, key)
    if value is None:
        return reply.NULL
    if value.__class__ is bytes:
        return reply.integer(strings.string_refcount(db, key, value))
    return reply.ONE


def _access_field(c, key, value):
    """The 24-bit LRU/LFU field of the object at ``key``: the shared one for a shared integer."""
    db = c.db
    clock = c.server.access_clock
    if value.__class__ is bytes and strings.string_refcount(db, key, value) == strings.SHARED_REFCOUNT:
        return clock.shared[int(value)]
    field = db.access.get(key)
    return clock.fresh() if field is None else field


# OBJECT IDLETIME key
@command("object|idletime", 3, "readonly", keys=(2, 2, 1), group="generic")
def object_idletime(c, argv):
    key = argv[2]
    value = _object_lookup(c.db, key)
    if value is None:
        return reply.NULL
    if _lfu_policy(c):
        raise CommandError(errors.OBJECT_IDLETIME_LFU)
    field = _access_field(c, key, value)
    return reply.integer(c.server.access_clock.idle_ms(field) // 1000)


# OBJECT FREQ key
@command("object|freq", 3, "readonly", keys=(2, 2, 1), group="generic")
def object_freq(c, argv):
    key = argv[2]
    value = _object_lookup(c.db, key)
    if value is None:
        return reply.NULL
    if not _lfu_policy(c):
        raise CommandError(errors.OBJECT_FREQ_NOT_LFU)
    return reply.integer(c.server.access_clock.frequency(_access_field(c, key, value)))


# ---- whole databases ---------------------------------------------------------
# Called with the server after FLUSHALL emptied every db (a snapshot, when
# save points are configured, as flushAllDataAndResetRDB does).
FLUSHALL_HOOKS = []


def _flush_flags(argv):
    """Redis getFlushCommandFlags: nothing, SYNC or ASYNC (both free at once here)."""
    if len(argv) == 2 and option_name(argv[1]) in (b"sync", b"async"):
        return
    if len(argv) != 1:
        raise E_SYNTAX


def _forget_db(db):
    if strings.OVERRIDES:
        for token in [t for t in strings.OVERRIDES if t[0] == db.id]:
            del strings.OVERRIDES[token]


# Run with the calling client after FLUSHDB and FLUSHALL.
FLUSH_HOOKS = []


# FLUSHDB [ASYNC | SYNC]
@command("flushdb", -1, "write", group="server")
def flushdb(c, argv):
    _flush_flags(argv)
    db = c.db
    c.server.dirty += db.flush()
    _forget_db(db)
    # An empty db's flush is propagated too.
    c.server.force_propagation()
    for hook in FLUSH_HOOKS:
        hook(c)
    return reply.OK


# FLUSHALL [ASYNC | SYNC]
@command("flushall", -1, "write", group="server")
def flushall(c, argv):
    _flush_flags(argv)
    server = c.server
    removed = 0
    for db in server.dbs:
        removed += db.flush()
    strings.OVERRIDES.clear()
    server.dirty += removed
    # Redis 7.0 forces FLUSHALL's propagation instead of counting it as a change.
    server.force_propagation()
    for hook in FLUSHALL_HOOKS:
        hook(server)
    for hook in FLUSH_HOOKS:
        hook(c)
    return reply.OK


# SWAPDB index1 index2
@command("swapdb", 3, "write fast", group="server")
def swapdb(c, argv):
    if c.server.cluster is not None:
        raise CommandError(errors.CLUSTER_SWAPDB)
    first = parse_int(argv[1])
    if first is None or not _INT_MIN <= first <= _INT_MAX:
        raise CommandError(errors.INVALID_FIRST_DB)
    second = parse_int(argv[2])
    if second is None or not _INT_MIN <= second <= _INT_MAX:
        raise CommandError(errors.INVALID_SECOND_DB)
    server = c.server
    dbs = server.dbs
    if not (0 <= first < len(dbs) and 0 <= second < len(dbs)):
        raise CommandError(errors.DB_INDEX_OUT_OF_RANGE)
    if first != second:
        swap_databases(server, dbs[first], dbs[second])
    server.dirty += 1
    return reply.OK


def swap_databases(server, a, b):
    """Swap the contents of two dbs; clients, WATCHes and blocked clients stay with their index.

    Watchers of a key whose value may change are dirtied first; then clients
    blocked on a key that now holds a value they wait for are woken
    (Redis's dbSwapDatabases with scanDatabaseForReadyKeys).
    """
    if a.watched:
        a.touch_all_watched(b)
    if b.watched:
        b.touch_all_watched(a)
    a.signal_deleted_waits(b)
    b.signal_deleted_waits(a)
    a.data, b.data = b.data, a.data
    a.expires, b.expires = b.expires, a.expires
    # The active expiry cycle samples each db's own list of keys with a TTL.
    a._ttl_keys, b._ttl_keys = b._ttl_keys, a._ttl_keys
    a.access, b.access = b.access, a.access
    a.avg_ttl, b.avg_ttl = b.avg_ttl, a.avg_ttl
    for db in (a, b):
        db.version += 1
        db.scan_snapshot = None
    if strings.OVERRIDES:
        moved = {}
        for (dbid, key), (odb, value, enc, refs) in list(strings.OVERRIDES.items()):
            if odb is a or odb is b:
                del strings.OVERRIDES[(dbid, key)]
                other = b if odb is a else a
                moved[(other.id, key)] = (other, value, enc, refs)
        strings.OVERRIDES.update(moved)
    blocking = server.blocking
    for dbid, key in list(blocking.waiting):
        db = a if dbid == a.id else b if dbid == b.id else None
        if db is None:
            continue
        value = db.peek(key)
        if value is not None and value.__class__ in BLOCKING_TYPES:
            blocking.key_created(db, key)
