"""Bitmap and bitfield commands byte for byte against redis-server 7.0.15."""
import random
import shlex

from hypothesis import HealthCheck, given, settings, strategies as st


def script(pair, text):
    for line in text.strip().splitlines():
        line = line.strip()
        if line:
            pair.run(*shlex.split(line))


def test_setbit_getbit_errors_and_growth(pair):
    script(pair, """
        SETBIT k 0 0
        SETBIT k 2 x
        SETBIT k -1 1
        SETBIT k 4294967296 1
        SETBIT k 4294967295 2
        SETBIT k 7 1
        SETBIT k 100 1
        GET k
        GETBIT k 100
        GETBIT k 101
        GETBIT k 1000000
        GETBIT nk 1
        GETBIT k -1
        SET i 12345
        SETBIT i 1 1
        OBJECT ENCODING i
        GET i
        RPUSH l a
        SETBIT l 1 1
        SETBIT l x 1
        GETBIT l 0
        GETBIT l x
    """)


def test_bitcount_bitpos_scripted(pair):
    script(pair, """
        BITCOUNT nokey a b
        BITCOUNT nokey 1
        SET s foobar
        BITCOUNT s
        BITCOUNT s 1
        BITCOUNT s a b
        BITCOUNT s 0 1 bOt
        BITCOUNT s 1 1
        BITCOUNT s -2 -1
        BITCOUNT s 5 30 bit
        BITCOUNT s -5 -1 BIT
        BITCOUNT s -1 -5
        BITCOUNT s 0 9223372036854775807
        BITCOUNT s 1 b badunit
        BITCOUNT s a 1 badunit
        BITPOS s 1 1 b badunit
        BITPOS s 1 a 1 badunit
        BITCOUNT s -9223372036854775808 -1
        BITPOS nokey 1 x
        BITPOS nokey 2
        BITPOS nokey 0
        BITPOS s 1 2 3 4 5
        SET e ""
        BITPOS e 0
        BITPOS e 1
        BITCOUNT e 0 -1 bit
        BITPOS s 1
        BITPOS s 0
        BITPOS s 1 2
        BITPOS s 0 2 -1 bit
        BITPOS s 0 2 -1 byte
        BITPOS s 1 9223372036854775807
        BITPOS s 1 -9223372036854775808 9223372036854775807 bit
        RPUSH l a
        BITCOUNT l
        BITPOS l 1
    """)


def test_bitop_scripted(pair):
    script(pair, """
        SET a foobar
        SET b abc
        BITOP foo d a
        BITOP not d a b
        BITOP and d a b nokey
        GET d
        BITOP or d a b
        GET d
        BITOP xor d a b
        GET d
        BITOP not d a
        GET d
        OBJECT ENCODING d
        BITOP AND d nokey
        EXISTS d
        SET d x
        EXPIRE d 100
        BITOP OR d a
        TTL d
        RPUSH l a
        BITOP and d a l
    """)


def test_bitfield_scripted(pair):
    script(pair, """
        SET s foo
        BITFIELD s get I8 0
        BITFIELD s get u64 0
        BITFIELD s get i65 0
        BITFIELD s get i0 0
        BITFIELD s get u 0
        BITFIELD s get "" 0
        BITFIELD s overflow foo
        BITFIELD s overflow
        BITFIELD s get
        BITFIELD s set u8 0
        BITFIELD s incrby u8 0 x
        BITFIELD_RO s set u8 0 1
        BITFIELD_RO s get u8 0 get i4 #3
        BITFIELD s get u8 -1
        BITFIELD s get i8 #-1
        BITFIELD s get i8 #1 get u63 3 get i64 5 get u8 1000
        BITFIELD s set i8 #1 -100 incrby i8 #1 -100 overflow sat incrby i8 #1 -100
        BITFIELD s overflow fail incrby u4 0 100 set u8 0 -1
        BITFIELD s overflow sat set u8 0 -1 set i5 3 100 overflow wrap set i5 3 100
        BITFIELD s incrby i64 0 9223372036854775807 incrby i64 0 9223372036854775807
        BITFIELD s overflow sat incrby i64 0 -9223372036854775808 incrby i64 0 -9223372036854775808
        BITFIELD s overflow sat set i8 0 -9223372036854775808 set i64 0 -9223372036854775808
        BITFIELD s get i8 #1152921504606846977
        GET s
        BITFIELD nk overflow fail incrby u2 0 10
        GET nk
        BITFIELD x
        RPUSH l a
        BITFIELD l get u8 0
        BITFIELD_RO l get u8 0
        BITFIELD l set u8 0 1
    """)
    # The reply to HELLO holds the connection id, which differs.
    pair.ours.cmd("HELLO", "3")
    pair.theirs.cmd("HELLO", "3")
    pair.run("BITFIELD", "s", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "10", "GET", "u2", "0")


