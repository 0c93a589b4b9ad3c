"""Sorted set commands (Redis t_zset.c).

Handlers parse, check and reply; the ordering lives in ``types.zset.ZSet``.
Check order follows Redis command by command: most range commands parse their
arguments before looking the key up (zrangeGenericCommand, zcountCommand,
zremrangeGenericCommand), ZADD parses every score before the type check, the
ZUNION family type-checks its keys before the options (zunionInterDiffGenericCommand).
"""
import math
import random
import re

from .. import blocking, errors, reply
from ..errors import CommandError, E_NOT_FLOAT, E_NOT_INTEGER, E_SYNTAX
from ..numbers import INT64_MAX, INT64_MIN, parse_double, parse_int
from ..reply import format_double
from .._speedups import zsetreply
from ..types.zset import MAX_LEX, MIN_LEX, LexRange, ZSet
from ..dispatch import slow_command
from . import command, run_of
from .sets import scan_collection

BLOCK_TYPES = frozenset((ZSet,))

_E_NAN = CommandError(errors.ZSET_NAN)
_E_MINMAX_FLOAT = CommandError(errors.ZSET_MINMAX_NOT_FLOAT)
_E_MINMAX_LEX = CommandError(errors.ZSET_MINMAX_NOT_LEX)
_E_MUST_BE_POSITIVE = CommandError(errors.ZSET_MUST_BE_POSITIVE)

_INF = float("inf")
_encode_scored = zsetreply.encode_scored
_encode_double = zsetreply.encode_double
_encode_flat = zsetreply.encode_flat


# ---- C strtod -------------------------------------------------------------------
# Range bounds (zslParseRange) and SORT weights are read with a bare strtod:
# leading white space is skipped, "" reads as 0, overflow gives +-inf and
# underflow 0, and only the bytes before a NUL count.
_C_SPACE = b" \t\n\v\f\r"
_STRTOD = re.compile(
    rb"([+-]?)(?:"
    rb"(?P<dec>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    rb"|(?P<hex>0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)"
    rb"|(?P<inf>[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    rb"|(?P<nan>[nN][aA][nN](?:\([0-9A-Za-z_]*\))?))").fullmatch
_MIN_NORMAL = 2.2250738585072014e-308


def strtod(value):
    """(double, erange) when C strtod consumes all of ``value``; None otherwise.

    ``erange`` is what strtod reports in errno: overflow, or a result that
    underflowed to zero or a subnormal.
    """
    nul = value.find(b"\0")
    if nul >= 0:
        value = value[:nul]
    if not value:
        return 0.0, False
    m = _STRTOD(value.lstrip(_C_SPACE))
    if m is None:
        return None
    negative = m.group(1) == b"-"
    dec, hexa = m.group("dec"), m.group("hex")
    if m.group("inf") is not None:
        result, erange = _INF, False
    elif m.group("nan") is not None:
        result, erange = math.nan, False
    elif dec is not None:
        result = float(dec)
        mantissa_nonzero = re.search(rb"[1-9]", re.split(rb"[eE]", dec, 1)[0]) is not None
        erange = math.isinf(result) or (mantissa_nonzero and abs(result) < _MIN_NORMAL)
    else:
        body = hexa[2:].decode()
        if "p" not in body.lower():
            body += "p0"
        try:
            result = float.fromhex(body)
            nonzero = re.search(r"[1-9a-fA-F]", body.lower().split("p")[0]) is not None
            erange = nonzero and abs(result) < _MIN_NORMAL
        except OverflowError:
            result, erange = _INF, True
    return (-result if negative else result), erange


# ---- argument parsing -----------------------------------------------------------
def _score_bound(arg):
    """One side of a score range (zslParseRange): (value, exclusive)."""
    exclusive = arg[:1] == b"("
    parsed = strtod(arg[1:] if exclusive else arg)
    if parsed is None or parsed[0] != parsed[0]:
        raise _E_MINMAX_FLOAT
    return parsed[0], exclusive


def _score_range(lo, hi):
    lo_val, lo_ex = _score_bound(lo)
    hi_val, hi_ex = _score_bound(hi)
    return lo_val, lo_ex, hi_val, hi_ex


def _lex_bound(arg):
    """One side of a lexical range (zslParseLexRangeItem): (bound, exclusive)."""
    first = arg[:1]
    if first == b"+":
        if len(arg) != 1:
            raise _E_MINMAX_LEX
        return MAX_LEX, True
    if first == b"-":
        if len(arg) != 1:
            raise _E_MINMAX_LEX
        return MIN_LEX, True
    if first == b"(":
        return arg[1:], True
    if first == b"[":
        return arg[1:], False
    raise _E_MINMAX_LEX


def _lex_range(lo, hi):
    lo_val, lo_ex = _lex_bound(lo)
    hi_val, hi_ex = _lex_bound(hi)
    return LexRange(lo_val, lo_ex, hi_val, hi_ex)


def _long(arg):
    n = parse_int(arg)
    if n is None:
        raise E_NOT_INTEGER
    return n


