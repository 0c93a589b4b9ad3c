"""Random command sequences from Redis's own argument specs (command_docs.json).

Every command pyredis implements joins through its docs entry: the generator
walks the argument tree (tokens, optional parts, one-ofs, blocks, repeated
arguments) and fills in values from small pools, so commands collide on a
handful of keys of every type.  With some probability it breaks the request
on purpose: wrong arity, a value of the wrong kind, an out-of-range or huge
number, an empty or binary string.
"""
import json
import os
import random

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "pyredis", "commands",
                    "command_docs.json")

KEYS = [b"k1", b"k2", b"k3", b"{t}a", b"\x00bin\xff", b""]
FIELDS = [b"f1", b"f2", b"a", b"b", b"\xff"]
STRINGS = [b"v", b"", b"1", b"-1", b"3.5", b"abc", b"0", b"10", b"x" * 70, b"\x00\n\r",
           b"9223372036854775807", b"-9223372036854775808", b"inf", b"-inf", b"nan", b"1e400"]
INTEGERS = [b"0", b"1", b"2", b"3", b"-1", b"-2", b"10", b"100", b"-100",
            b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"1.5",
            b"x", b"", b" 1", b"+1", b"01", b"4294967296", b"2147483648"]
DOUBLES = [b"0", b"1", b"1.5", b"-2.25", b"inf", b"-inf", b"+inf", b"nan", b"1e308", b"1e400",
           b"x", b"", b"(1", b"0x10", b"3"]
PATTERNS = [b"*", b"k*", b"?1", b"[a-z]*", b"nomatch", b"\\*", b"*->f1", b"#"]

# Commands the fuzzer leaves out, by reason: they block, change the connection
# or the server itself, or answer with times, ids and sizes that differ between
# any two servers.
EXCLUDED = {
    # connection and server state
    "auth", "hello", "quit", "reset", "select", "client", "monitor", "subscribe", "psubscribe",
    "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "shutdown", "debug", "config",
    "acl", "failover", "replicaof", "slaveof", "sync", "psync", "replconf", "cluster",
    "readonly", "readwrite", "asking", "migrate", "save", "bgsave", "bgrewriteaof", "module",
    "swapdb", "move", "wait", "script", "function", "eval", "evalsha", "eval_ro", "evalsha_ro",
    "fcall", "fcall_ro", "multi", "exec", "discard", "watch", "unwatch", "restore-asking",
    "pfselftest", "pfdebug",
    # blocking
    "blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop",
    "xread", "xreadgroup",
    # nondeterministic output
    "time", "lastsave", "info", "memory", "object", "latency", "slowlog", "lolwut", "command",
    "randomkey", "dump", "pubsub", "role", "dbsize", "keys", "scan", "flushall",
    "srandmember", "spop", "hrandfield", "zrandmember", "xautoclaim", "xclaim", "xpending",
    "xinfo", "xsetid",
}


# Wrong values swapped in anywhere; no small positive numbers, which could
# become a TTL of a millisecond or two (see _TIMES).
_MUTANTS = [b"-1", b"0", b"x", b"", b"1.5", b"9223372036854775808", b"-9223372036854775808"]

_MUTATION_POOL = [s for s in STRINGS if s not in (b"1", b"10")] + _MUTANTS

# Argument names that set an expiry.
_TIMES = {"seconds", "milliseconds", "unix-time-seconds", "unix-time-milliseconds",
          "unix-time"}


# Subcommands of otherwise excluded commands whose replies are deterministic.
SUBCOMMANDS = {"object|encoding", "object|refcount", "command|getkeys"}


def load_specs():
    with open(DOCS, encoding="utf-8") as f:
        records = json.load(f)["commands"]
    specs = {}
    for name, rec in records.items():
        parent = name.split("|")[0]
        if name in EXCLUDED or rec.get("subcommands") or (
                parent in EXCLUDED and name not in SUBCOMMANDS):
            continue
        if name.endswith("|help"):
            continue
        specs[name] = rec
    return specs


