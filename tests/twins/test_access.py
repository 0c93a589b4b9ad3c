"""Per-key access metadata twins (access.pyx and access_py.py): one suite, both twins.

The unit tests pin Redis's arithmetic (estimateObjectIdleTime,
LFUDecrAndReturn, LFULogIncr, createObject's field) and the table's contract;
the state machine applies random operations to both twins and checks that
every field, the slot layout and the shared integers' fields stay identical.

Small ints hash to themselves in CPython, so negative int keys all start at
the last slot, exercising probing and wrap-around.
"""
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from .conftest import sibling

NOW = 1_700_000_000_123
LRU_MAX = (1 << 24) - 1


def clock_at(access, now_ms=NOW, **kw):
    return access.AccessClock(now_ms, **kw)


# ---- the clock --------------------------------------------------------------------

def test_clock_fields(access):
    clock = clock_at(access)
    assert clock.lru == (NOW // 1000) & LRU_MAX
    assert clock.minutes == (NOW // 60000) & 65535
    assert clock.fresh() == clock.lru
    clock.lfu = True
    assert clock.fresh() == (clock.minutes << 8) | 5
    clock.tick(NOW + 61_000)
    assert clock.lru == ((NOW + 61_000) // 1000) & LRU_MAX
    assert clock.minutes == ((NOW + 61_000) // 60000) & 65535


def test_idle_ms_wraps_around_the_24_bit_clock(access):
    clock = clock_at(access)
    assert clock.idle_ms(clock.lru) == 0
    assert clock.idle_ms(clock.lru - 7) == 7000
    clock.tick(3 * 1000)
    assert clock.lru == 3
    assert clock.idle_ms(LRU_MAX - 2) == (3 + 2) * 1000


def test_frequency_decays_by_elapsed_periods(access):
    clock = clock_at(access, lfu=True)
    now = clock.minutes
    assert clock.frequency(((now - 10) << 8) | 20) == 10
    clock.decay_time = 3
    assert clock.frequency(((now - 10) << 8) | 20) == 17
    clock.decay_time = 0
    assert clock.frequency(((now - 10) << 8) | 20) == 20
    clock.decay_time = 1
    assert clock.frequency(((now - 30) << 8) | 20) == 0
    # The minute clock wraps at 65535 the way LFUTimeElapsed counts it.
    clock.tick(5 * 60000)
    assert clock.frequency((65530 << 8) | 20) == 20 - (65535 - 65530 + 5)


def test_accessed_counts_up_like_lfu_log_incr(access):
    clock = clock_at(access, lfu=True)
    field = clock.fresh()
    # At or below LFU_INIT_VAL the probability is 1.
    assert clock.accessed(field) & 255 == 6
    assert clock.accessed((clock.minutes << 8) | 0) & 255 == 1
    assert clock.accessed((clock.minutes << 8) | 255) & 255 == 255
    clock.log_factor = 0
    field = clock.fresh()
    for expected in range(6, 40):
        field = clock.accessed(field)
        assert field == (clock.minutes << 8) | expected
    clock.log_factor = 10
    counts = [clock.accessed((clock.minutes << 8) | 15) & 255 for _ in range(2000)]
    # p = 1 / (10 * 10 + 1): about 20 increments in 2000 draws.
    assert set(counts) == {15, 16}
    assert 5 <= counts.count(16) <= 45


def test_accessed_under_lru_is_the_clock(access):
    clock = clock_at(access)
    assert clock.accessed(12345) == clock.lru


@pytest.mark.parametrize("value,index", [
    (b"0", 0), (b"7", 7), (b"9999", 9999), (b"10000", -1), (b"01", -1), (b"00", -1),
    (b"-1", -1), (b"", -1), (b"1a", -1), (b" 1", -1), (b"1.0", -1),
])
def test_shared_index(access, value, index):
    clock = clock_at(access)
    assert clock.shared_index(value) == index
    assert clock.shared_index(bytearray(value)) == -1
    clock.share_integers = False
    assert clock.shared_index(value) == -1


def test_shared_fields_start_fresh(access):
    assert list(clock_at(access).shared) == [clock_at(access).fresh()] * 10000
    lfu = clock_at(access, lfu=True)
    assert lfu.shared[9999] == lfu.fresh()
    with pytest.raises(IndexError):
        lfu.shared[10000]


# ---- the table --------------------------------------------------------------------

def table_with(access, **kw):
    clock = clock_at(access, **kw)
    data = sibling(access, "keytable").KeyTable()
    return clock, data, access.AccessTable(clock, data)


def test_created_touch_overwritten_get_put(access):
    clock, data, table = table_with(access)
    data[b"k"] = b"v"
    assert table.get(b"k") is None
    table.created(b"k")
    assert table.get(b"k") == clock.lru
    clock.tick(NOW + 5000)
    assert table.get(b"k") == clock.lru - 5
    table.touch(b"k", b"v")
    assert table.get(b"k") == clock.lru
    table.put(b"k", (1 << 30) | 77)
    assert table.get(b"k") == 77
    table.overwritten(b"k")
    assert table.get(b"k") == clock.lru
    assert len(table) == 1


def test_lfu_overwrite_keeps_the_counter(access):
    clock, data, table = table_with(access, lfu=True)
    data[b"k"] = b"v"
    table.created(b"k")
    table.touch(b"k", b"v")
    assert clock.frequency(table.get(b"k")) == 6
    table.overwritten(b"k")
    assert clock.frequency(table.get(b"k")) == 6
    data[b"new"] = b"v"
    table.overwritten(b"new")
    assert table.get(b"new") == clock.fresh()


def test_store_pairs_creates_overwrites_and_stops_at_a_ttl(access):
    clock, data, table = table_with(access, lfu=True)
    shared = {b"7": b"7"}
    data[b"old"] = b"x"
    table.created(b"old")
    table.touch(b"old", b"x")
    counter = clock.frequency(table.get(b"old"))
    seven = bytes(bytearray(b"7"))
    argv = [b"MSET", b"new", seven, b"old", b"long value", b"ttl", b"t", b"after", b"a"]
    data[b"ttl"] = b"x"
    assert table.store_pairs(argv, 1, shared, {b"ttl": 1}) == 5
    assert data[b"new"] is shared[b"7"]
    assert data[b"old"] == b"long value"
    assert table.get(b"new") == clock.fresh()
    # The overwrite kept the LFU counter the touch raised (or not).
    assert clock.frequency(table.get(b"old")) >= counter
    assert data[b"ttl"] == b"x" and b"after" not in data
    assert table.store_pairs(argv, 7, shared, {b"ttl": 1}) == 9
    assert data[b"after"] == b"a"
    assert table.store_pairs(argv, 1, shared, {}) == 9
    assert data[b"ttl"] == b"t"
    clock.lfu = False
    clock.tick(NOW + 5000)
    assert table.store_pairs([b"MSET", b"old", b"v"], 1, shared, {}) == 3
    assert table.get(b"old") == clock.lru


SMALL = tuple(b"%d" % i for i in range(10000))


def test_read_touches_and_counts_a_key_without_a_ttl_of_the_class_asked(access):
    clock, data, table = table_with(access)
    data[b"s"] = b"v"
    data[b"l"] = [1]
    data[b"ttl"] = b"t"
    for key in data:
        table.created(key)
    clock.tick(NOW + 7000)
    assert (clock.hits, clock.misses) == (0, 0)
    assert table.read(b"s", {}, bytes, True) == b"v"
    assert table.get(b"s") == clock.lru and clock.hits == 1
    assert table.read(b"l", {}, None, False) == [1]
    assert table.get(b"l") == clock.lru and clock.hits == 1
    assert table.read(b"missing", {}, None, True) is None and clock.misses == 1
    assert table.read(b"missing", {}, bytes, False) is None and clock.misses == 1
    # A TTL or another class changes nothing: the caller takes the long way.
    clock.tick(NOW + 9000)
    assert table.read(b"l", {}, bytes, True) is False
    assert table.read(b"ttl", {b"ttl": 1}, None, True) is False
    assert table.get(b"l") == clock.lru - 2 and table.get(b"ttl") == clock.lru - 9
    assert (clock.hits, clock.misses) == (1, 1)
    clock.hits = 2 ** 64 - 1
    clock.misses = 5
    assert (clock.hits, clock.misses) == (2 ** 64 - 1, 5)


def test_incr_by_changes_an_integer_without_a_ttl_and_nothing_else(access):
    clock, data, table = table_with(access, lfu=True)
    for key, value in ((b"n", b"41"), (b"big", b"9223372036854775806"), (b"neg", b"-10001"),
                       (b"ttl", b"1"), (b"text", b"x"), (b"zero", b"007"), (b"plus", b"+1"),
                       (b"ba", bytearray(b"1")), (b"sp", b" 1"), (b"min", b"-9223372036854775808")):
        data[key] = value
        table.created(key)
    counter = clock.frequency(table.get(b"n"))
    assert table.incr_by(b"n", 1, SMALL, {}) == 42
    assert data[b"n"] is SMALL[42]
    assert clock.frequency(table.get(b"n")) >= counter
    assert table.incr_by(b"neg", 1, SMALL, {}) == -10000
    assert data[b"neg"] == b"-10000"
    assert table.incr_by(b"neg", 20000, SMALL, {}) == 10000
    assert data[b"neg"] == b"10000"
    assert table.incr_by(b"big", 1, SMALL, {}) == (1 << 63) - 1
    assert data[b"big"] == b"9223372036854775807"
    assert table.incr_by(b"min", -1 << 62, SMALL, {}) is None
    assert table.incr_by(b"min", 1 << 62, SMALL, {}) == -(1 << 62)
    # Every other case changes nothing: the caller takes the long way.
    clock.tick(NOW + 120_000)
    before = {k: table.get(k) for k in data}
    assert table.incr_by(b"big", 1, SMALL, {}) is None
    assert table.incr_by(b"ttl", 1, SMALL, {b"ttl": 1}) is None
    for key in (b"text", b"zero", b"plus", b"ba", b"sp", b"missing"):
        assert table.incr_by(key, 1, SMALL, {}) is None
    assert data[b"big"] == b"9223372036854775807" and data[b"ttl"] == b"1"
    assert b"missing" not in data
    assert {k: table.get(k) for k in data} == before


def test_touch_of_a_shared_integer_touches_its_object(access):
    clock, data, table = table_with(access)
    data[b"k"] = b"42"
    table.created(b"k")
    clock.tick(NOW + 9000)
    assert clock.shared[42] == clock.lru - 9
    table.touch(b"k", b"42")
    assert clock.shared[42] == clock.lru
    assert clock.shared[43] == clock.lru - 9
    clock.tick(NOW + 12000)
    table.touch(b"k", b"042")
    table.touch(b"k", [b"42"])
    assert clock.shared[42] == clock.lru - 3


def test_probing_wraps_around_the_end(access):
    clock, data, table = table_with(access)
    # -n hashes to 2**64 - n as an unsigned hash: home is the last slot.
    # (hash(-1) is -2 in CPython, so the keys start at -2.)
    keys = [-n for n in range(2, 7)]
    fp = [k & ((1 << 39) - 1) for k in keys]
    # Not stored in the db's table (its keys are bytes): five keys need no rebuild.
    for k in keys:
        table.created(k)
    assert table.capacity == 8
    slots = table.slots()
    assert [s >> 24 & ((1 << 39) - 1) for s in slots] == fp[1:] + [0, 0, 0] + fp[:1]
    for i, k in enumerate(keys):
        table.put(k, i)
    assert [table.get(k) for k in keys] == [0, 1, 2, 3, 4]
    assert table.get(-99) is None


def test_growth_keeps_fields_and_drops_deleted_keys(access):
    clock, data, table = table_with(access)
    for i in range(1000):
        key = b"key:%d" % i
        data[key] = b"v"
        table.created(key)
        table.put(key, i)
        assert table.capacity <= max(8, 1.6 * (len(data) + 1) + 1)
        assert len(table) * 5 <= table.capacity * 4
    assert [table.get(b"key:%d" % i) for i in range(1000)] == list(range(1000))
    for i in range(900):
        del data[b"key:%d" % i]
    stale = len(table)
    for i in range(1000, 1400):
        key = b"key:%d" % i
        data[key] = b"v"
        table.created(key)
    # The rebuild that made room kept only keys still in the dict.
    assert len(table) < stale + 400
    assert len(table) >= len(data) - 400
    assert [table.get(b"key:%d" % i) for i in range(900, 1000)] == list(range(900, 1000))
    assert sum(table.get(b"key:%d" % i) is not None for i in range(900)) < 900


def test_twins_rebuild_big_tables_with_holes_alike(access_twins):
    # Rebuilds walk the keyspace table's entries, deleted ones (holes) among
    # them, ahead of the probes: the layout is the pure twin's, key for key.
    sides = []
    for mod in access_twins:
        clock = mod.AccessClock(NOW)
        data = sibling(mod, "keytable").KeyTable()
        sides.append((data, mod.AccessTable(clock, data)))
    for step in range(3):
        for data, table in sides:
            for i in range(step * 3000, step * 3000 + 3000):
                key = b"key:%d" % i
                data[key] = b"v"
                table.created(key)
                table.put(key, i & 0xFFFFFF)
                if i % 3 == 0:
                    del data[b"key:%d" % (i // 2)]
        (data0, compiled), (data1, pure) = sides
        assert list(data0) == list(data1)
        assert compiled.capacity == pure.capacity and len(compiled) == len(pure)
        assert compiled.slots() == pure.slots()
        assert [compiled.get(k) for k in data0] == [pure.get(k) for k in data1]


def test_table_memory_stays_near_eight_bytes_a_slot(access):
    clock, data, table = table_with(access)
    for i in range(50_000):
        key = b"%d" % i
        data[key] = b"v"
        table.created(key)
    assert table.capacity <= 1.6 * 50_001 + 1


# ---- both twins, random operations --------------------------------------------------

KEYS = st.one_of(st.sampled_from([b"a", b"b", b"key:1", b"key:2", b""]),
                 st.integers(0, 63).map(lambda n: b"k%d" % n))
VALUES = st.one_of(st.sampled_from([b"0", b"9999", b"10000", b"07", b"v", b"-3"]),
                   st.integers(0, 12000).map(lambda n: b"%d" % n), st.just([1]))


def test_twins_agree_on_random_operations(access_twins):
    compiled, pure = access_twins

    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.now = NOW
            self.sides = []
            for mod in (compiled, pure):
                clock = mod.AccessClock(self.now)
                data = sibling(mod, "keytable").KeyTable()
                self.sides.append((clock, data, mod.AccessTable(clock, data)))

        def both(self, fn):
            results = [fn(*side) for side in self.sides]
            assert results[0] == results[1]

        @rule(key=KEYS)
        def create(self, key):
            def op(clock, data, table):
                data[key] = b"v"
                table.created(key)
                return table.get(key)
            self.both(op)

        @rule(key=KEYS)
        def delete(self, key):
            self.both(lambda clock, data, table: data.pop(key, None))

        @rule(key=KEYS, value=VALUES)
        def touch(self, key, value):
            def op(clock, data, table):
                data[key] = value
                table.touch(key, value)
                return table.get(key), list(clock.shared)[:12001:37]
            self.both(op)

        @rule(key=KEYS)
        def overwritten(self, key):
            def op(clock, data, table):
                data[key] = b"v"
                table.overwritten(key)
                return table.get(key)
            self.both(op)

        @rule(pairs=st.lists(st.tuples(KEYS, st.sampled_from([b"0", b"42", b"v", b"10000"])),
                             max_size=6),
              ttl=st.lists(KEYS, max_size=2))
        def store_pairs(self, pairs, ttl):
            argv = [b"MSET"] + [x for pair in pairs for x in pair]
            shared = {b"0": b"0", b"42": b"42"}
            expires = dict.fromkeys(ttl, 1)
            def op(clock, data, table):
                i = table.store_pairs(argv, 1, shared, expires)
                return i, sorted(data.items(), key=repr), [table.get(k) for k, _ in pairs]
            self.both(op)

        @rule(key=KEYS, cls=st.sampled_from([None, bytes, list]), count=st.booleans(),
              ttl=st.booleans())
        def read(self, key, cls, count, ttl):
            def op(clock, data, table):
                return (table.read(key, {key: 1} if ttl else {}, cls, count), table.get(key),
                        clock.hits, clock.misses, list(clock.shared)[:12001:37])
            self.both(op)

        @rule(key=KEYS, delta=st.one_of(st.integers(-3, 3), st.integers(-(1 << 63), (1 << 63) - 1)),
              ttl=st.booleans())
        def incr_by(self, key, delta, ttl):
            small = tuple(b"%d" % i for i in range(50))
            def op(clock, data, table):
                result = table.incr_by(key, delta, small, {key: 1} if ttl else {})
                value = data.get(key)
                return result, value, value is not None and value in small and value is small[int(value)], \
                    table.get(key), list(clock.shared)[:12001:37]
            self.both(op)

        @rule(key=KEYS, field=st.integers(0, (1 << 32) - 1))
        def put(self, key, field):
            def op(clock, data, table):
                data[key] = b"v"
                table.put(key, field)
                return table.get(key)
            self.both(op)

        @rule(ms=st.integers(0, 200 * 60_000))
        def tick(self, ms):
            self.now += ms
            self.both(lambda clock, data, table: clock.tick(self.now))

        @rule(lfu=st.booleans(), share=st.booleans(), factor=st.sampled_from([0, 1, 10, 100]),
              decay=st.sampled_from([0, 1, 2, 60]))
        def policy(self, lfu, share, factor, decay):
            def op(clock, data, table):
                clock.lfu, clock.share_integers = lfu, share
                clock.log_factor, clock.decay_time = factor, decay
            self.both(op)

        @rule(key=KEYS, field=st.integers(0, LRU_MAX))
        def read(self, key, field):
            self.both(lambda clock, data, table: (
                table.get(key), clock.idle_ms(field), clock.frequency(field),
                clock.accessed(field)))

        @invariant()
        def same_layout(self):
            self.both(lambda clock, data, table: (
                table.slots(), table.capacity, len(table), clock.lru, clock.minutes))

    run_state_machine_as_test(Machine, settings=settings(max_examples=150, deadline=None,
                                                         stateful_step_count=60))