def _positive_long(arg, error):
    """getRangeLongFromObjectOrReply(1, LONG_MAX, msg): ``error`` for anything else."""
    n = parse_int(arg)
    if n is None or n < 1:
        raise CommandError(error)
    return n


def _zset(c, key):
    return c.db.get_typed(key, ZSet)


def _zset_write(c, key):
    return c.db.get_typed(key, ZSet, read=False)


# ---- building sets ----------------------------------------------------------------
def _insert(c, zs, member, score):
    """Add a new member, converting to a skiplist first when Redis would (zsetAdd)."""
    if zs.compact:
        cfg = c.server.config.values
        if (len(zs) + 1 > cfg["zset-max-listpack-entries"]
                or len(member) > cfg["zset-max-listpack-value"]):
            zs.to_skiplist()
    zs.insert(member, score)


def _built(c, scores):
    """A new set from {member: score}, encoded as the store commands leave it."""
    zs = ZSet.from_items(scores.items(), compact=False)
    cfg = c.server.config
    if zs.fits_listpack(cfg["zset-max-listpack-entries"], cfg["zset-max-listpack-value"]):
        zs.to_listpack()
    return zs


def _store_emitted(c, dst, pairs, size_hint):
    """ZRANGESTORE's destination: created for ``size_hint`` members (zsetTypeCreate), then
    filled in emission order, so conversion happens where Redis's zsetAdd would do it."""
    if not pairs:
        return _store(c, dst, {}, None)
    cfg = c.server.config
    zs = ZSet(compact=size_hint <= cfg["zset-max-listpack-entries"])
    for score, member in pairs:
        _insert(c, zs, member, score)
    c.db.store(dst, zs)
    c.db.signal(dst, ("z", "zrangestore"))
    return reply.integer(len(zs))


def _store(c, dst, scores, event):
    """Store a result at ``dst`` (or delete ``dst`` when empty); reply the count."""
    if scores:
        c.db.store(dst, _built(c, scores))
        c.db.signal(dst, event)
        return reply.integer(len(scores))
    if c.db.delete(dst):
        c.db.signal(dst, ("g", "del"))
    return reply.ZERO


# ---- replies ---------------------------------------------------------------------------
def _scored(c, pairs, withscores):
    """Members of (score, member) pairs; with scores flat in RESP2, [member, score] pairs in RESP3."""
    return _encode_scored(pairs, withscores, c.resp)


def _double(c, score):
    """A double reply encoded at once: a bulk string in RESP2, a double in RESP3."""
    return _encode_double(score, c.resp)


def _flat_pairs(c, pairs, key=None):
    """[key,] member, score, member, score ... as one flat array (the pops' reply)."""
    return _encode_flat(pairs, c.resp, key)


# ---- ZADD / ZINCRBY -------------------------------------------------------------------
_ZADD_FLAGS = {b"nx": "nx", b"xx": "xx", b"ch": "ch", b"incr": "incr", b"gt": "gt", b"lt": "lt"}


def _zadd_generic(c, argv, incr):
    """zaddGenericCommand: options, pairs, incompatibilities, all scores, then the key."""
    i = 2
    n = len(argv)
    flags = None
    while i < n:
        flag = _ZADD_FLAGS.get(argv[i].lower())
        if flag is None:
            break
        if flags is None:
            flags = {"incr"} if incr else set()
        flags.add(flag)
        i += 1
    elements = n - i
    if elements % 2 or not elements:
        raise E_SYNTAX
    if flags is None:
        # No options, the common case: no set to build and test.
        nx = xx = gt = lt = ch = False
    else:
        nx, xx, gt, lt = "nx" in flags, "xx" in flags, "gt" in flags, "lt" in flags
        ch = "ch" in flags
        incr = "incr" in flags
    if nx and xx:
        raise CommandError(errors.ZADD_XX_NX)
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise CommandError(errors.ZADD_GT_LT_NX)
    elements //= 2
    if incr and elements > 1:
        raise CommandError(errors.ZADD_INCR_PAIR)
    scores = []
    for j in range(elements):
        score = parse_double(argv[i + 2 * j])
        if score is None:
            raise E_NOT_FLOAT
        scores.append(score)

    key = argv[1]
    database = c.db
    zs = _zset_write(c, key)
    added = updated = processed = 0
    score = None
    if zs is None:
        if xx:
            return _zadd_reply(incr, ch, 0, 0, 0, None)
        zs = ZSet()
        database.add(key, zs)
    for j in range(elements):
        score = scores[j]
        member = argv[i + 1 + 2 * j]
        current = zs.scores.get(member)
        if current is not None:
            if nx:
                continue
            if incr:
                score += current
                if score != score:
                    raise _E_NAN
            if (lt and score >= current) or (gt and score <= current):
                continue
            if score != current:
                zs.update(member, score)
                updated += 1
            processed += 1
        elif not xx:
            _insert(c, zs, member, score)
            added += 1
            processed += 1
    if added or updated:
        database.signal(key, ("z", "zincr" if incr else "zadd"), added + updated)
    return _zadd_reply(incr, ch, added, updated, processed, score)


