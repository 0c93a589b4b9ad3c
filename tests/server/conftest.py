"""Fixtures shared by the server test modules."""
import pytest

from respclient import RawClient
from serverproc import start_pyredis


@pytest.fixture(scope="module")
def notifying():
    """A private server publishing every keyspace event, a writer and a keyevent subscriber."""
    proc = start_pyredis("--notify-keyspace-events", "KEA")
    writer, sub = RawClient(proc.port), RawClient(proc.port)
    assert sub.cmd("PSUBSCRIBE", "__keyevent@0__:*").endswith(b":1\r\n")
    yield writer, sub
    writer.close()
    sub.close()
    proc.stop()
