"""Sorted set commands against a live pyredis: raw reply bytes, several clients for blocking."""
import time

import pytest

from respclient import bulks, encode_command


def hello3(client):
    assert client.cmd("HELLO", "3").startswith(b"%")


@pytest.fixture
def limits(raw):
    """CONFIG SET for the listpack limits, restored afterwards."""
    changed = []

    def set_limit(name, value):
        changed.append(name)
        assert raw.cmd("CONFIG", "SET", name, value) == b"+OK\r\n"

    yield set_limit
    defaults = {"zset-max-listpack-entries": "128", "zset-max-listpack-value": "64"}
    for name in changed:
        raw.cmd("CONFIG", "SET", name, defaults[name])


# ---- ZADD / ZINCRBY ------------------------------------------------------------

def test_zadd_counts_added_and_ch_counts_changed(raw):
    assert raw.cmd("ZADD", "z", "1", "a", "2", "b") == b":2\r\n"
    assert raw.cmd("ZADD", "z", "1", "a", "3", "b", "4", "c") == b":1\r\n"
    assert raw.cmd("ZADD", "z", "CH", "5", "a", "3", "b", "6", "d") == b":2\r\n"
    assert raw.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES") == bulks(
        b"b", b"3", b"c", b"4", b"a", b"5", b"d", b"6")


def test_zadd_nx_xx_gt_lt(raw):
    raw.cmd("ZADD", "z", "5", "a")
    assert raw.cmd("ZADD", "z", "NX", "1", "a", "1", "b") == b":1\r\n"
    assert raw.cmd("ZADD", "z", "XX", "1", "c") == b":0\r\n"
    assert raw.cmd("ZADD", "z", "GT", "CH", "4", "a") == b":0\r\n"
    assert raw.cmd("ZADD", "z", "GT", "CH", "6", "a") == b":1\r\n"
    assert raw.cmd("ZADD", "z", "LT", "CH", "7", "a", "0", "b") == b":1\r\n"
    assert raw.cmd("ZADD", "z", "XX", "GT", "CH", "9", "a") == b":1\r\n"
    assert raw.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES") == bulks(b"b", b"0", b"a", b"9")
    assert raw.cmd("ZADD", "missing", "XX", "1", "a") == b":0\r\n"
    assert raw.cmd("ZCARD", "missing") == b":0\r\n"


