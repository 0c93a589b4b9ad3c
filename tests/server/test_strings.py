"""String commands against a live pyredis: raw reply bytes where the wire form matters."""
import random
import time

import pytest
from respclient import bulk

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INTEGER = b"-ERR value is not an integer or out of range\r\n"
NOT_FLOAT = b"-ERR value is not a valid float\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NULL = b"$-1\r\n"


def invalid_expire(name):
    return b"-ERR invalid expire time in '%b' command\r\n" % name


# ---- GET / SET ---------------------------------------------------------------

def test_get_set_roundtrip_binary_safe(raw):
    value = bytes(range(256)) + b"\r\n"
    assert raw.cmd("SET", "k", value) == b"+OK\r\n"
    assert raw.cmd("GET", "k") == bulk(value)
    assert raw.cmd("GET", "missing") == NULL
    assert raw.cmd("SET", "empty", "") == b"+OK\r\n"
    assert raw.cmd("GET", "empty") == b"$0\r\n\r\n"


def test_get_wrongtype(raw):
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("GET", "l") == WRONGTYPE


def test_set_overwrites_any_type_and_drops_ttl(raw):
    raw.cmd("RPUSH", "l", "a")
    raw.cmd("EXPIRE", "l", "100")
    assert raw.cmd("SET", "l", "v") == b"+OK\r\n"
    assert raw.cmd("TYPE", "l") == b"+string\r\n"
    assert raw.cmd("TTL", "l") == b":-1\r\n"


def test_set_nx_xx(raw):
    assert raw.cmd("SET", "k", "1", "XX") == NULL
    assert raw.cmd("EXISTS", "k") == b":0\r\n"
    assert raw.cmd("SET", "k", "1", "NX") == b"+OK\r\n"
    assert raw.cmd("SET", "k", "2", "NX") == NULL
    assert raw.cmd("SET", "k", "3", "xx") == b"+OK\r\n"
    assert raw.cmd("GET", "k") == bulk("3")
    # Repeating an option is allowed; combining NX and XX is not.
    assert raw.cmd("SET", "k", "4", "NX", "NX") == NULL
    assert raw.cmd("SET", "k", "4", "NX", "XX") == SYNTAX
    assert raw.cmd("SET", "k", "4", "XX", "NX") == SYNTAX


def test_set_get_option(raw):
    assert raw.cmd("SET", "k", "a", "GET") == NULL
    assert raw.cmd("SET", "k", "b", "GET") == bulk("a")
    assert raw.cmd("SET", "k", "c", "NX", "GET") == bulk("b")
    assert raw.cmd("GET", "k") == bulk("b")
    assert raw.cmd("SET", "n", "x", "XX", "GET") == NULL
    assert raw.cmd("EXISTS", "n") == b":0\r\n"
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("SET", "l", "x", "GET") == WRONGTYPE
    assert raw.cmd("TYPE", "l") == b"+list\r\n"


def test_set_expire_options(raw):
    assert raw.cmd("SET", "k", "v", "EX", "100") == b"+OK\r\n"
    assert raw.cmd("TTL", "k") == b":100\r\n"
    assert raw.cmd("SET", "k", "v", "PX", "100000") == b"+OK\r\n"
    assert 99000 <= int(raw.cmd("PTTL", "k")[1:]) <= 100000
    at = int(time.time()) + 1000
    assert raw.cmd("SET", "k", "v", "EXAT", str(at)) == b"+OK\r\n"
    assert raw.cmd("EXPIRETIME", "k") == b":%d\r\n" % at
    assert raw.cmd("SET", "k", "v", "PXAT", str(at * 1000 + 7)) == b"+OK\r\n"
    assert raw.cmd("PEXPIRETIME", "k") == b":%d\r\n" % (at * 1000 + 7)
    # The last of repeated expire options wins.
    assert raw.cmd("SET", "k", "v", "EX", "10", "EX", "20") == b"+OK\r\n"
    assert raw.cmd("TTL", "k") == b":20\r\n"
    assert raw.cmd("SET", "k", "w", "KEEPTTL") == b"+OK\r\n"
    assert raw.cmd("TTL", "k") == b":20\r\n"
    assert raw.cmd("SET", "k", "w") == b"+OK\r\n"
    assert raw.cmd("TTL", "k") == b":-1\r\n"


