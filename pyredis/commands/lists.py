"""List commands (Redis t_list.c) on top of ``QuickList``.

Handlers parse, check and reply; the container does the list work.  Check
order follows Redis command by command, and differs between them:

- LRANGE, LTRIM and LREM parse their numbers before looking the key up;
  LINDEX and LSET look the key up (and type-check it) first.
- LPOP/RPOP parse the count before the key, but answer WRONGTYPE before
  noticing that the count is 0 (popGenericCommand).
- LPOS and LINSERT check every option before the key (lposCommand,
  linsertCommand), so a bad option beats WRONGTYPE.
- The blocking commands parse the timeout before touching any key
  (blockingPopGenericCommand, blmoveCommand); BLMPOP parses numkeys, the
  direction and COUNT before the timeout (lmpopGenericCommand).

Redis counts one change per element pushed or popped; ``signal`` counts one
per call, so ``_dirty`` sets the counter to Redis's figure after the signals.
"""
import re

from .. import blocking, db as dbmod, errors, memsize, reply
from .._speedups import QuickList, lzf_compress
from .. import listpack as lp
from ..persistence import blobs
from ..errors import E_NO_SUCH_KEY, E_NOT_INTEGER, E_SYNTAX, E_WRONGTYPE, CommandError
from .._speedups import parse_int
from ..numbers import INT64_MIN
from ..types import ENCODINGS
from ..dispatch import slow_command
from . import command, run_of

dbmod.TYPE_NAMES[QuickList] = b"list"
dbmod.BLOCKING_TYPES.add(QuickList)
# Redis 7.0 stores every list as a quicklist (listpack lists came in 7.2).
ENCODINGS[QuickList] = lambda value, config: b"quicklist"


def _memory(ql, samples):
    # objectComputeSize: the first ``samples`` nodes (all for 0) stand for every node.
    nodes = ql.node_count
    if not nodes:
        return memsize.ROBJ + memsize.QUICKLIST
    sizes = ql.head_sizes(samples or nodes)
    depth = ql.compress
    if depth and nodes > 2 * depth and len(sizes) > depth:
        allocs = _compressed_allocs(ql, sizes, depth, nodes)
    else:
        allocs = [memsize.alloc(sz) for sz in sizes]
    sampled = sum(memsize.QUICKLIST_NODE + a for a in allocs)
    return memsize.ROBJ + memsize.QUICKLIST + int(sampled / len(sizes) * nodes)


# __quicklistCompressNode: a node under this many bytes is not compressed, nor
# one whose compressed form would not save more than MIN_COMPRESS_IMPROVE.
MIN_COMPRESS_BYTES = 48
MIN_COMPRESS_IMPROVE = 8
# quicklistLZF's header (its size_t sz) before the compressed bytes.
LZF_HEADER = 8


def _compressed_allocs(ql, sizes, depth, nodes):
    """The allocation of each sampled node, the nodes beyond ``depth`` from either end LZF-compressed.

    Every change to a quicklist compresses the nodes just outside the
    uncompressed ends (__quicklistCompress), so those are all compressed
    whenever compression saves enough.  A node's bytes are its listpack (a
    plain node's, its one element); its elements are read head first, a
    node ending where its listpack's size is reached.
    """
    out = []
    items = iter(ql)
    for i, sz in enumerate(sizes):
        first = next(items)
        if len(first) == sz:
            data = first
        else:
            members = [first]
            used = lp.OVERHEAD + lp.str_size(first)
            while used < sz:
                e = next(items)
                members.append(e)
                used += lp.str_size(e)
            data = blobs.listpack_of(members) if depth <= i < nodes - depth else None
        packed = None
        if depth <= i < nodes - depth and sz >= MIN_COMPRESS_BYTES:
            packed = lzf_compress(data, sz)
        if packed is not None and len(packed) + MIN_COMPRESS_IMPROVE < sz:
            out.append(memsize.alloc(LZF_HEADER + len(packed)))
        else:
            out.append(memsize.alloc(sz))
    return out


memsize.SIZERS[QuickList] = _memory

