"""Redis glob matching (``stringmatchlen``), shared by KEYS, SCAN, CONFIG GET and pub/sub.

A pattern is translated once into an equivalent regular expression and cached.
Brackets are evaluated into an explicit byte set by walking them exactly as
Redis does, which keeps its quirks: an unclosed ``[`` takes the rest of the
pattern, ``[a-]`` reads ``]`` as the end of a range, ``[^`` matches any byte.
"""
import functools
import re

_LOWER = bytes(range(256)).lower()


def _bracket(pattern, i, nocase):
    """Walk a bracket starting after ``[``; return (byte set, index after it)."""
    n = len(pattern)
    negate = i < n and pattern[i] == 0x5E  # '^'
    if negate:
        i += 1
    items = []  # (lo, hi) inclusive ranges
    while True:
        if i < n and pattern[i] == 0x5C and n - i >= 2:  # '\\' escapes one byte
            i += 1
            items.append((pattern[i], pattern[i]))
        elif i < n and pattern[i] == 0x5D:  # ']'
            break
        elif i >= n:
            break
        elif n - i >= 3 and pattern[i + 1] == 0x2D:  # 'a-z'
            lo, hi = pattern[i], pattern[i + 2]
            if lo > hi:
                lo, hi = hi, lo
            items.append((lo, hi, "range"))
            i += 2
        else:
            items.append((pattern[i], pattern[i]))
        i += 1
    members = set()
    for c in range(256):
        hit = False
        for item in items:
            lo, hi = item[0], item[1]
            if nocase:
                if len(item) == 3:
                    lo, hi, cc = _LOWER[lo], _LOWER[hi], _LOWER[c]
                    hit = lo <= cc <= hi
                else:
                    hit = _LOWER[lo] == _LOWER[c]
            else:
                hit = lo <= c <= hi
            if hit:
                break
        if hit != negate:
            members.add(c)
    return members, i + 1


def _byte_class(members):
    if not members:
        return b"(?!)"
    if len(members) == 256:
        return b"."
    return b"[" + b"".join(re.escape(bytes([c])) for c in sorted(members)) + b"]"


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern, nocase=False):
    """A callable ``match(subject) -> bool`` for a Redis glob ``pattern`` (bytes)."""
    if pattern == b"*":
        # KEYS and SCAN treat a lone "*" as "everything", the empty name included.
        return lambda subject: True
    if not pattern:
        return lambda subject: not subject
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == 0x2A:  # '*'
            out.append(b".*")
            i += 1
        elif c == 0x3F:  # '?'
            out.append(b".")
            i += 1
        elif c == 0x5B:  # '['
            members, i = _bracket(pattern, i + 1, nocase)
            out.append(_byte_class(members))
        else:
            if c == 0x5C and n - i >= 2:
                i += 1
                c = pattern[i]
            if nocase and _LOWER[c] != c or nocase and bytes([c]).upper() != bytes([c]):
                out.append(_byte_class({c, _LOWER[c], bytes([c]).upper()[0]}))
            else:
                out.append(re.escape(bytes([c])))
            i += 1
    regex = re.compile(b"".join(out), re.DOTALL)
    fullmatch = regex.fullmatch
    # stringmatchlen never enters its loop for an empty subject: only an empty pattern matches it.
    return lambda subject: bool(subject) and fullmatch(subject) is not None


def match(pattern, subject, nocase=False):
    return compile_pattern(bytes(pattern), nocase)(subject)


def prefix_end(prefix):
    """The least name above every name starting with ``prefix``, or None if there is none.

    The names starting with ``prefix`` are then those with
    ``prefix <= name < prefix_end(prefix)``: two comparisons, cheaper than a
    ``startswith`` call.
    """
    head = prefix.rstrip(b"\xff")
    if not head:
        return None
    return head[:-1] + bytes((head[-1] + 1,))
