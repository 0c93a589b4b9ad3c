"""Persistence commands: SAVE, BGSAVE, LASTSAVE (server group), DUMP, RESTORE, MIGRATE (generic)."""
import time

from .. import errors, reply
from ..db import now_ms
from ..errors import CommandError, E_NOT_INTEGER, E_SYNTAX
from ..numbers import parse_int
from ..persistence import snapshots
from ..persistence.migration import LinkCache, MigrateError
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
        try:
            snapshots.save(server, count=False)
        except OSError:
            pass


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
    if snapshots.other_child_active(server):
        if not schedule:
            raise CommandError(errors.BGSAVE_AOF_IN_PROGRESS)
        server.rdb.scheduled = True
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


# ---- MIGRATE ------------------------------------------------------------------------
_MIGRATE_SKIP = {b"copy": 0, b"replace": 0, b"auth": 1, b"auth2": 2}
_NOKEY = b"+NOKEY\r\n"
_IOERR_CONNECT = CommandError(errors.MIGRATE_CONNECT)


def _migrate_keys(argv):
    """migrateGetKeys: the key argument, or everything after KEYS."""
    i = 6
    n = len(argv)
    while i < n:
        word = argv[i].lower()
        if word == b"keys":
            if argv[3]:
                return []
            return list(range(i + 1, n))
        i += _MIGRATE_SKIP.get(word, 0) + 1
    return [3]


def _bulk(arg):
    return b"$%d\r\n%s\r\n" % (len(arg), arg)


def _command(*args):
    return b"*%d\r\n" % len(args) + b"".join(_bulk(a) for a in args)


def _parse_long(arg):
    n = parse_int(arg)
    if n is None:
        raise E_NOT_INTEGER
    return n


# MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
#         [AUTH2 username password] [KEYS key [key ...]]
@command("migrate", -6, "write", keys=(3, 3, 1), group="generic", getkeys=_migrate_keys)
def migrate(c, argv):
    copy = replace = False
    username = password = None
    first_key, num_keys = 3, 1
    n = len(argv)
    j = 6
    while j < n:
        more = n - 1 - j
        word = argv[j].lower()
        if word == b"copy":
            copy = True
        elif word == b"replace":
            replace = True
        elif word == b"auth":
            if not more:
                raise E_SYNTAX
            j += 1
            password = argv[j]
        elif word == b"auth2":
            if more < 2:
                raise E_SYNTAX
            username, password = argv[j + 1], argv[j + 2]
            j += 2
        elif word == b"keys":
            if argv[3]:
                raise CommandError(errors.MIGRATE_KEYS_EMPTY_KEY)
            first_key = j + 1
            num_keys = n - j - 1
            break
        else:
            raise E_SYNTAX
        j += 1
    timeout = _parse_long(argv[5])
    dbid = _parse_long(argv[4])
    if timeout <= 0:
        timeout = 1000
    db = c.db
    keys = [k for k in argv[first_key:first_key + num_keys] if db.lookup_read(k) is not None]
    if not keys:
        return _NOKEY
    server = c.server
    cache = server.migrate_links
    host, port = argv[1], argv[2]
    seconds = timeout / 1000.0
    compress = server.config["rdbcompression"]
    may_retry = True
    while True:
        try:
            link = cache.get(host, port, seconds)
        except MigrateError:
            raise _IOERR_CONNECT from None
        parts = []
        if password is not None:
            parts.append(_command(b"AUTH", username, password) if username is not None
                         else _command(b"AUTH", password))
        select = link.last_dbid != dbid
        if select:
            parts.append(_command(b"SELECT", b"%d" % dbid))
        sent = []
        now = now_ms()
        for key in keys:
            value = db.data.get(key)
            if value is None:
                continue
            ttl = 0
            when = db.get_expire(key)
            if when != -1:
                ttl = when - now
                if ttl < 0:
                    continue
                if ttl < 1:
                    ttl = 1
            sent.append(key)
            args = [b"RESTORE", key, b"%d" % ttl, dump_payload(value, compress)]
            if replace:
                args.append(b"REPLACE")
            parts.append(_command(*args))
        target_error = None
        done = 0
        try:
            link.send(b"".join(parts), seconds)
            auth_line = link.read_line(seconds) if password is not None else b""
            select_line = link.read_line(seconds) if select else b""
            for key in sent:
                line = link.read_line(seconds)
                done += 1
                failed = auth_line[:1] == b"-" or select_line[:1] == b"-" or line[:1] == b"-"
                if failed:
                    if target_error is None:
                        link.last_dbid = -1
                        source = (auth_line if auth_line[:1] == b"-" else
                                  select_line if select_line[:1] == b"-" else line)
                        target_error = source[1:]
                elif not copy:
                    db.delete(key)
                    db.signal(key, ("g", "del"))
        except MigrateError as exc:
            cache.close((host, port))
            if target_error is None:
                if done == 0 and may_retry and not exc.timed_out:
                    may_retry = False
                    continue
                raise CommandError(errors.MIGRATE_IOERR
                                   % ("writing" if exc.writing else "reading")) from None
        if target_error is not None:
            raise CommandError(errors.MIGRATE_TARGET % target_error.decode("latin-1"))
        link.last_dbid = dbid
        return reply.OK


def _close_idle_links(server):
    server.migrate_links.close_idle(time.time())


def _start_links(server):
    server.migrate_links = LinkCache()


Server.start_hooks.append(_start_links)
Server.cron_hooks.append(_close_idle_links)