BLOCK_TYPES = frozenset((QuickList,))
_ATOI = re.compile(rb"[ \t\n\v\f\r]*([+-]?[0-9]+)").match

LPUSH = ("l", "lpush")
RPUSH = ("l", "rpush")
LPOP = ("l", "lpop")
RPOP = ("l", "rpop")

_E_MUST_BE_POSITIVE = CommandError(errors.ZSET_MUST_BE_POSITIVE)
_E_NUMKEYS = CommandError(errors.ZSET_NUMKEYS_POSITIVE)
_E_COUNT = CommandError(errors.ZSET_COUNT_POSITIVE)
_E_OUT_OF_RANGE = CommandError(errors.OUT_OF_RANGE)
_E_RANK_ZERO = CommandError(errors.LPOS_RANK_ZERO)
_E_LPOS_COUNT = CommandError(errors.LPOS_COUNT_NEGATIVE)
_E_LPOS_MAXLEN = CommandError(errors.LPOS_MAXLEN_NEGATIVE)


# ---- helpers ----------------------------------------------------------------------------------
def _read(c, key):
    """lookupKeyRead + checkType: the list at ``key`` or None."""
    value = c.db.lookup_read(key)
    if value is not None and value.__class__ is not QuickList:
        raise E_WRONGTYPE
    return value


def _write(c, key):
    """lookupKeyWrite + checkType (no hit/miss stats)."""
    value = c.db.lookup(key)
    if value is not None and value.__class__ is not QuickList:
        raise E_WRONGTYPE
    return value


def new_list(config):
    """An empty list with the fill and compression the config says for new keys."""
    return QuickList(config["list-max-listpack-size"], config["list-compress-depth"])


def _int(arg):
    n = parse_int(arg)
    if n is None:
        raise E_NOT_INTEGER
    return n


def _where(arg):
    """getListPositionFromObjectOrReply: True for LEFT (head), False for RIGHT."""
    where = arg.lower()
    if where == b"left":
        return True
    if where == b"right":
        return False
    raise E_SYNTAX


_bulks = reply.bulks


def _dirty(c, before, changes):
    c.server.dirty = before + changes


def _pop_range(ql, count, head):
    """Pop up to ``count`` elements from one end, in pop order (listTypeDelRange)."""
    n = len(ql)
    if count > n:
        count = n
    if head:
        values = ql.range(0, count - 1)
        ql.delete_range(0, count)
    else:
        values = ql.range(-count, -1)
        values.reverse()
        ql.delete_range(-count, count)
    return values


def _removed(c, key, ql, head, count, before):
    """listElementsRemoved: the pop event, the key gone when empty, dirty += count."""
    db = c.db
    db.signal(key, LPOP if head else RPOP)
    db.remove_if_empty(key, ql)
    _dirty(c, before, count)


# ---- pushes -----------------------------------------------------------------------------------
def _push(c, argv, head, existing_only):
    """pushGenericCommand."""
    key = argv[1]
    db = c.db
    ql = db.lookup(key)
    if ql is None:
        if existing_only:
            return reply.ZERO
        ql = new_list(c.server.config)
        db.add(key, ql)
    elif ql.__class__ is not QuickList:
        raise E_WRONGTYPE
    if len(argv) == 3:
        # One element: the signal's one change is Redis's count.
        if head:
            ql.push_head(argv[2])
        else:
            ql.push_tail(argv[2])
        db.signal(key)
        return reply.integer(len(ql))
    before = c.server.dirty
    if head:
        ql.extend_head(argv[2:])
    else:
        ql.extend_tail(argv[2:])
    db.signal(key)
    _dirty(c, before, len(argv) - 2)
    return reply.integer(len(ql))


# LPUSH key element [element ...]
@command("lpush", -3, "write denyoom fast", keys=(1, 1, 1), group="list", event=LPUSH)
def lpush(c, argv):
    return _push(c, argv, True, False)


# RPUSH key element [element ...]
@command("rpush", -3, "write denyoom fast", keys=(1, 1, 1), group="list", event=RPUSH)
def rpush(c, argv):
    return _push(c, argv, False, False)


