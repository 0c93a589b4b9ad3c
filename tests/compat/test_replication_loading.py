"""A replica loading its master's RDB: other clients get -LOADING meanwhile, and a bad RDB fails as Redis.

The load is slowed down with key-load-delay (as Redis's own tests do), so the
replies given during it can be compared with a redis-server replica's.
"""
import os
import re
import shutil
import time

import pytest

from fakemaster import FakeMaster
from respclient import RawClient, parse
from serverproc import start_pyredis, start_redis

from compat.test_replication_replica import DEBUG, assert_same_data, info, wait_for

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed")

SLOW_LOAD = ("--key-load-delay", "2000", "--loading-process-events-interval-bytes", "1024")
STARTERS = {"redis": start_redis, "pyredis": start_pyredis}


@pytest.fixture(scope="module")
def master():
    proc = start_redis(*DEBUG, "--repl-diskless-sync-delay", "0")
    client = RawClient(proc.port)
    client.cmd("DEBUG", "POPULATE", "1500")
    client.cmd("RPUSH", "list", "a", "b", "c")
    yield proc, client
    client.close()
    proc.stop()


def loading(client):
    return info(client, "persistence").get("loading") == "1"


def replies_while_loading(kind, mport, load_mode):
    proc = STARTERS[kind](*DEBUG, *SLOW_LOAD, "--repl-diskless-load", load_mode)
    c = RawClient(proc.port)
    try:
        if load_mode != "on-empty-db":
            c.cmd("SET", "old", "data")
        assert c.cmd("REPLICAOF", "127.0.0.1", mport) == b"+OK\r\n"
        wait_for(lambda: loading(c), what="the load to start")
        got = [c.cmd("GET", "key:1"), c.cmd("PING"), c.cmd("REPLICAOF", "NO", "ONE"),
               c.cmd("SET", "x", "1"), c.cmd("ROLE")]
        fields = info(c)
        got.append({k: fields[k] for k in ("role", "master_link_status", "master_sync_in_progress",
                                           "slave_read_repl_offset", "slave_repl_offset")})
        persistence = info(c, "persistence")
        got.append((persistence["loading"], persistence["loading_total_bytes"] != "0"))
        # swapdb keeps the old data until the new set has loaded (the others show a partial count).
        if load_mode == "swapdb":
            got.append(parse(c.cmd("INFO", "keyspace")))
        wait_for(lambda: not loading(c), timeout=60, what="the load to end")
        wait_for(lambda: info(c)["master_link_status"] == "up", what="the link")
        got.append(c.cmd("DBSIZE"))
        return got
    finally:
        c.close()
        proc.stop()


@pytest.mark.parametrize("load_mode", ["disabled", "on-empty-db", "swapdb"])
def test_clients_get_loading_while_the_replica_loads(master, load_mode):
    mproc, m = master
    ours = replies_while_loading("pyredis", mproc.port, load_mode)
    theirs = replies_while_loading("redis", mproc.port, load_mode)
    assert ours == theirs
    assert ours[0] == b"-LOADING Redis is loading the dataset in memory\r\n"
    assert ours[-1] == b":1501\r\n"


def test_loaded_replica_follows_the_stream(master):
    mproc, m = master
    proc = start_pyredis(*DEBUG, *SLOW_LOAD)
    r = RawClient(proc.port)
    try:
        r.cmd("REPLICAOF", "127.0.0.1", mproc.port)
        wait_for(lambda: loading(r), what="the load to start")
        # Writes made during the load reach the replica after it.
        m.cmd("SET", "during", "load")
        m.cmd("LPUSH", "list", "z")
        assert_same_data(m, r)
        assert r.cmd("GET", "during") == b"$4\r\nload\r\n"
        m.cmd("DEL", "during")
        m.cmd("RPOP", "list")
        assert_same_data(m, r)
    finally:
        r.close()
        proc.stop()


def corrupt_rdb():
    """A redis-server dump whose list has a broken listpack (found by integrity checks)."""
    proc = start_redis(*DEBUG)
    c = RawClient(proc.port)
    try:
        c.cmd("RPUSH", "mylist", "a", "b", "c")
        c.cmd("SET", "k", "v")
        c.cmd("SAVE")
        with open(proc.cwd + "/dump.rdb", "rb") as f:
            data = bytearray(f.read())
    finally:
        c.close()
        proc.stop()
    at = data.index(b"mylist") + len(b"mylist") + 3
    data[at:at + 9] = b"\xff" * 9
    return bytes(data)