@pytest.mark.parametrize("args", [
    ("EX", "10", "PX", "10"), ("EX", "10", "KEEPTTL"), ("KEEPTTL", "PXAT", "10"), ("EXAT", "1", "EX", "1"),
    ("EX",), ("PERSIST",), ("",), ("GETX",), ("NX", "EX"),
])
def test_set_option_syntax_errors(raw, args):
    assert raw.cmd("SET", "k", "v", *args) == SYNTAX


def test_set_invalid_expire_times(raw):
    for args in (("EX", "0"), ("EX", "-1"), ("PX", "0"), ("EXAT", "0"), ("PXAT", "-5"),
                 ("EX", "9223372036854775"), ("PX", "9223372036854775807")):
        assert raw.cmd("SET", "k", "v", *args) == invalid_expire(b"set"), args
    assert raw.cmd("SET", "k", "v", "EX", "abc") == NOT_INTEGER
    assert raw.cmd("SET", "k", "v", "EX", " 1") == NOT_INTEGER
    assert raw.cmd("EXISTS", "k") == b":0\r\n"
    # An absolute time at the very end of int64 is fine.
    assert raw.cmd("SET", "k", "v", "PXAT", "9223372036854775807") == b"+OK\r\n"


def test_set_expire_error_comes_before_wrongtype(raw):
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("SET", "l", "x", "GET", "EX", "abc") == NOT_INTEGER
    assert raw.cmd("SET", "l", "x", "NX", "GET") == WRONGTYPE


def test_set_options_compare_as_c_strings(raw):
    raw.cmd("SET", "k", "old")
    # Redis compares options up to the first NUL byte.
    assert raw.cmd("SET", "k", "v", b"nx\x00junk") == NULL


def test_set_in_the_past_is_gone_at_once(raw):
    assert raw.cmd("SET", "k", "v", "PXAT", "1") == b"+OK\r\n"
    assert raw.cmd("GET", "k") == NULL
    assert raw.cmd("EXISTS", "k") == b":0\r\n"


# ---- SETNX / SETEX / PSETEX / GETSET / GETDEL / GETEX ---------------------

def test_setnx(raw):
    assert raw.cmd("SETNX", "k", "a") == b":1\r\n"
    assert raw.cmd("SETNX", "k", "b") == b":0\r\n"
    assert raw.cmd("GET", "k") == bulk("a")
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("SETNX", "l", "b") == b":0\r\n"


def test_setex_psetex(raw):
    assert raw.cmd("SETEX", "k", "100", "v") == b"+OK\r\n"
    assert raw.cmd("TTL", "k") == b":100\r\n"
    assert raw.cmd("PSETEX", "k", "5000", "w") == b"+OK\r\n"
    assert raw.cmd("GET", "k") == bulk("w")
    assert 4000 <= int(raw.cmd("PTTL", "k")[1:]) <= 5000
    assert raw.cmd("SETEX", "k", "0", "v") == invalid_expire(b"setex")
    assert raw.cmd("PSETEX", "k", "-5", "v") == invalid_expire(b"psetex")
    assert raw.cmd("SETEX", "k", "x", "v") == NOT_INTEGER
    assert raw.cmd("SETEX", "k", "1") == b"-ERR wrong number of arguments for 'setex' command\r\n"


def test_getset(raw):
    assert raw.cmd("GETSET", "k", "a") == NULL
    raw.cmd("EXPIRE", "k", "100")
    assert raw.cmd("GETSET", "k", "b") == bulk("a")
    assert raw.cmd("GET", "k") == bulk("b")
    assert raw.cmd("TTL", "k") == b":-1\r\n"
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("GETSET", "l", "v") == WRONGTYPE


def test_getdel(raw):
    raw.cmd("SET", "k", "v")
    assert raw.cmd("GETDEL", "k") == bulk("v")
    assert raw.cmd("GETDEL", "k") == NULL
    assert raw.cmd("EXISTS", "k") == b":0\r\n"
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("GETDEL", "l") == WRONGTYPE
    assert raw.cmd("EXISTS", "l") == b":1\r\n"


