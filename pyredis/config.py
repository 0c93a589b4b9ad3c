"""The table of configuration parameters: name, type, default, mutability.

One table serves the command line, the config file, CONFIG GET and CONFIG SET.
Values are kept parsed (ints, bools, strings); ``format`` renders them the way
CONFIG GET shows them.  Parts of the server that must react to a change
register a listener with ``Config.watch``.
"""
import re

from .glob import compile_pattern


class ConfigError(Exception):
    """A bad value; ``str(e)`` is the reason Redis gives (after 'argument')."""


_MEMORY = re.compile(r"(-?[0-9]+)([a-z]*)\Z")
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2,
          "g": 1000 ** 3, "gb": 1024 ** 3}
_INT = re.compile(r"-?(?:[1-9][0-9]*|0)\Z")


def parse_memory(text):
    m = _MEMORY.match(text.lower())
    if m is None or m.group(2) not in _UNITS:
        return None
    return int(m.group(1)) * _UNITS[m.group(2)]


class Param:
    kind = "string"

    def __init__(self, name, default, mutable=True, aliases=(), **extra):
        self.name = name
        self.default = default
        self.mutable = mutable
        self.aliases = aliases
        self.__dict__.update(extra)

    def parse(self, text):
        return text

    def format(self, value):
        return value


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


class Int(Param):
    lo = -(1 << 63)
    hi = (1 << 63) - 1
    memory = False

    def parse(self, text):
        if self.memory:
            value = parse_memory(text)
            if value is None:
                raise ConfigError("argument must be a memory value")
        else:
            if _INT.match(text) is None:
                raise ConfigError("argument couldn't be parsed into an integer")
            value = int(text)
        if not self.lo <= value <= self.hi:
            raise ConfigError("argument must be between %d and %d inclusive" % (self.lo, self.hi))
        return value

    def format(self, value):
        return str(value)


class Enum(Param):
    def parse(self, text):
        low = text.lower()
        if low not in self.choices:
            raise ConfigError("argument(s) must be one of the following: " + ", ".join(self.choices))
        return low


class Save(Param):
    """``save "<seconds> <changes> ..."``; an empty string disables snapshots."""

    def parse(self, text):
        parts = text.split()
        if len(parts) % 2 or any(_INT.match(p) is None or int(p) < 0 for p in parts):
            raise ConfigError("Invalid save parameters")
        return " ".join(parts)


class Bind(Param):
    def parse(self, text):
        addrs = text.split()
        if len(addrs) > 16:
            raise ConfigError("Too many bind addresses specified.")
        return " ".join(addrs)


_KEYSPACE_CLASSES = "gx$lshzetmdnKEA"


class KeyspaceEvents(Param):
    def parse(self, text):
        if any(c not in _KEYSPACE_CLASSES for c in text):
            raise ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
        return text

    def format(self, value):
        flags = set(value)
        if "A" in flags:
            flags.update("g$lshzxet")
        out = "".join(c for c in "g$lshzxetmdn" if c in flags and not ("A" in value and c in "g$lshzxet"))
        if "A" in value:
            out = "A" + out
        return out + "".join(c for c in "KE" if c in flags)


class ClientOutputBufferLimit(Param):
    CLASSES = ("normal", "replica", "pubsub")
    SHOWN = {"replica": "slave"}

    def parse(self, text):
        parts = text.split()
        if not parts or len(parts) % 4:
            raise ConfigError("Wrong number of arguments in buffer limit configuration.")
        limits = {}
        for i in range(0, len(parts), 4):
            cls = parts[i].lower()
            if cls == "slave":
                cls = "replica"
            if cls not in self.CLASSES:
                raise ConfigError("Invalid client class specified in buffer limit configuration.")
            hard, soft, secs = parse_memory(parts[i + 1]), parse_memory(parts[i + 2]), parts[i + 3]
            if hard is None or soft is None or _INT.match(secs) is None or hard < 0 or soft < 0 or int(secs) < 0:
                raise ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
            limits[cls] = (hard, soft, int(secs))
        return limits

    def format(self, value):
        # CONFIG GET still names the replica class by its old name.
        return " ".join("%s %d %d %d" % ((self.SHOWN.get(cls, cls),) + value[cls]) for cls in self.CLASSES)

    def merge(self, old, new):
        merged = dict(old)
        merged.update(new)
        return merged


def _int(name, default, lo=-(1 << 63), hi=(1 << 63) - 1, **kw):
    return Int(name, default, lo=lo, hi=hi, **kw)


