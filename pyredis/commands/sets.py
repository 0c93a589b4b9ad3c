"""Set commands (Redis t_set.c), and the HSCAN/SSCAN cursor walk they share with hashes.

Sets are ``types.set.Set``.  Where Redis's reply order is defined by its
encoding (an intset iterates in ascending order) the replies follow it;
elsewhere Redis replies in hash-table order and so do we, in Python's.
"""
import random

from .. import errors, reply
from ..errors import E_NOT_INTEGER, E_SYNTAX, CommandError
from ..glob import compile_pattern
from .._speedups import parse_int
from ..numbers import INT64_MAX
from ..scan import SnapshotCache
from ..types import members_for_sampling, random_member
from ..types.set import Set, fits_intset
from ..scan import parse_cursor
from ..dispatch import slow_command
from . import command, run_of

LONG_MAX = INT64_MAX

_MUST_BE_POSITIVE = CommandError(errors.ZSET_MUST_BE_POSITIVE)
_NUMKEYS = CommandError(errors.ZSET_NUMKEYS_POSITIVE)
_NUMKEYS_GT_ARGS = CommandError(errors.NUMKEYS_GT_ARGS)
_LIMIT_NEGATIVE = CommandError(errors.ZSET_LIMIT_NEGATIVE)

# spopWithCountCommand: past this share of the set, pick what stays instead.
_SPOP_MOVE_STRATEGY_MUL = 5
# srandmemberWithCountCommand: past this share, copy the set and drop members.
_SRANDMEMBER_SUB_STRATEGY_MUL = 3


# ---- argument parsing shared with hashes ------------------------------------
def parse_range_long(arg, lo=-LONG_MAX, hi=LONG_MAX, error=None):
    """getRangeLongFromObjectOrReply: ``error`` (if given) replaces both of Redis's messages."""
    value = parse_int(arg)
    if value is None:
        raise error or E_NOT_INTEGER
    if not lo <= value <= hi:
        raise error or CommandError(errors.ZSET_VALUE_BETWEEN % (lo, hi))
    return value


def parse_positive(arg, error=_MUST_BE_POSITIVE):
    """getPositiveLongFromObjectOrReply."""
    return parse_range_long(arg, 0, LONG_MAX, error)




# One cache of scan snapshots for the big hashes and sets under iteration.
_SCAN_CACHE = SnapshotCache()
_EMPTY_SCAN = b"*2\r\n$1\r\n0\r\n*0\r\n"


def scan_collection(c, argv, cls, page):
    """HSCAN/SSCAN (scanGenericCommand): cursor first, then the key, then the options.

    ``page(value, cursor, count, cache) -> (elements, next cursor)``; an
    element is a member, or a (field, value) pair matched on its field.
    """
    cursor = parse_cursor(argv[2])
    value = c.db.get_typed(argv[1], cls)
    if value is None:
        return _EMPTY_SCAN
    count = 10
    pattern = None
    n = len(argv)
    j = 3
    while j < n:
        opt = argv[j].lower()
        if opt == b"count" and j + 1 < n:
            count = parse_int(argv[j + 1])
            if count is None:
                raise E_NOT_INTEGER
            if count < 1:
                raise E_SYNTAX
        elif opt == b"match" and j + 1 < n:
            pattern = argv[j + 1]
        else:
            raise E_SYNTAX
        j += 2
    elements, cursor = page(value, cursor, count, _SCAN_CACHE)
    # Like Redis, the pattern filters what the page collected (a page may end up empty).
    match = None if pattern is None or pattern == b"*" else compile_pattern(pattern)
    if elements and elements[0].__class__ is tuple:
        if match is not None:
            elements = [e for e in elements if match(e[0])]
        flat = [x for pair in elements for x in pair]
    else:
        flat = elements if match is None else [e for e in elements if match(e)]
    text = b"%d" % cursor
    return b"*2\r\n$%d\r\n%b\r\n%b" % (len(text), text, reply.bulks(flat))


# ---- helpers --------------------------------------------------------------------
def _max_entries(c):
    return c.server.config.values["set-max-intset-entries"]


def _read(c, key):
    return c.db.get_typed(key, Set)


def _write(c, key):
    """lookupKeyWrite: no keyspace hit/miss accounting."""
    return c.db.get_typed(key, Set, read=False)


class _BulkSet(reply.Set):
    """A set reply of bulk strings, built once as a RESP2 array (``items`` holds its bytes)."""

    __slots__ = ()

    def encode(self, resp):
        body = self.items
        return body if resp == 2 else b"~" + body[1:]


def _set_reply(members):
    return _BulkSet(reply.bulks(members))


_EMPTY_SET = _set_reply([])