def test_zadd_option_errors_in_redis_order(raw):
    assert raw.cmd("ZADD", "z", "XX", "NX", "1") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZADD", "z", "XX", "NX", "1", "a") == (
        b"-ERR XX and NX options at the same time are not compatible\r\n")
    for opts in (("GT", "LT"), ("NX", "GT"), ("NX", "LT")):
        assert raw.cmd("ZADD", "z", *opts, "1", "a") == (
            b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n")
    assert raw.cmd("ZADD", "z", "INCR", "1", "a", "2", "b") == (
        b"-ERR INCR option supports a single increment-element pair\r\n")
    assert raw.cmd("ZADD", "z", "1", "a", "x", "b") == b"-ERR value is not a valid float\r\n"
    assert raw.cmd("ZADD", "z", "nan", "a") == b"-ERR value is not a valid float\r\n"
    assert raw.cmd("ZCARD", "z") == b":0\r\n"
    raw.cmd("SET", "s", "x")
    assert raw.cmd("ZADD", "s", "x", "a") == b"-ERR value is not a valid float\r\n"
    assert raw.cmd("ZADD", "s", "1", "a").startswith(b"-WRONGTYPE")


def test_zadd_incr_and_zincrby(raw):
    assert raw.cmd("ZINCRBY", "z", "1.5", "a") == b"$3\r\n1.5\r\n"
    assert raw.cmd("ZADD", "z", "INCR", "1.1", "a") == b"$18\r\n2.6000000000000001\r\n"
    assert raw.cmd("ZADD", "z", "INCR", "NX", "1", "a") == b"$-1\r\n"
    assert raw.cmd("ZADD", "z", "INCR", "GT", "-1", "a") == b"$-1\r\n"
    assert raw.cmd("ZADD", "z", "INCR", "XX", "1", "b") == b"$-1\r\n"
    raw.cmd("ZADD", "z", "inf", "i")
    assert raw.cmd("ZINCRBY", "z", "-inf", "i") == b"-ERR resulting score is not a number (NaN)\r\n"
    assert raw.cmd("ZSCORE", "z", "i") == b"$3\r\ninf\r\n"
    assert raw.cmd("ZINCRBY", "z", "nx", "a") == b"-ERR syntax error\r\n"


def test_scores_print_as_17_digits(raw):
    raw.cmd("ZADD", "z", "1.1", "a", "1e20", "b", "-0", "c", "0x10", "d")
    assert raw.cmd("ZSCORE", "z", "a") == b"$18\r\n1.1000000000000001\r\n"
    assert raw.cmd("ZSCORE", "z", "b") == b"$5\r\n1e+20\r\n"
    # A listpack keeps no negative zero.
    assert raw.cmd("ZSCORE", "z", "c") == b"$1\r\n0\r\n"
    assert raw.cmd("ZSCORE", "z", "d") == b"$2\r\n16\r\n"
    assert raw.cmd("ZINCRBY", "z", "-0", "new") == b"$2\r\n-0\r\n"


def test_negative_zero_survives_in_a_skiplist(raw, limits):
    limits("zset-max-listpack-entries", "0")
    raw.cmd("ZADD", "z", "-0", "a")
    assert raw.cmd("ZSCORE", "z", "a") == b"$2\r\n-0\r\n"


# ---- reads ---------------------------------------------------------------------

def test_zscore_zmscore_zrank_zcard(raw):
    raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert raw.cmd("ZCARD", "z") == b":3\r\n"
    assert raw.cmd("ZCARD", "nokey") == b":0\r\n"
    assert raw.cmd("ZSCORE", "z", "x") == b"$-1\r\n"
    assert raw.cmd("ZMSCORE", "z", "a", "x", "c") == b"*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n"
    assert raw.cmd("ZMSCORE", "nokey", "a") == b"*1\r\n$-1\r\n"
    assert raw.cmd("ZRANK", "z", "c") == b":2\r\n"
    assert raw.cmd("ZREVRANK", "z", "c") == b":0\r\n"
    assert raw.cmd("ZRANK", "z", "x") == b"$-1\r\n"


def test_ties_are_ordered_by_member_bytes(raw):
    raw.cmd("ZADD", "z", "1", "b", "1", "a", "1", "B", "0", "z", "1", "a\x00")
    assert raw.cmd("ZRANGE", "z", "0", "-1") == bulks(b"z", b"B", b"a", b"a\x00", b"b")
    assert raw.cmd("ZRANK", "z", "a\x00") == b":3\r\n"


def test_zrange_by_rank_score_and_lex(raw):
    raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    assert raw.cmd("ZRANGE", "z", "-2", "100") == bulks(b"d", b"e")
    assert raw.cmd("ZRANGE", "z", "0", "1", "REV", "WITHSCORES") == bulks(b"e", b"5", b"d", b"4")
    assert raw.cmd("ZRANGE", "z", "(1", "3", "BYSCORE") == bulks(b"b", b"c")
    assert raw.cmd("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2") == bulks(b"d", b"c")
    assert raw.cmd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "1") == b"*0\r\n"
    assert raw.cmd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "3", "-1") == bulks(b"d", b"e")
    assert raw.cmd("ZREVRANGEBYSCORE", "z", "4", "(2", "WITHSCORES") == bulks(b"d", b"4", b"c", b"3")
    assert raw.cmd("ZRANGEBYLEX", "z", "[b", "(d") == bulks(b"b", b"c")
    assert raw.cmd("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "0", "2") == bulks(b"e", b"d")
    assert raw.cmd("ZRANGE", "z", "[c", "+", "BYLEX") == bulks(b"c", b"d", b"e")
    assert raw.cmd("ZREVRANGE", "z", "0", "0") == bulks(b"e")


def test_range_bounds_parse_like_strtod(raw):
    raw.cmd("ZADD", "z", "0", "zero", "1", "one", "2", "two")
    assert raw.cmd("ZRANGEBYSCORE", "z", "", "(1") == bulks(b"zero")
    assert raw.cmd("ZRANGEBYSCORE", "z", " 1", "1e400") == bulks(b"one", b"two")
    assert raw.cmd("ZRANGEBYSCORE", "z", "(", "2") == bulks(b"one", b"two")
    assert raw.cmd("ZCOUNT", "z", "1 ", "2") == b"-ERR min or max is not a float\r\n"
    assert raw.cmd("ZCOUNT", "z", "nan", "2") == b"-ERR min or max is not a float\r\n"
    assert raw.cmd("ZLEXCOUNT", "z", "a", "+") == b"-ERR min or max not valid string range item\r\n"
    assert raw.cmd("ZLEXCOUNT", "z", "-x", "+") == b"-ERR min or max not valid string range item\r\n"
    assert raw.cmd("ZLEXCOUNT", "z", "-", "+") == b":3\r\n"


def test_zrange_errors(raw):
    raw.cmd("SET", "s", "x")
    assert raw.cmd("ZRANGE", "s", "a", "1") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("ZRANGE", "s", "0", "1").startswith(b"-WRONGTYPE")
    assert raw.cmd("ZRANGE", "z", "0", "1", "LIMIT", "0", "1") == (
        b"-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n")
    assert raw.cmd("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == (
        b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n")
    assert raw.cmd("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "0") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZRANGEBYSCORE", "z", "0", "1", "REV") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZREVRANGE", "z", "0", "1", "BYSCORE") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZRANGE", "nokey", "0", "-1") == b"*0\r\n"


def test_zrangestore(raw):
    raw.cmd("ZADD", "src", "1", "a", "2", "b", "3", "c")
    assert raw.cmd("ZRANGESTORE", "dst", "src", "1", "-1") == b":2\r\n"
    assert raw.cmd("ZRANGE", "dst", "0", "-1", "WITHSCORES") == bulks(b"b", b"2", b"c", b"3")
    assert raw.cmd("ZRANGESTORE", "dst", "src", "5", "10") == b":0\r\n"
    assert raw.cmd("ZCARD", "dst") == b":0\r\n"
    assert raw.cmd("ZRANGESTORE", "dst", "src", "0", "1", "WITHSCORES") == b"-ERR syntax error\r\n"


# ---- removals ----------------------------------------------------------------------

def test_zrem_and_remrange_delete_empty_keys(raw):
    raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert raw.cmd("ZREM", "z", "a", "x", "a") == b":1\r\n"
    assert raw.cmd("ZREMRANGEBYSCORE", "z", "(2", "3") == b":1\r\n"
    assert raw.cmd("ZREMRANGEBYLEX", "z", "[d", "+") == b":1\r\n"
    assert raw.cmd("ZREMRANGEBYRANK", "z", "0", "-1") == b":1\r\n"
    assert raw.cmd("EXISTS", "z") == b":0\r\n"
    assert raw.cmd("ZREMRANGEBYRANK", "nokey", "a", "1") == (
        b"-ERR value is not an integer or out of range\r\n")
    assert raw.cmd("ZREM", "nokey", "a") == b":0\r\n"


def test_pops(raw):
    raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert raw.cmd("ZPOPMIN", "z") == bulks(b"a", b"1")
    assert raw.cmd("ZPOPMAX", "z", "5") == bulks(b"c", b"3", b"b", b"2")
    assert raw.cmd("ZPOPMIN", "z") == b"*0\r\n"
    assert raw.cmd("ZPOPMIN", "z", "-1") == b"-ERR value is out of range, must be positive\r\n"
    assert raw.cmd("ZPOPMIN", "z", "1", "2") == b"-ERR syntax error\r\n"
    raw.cmd("ZADD", "z2", "1", "a", "2", "b")
    assert raw.cmd("ZMPOP", "2", "z", "z2", "MAX", "COUNT", "5") == (
        b"*2\r\n$2\r\nz2\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n")
    assert raw.cmd("ZMPOP", "1", "z2", "MIN") == b"*-1\r\n"
    assert raw.cmd("ZMPOP", "0", "z", "MIN") == b"-ERR numkeys should be greater than 0\r\n"
    assert raw.cmd("ZMPOP", "1", "z", "MIN", "COUNT", "0") == b"-ERR count should be greater than 0\r\n"
    assert raw.cmd("ZMPOP", "2", "z", "MIN") == b"-ERR syntax error\r\n"


def test_resp3_shapes(raw):
    hello3(raw)
    raw.cmd("ZADD", "z", "1", "a", "2.5", "b", "3", "c")
    assert raw.cmd("ZSCORE", "z", "b") == b",2.5\r\n"
    assert raw.cmd("ZSCORE", "z", "x") == b"_\r\n"
    assert raw.cmd("ZRANGE", "z", "0", "1", "WITHSCORES") == (
        b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n")
    assert raw.cmd("ZPOPMIN", "z") == b"*2\r\n$1\r\na\r\n,1\r\n"
    assert raw.cmd("ZPOPMIN", "z", "1") == b"*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
    assert raw.cmd("ZMPOP", "1", "nokey", "MIN") == b"_\r\n"
    assert raw.cmd("ZSCAN", "z", "0") == b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"


# ---- ZRANDMEMBER ---------------------------------------------------------------------

def test_zrandmember(raw):
    raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert raw.cmd("ZRANDMEMBER", "z") in (b"$1\r\na\r\n", b"$1\r\nb\r\n", b"$1\r\nc\r\n")
    # Asking for at least the whole set gives it whole, walked from the top.
    assert raw.cmd("ZRANDMEMBER", "z", "5", "WITHSCORES") == bulks(b"c", b"3", b"b", b"2", b"a", b"1")
    reply = raw.cmd("ZRANDMEMBER", "z", "-6")
    assert reply.startswith(b"*6\r\n")
    two = raw.cmd("ZRANDMEMBER", "z", "2")
    assert two.startswith(b"*2\r\n") and len(set(two.split(b"\r\n")[2::2])) == 2
    assert raw.cmd("ZRANDMEMBER", "z", "0") == b"*0\r\n"
    assert raw.cmd("ZRANDMEMBER", "nokey") == b"$-1\r\n"
    assert raw.cmd("ZRANDMEMBER", "z", "1", "x") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES") == (
        b"-ERR value is out of range\r\n")


# ---- set operations -------------------------------------------------------------

def test_union_inter_diff(raw):
    raw.cmd("ZADD", "a", "1", "x", "2", "y", "3", "z")
    raw.cmd("ZADD", "b", "10", "y", "20", "z", "30", "w")
    assert raw.cmd("ZUNION", "2", "a", "b", "WITHSCORES") == bulks(
        b"x", b"1", b"y", b"12", b"z", b"23", b"w", b"30")
    assert raw.cmd("ZINTER", "2", "a", "b", "WEIGHTS", "2", "1", "AGGREGATE", "MAX", "WITHSCORES") == bulks(
        b"y", b"10", b"z", b"20")
    assert raw.cmd("ZDIFF", "2", "a", "b", "WITHSCORES") == bulks(b"x", b"1")
    assert raw.cmd("ZINTERCARD", "2", "a", "b", "LIMIT", "1") == b":1\r\n"
    assert raw.cmd("ZUNIONSTORE", "dst", "2", "a", "b", "AGGREGATE", "MIN") == b":4\r\n"
    assert raw.cmd("ZRANGE", "dst", "0", "-1", "WITHSCORES") == bulks(
        b"x", b"1", b"y", b"2", b"z", b"3", b"w", b"30")
    assert raw.cmd("ZINTERSTORE", "dst", "2", "a", "nokey") == b":0\r\n"
    assert raw.cmd("ZCARD", "dst") == b":0\r\n"
    assert raw.cmd("ZUNION", "0", "a") == b"-ERR at least 1 input key is needed for 'zunion' command\r\n"
    assert raw.cmd("ZUNION", "3", "a", "b") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZUNION", "2", "a", "b", "WEIGHTS", "1", "x") == b"-ERR weight value is not a float\r\n"
    assert raw.cmd("ZDIFF", "2", "a", "b", "WEIGHTS", "1", "1") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZINTERCARD", "2", "a", "b", "LIMIT", "-1") == b"-ERR LIMIT can't be negative\r\n"


def test_sets_are_inputs_with_score_one(raw):
    raw.cmd("SADD", "s", "x", "q")
    raw.cmd("ZADD", "a", "5", "x")
    assert raw.cmd("ZUNION", "2", "a", "s", "WITHSCORES") == bulks(b"q", b"1", b"x", b"6")
    raw.cmd("SET", "str", "v")
    assert raw.cmd("ZUNION", "2", "a", "str", "WEIGHTS", "x").startswith(b"-WRONGTYPE")


# ---- ZSCAN --------------------------------------------------------------------------

def test_zscan_small_set_in_one_call(raw):
    raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "ab")
    assert raw.cmd("ZSCAN", "z", "0", "MATCH", "a*") == (
        b"*2\r\n$1\r\n0\r\n" + bulks(b"a", b"1", b"ab", b"3"))
    assert raw.cmd("ZSCAN", "z", "x") == b"-ERR invalid cursor\r\n"
    assert raw.cmd("ZSCAN", "z", "0", "COUNT", "0") == b"-ERR syntax error\r\n"
    assert raw.cmd("ZSCAN", "nokey", "0") == b"*2\r\n$1\r\n0\r\n*0\r\n"


