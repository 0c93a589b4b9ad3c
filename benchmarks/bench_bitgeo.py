"""Bitmaps and geo, pyredis against redis-server side by side.

    python benchmarks/bench_bitgeo.py              # everything
    python benchmarks/bench_bitgeo.py --quick      # fewer requests and points

* SETBIT and GETBIT through ``redis-benchmark -c 50`` (no pipelining): requests/s.
* BITCOUNT, BITPOS and BITOP (AND, NOT) over a 1 MB string: milliseconds per call.
* GEOSEARCH BYRADIUS (and BYBOX) over 100k random points: milliseconds per call.

Prints both servers and pyredis's ratio (requests/s: pyredis / redis; times:
pyredis / redis, so lower is better).  PYREDIS_NO_EXTENSIONS=1 measures the
pure-Python twins.
"""
import argparse
import csv
import io
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from respclient import RawClient  # noqa: E402
from serverproc import start_pyredis, start_redis  # noqa: E402


def benchmark_rps(port, clients, requests, *command):
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests), "-r", "100000",
         "--csv", *command],
        check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(out)))
    return float(rows[1][1])


def time_ms(client, repeat, *command):
    client.cmd(*command)
    start = time.perf_counter()
    for _ in range(repeat):
        client.cmd(*command)
    return (time.perf_counter() - start) * 1000 / repeat


def load_fixtures(client, points):
    rnd = random.Random(1)
    client.cmd("FLUSHALL")
    client.cmd("SET", "mb", bytes(rnd.getrandbits(8) for _ in range(1 << 20)))
    client.cmd("SET", "mb2", bytes(rnd.getrandbits(8) for _ in range(1 << 20)))
    client.cmd("SETBIT", "zeros", str((8 << 20) - 1), "0")
    for start in range(0, points, 10000):
        args = []
        for i in range(start, min(points, start + 10000)):
            args += ["%.6f" % rnd.uniform(-180, 180), "%.6f" % rnd.uniform(-85, 85), "p%d" % i]
        client.cmd("GEOADD", "pts", *args)


TIMED = [
    ("BITCOUNT 1MB", ("BITCOUNT", "mb")),
    ("BITCOUNT 1MB BIT range", ("BITCOUNT", "mb", "3", "-3", "BIT")),
    ("BITPOS 1MB of zeros", ("BITPOS", "zeros", "1")),
    ("BITPOS 1MB, bit range", ("BITPOS", "mb", "0", "1048575", "-1", "BIT")),
    ("BITOP AND 1MB x2", ("BITOP", "AND", "dst", "mb", "mb2")),
    ("BITOP NOT 1MB", ("BITOP", "NOT", "dst", "mb")),
    ("GEOSEARCH 100km radius", ("GEOSEARCH", "pts", "FROMLONLAT", "10", "45", "BYRADIUS", "100",
                                "km", "ASC")),
    ("GEOSEARCH 500km radius", ("GEOSEARCH", "pts", "FROMLONLAT", "10", "45", "BYRADIUS", "500",
                                "km", "WITHDIST", "ASC")),
    ("GEOSEARCH 400km box", ("GEOSEARCH", "pts", "FROMLONLAT", "10", "45", "BYBOX", "400", "400",
                             "km", "COUNT", "10")),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if shutil.which("redis-benchmark") is None or shutil.which("redis-server") is None:
        sys.exit("redis-server and redis-benchmark are needed")
    requests = 20000 if args.quick else 100000
    points = 20000 if args.quick else 100000
    repeat = 5 if args.quick else 20
    ours, theirs = start_pyredis(), start_redis()
    try:
        print("%-26s %14s %14s %7s" % ("requests/s (-c 50)", "pyredis", "redis", "ratio"))
        # SET and GET are the yardstick: what the event loop itself allows.
        for name, command in (("SET (yardstick)", ("SET", "s:__rand_int__", "x")),
                              ("GET (yardstick)", ("GET", "s:__rand_int__")),
                              ("SETBIT", ("SETBIT", "bits:__rand_int__", "100", "1")),
                              ("GETBIT", ("GETBIT", "bits:__rand_int__", "100"))):
            mine = benchmark_rps(ours.port, 50, requests, *command)
            oracle = benchmark_rps(theirs.port, 50, requests, *command)
            print("%-26s %14.0f %14.0f %7.2f" % (name, mine, oracle, mine / oracle))
        a, b = RawClient(ours.port, timeout=120), RawClient(theirs.port, timeout=120)
        load_fixtures(a, points)
        load_fixtures(b, points)
        print("%-26s %14s %14s %7s" % ("ms per call", "pyredis", "redis", "ratio"))
        for name, command in TIMED:
            mine = time_ms(a, repeat, *command)
            oracle = time_ms(b, repeat, *command)
            print("%-26s %14.3f %14.3f %7.2f" % (name, mine, oracle, mine / oracle))
        a.close()
        b.close()
    finally:
        ours.stop()
        theirs.stop()


if __name__ == "__main__":
    main()
