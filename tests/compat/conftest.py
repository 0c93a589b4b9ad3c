"""Differential fixtures: the same commands to pyredis and to a real redis-server.

The real server is started on a free port when ``redis-server`` is on PATH;
without it every compat test is skipped (never failed).
"""
import shutil

import pytest

from respclient import RawClient, encode_command
from serverproc import start_pyredis, start_redis


@pytest.fixture(scope="session")
def real_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    proc = start_redis()
    yield proc
    proc.stop()


class Pair:
    """A raw connection to each server; ``run`` sends one command to both."""

    def __init__(self, ours, theirs):
        self.ours = RawClient(ours.port)
        self.theirs = RawClient(theirs.port)

    def run(self, *args):
        mine = self.ours.cmd(*args)
        oracle = self.theirs.cmd(*args)
        assert mine == oracle, "%r\n  pyredis: %r\n  redis:   %r" % (args, mine, oracle)
        return mine

    def send_raw(self, data):
        """Send raw bytes to both and compare everything that comes back."""
        self.ours.send(data)
        self.theirs.send(data)
        mine = self.ours.read_all()
        oracle = self.theirs.read_all()
        assert mine == oracle, "%r\n  pyredis: %r\n  redis:   %r" % (data, mine, oracle)
        return mine

    def close(self):
        self.ours.close()
        self.theirs.close()


@pytest.fixture(scope="module")
def servers_with():
    """Factory for a pyredis and a redis-server started with the same extra options.

    ``servers_with("--requirepass", "pw")`` returns (ours, theirs); both stop
    at the end of the module.
    """
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    started = []

    def start(*args):
        ours = start_pyredis(*args)
        started.append(ours)
        theirs = start_redis(*args)
        started.append(theirs)
        return ours, theirs

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def pair_factory(server, real_redis):
    """``make()`` pairs the shared servers; ``make(servers)`` a (ours, theirs) from ``servers_with``."""
    pairs = []

    def make(servers=None):
        p = Pair(*(servers or (server, real_redis)))
        pairs.append(p)
        return p

    yield make
    for p in pairs:
        p.close()


@pytest.fixture
def pair(pair_factory):
    """A connected pair on two flushed servers."""
    p = pair_factory()
    p.run("FLUSHALL")
    return p


@pytest.fixture
def compare(pair):
    """``compare(cmd1, cmd2, ...)``: each a tuple of args; asserts identical raw replies in order."""
    def run(*commands):
        return [pair.run(*cmd) for cmd in commands]
    return run


__all__ = ["encode_command"]
