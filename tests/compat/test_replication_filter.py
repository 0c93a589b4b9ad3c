"""REPLCONF rdb-filter-only: an RDB with the functions only (redis-cli --functions-rdb), or nothing.

The RDB after the aux fields (functions, no data, EOF) is compared byte for
byte with redis-server's; the aux fields differ in ctime, used-mem and the
replication ID only.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from replstream import StreamReader
from respclient import RawClient
from serverproc import start_pyredis, start_redis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")

LIB = "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)"


@pytest.fixture(params=["yes", "no"], ids=["diskless", "disk"])
def servers(request):
    procs = [start(*("--repl-diskless-sync", request.param, "--repl-diskless-sync-delay", "0"))
             for start in (start_pyredis, start_redis)]
    for proc in procs:
        c = RawClient(proc.port)
        c.cmd("FUNCTION", "LOAD", LIB)
        c.cmd("SET", "k", "v")
        c.cmd("RPUSH", "l", "a", "b")
        c.close()
    yield procs
    for proc in procs:
        proc.stop()


def after_aux(rdb):
    """The RDB from the end of its aux fields (aof-base is the last) to its checksum."""
    at = rdb.index(b"aof-base") + len(b"aof-base") + 2
    return rdb[at:-8]


def test_functions_rdb_matches_redis_cli_against_redis(servers):
    out = []
    for proc in servers:
        path = os.path.join(tempfile.mkdtemp(prefix="functions-rdb-"), "functions.rdb")
        done = subprocess.run(["redis-cli", "-p", str(proc.port), "--functions-rdb", path],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        check = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True)
        assert "RDB looks OK" in check.stdout and "0 keys read" in check.stdout
        with open(path, "rb") as f:
            out.append(after_aux(f.read()))
    assert out[0] == out[1]
    assert out[0].startswith(b"\xf5") and b"mylib" in out[0] and out[0].endswith(b"\xff")


@pytest.mark.parametrize("filters", ["", "FUNCTIONS"])
def test_filtered_sync_then_a_full_one(servers, filters):
    """A filtered replica gets an RDB without the data; a plain replica right after it gets the data."""
    out = []
    for proc in servers:
        r = StreamReader(proc.port, capa=("eof",), rdb_filter=filters)
        plain = StreamReader(proc.port, capa=("eof",))
        assert b"\x00\x01k\x01v" in plain.rdb
        out.append((r.reply.split()[0], after_aux(r.rdb)))
        r.close()
        plain.close()
    assert out[0] == out[1]
    assert (b"mylib" in out[0][1]) == bool(filters)


def test_filter_errors(servers):
    replies = []
    for proc in servers:
        c = RawClient(proc.port)
        replies.append([c.cmd("REPLCONF", "rdb-filter-only", "functions keys"),
                        c.cmd("REPLCONF", "rdb-filter-only", ""),
                        c.cmd("SYNC")])
        c.close()
    assert replies[0] == replies[1]
    assert replies[0][2].startswith(b"-ERR")
