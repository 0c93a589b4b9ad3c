"""SAVE, loading and BGSAVE of a mixed dataset, pyredis vs redis-server.

    python benchmarks/bench_persistence.py              # 1M keys
    python benchmarks/bench_persistence.py -n 200000

Both servers get the same keys (mostly small strings, some small hashes,
lists, sets and sorted sets).  Reported per server: SAVE's time, the time the
restarted server took to load that file (its own "DB loaded from disk" log
line) and the longest PING round trip another client saw while a BGSAVE ran.
Beside each time, the CPU seconds the server process spent on it (SAVE; the
load less an empty server's start-up): other work on a shared machine
stretches the wall-clock times but hardly the CPU ones.
Set PYREDIS_NO_EXTENSIONS=1 to measure the pure-Python twins.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import redis  # noqa: E402

from serverproc import start_pyredis, start_redis  # noqa: E402

BATCH = 5000


def fill(r, n):
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        kind = i % 20
        key = "key:%d" % i
        if kind < 14:
            pipe.set(key, "value:%d" % i)
        elif kind < 16:
            pipe.hset(key, mapping={"a": i, "b": "x%d" % i, "c": "y"})
        elif kind < 18:
            pipe.rpush(key, "a", i, "c", "d")
        elif kind < 19:
            pipe.sadd(key, i, i + 1, i + 2)
        else:
            pipe.zadd(key, {"m1": i, "m2": i / 3.0})
        if i % BATCH == BATCH - 1:
            pipe.execute()
    pipe.execute()


def cpu_seconds(proc):
    """User plus system CPU time the server process has used so far."""
    with open("/proc/%d/stat" % proc.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_loaded(proc):
    """The load time the server logged once it has loaded its file."""
    deadline = time.time() + 600
    while time.time() < deadline:
        m = re.search(r"DB loaded from disk: ([0-9.]+) seconds", proc.log())
        if m:
            return float(m.group(1))
        time.sleep(0.05)
    return None


def bgsave_pause(r, port):
    """The longest PING round trip of another client while a BGSAVE runs, in ms."""
    worst = [0.0]
    stop = threading.Event()

    def ping():
        other = redis.Redis(port=port)
        while not stop.is_set():
            t = time.perf_counter()
            other.ping()
            worst[0] = max(worst[0], time.perf_counter() - t)
            time.sleep(0.001)
    thread = threading.Thread(target=ping)
    thread.start()
    time.sleep(0.2)
    r.bgsave()
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        time.sleep(0.01)
    time.sleep(0.2)
    stop.set()
    thread.join()
    return worst[0] * 1000


def measure(name, start, n):
    proc = start()
    r = redis.Redis(port=proc.port)
    t = time.perf_counter()
    fill(r, n)
    fill_s = time.perf_counter() - t
    cpu = cpu_seconds(proc)
    t = time.perf_counter()
    r.save()
    save_s = time.perf_counter() - t
    save_cpu = cpu_seconds(proc) - cpu
    pause_ms = bgsave_pause(r, proc.port)
    size = os.path.getsize(os.path.join(proc.cwd, "dump.rdb"))
    proc.stop()
    empty = start(cwd=tempfile.mkdtemp(prefix="bench-empty-"))
    startup_cpu = cpu_seconds(empty)
    empty.stop()
    again = start(cwd=proc.cwd)
    load_s = wait_loaded(again)
    load_cpu = cpu_seconds(again) - startup_cpu
    keys = redis.Redis(port=again.port).dbsize()
    again.stop()
    print("%-12s fill %6.2fs  SAVE %6.3fs (cpu %6.2fs)  load %6.3fs (cpu %6.2fs)  "
          "BGSAVE worst ping %6.1fms  %d keys, %.1f MB"
          % (name, fill_s, save_s, save_cpu, load_s or -1, load_cpu, pause_ms, keys, size / 1e6))
    return save_s, load_s, save_cpu, load_cpu


def _redis_in(cwd=None):
    args = ("--dir", cwd) if cwd else ()
    proc = start_redis(*args)
    return proc


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="keys (default 1M)")
    args = parser.parse_args()
    ours = measure("pyredis", lambda cwd=None: start_pyredis(cwd=cwd), args.n)
    if shutil.which("redis-server"):
        theirs = measure("redis-server", _redis_in, args.n)
        print("ratio        SAVE %.1fx (cpu %.1fx)  load %.1fx (cpu %.1fx)"
              % (ours[0] / theirs[0], ours[2] / max(theirs[2], 0.01),
                 (ours[1] or 0) / (theirs[1] or 1e-9), ours[3] / max(theirs[3], 0.01)))


if __name__ == "__main__":
    main()
