"""FUNCTION's libraries: metadata, loading, joining, and the DUMP/RESTORE payload.

A library's code is kept whole (with its ``#!lua name=...`` line) as Redis
keeps it; its functions live in the functions runtime.  Function names are
looked up without regard to case, library names with it, as Redis's dicts.
"""
import struct

from .. import errors
from ..errors import CommandError
from .._speedups import crc64, lzf_compress, lzf_decompress

RDB_OPCODE_FUNCTION_PRE_GA = 246
RDB_OPCODE_FUNCTION2 = 245
RDB_VERSION = 10
ENGINE = b"LUA"


class Function:
    __slots__ = ("name", "callback", "description", "flags", "library")

    def __init__(self, name, callback, description, flags, library):
        self.name = name
        self.callback = callback
        self.description = description
        self.flags = flags
        self.library = library


class Library:
    __slots__ = ("name", "code", "functions")

    def __init__(self, name, code):
        self.name = name
        self.code = code
        # name -> Function, in registration order.
        self.functions = {}


def _valid_name(name):
    return bool(name) and all(ch == 0x5F or 0x30 <= ch <= 0x39 or 0x41 <= ch <= 0x5A
                              or 0x61 <= ch <= 0x7A for ch in name)


def parse_metadata(code):
    """functionExtractLibMetaData: (engine, name, offset of the body)."""
    if not code.startswith(b"#!"):
        raise CommandError(errors.LIBRARY_MISSING_METADATA)
    end = code.find(b"\n")
    if end < 0:
        raise CommandError(errors.LIBRARY_INVALID_METADATA)
    parts = code[:end].split()
    if not parts:
        raise CommandError(errors.LIBRARY_INVALID_METADATA)
    engine = parts[0][2:]
    name = None
    for part in parts[1:]:
        if part[:5].lower() == b"name=":
            if name is not None:
                raise CommandError(errors.LIBRARY_NAME_TWICE)
            name = part[5:]
            continue
        raise errors.fmt(errors.LIBRARY_METADATA_VALUE, part)
    if name is None:
        raise CommandError(errors.LIBRARY_NO_NAME)
    return engine, name, end


class Libraries:
    """The loaded libraries and their functions (Redis's functionsLibCtx)."""

    def __init__(self):
        self.libraries = {}
        self.functions = {}

    def function(self, name):
        return self.functions.get(name.lower())

    def function_count(self):
        return len(self.functions)

    def code_bytes(self):
        return sum(len(lib.code) for lib in self.libraries.values())

    def link(self, lib):
        self.libraries[lib.name] = lib
        for fn in lib.functions.values():
            self.functions[fn.name.lower()] = fn

    def unlink(self, lib):
        del self.libraries[lib.name]
        for fn in lib.functions.values():
            self.functions.pop(fn.name.lower(), None)

    def create(self, engine, code, replace):
        """functionsCreateWithLibraryCtx: compile ``code`` and link its library; returns it."""
        engine_name, name, body_at = parse_metadata(code)
        if not _valid_name(name):
            raise CommandError(errors.LIBRARY_BAD_NAME)
        if engine_name.upper() != ENGINE:
            raise errors.fmt(errors.LIBRARY_ENGINE_NOT_FOUND, engine_name)
        old = self.libraries.get(name)
        if old is not None and not replace:
            raise errors.fmt(errors.LIBRARY_EXISTS, name)
        functions, compile_error, run_error = engine.load_library(code[body_at:], b"@user_function")
        if functions is None:
            if compile_error is not None:
                raise CommandError(errors.FUNCTION_COMPILE % errors.arg(compile_error))
            raise CommandError(errors.FUNCTION_REGISTER % errors.arg(run_error or b""))
        if not functions:
            raise CommandError(errors.LIBRARY_NO_FUNCTIONS)
        lib = Library(name, code)
        for fname, callback, description, flags in functions:
            lib.functions[fname] = Function(fname, callback, description, flags, lib)
        for fname in lib.functions:
            existing = self.functions.get(fname.lower())
            if existing is not None and existing.library is not old:
                raise errors.fmt(errors.FUNCTION_EXISTS, fname)
        if old is not None:
            self.unlink(old)
        self.link(lib)
        return lib

    def join(self, other, replace):
        """libraryJoin: link ``other``'s libraries here, all or none."""
        replaced = []
        try:
            for lib in other.libraries.values():
                old = self.libraries.get(lib.name)
                if old is not None:
                    if not replace:
                        raise errors.fmt(errors.LIBRARY_EXISTS_RESTORE, lib.name)
                    self.unlink(old)
                    replaced.append(old)
            for lib in other.libraries.values():
                for fname in lib.functions:
                    if fname.lower() in self.functions:
                        raise errors.fmt(errors.FUNCTION_EXISTS, fname)
        except CommandError:
            for old in replaced:
                self.link(old)
            raise
        for lib in other.libraries.values():
            self.link(lib)


