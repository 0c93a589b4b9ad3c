"""Bitmap and bitfield commands (Redis's bitops.c) on string values.

Bits are numbered from the most significant bit of the first byte.  A write
turns the value into a ``bytearray`` (Redis unshares it into a raw string,
so OBJECT ENCODING then says "raw"), grown with zero bytes as needed.
Whole-string work (BITCOUNT, BITOP) is the ``bitops`` twin's (C word loops,
or Python's big integers in the pure twin); BITPOS finds its byte with
``strip``: never a Python loop per byte.
"""
from .. import errors, reply
from .._speedups import bitops as _twin
from ..errors import CommandError, E_NOT_INTEGER, E_SYNTAX, E_WRONGTYPE
from ..numbers import parse_int
from . import command
from .strings import OVERRIDES, forget, option_name

_E_BIT_OFFSET = CommandError(errors.BIT_OFFSET)
_E_BIT_VALUE = CommandError(errors.BIT_VALUE)
_E_BITFIELD_TYPE = CommandError(errors.BITFIELD_TYPE)

_U64 = (1 << 64) - 1


def _wrap_int64(n):
    n &= _U64
    return n - (1 << 64) if n >> 63 else n


def _c_string(arg):
    """The argument as C's string functions see it: cut at the first NUL."""
    nul = arg.find(b"\0")
    return arg if nul < 0 else arg[:nul]


def _bit_offset(c, arg, hash_ok=False, bits=0):
    """Redis getBitOffsetFromArgument: a bit offset, or ``#n`` meaning n * bits."""
    use_hash = hash_ok and bits > 0 and arg[:1] == b"#"
    n = parse_int(arg[1:] if use_hash else arg)
    if n is None:
        raise _E_BIT_OFFSET
    if use_hash:
        # Redis multiplies in a C long long, so a huge #n wraps around.
        n = _wrap_int64(n * bits)
    if n < 0 or (n >> 3) >= c.server.config["proto-max-bulk-len"]:
        raise _E_BIT_OFFSET
    return n


def _string(value):
    if value is not None and value.__class__ is not bytes and value.__class__ is not bytearray:
        raise E_WRONGTYPE
    return value


def _for_write(c, key, max_bit):
    """Redis lookupStringForBitCommand: the key's bytearray, grown to hold ``max_bit``.

    Returns (value, dirty) where dirty says the key was created or grown.
    """
    db = c.db
    need = (max_bit >> 3) + 1
    value = _string(db.lookup(key))
    if OVERRIDES:
        forget(db, key)
    if value is None:
        value = bytearray(need)
        db.add(key, value)
        return value, True
    if value.__class__ is not bytearray:
        value = bytearray(value)
        db.data[key] = value
    if len(value) < need:
        value.extend(bytes(need - len(value)))
        return value, True
    return value, False


# SETBIT key offset value
@command("setbit", 4, "write denyoom", keys=(1, 1, 1), group="bitmap", event=("$", "setbit"))
def setbit(c, argv):
    offset = _bit_offset(c, argv[2])
    on = parse_int(argv[3])
    if on is None or on & ~1:
        raise _E_BIT_VALUE
    value, dirty = _for_write(c, argv[1], offset)
    byte = offset >> 3
    mask = 0x80 >> (offset & 7)
    old = value[byte] & mask
    if dirty or bool(old) != on:
        value[byte] = (value[byte] & ~mask) | (mask if on else 0)
        c.db.signal(argv[1])
    return reply.ONE if old else reply.ZERO


# GETBIT key offset
@command("getbit", 3, "readonly fast", keys=(1, 1, 1), group="bitmap")
def getbit(c, argv):
    offset = _bit_offset(c, argv[2])
    value = _string(c.db.lookup_read(argv[1]))
    if value is None:
        return reply.ZERO
    byte = offset >> 3
    if byte >= len(value):
        return reply.ZERO
    return reply.ONE if value[byte] & (0x80 >> (offset & 7)) else reply.ZERO


def _range(start_arg, end_arg, unit_arg, length, end_default, unit_first):
    """Parse start/end [BYTE|BIT]; (start, end, in_bits, total).

    BITCOUNT parses the end before the unit, BITPOS the unit before the end,
    which decides the error when both are wrong.
    """
    start = parse_int(start_arg)
    if start is None:
        raise E_NOT_INTEGER
    end = None
    if end_arg is not None and not unit_first:
        end = _int_arg(end_arg)
    in_bits = False
    if unit_arg is not None:
        unit = option_name(unit_arg)
        if unit == b"bit":
            in_bits = True
        elif unit != b"byte":
            raise E_SYNTAX
    if end_arg is None:
        end = end_default(in_bits)
    elif unit_first:
        end = _int_arg(end_arg)
    total = length * 8 if in_bits else length
    return start, end, in_bits, total


