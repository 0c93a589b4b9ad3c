"""Number parsing by Redis's rules, which are stricter than Python's ``int``/``float``.

``int(b" 1")``, ``int(b"+1")``, ``int(b"01")`` and ``int(b"1_0")`` all succeed in
Python; Redis's ``string2ll`` rejects every one of them.  Doubles follow C
``strtod`` as Redis calls it: no leading space, the whole string consumed,
hex floats and ``inf`` accepted, NaN and out-of-range values rejected.
"""
import math
import re

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

_INT = re.compile(rb"-?[1-9][0-9]{0,19}|0").fullmatch

_DECIMAL = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?").fullmatch
_HEX = re.compile(rb"([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)").fullmatch
_INF = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE).fullmatch
_NONZERO_MANTISSA = re.compile(rb"[1-9]").search


def parse_int(value):
    """Redis ``string2ll``: the int64 ``value`` spells exactly, else None."""
    # Most integers are short runs of ASCII digits (bytes.isdigit knows no
    # other digits): they need neither the pattern nor the range check.
    if value.__class__ is bytes and value.isdigit() and len(value) < 19 and (
            value[0] != 48 or len(value) == 1):
        return int(value)
    if _INT(value) is None:
        return None
    n = int(value)
    if INT64_MIN <= n <= INT64_MAX:
        return n
    return None


def parse_double(value):
    """Redis ``getDoubleFromObject`` (``strtod``): a finite or infinite double, else None."""
    # A short run of ASCII digits is always a finite double.
    if value.__class__ is bytes and value.isdigit() and len(value) < 300:
        return float(value)
    if _DECIMAL(value) is not None:
        result = float(value)
        if math.isinf(result):
            return None
        if result == 0.0:
            mantissa = re.split(rb"[eE]", value, 1)[0]
            if _NONZERO_MANTISSA(mantissa) is not None:
                return None
        return result
    m = _INF(value)
    if m is not None:
        return -math.inf if m.group(1) == b"-" else math.inf
    m = _HEX(value)
    if m is not None:
        body = m.group(2).decode()
        if "p" not in body.lower():
            body += "p0"
        try:
            result = float.fromhex(body)
        except OverflowError:
            return None
        return -result if m.group(1) == b"-" else result
    return None
