"""The tracking table's limit, INFO counts and client eviction on a live server."""
import time

import redis


def test_table_limit_invalidates_oldest(start_server):
    proc = start_server("--tracking-table-max-keys", "5")
    r = redis.Redis(port=proc.port, protocol=3)
    r.execute_command("CLIENT", "TRACKING", "ON")
    for i in range(20):
        r.get("k%d" % i)
    deadline = time.time() + 3
    while int(r.info("stats")["tracking_total_keys"]) > 5:
        assert time.time() < deadline
        time.sleep(0.05)
    r.close()


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
