"""CRC-64/Jones, pure-Python twin of ``crc64.pyx``.

Redis checksums RDB files and DUMP payloads with the Jones polynomial
(0xad93d23594c935a9), input and output reflected, no final xor:
``crc64(0, b"123456789") == 0xe9c6d914c4b8d9ca``.  ``crc`` is the running
value, so a file can be checksummed in pieces.

Eight tables let each step fold eight input bytes at once (slicing-by-8),
which costs Python far fewer operations than one table step per byte.
"""

POLY = 0x95ac9329ac4bc9b5  # 0xad93d23594c935a9 with its bits reversed
MASK = (1 << 64) - 1


def _tables():
    first = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ POLY if crc & 1 else crc >> 1
        first.append(crc)
    tables = [first]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(prev[n] >> 8) ^ first[prev[n] & 0xff] for n in range(256)])
    return tables


TABLES = _tables()


def crc64(crc, data):
    """The CRC-64/Jones of ``data`` continued from ``crc``."""
    t0, t1, t2, t3, t4, t5, t6, t7 = TABLES
    data = bytes(data)
    crc &= MASK
    n = len(data)
    whole = n - n % 8
    from_bytes = int.from_bytes
    for i in range(0, whole, 8):
        crc ^= from_bytes(data[i:i + 8], "little")
        crc = (t7[crc & 0xff] ^ t6[(crc >> 8) & 0xff] ^ t5[(crc >> 16) & 0xff]
               ^ t4[(crc >> 24) & 0xff] ^ t3[(crc >> 32) & 0xff] ^ t2[(crc >> 40) & 0xff]
               ^ t1[(crc >> 48) & 0xff] ^ t0[crc >> 56])
    for i in range(whole, n):
        crc = t0[(crc ^ data[i]) & 0xff] ^ (crc >> 8)
    return crc


__all__ = ["crc64"]
