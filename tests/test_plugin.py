"""The pytest plugin, run in a nested pytest session (pytester)."""
import shutil

import pytest

from serverproc import start_redis

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_PLUGIN = ["-p", "pyredis.pytest_plugin"]


def _run(pytester, *args):
    from importlib.metadata import entry_points
    installed = any(ep.name == "pyredis.pytest_plugin" for ep in entry_points(group="pytest11"))
    return pytester.runpytest_inprocess(*(() if installed else _PLUGIN), "-p", "no:cacheprovider", *args)


def test_fixtures_flush_between_tests_and_move_the_clock(pytester):
    pytester.makepyfile(test_app="""
        import time

        def test_first(pyredis_client):
            pyredis_client.set("leak", "v")
            pyredis_client.set("ttl", "v", ex=60)
            assert pyredis_client.get("leak") == b"v"

        def test_second_sees_a_clean_keyspace(pyredis_client):
            assert pyredis_client.dbsize() == 0

        def test_clock(pyredis_client, pyredis_clock):
            pyredis_client.set("session", "v", ex=3600)
            pyredis_clock.advance(3601)
            assert pyredis_client.exists("session") == 0
            pyredis_clock.freeze()
            assert pyredis_client.time() == pyredis_client.time()

        def test_clock_is_back_to_real_time(pyredis_client):
            assert abs(pyredis_client.time()[0] - time.time()) < 5

        def test_one_server_per_session(pyredis_server, pyredis_client):
            assert pyredis_client.connection_pool.connection_kwargs["port"] == pyredis_server.port

        def test_factory(pyredis_server_factory, pyredis_server):
            other = pyredis_server_factory(maxmemory="5mb")
            assert other.port != pyredis_server.port
            assert other.client().config_get("maxmemory") == {"maxmemory": "5242880"}
    """)
    result = _run(pytester, "-q")
    result.assert_outcomes(passed=6)


def test_config_option_and_ini(pytester):
    pytester.makeini("""
        [pytest]
        pyredis_config =
            maxmemory=7mb
            hz=15
    """)
    pytester.makepyfile(test_cfg="""
        def test_config(pyredis_client):
            assert pyredis_client.config_get("maxmemory") == {"maxmemory": "7340032"}
            assert pyredis_client.config_get("hz") == {"hz": "15"}
            assert pyredis_client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
    """)
    result = _run(pytester, "-q", "--pyredis-config", "maxmemory-policy=allkeys-lru")
    result.assert_outcomes(passed=1)


def test_bad_config_option_is_a_usage_error(pytester):
    pytester.makepyfile(test_bad="""
        def test_x(pyredis_client):
            pass
    """)
    result = _run(pytester, "-q", "--pyredis-config", "novalue")
    assert result.ret != 0
    assert "KEY=VALUE" in str(result.stderr) + str(result.stdout)


def test_same_tests_against_a_real_redis_server(pytester):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    real = start_redis()
    try:
        pytester.makepyfile(test_real="""
            def test_version(pyredis_client):
                assert pyredis_client.info("server")["redis_version"] == "7.0.15"
                assert "pyredis_implementation" not in pyredis_client.info("server")
                pyredis_client.set("k", "v")

            def test_flushed(pyredis_client):
                assert pyredis_client.dbsize() == 0

            def test_clock_needs_pyredis(pyredis_clock):
                pass
        """)
        result = _run(pytester, "-q", "--pyredis-server", "redis://127.0.0.1:%d/0" % real.port)
        result.assert_outcomes(passed=2, skipped=1)
    finally:
        real.stop()


@pytest.mark.slow
def test_xdist_workers_each_get_a_server(pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(test_par="""
        import pytest

        @pytest.mark.parametrize("i", range(24))
        def test_isolated(pyredis_client, pyredis_clock, pyredis_server_factory, i):
            assert pyredis_client.incr("counter") == 1
            pyredis_client.set("k", i, ex=10)
            pyredis_clock.advance(11)
            assert pyredis_client.get("k") is None
            assert pyredis_server_factory().client().ping()
    """)
    result = _run(pytester, "-q", "-n", "8")
    result.assert_outcomes(passed=24)
