"""maxmemory against redis-server: -OOM under noeviction, eviction order and counts."""
import pytest

from respclient import parse


@pytest.fixture
def limited(servers_with):
    return servers_with("--maxmemory", "2mb", "--maxmemory-policy", "noeviction")


def _fill_until_oom(client, limit=5000):
    for i in range(limit):
        r = client.cmd("SET", "key:%05d" % i, "x" * 1000)
        if r != b"+OK\r\n":
            return i, r
    return limit, None


def test_noeviction_refuses_writes_not_reads(limited, pair_factory):
    p = pair_factory(limited)
    n_ours, err_ours = _fill_until_oom(p.ours)
    n_theirs, err_theirs = _fill_until_oom(p.theirs)
    assert err_ours == err_theirs == b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    # The estimate follows Redis's own accounting closely enough to stop near the same place.
    assert abs(n_ours - n_theirs) <= n_theirs * 0.25
    for args in (("GET", "key:00001"), ("DEL", "nokey"), ("MULTI",), ("GET", "key:00001"),
                 ("SET", "a", "b"), ("EXEC",), ("MULTI",), ("EXEC",), ("LPUSH", "l", "x"),
                 ("INCR", "key:00001")):
        p.run(*args)
    p.run("FLUSHALL")
    p.run("SET", "a", "b")


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random",
                                    "volatile-ttl", "volatile-lru", "volatile-random"])
def test_policies_evict_and_count(servers_with, pair_factory, policy):
    p = pair_factory(servers_with("--maxmemory", "2mb", "--maxmemory-policy", policy))
    kept = []
    for side in (p.ours, p.theirs):
        for i in range(3000):
            if policy.startswith("volatile"):
                assert side.cmd("SET", "k%d" % i, "x" * 1000, "EX", str(1000 + i)) == b"+OK\r\n"
            else:
                assert side.cmd("SET", "k%d" % i, "x" * 1000) == b"+OK\r\n"
        stats = side.cmd("INFO", "stats")
        evicted = int(stats.split(b"evicted_keys:")[1].split(b"\r\n")[0])
        keys = parse(side.cmd("DBSIZE"))
        assert evicted > 1000 and keys + evicted <= 3000
        kept.append(keys)
        side.cmd("FLUSHALL")
    # Both stop at about the same dataset size.
    assert abs(kept[0] - kept[1]) <= kept[1] * 0.25


def test_volatile_ttl_evicts_nearest_expiry_first(servers_with, pair_factory):
    p = pair_factory(servers_with("--maxmemory", "2mb", "--maxmemory-policy", "volatile-ttl",
                                  "--maxmemory-samples", "10"))
    for side in (p.ours, p.theirs):
        for i in range(3000):
            side.cmd("SET", "k%d" % i, "x" * 1000, "EX", str(100000 - i))
        # The keys set last expire first: the survivors are mostly the early ones.
        assert parse(side.cmd("EXISTS", "k0")) == 1
        side.cmd("FLUSHALL")


def test_volatile_policies_fail_without_ttl_keys(servers_with, pair_factory):
    p = pair_factory(servers_with("--maxmemory", "2mb", "--maxmemory-policy", "volatile-lru"))
    n_ours, err_ours = _fill_until_oom(p.ours)
    n_theirs, err_theirs = _fill_until_oom(p.theirs)
    assert err_ours == err_theirs
    assert err_ours is not None and err_ours.startswith(b"-OOM")
