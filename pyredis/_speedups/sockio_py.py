"""A client socket's reads and writes, pure-Python twin of ``sockio.pyx``: ``os.read`` and ``os.write``.

The loop reads and writes a client's socket through its descriptor:
``socket.recv`` and ``send`` would add their timeout handling to every
request.  ``read(fd, n)`` gives the bytes read (b"" at EOF) and
``write(fd, data)`` the count written; an error is OSError by errno
(BlockingIOError when the socket would block), and EINTR is retried once
the signal handlers ran.
"""
import os

read = os.read


def write(fd, data):
    """``os.write(fd, data)`` for a bytes object: the count written."""
    if data.__class__ is not bytes:
        raise TypeError("write() takes bytes, not %s" % type(data).__name__)
    return os.write(fd, data)


__all__ = ["read", "write"]
