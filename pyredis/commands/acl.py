"""ACL: users and their permissions, the ACL log, and the checks dispatch runs.

``server.users`` maps names to ``acl.User``; each client has ``c.user`` and
``c.acl_check``, the user when its permissions restrict anything, else None,
so the unrestricted default user costs dispatch one attribute test.
"""
import time

from .. import clock
from .. import acl, errors, reply
from ..acl import RuleError, User
from ..config import on_change
from ..errors import CommandError
from ..numbers import parse_int
from ..server import Server
from . import command, container
from .introspection import help_reply, key_flags, lookup_by_argv, record, variable_flags

DENIED_CMD = 1
DENIED_KEY = 2
DENIED_AUTH = 3
DENIED_CHANNEL = 4

_REASONS = {DENIED_CMD: "command", DENIED_KEY: "key", DENIED_AUTH: "auth",
            DENIED_CHANNEL: "channel"}

# Entries of the same event within this many ms are one entry with a count.
LOG_GROUPING_MS = 60000

# Channel arguments, by command: (first position, pattern?) - the rest of the
# arguments are channels too.
_CHANNEL_ARGS = {"publish": (1, False, True), "spublish": (1, False, True),
                 "subscribe": (1, False, False), "ssubscribe": (1, False, False),
                 "psubscribe": (1, True, False)}


def _key_permission(flags):
    need = 0
    if "access" in flags:
        need |= acl.READ
    if "insert" in flags or "delete" in flags or "update" in flags:
        need |= acl.WRITE
    return need


# Commands whose keys all come from one key spec with fixed flags: the
# permission those keys need, worked out once per command.
_FIXED_PERMISSION = {}


# Marks a command with one key spec whose flags depend on its arguments (SET, BITFIELD).
_VARIABLE = "variable"


def _fixed_permission(cmd):
    specs = record(cmd).get("key_specs", [])
    if len(specs) != 1 or cmd.getkeys is not None:
        perm = False
    elif "variable_flags" in specs[0]["flags"]:
        perm = _VARIABLE
    else:
        perm = _key_permission(specs[0]["flags"])
    _FIXED_PERMISSION[cmd] = perm
    return perm


def _keys_and_permissions(cmd, argv):
    """[(argument position, READ/WRITE bits the key needs)] for the keys of ``argv``."""
    if not (cmd.first_key or cmd.getkeys):
        return []
    perm = _FIXED_PERMISSION.get(cmd)
    if perm is None:
        perm = _fixed_permission(cmd)
    if perm is _VARIABLE:
        # Every key of the one spec has the same flags, worked out from the arguments.
        perm = _key_permission(variable_flags(cmd, argv))
    if perm is not False and cmd.first_key == 1 and cmd.last_key == 1 and len(argv) > 1:
        # One key, argv[1] (GET, SET, INCR ...): the common case, built directly.
        return [(1, perm)]
    indexes = cmd.key_indexes(argv)
    if not indexes:
        return []
    if perm is not False:
        return [(i, perm) for i in indexes]
    return [(i, _key_permission(f)) for i, f in zip(indexes, key_flags(cmd, argv, indexes))]


def _check_selector(selector, cmd, argv, keys):
    """ACLSelectorCheckCmd: (result, position of the denied argument)."""
    if "no_auth" not in cmd.flags and not selector.can_run(cmd, argv):
        return DENIED_CMD, 0
    if not selector.allkeys:
        if keys[0] is None:
            keys[0] = _keys_and_permissions(cmd, argv)
        for i, perm in keys[0]:
            if not selector.key_allowed(argv[i], perm):
                return DENIED_KEY, i
    if selector.allchannels:
        return 0, 0
    spec = _CHANNEL_ARGS.get(cmd.fullname)
    if spec is not None:
        first, pattern, single = spec
        last = first + 1 if single else len(argv)
        for i in range(first, min(last, len(argv))):
            if not selector.channel_allowed(argv[i], literal=pattern):
                return DENIED_CHANNEL, i
    return 0, 0


def check_user(user, cmd, argv):
    """ACLCheckAllUserCommandPerm: 0, or the most relevant denial and its argument position."""
    keys = [None]
    relevant, last = DENIED_CMD, 0
    for selector in user.all_selectors():
        result, pos = _check_selector(selector, cmd, argv, keys)
        if not result:
            return 0, 0
        if result > relevant or (result == relevant and pos > last):
            relevant, last = result, pos
    return relevant, last


def denied_error(cmd, result):
    if result == DENIED_CMD:
        return CommandError(errors.NOPERM_COMMAND % cmd.fullname)
    if result == DENIED_KEY:
        return CommandError(errors.NOPERM_KEY)
    return CommandError(errors.NOPERM_CHANNEL)