def _in_order(members, intset):
    """Members as Redis iterates a set of that encoding: ascending for an intset."""
    if intset:
        return sorted(members, key=int)
    return list(members)


# ---- single-set commands ---------------------------------------------------------
# SADD key member [member ...]
@command("sadd", -3, "write denyoom fast", keys=(1, 1, 1), group="set", event=("s", "sadd"))
def sadd(c, argv):
    key = argv[1]
    s = c.db.get_typed(key, Set, read=False)
    if s is None:
        s = Set.for_first_member(argv[2])
        c.db.add(key, s)
    elif len(argv) == 3 and argv[2] in s:
        # Nothing to add: no write, no conversion.
        return reply.ZERO
    added = s.add_members(argv[2:], _max_entries(c))
    if added:
        c.db.signal(key, None, added)
    return reply.integer(added)


@run_of("sadd")
def _sadd_run(c, cmds, i, n, lap, latency, slow):
    """SADD key member to an existing set (commands.run_of)."""
    db = c.db
    if db.listened():
        return i
    read = db.access.read
    expires = db.expires
    max_entries = _max_entries(c)
    out = c.out
    cmd = c.cmd
    meter = cmd.meter
    name = cmds[i][0]
    added = 0
    while i < n:
        argv = cmds[i]
        if argv is None or len(argv) != 3 or argv[0] != name:
            break
        s = read(argv[1], expires, Set, False)
        if s is None or s is False:
            break
        if argv[2] in s:
            result = reply.ZERO
        else:
            s.add_members(argv[2:], max_entries)
            added += 1
            result = reply.ONE
        us = lap(meter, latency)
        i += 1
        if slow is not None and us >= slow:
            slow_command(c, cmd, argv, us)
        out.append(result)
        c.out_len += 4
    db.server.dirty += added
    return i


# SREM key member [member ...]
@command("srem", -3, "write fast", keys=(1, 1, 1), group="set", event=("s", "srem"))
def srem(c, argv):
    key = argv[1]
    s = _write(c, key)
    if s is None:
        return reply.ZERO
    deleted = 0
    for member in argv[2:]:
        if s.remove_member(member):
            deleted += 1
            if not s:
                break
    if deleted:
        c.db.signal(key, None, deleted)
        c.db.remove_if_empty(key, s)
    return reply.integer(deleted)


# SMOVE source destination member
@command("smove", 4, "write fast", keys=(1, 2, 1), group="set")
def smove(c, argv):
    src_key, dst_key, member = argv[1], argv[2], argv[3]
    db = c.db
    # smoveCommand looks both keys up before checking either type, and a
    # missing source answers 0 whatever the destination holds.
    src = db.lookup(src_key)
    dst = db.lookup(dst_key)
    if src is None:
        return reply.ZERO
    if src.__class__ is not Set or (dst is not None and dst.__class__ is not Set):
        raise errors.E_WRONGTYPE
    if src is dst:
        return reply.ONE if member in src else reply.ZERO
    if not src.remove_member(member):
        return reply.ZERO
    db.signal(src_key, ("s", "srem"))
    db.remove_if_empty(src_key, src)
    if dst is None:
        dst = Set.for_first_member(member)
        db.add(dst_key, dst)
    if dst.add_member(member, _max_entries(c)):
        db.signal(dst_key, ("s", "sadd"))
    return reply.ONE


# SISMEMBER key member
@command("sismember", 3, "readonly fast", keys=(1, 1, 1), group="set")
def sismember(c, argv):
    s = _read(c, argv[1])
    return reply.ONE if s is not None and argv[2] in s else reply.ZERO


# SMISMEMBER key member [member ...]
@command("smismember", -3, "readonly fast", keys=(1, 1, 1), group="set")
def smismember(c, argv):
    s = _read(c, argv[1])
    if s is None:
        s = ()
    return reply.array([reply.ONE if m in s else reply.ZERO for m in argv[2:]])


# SCARD key
@command("scard", 2, "readonly fast", keys=(1, 1, 1), group="set")
def scard(c, argv):
    s = _read(c, argv[1])
    return reply.integer(0 if s is None else len(s))


# SMEMBERS key
@command("smembers", 2, "readonly", keys=(1, 1, 1), group="set")
def smembers(c, argv):
    s = _read(c, argv[1])
    if s is None:
        return _EMPTY_SET
    return _set_reply(s.ordered())


# SPOP key [count]
@command("spop", -2, "write fast", keys=(1, 1, 1), group="set", event=("s", "spop"))
def spop(c, argv):
    if len(argv) == 3:
        return _spop_count(c, argv)
    if len(argv) > 3:
        raise E_SYNTAX
    key = argv[1]
    s = _write(c, key)
    if s is None:
        return reply.NULL
    member = random_member(s)
    s.remove_member(member)
    c.db.signal(key)
    c.db.remove_if_empty(key, s)
    c.server.rewrite_propagation([b"SREM", key, member])
    return reply.bulk(member)


