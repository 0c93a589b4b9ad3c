"""RDB writer: values and whole snapshots in Redis 7.0's format (RDB version 10).

``ENCODERS`` maps a value class to ``fn(value, compress) -> (type byte,
payload)``, Redis's rdbSaveObjectType + rdbSaveObject: a new type (streams,
function libraries) adds one function here.  Containers are read through
their public API only.
"""
import time
from itertools import islice
from struct import Struct

from .. import REDIS_VERSION
from .._speedups import QuickList, crc64, lzf_compress, rdbrun
from ..numbers import parse_int
from ..types.hash import Hash
from ..types.set import Set
from ..types.stream import SEQ_MASK, Stream
from ..types.zset import ZSet
from . import blobs
from .stream_listpack import node_listpack

RDB_VERSION = 10
MAGIC = b"REDIS%04d" % RDB_VERSION

TYPE_STRING = 0
TYPE_LIST = 1
TYPE_SET = 2
TYPE_ZSET = 3
TYPE_HASH = 4
TYPE_ZSET_2 = 5
TYPE_MODULE = 6
TYPE_MODULE_2 = 7
TYPE_HASH_ZIPMAP = 9
TYPE_LIST_ZIPLIST = 10
TYPE_SET_INTSET = 11
TYPE_ZSET_ZIPLIST = 12
TYPE_HASH_ZIPLIST = 13
TYPE_LIST_QUICKLIST = 14
TYPE_STREAM_LISTPACKS = 15
TYPE_HASH_LISTPACK = 16
TYPE_ZSET_LISTPACK = 17
TYPE_LIST_QUICKLIST_2 = 18
TYPE_STREAM_LISTPACKS_2 = 19

OPCODE_FUNCTION2 = 245
OPCODE_FUNCTION = 246
OPCODE_MODULE_AUX = 247
OPCODE_IDLE = 248
OPCODE_FREQ = 249
OPCODE_AUX = 250
OPCODE_RESIZEDB = 251
OPCODE_EXPIRETIME_MS = 252
OPCODE_EXPIRETIME = 253
OPCODE_SELECTDB = 254
OPCODE_EOF = 255

QUICKLIST_NODE_PACKED = 2
QUICKLIST_NODE_PLAIN = 1

_DOUBLE = Struct("<d")
_I64 = Struct("<q")
_U64 = Struct("<Q")
_B16 = Struct(">H")
_B32 = Struct(">I")
_B64 = Struct(">Q")
_LEN6 = [bytes((n,)) for n in range(64)]
FLUSH_BYTES = 1 << 16
_NUMERIC_START = frozenset(b"-0123456789")
_TYPE_BYTES = [bytes((n,)) for n in range(256)]


def save_len(n):
    """rdbSaveLen: 6, 14, 32 or 64 bits, big endian after the type bits."""
    if n < 64:
        return _LEN6[n]
    if n < 16384:
        return _B16.pack(0x4000 | n)
    if n <= 0xFFFFFFFF:
        return b"\x80" + _B32.pack(n)
    return b"\x81" + _B64.pack(n)


def _int_encoding(v):
    """rdbEncodeInteger: 8, 16 or 32 bits, little endian, or None."""
    if -128 <= v <= 127:
        return bytes((0xC0, v & 0xFF))
    if -32768 <= v <= 32767:
        return b"\xc1" + (v & 0xFFFF).to_bytes(2, "little")
    if -2147483648 <= v <= 2147483647:
        return b"\xc2" + (v & 0xFFFFFFFF).to_bytes(4, "little")
    return None


def save_string(s, compress):
    """rdbSaveRawString: an integer encoding when it spells one, LZF when that is shorter, else raw."""
    n = len(s)
    if n <= 11:
        if n < 64 and (not n or s[0] not in _NUMERIC_START):
            return _LEN6[n] + s
        v = parse_int(s)
        if v is not None:
            enc = _int_encoding(v)
            if enc is not None:
                return enc
    elif compress and n > 20:
        packed = lzf_compress(bytes(s), n - 4)
        if packed:
            return b"\xc3" + save_len(len(packed)) + save_len(n) + packed
    if n < 64:
        return _LEN6[n] + s
    return save_len(n) + s


_PACKED = save_len(QUICKLIST_NODE_PACKED)


# ---- objects ----------------------------------------------------------------
def _string(value, compress):
    return TYPE_STRING, save_string(value, compress)


