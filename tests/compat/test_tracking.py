"""Client-side caching against redis-server: invalidation pushes, redirection, BCAST, OPTIN/OPTOUT.

Each scenario runs on both servers with its own connections; replies are
compared byte for byte except client ids, which differ between the servers.
"""
import re
import socket
import time

import pytest

_ID = re.compile(rb":\d+\r\n")


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))

    def tx(self, data=b"", wait=0.03):
        if data:
            self.sock.sendall(data)
        time.sleep(wait)
        out = b""
        self.sock.settimeout(0.1)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
        return out

    def client_id(self):
        return int(self.tx(b"CLIENT ID\r\n")[1:-2])

    def close(self):
        self.sock.close()


def scenario(port):
    out = []
    a, b, w = Conn(port), Conn(port), Conn(port)
    a.tx(b"HELLO 3\r\n")
    out.append(a.tx(b"CLIENT TRACKING ON\r\nSET k v\r\nGET k\r\nMGET k k2\r\n"))
    out.append(w.tx(b"SET k v2\r\nDEL k2\r\nSET k v3\r\n"))
    out.append(a.tx(b"PING\r\n"))
    out.append(a.tx(b"GET k\r\nSET k x\r\n"))
    out.append(a.tx(b"CLIENT TRACKING ON NOLOOP\r\nGET k\r\nSET k y\r\n"))
    out.append(a.tx(b"GET k\r\n"))
    out.append(w.tx(b"FLUSHALL\r\n"))
    out.append(a.tx(b"PING\r\n"))
    out.append(a.tx(b"CLIENT TRACKINGINFO\r\nCLIENT GETREDIR\r\nCLIENT TRACKING OFF\r\n"
                    b"CLIENT TRACKINGINFO\r\n"))
    bid = b.client_id()
    out.append(b.tx(b"SUBSCRIBE __redis__:invalidate\r\n"))
    c = Conn(port)
    out.append(c.tx(b"CLIENT TRACKING ON REDIRECT %d\r\nGET z\r\n" % bid))
    out.append(w.tx(b"SET z 1\r\n"))
    out.append(b.tx())
    out.append(c.tx(b"CLIENT TRACKING ON BCAST PREFIX a PREFIX b REDIRECT %d\r\n" % bid))
    d = Conn(port)
    d.tx(b"HELLO 3\r\n")
    out.append(d.tx(b"CLIENT TRACKING ON BCAST PREFIX a PREFIX b\r\n"))
    out.append(w.tx(b"SET a1 1\r\nSET b1 1\r\nSET c1 1\r\nMSET a3 1 a2 2\r\n"))
    out.append(d.tx())
    out.append(d.tx(b"CLIENT TRACKING OFF\r\nCLIENT TRACKING ON OPTIN\r\nCLIENT CACHING YES\r\n"
                    b"GET q\r\nGET r\r\n"))
    out.append(w.tx(b"SET q 1\r\nSET r 1\r\n"))
    out.append(d.tx())
    out.append(d.tx(b"CLIENT CACHING NO\r\nCLIENT TRACKING ON OPTIN OPTOUT\r\n"
                    b"CLIENT TRACKING ON REDIRECT 99999\r\nCLIENT TRACKING foo\r\n"
                    b"CLIENT TRACKING ON PREFIX a\r\nCLIENT TRACKING ON BCAST PREFIX a\r\n"
                    b"CLIENT TRACKING ON OPTOUT\r\nCLIENT TRACKING ON REDIRECT x\r\n"
                    b"CLIENT TRACKING ON REDIRECT 1 REDIRECT 1\r\nCLIENT CACHING maybe\r\n"))
    out.append(d.tx(b"CLIENT TRACKING OFF\r\nCLIENT CACHING YES\r\n"
                    b"CLIENT TRACKING ON BCAST PREFIX ab PREFIX a\r\n"
                    b"CLIENT TRACKING ON BCAST PREFIX x\r\nCLIENT TRACKING ON BCAST PREFIX xy\r\n"
                    b"CLIENT TRACKINGINFO\r\n"))
    e = Conn(port)
    e.tx(b"HELLO 3\r\n")
    e.tx(b"CLIENT TRACKING ON REDIRECT %d\r\nGET zz\r\n" % c.client_id())
    c.close()
    time.sleep(0.1)
    out.append(e.tx(b"PING\r\n"))
    out.append(w.tx(b"SET zz 1\r\n"))
    out.append(e.tx(b"CLIENT TRACKINGINFO\r\n"))
    f = Conn(port)
    f.tx(b"HELLO 3\r\n")
    out.append(f.tx(b"CLIENT TRACKING ON OPTOUT\r\nCLIENT CACHING NO\r\nGET o1\r\nGET o2\r\n"
                    b"MULTI\r\nGET o3\r\nEXEC\r\n"))
    out.append(w.tx(b"MSET o1 1 o2 2 o3 3\r\n"))
    out.append(f.tx())
    for conn in (a, b, w, d, e, f):
        conn.close()
    return [_ID.sub(b":<id>\r\n", x) for x in out]


