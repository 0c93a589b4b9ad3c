"""Pub/Sub, byte for byte against redis-server: what every subscriber receives, in order."""
import time

import pytest

from respclient import encode_command

FENCE = b"--fence--"
_FENCES = (b"$%d\r\n%b\r\n" % (len(FENCE), FENCE), b"*2\r\n$4\r\npong\r\n$%d\r\n%b\r\n" % (len(FENCE), FENCE))


def collect(client):
    """Every reply ``client`` got before a PING sent now."""
    client.send(encode_command("PING", FENCE))
    out = []
    while True:
        reply = client.read_reply()
        if reply in _FENCES:
            return out
        out.append(reply)


def same_received(pair, sort=False):
    """Both subscribers got the same replies (sorted where Redis's order is its hash order)."""
    mine, oracle = collect(pair.ours), collect(pair.theirs)
    if sort:
        mine, oracle = sorted(mine), sorted(oracle)
    assert mine == oracle, "\n  pyredis: %r\n  redis:   %r" % (mine, oracle)
    return mine


def send_both(pair, *args, replies=None):
    """Send one command to both; compare its ``replies`` replies (default: one per argument)."""
    n = replies if replies is not None else max(len(args) - 1, 1)
    pair.ours.send(encode_command(*args))
    pair.theirs.send(encode_command(*args))
    mine = [pair.ours.read_reply() for _ in range(n)]
    oracle = [pair.theirs.read_reply() for _ in range(n)]
    assert mine == oracle, "%r\n  pyredis: %r\n  redis:   %r" % (args, mine, oracle)
    return mine


def resp3(pair):
    """HELLO 3 on both (its reply holds the client id, which differs)."""
    for client in (pair.ours, pair.theirs):
        assert client.cmd("HELLO", "3").startswith(b"%")


def settle(pair):
    """Wait until clients closed by earlier tests have left every channel on both servers."""
    deadline = time.time() + 2
    while time.time() < deadline:
        state = [c.cmd("PUBSUB", "CHANNELS") + c.cmd("PUBSUB", "NUMPAT") + c.cmd("PUBSUB", "SHARDCHANNELS")
                 for c in (pair.ours, pair.theirs)]
        if state == [b"*0\r\n:0\r\n*0\r\n"] * 2:
            return
        time.sleep(0.02)
    raise AssertionError("subscriptions left over: %r" % state)


@pytest.fixture
def pub(pair):
    settle(pair)
    return pair


@pytest.fixture
def sub(pair_factory):
    return pair_factory()


@pytest.mark.parametrize("proto", [2, 3])
def test_confirmations_and_counts(sub, proto):
    if proto == 3:
        resp3(sub)
    for kind in ("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"):
        send_both(sub, kind)
        send_both(sub, kind, "x", "y")
    send_both(sub, "SUBSCRIBE", "a", "b", "a")
    send_both(sub, "PSUBSCRIBE", "a*", "a*", "b?")
    send_both(sub, "SSUBSCRIBE", "s1", "s2", "s1")
    send_both(sub, "UNSUBSCRIBE", "b", "zz", "a")
    send_both(sub, "UNSUBSCRIBE")
    send_both(sub, "PUNSUBSCRIBE", "b?")
    send_both(sub, "SUNSUBSCRIBE", "s2")
    send_both(sub, "SUNSUBSCRIBE")
    send_both(sub, "PUNSUBSCRIBE")
    sub.run("GET", "x")
    sub.run("PING")


def test_resp2_context(sub):
    send_both(sub, "SUBSCRIBE", "c")
    for cmd in (("GET", "x"), ("PUBLISH", "c", "x"), ("MULTI",), ("pubsub", "numpat"), ("SELECT", "0"),
                ("ECHO", "e"), ("PING",), ("PING", "msg"), ("NOSUCH",), ("SUBSCRIBE",)):
        sub.run(*cmd)
    send_both(sub, "SSUBSCRIBE", "s")
    send_both(sub, "UNSUBSCRIBE")
    sub.run("GET", "x")
    send_both(sub, "SUNSUBSCRIBE")
    sub.run("GET", "x")
    sub.run("QUIT")