@run_of("spop")
def _spop_run(c, cmds, i, n, lap, latency, slow):
    """SPOP key of a missing key (commands.run_of)."""
    data = c.db.data
    null = reply.NULL.encode(c.resp)
    out = c.out
    cmd = c.cmd
    meter = cmd.meter
    name = cmds[i][0]
    while i < n:
        argv = cmds[i]
        if argv is None or len(argv) != 2 or argv[0] != name or argv[1] in data:
            break
        us = lap(meter, latency)
        i += 1
        if slow is not None and us >= slow:
            slow_command(c, cmd, argv, us)
        out.append(null)
        c.out_len += len(null)
    return i


def _spop_count(c, argv):
    """spopWithCountCommand; its cases decide the order of the reply."""
    key = argv[1]
    count = parse_positive(argv[2])
    s = _write(c, key)
    if s is None or count == 0:
        return _EMPTY_SET
    db = c.db
    size = len(s)
    max_entries = _max_entries(c)
    if count >= size:
        # CASE 1: the whole set, replied the way SUNION of it would be.
        popped = _in_order(s, fits_intset(s, max_entries))
        db.delete(key)
        db.signal(key, None, size)
        db.signal(key, ("g", "del"), 0)
        c.server.rewrite_propagation([b"DEL", key])
        return _set_reply(popped)
    remaining = size - count
    if remaining * _SPOP_MOVE_STRATEGY_MUL > count:
        # CASE 2: random members one by one.
        popped = []
        for _ in range(count):
            m = random_member(s)
            s.remove_member(m)
            popped.append(m)
    else:
        # CASE 3: Redis draws the few members that stay into a new set
        # (created by setTypeCreate, so it may be an intset again) and replies
        # what is left of the old one, in the old one's order.
        items = members_for_sampling(s)
        keep = {items[i] for i in random.sample(range(len(items)), remaining)}
        popped = [m for m in _in_order(s, s.intset) if m not in keep]
        for m in popped:
            s.remove_member(m)
        if fits_intset(s, max_entries):
            s.reset_intset()
        else:
            s.intset = False
    db.signal(key, None, count)
    # One SREM per member, so a replica removes exactly these.
    server = c.server
    if server.propagating:
        for m in popped:
            server.also_propagate(db.id, [b"SREM", key, m])
        server.prevent_propagation()
    return _set_reply(popped)


# SRANDMEMBER key [count]
@command("srandmember", -2, "readonly", keys=(1, 1, 1), group="set")
def srandmember(c, argv):
    if len(argv) == 3:
        return _srandmember_count(c, argv)
    if len(argv) > 3:
        raise E_SYNTAX
    s = _read(c, argv[1])
    if s is None:
        return reply.NULL
    return reply.bulk(random_member(s))


def _srandmember_count(c, argv):
    """srandmemberWithCountCommand; its cases decide the order of the reply."""
    count = parse_range_long(argv[2])
    s = _read(c, argv[1])
    if s is None or count == 0:
        return reply.EMPTY_ARRAY
    size = len(s)
    if count < 0 or count == 1:
        # CASE 1: independent picks, repetitions allowed.
        items = members_for_sampling(s)
        n = len(items)
        randrange = random.randrange
        return reply.bulks([items[randrange(n)] for _ in range(abs(count))])
    if count >= size:
        # CASE 2: the whole set in its iteration order.
        return reply.bulks(s.ordered())
    # CASE 3 (copy and drop) and CASE 4 (pick until enough): both reply in
    # the order of a temporary dict.
    items = members_for_sampling(s)
    return reply.bulks([items[i] for i in random.sample(range(len(items)), count)])


# SSCAN key cursor [MATCH pattern] [COUNT count]
@command("sscan", -3, "readonly", keys=(1, 1, 1), group="set")
def sscan(c, argv):
    return scan_collection(c, argv, Set, _sscan_page)


def _sscan_page(s, cursor, count, cache):
    if s.intset:
        return s.ordered(), 0
    members, cursor = cache.get(s, cursor).page(cursor, count)
    # Members deleted since the snapshot are skipped.
    return [m for m in members if m in s], cursor


# ---- multi-set commands -----------------------------------------------------------
def _sources(c, keys):
    """The sets at ``keys`` (None for missing ones); WRONGTYPE if any is not a set.

    Every key is type-checked before anything else, store commands included
    (lookupKeyRead, so they count keyspace hits and misses).
    """
    get = c.db.get_typed
    return [get(k, Set) for k in keys]


