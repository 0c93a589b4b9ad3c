"""The command table.

Each command is declared once, next to its handler, with Redis's arity (the
name counts; negative means "at least"), flags, key positions and the keyspace
event its writes raise.  Dispatch, COMMAND INFO/DOCS/GETKEYS and the stats all
read this table.
"""
import importlib

from .._speedups import Meter

# How many spellings of command names CommandTable remembers: each case
# variant is one, so a client cannot make the memo grow without bound.
SPELLINGS_MAX = 1024


class CommandTable(dict):
    """Commands by lowercase name, and a memo of the spellings requests used.

    ``spelled`` maps a name as a request wrote it to its command, so that a
    request spelled as an earlier one is looked up without a lowercase copy
    of its name.  Any change to the table forgets the memo.
    """

    def __init__(self):
        super().__init__()
        self.spelled = {}

    def find(self, name):
        """The command ``name`` spells in any case, or None; remembered by spelling."""
        cmd = self.get(name.lower())
        if cmd is not None and len(self.spelled) < SPELLINGS_MAX:
            self.spelled[name] = cmd
        return cmd

    def __setitem__(self, name, cmd):
        self.spelled.clear()
        super().__setitem__(name, cmd)

    def __delitem__(self, name):
        self.spelled.clear()
        super().__delitem__(name)

    def pop(self, *args):
        self.spelled.clear()
        return super().pop(*args)

    def popitem(self):
        self.spelled.clear()
        return super().popitem()

    def setdefault(self, name, cmd=None):
        self.spelled.clear()
        return super().setdefault(name, cmd)

    def update(self, *args, **kwargs):
        self.spelled.clear()
        super().update(*args, **kwargs)

    def clear(self):
        self.spelled.clear()
        super().clear()


TABLE = CommandTable()

# Command groups, one module each; importing them fills TABLE.
MODULES = ("connection", "server", "introspection", "strings", "keyspace", "lists",
           "hashes", "sets", "zsets", "sort", "transactions", "pubsub", "monitor", "slowlog",
           "latency", "memory", "acl", "tracking", "hyperloglog", "bitops", "geo", "scripting",
           "functions", "streams", "debug", "clock", "persistence", "replication", "replicaof",
           "cluster")


_DATA_GROUPS = frozenset(("string", "bitmap", "list", "hash", "set", "sorted_set", "generic", "geo",
                          "hyperloglog", "stream"))
_NOT_PLAIN = frozenset(("noscript", "blocking", "admin"))
# Plain besides the data commands: scripts cannot run the commands that
# change what execute() checks (they are all noscript).
_PLAIN_NAMES = frozenset(("ping", "echo", "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall",
                          "fcall_ro"))


