"""Command meter: compiled twin against pure twin, side by side.

Run with ``python -m pytest benchmarks/test_bench_meter.py --benchmark-only``.
A round is what a pipelined run of 1000 requests costs the loop in
bookkeeping: one stopwatch lap per request, recorded with latency tracking on.
"""
import pytest

import twin_import


@pytest.mark.benchmark(group="meter: 1000 laps recorded")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_laps(benchmark, kind):
    mod = twin_import.import_twin("meter", kind)
    meter = mod.Meter()
    lap = mod.Stopwatch().lap

    def laps():
        for _ in range(1000):
            lap(meter, True)

    benchmark(laps)
    assert meter.calls >= 1000 and meter.tracked
