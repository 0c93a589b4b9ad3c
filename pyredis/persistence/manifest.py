"""The AOF manifest: which base, history and incr files make the dataset, in order.

One line per file, ``file <name> seq <n> type <b|h|i>``, as Redis 7.0 writes
it (aofInfoFormat); '#' lines are comments.  It is replaced by writing a temp
file and renaming it, so a crash leaves either the old or the new one.
"""
import os


class ManifestError(Exception):
    pass


MAX_LINE = 1024


def temp_incr_name(appendfilename):
    return "temp-%s.incr" % appendfilename


class Manifest:
    def __init__(self, appendfilename):
        self.filename = appendfilename
        self.base = None
        self.incrs = []
        self.history = []
        self.seqs = {}
        self.base_seq = 0
        self.incr_seq = 0

    @property
    def name(self):
        return self.filename + ".manifest"

    def copy(self):
        m = Manifest(self.filename)
        m.base = self.base
        m.incrs = list(self.incrs)
        m.history = list(self.history)
        m.seqs = dict(self.seqs)
        m.base_seq = self.base_seq
        m.incr_seq = self.incr_seq
        return m

    def new_base(self, rdb):
        """getNewBaseFileNameAndMarkPreAsHistory."""
        if self.base is not None:
            self.history.append(self.base)
        self.base_seq += 1
        self.base = "%s.%d.base.%s" % (self.filename, self.base_seq, "rdb" if rdb else "aof")
        self.seqs[self.base] = self.base_seq
        return self.base

    def new_incr(self):
        self.incr_seq += 1
        name = "%s.%d.incr.aof" % (self.filename, self.incr_seq)
        self.incrs.append(name)
        self.seqs[name] = self.incr_seq
        return name

    def text(self):
        lines = []
        if self.base is not None:
            lines.append(_line(self.base, self.seqs[self.base], "b"))
        for name in self.history:
            lines.append(_line(name, self.seqs.get(name, 0), "h"))
        for name in self.incrs:
            lines.append(_line(name, self.seqs[name], "i"))
        return "".join(lines).encode("latin-1")


def _line(name, seq, kind):
    if any(ch in name for ch in " \t\r\n\"'\\") or not name:
        name = '"%s"' % "".join("\\x%02x" % ord(ch) if ch in " \t\r\n\"'\\" else ch for ch in name)
    return "file %s seq %d type %s\n" % (name, seq, kind)


def parse(text, appendfilename):
    """aofLoadManifestFromFile; raises ManifestError with Redis's wording."""
    m = Manifest(appendfilename)
    for raw in text.split(b"\n"):
        if len(raw) > MAX_LINE:
            raise ManifestError("The AOF manifest file contains too long line")
        line = raw.strip(b" \t\r")
        if not line or line.startswith(b"#"):
            continue
        words = _split(line)
        if words is None or len(words) < 6 or len(words) % 2:
            raise ManifestError("Invalid AOF manifest file format")
        fields = dict(zip(words[0::2], words[1::2]))
        name, seq, kind = fields.get("file"), fields.get("seq"), fields.get("type")
        if name is None or seq is None or kind is None or not seq.lstrip("-").isdigit():
            raise ManifestError("Invalid AOF manifest file format")
        seq = int(seq)
        if kind == "b":
            if m.base is not None:
                raise ManifestError("Found duplicate base file information")
            m.base = name
            m.base_seq = seq
        elif kind == "h":
            m.history.append(name)
        elif kind == "i":
            if seq <= m.incr_seq:
                raise ManifestError("Found a non-monotonic sequence number")
            m.incrs.append(name)
            m.incr_seq = seq
        else:
            raise ManifestError("Unknown AOF file type")
        m.seqs[name] = seq
    if m.base is None and not m.incrs:
        raise ManifestError("Found an empty AOF manifest")
    return m


def _split(line):
    """sdssplitargs for the manifest's words: bare, or double-quoted with \\x escapes."""
    words = []
    text = line.decode("latin-1")
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        if text[i] == '"':
            i += 1
            out = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 3 < n and text[i + 1] == "x":
                    out.append(chr(int(text[i + 2:i + 4], 16)))
                    i += 4
                    continue
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(text[i])
                i += 1
            if i >= n:
                return None
            i += 1
            words.append("".join(out))
        else:
            j = i
            while j < n and text[j] not in " \t":
                j += 1
            words.append(text[i:j])
            i = j
    return words


def load_from_disk(dirname, appendfilename):
    """The manifest in ``dirname``, or None when there is none."""
    path = os.path.join(dirname, appendfilename + ".manifest")
    try:
        with open(path, "rb") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    return parse(text, appendfilename)


def persist(dirname, m):
    """persistAofManifest: a temp file, fsynced, renamed over the manifest."""
    path = os.path.join(dirname, m.name)
    temp = os.path.join(dirname, "temp-" + m.name)
    with open(temp, "wb") as f:
        f.write(m.text())
        f.flush()
        os.fsync(f.fileno())
    os.rename(temp, path)
    fd = os.open(dirname, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