def _int_arg(arg):
    n = parse_int(arg)
    if n is None:
        raise E_NOT_INTEGER
    return n


def _clamp(start, end, total):
    if start < 0:
        start += total
    if end < 0:
        end += total
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if end >= total:
        end = total - 1
    return start, end


def _bits_of(value, first_bit, last_bit):
    """The bits first_bit..last_bit (inclusive) of ``value`` as an int, msb first."""
    first_byte = first_bit >> 3
    last_byte = last_bit >> 3
    n = int.from_bytes(memoryview(value)[first_byte:last_byte + 1], "big")
    n >>= 7 - (last_bit & 7)
    return n & ((1 << (last_bit - first_bit + 1)) - 1)


# BITCOUNT key [start end [BYTE | BIT]]
@command("bitcount", -2, "readonly", keys=(1, 1, 1), group="bitmap")
def bitcount(c, argv):
    # Redis bitcountCommand looks the key up before it parses the range.
    value = _string(c.db.lookup_read(argv[1]))
    if value is None:
        return reply.ZERO
    n = len(argv)
    if n == 2:
        return reply.integer(_twin.popcount(value))
    if n not in (4, 5):
        raise E_SYNTAX
    # bitcountCommand answers 0 to a reversed negative range before it reads the unit.
    if _int_arg(argv[2]) < 0 and _int_arg(argv[3]) < 0 and _int_arg(argv[2]) > _int_arg(argv[3]):
        return reply.ZERO
    start, end, in_bits, total = _range(argv[2], argv[3], argv[4] if n == 5 else None,
                                        len(value), None, False)
    start, end = _clamp(start, end, total)
    if start > end:
        return reply.ZERO
    if not in_bits:
        return reply.integer(_twin.popcount(memoryview(value)[start:end + 1]))
    # Count the whole bytes, then take off the bits of the edge bytes that
    # lie outside the range (bitcountCommand's masks).
    first, last = start >> 3, end >> 3
    count = _twin.popcount(memoryview(value)[first:last + 1])
    count -= (value[first] & ~((1 << (8 - (start & 7))) - 1) & 0xFF).bit_count()
    count -= (value[last] & ((1 << (7 - (end & 7))) - 1)).bit_count()
    return reply.integer(count)


def _skip_bytes(value, fill, start, stop):
    """Index of the first byte in start..stop-1 that is not ``fill``, or None.

    Windows double in size, so the work is proportional to how far the
    answer is, as Redis's scan, not to the length of the range.
    """
    view = memoryview(value)
    width = 64
    while start < stop:
        end = min(stop, start + width)
        pos = _twin.first_not(view[start:end], fill)
        if pos >= 0:
            return start + pos
        start = end
        width <<= 1
    return None


def _first_bit(value, bit, first_bit, last_bit):
    """Position of the first ``bit`` within first_bit..last_bit, or None."""
    first_byte = first_bit >> 3
    last_byte = last_bit >> 3
    # The partial first byte, then whole bytes through a strip, then the tail.
    if first_bit & 7 or first_byte == last_byte:
        stop = last_bit if first_byte == last_byte else (first_byte << 3) + 7
        chunk = _bits_of(value, first_bit, stop)
        width = stop - first_bit + 1
        if not bit:
            chunk ^= (1 << width) - 1
        if chunk:
            return first_bit + width - chunk.bit_length()
        if first_byte == last_byte:
            return None
        first_byte += 1
    whole_end = last_byte if (last_bit & 7) == 7 else last_byte - 1
    if first_byte <= whole_end:
        pos = _skip_bytes(value, 0 if bit else 0xFF, first_byte, whole_end + 1)
        if pos is not None:
            byte = value[pos] if bit else value[pos] ^ 0xFF
            return (pos << 3) + 8 - byte.bit_length()
        first_byte = whole_end + 1
    if first_byte <= last_byte:
        chunk = _bits_of(value, first_byte << 3, last_bit)
        width = last_bit - (first_byte << 3) + 1
        if not bit:
            chunk ^= (1 << width) - 1
        if chunk:
            return (first_byte << 3) + width - chunk.bit_length()
    return None


