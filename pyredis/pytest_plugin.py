"""The pytest plugin (entry point ``pytest11``): a pyredis server for every test session.

Fixtures:
  ``pyredis_server``          one server per session (so one per xdist worker)
  ``pyredis_client``          a redis-py client; keys, scripts and functions are flushed after the test
  ``pyredis_clock``           the server's clock (``advance``, ``freeze``, ``set``, ``resume``, ``now``),
                              back to real time after the test
  ``pyredis_server_factory``  ``factory(**config)`` starts a server of its own, stopped after the test

Options (or ``pyredis_config`` / ``pyredis_server`` in the ini file):
  ``--pyredis-config KEY=VALUE``  a redis.conf parameter for the session's server (repeatable)
  ``--pyredis-server URL``        use a running server instead (``redis://host:port/0``, ``host:port``
                                  or ``unix:///path``), e.g. a real redis-server, so the same tests run
                                  against both
"""
import pytest


def pytest_addoption(parser):
    group = parser.getgroup("pyredis", "pyredis server for tests")
    group.addoption("--pyredis-config", action="append", default=[], metavar="KEY=VALUE",
                    help="redis.conf parameter for the session's pyredis server (repeatable).")
    group.addoption("--pyredis-server", default=None, metavar="URL",
                    help="Use this running server (redis://host:port/db, host:port, unix:///path) "
                         "instead of starting pyredis.")
    parser.addini("pyredis_config", "redis.conf parameters (KEY=VALUE) for the session's pyredis server",
                  type="linelist", default=[])
    parser.addini("pyredis_server", "A running server to use instead of starting pyredis", default="")


def pytest_configure(config):
    # A malformed --pyredis-config stops the run before any test, as a usage error.
    _config(config)


def _config(pytestconfig):
    config = {}
    for item in list(pytestconfig.getini("pyredis_config")) + pytestconfig.getoption("pyredis_config"):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise pytest.UsageError("--pyredis-config takes KEY=VALUE, not %r" % item)
        key = key.strip()
        value = value.strip()
        if key in config:
            # Repeated parameters (save, rename-command ...) keep every value.
            previous = config[key]
            config[key] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            config[key] = value
    return config


class ExternalServer:
    """A server the plugin did not start (``--pyredis-server``): same attributes as RedisServer."""

    thread = False
    pid = None

    def __init__(self, url):
        if "://" not in url:
            url = "redis://" + url
        self.url = url
        self.unix_socket = url[len("unix://"):] if url.startswith("unix://") else None
        self.host = self.port = None
        if self.unix_socket is None:
            from urllib.parse import urlparse
            parsed = urlparse(url)
            self.host = parsed.hostname or "127.0.0.1"
            self.port = parsed.port or 6379

    def client(self, **kwargs):
        import redis
        return redis.Redis.from_url(self.url, **kwargs)

    def stop(self):
        pass


@pytest.fixture(scope="session")
def pyredis_server(pytestconfig):
    url = pytestconfig.getoption("pyredis_server") or pytestconfig.getini("pyredis_server")
    if url:
        yield ExternalServer(url)
        return
    from pyredis.embedded import RedisServer
    server = RedisServer(**_config(pytestconfig)).start()
    yield server
    server.stop()


@pytest.fixture
def pyredis_client(pyredis_server):
    client = pyredis_server.client()
    yield client
    # One round trip, whatever the server knows of scripts and functions.
    pipe = client.pipeline(transaction=False)
    pipe.execute_command("FLUSHALL")
    pipe.execute_command("SCRIPT", "FLUSH")
    pipe.execute_command("FUNCTION", "FLUSH")
    pipe.execute(raise_on_error=False)
    client.close()


@pytest.fixture
def pyredis_clock(pyredis_server):
    if isinstance(pyredis_server, ExternalServer):
        pytest.skip("moving the clock needs a pyredis server with enable-clock-command")
    clock = pyredis_server.clock
    yield clock
    clock.reset()


@pytest.fixture
def pyredis_server_factory():
    from pyredis.embedded import RedisServer
    started = []

    def start(**config):
        server = RedisServer(**config).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