# LPUSHX key element [element ...]
@command("lpushx", -3, "write denyoom fast", keys=(1, 1, 1), group="list", event=LPUSH)
def lpushx(c, argv):
    return _push(c, argv, True, True)


# RPUSHX key element [element ...]
@command("rpushx", -3, "write denyoom fast", keys=(1, 1, 1), group="list", event=RPUSH)
def rpushx(c, argv):
    return _push(c, argv, False, True)


def _push_run(push):
    """The run of LPUSH or RPUSH key element onto an existing list (commands.run_of)."""
    def run(c, cmds, i, n, lap, latency, slow):
        db = c.db
        if db.listened():
            return i
        read = db.access.read
        expires = db.expires
        integer = reply.integer
        out = c.out
        cmd = c.cmd
        meter = cmd.meter
        name = cmds[i][0]
        start = i
        size = 0
        while i < n:
            argv = cmds[i]
            if argv is None or len(argv) != 3 or argv[0] != name:
                break
            ql = read(argv[1], expires, QuickList, False)
            if ql is None or ql is False:
                break
            push(ql, argv[2])
            result = integer(len(ql))
            us = lap(meter, latency)
            i += 1
            if slow is not None and us >= slow:
                slow_command(c, cmd, argv, us)
            out.append(result)
            size += len(result)
        db.server.dirty += i - start
        c.out_len += size
        return i
    return run


run_of("lpush")(_push_run(QuickList.push_head))
run_of("rpush")(_push_run(QuickList.push_tail))


# ---- pops -------------------------------------------------------------------------------------
def _pop(c, argv, head):
    """popGenericCommand: the count, then the key, then the count-0 shortcut."""
    n = len(argv)
    if n > 3:
        raise CommandError(errors.WRONG_ARITY % c.cmd.fullname)
    key = argv[1]
    if n == 2:
        db = c.db
        ql = db.lookup(key)
        if ql is None:
            return reply.NULL
        if ql.__class__ is not QuickList:
            raise E_WRONGTYPE
        value = ql.pop_head() if head else ql.pop_tail()
        if ql:
            # One element popped, the key stays: the signal's one change is Redis's count.
            db.signal(key, LPOP if head else RPOP)
        else:
            _removed(c, key, ql, head, 1, c.server.dirty)
        return reply.bulk(value)
    count = parse_int(argv[2])
    if count is None or count < 0:
        raise _E_MUST_BE_POSITIVE
    ql = _write(c, key)
    if ql is None:
        return reply.NULL_ARRAY
    if not count:
        return reply.EMPTY_ARRAY
    before = c.server.dirty
    values = _pop_range(ql, count, head)
    _removed(c, key, ql, head, len(values), before)
    return _bulks(values)


# LPOP key [count]
@command("lpop", -2, "write fast", keys=(1, 1, 1), group="list", event=LPOP)
def lpop(c, argv):
    return _pop(c, argv, True)


# RPOP key [count]
@command("rpop", -2, "write fast", keys=(1, 1, 1), group="list", event=RPOP)
def rpop(c, argv):
    return _pop(c, argv, False)


def _pop_run(pop):
    """The run of LPOP or RPOP key (commands.run_of)."""
    def run(c, cmds, i, n, lap, latency, slow):
        db = c.db
        if db.listened():
            return i
        read = db.access.read
        expires = db.expires
        delete = db.delete
        null = reply.NULL.encode(c.resp)
        bulk = reply.bulk
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
            ql = read(argv[1], expires, QuickList, False)
            if ql is None:
                result = null
            elif ql is False:
                break
            else:
                result = bulk(pop(ql))
                pops += 1
                if not ql:
                    delete(argv[1])
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


run_of("lpop")(_pop_run(QuickList.pop_head))
run_of("rpop")(_pop_run(QuickList.pop_tail))


