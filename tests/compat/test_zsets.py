"""Sorted sets: pyredis and a real redis-server must answer byte for byte the same.

Fixed scenarios cover every command's options and errors (and their order);
seeded random sequences over a small member space are compared reply by
reply in RESP2 and RESP3, with the sets kept as listpacks and as skiplists.
"""
import random
import time

import pytest

from respclient import encode_command


@pytest.fixture
def hello3(pair):
    """Switch both connections to RESP3 (HELLO's own reply differs: client ids)."""
    for client in (pair.ours, pair.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")
    return pair


@pytest.fixture
def config(pair):
    """CONFIG SET on both servers; the listpack limits are restored afterwards."""
    changed = []

    def set_param(name, value):
        changed.append(name)
        pair.run("CONFIG", "SET", name, value)

    yield set_param
    defaults = {"zset-max-listpack-entries": "128", "zset-max-listpack-value": "64"}
    for name in changed:
        pair.ours.cmd("CONFIG", "SET", name, defaults[name])
        pair.theirs.cmd("CONFIG", "SET", name, defaults[name])


def run_lines(pair, text):
    for line in text.strip().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            pair.run(*line.split())


ZADD_CASES = """
ZADD z 1 a
ZADD z XX NX 1 a
ZADD z GT LT 1 a
ZADD z NX GT 1 a
ZADD z NX LT 1 a
ZADD z INCR 1 a 2 b
ZADD z abc a
ZADD z nan a
ZADD z inf a
ZADD z INCR -inf a
ZADD z XX NX 1
ZADD z 1 a 2
ZADD z CH 5 a 3 b
ZADD z GT CH 1 a 9 b
ZADD z LT CH 1 a 9 b
ZADD z XX GT CH 10 a 10 new
ZADD z INCR GT 1 a
ZADD z INCR GT -1 a
ZADD z INCR NX 1 a
ZADD z INCR XX 1 zz
ZADD z 1.1 c -0 d 1e308 e 0x10 f 2.5e-320 g 123456789012345678 h
ZADD z 1e-400 g
ZADD z 1e400 g
ZINCRBY z 1e308 e
ZINCRBY z inf e
ZINCRBY z -inf e
ZINCRBY z nan e
ZINCRBY z NX e
ZINCRBY z INCR e
ZINCRBY z -0 brandnew
ZADD z INCR -0 other
ZRANGE z 0 -1 WITHSCORES
SET s x
ZADD s 1 a
ZADD s XX NX 1 a
ZADD s abc a
ZINCRBY s 1 a
ZADD z 1 a 1 a 2 a
ZSCORE z a
"""


def test_zadd_and_zincrby(pair):
    run_lines(pair, ZADD_CASES)


READ_CASES = """
ZADD z 1 a 2 b 3 c 4 d 5 e 5 f
SET s x
ZCARD z
ZCARD s
ZCARD nokey
ZSCORE z a
ZSCORE z nope
ZSCORE s a
ZMSCORE z a nope f
ZMSCORE nokey a b
ZMSCORE s a
ZRANK z f
ZREVRANK z f
ZRANK z nope
ZRANK s a
ZCOUNT z 2 (5
ZCOUNT z (5 5
ZCOUNT z -inf +inf
ZCOUNT z a 3
ZCOUNT nokey a 3
ZCOUNT s a 3
ZCOUNT s 1 3
ZLEXCOUNT z - +
ZLEXCOUNT z [b (e
ZLEXCOUNT z a b
ZLEXCOUNT s - +
ZLEXCOUNT s a b
ZLEXCOUNT nokey - +
"""


def test_reads(pair):
    run_lines(pair, READ_CASES)


RANGE_CASES = """
ZADD z 1 a 2 b 3 c 4 d 5 e
SET s x
ZRANGE z 0 -1 WITHSCORES
ZRANGE z 0 -1 BYSCORE
ZRANGE z 0 -1 BYLEX
ZRANGE z (1 5 BYSCORE
ZRANGE z a 5 BYSCORE
ZRANGE z 1 a BYSCORE
ZRANGE z 0 -1 LIMIT 0 1
ZRANGE z 0 -1 LIMIT 0 -1
ZRANGE z 0 -1 BYSCORE LIMIT 0 1
ZRANGE z 0 -1 BYSCORE LIMIT 0
ZRANGE z 0 -1 BYSCORE LIMIT a 1
ZRANGE z 0 -1 BYSCORE BYSCORE
ZRANGE z 0 -1 BYLEX BYSCORE
ZRANGE z - + BYLEX WITHSCORES
ZRANGE z [a [c BYLEX
ZRANGE z 0 -1 REV
ZRANGE z 5 1 BYSCORE REV
ZRANGE z 1 5 BYSCORE REV
ZRANGE z + - BYLEX REV
ZRANGE z 0 -1 foo
ZRANGE z a -1
ZRANGE nokey a b
ZRANGE nokey 0 1 BYSCORE LIMIT 0
ZRANGE s 0 1
ZRANGE s a b
ZRANGE s 0 1 LIMIT 0 1
ZRANGE s a b BYSCORE
ZRANGE z -1 0
ZRANGE z 1 -5
ZRANGE z 2 100
ZRANGE z -100 -3
ZRANGE z -inf +inf BYSCORE LIMIT 1 -1
ZRANGE z -inf +inf BYSCORE LIMIT 1 0
ZRANGE z -inf +inf BYSCORE LIMIT -1 -1
ZRANGE z -inf +inf BYSCORE LIMIT 5 1
ZRANGE z +inf -inf BYSCORE REV LIMIT 1 1 WITHSCORES
ZRANGE z - + BYLEX LIMIT -1 1
ZRANGE z - + BYLEX REV LIMIT 2 2
ZRANGEBYSCORE s a b
ZRANGEBYSCORE z 1 2 WITHSCORES LIMIT 0
ZRANGEBYSCORE z 1 2 LIMIT 0 1 WITHSCORES
ZRANGEBYSCORE z 1 2 foo
ZRANGEBYSCORE z 1 2 BYLEX
ZRANGEBYSCORE z 1 2 REV
ZRANGEBYLEX z - + WITHSCORES
ZRANGEBYLEX z - + LIMIT 1 2
ZRANGEBYLEX z -a +
ZRANGEBYLEX z [b (d
ZRANGEBYLEX z + -
ZRANGEBYLEX z [c [b
ZRANGEBYLEX z [b [b
ZRANGEBYLEX z (b [b
ZRANGEBYLEX z - -
ZRANGEBYLEX z ( +
ZRANGEBYLEX z [ +
ZREVRANGE z 0 -1 WITHSCORES
ZREVRANGE z 0 -1 LIMIT 0 1
ZREVRANGE z 0 -1 BYSCORE
ZREVRANGEBYSCORE z 5 1 WITHSCORES LIMIT 1 2
ZREVRANGEBYSCORE z (5 -inf LIMIT 1 2 WITHSCORES
ZREVRANGEBYLEX z + - LIMIT 1 2
ZREVRANGEBYLEX z - +
ZREVRANGEBYLEX z [d (a LIMIT 1 5
ZRANGE z (-inf (+inf BYSCORE
ZRANGE z 1 nan BYSCORE
ZRANGE z 1 infinity BYSCORE
ZRANGE z 1e-400 2 BYSCORE
ZRANGE z -1e400 1e400 BYSCORE
ZRANGE z 0x1 0x2 BYSCORE
ZRANGE z .5 +2 BYSCORE
ZRANGE z ((1 2 BYSCORE
ZRANGE z ( 2 BYSCORE
"""


def test_ranges(pair):
    run_lines(pair, RANGE_CASES)
    # Bounds that only raw arguments can carry: empty and space-led.
    pair.run("ZRANGE", "z", "", "2", "BYSCORE")
    pair.run("ZRANGE", "z", " 1", " 2", "BYSCORE")
    pair.run("ZRANGE", "z", " 1", "2 ", "BYSCORE")
    pair.run("ZRANGEBYLEX", "z", "", "+")
    # Redis leaves errno at ERANGE after the 1e400 bounds; a float ZADD clears it for later SORTs.
    pair.run("ZADD", "z", "1.5", "x")


STORE_CASES = """
ZADD z 1 a 2 b 3 c
SET st x
ZRANGESTORE d z 0 -1 WITHSCORES
ZRANGESTORE d st 0 -1
ZRANGESTORE d st a b
ZRANGESTORE d nokey 0 -1
ZRANGESTORE d z 0 -1 BYLEX
ZRANGESTORE d z [a [b BYLEX LIMIT 0 1
ZRANGE d 0 -1 WITHSCORES
ZRANGESTORE d z 1 3 BYSCORE REV
ZCARD d
ZRANGESTORE d z 3 1 BYSCORE REV LIMIT 1 5
ZRANGE d 0 -1 WITHSCORES
ZRANGESTORE d z 5 10
ZCARD d
"""


def test_zrangestore(pair):
    run_lines(pair, STORE_CASES)


REMOVE_CASES = """
ZADD z 1 a 2 b 3 c 4 d 5 e
SET st x
ZREMRANGEBYRANK st a b
ZREMRANGEBYRANK st 0 1
ZREMRANGEBYRANK z a 1
ZREMRANGEBYRANK nokey a 1
ZREMRANGEBYRANK nokey 0 1
ZREMRANGEBYRANK z 10 20
ZREMRANGEBYRANK z -100 0
ZREMRANGEBYSCORE st a b
ZREMRANGEBYSCORE z a b
ZREMRANGEBYSCORE z (2 3
ZREMRANGEBYLEX st a b
ZREMRANGEBYLEX z a b
ZREMRANGEBYLEX z [d +
ZRANGE z 0 -1
ZREM z c nope c
ZREM z b
ZCARD z
ZREM nokey a
ZREM st a
"""


def test_removals(pair):
    run_lines(pair, REMOVE_CASES)


POP_CASES = """
ZADD z 1 a 2 b 3 c
SET st x
ZPOPMIN z
ZPOPMIN z 2
ZPOPMAX z 0
ZPOPMIN nokey
ZPOPMIN nokey 2
ZPOPMAX z -1
ZPOPMAX z a
ZPOPMAX st a
ZPOPMAX st 1
ZPOPMAX z 1 2
ZADD z 1 a 2 b 3 c
ZMPOP 1 z MIN
ZMPOP 1 z MAX COUNT 5
ZMPOP 1 z MAX COUNT 5
ZADD z 1 a 2 b 3 c
ZMPOP 0 z MIN
ZMPOP a z MIN
ZMPOP 1 z foo
ZMPOP 2 z MIN
ZMPOP 1 z MIN COUNT
ZMPOP 1 z MIN COUNT 0
ZMPOP 1 z MIN COUNT a
ZMPOP 1 z MIN COUNT 1 COUNT 1
ZMPOP 1 st MIN
ZMPOP 2 nokey st MIN
ZMPOP 2 z st MIN
ZADD z 1 a 2 b 3 c 4 d
BZPOPMIN z 0
BZPOPMAX z 0
BZMPOP 0 1 z MIN
BZPOPMIN nokey 0.01
BZMPOP 0.01 1 nokey MIN
BZMPOP a 1 z MIN
BZMPOP 0 a z MIN
BZMPOP -1 1 z MIN
BZMPOP a 0 z MIN
BZMPOP 0 1 z foo
BZPOPMIN z a
BZPOPMIN z -1
BZPOPMIN st 0
BZPOPMIN nokey st 0
"""


def test_pops(pair):
    run_lines(pair, POP_CASES)


def test_pops_resp3(hello3):
    run_lines(hello3, POP_CASES)


RANDMEMBER_CASES = """
ZADD z 1 a 2 b 3 c
SET st x
ZRANDMEMBER st
ZRANDMEMBER st 1
ZRANDMEMBER st a
ZRANDMEMBER nokey a
ZRANDMEMBER z a
ZRANDMEMBER z 1 foo
ZRANDMEMBER z 1 WITHSCORES foo
ZRANDMEMBER nokey 1 foo
ZRANDMEMBER z -9223372036854775808
ZRANDMEMBER z 9223372036854775807 WITHSCORES
ZRANDMEMBER z 4611686018427387904 WITHSCORES
ZRANDMEMBER z 4611686018427387903 WITHSCORES
ZRANDMEMBER z 3
ZRANDMEMBER z 5 WITHSCORES
ZRANDMEMBER z 0
ZRANDMEMBER nokey
ZRANDMEMBER nokey 2
"""


def test_zrandmember(pair):
    run_lines(pair, RANDMEMBER_CASES)


def test_zrandmember_resp3(hello3):
    run_lines(hello3, RANDMEMBER_CASES)


SETOP_CASES = """
ZADD z 1 a 2 b 3 c
ZADD w 10 b 20 c 30 d
SET st x
ZUNION 2 z w WITHSCORES
ZINTER 2 z w WITHSCORES
ZDIFF 2 z w WITHSCORES
ZUNION 2 z w
ZUNION 0 z
ZUNION -1 z
ZUNION a z
ZUNION 3 z w
ZUNION 2 z st
ZUNION 2 z st foo
ZUNION 2 z w WEIGHTS 1
ZUNION 2 z w WEIGHTS 1 a
ZUNION 2 z w WEIGHTS 1 2 AGGREGATE foo
ZUNION 2 z w AGGREGATE
ZUNION 2 z w AGGREGATE MAX WITHSCORES
ZUNION 2 z w WEIGHTS 2 3 WITHSCORES AGGREGATE MIN
ZUNION 2 z w WITHSCORES WITHSCORES
ZUNIONSTORE d 2 z w WITHSCORES
ZDIFF 2 z w WEIGHTS 1 1
ZDIFF 2 z w AGGREGATE SUM
ZINTERCARD 0 z
ZINTERCARD 2 z w
ZINTERCARD 2 z w LIMIT -1
ZINTERCARD 2 z w LIMIT a
ZINTERCARD 2 z w LIMIT 1
ZINTERCARD 2 z w LIMIT 0
ZINTERCARD 2 z w WITHSCORES
ZINTERCARD 2 z st
ZINTERCARD a z
ZUNIONSTORE d 0 z
ZDIFFSTORE d 0 z
ZINTERSTORE d 0 z
ZUNION 1 z WEIGHTS nan
ZUNION 1 z WEIGHTS inf WITHSCORES
ZUNION 2 z z WEIGHTS inf -inf WITHSCORES
ZINTER 2 z z WEIGHTS inf -inf WITHSCORES
ZINTER 2 z z WEIGHTS inf -inf WITHSCORES AGGREGATE MIN
ZINTER 2 z z WEIGHTS 0 inf WITHSCORES AGGREGATE MAX
ZUNION 2 z z WEIGHTS 0 inf WITHSCORES AGGREGATE MAX
ZINTERSTORE d 3 z w z WEIGHTS 1.5 2 3 AGGREGATE SUM
ZRANGE d 0 -1 WITHSCORES
ZUNIONSTORE d 2 z w
ZRANGE d 0 -1 WITHSCORES
ZDIFFSTORE d 2 z nokey
ZRANGE d 0 -1 WITHSCORES
ZDIFFSTORE d 2 z z
ZCARD d
ZUNION 3 z nokey w WITHSCORES
ZINTER 3 z nokey w WITHSCORES
"""


def test_set_operations(pair):
    run_lines(pair, SETOP_CASES)


def test_set_operations_resp3(hello3):
    run_lines(hello3, SETOP_CASES)


def test_sets_as_inputs(pair):
    run_lines(pair, """
    ZADD z 1 a 2 b 3 c
    SADD s a b x
    ZUNIONSTORE d 2 z s
    ZRANGE d 0 -1 WITHSCORES
    ZINTER 2 z s WITHSCORES
    ZDIFF 2 s z WITHSCORES
    ZINTERCARD 2 s z
    """)


SCAN_CASES = """
ZADD z 1 a 2 b 3 c 1.5 ab
SET st x
ZSCAN z 0
ZSCAN z 0 COUNT 0
ZSCAN z 0 COUNT a
ZSCAN z 0 foo
ZSCAN z 0 MATCH
ZSCAN z a
ZSCAN z -1
ZSCAN z +5
ZSCAN z -
ZSCAN z 18446744073709551616
ZSCAN z 18446744073709551615
ZSCAN z 0 MATCH a*
ZSCAN z 0 MATCH a* COUNT 100 MATCH *
ZSCAN st 0
ZSCAN st a
ZSCAN nokey 0 foo
ZSCAN nokey a
ZSCAN st 0 foo
"""


def test_zscan(pair):
    run_lines(pair, SCAN_CASES)
    pair.run("ZSCAN", "z", "")
    pair.run("ZSCAN", "z", " 5")


def test_encodings(pair, config):
    config("zset-max-listpack-entries", "2")
    run_lines(pair, """
    ZADD k 1 a 1 a 1 a
    OBJECT ENCODING k
    ZADD k2 1 a 2 b 3 c
    OBJECT ENCODING k2
    ZREM k2 c b
    OBJECT ENCODING k2
    ZRANGESTORE d1 k2 0 -1
    OBJECT ENCODING d1
    ZADD k3 1 a 2 b
    ZUNIONSTORE d2 1 k3
    OBJECT ENCODING d2
    ZADD k3 3 c
    ZRANGESTORE d3 k3 0 1
    OBJECT ENCODING d3
    ZRANGESTORE d3 k3 0 -1
    OBJECT ENCODING d3
    ZINTERSTORE d2 2 k3 k3
    OBJECT ENCODING d2
    ZRANGESTORE d3 k3 0 1 BYSCORE
    OBJECT ENCODING d3
    ZADD neg -0 a -0 b -0 c -0 d
    ZRANGE neg 0 -1 WITHSCORES
    ZSCORE neg d
    ZRANGESTORE n1 neg 0 -1 REV
    ZRANGE n1 0 -1 WITHSCORES
    ZRANGESTORE n2 neg inf -inf BYSCORE REV
    ZRANGE n2 0 -1 WITHSCORES
    ZUNIONSTORE n3 1 neg
    ZRANGE n3 0 -1 WITHSCORES
    """)
    config("zset-max-listpack-entries", "128")
    config("zset-max-listpack-value", "3")
    run_lines(pair, """
    ZADD k4 1 aaaa
    OBJECT ENCODING k4
    ZADD k5 1 a 2 aaaa
    OBJECT ENCODING k5
    ZADD k6 1 aaa
    ZADD k6 XX 1 aaaaa
    OBJECT ENCODING k6
    ZINCRBY k7 1 aaaaaa
    OBJECT ENCODING k7
    """)


# ---- seeded random sequences ----------------------------------------------------------
MEMBERS = ["a", "b", "c", "d", "e", "aa", "ab", "b\x00", "zz", "m"]
KEYS = ["k1", "k2", "k3"]
SCORES = ["0", "1", "-1", "2.5", "3", "-0", "1e3", "inf", "-inf", "0.1", "7", "-2.25"]
BOUNDS = ["0", "1", "2.5", "3", "-inf", "+inf", "-1", "7", "1e3"]


class Sequence:
    """Random commands over a few keys; ``lex_safe`` keeps mixed-score lexical
    ranges off large sets, whose answer depends on Redis's random skiplist levels."""

    def __init__(self, seed, lex_safe):
        self.rnd = random.Random(seed)
        self.lex_safe = lex_safe

    def score(self):
        return self.rnd.choice(SCORES)

    def bound(self):
        value = self.rnd.choice(BOUNDS)
        return "(" + value if self.rnd.random() < 0.3 else value

    def lex(self):
        r = self.rnd.random()
        if r < 0.15:
            return "-"
        if r < 0.3:
            return "+"
        return self.rnd.choice("[(") + self.rnd.choice(MEMBERS)

    def index(self):
        return str(self.rnd.randint(-7, 7))

    def lex_key(self):
        # "lex" only ever holds score 0; k* hold mixed scores.
        return "lex" if self.lex_safe or self.rnd.random() < 0.3 else self.rnd.choice(KEYS)

    def command(self):
        rnd = self.rnd
        k = rnd.choice(KEYS)
        m = rnd.choice(MEMBERS)
        op = rnd.randrange(27)
        if op < 5:
            args = ["ZADD", k] + rnd.choice([["NX"], ["XX"], ["GT"], ["LT"], ["CH"], [], ["XX", "CH"]])
            for _ in range(rnd.randint(1, 3)):
                args += [self.score(), rnd.choice(MEMBERS)]
            return args
        if op == 5:
            return ["ZINCRBY", k, self.score(), m]
        if op == 6:
            return ["ZREM", rnd.choice(KEYS + ["lex"])] + rnd.sample(MEMBERS, 2)
        if op == 7:
            args = ["ZRANGE", k, self.index(), self.index()]
            return args + rnd.choice([[], ["WITHSCORES"], ["REV"], ["REV", "WITHSCORES"]])
        if op == 8:
            args = ["ZRANGE", k, self.bound(), self.bound(), "BYSCORE"]
            if rnd.random() < 0.4:
                args.append("REV")
            if rnd.random() < 0.4:
                args += ["LIMIT", self.index(), self.index()]
            if rnd.random() < 0.5:
                args.append("WITHSCORES")
            return args
        if op == 9:
            args = ["ZRANGE", self.lex_key(), self.lex(), self.lex(), "BYLEX"]
            if rnd.random() < 0.4:
                args.append("REV")
            if rnd.random() < 0.4:
                args += ["LIMIT", self.index(), self.index()]
            return args
        if op == 10:
            return [rnd.choice(["ZRANK", "ZREVRANK"]), k, m]
        if op == 11:
            return ["ZSCORE", k, m]
        if op == 12:
            return ["ZCOUNT", k, self.bound(), self.bound()]
        if op == 13:
            return ["ZLEXCOUNT", self.lex_key(), self.lex(), self.lex()]
        if op == 14:
            count = [str(rnd.randint(0, 3))] if rnd.random() < 0.6 else []
            return [rnd.choice(["ZPOPMIN", "ZPOPMAX"]), k] + count
        if op == 15:
            return ["ZREMRANGEBYRANK", k, self.index(), self.index()]
        if op == 16:
            return ["ZREMRANGEBYSCORE", k, self.bound(), self.bound()]
        if op == 17:
            return ["ZREMRANGEBYLEX", self.lex_key(), self.lex(), self.lex()]
        if op == 18:
            cmd = rnd.choice(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
            args = [cmd, rnd.choice(KEYS), "2"] + rnd.sample(KEYS, 2)
            if cmd != "ZDIFFSTORE" and rnd.random() < 0.5:
                args += ["WEIGHTS", self.score(), self.score()]
            if cmd != "ZDIFFSTORE" and rnd.random() < 0.5:
                args += ["AGGREGATE", rnd.choice(["SUM", "MIN", "MAX"])]
            return args
        if op == 19:
            return [rnd.choice(["ZUNION", "ZINTER", "ZDIFF"]), "3"] + rnd.sample(KEYS, 3) + ["WITHSCORES"]
        if op == 20:
            return ["ZMSCORE", k] + rnd.sample(MEMBERS, 3)
        if op == 21:
            return ["ZRANGESTORE", rnd.choice(KEYS), k, self.bound(), self.bound(), "BYSCORE"] + (
                ["REV"] if rnd.random() < 0.3 else [])
        if op == 22:
            return ["ZRANGESTORE", rnd.choice(KEYS), k, self.index(), self.index()] + (
                ["REV"] if rnd.random() < 0.3 else [])
        if op == 23:
            return ["ZADD", "lex", "0", m] + (["0", rnd.choice(MEMBERS)] if rnd.random() < 0.5 else [])
        if op == 24:
            return ["ZMPOP", "2", k, rnd.choice(KEYS), rnd.choice(["MIN", "MAX"]), "COUNT", "2"]
        if op == 25:
            return ["ZRANDMEMBER", k, "20", "WITHSCORES"]
        return ["ZCARD", rnd.choice(KEYS + ["lex"])]


def run_sequence(pair, seed, steps, lex_safe):
    seq = Sequence(seed, lex_safe)
    for _ in range(steps):
        pair.run(*seq.command())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequence_listpack(pair, seed):
    run_sequence(pair, seed, 1500, lex_safe=False)


@pytest.mark.parametrize("seed", [4, 5])
def test_random_sequence_listpack_resp3(hello3, seed):
    run_sequence(hello3, seed, 1500, lex_safe=False)


@pytest.mark.parametrize("seed", [6, 7, 8])
def test_random_sequence_skiplist(pair, config, seed):
    config("zset-max-listpack-entries", "3")
    run_sequence(pair, seed, 1500, lex_safe=True)


def test_random_sequence_skiplist_resp3(hello3, config):
    config("zset-max-listpack-entries", "3")
    run_sequence(hello3, 9, 1500, lex_safe=True)


def test_blocked_clients_are_served_like_redis(pair, pair_factory):
    """Two clients blocked on overlapping keys; one EXEC makes both keys ready."""
    first, second = pair_factory(), pair_factory()
    for waiter, args in ((first, ("BZPOPMIN", "a", "b", "0")),
                         (second, ("BZMPOP", "0", "2", "b", "a", "MAX", "COUNT", "5"))):
        waiter.ours.send(encode_command(*args))
        waiter.theirs.send(encode_command(*args))
        time.sleep(0.05)
    run_lines(pair, """
    MULTI
    ZADD b 1 x 2 y
    ZADD a 3 z
    EXEC
    """)
    for waiter in (first, second):
        assert waiter.ours.read_reply() == waiter.theirs.read_reply()
    pair.run("ZRANGE", "a", "0", "-1", "WITHSCORES")
    pair.run("ZRANGE", "b", "0", "-1", "WITHSCORES")


SINGLE_FORMS = """
ZADD f 1 a
ZADD f 1 a
ZADD f 1.0 a
ZADD f 2 a
ZADD f -0 b
ZSCORE f b
ZADD f 1.5e3 c
ZADD f inf d
ZADD f -inf e
ZADD f +2 g
ZADD f 0x10 h
ZADD f nx a
ZADD f NX a
ZADD f incr a
ZADD f nan a
ZADD f 1
ZSCORE f d
ZSCORE f e
ZSCORE f nosuch
ZSCORE nosuch a
ZRANGE f 0 -1 WITHSCORES
OBJECT ENCODING f
ZADD f 3 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
OBJECT ENCODING f
ZADD f -0 z
ZSCORE f z
ZPOPMIN f
ZPOPMAX f
ZPOPMIN f 2
ZPOPMAX f 1
ZPOPMIN nosuch
ZPOPMAX nosuch
ZPOPMIN f 0
ZPOPMIN f x
ZPOPMIN f 1 2
ZPOPMIN f 100
EXISTS f
ZADD one 5 m
ZPOPMAX one
EXISTS one
SET s x
ZADD s 1 a
ZADD s nx a
ZPOPMIN s
ZPOPMAX s
ZSCORE s a
"""


def test_single_pair_zadd_and_single_pops(pair):
    run_lines(pair, SINGLE_FORMS)


def test_single_pair_zadd_and_single_pops_resp3(hello3):
    run_lines(hello3, SINGLE_FORMS)


def test_single_pair_zadd_converts_like_redis(pair, config):
    config("zset-max-listpack-entries", "0")
    run_lines(pair, """
    ZADD e 1 a
    OBJECT ENCODING e
    ZADD e -0 b
    ZSCORE e b
    """)
    config("zset-max-listpack-entries", "128")
    config("zset-max-listpack-value", "2")
    run_lines(pair, """
    ZADD v 1 abc
    OBJECT ENCODING v
    ZADD w 1 ab
    OBJECT ENCODING w
    ZADD w 2 abc
    OBJECT ENCODING w
    """)


def test_single_pair_zadd_and_pops_notify_like_redis(pair, pair_factory):
    sub = pair_factory()
    pair.run("CONFIG", "SET", "notify-keyspace-events", "KEA")
    try:
        for client in (sub.ours, sub.theirs):
            client.send(encode_command("PSUBSCRIBE", "__key*"))
            client.read_reply()
        run_lines(pair, """
        ZADD k 1 a
        ZADD k 1 a
        ZADD k 2 a
        ZADD k 3 b
        ZPOPMIN k
        ZPOPMAX k
        ZPOPMIN k
        """)
        pair.run("PING")
        got = []
        for client in (sub.ours, sub.theirs):
            client.send(encode_command("PUNSUBSCRIBE"))
            replies = []
            while True:
                r = client.read_reply()
                if r.startswith(b"*3\r\n$12\r\npunsubscribe"):
                    break
                replies.append(r)
            got.append(replies)
        assert got[0] == got[1]
        # zadd (new), zadd (update), zadd (new), then a pop each and the del of the last.
        assert len(got[0]) == 2 * 6
    finally:
        pair.run("CONFIG", "SET", "notify-keyspace-events", "")
