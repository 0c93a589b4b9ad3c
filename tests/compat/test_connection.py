"""Connection commands: the same requests to pyredis and redis-server, identical raw replies."""
import re

import pytest

from respclient import encode_command


def test_ping_echo_select(compare):
    compare(("PING",), ("PING", "hello"), ("PING", "a", "b"), ("ECHO", "x y"), ("ECHO",),
            ("SELECT", "1"), ("SELECT", "0"), ("SELECT", "16"), ("SELECT", "-1"), ("SELECT", "x"),
            ("SELECT", "01"), ("SELECT", "2147483648"), ("SELECT", "1.0"), ("SELECT", "0", "1"))


def test_hello_errors(compare):
    compare(("HELLO", "1"), ("HELLO", "4"), ("HELLO", "-3"), ("HELLO", "x"), ("HELLO", "3", "foo"),
            ("HELLO", "3", "AUTH"), ("HELLO", "3", "AUTH", "default"), ("HELLO", "3", "setname"),
            ("HELLO", "3", "AUTH", "nobody", "pw"), ("HELLO", "2", "SETNAME", "a b"),
            ("HELLO", "2", "SETNAME", "ok", "AUTH", "a", "b"), ("HELLO", "2", "x\ny"),
            ("GET", "missing"))


def _mask_id(reply):
    return re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:ID\r\n", reply)


@pytest.mark.parametrize("args", [("HELLO",), ("HELLO", "2"), ("HELLO", "3"),
                                  ("HELLO", "3", "SETNAME", "n1"), ("HELLO", "3", "AUTH", "default", "x")])
def test_hello_reply(pair, args):
    mine, theirs = pair.ours.cmd(*args), pair.theirs.cmd(*args)
    assert _mask_id(mine) == _mask_id(theirs)
    # The protocol chosen applies to the next replies.
    pair.run("GET", "missing")
    pair.run("CLIENT", "GETNAME")
    pair.run("CLIENT", "TRACKINGINFO")


def test_auth_without_password(compare):
    compare(("AUTH", "x"), ("AUTH", "default", "x"), ("AUTH", "bob", "x"), ("AUTH", "a", "b", "c"),
            ("AUTH",))


def test_reset(pair, compare):
    assert _mask_id(pair.ours.cmd("HELLO", "3")) == _mask_id(pair.theirs.cmd("HELLO", "3"))
    compare(("SELECT", "3"), ("CLIENT", "SETNAME", "x"), ("MULTI",), ("SET", "k", "v"),
            ("RESET",), ("EXEC",), ("GET", "k"), ("CLIENT", "GETNAME"), ("RESET", "x"))


def test_reset_leaves_subscriber_mode(compare):
    compare(("SUBSCRIBE", "a", "b"), ("PSUBSCRIBE", "p*"), ("GET", "k"), ("RESET",), ("GET", "k"),
            ("PUBLISH", "a", "m"))


def test_client_errors(compare):
    compare(("CLIENT",), ("CLIENT", "FOO"), ("CLIENT", "ID", "x"), ("CLIENT", "LIST", "x"),
            ("CLIENT", "LIST", "TYPE", "foo"), ("CLIENT", "LIST", "ID"), ("CLIENT", "LIST", "ID", "x"),
            ("CLIENT", "LIST", "ID", "99999999"), ("CLIENT", "LIST", "TYPE", "replica"),
            ("CLIENT", "LIST", "TYPE", "master"), ("CLIENT", "LIST", "TYPE", "pubsub"),
            ("CLIENT", "LIST", "TYPE", "normal", "x"),
            ("CLIENT", "KILL"), ("CLIENT", "KILL", "1.2.3.4:5"), ("CLIENT", "KILL", "ID", "0"),
            ("CLIENT", "KILL", "ID", "x"), ("CLIENT", "KILL", "ID", "99999999"),
            ("CLIENT", "KILL", "TYPE", "foo"), ("CLIENT", "KILL", "USER", "bob"),
            ("CLIENT", "KILL", "SKIPME", "maybe"), ("CLIENT", "KILL", "foo", "bar"),
            ("CLIENT", "KILL", "ID", "1", "TYPE"), ("CLIENT", "KILL", "ADDR", "1.1.1.1:1", "LADDR", "x"),
            ("CLIENT", "UNBLOCK", "1", "foo"), ("CLIENT", "UNBLOCK", "x"), ("CLIENT", "UNBLOCK", "x", "foo"),
            ("CLIENT", "UNBLOCK", "99999999"), ("CLIENT", "UNBLOCK", "1", "2", "3"),
            ("CLIENT", "SETNAME"), ("CLIENT", "SETNAME", "a b"), ("CLIENT", "SETNAME", "caf\xe9"),
            ("CLIENT", "SETNAME", "a\x00"), ("CLIENT", "NO-EVICT", "maybe"), ("CLIENT", "NO-EVICT", "on"),
            ("CLIENT", "NO-EVICT", "off"), ("CLIENT", "REPLY", "maybe"), ("CLIENT", "GETREDIR"),
            ("CLIENT", "TRACKINGINFO"), ("CLIENT", "PAUSE"), ("CLIENT", "PAUSE", "x"), ("CLIENT", "PAUSE", "-1"),
            ("CLIENT", "PAUSE", "x", "foo"), ("CLIENT", "PAUSE", "0", "all", "x"), ("CLIENT", "PAUSE", "0"),
            ("CLIENT", "PAUSE", "0", "WRITE"), ("CLIENT", "UNPAUSE", "x"), ("CLIENT", "UNPAUSE"))


