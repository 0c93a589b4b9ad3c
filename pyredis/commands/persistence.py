"""Persistence commands: SAVE, BGSAVE, LASTSAVE (server group), DUMP, RESTORE, MIGRATE (generic)."""
from .. import errors, reply
from ..db import now_ms
from ..errors import CommandError, E_NOT_INTEGER, E_SYNTAX
from ..numbers import parse_int
from ..persistence import snapshots
from ..persistence.rdb import RdbLoadError, dump_payload
from ..persistence.rdb_loader import EmptyKey, access_field, read_payload
from ..persistence.rdb_writer import RDB_VERSION
from ..server import Server
from .._speedups import crc64
from . import command
from .keyspace import FLUSHALL_HOOKS
from .strings import SHARED_REFCOUNT, string_refcount

E_BGSAVE_IN_PROGRESS = CommandError(errors.BGSAVE_IN_PROGRESS)


def _start(server):
    snapshots.install(server)


def _cron(server):
    snapshots.cron(server)


def _flushall(server):
    """flushAllDataAndResetRDB: a running save is moot; with save points the empty set is saved."""
    snapshots.kill_child(server)
    if server.config["save"]:
        dirty = server.dirty
        try:
            snapshots.save(server)
        except OSError:
            pass
        server.dirty = dirty


Server.start_hooks.append(_start)
Server.cron_hooks.append(_cron)
FLUSHALL_HOOKS.append(_flushall)


# SAVE
@command("save", 1, "admin noscript no_async_loading no_multi", group="server")
def save(c, argv):
    server = c.server
    if server.rdb.child_pid >= 0:
        raise E_BGSAVE_IN_PROGRESS
    try:
        snapshots.save(server)
    except OSError:
        raise CommandError(errors.BARE_ERR) from None
    return reply.OK


_BGSAVE_STARTED = reply.simple(b"Background saving started")
_BGSAVE_SCHEDULED = reply.simple(b"Background saving scheduled")


# BGSAVE [SCHEDULE]
@command("bgsave", -1, "admin noscript no_async_loading", group="server")
def bgsave(c, argv):
    schedule = False
    if len(argv) > 1:
        if len(argv) == 2 and argv[1].lower() == b"schedule":
            schedule = True
        else:
            raise E_SYNTAX
    server = c.server
    if server.rdb.child_pid >= 0:
        raise E_BGSAVE_IN_PROGRESS
    if schedule and server.rdb.scheduled:
        return _BGSAVE_SCHEDULED
    if not snapshots.bgsave(server):
        raise CommandError(errors.BARE_ERR)
    return _BGSAVE_STARTED


# LASTSAVE
@command("lastsave", 1, "loading stale fast", group="server")
def lastsave(c, argv):
    return reply.integer(c.server.rdb.lastsave)


# DUMP key
@command("dump", 2, "readonly", keys=(1, 1, 1), group="generic")
def dump(c, argv):
    value = c.db.lookup_read(argv[1])
    if value is None:
        return reply.NULL
    return reply.bulk(dump_payload(value, c.server.config["rdbcompression"]))


def payload_is_valid(payload):
    """verifyDumpPayload: a known RDB version and a matching CRC64 trailer."""
    n = len(payload)
    if n < 10:
        return False
    if int.from_bytes(payload[n - 10:n - 8], "little") > RDB_VERSION:
        return False
    return crc64(0, bytes(payload[:n - 8])) == int.from_bytes(payload[n - 8:], "little")


def _parse_ll(arg):
    n = parse_int(arg)
    if n is None:
        raise E_NOT_INTEGER
    return n


# RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
@command("restore", -4, "write denyoom", keys=(1, 1, 1), group="generic", event=("g", "restore"))
def restore(c, argv):
    replace = absttl = False
    idle = freq = -1
    i = 4
    n = len(argv)
    while i < n:
        word = argv[i].lower()
        more = n - i - 1
        if word == b"replace":
            replace = True
        elif word == b"absttl":
            absttl = True
        elif word == b"idletime" and more >= 1 and freq == -1:
            idle = _parse_ll(argv[i + 1])
            if idle < 0:
                raise CommandError(errors.RESTORE_IDLETIME_NEGATIVE)
            i += 1
        elif word == b"freq" and more >= 1 and idle == -1:
            freq = _parse_ll(argv[i + 1])
            if not 0 <= freq <= 255:
                raise CommandError(errors.RESTORE_FREQ_RANGE)
            i += 1
        else:
            raise E_SYNTAX
        i += 1
    key = argv[1]
    db = c.db
    if not replace and db.lookup(key) is not None:
        raise CommandError(errors.BUSYKEY)
    ttl = _parse_ll(argv[2])
    if ttl < 0:
        raise CommandError(errors.RESTORE_TTL_NEGATIVE)
    payload = argv[3]
    if not payload_is_valid(payload):
        raise CommandError(errors.DUMP_PAYLOAD_INVALID)
    server = c.server
    config = server.config
    try:
        value = read_payload(config, memoryview(payload)[:len(payload) - 10],
                             config["sanitize-dump-payload"] != "no")
    except (RdbLoadError, EmptyKey):
        raise CommandError(errors.BAD_DATA_FORMAT) from None
    deleted = db.delete(key) if replace else False
    now = now_ms()
    if ttl and not absttl:
        ttl += now
    if ttl and ttl <= now:
        if deleted:
            db.signal(key, ("g", "del"))
        return reply.OK
    db.add(key, value)
    if ttl:
        db.set_expire(key, ttl)
    clock = server.access_clock
    field = access_field(clock, "lfu" in config["maxmemory-policy"], idle, freq)
    if field is not None:
        if value.__class__ is bytes and string_refcount(db, key, value) == SHARED_REFCOUNT:
            # Loaded as Redis's shared integer object: the field set is that object's.
            clock.shared[int(value)] = field
        else:
            db.access.put(key, field)
    db.signal(key)
    return reply.OK
