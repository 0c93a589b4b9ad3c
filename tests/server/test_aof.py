"""The append only file: loading (truncated, bad, old), rewrites, CONFIG SET appendonly, INFO."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from respclient import RawClient
from serverproc import free_port, start_pyredis

AOF = ("--appendonly", "yes", "--aof-use-rdb-preamble", "no")
MANIFEST = b"file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
SELECT0 = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
SET_A = b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
MULTI = b"*1\r\n$5\r\nMULTI\r\n"
SET_B = b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n"
CUT = b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$2\r\n1"


def _aof_dir(incr, base=b""):
    """A data dir holding a manifest, ``base`` and ``incr``."""
    d = tempfile.mkdtemp(prefix="pyredis-aof-")
    os.mkdir(os.path.join(d, "appendonlydir"))
    for name, data in (("appendonly.aof.manifest", MANIFEST), ("appendonly.aof.1.base.aof", base),
                       ("appendonly.aof.1.incr.aof", incr)):
        with open(os.path.join(d, "appendonlydir", name), "wb") as f:
            f.write(data)
    return d


def _incr_path(d, n=1):
    return os.path.join(d, "appendonlydir", "appendonly.aof.%d.incr.aof" % n)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _start_fails(d, *args):
    """Run a server that must refuse to start; its exit code and log."""
    argv = [sys.executable, "-m", "pyredis", "--port", str(free_port()), "--save", ""] + list(AOF) + list(args)
    proc = subprocess.run(argv, cwd=d, capture_output=True, timeout=30)
    return proc.returncode, proc.stdout.decode("latin-1")


def _wait_for(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _info(c):
    text = c.cmd("INFO", "persistence").decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


@pytest.fixture
def running():
    """``running(*args, cwd=None)`` starts a pyredis with the AOF on; all stop at the end."""
    procs, clients = [], []

    def start(*args, cwd=None):
        proc = start_pyredis(*(AOF + args), cwd=cwd)
        procs.append(proc)
        c = RawClient(proc.port)
        clients.append(c)
        return proc, c
    yield start
    for c in clients:
        c.close()
    for p in procs:
        p.stop()


# ---- loading ------------------------------------------------------------------------------------
def test_truncated_tail_is_cut_at_the_last_whole_command(running):
    d = _aof_dir(SELECT0 + SET_A + MULTI + SET_B + CUT)
    proc, c = running(cwd=d)
    assert c.cmd("GET", "a") == b"$1\r\n1\r\n"
    # The transaction never reached its EXEC: nothing of it applies.
    assert c.cmd("EXISTS", "b") == b":0\r\n"
    log = proc.log()
    assert "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!" in log
    assert "!!! Truncating the AOF appendonly.aof.1.incr.aof at offset 92 !!!" in log
    assert "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled" in log
    assert "DB loaded from incr file appendonly.aof.1.incr.aof" in log
    c.cmd("SET", "after", "x")
    assert _wait_for(lambda: _read(_incr_path(d)).startswith(SELECT0 + SET_A + MULTI + SET_B)
                     and _read(_incr_path(d)).endswith(b"$5\r\nafter\r\n$1\r\nx\r\n"))


def test_truncated_tail_refused_without_aof_load_truncated():
    d = _aof_dir(SELECT0 + SET_A + CUT)
    code, log = _start_fails(d, "--aof-load-truncated", "no")
    assert code == 1
    assert ("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: "
            "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
            "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and "
            "restart the server.") in log
    assert _read(_incr_path(d)) == SELECT0 + SET_A + CUT


def test_multi_without_exec_at_the_end_is_reverted(running):
    d = _aof_dir(SELECT0 + SET_A + MULTI + SET_B)
    proc, c = running(cwd=d)
    assert c.cmd("EXISTS", "a", "b") == b":1\r\n"
    assert "Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof" in proc.log()
    assert "Truncating the AOF appendonly.aof.1.incr.aof at offset 50 !!!" in proc.log()


def test_bad_format_refuses_to_start():
    code, log = _start_fails(_aof_dir(SELECT0 + b"garbage\r\n"))
    assert code == 1
    assert ("Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of "
            "your AOF file, then use ./redis-check-aof --fix <filename.manifest>") in log


def test_unknown_command_refuses_to_start():
    code, log = _start_fails(_aof_dir(SELECT0 + b"*1\r\n$4\r\nNOPE\r\n"))
    assert code == 1
    assert "Unknown command 'NOPE' reading the append only file appendonly.aof.1.incr.aof" in log


def test_transaction_and_annotations_load(running):
    d = _aof_dir(SELECT0 + b"#TS:1700000000\r\n" + MULTI + SET_A + SET_B + b"*1\r\n$4\r\nEXEC\r\n",
                 base=SELECT0 + b"*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nx\r\n")
    proc, c = running(cwd=d)
    assert c.cmd("EXISTS", "a", "b", "l") == b":3\r\n"
    assert "DB loaded from base file appendonly.aof.1.base.aof" in proc.log()
    assert "Opening AOF incr file appendonly.aof.1.incr.aof on server start" in proc.log()


# ---- writing ------------------------------------------------------------------------------------
def test_restart_keeps_everything(running):
    proc, c = running()
    c.cmd("SET", "k", "v", "EX", "1000")
    c.cmd("RPUSH", "l", "a", "b")
    c.cmd("SELECT", "5")
    c.cmd("HSET", "h", "f", "v")
    proc.stop()
    assert "Calling fsync() on the AOF file." in proc.log()
    again, c2 = running(cwd=proc.cwd)
    assert c2.cmd("GET", "k") == b"$1\r\nv\r\n"
    assert 990 <= int(c2.cmd("TTL", "k")[1:]) <= 1000
    assert c2.cmd("LRANGE", "l", "0", "-1") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    c2.cmd("SELECT", "5")
    assert c2.cmd("HGET", "h", "f") == b"$1\r\nv\r\n"


def test_blocked_client_served_later_propagates_its_pop(running):
    proc, c = running()
    waiter = RawClient(proc.port)
    try:
        waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
        assert _wait_for(lambda: b"blocked_clients:1" in c.cmd("INFO", "clients"))
        c.cmd("LPUSH", "q", "x")
        assert waiter.read_reply() == b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n"
    finally:
        waiter.close()
    expected = (SELECT0 + b"*3\r\n$5\r\nLPUSH\r\n$1\r\nq\r\n$1\r\nx\r\n" + b"*2\r\n$4\r\nLPOP\r\n$1\r\nq\r\n")
    assert _wait_for(lambda: _read(_incr_path(proc.cwd)) == expected)


def test_expiry_propagates_unlink_with_lazyfree_lazy_expire(running):
    proc, c = running("--lazyfree-lazy-expire", "yes")
    c.cmd("SET", "gone", "1", "PX", "10")
    assert _wait_for(lambda: _read(_incr_path(proc.cwd)).endswith(b"*2\r\n$6\r\nUNLINK\r\n$4\r\ngone\r\n"))
    assert _info(c)["rdb_changes_since_last_save"] == "1"


def test_timestamp_annotations(running):
    proc, c = running("--aof-timestamp-enabled", "yes")
    c.cmd("SET", "a", "1")
    data = _read(_incr_path(proc.cwd))
    assert re.match(rb"#TS:\d+\r\n\*2\r\n\$6\r\nSELECT", data)
    if shutil.which("redis-check-aof"):
        check = subprocess.run(["redis-check-aof", os.path.join(proc.cwd, "appendonlydir",
                                                                "appendonly.aof.manifest")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
    proc.stop()
    _, c2 = running(cwd=proc.cwd)
    assert c2.cmd("GET", "a") == b"$1\r\n1\r\n"


def test_info_persistence_fields(running):
    proc, c = running()
    c.cmd("SET", "a", "1")
    info = _info(c)
    assert info["aof_enabled"] == "1"
    assert int(info["aof_current_size"]) == os.path.getsize(_incr_path(proc.cwd))
    assert info["aof_base_size"] == "0"
    for field in ("aof_pending_rewrite", "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync"):
        assert info[field] == "0"
    assert c.cmd("CONFIG", "SET", "appendonly", "no") == b"+OK\r\n"
    info = _info(c)
    assert info["aof_enabled"] == "0"
    assert "aof_current_size" not in info


def test_bgrewriteaof_then_history_is_removed(running):
    proc, c = running()
    c.cmd("RPUSH", "l", *[str(i) for i in range(100)])
    assert c.cmd("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
    assert _wait_for(lambda: _info(c)["aof_rewrites"] == "1"
                     and _info(c)["aof_rewrite_in_progress"] == "0")
    c.cmd("SET", "after", "1")
    d = os.path.join(proc.cwd, "appendonlydir")
    assert sorted(os.listdir(d)) == ["appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof",
                                     "appendonly.aof.manifest"]
    base = _read(os.path.join(d, "appendonly.aof.2.base.aof"))
    # 64 elements a command, as Redis's AOF_REWRITE_ITEMS_PER_CMD.
    assert base.count(b"RPUSH") == 2 and base.startswith(SELECT0 + b"*66\r\n$5\r\nRPUSH\r\n")
    assert _info(c)["aof_base_size"] == str(len(base))
    log = proc.log()
    assert "Background append only file rewriting started by pid" in log
    assert "Removing the history file appendonly.aof.1.incr.aof in the background" in log
    assert "Background AOF rewrite finished successfully" in log
    proc.stop()
    _, c2 = running(cwd=proc.cwd)
    assert c2.cmd("LLEN", "l") == b":100\r\n"
    assert c2.cmd("GET", "after") == b"$1\r\n1\r\n"


def test_automatic_rewrite_on_growth(running):
    proc, c = running("--auto-aof-rewrite-min-size", "1kb", "--auto-aof-rewrite-percentage", "100")
    for i in range(40):
        c.cmd("SET", "key%d" % i, "x" * 40)
    assert _wait_for(lambda: _info(c)["aof_rewrites"] == "1"
                     and _info(c)["aof_rewrite_in_progress"] == "0")
    assert re.search(r"Starting automatic rewriting of AOF on \d+% growth", proc.log())


def test_config_set_appendonly_at_run_time():
    proc = start_pyredis()
    c = RawClient(proc.port)
    try:
        c.cmd("SET", "before", "1")
        assert c.cmd("CONFIG", "SET", "appendonly", "yes") == b"+OK\r\n"
        c.cmd("SET", "during", "2")
        assert _wait_for(lambda: _info(c)["aof_rewrites"] == "1"
                     and _info(c)["aof_rewrite_in_progress"] == "0")
        c.cmd("SET", "after", "3")
        d = os.path.join(proc.cwd, "appendonlydir")
        # aof-use-rdb-preamble yes (the default): the base is an RDB file.
        assert _read(os.path.join(d, "appendonly.aof.manifest")) == MANIFEST.replace(
            b"base.aof", b"base.rdb")
        base = _read(os.path.join(d, "appendonly.aof.1.base.rdb"))
        assert base.startswith(b"REDIS0010") and b"before" in base
        incr = _read(os.path.join(d, "appendonly.aof.1.incr.aof"))
        assert b"during" in incr and b"after" in incr and b"before" not in incr
        assert c.cmd("CONFIG", "SET", "appendonly", "no") == b"+OK\r\n"
        c.cmd("SET", "off", "4")
        time.sleep(0.2)
        assert b"off" not in _read(os.path.join(d, "appendonly.aof.1.incr.aof"))
    finally:
        c.close()
        proc.stop()
    again = start_pyredis("--appendonly", "yes", cwd=proc.cwd)
    c = RawClient(again.port)
    try:
        assert c.cmd("EXISTS", "before", "during", "after", "off") == b":3\r\n"
    finally:
        c.close()
        again.stop()


# ---- durability ---------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("rewriting", [False, True], ids=["plain", "during-bgrewriteaof"])
def test_kill_9_under_load_loses_no_acknowledged_write(rewriting):
    proc = start_pyredis(*AOF, "--appendfsync", "always")
    acked = {}
    stop = threading.Event()

    def writer(n):
        c = RawClient(proc.port)
        i = 0
        try:
            while not stop.is_set():
                key = "w%d:%d" % (n, i)
                if c.cmd("SET", key, str(i)) == b"+OK\r\n":
                    acked[key] = str(i).encode()
                i += 1
        except (OSError, ConnectionError):
            pass
        finally:
            c.close()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    if rewriting:
        # Rewrites one after the other, so the kill lands in one at a random moment.
        admin = RawClient(proc.port)
        deadline = time.time() + 2.0
        while time.time() < deadline:
            admin.cmd("BGREWRITEAOF")
            time.sleep(0.05)
        admin.close()
    else:
        time.sleep(2.0)
    os.kill(proc.proc.pid, signal.SIGKILL)
    proc.proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > 100
    again = start_pyredis(*AOF, cwd=proc.cwd)
    c = RawClient(again.port)
    try:
        for key, value in acked.items():
            assert c.cmd("GET", key) == b"$%d\r\n%s\r\n" % (len(value), value), key
    finally:
        c.close()
        again.stop()
