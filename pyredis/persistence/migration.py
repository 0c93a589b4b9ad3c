"""MIGRATE's connections to other servers, kept open between calls as Redis's migrateGetSocket.

A cached connection remembers the db it last selected so the next MIGRATE to
the same db skips SELECT; it is closed after MIGRATE_SOCKET_CACHE_TTL seconds
unused, or at once after any I/O error.
"""
import socket
import time

MIGRATE_SOCKET_CACHE_ITEMS = 64
MIGRATE_SOCKET_CACHE_TTL = 10


class MigrateError(Exception):
    """An I/O failure; ``writing`` tells which direction failed, None for connecting."""

    def __init__(self, writing=None, timed_out=False):
        Exception.__init__(self)
        self.writing = writing
        self.timed_out = timed_out


class Link:
    __slots__ = ("sock", "last_dbid", "last_use", "buf")

    def __init__(self, sock):
        self.sock = sock
        self.last_dbid = -1
        self.last_use = time.time()
        self.buf = b""

    def send(self, data, timeout):
        if self.sock is None:
            raise MigrateError(writing=True)
        self.sock.settimeout(timeout)
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise MigrateError(writing=True, timed_out=True) from None
        except OSError:
            raise MigrateError(writing=True) from None

    def read_line(self, timeout):
        """syncReadLine: one reply line without its CRLF."""
        self.sock.settimeout(timeout)
        while b"\r\n" not in self.buf:
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                raise MigrateError(writing=False, timed_out=True) from None
            except OSError:
                raise MigrateError(writing=False) from None
            if not chunk:
                raise MigrateError(writing=False)
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line


class LinkCache:
    def __init__(self):
        self.links = {}

    def get(self, host, port, timeout):
        name = (host, port)
        link = self.links.get(name)
        if link is not None:
            link.last_use = time.time()
            return link
        if len(self.links) >= MIGRATE_SOCKET_CACHE_ITEMS:
            self.close(next(iter(self.links)))
        try:
            sock = socket.create_connection((host.decode("latin-1"), int(port)), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except socket.timeout:
            raise MigrateError() from None
        except (OSError, ValueError, UnicodeError, OverflowError):
            # Redis connects without blocking, so a refused connection shows
            # up as the first write failing.
            sock = None
        link = self.links[name] = Link(sock)
        return link

    def close(self, name):
        link = self.links.pop(name, None)
        if link is not None and link.sock is not None:
            link.sock.close()

    def close_idle(self, now):
        for name, link in list(self.links.items()):
            if now - link.last_use > MIGRATE_SOCKET_CACHE_TTL:
                self.close(name)
