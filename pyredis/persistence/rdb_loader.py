"""RDB loader: every value type and encoding Redis 7.0 reads, down to RDB version 1.

Older encodings (ziplist, zipmap, quicklist of ziplists, linked lists,
string-encoded doubles) are converted as 7.0 converts them on load; each value
gets the encoding Redis 7.0 would give it, judged by the same config limits.
A malformed input raises ``RdbLoadError`` with the text Redis logs; nothing is
read past the end of the input.  ``DECODERS`` maps a type byte to
``fn(loader) -> value`` (None for an empty key).
"""
import gc
import math
import re
from struct import Struct

from .._speedups import QuickList, lzf_decompress, rdbrun
from ..numbers import parse_double, parse_int
from ..types.hash import Hash
from ..types.set import INTSET_MAX, Set, fits_intset
from ..types.stream import Group, Nack, Stream
from ..types.zset import ZSet
from . import blobs
from .. import memsize
from ..errors import CommandError
from .stream_listpack import EMPTY_LISTPACK, node_from_listpack
from .rdb_writer import (
    OPCODE_AUX, OPCODE_EOF, OPCODE_EXPIRETIME, OPCODE_EXPIRETIME_MS, OPCODE_FREQ,
    OPCODE_FUNCTION, OPCODE_FUNCTION2, OPCODE_IDLE,
    OPCODE_RESIZEDB, OPCODE_SELECTDB, QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN, RDB_VERSION,
    TYPE_HASH, TYPE_HASH_LISTPACK, TYPE_HASH_ZIPLIST, TYPE_HASH_ZIPMAP, TYPE_LIST,
    TYPE_LIST_QUICKLIST, TYPE_LIST_QUICKLIST_2, TYPE_LIST_ZIPLIST, TYPE_SET, TYPE_SET_INTSET,
    TYPE_STREAM_LISTPACKS, TYPE_STREAM_LISTPACKS_2, TYPE_STRING, TYPE_ZSET, TYPE_ZSET_2, TYPE_ZSET_LISTPACK, TYPE_ZSET_ZIPLIST)

_DOUBLE = Struct("<d")
_I64 = Struct("<q")
_U32 = Struct("<I")
_I32 = Struct("<i")
_B32 = Struct(">I")
_B64 = Struct(">Q")


# Where in 7.0.15's rdb.c each error is reported: its log line names the line.
_REPORT_LINES = (("Unexpected EOF reading RDB file", 3249), ("RDB CRC error", 3225),
                 ("Unknown RDB encoding type", 2681), ("Unknown RDB string encoding type", 529),
                 ("Unknown length encoding", 236), ("Invalid LZF compressed string", 413),
                 ("Duplicate set members detected", 1829),
                 ("Zset with NAN score detected", 1882), ("Duplicate zset fields detected", 1894),
                 ("Hash with dup elements", 1951), ("Duplicate hash fields detected", 2019),
                 ("Quicklist integrity check failed.", 2048),
                 ("Listpack integrity check failed.", 2071), ("Ziplist integrity check failed.", 2081),
                 ("Zipmap integrity check failed.", 2130),
                 ("List ziplist integrity check failed.", 2189),
                 ("Intset integrity check failed.", 2214),
                 ("Zset ziplist integrity check failed.", 2229),
                 ("Zset listpack integrity check failed.", 2255),
                 ("Hash ziplist integrity check failed.", 2275),
                 ("Hash listpack integrity check failed.", 2301),
                 ("Stream listpacks len loading failed.", 2327),
                 ("Stream master ID loading failed", 2338),
                 ("Stream node key entry is not the size", 2343),
                 ("Stream listpacks loading failed.", 2355),
                 ("Stream listpack integrity check failed.", 2362),
                 ("Empty listpack inside stream", 2374),
                 ("Listpack re-added with existing key", 2386),
                 ("Stream object metadata loading failed.", 2424),
                 ("Stream length inconsistent with rax entries", 2430),
                 ("Stream cgroup count loading failed.", 2438),
                 ("Error reading the consumer group name from Stream", 2449),
                 ("Stream cgroup ID loading failed.", 2458),
                 ("Stream cgroup offset loading failed.", 2469),
                 ("Duplicated consumer group name", 2480),
                 ("Stream PEL size loading failed.", 2495),
                 ("Stream PEL ID loading failed.", 2502),
                 ("Stream PEL NACK loading failed.", 2510),
                 ("Duplicated global PEL entry", 2516),
                 ("Stream consumers num loading failed.", 2527),
                 ("Error reading the consumer name from Stream group.", 2534),
                 ("Duplicate stream consumer detected.", 2543),
                 ("Stream short read reading seen time.", 2549),
                 ("Stream consumer PEL num loading failed.", 2558),
                 ("Stream short read reading PEL streamID.", 2566),
                 ("Consumer entry not found in group global PEL", 2573),
                 ("Stream consumer PEL entry already has a consumer", 2583),
                 ("Stream CG PEL entry without consumer", 2611))


