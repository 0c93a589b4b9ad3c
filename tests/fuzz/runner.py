"""Run command sequences on pyredis and redis-server side by side; shrink what differs.

A sequence runs from an empty keyspace on one connection per server; every
reply is compared (after ``normalize.normalise``), then the final keyspace:
each key's type, encoding, value and whether it has a TTL.
"""
import json
import os

from respclient import RawClient, encode_command

from .normalize import (CLOSED, TIMEOUT, equivalent, limited, normalise, overflows, same_kind,
                        stale_erange, unordered_store)

CASES = os.path.join(os.path.dirname(__file__), "..", "compat", "fuzz_cases.json")


class Difference(Exception):
    def __init__(self, step, argv, ours, theirs):
        self.step = step
        self.argv = argv
        self.ours = ours
        self.theirs = theirs
        Exception.__init__(self, "step %d %r\n  pyredis: %r\n  redis:   %r"
                           % (step, argv, ours, theirs))


# What --scripts runs each generated command through: redis.pcall from a cached script.
SCRIPT = b"return redis.pcall(unpack(ARGV))"


class Side:
    def __init__(self, port, scripts=False):
        self.port = port
        self.conn = RawClient(port)
        # The generated commands run as EVALSHA of SCRIPT (its SHA1), the
        # keyspace reads of the comparison as themselves.
        self.sha = None
        if scripts:
            self.sha = self.conn.cmd("SCRIPT", "LOAD", SCRIPT).split(b"\r\n")[1]

    def run(self, *argv):
        """A generated command, through the script with --scripts."""
        if self.sha is None:
            return self.cmd(*argv)
        return self.cmd(b"EVALSHA", self.sha, b"0", *argv)

    def pipeline(self, argvs):
        """The replies to ``argvs`` sent in one write (no blocking command among them)."""
        self.conn.send(b"".join(encode_command(*argv) for argv in argvs))
        replies = []
        for _ in argvs:
            try:
                replies.append(self.conn.read_reply())
            except TimeoutError:
                replies.append(TIMEOUT)
            except (ConnectionError, OSError):
                replies.append(CLOSED)
        if CLOSED in replies or TIMEOUT in replies:
            self.conn.close()
            self.conn = RawClient(self.port)
        return replies

    def cmd(self, *argv):
        try:
            return self.conn.cmd(*argv)
        except TimeoutError:
            self.conn.close()
            self.conn = RawClient(self.port)
            return TIMEOUT
        except (ConnectionError, OSError):
            # A closed connection is a reply too (protocol errors close it).
            self.conn.close()
            self.conn = RawClient(self.port)
            return CLOSED

    def reset(self):
        self.conn.close()
        self.conn = RawClient(self.port)
        self.conn.cmd("FLUSHALL")


# Keys due to expire within this many ms may be gone on one server and not yet
# on the other when the keyspaces are read: they are left out of the comparison.
_RACY_TTL_MS = 1000


def _keyspace(side):
    """{key: [type, encoding, has TTL, value]} of every key, and the keys about to expire."""
    keys = sorted(_bulks(side.cmd("KEYS", "*")))
    out = {}
    racy = set()
    for key in keys:
        pttl = int(side.cmd("PTTL", key)[1:-2])
        if 0 <= pttl < _RACY_TTL_MS:
            racy.add(key)
            continue
        kind = side.cmd("TYPE", key)
        entry = [kind, side.cmd("OBJECT", "ENCODING", key), pttl == -1]
        if kind == b"+string\r\n":
            entry.append(side.cmd("GET", key))
        elif kind == b"+list\r\n":
            entry.append(side.cmd("LRANGE", key, "0", "-1"))
        elif kind == b"+set\r\n":
            entry.append(normalise("smembers", side.cmd("SMEMBERS", key)))
        elif kind == b"+hash\r\n":
            entry.append(normalise("hgetall", side.cmd("HGETALL", key)))
        elif kind == b"+zset\r\n":
            entry.append(side.cmd("ZRANGE", key, "0", "-1", "WITHSCORES"))
        elif kind == b"+stream\r\n":
            entry.append(normalise("xrange", side.cmd("XRANGE", key, "-", "+")))
        out[key] = entry
    return out, racy


def _bulks(raw):
    tree = normalise("keys", raw)
    return [item[1] for item in tree[1]] if tree and tree[0] == "*" else []


def run(ours, theirs, sequence, pipeline=False):
    """Run ``sequence`` on both (Side objects); raise Difference at the first one.

    With ``pipeline`` the whole sequence goes to each server in one write."""
    ours.reset()
    theirs.reset()
    unordered = {}
    # Whether an earlier command overflowed a double (see normalize.stale_erange).
    erange = False
    if pipeline:
        replies = zip(ours.pipeline(sequence), theirs.pipeline(sequence))
    else:
        replies = ((ours.run(*argv), theirs.run(*argv)) for argv in sequence)
    for step, (argv, (a, b)) in enumerate(zip(sequence, replies)):
        touched = [k for k in argv[1:] if k in unordered]
        if erange and stale_erange(argv, a, b):
            pass
        elif touched:
            if not same_kind(a, b):
                raise Difference(step, argv, a, b)
            # What it read or moved came from an undefined order: so does every key it names.
            for key in argv[1:]:
                unordered[key] = True
        elif not equivalent(argv, a, b):
            raise Difference(step, argv, a, b)
        erange = erange or overflows(argv)
        dest = unordered_store(argv)
        if dest is not None:
            unordered[dest] = limited(argv)
    (ka, racy_a), (kb, racy_b) = _keyspace(ours), _keyspace(theirs)
    for key in racy_a | racy_b:
        ka.pop(key, None)
        kb.pop(key, None)
    for key, window in unordered.items():
        # A list SORT ... BY stored: its elements in no particular order, or
        # only their number when LIMIT chose among tied ones.
        for space in (ka, kb):
            entry = space.get(key)
            if entry is not None and entry[0] == b"+list\r\n":
                tree = normalise("smembers", entry[-1])
                entry[-1] = len(tree[1]) if window else tree
    if ka != kb:
        raise Difference(len(sequence), [b"<keyspace>"], ka, kb)


def shrink(ours, theirs, sequence, pipeline=False):
    """The shortest sub-sequence (removing one command at a time) that still differs."""
    current = list(sequence)
    changed = True
    while changed:
        changed = False
        for i in range(len(current) - 1, -1, -1):
            trial = current[:i] + current[i + 1:]
            if not trial:
                continue
            try:
                run(ours, theirs, trial, pipeline)
            except Difference:
                current = trial
                changed = True
    return current


def load_cases():
    """The saved sequences: lists of requests, each a list of bytes arguments."""
    if not os.path.exists(CASES):
        return []
    with open(CASES, encoding="utf-8") as f:
        return [[[a.encode("latin-1") for a in argv] for argv in seq] for seq in json.load(f)]


def save_case(sequence):
    """Add a shrunk failing sequence to the regression cases of tests/compat."""
    cases = load_cases()
    if sequence in cases:
        return
    cases.append(sequence)
    lines = [json.dumps([[a.decode("latin-1") for a in argv] for argv in seq]) for seq in cases]
    with open(CASES, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(lines) + "\n]\n")


__all__ = ["Difference", "Side", "run", "shrink", "load_cases", "save_case", "encode_command"]
