"""What Redis leaves undefined, made comparable: each normalisation named and justified here.

A reply is parsed into a tree (see ``parse``) and normalised per command; the
final keyspace is compared value by value with the same rules.
"""
import math
import re

from respclient import parse_typed as parse


# Replies whose element order is Redis's hash-table order (no order is
# promised): compared as sorted lists.
UNORDERED_ARRAY = {
    "smembers", "sinter", "sunion", "sdiff", "hkeys", "hvals", "keys",
}
# Replies that are flat field/value lists in hash-table order: compared as
# sorted pairs.
UNORDERED_PAIRS = {"hgetall"}
# SMISMEMBER, SINTERCARD ... are ordered or scalar and need nothing.


# What a side "replies" when the server closed the connection instead, or sent
# nothing within the client's timeout (a slow command, not a behaviour: named
# apart so a report says which).
CLOSED = b"<closed>"
TIMEOUT = b"<timeout>"


def _key(item):
    return repr(item)


# Stream IDs made from the server's clock (XADD with "*" or "ms-*" of a past
# time) differ between any two servers: a 13-digit millisecond ID is compared
# as its shape.
_CLOCK_ID = re.compile(rb"(?<![0-9])1[0-9]{12}-[0-9]+")


def _clock_ids(tree):
    if tree is None:
        return None
    kind, value = tree
    if kind == "$":
        return kind, _CLOCK_ID.sub(b"<ms>-<seq>", value)
    if kind == "*":
        return kind, [_clock_ids(item) for item in value]
    return tree


def normalise(name, raw):
    """The comparable form of command ``name``'s raw reply."""
    if raw in (CLOSED, TIMEOUT):
        return raw
    tree = _clock_ids(parse(raw))
    if tree is None or tree[0] != "*":
        return tree
    if name in UNORDERED_ARRAY:
        return ("*", sorted(tree[1], key=_key))
    if name in SCANS and len(tree[1]) == 2 and tree[1][1] and tree[1][1][0] == "*":
        return _scan(name, tree)
    if name in UNORDERED_PAIRS:
        items = tree[1]
        pairs = sorted(zip(items[0::2], items[1::2]), key=_key)
        return ("*", [x for pair in pairs for x in pair])
    return tree


# A SCAN step's cursor, and which elements it returns, follow Redis's hash
# tables (their size and random hash seed): any cursor may be "not done yet"
# even after every element came back, and a cursor the server did not hand out
# means nothing.  So a step is compared by its shape, plus its elements (sorted,
# as pairs for HSCAN and ZSCAN) when both servers say the iteration is over.
SCANS = {"sscan": 1, "hscan": 2, "zscan": 2}


def _scan(name, tree):
    cursor, items = tree[1]
    if cursor != ("$", b"0"):
        return ("scan", "more")
    step = SCANS[name]
    groups = sorted((tuple(items[1][i:i + step]) for i in range(0, len(items[1]), step)), key=_key)
    return ("scan", "done", groups)


def equivalent(argv, a, b):
    """Whether raw replies ``a`` (pyredis) and ``b`` (redis-server) to ``argv`` agree on all Redis defines."""
    if a == b:
        return True
    name = argv[0].decode("latin-1").lower()
    na, nb = normalise(name, a), normalise(name, b)
    if name in SCANS and na and nb and na[0] == nb[0] == "scan" and (
            "more" in (na[1], nb[1]) or argv[2] != b"0"):
        return True
    if name in _CLOCK_READS and na and nb and na[0] == nb[0] == ":" and na[1] >= 0 and nb[1] >= 0:
        return abs(na[1] - nb[1]) <= _CLOCK_READS[name]
    if name in ("sort", "sort_ro") and _unsorted(argv) and na and nb and na[0] == nb[0] == "*":
        if limited(argv):
            return len(na[1]) == len(nb[1])
        return sorted(na[1], key=_key) == sorted(nb[1], key=_key)
    return na == nb


# redis-server's SORT reads errno after strtod without clearing it first
# (sortCommand), so the ERANGE an earlier command's overflowing number
# ("1e400") left behind fails a numeric SORT whose elements all convert, for
# as long as nothing else sets errno: the C library's state leaking from one
# command into another, not a behaviour.  After such a number in the
# sequence, that error from redis-server agrees with any array.
_SORT_SCORE_ERROR = b"-ERR One or more scores can't be converted into double\r\n"


def overflows(argv):
    """Whether an argument is a number too large for a double (strtod's ERANGE)."""
    for arg in argv[1:]:
        try:
            value = float(arg)
        except ValueError:
            continue
        if math.isinf(value) and b"inf" not in arg.lower():
            return True
    return False


def stale_erange(argv, a, b):
    """Whether ``b`` is SORT's error from an errno an earlier overflow left (see above)."""
    return (b == _SORT_SCORE_ERROR and a[:1] == b"*"
            and argv[0].lower() in (b"sort", b"sort_ro"))


# A relative expiry (SETEX, EXPIRE ...) becomes an absolute time on each
# server's own clock, and the two are read a moment apart: expiry times and
# remaining times agree within a second (one unit for second replies, which
# may fall either side of a second's edge).
_CLOCK_READS = {"ttl": 1, "expiretime": 1, "pttl": 1000, "pexpiretime": 1000}


def unordered_store(argv):
    """The key a SORT ... BY ... STORE wrote in an undefined order (see _unsorted), or None."""
    if argv[0].lower() not in (b"sort", b"sort_ro") or not _unsorted(argv):
        return None
    for i in range(2, len(argv) - 1):
        if argv[i].lower() == b"store":
            return argv[i + 1]
    return None


# A list that SORT ... BY ... STORE wrote in an undefined order (below) gives
# undefined answers to whatever reads it afterwards (RPOP takes one of the tied
# elements, LMOVE carries it elsewhere): those replies are compared by kind
# only, and every key such a command names joins the undefined ones.
def same_kind(a, b):
    return a[:1] == b[:1]


# SORT ... BY orders by other keys' values: with a pattern without "*" it does
# not sort at all (a set comes out in its hash table's order), and elements
# whose weights tie (every missing key weighs the same) stay in the order of
# Redis's unstable quicksort.  Compared as a multiset.
def _unsorted(argv):
    return any(a.lower() == b"by" for a in argv[2:-1])


# With LIMIT as well, which of the tied elements fall inside the window is just
# as undefined: only how many came back is compared.
def limited(argv):
    return any(a.lower() == b"limit" for a in argv[2:-2])