def test_getex(raw):
    raw.cmd("SET", "k", "v")
    assert raw.cmd("GETEX", "k") == bulk("v")
    assert raw.cmd("TTL", "k") == b":-1\r\n"
    assert raw.cmd("GETEX", "k", "EX", "100") == bulk("v")
    assert raw.cmd("TTL", "k") == b":100\r\n"
    assert raw.cmd("GETEX", "k", "PERSIST") == bulk("v")
    assert raw.cmd("TTL", "k") == b":-1\r\n"
    assert raw.cmd("GETEX", "k", "PX", "50000") == bulk("v")
    assert 49000 <= int(raw.cmd("PTTL", "k")[1:]) <= 50000
    assert raw.cmd("GETEX", "k", "EXAT", "1") == bulk("v")
    assert raw.cmd("EXISTS", "k") == b":0\r\n"


def test_getex_check_order(raw):
    # Options parse before the lookup; the expire value is read after it.
    assert raw.cmd("GETEX", "nokey", "EX", "abc") == NULL
    assert raw.cmd("GETEX", "nokey", "BAD") == SYNTAX
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("GETEX", "l", "EX", "abc") == WRONGTYPE
    raw.cmd("SET", "k", "v")
    assert raw.cmd("GETEX", "k", "EX", "abc") == NOT_INTEGER
    assert raw.cmd("GETEX", "k", "EX", "0") == invalid_expire(b"getex")
    for args in (("NX",), ("XX",), ("KEEPTTL",), ("GET",), ("EX", "1", "PERSIST"), ("PERSIST", "PX", "1"),
                 ("EX",)):
        assert raw.cmd("GETEX", "k", *args) == SYNTAX, args


# ---- MGET / MSET / MSETNX ---------------------------------------------------

def test_mget_nulls_for_missing_and_other_types(raw):
    raw.cmd("SET", "a", "1")
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("MGET", "a", "missing", "l", "a") == b"*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n1\r\n"


def test_mset_msetnx(raw):
    assert raw.cmd("MSET", "a", "1", "b", "2") == b"+OK\r\n"
    assert raw.cmd("MGET", "a", "b") == b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert raw.cmd("MSETNX", "a", "x", "c", "3") == b":0\r\n"
    assert raw.cmd("EXISTS", "c") == b":0\r\n"
    assert raw.cmd("MSETNX", "c", "3", "d", "4") == b":1\r\n"
    # The same key twice: both writes happen, the last one stays.
    assert raw.cmd("MSETNX", "x", "1", "x", "2") == b":1\r\n"
    assert raw.cmd("GET", "x") == bulk("2")
    assert raw.cmd("MSET", "a", "1", "b") == b"-ERR wrong number of arguments for 'mset' command\r\n"
    assert raw.cmd("MSETNX", "a", "1", "b") == b"-ERR wrong number of arguments for 'msetnx' command\r\n"


# ---- APPEND / STRLEN / SETRANGE / GETRANGE -------------------------------

def test_append_and_strlen(raw):
    assert raw.cmd("APPEND", "k", "hello") == b":5\r\n"
    assert raw.cmd("APPEND", "k", " world") == b":11\r\n"
    assert raw.cmd("GET", "k") == bulk("hello world")
    assert raw.cmd("STRLEN", "k") == b":11\r\n"
    assert raw.cmd("STRLEN", "missing") == b":0\r\n"
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("APPEND", "l", "x") == WRONGTYPE
    assert raw.cmd("STRLEN", "l") == WRONGTYPE


def test_append_keeps_ttl_and_many_appends_are_linear(raw):
    raw.cmd("SET", "k", "", "EX", "100")
    chunk = b"x" * 1000
    start = time.perf_counter()
    for _ in range(2000):
        raw.send(b"*3\r\n$6\r\nAPPEND\r\n$1\r\nk\r\n$1000\r\n" + chunk + b"\r\n")
    for _ in range(2000):
        raw.read_reply()
    elapsed = time.perf_counter() - start
    assert raw.cmd("STRLEN", "k") == b":2000000\r\n"
    assert raw.cmd("TTL", "k") == b":100\r\n"
    # 2 MB built from 2000 appends; a copy per append would move 2 GB.
    assert elapsed < 5


def test_append_to_integer_keeps_digits(raw):
    raw.cmd("SET", "k", "12")
    assert raw.cmd("APPEND", "k", "3") == b":3\r\n"
    assert raw.cmd("INCR", "k") == b":124\r\n"