def _list(value, compress):
    layout = value.node_layout()
    if len(layout) == 1:
        return TYPE_LIST_QUICKLIST_2, b"\x01" + _PACKED + save_string(blobs.lp_pack(value), compress)
    parts = [save_len(len(layout))]
    it = iter(value)
    for count in layout:
        parts.append(_PACKED)
        parts.append(save_string(blobs.lp_pack(islice(it, count)), compress))
    return TYPE_LIST_QUICKLIST_2, b"".join(parts)


def _set(value, compress):
    if value.intset:
        return TYPE_SET_INTSET, save_string(blobs.intset(sorted(map(int, value)), value.width),
                                            compress)
    parts = [save_len(len(value))]
    parts += [save_string(m, compress) for m in value]
    return TYPE_SET, b"".join(parts)


def _hash(value, compress):
    if value.listpack:
        return TYPE_HASH_LISTPACK, save_string(blobs.lp_pack_pairs(value.items()), compress)
    parts = [save_len(len(value))]
    for f, v in value.items():
        parts.append(save_string(f, compress))
        parts.append(save_string(v, compress))
    return TYPE_HASH, b"".join(parts)


def _zset(value, compress):
    if value.compact:
        return TYPE_ZSET_LISTPACK, save_string(blobs.lp_pack_zset(value), compress)
    parts = [save_len(len(value))]
    pack = _DOUBLE.pack
    # From the greatest to the smallest, as Redis walks its skiplist from the tail.
    for score, member in value.slice(0, len(value), reverse=True):
        parts.append(save_string(member, compress))
        parts.append(pack(score))
    return TYPE_ZSET_2, b"".join(parts)


def _stream_id(sid):
    return save_len(sid >> 64) + save_len(sid & SEQ_MASK)


def _stream(value, compress):
    """rdbSaveObject's stream: the rax of listpacks, the stream's IDs and counters, the groups."""
    parts = [save_len(len(value.nodes))]
    for node in value.nodes:
        parts.append(save_string(node.master.to_bytes(16, "big"), compress))
        parts.append(save_string(node_listpack(node), compress))
    parts += [save_len(value.length), _stream_id(value.last_id), _stream_id(value.first_id),
              _stream_id(value.max_deleted_id), save_len(value.entries_added),
              save_len(len(value.groups))]
    pack = _I64.pack
    for name in sorted(value.groups):
        group = value.groups[name]
        # entries-read is a long long saved as an unsigned length: -1 wraps.
        parts += [save_string(name, compress), _stream_id(group.last_id),
                  save_len(group.entries_read & SEQ_MASK), save_len(len(group.pel))]
        pel = group.pel.map
        for sid in group.pel.ids:
            nack = pel[sid]
            parts += [sid.to_bytes(16, "big"), pack(nack.delivery_time),
                      save_len(nack.delivery_count)]
        parts.append(save_len(len(group.consumers)))
        for consumer in group.sorted_consumers():
            parts += [save_string(consumer.name, compress), pack(consumer.seen_time),
                      save_len(len(consumer.pel))]
            parts += [sid.to_bytes(16, "big") for sid in consumer.pel.ids]
    return TYPE_STREAM_LISTPACKS_2, b"".join(parts)


ENCODERS = {
    bytes: _string,
    bytearray: _string,
    QuickList: _list,
    Set: _set,
    Hash: _hash,
    ZSet: _zset,
    Stream: _stream,
}


def encode_value(value, compress):
    """(type byte, rdbSaveObject's bytes) for ``value``."""
    return ENCODERS[value.__class__](value, compress)


# ---- snapshots ----------------------------------------------------------------
class _Output:
    """Buffered writes with the running CRC64 of everything written."""

    def __init__(self, fileobj, checksum):
        self.write_file = fileobj.write
        self.parts = []
        self.size = 0
        self.crc = 0
        self.checksum = checksum

    def add(self, data):
        self.parts.append(data)
        self.size += len(data)
        if self.size >= FLUSH_BYTES:
            self.flush()

    def flush(self):
        if self.parts:
            chunk = b"".join(self.parts)
            self.parts = []
            self.size = 0
            if self.checksum:
                self.crc = crc64(self.crc, chunk)
            self.write_file(chunk)


def _aux(key, value):
    return bytes((OPCODE_AUX,)) + save_string(key, False) + save_string(value, False)


