"""What a test can observe about a whole dataset, to compare two servers or two restarts."""


def contents(r, ttl_unit_ms):
    """{(db, key): (type, value, encoding, TTL in ``ttl_unit_ms`` units or False)} of every db."""
    out = {}
    for db in range(16):
        r.execute_command("SELECT", db)
        for key in r.keys():
            kind = r.type(key)
            if kind == b"string":
                value = r.get(key)
            elif kind == b"list":
                value = r.lrange(key, 0, -1)
            elif kind == b"set":
                value = sorted(r.smembers(key))
            elif kind == b"hash":
                value = sorted(r.hgetall(key).items())
            else:
                value = r.zrange(key, 0, -1, withscores=True)
            ttl = r.pttl(key)
            out[(db, key)] = (kind, value, r.object("encoding", key), ttl > 0 and ttl // ttl_unit_ms)
    r.execute_command("SELECT", 0)
    return out
