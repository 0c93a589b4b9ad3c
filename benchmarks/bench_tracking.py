"""GET/SET from clients that track their own keys (CLIENT TRACKING ON), against the same
clients without tracking: pyredis and redis-server side by side.

    python benchmarks/bench_tracking.py [-n 200000] [--pipeline 16] [--repeat 3]

redis-benchmark cannot turn tracking on for its connections, so this drives
10 connections itself, each pipelining GETs (or SETs) of 960 keys of
redis-benchmark's shape, in three modes: plain; RESP3 with CLIENT TRACKING ON;
RESP2 with CLIENT TRACKING ON REDIRECT to a subscribed client.  Each figure is
the server's CPU time per request (user + system, from /proc: steady on a
loaded machine), the best of ``--repeat``; the ratio is plain over tracking,
pyredis's speed with tracking relative to its own without (issue 13's 0.9x).
"""
import argparse
import os
import random
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from respclient import encode_command  # noqa: E402
from serverproc import start_pyredis, start_redis  # noqa: E402

CONNS = 10


def _cpu(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _connect(port, setup):
    s = socket.create_connection(("127.0.0.1", port))
    for line in setup:
        s.sendall(line)
        s.recv(65536)
    return s


def _drive(port, test, requests, pipeline, setup):
    socks = [_connect(port, setup) for _ in range(CONNS)]
    rnd = random.Random(1)
    batches = []
    for _ in range(64):
        cmds = []
        for _ in range(pipeline - 1):
            key = b"key:%012d" % rnd.randrange(100000)
            cmds.append(encode_command(b"SET", key, b"xxx") if test == "set"
                        else encode_command(b"GET", key))
        batches.append(b"".join(cmds) + b"PING\r\n")
    rounds = requests // (CONNS * pipeline)
    for r in range(rounds):
        for s in socks:
            s.sendall(batches[r % 64])
        for s in socks:
            buf = b""
            while b"+PONG\r\n" not in buf:
                buf = buf[-8:] + s.recv(1 << 20)
    for s in socks:
        s.close()
    return rounds * CONNS * pipeline


def _measure(proc, test, args, setup):
    best = None
    for _ in range(args.repeat):
        before = _cpu(proc.proc.pid)
        done = _drive(proc.port, test, args.requests, args.pipeline, setup)
        us = (_cpu(proc.proc.pid) - before) * 1e6 / done
        best = us if best is None else min(best, us)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--requests", type=int, default=200000)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = {}
    for name, start in (("pyredis", start_pyredis), ("redis", start_redis)):
        proc = start()
        try:
            sink = _connect(proc.port, [])
            sink.sendall(b"CLIENT ID\r\n")
            sink_id = int(sink.recv(100)[1:-2])
            sink.sendall(b"SUBSCRIBE __redis__:invalidate\r\n")
            sink.recv(1000)
            modes = {"plain": [], "resp3": [b"HELLO 3\r\n", b"CLIENT TRACKING ON\r\n"],
                     "redirect": [b"CLIENT TRACKING ON REDIRECT %d\r\n" % sink_id]}
            for test in ("set", "get"):
                for mode, setup in modes.items():
                    rows[name, test, mode] = _measure(proc, test, args, setup)
            sink.close()
        finally:
            proc.stop()
    print("%-5s %-9s %14s %14s %16s" % ("test", "mode", "pyredis us/req", "redis us/req",
                                        "pyredis vs plain"))
    for test in ("set", "get"):
        for mode in ("plain", "resp3", "redirect"):
            mine = rows["pyredis", test, mode]
            plain = rows["pyredis", test, "plain"]
            print("%-5s %-9s %14.2f %14.2f %16.2f" % (test.upper(), mode, mine,
                                                      rows["redis", test, mode], plain / mine))


if __name__ == "__main__":
    main()
