"""Keyspace commands against a live pyredis: raw reply bytes where the wire form matters."""
import time

import pytest

from respclient import RawClient, bulk, parse

SYNTAX = b"-ERR syntax error\r\n"
NOT_INTEGER = b"-ERR value is not an integer or out of range\r\n"
NULL = b"$-1\r\n"


def scan_all(raw, *args):
    cursor, seen, calls = b"0", [], 0
    while True:
        cursor, keys = parse(raw.cmd("SCAN", cursor, *args))
        seen.extend(keys)
        calls += 1
        if cursor == b"0":
            return seen, calls


# ---- DEL / UNLINK / EXISTS / TOUCH / TYPE ---------------------------------------

def test_del_unlink_count_existing_keys_once(raw):
    raw.cmd("MSET", "a", "1", "b", "2", "c", "3")
    assert raw.cmd("DEL", "a", "a", "missing") == b":1\r\n"
    assert raw.cmd("UNLINK", "b", "c", "b") == b":2\r\n"
    assert raw.cmd("DBSIZE") == b":0\r\n"
    assert raw.cmd("DEL") == b"-ERR wrong number of arguments for 'del' command\r\n"


def test_exists_and_touch_count_repeats(raw):
    raw.cmd("SET", "a", "1")
    assert raw.cmd("EXISTS", "a", "a", "missing") == b":2\r\n"
    assert raw.cmd("TOUCH", "a", "missing", "a") == b":2\r\n"


def test_type(raw):
    raw.cmd("SET", "s", "v")
    raw.cmd("RPUSH", "l", "a")
    raw.cmd("SADD", "st", "a")
    raw.cmd("HSET", "h", "f", "v")
    raw.cmd("ZADD", "z", "1", "a")
    for key, name in (("s", b"string"), ("l", b"list"), ("st", b"set"), ("h", b"hash"), ("z", b"zset"),
                      ("missing", b"none")):
        assert raw.cmd("TYPE", key) == b"+%b\r\n" % name


def test_hits_and_misses_follow_read_lookups(r):
    r.config_resetstat()
    r.set("k", "v")
    r.exists("k", "missing")
    r.expire("missing", 10)     # a write lookup: not counted
    info = r.info("stats")
    assert (info["keyspace_hits"], info["keyspace_misses"]) == (1, 1)


# ---- KEYS / SCAN / RANDOMKEY -----------------------------------------------------

def test_keys_patterns(raw):
    raw.cmd("MSET", "one", "1", "two", "2", "three", "3", "four", "4")
    assert sorted(parse(raw.cmd("KEYS", "*"))) == [b"four", b"one", b"three", b"two"]
    assert sorted(parse(raw.cmd("KEYS", "t*"))) == [b"three", b"two"]
    assert sorted(parse(raw.cmd("KEYS", "?o*"))) == [b"four"]
    assert parse(raw.cmd("KEYS", "[a-n]*")) == [b"four"]
    assert raw.cmd("KEYS", "[p-s]*") == b"*0\r\n"
    assert raw.cmd("KEYS", "") == b"*0\r\n"


def test_keys_hides_expired_keys(raw):
    raw.cmd("SET", "live", "1")
    raw.cmd("SET", "dead", "1", "PX", "1")
    time.sleep(0.01)
    assert parse(raw.cmd("KEYS", "*")) == [b"live"]


def test_scan_returns_every_key_once_in_a_full_iteration(raw):
    for i in range(0, 1000, 100):
        raw.cmd("MSET", *[x for j in range(i, i + 100) for x in ("key:%d" % j, "v")])
    seen, calls = scan_all(raw)
    assert sorted(seen) == sorted(b"key:%d" % i for i in range(1000))
    assert calls > 50
    seen, _ = scan_all(raw, "COUNT", "1000")
    assert len(seen) == 1000


def test_scan_keeps_keys_present_throughout_while_keys_change(raw):
    raw.cmd("MSET", *[x for j in range(500) for x in ("old:%d" % j, "v")])
    cursor, seen, n = b"0", set(), 0
    while True:
        cursor, keys = parse(raw.cmd("SCAN", cursor, "COUNT", "20"))
        seen.update(keys)
        # Churn: delete some keys that are not part of the guarantee, add new ones.
        raw.cmd("SET", "new:%d" % n, "v")
        raw.cmd("DEL", "new:%d" % (n - 3))
        n += 1
        if cursor == b"0":
            break
    assert {b"old:%d" % j for j in range(500)} <= seen


