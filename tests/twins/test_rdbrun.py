"""rdbrun twins (rdbrun.pyx and rdbrun_py.py): runs of plain string records stored in one call.

Both twins must store the same keys, call back for the same keys in the same
order and stop at the same offset, on well-formed runs and on any bytes.
"""
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import sibling


def record(key, value):
    return b"\x00" + bytes((len(key),)) + key + bytes((len(value),)) + value


def run(module, data, pos=0, limit=None, keyspace=None, slots=True):
    keyspace = sibling(module, "keytable").KeyTable(keyspace)
    created, slotted = [], []
    result = module.load_strings(data, pos, len(data) if limit is None else limit, keyspace,
                                 created.append, slotted.append if slots else None)
    return result, keyspace, created, slotted


def test_a_run_stops_before_other_records(rdbrun):
    data = record(b"k1", b"v1") + record(b"k2", b"") + b"\xfc" + b"\x00" * 8 + record(b"k3", b"v3")
    (pos, count), keyspace, created, slotted = run(rdbrun, data)
    assert (pos, count) == (len(record(b"k1", b"v1") + record(b"k2", b"")), 2)
    assert keyspace == {b"k1": b"v1", b"k2": b""}
    assert created == slotted == [b"k1", b"k2"]


def test_a_run_stops_at_a_key_already_there_or_a_long_string(rdbrun):
    data = record(b"a", b"1") + record(b"b", b"2")
    assert run(rdbrun, data, keyspace={b"b": b"old"})[0] == (len(record(b"a", b"1")), 1)
    long_value = b"\x00\x01k\x40\x40" + b"x" * 64
    assert run(rdbrun, long_value)[0] == (0, 0)


def test_a_run_stops_at_the_limit_and_at_a_truncated_record(rdbrun):
    one = record(b"a", b"1")
    data = one + record(b"b", b"1") + record(b"c", b"1")
    assert run(rdbrun, data, limit=len(one) + 1)[0] == (2 * len(one), 2)
    assert run(rdbrun, data[:-1])[0] == (2 * len(one), 2)
    (pos, count), _, created, slotted = run(rdbrun, data, slots=False)
    assert (pos, count, slotted) == (len(data), 3, [])


KEYS = st.binary(max_size=70)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(KEYS, KEYS), max_size=12), tail=st.binary(max_size=12),
       cut=st.integers(0, 2000), start=st.integers(0, 20), limit=st.integers(0, 2000),
       present=st.lists(KEYS, max_size=3))
def test_runs_alike(rdbrun_twins, pairs, tail, cut, start, limit, present):
    compiled, pure = rdbrun_twins
    data = b"".join(b"\x00" + bytes((len(k),)) + k + bytes((len(v),)) + v for k, v in pairs) + tail
    data = data[:cut]
    keyspace = dict.fromkeys(present, b"x")
    assert run(compiled, data, start, limit, keyspace) == run(pure, data, start, limit, keyspace)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=80))
def test_random_bytes_alike(rdbrun_twins, data):
    compiled, pure = rdbrun_twins
    assert run(compiled, data) == run(pure, data)


def save(module, data, expires, flush_bytes):
    chunks, others = [], []

    def other(key, value):
        others.append(key)
        return b"<%s>" % key

    data = sibling(module, "keytable").KeyTable(data)
    keys = module.save_keys(data, expires, other, chunks.append, flush_bytes)
    return keys, chunks, others


def test_save_writes_plain_strings_raw_and_asks_for_the_rest(rdbrun):
    data = {b"k": b"v", b"1": b"v", b"k2": b"-1", b"x" * 21: b"v", b"h": {b"f": b"v"}, b"e": b"w"}
    keys, chunks, others = save(rdbrun, data, {b"e": -2, b"h": 1 << 40}, 1 << 16)
    assert keys == 6
    assert others == [b"1", b"k2", b"x" * 21, b"h"]
    assert b"".join(chunks) == (b"\x00\x01k\x01v" + b"<1><k2><" + b"x" * 21 + b">"
                                + b"\xfc" + (1 << 40).to_bytes(8, "little") + b"<h>"
                                + b"\xfc" + b"\xfe" + b"\xff" * 7 + b"\x00\x01e\x01w")


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(KEYS, st.one_of(KEYS, st.integers(0, 3)), max_size=20),
       expiring=st.lists(st.tuples(KEYS, st.integers(-(1 << 63), (1 << 63) - 1)), max_size=5),
       flush_bytes=st.integers(1, 200))
def test_save_alike(rdbrun_twins, data, expiring, flush_bytes):
    compiled, pure = rdbrun_twins
    expires = dict(expiring)
    assert save(compiled, data, expires, flush_bytes) == save(pure, data, expires, flush_bytes)
