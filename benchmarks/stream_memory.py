"""Stream memory run: one stream of small entries in pyredis and redis-server, RSS growth side by side.

    python benchmarks/stream_memory.py             # 1M entries of one field, XADD key * f v
    python benchmarks/stream_memory.py -n 200000 -d 8

Each server gets the same pipelined ``XADD bench:stream * f <value>``; the
growth of its resident set size over the empty server is printed per entry
with pyredis's ratio to redis-server.  Set PYREDIS_NO_EXTENSIONS=1 to measure
the pure-Python twins.
"""
import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from memory import rss_before_and_after  # noqa: E402
from respclient import encode_command  # noqa: E402

BATCH = 1000


def load(port, count, size):
    value = b"v" * size
    one = encode_command(b"XADD", b"bench:stream", b"*", b"f", value)
    with socket.create_connection(("127.0.0.1", port)) as s:
        for start in range(0, count, BATCH):
            n = min(BATCH, count - start)
            s.sendall(one * n)
            # Each reply is "$<len>\r\n<ms>-<seq>\r\n": count the lines.
            lines = 0
            while lines < 2 * n:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("server closed the connection")
                if chunk[:1] == b"-":
                    raise RuntimeError(chunk[:200].decode("latin-1"))
                lines += chunk.count(b"\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--entries", type=int, default=1_000_000)
    ap.add_argument("-d", "--data-size", type=int, default=1)
    args = ap.parse_args()
    results = rss_before_and_after(load, args.entries, args.data_size)
    print("%-14s %12s %12s %14s" % ("server", "RSS empty", "RSS loaded", "bytes/entry"))
    growth = {}
    for name, (before, after) in results.items():
        growth[name] = (after - before) / args.entries
        print("%-14s %9.1f MB %9.1f MB %14.1f" % (name, before / 1e6, after / 1e6, growth[name]))
    print("ratio (RSS growth, pyredis / redis-server): %.2f" % (growth["pyredis"] / growth["redis-server"]))


if __name__ == "__main__":
    main()