def _zadd_reply(incr, ch, added, updated, processed, score):
    if incr:
        return reply.Double(score) if processed else reply.NULL
    return reply.integer(added + updated if ch else added)


_ZADD_EVENT = ("z", "zadd")


def _zadd_one(c, key, score, member):
    """ZADD key score member: what _zadd_generic does for one pair and no options."""
    database = c.db
    zs = database.get_typed(key, ZSet, read=False)
    if zs is None:
        zs = ZSet()
        database.add(key, zs)
    else:
        current = zs.scores.get(member)
        if current is not None:
            if score != current:
                zs.update(member, score)
                database.signal(key, _ZADD_EVENT)
            return reply.ZERO
    _insert(c, zs, member, score)
    database.signal(key, _ZADD_EVENT)
    return reply.ONE


# ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
@command("zadd", -4, "write denyoom fast", keys=(1, 1, 1), group="sorted_set", event=("z", "zadd"))
def zadd(c, argv):
    if len(argv) == 4:
        # The common form: a score (never an option name) and one member;
        # a short run of digits is parse_double's own first case, inline.
        arg = argv[2]
        score = float(arg) if arg.isdigit() and len(arg) < 300 else parse_double(arg)
        if score is not None:
            return _zadd_one(c, argv[1], score, argv[3])
    return _zadd_generic(c, argv, False)


@run_of("zadd")
def _zadd_run(c, cmds, i, n, lap, latency, slow):
    """ZADD key score member into an existing sorted set (commands.run_of)."""
    db = c.db
    if db.listened():
        return i
    read = db.access.read
    expires = db.expires
    out = c.out
    cmd = c.cmd
    meter = cmd.meter
    name = cmds[i][0]
    changes = 0
    while i < n:
        argv = cmds[i]
        if argv is None or len(argv) != 4 or argv[0] != name:
            break
        arg = argv[2]
        score = float(arg) if arg.isdigit() and len(arg) < 300 else parse_double(arg)
        if score is None:
            break
        zs = read(argv[1], expires, ZSet, False)
        if zs is None or zs is False:
            break
        member = argv[3]
        current = zs.scores.get(member)
        if current is None:
            _insert(c, zs, member, score)
            changes += 1
            result = reply.ONE
        else:
            if score != current:
                zs.update(member, score)
                changes += 1
            result = reply.ZERO
        us = lap(meter, latency)
        i += 1
        if slow is not None and us >= slow:
            slow_command(c, cmd, argv, us)
        out.append(result)
        c.out_len += 4
    db.server.dirty += changes
    return i


# ZINCRBY key increment member
@command("zincrby", 4, "write denyoom fast", keys=(1, 1, 1), group="sorted_set",
         event=("z", "zincr"))
def zincrby(c, argv):
    return _zadd_generic(c, argv, True)


# ---- simple reads and ZREM --------------------------------------------------------------
# ZREM key member [member ...]
@command("zrem", -3, "write fast", keys=(1, 1, 1), group="sorted_set", event=("z", "zrem"))
def zrem(c, argv):
    key = argv[1]
    zs = _zset_write(c, key)
    if zs is None:
        return reply.ZERO
    removed = 0
    for member in argv[2:]:
        if zs.remove(member):
            removed += 1
            if not zs:
                break
    if removed:
        c.db.signal(key, None, removed)
        c.db.remove_if_empty(key, zs)
    return reply.integer(removed)


# ZCARD key
@command("zcard", 2, "readonly fast", keys=(1, 1, 1), group="sorted_set")
def zcard(c, argv):
    zs = _zset(c, argv[1])
    return reply.integer(len(zs) if zs is not None else 0)


# ZSCORE key member
@command("zscore", 3, "readonly fast", keys=(1, 1, 1), group="sorted_set")
def zscore(c, argv):
    zs = _zset(c, argv[1])
    score = zs.scores.get(argv[2]) if zs is not None else None
    return reply.NULL if score is None else _double(c, score)


# ZMSCORE key member [member ...]
@command("zmscore", -3, "readonly fast", keys=(1, 1, 1), group="sorted_set")
def zmscore(c, argv):
    zs = _zset(c, argv[1])
    out = []
    for member in argv[2:]:
        score = zs.get(member) if zs is not None else None
        out.append(reply.NULL if score is None else _double(c, score))
    return reply.Array(out)


def _rank(c, argv, reverse):
    zs = _zset(c, argv[1])
    if zs is None:
        return reply.NULL
    rank = zs.rank(argv[2])
    if rank is None:
        return reply.NULL
    return reply.integer(len(zs) - 1 - rank if reverse else rank)


# ZRANK key member
@command("zrank", 3, "readonly fast", keys=(1, 1, 1), group="sorted_set")
def zrank(c, argv):
    return _rank(c, argv, False)


# ZREVRANK key member
@command("zrevrank", 3, "readonly fast", keys=(1, 1, 1), group="sorted_set")
def zrevrank(c, argv):
    return _rank(c, argv, True)


