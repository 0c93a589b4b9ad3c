"""A short differential fuzz run (fixed seed) and the shrunk cases earlier runs found.

The long run is ``python -m tests.fuzz --minutes N`` (see tests/fuzz).
"""
import pytest

from fuzz.__main__ import commands_with_runs, implemented_commands
from fuzz.generator import Generator
from fuzz.runner import Side, load_cases, run

SEED = 20261205
SEQUENCES = 400


@pytest.fixture(scope="module")
def sides(server, real_redis):
    return Side(server.port), Side(real_redis.port)


def test_fixed_seed_run(sides):
    gen = Generator(SEED, implemented_commands())
    for _ in range(SEQUENCES):
        run(*sides, gen.sequence(20))


def test_fixed_seed_run_through_scripts(server, real_redis):
    # Every command as redis.pcall of a cached script: Lua's conversions both ways.
    gen = Generator(SEED + 1, implemented_commands())
    sides = Side(server.port, scripts=True), Side(real_redis.port, scripts=True)
    for _ in range(SEQUENCES // 2):
        run(*sides, gen.sequence(20))


def test_fixed_seed_run_pipelined(sides):
    # Each sequence in one write, the commands that have a run repeated.
    gen = Generator(SEED + 2, implemented_commands())
    repeat = [n for n in commands_with_runs() if n in gen.specs]
    for _ in range(SEQUENCES // 2):
        run(*sides, gen.sequence(20, repeat), pipeline=True)


@pytest.mark.parametrize("case", load_cases() or [[b"PING"]])
def test_regression_case(sides, case):
    # Each way: one request at a time, and in one write (what --pipeline found).
    run(*sides, case)
    run(*sides, case, pipeline=True)
