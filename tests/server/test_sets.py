"""Set commands against a live pyredis, raw reply bytes."""
import collections

import pytest

from respclient import RawClient
from respclient import keyevents
from .test_hashes import WRONGTYPE, bulks, parse

EMPTY_SCAN = b"*2\r\n$1\r\n0\r\n*0\r\n"


@pytest.fixture
def k(raw, request):
    """A key prefix of this test's own, so tests never share keys."""
    return request.node.name + ":"


def ints(*values):
    return bulks(*[str(v) for v in values])


# ---- SADD / SREM / SISMEMBER / SMISMEMBER / SCARD / SMEMBERS ---------------------------------

def test_sadd_srem_count_changes(raw, k):
    s = k + "s"
    assert raw.cmd("SADD", s, "a", "b", "a") == b":2\r\n"
    assert raw.cmd("SADD", s, "b", "c") == b":1\r\n"
    assert raw.cmd("SCARD", s) == b":3\r\n"
    assert raw.cmd("SREM", s, "a", "zz", "a") == b":1\r\n"
    assert raw.cmd("SREM", k + "none", "a") == b":0\r\n"
    assert raw.cmd("SCARD", s) == b":2\r\n"
    assert raw.cmd("SCARD", k + "none") == b":0\r\n"


def test_srem_of_the_last_member_removes_the_key(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, "a", "b")
    assert raw.cmd("SREM", s, "a", "b", "c") == b":2\r\n"
    assert raw.cmd("TYPE", s) == b"+none\r\n"


def test_membership(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, "a", "1", b"\x00\r\n")
    assert raw.cmd("SISMEMBER", s, "a") == b":1\r\n"
    assert raw.cmd("SISMEMBER", s, "b") == b":0\r\n"
    assert raw.cmd("SISMEMBER", s, b"\x00\r\n") == b":1\r\n"
    assert raw.cmd("SISMEMBER", k + "none", "a") == b":0\r\n"
    assert raw.cmd("SMISMEMBER", s, "a", "b", "1") == b"*3\r\n:1\r\n:0\r\n:1\r\n"
    assert raw.cmd("SMISMEMBER", k + "none", "a", "b") == b"*2\r\n:0\r\n:0\r\n"


def test_type_reports_set(raw, k):
    raw.cmd("SADD", k + "s", "a")
    assert raw.cmd("TYPE", k + "s") == b"+set\r\n"


def test_intset_replies_in_ascending_numeric_order(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, "10", "-3", "9223372036854775807", "0", "-9223372036854775808", "2")
    expected = ints(-9223372036854775808, -3, 0, 2, 10, 9223372036854775807)
    assert raw.cmd("SMEMBERS", s) == expected
    assert raw.cmd("SSCAN", s, "0") == b"*2\r\n$1\r\n0\r\n" + expected
    assert raw.cmd("SRANDMEMBER", s, "6") == expected
    assert raw.cmd("SUNION", s) == expected
    assert raw.cmd("SSCAN", s, "0", "MATCH", "-*") == b"*2\r\n$1\r\n0\r\n" + ints(-9223372036854775808, -3)


def test_smembers_of_a_hashtable_set(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, "b", "a", "1")
    assert sorted(parse(raw.cmd("SMEMBERS", s))) == [b"1", b"a", b"b"]
    assert raw.cmd("SMEMBERS", k + "none") == b"*0\r\n"


def test_resp3_shapes(raw_factory, k):
    raw = raw_factory()
    raw.cmd("HELLO", "3")
    s = k + "s"
    raw.cmd("SADD", s, "2", "1")
    assert raw.cmd("SMEMBERS", s) == b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert raw.cmd("SMEMBERS", k + "none") == b"~0\r\n"
    assert raw.cmd("SINTER", s, k + "none") == b"~0\r\n"
    assert raw.cmd("SUNION", s) == b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert raw.cmd("SDIFF", k + "none") == b"~0\r\n"
    assert raw.cmd("SRANDMEMBER", s, "5") == b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert raw.cmd("SRANDMEMBER", k + "none") == b"_\r\n"
    assert raw.cmd("SPOP", k + "none") == b"_\r\n"
    assert raw.cmd("SPOP", k + "none", "3") == b"~0\r\n"
    assert raw.cmd("SPOP", s, "0") == b"~0\r\n"
    assert raw.cmd("SPOP", s, "5") == b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert raw.cmd("SMISMEMBER", s, "1") == b"*1\r\n:0\r\n"


