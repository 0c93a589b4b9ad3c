"""HyperLogLog: compiled twin against pure twin, side by side.

Run with ``python -m pytest benchmarks/test_bench_hll.py --benchmark-only``.
The workloads are PFADD batches (100 elements into a sparse HLL, 1000 into a
dense one), PFCOUNT of a dense HLL, and the union of two dense HLLs.
"""
import pytest

import twin_import

SPARSE_BATCH = [b"user:%d" % i for i in range(100)]
DENSE_BATCH = [b"visitor:%08d" % i for i in range(1000)]
FILL = [b"fill:%d" % i for i in range(50000)]


def import_twin(kind):
    return twin_import.import_twin("hll", kind)


def dense_hll(module, tag=b""):
    value = module.new_sparse()
    module.to_dense(value)
    module.add(value, [tag + e for e in FILL], 3000)
    return value


@pytest.mark.benchmark(group="hll: PFADD 100 elements into a new sparse HLL")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_add_sparse(benchmark, kind):
    module = import_twin(kind)

    def add():
        value = module.new_sparse()
        return module.add(value, SPARSE_BATCH, 3000)

    assert benchmark(add) > 0


@pytest.mark.benchmark(group="hll: PFADD 1000 elements into a dense HLL")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_add_dense(benchmark, kind):
    module = import_twin(kind)
    value = dense_hll(module)
    assert benchmark(module.add, value, DENSE_BATCH, 3000) >= 0


@pytest.mark.benchmark(group="hll: PFCOUNT of a dense HLL")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_count_dense(benchmark, kind):
    module = import_twin(kind)
    value = dense_hll(module)
    assert abs(benchmark(module.count, value) - len(FILL)) < len(FILL) * 0.03


@pytest.mark.benchmark(group="hll: union of two dense HLLs (PFCOUNT a b)")
@pytest.mark.parametrize("kind", ["cython", "python"])
def test_union_dense(benchmark, kind):
    module = import_twin(kind)
    a, b = dense_hll(module, b"a"), dense_hll(module, b"b")

    def union():
        registers = bytearray(module.REGISTERS)
        module.merge(registers, a)
        module.merge(registers, b)
        return module.count_registers(registers)

    assert benchmark(union) > len(FILL)