def test_scan_match_count_type(raw):
    raw.cmd("MSET", "s1", "v", "s2", "v", "x", "v")
    raw.cmd("RPUSH", "l1", "a")
    raw.cmd("SADD", "set1", "a")
    assert sorted(scan_all(raw, "MATCH", "s*")[0]) == [b"s1", b"s2", b"set1"]
    assert sorted(scan_all(raw, "TYPE", "string")[0]) == [b"s1", b"s2", b"x"]
    assert sorted(scan_all(raw, "TYPE", "LIST")[0]) == [b"l1"]
    assert sorted(scan_all(raw, "MATCH", "s*", "TYPE", "string", "COUNT", "1")[0]) == [b"s1", b"s2"]
    assert scan_all(raw, "TYPE", "nosuchtype")[0] == []


def test_scan_skips_expired_keys(raw):
    raw.cmd("SET", "live", "1")
    raw.cmd("SET", "dead", "1", "PX", "1")
    time.sleep(0.01)
    assert scan_all(raw)[0] == [b"live"]


@pytest.mark.parametrize("cursor", ["abc", " 0", "+", "-", "18446744073709551616", "0x10", "1.5"])
def test_scan_invalid_cursor(raw, cursor):
    assert raw.cmd("SCAN", cursor) == b"-ERR invalid cursor\r\n"


@pytest.mark.parametrize("cursor", ["", "-0", "+0", "000", b"\x00", b"0\x00junk"])
def test_scan_cursor_spellings_of_zero(raw, cursor):
    raw.cmd("SET", "k", "v")
    assert raw.cmd("SCAN", cursor) == b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"


def test_scan_option_errors(raw):
    assert raw.cmd("SCAN", "0", "COUNT", "0") == SYNTAX
    assert raw.cmd("SCAN", "0", "COUNT", "x") == NOT_INTEGER
    assert raw.cmd("SCAN", "0", "MATCH") == SYNTAX
    assert raw.cmd("SCAN", "0", "BAD", "x") == SYNTAX


def test_randomkey(raw):
    assert raw.cmd("RANDOMKEY") == NULL
    raw.cmd("MSET", "a", "1", "b", "2")
    assert {raw.cmd("RANDOMKEY") for _ in range(50)} == {bulk("a"), bulk("b")}


# ---- RENAME / RENAMENX / MOVE / COPY ------------------------------------------

def test_rename_moves_value_and_ttl(raw):
    raw.cmd("SET", "a", "1", "EX", "100")
    raw.cmd("SET", "b", "old")
    assert raw.cmd("RENAME", "a", "b") == b"+OK\r\n"
    assert raw.cmd("GET", "b") == bulk("1")
    assert raw.cmd("TTL", "b") == b":100\r\n"
    assert raw.cmd("EXISTS", "a") == b":0\r\n"
    raw.cmd("SET", "c", "2")
    assert raw.cmd("RENAME", "c", "b") == b"+OK\r\n"
    assert raw.cmd("TTL", "b") == b":-1\r\n"


def test_rename_errors_and_same_key(raw):
    assert raw.cmd("RENAME", "missing", "x") == b"-ERR no such key\r\n"
    assert raw.cmd("RENAMENX", "missing", "missing") == b"-ERR no such key\r\n"
    raw.cmd("SET", "a", "1")
    assert raw.cmd("RENAME", "a", "a") == b"+OK\r\n"
    assert raw.cmd("RENAMENX", "a", "a") == b":0\r\n"
    raw.cmd("SET", "b", "2")
    assert raw.cmd("RENAMENX", "a", "b") == b":0\r\n"
    assert raw.cmd("RENAMENX", "a", "c") == b":1\r\n"
    assert raw.cmd("GET", "c") == bulk("1")


