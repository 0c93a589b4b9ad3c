"""String commands byte for byte against redis-server 7.0.15: replies, errors and their order."""
import random
import shlex


def script(pair, text):
    """Run each non-empty line of ``text`` (shell-quoted words) on both servers."""
    for line in text.strip().splitlines():
        line = line.strip()
        if line:
            pair.run(*shlex.split(line))


def test_set_options_and_errors(pair):
    script(pair, """
        SET k v EX 10 EX 20
        TTL k
        SET k v EX 10 PX 20
        SET k v NX XX
        SET k v XX NX
        SET k v NX NX
        SET k v GET GET
        SET k v KEEPTTL EX 10
        SET k v EX 10 KEEPTTL
        SET k v KEEPTTL
        TTL k
        SET k v EX
        SET k v EX abc
        SET k v EX 0
        SET k v EX -1
        SET k v PX 0
        SET k v EXAT 0
        SET k v EX 9223372036854775
        SET k v PX 9223372036854775807
        SET k v PXAT 9223372036854775807
        SET k v PXAT 1
        EXISTS k
        SET k v PXAT 1 GET
        SET k v NX GET
        SET k w NX GET
        SET k x XX GET
        SET nk x XX GET
        SET nk x XX
        RPUSH l a
        SET l x GET
        SET l x GET EX abc
        SET l x EX abc GET
        SET l x GET BAD
        SET l x NX GET
        SET k v persist
        SET k v ''
        SET k
        SETNX k v
        SETNX k2 v
        SETNX l v
        SETEX k 0 v
        SETEX k abc v
        SETEX k 10 v
        TTL k
        PSETEX k -5 v
        PSETEX k 9223372036854775807 v
        GETSET l v
        GETSET k v
        GETSET nokey w
        GETDEL k
        GETDEL k
        GETDEL l
    """)
    pair.run("SET", "k", "old")
    pair.run("SET", "k", "v", b"nx\x00junk")
    pair.run("SET", "k", "v", b"xx\x00")


def test_getex(pair):
    script(pair, """
        SET k v
        GETEX k
        GETEX k persist
        TTL k
        GETEX k ex 100 persist
        GETEX k persist ex 100
        GETEX k nx
        GETEX k keepttl
        GETEX k get
        GETEX k ex
        GETEX nokey ex abc
        GETEX nokey bad
        RPUSH l a
        GETEX l ex abc
        GETEX l
        GETEX k ex abc
        GETEX k ex 0
        GETEX k px -1
        GETEX k exat 9223372036854775808
        GETEX k ex 10 ex 20
        TTL k
        GETEX k persist
        TTL k
        GETEX k pxat 99999999999999
        PEXPIRETIME k
        GETEX k exat 1
        EXISTS k
    """)


def test_multi_key_commands(pair):
    script(pair, """
        MSET a
        MSET a 1 b
        MSETNX a 1 b
        MSET a 1 b 2
        MGET a b c
        RPUSH l x
        MGET a l nokey a
        MSETNX a 1 c 2
        EXISTS c
        MSETNX x 1 x 2
        GET x
        MSETNX y 1 z 2
        MGET y z
    """)


def test_mset_over_new_existing_and_expiring_keys(pair):
    script(pair, """
        SET old v
        SET ttl v EX 100
        SET gone v PX 1
        RPUSH list x
        MSET new 1 old 2 ttl 3 list 4 new 5 gone 6 tail 7
        MGET new old ttl list gone tail
        TTL ttl
        TTL gone
        TYPE list
        DBSIZE
        OBJECT ENCODING new
        OBJECT ENCODING old
        MSET a 1 a 2 a 3
        GET a
    """)


def test_append_strlen_setrange_getrange(pair):
    script(pair, """
        APPEND ap 12
        OBJECT ENCODING ap
        APPEND ap ''
        OBJECT ENCODING ap
        APPEND ap 3
        GET ap
        STRLEN ap
        STRLEN nokey
        RPUSH l a
        APPEND l x
        STRLEN l
        SETRANGE sr -1 x
        SETRANGE sr abc x
        SETRANGE sr 5 ''
        EXISTS sr
        SETRANGE sr 2 ab
        GET sr
        OBJECT ENCODING sr
        SETRANGE sr 0 ''
        SETRANGE sr 1 XYZW
        GET sr
        SETRANGE l 0 x
        SETRANGE l -1 x
        SETRANGE l 0 ''
        SETRANGE sr 536870912 x
        SETRANGE sr 536870912 ''
        SETRANGE sr 9223372036854775807 x
        SETRANGE sr 9223372036854775808 x
        SETRANGE new 536870912 x
        SET s "This is a string"
        GETRANGE s 0 -1
        GETRANGE s 0 3
        GETRANGE s -3 -1
        GETRANGE s 5 3
        GETRANGE s -1 -5
        GETRANGE s -100 100
        GETRANGE s 15 100
        GETRANGE s 16 20
        GETRANGE s a 1
        GETRANGE l a 1
        GETRANGE l 0 1
        GETRANGE nokey 0 1
        GETRANGE nokey a 1
        SUBSTR s 0 3
        SET n 12345
        GETRANGE n 1 2
        SET e ''
        GETRANGE e 0 -1
        GETRANGE e -1 0
    """)


