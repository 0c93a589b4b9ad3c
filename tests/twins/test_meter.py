"""Command meter twins (meter.pyx and meter_py.py).

Both must count calls, sum their nanoseconds and sort their durations into
the same histogram (one by one below 256 microseconds, by their top eight
bits above) for any sequence of recorded calls, resets and counts of calls
served after blocking; a stopwatch's laps must each be recorded as a call.
"""
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def state(meter):
    return meter.calls, meter.ns, meter.usec, meter.tracked, meter.durations()


def outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def test_a_new_meter_is_empty(meter):
    m = meter.Meter()
    assert state(m) == (0, 0, 0, False, [])


def test_fine_and_coarse_durations(meter):
    m = meter.Meter()
    durations = (0, 999, 1000, 255_999, 256_000, 300_000, 301_999, 12_345_678_901)
    assert [m.record(ns) for ns in durations] == [0, 0, 1, 255, 256, 300, 301, 12_345_678]
    # 12345678 us keeps its top eight bits: 12345678 >> 16 << 16.
    assert m.durations() == [(0, 2), (1, 1), (255, 1), (256, 1), (300, 2),
                             (12345678 >> 16 << 16, 1)]
    assert m.calls == 8 and m.ns == sum(durations) and m.usec == sum(durations) // 1000


def test_uncounted_and_untracked_calls(meter):
    m = meter.Meter()
    # A call that blocked adds its time only; latency-tracking off keeps the histogram.
    assert m.record(5000, False, True) == 5
    assert state(m) == (0, 5000, 5, False, [])
    assert m.record(7000, True, False) == 7
    assert state(m) == (1, 12000, 12, False, [])
    m.calls += 1
    assert m.record(3000) == 3 and state(m) == (3, 15000, 15, True, [(3, 1)])
    m.reset()
    assert state(m) == (0, 0, 0, False, [])


def test_a_negative_duration_is_refused(meter_twins):
    results = [outcome(mod.Meter().record, -1) for mod in meter_twins]
    assert results[0] == results[1] == ("ValueError", "a duration is not negative")


def test_laps_are_calls(meter):
    m = meter.Meter()
    watch = meter.Stopwatch()
    watch.start()
    before = time.perf_counter_ns()
    time.sleep(0.002)
    us = watch.lap(m, True)
    elapsed = time.perf_counter_ns() - before
    assert 2000 <= us <= elapsed // 1000 + 1
    assert m.calls == 1 and m.tracked and sum(n for _, n in m.durations()) == 1
    # The next lap starts where this one ended; latency off leaves the histogram.
    second = watch.lap(m, False)
    assert 0 <= second < 2000 and m.calls == 2 and sum(n for _, n in m.durations()) == 1


OPS = st.lists(st.one_of(
    st.tuples(st.just("record"), st.integers(0, 1 << 40), st.booleans(), st.booleans()),
    st.tuples(st.just("record"), st.integers(0, 600_000), st.booleans(), st.booleans()),
    st.tuples(st.just("served")),
    st.tuples(st.just("reset")),
), max_size=60)


@settings(max_examples=300, deadline=None)
@given(ops=OPS)
def test_twins_agree(meter_twins, ops):
    seen = []
    for mod in meter_twins:
        m = mod.Meter()
        results = []
        for op in ops:
            if op[0] == "record":
                results.append(m.record(*op[1:]))
            elif op[0] == "served":
                m.calls += 1
            else:
                m.reset()
            results.append(state(m))
        seen.append(results)
    assert seen[0] == seen[1]


@pytest.mark.parametrize("latency", [True, False])
def test_stopwatch_twins_record_alike(meter_twins, latency):
    seen = []
    for mod in meter_twins:
        m = mod.Meter()
        watch = mod.Stopwatch()
        laps = [watch.lap(m, latency) for _ in range(100)]
        seen.append((m.calls, m.tracked, min(laps) >= 0, m.ns // 1000 >= sum(laps),
                     sum(n for _, n in m.durations())))
    assert seen[0] == seen[1] == (100, latency, True, True, 100 if latency else 0)