# How loading at startup logs an error: rdbReportError's line naming rdb.c's
# line, the text and "Fatal error loading the DB" (a bad header), nothing more
# (already logged), or serverPanic's line.
REPORT, FATAL, LOGGED, PANIC = range(4)


class RdbLoadError(Exception):
    """A file or payload Redis would refuse; ``args[0]`` is Redis's log text."""

    def __init__(self, message, truncated=False, report=REPORT, line=0):
        Exception.__init__(self, message)
        self.truncated = truncated
        self.report = report
        self._line = line

    @property
    def line(self):
        if self._line:
            return self._line
        for prefix, line in _REPORT_LINES:
            if self.args[0].startswith(prefix):
                return line
        return 0


class EmptyKey(Exception):
    pass


class Loader:
    """A cursor over RDB bytes plus the config limits that choose encodings."""

    def __init__(self, config, data, deep=False):
        # Slices of bytes are the strings the loader hands out, with no copy to make.
        self.buf = data if data.__class__ is bytes else bytes(data)
        self.pos = 0
        self.end = len(data)
        self.deep = deep
        self.fill = config["list-max-listpack-size"]
        self.compress_depth = config["list-compress-depth"]
        self.hash_entries = config["hash-max-listpack-entries"]
        self.hash_value = config["hash-max-listpack-value"]
        self.set_entries = config["set-max-intset-entries"]
        self.zset_entries = config["zset-max-listpack-entries"]
        self.zset_value = config["zset-max-listpack-value"]

    # ---- primitives -----------------------------------------------------------
    def read(self, n):
        p = self.pos
        if p + n > self.end:
            raise RdbLoadError("Unexpected EOF reading RDB file", truncated=True)
        self.pos = p + n
        return self.buf[p:p + n]

    def byte(self):
        p = self.pos
        if p >= self.end:
            raise RdbLoadError("Unexpected EOF reading RDB file", truncated=True)
        self.pos = p + 1
        return self.buf[p]

    def length_or_encoding(self):
        """(value, encoded): rdbLoadLenByRef."""
        b = self.byte()
        kind = b >> 6
        if kind == 0:
            return b & 0x3F, False
        if kind == 1:
            return ((b & 0x3F) << 8) | self.byte(), False
        if kind == 3:
            return b & 0x3F, True
        if b == 0x80:
            return _B32.unpack(self.read(4))[0], False
        if b == 0x81:
            return _B64.unpack(self.read(8))[0], False
        raise RdbLoadError("Unknown length encoding %d in rdbLoadLen()" % kind)

    def length(self):
        """rdbLoadLen: an encoded value where a length belongs reads as its 6 bits."""
        return self.length_or_encoding()[0]

    def string(self):
        """rdbGenericLoadStringObject."""
        p = self.pos
        if p < self.end:
            b = self.buf[p]
            if b < 64:
                # The common case, a short raw string, without the general path.
                end = p + 1 + b
                if end <= self.end:
                    self.pos = end
                    return self.buf[p + 1:end]
        n, encoded = self.length_or_encoding()
        if not encoded:
            p = self.pos
            if p + n > self.end:
                raise RdbLoadError("Unexpected EOF reading RDB file", truncated=True)
            self.pos = p + n
            return self.buf[p:p + n]
        if n == 0:
            return b"%d" % int.from_bytes(self.read(1), "little", signed=True)
        if n == 1:
            return b"%d" % int.from_bytes(self.read(2), "little", signed=True)
        if n == 2:
            return b"%d" % int.from_bytes(self.read(4), "little", signed=True)
        if n == 3:
            clen = self.length()
            size = self.length()
            packed = bytes(self.read(clen))
            # A back reference expands at most 3 bytes into 264: a larger
            # claimed size is corrupt, and must not be allocated.
            if size > clen * 88 + 8:
                raise RdbLoadError("Invalid LZF compressed string")
            try:
                return lzf_decompress(packed, size)
            except ValueError:
                raise RdbLoadError("Invalid LZF compressed string") from None
        raise RdbLoadError("Unknown RDB string encoding type %d" % n)

    def binary_double(self):
        return _DOUBLE.unpack(self.read(8))[0]

    def string_double(self):
        """rdbLoadDoubleValue: the text form older versions wrote."""
        n = self.byte()
        if n == 253:
            return math.nan
        if n == 254:
            return math.inf
        if n == 255:
            return -math.inf
        text = bytes(self.read(n))
        value = parse_double(text)
        if value is None:
            # sscanf's "%lg": the number the text starts with.
            value = _strtod(text)
            if value is None:
                # rdbLoadDoubleValue fails and rdbLoad reports it as a short read.
                raise RdbLoadError("Unexpected EOF reading RDB file", truncated=True)
        return value

    def object(self, kind):
        """rdbLoadObject: the value, or EmptyKey for a container with no elements."""
        decoder = DECODERS.get(kind)
        if decoder is None:
            raise RdbLoadError("Unknown RDB encoding type %d" % kind)
        return decoder(self)

    # ---- containers built as 7.0 builds them on load ----------------------------
    def new_list(self, items):
        ql = QuickList(self.fill, self.compress_depth)
        ql.extend_tail(items)
        return ql

    def new_hash(self, pairs, count, listpack=None):
        h = Hash(pairs)
        if len(h) != count:
            # A small hash is checked only under deep sanitization; pyredis
            # refuses it either way, since a dict cannot hold the duplicate.
            if self.deep and listpack is None and count <= self.hash_entries:
                raise RdbLoadError("Hash with dup elements")
            raise RdbLoadError("Duplicate hash fields detected")
        if listpack is None:
            h.listpack = len(h) <= self.hash_entries and all(
                len(f) <= self.hash_value and len(v) <= self.hash_value for f, v in h.items())
        else:
            h.listpack = listpack and len(h) <= self.hash_entries
        if not h.listpack:
            h.to_table()
        return h

    def new_zset(self, items, count, listpack=False):
        scores = dict(items)
        if len(scores) != count:
            raise RdbLoadError("Duplicate zset fields detected")
        for m, s in items:
            if s != s:
                raise RdbLoadError("Zset with NAN score detected")
        zs = ZSet.from_items(items, False)
        if (len(zs) <= self.zset_entries if listpack
                else zs.fits_listpack(self.zset_entries, self.zset_value)):
            zs.to_listpack()
        return zs