# What the per-request check must do for a command, per selector: nothing
# (allowed whatever the arguments), test argv[1], test every key position,
# or run the whole check.
ALLOWED = "allowed"
ONE_KEY = "one key"
KEYS = "keys"
FULL = "full"


def verdict(selector, cmd):
    """The selector's verdict for ``cmd``, remembered until the selector changes.

    Only a permission that needs no look at the arguments is settled here:
    the command allowed outright (no first-argument rules), no channel
    arguments to check.  Keys are then checked against the READ+WRITE
    patterns, which allow a key whatever flags its key spec has; a key they
    do not match, and everything else, takes the whole check.
    """
    if "no_auth" not in cmd.flags and cmd.fullname not in selector.allowed:
        result = FULL
    elif not selector.allchannels and cmd.fullname in _CHANNEL_ARGS:
        result = FULL
    elif selector.allkeys or (cmd.getkeys is None and cmd.first_key <= 0):
        result = ALLOWED
    elif (cmd.getkeys is None and cmd.first_key == 1 and cmd.last_key == 1
          and (cmd.arity >= 2 or cmd.arity <= -2)):
        result = ONE_KEY
    else:
        result = KEYS
    if result is ONE_KEY or result is KEYS:
        if selector.rw_low is None:
            selector.prepare_rw_keys()
        if not selector.rw_any:
            result = FULL
    selector.verdicts[cmd] = result
    if result is ONE_KEY and selector.rw_high:
        selector.spans[cmd] = (selector.rw_low, selector.rw_high)
    return result


def _rw_keys_allowed(selector, cmd, argv):
    allowed = selector.rw_allowed
    for i in cmd.key_indexes(argv):
        if not allowed(argv[i]):
            return False
    return True


def check_command(c, cmd, argv, context="toplevel"):
    """The permission check of processCommand: None, or the error (logged in the ACL log)."""
    user = c.acl_check
    # The root selector's verdict first: it allows most requests of most
    # users on its own, and a request one selector allows is allowed.
    root = user.root
    try:
        result = root.verdicts[cmd]
    except KeyError:
        result = verdict(root, cmd)
    if result is ALLOWED:
        return None
    if result is ONE_KEY:
        key = argv[1]
        if root.rw_low <= key < root.rw_high or (root.rw_rest and root.rw_allowed(key)):
            return None
    elif result is KEYS and _rw_keys_allowed(root, cmd, argv):
        return None
    if user.selectors:
        result, pos = check_user(user, cmd, argv)
    else:
        # The root selector alone decides (check_user's ranking needs two).
        result, pos = _check_selector(user.root, cmd, argv, [None])
    if not result:
        return None
    log_denial(c, result, context, cmd.fullname if result == DENIED_CMD else argv[pos])
    return denied_error(cmd, result)


# ---- the ACL log -----------------------------------------------------------
class LogEntry:
    __slots__ = ("count", "reason", "context", "object", "username", "ctime", "client_info")

    def matches(self, other):
        return (self.reason == other.reason and self.context == other.context
                and self.object == other.object and self.username == other.username)


def log_denial(c, result, context, obj, username=None):
    """addACLLogEntry: group with a recent equal entry, or add one at the head."""
    from .connection import client_info
    server = c.server
    if isinstance(obj, str):
        obj = obj.encode("latin-1")
    entry = LogEntry()
    entry.count = 1
    entry.reason = _REASONS[result]
    entry.context = context
    entry.object = bytes(obj)
    entry.username = username if username is not None else c.user.name
    now = clock.time()
    entry.ctime = now
    entry.client_info = client_info(c, now, c).encode("latin-1")
    log = server.acl_log
    for i, old in enumerate(log[:10]):
        if old.matches(entry) and now * 1000 - old.ctime * 1000 < LOG_GROUPING_MS:
            old.count += 1
            old.ctime = now
            old.client_info = entry.client_info
            # The updated entry becomes the newest.
            del log[i]
            log.insert(0, old)
            return
    log.insert(0, entry)
    del log[server.config["acllog-max-len"]:]


# ---- authentication --------------------------------------------------------
def authenticate(c, username, password, command_name="auth"):
    """ACLAuthenticateUser: True and ``c`` logged in, or False (and a log entry)."""
    user = c.server.users.get(bytes(username))
    if user is not None and user.enabled and user.check_password(password):
        c.user = user
        c.set_authenticated(True)
        c.auth_implicit = False
        refresh_client(c)
        return True
    log_denial(c, DENIED_AUTH, "toplevel", command_name, username=bytes(username))
    return False


