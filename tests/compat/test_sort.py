"""SORT and SORT_RO: pyredis and a real redis-server must answer byte for byte the same.

Inputs whose order Redis does not define (a hashtable set read without
sorting; ties between alphabetic BY weights under LIMIT) are left out.
Weights that overflow or underflow are also left out of the shared servers:
Redis leaves errno set after such a strtod and later SORTs then fail.
"""
import pytest


@pytest.fixture(autouse=True)
def clear_errno(pair):
    """Any ZADD with a float makes Redis reset errno (see the module docstring)."""
    pair.run("ZADD", "errno-reset", "1.5", "x")
    pair.run("ZREM", "errno-reset", "x")


def run_lines(pair, text):
    for line in text.strip().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            pair.run(*line.split())


def test_sort_sorted_sets(pair):
    run_lines(pair, """
    ZADD z 3 a 1 b 2 c
    SORT z ALPHA
    SORT z
    SORT z ALPHA DESC LIMIT 1 1
    ZADD zn 3 10 1 20 2 5 4 -1.5
    SORT zn
    SORT zn DESC
    SORT zn BY nosort
    SORT zn BY nosort DESC
    SORT zn BY nosort LIMIT 1 5
    SORT zn BY nosort DESC LIMIT 1 1
    SORT zn BY nosort LIMIT 5 1
    SORT zn BY nosort LIMIT 0 0
    SORT_RO zn BY nosort DESC
    """)


def test_sort_lists(pair):
    run_lines(pair, """
    RPUSH l 3 1 2 10 1.5 -1 inf -inf 0x10
    SORT l
    SORT l DESC
    SORT l LIMIT 1 2
    SORT l LIMIT 1
    SORT l LIMIT a 2
    SORT l LIMIT 1 2 foo
    SORT l STORE
    SORT l BY nosort
    SORT l BY nosort DESC
    SORT l BY nosort LIMIT 1 2
    SORT l BY nosort DESC LIMIT 1 2
    SORT l BY nosort LIMIT 10 2
    SORT l BY nosort LIMIT -1 2
    SORT l BY nosort LIMIT 0 0
    SORT l BY nosort LIMIT 0 -5
    SORT l LIMIT 2 -1
    SORT l LIMIT 20 3
    SORT l LIMIT -5 3 DESC
    RPUSH l2 a b 1
    SORT l2
    SORT l2 ALPHA
    SORT l2 BY nosort ALPHA DESC
    SET w_a 3
    SET w_b 1
    SET w_1 2
    SORT l2 BY w_*
    SORT l2 BY w_* GET # GET w_*
    SORT l2 BY w_* GET # GET w_* GET nosuch GET
    HSET h_a f 5
    HSET h_b f 7
    SORT l2 BY h_*->f GET h_*->f GET h_*->
    SORT l2 BY h_*->f ALPHA DESC
    SORT l2 BY h_*->
    SORT l2 GET # STORE dst
    LRANGE dst 0 -1
    SORT l2 ALPHA GET # GET w_* GET nosuch GET h_*->f STORE dst
    LRANGE dst 0 -1
    SORT nokey STORE dst
    EXISTS dst
    SORT_RO l2 STORE dst
    SORT_RO l2 ALPHA
    SORT_RO l2 ALPHA LIMIT 1 1 GET w_*
    SET str x
    SORT str
    SORT str foo
    SORT str LIMIT a b
    SORT l2 BY nosort GET #
    SORT l2 BY w_* LIMIT 0 1
    SORT l2 BY w_* DESC GET w_*
    SORT l2 BY nosort BY w_*
    SORT l2 BY w_* BY nosort
    SORT l2 ALPHA BY w_*->f
    SORT l2 BY h_*->f
    HSET h_1 f notnum
    SORT l2 BY h_*->f
    SORT l2 BY h_*->f ALPHA
    RPUSH ll 2 1
    SORT ll BY w_* GET # GET #
    SORT ll GET w_
    SORT ll GET w_*->
    RPUSH al b a B A aa ab
    SORT al ALPHA
    SORT al ALPHA DESC
    SORT al ALPHA STORE als
    LRANGE als 0 -1
    SORT al STORE als
    LRANGE als 0 -1
    """)
    # Weights with white space or nothing at all read as numbers, as strtod reads them.
    pair.run("RPUSH", "sp", " 4", "", "3")
    pair.run("SORT", "sp")


def test_sort_sets(pair):
    run_lines(pair, """
    SADD si 3 1 2 10
    SORT si
    SORT si DESC LIMIT 1 2
    SORT si BY nosort
    SORT si BY nosort STORE sis
    LRANGE sis 0 -1
    SORT si ALPHA
    SET w_1 9
    SORT si BY w_* GET #
    SADD sw b a c
    SORT sw ALPHA
    SORT sw BY nosort STORE sws
    LRANGE sws 0 -1
    """)


def test_sort_converts_a_listpack_sorted_set(pair):
    run_lines(pair, """
    ZADD z 1 a
    OBJECT ENCODING z
    SORT z ALPHA
    OBJECT ENCODING z
    """)
