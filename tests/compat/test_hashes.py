"""Hash commands byte for byte against redis-server 7.0.15: errors, their order, replies.

Where Redis's reply order is its hash table's (a hashtable-encoded hash), the
elements are compared as multisets; the real server says which encoding a
key has.  Small (listpack) hashes must match byte for byte, order included.
"""
import contextlib
import random
import shlex

import pytest

from respclient import parse


def resp3(pair):
    for client in (pair.ours, pair.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")


@contextlib.contextmanager
def configured(pair, **params):
    """CONFIG SET on both servers for the block; the old values come back afterwards."""
    old = {}
    for name, value in params.items():
        name = name.replace("_", "-")
        old[name] = parse(pair.theirs.cmd("CONFIG", "GET", name))[1]
        pair.run("CONFIG", "SET", name, str(value))
    try:
        yield
    finally:
        for name, value in old.items():
            pair.ours.cmd("CONFIG", "SET", name, value)
            pair.theirs.cmd("CONFIG", "SET", name, value)


def encoding(client, key):
    return client.cmd("OBJECT", "ENCODING", key)


def run(pair, *commands):
    for cmd in commands:
        pair.run(*cmd)


def same_elements(pair, *args, pairs=False):
    """Run ``args`` on both; the replies must hold the same elements in any order."""
    mine, theirs = pair.ours.cmd(*args), pair.theirs.cmd(*args)
    if mine == theirs:
        return
    a, b = parse(mine), parse(theirs)
    assert isinstance(a, list) and isinstance(b, list), (args, mine, theirs)
    if pairs:
        a, b = list(zip(a[::2], a[1::2])), list(zip(b[::2], b[1::2]))
    assert sorted(a, key=repr) == sorted(b, key=repr), (args, mine, theirs)
    assert mine.split(b"\r\n", 1)[0] == theirs.split(b"\r\n", 1)[0], (args, mine, theirs)


# ---- fixed sequences: errors and their order -------------------------------------------------

def script(pair, text):
    """Run one command per line (shell quoting) on both servers, comparing every reply."""
    for line in text.strip().splitlines():
        pair.run(*shlex.split(line))


def test_argument_errors_and_their_order(pair):
    script(pair, """
        SET str x
        HSET h a
        HSET str a
        HSET str a b c
        HSET h a 1 b
        HMSET h a 1 b
        HMSET h a 1
        HSETNX h a 2
        HSETNX str a 3
        HGET h a
        HGET h zz
        HGET str a
        HMGET str a
        HMGET h a zz
        HMGET nokey a b
        HDEL h zz
        HDEL str a
        HEXISTS str a
        HLEN str
        HLEN nokey
        HSTRLEN str a
        HSTRLEN nokey a
        HKEYS nokey
        HVALS nokey
        HGETALL nokey
        HKEYS str
        HVALS str
        HGETALL str
        HDEL h a a
        HLEN h
        HSET h n 1
        HINCRBY str n x
        HINCRBY str n 1
        HINCRBY nokey n x
        HINCRBY h n 1.0
        HINCRBY h n ' 1'
        HINCRBY h n 9223372036854775807
        HINCRBY h n 9223372036854775806
        HINCRBY h n -9223372036854775808
        HINCRBY h n -9223372036854775808
        HINCRBY h n 9223372036854775808
        HINCRBYFLOAT str g x
        HINCRBYFLOAT str g 1
        HINCRBYFLOAT h g inf
        HINCRBYFLOAT h g -inf
        HINCRBYFLOAT h g nan
        HINCRBYFLOAT h g ''
        HINCRBYFLOAT h g ' 1'
        HINCRBYFLOAT h g 1e4933
        HINCRBYFLOAT h g 1e4932
        HINCRBYFLOAT h g 1e4932
        HINCRBYFLOAT h g -1e4932
    """)
    # The 4933-digit value made it a hashtable: no order to compare.
    same_elements(pair, "HGETALL", "h", pairs=True)


def test_hincrby_values(pair):
    pair.run("HSET", "h", "s", "abc", "sp", " 1", "f", "1.5", "e", "", "z", "0", "neg", "-0",
             "big", "9223372036854775808", "lead", "01")
    for field in ("s", "sp", "f", "e", "z", "neg", "big", "lead", "new"):
        pair.run("HINCRBY", "h", field, "2")
    for field in ("s", "sp", "f", "e", "z", "neg", "big", "lead", "new2"):
        pair.run("HINCRBYFLOAT", "h", field, "2")
    pair.run("HGETALL", "h")


@pytest.mark.parametrize("start, incr", [
    ("10.5", "0.1"), ("1", "-1"), ("-1", "0.5"), ("5", "5.0e3"), ("0x10", "1"), ("1", "1e-5"),
    ("0.1", "0.2"), ("1e308", "1e308"), ("3.0", "-3.0"), ("-0", "0"), ("1.5e-4000", "0"),
    ("12345678901234567890", "1"), ("0", "1e20"), ("1", "0x1p-3"), ("inf", "1"), ("INFINITY", "0"),
    ("1e-4950", "0"), ("  1", "1"), ("1.", ".5"), ("+.5", "-.25"), ("2", "1E2"),
    ("9999999999999999999", "0.00000000000000001"), ("0", "-1e-18"), ("0", "1.23456789012345678901"),
])
def test_hincrbyfloat_arithmetic_and_format(pair, start, incr):
    run(pair, ("HSET", "h", "f", start), ("HINCRBYFLOAT", "h", "f", incr), ("HGET", "h", "f"),
        ("HINCRBYFLOAT", "h", "new", incr), ("HINCRBYFLOAT", "h", "new", start))


def test_hrandfield_arguments(pair):
    # Huge counts only against missing keys: a real server would try to build the reply.
    script(pair, """
        SET str x
        HSET h a 1 b 2 c 3
        HRANDFIELD h x
        HRANDFIELD str x
        HRANDFIELD str 1
        HRANDFIELD str
        HRANDFIELD nokey x
        HRANDFIELD h 1 withvalue
        HRANDFIELD h 1 withvalues x
        HRANDFIELD str 1 withvalue
        HRANDFIELD nokey 1 withvalue
        HRANDFIELD nokey -9223372036854775807
        HRANDFIELD nokey -9223372036854775808
        HRANDFIELD nokey -9223372036854775807 withvalues
        HRANDFIELD nokey -4611686018427387904 withvalues
        HRANDFIELD nokey -4611686018427387903 withvalues
        HRANDFIELD nokey 4611686018427387903 withvalues
        HRANDFIELD nokey 4611686018427387904 withvalues
        HRANDFIELD str -4611686018427387904 withvalues
        HRANDFIELD nokey x withvalue
        HRANDFIELD nokey 9223372036854775808 withvalues
        HRANDFIELD h 0
        HRANDFIELD h 0 withvalues
        HRANDFIELD h 3
        HRANDFIELD h 9223372036854775807
        HRANDFIELD h 9223372036854775807 WITHVALUES
        HRANDFIELD h 4 WithValues
        HRANDFIELD nokey
        HRANDFIELD nokey 3
    """)


HSCAN_ARGS = """
    x
    0
    0 count 0
    0 count -1
    0 count x
    0 match
    0 match a*
    0 foo bar
    18446744073709551615
    18446744073709551616
    -1
    5
    0 novalues
    0 type string
    0 match b count 10 match a?
    01
    +1
    ' 1'
    ''
    -0
    +
    -18446744073709551615
    -18446744073709551616
    '1 '
    0 COUNT 1 MATCH *
    0 count 9223372036854775808
    0 MATCH [a
    0 MATCH *b
"""


def test_hscan_arguments(pair):
    run(pair, ("SET", "str", "x"), ("HSET", "h", "b", "1", "a", "2", "ab", "3"))
    for line in HSCAN_ARGS.strip().splitlines():
        for key in ("h", "str", "nokey"):
            pair.run("HSCAN", key, *shlex.split(line))


def test_listpack_order(pair):
    script(pair, """
        HSET h z 1 a 2 m 3
        HSET h a 20
        HDEL h z
        HSET h z 10
        HSETNX h b 1
        HINCRBY h c 1
        HINCRBYFLOAT h a 1
        HKEYS h
        HVALS h
        HGETALL h
        HSCAN h 0
        HRANDFIELD h 6
        HRANDFIELD h 60 WITHVALUES
        HMGET h z a q
    """)


def test_resp3_replies(pair):
    resp3(pair)
    script(pair, """
        HSET h a 1 b 2
        HGETALL h
        HGETALL nokey
        HKEYS h
        HVALS h
        HMGET h a zz
        HMGET nokey a
        HRANDFIELD h 5 WITHVALUES
        HRANDFIELD h 2
        HRANDFIELD nokey
        HRANDFIELD nokey 2
        HRANDFIELD nokey -2 withvalues
        HRANDFIELD h 0 withvalues
        HSCAN h 0
        HSCAN nokey 0
        HGET h zz
        HINCRBYFLOAT h a 1.5
        HSTRLEN h a
    """)
    for args in (("HRANDFIELD", "h", "-3", "WITHVALUES"), ("HRANDFIELD", "h", "1", "WITHVALUES")):
        mine, theirs = pair.ours.cmd(*args), pair.theirs.cmd(*args)
        assert len(parse(mine)) == len(parse(theirs))
        assert mine.count(b"*2\r\n") == theirs.count(b"*2\r\n")


ENCODING_CASES = [
    "HSET h a 1 b 2 c 3 d 4",
    "HSET h a 1 b 2 c 3 d 4 e 5",
    "HSET h a 1 b 2 c 3 d 4 e 5; HDEL h a b c",
    "HSET h abcdefghi 1",
    "HSET h a 123456789",
    "HSET h a 1; HSETNX h a 123456789",
    "HSETNX h a 123456789",
    "HINCRBY h a 1000000000",
    "HINCRBYFLOAT h a 1.00000001",
    "HINCRBYFLOAT h abcdefghij 1",
    "HMSET h a 1 b 123456789",
    "HSET h a 1 b 2 c 3 d 4; CONFIG SET hash-max-ziplist-entries 3; OBJECT ENCODING h; HSET h a 9",
    "HSET h a 1; CONFIG SET hash-max-ziplist-value 2; HINCRBY h a 99",
]


@pytest.mark.parametrize("case", ENCODING_CASES)
def test_encodings(pair, case):
    with configured(pair, hash_max_listpack_entries=4, hash_max_listpack_value=8):
        for command in case.split(";"):
            pair.run(*shlex.split(command))
        pair.run("OBJECT", "ENCODING", "h")
        same_elements(pair, "HGETALL", "h", pairs=True)


def test_big_hash_contents(pair):
    fields = [x for i in range(300) for x in ("f%d" % i, "v%d" % i)]
    pair.run("HSET", "h", *fields)
    pair.run("HLEN", "h")
    same_elements(pair, "HGETALL", "h", pairs=True)
    same_elements(pair, "HKEYS", "h")
    same_elements(pair, "HVALS", "h")
    same_elements(pair, "HRANDFIELD", "h", "300", "WITHVALUES", pairs=True)
    expected = sorted(zip([f.encode() for f in fields[::2]], [v.encode() for v in fields[1::2]]))
    assert scan_all(pair.ours, "HSCAN", "h", "0", "COUNT", "37") == expected
    assert scan_all(pair.theirs, "HSCAN", "h", "0", "COUNT", "37") == expected


# ---- randomized sequences ---------------------------------------------------------------------

FIELDS = ["f%d" % i for i in range(8)] + ["long-field-name-x"]
VALUES = ["0", "1", "-5", "17", "1.5", "abc", "", "9223372036854775807", "a-rather-long-value"]
INCRS = ["1", "-1", "3", "0", "x", "9223372036854775807", "-9223372036854775808"]
FLOAT_INCRS = ["1", "0.1", "-2.5", "1e3", "x", "inf", "1e-3"]
KEYS = ["h0", "h1", "h2", "str", "none"]


def random_command(rnd):
    key = rnd.choice(KEYS)
    fields = rnd.sample(FIELDS, rnd.randint(1, 3))
    pairs = [x for f in fields for x in (f, rnd.choice(VALUES))]
    name = rnd.choice(["HSET", "HSET", "HSET", "HMSET", "HSETNX", "HDEL", "HDEL", "HGET", "HMGET",
                       "HEXISTS", "HLEN", "HSTRLEN", "HKEYS", "HVALS", "HGETALL", "HINCRBY",
                       "HINCRBYFLOAT", "HRANDFIELD", "HSCAN", "HSETODD"])
    if name in ("HSET", "HMSET"):
        return [name, key] + pairs
    if name == "HSETODD":
        return ["HSET", key] + pairs[:-1]
    if name == "HSETNX":
        return [name, key] + pairs[:2]
    if name in ("HDEL", "HMGET"):
        return [name, key] + fields
    if name in ("HGET", "HEXISTS", "HSTRLEN"):
        return [name, key, fields[0]]
    if name == "HINCRBY":
        return [name, key, fields[0], rnd.choice(INCRS)]
    if name == "HINCRBYFLOAT":
        return [name, key, fields[0], rnd.choice(FLOAT_INCRS)]
    if name == "HRANDFIELD":
        return [name, key] + rnd.choice([[], ["20"], ["20", "WITHVALUES"], ["-3"], ["2", "WITHVALUES"],
                                         ["0"]])
    if name == "HSCAN":
        return [name, key, "0"] + rnd.choice([[], ["MATCH", "f[0-3]"], ["COUNT", "2"]])
    return [name, key]


def scan_all(client, name, key, cursor, *options):
    """Every element a full ``name`` (HSCAN/SSCAN) iteration returns, sorted."""
    seen = []
    while True:
        cursor, elements = parse(client.cmd(name, key, cursor, *options))
        if name == "HSCAN":
            elements = list(zip(elements[::2], elements[1::2]))
        seen += elements
        if cursor == b"0":
            return sorted(set(seen))


def check_random_reply(pair, args):
    name = args[0]
    if name == "HRANDFIELD" and len(args) == 2:
        mine, theirs = pair.ours.cmd(*args), pair.theirs.cmd(*args)
        if theirs.startswith((b"-", b"$-1")):
            assert mine == theirs
        else:
            assert parse(mine) in parse(pair.theirs.cmd("HKEYS", args[1])), (args, mine)
        return
    if name == "HRANDFIELD" and len(args) > 2 and args[2] in ("-3", "2"):
        mine, theirs = pair.ours.cmd(*args), pair.theirs.cmd(*args)
        if theirs.startswith(b"-"):
            assert mine == theirs
            return
        fields = set(parse(pair.theirs.cmd("HKEYS", args[1])))
        got = parse(mine)
        got = got[::2] if "WITHVALUES" in args else got
        assert len(parse(mine)) == len(parse(theirs)) and set(got) <= fields, (args, mine, theirs)
        return
    if name in ("HKEYS", "HVALS", "HGETALL", "HRANDFIELD", "HSCAN") and \
            encoding(pair.theirs, args[1]) == b"$9\r\nhashtable\r\n":
        if name == "HSCAN":
            assert scan_all(pair.ours, *args) == scan_all(pair.theirs, *args), args
            return
        same_elements(pair, *args, pairs=name == "HGETALL" or "WITHVALUES" in args)
        return
    pair.run(*args)


def run_random(pair, seed, steps, check_encoding):
    rnd = random.Random(seed)
    pair.run("SET", "str", "x")
    for _ in range(steps):
        args = random_command(rnd)
        check_random_reply(pair, args)
        if check_encoding and args[1] in ("h0", "h1", "h2"):
            pair.run("OBJECT", "ENCODING", args[1])
    for key in ("h0", "h1", "h2"):
        same_elements(pair, "HGETALL", key, pairs=True)


@pytest.mark.parametrize("seed", range(6))
def test_random_sequences(pair, seed):
    with configured(pair, hash_max_listpack_entries=6, hash_max_listpack_value=12):
        run_random(pair, seed, 300, check_encoding=False)


@pytest.mark.parametrize("seed", range(3))
def test_random_sequences_with_encodings(pair, seed):
    with configured(pair, hash_max_listpack_entries=6, hash_max_listpack_value=12):
        run_random(pair, 100 + seed, 300, check_encoding=True)
