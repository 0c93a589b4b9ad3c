"""Set commands byte for byte against redis-server 7.0.15: errors, their order, replies.

Intsets reply in ascending order in Redis and must match exactly; where
Redis's order is its hash table's, elements are compared as multisets and the
real server says which case applies (OBJECT ENCODING, or the encoding of the
same result built by the STORE form).
"""
import random
import shlex

import pytest

from .test_hashes import configured, encoding, parse, resp3, same_elements, scan_all, script

HASHTABLE = b"$9\r\nhashtable\r\n"


def test_argument_errors_and_their_order(pair):
    script(pair, """
        SET str x
        SADD s 1 2 3
        SADD str a
        SREM str a
        SREM nokey a
        SISMEMBER str a
        SMISMEMBER str a
        SMISMEMBER nokey a b
        SCARD str
        SMEMBERS str
        SMEMBERS nokey
        SPOP str
        SPOP str 1
        SPOP str x
        SPOP nokey x
        SPOP nokey -1
        SPOP s -1
        SPOP s 1 2
        SPOP str 1 2
        SPOP nokey 0
        SPOP s 0
        SPOP str 0
        SPOP nokey 9223372036854775808
        SPOP s 9223372036854775807
        SADD s 1 2 3
        SRANDMEMBER s x
        SRANDMEMBER str x
        SRANDMEMBER str 1
        SRANDMEMBER s 1 2
        SRANDMEMBER str 1 2
        SRANDMEMBER nokey -9223372036854775808
        SRANDMEMBER nokey -9223372036854775807
        SRANDMEMBER nokey 9223372036854775807
        SRANDMEMBER s 0
        SRANDMEMBER str 0
        SRANDMEMBER s 9223372036854775807
        SRANDMEMBER nokey
        SRANDMEMBER str
        SMOVE s str 1
        SMOVE str s 1
        SMOVE s s2 9
        SMOVE nokey str 9
        SMOVE s str 9
        SMOVE s s 1
        SMOVE s s 9
        SMOVE s t 1
        SMOVE s t 2
        SMOVE s t 3
        EXISTS s
        SMEMBERS t
    """)


SINTERCARD_ARGS = """
    0 a
    -1 a
    x a
    3 a b
    2 a b
    2 a b limit
    2 a b limit x
    2 a b limit -1
    2 a b limit 1
    2 a b limit 0
    2 a b foo 1
    2 a b limit 1 limit 2
    2 a str
    2 nokey str
    2 str nokey
    2 a str limit x
    2 a b c
    9223372036854775807 a
    9223372036854775808 a
    2147483648 a
    1 str
    1 a b
    01 a
    2 a b limit 9223372036854775808
    2 a b LIMIT 9223372036854775807
    2 a b limit 2 foo
    3 a b c LIMIT 1
    2 a nokey
"""


def test_multi_key_errors_and_their_order(pair):
    script(pair, """
        SET str x
        SADD a 1 2 3 4
        SADD b 2 3 4 5
        SADD c x 3 4
    """)
    for line in SINTERCARD_ARGS.strip().splitlines():
        pair.run("SINTERCARD", *line.split())
    for name in ("SINTER", "SUNION", "SDIFF"):
        for keys in ("a str", "nokey str", "str nokey", "a nokey", "a a str", "a str a", "nokey", "a b",
                     "b a"):
            pair.run(name, *keys.split())
    for name in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        for keys in ("d a str", "d nokey str", "d a nokey", "d a b", "d a a", "d nokey", "str a b"):
            dst = keys.split()[0]
            pair.run(name, *keys.split())
            pair.run("TYPE", dst)
            same_elements(pair, "SMEMBERS", dst)
        pair.run("SET", "str", "x")