class Command:
    __slots__ = ("name", "fullname", "handler", "arity", "flags", "first_key", "last_key",
                 "key_step", "group", "event", "subcommands", "parent", "getkeys",
                 "meter", "rejected_calls", "failed_calls", "tracked_key", "plain", "run")

    def __init__(self, name, handler, arity, flags, keys, group, event, getkeys, parent=None):
        self.name = name
        self.fullname = name if parent is None else parent.name + "|" + name
        self.handler = handler
        self.arity = arity
        self.flags = frozenset(flags.split())
        self.first_key, self.last_key, self.key_step = keys
        self.group = group
        self.event = event
        self.subcommands = None
        self.parent = parent
        self.getkeys = getkeys
        # What client-side caching remembers of a read: the place of its one
        # key (GET, HGET ...; the arity guarantees it is there), -1 for keys
        # found by key_indexes, 0 for a command that reads nothing.
        first = self.first_key
        if "readonly" not in self.flags or (first <= 0 and getkeys is None):
            self.tracked_key = 0
        elif first == self.last_key and 0 < first < abs(arity) and getkeys is None:
            self.tracked_key = first
        else:
            self.tracked_key = -1
        # Runs in dispatch.run_plain: a command on the data that cannot
        # change anything execute() checks (no auth, transaction, pub/sub,
        # config or blocking), so a batch of them needs those checks once.
        self.plain = parent is None and (name in _PLAIN_NAMES or (
            group in _DATA_GROUPS and ("write" in self.flags or "readonly" in self.flags)
            and not self.flags & _NOT_PLAIN))
        # Calls, their time and their durations (INFO commandstats and
        # latencystats, LATENCY HISTOGRAM).
        self.run = None
        self.meter = Meter()
        self.reset_stats()

    def reset_stats(self):
        self.meter.reset()
        self.rejected_calls = 0
        self.failed_calls = 0

    def key_indexes(self, argv):
        """Positions of the keys in ``argv`` (COMMAND GETKEYS, WATCH-like tooling)."""
        if self.getkeys is not None:
            return self.getkeys(argv)
        if self.first_key <= 0:
            return []
        last = self.last_key if self.last_key >= 0 else len(argv) + self.last_key
        return list(range(self.first_key, min(last, len(argv) - 1) + 1, self.key_step))

    def all_commands(self):
        yield self
        if self.subcommands:
            yield from self.subcommands.values()


def command(name, arity, flags="", keys=(0, 0, 0), group="generic", event=None, getkeys=None):
    """Declare a command (``name`` or ``parent|sub``) handled by the decorated function.

    ``event`` is the (class, name) keyspace notification raised for each key
    the command signals as written, e.g. ``("$", "set")``.
    """
    def register(handler):
        parent_name, _, sub = name.partition("|")
        if sub:
            parent = TABLE[parent_name.encode()]
            cmd = Command(sub, handler, arity, flags, keys, group, event, getkeys, parent)
            if parent.subcommands is None:
                parent.subcommands = {}
            parent.subcommands[sub.encode()] = cmd
        else:
            TABLE[name.encode()] = Command(name, handler, arity, flags, keys, group, event, getkeys)
        return handler
    return register


def run_of(name):
    """Declare the decorated function the run of command ``name``.

    A pipeline often repeats one command (a bulk load's SETs, a batch of
    GETs), and much of a pipelined request's cost is its dispatch: the
    lookup, the arity check, the handler's frames.  dispatch.run_plain calls
    ``run(c, cmds, i, n, lap, latency, slow)`` once ``cmds[i]`` passed its
    checks, for a client that does not track keys itself (``n`` stops where
    the ACL key patterns of the client's user stop allowing the first
    argument); the run serves the requests from ``cmds[i]`` on that spell
    the same command with as many arguments and take its common case, each
    as run_plain would (timed by ``lap(meter, latency)``, the slow log fed
    from ``slow`` microseconds on, the reply queued and counted in
    ``c.out_len``), and returns the index of the first one it left to the
    handler.  Its loop is written out in each run: a call per request (a
    step function) kept only a third to two thirds of what the run saves.
    A run changes nothing but what the handler would, raises nothing and
    readies no blocked client (a push that creates a list is the
    handler's); a write's run counts its changes in ``server.dirty`` and
    leaves every request to the handler while db.listened() (watchers,
    keyspace events, client tracking), which it asks once: no plain command
    changes those.  SET's run alone serves tracking too.
    """
    def register(run):
        TABLE[name.encode()].run = run
        return run
    return register


def container(name, group="server", flags=""):
    """Declare a command that only groups subcommands (CONFIG, CLIENT, OBJECT ...)."""
    TABLE[name.encode()] = cmd = Command(name, None, -2, flags, (0, 0, 0), group, None, None)
    cmd.subcommands = {}
    cmd.plain = False
    return cmd


def load_all():
    for module in MODULES:
        try:
            importlib.import_module("pyredis.commands." + module)
        except ModuleNotFoundError as exc:
            if exc.name != "pyredis.commands." + module:
                raise
    return TABLE
