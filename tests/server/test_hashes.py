"""Hash commands against a live pyredis, raw reply bytes."""
import collections

import pytest

from respclient import RawClient, bulk, bulks, keyevents, parse

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


@pytest.fixture
def k(raw, request):
    """A key prefix of this test's own, so tests never share keys."""
    return request.node.name + ":"


def hset(raw, key, *pairs):
    return raw.cmd("HSET", key, *pairs)


# ---- HSET / HMSET / HSETNX / HGET / HMGET -----------------------------------------------------

def test_hset_counts_new_fields_and_hget_reads_them(raw, k):
    h = k + "h"
    assert hset(raw, h, "a", "1", "b", "2") == b":2\r\n"
    assert hset(raw, h, "a", "10", "c", "3") == b":1\r\n"
    assert raw.cmd("HGET", h, "a") == b"$2\r\n10\r\n"
    assert raw.cmd("HGET", h, "zz") == b"$-1\r\n"
    assert raw.cmd("HGET", k + "none", "a") == b"$-1\r\n"
    assert raw.cmd("HMSET", h, "d", "4") == b"+OK\r\n"
    assert raw.cmd("HMGET", h, "a", "zz", "d") == b"*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n4\r\n"
    assert raw.cmd("HMGET", k + "none", "a", "b") == b"*2\r\n$-1\r\n$-1\r\n"


@pytest.mark.parametrize("name", ["HSET", "HMSET"])
def test_hset_odd_arguments_is_an_arity_error_before_the_type_check(raw, k, name):
    raw.cmd("SET", k + "s", "x")
    err = b"-ERR wrong number of arguments for '%s' command\r\n" % name.lower().encode()
    assert raw.cmd(name, k + "h", "a", "1", "b") == err
    assert raw.cmd(name, k + "s", "a", "1", "b") == err
    assert raw.cmd(name, k + "h", "a") == err
    assert raw.cmd("HLEN", k + "h") == b":0\r\n"


def test_hsetnx(raw, k):
    h = k + "h"
    assert raw.cmd("HSETNX", h, "a", "1") == b":1\r\n"
    assert raw.cmd("HSETNX", h, "a", "2") == b":0\r\n"
    assert raw.cmd("HGET", h, "a") == b"$1\r\n1\r\n"


def test_binary_fields_and_values(raw, k):
    h = k + "h"
    field, value = b"f\x00\r\n\xff", b"\x00v\r\n"
    assert hset(raw, h, field, value) == b":1\r\n"
    assert raw.cmd("HGET", h, field) == bulk(value)
    assert raw.cmd("HSTRLEN", h, field) == b":4\r\n"
    assert raw.cmd("HGETALL", h) == bulks(field, value)


# ---- HDEL / HEXISTS / HLEN / HSTRLEN --------------------------------------------------------

def test_hdel_counts_and_removes_the_emptied_key(raw, k):
    h = k + "h"
    hset(raw, h, "a", "1", "b", "2")
    assert raw.cmd("HDEL", h, "zz") == b":0\r\n"
    assert raw.cmd("HDEL", h, "a", "a", "zz") == b":1\r\n"
    assert raw.cmd("HEXISTS", h, "a") == b":0\r\n"
    assert raw.cmd("HEXISTS", h, "b") == b":1\r\n"
    assert raw.cmd("HDEL", h, "b", "c") == b":1\r\n"
    assert raw.cmd("TYPE", h) == b"+none\r\n"
    assert raw.cmd("HDEL", h, "b") == b":0\r\n"


def test_hlen_hstrlen(raw, k):
    h = k + "h"
    hset(raw, h, "a", "hello", "n", "12345678901234567890")
    assert raw.cmd("HLEN", h) == b":2\r\n"
    assert raw.cmd("HLEN", k + "none") == b":0\r\n"
    assert raw.cmd("HSTRLEN", h, "a") == b":5\r\n"
    assert raw.cmd("HSTRLEN", h, "n") == b":20\r\n"
    assert raw.cmd("HSTRLEN", h, "zz") == b":0\r\n"
    assert raw.cmd("HSTRLEN", k + "none", "a") == b":0\r\n"


def test_type_reports_hash(raw, k):
    hset(raw, k + "h", "a", "1")
    assert raw.cmd("TYPE", k + "h") == b"+hash\r\n"


# ---- HKEYS / HVALS / HGETALL and the listpack order -----------------------------------------

