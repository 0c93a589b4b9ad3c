"""The tracking table's limit and INFO counts on a live server."""
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
