"""Shared fixtures: a live pyredis-server process, redis-py and raw-socket clients.

The server under test runs as a separate process started with ``python -m
pyredis``; ``PYREDIS_NO_EXTENSIONS`` is passed through, so the same suite runs
on either twin.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from respclient import RawClient  # noqa: E402
from serverproc import STARTED, start_pyredis  # noqa: E402


def _plugin_installed():
    from importlib.metadata import entry_points
    return any(ep.name == "pyredis.pytest_plugin" for ep in entry_points(group="pytest11"))


# A checkout that is not pip-installed has no entry point: load the plugin by name.
pytest_plugins = ["pytester"] + ([] if _plugin_installed() else ["pyredis.pytest_plugin"])


@pytest.fixture(scope="session")
def server():
    proc = start_pyredis()
    yield proc
    proc.stop()


@pytest.fixture
def start_server():
    """Factory for a server with its own options: ``start_server("--maxclients", 2)``."""
    started = []

    def start(*args, **kw):
        proc = start_pyredis(*args, **kw)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def r(server):
    """A redis-py client (RESP2, bytes) on a freshly flushed server."""
    import redis
    client = redis.Redis(host=server.host, port=server.port, protocol=2)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def r3(server):
    """A redis-py client speaking RESP3."""
    import redis
    client = redis.Redis(host=server.host, port=server.port, protocol=3)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def raw(server):
    """A raw-socket client on a freshly flushed server; ``raw.cmd(...)`` returns reply bytes."""
    client = RawClient(server.port)
    client.cmd("FLUSHALL")
    yield client
    client.close()


@pytest.fixture
def raw_factory(server):
    clients = []

    def make():
        client = RawClient(server.port)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    item.servers_from = len(STARTED)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the logs of the servers it started."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when == "call":
        for proc in STARTED[getattr(item, "servers_from", len(STARTED)):]:
            try:
                text = proc.log()
            except OSError:
                continue
            report.sections.append(("server log (port %d, pid %d)" % (proc.port, proc.proc.pid),
                                    text[-6000:]))