_OFFSET = st.one_of(st.integers(0, 90).map(str), st.integers(0, 12).map(lambda n: "#%d" % n))
_VALUE = st.one_of(st.integers(-300, 300), st.integers(-2 ** 63, 2 ** 63 - 1),
                   st.sampled_from([2 ** 63 - 1, -2 ** 63, 0, -1])).map(str)
_TYPE = st.builds(lambda s, n: s + str(n), st.sampled_from(["i", "u"]), st.integers(1, 64))
_OP = st.one_of(
    st.tuples(st.just("GET"), _TYPE, _OFFSET),
    st.tuples(st.sampled_from(["SET", "INCRBY"]), _TYPE, _OFFSET, _VALUE),
    st.tuples(st.just("OVERFLOW"), st.sampled_from(["WRAP", "SAT", "FAIL"])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initial=st.binary(max_size=12), programs=st.lists(st.lists(_OP, max_size=6), min_size=1, max_size=4))
def test_bitfield_random_programs(pair, initial, programs):
    """Random BITFIELD programs: replies and the resulting bytes identical."""
    pair.run("SET", "k", initial)
    for program in programs:
        pair.run("BITFIELD", "k", *[word for op in program for word in op])
        pair.run("GET", "k")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.binary(max_size=10), bit=st.sampled_from(["0", "1"]),
       start=st.integers(-90, 90), end=st.one_of(st.none(), st.integers(-90, 90)),
       unit=st.sampled_from([None, "BIT", "BYTE"]))
def test_bitpos_bitcount_random_ranges(pair, value, bit, start, end, unit):
    pair.run("SET", "k", value)
    args = [str(start)]
    if end is not None:
        args.append(str(end))
        if unit is not None:
            args.append(unit)
        pair.run("BITCOUNT", "k", *args)
    pair.run("BITPOS", "k", bit, *args)
    pair.run("BITPOS", "k", bit)


def test_random_mixed_bit_commands(pair):
    """SETBIT/BITOP/BITFIELD interleaved on a few keys, the values compared after each step."""
    rnd = random.Random(11)
    for _ in range(600):
        k = rnd.choice("abc")
        kind = rnd.random()
        if kind < 0.1:
            pair.run("SET", k, bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 12))))
        elif kind < 0.4:
            pair.run("SETBIT", k, str(rnd.randint(0, 130)), str(rnd.randint(0, 1)))
        elif kind < 0.7:
            pair.run("BITOP", rnd.choice(["AND", "OR", "XOR", "NOT"]), rnd.choice("abcd"),
                     *rnd.sample("abce", rnd.randint(1, 3)))
        else:
            pair.run("BITCOUNT", k, str(rnd.randint(-40, 40)), str(rnd.randint(-40, 40)),
                     rnd.choice(["BIT", "BYTE"]))
        pair.run("GET", k)
        pair.run("GET", "d")


_TOKENS = ["0", "1", "-1", "x", "2", "#3", "#-1", "i8", "u8", "u64", "i64", "u63", "bit", "byte",
           "BIT", "get", "set", "incrby", "overflow", "wrap", "sat", "fail", "1.5", "", "and",
           "100", "-100", "9223372036854775808", "s", "l", "nk"]
_TEMPLATES = ["SETBIT K 7 1", "GETBIT K 7", "BITCOUNT K 1 5 bit", "BITCOUNT K", "BITPOS K 1 2 10 bit",
              "BITPOS K 0 1", "BITOP and D K K", "BITOP not D K",
              "BITFIELD K get i8 0 overflow sat set u8 #1 300 incrby i5 3 100",
              "BITFIELD_RO K get u8 0 get i4 #2"]


def test_mutated_commands_check_order(pair):
    """Valid commands with arguments swapped, dropped or added: the same reply or error wins."""
    rnd = random.Random(5)
    for t in range(1500):
        if t % 25 == 0:
            pair.run("FLUSHALL")
            pair.run("SET", "s", "foobar")
            pair.run("RPUSH", "l", "a")
        words = [rnd.choice(["s", "nk", "l"]) if w == "K" else rnd.choice(["d", "s", "nk"])
                 if w == "D" else w for w in rnd.choice(_TEMPLATES).split()]
        for _ in range(rnd.choice([0, 1, 1, 2, 3])):
            i = rnd.randrange(1, len(words))
            r = rnd.random()
            if r < 0.6:
                words[i] = rnd.choice(_TOKENS)
            elif r < 0.8:
                del words[i]
            else:
                words.insert(i, rnd.choice(_TOKENS))
            if len(words) < 2:
                break
        pair.run(*words)
