"""Tail calls to the C libraries made plain calls, in a compiled Lua 5.1 chunk.

Redis's cjson, cmsgpack, struct and bit are C functions: a script's
``return cjson.decode(x)`` keeps the script's frame, so an error names the
function and the script's line (``user_script:1: ...``).  Here the libraries
are Lua functions, and a Lua tail call replaces the caller's frame, losing
both.  Such calls are found in the chunk's bytecode (``string.dump``) by the
code Lua 5.1 generates for them, ``GETTABLE r t "name"; ...; TAILCALL r`` with
the name of a library function, and turned into ``CALL r`` with all results,
which the ``RETURN r 0`` that always follows a TAILCALL returns as the tail
call did.  Other tail calls stay tail calls (a recursion in tail position
runs as deep as in Redis); a library function reached through a plain local
(``local dec = cjson.decode ... return dec(x)``) is not recognised.
"""
import struct

_LIBS = (b"cjson", b"cmsgpack", b"struct", b"bit")
# The functions of the four libraries, by name.
FUNCTION_NAMES = frozenset((
    b"arshift", b"band", b"bnot", b"bor", b"bswap", b"bxor", b"lshift", b"rol", b"ror", b"rshift",
    b"tobit", b"tohex",  # bit
    b"decode", b"decode_invalid_numbers", b"decode_max_depth", b"encode", b"encode_invalid_numbers",
    b"encode_keep_buffer", b"encode_max_depth", b"encode_number_precision", b"encode_sparse_array",
    b"new",  # cjson
    b"pack", b"unpack", b"unpack_limit", b"unpack_one",  # cmsgpack
    b"size",  # struct
))

_GETTABLE, _CALL, _TAILCALL = 6, 28, 29
_LOADNIL, _SELF, _TFORLOOP, _VARARG = 3, 11, 33, 37
# Opcodes that write register A (and, for some, the ones after it).
_WRITES_A = frozenset((0, 1, 2, 4, 5, 6, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 27, 31, 32, 36))
_HEADER = b"\x1bLua\x51\x00\x01\x04\x08\x04\x08\x00"
_int = struct.Struct("<i")
_uint = struct.Struct("<I")
_size = struct.Struct("<Q")


def mentions_library(body):
    """Whether a script's text could hold such a call (most scripts are not parsed)."""
    return b"return" in body and any(lib in body for lib in _LIBS)


def patch(chunk):
    """The chunk with its library tail calls made calls, or None if it has none."""
    if not chunk.startswith(_HEADER):
        return None
    data = bytearray(chunk)
    changed = _proto(data, len(_HEADER))[1]
    return bytes(data) if changed else None


def _string(data, pos):
    n = _size.unpack_from(data, pos)[0]
    pos += 8
    return bytes(data[pos:pos + n]), pos + n


def _proto(data, pos):
    """(position after the function prototype at ``pos``, whether it was patched)."""
    _, pos = _string(data, pos)
    pos += 8 + 4  # linedefined, lastlinedefined; nups, numparams, is_vararg, maxstacksize
    n = _int.unpack_from(data, pos)[0]
    pos += 4
    code_at = pos
    code = list(struct.unpack_from("<%dI" % n, data, pos))
    pos += 4 * n
    constants = []
    count = _int.unpack_from(data, pos)[0]
    pos += 4
    for _ in range(count):
        kind = data[pos]
        pos += 1
        if kind == 1:
            constants.append(None)
            pos += 1
        elif kind == 3:
            constants.append(None)
            pos += 8
        elif kind == 4:
            s, pos = _string(data, pos)
            constants.append(s[:-1])
        else:
            constants.append(None)
    changed = False
    for pc, ins in enumerate(code):
        if ins & 0x3F == _TAILCALL and _calls_library(code, pc, (ins >> 6) & 0xFF, constants):
            ins = (ins & ~0x3F) | _CALL
            _uint.pack_into(data, code_at + 4 * pc, ins)
            changed = True
    nprotos = _int.unpack_from(data, pos)[0]
    pos += 4
    for _ in range(nprotos):
        pos, sub = _proto(data, pos)
        changed = changed or sub
    # Debug information: line numbers, locals, upvalue names.
    pos += 4 + 4 * _int.unpack_from(data, pos)[0]
    nlocals = _int.unpack_from(data, pos)[0]
    pos += 4
    for _ in range(nlocals):
        _, pos = _string(data, pos)
        pos += 8
    nupvalues = _int.unpack_from(data, pos)[0]
    pos += 4
    for _ in range(nupvalues):
        _, pos = _string(data, pos)
    return pos, changed


def _writes(ins, reg):
    op = ins & 0x3F
    a = (ins >> 6) & 0xFF
    if op in _WRITES_A:
        return a == reg
    if op == _LOADNIL:
        return a <= reg <= (ins >> 23)
    if op == _SELF:
        return a <= reg <= a + 1
    if op == _CALL or op == _VARARG:
        n = (ins >> 14) & 0x1FF if op == _CALL else ins >> 23
        return a <= reg and (n == 0 or reg <= a + n - 2)
    if op == _TFORLOOP:
        return a + 3 <= reg <= a + 2 + ((ins >> 14) & 0x1FF)
    return False


def _constant(constants, rk):
    if rk & 0x100:
        return constants[rk & 0xFF] if (rk & 0xFF) < len(constants) else None
    return None


def _calls_library(code, pc, reg, constants):
    """Whether the function in ``reg`` at ``pc`` was read as ``<table>.<library function name>``."""
    for i in range(pc - 1, -1, -1):
        ins = code[i]
        if _writes(ins, reg):
            return (ins & 0x3F == _GETTABLE
                    and _constant(constants, (ins >> 14) & 0x1FF) in FUNCTION_NAMES)
    return False