def test_setrange(raw):
    assert raw.cmd("SETRANGE", "k", "2", "ab") == b":4\r\n"
    assert raw.cmd("GET", "k") == bulk(b"\x00\x00ab")
    assert raw.cmd("SETRANGE", "k", "1", "XYZW") == b":5\r\n"
    assert raw.cmd("GET", "k") == bulk(b"\x00XYZW")
    assert raw.cmd("SETRANGE", "k", "0", "") == b":5\r\n"
    assert raw.cmd("SETRANGE", "new", "5", "") == b":0\r\n"
    assert raw.cmd("EXISTS", "new") == b":0\r\n"
    raw.cmd("SET", "s", "hello")
    raw.cmd("EXPIRE", "s", "100")
    assert raw.cmd("SETRANGE", "s", "1", "a") == b":5\r\n"
    assert raw.cmd("GET", "s") == bulk("hallo")
    assert raw.cmd("TTL", "s") == b":100\r\n"


def test_setrange_errors_and_their_order(raw):
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("SETRANGE", "l", "-1", "x") == b"-ERR offset is out of range\r\n"
    assert raw.cmd("SETRANGE", "l", "a", "x") == NOT_INTEGER
    assert raw.cmd("SETRANGE", "l", "0", "x") == WRONGTYPE
    assert raw.cmd("SETRANGE", "l", "0", "") == WRONGTYPE
    too_long = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    assert raw.cmd("SETRANGE", "k", "536870912", "x") == too_long
    assert raw.cmd("SETRANGE", "k", "9223372036854775807", "x") == too_long
    assert raw.cmd("SETRANGE", "k", "9223372036854775808", "x") == NOT_INTEGER
    raw.cmd("SET", "k", "abc")
    assert raw.cmd("SETRANGE", "k", "536870912", "") == b":3\r\n"