def run_replica_of(kind, fake, load_mode, wait=4.0):
    proc = STARTERS[kind](*DEBUG, "--sanitize-dump-payload", "yes", "--repl-diskless-load", load_mode)
    c = RawClient(proc.port)
    c.sock.sendall(b"REPLICAOF 127.0.0.1 %d\r\n" % fake.port)
    deadline = time.time() + wait
    while time.time() < deadline and proc.proc.poll() is None:
        time.sleep(0.05)
    code = proc.proc.poll()
    log = proc.log()
    c.close()
    proc.stop()
    return code, log


@pytest.mark.parametrize("eof,load_mode", [(False, "disabled"), (True, "on-empty-db")])
def test_corrupt_rdb_from_master_terminates_the_replica(eof, load_mode):
    payload = corrupt_rdb()
    for kind in ("redis", "pyredis"):
        fake = FakeMaster(payload, eof=eof)
        try:
            code, log = run_replica_of(kind, fake, load_mode)
        finally:
            fake.close()
        assert code == 1, (kind, log)
        assert "Terminating server after rdb file reading failure." in log, kind
        assert ("Failure loading rdb format" in log) == eof, kind


@pytest.mark.parametrize("load_mode", ["disabled", "swapdb"])
def test_bad_signature_from_master_is_retried(load_mode):
    where = "disk" if load_mode == "disabled" else "socket"
    for kind in ("redis", "pyredis"):
        fake = FakeMaster(b"NOTREDIS00" + b"\x00" * 20)
        try:
            code, log = run_replica_of(kind, fake, load_mode, wait=2.5)
            syncs = sum(1 for argv in fake.commands if argv[0].lower() == b"psync")
        finally:
            fake.close()
        assert code is None, (kind, log)
        assert "Wrong signature trying to load DB from file" in log, kind
        assert "Failed trying to load the MASTER synchronization DB from %s: Invalid argument" % where in log
        assert ("Discarding temporary DB in background" in log) == (load_mode == "swapdb"), kind
        assert syncs >= 2, kind


def test_swapdb_load_swaps_at_the_end(master):
    mproc, m = master
    proc = start_pyredis(*DEBUG, "--repl-diskless-load", "swapdb")
    c = RawClient(proc.port)
    try:
        c.cmd("SET", "old", "data")
        c.cmd("REPLICAOF", "127.0.0.1", mproc.port)
        assert_same_data(m, c)
        assert c.cmd("GET", "old") == b"$-1\r\n"
        log = proc.log()
        at = [log.index(line) for line in (
            "Done loading RDB", "Discarding previously cached master state.",
            "MASTER <-> REPLICA sync: Swapping active DB with loaded DB",
            "MASTER <-> REPLICA sync: Discarding old DB in background",
            "MASTER <-> REPLICA sync: Finished with success")]
        assert at == sorted(at)
        assert "Flushing old data" not in log
        m.cmd("SET", "after", "swap")
        assert_same_data(m, c)
    finally:
        c.close()
        proc.stop()


@pytest.mark.parametrize("load_mode", ["swapdb", "disabled"])
def test_loading_progress_from_the_rdb_used_mem(master, load_mode):
    """INFO persistence during a load: from a socket no total is known, so the RDB's used-mem
    aux field stands in for it (capped at 99.99%); from a file the size counts."""
    mproc, m = master
    for kind in ("redis", "pyredis"):
        proc = STARTERS[kind](*DEBUG, *SLOW_LOAD, "--repl-diskless-load", load_mode)
        c = RawClient(proc.port)
        try:
            c.cmd("REPLICAOF", "127.0.0.1", mproc.port)
            wait_for(lambda: loading(c), what="the load to start")
            wait_for(lambda: int(info(c, "persistence").get("loading_loaded_bytes", 0)) > 0,
                     what="some progress")
            f = info(c, "persistence")
            used, total, loaded = (int(f[k]) for k in ("loading_rdb_used_mem", "loading_total_bytes",
                                                       "loading_loaded_bytes"))
            # The master's used memory when it forked: about a megabyte for 1500 small keys.
            assert 500000 < used < 5000000, (kind, f)
            if load_mode == "swapdb":
                assert total == 0, kind
                assert f["loading_loaded_perc"] == "%.2f" % min(loaded * 100.0 / used, 99.99), kind
            else:
                assert total > 0, kind
                assert f["loading_loaded_perc"] == "%.2f" % (loaded * 100.0 / total), kind
            assert int(f["loading_eta_seconds"]) >= 1, kind
            assert "RDB memory usage when created %.2f Mb" % (used / (1024 * 1024)) in proc.log(), kind
        finally:
            c.close()
            proc.stop()


# Callable with FCALL_RO on a read-only replica.
FUNCTION_LIB = ("#!lua name=%s\nredis.register_function{function_name='%s', "
                "callback=function() return '%s' end, flags={'no-writes'}}")


def library_names(c):
    return sorted(re.findall(rb"library_name\r\n\$\d+\r\n(\w+)", c.cmd("FUNCTION", "LIST")))