def test_move(raw):
    raw.cmd("SET", "k", "v", "EX", "100")
    assert raw.cmd("MOVE", "k", "abc") == NOT_INTEGER
    assert raw.cmd("MOVE", "k", "16") == b"-ERR DB index is out of range\r\n"
    assert raw.cmd("MOVE", "k", "-1") == b"-ERR DB index is out of range\r\n"
    assert raw.cmd("MOVE", "k", "0") == b"-ERR source and destination objects are the same\r\n"
    assert raw.cmd("MOVE", "missing", "1") == b":0\r\n"
    assert raw.cmd("MOVE", "k", "1") == b":1\r\n"
    assert raw.cmd("EXISTS", "k") == b":0\r\n"
    raw.cmd("SELECT", "1")
    assert raw.cmd("GET", "k") == bulk("v")
    assert raw.cmd("TTL", "k") == b":100\r\n"
    raw.cmd("SELECT", "0")
    raw.cmd("SET", "k", "again")
    assert raw.cmd("MOVE", "k", "1") == b":0\r\n"


def test_copy_is_deep(raw):
    raw.cmd("RPUSH", "l", "a", "b")
    raw.cmd("HSET", "h", "f", "v")
    raw.cmd("SADD", "s", "m")
    raw.cmd("ZADD", "z", "1", "a")
    raw.cmd("SET", "str", "x")
    raw.cmd("APPEND", "str", "y")
    for key in ("l", "h", "s", "z", "str"):
        assert raw.cmd("COPY", key, key + "2") == b":1\r\n"
    raw.cmd("RPUSH", "l", "c")
    raw.cmd("HSET", "h", "g", "w")
    raw.cmd("SADD", "s", "n")
    raw.cmd("ZADD", "z", "2", "b")
    raw.cmd("APPEND", "str", "z")
    assert raw.cmd("LLEN", "l2") == b":2\r\n"
    assert raw.cmd("HLEN", "h2") == b":1\r\n"
    assert raw.cmd("SCARD", "s2") == b":1\r\n"
    assert raw.cmd("ZCARD", "z2") == b":1\r\n"
    assert raw.cmd("GET", "str2") == bulk("xy")


def test_copy_options(raw):
    raw.cmd("SET", "a", "1", "EX", "100")
    raw.cmd("SET", "b", "2")
    assert raw.cmd("COPY", "a", "a") == b"-ERR source and destination objects are the same\r\n"
    assert raw.cmd("COPY", "a", "b") == b":0\r\n"
    assert raw.cmd("COPY", "a", "b", "REPLACE") == b":1\r\n"
    assert raw.cmd("GET", "b") == bulk("1")
    assert raw.cmd("TTL", "b") == b":100\r\n"
    assert raw.cmd("COPY", "a", "a", "DB", "2") == b":1\r\n"
    assert raw.cmd("COPY", "missing", "x") == b":0\r\n"
    assert raw.cmd("COPY", "a", "x", "DB") == SYNTAX
    assert raw.cmd("COPY", "a", "x", "DB", "x") == NOT_INTEGER
    assert raw.cmd("COPY", "a", "x", "DB", "99") == b"-ERR DB index is out of range\r\n"
    assert raw.cmd("COPY", "missing", "x", "BAD") == SYNTAX
    raw.cmd("SELECT", "2")
    assert raw.cmd("GET", "a") == bulk("1")


# ---- expiry commands -----------------------------------------------------------

def test_expire_family_set_ttls(raw):
    raw.cmd("SET", "k", "v")
    assert raw.cmd("EXPIRE", "k", "100") == b":1\r\n"
    assert raw.cmd("TTL", "k") == b":100\r\n"
    assert raw.cmd("PEXPIRE", "k", "50000") == b":1\r\n"
    assert raw.cmd("TTL", "k") == b":50\r\n"
    at = int(time.time()) + 500
    assert raw.cmd("EXPIREAT", "k", str(at)) == b":1\r\n"
    assert raw.cmd("EXPIRETIME", "k") == b":%d\r\n" % at
    assert raw.cmd("PEXPIREAT", "k", str(at * 1000 + 123)) == b":1\r\n"
    assert raw.cmd("PEXPIRETIME", "k") == b":%d\r\n" % (at * 1000 + 123)
    assert raw.cmd("EXPIRE", "missing", "100") == b":0\r\n"


