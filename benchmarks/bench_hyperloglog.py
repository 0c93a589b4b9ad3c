"""PFADD and PFCOUNT of a dense HLL: redis-benchmark against pyredis and redis-server.

    python benchmarks/bench_hyperloglog.py [-c 50] [-n 100000]

PFADD adds random elements to one HLL (dense after the first few thousand);
PFCOUNT of one dense 12 KB HLL answers from its cached cardinality after the
first call; PFCOUNT of two dense keys computes their union on every call.
Set PYREDIS_NO_EXTENSIONS=1 to measure the pure-Python twins.
"""
import argparse
import csv
import io
import os
import shutil
import subprocess
import sys

import redis

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from serverproc import start_pyredis, start_redis  # noqa: E402

WORKLOADS = {
    "PFADD": ["-r", "10000000", "PFADD", "hll", "el:__rand_int__"],
    "PFCOUNT dense": ["PFCOUNT", "dense"],
    "PFCOUNT 2 keys": ["PFCOUNT", "dense", "dense2"],
}


def fill(port):
    client = redis.Redis(port=port)
    for key in ("dense", "dense2"):
        for i in range(0, 20000, 1000):
            client.pfadd(key, *[b"%s:%d" % (key.encode(), j) for j in range(i, i + 1000)])
    client.close()


def rps(port, argv, clients, requests):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests),
                          "--csv"] + argv, check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(out)))
    return float(rows[1][1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=100000)
    args = ap.parse_args()
    if shutil.which("redis-benchmark") is None or shutil.which("redis-server") is None:
        sys.exit("redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)")
    ours, theirs = start_pyredis(), start_redis()
    try:
        fill(ours.port)
        fill(theirs.port)
        print("%-16s %14s %14s %7s" % ("test", "pyredis rps", "redis rps", "ratio"))
        for name, argv in WORKLOADS.items():
            mine = rps(ours.port, argv, args.clients, args.requests)
            oracle = rps(theirs.port, argv, args.clients, args.requests)
            print("%-16s %14.0f %14.0f %7.2f" % (name, mine, oracle, mine / oracle))
    finally:
        ours.stop()
        theirs.stop()


if __name__ == "__main__":
    main()