def _mpop_args(argv, numkeys_idx):
    """(keys, head, count) of [B]LMPOP, in lmpopGenericCommand's order."""
    numkeys = parse_int(argv[numkeys_idx])
    if numkeys is None or numkeys < 1:
        raise _E_NUMKEYS
    where_idx = numkeys_idx + numkeys + 1
    n = len(argv)
    if where_idx >= n:
        raise E_SYNTAX
    head = _where(argv[where_idx])
    count = None
    j = where_idx + 1
    while j < n:
        if count is None and j < n - 1 and argv[j].lower() == b"count":
            j += 1
            count = parse_int(argv[j])
            if count is None or count < 1:
                raise _E_COUNT
        else:
            raise E_SYNTAX
        j += 1
    return argv[numkeys_idx + 1:where_idx], head, count or 1


def _mpop_from(c, key, ql, head, count):
    """listPopRangeAndReplyWithKey: [key, [elements]]."""
    before = c.server.dirty
    values = _pop_range(ql, count, head)
    _removed(c, key, ql, head, len(values), before)
    c.server.rewrite_propagation([b"LPOP" if head else b"RPOP", key, b"%d" % len(values)])
    return b"*2\r\n" + reply.bulk(key) + _bulks(values)


def _mpop_keys(argv):
    return _keynum_keys(argv, 1)


def _blmpop_keys(argv):
    return _keynum_keys(argv, 2)


def _keynum_keys(argv, numkeys_idx):
    """Key positions for COMMAND GETKEYS: the key spec (strict numkeys), else
    lmpopGetKeys's fallback, which reads numkeys with atoi."""
    first = numkeys_idx + 1
    count = len(argv) - first
    numkeys = parse_int(argv[numkeys_idx])
    if numkeys is None or numkeys < 1 or numkeys > count:
        m = _ATOI(argv[numkeys_idx])
        numkeys = int(m.group(1)) if m else 0
        if numkeys < 1 or numkeys > count:
            return []
    return list(range(first, first + numkeys))


# LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
@command("lmpop", -4, "write movablekeys", group="list", getkeys=_mpop_keys)
def lmpop(c, argv):
    keys, head, count = _mpop_args(argv, 1)
    for key in keys:
        ql = _write(c, key)
        if ql is not None:
            return _mpop_from(c, key, ql, head, count)
    return reply.NULL_ARRAY


# ---- reads ------------------------------------------------------------------------------------
# LLEN key
@command("llen", 2, "readonly fast", keys=(1, 1, 1), group="list")
def llen(c, argv):
    ql = _read(c, argv[1])
    return reply.ZERO if ql is None else reply.integer(len(ql))


# LRANGE key start stop
@command("lrange", 4, "readonly", keys=(1, 1, 1), group="list")
def lrange(c, argv):
    # _int and _read written out: LRANGE's cost is in its reply.
    start = parse_int(argv[2])
    stop = parse_int(argv[3])
    if start is None or stop is None:
        raise E_NOT_INTEGER
    ql = c.db.lookup_read(argv[1])
    if ql is None:
        return reply.EMPTY_ARRAY
    if ql.__class__ is not QuickList:
        raise E_WRONGTYPE
    return ql.encode_range(start, stop)


# LINDEX key index
@command("lindex", 3, "readonly", keys=(1, 1, 1), group="list")
def lindex(c, argv):
    # lindexCommand looks the key up before parsing the index.
    ql = _read(c, argv[1])
    if ql is None:
        return reply.NULL
    value = ql.index(_int(argv[2]))
    return reply.NULL if value is None else reply.bulk(value)


# LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
@command("lpos", -3, "readonly", keys=(1, 1, 1), group="list")
def lpos(c, argv):
    rank = 1
    count = None
    maxlen = 0
    n = len(argv)
    j = 3
    while j < n:
        opt = argv[j].lower()
        more = j < n - 1
        if opt == b"rank" and more:
            j += 1
            rank = _int(argv[j])
            if rank == 0:
                raise _E_RANK_ZERO
        elif opt == b"count" and more:
            j += 1
            count = parse_int(argv[j])
            if count is None or count < 0:
                raise _E_LPOS_COUNT
        elif opt == b"maxlen" and more:
            j += 1
            maxlen = parse_int(argv[j])
            if maxlen is None or maxlen < 0:
                raise _E_LPOS_MAXLEN
        else:
            raise E_SYNTAX
        j += 1
    ql = _read(c, argv[1])
    if ql is None:
        return reply.NULL if count is None else reply.EMPTY_ARRAY
    want = 1 if count is None else count
    if rank == INT64_MIN:
        # lposCommand negates the rank: -LLONG_MIN stays negative, so every
        # match counts from the first one at the tail, and "matches - rank + 1"
        # wraps, so the count never stops the search.
        rank, want = -1, 0
    found = ql.find(argv[2], rank, want, maxlen)
    if count is not None:
        return reply.array([reply.integer(i) for i in found])
    return reply.integer(found[0]) if found else reply.NULL


# ---- updates ----------------------------------------------------------------------------------
# LSET key index element
@command("lset", 4, "write denyoom", keys=(1, 1, 1), group="list", event=("l", "lset"))
def lset(c, argv):
    # lsetCommand: the key (ERR no such key, WRONGTYPE) before the index.
    key = argv[1]
    ql = _write(c, key)
    if ql is None:
        raise E_NO_SUCH_KEY
    if not ql.replace(_int(argv[2]), argv[3]):
        raise _E_OUT_OF_RANGE
    c.db.signal(key)
    return reply.OK


# LINSERT key BEFORE|AFTER pivot element
@command("linsert", 5, "write denyoom", keys=(1, 1, 1), group="list", event=("l", "linsert"))
def linsert(c, argv):
    where = argv[2].lower()
    if where == b"after":
        after = True
    elif where == b"before":
        after = False
    else:
        raise E_SYNTAX
    key = argv[1]
    ql = _write(c, key)
    if ql is None:
        return reply.ZERO
    if not ql.insert_pivot(argv[3], argv[4], after):
        return reply.integer(-1)
    c.db.signal(key)
    return reply.integer(len(ql))


# LREM key count element
@command("lrem", 4, "write", keys=(1, 1, 1), group="list", event=("l", "lrem"))
def lrem(c, argv):
    count = _int(argv[2])
    key = argv[1]
    ql = _write(c, key)
    if ql is None:
        return reply.ZERO
    removed = ql.remove(argv[3], count)
    if removed:
        before = c.server.dirty
        c.db.signal(key)
        c.db.remove_if_empty(key, ql)
        _dirty(c, before, removed)
    return reply.integer(removed)


# LTRIM key start stop
@command("ltrim", 4, "write", keys=(1, 1, 1), group="list", event=("l", "ltrim"))
def ltrim(c, argv):
    start = _int(argv[2])
    stop = _int(argv[3])
    key = argv[1]
    ql = _write(c, key)
    if ql is None:
        return reply.OK
    removed = ql.trim(start, stop)
    # ltrimCommand notifies and touches WATCH even when nothing was trimmed.
    before = c.server.dirty
    c.db.signal(key)
    c.db.remove_if_empty(key, ql)
    _dirty(c, before, removed)
    return reply.OK


# ---- moves ------------------------------------------------------------------------------------
def _move(c, src, dst, from_head, to_head):
    """lmoveGenericCommand: pop from ``src``, push to ``dst`` (created if needed)."""
    db = c.db
    source = _write(c, src)
    if source is None:
        return reply.NULL
    target = _write(c, dst)
    before = c.server.dirty
    value = source.pop_head() if from_head else source.pop_tail()
    # lmoveHandlePush; ``target`` may be ``source`` itself, so the key is
    # dropped only once the element is back in.
    if target is None:
        target = new_list(c.server.config)
        db.add(dst, target)
    if to_head:
        target.push_head(value)
    else:
        target.push_tail(value)
    db.signal(dst, LPUSH if to_head else RPUSH)
    db.signal(src, LPOP if from_head else RPOP)
    db.remove_if_empty(src, source)
    _dirty(c, before, 1)
    return reply.bulk(value)


