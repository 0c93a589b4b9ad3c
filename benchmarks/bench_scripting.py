"""EVALSHA load run: redis-benchmark against pyredis and redis-server side by side.

    python benchmarks/bench_scripting.py            # -c 50, pipelines 1 and 16
    python benchmarks/bench_scripting.py -n 50000 --pipeline 1

Two scripts, loaded with SCRIPT LOAD on both servers:
  get1     return redis.call('GET', KEYS[1])
  calls10  ten redis.call()s (SET, GET, INCR, ... on KEYS[1] and a counter)
Prints requests/s for both servers and pyredis's ratio to redis-server, and
each server's CPU time per request (user + system, from /proc), which stays
steady on a machine other work is loading while requests/s do not.
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

from respclient import RawClient, parse  # noqa: E402
from serverproc import start_pyredis, start_redis  # noqa: E402

SCRIPTS = {
    "get1": "return redis.call('GET', KEYS[1])",
    "calls10": """
local k = KEYS[1]
redis.call('SET', k, 'value')
redis.call('GET', k)
redis.call('APPEND', k, 'x')
redis.call('STRLEN', k)
redis.call('INCR', k .. ':n')
redis.call('EXPIRE', k .. ':n', 100)
redis.call('TTL', k .. ':n')
redis.call('EXISTS', k)
redis.call('HSET', k .. ':h', 'f', 'v')
return redis.call('HGET', k .. ':h', 'f')
""",
}


def load_scripts(port):
    client = RawClient(port)
    client.cmd("SET", "key", "value")
    shas = {name: parse(client.cmd("SCRIPT", "LOAD", body)).decode() for name, body in SCRIPTS.items()}
    client.close()
    return shas


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_benchmark(server, sha, clients, requests, pipeline):
    """(requests/s, server CPU microseconds per request)."""
    port = server.port
    before = cpu_seconds(server.proc.pid)
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests),
         "-P", str(pipeline), "--csv", "evalsha", sha, "1", "key"],
        check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(server.proc.pid) - before
    rows = list(csv.reader(io.StringIO(out)))
    return float(rows[1][1]), cpu * 1e6 / requests


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=100000)
    ap.add_argument("--pipeline", type=int, action="append",
                    help="pipeline depths to run (default: 1 and 16)")
    args = ap.parse_args()
    if shutil.which("redis-benchmark") is None or shutil.which("redis-server") is None:
        sys.exit("redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)")
    pipelines = args.pipeline or [1, 16]
    ours, theirs = start_pyredis(), start_redis()
    try:
        shas = load_scripts(ours.port)
        assert shas == load_scripts(theirs.port)
        print("%-10s %8s %12s %12s %6s %14s %14s" % ("script", "pipeline", "pyredis rps", "redis rps",
                                                     "ratio", "pyredis us/req", "redis us/req"))
        for pipeline in pipelines:
            for name, sha in shas.items():
                mine, mine_cpu = run_benchmark(ours, sha, args.clients, args.requests, pipeline)
                oracle, oracle_cpu = run_benchmark(theirs, sha, args.clients, args.requests, pipeline)
                print("%-10s %8d %12.0f %12.0f %6.2f %14.1f %14.1f"
                      % (name, pipeline, mine, oracle, mine / oracle, mine_cpu, oracle_cpu))
    finally:
        ours.stop()
        theirs.stop()


if __name__ == "__main__":
    main()
