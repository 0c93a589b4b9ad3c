"""DEBUG (Redis debug.c): inspection, behaviour switches and failure injection for tests.

Every subcommand checks its own argument count; a name or count Redis does
not accept answers the subcommand syntax error.  The command is refused
unless ``enable-debug-command`` allows it (dispatch checks that).
"""
import math
import os
import random
import signal
import sys
import time

from .. import digest, errors, glob, reply, types
from .._speedups import QuickList, set_packed_threshold
from ..config import memtoull
from ..db import now_ms
from ..errors import CommandError
from ..numbers import parse_double, parse_int
from ..types.hash import Hash
from ..types.set import Set
from ..types.zset import ZSet
from . import command, strings
from .connection import client_memory
from .keyspace import _object_lookup as keyspace_object_lookup
from .introspection import help_reply

DEBUG_HELP = (
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
)

# Subcommand name -> (argument count test on len(argv), handler); filled by ``sub``.
SUBCOMMANDS = {}

# Redis's OBJ_SHARED_REFCOUNT, and the sizes DEBUG STRUCTSIZE reports for a 64-bit build.
STRUCTSIZE = b"bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 "
REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME = 5000
# Redis's maxmemory-clients buckets: 32 KiB and up, doubling, the last one open.
CLIENT_MEM_USAGE_BUCKET_MIN_LOG = 15
CLIENT_MEM_USAGE_BUCKETS = 1 + 33 - CLIENT_MEM_USAGE_BUCKET_MIN_LOG
# What Redis's OOM simulation asks zmalloc for (SIZE_MAX / 2).
OOM_ALLOCATION = (1 << 63) - 1
LLONG_MIN = -(1 << 63)
SDS_MAX_PREALLOC = 1024 * 1024


def sub(name, argc=None, min_argc=2, max_argc=None):
    """Declare a DEBUG subcommand and the argument counts (the whole argv) it accepts."""
    def accepts(n):
        if argc is not None:
            return n == argc
        return n >= min_argc and (max_argc is None or n <= max_argc)

    def register(handler):
        SUBCOMMANDS[name] = (accepts, handler)
        return handler
    return register


# DEBUG subcommand [argument ...]
@command("debug", -2, "admin noscript loading stale", group="server")
def debug(c, argv):
    entry = SUBCOMMANDS.get(argv[1].lower())
    if entry is None or not entry[0](len(argv)):
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], argv[0].upper())
    return entry[1](c, argv)


# ---- C parsing the way debug.c does it -----------------------------------------
def atoi(arg):
    """C ``atoi``: leading digits after blanks and a sign, 0 when there are none."""
    text = arg.lstrip(b" \t\n\v\f\r")
    sign = 1
    if text[:1] in (b"+", b"-"):
        sign = -1 if text[:1] == b"-" else 1
        text = text[1:]
    digits = len(text) - len(text.lstrip(b"0123456789"))
    value = sign * int(text[:digits]) if digits else 0
    # An int: what C keeps of a longer number.
    return (value + (1 << 31)) % (1 << 32) - (1 << 31)


def strtod_prefix(arg):
    """C ``strtod(s, NULL)``: the longest valid prefix, 0 when there is none."""
    text = arg.lstrip(b" \t\n\v\f\r")
    for end in range(min(len(text), 400), 0, -1):
        value = parse_double(text[:end])
        if value is not None:
            return value
    return 0.0


def get_long(arg):
    """getLongFromObjectOrReply / getLongLongFromObjectOrReply."""
    value = parse_int(arg)
    if value is None:
        raise errors.E_NOT_INTEGER
    return value


def get_positive_long(arg):
    """getPositiveLongFromObjectOrReply: one error for a non-number and a negative one."""
    value = parse_int(arg)
    if value is None or value < 0:
        raise CommandError(errors.ZSET_MUST_BE_POSITIVE)
    return value


def _raw_key(c, key):
    """The value at ``key`` even if logically expired, as debug.c's dictFind: no access, no expiry."""
    return c.db.data.get(key)


def _object_lookup(c, key):
    """objectCommandLookupOrReply: OBJECT's read (no touch, no keymiss event); no key is an error."""
    value = keyspace_object_lookup(c.db, key)
    if value is None:
        raise errors.E_NO_SUCH_KEY
    return value


