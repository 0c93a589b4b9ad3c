"""Sorted-set replies, pure-Python twin of ``zsetreply.pyx``.

A range or a pop replies with (score, member) pairs, a score printed as Redis
7.0 prints a double (``%.17g``, ``inf``, ``-inf``).
"""
_INF = float("inf")


def format_double(value):
    """A double as Redis 7.0 prints it in replies: ``%.17g``, ``inf``, ``-inf``."""
    value = float(value)
    if value == _INF:
        return b"inf"
    if value == -_INF:
        return b"-inf"
    return b"%.17g" % value


def encode_double(value, resp):
    """A double reply: a bulk string in RESP2, a double in RESP3."""
    text = format_double(value)
    if resp == 2:
        return b"$%d\r\n%b\r\n" % (len(text), text)
    return b",%b\r\n" % text


def _check(pairs):
    if pairs.__class__ is not list:
        raise TypeError("pairs must be a list")


def encode_scored(pairs, withscores, resp):
    """The members of (score, member) ``pairs``; with scores flat in RESP2,
    [member, score] pairs in RESP3."""
    _check(pairs)
    if not withscores:
        parts = [b"*%d\r\n" % len(pairs)]
        for _, member in pairs:
            parts.append(b"$%d\r\n%b\r\n" % (len(member), member))
        return b"".join(parts)
    if resp == 2:
        parts = [b"*%d\r\n" % (2 * len(pairs))]
        for score, member in pairs:
            text = format_double(score)
            parts.append(b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(member), member, len(text), text))
    else:
        parts = [b"*%d\r\n" % len(pairs)]
        for score, member in pairs:
            parts.append(b"*2\r\n$%d\r\n%b\r\n,%b\r\n" % (len(member), member, format_double(score)))
    return b"".join(parts)


def encode_flat(pairs, resp, key=None):
    """[key,] member, score, member, score ... as one flat array (the pops' reply)."""
    _check(pairs)
    parts = [b"*%d\r\n" % (2 * len(pairs) + (key is not None))]
    if key is not None:
        parts.append(b"$%d\r\n%b\r\n" % (len(key), key))
    if resp == 2:
        for score, member in pairs:
            text = format_double(score)
            parts.append(b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(member), member, len(text), text))
    else:
        for score, member in pairs:
            parts.append(b"$%d\r\n%b\r\n,%b\r\n" % (len(member), member, format_double(score)))
    return b"".join(parts)