def test_tracking_scenario(server, real_redis):
    ours = scenario(server.port)
    theirs = scenario(real_redis.port)
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert o == t, (i, o, t)


def test_tracking_info_fields(pair):
    from respclient import parse
    pair.run("CLIENT", "TRACKING", "ON")
    pair.run("GET", "x")
    for side in (pair.ours, pair.theirs):
        info = side.cmd("INFO", "clients")
        assert b"tracking_clients:1" in info
    pair.run("CLIENT", "TRACKING", "OFF")


def _flush_scenario(port):
    w = Conn(port)
    w.tx(b"SET a 1\r\n")
    a = Conn(port)
    a.tx(b"CLIENT TRACKING ON\r\nGET a\r\nGET b\r\n")
    a.close()
    time.sleep(0.1)
    out = [w.tx(b"FLUSHDB\r\nINFO stats\r\n")]
    w.close()
    return [x for x in out[0].split(b"\r\n") if x.startswith(b"tracking_total_")]


def test_flush_empties_the_table_with_no_tracking_client(server, real_redis):
    # trackingInvalidateKeysOnFlush frees the table whoever still tracks.
    assert _flush_scenario(server.port) == _flush_scenario(real_redis.port) == [
        b"tracking_total_keys:0", b"tracking_total_items:0", b"tracking_total_prefixes:0"]


def _bcast_scenario(port):
    out = []
    w, d, e, g, h = Conn(port), Conn(port), Conn(port), Conn(port), Conn(port)
    for conn in (d, e, g, h):
        conn.tx(b"HELLO 3\r\n")
    out.append(h.tx(b"CLIENT TRACKING ON BCAST\r\n"))
    out.append(d.tx(b"CLIENT TRACKING ON BCAST PREFIX b PREFIX a PREFIX zz\r\n"))
    out.append(w.tx(b"SET b2 1\r\nSET a9 1\r\nSET a10 1\r\nSET c 1\r\nMSET b1 1 a5 2 ab 3 a 0\r\n"
                    b"DEL a9 nosuch\r\nSET zz 1\r\nSET z\xff 1\r\n"))
    out.append(d.tx())
    out.append(h.tx())
    out.append(e.tx(b"CLIENT TRACKING ON BCAST PREFIX x NOLOOP\r\nSET x1 1\r\nMSET x3 3 x2 2\r\n"))
    out.append(h.tx())
    out.append(w.tx(b"SET x9 1\r\n"))
    out.append(e.tx())
    # A prefix registered in the middle of a pipeline hears only of later changes.
    out.append(g.tx(b"SET m1 1\r\nCLIENT TRACKING ON BCAST PREFIX m\r\nSET m2 1\r\n"
                    b"CLIENT TRACKING ON BCAST PREFIX n\r\nSET n1 1\r\nSET m3 1\r\n"))
    out.append(h.tx())
    out.append(g.tx(b"CLIENT TRACKING OFF\r\nSET m4 1\r\n"))
    out.append(h.tx())
    out.append(h.tx(b"CLIENT TRACKING OFF\r\nSET q 1\r\nPING\r\n"))
    for conn in (w, d, e, g, h):
        conn.close()
    return out


