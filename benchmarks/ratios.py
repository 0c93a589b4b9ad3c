"""Every ratio of issue 18's table (and issue 13's ACL/tracking ones) side by side.

    python benchmarks/ratios.py                 # throughput table, 3 back-to-back pairs a test
    python benchmarks/ratios.py --memory        # and RSS for 1M keys and 1M-member containers
    python benchmarks/ratios.py --repeat 1 -n 50000

Throughput: redis-benchmark -c 50 against pyredis and redis-server, each test
run on the two back to back ``--repeat`` times: requests/s are each server's
best run, the ratio the median of the back-to-back pairs' ratios (the machine
is shared: its speed moves between runs more than within a pair).  Each server
runs on the first CPU and redis-benchmark on the second, so neither takes the
other's time (``--no-pin`` to let the scheduler place them).  ACL and tracking rows compare
pyredis with itself: GET/SET as a user limited to ``~key:*`` and with a BCAST
tracking client, over plain GET/SET.  Memory: RSS after loading the same data
into each server.  Set PYREDIS_NO_EXTENSIONS=1 to measure the pure twins.
"""
import argparse
import os
import socket
import statistics
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from load import pinned_cpus, run_benchmark  # noqa: E402
from memory import rss_bytes  # noqa: E402
from respclient import encode_command  # noqa: E402
from serverproc import start_pyredis, start_redis  # noqa: E402

P16_TESTS = "set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset"
P1_TESTS = "zadd,mset,lrange_100"
TARGETS_P16 = {"SET": 0.7, "GET": 0.7}
TARGET_P16 = 0.6
TARGET_P1 = 0.9
TARGET_SELF = 0.9
BATCH = 1000


def paired(ours, theirs, tests, args, pipeline):
    """Per test name: (pyredis's best rps, redis-server's best rps, median ratio of the pairs).

    Each test runs on the two servers back to back, ``--repeat`` times: the
    machine's load changes between pairs more than within one, so the
    median of the pairs' ratios is steadier than the ratio of the bests.
    """
    mine, oracle, ratios = {}, {}, {}
    for test in tests.split(","):
        for _ in range(args.repeat):
            got = run_benchmark(ours.port, test, args.clients, args.requests, pipeline,
                                cpu=args.client_cpu)
            ref = run_benchmark(theirs.port, test, args.clients, args.requests, pipeline,
                                cpu=args.client_cpu)
            for name, rps in ref.items():
                mine[name] = max(mine.get(name, 0.0), got.get(name, 0.0))
                oracle[name] = max(oracle.get(name, 0.0), rps)
                ratios.setdefault(name, []).append(got.get(name, 0.0) / rps if rps else 0.0)
    return {name: (mine[name], oracle[name], statistics.median(ratios[name])) for name in oracle}


def best(port, tests, args, pipeline, extra=()):
    out = {}
    for _ in range(args.repeat):
        for name, rps in run_benchmark(port, tests, args.clients, args.requests, pipeline,
                                       extra, cpu=args.client_cpu).items():
            out[name] = max(out.get(name, 0.0), rps)
    return out


def _send(port, *lines):
    s = socket.create_connection(("127.0.0.1", port))
    for line in lines:
        s.sendall(line)
        s.recv(65536)
    return s


