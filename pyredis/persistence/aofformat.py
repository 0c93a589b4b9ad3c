"""The AOF's command format: RESP multibulks, SELECT, and the dataset written as commands.

The rewrite writes each key as the commands that rebuild it, at most 64
elements a command (Redis's AOF_REWRITE_ITEMS_PER_CMD), its expiry as
PEXPIREAT after it; expired keys are left out.  A stream is its entries
and then its groups, consumers and pending entries, as Redis's
rewriteStreamObject writes them.
"""
from ..db import TYPE_NAMES, now_ms
from ..types.stream import MAX_ID, format_id

REWRITE_ITEMS_PER_CMD = 64
SELECT = b"*2\r\n$6\r\nSELECT\r\n"


def encode_command(argv):
    """catAppendOnlyGenericCommand: a RESP multibulk."""
    parts = [b"*%d\r\n" % len(argv)]
    for a in argv:
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


def select(db_id):
    text = b"%d" % db_id
    return SELECT + b"$%d\r\n%s\r\n" % (len(text), text)


def _score(score):
    return (b"%.17g" % score).replace(b"+", b"")


def write_dataset(server, f, timestamps=False):
    """rewriteAppendOnlyFileRio: SELECT per db, one or more commands per key, PEXPIREAT after."""
    write = f.write
    now = now_ms()
    if timestamps:
        write(b"#TS:%d\r\n" % (now // 1000))
    for db in server.dbs:
        if not db.data:
            continue
        write(select(db.id))
        expires = db.expires
        for key, value in list(db.data.items()):
            when = expires.get(key) if expires else None
            if when is not None and when <= now:
                continue
            kind = TYPE_NAMES[value.__class__]
            if kind == b"string":
                write(encode_command([b"SET", key, bytes(value)]))
            elif kind == b"list":
                _batched(write, b"RPUSH", key, list(value))
            elif kind == b"set":
                _batched(write, b"SADD", key, list(value))
            elif kind == b"zset":
                items = []
                for score, member in value:
                    items.append(_score(score))
                    items.append(member)
                _batched(write, b"ZADD", key, items, 2)
            elif kind == b"hash":
                items = []
                for field, v in value.items():
                    items.append(field)
                    items.append(v)
                _batched(write, b"HMSET", key, items, 2)
            elif kind == b"stream":
                _stream(write, key, value)
            else:
                raise ValueError("no AOF form for type %r" % kind)
            if when is not None:
                write(encode_command([b"PEXPIREAT", key, b"%d" % when]))


def _stream(write, key, stream):
    """rewriteStreamObject: XADD per entry, XSETID, then each group, its consumers and PELs."""
    if stream.length:
        for sid, pairs in stream.range(0, MAX_ID):
            write(encode_command([b"XADD", key, format_id(sid)] + list(pairs)))
    else:
        # XADD MAXLEN 0 makes the key exist with no entries.
        write(encode_command([b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]))
    write(encode_command([b"XSETID", key, format_id(stream.last_id), b"ENTRIESADDED",
                          b"%d" % stream.entries_added, b"MAXDELETEDID",
                          format_id(stream.max_deleted_id)]))
    for name in sorted(stream.groups):
        group = stream.groups[name]
        write(encode_command([b"XGROUP", b"CREATE", key, name, format_id(group.last_id),
                              b"ENTRIESREAD", b"%d" % group.entries_read]))
        for consumer in group.sorted_consumers():
            if not len(consumer.pel):
                write(encode_command([b"XGROUP", b"CREATECONSUMER", key, name, consumer.name]))
                continue
            pel = consumer.pel.map
            for sid in consumer.pel.ids:
                nack = pel[sid]
                write(encode_command([b"XCLAIM", key, name, consumer.name, b"0", format_id(sid),
                                      b"TIME", b"%d" % nack.delivery_time, b"RETRYCOUNT",
                                      b"%d" % nack.delivery_count, b"JUSTID", b"FORCE"]))


def _batched(write, name, key, items, width=1):
    step = REWRITE_ITEMS_PER_CMD * width
    for i in range(0, len(items), step):
        write(encode_command([name, key] + items[i:i + step]))
