"""List commands against a live pyredis: replies, errors and check order, raw bytes."""
import time

import pytest

from respclient import bulks, encode_command

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"
MUST_BE_POSITIVE = b"-ERR value is out of range, must be positive\r\n"
RANK_ZERO = (b"-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             b"or use negative to start from the end of the list\r\n")


def ints(*values):
    return b"*%d\r\n" % len(values) + b"".join(b":%d\r\n" % v for v in values)


def gone(raw, key):
    """True when ``key`` does not exist (LPUSHX never creates a key)."""
    return raw.cmd("LPUSHX", key, "probe") == b":0\r\n"


def hello3(raw):
    assert raw.cmd("HELLO", "3").startswith(b"%")


# ---- pushes ------------------------------------------------------------------------------------

def test_push_order_and_lengths(raw):
    assert raw.cmd("RPUSH", "l", "a", "b") == b":2\r\n"
    assert raw.cmd("LPUSH", "l", "x", "y") == b":4\r\n"
    assert raw.cmd("RPUSH", "l", "z") == b":5\r\n"
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks("y", "x", "a", "b", "z")


def test_pushx_needs_an_existing_list(raw):
    assert raw.cmd("LPUSHX", "l", "a") == b":0\r\n"
    assert raw.cmd("RPUSHX", "l", "a", "b") == b":0\r\n"
    assert raw.cmd("LLEN", "l") == b":0\r\n"
    raw.cmd("RPUSH", "l", "m")
    assert raw.cmd("LPUSHX", "l", "a", "b") == b":3\r\n"
    assert raw.cmd("RPUSHX", "l", "z") == b":4\r\n"
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks("b", "a", "m", "z")


def test_binary_and_empty_elements(raw):
    value = bytes(range(256)) + b"\r\n"
    assert raw.cmd("RPUSH", "l", value, "") == b":2\r\n"
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(value, b"")
    assert raw.cmd("LPOP", "l") == b"$%d\r\n%b\r\n" % (len(value), value)
    assert raw.cmd("RPOP", "l") == b"$0\r\n\r\n"


@pytest.mark.parametrize("cmd", [
    ("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
    ("LPOP", "s"), ("RPOP", "s"), ("LPOP", "s", "0"), ("LLEN", "s"), ("LRANGE", "s", "0", "-1"),
    ("LINDEX", "s", "0"), ("LINDEX", "s", "notanumber"), ("LSET", "s", "0", "v"),
    ("LSET", "s", "x", "v"), ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", "0", "a"),
    ("LTRIM", "s", "0", "1"), ("LPOS", "s", "a"), ("LPOS", "s", "a", "COUNT", "0"),
    ("LMOVE", "s", "d", "LEFT", "LEFT"), ("RPOPLPUSH", "s", "d"), ("LMPOP", "1", "s", "LEFT"),
    ("BLPOP", "s", "0"), ("BRPOP", "nokey", "s", "0"), ("BLMOVE", "s", "d", "LEFT", "LEFT", "0"),
    ("BRPOPLPUSH", "s", "d", "0"), ("BLMPOP", "0", "1", "s", "LEFT"),
])
def test_wrongtype(raw, cmd):
    raw.cmd("SET", "s", "x")
    assert raw.cmd(*cmd) == WRONGTYPE


# ---- pops ---------------------------------------------------------------------------------------

def test_pop_single(raw):
    assert raw.cmd("LPOP", "l") == b"$-1\r\n"
    assert raw.cmd("RPOP", "l") == b"$-1\r\n"
    raw.cmd("RPUSH", "l", "a", "b", "c")
    assert raw.cmd("LPOP", "l") == b"$1\r\na\r\n"
    assert raw.cmd("RPOP", "l") == b"$1\r\nc\r\n"
    assert raw.cmd("RPOP", "l") == b"$1\r\nb\r\n"
    assert gone(raw, "l")


def test_pop_with_count(raw):
    raw.cmd("RPUSH", "l", "a", "b", "c", "d", "e")
    assert raw.cmd("LPOP", "l", "2") == bulks("a", "b")
    assert raw.cmd("RPOP", "l", "2") == bulks("e", "d")
    assert raw.cmd("LPOP", "l", "0") == b"*0\r\n"
    assert raw.cmd("RPOP", "l", "10") == bulks("c")
    assert gone(raw, "l")
    assert raw.cmd("LPOP", "l", "1") == b"*-1\r\n"
    assert raw.cmd("LPOP", "l", "0") == b"*-1\r\n"
    assert raw.cmd("RPOP", "l", "9223372036854775807") == b"*-1\r\n"


def test_pop_count_errors_come_before_the_key(raw):
    raw.cmd("SET", "s", "x")
    for count in ("-1", "abc", "9223372036854775808", "1.5"):
        assert raw.cmd("LPOP", "s", count) == MUST_BE_POSITIVE
        assert raw.cmd("RPOP", "nokey", count) == MUST_BE_POSITIVE
    assert raw.cmd("LPOP", "l", "1", "2") == b"-ERR wrong number of arguments for 'lpop' command\r\n"
    assert raw.cmd("RPOP", "l", "1", "2") == b"-ERR wrong number of arguments for 'rpop' command\r\n"


def test_pop_resp3_nulls(raw):
    hello3(raw)
    assert raw.cmd("LPOP", "l") == b"_\r\n"
    assert raw.cmd("RPOP", "l", "2") == b"_\r\n"
    assert raw.cmd("LMPOP", "1", "l", "LEFT") == b"_\r\n"
    assert raw.cmd("LINDEX", "l", "0") == b"_\r\n"
    assert raw.cmd("LPOS", "l", "a") == b"_\r\n"
    assert raw.cmd("LMOVE", "l", "d", "LEFT", "LEFT") == b"_\r\n"
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("LPOP", "l", "5") == bulks("a")


def test_lmpop(raw):
    raw.cmd("RPUSH", "b", "1", "2", "3")
    assert raw.cmd("LMPOP", "2", "a", "b", "LEFT") == b"*2\r\n$1\r\nb\r\n" + bulks("1")
    assert raw.cmd("LMPOP", "2", "a", "b", "right", "COUNT", "5") == b"*2\r\n$1\r\nb\r\n" + bulks("3", "2")
    assert gone(raw, "b")
    assert raw.cmd("LMPOP", "2", "a", "b", "LEFT") == b"*-1\r\n"


@pytest.mark.parametrize("args, error", [
    (("0", "l", "LEFT"), b"-ERR numkeys should be greater than 0\r\n"),
    (("-1", "l", "LEFT"), b"-ERR numkeys should be greater than 0\r\n"),
    (("x", "l", "LEFT"), b"-ERR numkeys should be greater than 0\r\n"),
    (("2", "l", "LEFT"), SYNTAX),
    (("1", "l", "UP"), SYNTAX),
    (("1", "l", "LEFT", "COUNT"), SYNTAX),
    (("1", "l", "LEFT", "COUNT", "0"), b"-ERR count should be greater than 0\r\n"),
    (("1", "l", "LEFT", "COUNT", "x"), b"-ERR count should be greater than 0\r\n"),
    (("1", "l", "LEFT", "COUNT", "1", "COUNT", "1"), SYNTAX),
    (("1", "s", "LEFT", "junk"), SYNTAX),
])
def test_lmpop_errors(raw, args, error):
    raw.cmd("SET", "s", "x")
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("LMPOP", *args) == error
    assert raw.cmd("LLEN", "l") == b":1\r\n"


def test_lmpop_type_checks_keys_in_order(raw):
    raw.cmd("SET", "s", "x")
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("LMPOP", "2", "s", "l", "LEFT") == WRONGTYPE
    assert raw.cmd("LMPOP", "2", "l", "s", "LEFT") == b"*2\r\n$1\r\nl\r\n" + bulks("a")


# ---- reads --------------------------------------------------------------------------------------

def test_llen(raw):
    assert raw.cmd("LLEN", "l") == b":0\r\n"
    raw.cmd("RPUSH", "l", *"abc")
    assert raw.cmd("LLEN", "l") == b":3\r\n"


@pytest.mark.parametrize("start, stop, want", [
    ("0", "-1", "abcde"), ("1", "3", "bcd"), ("-2", "-1", "de"), ("-100", "1", "ab"),
    ("3", "100", "de"), ("4", "2", ""), ("5", "10", ""), ("-1", "-2", ""), ("0", "0", "a"),
    ("-9223372036854775808", "9223372036854775807", "abcde"),
])
def test_lrange(raw, start, stop, want):
    raw.cmd("RPUSH", "l", *"abcde")
    assert raw.cmd("LRANGE", "l", start, stop) == bulks(*want)


def test_lrange_parses_before_the_key(raw):
    raw.cmd("SET", "s", "x")
    assert raw.cmd("LRANGE", "s", "a", "1") == NOT_INT
    assert raw.cmd("LRANGE", "s", "0", "9223372036854775808") == NOT_INT
    assert raw.cmd("LRANGE", "nokey", "0", "x") == NOT_INT
    assert raw.cmd("LRANGE", "nokey", "0", "-1") == b"*0\r\n"


def test_lindex(raw):
    raw.cmd("RPUSH", "l", *"abc")
    assert raw.cmd("LINDEX", "l", "0") == b"$1\r\na\r\n"
    assert raw.cmd("LINDEX", "l", "-1") == b"$1\r\nc\r\n"
    assert raw.cmd("LINDEX", "l", "3") == b"$-1\r\n"
    assert raw.cmd("LINDEX", "l", "-4") == b"$-1\r\n"
    assert raw.cmd("LINDEX", "l", "x") == NOT_INT
    # lindexCommand looks the key up first: a missing key never parses the index.
    assert raw.cmd("LINDEX", "nokey", "x") == b"$-1\r\n"


def test_lpos(raw):
    raw.cmd("RPUSH", "l", *"abcabca")
    cases = [
        (("a",), b":0\r\n"),
        (("c",), b":2\r\n"),
        (("z",), b"$-1\r\n"),
        (("a", "RANK", "2"), b":3\r\n"),
        (("a", "RANK", "-1"), b":6\r\n"),
        (("a", "RANK", "-3"), b":0\r\n"),
        (("a", "RANK", "4"), b"$-1\r\n"),
        (("a", "COUNT", "0"), ints(0, 3, 6)),
        (("a", "COUNT", "2"), ints(0, 3)),
        (("a", "COUNT", "0", "RANK", "-1"), ints(6, 3, 0)),
        (("a", "COUNT", "0", "RANK", "2"), ints(3, 6)),
        (("a", "COUNT", "0", "MAXLEN", "4"), ints(0, 3)),
        (("a", "RANK", "-1", "COUNT", "0", "MAXLEN", "4"), ints(6, 3)),
        (("a", "MAXLEN", "3", "RANK", "-2"), b"$-1\r\n"),
        (("z", "COUNT", "0"), b"*0\r\n"),
        (("a", "rank", "1", "rank", "-1"), b":6\r\n"),
        (("a", "RANK", "9223372036854775807"), b"$-1\r\n"),
        (("a", "COUNT", "9223372036854775807"), ints(0, 3, 6)),
        # -LLONG_MIN overflows in lposCommand: all matches from the tail, COUNT ignored.
        (("a", "RANK", "-9223372036854775808", "COUNT", "1"), ints(6, 3, 0)),
        (("a", "RANK", "-9223372036854775808"), b":6\r\n"),
    ]
    for args, want in cases:
        assert raw.cmd("LPOS", "l", *args) == want, args


def test_lpos_errors_come_before_the_key(raw):
    raw.cmd("SET", "s", "x")
    assert raw.cmd("LPOS", "s", "a", "RANK", "0") == RANK_ZERO
    assert raw.cmd("LPOS", "s", "a", "RANK", "x") == NOT_INT
    assert raw.cmd("LPOS", "s", "a", "COUNT", "-1") == b"-ERR COUNT can't be negative\r\n"
    assert raw.cmd("LPOS", "s", "a", "COUNT", "x") == b"-ERR COUNT can't be negative\r\n"
    assert raw.cmd("LPOS", "s", "a", "MAXLEN", "-1") == b"-ERR MAXLEN can't be negative\r\n"
    assert raw.cmd("LPOS", "s", "a", "COUNT") == SYNTAX
    assert raw.cmd("LPOS", "s", "a", "BOGUS", "1") == SYNTAX
    assert raw.cmd("LPOS", "nokey", "a") == b"$-1\r\n"
    assert raw.cmd("LPOS", "nokey", "a", "COUNT", "1") == b"*0\r\n"


# ---- updates ------------------------------------------------------------------------------------

def test_lset(raw):
    raw.cmd("RPUSH", "l", *"abc")
    assert raw.cmd("LSET", "l", "1", "B") == b"+OK\r\n"
    assert raw.cmd("LSET", "l", "-1", "C") == b"+OK\r\n"
    assert raw.cmd("LSET", "l", "3", "x") == b"-ERR index out of range\r\n"
    assert raw.cmd("LSET", "l", "-4", "x") == b"-ERR index out of range\r\n"
    assert raw.cmd("LSET", "l", "x", "x") == NOT_INT
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks("a", "B", "C")
    # lsetCommand looks the key up before parsing the index.
    assert raw.cmd("LSET", "nokey", "x", "v") == b"-ERR no such key\r\n"
    raw.cmd("SET", "s", "x")
    assert raw.cmd("LSET", "s", "x", "v") == WRONGTYPE


def test_linsert(raw):
    raw.cmd("RPUSH", "l", *"abca")
    assert raw.cmd("LINSERT", "l", "BEFORE", "a", "X") == b":5\r\n"
    assert raw.cmd("LINSERT", "l", "after", "a", "Y") == b":6\r\n"
    assert raw.cmd("LINSERT", "l", "AFTER", "c", "Z") == b":7\r\n"
    assert raw.cmd("LINSERT", "l", "BEFORE", "nope", "Z") == b":-1\r\n"
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(*"XaYbcZa")
    assert raw.cmd("LINSERT", "nokey", "BEFORE", "a", "b") == b":0\r\n"
    assert gone(raw, "nokey")


def test_linsert_checks_the_position_before_the_key(raw):
    raw.cmd("SET", "s", "x")
    assert raw.cmd("LINSERT", "s", "MIDDLE", "a", "b") == SYNTAX
    assert raw.cmd("LINSERT", "s", "BEFORE", "a", "b") == WRONGTYPE


def test_lrem(raw):
    raw.cmd("RPUSH", "l", *"abacada")
    assert raw.cmd("LREM", "l", "2", "a") == b":2\r\n"
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(*"bcada")
    assert raw.cmd("LREM", "l", "-1", "a") == b":1\r\n"
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(*"bcad")
    assert raw.cmd("LREM", "l", "0", "z") == b":0\r\n"
    raw.cmd("RPUSH", "l", "a", "a")
    assert raw.cmd("LREM", "l", "0", "a") == b":3\r\n"
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(*"bcd")
    assert raw.cmd("LREM", "l", "-9223372036854775808", "c") == b":1\r\n"
    assert raw.cmd("LREM", "l", "x", "b") == NOT_INT
    assert raw.cmd("LREM", "nokey", "0", "b") == b":0\r\n"
    assert raw.cmd("LREM", "l", "0", "b") == b":1\r\n"
    assert raw.cmd("LREM", "l", "0", "d") == b":1\r\n"
    assert gone(raw, "l")


def test_lrem_parses_count_before_the_key(raw):
    raw.cmd("SET", "s", "x")
    assert raw.cmd("LREM", "s", "x", "a") == NOT_INT
    assert raw.cmd("LREM", "s", "0", "a") == WRONGTYPE


@pytest.mark.parametrize("start, stop, want", [
    ("1", "-2", "bcd"), ("0", "-1", "abcde"), ("-2", "100", "de"), ("-100", "0", "a"),
    ("3", "1", ""), ("5", "10", ""), ("0", "-6", ""),
])
def test_ltrim(raw, start, stop, want):
    raw.cmd("RPUSH", "l", *"abcde")
    assert raw.cmd("LTRIM", "l", start, stop) == b"+OK\r\n"
    if want:
        assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(*want)
    else:
        assert gone(raw, "l")


def test_ltrim_parses_before_the_key(raw):
    raw.cmd("SET", "s", "x")
    assert raw.cmd("LTRIM", "s", "0", "x") == NOT_INT
    assert raw.cmd("LTRIM", "s", "0", "1") == WRONGTYPE
    assert raw.cmd("LTRIM", "nokey", "0", "1") == b"+OK\r\n"


# ---- moves --------------------------------------------------------------------------------------

@pytest.mark.parametrize("wherefrom, whereto, moved, src, dst", [
    ("LEFT", "LEFT", "a", "bc", "axy"),
    ("LEFT", "RIGHT", "a", "bc", "xya"),
    ("RIGHT", "LEFT", "c", "ab", "cxy"),
    ("right", "right", "c", "ab", "xyc"),
])
def test_lmove_directions(raw, wherefrom, whereto, moved, src, dst):
    raw.cmd("RPUSH", "src", *"abc")
    raw.cmd("RPUSH", "dst", *"xy")
    assert raw.cmd("LMOVE", "src", "dst", wherefrom, whereto) == bulks(moved)[4:]
    assert raw.cmd("LRANGE", "src", "0", "-1") == bulks(*src)
    assert raw.cmd("LRANGE", "dst", "0", "-1") == bulks(*dst)


def test_lmove_creates_and_deletes(raw):
    raw.cmd("RPUSH", "src", "only")
    assert raw.cmd("LMOVE", "src", "dst", "LEFT", "RIGHT") == b"$4\r\nonly\r\n"
    assert gone(raw, "src")
    assert raw.cmd("LRANGE", "dst", "0", "-1") == bulks("only")
    assert raw.cmd("LMOVE", "src", "dst", "LEFT", "RIGHT") == b"$-1\r\n"


def test_lmove_same_key_rotates(raw):
    raw.cmd("RPUSH", "l", *"abc")
    assert raw.cmd("LMOVE", "l", "l", "LEFT", "RIGHT") == b"$1\r\na\r\n"
    assert raw.cmd("RPOPLPUSH", "l", "l") == b"$1\r\na\r\n"
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(*"abc")
    raw.cmd("RPUSH", "one", "x")
    assert raw.cmd("LMOVE", "one", "one", "LEFT", "LEFT") == b"$1\r\nx\r\n"
    assert raw.cmd("LRANGE", "one", "0", "-1") == bulks("x")


def test_lmove_errors(raw):
    raw.cmd("SET", "s", "x")
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("LMOVE", "s", "d", "UP", "LEFT") == SYNTAX
    assert raw.cmd("LMOVE", "l", "d", "LEFT", "DOWN") == SYNTAX
    assert raw.cmd("LMOVE", "s", "d", "LEFT", "LEFT") == WRONGTYPE
    assert raw.cmd("LMOVE", "l", "s", "LEFT", "LEFT") == WRONGTYPE
    assert raw.cmd("RPOPLPUSH", "l", "s") == WRONGTYPE
    assert raw.cmd("LLEN", "l") == b":1\r\n"
    # A missing source answers nil before the destination's type is looked at.
    assert raw.cmd("LMOVE", "nokey", "s", "LEFT", "LEFT") == b"$-1\r\n"


def test_rpoplpush(raw):
    raw.cmd("RPUSH", "src", *"abc")
    assert raw.cmd("RPOPLPUSH", "src", "dst") == b"$1\r\nc\r\n"
    assert raw.cmd("RPOPLPUSH", "src", "dst") == b"$1\r\nb\r\n"
    assert raw.cmd("LRANGE", "dst", "0", "-1") == bulks("b", "c")
    assert raw.cmd("RPOPLPUSH", "nokey", "dst") == b"$-1\r\n"


# ---- arity, metadata ----------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    ("LPUSH", "l"), ("LLEN",), ("LRANGE", "l", "0"), ("LINDEX", "l"), ("LSET", "l", "0"),
    ("LINSERT", "l", "BEFORE", "a"), ("LREM", "l", "0"), ("LTRIM", "l", "0"), ("LPOS", "l"),
    ("LMOVE", "a", "b", "LEFT"), ("RPOPLPUSH", "a"), ("LMPOP", "1", "l"), ("BLPOP", "l"),
    ("BLMOVE", "a", "b", "LEFT", "LEFT"), ("BRPOPLPUSH", "a", "b"), ("BLMPOP", "0", "1", "l"),
])
def test_arity(raw, cmd):
    assert raw.cmd(*cmd) == b"-ERR wrong number of arguments for '%s' command\r\n" % cmd[0].lower().encode()


