"""HyperLogLog commands (Redis's hyperloglog.c).

An HLL is a plain string holding Redis's own bytes (see
``pyredis/_speedups/hll_py.py``), so GET, SET, COPY and RENAME need nothing
special.  A command that changes one first turns the value into a
``bytearray`` in place of the stored bytes, as Redis unshares the string
(dbUnshareStringValue), and then edits it there.
"""
import random

from .. import errors, reply
from .._speedups import hyperloglog as hll
from .._speedups._errors import HLLCorruptError
from ..errors import CommandError, E_WRONGTYPE
from . import command
from .strings import OVERRIDES, forget, option_name

_WRONGTYPE = CommandError(errors.HLL_WRONGTYPE)
_INVALID = CommandError(errors.HLL_INVALID)
_STALE_BIT = 0x80
_CARD = slice(8, 16)


def _check(value):
    """isHLLObjectOrReply: a string with the HYLL header and a coherent size."""
    if value.__class__ is not bytes and value.__class__ is not bytearray:
        raise E_WRONGTYPE
    size = len(value)
    if size < hll.HDR_SIZE or not value.startswith(b"HYLL"):
        raise _WRONGTYPE
    encoding = value[4]
    if encoding > hll.SPARSE or (encoding == hll.DENSE and size != hll.DENSE_SIZE):
        raise _WRONGTYPE


def _unshare(db, key, value):
    if value.__class__ is bytes:
        value = bytearray(value)
        db.data[key] = value
        if OVERRIDES:
            forget(db, key)
    return value


def _max_bytes(c):
    return c.server.config["hll-sparse-max-bytes"]


# PFADD key [element ...]
@command("pfadd", -2, "write denyoom fast", keys=(1, 1, 1), group="hyperloglog",
         event=("$", "pfadd"))
def pfadd(c, argv):
    db = c.db
    key = argv[1]
    value = db.lookup(key)
    if value is None:
        value = hll.new_sparse()
        db.add(key, value)
        updated = 1
    else:
        _check(value)
        value = _unshare(db, key, value)
        updated = 0
    try:
        updated += hll.add(value, argv[2:], _max_bytes(c))
    except HLLCorruptError:
        raise _INVALID from None
    if not updated:
        return reply.ZERO
    value[15] |= _STALE_BIT
    db.signal(key)
    c.server.dirty += updated - 1
    return reply.ONE


# PFCOUNT key [key ...]
@command("pfcount", -2, "readonly", keys=(1, -1, 1), group="hyperloglog")
def pfcount(c, argv):
    db = c.db
    if len(argv) > 2:
        registers = _union(db, argv[1:])[0]
        return reply.integer(hll.count_registers(registers))
    key = argv[1]
    value = db.lookup_read(key)
    if value is None:
        return reply.ZERO
    _check(value)
    value = _unshare(db, key, value)
    if not value[15] & _STALE_BIT:
        return reply.integer(int.from_bytes(value[_CARD], "little"))
    try:
        card = hll.count(value)
    except HLLCorruptError:
        raise _INVALID from None
    # A read that rewrites the cached cardinality: Redis propagates it.
    value[_CARD] = card.to_bytes(8, "little")
    db.signal(key)
    return reply.integer(card)


def _union(db, keys):
    """The register-wise maximum of the HLLs at ``keys`` (missing keys are empty)."""
    registers = bytearray(hll.REGISTERS)
    any_dense = False
    for key in keys:
        value = db.lookup_read(key)
        if value is None:
            continue
        _check(value)
        if value[4] == hll.DENSE:
            any_dense = True
        try:
            hll.merge(registers, value)
        except HLLCorruptError:
            raise _INVALID from None
    return registers, any_dense


# PFMERGE destkey [sourcekey ...]
@command("pfmerge", -2, "write denyoom", keys=(1, -1, 1), group="hyperloglog",
         event=("$", "pfadd"))