def test_reset_in_subscribed_context(sub):
    send_both(sub, "SUBSCRIBE", "c")
    send_both(sub, "PSUBSCRIBE", "p*")
    sub.run("RESET")
    sub.run("GET", "x")
    sub.run("PUBSUB", "NUMSUB", "c")
    sub.run("PUBSUB", "NUMPAT")


@pytest.mark.parametrize("proto", [2, 3])
def test_delivery(pub, sub, pair_factory, proto):
    other = pair_factory()
    if proto == 3:
        resp3(sub)
    send_both(sub, "SUBSCRIBE", "news", "sport")
    send_both(sub, "PSUBSCRIBE", "n*")
    send_both(other, "PSUBSCRIBE", "*s")
    send_both(other, "SSUBSCRIBE", "news")
    for channel, data in (("news", "hello"), ("sport", ""), ("nope", "x"), ("zzz", "y"), ("news", "a\r\nb")):
        pub.run("PUBLISH", channel, data)
    pub.run("SPUBLISH", "news", "shard")
    pub.run("SPUBLISH", "sport", "none")
    same_received(sub)
    same_received(other)


def test_binary_channels(pub, sub):
    send_both(sub, "SUBSCRIBE", b"c\x00\xff\r\n")
    send_both(sub, "PSUBSCRIBE", b"c\x00*")
    pub.run("PUBLISH", b"c\x00\xff\r\n", b"\x00\x01")
    pub.run("PUBLISH", b"c\x00", b"m")
    same_received(sub)


def test_empty_channel_name(pub, sub):
    send_both(sub, "SUBSCRIBE", "")
    send_both(sub, "PSUBSCRIBE", "*")
    pub.run("PUBLISH", "", "x")
    pub.run("PUBSUB", "CHANNELS", "*")
    pub.run("PUBSUB", "CHANNELS", "")
    same_received(sub)


def test_two_patterns_matching(pub, sub):
    send_both(sub, "PSUBSCRIBE", "a*", "*b")
    pub.run("PUBLISH", "ab", "m")
    # One pmessage per pattern; Redis's order between them is its dict order.
    same_received(sub, sort=True)


def test_many_messages_in_order(pub, sub, pair_factory):
    subs = [sub] + [pair_factory() for _ in range(3)]
    for s in subs:
        send_both(s, "SUBSCRIBE", "c")
    data = b"".join(encode_command("PUBLISH", "c", "m%d" % i) for i in range(200))
    pub.send_raw(data)
    for s in subs:
        same_received(s)


def test_resp3_any_command_and_self_publish(sub):
    resp3(sub)
    send_both(sub, "SUBSCRIBE", "a")
    send_both(sub, "PSUBSCRIBE", "a*")
    sub.run("SET", "k", "v")
    sub.run("GET", "k")
    sub.run("PING")
    sub.run("PING", "x")
    send_both(sub, "PUBLISH", "a", "self", replies=3)
    send_both(sub, "SPUBLISH", "a", "self", replies=1)


def test_resp3_self_publish_inside_exec(sub):
    resp3(sub)
    send_both(sub, "SUBSCRIBE", "a")
    sub.run("MULTI")
    sub.run("PUBLISH", "a", "in")
    sub.run("SET", "k", "v")
    # The push lands inside the EXEC array: the raw parser sees two replies.
    send_both(sub, "EXEC", replies=2)


@pytest.mark.parametrize("proto", [2, 3])
def test_subscribe_inside_multi(sub, proto):
    if proto == 3:
        resp3(sub)
    sub.run("MULTI")
    sub.run("SUBSCRIBE", "c")
    sub.run("PSUBSCRIBE", "p*")
    sub.run("SSUBSCRIBE", "s")
    sub.run("PING")
    sub.run("EXEC")
    sub.run("GET", "x")
    sub.run("PING")
    sub.run("MULTI")
    sub.run("PUNSUBSCRIBE")
    sub.run("UNSUBSCRIBE", "c", "d")
    send_both(sub, "EXEC", replies=2)
    sub.run("GET", "x")