# ---- SPOP / SRANDMEMBER --------------------------------------------------------------------------

def test_spop_single(raw, k):
    s = k + "s"
    assert raw.cmd("SPOP", s) == b"$-1\r\n"
    raw.cmd("SADD", s, "a", "b", "c")
    got = {parse(raw.cmd("SPOP", s)) for _ in range(3)}
    assert got == {b"a", b"b", b"c"}
    assert raw.cmd("TYPE", s) == b"+none\r\n"


def test_spop_count_arguments(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, "a")
    raw.cmd("SET", k + "str", "x")
    positive = b"-ERR value is out of range, must be positive\r\n"
    assert raw.cmd("SPOP", s, "-1") == positive
    assert raw.cmd("SPOP", s, "x") == positive
    assert raw.cmd("SPOP", k + "str", "x") == positive
    assert raw.cmd("SPOP", s, "9223372036854775808") == positive
    assert raw.cmd("SPOP", s, "1", "2") == b"-ERR syntax error\r\n"
    assert raw.cmd("SPOP", k + "str", "1", "2") == b"-ERR syntax error\r\n"
    assert raw.cmd("SPOP", k + "str", "0") == WRONGTYPE
    assert raw.cmd("SPOP", s, "0") == b"*0\r\n"
    assert raw.cmd("SPOP", k + "none", "3") == b"*0\r\n"


def test_spop_count_of_the_whole_set(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, "3", "1", "2")
    assert raw.cmd("SPOP", s, "9223372036854775807") == ints(1, 2, 3)
    assert raw.cmd("TYPE", s) == b"+none\r\n"


@pytest.mark.parametrize("size, count", [(20, 1), (20, 3), (20, 10), (20, 19), (300, 7), (300, 250)])
def test_spop_count_pops_distinct_members(raw, k, size, count):
    s = k + "s"
    members = {b"m%d" % i for i in range(size)}
    raw.cmd("SADD", s, *members)
    popped = parse(raw.cmd("SPOP", s, str(count)))
    assert len(popped) == count == len(set(popped))
    assert set(popped) <= members
    left = set(parse(raw.cmd("SMEMBERS", s)))
    assert left == members - set(popped)


def test_spop_count_from_an_intset_near_its_size_replies_sorted(raw, k):
    # spopWithCountCommand CASE 3 replies what is left of the old intset, in its order.
    s = k + "s"
    raw.cmd("SADD", s, *range(1, 21))
    popped = [int(x) for x in parse(raw.cmd("SPOP", s, "18"))]
    assert popped == sorted(popped) and len(popped) == 18
    assert raw.cmd("SCARD", s) == b":2\r\n"


def test_srandmember(raw, k):
    s = k + "s"
    assert raw.cmd("SRANDMEMBER", s) == b"$-1\r\n"
    assert raw.cmd("SRANDMEMBER", s, "5") == b"*0\r\n"
    raw.cmd("SADD", s, "a", "b", "c")
    assert {parse(raw.cmd("SRANDMEMBER", s)) for _ in range(60)} == {b"a", b"b", b"c"}
    assert raw.cmd("SRANDMEMBER", s, "0") == b"*0\r\n"
    got = parse(raw.cmd("SRANDMEMBER", s, "2"))
    assert len(set(got)) == 2
    got = parse(raw.cmd("SRANDMEMBER", s, "-10"))
    assert len(got) == 10 and set(got) <= {b"a", b"b", b"c"}
    assert sorted(parse(raw.cmd("SRANDMEMBER", s, "10"))) == [b"a", b"b", b"c"]
    assert raw.cmd("SCARD", s) == b":3\r\n"