def _pairs(items):
    it = iter(items)
    return list(zip(it, it))


def _blob_items(loader, fn, what):
    blob = loader.string()
    try:
        return fn(blob)
    except blobs.BlobError:
        raise RdbLoadError("%s integrity check failed." % what) from None


def _listpack(loader):
    return _checked_listpack(loader, loader.string())


def _checked_listpack(loader, blob):
    """A listpack blob, put through lpValidateIntegrity's deep walk when sanitizing deeply."""
    if loader.deep:
        blobs.lp_validate(blob)
    return blob


def _node_items(loader, blob):
    """A quicklist node's listpack entries, as many as its header counts.

    Without deep sanitization Redis checks only the listpack's size and end,
    and a node then holds the number of entries its header claims: a lower
    count hides the entries past it from every read.  A higher one would make
    Redis read past the end: refused.
    """
    if loader.deep:
        blobs.lp_validate(blob)
        return blobs.lp_items(blob)
    items = blobs.lp_items(blob, False)
    count = blob[4] | (blob[5] << 8)
    if count != 65535 and count != len(items):
        if count > len(items):
            raise blobs.BlobError("listpack count")
        del items[count:]
    return items


def _node_blob(loader):
    """A quicklist node's bytes: an empty one fails the load as a short read does."""
    blob = loader.string()
    if not blob:
        raise RdbLoadError("Unexpected EOF reading RDB file", truncated=True)
    return blob


def _check_unique(loader, items, what):
    if loader.deep and len(set(items)) != len(items):
        raise RdbLoadError("%s integrity check failed." % what)


# ---- decoders ---------------------------------------------------------------------
def _string(loader):
    return loader.string()


def _list(loader):
    n = loader.length()
    if not n:
        raise EmptyKey
    return loader.new_list([loader.string() for _ in range(n)])


def _set(loader):
    n = loader.length()
    if not n:
        raise EmptyKey
    start = loader.pos
    try:
        members = [loader.string() for _ in range(n)]
    except RdbLoadError:
        members = None
    if members is not None:
        s = Set(members, intset=fits_intset(members, loader.set_entries))
        if len(s) == n:
            if n > min(loader.set_entries, INTSET_MAX):
                # rdbLoadObject presizes a set too long for an intset.
                s.table_from = memsize.dict_slots(n)
            return s
    loader.pos = start
    # Redis reports a duplicate at one line while the set is still an intset, at another after.
    intset = n <= loader.set_entries
    seen = set()
    for _ in range(n):
        member = loader.string()
        if intset and parse_int(member) is None:
            intset = False
        if member in seen:
            raise RdbLoadError("Duplicate set members detected", line=1809 if intset else 0)
        seen.add(member)
    raise RdbLoadError("Duplicate set members detected")


