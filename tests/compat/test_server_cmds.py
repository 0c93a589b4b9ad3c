"""INFO, CONFIG, TIME, DBSIZE, SHUTDOWN and DEBUG against redis-server 7.0.15.

The shared servers are only ever sent CONFIG SET values that fail or that are
set back before the test ends, and never a SHUTDOWN that could succeed.
"""
import os
import re
import sys
import tempfile

import pytest

from respclient import RawClient
from serverproc import ServerProcess, free_port


@pytest.fixture
def pair(pair_factory):
    """A pair without the FLUSHALL of the shared fixture: these tests use their own keys."""
    return pair_factory()


def _bulk(reply):
    assert reply[:1] in (b"$", b"="), reply
    head, _, rest = reply.partition(b"\r\n")
    body = rest[:int(head[1:])]
    return body[4:] if reply[:1] == b"=" else body


def _fields(text):
    """[(section, field name)] of an INFO text."""
    out = []
    section = None
    for line in text.decode().split("\r\n"):
        if line.startswith("# "):
            section = line[2:]
            out.append((section, None))
        elif line:
            out.append((section, line.split(":", 1)[0]))
    return out


# Lines whose names depend on what ran before, and pyredis's own additions.
_VARIABLE = re.compile(r"(cmdstat_|errorstat_|latency_percentiles_usec_|db\d+$|pyredis_)")


@pytest.mark.parametrize("args", [(), ("default",), ("all",), ("everything",), ("server",),
                                  ("CLIENTS", "memory"), ("persistence",), ("stats",),
                                  ("replication",), ("cpu",), ("modules",), ("cluster",),
                                  ("keyspace", "server"), ("commandstats",), ("errorstats",),
                                  ("latencystats",), ("nosuchsection",), ("default", "commandstats"),
                                  ("all", "keyspace")])
def test_info_sections_and_field_names(pair, args):
    mine = _fields(_bulk(pair.ours.cmd("INFO", *args)))
    oracle = _fields(_bulk(pair.theirs.cmd("INFO", *args)))

    def fixed(fields):
        return [f for f in fields if f[1] is None or not _VARIABLE.match(f[1])]
    assert fixed(mine) == fixed(oracle)


def test_info_unknown_section_is_empty(pair):
    pair.run("INFO", "nosuchsection")
    pair.run("INFO", "modules")
    pair.run("INFO", "cluster")


def _normalized_stats(text):
    return re.sub(rb"usec=\d+,usec_per_call=[0-9.]+", b"usec=U,usec_per_call=U", text)


def test_info_commandstats_errorstats_keyspace_lines(pair):
    for client in (pair.ours, pair.theirs):
        client.cmd("SELECT", "9")
        client.cmd("CONFIG", "RESETSTAT")
    pair.run("SET", "info:k", "v")
    pair.run("GET", "info:k")
    pair.run("NOSUCHCOMMAND")
    pair.run("GET")
    pair.run("CONFIG", "SET", "hz", "x")
    pair.run("DBSIZE")
    for section in ("commandstats", "errorstats"):
        mine = _normalized_stats(_bulk(pair.ours.cmd("INFO", section)))
        oracle = _normalized_stats(_bulk(pair.theirs.cmd("INFO", section)))
        assert sorted(mine.split(b"\r\n")) == sorted(oracle.split(b"\r\n"))
    keyspace = [line for line in _bulk(pair.ours.cmd("INFO", "keyspace")).split(b"\r\n")
                if line.startswith(b"db9:")]
    assert keyspace == [line for line in _bulk(pair.theirs.cmd("INFO", "keyspace")).split(b"\r\n")
                        if line.startswith(b"db9:")]
    assert keyspace == [b"db9:keys=1,expires=0,avg_ttl=0"]
    for client in (pair.ours, pair.theirs):
        client.cmd("DEL", "info:k")


