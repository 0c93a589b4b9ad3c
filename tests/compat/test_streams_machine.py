"""A hypothesis state machine: random stream command sequences on pyredis and redis-server.

Every ID is explicit so both servers agree; replies that carry times (XPENDING's
extended form, XINFO CONSUMERS, XINFO STREAM FULL with groups) are left out.
Each step compares the raw reply; the invariant compares XINFO STREAM.
"""
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

KEYS = st.sampled_from(["s1", "s2"])
GROUPS = st.sampled_from(["g1", "g2"])
CONSUMERS = st.sampled_from(["c1", "c2", "c3"])
MS = st.integers(0, 12)
SEQ = st.integers(0, 4)
IDS = st.builds(lambda ms, seq: "%d-%d" % (ms, seq), MS, SEQ)
BOUNDS = st.one_of(IDS, st.sampled_from(["-", "+"]), IDS.map(lambda i: "(" + i))
VALUES = st.sampled_from(["v", "1", "-5", "300", "x" * 70, ""])


def test_stream_state_machine(pair):
    class StreamMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            pair.run("FLUSHALL")

        @rule(key=KEYS, sid=IDS, value=VALUES, trim=st.sampled_from([None, "~", "="]),
              threshold=st.integers(0, 6))
        def xadd(self, key, sid, value, trim, threshold):
            args = ["XADD", key]
            if trim:
                args += ["MAXLEN", trim, str(threshold)]
            pair.run(*args, sid, "f", value)

        @rule(key=KEYS, ids=st.lists(IDS, min_size=1, max_size=3))
        def xdel(self, key, ids):
            pair.run("XDEL", key, *ids)

        @rule(key=KEYS, how=st.sampled_from(["MAXLEN", "MINID"]), approx=st.booleans(),
              n=st.integers(0, 6), sid=IDS)
        def xtrim(self, key, how, approx, n, sid):
            pair.run("XTRIM", key, how, "~" if approx else "=", str(n) if how == "MAXLEN" else sid)

        @rule(key=KEYS, lo=BOUNDS, hi=BOUNDS, count=st.integers(-1, 4), rev=st.booleans())
        def xrange(self, key, lo, hi, count, rev):
            if rev:
                pair.run("XREVRANGE", key, hi, lo, "COUNT", str(count))
            else:
                pair.run("XRANGE", key, lo, hi, "COUNT", str(count))

        @rule(key=KEYS, group=GROUPS, sid=st.one_of(IDS, st.just("$")), mk=st.booleans())
        def xgroup_create(self, key, group, sid, mk):
            pair.run("XGROUP", "CREATE", key, group, sid, *(["MKSTREAM"] if mk else []))

        @rule(key=KEYS, group=GROUPS, sid=st.one_of(IDS, st.just("$")))
        def xgroup_setid(self, key, group, sid):
            pair.run("XGROUP", "SETID", key, group, sid)

        @rule(key=KEYS, group=GROUPS, consumer=CONSUMERS, count=st.integers(0, 3),
              start=st.one_of(st.just(">"), IDS), noack=st.booleans())
        def xreadgroup(self, key, group, consumer, count, start, noack):
            args = ["XREADGROUP", "GROUP", group, consumer, "COUNT", str(count)]
            if noack:
                args.append("NOACK")
            pair.run(*args, "STREAMS", key, start)

        @rule(key=KEYS, sid=st.one_of(IDS, st.just("$")), count=st.integers(0, 3))
        def xread(self, key, sid, count):
            pair.run("XREAD", "COUNT", str(count), "STREAMS", key, sid)

        @rule(key=KEYS, group=GROUPS, ids=st.lists(IDS, min_size=1, max_size=3))
        def xack(self, key, group, ids):
            pair.run("XACK", key, group, *ids)

        @rule(key=KEYS, group=GROUPS, consumer=CONSUMERS, ids=st.lists(IDS, min_size=1, max_size=3),
              force=st.booleans())
        def xclaim(self, key, group, consumer, ids, force):
            pair.run("XCLAIM", key, group, consumer, "0", *ids, "JUSTID", *(["FORCE"] if force else []))

        @rule(key=KEYS, group=GROUPS, consumer=CONSUMERS, start=IDS, count=st.integers(1, 3))
        def xautoclaim(self, key, group, consumer, start, count):
            pair.run("XAUTOCLAIM", key, group, consumer, "0", start, "COUNT", str(count), "JUSTID")

        @rule(key=KEYS, group=GROUPS, consumer=CONSUMERS)
        def xgroup_consumers(self, key, group, consumer):
            pair.run("XGROUP", "CREATECONSUMER", key, group, consumer)
            pair.run("XPENDING", key, group)

        @rule(key=KEYS, group=GROUPS, consumer=CONSUMERS)
        def xgroup_delconsumer(self, key, group, consumer):
            pair.run("XGROUP", "DELCONSUMER", key, group, consumer)

        @rule(key=KEYS, group=GROUPS)
        def xgroup_destroy(self, key, group):
            pair.run("XGROUP", "DESTROY", key, group)

        @rule(key=KEYS, sid=IDS)
        def xsetid(self, key, sid):
            pair.run("XSETID", key, sid)

        @invariant()
        def same_info(self):
            for key in ("s1", "s2"):
                pair.run("XINFO", "STREAM", key)
                pair.run("XINFO", "GROUPS", key)
                pair.run("XLEN", key)

    StreamMachine.TestCase.settings = settings(
        max_examples=60, stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    StreamMachine.TestCase().runTest()
