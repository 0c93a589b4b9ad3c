"""SHA1 and SHA256 (scripts' names, ACL passwords, DEBUG DIGEST), from hashlib on first use.

hashlib loads OpenSSL's libcrypto, about 3 MB resident: a server that never
hashes anything (no password set, no script loaded, no digest asked for)
does not carry it.  Callers use ``sha.sha1`` and ``sha.sha256`` through the
module, so the first call's rebinding serves every later one.
"""


def sha1(data):
    global sha1
    from hashlib import sha1
    return sha1(data)


def sha256(data):
    global sha256
    from hashlib import sha256
    return sha256(data)