def test_ttl_forms(raw):
    assert raw.cmd("TTL", "missing") == b":-2\r\n"
    assert raw.cmd("PTTL", "missing") == b":-2\r\n"
    assert raw.cmd("EXPIRETIME", "missing") == b":-2\r\n"
    raw.cmd("SET", "k", "v")
    assert raw.cmd("TTL", "k") == b":-1\r\n"
    assert raw.cmd("PEXPIRETIME", "k") == b":-1\r\n"
    raw.cmd("PEXPIRE", "k", "1800")
    assert raw.cmd("TTL", "k") == b":2\r\n"   # rounded, not truncated (1.3 s to 1.8 s left)


def test_expire_conditions(raw):
    raw.cmd("SET", "k", "v")
    assert raw.cmd("EXPIRE", "k", "100", "XX") == b":0\r\n"
    assert raw.cmd("EXPIRE", "k", "100", "GT") == b":0\r\n"
    assert raw.cmd("EXPIRE", "k", "100", "LT") == b":1\r\n"
    assert raw.cmd("EXPIRE", "k", "100", "NX") == b":0\r\n"
    assert raw.cmd("EXPIRE", "k", "50", "GT") == b":0\r\n"
    assert raw.cmd("EXPIRE", "k", "200", "GT") == b":1\r\n"
    assert raw.cmd("EXPIRE", "k", "300", "LT") == b":0\r\n"
    assert raw.cmd("EXPIRE", "k", "150", "lt") == b":1\r\n"
    assert raw.cmd("TTL", "k") == b":150\r\n"
    assert raw.cmd("EXPIRE", "k", "10", "xx") == b":1\r\n"
    assert raw.cmd("TTL", "k") == b":10\r\n"


def test_expire_option_errors_come_first(raw):
    nx = b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
    assert raw.cmd("EXPIRE", "missing", "abc", "NX", "XX") == nx
    assert raw.cmd("EXPIRE", "k", "100", "NX", "GT") == nx
    assert raw.cmd("EXPIRE", "k", "100", "GT", "LT") == (
        b"-ERR GT and LT options at the same time are not compatible\r\n")
    assert raw.cmd("EXPIRE", "k", "abc", "bad") == b"-ERR Unsupported option bad\r\n"
    assert raw.cmd("EXPIRE", "k", "abc") == NOT_INTEGER


def test_expire_overflow(raw):
    raw.cmd("SET", "k", "v")
    for cmd, value in (("EXPIRE", "9223372036854776"), ("EXPIRE", "-9223372036854776"),
                       ("PEXPIRE", "9223372036854775807")):
        assert raw.cmd(cmd, "k", value) == b"-ERR invalid expire time in '%b' command\r\n" % cmd.lower().encode()
    assert raw.cmd("EXPIREAT", "k", "9223372036854775") == b":1\r\n"
    assert raw.cmd("PEXPIREAT", "k", "9223372036854775807") == b":1\r\n"


def test_expire_in_the_past_deletes(raw):
    raw.cmd("SET", "a", "v")
    raw.cmd("SET", "b", "v")
    raw.cmd("SET", "c", "v")
    assert raw.cmd("EXPIRE", "a", "0") == b":1\r\n"
    assert raw.cmd("PEXPIRE", "b", "-100") == b":1\r\n"
    assert raw.cmd("EXPIREAT", "c", "1") == b":1\r\n"
    assert raw.cmd("DBSIZE") == b":0\r\n"


def test_persist(raw):
    raw.cmd("SET", "k", "v", "EX", "100")
    assert raw.cmd("PERSIST", "k") == b":1\r\n"
    assert raw.cmd("PERSIST", "k") == b":0\r\n"
    assert raw.cmd("TTL", "k") == b":-1\r\n"
    assert raw.cmd("PERSIST", "missing") == b":0\r\n"


# ---- OBJECT ------------------------------------------------------------------------

def test_object_help_and_errors(raw):
    help_reply = raw.cmd("OBJECT", "HELP")
    assert help_reply.startswith(b"*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n")
    assert help_reply.endswith(b"+HELP\r\n+    Prints this help.\r\n")
    assert raw.cmd("OBJECT", "ENCODING") == b"-ERR wrong number of arguments for 'object|encoding' command\r\n"
    assert raw.cmd("OBJECT", "bad", "x") == b"-ERR unknown subcommand 'bad'. Try OBJECT HELP.\r\n"
    assert raw.cmd("OBJECT", "ENCODING", "missing") == NULL
    assert raw.cmd("OBJECT", "REFCOUNT", "missing") == NULL


