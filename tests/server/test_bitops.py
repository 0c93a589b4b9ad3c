"""Bitmap and bitfield commands against a live pyredis: raw reply bytes."""
import time

import pytest
from respclient import bulk, keyevents, parse

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INTEGER = b"-ERR value is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"
BIT_OFFSET = b"-ERR bit offset is not an integer or out of range\r\n"
BIT_VALUE = b"-ERR bit is not an integer or out of range\r\n"
BAD_TYPE = (b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
            b"supported but i64 is.\r\n")


def ints(*values):
    return b"*%d\r\n" % len(values) + b"".join(b":%d\r\n" % v for v in values)


# ---- SETBIT / GETBIT -----------------------------------------------------------

def test_setbit_grows_with_zero_bytes_and_returns_old_bit(raw):
    assert raw.cmd("SETBIT", "k", "1", "1") == b":0\r\n"
    assert raw.cmd("GET", "k") == bulk(b"\x40")
    assert raw.cmd("SETBIT", "k", "1", "1") == b":1\r\n"
    assert raw.cmd("SETBIT", "k", "23", "1") == b":0\r\n"
    assert raw.cmd("GET", "k") == bulk(b"\x40\x00\x01")
    assert raw.cmd("SETBIT", "k", "1", "0") == b":1\r\n"
    assert raw.cmd("GET", "k") == bulk(b"\x00\x00\x01")
    # Clearing a bit far away still creates the bytes up to it.
    assert raw.cmd("SETBIT", "z", "100", "0") == b":0\r\n"
    assert raw.cmd("STRLEN", "z") == b":13\r\n"


def test_setbit_errors_and_check_order(raw):
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("SETBIT", "k", "-1", "1") == BIT_OFFSET
    assert raw.cmd("SETBIT", "k", "x", "1") == BIT_OFFSET
    assert raw.cmd("SETBIT", "k", "4294967296", "1") == BIT_OFFSET
    assert raw.cmd("SETBIT", "k", "0", "2") == BIT_VALUE
    assert raw.cmd("SETBIT", "k", "0", "x") == BIT_VALUE
    assert raw.cmd("SETBIT", "l", "x", "1") == BIT_OFFSET
    assert raw.cmd("SETBIT", "l", "0", "1") == WRONGTYPE
    assert raw.cmd("EXISTS", "k") == b":0\r\n"


def test_setbit_offset_limit_follows_proto_max_bulk_len(raw):
    raw.cmd("CONFIG", "SET", "proto-max-bulk-len", "1mb")
    try:
        assert raw.cmd("SETBIT", "k", str(8 * 1024 * 1024), "1") == BIT_OFFSET
        assert raw.cmd("SETBIT", "k", str(8 * 1024 * 1024 - 1), "1") == b":0\r\n"
        assert raw.cmd("STRLEN", "k") == b":1048576\r\n"
    finally:
        raw.cmd("CONFIG", "SET", "proto-max-bulk-len", "512mb")


def test_setbit_on_integer_string_makes_it_raw(raw):
    raw.cmd("SET", "k", "12")
    assert raw.cmd("OBJECT", "ENCODING", "k") == b"$3\r\nint\r\n"
    assert raw.cmd("SETBIT", "k", "6", "1") == b":0\r\n"
    assert raw.cmd("GET", "k") == bulk(b"32")
    assert raw.cmd("OBJECT", "ENCODING", "k") == b"$3\r\nraw\r\n"


def test_getbit(raw):
    raw.cmd("SET", "k", b"\x80\x01")
    assert raw.cmd("GETBIT", "k", "0") == b":1\r\n"
    assert raw.cmd("GETBIT", "k", "1") == b":0\r\n"
    assert raw.cmd("GETBIT", "k", "15") == b":1\r\n"
    assert raw.cmd("GETBIT", "k", "16") == b":0\r\n"
    assert raw.cmd("GETBIT", "missing", "3") == b":0\r\n"
    assert raw.cmd("GETBIT", "k", "-1") == BIT_OFFSET
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("GETBIT", "l", "0") == WRONGTYPE
    assert raw.cmd("GETBIT", "l", "x") == BIT_OFFSET


# ---- BITCOUNT ---------------------------------------------------------------------

