"""ACL against redis-server: rules, descriptions, NOPERM texts, DRYRUN, the log.

Redis lists the single-command part of a description in its command table's
hash order, which changes with every start; those rules are compared as sets,
everything else byte for byte.
"""
import pytest

from respclient import RawClient, encode_command, parse


def _normal(rules):
    """A command description with its single-command rules sorted."""
    words = rules.split(b" ")
    head = [w for w in words if w.startswith((b"+@", b"-@"))]
    rest = sorted(w for w in words if not w.startswith((b"+@", b"-@")))
    return b" ".join(head + rest)


def _normal_line(line):
    """An ACL LIST line with each selector's command rules normalised."""
    out = []
    for part in line.split(b"("):
        words = part.rstrip(b") ").split(b" ")
        cmd = [w for w in words if w[:1] in (b"+", b"-")]
        other = [w for w in words if w[:1] not in (b"+", b"-")]
        out.append(b" ".join(other) + b" | " + _normal(b" ".join(cmd)))
    return out


@pytest.fixture
def p(pair):
    yield pair
    for side in (pair.ours, pair.theirs):
        users = parse(side.cmd("ACL", "USERS"))
        for u in users:
            if u != b"default":
                side.cmd("ACL", "DELUSER", u)
        side.cmd("ACL", "LOG", "RESET")


def _both(p, *args):
    return parse(p.ours.cmd(*args)), parse(p.theirs.cmd(*args))


SETUSER_SEQUENCES = [
    ["on", ">p1", "~k*", "+get", "+set", "-get", "+@hash", "-@dangerous", "+get", "&ch*",
     "%R~r*", "(+incr ~x*)"],
    [],
    ["+get", "+set", "+@hash", "-hset", "+config|get", "+client|id"],
    ["+@all", "-@dangerous", "+debug", "-get"],
    ["+@string", "-@write", "+@read", "-@hash"],
    ["+@all", "-@all"],
    ["nocommands", "+select|0", "+select|1", "+client", "-client|kill"],
    ["on", "nopass", "skip-sanitize-payload", "%W~w*", "%RW~rw*", "~k", "allchannels"],
    ["on", ">a", ">b", "<a", ">c", ">c"],
    ["#" + "a" * 64, "!" + "a" * 64, ">x", "nopass", ">y", "resetpass"],
    ["reset"],
    ["~a", "~*", "&a", "&*"],
    ["+@all", "-@write", "-@admin", "+flushall"],
    ["allkeys", "resetkeys", "%R~a", "%W~a", "~b"],
    ["(~x +get)", "(~y", "+set)", "clearselectors", "(~z +@read)"],
    ["+@pubsub", "-@pubsub", "+publish"],
    ["+@all", "-@scripting", "-@blocking", "-@slow"],
    ["-@all", "+@fast", "+@connection", "-@keyspace"],
]


@pytest.mark.parametrize("rules", SETUSER_SEQUENCES)
def test_setuser_descriptions(p, rules):
    assert p.run("ACL", "SETUSER", "u1", *rules) == b"+OK\r\n"
    ours, theirs = _both(p, "ACL", "LIST")
    assert [_normal_line(x) for x in ours] == [_normal_line(x) for x in theirs]
    ours, theirs = _both(p, "ACL", "GETUSER", "u1")
    for o, t in ((ours, theirs), (ours[-1], theirs[-1])):
        if o is ours[-1]:
            for so, st in zip(o, t):
                assert so[0::2] == st[0::2]
                so[1], st[1] = _normal(so[1]), _normal(st[1])
                assert so == st
            continue
        o, t = list(o), list(t)
        i = o.index(b"commands") + 1
        o[i], t[i] = _normal(o[i]), _normal(t[i])
        assert o[:-1] == t[:-1]


@pytest.mark.parametrize("rule", [
    "~a", "&a", "<nopw", "#abc", "!abc", "foo", "+config|get|x", "%R~a", "%X~a", "%~a", "(",
    "(+get", "(on)", "(~x", ")", "-get|x", "+@admin|x", "-select|0", "+nosuch", "+@nosuch",
    "+acl|nosuch", "%R", "%RW", "%~", "~", "&"])
