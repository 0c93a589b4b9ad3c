"""Django's Redis cache backend against pyredis, with TTLs driven by the server's clock."""
import pytest

django = pytest.importorskip("django")


@pytest.fixture
def cache(pyredis_server, pyredis_client):
    from django.conf import settings
    if not settings.configured:
        settings.configure(CACHES={})
        django.setup()
    from django.core.cache.backends.redis import RedisCache
    backend = RedisCache(pyredis_server.url, {"KEY_PREFIX": "app"})
    yield backend
    backend.close()


def test_get_set_and_types(cache):
    cache.set("user:1", {"name": "ada", "roles": ["admin"]}, timeout=300)
    assert cache.get("user:1") == {"name": "ada", "roles": ["admin"]}
    cache.set("n", 10)
    assert cache.incr("n", 5) == 15
    assert cache.decr("n") == 14
    assert cache.add("n", 0) is False
    assert cache.get_many(["user:1", "n", "missing"]) == {
        "user:1": {"name": "ada", "roles": ["admin"]}, "n": 14}
    cache.set_many({"a": 1, "b": 2})
    cache.delete_many(["a", "b"])
    assert cache.get("a", "default") == "default"
    assert cache.has_key("n")
    cache.clear()
    assert not cache.has_key("n")


def test_timeouts_follow_the_server_clock(cache, pyredis_client, pyredis_clock):
    cache.set("session", "data", timeout=600)
    cache.set("forever", "data", timeout=None)
    assert 599 <= cache.ttl("session") if hasattr(cache, "ttl") else True
    pyredis_clock.advance(599)
    assert cache.get("session") == "data"
    assert cache.touch("session", timeout=60) is True
    pyredis_clock.advance(61)
    assert cache.get("session") is None
    assert cache.get("forever") == "data"
    assert pyredis_client.ttl(":1:forever") == -1 or pyredis_client.ttl("app:1:forever") == -1