def auth_required(server):
    """authRequired's half about the server: the default user needs a password."""
    default = server.users[b"default"]
    return not (default.nopass and default.enabled)


def refresh_client(c):
    c.acl_check = None if c.user.unrestricted else c.user


def users_changed(server):
    """After any ACL change: clients follow their user's new rules and the default user's state."""
    required = auth_required(server)
    for c in list(server.clients.values()):
        if c.user.name not in server.users or server.users[c.user.name] is not c.user:
            current = server.users.get(c.user.name)
            if current is None:
                # ACL DELUSER of a connected user closes its connections; the
                # caller's once it has its reply.
                if c is getattr(server, "acl_caller", None):
                    c.close_after_reply = True
                else:
                    server.free_client(c)
                continue
            c.user = current
        refresh_client(c)
        if not required and not c.authenticated:
            c.set_authenticated(True)
            c.auth_implicit = True
        elif required and c.auth_implicit:
            c.set_authenticated(False)
            c.auth_implicit = False
    _kill_pubsub_clients(server)


def _kill_pubsub_clients(server):
    """ACLKillPubsubClientsIfNeeded: subscribers to channels their user lost are closed."""
    for c in list(server.clients.values()):
        if not c.subscriptions or c.acl_check is None:
            continue
        sel = c.user.root
        if sel.allchannels:
            continue
        allowed = True
        for ch in list(c.channels or ()) + list(c.shard_channels or ()):
            if not any(s.channel_allowed(ch) for s in c.user.all_selectors()):
                allowed = False
        for pat in list(c.patterns or ()):
            if not any(s.channel_allowed(pat, literal=True) for s in c.user.all_selectors()):
                allowed = False
        if not allowed:
            server.free_client(c)


# ---- users from the config -------------------------------------------------
def new_user(server, name):
    return User(name, allchannels=server.config["acl-pubsub-default"] == "allchannels")


def set_user(server, user, rules):
    """Apply ``rules`` to ``user``; RuleError (with the failing rule) leaves it unchanged."""
    merged = acl.merge_selector_args(rules)
    allchannels = server.config["acl-pubsub-default"] == "allchannels"
    trial = user.copy()
    for rule in merged:
        try:
            trial.apply(rule, allchannels)
        except RuleError as exc:
            exc.rule = rule
            raise
    return trial


def default_user():
    user = User(b"default", allchannels=True)
    for rule in (b"+@all", b"~*", b"&*", b"on", b"nopass"):
        user.apply(rule, True)
    return user


@on_change("requirepass")
def _requirepass_changed(server, value):
    default = server.users[b"default"]
    default.apply(b"resetpass", False)
    if value:
        default.apply(b">" + value.encode("latin-1"), False)
    else:
        default.apply(b"nopass", False)
    users_changed(server)


def _start(server):
    server.users = {b"default": default_user()}
    server.acl_log = []


# Before the config runs its change listeners at start-up, which read this state.
Server.start_hooks.insert(0, _start)


# ---- ACL -------------------------------------------------------------------
container("acl", group="server")

_HELP = [
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
]


# ACL SETUSER username [rule ...]
@command("acl|setuser", -3, "admin noscript loading stale", group="server")
def acl_setuser(c, argv):
    server = c.server
    name = argv[2]
    user = server.users.get(name) or new_user(server, name)
    try:
        updated = set_user(server, user, argv[3:])
    except ValueError as exc:
        raise errors.fmt(errors.ACL_UNMATCHED_PAREN, exc.args[0])
    except RuleError as exc:
        raise errors.fmt(errors.ACL_SETUSER_ERROR, exc.rule, str(exc))
    server.users[name] = updated
    users_changed(server)
    return reply.OK


# ACL GETUSER username
@command("acl|getuser", 3, "admin noscript loading stale", group="server")
def acl_getuser(c, argv):
    user = c.server.users.get(argv[2])
    if user is None:
        return reply.NULL
    root = user.root
    items = [reply.bulk(b"flags"), reply.bulks([f.encode() for f in user.flags()]),
             reply.bulk(b"passwords"), reply.bulks([p.encode() for p in user.passwords])]
    items += _selector_fields(root)
    items += [reply.bulk(b"selectors"),
              reply.array([reply.Map(_selector_fields(s)) for s in user.selectors])]
    return reply.Map(items)


def _selector_fields(selector):
    return [reply.bulk(b"commands"), reply.bulk(selector.describe_commands().encode("latin-1")),
            reply.bulk(b"keys"), reply.bulk(selector.describe_keys().encode("latin-1")),
            reply.bulk(b"channels"),
            reply.bulk(b"&*" if selector.allchannels
                       else b" ".join(b"&" + p for p in selector.channels))]


