"""List commands, byte for byte against redis-server 7.0.

Fixed cases pin the error texts and the check order; a seeded random command
sequence over a few keys compares every reply, once per list fill factor so
node splits and merges happen; blocking scenarios run the same script of
several clients on both servers and compare everything each client received.
"""
import random
import socket
import time

import pytest

from respclient import RawClient, encode_command


# ---- fixed cases ---------------------------------------------------------------------------------

SETUP = [("SET", "s", "str"), ("RPUSH", "l", "a", "b", "c", "a", "b", "c", "a")]

CASES = {
    "push": [("LPUSH", "n", "1", "2", "3"), ("RPUSH", "n", "4"), ("LPUSHX", "none", "x"),
             ("RPUSHX", "n", "5", "6"), ("LRANGE", "n", "0", "-1"), ("LPUSH", "s", "x"),
             ("LPUSHX", "s", "x"), ("LPUSH", "n")],
    "pop": [("LPOP", "l"), ("RPOP", "l"), ("LPOP", "l", "2"), ("RPOP", "l", "2"), ("LPOP", "l", "0"),
            ("LPOP", "l", "-1"), ("LPOP", "l", "x"), ("LPOP", "s", "0"), ("LPOP", "s", "-1"),
            ("LPOP", "none", "0"), ("LPOP", "none"), ("RPOP", "none", "3"), ("LPOP", "l", "1", "2"),
            ("RPOP", "l", "100"), ("LLEN", "l"), ("LPOP", "l", "9223372036854775808")],
    "lmpop": [("LMPOP", "0", "l", "LEFT"), ("LMPOP", "x", "l", "LEFT"), ("LMPOP", "2", "l", "LEFT"),
              ("LMPOP", "1", "l", "MIDDLE"), ("LMPOP", "1", "l", "LEFT", "COUNT"),
              ("LMPOP", "1", "l", "LEFT", "COUNT", "0"), ("LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"),
              ("LMPOP", "2", "s", "l", "LEFT"), ("LMPOP", "2", "none", "l", "RIGHT", "COUNT", "3"),
              ("LMPOP", "3", "none", "l", "s", "left", "count", "100"), ("LMPOP", "1", "l", "LEFT"),
              ("LMPOP", "9223372036854775807", "l", "LEFT")],
    "read": [("LLEN", "l"), ("LLEN", "s"), ("LLEN", "none"), ("LRANGE", "l", "2", "4"),
             ("LRANGE", "l", "-3", "-1"), ("LRANGE", "l", "5", "1"), ("LRANGE", "s", "x", "1"),
             ("LRANGE", "s", "0", "1"), ("LRANGE", "none", "x", "1"), ("LINDEX", "l", "-1"),
             ("LINDEX", "l", "7"), ("LINDEX", "l", "x"), ("LINDEX", "s", "x"), ("LINDEX", "none", "x"),
             ("LRANGE", "l", "-9223372036854775808", "9223372036854775807")],
    "lpos": [("LPOS", "l", "a"), ("LPOS", "l", "a", "RANK", "-2"), ("LPOS", "l", "a", "COUNT", "0"),
             ("LPOS", "l", "a", "RANK", "0"), ("LPOS", "s", "a", "RANK", "0"), ("LPOS", "s", "a"),
             ("LPOS", "l", "a", "COUNT", "-1"), ("LPOS", "l", "a", "MAXLEN", "x"),
             ("LPOS", "l", "a", "RANK"), ("LPOS", "l", "a", "FOO", "1"), ("LPOS", "none", "a"),
             ("LPOS", "none", "a", "COUNT", "2"), ("LPOS", "l", "b", "RANK", "-1", "COUNT", "0", "MAXLEN", "5"),
             ("LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", "1"),
             ("LPOS", "l", "a", "RANK", "-9223372036854775808", "MAXLEN", "3"),
             ("LPOS", "l", "a", "RANK", "9223372036854775807", "COUNT", "0"),
             ("LPOS", "l", "zz", "COUNT", "1")],
    "lset": [("LSET", "none", "x", "v"), ("LSET", "s", "x", "v"), ("LSET", "l", "x", "v"),
             ("LSET", "l", "7", "v"), ("LSET", "l", "-7", "first"), ("LINDEX", "l", "0")],
    "linsert": [("LINSERT", "s", "MIDDLE", "a", "b"), ("LINSERT", "s", "BEFORE", "a", "b"),
                ("LINSERT", "none", "BEFORE", "a", "b"), ("LINSERT", "l", "BEFORE", "zz", "b"),
                ("LINSERT", "l", "after", "c", "X"), ("LRANGE", "l", "0", "-1")],
    "lrem": [("LREM", "s", "x", "a"), ("LREM", "s", "0", "a"), ("LREM", "none", "0", "a"),
             ("LREM", "l", "-2", "a"), ("LREM", "l", "1", "b"), ("LREM", "l", "0", "c"),
             ("LRANGE", "l", "0", "-1"), ("LREM", "l", "-9223372036854775808", "a"), ("LLEN", "l")],
    "ltrim": [("LTRIM", "s", "x", "0"), ("LTRIM", "s", "0", "1"), ("LTRIM", "none", "0", "1"),
              ("LTRIM", "l", "1", "-2"), ("LRANGE", "l", "0", "-1"), ("LTRIM", "l", "9", "10"),
              ("LLEN", "l")],
    "lmove": [("LMOVE", "l", "d", "LEFT", "UP"), ("LMOVE", "s", "d", "LEFT", "LEFT"),
              ("LMOVE", "l", "s", "LEFT", "LEFT"), ("LMOVE", "none", "s", "LEFT", "LEFT"),
              ("LMOVE", "l", "d", "RIGHT", "LEFT"), ("LMOVE", "l", "l", "LEFT", "RIGHT"),
              ("RPOPLPUSH", "l", "d"), ("RPOPLPUSH", "s", "d"), ("LRANGE", "l", "0", "-1"),
              ("LRANGE", "d", "0", "-1")],
    "blocking-args": [("BLPOP", "s", "x"), ("BLPOP", "s", "-1"), ("BLPOP", "s", "0"),
                      ("BLPOP", "none", "s", "0"), ("BLPOP", "l", "s", "0"), ("BRPOP", "none", "-0.5"),
                      ("BRPOPLPUSH", "s", "d", "x"), ("BRPOPLPUSH", "s", "d", "0"),
                      ("BLMOVE", "s", "d", "LEFT", "UP", "x"), ("BLMOVE", "s", "d", "LEFT", "LEFT", "x"),
                      ("BLMOVE", "l", "s", "LEFT", "LEFT", "0"), ("BLMPOP", "x", "1", "s", "LEFT"),
                      ("BLMPOP", "x", "1", "s", "LEFT", "COUNT", "0"), ("BLMPOP", "x", "0", "s", "LEFT"),
                      ("BLMPOP", "0", "1", "s", "LEFT"), ("BLMPOP", "0", "2", "l", "s", "RIGHT", "COUNT", "2"),
                      ("BLPOP", "none", "0.01"), ("BLMOVE", "none", "d", "LEFT", "LEFT", "0.01"),
                      ("BLMPOP", "0.01", "1", "none", "LEFT")],
    "multi": [("MULTI",), ("BLPOP", "none", "0"), ("BLMOVE", "none", "d", "LEFT", "LEFT", "0"),
              ("BRPOPLPUSH", "none", "d", "0"), ("BLMPOP", "0", "1", "none", "LEFT"), ("BRPOP", "l", "0"),
              ("EXEC",)],
    "getkeys": [("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"),
                ("COMMAND", "GETKEYS", "LMPOP", "3", "a", "b", "LEFT"),
                ("COMMAND", "GETKEYS", "LMPOP", "2x", "a", "b", "LEFT"),
                ("COMMAND", "GETKEYS", "BLMPOP", "0", "1", "a", "LEFT"),
                ("COMMAND", "GETKEYS", "BLPOP", "a", "b", "0"),
                ("COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "LEFT")],
    "meta": [("TYPE", "l"), ("OBJECT", "ENCODING", "l"), ("COPY", "l", "l2"), ("RPOP", "l2"),
             ("LRANGE", "l", "0", "-1"), ("LRANGE", "l2", "0", "-1")],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_cases(compare, name):
    compare(*SETUP)
    compare(*CASES[name])


@pytest.mark.parametrize("name", ["pop", "lmpop", "read", "lpos", "lmove", "multi", "blocking-args"])
def test_cases_resp3(pair_factory, name):
    p = pair_factory()
    for client in (p.ours, p.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")
    p.run("FLUSHALL")
    for cmd in SETUP + CASES[name]:
        p.run(*cmd)


def test_command_info(compare):
    compare(*[("COMMAND", "INFO", name) for name in (
        "lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange", "lindex", "lset",
        "linsert", "lrem", "ltrim", "lpos", "lmove", "rpoplpush", "lmpop", "blpop", "brpop",
        "blmove", "brpoplpush", "blmpop")])


# ---- random sequences ----------------------------------------------------------------------------

KEYS = ["k1", "k2", "k3", "s"]
SHORT = ["a", "b", "c", "1", "22", "-7", ""]


def _element(rng):
    roll = rng.random()
    if roll < 0.8:
        return rng.choice(SHORT)
    if roll < 0.95:
        return rng.choice("xyz") * rng.randint(10, 300)
    return rng.choice("XYZ") * rng.randint(2000, 9000)


def _index(rng, wide=False):
    if wide and rng.random() < 0.05:
        return rng.choice(["x", "9223372036854775807", "-9223372036854775808", "1.5"])
    return str(rng.randint(-25, 25))


def random_command(rng):
    key = rng.choice(KEYS)
    other = rng.choice(KEYS)
    side = lambda: rng.choice(["LEFT", "RIGHT", "left", "right"])  # noqa: E731
    kind = rng.randrange(24)
    if kind < 4:
        cmd = rng.choice(["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])
        return (cmd, key) + tuple(_element(rng) for _ in range(rng.randint(1, 6)))
    if kind < 6:
        cmd = rng.choice(["LPOP", "RPOP"])
        if rng.random() < 0.5:
            return (cmd, key)
        return (cmd, key, rng.choice(["0", "1", "2", "5", "-1"]))
    if kind == 6:
        return ("LLEN", key)
    if kind < 9:
        return ("LRANGE", key, _index(rng, True), _index(rng))
    if kind == 9:
        return ("LINDEX", key, _index(rng, True))
    if kind == 10:
        return ("LSET", key, _index(rng, True), _element(rng))
    if kind == 11:
        return ("LINSERT", key, rng.choice(["BEFORE", "AFTER", "after"]), rng.choice(SHORT), _element(rng))
    if kind == 12:
        return ("LREM", key, str(rng.randint(-3, 3)), rng.choice(SHORT))
    if kind == 13:
        return ("LTRIM", key, _index(rng, True), _index(rng))
    if kind == 14:
        args = ["LPOS", key, rng.choice(SHORT)]
        for opt in rng.sample(["RANK", "COUNT", "MAXLEN"], rng.randint(0, 3)):
            lo = {"RANK": -4, "COUNT": 0, "MAXLEN": 0}[opt]
            args += [opt, str(rng.randint(lo, 4))]
        return tuple(args)
    if kind < 17:
        return ("LMOVE", key, other, side(), side())
    if kind == 17:
        return ("RPOPLPUSH", key, other)
    if kind == 18:
        keys = rng.sample(KEYS, rng.randint(1, 3))
        args = ["LMPOP", str(len(keys))] + keys + [side()]
        if rng.random() < 0.6:
            args += ["COUNT", str(rng.randint(1, 6))]
        return tuple(args)
    # Blocking forms with data mostly present; an empty key times out fast.
    if kind == 19:
        keys = rng.sample(KEYS, rng.randint(1, 3))
        return (rng.choice(["BLPOP", "BRPOP"]),) + tuple(keys) + ("0.001",)
    if kind == 20:
        return ("BLMOVE", key, other, side(), side(), "0.001")
    if kind == 21:
        return ("BRPOPLPUSH", key, other, "0.001")
    if kind == 22:
        keys = rng.sample(KEYS, rng.randint(1, 3))
        return ("BLMPOP", "0.001", str(len(keys))) + tuple(keys) + (side(), "COUNT", str(rng.randint(1, 4)))
    return ("SET", "s", "string") if rng.random() < 0.5 else ("LRANGE", key, "0", "-1")


@pytest.mark.parametrize("fill, compress", [(-2, 0), (-1, 1), (1, 0), (2, 2), (3, 0), (5, 1)])
def test_random_sequence(pair, fill, compress):
    rng = random.Random(7000 + fill * 10 + compress)
    try:
        pair.run("CONFIG", "SET", "list-max-listpack-size", str(fill))
        pair.run("CONFIG", "SET", "list-compress-depth", str(compress))
        # Redis checks blocked clients' timeouts once per hz tick.
        pair.run("CONFIG", "SET", "hz", "500")
        pair.run("SET", "s", "string")
        for step in range(1500):
            cmd = random_command(rng)
            try:
                pair.run(*cmd)
            except AssertionError as exc:
                raise AssertionError("step %d: %s" % (step, exc)) from None
        for key in KEYS:
            pair.run("LRANGE", key, "0", "-1")
    finally:
        pair.run("CONFIG", "SET", "list-max-listpack-size", "-2")
        pair.run("CONFIG", "SET", "list-compress-depth", "0")
        pair.run("CONFIG", "SET", "hz", "10")


def test_long_list_against_small_nodes(pair):
    """A list of many nodes: ranges, indexes and edits in the middle."""
    pair.run("CONFIG", "SET", "list-max-listpack-size", "4")
    try:
        rng = random.Random(11)
        values = ["v%d" % i for i in range(600)]
        for i in range(0, 600, 100):
            pair.run("RPUSH", "big", *values[i:i + 100])
        for _ in range(300):
            i, j = rng.randint(-700, 700), rng.randint(-700, 700)
            op = rng.randrange(6)
            if op == 0:
                pair.run("LRANGE", "big", str(i), str(j))
            elif op == 1:
                pair.run("LINDEX", "big", str(i))
            elif op == 2:
                pair.run("LSET", "big", str(i), "s%d" % j)
            elif op == 3:
                pair.run("LINSERT", "big", rng.choice(["BEFORE", "AFTER"]), rng.choice(values), "n%d" % j)
            elif op == 4:
                pair.run("LREM", "big", str(rng.randint(-2, 2)), rng.choice(values))
            else:
                pair.run("LPOS", "big", rng.choice(values), "RANK", str(rng.choice([-2, -1, 1, 2])), "COUNT", "0")
        pair.run("LRANGE", "big", "0", "-1")
    finally:
        pair.run("CONFIG", "SET", "list-max-listpack-size", "-2")


def _node_value(rng):
    kind = rng.random()
    if kind < 0.3:
        return str(rng.randint(-100000, 100000))
    if kind < 0.6:
        return "v" * rng.randint(1, 60)
    if kind < 0.9:
        return "w" * rng.randint(60, 700)
    return "z" * rng.randint(700, 5000)


@pytest.mark.parametrize("fill", ["-1", "-2", "3", "50"])
def test_dump_of_lists_built_by_the_same_commands_is_byte_equal(pair, fill):
    """Nodes fill, split and merge as quicklist.c does: DUMP shows every node."""
    pair.run("CONFIG", "SET", "list-max-listpack-size", fill)
    try:
        for size in (1, 63, 64, 92, 253, 254, 260, 500, 4000, 8200):
            pair.run("RPUSH", "p%d" % size, *["x" * size] * 40)
            pair.run("LPUSH", "p%d" % size, *["y" * size] * 40)
            pair.run("DUMP", "p%d" % size)
        rng = random.Random(int(fill))
        pair.run("RPUSH", "l", *[_node_value(rng) for _ in range(60)])
        for _ in range(150):
            n = int(pair.run("LLEN", "l")[1:-2])
            op = rng.randrange(7)
            if op < 2 or n < 4:
                pair.run("RPUSH" if op else "LPUSH", "l", *[_node_value(rng) for _ in range(rng.randint(1, 12))])
            elif op == 2:
                pivot = pair.run("LINDEX", "l", str(rng.randrange(n))).split(b"\r\n")[1]
                pair.run("LINSERT", "l", rng.choice(["BEFORE", "AFTER"]), pivot, _node_value(rng))
            elif op == 3:
                pair.run("LSET", "l", str(rng.randrange(n)), _node_value(rng))
            elif op == 4:
                pivot = pair.run("LINDEX", "l", str(rng.randrange(n))).split(b"\r\n")[1]
                pair.run("LREM", "l", str(rng.choice([0, 1, -1])), pivot)
            elif op == 5:
                pair.run("LTRIM", "l", str(rng.randint(0, 2)), str(rng.randint(-3, -1)))
            else:
                pair.run(rng.choice(["LPOP", "RPOP"]), "l", str(rng.randint(1, 3)))
            pair.run("DUMP", "l")
    finally:
        pair.run("CONFIG", "SET", "list-max-listpack-size", "-2")


def test_changes_counter(pair):
    """rdb_changes_since_last_save counts elements, as Redis's server.dirty."""
    def dirty(client):
        for line in client.cmd("INFO", "persistence").split(b"\r\n"):
            if line.startswith(b"rdb_changes_since_last_save:"):
                return int(line.split(b":")[1])
        pytest.fail("INFO has no rdb_changes_since_last_save")

    commands = [("RPUSH", "l", "a", "b", "c", "d", "e", "f"), ("LPUSH", "l", "x", "y"), ("LPOP", "l", "3"),
                ("RPOP", "l"), ("LTRIM", "l", "0", "100"), ("LTRIM", "l", "1", "-1"), ("LREM", "l", "0", "c"),
                ("LREM", "l", "0", "zz"), ("LSET", "l", "0", "q"), ("LINSERT", "l", "BEFORE", "q", "p"),
                ("LMOVE", "l", "m", "LEFT", "LEFT"), ("LMPOP", "1", "l", "RIGHT", "COUNT", "9"),
                ("BLPOP", "m", "0"), ("LPUSHX", "nokey", "a")]
    for cmd in commands:
        before = (dirty(pair.ours), dirty(pair.theirs))
        pair.run(*cmd)
        assert dirty(pair.ours) - before[0] == dirty(pair.theirs) - before[1], cmd


# ---- blocking scenarios --------------------------------------------------------------------------

def _blocked(admin):
    for line in admin.cmd("INFO", "clients").split(b"\r\n"):
        if line.startswith(b"blocked_clients:"):
            return int(line.split(b":")[1])
    raise AssertionError("no blocked_clients in INFO")


def run_script(port, steps):
    """Play ``steps`` on one server; return what each step observed.

    Steps: ("cmd", i, args) send and read; ("block", i, args) send and wait
    until the server has one more blocked client; ("pipe", i, [args ...]) the
    same with several commands in one write; ("read", i) the next reply;
    ("quiet", i) whatever arrives within 100 ms; ("close", i); ("unblock", i,
    mode) CLIENT UNBLOCK on client i's id; ("wait", n) until n are blocked.
    """
    admin = RawClient(port)
    clients = {}
    ids = {}
    log = []

    def client(i):
        if i not in clients:
            clients[i] = RawClient(port)
            ids[i] = clients[i].cmd("CLIENT", "ID")[1:-2]
        return clients[i]

    def wait(n):
        deadline = time.time() + 5
        while _blocked(admin) != n:
            assert time.time() < deadline, "waiting for %d blocked clients" % n
            time.sleep(0.005)

    try:
        for step in steps:
            op = step[0]
            if op == "cmd":
                log.append(client(step[1]).cmd(*step[2]))
            elif op in ("block", "pipe"):
                n = _blocked(admin)
                cmds = step[2] if op == "pipe" else [step[2]]
                client(step[1]).send(b"".join(encode_command(*cmd) for cmd in cmds))
                wait(n + 1)
            elif op == "read":
                try:
                    log.append(client(step[1]).read_reply())
                except socket.timeout:
                    log.append("timeout")
            elif op == "quiet":
                log.append(client(step[1]).read_all(0.1))
            elif op == "close":
                clients.pop(step[1]).close()
            elif op == "unblock":
                log.append(admin.cmd("CLIENT", "UNBLOCK", ids[step[1]], *step[2:]))
            elif op == "wait":
                wait(step[1])
            else:
                raise ValueError(op)
    finally:
        for c in clients.values():
            c.close()
        admin.close()
    return log


def C(i, *args):
    return ("cmd", i, args)


def B(i, *args):
    return ("block", i, args)


def R(i):
    return ("read", i)


def Q(i):
    return ("quiet", i)


SCENARIOS = {
    "fifo": [B(1, "BLPOP", "k", "0"), B(2, "BLPOP", "k", "0"), B(3, "BRPOP", "k", "0"),
             C(0, "RPUSH", "k", "a", "b", "c", "d"), R(1), R(2), R(3), C(0, "LRANGE", "k", "0", "-1")],
    "fewer-elements": [B(1, "BLPOP", "k", "0"), B(2, "BRPOP", "k", "0"), C(0, "LPUSH", "k", "a"), R(1), Q(2),
                       C(0, "LPUSH", "k", "b", "c"), R(2), C(0, "LRANGE", "k", "0", "-1")],
    "multiple-keys": [B(1, "BLPOP", "k1", "k2", "k3", "0"), C(0, "RPUSH", "k3", "x"), R(1),
                      B(1, "BRPOP", "k1", "k2", "0"), C(0, "RPUSH", "k1", "y", "z"), R(1)],
    "lmove-wakes": [B(1, "BLPOP", "dst", "0"), C(0, "RPUSH", "src", "a", "b"),
                    C(0, "LMOVE", "src", "dst", "LEFT", "RIGHT"), R(1), C(0, "EXISTS", "dst")],
    "exec-wakes": [B(1, "BLPOP", "k", "0"), C(0, "MULTI"), C(0, "RPUSH", "k", "a"), Q(1),
                   C(0, "RPUSH", "k", "b"), C(0, "EXEC"), R(1), C(0, "LRANGE", "k", "0", "-1")],
    "exec-empties": [B(1, "BLPOP", "k", "0"), C(0, "MULTI"), C(0, "RPUSH", "k", "a"), C(0, "RPOP", "k"),
                     C(0, "EXEC"), Q(1), C(0, "RPUSH", "k", "b"), R(1)],
    "disconnect": [B(1, "BLPOP", "k", "0"), B(2, "BLPOP", "k", "0"), ("close", 1), ("wait", 1),
                   C(0, "RPUSH", "k", "a"), R(2), C(0, "EXISTS", "k")],
    "chain": [B(1, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0"), B(2, "BRPOPLPUSH", "b", "c", "0"),
              B(3, "BLMPOP", "0", "2", "x", "c", "LEFT", "COUNT", "3"), C(0, "RPUSH", "a", "v1", "v2"),
              R(1), R(2), R(3), C(0, "LRANGE", "a", "0", "-1"), C(0, "EXISTS", "b", "c")],
    "same-key": [B(1, "BLMOVE", "k", "k", "RIGHT", "LEFT", "0"), C(0, "RPUSH", "k", "a", "b"), R(1),
                 C(0, "LRANGE", "k", "0", "-1")],
    "wrongtype-destination": [C(0, "SET", "d", "str"), B(1, "BLMOVE", "src", "d", "LEFT", "LEFT", "0"),
                              B(2, "BLPOP", "src", "0"), C(0, "RPUSH", "src", "a", "b"), R(1), R(2),
                              C(0, "LRANGE", "src", "0", "-1")],
    "other-type-does-not-wake": [B(1, "BLPOP", "k", "0.3"), C(0, "SET", "k", "v"), Q(1), R(1)],
    "timeouts": [C(1, "BLPOP", "a", "0.05"), C(1, "BLMOVE", "a", "b", "LEFT", "LEFT", "0.05"),
                 C(1, "BRPOPLPUSH", "a", "b", "0.05"), C(1, "BLMPOP", "0.05", "1", "a", "LEFT")],
    "pipelined": [("pipe", 1, [("BLPOP", "k", "0"), ("PING",), ("LLEN", "k")]), Q(1),
                  C(0, "RPUSH", "k", "a", "b"), R(1), R(1), R(1)],
    "unblock": [B(1, "BLPOP", "k", "0"), B(2, "BLMOVE", "k", "d", "LEFT", "LEFT", "0"),
                B(3, "BLMPOP", "0", "1", "k", "LEFT"), ("unblock", 1), ("unblock", 2, "TIMEOUT"),
                ("unblock", 3, "ERROR"), R(1), R(2), R(3), ("unblock", 3), C(0, "RPUSH", "k", "a"),
                Q(1), Q(2), Q(3)],
    "ready-key-first": [B(1, "BLPOP", "k1", "k2", "0"), C(0, "MULTI"), C(0, "RPUSH", "k2", "x"),
                        C(0, "RPUSH", "k1", "y"), C(0, "EXEC"), R(1), C(0, "LRANGE", "k1", "0", "-1")],
    "ready-key-despite-wrongtype": [B(1, "BLPOP", "k1", "k2", "0"), C(0, "MULTI"), C(0, "RPUSH", "k2", "x"),
                                    C(0, "SET", "k1", "s"), C(0, "EXEC"), R(1)],
    "timeout-arithmetic": [C(1, "BLPOP", "a", "0.0009"), C(1, "BLPOP", "a", "1e-400"),
                           C(1, "BLPOP", "a", "inf"), C(1, "BLPOP", "a", "1e300"),
                           C(1, "BLPOP", "a", "9.3e15"), C(1, "BLPOP", "a", "-0.0011"),
                           C(1, "BLPOP", "a", "nan"), C(1, "BLPOP", "a", " 1")],
    "other-db": [C(1, "SELECT", "2"), B(1, "BLPOP", "k", "0"), C(0, "RPUSH", "k", "db0"), Q(1),
                 C(0, "SELECT", "2"), C(0, "RPUSH", "k", "db2"), R(1)],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_blocking_scenario(server, real_redis, pair, name):
    steps = SCENARIOS[name]
    mine = run_script(server.port, steps)
    pair.run("FLUSHALL")
    theirs = run_script(real_redis.port, steps)
    assert mine == theirs, "\n  pyredis: %r\n  redis:   %r" % (mine, theirs)


def test_blocking_scenario_resp3(server, real_redis, pair):
    steps = [C(1, "HELLO", "3"), C(1, "BLPOP", "a", "0.02"), C(1, "BLMOVE", "a", "b", "LEFT", "LEFT", "0.02"),
             B(1, "BLMPOP", "0", "1", "k", "RIGHT", "COUNT", "2"), C(0, "RPUSH", "k", "a", "b", "c"), R(1)]
    mine = run_script(server.port, steps)[1:]
    pair.run("FLUSHALL")
    theirs = run_script(real_redis.port, steps)[1:]
    assert mine == theirs, "\n  pyredis: %r\n  redis:   %r" % (mine, theirs)


def test_served_clients_raise_notifications(server, real_redis, pair):
    """Serving a blocked client publishes the same keyspace events as Redis."""
    steps = [C(0, "CONFIG", "SET", "notify-keyspace-events", "KEA"), C(9, "PSUBSCRIBE", "__keyevent@0__:*"),
             B(1, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0"), B(2, "BLPOP", "b", "0"),
             B(3, "BRPOP", "c", "0"), C(0, "RPUSH", "a", "v"), R(1), R(2),
             C(0, "MULTI"), C(0, "RPUSH", "c", "1", "2"), C(0, "LTRIM", "c", "0", "0"), C(0, "EXEC"), R(3),
             C(0, "LTRIM", "none", "0", "1"), C(0, "RPUSH", "t", "x"), C(0, "LTRIM", "t", "0", "5"),
             C(0, "CONFIG", "SET", "notify-keyspace-events", ""), ("quiet", 9)]
    try:
        mine = run_script(server.port, steps)
        pair.run("FLUSHALL")
        theirs = run_script(real_redis.port, steps)
    finally:
        pair.run("CONFIG", "SET", "notify-keyspace-events", "")
    assert mine == theirs, "\n  pyredis: %r\n  redis:   %r" % (mine, theirs)