def _zset_with(read_score):
    def decode(loader):
        n = loader.length()
        if not n:
            raise EmptyKey
        start = loader.pos
        items = []
        try:
            for _ in range(n):
                member = loader.string()
                items.append((member, read_score(loader)))
            return loader.new_zset(items, n)
        except RdbLoadError:
            pass
        # A fault: the one Redis meets first, reading element by element.
        loader.pos = start
        seen = set()
        for _ in range(n):
            member = loader.string()
            score = read_score(loader)
            if score != score:
                raise RdbLoadError("Zset with NAN score detected")
            if member in seen:
                raise RdbLoadError("Duplicate zset fields detected")
            seen.add(member)
        raise RdbLoadError("Duplicate zset fields detected")
    return decode


def _hash(loader):
    n = loader.length()
    if not n:
        raise EmptyKey
    start = loader.pos
    try:
        pairs = [(loader.string(), loader.string()) for _ in range(n)]
        return loader.new_hash(pairs, n)
    except RdbLoadError:
        pass
    # A fault: the one Redis meets first, reading pair by pair; a small hash
    # is checked by its own rule until a long field or value converts it.
    loader.pos = start
    small = loader.deep and n <= loader.hash_entries
    seen = set()
    for _ in range(n):
        field = loader.string()
        value = loader.string()
        if field in seen:
            raise RdbLoadError("Hash with dup elements" if small else "Duplicate hash fields detected")
        seen.add(field)
        if len(field) > loader.hash_value or len(value) > loader.hash_value:
            small = False
    raise RdbLoadError("Duplicate hash fields detected")


def _quicklist_2(loader):
    """RDB_TYPE_LIST_QUICKLIST_2; a list of one packed node (most lists) read directly."""
    buf = loader.buf
    p = loader.pos
    if p + 1 < loader.end and buf[p] == 1 and buf[p + 1] == QUICKLIST_NODE_PACKED:
        loader.pos = p + 2
        blob = _node_blob(loader)
        try:
            items = _node_items(loader, blob)
        except blobs.BlobError:
            raise RdbLoadError("Listpack integrity check failed.") from None
        if not items:
            raise EmptyKey
        ql = QuickList(loader.fill, loader.compress_depth)
        ql.extend_tail(items)
        return ql
    return _quicklist_nodes(loader)


def _quicklist(container_blob):
    def decode(loader):
        n = loader.length()
        if not n:
            raise EmptyKey
        items = []
        for _ in range(n):
            container = QUICKLIST_NODE_PACKED
            if container_blob:
                container = loader.length()
                if container not in (QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN):
                    raise RdbLoadError("Quicklist integrity check failed.")
            blob = _node_blob(loader)
            if container == QUICKLIST_NODE_PLAIN:
                items.append(blob)
                continue
            try:
                if container_blob:
                    node = _node_items(loader, blob)
                else:
                    node = blobs.ziplist_items(blob)
            except blobs.BlobError:
                raise RdbLoadError("%s integrity check failed."
                                   % ("Listpack" if container_blob else "Ziplist")) from None
            items.extend(node)
        if not items:
            raise EmptyKey
        return loader.new_list(items)
    return decode


_quicklist_nodes = _quicklist(True)


def _list_ziplist(loader):
    items = _blob_items(loader, blobs.ziplist_items, "List ziplist")
    if not items:
        raise EmptyKey
    return loader.new_list(items)


def _set_intset(loader):
    blob = loader.string()
    try:
        members = blobs.intset_items(blob)
    except blobs.BlobError:
        raise RdbLoadError("Intset integrity check failed.") from None
    if not members:
        raise EmptyKey
    # The intset is kept as saved, its width included.
    return Set(members, intset=len(members) <= min(loader.set_entries, INTSET_MAX),
               width=_U32.unpack_from(blob, 0)[0])


def _hash_blob(fn, what, listpack):
    def decode(loader):
        items = _blob_items(loader, fn, what)
        if len(items) % 2:
            raise RdbLoadError("%s integrity check failed." % what)
        if not items:
            raise EmptyKey
        _check_unique(loader, items[::2], what)
        pairs = _pairs(items)
        if not loader.deep:
            pairs = list(dict(pairs).items())
        return loader.new_hash(pairs, len(pairs), listpack)
    return decode


def _zset_blob(fn, what):
    def decode(loader):
        items = _blob_items(loader, fn, what)
        if len(items) % 2:
            raise RdbLoadError("%s integrity check failed." % what)
        if not items:
            raise EmptyKey
        _check_unique(loader, items[::2], what)
        # Like a listpack's, a ziplist's scores are not parsed until read.
        pairs = [(member, _lp_score(text)) for member, text in _pairs(items)]
        if not loader.deep:
            pairs = list(dict(pairs).items())
        return loader.new_zset(pairs, len(pairs), listpack=True)
    return decode


