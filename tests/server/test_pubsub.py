"""Pub/Sub against a live pyredis: several raw clients, RESP2 and RESP3, exact bytes."""
import socket
import time

import pytest

from respclient import RawClient, bulk, encode_command


def hello3(client):
    assert client.cmd("HELLO", "3").startswith(b"%")


def shape(resp, *items):
    """A pub/sub reply: an array in RESP2, a push in RESP3; ints stay ints, None is null."""
    out = [b"%b%d\r\n" % (b"*" if resp == 2 else b">", len(items))]
    for item in items:
        if item is None:
            out.append(b"$-1\r\n" if resp == 2 else b"_\r\n")
        elif isinstance(item, int):
            out.append(b":%d\r\n" % item)
        else:
            out.append(bulk(item))
    return b"".join(out)


def message(channel, data, resp=2):
    return shape(resp, "message", channel, data)


def pmessage(pattern, channel, data, resp=2):
    return shape(resp, "pmessage", pattern, channel, data)


def received(client, resp=2):
    """Every reply the client got before a PING sent now (replies arrive in order)."""
    token = b"--fence--"
    client.send(encode_command("PING", token))
    fences = (bulk(token), b"*2\r\n$4\r\npong\r\n" + bulk(token))
    out = []
    while True:
        reply = client.read_reply()
        if reply in fences:
            return out
        out.append(reply)


def send_all(client, *args, n=None):
    """Send one command and read its ``n`` replies (one per argument by default)."""
    client.send(encode_command(*args))
    count = n if n is not None else max(len(args) - 1, 1)
    return [client.read_reply() for _ in range(count)]


# ---- confirmations ---------------------------------------------------------

def test_subscribe_confirmations_and_counts(raw):
    assert send_all(raw, "SUBSCRIBE", "a", "b", "a") == [
        shape(2, "subscribe", "a", 1), shape(2, "subscribe", "b", 2), shape(2, "subscribe", "a", 2)]
    # Patterns count together with channels ...
    assert send_all(raw, "PSUBSCRIBE", "a*", "a*") == [
        shape(2, "psubscribe", "a*", 3), shape(2, "psubscribe", "a*", 3)]
    # ... shard channels have their own count.
    assert send_all(raw, "SSUBSCRIBE", "s1", "s2") == [
        shape(2, "ssubscribe", "s1", 1), shape(2, "ssubscribe", "s2", 2)]
    assert send_all(raw, "UNSUBSCRIBE", "b", "zz") == [
        shape(2, "unsubscribe", "b", 2), shape(2, "unsubscribe", "zz", 2)]
    assert send_all(raw, "SUNSUBSCRIBE", "s2") == [shape(2, "sunsubscribe", "s2", 1)]
    assert send_all(raw, "PUNSUBSCRIBE") == [shape(2, "punsubscribe", "a*", 1)]
    assert send_all(raw, "UNSUBSCRIBE") == [shape(2, "unsubscribe", "a", 0)]
    # Still in pub/sub mode through the shard channel.
    assert raw.cmd("GET", "x").startswith(b"-ERR Can't execute 'get'")
    assert send_all(raw, "SUNSUBSCRIBE") == [shape(2, "sunsubscribe", "s1", 0)]
    assert raw.cmd("GET", "x") == b"$-1\r\n"


@pytest.mark.parametrize("resp", [2, 3])
def test_unsubscribe_without_subscriptions(raw, resp):
    if resp == 3:
        hello3(raw)
    for kind in ("unsubscribe", "punsubscribe", "sunsubscribe"):
        assert raw.cmd(kind.upper()) == shape(resp, kind, None, 0)
        assert send_all(raw, kind.upper(), "x", "y") == [shape(resp, kind, "x", 0), shape(resp, kind, "y", 0)]


def test_unsubscribe_all_channels_with_patterns_left(raw):
    send_all(raw, "PSUBSCRIBE", "p1", "p2")
    assert raw.cmd("UNSUBSCRIBE") == shape(2, "unsubscribe", None, 2)
    got = send_all(raw, "PUNSUBSCRIBE", n=2)
    assert sorted(got) == sorted([shape(2, "punsubscribe", "p1", 1), shape(2, "punsubscribe", "p2", 0)])
    assert raw.cmd("PING") == b"+PONG\r\n"