def pfmerge(c, argv):
    db = c.db
    registers, any_dense = _union(db, argv[1:])
    key = argv[1]
    value = db.lookup(key)
    if value is None:
        value = hll.new_sparse()
        db.add(key, value)
    else:
        value = _unshare(db, key, value)
    if any_dense:
        try:
            hll.to_dense(value)
        except HLLCorruptError:
            raise _INVALID from None
    hll.store(value, registers, _max_bytes(c))
    value[15] |= _STALE_BIT
    db.signal(key)
    return reply.OK


def _decode(value):
    """PFDEBUG DECODE: the sparse opcodes as z:<len>, Z:<len> and v:<value>,<len>."""
    out = []
    p = hll.HDR_SIZE
    end = len(value)
    while p < end:
        op = value[p]
        if op & 0xC0 == 0:
            out.append(b"z:%d" % ((op & 0x3F) + 1))
            p += 1
        elif op & 0x80 == 0:
            low = value[p + 1] if p + 1 < end else 0
            out.append(b"Z:%d" % ((((op & 0x3F) << 8) | low) + 1))
            p += 2
        else:
            out.append(b"v:%d,%d" % (((op >> 2) & 0x1F) + 1, (op & 3) + 1))
            p += 1
    return b" ".join(out)


def _to_dense(c, value):
    """Sparse to dense for PFDEBUG; True if it converted (a write Redis propagates)."""
    try:
        converted = hll.to_dense(value)
    except HLLCorruptError:
        raise _INVALID from None
    if converted:
        c.server.dirty += 1
    return converted


# PFDEBUG <subcommand> key
@command("pfdebug", 3, "write denyoom admin", keys=(2, 2, 1), group="hyperloglog")
def pfdebug(c, argv):
    db = c.db
    key = argv[2]
    value = db.lookup(key)
    if value is None:
        raise CommandError(errors.PFDEBUG_NO_KEY)
    _check(value)
    value = _unshare(db, key, value)
    sub = option_name(argv[1])
    if sub == b"getreg":
        _to_dense(c, value)
        return reply.array([reply.integer(r) for r in hll.registers_of(value)])
    if sub == b"decode":
        if value[4] != hll.SPARSE:
            raise CommandError(errors.PFDEBUG_NOT_SPARSE)
        return reply.bulk(_decode(value))
    if sub == b"encoding":
        return reply.simple(b"dense" if value[4] == hll.DENSE else b"sparse")
    if sub == b"todense":
        return reply.ONE if _to_dense(c, value) else reply.ZERO
    nul = argv[1].find(b"\0")
    raise errors.fmt(errors.PFDEBUG_UNKNOWN, argv[1] if nul < 0 else argv[1][:nul])


# PFSELFTEST
@command("pfselftest", 1, "admin", group="hyperloglog")
def pfselftest(c, argv):
    """Redis's self test, shortened: register access, then sparse and dense agreeing."""
    rng = random.Random()
    dense = hll.new_sparse()
    hll.to_dense(dense)
    expected = [rng.randrange(64) for _ in range(hll.REGISTERS)]
    for reg, value in enumerate(expected):
        hll.dense_set(dense, reg, value)
    for reg, value in enumerate(expected):
        if hll.dense_get(dense, reg) != value:
            raise errors.fmt(errors.PFSELFTEST_FAILED, "Register error at %d" % reg)
    sparse = hll.new_sparse()
    dense = hll.new_sparse()
    hll.to_dense(dense)
    seed = rng.getrandbits(64)
    for step in range(10):
        batch = [b"%d:%d" % (seed, i) for i in range(step * 200, (step + 1) * 200)]
        hll.add(sparse, batch, 1 << 30)
        hll.add(dense, batch, 1 << 30)
        if hll.count(sparse) != hll.count(dense):
            raise errors.fmt(errors.PFSELFTEST_FAILED, "Sparse and dense disagree at %d" % step)
    return reply.OK