# ---- help, protocol, errors, log -------------------------------------------------
@sub(b"help", argc=2)
def debug_help(c, argv):
    return help_reply("DEBUG", DEBUG_HELP)


class _ByProtocol(reply._Reply):
    """Fixed bytes that differ between RESP2 and RESP3 (DEBUG PROTOCOL)."""

    __slots__ = ("resp2", "resp3")

    def __init__(self, resp2, resp3):
        self.resp2 = resp2
        self.resp3 = resp3

    def encode(self, resp):
        return self.resp2 if resp == 2 else self.resp3


_PROTOCOL = {
    b"string": reply.bulk(b"Hello World"),
    b"integer": reply.integer(12345),
    b"double": _ByProtocol(b"$5\r\n3.141\r\n", b",3.141\r\n"),
    b"bignum": _ByProtocol(b"$37\r\n1234567999999999999999999999999999999\r\n",
                           b"(1234567999999999999999999999999999999\r\n"),
    b"null": reply.NULL,
    b"array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    b"set": reply.Set([reply.integer(0), reply.integer(1), reply.integer(2)]),
    b"map": _ByProtocol(b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
                        b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"),
    b"attrib": _ByProtocol(reply.bulk(b"Some real reply following the attribute"),
                           b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
                           + reply.bulk(b"Some real reply following the attribute")),
    b"verbatim": reply.Verbatim(b"This is a verbatim\nstring"),
    b"true": _ByProtocol(b":1\r\n", b"#t\r\n"),
    b"false": _ByProtocol(b":0\r\n", b"#f\r\n"),
}


@sub(b"protocol", argc=3)
def debug_protocol(c, argv):
    kind = argv[2].lower()
    if kind == b"push":
        if c.resp < 3:
            raise CommandError(errors.DEBUG_PROTOCOL_RESP2)
        c.reply(b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n")
        return reply.bulk(b"Some real reply following the push reply")
    r = _PROTOCOL.get(kind)
    if r is None:
        raise CommandError(errors.DEBUG_PROTOCOL_TYPE)
    return r


@sub(b"error", argc=3)
def debug_error(c, argv):
    # Sent as it is, so it counts in no error statistics, as Redis's addReplySds.
    text = bytes(argv[2]).replace(b"\r", b" ").replace(b"\n", b" ")
    return b"-" + text + b"\r\n"


@sub(b"log", argc=3)
def debug_log(c, argv):
    c.server.log("warning", "DEBUG LOG: %s" % argv[2].decode("latin-1"))
    return reply.OK


@sub(b"leak", argc=3)
def debug_leak(c, argv):
    leaked = c.server.__dict__.setdefault("debug_leaked", [])
    leaked.append(bytes(argv[2]))
    return reply.OK


# ---- behaviour switches ------------------------------------------------------------
@sub(b"sleep", argc=3)
def debug_sleep(c, argv):
    seconds = strtod_prefix(argv[2])
    # (long long)(dtime * 1000000): what C makes of a value out of range.
    usec = int(seconds * 1000000) if math.isfinite(seconds) and abs(seconds) < 9.2e12 else LLONG_MIN
    if usec > 0:
        # Like Redis, the whole server stops: nothing else runs meanwhile.
        time.sleep(usec / 1000000)
    return reply.OK


def _no_active_expire(now):
    return None


@sub(b"set-active-expire", argc=3)
def debug_set_active_expire(c, argv):
    server = c.server
    if atoi(argv[2]):
        server.__dict__.pop("_active_expire", None)
    else:
        server._active_expire = _no_active_expire
    return reply.OK


def _no_cron(now):
    return None


@sub(b"pause-cron", argc=3)
def debug_pause_cron(c, argv):
    server = c.server
    if atoi(argv[2]):
        server.cron = _no_cron
    else:
        server.__dict__.pop("cron", None)
    return reply.OK


@sub(b"set-skip-checksum-validation", argc=3)
def debug_skip_checksum(c, argv):
    c.server.skip_checksum_validation = bool(atoi(argv[2]))
    return reply.OK


@sub(b"aof-flush-sleep", argc=3)
def debug_aof_flush_sleep(c, argv):
    c.server.aof_flush_sleep = atoi(argv[2])
    return reply.OK


@sub(b"quicklist-packed-threshold", argc=3)
def debug_packed_threshold(c, argv):
    size = memtoull(argv[2].decode("latin-1"))
    if size is None or not set_packed_threshold(size):
        raise CommandError(errors.DEBUG_PACKED_THRESHOLD)
    return reply.OK


@sub(b"replybuffer", argc=4)
def debug_replybuffer(c, argv):
    server = c.server
    what = argv[2].lower()
    if what == b"peak-reset-time":
        value = argv[3].lower()
        if value == b"never":
            server.reply_buffer_peak_reset_time = -1
        elif value == b"reset":
            server.reply_buffer_peak_reset_time = REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME
        else:
            server.reply_buffer_peak_reset_time = get_long(argv[3])
    elif what == b"resizing":
        server.reply_buffer_resizing = bool(atoi(argv[3]))
    else:
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], argv[0].upper())
    return reply.OK