# LMOVE source destination LEFT|RIGHT LEFT|RIGHT
@command("lmove", 5, "write denyoom", keys=(1, 2, 1), group="list")
def lmove(c, argv):
    from_head = _where(argv[3])
    to_head = _where(argv[4])
    return _move(c, argv[1], argv[2], from_head, to_head)


# RPOPLPUSH source destination
@command("rpoplpush", 3, "write denyoom", keys=(1, 2, 1), group="list")
def rpoplpush(c, argv):
    return _move(c, argv[1], argv[2], False, True)


# ---- blocking ---------------------------------------------------------------------------------
# A blocked client is woken by running its command again (see pyredis.blocking),
# so each handler below serves a retry exactly like a fresh call.

def _block(c, keys, deadline, timeout_reply):
    # blockForKeys waits on each key once, however often it is named.
    return c.server.blocking.block(c, list(dict.fromkeys(keys)), deadline, timeout_reply,
                                   BLOCK_TYPES)


def _blocking_pop(c, keys, timeout_arg, head, count):
    """blockingPopGenericCommand: the timeout, then the keys in order, else block."""
    deadline = blocking.parse_timeout(timeout_arg)
    for key in c.server.blocking.candidates(keys):
        ql = _write(c, key)
        if ql is None:
            continue
        if count is not None:
            return _mpop_from(c, key, ql, head, count)
        before = c.server.dirty
        value = ql.pop_head() if head else ql.pop_tail()
        _removed(c, key, ql, head, 1, before)
        c.server.rewrite_propagation([b"LPOP" if head else b"RPOP", key])
        return b"*2\r\n" + reply.bulk(key) + reply.bulk(value)
    return _block(c, keys, deadline, reply.NULL_ARRAY)


# BLPOP key [key ...] timeout
@command("blpop", -3, "write noscript blocking", keys=(1, -2, 1), group="list", event=LPOP)
def blpop(c, argv):
    return _blocking_pop(c, argv[1:-1], argv[-1], True, None)


# BRPOP key [key ...] timeout
@command("brpop", -3, "write noscript blocking", keys=(1, -2, 1), group="list", event=RPOP)
def brpop(c, argv):
    return _blocking_pop(c, argv[1:-1], argv[-1], False, None)


# BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
@command("blmpop", -5, "write blocking movablekeys", group="list", getkeys=_blmpop_keys)
def blmpop(c, argv):
    keys, head, count = _mpop_args(argv, 2)
    return _blocking_pop(c, keys, argv[1], head, count)


def _blocking_move(c, src, dst, from_head, to_head, timeout_arg):
    """blmoveGenericCommand: a missing source blocks, else it is LMOVE."""
    deadline = blocking.parse_timeout(timeout_arg)
    if _write(c, src) is None:
        # Inside MULTI the answer is LMOVE's null bulk, but a real timeout
        # answers a null array like every blocked list client
        # (replyToBlockedClientTimedOut).
        if c.deny_blocking:
            return reply.NULL
        return _block(c, (src,), deadline, reply.NULL_ARRAY)
    argv = c.argv
    if len(argv) != 6:
        c.server.rewrite_propagation([b"RPOPLPUSH", src, dst])
    elif c.server.blocking.serving is None:
        c.server.rewrite_propagation([b"LMOVE"] + argv[1:5])
    else:
        # Served after blocking, Redis builds the directions itself, in lower case.
        c.server.rewrite_propagation([b"LMOVE", src, dst, b"left" if from_head else b"right",
                                      b"left" if to_head else b"right"])
    return _move(c, src, dst, from_head, to_head)


# BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
@command("blmove", 6, "write denyoom noscript blocking", keys=(1, 2, 1), group="list")
def blmove(c, argv):
    from_head = _where(argv[3])
    to_head = _where(argv[4])
    return _blocking_move(c, argv[1], argv[2], from_head, to_head, argv[5])


# BRPOPLPUSH source destination timeout
@command("brpoplpush", 4, "write denyoom noscript blocking", keys=(1, 2, 1), group="list")
def brpoplpush(c, argv):
    return _blocking_move(c, argv[1], argv[2], False, True, argv[3])