# ZCOUNT key min max
@command("zcount", 4, "readonly fast", keys=(1, 1, 1), group="sorted_set")
def zcount(c, argv):
    lo, lo_ex, hi, hi_ex = _score_range(argv[2], argv[3])
    zs = _zset(c, argv[1])
    if zs is None:
        return reply.ZERO
    start, stop = zs.score_span(lo, lo_ex, hi, hi_ex)
    return reply.integer(max(0, stop - start))


def _lex_count(zs, rng):
    first = zs.lex_first(rng)
    if first is None:
        return 0
    if zs.compact:
        return zs.lex_run_end(rng, first) - first
    # zlexcountCommand on a skiplist: the distance between first and last in range.
    last = zs.lex_last(rng)
    n = len(zs)
    count = n - first
    if last is not None:
        count -= n - (last + 1)
    return count


# ZLEXCOUNT key min max
@command("zlexcount", 4, "readonly fast", keys=(1, 1, 1), group="sorted_set")
def zlexcount(c, argv):
    rng = _lex_range(argv[2], argv[3])
    zs = _zset(c, argv[1])
    if zs is None:
        return reply.ZERO
    return reply.integer(_lex_count(zs, rng))


# ---- ZRANGE and friends -------------------------------------------------------------------
RANK, SCORE, LEX = "rank", "score", "lex"


def _rank_pairs(zs, start, end, reverse):
    """The members between two ranks, sanitized like Redis (negative from the end)."""
    n = len(zs)
    if start < 0:
        start += n
    if end < 0:
        end += n
    if start < 0:
        start = 0
    if start > end or start >= n:
        return []
    if end >= n:
        end = n - 1
    if reverse:
        return zs.slice(n - 1 - end, n - start, reverse=True)
    return zs.slice(start, end + 1)


def _score_pairs(zs, lo, lo_ex, hi, hi_ex, reverse, offset, limit):
    """genericZrangebyscoreCommand: skip ``offset`` from the first in range, take ``limit``."""
    n = len(zs)
    if (offset > 0 and offset >= n) or offset < 0 or limit == 0:
        # A negative offset makes Redis's skip loop walk off the end.
        return []
    start, stop = zs.score_span(lo, lo_ex, hi, hi_ex)
    if stop <= start:
        return []
    if reverse:
        top = stop - offset
        bottom = start if limit < 0 else max(start, top - limit)
        return zs.slice(bottom, top, reverse=True) if top > bottom else []
    first = start + offset
    last = stop if limit < 0 else min(stop, first + limit)
    return zs.slice(first, last) if last > first else []


def _lex_pairs(zs, rng, reverse, offset, limit):
    """genericZrangebylexCommand: start at the first (last) in range, skip, then take while in range."""
    if offset < 0 or limit == 0:
        return []
    if reverse:
        last = zs.lex_last(rng)
        if last is None:
            return []
        top = last - offset
        if top < 0:
            return []
        bottom = zs.lex_run_begin(rng, top)
        if limit >= 0:
            bottom = max(bottom, top - limit)
        return zs.slice(bottom + 1, top + 1, reverse=True)
    first = zs.lex_first(rng)
    if first is None:
        return []
    start = first + offset
    stop = zs.lex_run_end(rng, start)
    if limit >= 0:
        stop = min(stop, start + limit)
    return zs.slice(start, stop) if stop > start else []


def _zrange_generic(c, argv, key_idx, dst, rangetype, reverse):
    """zrangeGenericCommand; ``rangetype``/``reverse`` None when the options choose them."""
    key = argv[key_idx]
    min_idx, max_idx = key_idx + 1, key_idx + 2
    withscores = False
    offset, limit = 0, -1
    j = key_idx + 3
    n = len(argv)
    while j < n:
        opt = argv[j].lower()
        left = n - j - 1
        if dst is None and opt == b"withscores":
            withscores = True
        elif opt == b"limit" and left >= 2:
            offset = _long(argv[j + 1])
            limit = _long(argv[j + 2])
            j += 2
        elif reverse is None and opt == b"rev":
            reverse = True
        elif rangetype is None and opt == b"bylex":
            rangetype = LEX
        elif rangetype is None and opt == b"byscore":
            rangetype = SCORE
        else:
            raise E_SYNTAX
        j += 1
    reverse = bool(reverse)
    rangetype = rangetype or RANK
    if limit != -1 and rangetype == RANK:
        raise CommandError(errors.ZRANGE_LIMIT_NEEDS_BY)
    if withscores and rangetype == LEX:
        raise CommandError(errors.ZRANGE_WITHSCORES_BYLEX)
    if reverse and rangetype != RANK:
        min_idx, max_idx = max_idx, min_idx
    if rangetype == RANK:
        start = _long(argv[min_idx])
        end = _long(argv[max_idx])
    elif rangetype == SCORE:
        bounds = _score_range(argv[min_idx], argv[max_idx])
    else:
        rng = _lex_range(argv[min_idx], argv[max_idx])

    zs = _zset(c, key)
    if zs is None:
        pairs = []
    elif rangetype == RANK:
        pairs = _rank_pairs(zs, start, end, reverse)
    elif rangetype == SCORE:
        pairs = _score_pairs(zs, *bounds, reverse, offset, limit)
    else:
        pairs = _lex_pairs(zs, rng, reverse, offset, limit)
    if dst is not None:
        # Only a rank range knows its length before emitting; the others start compact.
        return _store_emitted(c, dst, pairs, len(pairs) if rangetype == RANK else 0)
    if zs is None:
        return reply.EMPTY_ARRAY
    return _scored(c, pairs, withscores)


# ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
@command("zrange", -4, "readonly", keys=(1, 1, 1), group="sorted_set")
def zrange(c, argv):
    return _zrange_generic(c, argv, 1, None, None, None)


# ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
@command("zrangestore", -5, "write denyoom", keys=(1, 2, 1), group="sorted_set",
         event=("z", "zrangestore"))
def zrangestore(c, argv):
    return _zrange_generic(c, argv, 2, argv[1], None, None)


# ZREVRANGE key start stop [WITHSCORES]
@command("zrevrange", -4, "readonly", keys=(1, 1, 1), group="sorted_set")
def zrevrange(c, argv):
    return _zrange_generic(c, argv, 1, None, RANK, True)


# ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
@command("zrangebyscore", -4, "readonly", keys=(1, 1, 1), group="sorted_set")
def zrangebyscore(c, argv):
    return _zrange_generic(c, argv, 1, None, SCORE, False)


# ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
@command("zrevrangebyscore", -4, "readonly", keys=(1, 1, 1), group="sorted_set")
def zrevrangebyscore(c, argv):
    return _zrange_generic(c, argv, 1, None, SCORE, True)


# ZRANGEBYLEX key min max [LIMIT offset count]
@command("zrangebylex", -4, "readonly", keys=(1, 1, 1), group="sorted_set")
def zrangebylex(c, argv):
    return _zrange_generic(c, argv, 1, None, LEX, False)


# ZREVRANGEBYLEX key max min [LIMIT offset count]
@command("zrevrangebylex", -4, "readonly", keys=(1, 1, 1), group="sorted_set")
def zrevrangebylex(c, argv):
    return _zrange_generic(c, argv, 1, None, LEX, True)


# ---- ZREMRANGEBY* ---------------------------------------------------------------------
def _zremrange(c, argv, rangetype):
    """zremrangeGenericCommand: the range is parsed before the key is looked up."""
    if rangetype == RANK:
        start, end = _long(argv[2]), _long(argv[3])
    elif rangetype == SCORE:
        bounds = _score_range(argv[2], argv[3])
    else:
        rng = _lex_range(argv[2], argv[3])
    key = argv[1]
    zs = _zset_write(c, key)
    if zs is None:
        return reply.ZERO
    n = len(zs)
    if rangetype == RANK:
        if start < 0:
            start += n
        if end < 0:
            end += n
        if start < 0:
            start = 0
        if start > end or start >= n:
            return reply.ZERO
        lo, hi = start, min(end, n - 1) + 1
    elif rangetype == SCORE:
        lo, hi = zs.score_span(*bounds)
    else:
        lo = zs.lex_first(rng)
        hi = zs.lex_run_end(rng, lo) if lo is not None else lo
    removed = zs.delete_range(lo, hi) if lo is not None and hi > lo else 0
    if removed:
        c.db.signal(key, None, removed)
        c.db.remove_if_empty(key, zs)
    return reply.integer(removed)


# ZREMRANGEBYRANK key start stop
@command("zremrangebyrank", 4, "write", keys=(1, 1, 1), group="sorted_set",
         event=("z", "zremrangebyrank"))
def zremrangebyrank(c, argv):
    return _zremrange(c, argv, RANK)


# ZREMRANGEBYSCORE key min max
@command("zremrangebyscore", 4, "write", keys=(1, 1, 1), group="sorted_set",
         event=("z", "zremrangebyscore"))
def zremrangebyscore(c, argv):
    return _zremrange(c, argv, SCORE)


# ZREMRANGEBYLEX key min max
@command("zremrangebylex", 4, "write", keys=(1, 1, 1), group="sorted_set",
         event=("z", "zremrangebylex"))
def zremrangebylex(c, argv):
    return _zremrange(c, argv, LEX)


# ---- pops ------------------------------------------------------------------------------------
_POP_EVENTS = {False: ("z", "zpopmin"), True: ("z", "zpopmax")}


def _pop(c, keys, from_max, emit_key, count, nested, nil_when_empty):
    """genericZpopCommand: pop from the first existing key; ``count`` None for a single pop."""
    database = c.db
    key = zs = None
    for key in keys:
        zs = _zset_write(c, key)
        if zs is not None:
            break
    if zs is None:
        return reply.NULL_ARRAY if nil_when_empty else reply.EMPTY_ARRAY
    if count == 0:
        return reply.EMPTY_ARRAY
    pairs = zs.pop(1 if count is None else count, from_max)
    database.signal(key, _POP_EVENTS[from_max], len(pairs))
    database.remove_if_empty(key, zs)
    if emit_key:
        # The multi-key and blocking forms propagate as the pop they did.
        name = b"ZPOPMAX" if from_max else b"ZPOPMIN"
        c.server.rewrite_propagation([name, key] if count is None else [name, key, b"%d" % len(pairs)])
    if nested:
        body = reply.Array([reply.Array([reply.bulk(m), reply.Double(s)]) for s, m in pairs])
        return reply.Array([reply.bulk(key), body]) if emit_key else body
    return _flat_pairs(c, pairs, key if emit_key else None)