def test_setuser_errors(p, rule):
    p.run("ACL", "SETUSER", "bad", "~*", "&*")
    p.run("ACL", "SETUSER", "bad", rule)
    p.run("ACL", "SETUSER", "fresh", rule)
    ours, theirs = _both(p, "ACL", "LIST")
    assert [_normal_line(x) for x in ours] == [_normal_line(x) for x in theirs]


def test_acl_subcommand_replies(p):
    for args in (("ACL", "GETUSER", "nosuch"), ("ACL", "GETUSER"), ("ACL", "WHOAMI"),
                 ("ACL", "USERS"), ("ACL", "DELUSER", "nosuch"), ("ACL", "DELUSER", "default"),
                 ("ACL", "GENPASS", "0"), ("ACL", "GENPASS", "4097"), ("ACL", "GENPASS", "x"),
                 ("ACL", "LOG", "x"), ("ACL", "LOG", "-1"), ("ACL", "LOG", "RESET"),
                 ("ACL", "LOG", "1", "2"), ("ACL", "HELP"), ("ACL", "WHOAMI", "x"),
                 ("ACL", "USERS", "x"), ("ACL", "LIST", "x"), ("ACL", "CAT", "nosuch"),
                 ("ACL", "SAVE"), ("ACL", "LOAD"), ("ACL", "SETUSER"), ("ACL", "DELUSER"),
                 ("ACL", "CAT"), ("ACL", "NOPE"), ("ACL", "DRYRUN", "nosuch", "get", "a"),
                 ("ACL", "DRYRUN", "default", "nosuch"), ("ACL", "DRYRUN", "default", "get"),
                 ("ACL", "DRYRUN", "default", "get", "a")):
        p.run(*args)
    for bits in ("1", "5", "256", "4096"):
        ours, theirs = _both(p, "ACL", "GENPASS", bits)
        assert len(ours) == len(theirs)


@pytest.mark.parametrize("cat", ["keyspace", "read", "write", "hash", "slow", "dangerous",
                                 "scripting", "pubsub"])
def test_cat_members(p, cat):
    ours, theirs = _both(p, "ACL", "CAT", cat)
    assert sorted(ours) == sorted(theirs)


def test_dryrun(p):
    p.run("ACL", "SETUSER", "alice", "on", ">p1", "~k*", "+get", "+@hash", "&ch*", "%R~r*",
          "(+incr ~x*)")
    for args in (("get", "k1"), ("get", "x1"), ("incr", "x1"), ("hset", "r1", "a", "b"),
                 ("hget", "r1", "a"), ("publish", "ch1", "m"), ("publish", "zz", "m"),
                 ("set", "k1", "v"), ("subscribe", "ch1", "zz"), ("psubscribe", "ch*"),
                 ("psubscribe", "c*"), ("client", "kill", "id", "1"), ("mget", "k1", "x1")):
        p.run("ACL", "DRYRUN", "alice", *args)


def _as(port, user):
    c = RawClient(port)
    assert c.cmd("AUTH", user, "pw") == b"+OK\r\n"
    return c


def test_noperm_replies_and_log(p, server, real_redis):
    for side in (p.ours, p.theirs):
        side.cmd("ACL", "SETUSER", "k2", "on", ">pw", "%R~r*", "%W~w*", "+@all", "-debug",
                 "&pub*")
    seqs = [("GET", "w1"), ("SET", "r1", "x"), ("COPY", "r1", "w1"), ("COPY", "w1", "r1"),
            ("PUBLISH", "x", "m"), ("PUBLISH", "pub1", "m"), ("SUBSCRIBE", "a"),
            ("PSUBSCRIBE", "pub*"), ("DEBUG", "SLEEP", "0"), ("GET", "r1"), ("SET", "w1", "v"),
            ("MULTI",), ("GET", "w1"), ("EXEC",), ("AUTH", "k2", "wrong"),
            ("AUTH", "nobody", "pw"), ("HELLO", "2", "AUTH", "k2", "bad")]
    ours, theirs = _as(server.port, "k2"), _as(real_redis.port, "k2")
    for args in seqs:
        assert ours.cmd(*args) == theirs.cmd(*args), args
    log_o = parse(p.ours.cmd("ACL", "LOG"))
    log_t = parse(p.theirs.cmd("ACL", "LOG"))
    strip = lambda entry: [x for i, x in enumerate(entry) if i not in (11, 13)]
    assert [strip(e) for e in log_o] == [strip(e) for e in log_t]
    ours.close()
    theirs.close()


