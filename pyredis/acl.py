"""ACL users: their rules, what they may run, and how Redis 7.0 describes them.

A user has flags, passwords (SHA-256 hex) and a root selector, plus any
number of extra selectors; a command is allowed when one selector allows it
all (command, keys and channels).  Command permissions are a set of allowed
command names over every command Redis 7.0 knows (from its command records,
so ACL CAT and the rules cover commands pyredis lacks too), plus allowed
first arguments for commands without subcommands (``+select|0``).

Describing a user recomputes the shortest rules from the permission set, as
Redis's ACLDescribeSelectorCommandRules does: ``+@all`` or ``-@all``, then
the categories that fit best, then single commands.
"""
import os

from . import sha
from .glob import compile_pattern, prefix_end

CATEGORIES = ("keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
              "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
              "blocking", "dangerous", "connection", "transaction", "scripting")

READ = 1
WRITE = 2
# Keys whose glob verdict a selector remembers: past this many it starts over.
RW_SEEN_MAX = 4096

E_SYNTAX = "Syntax error"
E_UNKNOWN = "Unknown command or category name in ACL"
E_ALLKEYS = ("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
             "not have any effect. Try 'resetkeys' to start with an empty list of patterns")
E_ALLCHANNELS = ("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
                 "and does not have any effect. Try 'resetchannels' to start with an empty list "
                 "of channels")
E_NO_PASSWORD = "The password you are trying to remove from the user does not exist"
E_BAD_HASH = ("The password hash must be exactly 64 characters and contain only lowercase "
              "hexadecimal characters")
E_SUB_FIRSTARG = "Allowing first-arg of a subcommand is not supported"
E_DUPLICATE = "Duplicate user found. A user can only be defined once in config files"


class RuleError(Exception):
    """A rule Redis refuses; ``str()`` is its reason as ACL SETUSER words it."""


# ---- the commands Redis knows -----------------------------------------------
class _Universe:
    """Every Redis 7.0 command: names in table order, subcommands, categories."""

    def __init__(self, records):
        self.names = []
        self.subs = {}
        self.categories = {}
        self.parent = {}
        for name, rec in records.items():
            if "|" in name:
                continue
            self._add(name, rec)
            subs = []
            for sub in rec.get("subcommands", []):
                self._add(sub, records.get(sub, {}))
                self.parent[sub] = name
                subs.append(sub)
            if subs:
                self.subs[name] = subs
        self.by_category = {cat: [n for n in self.names if cat in self.categories[n]]
                            for cat in CATEGORIES}

    def _add(self, name, rec):
        self.names.append(name)
        self.categories[name] = frozenset(c.lstrip("@") for c in rec.get("acl_categories", []))


_universe = None


def universe():
    global _universe
    if _universe is None:
        from .commands.introspection import records
        _universe = _Universe(records())
    return _universe


