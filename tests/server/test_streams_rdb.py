"""Streams through RDB files, DUMP/RESTORE, DEBUG RELOAD and the AOF rewrite, on pyredis alone."""
import time

import pytest
import redis

from respclient import RawClient


def fill(r):
    r.config_set("stream-node-max-entries", 3)
    for i in range(1, 12):
        r.xadd("s", {"f": i, "g": "v%d" % i}, id="1-%d" % i)
    r.xadd("s", {"other": "-5"}, id="2-0")
    r.xdel("s", "1-1", "1-5", "1-7")
    r.xgroup_create("s", "g1", id="0")
    r.xgroup_create("s", "g2", id="$")
    r.xreadgroup("g1", "alice", {"s": ">"}, count=3)
    r.xreadgroup("g1", "bob", {"s": ">"}, count=1)
    r.xclaim("s", "g1", "bob", 0, ["1-2"], retrycount=4)
    r.xgroup_createconsumer("s", "g2", "idle")
    r.xadd("empty", {"a": 1}, id="3-3")
    r.xdel("empty", "3-3")
    r.config_set("stream-node-max-entries", 100)


def state(r):
    return {key: (r.xrange(key), r.execute_command("XINFO", "STREAM", key, "FULL"))
            for key in (b"s", b"empty")}


def _client(proc):
    return redis.Redis(host=proc.host, port=proc.port, protocol=2)


def test_restart_keeps_streams_groups_and_pending_entries(start_server):
    proc = start_server()
    r = _client(proc)
    fill(r)
    before = state(r)
    assert r.save() is True
    proc.stop()
    again = _client(start_server(cwd=proc.cwd))
    assert state(again) == before
    assert again.xinfo_stream("s")["radix-tree-keys"] == 4
    # The loaded stream goes on as the saved one would have.
    read = again.xreadgroup("g1", "carol", {"s": ">"}, count=1)
    assert read == [[b"s", [(b"1-8", {b"f": b"8", b"g": b"v8"})]]]
    assert again.xack("s", "g1", "1-2", "1-3") == 2
    assert again.xpending("s", "g1")["pending"] == 3


def test_dump_restore_and_serialized_length(start_server):
    r = _client(start_server("--enable-debug-command", "yes"))
    fill(r)
    before = state(r)
    payloads = {key: r.dump(key) for key in (b"s", b"empty")}
    lengths = {key: r.debug_object(key)["serializedlength"] for key in payloads}
    assert payloads[b"s"][0] == 19
    r.delete(*payloads)
    for key, payload in payloads.items():
        assert r.restore(key, 0, payload) == b"OK"
        assert r.dump(key) == payload
        assert r.debug_object(key)["serializedlength"] == lengths[key]
    assert state(r) == before
    assert r.memory_usage("s") > r.memory_usage("empty") > 0


def test_corrupt_payload_is_bad_data_format(r):
    fill(r)
    payload = r.dump("s")
    from pyredis._speedups import crc64
    for cut in (5, 40, len(payload) - 20):
        body = payload[:cut] + payload[-10:-8]
        bad = body + crc64(0, body).to_bytes(8, "little")
        with pytest.raises(redis.ResponseError, match="^Bad data format$"):
            r.restore("copy", 0, bad)
    assert r.exists("copy") == 0


def test_debug_reload_keeps_streams(start_server):
    proc = start_server("--enable-debug-command", "yes")
    c = RawClient(proc.port)
    r = _client(proc)
    fill(r)
    before = state(r)
    assert c.cmd("DEBUG", "RELOAD") == b"+OK\r\n"
    assert state(r) == before
    c.close()


def test_aof_rewrite_then_restart_keeps_streams(start_server):
    proc = start_server("--appendonly", "yes", "--aof-use-rdb-preamble", "no")
    r = _client(proc)
    fill(r)
    r.bgrewriteaof()
    for _ in range(200):
        info = r.info("persistence")
        if info["aof_rewrites"] == 1 and not info["aof_rewrite_in_progress"]:
            break
        time.sleep(0.05)
    entries = {key: r.xrange(key) for key in (b"s", b"empty")}
    pending = r.xpending_range("s", "g1", "-", "+", 10)
    groups = r.xinfo_groups("s")
    proc.stop()
    again = _client(start_server("--appendonly", "yes", cwd=proc.cwd))
    assert {key: again.xrange(key) for key in (b"s", b"empty")} == entries
    assert again.xinfo_groups("s") == groups
    got = again.xpending_range("s", "g1", "-", "+", 10)
    assert [(p["message_id"], p["consumer"], p["times_delivered"]) for p in got] == \
        [(p["message_id"], p["consumer"], p["times_delivered"]) for p in pending]
    assert again.xinfo_stream("empty")["last-generated-id"] == b"3-3"
    assert [c["name"] for c in again.xinfo_consumers("s", "g2")] == [b"idle"]
