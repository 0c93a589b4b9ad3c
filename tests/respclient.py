"""A raw-socket RESP client for tests that assert reply bytes exactly."""
import socket
import time


def encode_command(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        parts.append(b"$%d\r\n%b\r\n" % (len(a), a))
    return b"".join(parts)


class RawClient:
    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self, pos):
        while True:
            end = self.buf.find(b"\r\n", pos)
            if end >= 0:
                return end
            self._fill()

    def _skip_reply(self, pos):
        """Index just past the complete reply starting at ``pos``."""
        end = self._line(pos)
        kind = self.buf[pos:pos + 1]
        head = self.buf[pos + 1:end]
        nxt = end + 2
        if kind in b"$=!":
            n = int(head)
            if n < 0:
                return nxt
            while len(self.buf) < nxt + n + 2:
                self._fill()
            return nxt + n + 2
        if kind in b"*~>%|":
            n = int(head)
            if n < 0:
                return nxt
            if kind in b"%|":
                n *= 2
            for _ in range(n):
                nxt = self._skip_reply(nxt)
            return nxt
        return nxt

    def read_reply(self):
        """The next complete reply, raw bytes."""
        end = self._skip_reply(0)
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def cmd(self, *args):
        self.send(encode_command(*args))
        return self.read_reply()

    def read_all(self, wait=0.2):
        """Whatever arrives within ``wait`` seconds (for closed-connection checks)."""
        deadline = time.time() + wait
        self.sock.settimeout(0.05)
        try:
            while time.time() < deadline:
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                self.buf += chunk
        finally:
            self.sock.settimeout(10.0)
        out, self.buf = self.buf, b""
        return out

    def is_closed(self, wait=1.0):
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            return True
        finally:
            self.sock.settimeout(10.0)
        if chunk:
            self.buf += chunk
            return self.is_closed(wait)
        return True


def bulk(value):
    """A bulk string reply, as the server writes it."""
    if isinstance(value, str):
        value = value.encode()
    return b"$%d\r\n%b\r\n" % (len(value), value)


def bulks(*values):
    """An array of bulk strings, as the server writes it."""
    return b"*%d\r\n" % len(values) + b"".join(bulk(v) for v in values)


def parse_typed(reply):
    """A raw RESP2/RESP3 reply as a tree of (kind, value): ("$", bytes), (":", int),
    ("*", [...]) for arrays, sets and maps (flattened), None for nulls, and
    (first byte, rest of the line) for other lines."""
    def walk(pos):
        end = reply.index(b"\r\n", pos)
        kind, head, nxt = reply[pos:pos + 1], reply[pos + 1:end], end + 2
        if kind == b"$":
            n = int(head)
            if n < 0:
                return None, nxt
            return ("$", reply[nxt:nxt + n]), nxt + n + 2
        if kind in b"*~%":
            n = int(head) * (2 if kind == b"%" else 1)
            if n < 0:
                return None, nxt
            out = []
            for _ in range(n):
                item, nxt = walk(nxt)
                out.append(item)
            return ("*", out), nxt
        if kind == b":":
            return (":", int(head)), nxt
        if kind == b"_":
            return None, nxt
        return (kind.decode(), head), nxt
    value, end = walk(0)
    assert end == len(reply)
    return value


def parse(reply):
    """A raw RESP2/RESP3 reply as Python values: bulks as bytes, integers as int,
    nulls as None, arrays, sets and maps (flattened) as lists, other lines raw."""
    def plain(tree):
        if tree is None:
            return None
        kind, value = tree
        if kind == "*":
            return [plain(item) for item in value]
        if kind in ("$", ":"):
            return value
        return kind.encode() + value
    return plain(parse_typed(reply))


def keyevents(sub):
    """The keyevent notifications ``sub`` received, as "event key" strings, up to a fence."""
    token = b"--fence--"
    sub.send(encode_command("PING", token))
    out = []
    while True:
        reply = sub.read_reply()
        if reply == b"*2\r\n$4\r\npong\r\n" + bulk(token):
            return out
        parts = reply.split(b"\r\n")
        out.append("%s %s" % (parts[6].decode().split(":", 1)[1], parts[8].decode()))


def wait_busy(client, timeout=10.0):
    """Poll with PING until the server answers BUSY: a script is past busy-reply-threshold."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.cmd("PING").startswith(b"-BUSY"):
            return
        time.sleep(0.05)
    raise AssertionError("the script never became busy")
