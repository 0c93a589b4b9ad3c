"""LZF compression, pure-Python twin of ``lzf.pyx``.

Redis compresses RDB strings with liblzf 3.6 (``lzf_c.c`` built with
``VERY_FAST``, ``HLOG 16``, offsets in the hash table).  To write the same
bytes as redis-server the compressor makes the same choices:

* a 65536-slot table indexed by a hash of the next three bytes holds the last
  position with that hash; a slot still empty (0) never matches, because
  liblzf only takes a reference strictly after the start of the input;
* a match needs the three bytes equal and an offset below 8192; it is
  extended to at most 264 bytes, and when more than 16 bytes remain the first
  19 are compared unconditionally (liblzf's unrolled loop), so a match near
  the end may be a little longer than its bound;
* after a match only the last two positions it covered are hashed;
* literals go in runs of at most 32, each behind a one-byte header.

The output buffer is bounded as in C: the same tests, at the same moments,
decide that the result does not fit.
"""

MAX_LIT = 32
MAX_OFF = 1 << 13
MAX_REF = (1 << 8) + (1 << 3)
# liblzf compares the first 16 bytes after the 3 known ones without a bound
# check when more than 16 remain.
UNROLLED = 16

CORRUPT = "Invalid LZF compressed data"


def lzf_compress(data, max_out):
    """Compress ``data`` into at most ``max_out`` bytes, or None if it does not fit.

    Empty input gives None, as liblzf's 0 means "not compressed".
    """
    data = bytes(data)
    in_len = len(data)
    if in_len == 0 or max_out <= 0:
        return None
    out = bytearray()
    append = out.append
    extend = out.extend
    htab = {}
    get = htab.get
    lit = 0
    ip = 0
    last = in_len - 2
    while ip < last:
        a = data[ip + 1]
        slot = (((data[ip] << 8) | a) - ((a << 8) | data[ip + 2]) * 5) & 0xffff
        ref = get(slot, 0)
        htab[slot] = ip
        if (ref and ip - ref <= MAX_OFF and data[ref + 2] == data[ip + 2]
                and data[ref] == data[ip] and data[ref + 1] == a):
            # op is the C output pointer: committed bytes, the reserved run
            # header and the literals of the open run.
            op = len(out) + 1 + lit
            if op + 4 >= max_out and op - (lit == 0) + 4 >= max_out:
                return None
            if lit:
                append(lit - 1)
                extend(data[ip - lit:ip])
                lit = 0
            maxlen = in_len - ip - 2
            if maxlen > MAX_REF:
                maxlen = MAX_REF
            bound = maxlen if maxlen <= UNROLLED else max(maxlen, UNROLLED + 3)
            length = 3
            if length < bound:
                if data[ref + 3:ref + bound] == data[ip + 3:ip + bound]:
                    length = bound
                else:
                    while data[ref + length] == data[ip + length]:
                        length += 1
            off = ip - ref - 1
            code = length - 2
            if code < 7:
                append((off >> 8) + (code << 5))
            else:
                append((off >> 8) + 224)
                append(code - 7)
            append(off & 0xff)
            ip += length
            if ip >= last:
                break
            # VERY_FAST: hash only the two positions before the match's end.
            p = ip - 2
            b = data[p + 1]
            c = data[p + 2]
            htab[(((data[p] << 8) | b) - ((b << 8) | c) * 5) & 0xffff] = p
            htab[(((b << 8) | c) - ((c << 8) | data[p + 3]) * 5) & 0xffff] = p + 1
        else:
            if len(out) + 1 + lit >= max_out:
                return None
            lit += 1
            ip += 1
            if lit == MAX_LIT:
                append(MAX_LIT - 1)
                extend(data[ip - MAX_LIT:ip])
                lit = 0
    if len(out) + 1 + lit + 3 > max_out:
        return None
    while ip < in_len:
        lit += 1
        ip += 1
        if lit == MAX_LIT:
            append(MAX_LIT - 1)
            extend(data[ip - MAX_LIT:ip])
            lit = 0
    if lit:
        append(lit - 1)
        extend(data[ip - lit:ip])
    return bytes(out)


def lzf_decompress(data, out_len):
    """Exactly ``out_len`` bytes decompressed from ``data``; ValueError if corrupt."""
    data = bytes(data)
    in_len = len(data)
    if in_len == 0:
        raise ValueError(CORRUPT)
    out = bytearray()
    ip = 0
    while ip < in_len:
        ctrl = data[ip]
        ip += 1
        if ctrl < 32:
            ctrl += 1
            if len(out) + ctrl > out_len or ip + ctrl > in_len:
                raise ValueError(CORRUPT)
            out += data[ip:ip + ctrl]
            ip += ctrl
        else:
            length = ctrl >> 5
            if ip >= in_len:
                raise ValueError(CORRUPT)
            if length == 7:
                length += data[ip]
                ip += 1
                if ip >= in_len:
                    raise ValueError(CORRUPT)
            ref = len(out) - ((ctrl & 0x1f) << 8) - 1 - data[ip]
            ip += 1
            length += 2
            if len(out) + length > out_len or ref < 0:
                raise ValueError(CORRUPT)
            off = len(out) - ref
            if off >= length:
                out += out[ref:ref + length]
            else:
                # The copy overlaps its own output: a repeat of the last off bytes.
                chunk = out[ref:]
                reps, rest = divmod(length, off)
                out += chunk * reps + chunk[:rest]
    if len(out) != out_len:
        raise ValueError(CORRUPT)
    return bytes(out)


__all__ = ["lzf_compress", "lzf_decompress"]