def test_info_rejected_calls_count(pair):
    for client in (pair.ours, pair.theirs):
        client.cmd("CONFIG", "RESETSTAT")
    pair.run("GET", "a", "b")
    pair.run("CONFIG", "GET")
    mine = _normalized_stats(_bulk(pair.ours.cmd("INFO", "commandstats")))
    oracle = _normalized_stats(_bulk(pair.theirs.cmd("INFO", "commandstats")))
    assert b"cmdstat_get:calls=0,usec=U,usec_per_call=U,rejected_calls=1,failed_calls=0" in mine
    assert sorted(mine.split(b"\r\n")) == sorted(oracle.split(b"\r\n"))


def _config_map(client, *patterns):
    reply = client.cmd("CONFIG", "GET", *patterns)
    values = re.findall(rb"\$\d+\r\n(.*?)\r\n", reply, re.DOTALL)
    return dict(zip(values[::2], values[1::2]))


# Values that differ by how the two servers were started.
_STARTUP = {b"bind", b"port", b"dir"}


def test_config_get_star_lists_every_redis_parameter_with_its_default(pair):
    mine = _config_map(pair.ours, "*")
    oracle = _config_map(pair.theirs, "*")
    assert sorted(mine) == sorted(oracle)
    assert {k: v for k, v in mine.items() if k not in _STARTUP} == \
        {k: v for k, v in oracle.items() if k not in _STARTUP}


@pytest.mark.parametrize("patterns", [("maxclients",), ("MAXCLIENTS",), ("MAXCLIENTS", "maxclients"),
                                      ("maxclient?",), ("*max-*-entries*",), ("key-load-delay",),
                                      ("key-load-*",), ("nosuch",), ("watchdog-period",),
                                      ("slaveof",), ("lua-time-limit",), ("[sz]et-max-*",),
                                      ("notify-keyspace-events", "timeout")])
def test_config_get_patterns(pair, patterns):
    mine = _config_map(pair.ours, *patterns)
    oracle = _config_map(pair.theirs, *patterns)
    assert mine == oracle
    if len(oracle) <= 1:
        pair.run("CONFIG", "GET", *patterns)


CONFIG_SET_ERRORS = [
    ("foo", "bar"), ("maxclients", "abc"), ("maxclients", "0"), ("daemonize", "yes"),
    ("DAEMONIZE", "yes"), ("maxclients", "10", "maxclients", "20"), ("hz", "1", "HZ", "2"),
    ("hz", "1", "hz", "x"), ("hz", "5", "foo", "1", "daemonize", "yes"),
    ("daemonize", "yes", "foo", "1"), ("hz", "x", "daemonize", "yes"), ("dir", "/tmp"),
    ("dbfilename", "x.rdb"), ("hz", "1000000000000"), ("hz", "+5"), ("hz", "05"), ("hz", " 5"),
    ("HZ", "x"), ("hz", "-1"), ("maxmemory", "10x"), ("maxmemory", "-1"), ("maxmemory", "1.5gb"),
    ("appendfsync", "sometimes"), ("appendonly", "yes", "appendfsync", "bogus"),
    ("lua-time-limit", "-1"), ("lua-time-limit", "x"), ("activerehashing", "maybe"),
    ("proto-max-bulk-len", "1000"), ("proto-max-bulk-len", "18446744073709551615"),
    ("maxmemory-clients", "101%"), ("maxmemory-clients", "-1"), ("maxmemory-clients", "x%"),
    ("loglevel", "nothing"), ("save", "100 a"), ("save", "0 1"), ("save", "100  1"), ("save", " "),
    ("save", "100"), ("notify-keyspace-events", "KEQ"), ("client-output-buffer-limit", "normal 1 2"),
    ("client-output-buffer-limit", "normal 1mb 2 3 master 1 2 3"),
    ("client-output-buffer-limit", "normal -1 2 3"), ("client-output-buffer-limit", "normal 1 2 x"),
    ("oom-score-adj-values", "1 2"), ("oom-score-adj-values", "1 2 x"),
    ("oom-score-adj-values", "1 2 3000"), ("latency-tracking-info-percentiles", "50 101"),
    ("latency-tracking-info-percentiles", "abc"), ("cluster-announce-hostname", "a_b"),
    ("shutdown-on-sigint", "now  save"), ("shutdown-on-sigint", "never"), ("oom-score-adj", "maybe"),
    ("unixsocketperm", "1"), ("port", "70000"), ("tcp-backlog", "1"), ("slaveof", "no one"),
    ("maxclients",), ("maxclients", "1", "timeout"), ("key-load-delay", "9999999999"),
    ("list-max-listpack-size", "-9999999999"), ("hash-max-listpack-entries", "-1"),
    ("unknown\r\nname", "1"), ("databases", "2"), ("bind", "192.0.2.1"),
]