def test_object_idletime_and_freq_by_policy(raw):
    raw.cmd("SET", "k", "v")
    assert raw.cmd("OBJECT", "IDLETIME", "k") == b":0\r\n"
    assert raw.cmd("OBJECT", "FREQ", "k").startswith(b"-ERR An LFU maxmemory policy is not selected")
    raw.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        raw.cmd("SET", "fresh", "v")
        assert raw.cmd("OBJECT", "FREQ", "fresh") == b":5\r\n"
        assert raw.cmd("OBJECT", "IDLETIME", "k").startswith(b"-ERR An LFU maxmemory policy is selected")
        assert raw.cmd("OBJECT", "FREQ", "missing") == NULL
    finally:
        raw.cmd("CONFIG", "SET", "maxmemory-policy", "noeviction")


@pytest.fixture
def lfu(raw):
    raw.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    yield raw
    raw.cmd("CONFIG", "SET", "maxmemory-policy", "noeviction", "lfu-log-factor", "10",
            "lfu-decay-time", "1")


def freq(raw, key):
    return int(parse(raw.cmd("OBJECT", "FREQ", key)))


def test_lfu_counter_counts_lookups_not_peeks(lfu):
    lfu.cmd("SET", "k", "v")
    assert freq(lfu, "k") == 5
    # Below the initial value plus one, every access counts.
    lfu.cmd("GET", "k")
    assert freq(lfu, "k") == 6
    for peek in (("EXISTS", "k"), ("TYPE", "k"), ("TTL", "k"), ("PTTL", "k"),
                 ("EXPIRETIME", "k"), ("OBJECT", "ENCODING", "k"), ("SCAN", "0", "TYPE", "string"),
                 ("KEYS", "*"), ("RANDOMKEY",), ("SORT_RO", "l", "BY", "k", "GET", "k")):
        lfu.cmd(*peek)
    assert freq(lfu, "k") == 6


def test_lfu_log_factor_zero_counts_every_access(lfu):
    lfu.cmd("CONFIG", "SET", "lfu-log-factor", "0")
    lfu.cmd("SET", "k", "v")
    for _ in range(3):
        lfu.cmd("GET", "k")
    lfu.cmd("TOUCH", "k", "k")
    assert freq(lfu, "k") == 10
    # An overwrite keeps the counter, after counting its own lookup.
    lfu.cmd("SET", "k", "w")
    lfu.cmd("MSET", "k", "x")
    lfu.cmd("APPEND", "k", "y")
    assert freq(lfu, "k") == 13
    # RENAME and MOVE carry the object, COPY makes a new one.
    lfu.cmd("RENAME", "k", "k2")
    assert freq(lfu, "k2") == 14
    lfu.cmd("COPY", "k2", "k3")
    assert freq(lfu, "k3") == 5
    assert freq(lfu, "k2") == 15
    lfu.cmd("MOVE", "k2", "1")
    lfu.cmd("SELECT", "1")
    assert freq(lfu, "k2") == 16
    lfu.cmd("FLUSHDB")
    lfu.cmd("SELECT", "0")


def test_lfu_counter_decays_and_saturates(lfu):
    lfu.cmd("CONFIG", "SET", "lfu-log-factor", "0", "lfu-decay-time", "0")
    lfu.cmd("SET", "k", "v")
    for _ in range(300):
        lfu.cmd("GET", "k")
    assert freq(lfu, "k") == 255


def test_sunionstore_and_zunionstore_destinations_keep_their_counter(lfu):
    lfu.cmd("CONFIG", "SET", "lfu-log-factor", "0")
    lfu.cmd("SADD", "s", "a")
    lfu.cmd("SUNIONSTORE", "d", "s")
    assert freq(lfu, "d") == 5
    lfu.cmd("SUNIONSTORE", "d", "s")
    assert freq(lfu, "d") == 6
    lfu.cmd("ZADD", "z", "1", "a")
    lfu.cmd("ZUNIONSTORE", "zd", "1", "z")
    lfu.cmd("ZUNIONSTORE", "zd", "1", "z")
    assert freq(lfu, "zd") == 6