# ---- selectors ----------------------------------------------------------------
class Selector:
    """One set of permissions: commands, key patterns (with their READ/WRITE bits), channels.

    ``verdicts`` maps a command to what the per-request check must still do
    for it (commands.acl.verdict), worked out on first use; the ``rw_``
    fields hold the patterns granting both READ and WRITE, by shape, so a
    key they match is allowed whatever the command needs.  ``spans`` maps a
    command whose one key (argv[1]) is all the check needs to the range of
    names (low, high) the first prefix pattern allows: dispatch tests it
    before calling the check at all.  Any rule change drops all three.
    """
    __slots__ = ("allowed", "allcommands", "firstargs", "patterns", "allkeys", "channels",
                 "allchannels", "_key_matchers", "_channel_matchers", "verdicts", "spans",
                 "rw_low", "rw_high", "rw_rest", "rw_prefixes", "rw_exact", "rw_globs",
                 "_rw_seen")

    def __init__(self, allchannels=False):
        self.allowed = set()
        self.allcommands = False
        self.firstargs = {}
        self.patterns = []
        self.allkeys = False
        self.channels = []
        self.allchannels = allchannels
        self._changed()

    def _changed(self):
        self._key_matchers = None
        self._channel_matchers = None
        self.verdicts = {}
        self.spans = {}
        self.rw_low = self.rw_high = None
        self.rw_rest = False
        self.rw_prefixes = None
        self.rw_exact = None
        self.rw_globs = None
        self._rw_seen = None

    def copy(self):
        s = Selector()
        s.allowed = set(self.allowed)
        s.allcommands = self.allcommands
        s.firstargs = {k: list(v) for k, v in self.firstargs.items()}
        s.patterns = list(self.patterns)
        s.allkeys = self.allkeys
        s.channels = list(self.channels)
        s.allchannels = self.allchannels
        return s

    # -- rules --
    def apply(self, op):
        """ACLSetSelector: one rule (bytes); RuleError for a rule Redis refuses."""
        self._changed()
        low = op.lower()
        if low in (b"allkeys", b"~*"):
            self.allkeys = True
            self.patterns = []
        elif low == b"resetkeys":
            self.allkeys = False
            self.patterns = []
        elif low in (b"allchannels", b"&*"):
            self.allchannels = True
            self.channels = []
        elif low == b"resetchannels":
            self.allchannels = False
            self.channels = []
        elif low in (b"allcommands", b"+@all"):
            self.allcommands = True
            self.allowed = set(universe().names)
            self.firstargs = {}
        elif low in (b"nocommands", b"-@all"):
            self.allcommands = False
            self.allowed = set()
            self.firstargs = {}
        elif op[:1] in (b"~", b"%"):
            self._add_key_pattern(op)
        elif op[:1] == b"&":
            if self.allchannels:
                raise RuleError(E_ALLCHANNELS)
            pattern = op[1:]
            if pattern not in self.channels:
                self.channels.append(pattern)
        elif op[:1] in (b"+", b"-") and op[1:2] == b"@":
            cat = low[2:].decode("latin-1")
            if cat not in universe().by_category:
                raise RuleError(E_UNKNOWN)
            self._set_category(cat, op[:1] == b"+")
        elif op[:1] in (b"+", b"-"):
            self._set_command(low[1:].decode("latin-1"), op[:1] == b"+")
        else:
            raise RuleError(E_SYNTAX)

    def _add_key_pattern(self, op):
        if self.allkeys:
            raise RuleError(E_ALLKEYS)
        if op[:1] == b"%":
            flags = 0
            offset = 1
            while offset < len(op):
                ch = op[offset:offset + 1].upper()
                offset += 1
                if ch == b"R" and not flags & READ:
                    flags |= READ
                elif ch == b"W" and not flags & WRITE:
                    flags |= WRITE
                elif ch == b"~":
                    break
                else:
                    raise RuleError(E_SYNTAX)
            if not flags:
                raise RuleError(E_SYNTAX)
            pattern = op[offset:]
        else:
            flags = READ | WRITE
            pattern = op[1:]
        if pattern == b"*" and flags == READ | WRITE:
            self.allkeys = True
            self.patterns = []
        else:
            for i, (f, p) in enumerate(self.patterns):
                if p == pattern:
                    self.patterns[i] = (f | flags, p)
                    break
            else:
                self.patterns.append((flags, pattern))

    def _change(self, name, allow):
        """ACLChangeSelectorPerm: a command, with all its subcommands."""
        u = universe()
        for each in [name] + u.subs.get(name, []):
            if allow:
                self.allowed.add(each)
            else:
                self.allowed.discard(each)
            self.firstargs.pop(each, None)

    def _set_category(self, cat, allow):
        u = universe()
        for name in u.by_category[cat]:
            self._change(name, allow)

    def _set_command(self, name, allow):
        u = universe()
        if name in u.categories:
            self._change(name, allow)
            return
        parent, _, arg = name.partition("|")
        if not arg or parent not in u.categories or "|" in parent:
            raise RuleError(E_UNKNOWN)
        if parent in u.subs:
            # A subcommand's name: a first argument of a subcommand does not exist.
            if "|" in arg:
                raise RuleError(E_SUB_FIRSTARG)
            raise RuleError(E_UNKNOWN)
        if "|" in arg:
            raise RuleError(E_SUB_FIRSTARG)
        if not allow:
            raise RuleError(E_UNKNOWN)
        if parent in self.allowed:
            return
        args = self.firstargs.setdefault(parent, [])
        if arg not in args:
            args.append(arg)

    # -- checks --
    def can_run(self, cmd, argv):
        name = cmd.fullname
        if name in self.allowed:
            return True
        args = self.firstargs.get(name)
        return bool(args) and len(argv) > 1 and argv[1].lower().decode("latin-1") in args

    def key_allowed(self, key, flags):
        if self.allkeys:
            return True
        matchers = self._key_matchers
        if matchers is None:
            matchers = self._key_matchers = [(f, _key_matcher(p)) for f, p in self.patterns]
        for f, match in matchers:
            if f & flags == flags and match(key):
                return True
        return False

    def prepare_rw_keys(self):
        """Sort the READ+WRITE patterns by shape: ``prefix*``, a literal name, any other glob.

        The first prefix becomes a range of names, ``rw_low <= key < rw_high``
        (the names starting with it), a test without a method call; the
        other patterns are ``rw_allowed``'s.
        """
        prefixes = []
        exact = set()
        globs = []
        for flags, pattern in self.patterns:
            if flags != READ | WRITE:
                continue
            head = pattern[:-1] if pattern.endswith(b"*") else None
            if not any(ch in pattern for ch in b"*?[\\"):
                exact.add(pattern)
            elif head and not any(ch in head for ch in b"*?[\\"):
                prefixes.append(head)
            else:
                globs.append(compile_pattern(pattern, False))
        # An empty range (nothing is below b""), unless a prefix has an upper bound.
        self.rw_low = self.rw_high = b""
        for i, prefix in enumerate(prefixes):
            high = prefix_end(prefix)
            if high is not None:
                self.rw_low, self.rw_high = prefix, high
                del prefixes[i]
                break
        self.rw_prefixes = tuple(prefixes)
        self.rw_exact = frozenset(exact)
        self.rw_globs = globs
        self.rw_rest = bool(prefixes or exact or globs)
        self._rw_seen = {}

    @property
    def rw_any(self):
        """Whether any READ+WRITE pattern (other than ``*``) exists."""
        return self.rw_rest or self.rw_high != b""

    def rw_allowed(self, key):
        """Whether a READ+WRITE pattern matches ``key`` (the first prefix's range included)."""
        if self.rw_low <= key < self.rw_high:
            return True
        if key.startswith(self.rw_prefixes) or key in self.rw_exact:
            return True
        if not self.rw_globs:
            return False
        seen = self._rw_seen
        verdict = seen.get(key)
        if verdict is None:
            if len(seen) >= RW_SEEN_MAX:
                seen.clear()
            verdict = seen[key] = any(match(key) for match in self.rw_globs)
        return verdict

    def channel_allowed(self, channel, literal=False):
        """Whether ``channel`` may be used; a pattern subscription must match a pattern literally."""
        if self.allchannels:
            return True
        if literal:
            return channel in self.channels
        matchers = self._channel_matchers
        if matchers is None:
            matchers = self._channel_matchers = [compile_pattern(p, False) for p in self.channels]
        return any(m(channel) for m in matchers)

    # -- description --
    def describe_commands(self):
        """ACLDescribeSelectorCommandRules."""
        u = universe()
        additive = not self.allcommands
        rules = ["-@all" if additive else "+@all"]
        fake = set() if additive else set(u.names)
        temp = set(self.allowed)
        applied = set()
        while True:
            best = None
            mindiff = 1 << 62
            maxsame = 0
            for cat in CATEGORIES:
                if cat in applied:
                    continue
                names = u.by_category[cat]
                on = sum(1 for n in names if n in temp)
                off = len(names) - on
                diff, same = (off, on) if additive else (on, off)
                if same > diff and (diff < mindiff or (diff == mindiff and same > maxsame)):
                    best, mindiff, maxsame = cat, diff, same
            if best is None:
                break
            for name in u.by_category[best]:
                for each in [name] + u.subs.get(name, []):
                    if additive:
                        fake.add(each)
                        temp.discard(each)
                    else:
                        fake.discard(each)
                        temp.add(each)
            rules.append(("+@" if additive else "-@") + best)
            applied.add(best)
        for name in u.names:
            if "|" in name:
                continue
            for each in [name] + u.subs.get(name, []):
                mine = each in self.allowed
                if mine != (each in fake):
                    rules.append(("+" if mine else "-") + each)
                    for sub in [each] + u.subs.get(each, []):
                        if mine:
                            fake.add(sub)
                        else:
                            fake.discard(sub)
                if not mine:
                    for arg in self.firstargs.get(each, ()):
                        rules.append("+%s|%s" % (each, arg))
        return " ".join(rules)

    def describe_keys(self):
        if self.allkeys:
            return "~*"
        out = []
        for flags, pattern in self.patterns:
            prefix = "~" if flags == READ | WRITE else "%R~" if flags == READ else "%W~"
            out.append(prefix + pattern.decode("latin-1"))
        return " ".join(out)

    def describe_channels(self):
        if self.allchannels:
            return "&*"
        return " ".join(["resetchannels"] + ["&" + p.decode("latin-1") for p in self.channels])

    def describe(self):
        parts = [self.describe_keys(), self.describe_channels(), self.describe_commands()]
        return " ".join(p for p in parts if p)