def test_incr_family(pair):
    script(pair, """
        INCR n
        INCRBY n 10
        DECR n
        DECRBY n -5
        INCRBY n 1a
        DECRBY n abc
        DECRBY n -9223372036854775808
        SET n 9223372036854775807
        INCR n
        INCRBY n -1
        SET n -9223372036854775808
        DECR n
        INCRBY n -1
        DECRBY n 9223372036854775807
        SET n ' 1'
        INCR n
        SET n 01
        INCR n
        SET n +1
        INCR n
        SET n 1.5
        INCR n
        SET n ''
        INCR n
        RPUSH l x
        INCR l
        INCRBY l x
        DECRBY l -9223372036854775808
        INCR fresh
        OBJECT ENCODING fresh
        OBJECT REFCOUNT fresh
        INCRBY big 123456
        OBJECT REFCOUNT big
    """)


def test_incr_of_a_stored_integer(pair):
    # The compiled step's cases and the long way's next to them: the shared
    # integers' edge both ways, a value made by APPEND, a key with a TTL,
    # the int64 edges reached from a stored value.
    script(pair, """
        SET n 9998
        INCR n
        OBJECT REFCOUNT n
        INCR n
        OBJECT REFCOUNT n
        OBJECT ENCODING n
        DECR n
        OBJECT REFCOUNT n
        SET m -1
        INCR m
        DECRBY m 1
        OBJECT ENCODING m
        SET a 1
        APPEND a 2
        INCR a
        OBJECT ENCODING a
        GET a
        SET t 5 EX 100
        INCRBY t 5
        TTL t
        SET big 9223372036854775806
        INCR big
        INCR big
        GET big
        SET small -9223372036854775807
        DECR small
        DECR small
        INCRBY small 9223372036854775807
        INCRBY small -9223372036854775807
        DECRBY small 1
    """)


def test_incrbyfloat_fixed_cases(pair):
    script(pair, """
        SET f 10.5
        INCRBYFLOAT f 0.1
        INCRBYFLOAT f 3.0e3
        INCRBYFLOAT f -3010.6
        INCRBYFLOAT f 0x1p-18
        INCRBYFLOAT f inf
        INCRBYFLOAT f -inf
        INCRBYFLOAT f nan
        INCRBYFLOAT f 1e5000
        INCRBYFLOAT f 1e-5000
        INCRBYFLOAT f 0e-5000
        INCRBYFLOAT f 1e-4940
        INCRBYFLOAT f ' 1'
        INCRBYFLOAT f '1 '
        INCRBYFLOAT f +.5
        INCRBYFLOAT f 5.
        INCRBYFLOAT f .
        INCRBYFLOAT f -.5e1
        INCRBYFLOAT f 0x
        INCRBYFLOAT f 0X1P3
        INCRBYFLOAT f Infinity
        INCRBYFLOAT f ''
        SET f inf
        INCRBYFLOAT f 1
        SET f abc
        INCRBYFLOAT f x
        INCRBYFLOAT f 1
        RPUSH l a
        INCRBYFLOAT l x
        INCRBYFLOAT g 1e4000
        INCRBYFLOAT h 1.18973149535723176502e4932
        INCRBYFLOAT h 1e4932
        INCRBYFLOAT i 0x1p-16445
        INCRBYFLOAT i 0x1p-16446
        SET j -1
        INCRBYFLOAT j 1
        INCRBYFLOAT j -0.000000000000000001
        INCRBYFLOAT j -0.000000000000000006
        INCRBYFLOAT k 1e19
        OBJECT ENCODING k
        INCRBYFLOAT m 5
        OBJECT ENCODING m
        OBJECT REFCOUNT m
        INCRBYFLOAT m 1e50
        OBJECT ENCODING m
    """)
    pair.run("INCRBYFLOAT", "f", b"1\x00abc")
    pair.run("INCRBYFLOAT", "f", b"\x00")
    pair.run("INCRBYFLOAT", "n", b"1" * 5119)
    pair.run("INCRBYFLOAT", "n", b"1" + b"0" * 5119)
    pair.run("INCRBYFLOAT", "n", b"0." + b"0" * 5000 + b"1")


