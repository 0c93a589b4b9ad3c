"""Stream load run: pyredis and redis-server side by side.

    python benchmarks/bench_streams.py              # -c 50, no pipelining
    python benchmarks/bench_streams.py -n 50000 -c 10
    python benchmarks/bench_streams.py -P 16        # 16 requests a round trip

XADD and XRANGE of 10 entries run through redis-benchmark with custom
commands; XREADGROUP+XACK is a consumer loop (read 10 new entries, ack them)
over a raw socket, since each XACK names the IDs just read.  Prints
requests/s (or entries/s for the consumer loop), the best of ``--repeat``
runs taken in turn on each server, and pyredis's ratio.
Set PYREDIS_NO_EXTENSIONS=1 to measure the pure-Python twins.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from respclient import RawClient, parse  # noqa: E402
from serverproc import start_pyredis, start_redis  # noqa: E402


def redis_benchmark(port, clients, requests, pipeline, *command):
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests),
         "-P", str(pipeline), "--csv", *command],
        check=True, capture_output=True, text=True).stdout
    last = out.strip().splitlines()[-1].split(",")
    return float(last[1].strip('"'))


def fill(port, key, n):
    client = RawClient(port)
    try:
        client.cmd("DEL", key)
        batch = 1000
        for start in range(0, n, batch):
            payload = b"".join(b"*5\r\n$4\r\nXADD\r\n$%d\r\n%b\r\n$1\r\n*\r\n$1\r\nf\r\n$1\r\nv\r\n"
                               % (len(key), key.encode()) for _ in range(min(batch, n - start)))
            client.send(payload)
            for _ in range(min(batch, n - start)):
                client.read_reply()
    finally:
        client.close()


def consumer_loop(port, entries):
    """Entries consumed per second by XREADGROUP COUNT 10 followed by XACK of what it read."""
    fill(port, "bench:group", entries)
    client = RawClient(port)
    try:
        client.cmd("XGROUP", "CREATE", "bench:group", "g", "0")
        done = 0
        start = time.perf_counter()
        while done < entries:
            got = parse(client.cmd("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS",
                                   "bench:group", ">"))
            ids = [entry[0] for entry in got[0][1]]
            client.cmd("XACK", "bench:group", "g", *ids)
            done += len(ids)
        return done / (time.perf_counter() - start)
    finally:
        client.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=100000)
    ap.add_argument("-P", "--pipeline", type=int, default=1)
    ap.add_argument("-r", "--repeat", type=int, default=3)
    args = ap.parse_args()
    if shutil.which("redis-benchmark") is None or shutil.which("redis-server") is None:
        sys.exit("redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)")
    ours, theirs = start_pyredis(), start_redis()
    try:
        print("%-28s %14s %14s %7s" % ("test", "pyredis", "redis", "ratio"))
        rows = []
        for name, command in (("XADD key * f v", ("XADD", "bench:s", "*", "f", "v")),
                              ("XRANGE key - + COUNT 10", ("XRANGE", "bench:s", "-", "+", "COUNT", "10"))):
            best = [0.0, 0.0]
            for _ in range(args.repeat):
                for i, proc in enumerate((ours, theirs)):
                    best[i] = max(best[i], redis_benchmark(proc.port, args.clients, args.requests,
                                                           args.pipeline, *command))
            rates = best
            rows.append((name + " (rps)", *rates))
        rates = [consumer_loop(proc.port, args.requests // 10) for proc in (ours, theirs)]
        rows.append(("XREADGROUP+XACK (entries/s)", *rates))
        for name, mine, oracle in rows:
            print("%-28s %14.0f %14.0f %7.2f" % (name, mine, oracle, mine / oracle if oracle else 0))
    finally:
        ours.stop()
        theirs.stop()


if __name__ == "__main__":
    main()
