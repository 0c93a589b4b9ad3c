"""HyperLogLog registers, pure-Python twin of ``hll.pyx``.

An HLL is a Redis string (a ``bytearray`` here, changed in place) laid out as
Redis's hyperloglog.c lays it out, so GET returns redis-server's bytes:

    "HYLL" | encoding (0 dense, 1 sparse) | 3 unused | cached cardinality
    (8 bytes little-endian; bit 7 of the last byte set = stale) | registers

Dense: 16384 registers of 6 bits, least significant bits first.  Sparse: a
run-length code of opcodes, ZERO ``00xxxxxx`` (1..64 zero registers), XZERO
``01xxxxxx yyyyyyyy`` (1..16384 zero registers) and VAL ``1vvvvvxx`` (1..4
registers of value 1..32).  A sparse update splits and merges opcodes in
place exactly as hllSparseSet does, including its limited merge scan, so
the bytes depend on the order of the updates as in Redis; past
``hll-sparse-max-bytes`` or for a value over 32 the HLL turns dense.

Reading past the end of the value reads 0: Redis's strings end with a NUL
that a truncated opcode at the end runs into.

Whole-register work is done 4096 lanes at a time on Python ints (a lane per
byte, four registers per three bytes), never a Python loop per register.
"""
import math

from ._errors import HLLCorruptError

HDR_SIZE = 16
REGISTERS = 16384
P = 14
Q = 64 - P
REGISTER_MAX = 63
DENSE_SIZE = HDR_SIZE + REGISTERS * 6 // 8
DENSE = 0
SPARSE = 1
SPARSE_VAL_MAX_VALUE = 32
SPARSE_VAL_MAX_LEN = 4
SPARSE_ZERO_MAX_LEN = 64
SPARSE_XZERO_MAX_LEN = 16384
ALPHA_INF = 0.721347520444481703680
SEED = 0xADC83B19
CORRUPT = "Corrupted HLL object detected"

_M64 = (1 << 64) - 1
_MURMUR_M = 0xC6A4A7935BD1E995
_LANES = REGISTERS // 4


def _lanes(byte, n=_LANES):
    return int.from_bytes(bytes([byte]) * n, "little")


