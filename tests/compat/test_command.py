"""COMMAND INFO / COMMAND DOCS and friends, byte for byte against redis-server 7.0.15.

Every implemented command and subcommand is compared in RESP2 and RESP3.
Redis lists a container's subcommands in the order of a hash table seeded at
start-up, so for containers both replies are parsed and the subcommands
compared as sets (restricted to the implemented ones); everything else is
compared as raw bytes.
"""
import pytest

from pyredis.commands import introspection, load_all
from respclient import RawClient

load_all()
NAMES = sorted(cmd.fullname for cmd in introspection.all_commands())
CONTAINERS = {name.split("|")[0] for name in NAMES if "|" in name}
IMPLEMENTED = set(NAMES)


def parse(data):
    """A RESP2/3 reply as a typed tree: (type byte, payload)."""
    def read(pos):
        end = data.index(b"\r\n", pos)
        kind, head, nxt = data[pos:pos + 1], data[pos + 1:end], end + 2
        if kind in b"$=":
            n = int(head)
            if n < 0:
                return (kind, None), nxt
            return (kind, data[nxt:nxt + n]), nxt + n + 2
        if kind in b"*~>%":
            n = int(head)
            if n < 0:
                return (kind, None), nxt
            items = []
            for _ in range(n * 2 if kind == b"%" else n):
                item, nxt = read(nxt)
                items.append(item)
            if kind == b"%":
                items = list(zip(items[::2], items[1::2]))
            return (kind, items), nxt
        return (kind, head), nxt
    tree, end = read(0)
    assert end == len(data)
    return tree


@pytest.fixture(scope="module")
def clients(server, real_redis):
    made = {}
    for resp in (2, 3):
        ours, theirs = RawClient(server.port), RawClient(real_redis.port)
        made[resp] = (ours, theirs)
        if resp == 3:
            theirs.cmd("HELLO", "3")
            assert ours.cmd("HELLO", "3").startswith(b"%")
    yield made
    for ours, theirs in made.values():
        ours.close()
        theirs.close()


def _implemented(clients):
    ours, _ = clients[2]
    reply = parse(ours.cmd("COMMAND", "LIST"))
    return sorted(item[1].decode() for item in reply[1])


def _info_normalized(tree, implemented):
    """A COMMAND INFO entry with its subcommands filtered to ``implemented`` and sorted."""
    kind, items = tree
    if kind != b"*" or items is None:
        return tree
    subs = [_info_normalized(s, implemented) for s in items[9][1]
            if s[1][0][1].decode() in implemented]
    subs.sort(key=lambda s: s[1][0][1])
    return (kind, items[:9] + [(b"*", subs)])


def _pairs(tree):
    """A map, or its RESP2 flat-array form, as (kind, [(key, value) ...])."""
    kind, items = tree
    if kind == b"*":
        items = list(zip(items[::2], items[1::2]))
    return (kind, items)


def _docs_normalized(tree):
    """A COMMAND DOCS map with its subcommands filtered to the implemented ones and sorted."""
    kind, pairs = _pairs(tree)
    out = []
    for key, value in pairs:
        if key[1] == b"subcommands":
            value = (value[0], sorted((k, v) for k, v in _pairs(value)[1]
                                      if k[1].decode() in IMPLEMENTED))
        out.append((key, value))
    return (kind, out)


def test_server_lists_the_declared_commands(clients):
    assert _implemented(clients) == NAMES


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_command_info(clients, resp, name):
    ours, theirs = clients[resp]
    mine, oracle = ours.cmd("COMMAND", "INFO", name), theirs.cmd("COMMAND", "INFO", name)
    if name in CONTAINERS:
        (_, [mine_entry]), (_, [oracle_entry]) = parse(mine), parse(oracle)
        assert _info_normalized(mine_entry, IMPLEMENTED) == _info_normalized(oracle_entry, IMPLEMENTED)
    else:
        assert mine == oracle


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_command_docs(clients, resp, name):
    ours, theirs = clients[resp]
    mine, oracle = ours.cmd("COMMAND", "DOCS", name), theirs.cmd("COMMAND", "DOCS", name)
    if name in CONTAINERS:
        (mk, mv), = _pairs(parse(mine))[1]
        (ok, ov), = _pairs(parse(oracle))[1]
        assert mk == ok
        assert _docs_normalized(mv) == _docs_normalized(ov)
    else:
        assert mine == oracle


@pytest.mark.parametrize("resp", [2, 3])
def test_command_info_and_docs_several_names_and_unknown(clients, resp):
    ours, theirs = clients[resp]
    for args in (("COMMAND", "INFO", "nosuchcommand", "GET"), ("COMMAND", "INFO", "CONFIG|GET"),
                 ("COMMAND", "INFO", "config|nosuch"), ("COMMAND", "INFO", "config|get|x"),
                 ("COMMAND", "INFO", "|"), ("COMMAND", "DOCS", "nosuch", "config|get"),
                 ("COMMAND", "DOCS", "nosuch"), ("COMMAND", "INFO", "time", "info", "Ping")):
        assert ours.cmd(*args) == theirs.cmd(*args), args


