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


def test_a_growing_keyspace_gives_its_old_tables_back(start_server):
    # 16-byte keys and values: glibc kept the tables the keyspace grew out of
    # on its heap (202 bytes a key); the server maps large blocks (192)
    commands = [(b"SET", b"key:%012d" % i, b"v" * 16) for i in range(N)]
    assert growth_per_item(start_server, commands, N) < 197


def test_compiled_keys_live_in_their_table_entries(start_server):
    # the compiled keyspace table keeps a 16-byte key in a 32-byte entry where
    # the dict (the pure twin) keeps a 64-byte bytes object beside its own
    # 24-byte entry: about 50 bytes a key fewer
    from pyredis._speedups import IMPLEMENTATION
    commands = [(b"SET", b"key:%012d" % i, b"v" * 16) for i in range(N)]
    growth = growth_per_item(start_server, commands, N)
    assert growth < (160 if IMPLEMENTATION == "cython" else 197)


def test_compiled_hash_fields_live_in_their_table_entries(start_server):
    # a hash's fields are kept as a db's keys are: 16-byte fields in 32-byte
    # entries with the compiled table, bytes objects beside a dict's entries
    # with the pure twin
    from pyredis._speedups import IMPLEMENTATION
    commands = [(b"HSET", b"h", b"field:%010d" % i, b"v" * 16) for i in range(N)]
    growth = growth_per_item(start_server, commands, N)
    assert growth < (150 if IMPLEMENTATION == "cython" else 200)


def test_an_empty_server_does_not_load_openssl(start_server):
    # hashlib's libcrypto is 3 MB resident: loaded by the first hash (a
    # script's SHA1 here), not at start
    proc = start_server()
    with open("/proc/%d/maps" % proc.proc.pid) as f:
        assert "libcrypto" not in f.read()
    with socket.create_connection(("127.0.0.1", proc.port)) as s:
        s.sendall(encode_command(b"SCRIPT", b"LOAD", b"return 1"))
        assert s.recv(100) == b"$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n"
    with open("/proc/%d/maps" % proc.proc.pid) as f:
        assert "libcrypto" in f.read()
