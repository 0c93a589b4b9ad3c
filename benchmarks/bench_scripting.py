"""EVALSHA load run: redis-benchmark against pyredis and redis-server side by side.

    python benchmarks/bench_scripting.py            # -c 50, pipelines 1 and 16, 3 pairs each
    python benchmarks/bench_scripting.py -n 50000 --pipeline 1 --repeat 5

Two scripts, loaded with SCRIPT LOAD on both servers:
  get1     return redis.call('GET', KEYS[1])
  calls10  ten redis.call()s (SET, GET, INCR, ... on KEYS[1] and a counter)
Each script runs on the two servers back to back ``--repeat`` times; a row
shows each server's best requests/s, the median of the pairs' ratios (the
machine's speed moves between pairs more than within one) and each server's
CPU time per request in its best run (user + system, from /proc), which stays
steadier than requests/s on a loaded machine.  Each server runs on the first
CPU and redis-benchmark on the second (``--no-pin``: the scheduler places them).
Set PYREDIS_NO_EXTENSIONS=1 to measure the pure-Python twins.
"""
import argparse
import csv
import io
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from load import pinned_cpus  # noqa: E402
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


def run_benchmark(server, sha, clients, requests, pipeline, cpu):
    """(requests/s, server CPU microseconds per request); ``cpu``: redis-benchmark's."""
    port = server.port
    before = cpu_seconds(server.proc.pid)
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests),
         "-P", str(pipeline), "--csv", "evalsha", sha, "1", "key"],
        check=True, capture_output=True, text=True,
        preexec_fn=None if cpu is None else lambda: os.sched_setaffinity(0, {cpu})).stdout
    cpu = cpu_seconds(server.proc.pid) - before
    rows = list(csv.reader(io.StringIO(out)))
    return float(rows[1][1]), cpu * 1e6 / requests


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=100000)
    ap.add_argument("--pipeline", type=int, action="append",
                    help="pipeline depths to run (default: 1 and 16)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pin", action="store_true",
                    help="let the scheduler place the servers and redis-benchmark")
    args = ap.parse_args()
    if shutil.which("redis-benchmark") is None or shutil.which("redis-server") is None:
        sys.exit("redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)")
    pipelines = args.pipeline or [1, 16]
    server_cpu, client_cpu = pinned_cpus(args.no_pin)
    ours, theirs = start_pyredis(), start_redis()
    if server_cpu is not None:
        for server in (ours, theirs):
            os.sched_setaffinity(server.proc.pid, {server_cpu})
    try:
        shas = load_scripts(ours.port)
        assert shas == load_scripts(theirs.port)
        print("%-10s %8s %12s %12s %6s %14s %14s" % ("script", "pipeline", "pyredis rps", "redis rps",
                                                     "ratio", "pyredis us/req", "redis us/req"))
        for pipeline in pipelines:
            for name, sha in shas.items():
                pairs = [(run_benchmark(ours, sha, args.clients, args.requests, pipeline, client_cpu),
                          run_benchmark(theirs, sha, args.clients, args.requests, pipeline, client_cpu))
                         for _ in range(args.repeat)]
                (mine, mine_cpu), _ = max(pairs, key=lambda pair: pair[0][0])
                _, (oracle, oracle_cpu) = max(pairs, key=lambda pair: pair[1][0])
                ratio = statistics.median(a[0] / b[0] for a, b in pairs)
                print("%-10s %8d %12.0f %12.0f %6.2f %14.1f %14.1f"
                      % (name, pipeline, mine, oracle, ratio, mine_cpu, oracle_cpu), flush=True)
    finally:
        ours.stop()
        theirs.stop()


if __name__ == "__main__":
    main()
