"""RedisServer start and stop times, and the pyredis_client fixture's flush, against the targets.

    python benchmarks/bench_embedded.py              # 30 rounds of each
    python benchmarks/bench_embedded.py -n 100

Start is measured from ``RedisServer().start()`` to the first PONG on a new
connection, stop from ``stop()`` until it returns (the port is closed then);
the first start of a process also imports the server and is shown apart.
The fixture overhead is the one round trip the plugin's pyredis_client makes
after each test (FLUSHALL, SCRIPT FLUSH, FUNCTION FLUSH, pipelined).
Targets: start under 150 ms, stop under 100 ms, flush under 2 ms.
"""
import argparse
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from pyredis.embedded import RedisServer  # noqa: E402


def _ping(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(64) == b"+PONG\r\n"


def _start_stop(thread):
    t0 = time.perf_counter()
    server = RedisServer(thread=thread).start()
    _ping(server.port)
    t1 = time.perf_counter()
    server.stop()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def _flush(rounds):
    import redis
    with RedisServer() as server:
        client = server.client()
        times = []
        for i in range(rounds):
            client.set("k%d" % i, "v")
            t0 = time.perf_counter()
            pipe = client.pipeline(transaction=False)
            pipe.execute_command("FLUSHALL")
            pipe.execute_command("SCRIPT", "FLUSH")
            pipe.execute_command("FUNCTION", "FLUSH")
            pipe.execute(raise_on_error=False)
            times.append(time.perf_counter() - t0)
        client.close()
        assert isinstance(client, redis.Redis)
    return times


def _row(name, times, target):
    ms = [t * 1000 for t in times]
    p95 = sorted(ms)[max(0, int(len(ms) * 0.95) - 1)]
    print("%-28s median %7.2f ms   p95 %7.2f ms   max %7.2f ms   target < %g ms  %s"
          % (name, statistics.median(ms), p95, max(ms), target,
             "ok" if statistics.median(ms) < target else "MISSED"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="rounds of each measurement")
    args = parser.parse_args()
    first_start, first_stop = _start_stop(False)
    print("first start in this process (imports the server): %.1f ms" % (first_start * 1000))
    for thread in (False, True):
        starts, stops = zip(*[_start_stop(thread) for _ in range(args.n)])
        mode = "thread" if thread else "process"
        _row("start to first PONG (%s)" % mode, starts, 150)
        _row("stop (%s)" % mode, stops, 100)
    _row("pyredis_client flush", _flush(args.n), 2)


if __name__ == "__main__":
    main()
