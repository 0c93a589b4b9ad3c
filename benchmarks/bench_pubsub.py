"""Pub/Sub fan-out: one publisher, N subscribers, messages delivered per second.

    python benchmarks/bench_pubsub.py                     # 100 subscribers, 20000 messages
    python benchmarks/bench_pubsub.py -s 100 -m 50000 --batch 100 --size 64

Runs the same load against pyredis and redis-server side by side and prints
deliveries per second (messages x subscribers / elapsed) and pyredis's ratio,
and, on Linux, deliveries per second of server CPU time: on a machine with
few cores the readers and the publisher compete with the server, and the CPU
figure shows the server's own cost.
The publisher pipelines PUBLISH in batches and waits for each batch's replies;
the subscribers are spread over a few reader processes that only count bytes,
so the client side is not the bottleneck.  The pubsub output buffer limit is
lifted on both servers so no subscriber is dropped while it lags behind.
Set PYREDIS_NO_EXTENSIONS=1 to measure the pure-Python twins.
"""
import argparse
import multiprocessing
import os
import selectors
import shutil
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from respclient import RawClient, encode_command  # noqa: E402
from serverproc import start_pyredis, start_redis  # noqa: E402

CHANNEL = b"bench"
NO_LIMIT = ("--client-output-buffer-limit", "pubsub 0 0 0")


def message_bytes(payload):
    return b"*3\r\n$7\r\nmessage\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(CHANNEL), CHANNEL, len(payload), payload)


def reader(port, count, expected, ready, done):
    """Subscribe ``count`` connections, then count bytes until each got ``expected``."""
    confirm = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%b\r\n:1\r\n" % (len(CHANNEL), CHANNEL)
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(encode_command("SUBSCRIBE", CHANNEL))
        got = b""
        while len(got) < len(confirm):
            got += s.recv(len(confirm) - len(got))
        assert got == confirm, got
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, [0])
    ready.put(os.getpid())
    remaining = count
    while remaining:
        for key, _ in sel.select(10):
            try:
                data = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            if not data:
                raise RuntimeError("server closed a subscriber")
            key.data[0] += len(data)
            if key.data[0] >= expected:
                sel.unregister(key.fileobj)
                remaining -= 1
    done.put(time.monotonic())
    for s in socks:
        s.close()


def cpu_seconds(pid):
    """User + system CPU time of a process (Linux), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(proc, subscribers, messages, batch, size, procs):
    """(deliveries per second, deliveries per server CPU second or None)."""
    port = proc.port
    payload = b"x" * size
    expected = len(message_bytes(payload)) * messages
    ready, done = multiprocessing.Queue(), multiprocessing.Queue()
    per = [subscribers // procs + (1 if i < subscribers % procs else 0) for i in range(procs)]
    workers = [multiprocessing.Process(target=reader, args=(port, n, expected, ready, done))
               for n in per if n]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get(timeout=60)
    pub = RawClient(port, timeout=120)
    reply = b":%d\r\n" % subscribers
    chunk = encode_command("PUBLISH", CHANNEL, payload) * batch
    sent = 0
    cpu_start = cpu_seconds(proc.proc.pid)
    start = time.monotonic()
    while sent < messages:
        n = min(batch, messages - sent)
        pub.send(chunk if n == batch else encode_command("PUBLISH", CHANNEL, payload) * n)
        for _ in range(n):
            got = pub.read_reply()
            if got != reply:
                raise RuntimeError("PUBLISH replied %r" % got)
        sent += n
    end = max(done.get(timeout=300) for _ in workers)
    cpu_end = cpu_seconds(proc.proc.pid)
    for w in workers:
        w.join()
    pub.close()
    deliveries = messages * subscribers
    cpu = cpu_end - cpu_start if cpu_start is not None and cpu_end is not None else None
    return deliveries / (end - start), (deliveries / cpu if cpu else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-s", "--subscribers", type=int, default=100)
    ap.add_argument("-m", "--messages", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=50, help="PUBLISH commands per pipelined batch")
    ap.add_argument("--size", type=int, default=16, help="payload bytes")
    ap.add_argument("--procs", type=int, default=2, help="reader processes")
    ap.add_argument("--rounds", type=int, default=3, help="runs per server (the median is kept)")
    args = ap.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is needed (apt-get install redis-server)")
    ours, theirs = start_pyredis(*NO_LIMIT), start_redis(*NO_LIMIT)
    try:
        runs = {"pyredis": [], "redis": []}
        # Alternate the servers so a noisy moment does not favour one of them.
        for _ in range(args.rounds):
            for name, proc in (("pyredis", ours), ("redis", theirs)):
                runs[name].append(run(proc, args.subscribers, args.messages, args.batch, args.size, args.procs))

        def median(values):
            values = sorted(v for v in values if v is not None)
            return values[len(values) // 2] if values else None

        wall = {name: median(r[0] for r in rs) for name, rs in runs.items()}
        cpu = {name: median(r[1] for r in rs) for name, rs in runs.items()}
        print("%d subscribers, %d messages of %d bytes, PUBLISH batches of %d, median of %d runs, %d CPUs"
              % (args.subscribers, args.messages, args.size, args.batch, args.rounds, os.cpu_count()))
        print("%-10s %16s %24s" % ("server", "deliveries/s", "deliveries/server-CPU-s"))
        for name in runs:
            print("%-10s %16.0f %24s" % (name, wall[name], "%.0f" % cpu[name] if cpu[name] else "-"))
        print("ratio pyredis/redis: %.2f wall clock" % (wall["pyredis"] / wall["redis"]), end="")
        print(", %.2f per server CPU second" % (cpu["pyredis"] / cpu["redis"]) if cpu["pyredis"] and cpu["redis"]
              else "")
    finally:
        ours.stop()
        theirs.stop()


if __name__ == "__main__":
    main()
