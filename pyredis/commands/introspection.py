"""COMMAND and its subcommands, answered from the one command table.

Arity, flags and key positions come from the declarations in ``TABLE``.  What
a declaration does not hold (ACL categories, tips, key specs and the docs) comes
from ``command_docs.json``, generated from redis-server 7.0.15 by
``scripts/gen_command_docs.py``.  The JSON holds plain values; the reply type
of each field follows from its name, as in Redis's addReplyCommandInfo and
addReplyCommandDocs:

- ``flags``/``doc_flags``/ACL categories: sets of simple strings;
- tips: a set of bulk strings; key specs: a set of maps; ``history``: a set of
  [version, text] arrays; subcommands: an array, or an empty set for a plain command;
- everything else: objects are maps, lists are arrays, strings are bulk
  strings, numbers are integers.

Only implemented commands and subcommands are listed anywhere.
"""
import json
import os

from .. import errors, reply
from ..errors import CommandError
from ..glob import compile_pattern
from ..numbers import parse_int
from . import TABLE, command, container

DOCS_PATH = os.path.join(os.path.dirname(__file__), "command_docs.json")

# The order addReplyFlagsForCommand lists command flags in.
FLAG_ORDER = ("write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking",
              "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
              "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys", "allow_busy")
_FLAG_RANK = {name: i for i, name in enumerate(FLAG_ORDER)}

_records = None
_info_cache = {}
_docs_cache = {}


def records():
    """Redis's record of every command, by full name (``get``, ``config|get``)."""
    global _records
    if _records is None:
        with open(DOCS_PATH, encoding="utf-8") as f:
            _records = json.load(f)["commands"]
    return _records


def record(cmd):
    rec = records().get(cmd.fullname)
    if rec is None:
        # pyredis's own commands, in their own namespace as module commands are
        # (kept out of records(): ACL categories list only Redis's commands).
        from .clock import RECORDS as own
        rec = own.get(cmd.fullname, {})
    return rec


def command_flags(cmd):
    """The flags COMMAND INFO shows: the declared ones, ``movablekeys`` for a getkeys function."""
    flags = set(cmd.flags)
    if cmd.getkeys is not None:
        flags.add("movablekeys")
    return sorted(flags, key=lambda f: _FLAG_RANK.get(f, len(FLAG_ORDER)))


def implemented_subcommands(cmd):
    """Implemented subcommands in a stable order: Redis's record first, then any others."""
    if not cmd.subcommands:
        return []
    by_name = {sub.fullname: sub for sub in cmd.subcommands.values()}
    order = record(cmd).get("subcommands", [])
    out = [by_name.pop(name) for name in order if name in by_name]
    out.extend(by_name[name] for name in sorted(by_name))
    return out


# ---- JSON -> replies --------------------------------------------------------
def _plain(value):
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            items.append(reply.bulk(k.encode()))
            items.append(_plain(v))
        return reply.Map(items)
    if isinstance(value, list):
        return reply.array([_plain(v) for v in value])
    if isinstance(value, str):
        return reply.bulk(value.encode())
    return reply.integer(value)


def _simples(names):
    return reply.Set([reply.simple(n.encode()) for n in names])


def _key_spec(spec):
    items = []
    for k, v in spec.items():
        items.append(reply.bulk(k.encode()))
        items.append(_simples(v) if k == "flags" else _plain(v))
    return reply.Map(items)


def _argument(arg):
    items = []
    for k, v in arg.items():
        items.append(reply.bulk(k.encode()))
        if k == "flags":
            items.append(_simples(v))
        elif k == "arguments":
            items.append(reply.array([_argument(a) for a in v]))
        else:
            items.append(_plain(v))
    return reply.Map(items)


def info_reply(cmd):
    """One COMMAND INFO entry (addReplyCommandInfo)."""
    cached = _info_cache.get(cmd)
    if cached is not None:
        return cached
    rec = record(cmd)
    entry = reply.array([
        reply.bulk(cmd.fullname.encode()),
        reply.integer(cmd.arity),
        _simples(command_flags(cmd)),
        reply.integer(cmd.first_key),
        reply.integer(cmd.last_key),
        reply.integer(cmd.key_step),
        _simples(rec.get("acl_categories", [])),
        reply.Set([reply.bulk(t.encode()) for t in rec.get("tips", [])]),
        reply.Set([_key_spec(s) for s in rec.get("key_specs", [])]),
        _subcommand_entries(cmd),
    ])
    _info_cache[cmd] = entry
    return entry


def _subcommand_entries(cmd):
    # addReplyCommandSubCommands: an empty set for a plain command, an array for a container.
    subs = implemented_subcommands(cmd)
    if not subs:
        return reply.Set([])
    return reply.array([info_reply(sub) for sub in subs])