@pytest.mark.parametrize("args", CONFIG_SET_ERRORS, ids=[" ".join(a) for a in CONFIG_SET_ERRORS])
def test_config_set_errors(pair_factory, args):
    pair = pair_factory()
    before = _config_map(pair.ours, "*")
    reply = pair.run("CONFIG", "SET", *args)
    assert reply.startswith(b"-")
    assert _config_map(pair.ours, "*") == before


CONFIG_SET_VALUES = [
    ("maxmemory", "1Gb"), ("maxmemory", "100KB"), ("maxmemory", ""), ("maxmemory", "18446744073709551615"),
    ("maxmemory-clients", "10%"), ("maxmemory-clients", "0"), ("notify-keyspace-events", "KEA"),
    ("notify-keyspace-events", "Kgd$lshzxetmn"), ("notify-keyspace-events", "gn"),
    ("notify-keyspace-events", "AKEn"), ("notify-keyspace-events", "Ex"),
    ("shutdown-on-sigint", "now save"), ("shutdown-on-sigint", "NOSAVE force"),
    ("oom-score-adj", "relative"), ("oom-score-adj", "Absolute"), ("appendfsync", "ALWAYS"),
    ("activerehashing", "NO"), ("save", "100 +1 200 -0"), ("save", "900 1"), ("save", ""),
    ("client-output-buffer-limit", "Normal 1mb 2 3"), ("client-output-buffer-limit", "pubsub 1gb 1kb 0 slave 1 2 3"),
    ("client-output-buffer-limit", ""), ("latency-tracking-info-percentiles", "99.99999999 1e1 0x10"),
    ("latency-tracking-info-percentiles", ""), ("oom-score-adj-values", "300 200 100"),
    ("oom-score-adj-values", "+1 -0 3"), ("lua-time-limit", "6000"), ("busy-reply-threshold", "7000"),
    ("hash-max-ziplist-entries", "5", "hash-max-listpack-entries", "6"),
    ("list-max-listpack-size", "-9"), ("maxclients", "4294967295"), ("hz", "100", "timeout", "30"),
    ("slowlog-log-slower-than", "-1"), ("tls-ciphers", "a b c"), ("requirepass", ""),
    ("cluster-announce-hostname", "a-b.c"), ("acl-pubsub-default", "allchannels"),
    ("key-load-delay", "-5"), ("zset-max-listpack-value", "1kb"),
]


@pytest.mark.parametrize("args", CONFIG_SET_VALUES, ids=[" ".join(a) for a in CONFIG_SET_VALUES])
def test_config_set_values_read_back(pair_factory, args):
    pair = pair_factory()
    names = list(args[::2])
    before_ours = _config_map(pair.ours, *names)
    before_theirs = _config_map(pair.theirs, *names)
    try:
        pair.run("CONFIG", "SET", *args)
        for name in names:
            pair.run("CONFIG", "GET", name)
    finally:
        for client, before in ((pair.ours, before_ours), (pair.theirs, before_theirs)):
            restore = []
            for k, v in before.items():
                restore += [k, v]
            assert client.cmd("CONFIG", "SET", *restore) == b"+OK\r\n"
    assert _config_map(pair.ours, *names) == before_ours