def test_small_hash_replies_in_insertion_order(raw, k):
    h = k + "h"
    hset(raw, h, "z", "1", "a", "2", "m", "3")
    hset(raw, h, "a", "20")               # an update keeps the field's place
    raw.cmd("HDEL", h, "z")
    hset(raw, h, "z", "10")               # delete and re-add moves it to the end
    assert raw.cmd("HKEYS", h) == bulks("a", "m", "z")
    assert raw.cmd("HVALS", h) == bulks("20", "3", "10")
    assert raw.cmd("HGETALL", h) == bulks("a", "20", "m", "3", "z", "10")


def test_missing_hash_reads_as_empty(raw, k):
    for name in ("HKEYS", "HVALS", "HGETALL"):
        assert raw.cmd(name, k + "none") == b"*0\r\n"


def test_hgetall_is_a_map_in_resp3(raw_factory, k):
    raw = raw_factory()
    raw.cmd("HELLO", "3")
    hset(raw, k + "h", "a", "1", "b", "2")
    assert raw.cmd("HGETALL", k + "h") == b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    assert raw.cmd("HGETALL", k + "none") == b"%0\r\n"
    assert raw.cmd("HMGET", k + "none", "a") == b"*1\r\n_\r\n"
    assert raw.cmd("HKEYS", k + "h") == bulks("a", "b")


def test_big_hash_returns_every_field(raw, k):
    h = k + "h"
    pairs = []
    for i in range(300):
        pairs += ["f%d" % i, "v%d" % i]
    hset(raw, h, *pairs)
    assert raw.cmd("HLEN", h) == b":300\r\n"
    assert sorted(parse(raw.cmd("HKEYS", h))) == sorted(b"f%d" % i for i in range(300))
    flat = parse(raw.cmd("HGETALL", h))
    assert dict(zip(flat[::2], flat[1::2])) == {b"f%d" % i: b"v%d" % i for i in range(300)}


# ---- HINCRBY / HINCRBYFLOAT ------------------------------------------------------------------