_L3, _L15, _L63 = _lanes(3), _lanes(15), _lanes(63)
_HIGH = _lanes(0x80, REGISTERS)
_EMPTY = (b"HYLL\x01\x00\x00\x00" + bytes(8)
          + b"\x7f\xff" * (REGISTERS // SPARSE_XZERO_MAX_LEN))


# ---- hashing ---------------------------------------------------------------------

def murmurhash64a(data, seed=SEED):
    """MurmurHash64A as Redis's hyperloglog.c computes it (little-endian blocks)."""
    m = _MURMUR_M
    n = len(data)
    h = (seed ^ (n * m)) & _M64
    whole = n - (n & 7)
    from_bytes = int.from_bytes
    for i in range(0, whole, 8):
        k = (from_bytes(data[i:i + 8], "little") * m) & _M64
        k ^= k >> 47
        h ^= (k * m) & _M64
        h = (h * m) & _M64
    if n & 7:
        h ^= from_bytes(data[whole:], "little")
        h = (h * m) & _M64
    h ^= h >> 47
    h = (h * m) & _M64
    return h ^ (h >> 47)


def pat_len(element):
    """(register index, run of zeros + 1) of an element: Redis's hllPatLen."""
    h = murmurhash64a(element)
    rest = (h >> P) | (1 << Q)
    return h & (REGISTERS - 1), (rest & -rest).bit_length()


# ---- whole-register conversions -------------------------------------------------

def unpack_dense(hll):
    """The 16384 registers of a dense HLL, one per byte."""
    _require(hll, dense=True)
    body = hll[HDR_SIZE:DENSE_SIZE]
    b0 = int.from_bytes(body[0::3], "little")
    b1 = int.from_bytes(body[1::3], "little")
    b2 = int.from_bytes(body[2::3], "little")
    out = bytearray(REGISTERS)
    out[0::4] = (b0 & _L63).to_bytes(_LANES, "little")
    out[1::4] = (((b0 >> 6) & _L3) | ((b1 & _L15) << 2)).to_bytes(_LANES, "little")
    out[2::4] = (((b1 >> 4) & _L15) | ((b2 & _L3) << 4)).to_bytes(_LANES, "little")
    out[3::4] = ((b2 >> 2) & _L63).to_bytes(_LANES, "little")
    return out


def pack_dense(registers):
    """6-bit packing of 16384 registers (each 0..63), as the dense body."""
    _require_registers(registers)
    s0 = int.from_bytes(registers[0::4], "little")
    s1 = int.from_bytes(registers[1::4], "little")
    s2 = int.from_bytes(registers[2::4], "little")
    s3 = int.from_bytes(registers[3::4], "little")
    out = bytearray(REGISTERS * 6 // 8)
    out[0::3] = (s0 | ((s1 & _L3) << 6)).to_bytes(_LANES, "little")
    out[1::3] = (((s1 >> 2) & _L15) | ((s2 & _L15) << 4)).to_bytes(_LANES, "little")
    out[2::3] = (((s2 >> 4) & _L3) | (s3 << 2)).to_bytes(_LANES, "little")
    return out


NOT_AN_HLL = "not a HyperLogLog value"
BAD_REGISTERS = "16384 registers expected"


def _require(hll, dense=False):
    """The twins' contract: a value that passed PFADD's header checks (isHLLObject)."""
    size = len(hll)
    if size < HDR_SIZE:
        raise ValueError(NOT_AN_HLL)
    encoding = hll[4]
    if (encoding > SPARSE or (encoding == DENSE and size != DENSE_SIZE)
            or (dense and encoding != DENSE)):
        raise ValueError(NOT_AN_HLL)


def _require_registers(registers):
    if len(registers) != REGISTERS:
        raise ValueError(BAD_REGISTERS)


def _at(hll, i):
    return hll[i] if i < len(hll) else 0


def sparse_registers(hll):
    """The registers a sparse HLL encodes, or None when its runs do not cover exactly 16384.

    A VAL run past the last register is corrupt even when the runs before it
    end exactly there (Redis 7.0.15 stops and reports it).
    """
    _require(hll)
    regs = bytearray(REGISTERS)
    idx = 0
    p = HDR_SIZE
    end = len(hll)
    while p < end:
        op = hll[p]
        if op & 0xC0 == 0:
            idx += (op & 0x3F) + 1
            p += 1
        elif op & 0x80 == 0:
            idx += (((op & 0x3F) << 8) | _at(hll, p + 1)) + 1
            p += 2
        else:
            runlen = (op & 3) + 1
            if idx + runlen > REGISTERS:
                return None
            regs[idx:idx + runlen] = bytes([((op >> 2) & 0x1F) + 1]) * runlen
            idx += runlen
            p += 1
    return regs if idx == REGISTERS else None


def new_sparse():
    """An empty HLL as createHLLObject makes it: sparse, all XZERO."""
    return bytearray(_EMPTY)


def to_dense(hll):
    """Turn a sparse HLL dense in place (hllSparseToDense); False if already dense."""
    _require(hll)
    if hll[4] == DENSE:
        return False
    regs = sparse_registers(hll)
    if regs is None:
        raise HLLCorruptError(CORRUPT)
    header = hll[:HDR_SIZE]
    header[4] = DENSE
    hll[:] = header + pack_dense(regs)
    return True


# ---- single registers -----------------------------------------------------------

def _require_register(hll, reg):
    _require(hll, dense=True)
    if not 0 <= reg < REGISTERS:
        raise IndexError("register index out of range")


def dense_get(hll, reg):
    _require_register(hll, reg)
    pos = HDR_SIZE + reg * 6 // 8
    fb = reg * 6 & 7
    return ((hll[pos] >> fb) | (_at(hll, pos + 1) << (8 - fb))) & REGISTER_MAX


def dense_set(hll, reg, value):
    """Raise register ``reg`` to ``value``; 1 if it changed (hllDenseSet)."""
    _require_register(hll, reg)
    if not 0 <= value <= REGISTER_MAX:
        raise ValueError("register value out of range")
    return _dense_set(hll, reg, value)


def _dense_set(hll, reg, value):
    pos = HDR_SIZE + reg * 6 // 8
    fb = reg * 6 & 7
    old = ((hll[pos] >> fb) | (_at(hll, pos + 1) << (8 - fb))) & REGISTER_MAX
    if value <= old:
        return 0
    hll[pos] = (hll[pos] & ~(REGISTER_MAX << fb) & 0xFF) | ((value << fb) & 0xFF)
    if pos + 1 < len(hll):
        hll[pos + 1] = (hll[pos + 1] & ~(REGISTER_MAX >> (8 - fb))) | (value >> (8 - fb))
    return 1


def _zero_run(seq, length):
    if length > SPARSE_ZERO_MAX_LEN:
        seq.append(((length - 1) >> 8) | 0x40)
        seq.append((length - 1) & 0xFF)
    else:
        seq.append(length - 1)


def sparse_set(hll, index, count, max_bytes):
    """hllSparseSet: 1 updated, 0 unchanged, -1 corrupt."""
    _require(hll)
    if not 0 <= index < REGISTERS:
        raise IndexError("register index out of range")
    if not 1 <= count <= REGISTER_MAX:
        raise ValueError("register value out of range")
    return _sparse_set(hll, index, count, max_bytes)


def _sparse_set(hll, index, count, max_bytes, _path=None):
    """``sparse_set`` on a checked value.

    ``_path`` (a list kept by the caller across calls with ascending register
    indexes) holds (offset, first register) of the opcodes passed over; an
    update changes nothing before the opcode ahead of its target, so the next
    scan resumes from there instead of from the start, with the same result.
    """
    if count > SPARSE_VAL_MAX_VALUE:
        return _promote(hll, index, count)
    path = [] if _path is None else _path
    if path:
        p, first = path.pop()
        prev = path[-1][0] if path else None
    else:
        p, first, prev = HDR_SIZE, 0, None
    end = len(hll)
    span = 0
    while p < end:
        op = hll[p]
        oplen = 1
        if op & 0xC0 == 0:
            span = (op & 0x3F) + 1
        elif op & 0x80:
            span = (op & 3) + 1
        else:
            span = (((op & 0x3F) << 8) | _at(hll, p + 1)) + 1
            oplen = 2
        if index <= first + span - 1:
            break
        path.append((p, first))
        prev = p
        p += oplen
        first += span
    if span == 0 or p >= end:
        return -1
    op = hll[p]
    is_xzero = op & 0xC0 == 0x40
    nxt = p + 2 if is_xzero else p + 1
    if nxt >= end:
        nxt = None
    if op & 0x80:
        runlen = (op & 3) + 1
        if ((op >> 2) & 0x1F) + 1 >= count:
            return 0
        if runlen == 1:
            hll[p] = ((count - 1) << 2) | 0x80
            return _merge_runs(hll, prev)
    elif not is_xzero and (op & 0x3F) == 0:
        hll[p] = ((count - 1) << 2) | 0x80
        return _merge_runs(hll, prev)
    last = first + span - 1
    seq = bytearray()
    if op & 0x80:
        curval = ((op >> 2) & 0x1F) + 1
        if index != first:
            seq.append(((curval - 1) << 2) | (index - first - 1) | 0x80)
        seq.append(((count - 1) << 2) | 0x80)
        if index != last:
            seq.append(((curval - 1) << 2) | (last - index - 1) | 0x80)
    else:
        if index != first:
            _zero_run(seq, index - first)
        seq.append(((count - 1) << 2) | 0x80)
        if index != last:
            _zero_run(seq, last - index)
    oldlen = 2 if is_xzero else 1
    delta = len(seq) - oldlen
    if delta > 0 and end + delta > max_bytes:
        return _promote(hll, index, count)
    if nxt is not None:
        hll[p:nxt] = seq
    else:
        hll[p:] = seq
        del hll[end + delta:]
    return _merge_runs(hll, prev)


def _merge_runs(hll, prev):
    """Step 4 of hllSparseSet: merge equal adjacent VALs, scanning 5 opcodes from ``prev``."""
    p = HDR_SIZE if prev is None else prev
    end = len(hll)
    scan = 5
    while p < end and scan:
        scan -= 1
        op = hll[p]
        if op & 0xC0 == 0x40:
            p += 2
            continue
        if op & 0xC0 == 0:
            p += 1
            continue
        if p + 1 < end:
            op2 = hll[p + 1]
            if op2 & 0x80 and (op ^ op2) & 0x7C == 0:
                runlen = (op & 3) + (op2 & 3) + 2
                if runlen <= SPARSE_VAL_MAX_LEN:
                    hll[p + 1] = (op & 0xFC) | (runlen - 1)
                    del hll[p]
                    end -= 1
                    continue
        p += 1
    hll[15] |= 0x80
    return 1


def _promote(hll, index, count):
    try:
        to_dense(hll)
    except HLLCorruptError:
        return -1
    _dense_set(hll, index, count)
    return 1


# ---- commands' building blocks ------------------------------------------------------

def add(hll, elements, max_bytes):
    """PFADD's loop: the number of elements that changed a register.

    Raises HLLCorruptError at the first element that finds the HLL corrupt;
    the changes made before it stay, as in Redis.
    """
    _require(hll)
    updated = 0
    for element in elements:
        index, count = pat_len(element)
        if hll[4] == DENSE:
            updated += _dense_set(hll, index, count)
        else:
            result = _sparse_set(hll, index, count, max_bytes)
            if result < 0:
                raise HLLCorruptError(CORRUPT)
            updated += result
    return updated


def merge(registers, hll):
    """Raise each of 16384 ``registers`` to the HLL's (hllMerge)."""
    _require_registers(registers)
    _require(hll)
    if hll[4] == DENSE:
        _max_into(registers, unpack_dense(hll))
        return
    idx = 0
    p = HDR_SIZE
    end = len(hll)
    while p < end:
        op = hll[p]
        if op & 0xC0 == 0:
            idx += (op & 0x3F) + 1
            p += 1
        elif op & 0x80 == 0:
            idx += (((op & 0x3F) << 8) | _at(hll, p + 1)) + 1
            p += 2
        else:
            runlen = (op & 3) + 1
            if idx + runlen > REGISTERS:
                raise HLLCorruptError(CORRUPT)
            value = ((op >> 2) & 0x1F) + 1
            for i in range(idx, idx + runlen):
                if registers[i] < value:
                    registers[i] = value
            idx += runlen
            p += 1
    if idx != REGISTERS:
        raise HLLCorruptError(CORRUPT)


def store(hll, registers, max_bytes):
    """PFMERGE's write: every non-zero register set into the HLL, sparse while it fits."""
    _require(hll)
    _require_registers(registers)
    path = []
    for j in range(REGISTERS):
        value = registers[j]
        if not value:
            continue
        if hll[4] == DENSE:
            # From here on each set only raises a dense register: one pass.
            current = unpack_dense(hll)
            tail = current[j:]
            _max_into(tail, registers[j:])
            current[j:] = tail
            hll[HDR_SIZE:] = pack_dense(current)
            return
        _sparse_set(hll, j, value, max_bytes, path)


def _max_into(registers, other):
    """registers[i] = max(registers[i], other[i]) for byte values below 128, lane-parallel.

    Each byte is a lane: setting its top bit before subtracting keeps any
    borrow inside the lane, and the top bit left says which side was larger.
    """
    ours = int.from_bytes(registers, "little")
    theirs = int.from_bytes(other, "little")
    n = len(registers)
    high = _HIGH & ((1 << (8 * n)) - 1)
    ge = ((ours | high) - theirs) & high
    keep = (ge >> 7) * 0xFF
    registers[:] = ((ours & keep) | (theirs & (((1 << (8 * n)) - 1) ^ keep))).to_bytes(n, "little")


def registers_of(hll):
    """All 16384 registers of a dense HLL, one per byte (PFDEBUG GETREG)."""
    return unpack_dense(hll)


# ---- the estimator --------------------------------------------------------------------

def _sigma(x):
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        z_prev = z
        z += x * y
        y += y
        if z_prev == z:
            return z


def _tau(x):
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        z_prev = z
        y *= 0.5
        z -= (1 - x) ** 2 * y
        if z_prev == z:
            return z / 3


def estimate(histogram):
    """Redis 7.0's hllCount from a register histogram (Ertl's improved estimator)."""
    m = float(REGISTERS)
    z = m * _tau((m - histogram[Q + 1]) / m)
    for j in range(Q, 0, -1):
        z += histogram[j]
        z *= 0.5
    z += m * _sigma(histogram[0] / m)
    e = ALPHA_INF * m * m / z
    # llroundl: halves away from zero.
    whole = math.floor(e)
    return int(whole + 1 if e - whole >= 0.5 else whole)


def _histogram_of(registers):
    histogram = [0] * 64
    for value in set(registers):
        histogram[value & 63] += registers.count(value)
    return histogram


def count(hll):
    """The cardinality of an HLL (not its cached value); HLLCorruptError if sparse is corrupt."""
    _require(hll)
    if hll[4] == DENSE:
        return estimate(_histogram_of(unpack_dense(hll)))
    histogram = [0] * 64
    idx = 0
    p = HDR_SIZE
    end = len(hll)
    while p < end:
        op = hll[p]
        if op & 0xC0 == 0:
            runlen = (op & 0x3F) + 1
            histogram[0] += runlen
            p += 1
        elif op & 0x80 == 0:
            runlen = (((op & 0x3F) << 8) | _at(hll, p + 1)) + 1
            histogram[0] += runlen
            p += 2
        else:
            runlen = (op & 3) + 1
            histogram[((op >> 2) & 0x1F) + 1] += runlen
            p += 1
        idx += runlen
    if idx != REGISTERS:
        raise HLLCorruptError(CORRUPT)
    return estimate(histogram)


def count_registers(registers):
    """The cardinality of 16384 raw registers (PFCOUNT of several keys)."""
    _require_registers(registers)
    return estimate(_histogram_of(registers))


__all__ = ["murmurhash64a", "pat_len", "new_sparse", "to_dense", "dense_get", "dense_set",
           "sparse_set", "add", "merge", "store", "registers_of", "count", "count_registers",
           "estimate", "unpack_dense", "pack_dense", "sparse_registers"]
