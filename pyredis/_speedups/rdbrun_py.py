"""Pure-Python twin of rdbrun.pyx: the plain string keys that make up most RDB files, read and written.

A plain string record is the type byte 0, then a key and a value each saved
as a raw string shorter than 64 bytes (one length byte), with no expire or
access opcode before it.  ``load_strings`` stores such a run into a db's
dict in one call; anything else ends the run and is left to the general
loader, which reports what is wrong with it.  ``save_keys`` writes a whole
db's records, the plain strings itself and the rest through a callback.
"""


def load_strings(data, pos, limit, keyspace, created, slots):
    """Store the plain string records from ``pos`` on into the dict ``keyspace``.

    ``created(key)`` and, unless ``slots`` is None, ``slots(key)`` are called
    for each key stored.  The run stops before the first record that is not a
    complete plain string record, whose key is already in ``keyspace``, or
    that starts at or past ``limit``.  Returns (where the run stopped, keys
    stored).
    """
    n = len(data)
    count = 0
    while pos < limit and pos < n and data[pos] == 0:
        p = pos + 1
        if p >= n or data[p] >= 64:
            break
        q = p + 1 + data[p]
        if q >= n or data[q] >= 64 or q + 1 + data[q] > n:
            break
        key = data[p + 1:q]
        if key in keyspace:
            break
        stop = q + 1 + data[q]
        keyspace[key] = data[q + 1:stop]
        created(key)
        if slots is not None:
            slots(key)
        count += 1
        pos = stop
    return pos, count


_NUMERIC_START = frozenset(b"-0123456789")
_LEN6 = [bytes((n,)) for n in range(64)]


def save_keys(data, expires, other, add, flush_bytes):
    """Write the records of every key of the dict ``data`` through ``add(chunk)``; the keys written.

    A key in ``expires`` is preceded by its EXPIRETIME_MS opcode.  A string
    key and value of 1 to 20 bytes that cannot spell an integer are written
    raw here (nothing else could encode them); ``other(key, value)`` gives
    every other record whole.  Chunks reach ``flush_bytes`` or more, but the
    last.
    """
    batch = []
    append = batch.append
    size = 0
    for key, value in data.items():
        if expires:
            when = expires.get(key)
            if when is not None:
                append(b"\xfc" + when.to_bytes(8, "little", signed=True))
                size += 9
        nk = len(key)
        if (value.__class__ is bytes and 0 < nk <= 20 and 0 < len(value) <= 20
                and key[0] not in _NUMERIC_START and value[0] not in _NUMERIC_START):
            record = b"\x00" + _LEN6[nk] + key + _LEN6[len(value)] + value
        else:
            record = other(key, value)
        append(record)
        size += len(record)
        if size >= flush_bytes:
            add(b"".join(batch))
            batch.clear()
            size = 0
    if batch:
        add(b"".join(batch))
    return len(data)


__all__ = ["load_strings", "save_keys"]
