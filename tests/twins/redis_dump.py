"""What redis-server itself writes for one string: its SAVEd dump.rdb, read back.

A fresh redis-server per value: liblzf's hash table is not cleared between
calls, so a previous compression could (rarely) change Redis's choices.
"""
import os
import shutil

import pytest
import redis

from serverproc import start_redis

STRING_LZF = 0xC3


def rdb_length(buf, i):
    """An RDB length at ``buf[i]``: (value, next offset)."""
    first = buf[i]
    kind = first >> 6
    if kind == 0:
        return first & 0x3F, i + 1
    if kind == 1:
        return ((first & 0x3F) << 8) | buf[i + 1], i + 2
    if first == 0x80:
        return int.from_bytes(buf[i + 1:i + 5], "big"), i + 5
    if first == 0x81:
        return int.from_bytes(buf[i + 1:i + 9], "big"), i + 9
    raise ValueError("not a plain length: %#x" % first)


def saved_by_redis(value, key=b"k"):
    """(dump.rdb bytes, the value's LZF payload or None if Redis stored it raw)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    proc = start_redis()
    try:
        client = redis.Redis(host=proc.host, port=proc.port)
        client.set(key, value)
        client.save()
        client.close()
        with open(os.path.join(proc.cwd, "dump.rdb"), "rb") as f:
            dump = f.read()
    finally:
        proc.stop()
    # Type 0 (string), then the key as a length-prefixed string.
    i = dump.index(b"\x00" + bytes([len(key)]) + key) + 2 + len(key)
    if dump[i] != STRING_LZF:
        return dump, None
    compressed_len, i = rdb_length(dump, i + 1)
    plain_len, i = rdb_length(dump, i)
    assert plain_len == len(value)
    return dump, dump[i:i + compressed_len]