def test_zscan_large_set_visits_every_member(raw):
    args = []
    for i in range(300):
        args += [str(i), "m%d" % i]
    raw.cmd("ZADD", "z", *args)
    seen = {}
    cursor = b"0"
    for _ in range(1000):
        reply = raw.cmd("ZSCAN", "z", cursor, "COUNT", "25")
        parts = reply.split(b"\r\n")
        cursor = parts[2]
        items = parts[5::2]
        for member, score in zip(items[0::2], items[1::2]):
            seen[member] = score
        if cursor == b"0":
            break
    assert len(seen) == 300
    assert seen[b"m42"] == b"42"


# ---- encodings ---------------------------------------------------------------------

def test_object_encoding_turns_skiplist_for_good(raw, limits):
    limits("zset-max-listpack-entries", "2")
    raw.cmd("ZADD", "z", "1", "a", "2", "b")
    assert raw.cmd("OBJECT", "ENCODING", "z") == b"$8\r\nlistpack\r\n"
    raw.cmd("ZADD", "z", "3", "c")
    assert raw.cmd("OBJECT", "ENCODING", "z") == b"$8\r\nskiplist\r\n"
    raw.cmd("ZREM", "z", "c", "b")
    assert raw.cmd("OBJECT", "ENCODING", "z") == b"$8\r\nskiplist\r\n"
    # A stored result that fits is a listpack again.
    raw.cmd("ZUNIONSTORE", "u", "1", "z")
    assert raw.cmd("OBJECT", "ENCODING", "u") == b"$8\r\nlistpack\r\n"
    limits("zset-max-listpack-value", "3")
    raw.cmd("ZADD", "long", "1", "abcd")
    assert raw.cmd("OBJECT", "ENCODING", "long") == b"$8\r\nskiplist\r\n"


