"""The tracking table's limit, INFO counts and client eviction on a live server."""
import re
import time

import redis


def test_table_limit_invalidates_oldest(start_server):
    proc = start_server("--tracking-table-max-keys", "5")
    r = redis.Redis(port=proc.port, protocol=3)
    r.execute_command("CLIENT", "TRACKING", "ON")
    for i in range(20):
        r.get("k%d" % i)
    # Checked before every command: the last GET left 6, this INFO finds 5.
    assert int(r.info("stats")["tracking_total_keys"]) == 5
    r.close()


def test_table_limit_effort_grows_while_over(start_server):
    # trackingLimitUsedSlots: 100 keys before a command, 200 before the next ...
    # (one pipeline: run in one pass, with no cron between its commands).
    server = start_server()
    reader = _raw(server.port, b"HELLO 3\r\n", b"CLIENT TRACKING ON\r\n")
    _until_pong(reader, b"".join(b"GET k%d\r\n" % i for i in range(300)))
    w = _raw(server.port)
    try:
        out = _until_pong(w, b"CONFIG SET tracking-table-max-keys 10\r\n"
                             b"INFO stats\r\nINFO stats\r\nINFO stats\r\n")
        assert re.findall(rb"tracking_total_keys:(\d+)", out) == [b"200", b"10", b"10"]
        assert _until_pong(reader, b"").count(b">2\r\n$10\r\ninvalidate\r\n") == 290
    finally:
        reader.close()
        w.close()


def test_info_counts(server):
    r = redis.Redis(port=server.port, protocol=3)
    r.execute_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p:")
    stats = r.info("stats")
    assert stats["tracking_total_prefixes"] >= 1
    r.execute_command("CLIENT", "TRACKING", "OFF")
    r.close()


def test_client_eviction_spares_no_evict_clients(start_server):
    import socket
    proc = start_server("--maxmemory-clients", "200kb")
    r = redis.Redis(port=proc.port)
    r.set("big", "x" * 300000)
    keeper = redis.Redis(port=proc.port)
    keeper.execute_command("CLIENT", "NO-EVICT", "on")
    greedy = socket.create_connection(("127.0.0.1", proc.port))
    greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    greedy.sendall(b"GET big\r\n" * 20)
    deadline = time.time() + 5
    while int(r.info("stats")["evicted_clients"]) == 0:
        assert time.time() < deadline
        time.sleep(0.05)
    assert keeper.ping()


def _raw(port, *lines):
    """A connection that sent ``lines``, their replies read."""
    import socket
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    _until_pong(s, b"".join(lines))
    return s


def _until_pong(s, data):
    """Send ``data`` and a PING; what came back before the PONG."""
    s.sendall(data + b"PING\r\n")
    out = b""
    while not out.endswith(b"+PONG\r\n"):
        chunk = s.recv(65536)
        assert chunk
        out += chunk
    return out[:-7]


def test_table_limit_is_not_broadcast(start_server):
    # trackingLimitUsedSlots invalidates with bcast off: only the readers hear of it.
    proc = start_server("--tracking-table-max-keys", "2")
    bcast = _raw(proc.port, b"HELLO 3\r\n", b"CLIENT TRACKING ON BCAST\r\n")
    reader = _raw(proc.port, b"HELLO 3\r\n", b"CLIENT TRACKING ON\r\n")
    out = _until_pong(reader, b"GET k1\r\nGET k2\r\nGET k3\r\nGET k4\r\nGET k5\r\n")
    # Before each command that finds the table over (GET k4, GET k5, PING), one
    # key goes: Redis picks it at random, pyredis the oldest.
    assert re.sub(rb"k[1-5]", b"k", out) == b"_\r\n" * 3 + (
        b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk\r\n_\r\n") * 2 + (
        b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk\r\n")
    r = redis.Redis(port=proc.port)
    assert int(r.info("stats")["tracking_total_keys"]) == 2
    assert _until_pong(bcast, b"") == b""
    r.set("k9", "v")
    assert _until_pong(bcast, b"") == b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk9\r\n"
    r.close()


def test_table_counts_keys_and_readers(server):
    r = redis.Redis(port=server.port)
    r.flushall()
    r.mset({"a": "0", "b": "0", "c": "0"})
    readers = [_raw(server.port, b"HELLO 3\r\n", b"CLIENT TRACKING ON\r\n") for _ in range(3)]
    _until_pong(readers[0], b"GET a\r\nGET a\r\nMGET a b c\r\n")
    _until_pong(readers[1], b"GET a\r\nMGET b b\r\n")
    _until_pong(readers[2], b"GET a\r\n")
    stats = r.info("stats")
    assert (stats["tracking_total_keys"], stats["tracking_total_items"]) == (3, 6)
    r.set("a", "1")
    stats = r.info("stats")
    assert (stats["tracking_total_keys"], stats["tracking_total_items"]) == (2, 3)
    for s in readers:
        assert _until_pong(s, b"") == b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n"
    r.delete("b", "c")
    stats = r.info("stats")
    assert (stats["tracking_total_keys"], stats["tracking_total_items"]) == (0, 0)
    r.close()
    for s in readers:
        s.close()