def test_append_respects_proto_max_bulk_len(raw):
    assert raw.cmd("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
    try:
        raw.cmd("SET", "k", b"x" * (1024 * 1024 - 1))
        assert raw.cmd("APPEND", "k", "y") == b":1048576\r\n"
        assert raw.cmd("APPEND", "k", "y") == (
            b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n")
        assert raw.cmd("SETRANGE", "k", "1048576", "y") == (
            b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n")
    finally:
        raw.cmd("CONFIG", "SET", "proto-max-bulk-len", "512mb")


@pytest.mark.parametrize("start,end,expected", [
    ("0", "-1", "This is a string"), ("0", "3", "This"), ("-3", "-1", "ing"), ("5", "3", ""),
    ("-1", "-5", ""), ("-100", "100", "This is a string"), ("15", "100", "g"), ("16", "20", ""),
])
def test_getrange(raw, start, end, expected):
    raw.cmd("SET", "k", "This is a string")
    assert raw.cmd("GETRANGE", "k", start, end) == bulk(expected)
    assert raw.cmd("SUBSTR", "k", start, end) == bulk(expected)


def test_getrange_parses_indexes_before_the_type_check(raw):
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("GETRANGE", "l", "a", "1") == NOT_INTEGER
    assert raw.cmd("GETRANGE", "l", "0", "1") == WRONGTYPE
    assert raw.cmd("GETRANGE", "missing", "0", "1") == b"$0\r\n\r\n"
    raw.cmd("SET", "n", "12345")
    assert raw.cmd("GETRANGE", "n", "1", "2") == bulk("23")


# ---- INCR family ------------------------------------------------------------

def test_incr_decr(raw):
    assert raw.cmd("INCR", "n") == b":1\r\n"
    assert raw.cmd("INCRBY", "n", "10") == b":11\r\n"
    assert raw.cmd("DECR", "n") == b":10\r\n"
    assert raw.cmd("DECRBY", "n", "-5") == b":15\r\n"
    assert raw.cmd("GET", "n") == bulk("15")
    raw.cmd("EXPIRE", "n", "100")
    raw.cmd("INCR", "n")
    assert raw.cmd("TTL", "n") == b":100\r\n"


def test_incr_errors(raw):
    for value in ("abc", " 1", "1 ", "+1", "01", "1.5", "", "9223372036854775808"):
        raw.cmd("SET", "n", value)
        assert raw.cmd("INCR", "n") == NOT_INTEGER, value
    raw.cmd("SET", "n", "9223372036854775807")
    assert raw.cmd("INCR", "n") == b"-ERR increment or decrement would overflow\r\n"
    raw.cmd("SET", "n", "-9223372036854775808")
    assert raw.cmd("DECR", "n") == b"-ERR increment or decrement would overflow\r\n"
    assert raw.cmd("DECRBY", "n", "-9223372036854775808") == b"-ERR decrement would overflow\r\n"
    assert raw.cmd("INCRBY", "n", "1a") == NOT_INTEGER
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("INCRBY", "l", "x") == NOT_INTEGER
    assert raw.cmd("INCR", "l") == WRONGTYPE


@pytest.mark.parametrize("start,incr,expected", [
    ("10.5", "0.1", "10.6"), ("10", "3.0e3", "3010"), ("5.0e3", "2.0e2", "5200"), (None, "1.5", "1.5"),
    ("-1", "1", "0"), ("0", "-0.000000000000000006", "-0.00000000000000001"), ("1", "0x1p3", "9"),
    ("0", "1e-4940", "0"), ("0", "0.000003814697265625", "0.00000381469726562"),
    ("1", "+.5", "1.5"), ("17179869184", "1.5", "17179869185.5"),
])
def test_incrbyfloat_prints_like_long_double(raw, start, incr, expected):
    if start is not None:
        raw.cmd("SET", "f", start)
    assert raw.cmd("INCRBYFLOAT", "f", incr) == bulk(expected)
    assert raw.cmd("GET", "f") == bulk(expected)


def test_incrbyfloat_errors(raw):
    for bad in ("abc", " 1", "1 ", "nan", "1e5000", "1e-5000", ".", "0x", b"1\x00", ""):
        assert raw.cmd("INCRBYFLOAT", "f", bad) == NOT_FLOAT, bad
    nan_inf = b"-ERR increment would produce NaN or Infinity\r\n"
    assert raw.cmd("INCRBYFLOAT", "f", "inf") == nan_inf
    raw.cmd("SET", "f", "inf")
    assert raw.cmd("INCRBYFLOAT", "f", "-inf") == nan_inf
    raw.cmd("SET", "f", "abc")
    assert raw.cmd("INCRBYFLOAT", "f", "x") == NOT_FLOAT
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("INCRBYFLOAT", "l", "x") == WRONGTYPE


def test_incrbyfloat_huge_result_is_printed_in_full(raw):
    reply = raw.cmd("INCRBYFLOAT", "f", "1e4000")
    digits = reply.split(b"\r\n")[1]
    # The long double nearest 1e4000 is a little below it: 4000 digits.
    assert len(digits) == 4000
    assert digits.startswith(b"9999999999999999999965463873") and digits.endswith(b"1206648276349901340672")


# ---- OBJECT ENCODING for strings -------------------------------------------

@pytest.mark.parametrize("value,encoding", [
    ("123", "int"), ("-9223372036854775808", "int"), ("9223372036854775808", "embstr"), ("0123", "embstr"),
    ("-0", "embstr"), (" 1", "embstr"), ("a" * 44, "embstr"), ("a" * 45, "raw"), ("", "embstr"),
])
def test_string_encodings(raw, value, encoding):
    raw.cmd("SET", "k", value)
    assert raw.cmd("OBJECT", "ENCODING", "k") == bulk(encoding)


def test_encoding_after_in_place_changes_and_counters(raw):
    raw.cmd("SET", "k", "12")
    raw.cmd("APPEND", "k", "")
    assert raw.cmd("OBJECT", "ENCODING", "k") == bulk("raw")
    raw.cmd("INCR", "k")
    assert raw.cmd("OBJECT", "ENCODING", "k") == bulk("int")
    raw.cmd("SETRANGE", "s", "0", "a")
    assert raw.cmd("OBJECT", "ENCODING", "s") == bulk("raw")
    raw.cmd("APPEND", "fresh", "12")
    assert raw.cmd("OBJECT", "ENCODING", "fresh") == bulk("int")


def test_incrbyfloat_results_are_embstr_even_when_integral(raw):
    raw.cmd("SET", "f", "10.5")
    assert raw.cmd("INCRBYFLOAT", "f", "0.5") == bulk("11")
    assert raw.cmd("OBJECT", "ENCODING", "f") == bulk("embstr")
    assert raw.cmd("OBJECT", "REFCOUNT", "f") == b":1\r\n"
    raw.cmd("RENAME", "f", "g")
    assert raw.cmd("OBJECT", "ENCODING", "g") == bulk("embstr")
    raw.cmd("COPY", "g", "h")
    assert raw.cmd("OBJECT", "ENCODING", "h") == bulk("embstr")
    raw.cmd("SET", "g", "11")
    assert raw.cmd("OBJECT", "ENCODING", "g") == bulk("int")
    assert raw.cmd("INCRBYFLOAT", "one", "5") == bulk("5")
    assert raw.cmd("OBJECT", "ENCODING", "one") == bulk("embstr")
    # A single digit is one shared object in Python; the next SET must still say int.
    raw.cmd("SET", "one", "5")
    assert raw.cmd("OBJECT", "ENCODING", "one") == bulk("int")
    assert raw.cmd("INCRBYFLOAT", "big", "1e50") == bulk("100000000000000000003583830118858923890798487404544")
    assert raw.cmd("OBJECT", "ENCODING", "big") == bulk("raw")


def test_refcount_of_shared_integers(raw):
    raw.cmd("SET", "k", "9999")
    assert raw.cmd("OBJECT", "REFCOUNT", "k") == b":2147483647\r\n"
    raw.cmd("SET", "k", "10000")
    assert raw.cmd("OBJECT", "REFCOUNT", "k") == b":1\r\n"
    raw.cmd("SET", "k", "100")
    raw.cmd("COPY", "k", "k2")
    assert raw.cmd("OBJECT", "REFCOUNT", "k2") == b":1\r\n"
    assert raw.cmd("OBJECT", "ENCODING", "k2") == bulk("int")


# ---- LCS ----------------------------------------------------------------------

def test_lcs_forms(raw):
    raw.cmd("MSET", "a", "ohmytext", "b", "mynewtext")
    assert raw.cmd("LCS", "a", "b") == bulk("mytext")
    assert raw.cmd("LCS", "a", "b", "LEN") == b":6\r\n"
    assert raw.cmd("LCS", "a", "b", "IDX") == (
        b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
        b"*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n")
    assert raw.cmd("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == (
        b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n")
    assert raw.cmd("LCS", "a", "missing") == b"$0\r\n\r\n"


def test_lcs_errors_and_order(raw):
    raw.cmd("MSET", "a", "x", "b", "y")
    raw.cmd("RPUSH", "l", "1")
    assert raw.cmd("LCS", "l", "a", "BAD") == b"-ERR The specified keys must contain string values\r\n"
    assert raw.cmd("LCS", "a", "b", "BAD") == SYNTAX
    assert raw.cmd("LCS", "a", "b", "MINMATCHLEN") == SYNTAX
    assert raw.cmd("LCS", "a", "b", "MINMATCHLEN", "x") == NOT_INTEGER
    assert raw.cmd("LCS", "a", "b", "IDX", "LEN") == (
        b"-ERR If you want both the length and indexes, please just use IDX.\r\n")


def test_lcs_memory_limit_follows_proto_max_bulk_len(raw):
    raw.cmd("CONFIG", "SET", "proto-max-bulk-len", "1mb")
    try:
        raw.cmd("MSET", "a", "x" * 600, "b", "y" * 600)
        assert raw.cmd("LCS", "a", "b") == (
            b"-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n")
    finally:
        raw.cmd("CONFIG", "SET", "proto-max-bulk-len", "512mb")


def test_lcs_of_long_strings_is_fast(raw):
    rnd = random.Random(1)
    a = bytes(rnd.choice(b"ACGT") for _ in range(5000))
    b = bytes(rnd.choice(b"ACGT") for _ in range(5000))
    raw.cmd("MSET", "a", a, "b", b)
    start = time.perf_counter()
    length = int(raw.cmd("LCS", "a", "b", "LEN")[1:])
    common = raw.cmd("LCS", "a", "b").split(b"\r\n")[1]
    assert time.perf_counter() - start < 5
    assert len(common) == length > 3000


# ---- wire forms -------------------------------------------------------------------

def test_null_forms_in_resp3(raw):
    assert raw.cmd("HELLO", "3").startswith(b"%")
    assert raw.cmd("GET", "missing") == b"_\r\n"
    assert raw.cmd("SET", "k", "v", "XX") == b"_\r\n"
    raw.cmd("MSET", "a", "ab", "b", "b")
    assert raw.cmd("LCS", "a", "b", "IDX") == (
        b"%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:1\r\n:1\r\n*2\r\n:0\r\n:0\r\n$3\r\nlen\r\n:1\r\n")


def test_redis_py_roundtrip(r):
    assert r.set("k", "v", ex=10, get=True) is None
    assert r.getex("k", persist=True) == b"v"
    assert r.incrbyfloat("f", 1.25) == 1.25
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget("a", "b", "c") == [b"1", b"2", None]