def _store(c, dst_key, members, intset):
    """Replace ``dst_key`` with the result, or delete it when the result is empty."""
    db = c.db
    if members:
        db.store(dst_key, Set(members, intset))
        db.signal(dst_key)
    elif db.delete(dst_key):
        db.signal(dst_key, ("g", "del"))
    return reply.integer(len(members))


def _sinter(c, keys, dst_key=None, cardinality_only=False, limit=0):
    """sinterGenericCommand."""
    sets = _sources(c, keys)
    if None in sets:
        # A missing key is an empty set: the intersection is empty.
        if dst_key is not None:
            return _store(c, dst_key, (), False)
        return reply.ZERO if cardinality_only else _EMPTY_SET
    # Smallest first (Redis sorts by cardinality); its order is the reply's.
    sets.sort(key=len)
    first = sets[0]
    others = [s for s in sets[1:] if s is not first]
    if cardinality_only:
        if not limit:
            return reply.integer(len(first.intersection(*others)))
        count = 0
        for m in first:
            for o in others:
                if m not in o:
                    break
            else:
                count += 1
                if count >= limit:
                    break
        return reply.integer(count)
    result = first.intersection(*others)
    if dst_key is not None:
        return _store(c, dst_key, result, fits_intset(result, _max_entries(c)))
    return _set_reply(_in_order(result, first.intset))


_UNION, _DIFF = 0, 1


def _sunion_diff(c, keys, op, dst_key=None):
    """sunionDiffGenericCommand.

    The result is built in a new set that starts as an intset, so its
    encoding (and the reply order) depends on what was added to it.
    """
    sets = _sources(c, keys)
    max_entries = _max_entries(c)
    present = [s for s in sets if s is not None]
    first = sets[0]
    if op == _UNION:
        result = set().union(*present)
        intset = fits_intset(result, max_entries)
    elif first is None or any(s is first for s in sets[1:]):
        # Nothing to subtract from, or a set minus itself.
        result = set()
        intset = True
    else:
        others = present[1:]
        result = first.difference(*others)
        # Algorithm 1 adds the members that survive; algorithm 2 adds all of
        # the first set and then removes, so the first set decides the encoding.
        algo_one_work = len(first) * len(present) // 2
        algo_two_work = sum(len(s) for s in present)
        if algo_one_work <= algo_two_work:
            intset = fits_intset(result, max_entries)
        else:
            intset = fits_intset(first, max_entries)
    if dst_key is not None:
        return _store(c, dst_key, result, intset)
    return _set_reply(_in_order(result, intset))


def _sintercard_keys(argv):
    numkeys = parse_int(argv[1])
    if numkeys is None or not 0 < numkeys <= len(argv) - 2:
        return []
    return list(range(2, 2 + numkeys))


# SINTER key [key ...]
@command("sinter", -2, "readonly", keys=(1, -1, 1), group="set")
def sinter(c, argv):
    return _sinter(c, argv[1:])


# SINTERCARD numkeys key [key ...] [LIMIT limit]
@command("sintercard", -3, "readonly", group="set", getkeys=_sintercard_keys)
def sintercard(c, argv):
    numkeys = parse_range_long(argv[1], 1, LONG_MAX, _NUMKEYS)
    if numkeys > len(argv) - 2:
        raise _NUMKEYS_GT_ARGS
    limit = 0
    j = 2 + numkeys
    n = len(argv)
    while j < n:
        if argv[j].lower() == b"limit" and j + 1 < n:
            limit = parse_positive(argv[j + 1], _LIMIT_NEGATIVE)
            j += 2
        else:
            raise E_SYNTAX
    return _sinter(c, argv[2:2 + numkeys], cardinality_only=True, limit=limit)


# SINTERSTORE destination key [key ...]
@command("sinterstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         event=("s", "sinterstore"))
def sinterstore(c, argv):
    return _sinter(c, argv[2:], dst_key=argv[1])


# SUNION key [key ...]
@command("sunion", -2, "readonly", keys=(1, -1, 1), group="set")
def sunion(c, argv):
    return _sunion_diff(c, argv[1:], _UNION)


# SUNIONSTORE destination key [key ...]
@command("sunionstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         event=("s", "sunionstore"))
def sunionstore(c, argv):
    return _sunion_diff(c, argv[2:], _UNION, argv[1])


# SDIFF key [key ...]
@command("sdiff", -2, "readonly", keys=(1, -1, 1), group="set")
def sdiff(c, argv):
    return _sunion_diff(c, argv[1:], _DIFF)


# SDIFFSTORE destination key [key ...]
@command("sdiffstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         event=("s", "sdiffstore"))
def sdiffstore(c, argv):
    return _sunion_diff(c, argv[2:], _DIFF, argv[1])