def test_bitcount_ranges(raw):
    raw.cmd("SET", "k", "foobar")
    assert raw.cmd("BITCOUNT", "k") == b":26\r\n"
    assert raw.cmd("BITCOUNT", "k", "0", "0") == b":4\r\n"
    assert raw.cmd("BITCOUNT", "k", "1", "1") == b":6\r\n"
    assert raw.cmd("BITCOUNT", "k", "-2", "-1") == b":7\r\n"
    assert raw.cmd("BITCOUNT", "k", "1", "1", "BYTE") == b":6\r\n"
    assert raw.cmd("BITCOUNT", "k", "5", "30", "BIT") == b":17\r\n"
    assert raw.cmd("BITCOUNT", "k", "-1", "-5") == b":0\r\n"
    assert raw.cmd("BITCOUNT", "k", "4", "2") == b":0\r\n"
    assert raw.cmd("BITCOUNT", "k", "0", "1000") == b":26\r\n"
    assert raw.cmd("BITCOUNT", "missing") == b":0\r\n"


def test_bitcount_errors_come_after_the_lookup(raw):
    assert raw.cmd("BITCOUNT", "missing", "a", "b") == b":0\r\n"
    assert raw.cmd("BITCOUNT", "missing", "1") == b":0\r\n"
    raw.cmd("SET", "k", "x")
    assert raw.cmd("BITCOUNT", "k", "1") == SYNTAX
    assert raw.cmd("BITCOUNT", "k", "a", "1") == NOT_INTEGER
    assert raw.cmd("BITCOUNT", "k", "0", "1", "bits") == SYNTAX
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("BITCOUNT", "l", "a") == WRONGTYPE


def test_bitcount_megabytes_quickly(raw):
    data = bytes(range(256)) * 4096
    raw.cmd("SET", "big", data)
    start = time.monotonic()
    assert raw.cmd("BITCOUNT", "big") == b":%d\r\n" % (4 * 4096 * 256)
    assert raw.cmd("BITCOUNT", "big", "1", "-2", "BIT") == b":%d\r\n" % (4 * 4096 * 256 - 1)
    assert time.monotonic() - start < 2


# ---- BITPOS ---------------------------------------------------------------------------

def test_bitpos(raw):
    raw.cmd("SET", "k", b"\xff\xf0\x00")
    assert raw.cmd("BITPOS", "k", "0") == b":12\r\n"
    assert raw.cmd("BITPOS", "k", "1", "2") == b":-1\r\n"
    assert raw.cmd("BITPOS", "k", "1", "0", "-1", "BIT") == b":0\r\n"
    assert raw.cmd("BITPOS", "k", "1", "7", "15", "BIT") == b":7\r\n"
    assert raw.cmd("BITPOS", "k", "0", "2", "9", "bit") == b":-1\r\n"
    raw.cmd("SET", "ones", b"\xff\xff")
    # No end given: the string is as if padded with zero bits.
    assert raw.cmd("BITPOS", "ones", "0") == b":16\r\n"
    assert raw.cmd("BITPOS", "ones", "0", "1") == b":16\r\n"
    assert raw.cmd("BITPOS", "ones", "0", "0", "-1") == b":-1\r\n"
    assert raw.cmd("BITPOS", "missing", "0") == b":0\r\n"
    assert raw.cmd("BITPOS", "missing", "1") == b":-1\r\n"
    raw.cmd("SET", "empty", "")
    assert raw.cmd("BITPOS", "empty", "0") == b":-1\r\n"


def test_bitpos_errors(raw):
    assert raw.cmd("BITPOS", "k", "2") == b"-ERR The bit argument must be 1 or 0.\r\n"
    assert raw.cmd("BITPOS", "k", "x") == NOT_INTEGER
    assert raw.cmd("BITPOS", "missing", "1", "x") == b":-1\r\n"
    raw.cmd("SET", "k", "a")
    assert raw.cmd("BITPOS", "k", "1", "x") == NOT_INTEGER
    assert raw.cmd("BITPOS", "k", "1", "0", "1", "words") == SYNTAX
    assert raw.cmd("BITPOS", "k", "1", "0", "1", "bit", "x") == SYNTAX
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("BITPOS", "l", "1") == WRONGTYPE