# ---- FUNCTION DUMP / RESTORE payload ------------------------------------------
def _save_length(n):
    if n < 1 << 6:
        return bytes((n,))
    if n < 1 << 14:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def _save_string(data, compress):
    """rdbSaveRawString: LZF when asked, for strings over 20 bytes it shrinks by 4 or more."""
    if compress and len(data) > 20:
        packed = lzf_compress(data, len(data) - 4)
        if packed is not None:
            return b"\xc3" + _save_length(len(packed)) + _save_length(len(data)) + packed
    return _save_length(len(data)) + data


def dump(libraries, compress):
    """rdbSaveFunctions plus the DUMP trailer: RDB version and CRC64, little endian."""
    out = bytearray()
    for lib in libraries.libraries.values():
        out.append(RDB_OPCODE_FUNCTION2)
        out += _save_string(lib.code, compress)
    out += struct.pack("<H", RDB_VERSION)
    out += struct.pack("<Q", crc64(0, bytes(out)))
    return bytes(out)


def verify(payload):
    """verifyDumpPayload: the trailer's version and checksum."""
    if len(payload) < 10:
        return False
    version = struct.unpack_from("<H", payload, len(payload) - 10)[0]
    if version > RDB_VERSION:
        return False
    return crc64(0, payload[:-8]) == struct.unpack_from("<Q", payload, len(payload) - 8)[0]


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        if self.pos >= len(self.data):
            raise ValueError
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def length(self):
        """(length, encoded) as rdbLoadLenByRef."""
        first = self.byte()
        kind = first >> 6
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return ((first & 0x3F) << 8) | self.byte(), False
        if kind == 3:
            return first & 0x3F, True
        if first == 0x80:
            return struct.unpack(">I", self.take(4))[0], False
        if first == 0x81:
            return struct.unpack(">Q", self.take(8))[0], False
        raise ValueError

    def string(self):
        n, encoded = self.length()
        if not encoded:
            return self.take(n)
        if n == 0:
            return b"%d" % struct.unpack("<b", self.take(1))[0]
        if n == 1:
            return b"%d" % struct.unpack("<h", self.take(2))[0]
        if n == 2:
            return b"%d" % struct.unpack("<i", self.take(4))[0]
        if n == 3:
            clen, _ = self.length()
            ulen, _ = self.length()
            return lzf_decompress(self.take(clen), ulen)
        raise ValueError


def read_codes(payload):
    """The library codes of a verified payload; raises CommandError as functionRestoreCommand."""
    reader = _Reader(payload)
    codes = []
    end = len(payload) - 10
    while end - reader.pos > 0:
        try:
            kind = reader.byte()
        except ValueError:
            raise CommandError(errors.RESTORE_NO_TYPE)
        if kind == RDB_OPCODE_FUNCTION_PRE_GA:
            raise CommandError(errors.RESTORE_PRE_GA)
        if kind != RDB_OPCODE_FUNCTION2:
            raise CommandError(errors.RESTORE_NOT_FUNCTION)
        try:
            codes.append(reader.string())
        except ValueError:
            raise CommandError(errors.RESTORE_BAD_LIBRARY)
    return codes