@sub(b"drop-cluster-packet-filter", argc=3)
def debug_drop_cluster_packet_filter(c, argv):
    c.server.cluster_drop_packet_filter = get_long(argv[2])
    return reply.OK


@sub(b"clusterlink", argc=5)
def debug_clusterlink(c, argv):
    if argv[2].lower() != b"kill":
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], argv[0].upper())
    # pyredis has no cluster mode.
    raise CommandError(errors.DEBUG_CLUSTER_ONLY)


@sub(b"stringmatch-test", argc=2)
def debug_stringmatch_test(c, argv):
    # stringmatchlen_fuzz_test: random patterns against random strings; only a crash fails.
    rng = random.Random()
    for _ in range(1000):
        pattern = bytes(rng.randrange(256) for _ in range(rng.randrange(32)))
        text = bytes(rng.randrange(256) for _ in range(rng.randrange(32)))
        glob.match(pattern, text, nocase=rng.random() < 0.5)
    return reply.simple(b"Apparently Redis did not crash: test passed")


@sub(b"config-rewrite-force-all", argc=2)
def debug_config_rewrite_force_all(c, argv):
    from .. import info
    from .server import rewrite_config_file
    path = info.config_file(c.server)
    if path is None:
        # rewriteConfig(NULL): fopen fails with EFAULT.
        raise CommandError(errors.DEBUG_CONFIG_REWRITE_FAILED % os.strerror(14))
    try:
        rewrite_config_file(c.server.config, path, force_all=True)
    except OSError as exc:
        raise CommandError(errors.DEBUG_CONFIG_REWRITE_FAILED % exc.strerror) from None
    return reply.OK


# ---- replication ---------------------------------------------------------------------
@sub(b"replicate", min_argc=3)
def debug_replicate(c, argv):
    # Sent to the replicas only, not to the AOF; without replicas nothing is sent.
    feed = getattr(c.server, "feed_replicas", None)
    if feed is not None:
        feed(c.db.id, list(argv[2:]))
    return reply.OK


@sub(b"change-repl-id", argc=2)
def debug_change_repl_id(c, argv):
    server = c.server
    server.log("warning", "Changing replication IDs after receiving DEBUG change-repl-id")
    server.repl.change_replid()
    return reply.OK


# ---- data ----------------------------------------------------------------------------
@sub(b"populate", min_argc=3, max_argc=5)
def debug_populate(c, argv):
    count = get_positive_long(argv[2])
    size = get_positive_long(argv[4]) if len(argv) == 5 else 0
    # snprintf("%s:%lu") into 128 bytes: the prefix ends at a NUL byte.
    prefix = bytes(argv[3]).split(b"\0", 1)[0] if len(argv) > 3 else b"key"
    db = c.db
    for j in range(count):
        key = (b"%b:%d" % (prefix, j))[:127]
        if db.lookup(key) is not None:
            continue
        value = b"value:%d" % j
        if size:
            try:
                value = value[:size].ljust(size, b"\0")
            except (MemoryError, OverflowError):
                # zmalloc failing: Redis's out of memory handler.
                _out_of_memory(c.server, size)
        db.add(key, value)
        # signalModifiedKey: watchers see it, but nothing counts as dirty or is propagated.
        if db.watched:
            clients = db.watched.get(key)
            if clients:
                db.touch_watched(key, clients)
    return reply.OK


