"""Replication to a redis-server replica: pyredis master vs redis-server master.

    python benchmarks/replication.py                 # 1M keys, best of 3
    python benchmarks/replication.py -n 200000 --runs 1

Full sync: the master holds N small string keys (DEBUG POPULATE); a running
redis-server is sent REPLICAOF and timed until its INFO says
master_link_status:up and its DBSIZE is N, once with a disk transfer and once
diskless (repl-diskless-sync yes, delay 0).  Write throughput: redis-benchmark
SET against a pyredis with no replica and one with a redis-server replica
attached, run alternately.  Set PYREDIS_NO_EXTENSIONS=1 to measure the pure-Python twins.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from respclient import RawClient  # noqa: E402
from serverproc import ServerProcess, free_port, start_pyredis, start_redis  # noqa: E402


def start_replica(master_port=None):
    port = free_port()
    cwd = tempfile.mkdtemp(prefix="bench-replica-")
    argv = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
            "--bind", "127.0.0.1"]
    if master_port is not None:
        argv += ["--replicaof", "127.0.0.1", str(master_port)]
    return ServerProcess(argv, port, cwd)


def synced(client, n):
    info = client.cmd("INFO", "replication")
    if b"master_link_status:up" not in info:
        return False
    return client.cmd("DBSIZE") == b":%d\r\n" % n


def full_sync_seconds(start_master, n, diskless):
    master = start_master("--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0",
                          "--enable-debug-command", "yes")
    replica = None
    try:
        m = RawClient(master.port, timeout=600)
        m.cmd("DEBUG", "POPULATE", str(n), "key", "10")
        replica = start_replica()
        r = RawClient(replica.port)
        started = time.time()
        r.cmd("REPLICAOF", "127.0.0.1", str(master.port))
        while not synced(r, n):
            time.sleep(0.01)
        return time.time() - started
    finally:
        if replica is not None:
            replica.stop()
        master.stop()


def set_rps(port, requests, clients):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(requests),
                          "-c", str(clients), "-r", "100000", "-q"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.findall(r"([\d.]+) requests per second", out)[-1])


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(proc, requests, clients):
    """(requests per second, server CPU microseconds per request) of one redis-benchmark run."""
    before = cpu_seconds(proc.proc.pid)
    rps = set_rps(proc.port, requests, clients)
    return rps, (cpu_seconds(proc.proc.pid) - before) * 1e6 / requests


def set_throughput(requests, clients, runs):
    """Best of ``runs`` on a pyredis that never had a replica and on one with a replica, interleaved."""
    alone_master = start_pyredis()
    master = start_pyredis("--repl-diskless-sync-delay", "0")
    replica = None
    try:
        replica = start_replica(master.port)
        r = RawClient(replica.port)
        while b"master_link_status:up" not in r.cmd("INFO", "replication"):
            time.sleep(0.01)
        alone, attached = [], []
        for _ in range(runs):
            alone.append(measured(alone_master, requests, clients))
            before = cpu_seconds(replica.proc.pid)
            attached.append(measured(master, requests, clients))
            print("  replica CPU per SET: %.1f us" % ((cpu_seconds(replica.proc.pid) - before) * 1e6
                                                      / requests))
        r.close()
        return max(alone), max(attached), min(a[1] for a in alone), min(a[1] for a in attached)
    finally:
        if replica is not None:
            replica.stop()
        master.stop()
        alone_master.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1000000, help="keys for the full sync")
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    parser.add_argument("--requests", type=int, default=100000, help="SETs per redis-benchmark run")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--only-set", action="store_true", help="skip the full sync")
    args = parser.parse_args()
    print("load: %s" % open("/proc/loadavg").read().strip())
    for diskless in () if args.only_set else ("no", "yes"):
        ours = min(full_sync_seconds(start_pyredis, args.n, diskless) for _ in range(args.runs))
        theirs = min(full_sync_seconds(start_redis, args.n, diskless) for _ in range(args.runs))
        print("full sync of %d keys, diskless=%s: pyredis %.2fs, redis-server %.2fs, ratio %.2fx "
              "(target <= 3x)" % (args.n, diskless, ours, theirs, ours / theirs))
    alone, attached, cpu_alone, cpu_attached = set_throughput(args.requests, args.clients, args.runs)
    print("SET throughput, pyredis: %.0f/s without a replica, %.0f/s with one, ratio %.2f "
          "(target >= 0.7)" % (alone[0], attached[0], attached[0] / alone[0]))
    print("pyredis CPU per SET: %.1f us without a replica, %.1f us with one, ratio %.2f"
          % (cpu_alone, cpu_attached, cpu_alone / cpu_attached))


if __name__ == "__main__":
    main()