def _hash_listpack(loader):
    """RDB_TYPE_HASH_LISTPACK: the blob's pairs go straight into the Hash."""
    h = Hash()
    try:
        n = blobs.lp_fill_dict(_listpack(loader), h)
    except blobs.BlobError:
        raise RdbLoadError("Hash listpack integrity check failed.") from None
    if not n:
        raise EmptyKey
    # A field met twice is refused only under deep sanitization; else the
    # first place and the last value stay, as a dict of the pairs keeps them.
    if len(h) != n and loader.deep:
        raise RdbLoadError("Hash listpack integrity check failed.")
    h.listpack = len(h) <= loader.hash_entries
    return h


_STRTOD = re.compile(
    rb"[ \t\n\v\f\r]*([+-]?)(?:(inf(?:inity)?|nan(?:\([0-9a-z_]*\))?)"
    rb"|0x((?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?[0-9]+)?)"
    rb"|((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?))", re.I)


def _lp_score(text):
    """A listpack score's text as zzlStrtod reads it: strtod over its first 127 bytes.

    Deep sanitization does not parse scores, so a text that is no number
    reads as its numeric prefix, or 0.
    """
    if b"_" not in text:
        try:
            return float(text)
        except ValueError:
            pass
    value = _strtod(text[:127])
    return 0.0 if value is None else value


def _strtod(text):
    """The number a C string starts with (strtod), or None where it starts with none."""
    nul = text.find(b"\0")
    if nul >= 0:
        text = text[:nul]
    m = _STRTOD.match(text)
    if m is None:
        return None
    sign, word, hexa, dec = m.groups()
    if word is not None:
        value = math.inf if word[:1] in b"iI" else math.nan
    elif hexa is not None:
        value = float.fromhex("0x" + hexa.decode())
    else:
        value = float(dec)
    return -value if sign == b"-" else value


def _zset_listpack(loader):
    """RDB_TYPE_ZSET_LISTPACK: (score, member) pairs from the blob, in one sort."""
    try:
        pairs = blobs.lp_zset_pairs(_listpack(loader), _lp_score)
    except blobs.BlobError:
        raise RdbLoadError("Zset listpack integrity check failed.") from None
    if not pairs:
        raise EmptyKey
    scores = {m: s for s, m in pairs}
    if len(scores) != len(pairs):
        if loader.deep:
            raise RdbLoadError("Zset listpack integrity check failed.")
        pairs = [(s, m) for m, s in scores.items()]
    for s, _ in pairs:
        if s != s:
            raise RdbLoadError("Zset with NAN score detected")
    zs = ZSet.from_scores(scores, pairs, False)
    if len(scores) <= loader.zset_entries:
        zs.to_listpack()
    return zs


def _stream_id(loader):
    ms = loader.length()
    return ms << 64 | loader.length()


def _signed(n):
    """A long long that was saved as an unsigned length."""
    return n - (1 << 64) if n >> 63 else n


class _Stage:
    """A short read inside a stream is reported with the text Redis gives that step."""

    __slots__ = ("message",)

    def __init__(self, message):
        self.message = message

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, RdbLoadError) and exc.truncated:
            raise RdbLoadError(self.message, truncated=True) from None
        return False


def _stream_with(version2):
    """rdbLoadObject's stream: RDB_TYPE_STREAM_LISTPACKS_2, or the older form that 7.0 upgrades."""
    def decode(loader):
        stream = Stream()
        nodes = []
        masters = set()
        with _Stage("Stream listpacks len loading failed."):
            count = loader.length()
        for _ in range(count):
            with _Stage("Stream master ID loading failed: invalid encoding or I/O error."):
                key = loader.string()
            if len(key) != 16:
                raise RdbLoadError("Stream node key entry is not the size of a stream ID")
            with _Stage("Stream listpacks loading failed."):
                blob = loader.string()
            master = int.from_bytes(key, "big")
            try:
                if loader.deep:
                    blobs.lp_validate(blob, False)
                node = node_from_listpack(master, blob)
            except blobs.BlobError as exc:
                if exc.args[0] == EMPTY_LISTPACK and not loader.deep:
                    raise RdbLoadError("Empty listpack inside stream") from None
                raise RdbLoadError("Stream listpack integrity check failed.") from None
            if master in masters:
                raise RdbLoadError("Listpack re-added with existing key")
            masters.add(master)
            nodes.append(node)
        nodes.sort(key=lambda node: node.master)
        for a, b in zip(nodes, nodes[1:]):
            # Overlapping nodes would break every seek; Redis never writes them.
            if a.last >= b.master:
                raise RdbLoadError("Stream listpack integrity check failed.")
        stream.nodes = nodes
        stream.keys = [node.master for node in nodes]
        with _Stage("Stream object metadata loading failed."):
            stream.length = loader.length()
            stream.last_id = _stream_id(loader)
            if version2:
                stream.first_id = _stream_id(loader)
                stream.max_deleted_id = _stream_id(loader)
                stream.entries_added = loader.length()
        if not version2:
            stream.entries_added = stream.length
            first = stream.first_entry()
            stream.first_id = first[0] if first is not None else 0
        if stream.length and not nodes:
            raise RdbLoadError("Stream length inconsistent with rax entries")
        with _Stage("Stream cgroup count loading failed."):
            count = loader.length()
        for _ in range(count):
            _stream_group(loader, stream, version2)
        return stream
    return decode