def test_config_misc_replies(pair):
    pair.run("CONFIG", "HELP")
    pair.run("CONFIG", "REWRITE")
    pair.run("CONFIG", "RESETSTAT", "x")
    pair.run("CONFIG", "GET")
    pair.run("CONFIG", "SET")
    pair.run("CONFIG", "SET", "a")
    pair.run("CONFIG")
    pair.run("CONFIG", "NOSUCH")
    pair.run("CONFIG", "help", "x")


def test_time_dbsize_and_argument_errors(pair):
    pair.run("TIME", "x")
    pair.run("DBSIZE", "x")
    pair.run("INFO", "a", "b", "c")
    for client in (pair.ours, pair.theirs):
        client.cmd("SELECT", "11")
    pair.run("DBSIZE")
    pair.run("SET", "dbsize:a", "1")
    pair.run("SET", "dbsize:b", "1")
    pair.run("DBSIZE")
    mine = re.findall(rb"\$\d+\r\n(\d+)\r\n", pair.ours.cmd("TIME"))
    oracle = re.findall(rb"\$\d+\r\n(\d+)\r\n", pair.theirs.cmd("TIME"))
    assert len(mine) == len(oracle) == 2
    assert abs(int(mine[0]) - int(oracle[0])) <= 2
    assert 0 <= int(mine[1]) < 1000000


def test_shutdown_errors_never_shut_down(pair):
    for args in (("foo",), ("save", "nosave"), ("abort", "now"), ("ABORT",), ("nosave", "abort"),
                 ("abort", "abort", "x")):
        pair.run("SHUTDOWN", *args)
    pair.run("PING")


def test_debug_is_refused_by_default(pair):
    pair.run("DEBUG", "sleep", "0")
    pair.run("DEBUG", "help")
    pair.run("DEBUG")


@pytest.fixture
def debug_pair(start_server):
    from serverproc import start_redis
    ours = start_server("--enable-debug-command", "yes")
    theirs = start_redis("--enable-debug-command", "yes")
    a, b = RawClient(ours.port), RawClient(theirs.port)
    yield a, b
    a.close()
    b.close()
    theirs.stop()


def test_debug_subcommands(debug_pair):
    ours, theirs = debug_pair
    for args in (("sleep", "0"), ("sleep", "abc"), ("sleep",), ("nosuch",), ("set-active-expire", "0"),
                 ("set-active-expire", "1"), ("set-active-expire",), ("set-active-expire", "abc"),
                 ("log", "hello"), ("protocol", "x"), ("PROTOCOL", "push")) + tuple(
                     ("protocol", kind) for kind in ("string", "integer", "double", "bignum", "null",
                                                     "array", "set", "map", "attrib", "verbatim",
                                                     "true", "false")):
        assert ours.cmd("DEBUG", *args) == theirs.cmd("DEBUG", *args), args
    assert ours.cmd("HELLO", "3").startswith(b"%")
    theirs.cmd("HELLO", "3")
    for kind in ("string", "integer", "double", "bignum", "null", "array", "set", "map",
                 "attrib", "verbatim", "true", "false"):
        assert ours.cmd("DEBUG", "PROTOCOL", kind) == theirs.cmd("DEBUG", "PROTOCOL", kind), kind
    ours.send(b"*3\r\n$5\r\nDEBUG\r\n$8\r\nPROTOCOL\r\n$4\r\npush\r\n")
    theirs.send(b"*3\r\n$5\r\nDEBUG\r\n$8\r\nPROTOCOL\r\n$4\r\npush\r\n")
    assert ours.read_reply() == theirs.read_reply()
    assert ours.read_reply() == theirs.read_reply()


def _start_with_config(argv_head, text, port):
    cwd = tempfile.mkdtemp(prefix="rewrite-")
    path = os.path.join(cwd, "server.conf")
    with open(path, "w") as f:
        f.write(text % {"port": port, "dir": cwd})
    return ServerProcess(argv_head + [path], port, cwd), path


CONF = """# a config file
port %(port)s
bind 127.0.0.1
save ""
appendonly no

hash-max-ziplist-entries 100
maxmemory 1000000
save 900 1
timeout 0
"""