# ACL DELUSER username [username ...]
@command("acl|deluser", -3, "admin noscript loading stale", group="server")
def acl_deluser(c, argv):
    server = c.server
    if any(name == b"default" for name in argv[2:]):
        raise CommandError(errors.ACL_DELETE_DEFAULT)
    deleted = 0
    for name in argv[2:]:
        if server.users.pop(name, None) is not None:
            deleted += 1
    if deleted:
        server.acl_caller = c
        try:
            users_changed(server)
        finally:
            server.acl_caller = None
    return reply.integer(deleted)


# ACL LIST
@command("acl|list", 2, "admin noscript loading stale", group="server")
def acl_list(c, argv):
    return reply.bulks([acl_line(user) for user in _sorted_users(c.server)])


def acl_line(user):
    return b"user " + user.name + b" " + user.describe().encode("latin-1")


def _sorted_users(server):
    # Redis keeps users in a radix tree: listed in byte order.
    return [server.users[name] for name in sorted(server.users)]


# ACL USERS
@command("acl|users", 2, "admin noscript loading stale", group="server")
def acl_users(c, argv):
    return reply.bulks(sorted(c.server.users))


# ACL WHOAMI
@command("acl|whoami", 2, "noscript loading stale", group="server")
def acl_whoami(c, argv):
    return reply.bulk(c.user.name)


# ACL CAT [category]
@command("acl|cat", -2, "noscript loading stale", group="server")
def acl_cat(c, argv):
    if len(argv) > 3:
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], "ACL")
    if len(argv) == 2:
        return reply.bulks([cat.encode() for cat in acl.CATEGORIES])
    cat = argv[2].lower().decode("latin-1")
    names = acl.universe().by_category.get(cat)
    if names is None:
        raise errors.fmt(errors.ACL_UNKNOWN_CATEGORY, argv[2])
    return reply.bulks([n.encode() for n in names])


# ACL GENPASS [bits]
@command("acl|genpass", -2, "noscript loading stale", group="server")
def acl_genpass(c, argv):
    if len(argv) > 3:
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], "ACL")
    bits = 256
    if len(argv) == 3:
        bits = parse_int(argv[2])
        if bits is None:
            raise errors.E_NOT_INTEGER
        if not 0 < bits <= 4096:
            raise CommandError(errors.ACL_GENPASS_BITS)
    return reply.bulk(acl.genpass(bits))


# ACL LOG [count | RESET]
@command("acl|log", -2, "admin noscript loading stale", group="server")
def acl_log(c, argv):
    if len(argv) > 3:
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1], "ACL")
    log = c.server.acl_log
    count = 10
    if len(argv) == 3:
        if argv[2].lower() == b"reset":
            log.clear()
            return reply.OK
        count = parse_int(argv[2])
        if count is None:
            raise errors.E_NOT_INTEGER
        if count < 0:
            return reply.EMPTY_ARRAY
    now = clock.time()
    out = []
    for entry in log[:count]:
        out.append(reply.Map([
            reply.bulk(b"count"), reply.integer(entry.count),
            reply.bulk(b"reason"), reply.bulk(entry.reason.encode()),
            reply.bulk(b"context"), reply.bulk(entry.context.encode()),
            reply.bulk(b"object"), reply.bulk(entry.object),
            reply.bulk(b"username"), reply.bulk(entry.username),
            reply.bulk(b"age-seconds"), reply.double(round((now - entry.ctime) * 1000) / 1000.0),
            reply.bulk(b"client-info"), reply.bulk(entry.client_info)]))
    return reply.array(out)


# ACL DRYRUN username command [arg ...]
@command("acl|dryrun", -4, "admin noscript loading stale", group="server")
def acl_dryrun(c, argv):
    user = c.server.users.get(argv[2])
    if user is None:
        raise errors.fmt(errors.ACL_USER_NOT_FOUND, argv[2])
    args = argv[3:]
    cmd = lookup_by_argv(args)
    if cmd is None or cmd.handler is None and cmd.subcommands is None:
        raise errors.fmt(errors.ACL_COMMAND_NOT_FOUND, argv[3])
    n = len(args)
    if (cmd.arity > 0 and cmd.arity != n) or n < -cmd.arity:
        raise CommandError(errors.WRONG_ARITY % cmd.fullname)
    result, pos = check_user(user, cmd, args)
    if not result:
        return reply.OK
    if result == DENIED_CMD:
        text = "This user has no permissions to run the '%s' command" % cmd.fullname
    elif result == DENIED_KEY:
        text = "This user has no permissions to access the '%s' key" % errors.arg(args[pos])
    else:
        text = "This user has no permissions to access the '%s' channel" % errors.arg(args[pos])
    return reply.bulk(text.encode("latin-1"))


