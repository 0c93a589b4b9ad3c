"""Redis's crc64.c (Jones polynomial, reflected), for FUNCTION DUMP/RESTORE payloads."""
_POLY = 0x95AC9329AC4BC9B5


def _table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def crc64(crc, data):
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc
