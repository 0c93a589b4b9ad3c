"""A master that only knows the handshake: it answers PING/REPLCONF and sends a given RDB on PSYNC/SYNC."""
import socket
import threading

MARK = b"m" * 40


class FakeMaster:
    """Serves ``payload`` (bytes of an RDB) to each replica that connects.

    ``eof``: sent EOF-marked as a diskless master does, else ``$<len>``.
    ``psync_reply``: the line PSYNC gets (None: +FULLRESYNC); SYNC always gets the payload.
    """

    def __init__(self, payload, eof=False, psync_reply=None):
        self.payload = payload
        self.eof = eof
        self.psync_reply = psync_reply
        self.commands = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self):
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
        self.sock.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        buf = b""
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
                while True:
                    buf = buf.lstrip(b"\n")
                    argv, buf = _take(buf)
                    if argv is None:
                        break
                    self.commands.append(argv)
                    self._answer(conn, argv)
        except OSError:
            return

    def _answer(self, conn, argv):
        name = argv[0].lower()
        if name == b"ping":
            conn.sendall(b"+PONG\r\n")
        elif name == b"replconf":
            if len(argv) > 1 and argv[1].lower() != b"ack":
                conn.sendall(b"+OK\r\n")
        elif name == b"psync" and self.psync_reply is not None:
            conn.sendall(self.psync_reply + b"\r\n")
        elif name in (b"psync", b"sync"):
            if name == b"psync":
                conn.sendall(b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n")
            if self.eof:
                conn.sendall(b"$EOF:" + MARK + b"\r\n" + self.payload + MARK)
            else:
                conn.sendall(b"$%d\r\n" % len(self.payload) + self.payload)


def _take(buf):
    """One RESP array command from ``buf``: (argv, rest) or (None, buf)."""
    if not buf.startswith(b"*"):
        end = buf.find(b"\r\n")
        if end < 0:
            return None, buf
        return buf[:end].split(), buf[end + 2:]
    end = buf.find(b"\r\n")
    if end < 0:
        return None, buf
    n = int(buf[1:end])
    pos = end + 2
    argv = []
    for _ in range(n):
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return None, buf
        size = int(buf[pos + 1:end])
        start = end + 2
        if len(buf) < start + size + 2:
            return None, buf
        argv.append(buf[start:start + size])
        pos = start + size + 2
    return argv, buf[pos:]