def test_exec_rechecks_permissions(p, server, real_redis):
    results = []
    for side, port in ((p.ours, server.port), (p.theirs, real_redis.port)):
        side.cmd("ACL", "SETUSER", "k3", "on", ">pw", "~*", "+@all", "&*")
        c = _as(port, "k3")
        for args in (("MULTI",), ("SET", "a", "b"), ("GET", "a")):
            c.cmd(*args)
        side.cmd("ACL", "SETUSER", "k3", "-get")
        results.append(c.cmd("EXEC"))
        c.close()
    assert results[0] == results[1]


def test_deluser_closes_its_connections(p, server, real_redis):
    for side, port in ((p.ours, server.port), (p.theirs, real_redis.port)):
        side.cmd("ACL", "SETUSER", "gone", "on", ">pw", "~*", "+@all")
        c = _as(port, "gone")
        assert side.cmd("ACL", "DELUSER", "gone") == b":1\r\n"
        assert c.is_closed()


def test_lost_channel_permission_closes_subscriber(p, server, real_redis):
    for side, port in ((p.ours, server.port), (p.theirs, real_redis.port)):
        side.cmd("ACL", "SETUSER", "sub", "on", ">pw", "~*", "+@all", "&*")
        c = _as(port, "sub")
        c.cmd("SUBSCRIBE", "foo")
        side.cmd("ACL", "SETUSER", "sub", "resetchannels", "&foo")
        assert c.cmd("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
        side.cmd("ACL", "SETUSER", "sub", "resetchannels", "&bar")
        assert c.is_closed()


def test_client_list_and_kill_by_user(p, server, real_redis):
    for side, port in ((p.ours, server.port), (p.theirs, real_redis.port)):
        side.cmd("ACL", "SETUSER", "cl", "on", ">pw", "~*", "+@all")
        c = _as(port, "cl")
        info = c.cmd("CLIENT", "INFO")
        assert b" user=cl " in info
        assert side.cmd("CLIENT", "KILL", "USER", "cl") == b":1\r\n"
        assert side.cmd("CLIENT", "KILL", "USER", "nobody").startswith(b"-ERR No such user")
        c.close()


def test_key_permissions_that_depend_on_the_arguments(p, server, real_redis):
    # SET and BITFIELD: the flags of their one key spec follow the options given.
    for side in (p.ours, p.theirs):
        side.cmd("ACL", "SETUSER", "k4", "on", ">pw", "%R~r*", "%W~w*", "~rw*", "~pre:*",
                 "+@all")
    seqs = [("SET", "w1", "v"), ("SET", "w1", "v", "GET"), ("SET", "r1", "v"),
            ("SET", "rw1", "v", "GET"), ("SET", "w1", "v", "EX", "100", "GET"),
            ("BITFIELD", "r1", "GET", "u8", "0"), ("BITFIELD", "w1", "GET", "u8", "0"),
            ("BITFIELD", "w1", "SET", "u8", "0", "1"), ("BITFIELD", "r1", "INCRBY", "u8", "0", "1"),
            ("GET", "pre:x"), ("SET", "pre:x", "1"), ("SET", "pre", "1"), ("GET", "prex"),
            ("MSET", "w1", "1", "w2", "2"), ("MSET", "w1", "1", "r1", "2")]
    ours, theirs = _as(server.port, "k4"), _as(real_redis.port, "k4")
    for args in seqs:
        assert ours.cmd(*args) == theirs.cmd(*args), args
    ours.close()
    theirs.close()