def test_intset_order(pair):
    script(pair, """
        SADD s 10 -3 9223372036854775807 0 -9223372036854775808 2
        SMEMBERS s
        SSCAN s 0
        SSCAN s 0 MATCH -*
        SRANDMEMBER s 6
        SRANDMEMBER s 100
        SUNION s
        SINTER s s
        SDIFF s
        SADD t 2 10 11
        SINTER s t
        SUNION s t
        SDIFF s t
        SINTERSTORE d s t
        SMEMBERS d
        SUNIONSTORE d s t
        SMEMBERS d
        SPOP d 100
        SADD m b 5 1 a
        SADD ab a b
        SDIFF m ab
        SDIFFSTORE d m ab
        SMEMBERS d
        SADD n 5 4 x
        SINTER n t s
    """)


def test_intset_keeps_its_widest_width(pair):
    # intsetAdd widens an intset for a member that needs it and nothing
    # narrows it again: DUMP and MEMORY USAGE show the width it once had.
    script(pair, """
        SADD s16 1 2 -5
        SADD s32 1 100000
        SREM s32 100000
        SADD s64 7 5000000000 -3
        SREM s64 5000000000
        SADD mixed 70000 1
        SADD mixed 9000000000
        SREM mixed 9000000000 70000
        COPY s64 copied
        SINTERSTORE fresh s64 s64
        SUNIONSTORE union s32 s16
        SDIFFSTORE diff s64 s16
        SMOVE s64 moved 7
        SADD s16 40000
        SREM s16 40000
    """)
    for key in ("s16", "s32", "s64", "mixed", "copied", "fresh", "union", "diff", "moved"):
        pair.run("OBJECT", "ENCODING", key)
        pair.run("DUMP", key)
        pair.run("MEMORY", "USAGE", key)
    payload = pair.run("DUMP", "s32").split(b"\r\n", 1)[1][:-2]
    pair.run("RESTORE", "restored", "0", payload)
    pair.run("DEBUG", "RELOAD")
    for key in ("s32", "s64", "restored"):
        pair.run("DUMP", key)


def test_spop_count_leaves_a_fresh_intset(pair):
    # SPOP's third case moves the few members that stay into a new intset.
    pair.run("SADD", "s", 1, 2, 3, 4, 5, 6, 7, 8, 100000)
    pair.run("SREM", "s", "100000")
    pair.ours.cmd("SPOP", "s", "7")
    pair.theirs.cmd("SPOP", "s", "7")
    mine, theirs = pair.ours.cmd("DUMP", "s"), pair.theirs.cmd("DUMP", "s")
    # One member left, two bytes wide (the removed 100000 needed four).
    assert mine[:15] == theirs[:15] == b"$22\r\n\x0b\x0a\x02\x00\x00\x00\x01\x00\x00\x00", mine


def test_spop_near_the_whole_intset_replies_sorted_like_redis(pair):
    pair.run("SADD", "s", *range(1, 21))
    mine, theirs = parse(pair.ours.cmd("SPOP", "s", "18")), parse(pair.theirs.cmd("SPOP", "s", "18"))
    assert len(mine) == len(theirs) == 18
    assert mine == sorted(mine, key=int) and theirs == sorted(theirs, key=int)
    pair.run("SCARD", "s")


def test_resp3_replies(pair):
    resp3(pair)
    script(pair, """
        SADD s 2 1
        SMEMBERS s
        SMEMBERS nokey
        SINTER s nokey
        SINTER s
        SUNION s nokey
        SDIFF nokey
        SDIFF s
        SRANDMEMBER s 5
        SRANDMEMBER nokey
        SRANDMEMBER nokey 5
        SPOP nokey
        SPOP nokey 3
        SPOP s 0
        SMISMEMBER s 1 3
        SMISMEMBER nokey 1
        SSCAN s 0
        SINTERCARD 1 s
        SPOP s 5
    """)


