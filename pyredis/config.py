"""The table of configuration parameters: name, type, default, mutability.

One table serves the command line, the config file, CONFIG GET, CONFIG SET and
CONFIG REWRITE.  It lists every parameter redis-server 7.0.15 knows, with its
defaults, ranges and error texts; the ones pyredis does not act on are stored
and reported like Redis, so a stock redis.conf loads.  Values are kept parsed
(ints, bools, strings); ``format`` renders them the way CONFIG GET shows them.

Parts of the server that must react to a change register a listener, either
on the instance (``Config.watch(name, callback(value))``) or, from a command
module at import time, with ``on_change(name)`` (``callback(server, value)``,
called once when the server binds its config and on every change).
"""
import errno
import os
import re

from .glob import compile_pattern
from .numbers import parse_double, parse_int


class ConfigError(Exception):
    """A bad value; ``str(e)`` is the reason Redis gives (after the argument name)."""


ULLONG_MAX = (1 << 64) - 1
LLONG_MAX = (1 << 63) - 1
LLONG_MIN = -(1 << 63)
INT_MAX = (1 << 31) - 1
INT_MIN = -(1 << 31)
UINT_MAX = (1 << 32) - 1

_MEM_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2,
              "g": 1000 ** 3, "gb": 1024 ** 3}
_DIGITS = re.compile(r"[0-9]*")
_STRTOLL = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)\Z")

# Listeners that need the server: name -> [callback(server, value)].
SERVER_WATCHERS = {}


def on_change(name):
    """Decorator: call ``fn(server, value)`` at start-up and whenever ``name`` changes."""
    def register(fn):
        SERVER_WATCHERS.setdefault(name, []).append(fn)
        return fn
    return register


def memtoull(text):
    """Redis ``memtoull``: bytes for ``1gb``, ``10k``, ``512`` ...; None when invalid."""
    if text.startswith("-"):
        return None
    digits = _DIGITS.match(text).group()
    mul = _MEM_UNITS.get(text[len(digits):].lower())
    if mul is None or len(digits) >= 128:
        return None
    # strtoull: an empty string reads as 0, an overflow saturates.
    value = min(int(digits), ULLONG_MAX) if digits else 0
    return (value * mul) & ULLONG_MAX


def parse_memory(text):
    """A memory value as a non-negative int, or None."""
    return memtoull(text)


def strtoll(text):
    """C ``strtoll`` over the whole string (leading blanks and a sign allowed), or None."""
    m = _STRTOLL.match(text)
    if m is None:
        return None
    return max(LLONG_MIN, min(LLONG_MAX, int(m.group(1))))


