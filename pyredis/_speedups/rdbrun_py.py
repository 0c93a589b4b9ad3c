"""Pure-Python twin of rdbrun.pyx: the runs of plain string keys that make up most RDB files.

A plain string record is the type byte 0, then a key and a value each saved
as a raw string shorter than 64 bytes (one length byte), with no expire or
access opcode before it.  ``load_strings`` stores such a run into a db's
dict in one call; anything else ends the run and is left to the general
loader, which reports what is wrong with it.
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


__all__ = ["load_strings"]