# ZPOPMIN key [count]
@command("zpopmin", -2, "write fast", keys=(1, 1, 1), group="sorted_set", event=("z", "zpopmin"))
def zpopmin(c, argv):
    return _zpop_command(c, argv, False)


# ZPOPMAX key [count]
@command("zpopmax", -2, "write fast", keys=(1, 1, 1), group="sorted_set", event=("z", "zpopmax"))
def zpopmax(c, argv):
    return _zpop_command(c, argv, True)


def _zpop_run(from_max):
    """The run of ZPOPMIN or ZPOPMAX key (commands.run_of)."""
    def run(c, cmds, i, n, lap, latency, slow):
        db = c.db
        if db.listened():
            return i
        read = db.access.read
        expires = db.expires
        resp = c.resp
        out = c.out
        cmd = c.cmd
        meter = cmd.meter
        name = cmds[i][0]
        pops = 0
        size = 0
        while i < n:
            argv = cmds[i]
            if argv is None or len(argv) != 2 or argv[0] != name:
                break
            zs = read(argv[1], expires, ZSet, False)
            if zs is None:
                result = reply.EMPTY_ARRAY
            elif zs is False:
                break
            else:
                result = _encode_flat(zs.pop(1, from_max), resp, None)
                pops += 1
                if not zs:
                    db.delete(argv[1])
            us = lap(meter, latency)
            i += 1
            if slow is not None and us >= slow:
                slow_command(c, cmd, argv, us)
            out.append(result)
            size += len(result)
        db.server.dirty += pops
        c.out_len += size
        return i
    return run


run_of("zpopmin")(_zpop_run(False))
run_of("zpopmax")(_zpop_run(True))


def _zpop_command(c, argv, from_max):
    """zpopMinMaxCommand: the count is checked before the key."""
    if len(argv) == 2:
        # ZPOPMIN key, the common form: _pop for one key and one member.
        key = argv[1]
        zs = c.db.get_typed(key, ZSet, read=False)
        if zs is None:
            return reply.EMPTY_ARRAY
        pairs = zs.pop(1, from_max)
        c.db.signal(key, _POP_EVENTS[from_max])
        c.db.remove_if_empty(key, zs)
        return _flat_pairs(c, pairs)
    if len(argv) > 3:
        raise E_SYNTAX
    count = None
    if len(argv) == 3:
        count = parse_int(argv[2])
        if count is None or count < 0:
            raise _E_MUST_BE_POSITIVE
    nested = c.resp > 2 and count is not None
    return _pop(c, argv[1:2], from_max, False, count, nested, False)


def _mpop_args(argv, numkeys_idx):
    """(keys, from_max, count) of [B]ZMPOP, parsed in zmpopGenericCommand's order."""
    numkeys = _positive_long(argv[numkeys_idx], errors.ZSET_NUMKEYS_POSITIVE)
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= len(argv):
        raise E_SYNTAX
    where = argv[where_idx].lower()
    if where not in (b"min", b"max"):
        raise E_SYNTAX
    count = None
    j = where_idx + 1
    n = len(argv)
    while j < n:
        if count is None and argv[j].lower() == b"count" and j < n - 1:
            j += 1
            count = _positive_long(argv[j], errors.ZSET_COUNT_POSITIVE)
        else:
            raise E_SYNTAX
        j += 1
    return argv[numkeys_idx + 1:where_idx], where == b"max", count or 1


# ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
def _zmpop_keys(argv):
    return _keynum_keys(argv, 1)


@command("zmpop", -4, "write movablekeys", group="sorted_set", getkeys=_zmpop_keys)
def zmpop(c, argv):
    keys, from_max, count = _mpop_args(argv, 1)
    return _pop(c, keys, from_max, True, count, True, True)


def _block_pop(c, keys, timeout_arg, from_max, count, nested, nil_when_empty):
    """blockingGenericZpopCommand: the timeout, then the keys in order, else block."""
    deadline = blocking.parse_timeout(timeout_arg)
    for key in c.server.blocking.candidates(keys):
        zs = _zset_write(c, key)
        if zs is None:
            continue
        return _pop(c, [key], from_max, True, count, nested, nil_when_empty)
    return c.server.blocking.block(c, keys, deadline, reply.NULL_ARRAY, BLOCK_TYPES)


# BZPOPMIN key [key ...] timeout
@command("bzpopmin", -3, "write noscript blocking fast", keys=(1, -2, 1), group="sorted_set",
         event=("z", "zpopmin"))
def bzpopmin(c, argv):
    return _block_pop(c, argv[1:-1], argv[-1], False, None, False, False)


# BZPOPMAX key [key ...] timeout
@command("bzpopmax", -3, "write noscript blocking fast", keys=(1, -2, 1), group="sorted_set",
         event=("z", "zpopmax"))
