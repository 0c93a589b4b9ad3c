"""Dataset digests as Redis's DEBUG DIGEST and DIGEST-VALUE compute them (debug.c).

Two SHA1 steps build every digest.  ``xor_digest`` xors SHA1(data) into the
digest: the order of such steps does not matter, which is how unordered
containers (sets, hashes, sorted sets) are folded in.  ``mix_digest`` xors,
then replaces the digest with the SHA1 of itself: order matters, as it must
for a list or for a key followed by its value.

``DIGESTERS`` maps a value class to ``fn(digest, value)``: the part of a
value's digest that depends on its type, fed with the bytes Redis feeds for
that type.  Adding a type means registering one function and its Redis type
code in ``TYPE_CODES``.
"""
from hashlib import sha1

from ._speedups import QuickList
from .types.hash import Hash
from .types.set import Set
from .types.zset import ZSet

# Redis's OBJ_* type codes, hashed ahead of each value.
TYPE_CODES = {bytes: 0, bytearray: 0, QuickList: 1, Set: 2, ZSet: 3, Hash: 4}
DIGESTERS = {}

EMPTY = bytes(20)


def xor_digest(digest, data):
    """digest ^= SHA1(data), in place."""
    h = sha1(data).digest()
    for i in range(20):
        digest[i] ^= h[i]


def mix_digest(digest, data):
    """digest = SHA1(digest ^ SHA1(data)), in place."""
    xor_digest(digest, data)
    digest[:] = sha1(digest).digest()


def _element_digest(*parts):
    """A fresh digest with each part mixed in: one member of an unordered container."""
    d = bytearray(20)
    for part in parts:
        mix_digest(d, part)
    return bytes(d)


def _string(digest, value):
    mix_digest(digest, bytes(value))


def _list(digest, value):
    for element in value:
        mix_digest(digest, element)


def _set(digest, value):
    for member in value:
        xor_digest(digest, member)


def _zset(digest, value):
    # Both encodings print the score with "%.17g".
    for score, member in value:
        xor_digest(digest, _element_digest(member, b"%.17g" % score))


def _hash(digest, value):
    for field, v in value.items():
        xor_digest(digest, _element_digest(field, v))


DIGESTERS.update({bytes: _string, bytearray: _string, QuickList: _list, Set: _set,
                  ZSet: _zset, Hash: _hash})


def value_digest(db, key, value, digest=None):
    """xorObjectDigest: the type, the value, then whether ``key`` has a TTL."""
    if digest is None:
        digest = bytearray(20)
    mix_digest(digest, TYPE_CODES[value.__class__].to_bytes(4, "big"))
    DIGESTERS[value.__class__](digest, value)
    if db.get_expire(key) != -1:
        xor_digest(digest, b"!!expire!!")
    return digest


def dataset_digest(dbs):
    """computeDatasetDigest: every key of every db, logically expired ones included."""
    final = bytearray(20)
    for db in dbs:
        if not db.data:
            continue
        mix_digest(final, db.id.to_bytes(4, "big"))
        for key, value in db.data.items():
            digest = bytearray(20)
            mix_digest(digest, key)
            value_digest(db, key, value, digest)
            xor_digest(final, digest)
    return bytes(final)
