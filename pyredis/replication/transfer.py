"""Writing a full resync outside the event loop: before the fork, and from the diskless child.

The child of a diskless transfer writes the RDB, between its EOF marks, to
every replica socket itself (the parent holds the stream for them until it
exits), waiting on each non-blocking socket with poll.
"""
import os
import select

from ..persistence import rdb, snapshots

# Bytes the diskless child gathers before each write to the sockets.
CHILD_CHUNK = 256 * 1024


def write_now(c):
    """Send what ``c`` has queued before the fork, so the child's bytes come after it."""
    parts = []
    if c.writing and c.obuf is not None:
        parts.append(bytes(memoryview(c.obuf)[c.opos:]))
        c.obuf = None
        c.opos = 0
        c.writing = False
        try:
            c.server.poller.modify(c.fd, 1)
        except (KeyError, ValueError, OSError):
            pass
    parts.extend(c.out)
    c.out.clear()
    c.out_len = 0
    if parts:
        _send_all(c.sock.fileno(), b"".join(parts), 10.0)


def _send_all(fd, data, timeout):
    """Write all of ``data`` to a non-blocking socket; False if it failed or stalled."""
    view = memoryview(data)
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    while view:
        try:
            n = os.write(fd, view)
        except (BlockingIOError, InterruptedError):
            if not poller.poll(timeout * 1000):
                return False
            continue
        except OSError:
            return False
        view = view[n:]
    return True


class _Fanout:
    """A file the RDB writer writes to: chunks go to every replica socket still up."""

    def __init__(self, fds, timeout):
        self.fds = list(fds)
        self.timeout = timeout
        self.buf = []
        self.size = 0

    def write(self, data):
        self.buf.append(data)
        self.size += len(data)
        if self.size >= CHILD_CHUNK:
            self.flush()
        return len(data)

    def flush(self):
        if not self.buf:
            return
        data = b"".join(self.buf)
        self.buf = []
        self.size = 0
        self.fds = [fd for fd in self.fds if _send_all(fd, data, self.timeout)]
        if not self.fds:
            raise OSError("no replica left")


def diskless_child(server, socks, mark, rsi, data=True, functions=True):
    code = 1
    try:
        snapshots.become_child(server)
        out = _Fanout([s.fileno() for s in socks], server.config["repl-timeout"])
        out.write(b"$EOF:" + mark + b"\r\n")
        rdb.write_snapshot(server, out, rsi=rsi, data=data, functions=functions)
        out.write(mark)
        out.flush()
        code = 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)