def _mem(name, default, lo=0, hi=(1 << 63) - 1, **kw):
    return Int(name, default, lo=lo, hi=hi, memory=True, **kw)


_INT_MAX = (1 << 31) - 1

PARAMS = [
    Bind("bind", "127.0.0.1 -::1"),
    _int("port", 6379, 0, 65535),
    Bool("protected-mode", True),
    _int("databases", 16, 1, _INT_MAX, mutable=False),
    _int("maxclients", 10000, 1, _INT_MAX),
    _int("timeout", 0, 0, _INT_MAX),
    _int("hz", 10, 0, _INT_MAX),
    _int("tcp-backlog", 511, 0, _INT_MAX, mutable=False),
    _int("tcp-keepalive", 300, 0, _INT_MAX),
    _mem("proto-max-bulk-len", 512 * 1024 * 1024, 1024 * 1024),
    _mem("client-query-buffer-limit", 1024 ** 3, 1024 * 1024),
    Save("save", "3600 1 300 100 60 10000"),
    Bool("appendonly", False),
    Param("appendfilename", "appendonly.aof", mutable=False),
    Enum("appendfsync", "everysec", choices=("always", "everysec", "no")),
    Param("dir", "."),
    Param("dbfilename", "dump.rdb"),
    Bool("daemonize", False, mutable=False),
    Param("logfile", "", mutable=False),
    Enum("loglevel", "notice", choices=("debug", "verbose", "notice", "warning", "nothing")),
    Param("pidfile", ""),
    Param("requirepass", ""),
    _mem("maxmemory", 0),
    Enum("maxmemory-policy", "noeviction",
         choices=("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                  "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")),
    _int("maxmemory-samples", 5, 1, _INT_MAX),
    _int("list-max-listpack-size", -2, -5, _INT_MAX, aliases=("list-max-ziplist-size",)),
    _int("list-compress-depth", 0, 0, _INT_MAX),
    _int("hash-max-listpack-entries", 128, 0, (1 << 63) - 1, aliases=("hash-max-ziplist-entries",)),
    _int("hash-max-listpack-value", 64, 0, (1 << 63) - 1, aliases=("hash-max-ziplist-value",)),
    _int("set-max-intset-entries", 512, 0, (1 << 63) - 1),
    _int("zset-max-listpack-entries", 128, 0, (1 << 63) - 1, aliases=("zset-max-ziplist-entries",)),
    _int("zset-max-listpack-value", 64, 0, (1 << 63) - 1, aliases=("zset-max-ziplist-value",)),
    KeyspaceEvents("notify-keyspace-events", ""),
    ClientOutputBufferLimit("client-output-buffer-limit",
                            {"normal": (0, 0, 0), "replica": (256 * 1024 ** 2, 64 * 1024 ** 2, 60),
                             "pubsub": (32 * 1024 ** 2, 8 * 1024 ** 2, 60)}),
    _int("slowlog-log-slower-than", 10000),
    _int("slowlog-max-len", 128, 0, (1 << 63) - 1),
    _int("busy-reply-threshold", 5000, 0, (1 << 63) - 1, aliases=("lua-time-limit",)),
    Bool("always-show-logo", False, mutable=False),
    Param("unixsocket", "", mutable=False),
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

    def __getitem__(self, name):
        return self.values[name]

    def watch(self, name, callback):
        """Call ``callback(value)`` whenever ``name`` changes."""
        self._watchers.setdefault(name, []).append(callback)

    @staticmethod
    def param(name):
        return PARAMS_BY_NAME.get(name.lower())

    def parse(self, name, text):
        """Parse ``text`` for ``name``; raises KeyError for unknown names, ConfigError for bad values."""
        p = PARAMS_BY_NAME[name.lower()]
        value = p.parse(text)
        if isinstance(p, ClientOutputBufferLimit):
            value = p.merge(self.values[p.name], value)
        return p, value

    def apply(self, p, value):
        self.values[p.name] = value
        for callback in self._watchers.get(p.name, ()):
            callback(value)

    def set(self, name, text):
        p, value = self.parse(name, text)
        self.apply(p, value)

    def get_matching(self, pattern):
        """(name, formatted value) for every name or alias matching ``pattern``."""
        match = compile_pattern(pattern.lower().encode("latin-1"))
        out = []
        for name, p in PARAMS_BY_NAME.items():
            if match(name.encode()):
                out.append((name, p.format(self.values[p.name])))
        return out