def test_bitpos_megabytes_quickly(raw):
    raw.cmd("SETBIT", "big", str(8 * 1024 * 1024 - 3), "1")
    start = time.monotonic()
    assert raw.cmd("BITPOS", "big", "1") == b":%d\r\n" % (8 * 1024 * 1024 - 3)
    assert raw.cmd("BITPOS", "big", "1", "1", "-1", "BIT") == b":%d\r\n" % (8 * 1024 * 1024 - 3)
    assert time.monotonic() - start < 2


# ---- BITOP ---------------------------------------------------------------------------------

def test_bitop_operations_and_lengths(raw):
    raw.cmd("SET", "a", b"\xff\x0f")
    raw.cmd("SET", "b", b"\x0f")
    assert raw.cmd("BITOP", "AND", "d", "a", "b") == b":2\r\n"
    assert raw.cmd("GET", "d") == bulk(b"\x0f\x00")
    assert raw.cmd("BITOP", "or", "d", "a", "b", "missing") == b":2\r\n"
    assert raw.cmd("GET", "d") == bulk(b"\xff\x0f")
    assert raw.cmd("BITOP", "XOR", "d", "a", "b") == b":2\r\n"
    assert raw.cmd("GET", "d") == bulk(b"\xf0\x0f")
    assert raw.cmd("BITOP", "NOT", "d", "b") == b":1\r\n"
    assert raw.cmd("GET", "d") == bulk(b"\xf0")
    assert raw.cmd("OBJECT", "ENCODING", "d") == b"$3\r\nraw\r\n"


def test_bitop_empty_result_deletes_destination(raw):
    raw.cmd("SET", "d", "x")
    raw.cmd("SET", "e", "")
    assert raw.cmd("BITOP", "AND", "d", "missing", "e") == b":0\r\n"
    assert raw.cmd("EXISTS", "d") == b":0\r\n"


def test_bitop_errors(raw):
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("BITOP", "NAND", "d", "a") == SYNTAX
    assert raw.cmd("BITOP", "NOT", "d", "a", "b") == (
        b"-ERR BITOP NOT must be called with a single source key.\r\n")
    assert raw.cmd("BITOP", "AND", "d", "a", "l") == WRONGTYPE


def test_bitop_megabytes(raw):
    a = bytes(range(256)) * 4096
    raw.cmd("SET", "a", a)
    raw.cmd("SET", "b", b"\xff" * 10)
    start = time.monotonic()
    assert raw.cmd("BITOP", "XOR", "d", "a", "b") == b":1048576\r\n"
    assert raw.cmd("BITOP", "NOT", "n", "a") == b":1048576\r\n"
    assert time.monotonic() - start < 2
    assert raw.cmd("GETRANGE", "d", "0", "11") == bulk(bytes(255 - i for i in range(10)) + b"\x0a\x0b")
    assert raw.cmd("GETRANGE", "n", "-2", "-1") == bulk(b"\x01\x00")


# ---- BITFIELD ----------------------------------------------------------------------------------

def test_bitfield_get_set_incrby(raw):
    assert raw.cmd("BITFIELD", "k", "SET", "u8", "0", "200", "GET", "u8", "0", "GET", "i8", "0") == (
        ints(0, 200, -56))
    assert raw.cmd("GET", "k") == bulk(b"\xc8")
    assert raw.cmd("BITFIELD", "k", "INCRBY", "u4", "#1", "3", "GET", "u4", "4") == ints(11, 11)
    assert raw.cmd("BITFIELD", "k", "SET", "i64", "8", "-1", "GET", "u63", "9") == ints(0, (1 << 63) - 1)
    assert raw.cmd("BITFIELD", "k") == b"*0\r\n"
    assert raw.cmd("BITFIELD", "missing", "GET", "i16", "100") == ints(0)
    assert raw.cmd("EXISTS", "missing") == b":0\r\n"