def docs_reply(cmd):
    """One command's COMMAND DOCS map (addReplyCommandDocs)."""
    cached = _docs_cache.get(cmd)
    if cached is not None:
        return cached
    items = []
    for k, v in record(cmd).get("docs", {}).items():
        items.append(reply.bulk(k.encode()))
        if k == "doc_flags":
            items.append(_simples(v))
        elif k == "history":
            items.append(reply.Set([_plain(entry) for entry in v]))
        elif k == "arguments":
            items.append(reply.array([_argument(a) for a in v]))
        else:
            items.append(_plain(v))
    subs = implemented_subcommands(cmd)
    if subs:
        items.append(reply.bulk(b"subcommands"))
        sub_items = []
        for sub in subs:
            sub_items.append(reply.bulk(sub.fullname.encode()))
            sub_items.append(docs_reply(sub))
        items.append(reply.Map(sub_items))
    doc = reply.Map(items)
    _docs_cache[cmd] = doc
    return doc


# ---- lookups ----------------------------------------------------------------
def lookup_by_name(name):
    """A command by full name (``get``, ``config|get``), as lookupCommandBySds; None if unknown."""
    parts = name.lower().split(b"|")
    if len(parts) > 2:
        return None
    cmd = TABLE.get(parts[0])
    if cmd is None or len(parts) == 1:
        return cmd
    if not cmd.subcommands:
        return None
    return cmd.subcommands.get(parts[1])


def lookup_by_argv(argv):
    """The command a request would run, as lookupCommand (subcommand resolved)."""
    cmd = TABLE.get(argv[0].lower())
    if cmd is None:
        return None
    if cmd.subcommands is not None and len(argv) >= 2:
        return cmd.subcommands.get(argv[1].lower())
    return cmd


def all_commands():
    """Every implemented command and subcommand, parents first."""
    for cmd in list(TABLE.values()):
        yield cmd
        yield from implemented_subcommands(cmd)


# ---- keys ---------------------------------------------------------------------
def _has_keys(cmd):
    """doesCommandHaveKeys: a getkeys function or a key spec that is not ``not_key``."""
    if cmd.getkeys is not None:
        return True
    return any("not_key" not in spec["flags"] for spec in record(cmd).get("key_specs", []))


def _spec_positions(spec, argv):
    """The argument positions one key spec finds in ``argv`` (getKeysUsingKeySpecs)."""
    argc = len(argv)
    bs, fk = spec["begin_search"], spec["find_keys"]
    if bs["type"] == "index":
        first = bs["spec"]["index"]
    elif bs["type"] == "keyword":
        keyword = bs["spec"]["keyword"].encode().lower()
        startfrom = bs["spec"]["startfrom"]
        if startfrom > 0:
            candidates = range(startfrom, argc)
        else:
            candidates = range(argc + startfrom, 0, -1)
        first = None
        for i in candidates:
            if i < 1 or i >= argc:
                break
            if argv[i].lower() == keyword:
                first = i + 1
                break
        if first is None:
            return []
    else:
        return []
    if fk["type"] == "range":
        lastkey, step, limit = fk["spec"]["lastkey"], fk["spec"]["keystep"], fk["spec"]["limit"]
        if lastkey >= 0:
            last = first + lastkey
        elif not limit:
            last = argc + lastkey
        else:
            last = first + ((argc - first) // limit + lastkey)
    elif fk["type"] == "keynum":
        pos = first + fk["spec"]["keynumidx"]
        if pos >= argc:
            return []
        numkeys = parse_int(argv[pos])
        if numkeys is None or numkeys < 0:
            return []
        first += fk["spec"]["firstkey"]
        step = fk["spec"]["keystep"]
        last = first + (numkeys - 1) * step
    else:
        return []
    if step <= 0:
        return []
    return [i for i in range(first, min(last, argc - 1) + 1, step)]


def variable_flags(cmd, argv):
    """Flags of the key specs marked ``variable_flags`` (setGetKeys, bitfieldGetKeys)."""
    if cmd.fullname == "set":
        if any(a.lower() == b"get" for a in argv[3:]):
            return ["RW", "access", "update"]
        return ["OW", "update"]
    if any(a.lower() in (b"set", b"incrby") for a in argv[2:]):
        return ["RW", "access", "update"]
    return ["RO", "access"]


def key_flags(cmd, argv, indexes):
    """The key-spec flags of each key position (for COMMAND GETKEYSANDFLAGS)."""
    specs = record(cmd).get("key_specs", [])
    if any("variable_flags" in spec["flags"] for spec in specs):
        return [variable_flags(cmd, argv) for _ in indexes]
    found = {}
    for spec in specs:
        for i in _spec_positions(spec, argv):
            found.setdefault(i, spec["flags"])
    # Keys no spec finds come from the command's own key finder; they belong to the
    # last spec that gives up (incomplete, or of unknown shape: SORT ... STORE).
    vague = [s["flags"] for s in specs
             if "incomplete" in s["flags"] or s["begin_search"]["type"] == "unknown"]
    fallback = vague[-1] if vague else (specs[0]["flags"] if specs else [])
    fallback = [f for f in fallback if f not in ("incomplete", "variable_flags")]
    return [found.get(i, fallback) for i in indexes]


def _getkeys(c, argv, with_flags):
    """getKeysSubcommandImpl: the check order is Redis's (command, keys, arity, then keys found)."""
    args = argv[2:]
    cmd = lookup_by_argv(args)
    if cmd is None:
        raise CommandError(errors.GETKEYS_INVALID_COMMAND)
    if not _has_keys(cmd):
        raise CommandError(errors.GETKEYS_NO_KEYS)
    n = len(args)
    if (cmd.arity > 0 and cmd.arity != n) or n < -cmd.arity:
        raise CommandError(errors.GETKEYS_INVALID_ARGC)
    try:
        indexes = cmd.key_indexes(args)
    except (CommandError, IndexError, ValueError):
        indexes = []
    if not indexes:
        if "no_mandatory_keys" in cmd.flags:
            return reply.EMPTY_ARRAY
        raise CommandError(errors.GETKEYS_INVALID_ARGS)
    if not with_flags:
        return reply.bulks([args[i] for i in indexes])
    flags = key_flags(cmd, args, indexes)
    return reply.array([reply.array([reply.bulk(args[i]), _simples(f)])
                        for i, f in zip(indexes, flags)])


# ---- the commands -------------------------------------------------------------
# COMMAND
def command_all(c, argv):
    return reply.array([info_reply(cmd) for cmd in list(TABLE.values())])


_command = container("command", group="server", flags="loading stale")
_command.arity = -1
_command.handler = command_all


# COMMAND COUNT
@command("command|count", 2, "loading stale", group="server")
def command_count(c, argv):
    return reply.integer(len(TABLE))


# COMMAND INFO [command-name ...]
@command("command|info", -2, "loading stale", group="server")
def command_info(c, argv):
    if len(argv) == 2:
        return command_all(c, argv)
    out = []
    for name in argv[2:]:
        cmd = lookup_by_name(name)
        out.append(reply.NULL if cmd is None else info_reply(cmd))
    return reply.array(out)


# COMMAND DOCS [command-name ...]
@command("command|docs", -2, "loading stale", group="server")
def command_docs(c, argv):
    items = []
    if len(argv) == 2:
        cmds = list(TABLE.values())
    else:
        cmds = [cmd for cmd in map(lookup_by_name, argv[2:]) if cmd is not None]
    for cmd in cmds:
        items.append(reply.bulk(cmd.fullname.encode()))
        items.append(docs_reply(cmd))
    return reply.Map(items)


# COMMAND LIST [FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]
@command("command|list", -2, "loading stale", group="server")
def command_list(c, argv):
    keep = None
    i = 2
    while i < len(argv):
        if argv[i].lower() == b"filterby" and len(argv) - 1 - i == 2:
            kind, arg = argv[i + 1].lower(), argv[i + 2]
            if kind == b"module":
                keep = _no_module
            elif kind == b"aclcat":
                keep = _acl_filter(arg)
            elif kind == b"pattern":
                keep = _pattern_filter(arg)
            else:
                raise errors.E_SYNTAX
            i += 3
        else:
            raise errors.E_SYNTAX
    names = [cmd.fullname.encode() for cmd in all_commands() if keep is None or keep(cmd)]
    return reply.bulks(names)


def _no_module(cmd):
    return False


def _acl_filter(category):
    wanted = "@" + category.decode("latin-1").lower()
    return lambda cmd: wanted in record(cmd).get("acl_categories", ())


def _pattern_filter(pattern):
    match = compile_pattern(bytes(pattern), True)
    return lambda cmd: match(cmd.fullname.encode())


# COMMAND GETKEYS command [arg ...]
@command("command|getkeys", -4, "loading stale", group="server")
def command_getkeys(c, argv):
    return _getkeys(c, argv, False)


# COMMAND GETKEYSANDFLAGS command [arg ...]
@command("command|getkeysandflags", -4, "loading stale", group="server")
def command_getkeysandflags(c, argv):
    return _getkeys(c, argv, True)


COMMAND_HELP = (
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
)


def help_reply(name, lines):
    """addReplyHelp: a header, the subcommand lines, then HELP itself, as status replies."""
    out = ["%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" % name]
    out.extend(lines)
    out.extend(("HELP", "    Prints this help."))
    return reply.array([reply.simple(line.encode()) for line in out])


# COMMAND HELP
@command("command|help", 2, "loading stale", group="server")
def command_help(c, argv):
    return help_reply("COMMAND", COMMAND_HELP)