# ---- users --------------------------------------------------------------------
class User:
    __slots__ = ("name", "enabled", "nopass", "passwords", "root", "selectors", "sanitize")

    def __init__(self, name, allchannels=False):
        self.name = name
        self.enabled = False
        self.nopass = False
        self.passwords = []
        self.root = Selector(allchannels)
        self.selectors = []
        # None: no flag set; "sanitize-payload" or "skip-sanitize-payload".
        self.sanitize = None

    def copy(self):
        u = User(self.name)
        u.enabled = self.enabled
        u.nopass = self.nopass
        u.passwords = list(self.passwords)
        u.root = self.root.copy()
        u.selectors = [s.copy() for s in self.selectors]
        u.sanitize = self.sanitize
        return u

    @property
    def unrestricted(self):
        r = self.root
        return r.allcommands and r.allkeys and r.allchannels and len(r.allowed) == len(universe().names)

    def apply(self, op, allchannels_default):
        """ACLSetUser: one rule (bytes)."""
        low = op.lower()
        if low == b"on":
            self.enabled = True
        elif low == b"off":
            self.enabled = False
        elif low == b"skip-sanitize-payload":
            self.sanitize = "skip-sanitize-payload"
        elif low == b"sanitize-payload":
            self.sanitize = "sanitize-payload"
        elif low == b"nopass":
            self.nopass = True
            self.passwords = []
        elif low == b"resetpass":
            self.nopass = False
            self.passwords = []
        elif op[:1] == b">" or op[:1] == b"#":
            digest = (sha.sha256(op[1:]).hexdigest() if op[:1] == b">"
                      else _valid_hash(op[1:]))
            if digest not in self.passwords:
                self.passwords.append(digest)
            self.nopass = False
        elif op[:1] == b"<" or op[:1] == b"!":
            digest = (sha.sha256(op[1:]).hexdigest() if op[:1] == b"<"
                      else _valid_hash(op[1:]))
            if digest not in self.passwords:
                raise RuleError(E_NO_PASSWORD)
            self.passwords.remove(digest)
        elif op[:1] == b"(" and op[-1:] == b")":
            selector = Selector(allchannels_default)
            for rule in op[1:-1].split():
                selector.apply(rule)
            self.selectors.append(selector)
        elif low == b"clearselectors":
            self.selectors = []
        elif low == b"reset":
            for rule in (b"resetpass", b"resetkeys", b"resetchannels", b"off", b"clearselectors",
                         b"-@all", b"sanitize-payload"):
                self.apply(rule, allchannels_default)
            if allchannels_default:
                self.root.apply(b"allchannels")
        else:
            self.root.apply(op)

    def check_password(self, password):
        if self.nopass:
            return True
        return sha.sha256(password).hexdigest() in self.passwords

    def flags(self):
        out = ["on" if self.enabled else "off"]
        if self.nopass:
            out.append("nopass")
        if self.sanitize:
            out.append(self.sanitize)
        return out

    def describe(self):
        """ACL LIST's line for the user, without the leading ``user <name>``."""
        parts = self.flags()
        parts += ["#" + p for p in self.passwords]
        parts.append(self.root.describe())
        parts += ["(%s)" % s.describe() for s in self.selectors]
        return " ".join(p for p in parts if p)

    def all_selectors(self):
        return [self.root] + self.selectors