def test_type_and_encoding(raw):
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("TYPE", "l") == b"+list\r\n"
    assert raw.cmd("OBJECT", "ENCODING", "l") == b"$9\r\nquicklist\r\n"


def test_copy_is_independent(raw):
    raw.cmd("RPUSH", "l", *"abc")
    assert raw.cmd("COPY", "l", "l2") == b":1\r\n"
    raw.cmd("RPOP", "l2")
    assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(*"abc")
    assert raw.cmd("LRANGE", "l2", "0", "-1") == bulks(*"ab")


def test_command_getkeys_for_lmpop(raw):
    assert raw.cmd("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT") == bulks("a", "b")
    assert raw.cmd("COMMAND", "GETKEYS", "BLMPOP", "0", "1", "a", "LEFT") == bulks("a")


# ---- bigger lists -------------------------------------------------------------------------------

@pytest.mark.parametrize("fill", ["-2", "3"])
def test_many_nodes_stay_consistent(raw, fill):
    assert raw.cmd("CONFIG", "SET", "list-max-listpack-size", fill) == b"+OK\r\n"
    try:
        n = 3000
        values = [str(i) for i in range(n)]
        for i in range(0, n, 500):
            raw.cmd("RPUSH", "l", *values[i:i + 500])
        assert raw.cmd("LLEN", "l") == b":%d\r\n" % n
        assert raw.cmd("LINDEX", "l", "1777") == b"$4\r\n1777\r\n"
        assert raw.cmd("LRANGE", "l", "1500", "1504") == bulks(*values[1500:1505])
        assert raw.cmd("LSET", "l", "2000", "x" * 300) == b"+OK\r\n"
        assert raw.cmd("LINSERT", "l", "BEFORE", "1000", "ins") == b":%d\r\n" % (n + 1)
        assert raw.cmd("LPOS", "l", "ins") == b":1000\r\n"
        assert raw.cmd("LREM", "l", "0", "ins") == b":1\r\n"
        assert raw.cmd("LTRIM", "l", "10", "-11") == b"+OK\r\n"
        assert raw.cmd("LLEN", "l") == b":%d\r\n" % (n - 20)
        values[2000] = "x" * 300
        assert raw.cmd("LRANGE", "l", "0", "-1") == bulks(*values[10:-10])
    finally:
        raw.cmd("CONFIG", "SET", "list-max-listpack-size", "-2")


def test_middle_access_on_a_million_elements_is_cheap(raw):
    """Index, set and a short range in the middle must not walk the whole list."""
    chunk = [b"%07d" % i for i in range(10000)]
    payload = b"".join(encode_command("RPUSH", "big", *chunk) for _ in range(100))
    raw.send(payload)
    for _ in range(100):
        raw.read_reply()
    raw.cmd("RPUSH", "small", *chunk[:100])

    def timed(key, index):
        start = time.perf_counter()
        for _ in range(200):
            raw.cmd("LINDEX", key, index)
            raw.cmd("LRANGE", key, index, str(int(index) + 99))
            raw.cmd("LSET", key, index, "v")
        return time.perf_counter() - start

    assert raw.cmd("LLEN", "big") == b":1000000\r\n"
    small = timed("small", "0")
    big = timed("big", "500000")
    # Materialising 1M elements per call would cost seconds here.
    assert big < small * 5 + 0.5, (big, small)
    assert raw.cmd("LRANGE", "big", "500000", "500002") == bulks("v", "0000001", "0000002")
