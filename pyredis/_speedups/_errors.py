"""Exceptions shared by the compiled and pure-Python twins.

Both twins import from here so that ``except ProtocolError`` catches the same
class whichever implementation the chooser picked.
"""


class ProtocolError(Exception):
    """A client sent bytes that Redis would reject as a protocol error.

    ``str(exc)`` is the full error text as Redis words it, starting with
    ``Protocol error: ``; the server adds the ``-ERR `` prefix.
    """


class HLLCorruptError(ValueError):
    """An HLL whose sparse runs do not cover its 16384 registers (Redis's INVALIDOBJ)."""


class BlobError(ValueError):
    """A listpack, intset or ziplist blob that is not well formed (the text says where)."""


__all__ = ["ProtocolError", "HLLCorruptError", "BlobError"]