def _key_matcher(pattern):
    """A glob matcher for key names (bytes); ``prefix*``, the usual key pattern, is a prefix test."""
    prefix = pattern[:-1]
    if prefix and pattern.endswith(b"*") and not any(ch in prefix for ch in b"*?[\\"):
        return lambda key: key.startswith(prefix)
    return compile_pattern(pattern, False)


def _valid_hash(text):
    if len(text) != 64 or any(ch not in b"0123456789abcdef" for ch in text):
        raise RuleError(E_BAD_HASH)
    return text.decode("ascii")


def merge_selector_args(args):
    """ACLMergeSelectorArguments: rules split across arguments inside ``(...)`` joined.

    Returns the rules, or raises ValueError with the argument that opened an
    unmatched parenthesis.
    """
    out = []
    open_at = None
    buf = []
    for a in args:
        if open_at is None:
            if a[:1] == b"(" and a[-1:] != b")":
                open_at = a
                buf = [a]
            else:
                out.append(a)
        else:
            buf.append(a)
            if a[-1:] == b")":
                out.append(b" ".join(buf))
                open_at = None
    if open_at is not None:
        raise ValueError(open_at)
    return out


def genpass(bits=256):
    """ACL GENPASS: ``bits`` random bits as lowercase hex (rounded up to a nibble)."""
    chars = (bits + 3) // 4
    return os.urandom((chars + 1) // 2).hex()[:chars].encode()
