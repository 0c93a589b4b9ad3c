"""Resident memory per key and per element, read from /proc after a pipelined load.

Each bound sits between what the layout costs and what the layout it replaced
cost, so a regression to the old layout fails.
"""
import socket

from respclient import encode_command

N = 200_000
BATCH = 2000


def rss(proc):
    with open("/proc/%d/status" % proc.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def load(port, commands):
    """Send the commands in pipelined batches; every reply here is one line."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        for start in range(0, len(commands), BATCH):
            batch = commands[start:start + BATCH]
            s.sendall(b"".join(encode_command(*cmd) for cmd in batch))
            lines = 0
            while lines < len(batch):
                chunk = s.recv(65536)
                assert chunk, "server closed the connection"
                lines += chunk.count(b"\r\n")


def growth_per_item(start_server, commands, count):
    proc = start_server()
    # one round first, so the buffers of a pipelined client are in the baseline
    load(proc.port, [(b"SET", b"warm", b"up")] * BATCH)
    before = rss(proc)
    load(proc.port, commands)
    return (rss(proc) - before) / count


def test_small_integer_values_share_one_object(start_server):
    # "0".."9999" from SET and INCR against "x0".."x9999", both in 48-byte
    # objects: the shared values save (about) that object per key
    keys = [b"k:%08d" % i for i in range(N)]
    shared = [(b"SET", k, b"%d" % (i % 10000)) for i, k in enumerate(keys[:N // 2])]
    shared += [(b"INCR", k) for k in keys[N // 2:]]
    private = [(b"SET", k, b"x%d" % (i % 10000)) for i, k in enumerate(keys)]
    saved = (growth_per_item(start_server, private, N)
             - growth_per_item(start_server, shared, N))
    assert saved > 38


def test_list_elements_are_packed(start_server):
    # 16 bytes and a length byte each; a bytes object and a list slot were 72
    commands = [(b"RPUSH", b"l", b"element:%08d" % i) for i in range(N)]
    assert growth_per_item(start_server, commands, N) < 30