def test_swapdb_keeps_the_functions_of_a_failed_load():
    """readSyncBulkPayload with swapdb loads the functions into a temporary context: a failed
    load leaves the replica's own functions (and data) in place."""
    for kind in ("redis", "pyredis"):
        fake = FakeMaster(b"NOTREDIS00" + b"\x00" * 20)
        proc = STARTERS[kind](*DEBUG, "--repl-diskless-load", "swapdb")
        c = RawClient(proc.port)
        try:
            c.cmd("FUNCTION", "LOAD", FUNCTION_LIB % ("mine", "f", "mine"))
            c.cmd("SET", "old", "data")
            c.cmd("REPLICAOF", "127.0.0.1", fake.port)
            wait_for(lambda: "Discarding temporary DB in background" in proc.log(), what="the failure")
            assert library_names(c) == [b"mine"], kind
            assert c.cmd("FCALL_RO", "f", "0") == b"$4\r\nmine\r\n", kind
            assert c.cmd("GET", "old") == b"$4\r\ndata\r\n", kind
        finally:
            c.close()
            proc.stop()
            fake.close()


def test_swapdb_swaps_the_functions_at_the_end(master):
    mproc, m = master
    assert m.cmd("FUNCTION", "LOAD", "REPLACE", FUNCTION_LIB % ("theirs", "g", "theirs")).startswith(b"$")
    try:
        for kind in ("redis", "pyredis"):
            proc = STARTERS[kind](*DEBUG, "--repl-diskless-load", "swapdb")
            c = RawClient(proc.port)
            try:
                c.cmd("FUNCTION", "LOAD", FUNCTION_LIB % ("mine", "f", "mine"))
                c.cmd("REPLICAOF", "127.0.0.1", mproc.port)
                assert_same_data(m, c)
                assert library_names(c) == [b"theirs"], kind
                assert c.cmd("FCALL_RO", "g", "0") == b"$6\r\ntheirs\r\n", kind
            finally:
                c.close()
                proc.stop()
    finally:
        m.cmd("FUNCTION", "DELETE", "theirs")


def async_load_replies(kind):
    """A full resync of the same history with swapdb: the old data is served while the new loads."""
    mproc = start_pyredis(*DEBUG, "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
                          "--repl-backlog-size", "16384")
    m = RawClient(mproc.port)
    proc = STARTERS[kind](*DEBUG, "--repl-diskless-load", "swapdb")
    c = RawClient(proc.port)
    try:
        m.cmd("DEBUG", "POPULATE", "1500")
        m.cmd("SET", "k", "old")
        c.cmd("REPLICAOF", "127.0.0.1", mproc.port)
        wait_for(lambda: info(c)["master_link_status"] == "up", what="the first sync")
        wait_for(lambda: c.cmd("GET", "k") == b"$3\r\nold\r\n", what="the replica to catch up")
        c.cmd("CONFIG", "SET", "key-load-delay", "2000")
        c.cmd("CONFIG", "SET", "loading-process-events-interval-bytes", "1024")
        # The link drops and the master writes past its backlog before the replica is back
        # (one pipeline: the master runs it all before it reads the replica's reconnection).
        m.sock.sendall(b"CLIENT KILL TYPE replica\r\n" + b"SET k new\r\n"
                       + b"".join(b"SET pad%d %s\r\n" % (i, b"x" * 1000) for i in range(40)))
        for _ in range(42):
            m.read_reply()
        wait_for(lambda: info(c, "persistence")["async_loading"] == "1", what="the async load")
        persistence = info(c, "persistence")
        got = [c.cmd("GET", "k"), c.cmd("DBSIZE"), c.cmd("SAVE"), c.cmd("REPLICAOF", "NO", "ONE"),
               c.cmd("PING"), persistence["loading"], persistence["async_loading"],
               "loading_total_bytes" in persistence, info(c)["master_sync_in_progress"]]
        wait_for(lambda: info(c, "persistence")["async_loading"] == "0", timeout=60, what="the load to end")
        wait_for(lambda: c.cmd("GET", "k") == b"$3\r\nnew\r\n", what="the new data")
        got.append(c.cmd("DBSIZE"))
        log = proc.log()
        got.append([line for line in ("Swapping active DB with loaded DB", "Flushing old data")
                    if line in log])
        return got
    finally:
        c.close()
        m.close()
        proc.stop()
        mproc.stop()


def test_full_resync_of_the_same_history_serves_the_old_data_while_loading():
    ours, theirs = async_load_replies("pyredis"), async_load_replies("redis")
    assert ours == theirs
    assert ours[0] == b"$3\r\nold\r\n" and ours[5:7] == ["0", "1"]