def throughput(args):
    rows = []
    ours, theirs = start_pyredis(), start_redis()
    if args.client_cpu is not None:
        for proc in (ours, theirs):
            os.sched_setaffinity(proc.proc.pid, {args.server_cpu})
    try:
        for pipeline, tests in ((16, P16_TESTS), (1, P1_TESTS)):
            for name, (got, ref, ratio) in paired(ours, theirs, tests, args, pipeline).items():
                if name.startswith("LPUSH (needed"):
                    continue
                short = name.split(" ")[0]
                target = TARGETS_P16.get(short, TARGET_P16) if pipeline == 16 else TARGET_P1
                rows.append(("-P %d %s" % (pipeline, short), got, ref, ratio, target))
        # Issue 13's targets: pyredis against itself, at -P 16 and random keys,
        # the three ways run in turn each round (the keyspace grows as they run).
        port = ours.port
        admin = _send(port, b"ACL SETUSER bench on >pw ~key:* +@all\r\n")
        extra = ["-r", "100000"]
        runs = {"plain": {}, "acl": {}, "tracking": {}}
        ratios = {}
        for _ in range(args.repeat):
            one = dict(args.__dict__, repeat=1)
            one = argparse.Namespace(**one)
            plain = best(port, "set,get", one, 16, extra)
            acl = best(port, "set,get", one, 16, extra + ["--user", "bench", "-a", "pw"])
            tracker = _send(port, b"HELLO 3\r\n", b"CLIENT TRACKING ON BCAST PREFIX key:\r\n")
            tracking = best(port, "set,get", one, 16, extra)
            tracker.close()
            for label, got in (("plain", plain), ("acl", acl), ("tracking", tracking)):
                for test, rps in got.items():
                    runs[label][test] = max(runs[label].get(test, 0.0), rps)
                    if label != "plain":
                        ratios.setdefault((label, test), []).append(rps / plain[test])
        admin.close()
        for label, key in (("ACL ~key:*", "acl"), ("tracking BCAST", "tracking")):
            for test in ("SET", "GET"):
                rows.append(("-P 16 %s %s (vs plain)" % (test, label), runs[key].get(test, 0.0),
                             runs["plain"].get(test, 0.0),
                             statistics.median(ratios.get((key, test), [0.0])), TARGET_SELF))
    finally:
        ours.stop()
        theirs.stop()
    print("%-36s %12s %12s %7s %7s" % ("test", "pyredis", "reference", "ratio", "target"))
    for label, got, ref, ratio, target in rows:
        print("%-36s %12.0f %12.0f %7.2f %7.2f%s" % (label, got, ref, ratio, target,
                                                     "" if ratio >= target else "  below"))


# ---- memory ----------------------------------------------------------------
def _load(port, commands):
    with socket.create_connection(("127.0.0.1", port)) as s:
        batch = []
        for cmd in commands:
            batch.append(encode_command(*cmd))
            if len(batch) == BATCH:
                _flush(s, batch)
                batch = []
        if batch:
            _flush(s, batch)


def _flush(s, batch):
    """Send a batch and read one reply line per command (every reply here is one line)."""
    s.sendall(b"".join(batch))
    want = len(batch)
    buf = b""
    while buf.count(b"\r\n") < want:
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError("server closed the connection")
        buf += chunk


def _datasets(n):
    value = b"v" * 16
    return {
        "strings (%d keys, 16-byte values)" % n:
            ((b"SET", b"key:%012d" % i, value) for i in range(n)),
        "hash (%d fields)" % n:
            ((b"HSET", b"h", b"field:%010d" % i, value) for i in range(n)),
        "set (%d members)" % n:
            ((b"SADD", b"s", b"member:%09d" % i) for i in range(n)),
        "zset (%d members)" % n:
            ((b"ZADD", b"z", b"%d" % i, b"member:%09d" % i) for i in range(n)),
        "list (%d elements)" % n:
            ((b"RPUSH", b"l", b"element:%08d" % i) for i in range(n)),
    }


def memory(args):
    print("%-36s %12s %12s %7s" % ("dataset", "pyredis MB", "redis MB", "ratio"))
    for label in _datasets(args.keys):
        rss = {}
        for name, start in (("pyredis", start_pyredis), ("redis", start_redis)):
            proc = start()
            try:
                _load(proc.port, _datasets(args.keys)[label])
                rss[name] = rss_bytes(proc.proc.pid)
            finally:
                proc.stop()
        print("%-36s %12.1f %12.1f %7.2f" % (label, rss["pyredis"] / 1e6, rss["redis"] / 1e6,
                                             rss["pyredis"] / rss["redis"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=200000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pin", action="store_true",
                    help="let the scheduler place the servers and redis-benchmark (default: the "
                         "server on the first CPU, redis-benchmark on the second)")
    ap.add_argument("--memory", action="store_true", help="also measure RSS (slow)")
    ap.add_argument("--memory-only", action="store_true")
    ap.add_argument("--keys", type=int, default=1_000_000)
    args = ap.parse_args()
    args.server_cpu, args.client_cpu = pinned_cpus(args.no_pin)
    print("load average: %.2f %.2f %.2f" % os.getloadavg())
    if not args.memory_only:
        throughput(args)
    if args.memory or args.memory_only:
        memory(args)


if __name__ == "__main__":
    main()
