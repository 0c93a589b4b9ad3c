"""DEBUG against redis-server 7.0.15: replies compared byte for byte.

Both servers run with ``enable-debug-command yes`` for the whole module.
Settings DEBUG changes for the whole process (packed threshold, cron) are
put back by the tests that change them.
"""
import pytest

from respclient import RawClient, encode_command

PROTOCOL_TYPES = ("string", "integer", "double", "bignum", "null", "array", "set", "map",
                  "attrib", "verbatim", "true", "false", "push", "nosuch")


@pytest.fixture
def dpair(servers_with, pair_factory):
    p = pair_factory(servers_with("--enable-debug-command", "yes"))
    p.run("FLUSHALL")
    p.run("CONFIG", "SET", "list-max-listpack-size", "-2")
    yield p
    p.run("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


def test_help_text(dpair):
    dpair.run("DEBUG", "HELP")
    dpair.run("DEBUG", "help")


@pytest.mark.parametrize("resp", ["2", "3"])
def test_protocol_of_every_type(dpair, resp):
    dpair.ours.cmd("HELLO", resp)
    dpair.theirs.cmd("HELLO", resp)
    for kind in PROTOCOL_TYPES:
        if kind == "push":
            # the push and the reply after it
            dpair.send_raw(encode_command("DEBUG", "PROTOCOL", kind))
        else:
            dpair.run("DEBUG", "PROTOCOL", kind)


def test_error_and_log(dpair):
    dpair.run("DEBUG", "ERROR", "my error")
    dpair.run("DEBUG", "ERROR", "WRONGTYPE custom")
    dpair.run("DEBUG", "ERROR", "line\r\nbreak")
    dpair.run("DEBUG", "ERROR", "")
    dpair.run("DEBUG", "LOG", "hello")
    # DEBUG ERROR is sent as it is: no error statistics count it.
    dpair.run("INFO", "errorstats")


WRONG_ARGUMENTS = [
    ("nosuch",), ("jmap",), ("help", "x"), ("digest", "x"), ("structsize", "x"), ("log",),
    ("error",), ("error", "a", "b"), ("sleep",), ("object",), ("object", "a", "b"),
    ("sdslen",), ("listpack",), ("quicklist",), ("quicklist", "k", "1", "2"),
    ("populate",), ("populate", "1", "p", "1", "x"), ("htstats",), ("htstats", "0", "full"),
    ("htstats-key",), ("htstats-key", "k", "full"), ("replicate",), ("change-repl-id", "x"),
    ("stringmatch-test", "x"), ("pause-cron",), ("replybuffer", "resizing"),
    ("replybuffer", "x", "1"), ("clusterlink", "kill", "to"), ("clusterlink", "x", "to", "id"),
    ("client-eviction", "x"), ("config-rewrite-force-all", "x"), ("set-active-expire",),
    ("quicklist-packed-threshold",), ("aof-flush-sleep",), ("set-skip-checksum-validation",),
    ("drop-cluster-packet-filter",),
]


def test_wrong_arguments(dpair):
    for args in WRONG_ARGUMENTS:
        dpair.run("DEBUG", *args)


ARGUMENT_ERRORS = [
    ("populate", "x"), ("populate", "-1"), ("populate", "1", "p", "-1"), ("populate", "1", "p", "x"),
    ("htstats", "x"), ("htstats", "-1"), ("htstats", "16"), ("object", "nokey"),
    ("sdslen", "nokey"), ("listpack", "nokey"), ("quicklist", "nokey"), ("htstats-key", "nokey"),
    ("reload", "bogus"), ("reload", "merge", "x"), ("restart", "x"), ("crash-and-recover", "1.5"),
    ("quicklist-packed-threshold", "5gb"), ("quicklist-packed-threshold", "x"),
    ("quicklist-packed-threshold", "-1"), ("replybuffer", "peak-reset-time", "x"),
    ("drop-cluster-packet-filter", "x"), ("clusterlink", "KILL", "to", "id"),
    ("client-eviction",), ("config-rewrite-force-all",),
]


def test_argument_errors(dpair):
    for args in ARGUMENT_ERRORS:
        dpair.run("DEBUG", *args)


SWITCHES = [
    ("sleep", "0"), ("sleep", "0.001"), ("sleep", "-1"), ("sleep", "abc"), ("sleep", "inf"),
    ("set-active-expire", "1"), ("set-skip-checksum-validation", "0"), ("aof-flush-sleep", "0"),
    ("pause-cron", "0"), ("replybuffer", "peak-reset-time", "never"),
    ("replybuffer", "peak-reset-time", "reset"), ("replybuffer", "peak-reset-time", "100"),
    ("replybuffer", "resizing", "1"), ("drop-cluster-packet-filter", "-1"),
    ("quicklist-packed-threshold", "0"), ("quicklist-packed-threshold", "1kb"),
    ("quicklist-packed-threshold", "0"), ("change-repl-id",), ("replicate", "set", "a", "b"),
    ("structsize",), ("leak", "x"), ("digest-value",),
]


def test_switches_and_constant_replies(dpair):
    for args in SWITCHES:
        dpair.run("DEBUG", *args)


def test_populate(dpair):
    dpair.run("DEBUG", "POPULATE", "100")
    dpair.run("DBSIZE")
    dpair.run("GET", "key:0")
    dpair.run("GET", "key:99")
    dpair.run("OBJECT", "ENCODING", "key:5")
    dpair.run("DEBUG", "POPULATE", "10", "p", "3")
    dpair.run("DEBUG", "POPULATE", "10", "q", "20")
    dpair.run("MGET", "p:1", "q:9")
    dpair.run("SET", "key:100", "mine")
    # existing keys are skipped, not overwritten
    dpair.run("DEBUG", "POPULATE", "101")
    dpair.run("GET", "key:100")
    dpair.run("DEBUG", "POPULATE", "0")
    dpair.run("DEBUG", "POPULATE", "3", "a\x00b")
    dpair.run("EXISTS", "a:0", "a:1", "a:2", "a\x00b:0")
    dpair.run("DBSIZE")
    dpair.run("DEBUG", "DIGEST")


def _fill_every_encoding(run, big=b"x" * 100):
    run("SET", "int", "12345")
    run("SET", "neg", "-7")
    run("SET", "embstr", "hello")
    run("SET", "raw", big)
    run("APPEND", "appended", "abc")
    run("RPUSH", "list", "a", "b", "c", "1", "22", big)
    run("SADD", "intset", "1", "2", "-3")
    run("SADD", "set", "a", "b", "1")
    run("ZADD", "zlp", "1", "a", "2.5", "b", "-0", "c", "1e300", "d", "-inf", "e", "inf", "f",
        "0.1", "g", "3", "h")
    run("ZADD", "zsk", "1", "a", "2.5", "b", "0.1", "c", "-1e-300", "d", "7", big)
    run("HSET", "hlp", "f", "v", "g", "123")
    run("HSET", "hht", "f", "v", "g", big)
    run("SET", "ttl", "v", "EX", "1000")
    run("RPUSH", "lttl", "a")
    run("PEXPIRE", "lttl", "100000")


KEYS = ("int", "neg", "embstr", "raw", "appended", "list", "intset", "set", "zlp", "zsk", "hlp",
        "hht", "ttl", "lttl", "nokey")


def test_digest_of_every_type_and_encoding(dpair):
    dpair.run("DEBUG", "DIGEST")
    _fill_every_encoding(dpair.run)
    for key in KEYS:
        dpair.run("OBJECT", "ENCODING", key)
        dpair.run("DEBUG", "DIGEST-VALUE", key)
    dpair.run("DEBUG", "DIGEST-VALUE", *KEYS)
    dpair.run("DEBUG", "DIGEST")
    dpair.run("SELECT", "5")
    dpair.run("SET", "int", "12345")
    dpair.run("DEBUG", "DIGEST")
    # the same data in another db digests differently
    dpair.run("MOVE", "int", "6")
    dpair.run("DEBUG", "DIGEST")
    dpair.run("SELECT", "0")
    dpair.run("PERSIST", "ttl")
    dpair.run("DEBUG", "DIGEST-VALUE", "ttl")
    dpair.run("DEBUG", "DIGEST")


def test_digest_follows_encoding_conversions(dpair):
    dpair.run("CONFIG", "SET", "zset-max-listpack-entries", "2")
    dpair.run("CONFIG", "SET", "hash-max-listpack-entries", "2")
    dpair.run("CONFIG", "SET", "set-max-intset-entries", "2")
    try:
        for i in range(4):
            dpair.run("ZADD", "z", str(i / 3), "m%d" % i)
            dpair.run("HSET", "h", "f%d" % i, "v")
            dpair.run("SADD", "s", str(i))
            dpair.run("DEBUG", "DIGEST-VALUE", "z", "h", "s")
        dpair.run("OBJECT", "ENCODING", "z")
        dpair.run("DEBUG", "DIGEST")
    finally:
        dpair.run("CONFIG", "SET", "zset-max-listpack-entries", "128")
        dpair.run("CONFIG", "SET", "hash-max-listpack-entries", "128")
        dpair.run("CONFIG", "SET", "set-max-intset-entries", "512")


def _fields(reply):
    """DEBUG OBJECT's fields, minus the address, the size of the RDB encoding and the clock."""
    assert reply.startswith(b"+Value at:")
    fields = dict(f.split(b":", 1) for f in reply[len(b"+Value "):-2].split(b" "))
    for name in (b"at", b"serializedlength", b"lru"):
        fields.pop(name)
    return fields


def _compare_object(p, key):
    mine = _fields(p.ours.cmd("DEBUG", "OBJECT", key))
    theirs = _fields(p.theirs.cmd("DEBUG", "OBJECT", key))
    # the two servers' clocks may be a second apart
    idle = int(mine.pop(b"lru_seconds_idle")), int(theirs.pop(b"lru_seconds_idle"))
    assert abs(idle[0] - idle[1]) <= 1, (key, idle)
    assert mine == theirs, (key, mine, theirs)
    return mine


def test_object_fields(dpair):
    _fill_every_encoding(dpair.run)
    for key in KEYS[:-1]:
        _compare_object(dpair, key)
    fields = _compare_object(dpair, "list")
    assert fields[b"ql_nodes"] == b"1"


def _list_values():
    sizes = (1, 5, 40, 63, 64, 100, 500, 3000, 5000, 9000, 20000)
    return [bytes([97 + i % 26]) * sizes[i % len(sizes)] for i in range(60)]


@pytest.mark.parametrize("fill", ["-5", "-4", "-3", "-2", "-1", "0", "1", "2", "5", "128"])
def test_quicklist_nodes_after_the_same_pushes(dpair, fill):
    dpair.run("CONFIG", "SET", "list-max-listpack-size", fill)
    values = _list_values()
    for i, v in enumerate(values):
        dpair.run("RPUSH" if i % 3 else "LPUSH", "l", v)
    fields = _compare_object(dpair, "l")
    assert int(fields[b"ql_nodes"]) > 1
    # pops never merge nodes; an insert may (with Redis 7.0's estimate of the
    # merged size, which the twins do not copy), so none is made here
    dpair.run("LPOP", "l", "5")
    dpair.run("RPOP", "l", "3")
    _compare_object(dpair, "l")
    dpair.run("DEBUG", "QUICKLIST", "l")
    dpair.run("DEBUG", "QUICKLIST", "l", "1")
    dpair.run("DEBUG", "LISTPACK", "l")


NUMBERS = ["0", "1", "-1", "127", "128", "-4096", "4095", "40000", "-8388608", "9999999999",
           "9223372036854775807", "-9223372036854775808", "9223372036854775808", "007", "-0",
           "12a", "+5"]


@pytest.mark.parametrize("fill", ["-2", "-1", "3", "100"])
def test_quicklist_of_integers(dpair, fill):
    dpair.run("CONFIG", "SET", "list-max-listpack-size", fill)
    for i in range(60):
        dpair.run("RPUSH", "l", *NUMBERS)
        dpair.run("LPUSH", "l", *[str(i * 1000 + j) for j in range(30)])
    _compare_object(dpair, "l")
    dpair.run("LSET", "l", "5", "x" * 30)
    dpair.run("LSET", "l", "-3", "77")
    dpair.run("LREM", "l", "3", "0")
    dpair.run("LPOP", "l", "7")
    _compare_object(dpair, "l")


@pytest.mark.parametrize("threshold", ["1", "60", "100", "4kb"])
def test_plain_nodes(dpair, threshold):
    dpair.run("DEBUG", "QUICKLIST-PACKED-THRESHOLD", threshold)
    values = _list_values()
    for i, v in enumerate(values[:30]):
        dpair.run("RPUSH" if i % 4 else "LPUSH", "l", v)
    _compare_object(dpair, "l")
    dpair.run("LRANGE", "l", "0", "-1")
    dpair.run("LINDEX", "l", "3")
    dpair.run("RPOP", "l")
    dpair.run("LPOP", "l")
    _compare_object(dpair, "l")
    dpair.run("DEBUG", "DIGEST-VALUE", "l")


def test_listpack_and_inspection_of_other_encodings(dpair):
    _fill_every_encoding(dpair.run)
    for key in ("hlp", "zlp", "hht", "zsk", "intset", "set", "embstr", "list"):
        dpair.run("DEBUG", "LISTPACK", key)
        dpair.run("DEBUG", "QUICKLIST", key)
        dpair.run("DEBUG", "SDSLEN", key)
    for key in ("hlp", "zlp", "intset", "embstr", "list"):
        dpair.run("DEBUG", "HTSTATS-KEY", key)
    dpair.run("SET", "k", "value:1")
    dpair.run("DEBUG", "SDSLEN", "k")
    dpair.run("DEBUG", "SDSLEN", "int")
    for n in (44, 45, 60, 100, 1000, 5000):
        dpair.run("SET", "k" * n, "v" * n)
        dpair.run("DEBUG", "SDSLEN", "k" * n)
    dpair.run("APPEND", "ap", "abc")
    dpair.run("APPEND", "ap", "defghijk")
    dpair.run("DEBUG", "SDSLEN", "ap")


def test_htstats_of_empty_databases(dpair):
    dpair.run("DEBUG", "HTSTATS", "0")
    dpair.run("DEBUG", "HTSTATS", "15")
    dpair.ours.cmd("HELLO", "3")
    dpair.theirs.cmd("HELLO", "3")
    dpair.run("DEBUG", "HTSTATS", "3")


def test_stream_digests(dpair):
    p = dpair
    p.run("XADD", "s", "1-1", "f", "v", "n", "12")
    p.run("XADD", "s", "2-5", "f", "w", "n", "-3")
    p.run("XADD", "s", "3-0", "other", "x")
    p.run("XDEL", "s", "2-5")
    p.run("XGROUP", "CREATE", "s", "g", "0")
    p.run("DEBUG", "DIGEST-VALUE", "s")
    p.run("DEBUG", "DIGEST")
    p.run("XTRIM", "s", "MAXLEN", "0")
    p.run("DEBUG", "DIGEST-VALUE", "s")