def _stream_group(loader, stream, version2):
    with _Stage("Error reading the consumer group name from Stream"):
        name = loader.string()
    with _Stage("Stream cgroup ID loading failed."):
        last_id = _stream_id(loader)
    if version2:
        with _Stage("Stream cgroup offset loading failed."):
            entries_read = _signed(loader.length())
    else:
        entries_read = stream.estimate_distance(last_id)
    if name in stream.groups:
        raise RdbLoadError("Duplicated consumer group name %s" % name.decode("latin-1"))
    group = stream.groups[name] = Group(name, last_id, entries_read)
    pel = group.pel
    time = _I64.unpack
    with _Stage("Stream PEL size loading failed."):
        count = loader.length()
    for _ in range(count):
        with _Stage("Stream PEL ID loading failed."):
            sid = int.from_bytes(loader.read(16), "big")
        with _Stage("Stream PEL NACK loading failed."):
            nack = Nack(None, time(loader.read(8))[0], loader.length())
        if not pel.add(sid, nack):
            raise RdbLoadError("Duplicated global PEL entry loading stream consumer group")
    with _Stage("Stream consumers num loading failed."):
        count = loader.length()
    for _ in range(count):
        with _Stage("Error reading the consumer name from Stream group."):
            cname = loader.string()
        consumer = group.create_consumer(cname, 0)
        if consumer is None:
            raise RdbLoadError("Duplicate stream consumer detected.")
        with _Stage("Stream short read reading seen time."):
            consumer.seen_time = time(loader.read(8))[0]
        with _Stage("Stream consumer PEL num loading failed."):
            size = loader.length()
        for _ in range(size):
            with _Stage("Stream short read reading PEL streamID."):
                sid = int.from_bytes(loader.read(16), "big")
            nack = pel.get(sid)
            if nack is None:
                raise RdbLoadError("Consumer entry not found in group global PEL")
            if nack.consumer is not None:
                raise RdbLoadError("Stream consumer PEL entry already has a consumer assigned")
            nack.consumer = consumer
            consumer.pel.add(sid, nack)
    # Redis checks this only under deep sanitization; an owner-less entry would break XPENDING.
    for nack in pel.map.values():
        if nack.consumer is None:
            raise RdbLoadError("Stream CG PEL entry without consumer")


DECODERS = {
    TYPE_STRING: _string,
    TYPE_LIST: _list,
    TYPE_SET: _set,
    TYPE_ZSET: _zset_with(Loader.string_double),
    TYPE_HASH: _hash,
    TYPE_ZSET_2: _zset_with(Loader.binary_double),
    TYPE_HASH_ZIPMAP: _hash_blob(blobs.zipmap_items, "Zipmap", None),
    TYPE_LIST_ZIPLIST: _list_ziplist,
    TYPE_SET_INTSET: _set_intset,
    TYPE_ZSET_ZIPLIST: _zset_blob(blobs.ziplist_items, "Zset ziplist"),
    TYPE_HASH_ZIPLIST: _hash_blob(blobs.ziplist_items, "Hash ziplist", True),
    TYPE_LIST_QUICKLIST: _quicklist(False),
    TYPE_HASH_LISTPACK: _hash_listpack,
    TYPE_ZSET_LISTPACK: _zset_listpack,
    TYPE_LIST_QUICKLIST_2: _quicklist_2,
    TYPE_STREAM_LISTPACKS: _stream_with(False),
    TYPE_STREAM_LISTPACKS_2: _stream_with(True),
}


# ---- whole files ------------------------------------------------------------------------
def _load_function(server, loader, log, functions=None):
    """rdbFunctionLoad: compile the library and link it, replacing one of the same name.

    ``functions``: the (engine, libraries) to load into, else the server's own.
    A failure is logged and ends the load as a short read does (rdbLoad's eoferr).
    """
    try:
        code = loader.string()
    except RdbLoadError as exc:
        if not exc.truncated:
            raise
        reason = "Failed loading library payload"
    else:
        if functions is None:
            scripting = server.scripting
            functions = (scripting.functions_engine, scripting.libraries)
        engine, libraries = functions
        try:
            libraries.create(engine, code, True)
            return
        except CommandError as exc:
            reason = exc.text[4:]
    log("warning", "Failed loading library, %s" % reason)
    raise RdbLoadError("Unexpected EOF reading RDB file", truncated=True)


