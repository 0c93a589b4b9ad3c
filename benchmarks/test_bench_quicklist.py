"""QuickList: compiled twin against pure twin, side by side, one group per
operation.

Run with ``python -m pytest benchmarks/test_bench_quicklist.py --benchmark-only``.
Pushes and pops go through bound methods one element at a time, as the list
commands call them; index and range work on a 1M-element list of 8-byte
values at the default fill (-2), about 1200 nodes.
"""

import pytest

import twin_import

BATCH = 10_000
BIG = 1_000_000
VALUES = [b"%08d" % i for i in range(BATCH)]
KINDS = ["cython", "python"]


def import_twin(kind):
    return twin_import.import_twin("quicklist", kind)


@pytest.fixture(scope="module", params=KINDS)
def big_list(request):
    q = import_twin(request.param).QuickList()
    q.extend_tail(b"%08d" % i for i in range(BIG))
    return q


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("end", ["head", "tail"])
def test_push(benchmark, kind, end):
    benchmark.group = "quicklist: push_%s x %d" % (end, BATCH)
    cls = import_twin(kind).QuickList

    def run():
        q = cls()
        push = getattr(q, "push_" + end)
        for v in VALUES:
            push(v)
        return q

    assert len(benchmark(run)) == BATCH


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("end", ["head", "tail"])
def test_pop(benchmark, kind, end):
    benchmark.group = "quicklist: pop_%s x %d" % (end, BATCH)
    cls = import_twin(kind).QuickList

    def setup():
        q = cls()
        q.extend_tail(VALUES)
        return (getattr(q, "pop_" + end),), {}

    def run(pop):
        for _ in range(BATCH):
            pop()

    benchmark.pedantic(run, setup=setup, rounds=200, warmup_rounds=2)


def test_index_middle_of_1m(benchmark, big_list):
    benchmark.group = "quicklist: index at the middle of 1M"
    assert benchmark(big_list.index, BIG // 2) == b"%08d" % (BIG // 2)


def test_range_100_middle_of_1m(benchmark, big_list):
    benchmark.group = "quicklist: range of 100 at the middle of 1M"
    out = benchmark(big_list.range, BIG // 2, BIG // 2 + 99)
    assert out == [b"%08d" % i for i in range(BIG // 2, BIG // 2 + 100)]


def test_encode_range_100_middle_of_1m(benchmark, big_list):
    benchmark.group = "quicklist: LRANGE's reply of 100 at the middle of 1M"
    out = benchmark(big_list.encode_range, BIG // 2, BIG // 2 + 99)
    assert out == b"*100\r\n" + b"".join(b"$8\r\n%08d\r\n" % i for i in range(BIG // 2, BIG // 2 + 100))