def _hex(d):
    return reply.simple(d.hex().encode())


@sub(b"digest", argc=2)
def debug_digest(c, argv):
    return _hex(digest.dataset_digest(c.server.dbs))


@sub(b"digest-value", min_argc=2)
def debug_digest_value(c, argv):
    db = c.db
    out = []
    for key in argv[2:]:
        value = _raw_key(c, key)
        out.append(_hex(digest.EMPTY if value is None else digest.value_digest(db, key, value)))
    return reply.array(out)


def _rdb_path(server):
    return server.config["dbfilename"]


@sub(b"reload")
def debug_reload(c, argv):
    server = c.server
    flush = save = True
    merge = False
    for opt in argv[2:]:
        opt = opt.lower()
        if opt == b"merge":
            merge = True
        elif opt == b"noflush":
            flush = False
        elif opt == b"nosave":
            save = False
        else:
            raise CommandError(errors.DEBUG_RELOAD_OPTIONS)
    from ..persistence import rdb
    path = _rdb_path(server)
    if save:
        try:
            rdb.save(server, path)
        except OSError:
            raise CommandError(errors.DEBUG_RELOAD_SAVE) from None
    if flush:
        _empty_data(server)
    # MERGE (RDBFLAGS_ALLOW_DUP): a key already there is replaced by the file's.
    try:
        rdb.load(server, path, allow_dup=merge)
    except (OSError, rdb.RdbLoadError):
        raise CommandError(errors.DEBUG_RELOAD_LOAD) from None
    server.log("warning", "DB reloaded by DEBUG RELOAD")
    return reply.OK


def _empty_data(server):
    """emptyData(-1): every db emptied, watchers told, as FLUSHALL does without propagating."""
    for db in server.dbs:
        db.flush()


@sub(b"loadaof")
def debug_loadaof(c, argv):
    from ..persistence.aofload import load_append_only_files
    server = c.server
    # What is buffered reaches the file first (flushAppendOnlyFile(1)).
    server.aof.before_reply()
    _empty_data(server)
    if not load_append_only_files(server):
        # loadAppendOnlyFiles found nothing to load: Redis exits.
        server.log("notice", "The AOF directory %s doesn't exist" % server.config["appenddirname"])
        _die_now(1)
    server.dirty = 0
    server.log("warning", "Append Only File loaded by DEBUG LOADAOF")
    return reply.OK


# ---- inspection ----------------------------------------------------------------------
def _encoding(db, key, value, config):
    if value.__class__ is bytes or value.__class__ is bytearray:
        return strings.string_encoding(db, key, value)
    return types.encoding_of(value, config) or b"unknown"


def _serialized_length(value):
    from ..persistence.rdb import serialized_length
    return serialized_length(value)


def _access_field(c, key, value, refcount):
    clock = c.server.access_clock
    if refcount == strings.SHARED_REFCOUNT:
        return clock.shared[int(value)]
    field = c.db.access.get(key)
    return clock.fresh() if field is None else field