def test_config_rewrite_like_redis():
    import shutil
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    servers = []
    try:
        p1, p2 = free_port(), free_port()
        ours, our_path = _start_with_config([sys.executable, "-m", "pyredis"], CONF, p1)
        servers.append(ours)
        theirs, their_path = _start_with_config(["redis-server"], CONF, p2)
        servers.append(theirs)
        for srv in (ours, theirs):
            c = RawClient(srv.port)
            assert c.cmd("CONFIG", "SET", "hz", "20", "maxmemory", "2mb", "client-output-buffer-limit",
                         "normal 1mb 2mb 3", "timeout", "0", "save", "900 1 300 10") == b"+OK\r\n"
            assert c.cmd("CONFIG", "REWRITE") == b"+OK\r\n"
            c.close()
        with open(our_path) as f:
            mine = f.read().replace(str(p1), "PORT").replace(ours.cwd, "DIR")
        with open(their_path) as f:
            oracle = f.read().replace(str(p2), "PORT").replace(theirs.cwd, "DIR")
        head_mine, _, tail_mine = mine.partition("# Generated by CONFIG REWRITE\n")
        head_oracle, _, tail_oracle = oracle.partition("# Generated by CONFIG REWRITE\n")
        assert head_mine == head_oracle
        # Redis appends new lines in hash-table order.  pyredis has no ACL users, so it
        # writes no "user default ..." line.
        assert sorted(tail_mine.splitlines()) == sorted(
            line for line in tail_oracle.splitlines() if not line.startswith("user "))
    finally:
        for srv in servers:
            srv.stop()


def test_debug_refused_before_multi_queues_it(compare):
    # processCommand refuses a protected command before MULTI would queue it.
    compare(("MULTI",), ("DEBUG", "SLEEP", "0"), ("SET", "k", "v"), ("EXEC",), ("GET", "k"),
            ("DEBUG", "SLEEP", "0"), ("DEBUG",))


def test_errorstats_sorted_by_code(compare):
    compare(("CONFIG", "RESETSTAT"), ("SET", "s", "v"), ("LPUSH", "s", "x"), ("GET",),
            ("EXEC",), ("LPUSH", "s", "y"), ("INFO", "errorstats"))


def test_lolwut(pair):
    for args in (("LOLWUT",), ("LOLWUT", "VERSION", "4"), ("LOLWUT", "foo"),
                 ("LOLWUT", "VERSION"), ("LOLWUT", "VERSION", "x"), ("LOLWUT", "VERSION", "7")):
        pair.run(*args)


def _lolwut_shapes(pair, v5, v6):
    # Slow on a loaded machine: clients of their own, with time to wait.
    clients = [RawClient(c.sock.getpeername()[1], timeout=300) for c in (pair.ours, pair.theirs)]
    try:
        replies = [c.cmd("LOLWUT", "VERSION", "5", *v5) for c in clients]
        assert len(replies[0]) == len(replies[1])
        assert replies[0].count(b"\n") == replies[1].count(b"\n")
        # The first two rows of squares are not moved at random: the same in both.
        assert replies[0][:replies[0].index(b"\n") * 10] == replies[1][:replies[1].index(b"\n") * 10]
        replies = [c.cmd("LOLWUT", "VERSION", "6", *v6) for c in clients]
        assert replies[0].count(b"\n") == replies[1].count(b"\n")
        assert replies[0].endswith(b"Redis ver. 7.0.15\n\r\n")
    finally:
        for c in clients:
            c.close()


def test_lolwut_shapes(pair):
    _lolwut_shapes(pair, ("300", "40", "40"), ("300", "200"))


@pytest.mark.slow
def test_lolwut_largest(pair):
    # Past Redis's limits (cols 1000, squares 200, rows 1000): clamped to them.
    _lolwut_shapes(pair, ("2000", "500", "500"), ("5000", "5000"))


def test_no_trace_of_the_clock_parameter(pair):
    pair.run("CONFIG", "GET", "enable-clock-command")
    pair.run("CONFIG", "SET", "enable-clock-command", "yes")
    pair.run("PYREDIS.CLOCK", "GET")
