"""x87 ``long double`` arithmetic for INCRBYFLOAT, exact to the last printed digit.

Redis 7.0 parses INCRBYFLOAT operands with ``strtold``, adds them as 80-bit
extended floats (64-bit significand, binary exponent down to 2**-16445 for
denormals, up to 2**16383) and prints the sum with ``%.17Lf``.  A Python
float has 11 fewer significand bits, so it would print different digits
(``10.5 + 0.1`` is ``10.6`` in Redis, ``10.59999999999999964`` with doubles).

Values here are exact: a finite value is ``(negative, mantissa, exponent)``
meaning ``(-1)**negative * mantissa * 2**exponent`` with ``mantissa`` fitting
64 bits; ``None`` means infinity or NaN.  Every rounding step is round to
nearest, ties to even, like the x87 unit and glibc's ``strtold``/``printf``.
"""
import re

SIGNIFICAND_BITS = 64
MIN_LSB = -16445          # exponent of the smallest denormal
MAX_MSB = 16383           # exponent of the largest finite value's top bit
# strtold input is copied into a buffer of this size first (MAX_LONG_DOUBLE_CHARS).
MAX_CHARS = 5 * 1024

_DECIMAL = re.compile(rb"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?").fullmatch
_HEX = re.compile(rb"([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?").fullmatch
_INF = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE).fullmatch

INF = "inf"
NEG_INF = "-inf"
ZERO = (False, 0, 0)

# Python refuses int<->str conversions past 4300 digits; a long double prints
# up to ~4950 digits, so long conversions go through chunks.
_CHUNK = 4000
_CHUNK_POW = 10 ** _CHUNK


def _int_from_digits(digits):
    if len(digits) <= _CHUNK:
        return int(digits) if digits else 0
    n = 0
    for i in range(0, len(digits), _CHUNK):
        part = digits[i:i + _CHUNK]
        n = n * 10 ** len(part) + int(part)
    return n


def _digits_of_int(n):
    if n < 10 ** _CHUNK:
        return str(n)
    parts = []
    while n >= _CHUNK_POW:
        n, low = divmod(n, _CHUNK_POW)
        parts.append(str(low).zfill(_CHUNK))
    parts.append(str(n))
    return "".join(reversed(parts))


def _exponent(text, limit=10 ** 6):
    """The int in an exponent field, clamped to +-``limit`` (beyond it the value is 0 or inf anyway)."""
    sign = -1 if text[:1] == b"-" else 1
    digits = text.lstrip(b"+-").lstrip(b"0")
    if len(digits) > 7:
        return sign * limit
    return sign * min(int(digits or b"0"), limit)


def _round(negative, num, den, exp2):
    """``num / den * 2**exp2`` (num > 0) rounded to a long double: a value or INF."""
    shift = SIGNIFICAND_BITS + 2 - (num.bit_length() - den.bit_length())
    if shift >= 0:
        q, r = divmod(num << shift, den)
    else:
        q, r = divmod(num, den << -shift)
    e = exp2 - shift
    # q has at least 65 bits now; keep 64 (fewer for denormals), round the rest.
    lsb = max(e + q.bit_length() - SIGNIFICAND_BITS, MIN_LSB)
    drop = lsb - e
    if drop > 0:
        m = q >> drop
        low = q & ((1 << drop) - 1)
        half = 1 << (drop - 1)
        if low > half or (low == half and (r or m & 1)):
            m += 1
    else:
        m = q << -drop
    if m >> SIGNIFICAND_BITS:
        m >>= 1
        lsb += 1
    if m and lsb + m.bit_length() - 1 > MAX_MSB:
        return NEG_INF if negative else INF
    return (negative, m, lsb)


def parse(value):
    """Redis ``string2ld``: a long double, INF/NEG_INF for an explicit infinity, None if invalid.

    ``strtold`` must consume the whole string; leading spaces, NaN, overflow
    and underflow to zero are rejected.
    """
    if not value or len(value) >= MAX_CHARS:
        return None
    m = _DECIMAL(value)
    if m is not None:
        sign, whole, frac, exp = m.groups()
        frac = frac or b""
        if not whole and not frac:
            return None
        digits = (whole + frac).lstrip(b"0")
        negative = sign == b"-"
        if not digits:
            return (negative, 0, 0)
        exp10 = (_exponent(exp) if exp else 0) - len(frac)
        top = len(digits) - 1 + exp10
        if top > 4933:
            return None
        if top < -4952:
            return None
        n = _int_from_digits(digits.decode())
        if exp10 >= 0:
            result = _round(negative, n * 10 ** exp10, 1, 0)
        else:
            result = _round(negative, n, 10 ** -exp10, 0)
    else:
        m = _HEX(value)
        if m is None:
            m = _INF(value)
            if m is None:
                return None
            return NEG_INF if m.group(1) == b"-" else INF
        sign, whole, frac, exp = m.groups()
        frac = frac or b""
        if not whole and not frac:
            return None
        negative = sign == b"-"
        n = int(whole + frac, 16) if len(whole + frac) <= _CHUNK else int((whole + frac).decode(), 16)
        if n == 0:
            return (negative, 0, 0)
        exp2 = (_exponent(exp) if exp else 0) - 4 * len(frac)
        top = n.bit_length() - 1 + exp2
        if top > MAX_MSB + 1 or top < MIN_LSB - 2:
            return None
        if exp2 >= 0:
            result = _round(negative, n << exp2, 1, 0)
        else:
            result = _round(negative, n, 1, exp2)
    if result is INF or result is NEG_INF or result[1] == 0:
        # ERANGE: overflow to HUGE_VALL or underflow to zero.
        return None
    return result


def add(a, b):
    """``a + b`` rounded to a long double; None when the sum is infinite or NaN."""
    if a is INF or a is NEG_INF or b is INF or b is NEG_INF:
        return None
    na, ma, ea = a
    nb, mb, eb = b
    e = min(ea, eb)
    sa = (ma << (ea - e)) * (-1 if na else 1)
    sb = (mb << (eb - e)) * (-1 if nb else 1)
    total = sa + sb
    if total == 0:
        # x + (-x) is +0 when rounding to nearest; -0 + -0 stays -0.
        return (na and nb, 0, 0)
    result = _round(total < 0, abs(total), 1, e)
    if result is INF or result is NEG_INF:
        return None
    return result


def multiply(value, factor):
    """``value * factor`` (an int) rounded to a long double, or INF/NEG_INF."""
    negative, m, e = value
    if m == 0 or factor == 0:
        return (negative, 0, 0)
    if factor < 0:
        negative, factor = not negative, -factor
    return _round(negative, m * factor, 1, e)


def format_human(value):
    """``%.17Lf`` with trailing zeros and a trailing point removed; ``-0`` prints as ``0``.

    This is Redis's ``ld2string(..., LD_STR_HUMAN)``.
    """
    negative, m, e = value
    scale = 10 ** 17
    if e >= 0:
        n = (m << e) * scale
    else:
        q, r = divmod(m * scale, 1 << -e)
        twice = r << 1
        den = 1 << -e
        if twice > den or (twice == den and q & 1):
            q += 1
        n = q
    whole, frac = divmod(n, scale)
    text = _digits_of_int(whole)
    if frac:
        text += "." + str(frac).zfill(17).rstrip("0")
    if negative and text != "0":
        text = "-" + text
    return text.encode()
