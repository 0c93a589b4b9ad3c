"""Ten thousand connections at once, a thousand of them busy; maxclients' refusal."""
import resource
import socket

import pytest

CLIENTS = 10000
ACTIVE = 1000


@pytest.fixture
def fd_room():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = CLIENTS + 200
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            pytest.fail("the test needs 'ulimit -n' of %d (hard limit is %d)" % (want, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.slow
def test_ten_thousand_clients(fd_room, start_server):
    proc = start_server("--maxclients", str(CLIENTS))
    socks = []
    try:
        for _ in range(CLIENTS):
            socks.append(socket.create_connection(("127.0.0.1", proc.port)))
        for i, s in enumerate(socks[:ACTIVE]):
            s.sendall(b"SET k%d %d\r\nGET k%d\r\n" % (i, i, i))
        for i, s in enumerate(socks[:ACTIVE]):
            want = b"+OK\r\n$%d\r\n%d\r\n" % (len(str(i)), i)
            got = b""
            while len(got) < len(want):
                got += s.recv(100)
            assert got == want
        extra = socket.create_connection(("127.0.0.1", proc.port))
        assert extra.recv(100) == b"-ERR max number of clients reached\r\n"
        extra.close()
    finally:
        for s in socks:
            s.close()