# BITPOS key bit [start [end [BYTE | BIT]]]
@command("bitpos", -3, "readonly", keys=(1, 1, 1), group="bitmap")
def bitpos(c, argv):
    bit = parse_int(argv[2])
    if bit is None:
        raise E_NOT_INTEGER
    if bit != 0 and bit != 1:
        raise CommandError(errors.BITPOS_BIT)
    # A missing key is an endless run of zero bits, whatever the range says.
    value = c.db.lookup_read(argv[1])
    if value is None:
        return reply.integer(-1 if bit else 0)
    _string(value)
    n = len(argv)
    length = len(value)
    end_given = n >= 5
    if n == 3:
        start, end, in_bits = 0, length - 1, False
    elif n <= 6:
        start, end, in_bits, total = _range(
            argv[3], argv[4] if n >= 5 else None, argv[5] if n == 6 else None,
            length, lambda in_bits: length * 8 + 7 if in_bits else length - 1, True)
        start, end = _clamp(start, end, total)
    else:
        raise E_SYNTAX
    if start > end:
        return reply.integer(-1)
    if in_bits:
        first_bit, last_bit = start, end
    else:
        first_bit, last_bit = start << 3, (end << 3) + 7
    pos = _first_bit(value, bit, first_bit, last_bit)
    if pos is not None:
        return reply.integer(pos)
    if bit or end_given:
        return reply.integer(-1)
    # Looking for a clear bit with no end given: the string is taken as
    # padded with zeros, so the answer is the first bit past the range.
    return reply.integer(((last_bit >> 3) + 1) << 3)


_BITOP = {b"and": _twin.AND, b"or": _twin.OR, b"xor": _twin.XOR, b"not": _twin.NOT}


# BITOP <AND | OR | XOR | NOT> destkey key [key ...]
@command("bitop", -4, "write denyoom", keys=(2, -1, 1), group="bitmap", event=("$", "set"))
def bitop(c, argv):
    op = _BITOP.get(option_name(argv[1]))
    if op is None:
        raise E_SYNTAX
    if op == _twin.NOT and len(argv) != 4:
        raise CommandError(errors.BITOP_NOT_ONE_KEY)
    db = c.db
    sources = []
    for key in argv[3:]:
        sources.append(_string(db.lookup_read(key)) or b"")
    maxlen = max(len(s) for s in sources)
    dst = argv[2]
    if not maxlen:
        if db.delete(dst):
            if OVERRIDES:
                forget(db, dst)
            db.signal(dst, ("g", "del"))
        return reply.ZERO
    result = _twin.bitop(op, sources, maxlen)
    # Redis stores the result as a raw string whatever its length.
    db.store(dst, result)
    if OVERRIDES:
        forget(db, dst)
    db.signal(dst)
    return reply.integer(maxlen)


# ---- BITFIELD ------------------------------------------------------------------
_GET = 0
_SET = 1
_INCRBY = 2
_WRAP = 0
_SAT = 1
_FAIL = 2
_OVERFLOW = {b"wrap": _WRAP, b"sat": _SAT, b"fail": _FAIL}
_OPS = {b"get": (_GET, 2), b"set": (_SET, 3), b"incrby": (_INCRBY, 3)}


def _bitfield_type(arg):
    """Redis getBitfieldTypeFromArgument: (signed, bits) for i1..i64 and u1..u63."""
    kind = arg[:1]
    if kind == b"i":
        signed = True
    elif kind == b"u":
        signed = False
    else:
        raise _E_BITFIELD_TYPE
    bits = parse_int(_c_string(arg[1:]))
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        raise _E_BITFIELD_TYPE
    return signed, bits


def _get_field(value, offset, bits):
    """The unsigned ``bits``-wide field at bit ``offset``; missing bytes read as zero."""
    first = offset >> 3
    last = (offset + bits - 1) >> 3
    chunk = bytes(memoryview(value)[first:last + 1]) if first < len(value) else b""
    width = last - first + 1
    n = int.from_bytes(chunk.ljust(width, b"\0"), "big")
    n >>= 7 - ((offset + bits - 1) & 7)
    return n & ((1 << bits) - 1)


def _set_field(value, offset, bits, field):
    first = offset >> 3
    last = (offset + bits - 1) >> 3
    width = last - first + 1
    shift = 7 - ((offset + bits - 1) & 7)
    mask = ((1 << bits) - 1) << shift
    n = int.from_bytes(value[first:last + 1], "big")
    n = (n & ~mask) | ((field << shift) & mask)
    value[first:last + 1] = n.to_bytes(width, "big")