def test_srandmember_arguments(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, "a")
    raw.cmd("SET", k + "str", "x")
    assert raw.cmd("SRANDMEMBER", s, "x") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("SRANDMEMBER", k + "str", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("SRANDMEMBER", k + "str", "1") == WRONGTYPE
    assert raw.cmd("SRANDMEMBER", s, "1", "2") == b"-ERR syntax error\r\n"
    assert raw.cmd("SRANDMEMBER", s, "-9223372036854775808") == (
        b"-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n")


@pytest.mark.parametrize("size", [10, 1000])
def test_srandmember_is_uniform(raw, k, size):
    s = k + "s"
    raw.cmd("SADD", s, *["m%d" % i for i in range(size)])
    counts = collections.Counter(parse(raw.cmd("SRANDMEMBER", s, str(-40 * size))))
    assert len(counts) == size
    assert max(counts.values()) < 40 * 3 and min(counts.values()) > 40 // 4
    assert len(set(parse(raw.cmd("SRANDMEMBER", s, str(size // 5))))) == size // 5


def test_random_picks_follow_changes_of_a_big_set(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, *["m%d" % i for i in range(300)])
    raw.cmd("SRANDMEMBER", s, "-3")
    raw.cmd("SREM", s, *["m%d" % i for i in range(0, 300, 2)])
    raw.cmd("SADD", s, "new")
    raw.cmd("SMOVE", s, k + "t", "m1")
    alive = {b"m%d" % i for i in range(3, 300, 2)} | {b"new"}
    assert set(parse(raw.cmd("SRANDMEMBER", s, "-5000"))) == alive
    popped = set()
    for _ in range(len(alive)):
        popped.add(parse(raw.cmd("SPOP", s)))
    assert popped == alive


# ---- SMOVE ---------------------------------------------------------------------------------------

def test_smove(raw, k):
    src, dst = k + "src", k + "dst"
    raw.cmd("SADD", src, "a", "b")
    raw.cmd("SADD", dst, "b")
    assert raw.cmd("SMOVE", src, dst, "a") == b":1\r\n"
    assert raw.cmd("SMOVE", src, dst, "a") == b":0\r\n"
    assert raw.cmd("SMOVE", src, dst, "b") == b":1\r\n"   # already in dst: still moved
    assert raw.cmd("TYPE", src) == b"+none\r\n"
    assert sorted(parse(raw.cmd("SMEMBERS", dst))) == [b"a", b"b"]
    assert raw.cmd("SMOVE", dst, dst, "a") == b":1\r\n"
    assert raw.cmd("SMOVE", dst, dst, "zz") == b":0\r\n"
    assert raw.cmd("SMOVE", dst, k + "new", "a") == b":1\r\n"
    assert raw.cmd("SMEMBERS", k + "new") == bulks("a")


def test_smove_type_checks(raw, k):
    s, str_ = k + "s", k + "str"
    raw.cmd("SADD", s, "a")
    raw.cmd("SET", str_, "x")
    assert raw.cmd("SMOVE", s, str_, "a") == WRONGTYPE
    assert raw.cmd("SMOVE", s, str_, "zz") == WRONGTYPE
    assert raw.cmd("SMOVE", str_, s, "a") == WRONGTYPE
    # A missing source answers 0 before the destination is type-checked.
    assert raw.cmd("SMOVE", k + "none", str_, "a") == b":0\r\n"
    assert raw.cmd("SISMEMBER", s, "a") == b":1\r\n"


# ---- SINTER / SINTERCARD / SUNION / SDIFF and the STORE forms ----------------------------------

@pytest.fixture
def abc(raw, k):
    a, b, c = k + "a", k + "b", k + "c"
    raw.cmd("SADD", a, "1", "2", "3", "4")
    raw.cmd("SADD", b, "2", "3", "4", "5")
    raw.cmd("SADD", c, "x", "3", "4")
    raw.cmd("SET", k + "str", "x")
    return a, b, c


def test_sinter(raw, k, abc):
    a, b, c = abc
    assert raw.cmd("SINTER", a, b) == ints(2, 3, 4)
    assert raw.cmd("SINTER", b, a) == ints(2, 3, 4)
    # The smallest set is walked; this one is a hashtable: no order.
    assert sorted(parse(raw.cmd("SINTER", a, b, c))) == [b"3", b"4"]
    assert raw.cmd("SINTER", a, k + "none") == b"*0\r\n"
    assert raw.cmd("SINTER", k + "none", k + "str") == WRONGTYPE
    assert raw.cmd("SINTER", k + "str", k + "none") == WRONGTYPE


def test_sunion_sdiff(raw, k, abc):
    a, b, c = abc
    assert raw.cmd("SUNION", a, b) == ints(1, 2, 3, 4, 5)
    assert sorted(parse(raw.cmd("SUNION", a, b, c))) == [b"1", b"2", b"3", b"4", b"5", b"x"]
    assert raw.cmd("SDIFF", a, b) == ints(1)
    assert raw.cmd("SDIFF", b, a, c) == ints(5)
    assert raw.cmd("SDIFF", c, a) == bulks("x")
    assert raw.cmd("SDIFF", a, a) == b"*0\r\n"
    assert raw.cmd("SDIFF", k + "none", a) == b"*0\r\n"
    assert raw.cmd("SDIFF", a, k + "none") == ints(1, 2, 3, 4)
    for name in ("SUNION", "SDIFF"):
        assert raw.cmd(name, a, k + "str") == WRONGTYPE
        assert raw.cmd(name, k + "none", k + "str") == WRONGTYPE
    assert raw.cmd("SDIFF", a, a, k + "str") == WRONGTYPE


def test_sintercard(raw, k, abc):
    a, b, c = abc
    assert raw.cmd("SINTERCARD", "2", a, b) == b":3\r\n"
    assert raw.cmd("SINTERCARD", "3", a, b, c) == b":2\r\n"
    assert raw.cmd("SINTERCARD", "2", a, b, "LIMIT", "2") == b":2\r\n"
    assert raw.cmd("SINTERCARD", "2", a, b, "limit", "0") == b":3\r\n"
    assert raw.cmd("SINTERCARD", "2", a, b, "LIMIT", "1", "LIMIT", "9") == b":3\r\n"
    assert raw.cmd("SINTERCARD", "2", a, k + "none") == b":0\r\n"


@pytest.mark.parametrize("args, error", [
    (("0", "{a}"), b"-ERR numkeys should be greater than 0\r\n"),
    (("-1", "{a}"), b"-ERR numkeys should be greater than 0\r\n"),
    (("x", "{a}"), b"-ERR numkeys should be greater than 0\r\n"),
    (("9223372036854775808", "{a}"), b"-ERR numkeys should be greater than 0\r\n"),
    (("3", "{a}", "{b}"), b"-ERR Number of keys can't be greater than number of args\r\n"),
    (("2", "{a}", "{b}", "LIMIT"), b"-ERR syntax error\r\n"),
    (("2", "{a}", "{b}", "LIMIT", "x"), b"-ERR LIMIT can't be negative\r\n"),
    (("2", "{a}", "{b}", "LIMIT", "-1"), b"-ERR LIMIT can't be negative\r\n"),
    (("2", "{a}", "{str}", "LIMIT", "-1"), b"-ERR LIMIT can't be negative\r\n"),
    (("2", "{a}", "{b}", "FOO", "1"), b"-ERR syntax error\r\n"),
    (("1", "{a}", "{b}"), b"-ERR syntax error\r\n"),
    (("2", "{none}", "{str}"), WRONGTYPE),
])
def test_sintercard_errors(raw, k, abc, args, error):
    names = {"{a}": abc[0], "{b}": abc[1], "{str}": k + "str", "{none}": k + "none"}
    assert raw.cmd("SINTERCARD", *[names.get(x, x) for x in args]) == error


def test_store_commands(raw, k, abc):
    a, b, c = abc
    d = k + "d"
    assert raw.cmd("SINTERSTORE", d, a, b) == b":3\r\n"
    assert raw.cmd("SMEMBERS", d) == ints(2, 3, 4)
    assert raw.cmd("SUNIONSTORE", d, a, c) == b":5\r\n"
    assert sorted(parse(raw.cmd("SMEMBERS", d))) == [b"1", b"2", b"3", b"4", b"x"]
    assert raw.cmd("SDIFFSTORE", d, a, b) == b":1\r\n"
    assert raw.cmd("SMEMBERS", d) == ints(1)
    assert raw.cmd("SINTERSTORE", d, a, k + "none") == b":0\r\n"
    assert raw.cmd("TYPE", d) == b"+none\r\n"
    # The destination is overwritten whatever it held; sources are type-checked.
    assert raw.cmd("SINTERSTORE", k + "str", a, k + "str") == WRONGTYPE
    assert raw.cmd("SUNIONSTORE", k + "str", a) == b":4\r\n"
    assert raw.cmd("TYPE", k + "str") == b"+set\r\n"
    assert raw.cmd("SDIFFSTORE", d, a, a) == b":0\r\n"
    assert raw.cmd("SUNIONSTORE", d, k + "none") == b":0\r\n"


def test_store_into_a_source(raw, k, abc):
    a, b, _ = abc
    assert raw.cmd("SDIFFSTORE", a, a, b) == b":1\r\n"
    assert raw.cmd("SMEMBERS", a) == ints(1)


# ---- SSCAN ----------------------------------------------------------------------------------------

def sscan_all(raw, key, count=10, match=None, during=None):
    cursor, seen, calls = b"0", [], 0
    while True:
        args = ["SSCAN", key, cursor, "COUNT", count] + (["MATCH", match] if match else [])
        cursor, members = parse(raw.cmd(*args))
        seen += members
        calls += 1
        if during:
            during(calls)
        if cursor == b"0":
            return seen, calls


def test_sscan_arguments(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, "a")
    raw.cmd("SET", k + "str", "x")
    assert raw.cmd("SSCAN", k + "str", "x") == b"-ERR invalid cursor\r\n"
    assert raw.cmd("SSCAN", k + "str", "0") == WRONGTYPE
    assert raw.cmd("SSCAN", k + "none", "0", "bad") == EMPTY_SCAN
    assert raw.cmd("SSCAN", s, "0", "COUNT", "0") == b"-ERR syntax error\r\n"
    assert raw.cmd("SSCAN", s, "0", "COUNT", "1", "MATCH") == b"-ERR syntax error\r\n"
    assert raw.cmd("SSCAN", s, "0", "MATCH", "z*") == EMPTY_SCAN


def test_sscan_big_set(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, *["m%d" % i for i in range(600)])
    seen, calls = sscan_all(raw, s, count=25)
    assert calls > 10
    assert sorted(seen) == sorted(b"m%d" % i for i in range(600))
    matched, _ = sscan_all(raw, s, count=100, match="m5?")
    assert sorted(matched) == sorted(b"m5%d" % i for i in range(10))


def test_sscan_big_intset(raw, k):
    s = k + "s"
    raw.cmd("SADD", s, *range(1000))     # over set-max-intset-entries: a hashtable
    seen, calls = sscan_all(raw, s, count=100)
    assert calls > 5
    assert sorted(int(x) for x in seen) == list(range(1000))


def test_sscan_guarantee_while_the_set_changes(raw, raw_factory, k):
    s = k + "s"
    raw.cmd("SADD", s, *["m%d" % i for i in range(500)])
    other = raw_factory()

    def churn(call):
        other.cmd("SADD", s, *["n%d_%d" % (call, j) for j in range(40)])
        other.cmd("SREM", s, *["m%d" % i for i in range(400 + call * 2, 402 + call * 2)])
    seen, _ = sscan_all(raw, s, count=20, during=churn)
    assert {b"m%d" % i for i in range(400)} <= set(seen)


# ---- types, encodings, events ---------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    ("SADD", "{k}", "a"), ("SREM", "{k}", "a"), ("SISMEMBER", "{k}", "a"), ("SMISMEMBER", "{k}", "a"),
    ("SCARD", "{k}"), ("SMEMBERS", "{k}"), ("SPOP", "{k}"), ("SPOP", "{k}", "1"), ("SRANDMEMBER", "{k}"),
    ("SRANDMEMBER", "{k}", "1"), ("SSCAN", "{k}", "0"), ("SINTER", "{k}"), ("SUNION", "{k}"),
    ("SDIFF", "{k}"), ("SINTERCARD", "1", "{k}"), ("SINTERSTORE", "d", "{k}"),
    ("SUNIONSTORE", "d", "{k}"), ("SDIFFSTORE", "d", "{k}"),
])
def test_wrongtype(raw, k, cmd):
    key = k + "h"
    raw.cmd("HSET", key, "a", "1")
    assert raw.cmd(*[a.replace("{k}", key) for a in cmd]) == WRONGTYPE


INTSET = b"$6\r\nintset\r\n"
HASHTABLE = b"$9\r\nhashtable\r\n"


def encoding(raw, key):
    return raw.cmd("OBJECT", "ENCODING", key)


@pytest.fixture(scope="module")
def small_intsets():
    """A private server whose sets stop being intsets past 3 members."""
    from serverproc import start_pyredis
    proc = start_pyredis("--set-max-intset-entries", "3")
    raw = RawClient(proc.port)
    yield raw
    raw.close()
    proc.stop()


def test_encodings(small_intsets):
    raw = small_intsets
    cases = [
        ("i1", [("SADD", "i1", "1", "2", "3")], INTSET),
        ("i2", [("SADD", "i2", "1", "2", "3", "4")], HASHTABLE),
        ("i3", [("SADD", "i3", "a")], HASHTABLE),
        ("i4", [("SADD", "i4", "1", "a"), ("SREM", "i4", "a")], HASHTABLE),     # one way
        ("i5", [("SADD", "i5", "-0")], HASHTABLE),                               # not string2ll
        ("i6", [("SADD", "i6", "01")], HASHTABLE),
        ("i7", [("SADD", "i7", "9223372036854775808")], HASHTABLE),
        ("i8", [("SADD", "i8", "-9223372036854775808")], INTSET),
        ("i9", [("SADD", "src", "a", "1"), ("SMOVE", "src", "i9", "1")], INTSET),
        ("i10", [("SADD", "x", "1", "2", "a"), ("SADD", "y", "a"), ("SDIFFSTORE", "i10", "x", "y")], INTSET),
        ("i11", [("SINTERSTORE", "i11", "x", "x")], HASHTABLE),
        ("i12", [("SADD", "i12", "1", "2", "3", "4"), ("SPOP", "i12", "3")], HASHTABLE),   # CASE 2
        ("i13", [("SADD", "i13", *range(10)), ("SPOP", "i13", "9")], INTSET),   # CASE 3 rebuilds
    ]
    for key, commands, expected in cases:
        for cmd in commands:
            raw.cmd(*cmd)
        assert encoding(raw, key) == expected, key


def test_sunion_order_follows_the_result_encoding(small_intsets):
    raw = small_intsets
    raw.cmd("SADD", "a", "5", "1", "z")
    raw.cmd("SADD", "b", "3", "z")
    assert raw.cmd("SDIFF", "a", "b") == ints(1, 5)          # result built as an intset
    raw.cmd("SADD", "c", "9", "8", "7", "6", "5", "1")
    assert raw.cmd("SUNIONSTORE", "d", "a", "c") == b":7\r\n"
    raw.cmd("SADD", "e", "7", "5", "1")                      # smallest, an intset: its order
    assert raw.cmd("SINTER", "c", "e", "d") == ints(1, 5, 7)


def test_config_set_intset_limit_applies_to_later_writes(raw_factory, k):
    raw = raw_factory()
    s = k + "s"
    raw.cmd("SADD", s, "1", "2", "3")
    old = parse(raw.cmd("CONFIG", "GET", "set-max-intset-entries"))[1]
    try:
        raw.cmd("CONFIG", "SET", "set-max-intset-entries", "2")
        assert encoding(raw, s) == INTSET
        raw.cmd("SADD", s, "3")                  # nothing added: no conversion
        assert encoding(raw, s) == INTSET
        raw.cmd("SADD", s, "4")
        assert encoding(raw, s) == HASHTABLE
    finally:
        raw.cmd("CONFIG", "SET", "set-max-intset-entries", old)


@pytest.mark.parametrize("commands, expected", [
    ([("SADD", "s", "1", "2"), ("SADD", "s", "1")], ["sadd s"]),
    ([("SADD", "s", "1", "2"), ("SREM", "s", "9"), ("SREM", "s", "1"), ("SREM", "s", "2")],
     ["sadd s", "srem s", "srem s", "del s"]),
    ([("SADD", "s", "1", "2", "3"), ("SPOP", "s"), ("SPOP", "s", "1"), ("SPOP", "s", "5")],
     ["sadd s", "spop s", "spop s", "spop s", "del s"]),
    ([("SADD", "s", "1"), ("SPOP", "s", "0"), ("SPOP", "s")], ["sadd s", "spop s", "del s"]),
    ([("SADD", "s", "1", "2"), ("SMOVE", "s", "t", "1"), ("SMOVE", "s", "t", "2"), ("SMOVE", "t", "t", "2")],
     ["sadd s", "srem s", "sadd t", "srem s", "del s", "sadd t"]),
    ([("SADD", "s", "1"), ("SADD", "t", "1"), ("SMOVE", "s", "t", "1")],
     ["sadd s", "sadd t", "srem s", "del s"]),
    ([("SADD", "a", "1"), ("SADD", "b", "2"), ("SINTERSTORE", "d", "a", "b"), ("SUNIONSTORE", "d", "a", "b"),
      ("SINTERSTORE", "d", "a", "b"), ("SDIFFSTORE", "d", "a", "b"), ("SDIFFSTORE", "d", "a", "a")],
     ["sadd a", "sadd b", "sunionstore d", "del d", "sdiffstore d", "del d"]),
    ([("SUNIONSTORE", "e", "none")], []),
])
def test_keyspace_keyevents(notifying, commands, expected):
    writer, sub = notifying
    writer.cmd("FLUSHALL")
    keyevents(sub)
    for cmd in commands:
        writer.cmd(*cmd)
    assert keyevents(sub) == expected
