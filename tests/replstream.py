"""A raw replica for tests: PSYNC, the RDB payload skipped, then the stream read as commands."""
import re
import socket

from respclient import encode_command

_MS = re.compile(rb"^1\d{12}$")


class StreamReader:
    """Attaches to a master as a replica would and reads what it streams.

    ``capa``: REPLCONF capa values sent first (``["eof", "psync2"]`` asks for a
    diskless transfer when the master does them).
    """

    def __init__(self, port, replid="?", offset=-1, capa=(), listening_port=None, timeout=20.0,
                 rdb_filter=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        if listening_port is not None:
            assert self.request("REPLCONF", "listening-port", listening_port) == b"+OK"
        for value in capa:
            assert self.request("REPLCONF", "capa", value) == b"+OK"
        if rdb_filter is not None:
            assert self.request("REPLCONF", "rdb-filter-only", rdb_filter) == b"+OK"
        self.sock.sendall(encode_command("PSYNC", replid, offset))
        self.reply = self._line_skipping_newlines()
        self.rdb = None
        if self.reply.startswith(b"+FULLRESYNC"):
            _, self.replid, off = self.reply.split()
            self.offset = int(off)
            self.rdb = self._payload()
        elif self.reply.startswith(b"+CONTINUE"):
            self.offset = offset - 1
        # Bytes of stream read so far: the replica's offset is self.offset + self.read.
        self.read = 0

    def request(self, *args):
        self.sock.sendall(encode_command(*args))
        return self._line()

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("master closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _line_skipping_newlines(self):
        while True:
            while not self.buf:
                self._fill()
            if self.buf.startswith(b"\n"):
                self.buf = self.buf[1:]
                continue
            return self._line()

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _payload(self):
        head = self._line_skipping_newlines()
        assert head.startswith(b"$"), head
        if head.startswith(b"$EOF:"):
            mark = head[5:]
            assert len(mark) == 40
            while True:
                end = self.buf.find(mark)
                if end >= 0:
                    data, self.buf = self.buf[:end], self.buf[end + 40:]
                    return data
                self._fill()
        return self._exact(int(head[1:]))

    def command(self):
        """The next command of the stream, as a list of bytes."""
        line = self._line()
        assert line.startswith(b"*"), line
        argv = []
        for _ in range(int(line[1:])):
            head = self._line()
            assert head.startswith(b"$"), head
            argv.append(self._exact(int(head[1:]) + 2)[:-2])
        self.read += len(encode_command(*argv))
        return argv

    def until(self, *last, skip_pings=True):
        """Commands up to and including the one equal to ``last``; PINGs left out."""
        last = [a.encode() if isinstance(a, str) else a for a in last]
        out = []
        while True:
            argv = self.command()
            if skip_pings and argv == [b"PING"]:
                continue
            out.append(argv)
            if argv == last:
                return out

    def ack(self, offset=None):
        """REPLCONF ACK, as a replica sends it (no reply)."""
        self.sock.sendall(encode_command("REPLCONF", "ACK", self.offset + self.read
                                         if offset is None else offset))


def normalised(commands):
    """Millisecond timestamps (PXAT, PEXPIREAT ...) made equal: the two servers' clocks differ."""
    return [[b"<ms>" if _MS.match(a) else a for a in argv] for argv in commands]
