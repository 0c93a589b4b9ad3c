"""SORT and SORT_RO against a live pyredis, raw reply bytes."""
from respclient import bulks


def test_sort_zset_numeric_and_alpha(raw):
    raw.cmd("ZADD", "z", "1", "10", "2", "9", "3", "100")
    assert raw.cmd("SORT", "z") == bulks(b"9", b"10", b"100")
    assert raw.cmd("SORT", "z", "ALPHA") == bulks(b"10", b"100", b"9")
    assert raw.cmd("SORT", "z", "DESC", "LIMIT", "0", "2") == bulks(b"100", b"10")
    # BY without '*' keeps the set's own (score) order.
    assert raw.cmd("SORT", "z", "BY", "nosort", "DESC") == bulks(b"100", b"9", b"10")
    assert raw.cmd("SORT", "z", "BY", "nosort", "LIMIT", "1", "5") == bulks(b"9", b"100")


def test_equal_weights_fall_back_to_the_elements(raw):
    raw.cmd("ZADD", "z", "1", "b", "2", "a", "3", "c")
    # No weight keys: every weight is 0, so the elements decide.
    assert raw.cmd("SORT", "z", "BY", "w_*") == bulks(b"a", b"b", b"c")
    assert raw.cmd("SORT", "z", "BY", "w_*", "DESC") == bulks(b"c", b"b", b"a")


def test_by_and_get_patterns(raw):
    raw.cmd("ZADD", "z", "0", "a", "0", "b", "0", "c")
    raw.cmd("SET", "w_a", "3")
    raw.cmd("SET", "w_b", "1")
    raw.cmd("SET", "w_c", "2")
    raw.cmd("HSET", "h_a", "f", "x")
    assert raw.cmd("SORT", "z", "BY", "w_*") == bulks(b"b", b"c", b"a")
    assert raw.cmd("SORT", "z", "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "h_*->f") == (
        b"*9\r\n$1\r\nb\r\n$1\r\n1\r\n$-1\r\n$1\r\nc\r\n$1\r\n2\r\n$-1\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nx\r\n")
    raw.cmd("HSET", "h_b", "f", "y")
    # A missing weight sorts first in ALPHA order, so last in DESC.
    assert raw.cmd("SORT", "z", "BY", "h_*->f", "ALPHA", "DESC") == bulks(b"b", b"a", b"c")
    # A GET pattern without '*' finds nothing.
    assert raw.cmd("SORT", "z", "BY", "nosort", "GET", "w_a", "LIMIT", "0", "1") == b"*1\r\n$-1\r\n"


def test_sort_errors(raw):
    raw.cmd("ZADD", "z", "1", "a")
    assert raw.cmd("SORT", "z") == b"-ERR One or more scores can't be converted into double\r\n"
    assert raw.cmd("SORT", "z", "LIMIT", "1") == b"-ERR syntax error\r\n"
    assert raw.cmd("SORT", "z", "LIMIT", "x", "1") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.cmd("SORT", "z", "foo") == b"-ERR syntax error\r\n"
    assert raw.cmd("SORT_RO", "z", "STORE", "d") == b"-ERR syntax error\r\n"
    raw.cmd("SET", "s", "v")
    assert raw.cmd("SORT", "s", "foo") == b"-ERR syntax error\r\n"
    assert raw.cmd("SORT", "s").startswith(b"-WRONGTYPE")
    assert raw.cmd("SORT", "nokey") == b"*0\r\n"


def test_store_writes_a_list_and_empty_result_deletes(raw):
    raw.cmd("ZADD", "z", "1", "3", "2", "1", "3", "2")
    assert raw.cmd("SORT", "z", "STORE", "dst") == b":3\r\n"
    assert raw.cmd("LRANGE", "dst", "0", "-1") == bulks(b"1", b"2", b"3")
    assert raw.cmd("SORT", "z", "GET", "nosuch_*", "STORE", "dst") == b":3\r\n"
    assert raw.cmd("LRANGE", "dst", "0", "-1") == bulks(b"", b"", b"")
    assert raw.cmd("SORT", "nokey", "STORE", "dst") == b":0\r\n"
    assert raw.cmd("EXISTS", "dst") == b":0\r\n"


def test_sort_lists_and_sets(raw):
    raw.cmd("RPUSH", "l", "3", "1", "2", "1.5")
    assert raw.cmd("SORT", "l") == bulks(b"1", b"1.5", b"2", b"3")
    assert raw.cmd("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2") == bulks(b"2", b"1")
    raw.cmd("SADD", "s", "5", "-1", "3")
    assert raw.cmd("SORT", "s", "DESC") == bulks(b"5", b"3", b"-1")


def test_getkeys_finds_the_store_key(raw):
    assert raw.cmd("COMMAND", "GETKEYS", "SORT", "k", "LIMIT", "0", "1", "STORE", "a", "STORE", "b") == (
        bulks(b"k", b"b"))
    assert raw.cmd("COMMAND", "GETKEYS", "SORT_RO", "k", "BY", "x") == bulks(b"k")
