"""FUNCTION's libraries: metadata, loading, joining, and the DUMP/RESTORE payload.

A library's code is kept whole (with its ``#!lua name=...`` line) as Redis
keeps it; its functions live in the functions runtime.  Function names are
looked up without regard to case, library names with it, as Redis's dicts.
"""

from .. import errors
from ..errors import CommandError

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
def dump(libraries, compress):
    """rdbSaveFunctions plus the DUMP trailer: RDB version and CRC64, little endian."""
    from ..persistence import rdb_writer
    return rdb_writer.with_trailer(rdb_writer.functions(libraries, compress))


def read_codes(config, payload):
    """The library codes of a verified payload; raises CommandError as functionRestoreCommand."""
    from ..persistence.rdb_loader import Loader, RdbLoadError
    from ..persistence.rdb_writer import OPCODE_FUNCTION, OPCODE_FUNCTION2
    end = len(payload) - 10
    reader = Loader(config, payload[:end])
    codes = []
    while end - reader.pos > 0:
        kind = reader.byte()
        if kind == OPCODE_FUNCTION:
            raise CommandError(errors.RESTORE_PRE_GA)
        if kind != OPCODE_FUNCTION2:
            raise CommandError(errors.RESTORE_NOT_FUNCTION)
        try:
            codes.append(reader.string())
        except RdbLoadError:
            raise CommandError(errors.RESTORE_BAD_LIBRARY)
    return codes