@pytest.mark.parametrize("pattern", [
    "*", "**", "", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "h\\*llo", "h\\?",
    "h[\\]]", "a[", "[abc", "*.x", "[*]", "H*", "h[a-]", "h[]", "h\\", "[^]", "*a*b", "?",
])
def test_pattern_matching(pub, sub, pattern):
    send_both(sub, "PSUBSCRIBE", pattern)
    for channel in ("", "hello", "hallo", "hxllo", "h\nllo", "hllo", "heello", "hcllo", "h*llo", "h?",
                    "ha", "h]", "h\\", "h-", "a[", "a", "c", "[abc", ".x", "a.b.x", "a.xy", "*", "Hi", "hi",
                    "xaxb", "ab"):
        pub.run("PUBLISH", channel, "m")
    same_received(sub)


def test_pubsub_command(pub, sub, pair_factory):
    other = pair_factory()
    send_both(sub, "SUBSCRIBE", "news.1")
    send_both(other, "SUBSCRIBE", "news.1")
    send_both(sub, "PSUBSCRIBE", "n*")
    send_both(other, "PSUBSCRIBE", "n*")
    send_both(other, "SSUBSCRIBE", "sh1")
    for cmd in (
            ("PUBSUB", "CHANNELS"), ("PUBSUB", "CHANNELS", "news.*"), ("PUBSUB", "CHANNELS", "x*"),
            ("PUBSUB", "NUMSUB", "news.1", "none"), ("PUBSUB", "NUMSUB"), ("PUBSUB", "NUMPAT"),
            ("PUBSUB", "SHARDCHANNELS"), ("PUBSUB", "SHARDCHANNELS", "sh*"), ("PUBSUB", "SHARDCHANNELS", "z"),
            ("PUBSUB", "SHARDNUMSUB", "sh1", "sh2"), ("PUBSUB", "SHARDNUMSUB"), ("PUBSUB", "HELP"),
            ("pubsub", "help"), ("PUBSUB", "CHANNELS", "a", "b"), ("pubsub", "shardchannels", "a", "b"),
            ("PUBSUB", "NUMPAT", "x"), ("PUBSUB", "HELP", "x"), ("PUBSUB", "foo"), ("PUBSUB",),
            ("PUBLISH", "a"), ("SPUBLISH", "a"), ("SUBSCRIBE",), ("PSUBSCRIBE",), ("SSUBSCRIBE",)):
        pub.run(*cmd)
    resp3(pub)
    pub.run("PUBSUB", "NUMSUB", "news.1")
    pub.run("PUBSUB", "SHARDNUMSUB", "sh1")
    pub.run("PUBSUB", "HELP")


def test_disconnect_cleans_up(pub, pair_factory):
    gone = pair_factory()
    send_both(gone, "SUBSCRIBE", "c")
    send_both(gone, "PSUBSCRIBE", "p*")
    send_both(gone, "SSUBSCRIBE", "s")
    gone.close()
    time.sleep(0.1)
    pub.run("PUBSUB", "NUMSUB", "c")
    pub.run("PUBSUB", "NUMPAT")
    pub.run("PUBSUB", "SHARDCHANNELS")
    pub.run("PUBLISH", "c", "x")
    pub.run("PUBLISH", "p1", "x")


@pytest.mark.parametrize("proto", [2, 3])
def test_client_reply_off(pub, sub, proto):
    if proto == 3:
        resp3(sub)
    for client in (sub.ours, sub.theirs):
        client.send(encode_command("CLIENT", "REPLY", "OFF") + encode_command("SUBSCRIBE", "a")
                    + encode_command("PING"))
    time.sleep(0.05)
    pub.run("PUBLISH", "a", "m")
    for client in (sub.ours, sub.theirs):
        client.send(encode_command("GET", "x") + encode_command("UNSUBSCRIBE")
                    + encode_command("CLIENT", "REPLY", "ON"))
    same_received(sub)


def test_client_reply_off_does_not_silence_pushes(pair_factory):
    subscriber, publisher = pair_factory(), pair_factory()
    subscriber.send_raw(b"CLIENT REPLY OFF\r\nSUBSCRIBE ch\r\n")
    publisher.run("PUBLISH", "ch", "hello")
    assert subscriber.send_raw(b"") == b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n"
    subscriber.send_raw(b"UNSUBSCRIBE\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\n")
    resp3 = pair_factory()
    for client in (resp3.ours, resp3.theirs):
        client.cmd("HELLO", "3")
    resp3.send_raw(b"CLIENT REPLY SKIP\r\nSUBSCRIBE x\r\nPING\r\n")