def test_bitfield_overflow_modes(raw):
    assert raw.cmd("BITFIELD", "k", "INCRBY", "u2", "0", "5") == ints(1)
    assert raw.cmd("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u2", "0", "5",
                   "INCRBY", "i8", "8", "-200") == ints(3, -128)
    assert raw.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "1",
                   "OVERFLOW", "WRAP", "INCRBY", "i8", "8", "-1") == b"*2\r\n$-1\r\n:127\r\n"
    # An unsigned field reads a negative operand as a huge uint64.
    assert raw.cmd("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "16", "-1",
                   "GET", "u8", "16") == ints(0, 255)
    # Redis's int64 arithmetic saturates a huge negative SET of a narrow field high.
    assert raw.cmd("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "24", "-9223372036854775808",
                   "GET", "i8", "24") == ints(0, 127)


def test_bitfield_errors_are_checked_before_the_key(raw):
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("BITFIELD", "l", "GET", "u64", "0") == BAD_TYPE
    assert raw.cmd("BITFIELD", "l", "GET", "I8", "0") == BAD_TYPE
    assert raw.cmd("BITFIELD", "l", "GET", "i65", "0") == BAD_TYPE
    assert raw.cmd("BITFIELD", "l", "GET", "i8", "-1") == BIT_OFFSET
    assert raw.cmd("BITFIELD", "l", "GET", "i8", "#-1") == BIT_OFFSET
    assert raw.cmd("BITFIELD", "l", "OVERFLOW", "x") == b"-ERR Invalid OVERFLOW type specified\r\n"
    assert raw.cmd("BITFIELD", "l", "OVERFLOW") == SYNTAX
    assert raw.cmd("BITFIELD", "l", "GET", "i8") == SYNTAX
    assert raw.cmd("BITFIELD", "l", "SET", "i8", "0", "x") == NOT_INTEGER
    assert raw.cmd("BITFIELD", "l", "GET", "i8", "0") == WRONGTYPE
    assert raw.cmd("BITFIELD_RO", "k", "SET", "i8", "0", "1") == (
        b"-ERR BITFIELD_RO only supports the GET subcommand\r\n")
    assert raw.cmd("EXISTS", "k") == b":0\r\n"


def test_bitfield_ro(raw):
    raw.cmd("SET", "k", b"\x01\x02")
    assert raw.cmd("BITFIELD_RO", "k", "GET", "u16", "0", "GET", "u8", "#1") == ints(258, 2)
    assert raw.cmd("BITFIELD_RO", "k") == b"*0\r\n"


def test_bitfield_fail_on_new_key_creates_it(raw):
    assert raw.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "10", "9") == b"*1\r\n$-1\r\n"
    assert raw.cmd("GET", "k") == bulk(b"\x00\x00")


def test_bitops_resp3_null(server):
    from respclient import RawClient
    c = RawClient(server.port)
    try:
        c.cmd("HELLO", "3")
        c.cmd("DEL", "k")
        assert c.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9") == b"*1\r\n_\r\n"
    finally:
        c.close()


# ---- keyspace events and dirty ---------------------------------------------------------

@pytest.mark.parametrize("commands, expected", [
    ([("SETBIT", "k", "3", "1"), ("SETBIT", "k", "3", "1"), ("SETBIT", "k", "3", "0")],
     ["setbit k", "setbit k"]),
    ([("SETBIT", "k", "3", "0")], ["setbit k"]),
    ([("BITFIELD", "k", "SET", "u8", "0", "0")], ["setbit k"]),
    ([("SET", "k", b"\x00"), ("BITFIELD", "k", "SET", "u8", "0", "0", "GET", "u8", "0")], ["set k"]),
    ([("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9")], []),
    ([("SET", "a", "x"), ("BITOP", "NOT", "d", "a"), ("BITOP", "AND", "d", "missing")],
     ["set a", "set d", "del d"]),
])
def test_keyevents(notifying, commands, expected):
    writer, sub = notifying
    writer.cmd("FLUSHALL")
    keyevents(sub)
    for cmd in commands:
        writer.cmd(*cmd)
    assert keyevents(sub) == expected


def dirty(raw):
    info = parse(raw.cmd("INFO", "persistence")).decode()
    return int(info.split("rdb_changes_since_last_save:")[1].split()[0])


def test_bitfield_dirty_counts_changed_fields(raw):
    raw.cmd("SET", "k", b"\x00\x00")
    before = dirty(raw)
    raw.cmd("BITFIELD", "k", "SET", "u8", "0", "1", "SET", "u8", "8", "0", "INCRBY", "u8", "0", "1")
    assert dirty(raw) - before == 2