def test_hincrby(raw, k):
    h = k + "h"
    assert raw.cmd("HINCRBY", h, "n", "5") == b":5\r\n"
    assert raw.cmd("HINCRBY", h, "n", "-7") == b":-2\r\n"
    assert raw.cmd("HGET", h, "n") == b"$2\r\n-2\r\n"
    hset(raw, h, "s", "abc", "sp", " 1", "f", "1.5", "max", "9223372036854775807")
    for field in ("s", "sp", "f"):
        assert raw.cmd("HINCRBY", h, field, "1") == b"-ERR hash value is not an integer\r\n"
    assert raw.cmd("HINCRBY", h, "max", "1") == b"-ERR increment or decrement would overflow\r\n"
    assert raw.cmd("HINCRBY", h, "max", "-1") == b":9223372036854775806\r\n"
    assert raw.cmd("HINCRBY", h, "n", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("HINCRBY", h, "n", "9223372036854775808") == \
        b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("HINCRBY", h, "n", "+1") == b"-ERR value is not an integer or out of range\r\n"


def test_hincrby_parses_the_increment_before_the_type_check(raw, k):
    raw.cmd("SET", k + "s", "x")
    assert raw.cmd("HINCRBY", k + "s", "f", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("HINCRBY", k + "s", "f", "1") == WRONGTYPE
    assert raw.cmd("HINCRBYFLOAT", k + "s", "f", "x") == b"-ERR value is not a valid float\r\n"
    assert raw.cmd("HINCRBYFLOAT", k + "s", "f", "1") == WRONGTYPE


@pytest.mark.parametrize("start, incr, result", [
    (None, "1.5", b"1.5"),
    ("10.5", "0.1", b"10.6"),            # long double arithmetic: not 10.59999999999999964
    ("3", "-3", b"0"),
    ("-1", "0.5", b"-0.5"),
    ("5", "5.0e3", b"5005"),
    ("0x10", "1", b"17"),
    ("1", "1e-5", b"1.00001"),
    ("1e308", "1e308", b"199999999999999999993371759311691291321120199694831134415594095989843469737676"
                       b"1237442002538437770786408934944501080264463042694991879211671948416288603928"
                       b"3753591820003920638155732621920901421333587830679157787782912108712612253672"
                       b"9803237260434173178506889763247582601711514636284849020905456510092687857156096"),
])
def test_hincrbyfloat_formats_like_redis(raw, k, start, incr, result):
    h = k + "h"
    if start is not None:
        hset(raw, h, "f", start)
    assert raw.cmd("HINCRBYFLOAT", h, "f", incr) == bulk(result)
    assert raw.cmd("HGET", h, "f") == bulk(result)


def test_hincrbyfloat_errors(raw, k):
    h = k + "h"
    hset(raw, h, "s", "abc", "sp", " 1", "inf", "inf", "n", "1")
    assert raw.cmd("HINCRBYFLOAT", h, "s", "1") == b"-ERR hash value is not a float\r\n"
    assert raw.cmd("HINCRBYFLOAT", h, "sp", "1") == b"-ERR hash value is not a float\r\n"
    assert raw.cmd("HINCRBYFLOAT", h, "n", "x") == b"-ERR value is not a valid float\r\n"
    assert raw.cmd("HINCRBYFLOAT", h, "n", "nan") == b"-ERR value is not a valid float\r\n"
    assert raw.cmd("HINCRBYFLOAT", h, "n", "inf") == b"-ERR value is NaN or Infinity\r\n"
    assert raw.cmd("HINCRBYFLOAT", h, "n", "-inf") == b"-ERR value is NaN or Infinity\r\n"
    assert raw.cmd("HINCRBYFLOAT", h, "inf", "1") == b"-ERR increment would produce NaN or Infinity\r\n"
    assert raw.cmd("HINCRBYFLOAT", h, "n", "1e4933") == b"-ERR value is not a valid float\r\n"
    assert raw.cmd("HGET", h, "n") == b"$1\r\n1\r\n"
    hset(raw, h, "big", "1e4932")
    assert raw.cmd("HINCRBYFLOAT", h, "big", "1e4932") == b"-ERR increment would produce NaN or Infinity\r\n"
    assert raw.cmd("HEXISTS", k + "none", "f") == b":0\r\n"
    assert raw.cmd("HINCRBYFLOAT", k + "none", "f", "x") == b"-ERR value is not a valid float\r\n"
    assert raw.cmd("HLEN", k + "none") == b":0\r\n"


# ---- HRANDFIELD --------------------------------------------------------------------------------

def test_hrandfield_without_count(raw, k):
    h = k + "h"
    assert raw.cmd("HRANDFIELD", h) == b"$-1\r\n"
    hset(raw, h, "a", "1", "b", "2", "c", "3")
    seen = {parse(raw.cmd("HRANDFIELD", h)) for _ in range(60)}
    assert seen == {b"a", b"b", b"c"}


def test_hrandfield_count_arguments(raw, k):
    h = k + "h"
    hset(raw, h, "a", "1")
    assert raw.cmd("HRANDFIELD", h, "x") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("HRANDFIELD", h, "-9223372036854775808") == (
        b"-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n")
    assert raw.cmd("HRANDFIELD", h, "1", "withvalue") == b"-ERR syntax error\r\n"
    assert raw.cmd("HRANDFIELD", h, "1", "withvalues", "x") == b"-ERR syntax error\r\n"
    assert raw.cmd("HRANDFIELD", h, "4611686018427387904", "withvalues") == b"-ERR value is out of range\r\n"
    assert raw.cmd("HRANDFIELD", h, "-4611686018427387904", "WITHVALUES") == b"-ERR value is out of range\r\n"
    assert raw.cmd("HRANDFIELD", k + "none", "4611686018427387903", "withvalues") == b"*0\r\n"
    assert raw.cmd("HRANDFIELD", k + "none", "-5") == b"*0\r\n"
    assert raw.cmd("HRANDFIELD", h, "0") == b"*0\r\n"
    assert raw.cmd("HRANDFIELD", h, "0", "withvalues") == b"*0\r\n"
    raw.cmd("SET", k + "s", "x")
    assert raw.cmd("HRANDFIELD", k + "s", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("HRANDFIELD", k + "s", "1", "foo") == b"-ERR syntax error\r\n"
    assert raw.cmd("HRANDFIELD", k + "s", "1") == WRONGTYPE
    assert raw.cmd("HRANDFIELD", k + "s") == WRONGTYPE


def test_hrandfield_whole_hash_in_order(raw, k):
    h = k + "h"
    hset(raw, h, "c", "3", "a", "1", "b", "2")
    assert raw.cmd("HRANDFIELD", h, "3") == bulks("c", "a", "b")
    assert raw.cmd("HRANDFIELD", h, "100", "WITHVALUES") == bulks("c", "3", "a", "1", "b", "2")


def test_hrandfield_unique_subset_of_a_listpack_keeps_its_order(raw, k):
    h = k + "h"
    fields = ["f%02d" % i for i in range(40)]
    hset(raw, h, *[x for f in fields for x in (f, f.upper())])
    rank = {f.encode(): i for i, f in enumerate(fields)}
    seen = set()
    for _ in range(30):
        got = parse(raw.cmd("HRANDFIELD", h, "5"))   # 5 * 3 <= 40: lpRandomPairsUnique
        assert len(set(got)) == 5
        assert got == sorted(got, key=rank.__getitem__)
        seen.update(got)
        pairs = parse(raw.cmd("HRANDFIELD", h, "20", "WITHVALUES"))
        assert len(set(pairs[::2])) == 20
        assert pairs[1::2] == [f.upper() for f in pairs[::2]]
    assert len(seen) > 20


def test_hrandfield_negative_count_repeats(raw, k):
    h = k + "h"
    hset(raw, h, "a", "1", "b", "2")
    got = parse(raw.cmd("HRANDFIELD", h, "-50"))
    assert len(got) == 50 and set(got) == {b"a", b"b"}
    pairs = parse(raw.cmd("HRANDFIELD", h, "-20", "withvalues"))
    assert len(pairs) == 40
    assert all({b"a": b"1", b"b": b"2"}[f] == v for f, v in zip(pairs[::2], pairs[1::2]))


def test_hrandfield_withvalues_nests_pairs_in_resp3(raw_factory, k):
    raw = raw_factory()
    raw.cmd("HELLO", "3")
    h = k + "h"
    hset(raw, h, "a", "1", "b", "2")
    assert raw.cmd("HRANDFIELD", h, "5", "WITHVALUES") == (
        b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n")
    got = raw.cmd("HRANDFIELD", h, "-3", "WITHVALUES")
    assert got.startswith(b"*3\r\n*2\r\n$1\r\n") and got.count(b"*2\r\n") == 3
    assert raw.cmd("HRANDFIELD", h, "2") == bulks("a", "b")
    assert raw.cmd("HRANDFIELD", k + "none") == b"_\r\n"
    assert raw.cmd("HRANDFIELD", k + "none", "3") == b"*0\r\n"


@pytest.mark.parametrize("size", [10, 1000])
def test_hrandfield_is_uniform(raw, k, size):
    h = k + "h"
    hset(raw, h, *[x for i in range(size) for x in ("f%d" % i, "v")])
    draws = parse(raw.cmd("HRANDFIELD", h, str(-40 * size)))
    counts = collections.Counter(draws)
    assert len(counts) == size
    assert max(counts.values()) < 40 * 3 and min(counts.values()) > 40 // 4
    unique = parse(raw.cmd("HRANDFIELD", h, str(size // 2)))
    assert len(set(unique)) == size // 2


def test_hrandfield_follows_deletes_on_a_big_hash(raw, k):
    h = k + "h"
    hset(raw, h, *[x for i in range(200) for x in ("f%d" % i, "v")])
    raw.cmd("HRANDFIELD", h, "-5")
    raw.cmd("HDEL", h, *["f%d" % i for i in range(0, 200, 2)])
    hset(raw, h, "new", "v")
    alive = {b"f%d" % i for i in range(1, 200, 2)} | {b"new"}
    assert set(parse(raw.cmd("HRANDFIELD", h, "-3000"))) == alive
    assert set(parse(raw.cmd("HRANDFIELD", h, "90"))) <= alive


# ---- HSCAN ------------------------------------------------------------------------------------

def test_hscan_small_hash_returns_everything_at_once(raw, k):
    h = k + "h"
    hset(raw, h, "b", "1", "a", "2", "ab", "3")
    assert raw.cmd("HSCAN", h, "0") == b"*2\r\n$1\r\n0\r\n" + bulks("b", "1", "a", "2", "ab", "3")
    assert raw.cmd("HSCAN", h, "0", "COUNT", "1", "MATCH", "a*") == (
        b"*2\r\n$1\r\n0\r\n" + bulks("a", "2", "ab", "3"))
    assert raw.cmd("HSCAN", h, "123") == b"*2\r\n$1\r\n0\r\n" + bulks("b", "1", "a", "2", "ab", "3")
    assert raw.cmd("HSCAN", k + "none", "0") == b"*2\r\n$1\r\n0\r\n*0\r\n"


@pytest.mark.parametrize("cursor", ["x", " 1", "1 ", "+", "18446744073709551616", "-18446744073709551616"])
def test_hscan_invalid_cursor_comes_first(raw, k, cursor):
    raw.cmd("SET", k + "s", "x")
    assert raw.cmd("HSCAN", k + "s", cursor) == b"-ERR invalid cursor\r\n"


@pytest.mark.parametrize("cursor", ["", "-0", "+0", "007", "18446744073709551615", "-1"])
def test_hscan_cursors_strtoul_accepts(raw, k, cursor):
    hset(raw, k + "h", "a", "1")
    assert raw.cmd("HSCAN", k + "h", cursor) == b"*2\r\n$1\r\n0\r\n" + bulks("a", "1")


def test_hscan_options(raw, k):
    h = k + "h"
    hset(raw, h, "a", "1")
    raw.cmd("SET", k + "s", "x")
    assert raw.cmd("HSCAN", h, "0", "COUNT", "0") == b"-ERR syntax error\r\n"
    assert raw.cmd("HSCAN", h, "0", "COUNT", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("HSCAN", h, "0", "MATCH") == b"-ERR syntax error\r\n"
    assert raw.cmd("HSCAN", h, "0", "NOVALUES") == b"-ERR syntax error\r\n"
    # The key is looked up before the options are read.
    assert raw.cmd("HSCAN", k + "none", "0", "foo") == b"*2\r\n$1\r\n0\r\n*0\r\n"
    assert raw.cmd("HSCAN", k + "s", "0", "foo") == WRONGTYPE


def hscan_all(raw, key, count=10, match=None, during=None):
    cursor, seen, calls = b"0", [], 0
    while True:
        args = ["HSCAN", key, cursor, "COUNT", count] + (["MATCH", match] if match else [])
        cursor, flat = parse(raw.cmd(*args))
        seen += list(zip(flat[::2], flat[1::2]))
        calls += 1
        if during:
            during(calls)
        if cursor == b"0":
            return seen, calls


def test_hscan_big_hash_pages_through_every_field(raw, k):
    h = k + "h"
    # Past hash-max-listpack-entries (512), so the hash is a hashtable that pages.
    hset(raw, h, *[x for i in range(600) for x in ("f%d" % i, "v%d" % i)])
    seen, calls = hscan_all(raw, h, count=20)
    assert calls > 10
    assert dict(seen) == {b"f%d" % i: b"v%d" % i for i in range(600)}
    matched, _ = hscan_all(raw, h, count=50, match="f1?")
    assert sorted(f for f, _ in matched) == sorted(b"f1%d" % i for i in range(10))


def test_hscan_returns_fields_present_throughout_while_the_hash_changes(raw, raw_factory, k):
    h = k + "h"
    hset(raw, h, *[x for i in range(600) for x in ("f%d" % i, "v")])
    other = raw_factory()

    def churn(call):
        # Add new fields and delete only ones outside the stable range.
        other.cmd("HSET", h, *[x for j in range(30) for x in ("n%d_%d" % (call, j), "v")])
        other.cmd("HDEL", h, *["f%d" % i for i in range(300 + call * 3, 303 + call * 3)])
    seen, _ = hscan_all(raw, h, count=15, during=churn)
    assert {b"f%d" % i for i in range(300)} <= {f for f, _ in seen}


# ---- types, encodings, events ---------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    ("HSET", "{k}", "a", "1"), ("HSETNX", "{k}", "a", "1"), ("HGET", "{k}", "a"), ("HMGET", "{k}", "a"),
    ("HMSET", "{k}", "a", "1"), ("HDEL", "{k}", "a"), ("HEXISTS", "{k}", "a"), ("HLEN", "{k}"),
    ("HSTRLEN", "{k}", "a"), ("HKEYS", "{k}"), ("HVALS", "{k}"), ("HGETALL", "{k}"),
    ("HINCRBY", "{k}", "a", "1"), ("HINCRBYFLOAT", "{k}", "a", "1"), ("HRANDFIELD", "{k}"),
    ("HRANDFIELD", "{k}", "2"), ("HSCAN", "{k}", "0"),
])
def test_wrongtype(raw, k, cmd):
    key = k + "s"
    raw.cmd("SADD", key, "x")
    assert raw.cmd(*[a.replace("{k}", key) for a in cmd]) == WRONGTYPE


def encoding(raw, key):
    return raw.cmd("OBJECT", "ENCODING", key)


LISTPACK = b"$8\r\nlistpack\r\n"
HASHTABLE = b"$9\r\nhashtable\r\n"


@pytest.fixture(scope="module")
def small_limits():
    """A private server whose hashes leave listpack past 4 fields or 4 bytes."""
    from serverproc import start_pyredis
    proc = start_pyredis("--hash-max-listpack-entries", "4", "--hash-max-listpack-value", "4")
    raw = RawClient(proc.port)
    yield raw
    raw.close()
    proc.stop()


def test_encoding_converts_one_way_on_entries(small_limits):
    raw = small_limits
    raw.cmd("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    assert encoding(raw, "h") == LISTPACK
    raw.cmd("HSET", "h", "e", "5")
    assert encoding(raw, "h") == HASHTABLE
    raw.cmd("HDEL", "h", "a", "b", "c", "d")
    assert encoding(raw, "h") == HASHTABLE


def test_encoding_converts_on_long_fields_and_values(small_limits):
    raw = small_limits
    for cmd in [("HSET", "h1", "abcde", "1"), ("HSET", "h2", "a", "12345"), ("HSETNX", "h3", "a", "12345"),
                ("HINCRBY", "h4", "a", "10000"), ("HINCRBYFLOAT", "h5", "abcde", "1"),
                ("HMSET", "h6", "a", "1", "b", "12345")]:
        raw.cmd(*cmd)
        assert encoding(raw, cmd[1]) == HASHTABLE, cmd
    raw.cmd("HSET", "h7", "a", "1234")
    assert encoding(raw, "h7") == LISTPACK
    assert raw.cmd("HSETNX", "h7", "a", "123456") == b":0\r\n"
    assert encoding(raw, "h7") == LISTPACK


def test_config_set_limits_apply_to_later_writes(raw_factory, k):
    raw = raw_factory()
    h = k + "h"
    raw.cmd("HSET", h, "a", "1", "b", "2", "c", "3")
    old = parse(raw.cmd("CONFIG", "GET", "hash-max-listpack-entries"))[1]
    try:
        assert raw.cmd("CONFIG", "SET", "hash-max-ziplist-entries", "2") == b"+OK\r\n"
        assert encoding(raw, h) == LISTPACK
        raw.cmd("HSET", h, "a", "5")          # even an update converts (hashTypeSet)
        assert encoding(raw, h) == HASHTABLE
    finally:
        raw.cmd("CONFIG", "SET", "hash-max-listpack-entries", old)
    old = parse(raw.cmd("CONFIG", "GET", "hash-max-listpack-value"))[1]
    try:
        raw.cmd("CONFIG", "SET", "hash-max-ziplist-value", "3")
        raw.cmd("HSET", k + "v", "a", "1234")
        assert encoding(raw, k + "v") == HASHTABLE
    finally:
        raw.cmd("CONFIG", "SET", "hash-max-listpack-value", old)


@pytest.mark.parametrize("commands, expected", [
    ([("HSET", "h", "a", "1")], ["hset h"]),
    ([("HMSET", "h", "a", "1")], ["hset h"]),
    ([("HSETNX", "h", "a", "1"), ("HSETNX", "h", "a", "2")], ["hset h"]),
    ([("HINCRBY", "h", "n", "1")], ["hincrby h"]),
    ([("HINCRBYFLOAT", "h", "n", "1.5")], ["hincrbyfloat h"]),
    ([("HSET", "h", "a", "1", "b", "2"), ("HDEL", "h", "a", "zz"), ("HDEL", "h", "zz"), ("HDEL", "h", "b")],
     ["hset h", "hdel h", "hdel h", "del h"]),
    ([("HINCRBY", "h", "n", "x"), ("HGET", "h", "n")], []),
])
def test_keyspace_keyevents(notifying, commands, expected):
    writer, sub = notifying
    writer.cmd("FLUSHALL")
    keyevents(sub)
    for cmd in commands:
        writer.cmd(*cmd)
    assert keyevents(sub) == expected