class LoadResult:
    __slots__ = ("keys_loaded", "keys_expired", "version", "aux", "size")

    def __init__(self):
        # Bytes of the input the RDB took, up to and including its checksum.
        self.size = 0
        self.keys_loaded = 0
        self.keys_expired = 0
        self.version = 0
        self.aux = {}


def read_rdb(server, data, log=None, now=None, progress=None, check_sum=True, aof_preamble=False,
             allow_dup=False, dbs=None, expired=None, functions=None):
    """rdbLoadRio over the bytes ``data`` into ``server.dbs`` (or ``dbs``, a replica's temp dbs); a LoadResult.

    ``progress(pos)`` is called every loading-process-events-interval-bytes.
    An AOF's preamble keeps keys already expired: the commands after it may
    still touch them, so they expire as the AOF replays.  ``expired(db_id,
    key)`` is told of each key left out as expired (RDBFLAGS_FEED_REPL).
    ``functions``: the (engine, libraries) the file's functions load into (a
    replica's temporary ones), else the server's own.
    """
    # Loading only adds objects that hold no cycles, yet each thousand of them
    # would start a collection that walks every object loaded so far: a
    # quarter of the load time at 100k keys, and growing with the file.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_rdb(server, data, log, now, progress, check_sum, aof_preamble, allow_dup,
                         dbs, expired, functions)
    finally:
        if collecting:
            gc.enable()


def _read_rdb(server, data, log, now, progress, check_sum, aof_preamble, allow_dup, dbs, expired,
              functions):
    from ..db import now_ms
    from .._speedups import crc64
    config = server.config
    log = log or server.log
    loader = Loader(config, data, deep=config["sanitize-dump-payload"] == "yes")
    result = LoadResult()
    magic = loader.read(9) if len(data) >= 9 else b""
    if magic[:5] != b"REDIS":
        raise RdbLoadError("Wrong signature trying to load DB from file", report=FATAL)
    try:
        version = int(bytes(magic[5:]))
    except ValueError:
        version = -1
    if version < 1 or version > RDB_VERSION:
        raise RdbLoadError("Can't handle RDB format version %d" % version, report=FATAL)
    result.version = version
    now = now_ms() if now is None else now
    clock = server.access_clock
    lfu = "lfu" in config["maxmemory-policy"]
    dbs = server.dbs if dbs is None else dbs
    db = dbs[0]
    expire = -1
    idle = -1
    freq = -1
    step = config["loading-process-events-interval-bytes"]
    if progress is not None and config["key-load-delay"]:
        progress = _delayed(progress, config["key-load-delay"], step)
        step = 1
    next_progress = step
    skipped = 0
    read_string = loader.string
    loaded = 0
    keyspace = db.data
    end = loader.end
    created = db.access.created
    add_slot = db.slots.add if db.slots is not None else None
    while True:
        pos = loader.pos
        if progress is not None and pos >= next_progress:
            progress(pos)
            next_progress = pos + step
        if pos < end and data[pos] == TYPE_STRING and expire == -1 and idle == -1 and freq == -1:
            # Most keys are short strings: a run of them is stored in one call.
            pos, count = rdbrun.load_strings(data, pos, end if progress is None else next_progress,
                                      keyspace, created, add_slot)
            if count:
                loaded += count
                loader.pos = pos
                continue
        kind = loader.byte()
        if kind == OPCODE_EXPIRETIME:
            expire = _I32.unpack(loader.read(4))[0] * 1000
            continue
        if kind == OPCODE_EXPIRETIME_MS:
            expire = _I64.unpack(loader.read(8))[0]
            continue
        if kind == OPCODE_FREQ:
            freq = loader.byte()
            continue
        if kind == OPCODE_IDLE:
            idle = loader.length()
            continue
        if kind == OPCODE_EOF:
            break
        if kind == OPCODE_SELECTDB:
            dbid = loader.length()
            if dbid >= len(dbs):
                log("warning", "FATAL: Data file was created with a Redis server configured to "
                    "handle more than %d databases. Exiting\n" % len(dbs))
                raise RdbLoadError("Too many databases", report=LOGGED)
            db = dbs[dbid]
            keyspace = db.data
            created = db.access.created
            add_slot = db.slots.add if db.slots is not None else None
            continue
        if kind == OPCODE_RESIZEDB:
            loader.length()
            loader.length()
            continue
        if kind == OPCODE_AUX:
            key = loader.string()
            value = loader.string()
            result.aux[key] = value
            _log_aux(log, key, value, now)
            if key == b"used-mem" and hasattr(server, "rdb"):
                server.rdb.loading_used_mem = _strtoll(value)
            continue
        if kind == OPCODE_FUNCTION2:
            _load_function(server, loader, log, functions)
            continue
        if kind == OPCODE_FUNCTION:
            raise RdbLoadError("Pre-release function format not supported.")
        key = read_string()
        try:
            value = read_string() if kind == TYPE_STRING else loader.object(kind)
        except EmptyKey:
            if skipped < 10:
                log("warning", "rdbLoadObject skipping empty key: %s" % key.decode("latin-1"))
            skipped += 1
            expire = idle = freq = -1
            continue
        if expire == -1 and idle == -1 and freq == -1:
            # The common case, add_loaded written out.
            if key in keyspace:
                _duplicate(log, db, key, allow_dup)
            keyspace[key] = value
            created(key)
            if add_slot is not None:
                add_slot(key)
            loaded += 1
            continue
        if expire != -1 and expire < now and not aof_preamble:
            result.keys_expired += 1
            if expired is not None:
                expired(db.id, key)
        else:
            if key in db.data:
                _duplicate(log, db, key, allow_dup)
            add_loaded(db, key, value, expire, idle, freq, clock, lfu)
            loaded += 1
        expire = idle = freq = -1
    result.keys_loaded = loaded
    if version >= 5:
        stored = loader.read(8)
        if check_sum and config["rdbchecksum"]:
            expected = int.from_bytes(stored, "little")
            if expected == 0:
                log("warning", "RDB file was saved with checksum disabled: no check performed.")
            else:
                got = crc64(0, bytes(data[:loader.pos - 8]))
                if got != expected:
                    log("warning", "Wrong RDB checksum expected: (%x) but got (%x). Aborting now."
                        % (got, expected))
                    raise RdbLoadError("RDB CRC error")
    result.size = loader.pos
    for d in dbs:
        d.version += 1
    return result