def test_command_list_filters(clients):
    ours, theirs = clients[2]
    implemented = set(_implemented(clients))

    def names(client, *args):
        reply = client.cmd("COMMAND", "LIST", *args)
        if reply.startswith(b"-"):
            return reply
        return sorted(item[1].decode() for item in parse(reply)[1])

    for args in (("FILTERBY", "PATTERN", "config*"), ("FILTERBY", "pattern", "*GET*"),
                 ("FILTERBY", "ACLCAT", "read"), ("FILTERBY", "aclcat", "Dangerous"),
                 ("FILTERBY", "ACLCAT", "@read"), ("FILTERBY", "ACLCAT", "nosuch"),
                 ("FILTERBY", "MODULE", "foo")):
        mine, oracle = names(ours, *args), names(theirs, *args)
        assert mine == [n for n in oracle if n in implemented], args
    for args in (("FILTERBY",), ("FILTERBY", "foo", "bar"), ("x",), ("FILTERBY", "PATTERN", "x", "y")):
        assert ours.cmd("COMMAND", "LIST", *args) == theirs.cmd("COMMAND", "LIST", *args)


GETKEYS_CASES = [
    ("get", "a"), ("GET", "a"), ("set", "a"), ("set", "k", "v"), ("ping", "x"), ("echo", "a", "b"),
    ("nosuch", "a"), ("config", "x", "y"), ("config", "get", "x"), ("sort", "k", "store", "d"),
    ("zunionstore", "d", "2", "a", "b"), ("zunionstore", "d", "5", "a", "b"),
    ("zunionstore", "d", "x", "a"), ("zadd", "z", "1", "m"), ("sinterstore", "d", "a", "b"),
    ("smove", "a", "b", "m"), ("hset", "h", "f", "v"), ("bzpopmin", "a", "b", "0"),
    ("zintercard", "2", "a", "b"), ("zmpop", "1", "z", "min"), ("sintercard", "2", "a", "b"),
    ("publish", "ch", "m"), ("subscribe", "ch"), ("sort_ro", "k"), ("watch", "a", "b"), ("set", "k", "v", "GET"),
    ("set", "k", "v", "EX", "10"),
]


@pytest.mark.parametrize("with_flags", [False, True])
def test_command_getkeys(clients, with_flags):
    ours, theirs = clients[2]
    sub = "GETKEYSANDFLAGS" if with_flags else "GETKEYS"
    for case in GETKEYS_CASES:
        assert ours.cmd("COMMAND", sub, *case) == theirs.cmd("COMMAND", sub, *case), case
    for args in ((sub,), (sub, "get")):
        assert ours.cmd("COMMAND", *args) == theirs.cmd("COMMAND", *args)


def test_command_help_and_errors(clients):
    ours, theirs = clients[2]
    for args in (("COMMAND", "HELP"), ("COMMAND", "help", "x"), ("COMMAND", "FOO"),
                 ("COMMAND", "COUNT", "x"), ("COMMAND", "GETKEYS")):
        assert ours.cmd(*args) == theirs.cmd(*args), args


RENAMES = ("--rename-command", "get", "MyGet", "--rename-command", "flushall", "",
           "--rename-command", "exec", "myexec", "--rename-command", "config", "cfg",
           "--rename-command", "auth", "login", "--rename-command", "xadd", "",
           "--rename-command", "eval", "myeval", "--requirepass", "pw")


def test_renamed_commands(servers_with, pair_factory):
    pair = pair_factory(servers_with(*RENAMES))
    for request in [("PING",), ("AUTH", "pw"), ("LOGIN", "pw"), ("SET", "k", "v"), ("GET", "k"),
                    ("myget", "k"), ("MYGET",), ("FLUSHALL",), ("XADD", "s", "*", "f", "v"),
                    ("COMMAND", "INFO", "myget", "get", "flushall", "config|get", "cfg|get"),
                    ("COMMAND", "DOCS", "myget"), ("COMMAND", "GETKEYS", "myget", "k"),
                    ("COMMAND", "GETKEYS", "get", "k"), ("CONFIG", "GET", "maxmemory"),
                    ("CFG", "GET", "maxmemory"), ("CFG", "NOSUCH"),
                    ("MULTI",), ("SET", "a", "1"), ("EXEC",), ("MYEXEC",), ("GET", "a"),
                    ("MULTI",), ("myget", "a"), ("MYEXEC",), ("MYEXEC",), ("MYEXEC", "x"),
                    ("MULTI",), ("MYEXEC", "x"), ("MYEXEC",)]:
        pair.run(*request)
    names = [{item[1] for item in parse(client.cmd("COMMAND", "LIST"))[1]}
             for client in (pair.ours, pair.theirs)]
    for gone in (b"myget", b"cfg", b"flushall", b"myexec"):
        assert gone not in names[0] and gone not in names[1]
    for kept in (b"get", b"config", b"exec"):
        assert kept in names[0] and kept in names[1]
