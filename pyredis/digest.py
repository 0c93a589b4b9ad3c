"""Dataset digests as Redis's DEBUG DIGEST and DIGEST-VALUE compute them (debug.c).

Two SHA1 steps build every digest.  ``xor_digest`` xors SHA1(data) into the
digest: the order of such steps does not matter, which is how unordered
containers (sets, hashes, sorted sets) are folded in.  ``mix_digest`` xors,
then replaces the digest with the SHA1 of itself: order matters, as it must
for a list or for a key followed by its value.

``DIGESTERS`` maps a value class to ``fn(digest, value) -> digest``: the
part of a value's digest that depends on its type, fed with the bytes Redis
feeds for that type.  Digests are 160-bit ints until they are shown.
Adding a type means registering one function and its Redis type code in
``TYPE_CODES``.
"""
from . import sha
from ._speedups import QuickList
from .types.hash import Hash
from .types.set import Set
from .types.stream import MAX_ID, Stream, SEQ_MASK
from .types.zset import ZSet

# Redis's OBJ_* type codes, hashed ahead of each value.
TYPE_CODES = {bytes: 0, bytearray: 0, QuickList: 1, Set: 2, ZSet: 3, Hash: 4, Stream: 6}
DIGESTERS = {}

EMPTY = bytes(20)


def _sha1(data):
    return int.from_bytes(sha.sha1(data).digest(), "big")


def xor_digest(digest, data):
    """digest ^ SHA1(data); digests are 160-bit ints."""
    return digest ^ _sha1(data)


def mix_digest(digest, data):
    """SHA1(digest ^ SHA1(data))."""
    return _sha1((digest ^ _sha1(data)).to_bytes(20, "big"))


def _element_digest(*parts):
    """A fresh digest with each part mixed in: one member of an unordered container."""
    d = 0
    for part in parts:
        d = mix_digest(d, part)
    return d.to_bytes(20, "big")


def _string(digest, value):
    return mix_digest(digest, bytes(value))


def _list(digest, value):
    for element in value:
        digest = mix_digest(digest, element)
    return digest


def _set(digest, value):
    for member in value:
        digest ^= _sha1(member)
    return digest


def _zset(digest, value):
    # Both encodings print the score with "%.17g".
    for score, member in value:
        digest ^= _sha1(_element_digest(member, b"%.17g" % score))
    return digest


def _hash(digest, value):
    for field, v in value.items():
        digest ^= _sha1(_element_digest(field, v))
    return digest


def _stream(digest, value):
    # Each entry: its ID as "ms.seq", then each field and value, in order.
    for sid, pairs in value.range(0, MAX_ID):
        digest = mix_digest(digest, b"%d.%d" % (sid >> 64, sid & SEQ_MASK))
        for item in pairs:
            digest = mix_digest(digest, item)
    return digest


DIGESTERS.update({bytes: _string, bytearray: _string, QuickList: _list, Set: _set,
                  ZSet: _zset, Hash: _hash, Stream: _stream})


def value_digest(db, key, value, digest=0):
    """xorObjectDigest: the type, the value, then whether ``key`` has a TTL; 20 bytes."""
    return _value_digest(db, key, value, digest).to_bytes(20, "big")


def _value_digest(db, key, value, digest):
    digest = mix_digest(digest, TYPE_CODES[value.__class__].to_bytes(4, "big"))
    digest = DIGESTERS[value.__class__](digest, value)
    if db.get_expire(key) != -1:
        digest = xor_digest(digest, b"!!expire!!")
    return digest


def dataset_digest(dbs):
    """computeDatasetDigest: every key of every db, logically expired ones included; 20 bytes."""
    final = 0
    for db in dbs:
        if not db.data:
            continue
        final = mix_digest(final, db.id.to_bytes(4, "big"))
        for key, value in db.data.items():
            digest = _value_digest(db, key, value, mix_digest(0, key))
            final = xor_digest(final, digest.to_bytes(20, "big"))
    return final.to_bytes(20, "big")
