"""The master's stream as a replica reads it: one command at a time, with its length in bytes.

A replica's offset moves by the exact bytes of each command it applied, so the
parser reports how many bytes each request took.  It keeps a scan position and
compacts its buffer only once consumed bytes dominate, so nothing is rescanned.
"""


class StreamError(Exception):
    pass


# What a master may send in one bulk: Redis's proto-max-bulk-len ceiling.
MAX_BULK = 1 << 40


class StreamReader:
    def __init__(self):
        self.buf = bytearray()
        self.pos = 0

    def feed(self, data):
        if self.pos and self.pos * 2 > len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data

    def pending(self):
        return len(self.buf) - self.pos

    def take(self):
        """The next command's argv and its raw bytes, or None until it is complete.

        An empty argv is a bare newline (a keepalive) that still counts in the offset.
        """
        buf = self.buf
        pos = self.pos
        if pos >= len(buf):
            return None
        if buf[pos] != 0x2a:  # '*'
            end = buf.find(b"\n", pos)
            if end < 0:
                return None
            raw = bytes(buf[pos:end + 1])
            self.pos = end + 1
            return raw.rstrip(b"\r\n").split(), raw
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return None
        count = _integer(buf[pos + 1:end])
        cur = end + 2
        argv = []
        for _ in range(count):
            end = buf.find(b"\r\n", cur)
            if end < 0:
                return None
            if buf[cur] != 0x24:  # '$'
                raise StreamError("expected '$', got '%s'" % chr(buf[cur]))
            size = _integer(buf[cur + 1:end])
            if size > MAX_BULK:
                raise StreamError("invalid bulk length")
            start = end + 2
            if start + size + 2 > len(buf):
                return None
            argv.append(bytes(buf[start:start + size]))
            cur = start + size + 2
        self.pos = cur
        return argv, bytes(buf[pos:cur])


def _integer(raw):
    try:
        value = int(raw)
    except ValueError:
        raise StreamError("invalid length") from None
    if value < 0:
        raise StreamError("invalid length")
    return value