ENCODING_CASES = [
    "SADD s 1 2 3",
    "SADD s 1 2 3 4",
    "SADD s a",
    "SADD s 1 a; SREM s a",
    "SADD s -0",
    "SADD s 01",
    "SADD s 9223372036854775808",
    "SADD s -9223372036854775808",
    "SADD src a 1; SMOVE src s 1",
    "SADD x 1 2 a; SADD y a; SDIFFSTORE s x y",
    "SADD x 1 2 a; SINTERSTORE s x x",
    "SADD s 1 2 3 4; SPOP s 3",
    "SADD s 1 2 3; CONFIG SET set-max-intset-entries 2; SADD s 3; OBJECT ENCODING s; SADD s 4",
    "SADD y1 1 2 3 4 5 6; SADD y2 1 9; SDIFFSTORE s y1 y2",
    "SADD z1 1 2 3 a; SADD z2 a b c d e f g h; SDIFFSTORE s z1 z2",
    "SADD z3 1 2 a; SADD z4 a b; SADD z5 a c; SDIFFSTORE s z3 z4 z5",
    "SADD s 1 2 3 4; SPOP s 1",
    "SADD s 0 1 2 3 4 5 6 7 8 9; SPOP s 9",       # CASE 3 rebuilds an intset
    "SADD s 0 1 2 3 4 5 6 7 8 9; SPOP s 8",       # CASE 2 keeps the hashtable
]


@pytest.mark.parametrize("case", ENCODING_CASES)
def test_encodings(pair, case):
    with configured(pair, set_max_intset_entries=3):
        for command in case.split(";"):
            args = shlex.split(command)
            if args[0] == "SPOP":
                # Random members: only the encoding left behind must agree.
                assert len(parse(pair.ours.cmd(*args))) == len(parse(pair.theirs.cmd(*args)))
            else:
                pair.run(*args)
        pair.run("OBJECT", "ENCODING", "s")
        if "SPOP" in case:
            pair.run("SCARD", "s")
        else:
            check_members(pair, "SMEMBERS", "s")


def test_big_set_contents(pair):
    members = ["m%d" % i for i in range(700)]
    pair.run("SADD", "s", *members)
    pair.run("SADD", "n", *range(1000))
    for key in ("s", "n"):
        pair.run("SCARD", key)
        same_elements(pair, "SMEMBERS", key)
        same_elements(pair, "SRANDMEMBER", key, "5000")
        assert scan_all(pair.ours, "SSCAN", key, "0", "COUNT", "33") == \
            scan_all(pair.theirs, "SSCAN", key, "0", "COUNT", "33")
    same_elements(pair, "SUNION", "s", "n")
    same_elements(pair, "SINTER", "s", "n")
    same_elements(pair, "SDIFF", "n", "s")


# ---- randomized sequences ---------------------------------------------------------------------

MEMBERS = ["0", "1", "2", "3", "5", "8", "13", "-1", "-0", "007", "a", "b", "c", "9223372036854775807"]
KEYS = ["s0", "s1", "s2", "str", "none"]


