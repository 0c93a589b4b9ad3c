"""Real client libraries against the plugin's server (or ``--pyredis-server``)."""
import pytest
import redis


@pytest.fixture
def scripting(pyredis_client):
    """Libraries whose protocol is Lua scripts (redis-py's Lock, RQ) need EVAL on the server."""
    try:
        pyredis_client.execute_command("EVAL", "return 1", 0)
    except redis.ResponseError as exc:
        if "unknown command" in str(exc):
            pytest.skip("the server has no scripting (EVAL/EVALSHA)")
        raise