def aux_fields(server, aof_base=False, rsi=None):
    """rdbSaveInfoAuxFields, in Redis's order.

    ``rsi``: (stream db, replid, offset) of a node in a replication chain, or None.
    """
    from ..info import rss_bytes
    fields = [
        _aux(b"redis-ver", REDIS_VERSION.encode()),
        _aux(b"redis-bits", b"64"),
        _aux(b"ctime", b"%d" % int(server_time(server))),
        _aux(b"used-mem", b"%d" % rss_bytes()),
    ]
    if rsi is not None:
        fields += [_aux(b"repl-stream-db", b"%d" % rsi[0]),
                   _aux(b"repl-id", rsi[1].encode("latin-1")),
                   _aux(b"repl-offset", b"%d" % rsi[2])]
    fields.append(_aux(b"aof-base", b"1" if aof_base else b"0"))
    return fields


def server_time(server):
    from ..db import now_ms
    return now_ms() / 1000.0


def write_snapshot(server, fileobj, aof_base=False, rsi=None, with_data=True, with_functions=True):
    """The whole RDB stream (rdbSaveRio) to ``fileobj``; returns the number of keys written."""
    config = server.config
    compress = config["rdbcompression"]
    out = _Output(fileobj, config["rdbchecksum"])
    add = out.add
    add(MAGIC)
    for field in aux_fields(server, aof_base, rsi):
        add(field)
    if with_functions:
        add(functions(server.scripting.libraries, compress))
    policy = config["maxmemory-policy"]
    save_lru = "lru" in policy
    save_lfu = "lfu" in policy
    clock = server.access_clock
    keys = 0

    def record(key, value):
        """A key's whole record (rdbSaveKeyValuePair without the opcodes before it)."""
        cls = value.__class__
        if cls is bytes:
            return b"\x00" + save_string(key, compress) + save_string(value, compress)
        kind, payload = ENCODERS[cls](value, compress)
        return _TYPE_BYTES[kind] + save_string(key, compress) + payload
    # rdb-key-save-delay (microseconds a key) slows saves down on purpose, for tests.
    delay = config["rdb-key-save-delay"] / 1e6
    for db in server.dbs if with_data else ():
        data = db.data
        if not data:
            continue
        expires = db.expires
        add(bytes((OPCODE_SELECTDB,)) + save_len(db.id))
        add(bytes((OPCODE_RESIZEDB,)) + save_len(len(data)) + save_len(len(expires)))
        if not (save_lru or save_lfu or delay > 0):
            keys += rdbrun.save_keys(data, expires, record, add, FLUSH_BYTES)
            continue
        access = db.access
        # Keys are gathered in batches: one add() per key costs more than the key.
        batch = []
        append = batch.append
        for key, value in data.items():
            if expires:
                when = expires.get(key)
                if when is not None:
                    append(b"\xfc" + _I64.pack(when))
            if save_lru or save_lfu:
                field = access.get(key)
                if field is None:
                    field = clock.fresh()
                if save_lru:
                    append(b"\xf8" + save_len(clock.idle_ms(field) // 1000))
                else:
                    append(b"\xf9" + bytes((clock.frequency(field),)))
            cls = value.__class__
            if cls is bytes:
                # Short strings that cannot be integers are saved raw: the
                # common key and value, written without save_string's checks.
                nk = len(key)
                nv = len(value)
                if (0 < nk <= 20 and 0 < nv <= 20 and key[0] not in _NUMERIC_START
                        and value[0] not in _NUMERIC_START):
                    append(b"\x00" + _LEN6[nk] + key + _LEN6[nv] + value)
                else:
                    append(b"\x00" + save_string(key, compress) + save_string(value, compress))
            else:
                kind, payload = ENCODERS[cls](value, compress)
                append(_TYPE_BYTES[kind])
                append(save_string(key, compress))
                append(payload)
            keys += 1
            if len(batch) >= 3000:
                add(b"".join(batch))
                batch.clear()
            if delay > 0:
                time.sleep(delay)
        add(b"".join(batch))
    add(bytes((OPCODE_EOF,)))
    out.flush()
    fileobj.write(_U64.pack(out.crc))
    return keys


def dump_payload(value, compress=True):
    """DUMP: the type, the object, the 2-byte RDB version and the CRC64 of all that."""
    kind, payload = ENCODERS[value.__class__](value, compress)
    return with_trailer(bytes((kind,)) + payload)


def with_trailer(body):
    """A DUMP payload's end: the 2-byte RDB version and the CRC64 of everything."""
    body += RDB_VERSION.to_bytes(2, "little")
    return body + _U64.pack(crc64(0, body))


def functions(libraries, compress):
    """rdbSaveFunctions: each library's code behind the FUNCTION2 opcode."""
    return b"".join(bytes((OPCODE_FUNCTION2,)) + save_string(lib.code, compress)
                    for lib in libraries.libraries.values())


def serialized_length(value, compress=True):
    return len(ENCODERS[value.__class__](value, compress)[1])