def test_client_help(compare):
    compare(("CLIENT", "HELP"), ("CLIENT", "help"), ("CLIENT", "HELP", "x"))


def test_client_names(compare):
    compare(("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", "conn-1"), ("CLIENT", "GETNAME"),
            ("CLIENT", "SETNAME", "~!@#$%^&*()"), ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", ""),
            ("CLIENT", "GETNAME"))


def _fields(reply):
    text = reply.split(b"\r\n", 1)[1][:-2].decode("latin-1")
    if text.startswith("txt:"):
        text = text[4:]
    return [[part.split("=", 1) for part in line.split(" ")] for line in text.splitlines()]


@pytest.mark.parametrize("resp", ["2", "3"])
def test_client_info_field_names_and_order(pair, resp):
    for client in (pair.ours, pair.theirs):
        client.cmd("HELLO", resp)
        client.cmd("CLIENT", "SETNAME", "fieldcheck")
        client.cmd("SELECT", "4")
    mine, theirs = pair.ours.cmd("CLIENT", "INFO"), pair.theirs.cmd("CLIENT", "INFO")
    # Same reply type (bulk in RESP2, verbatim in RESP3).
    assert mine[:1] == theirs[:1]
    (mine_fields,), (their_fields,) = _fields(mine), _fields(theirs)
    assert [k for k, _ in mine_fields] == [k for k, _ in their_fields]
    # Values that do not depend on addresses, ids, memory, the clock or how reads were
    # split (Redis's read buffer peak follows the sizes of its recent reads) are identical.
    stable = ("name", "flags", "db", "sub", "psub", "ssub", "multi", "argv-mem", "multi-mem",
              "oll", "omem", "events", "cmd", "user", "redir", "resp")
    assert {k: v for k, v in mine_fields if k in stable} == {k: v for k, v in their_fields if k in stable}


def test_client_list_fields_of_other_clients(pair_factory):
    watcher, subject = pair_factory(), pair_factory()
    for client in (subject.ours, subject.theirs):
        client.cmd("SUBSCRIBE", "c1", "c2")
        client.cmd("PSUBSCRIBE", "p*")
    for client in (watcher.ours, watcher.theirs):
        client.cmd("CLIENT", "SETNAME", "watcher")

    def subject_line(reply):
        lines = [dict(fields) for fields in _fields(reply)]
        return [line for line in lines if line["flags"] == "P"]

    mine = subject_line(watcher.ours.cmd("CLIENT", "LIST", "TYPE", "pubsub"))
    theirs = subject_line(watcher.theirs.cmd("CLIENT", "LIST", "TYPE", "pubsub"))
    assert len(mine) == len(theirs) == 1
    stable = ("name", "flags", "db", "sub", "psub", "ssub", "multi", "argv-mem", "multi-mem", "obl", "oll",
              "omem", "events", "cmd", "user", "redir", "resp")
    assert {k: mine[0][k] for k in stable} == {k: theirs[0][k] for k in stable}


def test_client_reply_modes(pair):
    data = (b"CLIENT REPLY OFF\r\nPING a\r\nCLIENT REPLY SKIP\r\nPING b\r\nCLIENT REPLY ON\r\nPING c\r\n"
            b"CLIENT REPLY SKIP\r\nNOSUCH\r\nPING d\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING e\r\n"
            b"PING f\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING g\r\n")
    pair.send_raw(data)


def test_quit_with_pipeline(pair):
    assert pair.send_raw(b"PING\r\n" + encode_command("QUIT") + b"PING\r\n") == b"+PONG\r\n+OK\r\n"


def test_client_list_cmd_names_the_last_request(pair_factory):
    actor, observer = pair_factory(), pair_factory()
    actor.run("FLUSHALL")
    ids = [int(client.cmd("CLIENT", "ID")[1:-2]) for client in (actor.ours, actor.theirs)]
    for request in (("MULTI",), ("SET", "k", "v"), ("GET", "k"), ("EXEC",), ("NOSUCH",), ("GET",),
                    ("CLIENT", "NOSUCH"), ("OBJECT", "ENCODING"), ("MULTI",), ("NOSUCH",),
                    ("DISCARD",), ("SUBSCRIBE", "x"), ("GET", "k"), ("RESET",)):
        actor.run(*request)
        shown = [re.search(rb" cmd=(\S+) ", observer_client.cmd("CLIENT", "LIST", "ID", cid)).group(1)
                 for observer_client, cid in zip((observer.ours, observer.theirs), ids)]
        assert shown[0] == shown[1], (request, shown)