def _signed(n, bits):
    return n - (1 << bits) if n >> (bits - 1) else n


def _overflow(signed, bits, value, incr, owtype):
    """Redis check(Un)signedBitfieldOverflow, int64 wrap-arounds included.

    ``value`` is the field's value (or SET's operand) and ``incr`` the
    increment (0 for SET).  Returns (overflowed, value to store or None).
    Redis compares against ``max - value`` computed in a C int64, so a SET
    of a very negative number to a narrow signed field saturates to the
    maximum, not the minimum; that is kept.
    """
    if signed:
        hi = (1 << (bits - 1)) - 1
        lo = -hi - 1
        maxincr = _wrap_int64(hi - value)
        minincr = _wrap_int64(lo - value)
        if (value > hi or (bits != 64 and incr > maxincr)
                or (value >= 0 and incr > 0 and incr > maxincr)):
            limit = hi
        elif (value < lo or (bits != 64 and incr < minincr)
                or (value < 0 and incr < 0 and incr < minincr)):
            limit = lo
        else:
            return False, value + incr
        if owtype == _WRAP:
            return True, _signed((value + incr) & ((1 << bits) - 1), bits)
    else:
        hi = (1 << bits) - 1
        value &= _U64
        if value > hi or (incr > 0 and incr > _wrap_int64(hi - value)):
            limit = hi
        elif incr < 0 and incr < _wrap_int64(-value):
            limit = 0
        else:
            return False, value + incr
        if owtype == _WRAP:
            return True, (value + incr) & hi
    if owtype == _SAT:
        return True, limit
    return True, None


def _bitfield(c, argv, readonly_cmd):
    ops = []
    owtype = _WRAP
    writes = False
    highest = 0
    i = 2
    n = len(argv)
    while i < n:
        remaining = n - i - 1
        name = option_name(argv[i])
        spec = _OPS.get(name)
        if spec is not None and remaining >= spec[1]:
            opcode = spec[0]
        elif name == b"overflow" and remaining >= 1:
            owtype = _OVERFLOW.get(option_name(argv[i + 1]))
            if owtype is None:
                raise CommandError(errors.BITFIELD_OVERFLOW)
            i += 2
            continue
        else:
            raise E_SYNTAX
        signed, bits = _bitfield_type(argv[i + 1])
        offset = _bit_offset(c, argv[i + 2], True, bits)
        operand = 0
        if opcode != _GET:
            writes = True
            highest = max(highest, offset + bits - 1)
            operand = parse_int(argv[i + 3])
            if operand is None:
                raise E_NOT_INTEGER
        ops.append((opcode, signed, bits, offset, operand, owtype))
        i += 4 if opcode != _GET else 3
    db = c.db
    key = argv[1]
    dirty = False
    if not writes:
        value = _string(db.lookup_read(key))
        if value is None:
            value = b""
    else:
        if readonly_cmd:
            raise CommandError(errors.BITFIELD_RO_GET_ONLY)
        value, dirty = _for_write(c, key, highest)
    out = []
    changes = 0
    for opcode, signed, bits, offset, operand, owtype in ops:
        old = _get_field(value, offset, bits)
        if signed:
            old = _signed(old, bits)
        if opcode == _GET:
            out.append(reply.integer(old))
            continue
        if opcode == _INCRBY:
            _, new = _overflow(signed, bits, old, operand, owtype)
            result = new
        else:
            # An unsigned field reads a negative operand as a huge uint64.
            _, new = _overflow(signed, bits, operand, 0, owtype)
            result = old
        if new is None:
            out.append(reply.NULL)
            continue
        out.append(reply.integer(result))
        _set_field(value, offset, bits, new & ((1 << bits) - 1))
        if dirty or new != old:
            changes += 1
    if changes:
        db.signal(key)
        c.server.dirty += changes - 1
    return reply.array(out)


# BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
#     <SET encoding offset value | INCRBY encoding offset increment> [...]]
@command("bitfield", -2, "write denyoom", keys=(1, 1, 1), group="bitmap", event=("$", "setbit"))
def bitfield(c, argv):
    return _bitfield(c, argv, False)


# BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
@command("bitfield_ro", -2, "readonly fast", keys=(1, 1, 1), group="bitmap")
def bitfield_ro(c, argv):
    return _bitfield(c, argv, True)