# ACL LOAD
@command("acl|load", 2, "admin noscript loading stale", group="server")
def acl_load(c, argv):
    server = c.server
    path = server.config["aclfile"]
    if not path:
        raise CommandError(errors.ACL_NO_FILE)
    try:
        users = load_acl_file(server, path)
    except AclFileError as exc:
        raise CommandError("ERR " + str(exc))
    server.users = users
    users_changed(server)
    return reply.OK


# ACL SAVE
@command("acl|save", 2, "admin noscript loading stale", group="server")
def acl_save(c, argv):
    server = c.server
    path = server.config["aclfile"]
    if not path:
        raise CommandError(errors.ACL_NO_FILE)
    tmp = "%s.tmp-%d" % (path, int(time.time() * 1000000))
    try:
        with open(tmp, "wb") as f:
            for user in _sorted_users(server):
                f.write(acl_line(user) + b"\n")
        import os
        os.replace(tmp, path)
    except OSError:
        raise CommandError(errors.ACL_SAVE_FAILED)
    return reply.OK


# ACL HELP
@command("acl|help", 2, "loading stale", group="server")
def acl_help(c, argv):
    return help_reply("ACL", _HELP)


class AclFileError(Exception):
    pass


def load_acl_file(server, path):
    """ACLLoadFromFile: every user of the file, or AclFileError and nothing changed."""
    try:
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
    except OSError as exc:
        raise AclFileError("Error loading ACLs, opening file '%s': %s" % (path, exc.strerror))
    users = {}
    problems = []
    for lineno, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith(b"#"):
            continue
        words = line.split()
        if words[0] != b"user" or len(words) < 2:
            problems.append("%s:%d should start with user keyword followed by the username. "
                            % (path, lineno))
            continue
        name = words[1]
        if name in users:
            problems.append("WARNING: Duplicate user '%s' found on line %d. "
                            % (name.decode("latin-1"), lineno))
            continue
        try:
            users[name] = set_user(server, new_user(server, name), words[2:])
        except ValueError as exc:
            problems.append("%s:%d: Unmatched parenthesis in acl selector starting at '%s'. "
                            % (path, lineno, exc.args[0].decode("latin-1")))
        except RuleError as exc:
            problems.append("%s:%d: %s. " % (path, lineno, exc))
    if problems:
        raise AclFileError("".join(problems) + "WARNING: ACL errors detected, no change to the "
                           "previously active ACL rules was performed")
    if b"default" not in users:
        users[b"default"] = default_user()
    return users


def check_user_directive(config, args):
    """A ``user`` line of the config file: the FATAL reason, or None (kept for start-up)."""
    name = args[1]
    if any(line[0] == name for line in config.users):
        return ("Error in user declaration '%s': %s"
                % (name.decode("latin-1"), acl.E_DUPLICATE))
    allchannels = config["acl-pubsub-default"] == "allchannels"
    trial = User(name, allchannels)
    try:
        rules = acl.merge_selector_args(args[2:])
    except ValueError as exc:
        return ("Unmatched parenthesis in acl selector starting at '%s'."
                % exc.args[0].decode("latin-1"))
    for i, rule in enumerate(rules):
        try:
            trial.apply(rule, allchannels)
        except RuleError as exc:
            # Redis names the argument two places before the rule it refused.
            return "Error in user declaration '%s': %s" % (args[i].decode("latin-1"), exc)
    config.users.append(args[1:])
    return None


def load_startup_users(server):
    """The ``user`` directives and the ``aclfile`` at start-up: None, or the fatal log line."""
    config = server.config
    if config.users and config["aclfile"]:
        return ("Configuring Redis with users defined in redis.conf and at the same setting an ACL "
                "file path is invalid. This setup is very likely to lead to configuration errors "
                "and security holes, please define either an ACL file or declare users directly in "
                "your redis.conf, but not both.")
    for line in config.users:
        name = line[0]
        user = new_user(server, name)
        if name == b"default":
            user.apply(b"reset", user.root.allchannels)
        server.users[name] = set_user(server, user, line[1:])
    if config["aclfile"]:
        try:
            server.users = load_acl_file(server, config["aclfile"])
        except AclFileError as exc:
            return "Aborting Redis startup because of ACL errors: %s" % exc
    users_changed(server)
    return None