def _random_float(rnd):
    k = rnd.randrange(11)
    if k == 0:
        return str(rnd.randint(-10 ** 20, 10 ** 20))
    if k == 1:
        return repr(rnd.uniform(-1000, 1000))
    if k == 2:
        return "%d.%d" % (rnd.randint(-100, 100), rnd.randint(0, 10 ** rnd.randint(1, 25)))
    if k == 3:
        return "%de%d" % (rnd.randint(-999, 999), rnd.randint(-30, 30))
    if k == 4:
        return "%d.%de%d" % (rnd.randint(-9, 9), rnd.randint(0, 10 ** 20), rnd.randint(-4960, 4940))
    if k == 5:
        return "0x%x.%xp%d" % (rnd.randrange(1 << 70), rnd.randrange(1 << 20), rnd.randint(-100, 100))
    if k == 6:
        return "0.%s%d" % ("0" * rnd.randint(0, 30), rnd.randint(1, 10 ** 18))
    if k == 7:
        return str(rnd.choice([1, -1]) * rnd.randint(0, 2 ** 64) / 2 ** rnd.randint(0, 70))
    if k == 8:
        return "%d%s" % (rnd.randint(0, 9), "0" * rnd.randint(0, 30))
    if k == 9:
        return "0.%s5" % ("0" * rnd.randint(14, 18))
    return repr(rnd.random() * 10 ** rnd.randint(-20, 20))


def test_incrbyfloat_random_values(pair):
    rnd = random.Random(7)
    for _ in range(400):
        pair.run("SET", "f", _random_float(rnd))
        for _ in range(3):
            pair.run("INCRBYFLOAT", "f", _random_float(rnd))
            pair.run("OBJECT", "ENCODING", "f")


def test_string_encodings(pair):
    for value in ("0", "123", "9999", "10000", "-1", "-9223372036854775808", "9223372036854775807",
                  "9223372036854775808", "0123", "-0", " 1", "1 ", "+1", "a" * 44, "a" * 45, "", "1e3"):
        pair.run("SET", "k", value)
        pair.run("OBJECT", "ENCODING", "k")
        pair.run("OBJECT", "REFCOUNT", "k")
    script(pair, """
        SET k 100
        COPY k k2
        OBJECT REFCOUNT k2
        OBJECT ENCODING k2
        RENAME k k3
        OBJECT REFCOUNT k3
        MSET m 12
        OBJECT REFCOUNT m
        SETEX se 100 7
        OBJECT REFCOUNT se
        GETSET m 13
        OBJECT REFCOUNT m
        SET x 11
        APPEND x ''
        OBJECT ENCODING x
        INCR x
        OBJECT ENCODING x
    """)


def test_lcs(pair):
    script(pair, """
        MSET a ohmytext b mynewtext
        LCS a b
        LCS a b LEN
        LCS a b IDX
        LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN
        LCS a b IDX WITHMATCHLEN
        LCS a b IDX LEN
        LCS a b LEN LEN IDX IDX
        LCS a b BAD
        LCS a b MINMATCHLEN
        LCS a b MINMATCHLEN x
        LCS a b MINMATCHLEN -5 IDX
        LCS a nokey
        LCS x y IDX
        RPUSH l 1
        LCS l a BAD
        LCS a l
        LCS a a IDX WITHMATCHLEN
        SET x 12345
        SET y 1345
        LCS x y IDX WITHMATCHLEN
        LCS y x IDX WITHMATCHLEN
        CONFIG SET proto-max-bulk-len 1mb
        SET big1 %s
        SET big2 %s
        LCS big1 big2 BAD
        LCS big1 big2
        LCS big1 a
        CONFIG SET proto-max-bulk-len 512mb
    """ % ("x" * 600, "y" * 600))


def test_lcs_random_strings(pair):
    rnd = random.Random(11)
    for _ in range(60):
        alphabet = rnd.choice(["ab", "abc", "ACGT", "abcdefghij"])
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        b = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        pair.run("MSET", "a", a or "x", "b", b or "y")
        pair.run("LCS", "a", "b")
        pair.run("LCS", "b", "a", "LEN")
        pair.run("LCS", "a", "b", "IDX", "WITHMATCHLEN", "MINMATCHLEN", str(rnd.randint(0, 3)))
        pair.run("LCS", "b", "a", "IDX")