def bzpopmax(c, argv):
    return _block_pop(c, argv[1:-1], argv[-1], True, None, False, False)


def _bzmpop_keys(argv):
    return _keynum_keys(argv, 2)


# BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
@command("bzmpop", -5, "write blocking movablekeys", group="sorted_set", getkeys=_bzmpop_keys)
def bzmpop(c, argv):
    keys, from_max, count = _mpop_args(argv, 2)
    return _block_pop(c, keys, argv[1], from_max, count, True, True)


# ---- ZRANDMEMBER ------------------------------------------------------------------------------
# ZRANDMEMBER key [count [WITHSCORES]]
@command("zrandmember", -2, "readonly", keys=(1, 1, 1), group="sorted_set")
def zrandmember(c, argv):
    if len(argv) == 2:
        zs = _zset(c, argv[1])
        if zs is None:
            return reply.NULL
        return reply.bulk(zs.at(random.randrange(len(zs)))[1])
    # zrandmemberWithCountCommand: count and options before the key.
    count = parse_int(argv[2])
    if count is None:
        raise E_NOT_INTEGER
    if count == INT64_MIN:
        raise CommandError(errors.ZSET_VALUE_BETWEEN % (-INT64_MAX, INT64_MAX))
    withscores = False
    if len(argv) > 4 or (len(argv) == 4 and argv[3].lower() != b"withscores"):
        raise E_SYNTAX
    if len(argv) == 4:
        withscores = True
        if count < -(INT64_MAX // 2) or count > INT64_MAX // 2:
            raise CommandError(errors.ZSET_VALUE_OUT_OF_RANGE)
    zs = _zset(c, argv[1])
    if zs is None or count == 0:
        return reply.EMPTY_ARRAY
    size = len(zs)
    if count < 0 or count == 1:
        picks = [zs.at(random.randrange(size)) for _ in range(abs(count))]
    elif count >= size:
        # The whole set, walked from the tail as zuiNext does.
        picks = zs.slice(0, size, reverse=True)
    elif zs.compact:
        picks = [zs.at(i) for i in sorted(random.sample(range(size), count))]
    else:
        picks = [zs.at(i) for i in random.sample(range(size), count)]
    return _scored(c, picks, withscores)


# ---- ZUNION / ZINTER / ZDIFF -----------------------------------------------------------------
UNION, INTER, DIFF = "union", "inter", "diff"
_SET_EVENTS = {UNION: ("z", "zunionstore"), INTER: ("z", "zinterstore"), DIFF: ("z", "zdiffstore")}


def _atoi(value):
    """C atoi: white space, a sign and the leading digits."""
    m = re.match(rb"[ \t\n\v\f\r]*([+-]?[0-9]+)", value)
    return int(m.group(1)) if m else 0


def _keynum_keys(argv, numkeys_idx, store_idx=None):
    """Key positions of a numkeys command as COMMAND GETKEYS finds them.

    Redis reads the key specs first (strict number; destination first) and
    falls back to genericGetKeys (atoi; destination last) when they fail.
    """
    argc = len(argv)
    first = numkeys_idx + 1
    numkeys = parse_int(argv[numkeys_idx])
    store = [store_idx] if store_idx is not None else []
    if numkeys is not None and numkeys >= 1 and first + numkeys - 1 < argc:
        return store + list(range(first, first + numkeys))
    numkeys = _atoi(argv[numkeys_idx])
    if numkeys < 1 or numkeys > argc - first:
        return []
    return list(range(first, first + numkeys)) + store


def _members(src):
    """(member, score) of a zset or a set (every set member scores 1)."""
    if src.__class__ is ZSet:
        return src.scores.items()
    return ((m, 1.0) for m in src)


def _find(src, member):
    if src.__class__ is ZSet:
        return src.scores.get(member)
    return 1.0 if member in src else None


def _aggregate(target, value, how):
    if how == b"sum":
        target = target + value
        return 0.0 if target != target else target
    if how == b"min":
        return value if value < target else target
    return value if value > target else target


def _setop(c, argv, dst, numkeys_idx, op, card_only=False):
    """zunionInterDiffGenericCommand: numkeys, key types, options, then the operation."""
    name = c.cmd.fullname
    setnum = _long(argv[numkeys_idx])
    if setnum < 1:
        raise CommandError(errors.ZSET_AT_LEAST_ONE_KEY % name)
    if setnum > len(argv) - (numkeys_idx + 1):
        raise E_SYNTAX
    database = c.db
    srcs = []
    j = numkeys_idx + 1
    for _ in range(setnum):
        value = database.lookup_read(argv[j])
        if value is not None and value.__class__ is not ZSet and not isinstance(value, set):
            raise errors.E_WRONGTYPE
        srcs.append(value)
        j += 1
    weights = [1.0] * setnum
    how = b"sum"
    withscores = False
    limit = 0
    n = len(argv)
    while j < n:
        remaining = n - j
        opt = argv[j].lower()
        if op != DIFF and not card_only and remaining >= setnum + 1 and opt == b"weights":
            j += 1
            for i in range(setnum):
                w = parse_double(argv[j])
                if w is None:
                    raise CommandError(errors.ZSET_WEIGHT_NOT_FLOAT)
                weights[i] = w
                j += 1
        elif op != DIFF and not card_only and remaining >= 2 and opt == b"aggregate":
            how = argv[j + 1].lower()
            if how not in (b"sum", b"min", b"max"):
                raise E_SYNTAX
            j += 2
        elif dst is None and not card_only and opt == b"withscores":
            withscores = True
            j += 1
        elif card_only and remaining >= 2 and opt == b"limit":
            limit = parse_int(argv[j + 1])
            if limit is None or limit < 0:
                raise CommandError(errors.ZSET_LIMIT_NEGATIVE)
            j += 2
        else:
            raise E_SYNTAX

    inputs = list(zip(srcs, weights))
    if op != DIFF:
        # Smallest first (a stable sort, like glibc's qsort): it fixes the order of aggregation.
        inputs.sort(key=lambda p: len(p[0]) if p[0] is not None else 0)
    result = {}
    cardinality = 0
    if op == INTER:
        first, w0 = inputs[0]
        if first:
            for member, score in list(_members(first)):
                total = w0 * score
                if total != total:
                    total = 0.0
                for other, w in inputs[1:]:
                    if other is first:
                        value = score * w
                    else:
                        value = _find(other, member)
                        if value is None:
                            break
                        value *= w
                    total = _aggregate(total, value, how)
                else:
                    if card_only:
                        cardinality += 1
                        if limit and cardinality >= limit:
                            break
                    else:
                        result[member] = total
    elif op == UNION:
        for src, w in inputs:
            if not src:
                continue
            for member, score in list(_members(src)):
                value = w * score
                if value != value:
                    value = 0.0
                current = result.get(member)
                result[member] = value if current is None else _aggregate(current, value, how)
    else:
        first = inputs[0][0]
        if first:
            others = [src for src, _ in inputs[1:] if src]
            for member, score in list(_members(first)):
                if not any(src is first or _find(src, member) is not None for src in others):
                    result[member] = score

    if dst is not None:
        return _store(c, dst, result, _SET_EVENTS[op])
    if card_only:
        return reply.integer(cardinality)
    pairs = sorted((s, m) for m, s in result.items())
    return _scored(c, pairs, withscores)


def _zsetop_keys(argv):
    return _keynum_keys(argv, 1)


def _zsetop_store_keys(argv):
    return _keynum_keys(argv, 2, 1)


# ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
@command("zunion", -3, "readonly movablekeys", group="sorted_set", getkeys=_zsetop_keys)
def zunion(c, argv):
    return _setop(c, argv, None, 1, UNION)


# ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
@command("zinter", -3, "readonly movablekeys", group="sorted_set", getkeys=_zsetop_keys)
def zinter(c, argv):
    return _setop(c, argv, None, 1, INTER)


# ZDIFF numkeys key [key ...] [WITHSCORES]
@command("zdiff", -3, "readonly movablekeys", group="sorted_set", getkeys=_zsetop_keys)
def zdiff(c, argv):
    return _setop(c, argv, None, 1, DIFF)


# ZINTERCARD numkeys key [key ...] [LIMIT limit]
@command("zintercard", -3, "readonly movablekeys", group="sorted_set", getkeys=_zsetop_keys)
def zintercard(c, argv):
    return _setop(c, argv, None, 1, INTER, card_only=True)


# ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
@command("zunionstore", -4, "write denyoom movablekeys", keys=(1, 1, 1), group="sorted_set",
         event=("z", "zunionstore"), getkeys=_zsetop_store_keys)
def zunionstore(c, argv):
    return _setop(c, argv, argv[1], 2, UNION)


# ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
@command("zinterstore", -4, "write denyoom movablekeys", keys=(1, 1, 1), group="sorted_set",
         event=("z", "zinterstore"), getkeys=_zsetop_store_keys)
def zinterstore(c, argv):
    return _setop(c, argv, argv[1], 2, INTER)


# ZDIFFSTORE destination numkeys key [key ...]
@command("zdiffstore", -4, "write denyoom movablekeys", keys=(1, 1, 1), group="sorted_set",
         event=("z", "zdiffstore"), getkeys=_zsetop_store_keys)
def zdiffstore(c, argv):
    return _setop(c, argv, argv[1], 2, DIFF)


# ---- ZSCAN ----------------------------------------------------------------------------------
def _scan_page(zs, cursor, count, cache):
    """(member, score) pairs of one ZSCAN call: a listpack whole and in order, cursor 0."""
    if zs.compact:
        return [(m, format_double(s)) for s, m in zs], 0
    page, cursor = cache.get(zs.scores, cursor).page(cursor, count)
    scores = zs.scores
    return [(m, format_double(scores[m])) for m in page if m in scores], cursor


# ZSCAN key cursor [MATCH pattern] [COUNT count]
@command("zscan", -3, "readonly", keys=(1, 1, 1), group="sorted_set")
def zscan(c, argv):
    return scan_collection(c, argv, ZSet, _scan_page)
