"""Redis's sdscatrepr: a byte string in double quotes with C escapes.

MONITOR prints every argument so and the Lua debugger every string it
shows; both come here, which imports nothing of the server.
"""
import re

# What each byte becomes: printable ASCII as itself, the C escapes sdscatrepr
# knows by name, everything else as \xNN.
_ESCAPED = [bytes((i,)) if 32 <= i < 127 else b"\\x%02x" % i for i in range(256)]
for _byte, _text in ((0x5C, b"\\\\"), (0x22, b'\\"'), (0x0A, b"\\n"), (0x0D, b"\\r"),
                     (0x09, b"\\t"), (0x07, b"\\a"), (0x08, b"\\b")):
    _ESCAPED[_byte] = _text
_NEEDS_ESCAPE = re.compile(rb'[^\x20\x21\x23-\x5b\x5d-\x7e]').search


def sdscatrepr(s):
    """``s`` (bytes) quoted as sdscatrepr does."""
    if _NEEDS_ESCAPE(s) is None:
        return b'"' + s + b'"'
    return b'"' + b"".join([_ESCAPED[ch] for ch in s]) + b'"'
