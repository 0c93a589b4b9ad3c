"""Memory run: the same keys loaded into pyredis and redis-server, RSS side by side.

    python benchmarks/memory.py                    # 1M keys, 16-byte values
    python benchmarks/memory.py -n 200000 -d 100

Keys are ``key:<n>`` padded to 16 bytes, loaded with pipelined SETs; each
server's resident set size is read from /proc after the load and printed with
pyredis's ratio to redis-server.  Set PYREDIS_NO_EXTENSIONS=1 to measure the
pure-Python twins.
"""
import argparse
import os
import shutil
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from respclient import encode_command  # noqa: E402
from serverproc import start_pyredis, start_redis  # noqa: E402

BATCH = 1000


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def load(port, count, size):
    value = b"v" * size
    with socket.create_connection(("127.0.0.1", port)) as s:
        for start in range(0, count, BATCH):
            end = min(start + BATCH, count)
            s.sendall(b"".join(encode_command(b"SET", b"key:%012d" % i, value)
                               for i in range(start, end)))
            expected = (end - start) * 5
            got = 0
            while got < expected:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("server closed the connection")
                got += len(chunk)


def rss_before_and_after(load, *args):
    """{server name: (RSS empty, RSS after ``load(port, *args)``)} for pyredis and redis-server."""
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is needed (apt-get install redis-server)")
    results = {}
    for name, start in (("pyredis", start_pyredis), ("redis-server", start_redis)):
        proc = start()
        try:
            before = rss_bytes(proc.proc.pid)
            load(proc.port, *args)
            results[name] = (before, rss_bytes(proc.proc.pid))
        finally:
            proc.stop()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--keys", type=int, default=1_000_000)
    ap.add_argument("-d", "--data-size", type=int, default=16)
    args = ap.parse_args()
    results = rss_before_and_after(load, args.keys, args.data_size)
    print("%-14s %12s %12s" % ("server", "RSS empty", "RSS loaded"))
    for name, (before, after) in results.items():
        print("%-14s %10.1f MB %10.1f MB" % (name, before / 1e6, after / 1e6))
    print("ratio (loaded RSS, pyredis / redis-server): %.2f"
          % (results["pyredis"][1] / results["redis-server"][1]))


if __name__ == "__main__":
    main()