def test_lcs_long_walks(pair):
    # One short string against a long one with long unmatched stretches: the
    # walk back crosses them in jumps, which must land where Redis's steps do.
    rnd = random.Random(12)
    for _ in range(30):
        short = "".join(rnd.choice("abc") for _ in range(rnd.randint(1, 8)))
        parts = ["".join(rnd.choice("abcz") for _ in range(rnd.randint(0, 5))) + "z" * rnd.randint(30, 300)
                 for _ in range(rnd.randint(1, 5))]
        long_ = "".join(parts)
        pair.run("MSET", "a", short, "b", long_)
        pair.run("LCS", "a", "b", "IDX", "WITHMATCHLEN")
        pair.run("LCS", "b", "a", "IDX", "WITHMATCHLEN")
        pair.run("LCS", "a", "b")


def test_resp3_forms(pair):
    for client in (pair.ours, pair.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")
    script(pair, """
        GET nokey
        SET k v XX
        SET k v NX
        SET k w NX GET
        GETEX nokey
        GETDEL nokey
        GETSET nokey v
        MGET k nokey
        MSET a ohmytext b mynewtext
        LCS a b IDX WITHMATCHLEN
        INCRBYFLOAT f 1.5
    """)


_KEYS = ["k1", "k2", "k3", "n1", "n2"]
_VALUES = ["", "0", "1", "-1", "12", "abc", "9223372036854775806", "3.5", "x" * 50]


def _random_command(rnd, seconds):
    k = rnd.choice(_KEYS)
    v = rnd.choice(_VALUES)
    choices = [
        ("SET", k, v), ("SET", k, v, "NX"), ("SET", k, v, "XX", "GET"), ("SET", k, v, "KEEPTTL"),
        ("SET", k, v, "EX", "100"), ("GET", k), ("GETSET", k, v), ("GETDEL", k), ("GETEX", k, "PERSIST"),
        ("GETEX", k, "EX", "50"), ("SETNX", k, v), ("SETEX", k, "100", v), ("MSET", k, v, rnd.choice(_KEYS), v),
        ("MSETNX", k, v, rnd.choice(_KEYS), v), ("MGET", k, rnd.choice(_KEYS)), ("APPEND", k, v),
        ("STRLEN", k), ("SETRANGE", k, str(rnd.randint(0, 8)), v), ("GETRANGE", k, str(rnd.randint(-5, 5)),
                                                                      str(rnd.randint(-5, 5))),
        ("INCR", k), ("DECR", k), ("INCRBY", k, str(rnd.randint(-100, 100))),
        ("DECRBY", k, str(rnd.randint(-100, 100))), ("INCRBYFLOAT", k, rnd.choice(["0.1", "-1.5", "1e3", "3"])),
        ("LCS", k, rnd.choice(_KEYS)), ("DEL", k), ("EXISTS", k, rnd.choice(_KEYS)), ("TYPE", k),
        ("RENAME", k, rnd.choice(_KEYS)), ("RENAMENX", k, rnd.choice(_KEYS)), ("COPY", k, rnd.choice(_KEYS)),
        ("COPY", k, rnd.choice(_KEYS), "REPLACE"), ("EXPIRE", k, seconds(), rnd.choice(["NX", "XX", "GT", "LT"])),
        ("PERSIST", k), ("RPUSH", k, v), ("SADD", k, v), ("OBJECT", "ENCODING", k), ("MOVE", k, "1"),
        ("EXPIRE", k, "-1"),
    ]
    return rnd.choice(choices)


def test_random_sequence(pair):
    rnd = random.Random(2024)
    # Expire times never repeat: GT/LT against an equal time would depend on
    # whether a millisecond passed between two commands.
    ttls = iter(rnd.sample(range(1000, 1000000), 1500))
    for _ in range(1500):
        pair.run(*_random_command(rnd, lambda: str(next(ttls))))
        if rnd.random() < 0.05:
            # TTL values may differ by the time between the two servers; their kind may not.
            mine = pair.ours.cmd("TTL", "k1")
            theirs = pair.theirs.cmd("TTL", "k1")
            assert (mine in (b":-1\r\n", b":-2\r\n")) == (theirs in (b":-1\r\n", b":-2\r\n"))
            assert mine[:2] == theirs[:2]
    pair.run("DBSIZE")
    pair.run("SELECT", "1")
    pair.run("DBSIZE")