@sub(b"object", argc=3)
def debug_object(c, argv):
    db = c.db
    key = argv[2]
    value = _raw_key(c, key)
    if value is None:
        raise errors.E_NO_SUCH_KEY
    refcount = strings.string_refcount(db, key, value) if value.__class__ is bytes else 1
    field = _access_field(c, key, value, refcount)
    extra = b""
    if value.__class__ is QuickList:
        extra = b" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d" % (
            value.node_count, len(value) / value.node_count, value.fill, value.compress != 0,
            value.nbytes)
    return reply.simple(b"Value at:0x%x refcount:%d encoding:%b serializedlength:%d lru:%d "
                        b"lru_seconds_idle:%d%b" % (
                            id(value), refcount, _encoding(db, key, value, c.server.config),
                            _serialized_length(value), field,
                            c.server.access_clock.idle_ms(field) // 1000, extra))


def _sds_header(n):
    """sdsReqType's header size for a string of ``n`` bytes."""
    if n < 32:
        return 1
    if n < 256:
        return 3
    if n < 65536:
        return 5
    if n < 1 << 32:
        return 9
    return 17


def malloc_size(n):
    """jemalloc's size class for a request of ``n`` bytes (what zmalloc_size reports)."""
    if n <= 8:
        return 8
    if n <= 128:
        return (n + 15) & ~15
    step = 1 << ((n - 1).bit_length() - 3)
    return (n + step - 1) // step * step


def _sds(n, alloc_len=None):
    """(avail, zmalloc size) of an sds of ``n`` bytes allocated for ``alloc_len``.

    Redis 7.0 records the allocator's usable size as the sds's capacity;
    the smallest header (sdshdr5) has no room for one, so it has none spare.
    """
    alloc_len = n if alloc_len is None else alloc_len
    header = _sds_header(alloc_len)
    if header == 1 and alloc_len > n:
        header = 3
    usable = malloc_size(header + alloc_len + 1)
    if header == 1:
        return 0, usable
    return usable - header - 1 - n, usable


@sub(b"sdslen", argc=3)
def debug_sdslen(c, argv):
    db = c.db
    key = argv[2]
    value = _raw_key(c, key)
    if value is None:
        raise errors.E_NO_SUCH_KEY
    if value.__class__ is not bytes and value.__class__ is not bytearray:
        raise CommandError(errors.DEBUG_NOT_SDS)
    encoding = strings.string_encoding(db, key, value)
    if encoding == b"int":
        raise CommandError(errors.DEBUG_NOT_SDS)
    n = len(value)
    if encoding == b"embstr":
        # robj and sdshdr8 in one allocation; the robj is not the string's memory.
        val_avail, val_mem = 0, malloc_size(16 + 3 + n + 1) - 16
    elif value.__class__ is bytearray:
        # Grown in place (APPEND, SETRANGE): sdsMakeRoomFor's greedy doubling, once.
        val_avail, val_mem = _sds(n, 2 * n if n < SDS_MAX_PREALLOC else n + SDS_MAX_PREALLOC)
    else:
        val_avail, val_mem = _sds(n)
        # tryObjectEncoding trims a value wasting more than a tenth (sdsRemoveFreeSpace).
        if val_avail > n // 10:
            val_avail = 0
    k = len(key)
    key_avail, key_mem = _sds(k)
    return reply.simple(b"key_sds_len:%d, key_sds_avail:%d, key_zmalloc: %d, val_sds_len:%d, "
                        b"val_sds_avail:%d, val_zmalloc: %d" % (
                            k, key_avail, key_mem, n, val_avail, val_mem))


def _print(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def _is_listpack(value):
    cls = value.__class__
    if cls is Hash:
        return value.listpack
    if cls is ZSet:
        return value.compact
    return False


@sub(b"listpack", argc=3)
def debug_listpack(c, argv):
    value = _object_lookup(c, argv[2])
    if not _is_listpack(value):
        raise CommandError(errors.DEBUG_NOT_LISTPACK)
    if value.__class__ is Hash:
        entries = [x for pair in value.items() for x in pair]
    else:
        entries = [x for score, member in value for x in (member, reply.format_double(score))]
    lines = ["{num entries %d}" % len(entries)]
    for i, entry in enumerate(entries):
        lines.append("{\n\tindex: %5d,\n\t[str]%s\n}" % (i, entry.decode("latin-1")))
    lines.append("{end}\n")
    _print("\n".join(lines) + "\n")
    return reply.simple(b"Listpack structure printed on stdout")


@sub(b"quicklist", min_argc=3, max_argc=4)
def debug_quicklist(c, argv):
    value = _object_lookup(c, argv[2])
    full = atoi(argv[3]) if len(argv) == 4 else 0
    if value.__class__ is not QuickList:
        raise CommandError(errors.DEBUG_NOT_QUICKLIST)
    _print(quicklist_repr(value, full))
    return reply.simple(b"Quicklist structure printed on stdout")


def quicklist_repr(ql, full):
    """quicklistRepr: the list's header, then each node; ``full`` adds every element."""
    lines = ["{count : %d}" % len(ql), "{len : %d}" % ql.node_count, "{fill : %d}" % ql.fill,
             "{compress : %d}" % ql.compress, "{bookmark_count : 0}"]
    for i, (count, size, plain, items) in enumerate(ql.nodes()):
        lines.append("{quicklist node(%d)" % i)
        lines.append("{container : %s, encoding: RAW, size: %d, count: %d, recompress: 0, "
                     "attempted_compress: 0}" % ("PLAIN" if plain else "PACKED", size, count))
        if full:
            for item in items:
                lines.append("\t[str]%s" % item.decode("latin-1"))
        lines.append("}")
    return "\n".join(lines) + "\n"


def _dict_size(n):
    """The table size Redis's dict reaches holding ``n`` entries added one by one."""
    return max(4, 1 << (n - 1).bit_length())


def dict_stats(keys):
    """dictGetStats for a dict of ``keys`` (the chain lengths depend on the hash function)."""
    n = len(keys)
    head = "Hash table 0 stats (main hash table):\n"
    if n == 0:
        return head + "No stats available for empty dictionaries\n"
    size = _dict_size(n)
    chains = [0] * size
    for k in keys:
        chains[hash(k) & (size - 1)] += 1
    used = [x for x in chains if x]
    vector = [0] * 50
    for x in chains:
        vector[min(x, 49)] += 1
    out = [head, " table size: %d\n number of elements: %d\n different slots: %d\n"
           " max chain length: %d\n avg chain length (counted): %.02f\n"
           " avg chain length (computed): %.02f\n Chain length distribution:\n" % (
               size, n, len(used), max(used), sum(used) / len(used), n / len(used))]
    for i in range(49):
        if vector[i]:
            out.append("   %d: %d (%.02f%%)\n" % (i, vector[i], vector[i] / size * 100))
    return "".join(out)


@sub(b"htstats", argc=3)
def debug_htstats(c, argv):
    dbid = get_long(argv[2])
    dbs = c.server.dbs
    if dbid < 0 or dbid >= len(dbs):
        raise CommandError(errors.DEBUG_DB_OUT_OF_RANGE)
    db = dbs[dbid]
    text = ("[Dictionary HT]\n" + dict_stats(db.data) + "[Expires HT]\n" + dict_stats(db.expires))
    return reply.Verbatim(text.encode("latin-1"))


@sub(b"htstats-key", argc=3)
def debug_htstats_key(c, argv):
    value = _object_lookup(c, argv[2])
    cls = value.__class__
    if cls is Hash and not value.listpack:
        keys = value
    elif cls is Set and not value.intset:
        keys = value
    elif cls is ZSet and not value.compact:
        keys = value.scores
    else:
        raise CommandError(errors.DEBUG_NOT_HASHTABLE)
    return reply.Verbatim(dict_stats(keys).encode("latin-1"))


@sub(b"structsize", argc=2)
def debug_structsize(c, argv):
    return reply.bulk(STRUCTSIZE)


@sub(b"client-eviction", argc=2)
def debug_client_eviction(c, argv):
    server = c.server
    if not server.config["maxmemory-clients"]:
        raise CommandError(errors.DEBUG_CLIENT_EVICTION_DISABLED)
    sums = [0] * CLIENT_MEM_USAGE_BUCKETS
    counts = [0] * CLIENT_MEM_USAGE_BUCKETS
    for client in server.clients.values():
        mem = client_memory(client)
        j = min(max(mem.bit_length() - CLIENT_MEM_USAGE_BUCKET_MIN_LOG, 0), CLIENT_MEM_USAGE_BUCKETS - 1)
        sums[j] += mem
        counts[j] += 1
    out = []
    for j in range(CLIENT_MEM_USAGE_BUCKETS):
        if j == 0:
            line = "bucket          0"
        else:
            line = "bucket %10d" % (1 << (j - 1 + CLIENT_MEM_USAGE_BUCKET_MIN_LOG))
        if j == CLIENT_MEM_USAGE_BUCKETS - 1:
            line += "+            : "
        else:
            line += " - %10d: " % ((1 << (j + CLIENT_MEM_USAGE_BUCKET_MIN_LOG)) - 1)
        out.append(line + "tot-mem: %10d, clients: %d\n" % (sums[j], counts[j]))
    return reply.Verbatim("".join(out).encode())


# ---- failure injection ---------------------------------------------------------------
def _die_now(status):
    sys.stdout.flush()
    os._exit(status)


def _bug_report(server, lines):
    """The start of Redis's crash report, then its end, in the server log."""
    log = server.log
    _raw(server, "\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===")
    for line in lines:
        log("warning", line)
    _raw(server, "\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n"
         "       Please report the crash by opening an issue on github:\n\n"
         "           http://github.com/redis/redis/issues\n")


def _raw(server, text):
    """serverLogRaw: a log line without the pid and time prefix."""
    server.log.raw(text + "\n")


def _panic(server, message):
    _bug_report(server, ("------------------------------------------------",
                         "!!! Software Failure. Press left mouse button to continue",
                         "Guru Meditation: %s #debug.c" % message))
    sys.stdout.flush()
    os.abort()


@sub(b"segfault")
def debug_segfault(c, argv):
    server = c.server
    _bug_report(server, ("Redis %s crashed by signal: %d, si_code: 2" % (server.redis_version,
                                                                        signal.SIGSEGV),
                         "Accessing address: 0xffffffffffffffff"))
    sys.stdout.flush()
    signal.signal(signal.SIGSEGV, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGSEGV)
    return None


@sub(b"panic")
def debug_panic(c, argv):
    _panic(c.server, "DEBUG PANIC called at Unix time %d" % (now_ms() // 1000))


@sub(b"assert")
def debug_assert(c, argv):
    server = c.server
    _bug_report(server, ["=== ASSERTION FAILED CLIENT CONTEXT ===",
                         "client->argc = %d" % len(argv)]
                + ['client->argv[%d] = "%s" (refcount: 1)' % (i, a.decode("latin-1"))
                   for i, a in enumerate(argv)]
                + ["=== ASSERTION FAILED ===", "==> debug.c '1 == 2' is not true"])
    sys.stdout.flush()
    os.abort()


def _out_of_memory(server, size):
    """redisOutOfMemoryHandler: log, then panic."""
    server.log("warning", "Out Of Memory allocating %d bytes!" % size)
    _panic(server, "Redis aborting for OUT OF MEMORY. Allocating %d bytes!" % size)


@sub(b"oom")
def debug_oom(c, argv):
    _out_of_memory(c.server, OOM_ALLOCATION)


def _restart_delay(argv):
    delay = get_long(argv[2]) if len(argv) >= 3 else 0
    return max(delay, 0)


@sub(b"restart")
def debug_restart(c, argv):
    return _restart(c, _restart_delay(argv), graceful=True)


@sub(b"crash-and-recover")
def debug_crash_and_recover(c, argv):
    return _restart(c, _restart_delay(argv), graceful=False)


def _restart(c, delay_ms, graceful):
    """restartServer: optionally save the config and the data, then exec the same command line."""
    server = c.server
    if graceful:
        from .. import info
        from .server import rewrite_config_file
        path = info.config_file(server)
        if path is not None:
            try:
                rewrite_config_file(server.config, path)
            except OSError as exc:
                server.log("warning", "Can't restart: configuration rewrite process failed: %s"
                           % exc.strerror)
                raise CommandError(errors.DEBUG_RESTART_FAILED) from None
        saver = getattr(server, "save_snapshot", None)
        if server.config["save"] and saver is not None:
            try:
                saver()
            except OSError as exc:
                server.log("warning", "Error trying to save the DB, can't exit. (%s)" % exc)
                server.log("warning", "Can't restart: error preparing for shutdown")
                raise CommandError(errors.DEBUG_RESTART_FAILED) from None
    for sock in server.listeners:
        sock.close()
    if delay_ms:
        time.sleep(delay_ms / 1000)
    sys.stdout.flush()
    sys.stderr.flush()
    # The sockets are not inheritable: exec closes every client and listener.
    try:
        os.execv(sys.executable, [sys.executable] + sys.orig_argv[1:])
    except OSError:
        pass
    os._exit(1)


@sub(b"mallctl")
@sub(b"mallctl-str")
def debug_mallctl(c, argv):
    # Not a jemalloc build: Redis compiles these subcommands out.
    raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], argv[0].upper())