def random_command(rnd):
    key = rnd.choice(KEYS)
    members = rnd.sample(MEMBERS, rnd.randint(1, 4))
    keys = [rnd.choice(KEYS) for _ in range(rnd.randint(1, 3))]
    name = rnd.choice(["SADD", "SADD", "SADD", "SADD", "SREM", "SREM", "SISMEMBER", "SMISMEMBER",
                       "SCARD", "SMEMBERS", "SMEMBERS", "SPOP", "SPOP", "SRANDMEMBER", "SMOVE", "SINTER",
                       "SUNION", "SDIFF", "SINTERCARD", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE", "SSCAN"])
    if name in ("SADD", "SREM", "SMISMEMBER"):
        return [name, key] + members
    if name == "SISMEMBER":
        return [name, key, members[0]]
    if name in ("SCARD", "SMEMBERS"):
        return [name, key]
    if name == "SPOP":
        return [name, key] + rnd.choice([[], ["1"], ["2"], ["30"], ["0"]])
    if name == "SRANDMEMBER":
        return [name, key] + rnd.choice([[], ["30"], ["-3"], ["2"], ["0"]])
    if name == "SMOVE":
        return [name, key, rnd.choice(KEYS), members[0]]
    if name in ("SINTER", "SUNION", "SDIFF"):
        return [name] + keys
    if name == "SINTERCARD":
        return [name, str(len(keys))] + keys + rnd.choice([[], ["LIMIT", "2"], ["LIMIT", "0"]])
    if name.endswith("STORE"):
        return [name, rnd.choice(KEYS)] + keys
    return [name, key, "0"] + rnd.choice([[], ["MATCH", "[0-5]*"], ["COUNT", "2"]])


def oracle_encoding(pair, key):
    return encoding(pair.theirs, key)


def check_members(pair, *args):
    """A reply listing one set: exact for an intset, any order for a hashtable."""
    if oracle_encoding(pair, args[1]) == HASHTABLE:
        if args[0] == "SSCAN":
            assert scan_all(pair.ours, *args) == scan_all(pair.theirs, *args), args
        else:
            same_elements(pair, *args)
    else:
        pair.run(*args)


def resync(pair, key):
    """After a random pop the servers hold different members: rebuild ``key`` from the real one's."""
    members = parse(pair.theirs.cmd("SMEMBERS", key)) if pair.theirs.cmd("TYPE", key) == b"+set\r\n" else None
    if members is None:
        return
    pair.run("DEL", key)
    if members:
        pair.run("SADD", key, *members)


def check_random_reply(pair, args):
    name = args[0]
    theirs_type = pair.theirs.cmd("TYPE", args[1]) if len(args) > 1 else None
    if name in ("SPOP", "SRANDMEMBER") and theirs_type == b"+set\r\n" and args[2:] not in (["30"], ["0"]):
        before = set(parse(pair.theirs.cmd("SMEMBERS", args[1])))
        mine, theirs = pair.ours.cmd(*args), pair.theirs.cmd(*args)
        got = parse(mine)
        got = [got] if not isinstance(got, list) else got
        expected = parse(theirs)
        expected = expected if isinstance(expected, list) else [expected]
        assert set(got) <= before, (args, mine)
        assert len(expected) == len(got), (args, mine, theirs)
        assert mine[:1] == theirs[:1]
        if name == "SPOP":
            resync(pair, args[1])
        return
    if name in ("SMEMBERS", "SSCAN") or (name in ("SPOP", "SRANDMEMBER") and args[2:] == ["30"]):
        check_members(pair, *args)
        return
    if name == "SINTER" and all(pair.theirs.cmd("TYPE", k) == b"+set\r\n" for k in args[1:]):
        # The smallest set (first among equals) is walked: its encoding decides the order.
        cards = [parse(pair.theirs.cmd("SCARD", k)) for k in args[1:]]
        smallest = args[1:][cards.index(min(cards))]
        if oracle_encoding(pair, smallest) == HASHTABLE:
            same_elements(pair, *args)
            return
    if name in ("SUNION", "SDIFF"):
        # The reply walks the result set, built like the STORE form builds it.
        probe = pair.theirs.cmd(name + "STORE", "__probe__", *args[1:])
        hashtable = oracle_encoding(pair, "__probe__") == HASHTABLE
        pair.theirs.cmd("DEL", "__probe__")
        if hashtable and not probe.startswith(b"-"):
            same_elements(pair, *args)
            return
    pair.run(*args)


def run_random(pair, seed, steps, check_encoding):
    rnd = random.Random(seed)
    pair.run("SET", "str", "x")
    for _ in range(steps):
        args = random_command(rnd)
        check_random_reply(pair, args)
        if check_encoding:
            for key in ("s0", "s1", "s2"):
                pair.run("OBJECT", "ENCODING", key)
    for key in ("s0", "s1", "s2"):
        check_members(pair, "SMEMBERS", key)


@pytest.mark.parametrize("seed", range(6))
def test_random_sequences(pair, seed):
    with configured(pair, set_max_intset_entries=5):
        run_random(pair, seed, 300, check_encoding=False)


@pytest.mark.parametrize("seed", range(3))
def test_random_sequences_with_encodings(pair, seed):
    with configured(pair, set_max_intset_entries=5):
        run_random(pair, 100 + seed, 300, check_encoding=True)