def format_memory(value):
    """rewriteConfigFormatMemory: the largest exact binary unit."""
    for unit, size in (("gb", 1024 ** 3), ("mb", 1024 ** 2), ("kb", 1024)):
        if value and value % size == 0:
            return "%d%s" % (value // size, unit)
    return "%d" % value


def quote(text):
    """sdscatrepr, as CONFIG REWRITE quotes strings."""
    out = ['"']
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("\\x%02x" % ord(ch))
    out.append('"')
    return "".join(out)


class Param:
    """A string parameter; subclasses parse and format other kinds."""

    multi_arg = False

    def __init__(self, name, default, mutable=True, aliases=(), protected=False, hidden=False,
                 **extra):
        self.name = name
        self.default = default
        self.mutable = mutable
        self.aliases = tuple(aliases)
        self.protected = protected
        self.hidden = hidden
        self.__dict__.update(extra)

    def parse(self, text):
        return text

    def format(self, value):
        return value

    def merge(self, old, new, loading):
        """The value after setting ``new`` over ``old`` (config files may accumulate)."""
        return new

    def is_default(self, value):
        return value == self.default

    def rewrite(self, value):
        """The config file lines for ``value`` (CONFIG REWRITE)."""
        return ["%s %s" % (self.name, quote(self.format(value)))]


class Bool(Param):
    def parse(self, text):
        low = text.lower()
        if low == "yes":
            return True
        if low == "no":
            return False
        raise ConfigError("argument must be 'yes' or 'no'")

    def format(self, value):
        return "yes" if value else "no"

    def rewrite(self, value):
        return ["%s %s" % (self.name, self.format(value))]


class Int(Param):
    """A numeric parameter (Redis's numeric configs and their parse/bounds rules)."""

    lo = LLONG_MIN
    hi = LLONG_MAX
    unsigned = False
    memory = False
    percent = False
    octal = False

    def _read(self, text):
        if self.memory:
            value = memtoull(text)
            if value is not None:
                return value if self.unsigned or value <= LLONG_MAX else value - (1 << 64)
        if self.percent and len(text) > 1 and text.endswith("%"):
            value = parse_int(text[:-1].encode("latin-1"))
            if value is not None and value >= 0:
                return -value
        if self.octal:
            m = re.match(r"[ \t\n\v\f\r]*([+-]?[0-7]+)\Z", text)
            if m is not None:
                return int(m.group(1), 8)
        if not (self.memory or self.percent or self.octal):
            value = parse_int(text.encode("latin-1"))
            if value is not None:
                return value
        if self.memory and self.percent:
            raise ConfigError("argument must be a memory or percent value")
        if self.memory:
            raise ConfigError("argument must be a memory value")
        if self.octal:
            raise ConfigError("argument couldn't be parsed as an octal number")
        raise ConfigError("argument couldn't be parsed into an integer")

    def parse(self, text):
        value = self._read(text)
        if self.unsigned:
            value &= ULLONG_MAX
            if not self.lo <= value <= self.hi:
                spec = "%o" if self.octal else "%d"
                raise ConfigError(("argument must be between " + spec + " and " + spec + " inclusive")
                                  % (self.lo, self.hi))
        elif self.percent and value < 0:
            if value < self.lo:
                raise ConfigError("percentage argument must be less or equal to %d" % -self.lo)
        elif not self.lo <= value <= self.hi:
            raise ConfigError("argument must be between %d and %d inclusive" % (self.lo, self.hi))
        return value

    def format(self, value):
        if self.percent and value < 0:
            return "%d%%" % -value
        if self.octal:
            return "%o" % value
        return "%d" % value

    def rewrite(self, value):
        if self.memory and value >= 0:
            text = format_memory(value)
        else:
            text = self.format(value)
        return ["%s %s" % (self.name, text)]


class Enum(Param):
    """One of ``choices``: names in Redis's order, ``values`` mapping names to values.

    Names sharing a value are synonyms; CONFIG GET shows the first.  ``bitflags``
    enums take several names (``shutdown-on-sigint "nosave now"``).
    """

    bitflags = False
    values = None

    def _value(self, name):
        values = self.values or {n: i for i, n in enumerate(self.choices)}
        return values.get(name.lower())

    def _error(self):
        return ConfigError("argument(s) must be one of the following: " + ", ".join(self.choices))

    def parse(self, text):
        if not self.bitflags:
            if self._value(text) is None:
                raise self._error()
            return self._name(self._value(text))
        total = 0
        for word in text.split(" "):
            v = self._value(word)
            if v is None:
                raise self._error()
            total |= v
        return self._name(total)

    def _name(self, value):
        names = []
        unmatched = value
        for name in self.choices:
            v = self._value(name)
            if v == value:
                return name
            if self.bitflags and v and v == (unmatched & v):
                names.append(name)
                unmatched &= ~v
        return " ".join(names) if names else "unknown"

    def rewrite(self, value):
        return ["%s %s" % (self.name, value)]


class Save(Param):
    """``save "<seconds> <changes> ..."``; an empty string disables snapshots.

    Stored as the normalized "<seconds> <changes> ..." text.  In a config file
    successive ``save`` lines add up, as in Redis.
    """

    multi_arg = True

    def parse(self, text):
        parts = text.split(" ")
        if len(parts) == 1 and parts[0] == "":
            parts = []
        if len(parts) % 2:
            raise ConfigError("Invalid save parameters")
        values = []
        for i, p in enumerate(parts):
            v = strtoll(p)
            if v is None or (i % 2 == 0 and v < 1) or (i % 2 == 1 and v < 0):
                raise ConfigError("Invalid save parameters")
            values.append(v if i % 2 == 0 else max(INT_MIN, min(INT_MAX, v)))
        return " ".join("%d" % v for v in values)

    def merge(self, old, new, loading):
        if loading is not None:
            if self.name in loading and new:
                return (old + " " + new).strip()
            loading.add(self.name)
        return new

    def rewrite(self, value):
        parts = value.split()
        if not parts:
            return ['save ""']
        return ["save %s %s" % (parts[i], parts[i + 1]) for i in range(0, len(parts), 2)]


class Bind(Param):
    multi_arg = True

    def parse(self, text):
        addrs = text.split(" ")
        if len(addrs) == 1 and addrs[0] == "":
            addrs = []
        if len(addrs) > 16:
            raise ConfigError("Too many bind addresses specified.")
        return " ".join(addrs)

    def rewrite(self, value):
        return ["bind %s" % value] if value else []


# keyspaceEventsStringToFlags / keyspaceEventsFlagsToString
_EVENT_BITS = {"g": 1 << 2, "$": 1 << 3, "l": 1 << 4, "s": 1 << 5, "h": 1 << 6, "z": 1 << 7,
               "x": 1 << 8, "e": 1 << 9, "t": 1 << 10, "m": 1 << 11, "d": 1 << 12, "n": 1 << 13,
               "K": 1 << 0, "E": 1 << 1}
_EVENT_ALL = sum(_EVENT_BITS[c] for c in "g$lshzxetd")


def keyspace_event_flags(text):
    """The notification class bits of a notify-keyspace-events string; None if invalid."""
    flags = 0
    for ch in text:
        if ch == "A":
            flags |= _EVENT_ALL
        elif ch in _EVENT_BITS:
            flags |= _EVENT_BITS[ch]
        else:
            return None
    return flags


class KeyspaceEvents(Param):
    """Stored in Redis's canonical spelling (``AKE``, ``gxE`` ...)."""

    def parse(self, text):
        flags = keyspace_event_flags(text)
        if flags is None:
            raise ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
        out = ""
        if flags & _EVENT_ALL == _EVENT_ALL:
            # 'n' stays set with 'A' (new-key events are published) but is not
            # shown: ``format`` drops it, as keyspaceEventsFlagsToString does.
            out = "An" if flags & _EVENT_BITS["n"] else "A"
        else:
            out = "".join(c for c in "g$lshzxetdn" if flags & _EVENT_BITS[c])
        return out + "".join(c for c in "KEm" if flags & _EVENT_BITS[c])

    def format(self, value):
        return "A" + value[2:] if value.startswith("An") else value


class ClientOutputBufferLimit(Param):
    CLASSES = ("normal", "replica", "pubsub")
    SHOWN = {"replica": "slave"}
    NAMES = {"normal": "normal", "slave": "replica", "replica": "replica", "pubsub": "pubsub",
             "master": "master"}
    multi_arg = True

    def parse(self, text):
        parts = text.split()
        if len(parts) % 4:
            raise ConfigError("Wrong number of arguments in buffer limit configuration.")
        limits = {}
        for i in range(0, len(parts), 4):
            cls = self.NAMES.get(parts[i].lower())
            if cls is None or cls == "master":
                raise ConfigError("Invalid client class specified in buffer limit configuration.")
            hard, soft, secs = memtoull(parts[i + 1]), memtoull(parts[i + 2]), strtoll(parts[i + 3])
            if hard is None or soft is None or secs is None or secs < 0:
                raise ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
            limits[cls] = (hard, soft, secs)
        return limits

    def format(self, value):
        # CONFIG GET still names the replica class by its old name.
        return " ".join("%s %d %d %d" % ((self.SHOWN.get(cls, cls),) + value[cls]) for cls in self.CLASSES)

    def merge(self, old, new, loading):
        merged = dict(old)
        merged.update(new)
        return merged

    def is_default(self, value):
        return all(value[cls] == self.default[cls] for cls in self.CLASSES)

    def rewrite(self, value):
        lines = []
        for cls in self.CLASSES:
            if value[cls] != self.default[cls]:
                hard, soft, secs = value[cls]
                lines.append("client-output-buffer-limit %s %s %s %d"
                             % (self.SHOWN.get(cls, cls), format_memory(hard), format_memory(soft), secs))
        return lines


class OomScoreAdjValues(Param):
    multi_arg = True

    def parse(self, text):
        parts = text.split(" ")
        if len(parts) != 3:
            raise ConfigError("wrong number of arguments")
        values = []
        for p in parts:
            v = strtoll(p)
            if v is None or not -2000 <= v <= 2000:
                raise ConfigError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
            values.append(v)
        return " ".join("%d" % v for v in values)

    def rewrite(self, value):
        return ["%s %s" % (self.name, value)]


def _format_percentile(value):
    text = "%f" % value
    return text.rstrip("0").rstrip(".") if "." in text else text


class LatencyPercentiles(Param):
    multi_arg = True

    def parse(self, text):
        parts = text.split(" ")
        if len(parts) == 1 and parts[0] == "":
            return ""
        values = []
        for p in parts:
            v = parse_double(p.encode("latin-1"))
            if v is None:
                raise ConfigError("Invalid latency-tracking-info-percentiles parameters")
            if not 0.0 <= v <= 100.0:
                raise ConfigError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
            values.append(v)
        return " ".join(_format_percentile(v) for v in values)

    def rewrite(self, value):
        return ["%s %s" % (self.name, value)] if value else ['%s ""' % self.name]


class ReplicaOf(Param):
    multi_arg = True

    def parse(self, text):
        parts = text.split()
        if len(parts) != 2:
            raise ConfigError("wrong number of arguments")
        if parts[0].lower() == "no" and parts[1].lower() == "one":
            return ""
        port = strtoll(parts[1])
        if port is None or not 0 <= port <= 65535:
            raise ConfigError("Invalid master port")
        return "%s %d" % (parts[0], port)

    def rewrite(self, value):
        return ["replicaof %s" % value] if value else []


class Dir(Param):
    """The working directory: setting it changes directory, getting it reads the cwd."""

    def parse(self, text):
        if not os.path.isdir(text):
            code = errno.ENOENT if not os.path.exists(text) else errno.ENOTDIR
            raise ConfigError(os.strerror(code))
        return text

    def apply(self, value):
        os.chdir(value)

    def format(self, value):
        try:
            return os.getcwd()
        except OSError:
            return value

    def is_default(self, value):
        return False


class Hostname(Param):
    _VALID = re.compile(r"[A-Za-z0-9.-]*\Z")

    def parse(self, text):
        if self._VALID.match(text) is None:
            raise ConfigError("Hostnames may only contain alphanumeric characters, hyphens or dots")
        return text


def _int(name, default, lo=LLONG_MIN, hi=LLONG_MAX, **kw):
    return Int(name, default, lo=lo, hi=hi, **kw)


def _uint(name, default, lo, hi, **kw):
    return Int(name, default, lo=lo, hi=hi, unsigned=True, **kw)


def _mem(name, default, lo=0, hi=LLONG_MAX, **kw):
    return Int(name, default, lo=lo, hi=hi, memory=True, **kw)


def _umem(name, default, lo=0, hi=ULLONG_MAX, **kw):
    return Int(name, default, lo=lo, hi=hi, memory=True, unsigned=True, **kw)


_IMM = dict(mutable=False)
_YES_NO_LOCAL = ("no", "yes", "local")

# Every parameter redis-server 7.0.15 knows, with its defaults (those of a server
# started without a config file, except ``bind``, which keeps pyredis on loopback).
PARAMS = [
    # network
    Bind("bind", "* -::*"),
    Param("bind-source-addr", ""),
    _int("port", 6379, 0, 65535),
    _int("tls-port", 0, 0, 65535),
    Bool("protected-mode", True),
    _int("tcp-backlog", 511, 0, INT_MAX, **_IMM),
    _int("tcp-keepalive", 300, 0, INT_MAX),
    Param("unixsocket", "", **_IMM),
    _uint("unixsocketperm", 0, 0, 0o777, octal=True, **_IMM),
    _uint("socket-mark-id", 0, 0, UINT_MAX, **_IMM),
    _int("timeout", 0, 0, INT_MAX),
    _uint("maxclients", 10000, 1, UINT_MAX),
    _mem("proto-max-bulk-len", 512 * 1024 * 1024, 1024 * 1024),
    _mem("client-query-buffer-limit", 1024 ** 3, 1024 * 1024),
    ClientOutputBufferLimit("client-output-buffer-limit",
                            {"normal": (0, 0, 0), "replica": (256 * 1024 ** 2, 64 * 1024 ** 2, 60),
                             "pubsub": (32 * 1024 ** 2, 8 * 1024 ** 2, 60)}),
    _mem("maxmemory-clients", 0, -100, LLONG_MAX, percent=True),
    _int("io-threads", 1, 1, 128, **_IMM),
    Bool("io-threads-do-reads", False, **_IMM),
    # general
    Bool("daemonize", False, **_IMM),
    Enum("supervised", "no", choices=("upstart", "systemd", "auto", "no"), **_IMM),
    Param("pidfile", "", **_IMM),
    Enum("loglevel", "notice", choices=("debug", "verbose", "notice", "warning")),
    Param("logfile", "", **_IMM),
    Bool("syslog-enabled", False, **_IMM),
    Param("syslog-ident", "redis", **_IMM),
    Enum("syslog-facility", "local0",
         choices=("user", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
                  "local7"), **_IMM),
    Bool("crash-log-enabled", True),
    Bool("crash-memcheck-enabled", True),
    _int("databases", 16, 1, INT_MAX, **_IMM),
    Bool("always-show-logo", False, **_IMM),
    Bool("set-proc-title", True, **_IMM),
    Param("proc-title-template", "{title} {listen-addr} {server-mode}"),
    Enum("enable-protected-configs", "no", choices=_YES_NO_LOCAL, **_IMM),
    Enum("enable-debug-command", "no", choices=_YES_NO_LOCAL, **_IMM),
    # pyredis's own: a server that leaves it off shows no trace of it, as redis-server.
    Enum("enable-clock-command", "no", choices=_YES_NO_LOCAL, hidden=True, extension=True, **_IMM),
    Enum("enable-module-command", "no", choices=_YES_NO_LOCAL, **_IMM),
    _int("hz", 10, 0, INT_MAX),
    Bool("dynamic-hz", True),
    Bool("disable-thp", True, **_IMM),
    Bool("jemalloc-bg-thread", True),
    Param("ignore-warnings", ""),
    Param("server_cpulist", "", **_IMM),
    Param("bio_cpulist", "", **_IMM),
    Param("aof_rewrite_cpulist", "", **_IMM),
    Param("bgsave_cpulist", "", **_IMM),
    Enum("oom-score-adj", "no", choices=("no", "yes", "relative", "absolute"),
         values={"no": 0, "yes": 1, "relative": 1, "absolute": 2}),
    OomScoreAdjValues("oom-score-adj-values", "0 200 800"),
    Enum("shutdown-on-sigint", "default", choices=("default", "save", "nosave", "now", "force"),
         values={"default": 0, "save": 1, "nosave": 2, "now": 4, "force": 8}, bitflags=True,
         multi_arg=True),
    Enum("shutdown-on-sigterm", "default", choices=("default", "save", "nosave", "now", "force"),
         values={"default": 0, "save": 1, "nosave": 2, "now": 4, "force": 8}, bitflags=True,
         multi_arg=True),
    _int("shutdown-timeout", 10, 0, INT_MAX),
    Bool("use-exit-on-panic", False, hidden=True),
    _int("watchdog-period", 0, 0, INT_MAX, hidden=True),
    # snapshotting
    Save("save", "3600 1 300 100 60 10000"),
    Bool("stop-writes-on-bgsave-error", True),
    Bool("rdbcompression", True),
    Bool("rdbchecksum", True, **_IMM),
    Enum("sanitize-dump-payload", "no", choices=("no", "yes", "clients")),
    Param("dbfilename", "dump.rdb", protected=True),
    Bool("rdb-del-sync-files", False),
    Dir("dir", "", protected=True),
    Bool("rdb-save-incremental-fsync", True),
    _int("rdb-key-save-delay", 0, INT_MIN, INT_MAX, hidden=True),
    _int("key-load-delay", 0, INT_MIN, INT_MAX, hidden=True),
    _int("loading-process-events-interval-bytes", 2 * 1024 * 1024, 1024, INT_MAX, hidden=True),
    # replication
    ReplicaOf("replicaof", "", aliases=("slaveof",), **_IMM),
    Param("masterauth", ""),
    Param("masteruser", ""),
    Bool("replica-serve-stale-data", True, aliases=("slave-serve-stale-data",)),
    Bool("replica-read-only", True, aliases=("slave-read-only",)),
    Bool("repl-diskless-sync", True),
    _int("repl-diskless-sync-delay", 5, 0, INT_MAX),
    _int("repl-diskless-sync-max-replicas", 0, 0, INT_MAX),
    Enum("repl-diskless-load", "disabled", choices=("disabled", "on-empty-db", "swapdb")),
    _int("repl-ping-replica-period", 10, 1, INT_MAX, aliases=("repl-ping-slave-period",)),
    _int("repl-timeout", 60, 1, INT_MAX),
    Bool("repl-disable-tcp-nodelay", False),
    _mem("repl-backlog-size", 1024 * 1024, 1),
    _int("repl-backlog-ttl", 3600, 0, LLONG_MAX),
    _int("replica-priority", 100, 0, INT_MAX, aliases=("slave-priority",)),
    Bool("replica-announced", True),
    _int("min-replicas-to-write", 0, 0, INT_MAX, aliases=("min-slaves-to-write",)),
    _int("min-replicas-max-lag", 10, 0, INT_MAX, aliases=("min-slaves-max-lag",)),
    Param("replica-announce-ip", "", aliases=("slave-announce-ip",)),
    _int("replica-announce-port", 0, 0, 65535, aliases=("slave-announce-port",)),
    Bool("replica-ignore-maxmemory", True, aliases=("slave-ignore-maxmemory",)),
    Bool("replica-lazy-flush", False, aliases=("slave-lazy-flush",)),
    Bool("replica-ignore-disk-write-errors", False),
    Enum("propagation-error-behavior", "ignore", choices=("ignore", "panic", "panic-on-replicas")),
    # security
    Param("requirepass", ""),
    _int("acllog-max-len", 128, 0, LLONG_MAX),
    Param("aclfile", "", **_IMM),
    Enum("acl-pubsub-default", "resetchannels", choices=("allchannels", "resetchannels"),
         values={"allchannels": 1, "resetchannels": 0}),
    # memory
    _umem("maxmemory", 0),
    Enum("maxmemory-policy", "noeviction",
         choices=("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                  "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")),
    _int("maxmemory-samples", 5, 1, INT_MAX),
    _int("maxmemory-eviction-tenacity", 10, 0, 100),
    _int("lfu-log-factor", 10, 0, INT_MAX),
    _int("lfu-decay-time", 1, 0, INT_MAX),
    Bool("lazyfree-lazy-eviction", False),
    Bool("lazyfree-lazy-expire", False),
    Bool("lazyfree-lazy-server-del", False),
    Bool("lazyfree-lazy-user-del", False),
    Bool("lazyfree-lazy-user-flush", False),
    _int("active-expire-effort", 1, 1, 10),
    # append only file
    Bool("appendonly", False),
    Param("appendfilename", "appendonly.aof", **_IMM),
    Param("appenddirname", "appendonlydir", **_IMM),
    Enum("appendfsync", "everysec", choices=("everysec", "always", "no")),
    Bool("no-appendfsync-on-rewrite", False),
    _int("auto-aof-rewrite-percentage", 100, 0, INT_MAX),
    _mem("auto-aof-rewrite-min-size", 64 * 1024 * 1024, 0, LLONG_MAX),
    Bool("aof-load-truncated", True),
    Bool("aof-use-rdb-preamble", True),
    Bool("aof-timestamp-enabled", False),
    Bool("aof-rewrite-incremental-fsync", True),
    Bool("aof-disable-auto-gc", False),
    # scripting
    _int("busy-reply-threshold", 5000, 0, LLONG_MAX, aliases=("lua-time-limit",)),
    Bool("lua-enable-deprecated-api", False, hidden=True, **_IMM),
    # cluster
    Bool("cluster-enabled", False, **_IMM),
    Param("cluster-config-file", "nodes.conf", **_IMM),
    _int("cluster-node-timeout", 15000, 0, LLONG_MAX),
    _int("cluster-port", 0, 0, 65535, **_IMM),
    _int("cluster-replica-validity-factor", 10, 0, INT_MAX, aliases=("cluster-slave-validity-factor",)),
    _int("cluster-migration-barrier", 1, 0, INT_MAX),
    Bool("cluster-allow-replica-migration", True),
    Bool("cluster-require-full-coverage", True),
    Bool("cluster-replica-no-failover", False, aliases=("cluster-slave-no-failover",)),
    Bool("cluster-allow-reads-when-down", False),
    Bool("cluster-allow-pubsubshard-when-down", True),
    Param("cluster-announce-ip", ""),
    Hostname("cluster-announce-hostname", ""),
    Enum("cluster-preferred-endpoint-type", "ip", choices=("ip", "hostname", "unknown-endpoint")),
    _int("cluster-announce-port", 0, 0, 65535),
    _int("cluster-announce-bus-port", 0, 0, 65535),
    _int("cluster-announce-tls-port", 0, 0, 65535),
    _umem("cluster-link-sendbuf-limit", 0),
    # slow log, latency, notifications
    _int("slowlog-log-slower-than", 10000, -1, LLONG_MAX),
    _int("slowlog-max-len", 128, 0, LLONG_MAX),
    _int("latency-monitor-threshold", 0, 0, LLONG_MAX),
    Bool("latency-tracking", True),
    LatencyPercentiles("latency-tracking-info-percentiles", "50 99 99.9"),
    KeyspaceEvents("notify-keyspace-events", ""),
    # encodings
    # 512, not the 128 of redis.conf: redis-server 7.0.15 started without a config file
    # reports 512 and keeps a 200-field hash a listpack.
    _int("hash-max-listpack-entries", 512, 0, LLONG_MAX, aliases=("hash-max-ziplist-entries",)),
    _mem("hash-max-listpack-value", 64, 0, LLONG_MAX, aliases=("hash-max-ziplist-value",)),
    _int("list-max-listpack-size", -2, INT_MIN, INT_MAX, aliases=("list-max-ziplist-size",)),
    _int("list-compress-depth", 0, 0, INT_MAX),
    _int("set-max-intset-entries", 512, 0, LLONG_MAX),
    _int("zset-max-listpack-entries", 128, 0, LLONG_MAX, aliases=("zset-max-ziplist-entries",)),
    _mem("zset-max-listpack-value", 64, 0, LLONG_MAX, aliases=("zset-max-ziplist-value",)),
    _mem("hll-sparse-max-bytes", 3000, 0, LLONG_MAX),
    _mem("stream-node-max-bytes", 4096, 0, LLONG_MAX),
    _int("stream-node-max-entries", 100, 0, LLONG_MAX),
    Bool("activerehashing", True),
    # client tracking
    _int("tracking-table-max-keys", 1000000, 0, LLONG_MAX),
    # active defragmentation
    Bool("activedefrag", False),
    _mem("active-defrag-ignore-bytes", 100 * 1024 * 1024, 1, LLONG_MAX),
    _int("active-defrag-threshold-lower", 10, 0, 1000),
    _int("active-defrag-threshold-upper", 100, 0, 1000),
    _int("active-defrag-cycle-min", 1, 1, 99),
    _int("active-defrag-cycle-max", 25, 1, 99),
    _int("active-defrag-max-scan-fields", 1000, 1, LLONG_MAX),
    # TLS
    Param("tls-cert-file", ""),
    Param("tls-key-file", ""),
    Param("tls-key-file-pass", ""),
    Param("tls-client-cert-file", ""),
    Param("tls-client-key-file", ""),
    Param("tls-client-key-file-pass", ""),
    Param("tls-dh-params-file", ""),
    Param("tls-ca-cert-file", ""),
    Param("tls-ca-cert-dir", ""),
    Enum("tls-auth-clients", "yes", choices=("no", "yes", "optional")),
    Bool("tls-replication", False),
    Bool("tls-cluster", False),
    Param("tls-protocols", ""),
    Param("tls-ciphers", ""),
    Param("tls-ciphersuites", ""),
    Bool("tls-prefer-server-ciphers", False),
    Bool("tls-session-caching", True),
    _int("tls-session-cache-size", 20 * 1024, 0, INT_MAX),
    _int("tls-session-cache-timeout", 300, 0, INT_MAX),
]

PARAMS_BY_NAME = {}
for _p in PARAMS:
    PARAMS_BY_NAME[_p.name] = _p
    for _alias in _p.aliases:
        PARAMS_BY_NAME[_alias] = _p


class Config:
    def __init__(self):
        self.values = {p.name: p.default for p in PARAMS}
        self._watchers = {}
        # The config file the server started with (absolute path), for INFO and CONFIG REWRITE.
        self.path = None
        # ``user`` directives, as lists of byte arguments (name first), applied at start-up.
        self.users = []
        self.server = None
        # Names already set while reading a config file (``save`` lines accumulate).
        self._loaded = set()

    def __getitem__(self, name):
        return self.values[name]

    def watch(self, name, callback):
        """Call ``callback(value)`` whenever ``name`` changes."""
        self._watchers.setdefault(name, []).append(callback)

    def bind_server(self, server):
        """Run the ``on_change`` listeners once with the current values, then on each change."""
        if self.server is server:
            return
        self.server = server
        for name, callbacks in SERVER_WATCHERS.items():
            for callback in callbacks:
                callback(server, self.values[name])

    @staticmethod
    def param(name):
        return PARAMS_BY_NAME.get(name.lower())

    def parse(self, name, text, loading=None):
        """Parse ``text`` for ``name``; raises KeyError for unknown names, ConfigError for bad values."""
        p = PARAMS_BY_NAME[name.lower()]
        value = p.merge(self.values[p.name], p.parse(text), loading)
        return p, value

    def apply(self, p, value):
        if hasattr(p, "apply"):
            p.apply(value)
        self.values[p.name] = value
        for callback in self._watchers.get(p.name, ()):
            callback(value)
        if self.server is not None:
            for callback in SERVER_WATCHERS.get(p.name, ()):
                callback(self.server, value)

    def set(self, name, text):
        """Set ``name`` as a config file line (or a command-line option) does."""
        p, value = self.parse(name, text, self._loaded)
        self.apply(p, value)

    def get(self, name):
        """The CONFIG GET text of ``name`` (a name or alias)."""
        p = PARAMS_BY_NAME[name.lower()]
        return p.format(self.values[p.name])

    def visible(self, name):
        """The parameter CONFIG GET/SET know by ``name``, or None.

        pyredis's own parameters exist for them only when set to something else than their
        default (on the command line or in the config file).
        """
        p = PARAMS_BY_NAME.get(name.lower())
        if p is not None and getattr(p, "extension", False) and p.is_default(self.values[p.name]):
            return None
        return p

    def get_matching(self, pattern):
        """(name, formatted value) for every name or alias matching ``pattern``.

        Hidden parameters only answer to their exact name, as in Redis.
        """
        if not any(ch in pattern for ch in "[*?"):
            p = self.visible(pattern)
            return [] if p is None else [(pattern, p.format(self.values[p.name]))]
        match = compile_pattern(pattern.encode("latin-1"), True)
        out = []
        for name, p in PARAMS_BY_NAME.items():
            if not p.hidden and match(name.encode()):
                out.append((name, p.format(self.values[p.name])))
        return out
