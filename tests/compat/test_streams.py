"""Stream commands, byte for byte against redis-server 7.0.

Fixed cases pin error texts and check order; seeded random XADD/XDEL/XTRIM
sequences compare XINFO STREAM FULL (node counts, radix tree figures) under
several node sizes; blocking scenarios run one script of several clients on
both servers and compare what each client received.  IDs are explicit and
group replies that carry times are left out, so both sides agree.
"""
import random
import time

import pytest

from respclient import RawClient, parse

SETUP = [("SET", "str", "x"), ("XADD", "s", "1-1", "a", "1"), ("XADD", "s", "1-2", "b", "2"),
         ("XADD", "s", "2-0", "a", "3", "c", "4"), ("XADD", "s", "3-5", "a", "5")]

CASES = {
    "xadd": [("XADD", "n", "0-0", "f", "v"), ("XADD", "n", "0-*", "f", "v"), ("XADD", "n", "0-*", "f", "v"),
             ("XADD", "n", "5-*", "f", "v"), ("XADD", "n", "5", "f", "v"), ("XADD", "n", "5-1", "f", "v"),
             ("XADD", "n", "4-9", "f", "v"), ("XADD", "n", "x", "f", "v"), ("XADD", "n", "1-x", "f", "v"),
             ("XADD", "n", "-1", "f", "v"), ("XADD", "n", "+", "f", "v"), ("XADD", "n", "-", "f", "v"),
             ("XADD", "n", "6-0", "f"), ("XADD", "n", "6-0", "f", "v", "g"),
             ("XADD", "n", "NOMKSTREAM", "7-0", "f", "v"), ("XADD", "none", "NOMKSTREAM", "7-0", "f", "v"),
             ("EXISTS", "none"), ("XADD", "str", "7-0", "f", "v"), ("XADD", "str", "x", "f", "v"),
             ("XADD", "n", "18446744073709551615-18446744073709551615", "f", "v"),
             ("XADD", "n", "*", "f", "v"), ("XADD", "n", "18446744073709551615-*", "f", "v"),
             ("XADD", "n2", "18446744073709551615-18446744073709551614", "f", "v"),
             ("XADD", "n2", "18446744073709551615-*", "f", "v"),
             ("XADD", "n3", "18446744073709551616-0", "f", "v"), ("XADD", "n3", "-05-1", "f", "v"),
             ("XADD", "n3", "007-+1", "f", "v"), ("XADD", "n3", " 9-0", "f", "v"),
             ("XRANGE", "n3", "-", "+"), ("XLEN", "n"), ("XLEN", "none"), ("XLEN", "str"),
             ("XADD", "n", "MAXLEN", "x", "*", "f", "v"), ("XADD", "n", "MAXLEN", "-1", "*", "f", "v"),
             ("XADD", "n", "MAXLEN", "1", "MINID", "1", "*", "f", "v"),
             ("XADD", "n", "LIMIT", "5", "8-0", "f", "v"), ("XADD", "n", "MAXLEN", "5", "LIMIT", "5", "8-0", "f", "v"),
             ("XADD", "n", "MAXLEN", "~", "5", "LIMIT", "-1", "8-0", "f", "v"),
             ("XADD", "n", "LIMIT", "0", "*", "f"), ("XADD", "n", "MINID", "-", "*", "f", "v"),
             ("XADD", "n", "MAXLEN", "=", "1", "9-0", "f", "v"), ("XRANGE", "n", "-", "+"),
             ("XADD", "n", "nomkstream", "maxlen", "~", "0", "10-0", "f", "v"), ("XLEN", "n")],
    "xrange": [("XRANGE", "s", "-", "+"), ("XREVRANGE", "s", "+", "-"), ("XRANGE", "s", "1", "2"),
               ("XRANGE", "s", "(1-1", "+"), ("XRANGE", "s", "-", "(3-5"), ("XRANGE", "s", "(-", "+"),
               ("XRANGE", "s", "(", "+"), ("XRANGE", "s", "-", "(0-0"), ("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"),
               ("XRANGE", "s", "-", "+", "COUNT", "2"), ("XREVRANGE", "s", "+", "-", "COUNT", "2"),
               ("XRANGE", "s", "-", "+", "COUNT", "0"), ("XRANGE", "s", "-", "+", "COUNT", "-1"),
               ("XRANGE", "s", "-", "+", "COUNT"), ("XRANGE", "s", "-", "+", "LIMIT", "1"),
               ("XRANGE", "s", "x", "+"), ("XRANGE", "str", "-", "+"), ("XRANGE", "str", "-", "+", "COUNT", "0"),
               ("XRANGE", "none", "-", "+"), ("XRANGE", "s", "3", "1"), ("XREVRANGE", "s", "2", "1-2"),
               ("XRANGE", "s", "(1-1", "(1-2"), ("XRANGE", "s", "-", "+", "COUNT", "x")],
    "xdel": [("XDEL", "s", "1-2", "9-9", "1-2"), ("XDEL", "s", "x"), ("XDEL", "none", "x"),
             ("XDEL", "str", "1-1"), ("XDEL", "s", "1-1", "x"), ("XRANGE", "s", "-", "+"),
             ("XDEL", "s", "1-1", "2-0", "3-5"), ("XLEN", "s"), ("EXISTS", "s"),
             ("XINFO", "STREAM", "s"), ("XADD", "s", "3-5", "f", "v"), ("XADD", "s", "3-6", "f", "v")],
    "xtrim": [("XTRIM", "s", "MAXLEN", "2"), ("XTRIM", "s"), ("XTRIM", "s", "FOO", "1"),
              ("XTRIM", "s", "MAXLEN", "~", "x"), ("XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"),
              ("XTRIM", "s", "MINID", "~", "5", "LIMIT", "1"), ("XTRIM", "none", "MAXLEN", "1"),
              ("XTRIM", "str", "MAXLEN", "1"), ("XTRIM", "str", "MAXLEN", "x"), ("XRANGE", "s", "-", "+"),
              ("XTRIM", "s", "MINID", "3-5"), ("XTRIM", "s", "MAXLEN", "~", "0"), ("XLEN", "s"),
              ("XTRIM", "s", "MAXLEN", "=", "0"), ("XINFO", "STREAM", "s")],
    "groups": [("XGROUP", "CREATE", "none", "g", "$"), ("XGROUP", "CREATE", "str", "g", "$"),
               ("XGROUP", "CREATE", "s", "g", "x"), ("XGROUP", "CREATE", "s", "g", "$"),
               ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"),
               ("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "x"), ("XGROUP", "CREATE", "s", "g2", "0", "FOO"),
               ("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "1"), ("XGROUP", "CREATE", "m", "g", "-", "MKSTREAM"),
               ("XGROUP", "CREATE", "m2", "g", "$", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"),
               ("XINFO", "GROUPS", "s"), ("XINFO", "GROUPS", "m"), ("XGROUP", "SETID", "s", "nog", "0"),
               ("XGROUP", "SETID", "s", "g", "1-1"), ("XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "3"),
               ("XGROUP", "SETID", "s", "g", "-", "MKSTREAM"), ("XGROUP", "SETID", "none", "g", "0"),
               ("XINFO", "GROUPS", "s"), ("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
               ("XGROUP", "CREATECONSUMER", "s", "g", "c1"), ("XGROUP", "CREATECONSUMER", "s", "nog", "c1"),
               ("XGROUP", "DELCONSUMER", "s", "g", "c1"), ("XGROUP", "DELCONSUMER", "s", "g", "c9"),
               ("XGROUP", "DESTROY", "s", "g2"), ("XGROUP", "DESTROY", "s", "g2"),
               ("XGROUP", "DESTROY", "none", "g2"), ("XGROUP", "FOO", "s", "g"), ("XGROUP", "HELP"),
               ("XINFO", "HELP"), ("XINFO", "GROUPS", "none"), ("XINFO", "GROUPS", "str"),
               ("XINFO", "CONSUMERS", "s", "nog"), ("XINFO", "STREAM", "s", "FULL", "COUNT"),
               ("XINFO", "STREAM", "s", "FOO"), ("XINFO", "STREAM", "s", "FULLX", "COUNT", "1"),
               ("XINFO", "STREAM", "s", "FULL", "COUNT", "1", "X"), ("XINFO", "STREAM", "s", "FULL", "COUNT", "1"),
               ("XINFO", "STREAM", "s", "FULL", "COUNT", "x"),
               ("XINFO", "FOO", "s")],
    "xread": [("XREAD", "STREAMS", "s", "0"), ("XREAD", "COUNT", "2", "STREAMS", "s", "s", "0", "1-2"),
              ("XREAD", "STREAMS", "s", "$"), ("XREAD", "STREAMS", "s", "none", "0", "0"),
              ("XREAD", "STREAMS", "s"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s", "0"),
              ("XREAD", "STREAMS", "s", "str", "0", "0"),
              ("XREAD", "COUNT", "x", "STREAMS", "s", "0"), ("XREAD", "BLOCK", "x", "STREAMS", "s", "0"),
              ("XREAD", "BLOCK", "-1", "STREAMS", "s", "0"), ("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"),
              ("XREAD", "NOACK", "STREAMS", "s", "0"), ("XREAD", "FOO", "STREAMS", "s", "0"),
              ("XREAD", "COUNT", "1", "s", "0"), ("XREAD", "STREAMS", "s", ">"),
              ("XREAD", "STREAMS", "s", "x"), ("XREAD", "BLOCK", "10", "STREAMS", "none", "$"),
              ("XREAD", "COUNT", "-3", "STREAMS", "s", "2"), ("XREAD", "STREAMS", "s", "18446744073709551615-18446744073709551615"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
              ("XGROUP", "CREATE", "s", "g", "0"), ("XREADGROUP", "STREAMS", "s", ">"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "none", ">", ">"),
              ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"),
              ("XREADGROUP", "GROUP", "g", "c2", "NOACK", "COUNT", "1", "STREAMS", "s", ">"),
              ("XINFO", "GROUPS", "s"), ("XDEL", "s", "1-2"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"), ("XINFO", "GROUPS", "s"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"), ("XINFO", "GROUPS", "s"),
              ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">"),
              ("XACK", "s", "g", "1-1", "1-2", "9-9"), ("XACK", "s", "g", "x"), ("XACK", "s", "nog", "x"),
              ("XACK", "none", "g", "1-1"), ("XACK", "str", "g", "1-1"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"),
              ("XGROUP", "DELCONSUMER", "s", "g", "c"), ("XPENDING", "s", "g")],
    "xpending": [("XGROUP", "CREATE", "s", "g", "0"), ("XPENDING", "s", "g"),
                 ("XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">"),
                 ("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">"), ("XPENDING", "s", "g"),
                 ("XPENDING", "s", "nog"), ("XPENDING", "none", "g"), ("XPENDING", "str", "g"),
                 ("XPENDING", "s", "g", "-", "+"), ("XPENDING", "s", "g", "-", "+", "x"),
                 ("XPENDING", "s", "g", "x", "+", "1"), ("XPENDING", "s", "g", "IDLE", "x", "-", "+", "1"),
                 ("XPENDING", "s", "g", "IDLE", "10", "-", "+"), ("XPENDING", "s", "g", "-", "+", "0"),
                 ("XPENDING", "s", "g", "-", "+", "1", "nobody"), ("XPENDING", "s", "g", "IDLE", "999999", "(1-1", "(3-5", "9", "b"),
                 ("XPENDING", "s", "g", "-", "+", "0", "a", "extra"),
                 ("XPENDING", "s", "g", "(18446744073709551615-18446744073709551615", "+", "1")],
    "xclaim": [("XGROUP", "CREATE", "s", "g", "0"), ("XCLAIM", "s", "nog", "c", "0", "1-1"),
               ("XCLAIM", "none", "g", "c", "0", "1-1"), ("XCLAIM", "str", "g", "c", "0", "1-1"),
               ("XCLAIM", "s", "g", "c", "x", "1-1"), ("XCLAIM", "s", "g", "c", "0", "1-1", "FOO"),
               ("XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "x"), ("XCLAIM", "s", "g", "c", "0", "1-1", "TIME", "x"),
               ("XCLAIM", "s", "g", "c", "0", "1-1", "RETRYCOUNT", "x"), ("XCLAIM", "s", "g", "c", "0", "1-1", "LASTID", "x"),
               ("XCLAIM", "s", "g", "c", "0", "1-1"), ("XCLAIM", "s", "g", "c", "0", "1-1", "FORCE", "JUSTID"),
               ("XCLAIM", "s", "g", "c", "0", "1-2", "9-9", "FORCE", "RETRYCOUNT", "5"),
               ("XPENDING", "s", "g"), ("XCLAIM", "s", "g", "d", "0", "1-1", "1-2", "JUSTID"),
               ("XCLAIM", "s", "g", "d", "1000000", "1-1"), ("XCLAIM", "s", "g", "d", "0", "1-1", "LASTID", "2-0"),
               ("XINFO", "GROUPS", "s"), ("XDEL", "s", "1-1"), ("XCLAIM", "s", "g", "d", "0", "1-1", "1-2"),
               ("XPENDING", "s", "g")],
    "xautoclaim": [("XGROUP", "CREATE", "s", "g", "0"), ("XAUTOCLAIM", "s", "g", "c", "0", "0"),
                   ("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"),
                   ("XAUTOCLAIM", "s", "g", "c", "x", "0"), ("XAUTOCLAIM", "s", "g", "c", "0", "x"),
                   ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"), ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "x"),
                   ("XAUTOCLAIM", "s", "g", "c", "0", "0", "FOO"), ("XAUTOCLAIM", "none", "g", "c", "0", "0"),
                   ("XAUTOCLAIM", "str", "g", "c", "0", "0"), ("XAUTOCLAIM", "s", "nog", "c", "0", "0"),
                   ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "1"), ("XDEL", "s", "1-2"),
                   ("XAUTOCLAIM", "s", "g", "c", "0", "(1-1", "COUNT", "1", "JUSTID"),
                   ("XAUTOCLAIM", "s", "g", "c", "0", "-", "COUNT", "2"), ("XAUTOCLAIM", "s", "g", "c", "0", "3-5"),
                   ("XAUTOCLAIM", "s", "g", "c", "0", "(18446744073709551615-18446744073709551615"),
                   ("XAUTOCLAIM", "s", "g", "c", "9999999", "0"), ("XPENDING", "s", "g")],
    "xsetid": [("XSETID", "s", "x"), ("XSETID", "none", "5-0"), ("XSETID", "str", "5-0"),
               ("XSETID", "s", "1-0"), ("XSETID", "s", "5-0", "ENTRIESADDED", "-1"),
               ("XSETID", "s", "5-0", "ENTRIESADDED", "2"), ("XSETID", "s", "5-0", "MAXDELETEDID", "6-0"),
               ("XSETID", "s", "5-0", "FOO"), ("XSETID", "s", "5-0", "ENTRIESADDED"),
               ("XSETID", "s", "5-0", "ENTRIESADDED", "10", "MAXDELETEDID", "4-0"), ("XINFO", "STREAM", "s"),
               ("XSETID", "s", "4-5"), ("XADD", "s", "5-0", "f", "v"), ("XSETID", "s", "3-5"),
               ("XDEL", "s", "5-1"), ("XSETID", "s", "5-0"), ("XSETID", "s", "6-0"), ("XINFO", "STREAM", "s")],
    "generic": [("TYPE", "s"), ("OBJECT", "ENCODING", "s"), ("SORT", "s"), ("LPUSH", "s", "x"), ("GET", "s"),
                ("XADD", "l", "1-0", "f", "v"), ("RPUSH", "list", "a"), ("XLEN", "list"), ("EXPIRE", "l", "100"),
                ("TTL", "l"), ("RENAME", "l", "list"), ("TYPE", "list"), ("TTL", "list"), ("XGROUP", "CREATE", "s", "g", "0"),
                ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"),
                ("COPY", "s", "s2"), ("XADD", "s2", "9-0", "f", "v"), ("XLEN", "s"), ("XLEN", "s2"),
                ("XINFO", "GROUPS", "s2"), ("XACK", "s2", "g", "1-1"), ("XPENDING", "s", "g"), ("XPENDING", "s2", "g"),
                ("RENAME", "s2", "s3"), ("XLEN", "s3"), ("MOVE", "s3", "1"), ("EXISTS", "s3"),
                ("DEL", "s"), ("UNLINK", "s"), ("EXISTS", "s"), ("SCAN", "0", "TYPE", "stream")],
    "multi": [("MULTI",), ("XREAD", "BLOCK", "0", "STREAMS", "none", "$"), ("XGROUP", "CREATE", "s", "g", "$"),
              ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"), ("EXEC",)],
    "getkeys": [("COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"),
                ("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "0"),
                ("COMMAND", "GETKEYS", "XADD", "a", "*", "f", "v"),
                ("COMMAND", "GETKEYS", "XGROUP", "CREATE", "a", "g", "$")],
}

# Redis lists a container's subcommands in its own dict order, so each is asked for by name.
INFO_COMMANDS = ("xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xread", "xreadgroup",
                 "xack", "xpending", "xclaim", "xautoclaim", "xsetid", "xgroup|create", "xgroup|setid",
                 "xgroup|destroy", "xgroup|createconsumer", "xgroup|delconsumer", "xgroup|help",
                 "xinfo|stream", "xinfo|groups", "xinfo|consumers", "xinfo|help")


@pytest.mark.parametrize("name", sorted(CASES))
def test_cases(compare, name):
    compare(*SETUP)
    compare(*CASES[name])


@pytest.mark.parametrize("name", ["xrange", "xread", "groups", "xsetid", "xpending", "xdel", "xtrim",
                                  "xautoclaim", "xclaim", "multi"])
def test_cases_resp3(pair_factory, name):
    p = pair_factory()
    for client in (p.ours, p.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")
    p.run("FLUSHALL")
    for cmd in SETUP + CASES[name]:
        p.run(*cmd)


def test_command_info(compare):
    compare(*[("COMMAND", "INFO", name) for name in INFO_COMMANDS])


# ---- node layout under random sequences ----------------------------------------------------------

def _value(rng):
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(["1", "v", "-7", "300", "70000", "abc", ""])
    if roll < 0.9:
        return "x" * rng.randint(10, 120)
    return "y" * rng.randint(300, 5000)


def _fields(rng):
    if rng.random() < 0.7:
        return ["f", _value(rng)]
    out = []
    for i in range(rng.randint(1, 4)):
        out += [rng.choice(["f", "g", "h%d" % i, "12"]), _value(rng)]
    return out


@pytest.mark.parametrize("node", [("100", "4096"), ("5", "4096"), ("3", "0"), ("0", "300")])
@pytest.mark.parametrize("seed", range(3))
def test_random_layout(pair, node, seed):
    rng = random.Random(seed * 7919 + int(node[0]))
    pair.run("CONFIG", "SET", "stream-node-max-entries", node[0])
    pair.run("CONFIG", "SET", "stream-node-max-bytes", node[1])
    try:
        ms, seq = 1, 0
        ids = []
        for step in range(400):
            roll = rng.random()
            if roll < 0.6:
                if rng.random() < 0.3:
                    ms += rng.randint(1, 3000000)
                    seq = rng.randint(0, 5)
                else:
                    seq += rng.randint(1, 200)
                sid = "%d-%d" % (ms, seq)
                ids.append(sid)
                pair.run("XADD", "k", sid, *_fields(rng))
            elif roll < 0.75 and ids:
                pair.run("XDEL", "k", *rng.sample(ids, min(len(ids), rng.randint(1, 4))))
            elif roll < 0.8:
                pair.run("XTRIM", "k", "MAXLEN", rng.choice(["~", "=", "~"]), str(rng.randint(0, 300)))
            elif roll < 0.83 and ids:
                args = ["MINID", rng.choice(["~", "="]), rng.choice(ids)]
                if args[1] == "~" and rng.random() < 0.5:
                    args += ["LIMIT", str(rng.randint(0, 200))]
                pair.run("XTRIM", "k", *args)
            elif roll < 0.86:
                ms += 1
                sid = "%d-0" % ms
                ids.append(sid)
                pair.run("XADD", "k", "MAXLEN", "~", str(rng.randint(10, 200)), sid, *_fields(rng))
            elif roll < 0.9 and ids:
                lo = rng.choice(ids)
                pair.run("XRANGE", "k", lo, "+", "COUNT", str(rng.randint(1, 20)))
                pair.run("XREVRANGE", "k", "+", lo, "COUNT", str(rng.randint(1, 20)))
            else:
                pair.run("XINFO", "STREAM", "k")
            if step % 50 == 49:
                pair.run("XINFO", "STREAM", "k", "FULL", "COUNT", "0")
        pair.run("XINFO", "STREAM", "k", "FULL", "COUNT", "0")
        pair.run("XRANGE", "k", "-", "+")
    finally:
        pair.run("CONFIG", "SET", "stream-node-max-entries", "100")
        pair.run("CONFIG", "SET", "stream-node-max-bytes", "4096")


# ---- blocking ------------------------------------------------------------------------------------

def _blocked_script(port, script):
    """Run ``script`` on fresh clients; what each one received.

    A step is (client index, command, blocks); a step without a command sleeps ``blocks`` seconds.
    """
    clients = [RawClient(port) for _ in range(4)]
    try:
        for client, args, blocks in script:
            if args is None:
                time.sleep(blocks)
            elif blocks:
                clients[client].send(b"".join(_enc(*args)))
                time.sleep(0.05)
            else:
                clients[client].cmd(*args)
        time.sleep(0.15)
        return [cl.read_all(0.05) for cl in clients]
    finally:
        for cl in clients:
            cl.close()


def _enc(*args):
    from respclient import encode_command
    yield encode_command(*args)


BLOCKING = {
    "xread-fifo": [
        (0, ("XADD", "s", "1-0", "f", "v"), False),
        (1, ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), True),
        (2, ("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "other", "s", "$", "1-0"), True),
        (3, ("XREAD", "BLOCK", "0", "STREAMS", "s", "5-0"), True),
        (0, ("XADD", "s", "2-0", "f", "v"), False),
        (0, ("XADD", "s", "3-0", "f", "v"), False),
        (0, ("XADD", "other", "1-0", "f", "v"), False),
        (0, ("XADD", "s", "6-0", "f", "v"), False),
    ],
    "xreadgroup": [
        (0, ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"), False),
        (1, ("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"), True),
        (2, ("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">"), True),
        (0, ("XADD", "s", "1-0", "f", "v"), False),
        (0, ("MULTI",), False),
        (0, ("XADD", "s", "2-0", "f", "v"), False),
        (0, ("XADD", "s", "3-0", "f", "v"), False),
        (0, ("EXEC",), False),
        (0, ("XPENDING", "s", "g"), False),
        (3, ("XREADGROUP", "GROUP", "g", "c3", "BLOCK", "0", "STREAMS", "s", ">"), True),
        (0, ("XGROUP", "DESTROY", "s", "g"), False),
        (0, ("XGROUP", "CREATE", "s", "g", "$"), False),
        (1, ("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"), True),
        (0, ("DEL", "s"), False),
    ],
    "timeouts-unblock": [
        (1, ("XREAD", "BLOCK", "50", "STREAMS", "s", "$"), True),
        (2, ("CLIENT", "ID"), False),
        (0, ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"), False),
        (2, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"), True),
        (0, ("SET", "other", "x"), False),
        (0, ("XGROUP", "SETID", "s", "g", "0"), False),
        (3, ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), True),
        (0, ("SET", "s", "x"), False),
    ],
    "deleted-keys": [
        (0, ("XGROUP", "CREATE", "a", "g", "$", "MKSTREAM"), False),
        (0, ("XGROUP", "CREATE", "b", "g", "$", "MKSTREAM"), False),
        (1, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "a", ">"), True),
        (2, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "b", ">"), True),
        (3, ("XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "$"), True),
        (0, ("RENAME", "a", "a2"), False),
        (0, ("FLUSHALL",), False),
        (0, ("XADD", "b", "1-0", "f", "v"), False),
        (0, ("XADD", "b", "2-0", "f", "v"), False),
        (0, ("XADD", "a", "1-0", "f", "v"), False),
    ],
    "swapdb": [
        (0, ("XGROUP", "CREATE", "a", "g", "$", "MKSTREAM"), False),
        (0, ("XGROUP", "CREATE", "b", "g", "$", "MKSTREAM"), False),
        (0, ("SELECT", "1"), False),
        (0, ("XGROUP", "CREATE", "b", "g", "$", "MKSTREAM"), False),
        (0, ("XADD", "b", "1-0", "f", "v"), False),
        (1, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "a", ">"), True),
        (2, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "b", ">"), True),
        (0, ("SWAPDB", "0", "1"), False),
        (0, ("FLUSHALL",), False),
    ],
    "expired-and-resp3": [
        (1, ("HELLO", "3"), False),
        (0, ("XGROUP", "CREATE", "a", "g", "$", "MKSTREAM"), False),
        (0, ("PEXPIRE", "a", "250"), False),
        (1, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "a", ">"), True),
        (2, ("XREAD", "BLOCK", "0", "STREAMS", "b", "$"), True),
        (3, ("HELLO", "3"), False),
        (3, ("XREAD", "BLOCK", "0", "STREAMS", "b", "$"), True),
        (0, ("XADD", "b", "1-0", "f", "v"), False),
        (0, None, 0.4),
        (0, ("XADD", "a", "1-0", "f", "v"), False),
    ],
}


@pytest.mark.parametrize("name", sorted(BLOCKING))
def test_blocking_scenarios(server, real_redis, pair, name):
    script = BLOCKING[name]
    mine = _blocked_script(server.port, script)
    pair.run("FLUSHALL")
    theirs = _blocked_script(real_redis.port, script)
    # CLIENT ID differs between the servers; everything else must not.
    mine = [m for i, m in enumerate(mine) if i != 2 or name != "timeouts-unblock"]
    theirs = [t for i, t in enumerate(theirs) if i != 2 or name != "timeouts-unblock"]
    assert mine == theirs


def _error_figures(port, command):
    """INFO errorstats, the error counters of INFO stats and ``command``'s call counts."""
    client = RawClient(port)
    try:
        text = parse(client.cmd("INFO", "errorstats")) + parse(client.cmd("INFO", "stats")) \
            + parse(client.cmd("INFO", "commandstats"))
    finally:
        client.close()
    out = []
    for line in text.decode().splitlines():
        if line.startswith("errorstat_") or "error_replies" in line:
            out.append(line)
        elif line.startswith("cmdstat_%s:" % command):
            out += [f for f in line.split(",") if "calls" in f]
    return out


RELEASED_WITH_ERROR = {
    "key-deleted": [
        (0, ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"), False),
        (1, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"), True),
        (2, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"), True),
        (0, ("DEL", "s"), False),
    ],
    "group-destroyed": [
        (0, ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"), False),
        (1, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"), True),
        (0, ("XGROUP", "DESTROY", "s", "g"), False),
        (0, ("XADD", "s", "1-0", "f", "v"), False),
    ],
}


def _fresh_stats(port):
    admin = RawClient(port)
    try:
        admin.cmd("FLUSHALL")
        admin.cmd("CONFIG", "RESETSTAT")
    finally:
        admin.close()


@pytest.mark.parametrize("name", sorted(RELEASED_WITH_ERROR))
def test_xreadgroup_released_with_error_is_counted(server, real_redis, name):
    """A blocked XREADGROUP whose stream or group goes counts its error in errorstats and failed_calls."""
    got = []
    for proc in (server, real_redis):
        _fresh_stats(proc.port)
        replies = _blocked_script(proc.port, RELEASED_WITH_ERROR[name])
        got.append((replies, _error_figures(proc.port, "xreadgroup")))
    assert got[0] == got[1]
    assert any(line.startswith("errorstat_") for line in got[0][1])


def test_client_unblock_error_is_counted(server, real_redis):
    got = []
    for proc in (server, real_redis):
        _fresh_stats(proc.port)
        clients = [RawClient(proc.port) for _ in range(2)]
        try:
            victim = parse(clients[1].cmd("CLIENT", "ID"))
            clients[1].send(b"".join(_enc("XREAD", "BLOCK", "0", "STREAMS", "s", "$")))
            time.sleep(0.05)
            unblocked = clients[0].cmd("CLIENT", "UNBLOCK", str(victim), "ERROR")
            replies = [unblocked, clients[1].read_all(0.1)]
        finally:
            for cl in clients:
                cl.close()
        got.append((replies, _error_figures(proc.port, "xread")))
    assert got[0] == got[1]
    assert "errorstat_UNBLOCKED:count=1" in got[0][1]


# ---- keyspace notifications ----------------------------------------------------------------------

def _events(client):
    token = b"--fence--"
    client.send(b"".join(_enc("PING", token)))
    out = []
    while True:
        got = client.read_reply()
        if got.endswith(b"$%d\r\n%b\r\n" % (len(token), token)):
            return out
        out.append(got)


NOTIFY_SCRIPT = [
    ("XADD", "s", "MAXLEN", "0", "1-0", "f", "v"), ("XADD", "s", "2-0", "f", "v"), ("XDEL", "s", "2-0"),
    ("XDEL", "s", "2-0"), ("XTRIM", "s", "MAXLEN", "0"), ("XADD", "s", "3-0", "f", "v"),
    ("XTRIM", "s", "MAXLEN", "0"), ("XADD", "s", "NOMKSTREAM", "4-0", "f", "v"),
    ("XADD", "none", "NOMKSTREAM", "4-0", "f", "v"), ("XGROUP", "CREATE", "s", "g", "$"),
    ("XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"), ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "c"), ("XGROUP", "SETID", "s", "g", "0"),
    ("XADD", "s", "5-0", "f", "v"), ("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">"),
    ("XCLAIM", "s", "g", "e", "0", "5-0"), ("XAUTOCLAIM", "s", "g", "f", "0", "0"), ("XACK", "s", "g", "5-0"),
    ("XGROUP", "DELCONSUMER", "s", "g", "c"), ("XGROUP", "DELCONSUMER", "s", "g", "zz"),
    ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "DESTROY", "s", "g"), ("XSETID", "s", "9-0"),
    ("COPY", "s", "s2"), ("RENAME", "s2", "s3"), ("DEL", "s3"),
]


def test_keyspace_notifications(servers_with):
    ours, theirs = servers_with("--notify-keyspace-events", "KEA")
    subs = [RawClient(ours.port), RawClient(theirs.port)]
    writers = [RawClient(ours.port), RawClient(theirs.port)]
    try:
        for sub in subs:
            sub.cmd("PSUBSCRIBE", "*")
        for cmd in NOTIFY_SCRIPT:
            mine, oracle = writers[0].cmd(*cmd), writers[1].cmd(*cmd)
            assert mine == oracle, cmd
            assert _events(subs[0]) == _events(subs[1]), cmd
    finally:
        for client in subs + writers:
            client.close()


# ---- WATCH ---------------------------------------------------------------------------------------

WATCHED_WRITES = [
    ("XADD", "s", "9-0", "f", "v"), ("XADD", "s", "NOMKSTREAM", "9-0", "f", "v"), ("XADD", "s", "1-0", "f", "v"),
    ("XDEL", "s", "1-1"), ("XDEL", "s", "7-7"), ("XTRIM", "s", "MAXLEN", "1"), ("XTRIM", "s", "MAXLEN", "100"),
    ("XSETID", "s", "9-9"), ("XGROUP", "CREATE", "s", "g2", "0"), ("XGROUP", "CREATE", "new", "g", "0", "MKSTREAM"),
    ("XGROUP", "SETID", "s", "g", "0"), ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "CREATECONSUMER", "s", "g", "z"),
    ("XGROUP", "DELCONSUMER", "s", "g", "c"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"), ("XACK", "s", "g", "1-1"),
    ("XCLAIM", "s", "g", "d", "0", "1-1"), ("XAUTOCLAIM", "s", "g", "d", "0", "0"),
]


@pytest.mark.parametrize("write", WATCHED_WRITES, ids=lambda w: " ".join(w[:2]))
def test_watch(pair_factory, write):
    p = pair_factory()
    other = pair_factory()
    p.run("FLUSHALL")
    for cmd in SETUP + [("XGROUP", "CREATE", "s", "g", "0"),
                        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")]:
        p.run(*cmd)
    key = write[2] if write[0] == "XGROUP" else write[1]
    p.run("WATCH", key)
    other.run(*write)
    p.run("MULTI")
    p.run("PING")
    p.run("EXEC")


# ---- argument fuzz -------------------------------------------------------------------------------

TOKENS = ["s", "str", "none", "g", "c", "0", "1", "-1", "1-1", "2-0", "3-5", "(1-1", "-", "+", "$", ">", "*",
          "x", "~", "=", "MAXLEN", "MINID", "LIMIT", "COUNT", "BLOCK", "STREAMS", "GROUP", "NOACK", "JUSTID",
          "FORCE", "IDLE", "TIME", "RETRYCOUNT", "LASTID", "MKSTREAM", "ENTRIESREAD", "NOMKSTREAM", "FULL",
          "ENTRIESADDED", "MAXDELETEDID", "18446744073709551615-18446744073709551615", "9223372036854775808"]
FUZZED = [("XADD",), ("XRANGE",), ("XREVRANGE",), ("XDEL",), ("XTRIM",), ("XREAD",), ("XREADGROUP",),
          ("XGROUP", "CREATE"), ("XGROUP", "SETID"), ("XGROUP", "DESTROY"), ("XGROUP", "CREATECONSUMER"),
          ("XGROUP", "DELCONSUMER"), ("XACK",), ("XPENDING",), ("XCLAIM",), ("XAUTOCLAIM",), ("XSETID",),
          ("XINFO", "STREAM"), ("XINFO", "GROUPS"), ("XLEN",)]


@pytest.mark.parametrize("seed", range(12))
def test_argument_fuzz(pair, seed):
    rng = random.Random(seed)
    for cmd in SETUP + [("XGROUP", "CREATE", "s", "g", "0")]:
        pair.run(*cmd)
    for _ in range(400):
        head = rng.choice(FUZZED)
        args = [rng.choice(TOKENS) for _ in range(rng.randint(0, 8))]
        if "BLOCK" in args or (head[0] == "XADD" and "*" in args):
            # No waiting; and auto IDs follow each server's own clock.
            continue
        got = pair.run(*head, *args)
        if (head[0] in ("XCLAIM", "XAUTOCLAIM", "XREADGROUP") or head[-1] == "CREATECONSUMER") \
                and not got.startswith(b"-"):
            # Drop what carries times (pending entries, consumers' seen-time) before XINFO FULL
            # or XPENDING can show it: every group of every stream goes.
            for key in TOKENS:
                info = pair.run("XINFO", "GROUPS", key)
                if info.startswith(b"*"):
                    for group in parse(info):
                        pair.run("XGROUP", "DESTROY", key, group[1])
            pair.run("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM")


@pytest.mark.parametrize("resp", [2, 3])
def test_ranges_across_small_nodes_with_marks_and_trims(pair, resp):
    """XRANGE/XREVRANGE/XREAD over many nodes, deleted entries and head nodes trimmed away."""
    if resp == 3:
        for client in (pair.ours, pair.theirs):
            assert client.cmd("HELLO", "3").startswith(b"%")
    pair.run("CONFIG", "SET", "stream-node-max-entries", "3")
    try:
        for i in range(1, 41):
            fields = ("f", "v%d" % i) if i % 4 else ("f", str(i * 1000), "g", "", "h", "x" * (i * 3))
            pair.run("XADD", "s", "%d-%d" % (i // 3, i), *fields)
        pair.run("XDEL", "s", "0-1", "1-4", "1-5", "2-7", "3-9", "3-10", "3-11", "13-39")
        pair.run("XTRIM", "s", "MAXLEN", "~", "30")
        pair.run("XTRIM", "s", "MINID", "~", "5-0")
        assert int(pair.run("XLEN", "s")[1:]) > 20
        for start, end in (("-", "+"), ("0", "+"), ("5-16", "9"), ("(5-16", "(9-28"), ("7-21", "7-21"),
                           ("13", "+"), ("-", "4"), ("20", "+")):
            for count in ((), ("COUNT", "1"), ("COUNT", "4"), ("COUNT", "100")):
                pair.run("XRANGE", "s", start, end, *count)
                pair.run("XREVRANGE", "s", end, start, *count)
        for after in ("0", "5-15", "9-28", "13-40"):
            pair.run("XREAD", "COUNT", "5", "STREAMS", "s", after)
            pair.run("XREAD", "STREAMS", "s", after)
        pair.run("XINFO", "STREAM", "s")
    finally:
        pair.run("CONFIG", "SET", "stream-node-max-entries", "100")