def test_idletime_counts_from_the_last_access(raw):
    # One wait serves every key: all are set, then (after the wait) each
    # command runs on its own key.
    touching = {"get": ("GET", "get"), "strlen": ("STRLEN", "strlen"),
                "touch": ("TOUCH", "touch"), "persist": ("PERSIST", "persist"),
                "expire": ("EXPIRE", "expire", "100"), "getrange": ("GETRANGE", "getrange", "0", "1"),
                "append": ("APPEND", "append", "x"), "mget": ("MGET", "mget"),
                "set": ("SET", "set", "w"), "setrange": ("SETRANGE", "setrange", "0", "x"),
                "copysrc": ("COPY", "copysrc", "copied"), "h": ("HGET", "h", "f")}
    peeking = {"type": ("TYPE", "type"), "exists": ("EXISTS", "exists"), "ttl": ("TTL", "ttl"),
               "pttl": ("PTTL", "pttl"), "expiretime": ("EXPIRETIME", "expiretime"),
               "encoding": ("OBJECT", "ENCODING", "encoding"),
               "refcount": ("OBJECT", "REFCOUNT", "refcount"), "watch": ("WATCH", "watch"),
               "scanned": ("SCAN", "0", "TYPE", "string"), "kept": ("KEYS", "*"),
               "sortget": ("SORT_RO", "list", "BY", "sortby", "GET", "sortget"),
               "sortby": ("RANDOMKEY",)}
    for key in list(touching) + list(peeking):
        raw.cmd("SET", key, "v")
    raw.cmd("DEL", "h")
    raw.cmd("HSET", "h", "f", "v")
    raw.cmd("RPUSH", "list", "1")
    raw.cmd("SET", "shared-a", "7777")
    time.sleep(2.2)
    for cmd in list(touching.values()) + list(peeking.values()):
        raw.cmd(*cmd)
    raw.cmd("UNWATCH")
    raw.cmd("SET", "shared-b", "7777")
    raw.cmd("SET", "private", "77777")

    def idle(key):
        return int(parse(raw.cmd("OBJECT", "IDLETIME", key)))

    for key in list(touching) + ["copied", "private", "list"]:
        assert idle(key) == 0, key
    for key in peeking:
        assert idle(key) >= 2, key
    # 7777 is one shared object in Redis: a new key holding it is as idle as
    # the object, and touching either key touches both.
    assert idle("shared-b") >= 2
    raw.cmd("GET", "shared-a")
    assert idle("shared-b") == 0


def test_renamed_key_keeps_its_field(raw):
    raw.cmd("SET", "k", "v")
    raw.cmd("RENAME", "k", "k2")
    assert raw.cmd("OBJECT", "IDLETIME", "k2") == b":0\r\n"


def test_object_encoding_of_containers(raw):
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("OBJECT", "ENCODING", "l") == bulk("quicklist")
    raw.cmd("SADD", "s", "1", "2")
    assert raw.cmd("OBJECT", "ENCODING", "s") == bulk("intset")


# ---- whole databases ----------------------------------------------------------------

def test_flushdb_and_flushall(raw):
    raw.cmd("SET", "a", "1")
    raw.cmd("SELECT", "1")
    raw.cmd("SET", "b", "1")
    assert raw.cmd("FLUSHDB", "x") == SYNTAX
    assert raw.cmd("FLUSHALL", "a", "b") == SYNTAX
    assert raw.cmd("FLUSHDB", "ASYNC") == b"+OK\r\n"
    assert raw.cmd("DBSIZE") == b":0\r\n"
    raw.cmd("SELECT", "0")
    assert raw.cmd("DBSIZE") == b":1\r\n"
    raw.cmd("SELECT", "1")
    raw.cmd("SET", "b", "1")
    assert raw.cmd("FLUSHALL", "sync") == b"+OK\r\n"
    assert raw.cmd("DBSIZE") == b":0\r\n"
    raw.cmd("SELECT", "0")
    assert raw.cmd("DBSIZE") == b":0\r\n"