def test_type_is_zset(raw):
    raw.cmd("ZADD", "z", "1", "a")
    assert raw.cmd("TYPE", "z") == b"+zset\r\n"


# ---- blocking -----------------------------------------------------------------------

def test_bzpopmin_returns_at_once_when_data_exists(raw):
    raw.cmd("ZADD", "z", "1", "a", "2", "b")
    assert raw.cmd("BZPOPMIN", "nokey", "z", "0") == bulks(b"z", b"a", b"1")
    assert raw.cmd("BZPOPMAX", "z", "0") == bulks(b"z", b"b", b"2")


def test_bzpopmin_times_out_with_null_array(raw):
    start = time.time()
    assert raw.cmd("BZPOPMIN", "nokey", "0.05") == b"*-1\r\n"
    assert time.time() - start < 2


def test_blocked_clients_are_served_first_come_first_served(raw, raw_factory):
    first, second = raw_factory(), raw_factory()
    first.send(b"*3\r\n$8\r\nBZPOPMIN\r\n$1\r\nz\r\n$1\r\n0\r\n")
    time.sleep(0.05)
    second.send(b"*3\r\n$8\r\nBZPOPMAX\r\n$1\r\nz\r\n$1\r\n0\r\n")
    time.sleep(0.05)
    assert raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c") == b":3\r\n"
    assert first.read_reply() == bulks(b"z", b"a", b"1")
    assert second.read_reply() == bulks(b"z", b"c", b"3")
    assert raw.cmd("ZRANGE", "z", "0", "-1") == bulks(b"b")