def test_bcast_prefixes_noloop_and_late_registration(server, real_redis):
    ours = _bcast_scenario(server.port)
    theirs = _bcast_scenario(real_redis.port)
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert o == t, (i, o, t)


def _script_scenario(port):
    # call(): a script's reads are remembered for its tracking caller as the
    # keys the caller's command names; a read-only script's own keys are not.
    out = []
    a, w = Conn(port), Conn(port)
    a.tx(b"HELLO 3\r\n")
    out.append(a.tx(b"CLIENT TRACKING ON\r\n"
                    b"EVAL \"return redis.call('get', 'undeclared')\" 2 s1 s2\r\n"
                    b"EVAL_RO \"return 1\" 1 r1\r\n"
                    b"EVAL_RO \"return redis.call('exists', KEYS[1])\" 1 r2\r\n"
                    b"EVAL \"return redis.call('set', KEYS[1], 1)\" 1 s3\r\n"))
    out.append(w.tx(b"MSET s1 1 s2 1 s3 1 r1 1 r2 1 undeclared 1\r\n"))
    out.append(a.tx(b"PING\r\n"))
    out.append(a.tx(b"CLIENT TRACKING ON OPTIN\r\n"
                    b"EVAL \"return redis.call('get', KEYS[1])\" 1 o1\r\n"
                    b"CLIENT CACHING YES\r\nEVAL \"return redis.call('get', KEYS[1])\" 1 o2\r\n"))
    out.append(w.tx(b"MSET o1 1 o2 2\r\n"))
    out.append(a.tx(b"PING\r\n"))
    for conn in (a, w):
        conn.close()
    return out


def test_reads_in_scripts_are_tracked_for_the_caller(server, real_redis):
    ours = _script_scenario(server.port)
    theirs = _script_scenario(real_redis.port)
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert o == t, (i, o, t)
    assert b"s1" in theirs[2] and b"r2" in theirs[2] and b"o2" in theirs[5]


def _limit_scenario(port):
    # trackingLimitUsedSlots runs before every command (one key per command
    # here), and in cron: after CONFIG SET an idle server trims too.
    a, w = Conn(port), Conn(port)
    # A flush empties the table of keys earlier tests' clients read.
    w.tx(b"FLUSHALL\r\n")
    out = [w.tx(b"CONFIG SET tracking-table-max-keys 2\r\n")]
    a.tx(b"HELLO 3\r\nCLIENT TRACKING ON\r\n")
    # Redis picks the keys at random, pyredis the oldest.
    out.append(re.sub(rb"k[1-5]", b"k", a.tx(b"GET k1\r\nGET k2\r\nGET k3\r\nGET k4\r\n"
                                               b"GET k5\r\nPING\r\n", wait=0.1)))
    w.tx(b"CONFIG SET tracking-table-max-keys 1000000\r\n")
    a.tx(b"".join(b"GET k%d\r\n" % i for i in range(300)), wait=0.2)
    out.append(w.tx(b"CONFIG SET tracking-table-max-keys 10\r\n", wait=0.5))
    info = w.tx(b"INFO stats\r\n")
    out.append([x for x in info.split(b"\r\n") if x.startswith(b"tracking_total_keys")])
    out.append(a.tx(b"PING\r\n", wait=0.2).count(b">2\r\n$10\r\ninvalidate\r\n"))
    out.append(w.tx(b"CONFIG SET tracking-table-max-keys 1000000\r\n"))
    a.close()
    w.close()
    return out


def test_table_limit_before_every_command_and_in_cron(server, real_redis):
    ours = _limit_scenario(server.port)
    assert ours == _limit_scenario(real_redis.port)
    assert ours[1] == b"_\r\n" * 3 + b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk\r\n_\r\n" * 2 + (
        b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk\r\n+PONG\r\n")
    assert ours[3] == [b"tracking_total_keys:10"]