def _delayed(progress, delay, step):
    """key-load-delay (microseconds a record; negative: one microsecond every -N) slows loads, for tests."""
    import time
    state = {"calls": 0, "next": step}

    def slow(pos):
        state["calls"] += 1
        if delay > 0:
            time.sleep(delay / 1e6)
        elif state["calls"] % -delay == 0:
            time.sleep(1e-6)
        if pos >= state["next"]:
            state["next"] = pos + step
            progress(pos)
    return slow


def _duplicate(log, db, key, allow_dup):
    """A key the file holds twice (or one already there): replaced with MERGE, else fatal."""
    if allow_dup:
        db.delete(key)
        return
    log("warning", "RDB has duplicated key '%s' in DB %d" % (key.decode("latin-1"), db.id))
    raise RdbLoadError("Duplicated key found in RDB file", report=PANIC)


def add_loaded(db, key, value, expire, idle, freq, clock, lfu):
    """dbAdd as loading does it, with the key's TTL and access field (objectSetLRUOrLFU)."""
    db.data[key] = value
    if db.slots is not None:
        db.slots.add(key)
    if expire != -1:
        db.set_expire(key, expire)
    field = access_field(clock, lfu, idle, freq)
    if field is None:
        db.access.created(key)
    else:
        db.access.put(key, field)


def access_field(clock, lfu, idle_seconds, freq):
    """objectSetLRUOrLFU: the field a key gets from a saved idle time or frequency, or None."""
    if lfu:
        if freq >= 0:
            return (clock.minutes << 8) | freq
        return None
    if idle_seconds >= 0:
        field = clock.lru - idle_seconds
        if field < 0:
            field += (1 << 24) - 1
        return field & ((1 << 24) - 1)
    return None


_LEADING_INT = re.compile(rb"\s*[-+]?\d+")


def _strtoll(value):
    """strtoll: the leading integer of ``value``, 0 when there is none."""
    m = _LEADING_INT.match(value)
    return int(m.group()) if m else 0


def _log_aux(log, key, value, now):
    if key == b"redis-ver":
        log("notice", "Loading RDB produced by version %s" % value.decode("latin-1"))
    elif key == b"ctime":
        try:
            age = now // 1000 - int(value)
        except ValueError:
            return
        log("notice", "RDB age %d seconds" % max(age, 0))
    elif key == b"used-mem":
        try:
            log("notice", "RDB memory usage when created %.2f Mb" % (int(value) / (1024 * 1024)))
        except ValueError:
            pass


def read_payload(config, data, deep):
    """RESTORE's rdbLoadObjectType + rdbLoadObject over a DUMP payload (already verified)."""
    loader = Loader(config, data, deep)
    return loader.object(loader.byte())