def test_bzmpop_wakes_on_exec_not_before(raw, raw_factory):
    waiter = raw_factory()
    waiter.send(encode_command("BZMPOP", "0", "1", "z", "MAX", "COUNT", "2"))
    time.sleep(0.05)
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c") == b"+QUEUED\r\n"
    assert raw.cmd("ZREM", "z", "c") == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == b"*2\r\n:3\r\n:1\r\n"
    assert waiter.read_reply() == (
        b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n")


def test_woken_client_is_served_from_the_key_that_became_ready(raw, raw_factory):
    waiter = raw_factory()
    waiter.send(encode_command("BZPOPMIN", "a", "b", "0"))
    time.sleep(0.05)
    assert raw.cmd("MULTI") == b"+OK\r\n"
    raw.cmd("ZADD", "b", "1", "x")
    raw.cmd("ZADD", "a", "2", "y")
    assert raw.cmd("EXEC") == b"*2\r\n:1\r\n:1\r\n"
    assert waiter.read_reply() == bulks(b"b", b"x", b"1")


def test_wrong_type_key_does_not_wake(raw, raw_factory):
    waiter = raw_factory()
    waiter.send(b"*3\r\n$8\r\nBZPOPMIN\r\n$1\r\nk\r\n$1\r\n0\r\n")
    time.sleep(0.05)
    raw.cmd("SET", "k", "v")
    assert waiter.read_all(0.1) == b""
    raw.cmd("DEL", "k")
    raw.cmd("ZADD", "k", "5", "m")
    assert waiter.read_reply() == bulks(b"k", b"m", b"5")


def test_blocking_pop_inside_multi_does_not_block(raw):
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("BZPOPMIN", "nokey", "0") == b"+QUEUED\r\n"
    assert raw.cmd("BZMPOP", "0", "1", "nokey", "MIN") == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == b"*2\r\n*-1\r\n*-1\r\n"


def test_blocking_argument_errors(raw):
    assert raw.cmd("BZPOPMIN", "z", "x") == b"-ERR timeout is not a float or out of range\r\n"
    assert raw.cmd("BZPOPMIN", "z", "-1") == b"-ERR timeout is negative\r\n"
    assert raw.cmd("BZMPOP", "x", "0", "z", "MIN") == b"-ERR numkeys should be greater than 0\r\n"
    raw.cmd("SET", "s", "v")
    assert raw.cmd("BZPOPMIN", "nokey", "s", "0").startswith(b"-WRONGTYPE")