def test_unsubscribe_all_replies_once_per_channel(raw):
    send_all(raw, "SUBSCRIBE", "a", "b", "c")
    got = send_all(raw, "UNSUBSCRIBE", n=3)
    names = sorted(g.split(b"\r\n")[4] for g in got)
    assert names == [b"a", b"b", b"c"]
    assert sorted(g.split(b"\r\n")[5] for g in got) == [b":0", b":1", b":2"]


def test_arity(raw):
    for name in ("subscribe", "psubscribe", "ssubscribe"):
        assert raw.cmd(name) == b"-ERR wrong number of arguments for '%b' command\r\n" % name.encode()
    assert raw.cmd("PUBLISH", "a") == b"-ERR wrong number of arguments for 'publish' command\r\n"
    assert raw.cmd("SPUBLISH", "a") == b"-ERR wrong number of arguments for 'spublish' command\r\n"


# ---- the RESP2 subscribed context ------------------------------------------

def test_resp2_subscribed_context(raw):
    raw.cmd("SUBSCRIBE", "a")
    assert raw.cmd("GET", "x") == (
        b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
        b"are allowed in this context\r\n")
    assert raw.cmd("PUBLISH", "a", "x").startswith(b"-ERR Can't execute 'publish'")
    assert raw.cmd("MULTI").startswith(b"-ERR Can't execute 'multi'")
    assert raw.cmd("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    assert raw.cmd("PING", "hi") == b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"
    assert raw.cmd("QUIT") == b"+OK\r\n"
    assert raw.is_closed()


def test_reset_leaves_subscribed_mode_silently(raw, raw_factory):
    send_all(raw, "SUBSCRIBE", "a", "b")
    raw.cmd("PSUBSCRIBE", "p*")
    raw.cmd("SSUBSCRIBE", "s")
    assert raw.cmd("RESET") == b"+RESET\r\n"
    assert raw.cmd("GET", "x") == b"$-1\r\n"
    pub = raw_factory()
    assert pub.cmd("PUBLISH", "a", "m") == b":0\r\n"
    assert pub.cmd("PUBSUB", "NUMPAT") == b":0\r\n"
    assert pub.cmd("PUBSUB", "SHARDCHANNELS") == b"*0\r\n"


# ---- delivery ----------------------------------------------------------------

def test_message_and_pmessage_delivery(raw, raw_factory):
    sub, other = raw_factory(), raw_factory()
    sub.cmd("SUBSCRIBE", "news")
    sub.cmd("PSUBSCRIBE", "n*")
    other.cmd("PSUBSCRIBE", "*s")
    assert raw.cmd("PUBLISH", "news", "hello") == b":3\r\n"
    assert raw.cmd("PUBLISH", "nope", "x") == b":1\r\n"
    assert raw.cmd("PUBLISH", "zzz", "x") == b":0\r\n"
    # The channel subscription first, then the patterns.
    assert received(sub) == [message("news", "hello"), pmessage("n*", "news", "hello"),
                             pmessage("n*", "nope", "x")]
    assert received(other) == [pmessage("*s", "news", "hello")]


def test_binary_and_empty_payloads(raw, raw_factory):
    sub = raw_factory()
    chan = b"c\r\n\x00\xff"
    sub.cmd("SUBSCRIBE", chan)
    assert raw.cmd("PUBLISH", chan, b"") == b":1\r\n"
    assert raw.cmd("PUBLISH", chan, b"\r\n\x00") == b":1\r\n"
    assert received(sub) == [message(chan, b""), message(chan, b"\r\n\x00")]


def test_every_subscriber_gets_every_message_in_order(raw, raw_factory):
    subs = [raw_factory() for _ in range(5)]
    for s in subs:
        s.cmd("SUBSCRIBE", "c")
    raw.send(b"".join(encode_command("PUBLISH", "c", str(i)) for i in range(100)))
    assert [raw.read_reply() for _ in range(100)] == [b":5\r\n"] * 100
    for s in subs:
        assert received(s) == [message("c", str(i)) for i in range(100)]


def test_client_on_two_matching_patterns_gets_both(raw, raw_factory):
    sub = raw_factory()
    send_all(sub, "PSUBSCRIBE", "a*", "*b")
    assert raw.cmd("PUBLISH", "ab", "m") == b":2\r\n"
    assert sorted(received(sub)) == sorted([pmessage("a*", "ab", "m"), pmessage("*b", "ab", "m")])


def test_resp3_subscriber(raw, raw_factory):
    hello3(raw)
    assert raw.cmd("SUBSCRIBE", "a") == shape(3, "subscribe", "a", 1)
    assert raw.cmd("PSUBSCRIBE", "a*") == shape(3, "psubscribe", "a*", 2)
    # Any command works while subscribed in RESP3.
    raw.cmd("SET", "k", "v")
    assert raw.cmd("GET", "k") == b"$1\r\nv\r\n"
    assert raw.cmd("PING") == b"+PONG\r\n"
    raw_factory().cmd("PUBLISH", "a", "m1")
    assert received(raw, 3) == [message("a", "m1", 3), pmessage("a*", "a", "m1", 3)]
    # Publishing to itself: the pushes come before the command's own reply.
    raw.send(encode_command("PUBLISH", "a", "self"))
    assert [raw.read_reply() for _ in range(3)] == [
        message("a", "self", 3), pmessage("a*", "a", "self", 3), b":2\r\n"]


def test_mixed_protocol_subscribers(raw, raw_factory):
    s2, s3 = raw_factory(), raw_factory()
    hello3(s3)
    s2.cmd("SUBSCRIBE", "c")
    s3.cmd("SUBSCRIBE", "c")
    assert raw.cmd("PUBLISH", "c", "x") == b":2\r\n"
    assert received(s2) == [message("c", "x")]
    assert received(s3, 3) == [message("c", "x", 3)]


def test_shard_channels(raw, raw_factory):
    sub, pat = raw_factory(), raw_factory()
    sub.cmd("SSUBSCRIBE", "s")
    sub.cmd("SUBSCRIBE", "s")
    pat.cmd("PSUBSCRIBE", "*")
    assert raw.cmd("SPUBLISH", "s", "m1") == b":1\r\n"
    assert raw.cmd("PUBLISH", "s", "m2") == b":2\r\n"
    assert received(sub) == [shape(2, "smessage", "s", "m1"), message("s", "m2")]
    assert received(pat) == [pmessage("*", "s", "m2")]
    assert raw.cmd("SPUBLISH", "other", "m") == b":0\r\n"


def test_subscribe_inside_multi(raw):
    raw.cmd("MULTI")
    raw.cmd("SUBSCRIBE", "c")
    raw.cmd("SSUBSCRIBE", "s")
    raw.cmd("PING")
    assert raw.cmd("EXEC") == (
        b"*3\r\n" + shape(2, "subscribe", "c", 1)
        + b"-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n"
        + b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
    assert raw.cmd("GET", "x").startswith(b"-ERR Can't execute")


def test_resp3_self_publish_inside_exec_interleaves(raw):
    hello3(raw)
    raw.cmd("SUBSCRIBE", "a")
    raw.cmd("MULTI")
    raw.cmd("PUBLISH", "a", "in")
    raw.cmd("PING")
    raw.send(encode_command("EXEC"))
    # The push sits inside the EXEC array, so a reply parser sees two replies.
    got = b"".join(raw.read_reply() for _ in range(2))
    assert got == b"*2\r\n" + message("a", "in", 3) + b":1\r\n+PONG\r\n"


# ---- glob patterns (the shared pyredis/glob.py) -----------------------------

@pytest.mark.parametrize("pattern, hits, misses", [
    # A pattern never matches the empty channel name (stringmatchlen), even "*".
    ("*", ["anything", "*"], [""]),
    ("**", ["a"], [""]),
    ("", [""], ["a"]),
    ("h?llo", ["hello", "hallo", "h\nllo"], ["hllo", "heello"]),
    ("h*llo", ["hllo", "heeeello"], ["hell"]),
    ("h[ae]llo", ["hello", "hallo"], ["hillo", "hllo"]),
    ("h[^e]llo", ["hallo", "hxllo"], ["hello", "hllo"]),
    ("h[a-b]llo", ["hallo", "hbllo"], ["hcllo"]),
    ("h[b-a]llo", ["hallo", "hbllo"], ["hcllo"]),
    ("h\\*llo", ["h*llo"], ["hello"]),
    ("h\\?", ["h?"], ["ha"]),
    ("h[\\]]", ["h]"], ["h\\"]),
    # An unclosed empty bracket matches nothing.
    ("a[", [], ["a[", "a", "ab"]),
    ("[abc", ["a", "c"], ["d", "[abc"]),
    ("*.x", [".x", "a.b.x"], ["a.xy"]),
    ("[*]", ["*"], ["a"]),
    ("H*", ["Hi"], ["hi"]),
])
def test_pattern_matching(raw, raw_factory, pattern, hits, misses):
    sub = raw_factory()
    sub.cmd("PSUBSCRIBE", pattern)
    for channel in hits:
        assert raw.cmd("PUBLISH", channel, "m") == b":1\r\n", channel
    for channel in misses:
        assert raw.cmd("PUBLISH", channel, "m") == b":0\r\n", channel
    assert received(sub) == [pmessage(pattern, channel, "m") for channel in hits]


# ---- PUBSUB introspection ------------------------------------------------------

def test_pubsub_introspection(raw, raw_factory):
    a, b = raw_factory(), raw_factory()
    send_all(a, "SUBSCRIBE", "news.1", "news.2", "sport")
    b.cmd("SUBSCRIBE", "news.1")
    send_all(a, "PSUBSCRIBE", "n*", "x*")
    b.cmd("PSUBSCRIBE", "n*")
    send_all(b, "SSUBSCRIBE", "sh1", "sh2")
    assert sorted(raw.cmd("PUBSUB", "CHANNELS").split(b"\r\n")[2::2]) == [b"news.1", b"news.2", b"sport"]
    assert raw.cmd("PUBSUB", "CHANNELS", "news.*").startswith(b"*2\r\n")
    assert raw.cmd("PUBSUB", "CHANNELS", "sp?rt") == b"*1\r\n$5\r\nsport\r\n"
    assert raw.cmd("PUBSUB", "CHANNELS", "zz*") == b"*0\r\n"
    assert raw.cmd("PUBSUB", "NUMSUB", "news.1", "sport", "none") == (
        b"*6\r\n$6\r\nnews.1\r\n:2\r\n$5\r\nsport\r\n:1\r\n$4\r\nnone\r\n:0\r\n")
    assert raw.cmd("PUBSUB", "NUMSUB") == b"*0\r\n"
    # Distinct patterns, not pattern subscriptions.
    assert raw.cmd("PUBSUB", "NUMPAT") == b":2\r\n"
    assert sorted(raw.cmd("PUBSUB", "SHARDCHANNELS").split(b"\r\n")[2::2]) == [b"sh1", b"sh2"]
    assert raw.cmd("PUBSUB", "SHARDCHANNELS", "*2") == b"*1\r\n$3\r\nsh2\r\n"
    assert raw.cmd("PUBSUB", "SHARDNUMSUB", "sh1", "x") == b"*4\r\n$3\r\nsh1\r\n:1\r\n$1\r\nx\r\n:0\r\n"
    assert raw.cmd("PUBSUB", "SHARDNUMSUB") == b"*0\r\n"
    # Unsubscribing the last subscriber removes the channel.
    b.cmd("UNSUBSCRIBE", "news.1")
    send_all(a, "UNSUBSCRIBE", "news.1", "news.2")
    assert raw.cmd("PUBSUB", "CHANNELS") == b"*1\r\n$5\r\nsport\r\n"


def test_pubsub_introspection_resp3_stays_arrays(raw, raw_factory):
    hello3(raw)
    raw_factory().cmd("SUBSCRIBE", "c")
    assert raw.cmd("PUBSUB", "NUMSUB", "c") == b"*2\r\n$1\r\nc\r\n:1\r\n"
    assert raw.cmd("PUBSUB", "CHANNELS") == b"*1\r\n$1\r\nc\r\n"


def test_pubsub_errors_and_help(raw):
    assert raw.cmd("pubsub", "channels", "a", "b") == (
        b"-ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.\r\n")
    assert raw.cmd("PUBSUB", "SHARDCHANNELS", "a", "b") == (
        b"-ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP.\r\n")
    assert raw.cmd("PUBSUB", "NUMPAT", "x") == b"-ERR wrong number of arguments for 'pubsub|numpat' command\r\n"
    assert raw.cmd("PUBSUB", "foo") == b"-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n"
    assert raw.cmd("PUBSUB") == b"-ERR wrong number of arguments for 'pubsub' command\r\n"
    help_reply = raw.cmd("PUBSUB", "HELP")
    assert help_reply.startswith(b"*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n")
    assert help_reply.endswith(b"+HELP\r\n+    Prints this help.\r\n")


# ---- cleanup on disconnect -----------------------------------------------------

def test_disconnected_subscriber_leaves_no_trace(raw, raw_factory):
    sub = raw_factory()
    send_all(sub, "SUBSCRIBE", "c1", "c2")
    sub.cmd("PSUBSCRIBE", "p*")
    sub.cmd("SSUBSCRIBE", "s")
    stay = raw_factory()
    stay.cmd("SUBSCRIBE", "c1")
    sub.close()
    deadline = time.time() + 2
    while raw.cmd("PUBSUB", "NUMPAT") != b":0\r\n" and time.time() < deadline:
        time.sleep(0.01)
    assert raw.cmd("PUBSUB", "NUMSUB", "c1", "c2") == b"*4\r\n$2\r\nc1\r\n:1\r\n$2\r\nc2\r\n:0\r\n"
    assert raw.cmd("PUBSUB", "CHANNELS") == b"*1\r\n$2\r\nc1\r\n"
    assert raw.cmd("PUBSUB", "SHARDCHANNELS") == b"*0\r\n"
    assert raw.cmd("PUBLISH", "p1", "x") == b":0\r\n"
    assert raw.cmd("PUBLISH", "c1", "x") == b":1\r\n"


# ---- slow subscribers and client-output-buffer-limit -------------------------

def _lazy_subscriber(port, channel):
    """A subscriber with a tiny receive buffer that never reads after subscribing."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(encode_command("SUBSCRIBE", channel))
    s.settimeout(5)
    got = b""
    while not got.endswith(b":1\r\n"):
        got += s.recv(100)
    return s


def _closed(sock, timeout=5.0):
    """True once the server has closed ``sock`` (drains whatever was still in flight)."""
    sock.settimeout(0.2)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if not sock.recv(1 << 20):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def _numsub(client, channel):
    return int(client.cmd("PUBSUB", "NUMSUB", channel).split(b"\r\n")[-2][1:])


def test_hard_limit_disconnects_slow_subscriber(start_server):
    proc = start_server("--client-output-buffer-limit", "pubsub 256kb 0 0")
    pub = RawClient(proc.port)
    slow = _lazy_subscriber(proc.port, "c")
    fast = RawClient(proc.port)
    fast.cmd("SUBSCRIBE", "c")
    payload = b"x" * 65536
    start = time.time()
    # Publishing never waits for the slow reader.
    for _ in range(40):
        pub.send(b"".join(encode_command("PUBLISH", "c", payload) for _ in range(5)))
        replies = [pub.read_reply() for _ in range(5)]
        assert all(r in (b":1\r\n", b":2\r\n") for r in replies)
        fast.read_all(0)
        if _numsub(pub, "c") == 1:
            break
    assert time.time() - start < 10
    assert _numsub(pub, "c") == 1
    assert _closed(slow)
    assert pub.cmd("PUBLISH", "c", "x") == b":1\r\n"
    assert "overcoming of output buffer limits" in proc.log()
    pub.close()
    fast.close()


def test_soft_limit_disconnects_after_soft_seconds(start_server):
    proc = start_server("--client-output-buffer-limit", "pubsub 0 128kb 0")
    pub = RawClient(proc.port)
    slow = _lazy_subscriber(proc.port, "c")
    payload = b"x" * 65536
    # Over the soft limit: the clock starts; it takes another second over it to go.
    deadline = time.time() + 10
    while _numsub(pub, "c") == 1 and time.time() < deadline:
        pub.send(b"".join(encode_command("PUBLISH", "c", payload) for _ in range(8)))
        for _ in range(8):
            pub.read_reply()
        time.sleep(0.1)
    assert _numsub(pub, "c") == 0
    assert _closed(slow)
    pub.close()


def test_reader_under_soft_limit_stays(start_server):
    proc = start_server("--client-output-buffer-limit", "pubsub 0 128kb 0")
    pub = RawClient(proc.port)
    sub = RawClient(proc.port)
    sub.cmd("SUBSCRIBE", "c")
    for _ in range(30):
        assert pub.cmd("PUBLISH", "c", b"y" * 20000) == b":1\r\n"
        assert sub.read_reply() == message("c", b"y" * 20000)
    assert _numsub(pub, "c") == 1
    pub.close()
    sub.close()


def test_limit_changed_with_config_set(start_server):
    proc = start_server()
    pub = RawClient(proc.port)
    assert pub.cmd("CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 0 0") == b"+OK\r\n"
    slow = _lazy_subscriber(proc.port, "c")
    # One message bigger than the hard limit is enough.
    assert pub.cmd("PUBLISH", "c", b"z" * 200000) == b":1\r\n"
    assert _numsub(pub, "c") == 0
    assert _closed(slow)
    pub.close()


def test_client_reply_off_does_not_silence_pubsub(raw, raw_factory):
    raw.send(encode_command("CLIENT", "REPLY", "OFF") + encode_command("SUBSCRIBE", "a"))
    assert raw.read_reply() == shape(2, "subscribe", "a", 1)
    raw_factory().cmd("PUBLISH", "a", "m")
    raw.send(encode_command("PING") + encode_command("UNSUBSCRIBE") + encode_command("CLIENT", "REPLY", "ON"))
    assert [raw.read_reply() for _ in range(3)] == [
        message("a", "m"), shape(2, "unsubscribe", "a", 0), b"+OK\r\n"]


# ---- in-process: the registry never keeps an empty entry ----------------------

def test_registry_keeps_no_empty_entries():
    from pyredis.client import Client
    from pyredis.config import Config
    from pyredis.dispatch import execute
    from pyredis.server import Server
    server = Server(Config(), lambda level, msg: None)
    socks = []

    def client():
        a, b = socket.socketpair()
        socks.extend((a, b))
        c = Client(server, a, server.next_client_id)
        server.next_client_id += 1
        server.clients[c.id] = c
        return c

    ps = server.pubsub
    a, b = client(), client()
    execute(a, [b"SUBSCRIBE", b"c1", b"c2"])
    execute(a, [b"PSUBSCRIBE", b"p*"])
    execute(a, [b"SSUBSCRIBE", b"s"])
    execute(b, [b"SUBSCRIBE", b"c1"])
    execute(b, [b"PSUBSCRIBE", b"p*", b"q*"])
    assert a.subscriptions == 4 and b.subscriptions == 3
    execute(b, [b"PUNSUBSCRIBE", b"q*"])
    assert set(ps.patterns) == set(ps.matchers) == {b"p*"}
    server.free_client(a)
    assert ps.channels == {b"c1": {b: None}}
    assert ps.patterns == {b"p*": {b: None}} and ps.shard_channels == {}
    execute(b, [b"UNSUBSCRIBE"])
    execute(b, [b"PUNSUBSCRIBE"])
    assert ps.channels == {} and ps.patterns == {} and ps.matchers == {}
    assert b.subscriptions == 0
    for s in socks:
        s.close()
