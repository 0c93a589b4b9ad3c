"""Protected mode seen from a non-loopback address: the same refusal, and the same ways out,
as redis-server 7.0.

Both servers listen on every interface (or on the machine's own address) and are reached
through that address, so the peer they see is not a loopback one.
"""
import fcntl
import socket
import struct

import pytest

from respclient import RawClient
from serverproc import start_pyredis, start_redis

_SIOCGIFADDR = 0x8915


def _outside_address():
    """The first IPv4 address of this machine that is not a loopback one, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(s.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue
            addr = socket.inet_ntoa(packed[20:24])
            if not addr.startswith("127."):
                return addr
    return None


OUTSIDE = _outside_address()
pytestmark = pytest.mark.skipif(OUTSIDE is None, reason="no non-loopback IPv4 address on this machine")


def _from_outside(port):
    """What a client connecting through the outside address reads before the server closes it
    (or within a short wait), ending in b"<closed>" when it was closed."""
    with socket.create_connection((OUTSIDE, port), timeout=5) as s:
        s.settimeout(0.5)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return data + b"<closed>"
                data += chunk
        except socket.timeout:
            return data


def _ping_from_outside(port):
    c = RawClient(port, host=OUTSIDE)
    try:
        return c.cmd("PING")
    finally:
        c.close()


def _rejected(port):
    c = RawClient(port)
    try:
        info = c.cmd("INFO", "stats").decode()
    finally:
        c.close()
    return int(info.split("rejected_connections:")[1].split("\r\n")[0])


def _both(servers, fn):
    ours, theirs = servers
    mine, oracle = fn(ours.port), fn(theirs.port)
    assert mine == oracle, "pyredis: %r\nredis:   %r" % (mine, oracle)
    return mine


def test_refused_on_every_interface(servers_with):
    servers = servers_with("--bind", "0.0.0.0")
    refusal = _both(servers, _from_outside)
    assert refusal.startswith(b"-DENIED Redis is running in protected mode because protected mode is enabled")
    assert refusal.endswith(b"in order for the server to start accepting connections from the outside.\r\n<closed>")
    assert _both(servers, _rejected) == 1
    # Loopback clients are served as usual.
    for proc in servers:
        assert RawClient(proc.port).cmd("PING") == b"+PONG\r\n"


def test_explicit_bind_does_not_lift_it(servers_with):
    # Redis 7.0 no longer turns protected mode off because a bind address was given.
    servers = servers_with("--bind", OUTSIDE, "127.0.0.1")
    assert _both(servers, _from_outside).startswith(b"-DENIED ")


def test_lifted_by_a_password_or_turning_it_off(servers_with):
    servers = servers_with("--bind", "0.0.0.0")
    admins = [RawClient(proc.port) for proc in servers]

    def everywhere(*args):
        replies = [c.cmd(*args) for c in admins]
        assert replies[0] == replies[1]

    assert _both(servers, _from_outside).startswith(b"-DENIED ")
    everywhere("CONFIG", "SET", "requirepass", "pw")
    assert _both(servers, _ping_from_outside) == b"-NOAUTH Authentication required.\r\n"
    everywhere("AUTH", "pw")
    everywhere("CONFIG", "SET", "requirepass", "")
    assert _both(servers, _from_outside).startswith(b"-DENIED ")
    everywhere("ACL", "SETUSER", "default", ">secret")
    assert _both(servers, _ping_from_outside) == b"-NOAUTH Authentication required.\r\n"
    everywhere("ACL", "SETUSER", "default", "nopass")
    assert _both(servers, _from_outside).startswith(b"-DENIED ")
    everywhere("CONFIG", "SET", "protected-mode", "no")
    assert _both(servers, _ping_from_outside) == b"+PONG\r\n"
    everywhere("CONFIG", "SET", "protected-mode", "yes")
    assert _both(servers, _from_outside).startswith(b"-DENIED ")
    assert _both(servers, _rejected) == 4


def test_refusal_leaves_other_clients_alone(servers_with):
    ours, _ = servers_with("--bind", "0.0.0.0")
    inside = RawClient(ours.port)
    inside.cmd("SET", "k", "v")
    for _ in range(5):
        assert _from_outside(ours.port).startswith(b"-DENIED ")
    assert inside.cmd("GET", "k") == b"$1\r\nv\r\n"


def test_default_bind_is_everywhere_and_refused_from_outside():
    # Both test starters bind 127.0.0.1 unless told otherwise: redis-server gets
    # its own default spelled out, pyredis none at all.
    ours, theirs = start_pyredis(bind=None), start_redis("--bind", "*", "-::*")
    try:
        servers = (ours, theirs)
        assert _both(servers, lambda port: RawClient(port).cmd("CONFIG", "GET", "bind")) == \
            b"*2\r\n$4\r\nbind\r\n$6\r\n* -::*\r\n"
        assert _both(servers, _from_outside).startswith(b"-DENIED ")
        assert _both(servers, _rejected) == 1
    finally:
        ours.stop()
        theirs.stop()
