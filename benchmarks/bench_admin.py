"""GET/SET cost of ACL key patterns and of client tracking: pyredis and redis-server side by side.

    python benchmarks/bench_admin.py [-n 200000] [--pipeline 1]

Three runs per server: the default user; a user whose keys are limited to a
pattern (every command checks its keys); and the default user while another
client tracks every key in BCAST mode (every write is broadcast).  Prints
requests/s and each run's ratio to the same server's plain run and to
redis-server.
"""
import argparse
import csv
import io
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from serverproc import start_pyredis, start_redis  # noqa: E402


def _send(port, *lines):
    s = socket.create_connection(("127.0.0.1", port))
    for line in lines:
        s.sendall(line)
        s.recv(65536)
    return s


def _run(port, args, extra=()):
    cmd = ["redis-benchmark", "-p", str(port), "-t", "set,get", "-c", str(args.clients),
           "-n", str(args.requests), "-P", str(args.pipeline), "-r", "100000", "--csv"] + list(extra)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(out)))
    return {row[0]: float(row[1]) for row in rows[1:] if len(row) > 1}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=200000)
    ap.add_argument("--pipeline", type=int, default=1)
    args = ap.parse_args()
    results = {}
    for name, start in (("pyredis", start_pyredis), ("redis", start_redis)):
        proc = start()
        try:
            admin = _send(proc.port, b"ACL SETUSER bench on >pw ~key:* +@all\r\n")
            results[name, "plain"] = _run(proc.port, args)
            results[name, "acl"] = _run(proc.port, args, ["--user", "bench", "-a", "pw"])
            tracker = _send(proc.port, b"HELLO 3\r\n", b"CLIENT TRACKING ON BCAST PREFIX key:\r\n")
            results[name, "tracking"] = _run(proc.port, args)
            tracker.close()
            admin.close()
        finally:
            proc.stop()
    print("%-10s %-8s %12s %12s %9s %9s" % ("run", "test", "pyredis", "redis", "vs plain", "vs redis"))
    for run in ("plain", "acl", "tracking"):
        for test in ("SET", "GET"):
            mine = results["pyredis", run].get(test, 0.0)
            theirs = results["redis", run].get(test, 0.0)
            plain = results["pyredis", "plain"].get(test, 0.0)
            print("%-10s %-8s %12.0f %12.0f %9.2f %9.2f" % (
                run, test, mine, theirs, mine / plain if plain else 0, mine / theirs if theirs else 0))


if __name__ == "__main__":
    main()