def test_swapdb(raw, raw_factory):
    other = raw_factory()
    other.cmd("SELECT", "1")
    raw.cmd("SET", "a", "in0", "EX", "100")
    other.cmd("SET", "b", "in1")
    assert raw.cmd("SWAPDB", "0", "1") == b"+OK\r\n"
    # Clients keep their db index and see the other contents.
    assert raw.cmd("GET", "b") == bulk("in1")
    assert raw.cmd("EXISTS", "a") == b":0\r\n"
    assert other.cmd("GET", "a") == bulk("in0")
    assert other.cmd("TTL", "a") == b":100\r\n"
    assert raw.cmd("SWAPDB", "1", "1") == b"+OK\r\n"
    assert raw.cmd("SWAPDB", "a", "0") == b"-ERR invalid first DB index\r\n"
    assert raw.cmd("SWAPDB", "0", "a") == b"-ERR invalid second DB index\r\n"
    assert raw.cmd("SWAPDB", "99999999999", "0") == b"-ERR invalid first DB index\r\n"
    assert raw.cmd("SWAPDB", "0", "99") == b"-ERR DB index is out of range\r\n"
    assert raw.cmd("SWAPDB", "-1", "0") == b"-ERR DB index is out of range\r\n"


def test_swapdb_active_expiry_follows_the_data(raw):
    raw.cmd("SELECT", "3")
    for i in range(50):
        raw.cmd("SET", "k%d" % i, "v", "PX", "30")
    raw.cmd("SWAPDB", "3", "4")
    raw.cmd("SELECT", "4")
    deadline = time.time() + 2
    while raw.cmd("DBSIZE") != b":0\r\n" and time.time() < deadline:
        time.sleep(0.05)
    assert raw.cmd("DBSIZE") == b":0\r\n"


def test_swapdb_touches_watchers(raw, raw_factory):
    raw.cmd("SELECT", "1")
    raw.cmd("SET", "w", "v")
    raw.cmd("SELECT", "0")
    assert raw.cmd("WATCH", "w") == b"+OK\r\n"
    other = raw_factory()
    other.cmd("SWAPDB", "0", "1")
    raw.cmd("MULTI")
    raw.cmd("GET", "w")
    assert raw.cmd("EXEC") == b"*-1\r\n"


def test_swapdb_wakes_clients_blocked_on_keys_it_brings(raw, raw_factory):
    raw.cmd("SELECT", "1")
    raw.cmd("RPUSH", "q", "item")
    waiter = raw_factory()
    waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n5\r\n")
    time.sleep(0.1)
    assert raw.cmd("SWAPDB", "0", "1") == b"+OK\r\n"
    assert waiter.read_reply() == b"*2\r\n$1\r\nq\r\n$4\r\nitem\r\n"


def test_rename_wakes_blocked_clients(raw, raw_factory):
    waiter = raw_factory()
    waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$3\r\ndst\r\n$1\r\n5\r\n")
    time.sleep(0.1)
    raw.cmd("RPUSH", "src", "x")
    assert raw.cmd("RENAME", "src", "dst") == b"+OK\r\n"
    assert waiter.read_reply() == b"*2\r\n$3\r\ndst\r\n$1\r\nx\r\n"


# ---- keyspace events ------------------------------------------------------------------

def events_of(server, raw, *commands):
    sub = RawClient(server.port)
    try:
        sub.cmd("PSUBSCRIBE", "__keyevent@*")
        sub.cmd("SUBSCRIBE", "fence")
        for cmd in commands:
            raw.cmd(*cmd)
        raw.cmd("PUBLISH", "fence", "x")
        out = []
        while True:
            msg = parse(sub.read_reply())
            if msg[0] == b"message":
                return out
            out.append((msg[2].split(b":", 1)[1].decode(), msg[3].decode()))
    finally:
        sub.close()


def test_keyspace_events(server, raw):
    raw.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA")
    try:
        got = events_of(server, raw, ("SET", "k", "v", "EX", "100"), ("RENAME", "k", "k2"),
                        ("MOVE", "k2", "1"), ("SET", "n", "1"), ("INCRBYFLOAT", "n", "1"),
                        ("COPY", "n", "n2"), ("EXPIRE", "n2", "0"), ("PERSIST", "n"), ("GETDEL", "n"))
        assert got == [("set", "k"), ("expire", "k"), ("rename_from", "k"), ("rename_to", "k2"),
                       ("move_from", "k2"), ("move_to", "k2"), ("set", "n"), ("incrbyfloat", "n"),
                       ("copy_to", "n2"), ("del", "n2"), ("del", "n")]
    finally:
        raw.cmd("CONFIG", "SET", "notify-keyspace-events", "")