class Generator:
    def __init__(self, seed, implemented=None):
        self.rng = random.Random(seed)
        specs = load_specs()
        if implemented is not None:
            specs = {n: s for n, s in specs.items() if n in implemented}
        self.specs = specs
        self.names = sorted(specs)

    def sequence(self, length, repeat=()):
        """``length`` commands; with ``repeat`` (command names), half the picks
        are one of those, repeated two to six times with fresh arguments (a
        pipeline's repeated command)."""
        if not repeat:
            return [self.command() for _ in range(length)]
        rng = self.rng
        out = []
        while len(out) < length:
            if rng.random() < 0.5:
                name = rng.choice(repeat)
                out.extend(self.command(name) for _ in range(rng.randrange(2, 7)))
            else:
                out.append(self.command())
        return out[:length]

    def command(self, name=None):
        rng = self.rng
        if name is None:
            name = rng.choice(self.names)
        spec = self.specs[name]
        argv = name.encode().split(b"|")
        # A subcommand's name stays: mutations go to its arguments.
        fixed = len(argv)
        for arg in spec.get("docs", {}).get("arguments", []):
            argv.extend(self._arg(arg, top=True))
        roll = rng.random()
        if roll < 0.04 and len(argv) > fixed:
            argv.pop(rng.randrange(fixed, len(argv)))
        elif roll < 0.07:
            argv.append(rng.choice(STRINGS))
        elif roll < 0.12 and len(argv) > fixed:
            argv[rng.randrange(fixed, len(argv))] = rng.choice(_MUTATION_POOL)
        return argv

    def _arg(self, arg, top=False):
        rng = self.rng
        flags = arg.get("flags", [])
        if "optional" in flags and rng.random() < 0.55:
            return []
        count = 1
        if "multiple" in flags:
            count = rng.choice((1, 1, 2, 3))
        out = []
        for i in range(count):
            if arg.get("token") and (i == 0 or "multiple_token" in flags):
                out.append(arg["token"].encode())
            out.extend(self._value(arg))
        return out

    def _value(self, arg):
        rng = self.rng
        kind = arg["type"]
        if kind == "pure-token":
            return []
        if kind == "oneof":
            return self._arg(dict(rng.choice(arg["arguments"]), flags=[]))
        if kind == "block":
            out = []
            for sub in arg["arguments"]:
                out.extend(self._arg(sub))
            return out
        if kind == "key":
            return [rng.choice(KEYS)]
        name = arg.get("name", "")
        if kind in ("integer", "unix-time") and name in _TIMES:
            # Times that expire keys are far away, none or already past: a key
            # due in a millisecond or two would expire on one server and not
            # yet on the other.
            return [rng.choice((b"100000", b"0", b"-1", b"x", b"9223372036854775807"))]
        if kind == "integer" and name == "offset":
            # Offsets that would grow a string to hundreds of megabytes are
            # left out; the limit itself (2^32 bits, 512 MB) stays in.
            return [rng.choice((b"0", b"1", b"7", b"100", b"-1", b"x", b"4294967296"))]
        if kind == "integer":
            return [rng.choice(INTEGERS[:10]) if rng.random() < 0.85 else rng.choice(INTEGERS)]
        if kind == "double":
            return [rng.choice(DOUBLES[:6]) if rng.random() < 0.85 else rng.choice(DOUBLES)]
        if kind == "pattern":
            return [rng.choice(PATTERNS)]
        if kind == "unix-time":
            return [rng.choice((b"1", b"2000000000", b"-1", b"x", b"4102444800000"))]
        if "field" in name or "member" in name or "element" in name:
            return [rng.choice(FIELDS + STRINGS[:4])]
        if name in ("id", "start", "end") or name.endswith("-id"):
            return [rng.choice((b"*", b"0-1", b"1-0", b"-", b"+", b"$", b"0", b"5-5", b"x"))]
        return [rng.choice(STRINGS)]
