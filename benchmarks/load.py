"""Load run: redis-benchmark against pyredis and redis-server side by side.

    python benchmarks/load.py                      # set,get with -c 50, then -P 16
    python benchmarks/load.py -t lpush,rpush,lpop,rpop,lrange_100
    python benchmarks/load.py -t hset,sadd,zadd,spop,zpopmin --pipeline 1

Prints requests/s for both servers and pyredis's ratio to redis-server.
Set PYREDIS_NO_EXTENSIONS=1 to measure the pure-Python twins.
"""
import argparse
import csv
import io
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from serverproc import start_pyredis, start_redis  # noqa: E402


def run_benchmark(port, tests, clients, requests, pipeline, extra=(), cpu=None):
    """requests/s by test name; ``cpu``: the one CPU redis-benchmark runs on."""
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", tests, "-c", str(clients), "-n", str(requests),
         "-P", str(pipeline), "--csv"] + list(extra),
        check=True, capture_output=True, text=True,
        preexec_fn=None if cpu is None else lambda: os.sched_setaffinity(0, {cpu})).stdout
    rows = list(csv.reader(io.StringIO(out)))
    return {row[0]: float(row[1]) for row in rows[1:] if len(row) > 1}


def pinned_cpus(no_pin):
    """(server CPU, redis-benchmark CPU): the first two this process may use, or
    (None, None) with ``no_pin`` or a single CPU (the scheduler places them)."""
    cpus = sorted(os.sched_getaffinity(0))
    if no_pin or len(cpus) < 2:
        return None, None
    return cpus[0], cpus[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-t", "--tests", default="set,get")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=200000)
    ap.add_argument("--pipeline", type=int, action="append",
                    help="pipeline depths to run (default: 1 and 16)")
    args = ap.parse_args()
    if shutil.which("redis-benchmark") is None or shutil.which("redis-server") is None:
        sys.exit("redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)")
    pipelines = args.pipeline or [1, 16]
    ours, theirs = start_pyredis(), start_redis()
    try:
        print("%-22s %8s %14s %14s %7s" % ("test", "pipeline", "pyredis rps", "redis rps", "ratio"))
        for pipeline in pipelines:
            mine = run_benchmark(ours.port, args.tests, args.clients, args.requests, pipeline)
            oracle = run_benchmark(theirs.port, args.tests, args.clients, args.requests, pipeline)
            for name, rps in oracle.items():
                got = mine.get(name, 0.0)
                print("%-22s %8d %14.0f %14.0f %7.2f" % (name, pipeline, got, rps, got / rps if rps else 0))
    finally:
        ours.stop()
        theirs.stop()


if __name__ == "__main__":
    main()
