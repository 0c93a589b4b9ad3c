"""Stream commands against a live pyredis: what the compat run cannot pin (times, blocking,
WATCH, notifications, copies), plus the container's own invariants."""
import time

import pytest

from respclient import RawClient, bulk, encode_command, keyevents, parse

from pyredis.types.stream import MAX_ID, Stream, format_id, make_id
from pyredis.types.stream_node import decode, from_listpack


def xadd(raw, key, sid, *fields):
    return raw.cmd("XADD", key, sid, *(fields or ("f", "v")))


# ---- XADD IDs ----------------------------------------------------------------------------------

def test_auto_ids_follow_the_clock_and_stay_increasing(raw):
    before = int(time.time() * 1000)
    first = parse(xadd(raw, "s", "*"))
    ms, seq = map(int, first.split(b"-"))
    assert before - 5 <= ms <= int(time.time() * 1000) + 5 and seq == 0
    ids = [parse(xadd(raw, "s", "*")) for _ in range(50)]
    keys = [tuple(map(int, i.split(b"-"))) for i in [first] + ids]
    assert keys == sorted(set(keys))


def test_auto_id_after_a_future_explicit_id(raw):
    assert xadd(raw, "s", "99999999999999-5") == bulk("99999999999999-5")
    assert xadd(raw, "s", "*") == bulk("99999999999999-6")
    assert xadd(raw, "s", "99999999999999-*") == bulk("99999999999999-7")


def test_last_possible_id_exhausts_the_stream(raw):
    top = "18446744073709551615-18446744073709551615"
    assert xadd(raw, "s", top) == bulk(top)
    assert raw.cmd("XADD", "s", "*", "f", "v").startswith(b"-ERR The stream has exhausted")


# ---- groups and times --------------------------------------------------------------------------

def test_xpending_idle_and_delivery_counts(raw):
    for i in range(1, 4):
        xadd(raw, "s", "%d-0" % i)
    raw.cmd("XGROUP", "CREATE", "s", "g", "0")
    raw.cmd("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    time.sleep(0.12)
    rows = parse(raw.cmd("XPENDING", "s", "g", "-", "+", "10"))
    assert [r[0] for r in rows] == [b"1-0", b"2-0", b"3-0"]
    assert all(r[1] == b"alice" and r[2] >= 100 and r[3] == 1 for r in rows)
    assert parse(raw.cmd("XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10")) == []
    assert len(parse(raw.cmd("XPENDING", "s", "g", "IDLE", "100", "-", "+", "10"))) == 3
    # Reading its history again counts a delivery and resets the idle time.
    raw.cmd("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    rows = parse(raw.cmd("XPENDING", "s", "g", "-", "+", "10"))
    assert all(r[2] < 100 and r[3] == 2 for r in rows)


def test_xclaim_idle_time_and_retrycount(raw):
    xadd(raw, "s", "1-0")
    raw.cmd("XGROUP", "CREATE", "s", "g", "0")
    raw.cmd("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    assert raw.cmd("XCLAIM", "s", "g", "b", "60000", "1-0") == b"*0\r\n"
    now = int(time.time() * 1000)
    claimed = raw.cmd("XCLAIM", "s", "g", "b", "0", "1-0", "IDLE", "5000", "RETRYCOUNT", "7")
    assert parse(claimed) == [[b"1-0", [b"f", b"v"]]]
    row = parse(raw.cmd("XPENDING", "s", "g", "-", "+", "1"))[0]
    assert row[1] == b"b" and 5000 <= row[2] < 6000 and row[3] == 7
    raw.cmd("XCLAIM", "s", "g", "c", "0", "1-0", "TIME", str(now - 3000), "JUSTID")
    row = parse(raw.cmd("XPENDING", "s", "g", "-", "+", "1"))[0]
    assert row[1] == b"c" and 3000 <= row[2] < 4000 and row[3] == 7
    # A TIME in the future is taken as now.
    raw.cmd("XCLAIM", "s", "g", "c", "0", "1-0", "TIME", str(now + 10 ** 9))
    assert parse(raw.cmd("XPENDING", "s", "g", "-", "+", "1"))[0][2] < 1000


def test_xinfo_times(raw):
    xadd(raw, "s", "1-0")
    raw.cmd("XGROUP", "CREATE", "s", "g", "0")
    before = int(time.time() * 1000)
    raw.cmd("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    time.sleep(0.05)
    consumers = parse(raw.cmd("XINFO", "CONSUMERS", "s", "g"))
    assert consumers[0][:4] == [b"name", b"a", b"pending", 1] and consumers[0][5] >= 50
    full = parse(raw.cmd("XINFO", "STREAM", "s", "FULL"))
    group = dict(zip(full[17][0][::2], full[17][0][1::2]))
    assert group[b"pending"][0][0] == b"1-0" and group[b"pending"][0][2] >= before
    consumer = dict(zip(group[b"consumers"][0][::2], group[b"consumers"][0][1::2]))
    assert consumer[b"seen-time"] >= before and consumer[b"pel-count"] == 1


def test_xautoclaim_walks_the_pel_with_a_cursor(raw):
    for i in range(1, 8):
        xadd(raw, "s", "%d-0" % i)
    raw.cmd("XGROUP", "CREATE", "s", "g", "0")
    raw.cmd("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    raw.cmd("XDEL", "s", "3-0")
    first = parse(raw.cmd("XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "3", "JUSTID"))
    assert first == [b"4-0", [b"1-0", b"2-0"], [b"3-0"]]
    rest = parse(raw.cmd("XAUTOCLAIM", "s", "g", "b", "0", first[0], "COUNT", "10", "JUSTID"))
    assert rest == [b"0-0", [b"4-0", b"5-0", b"6-0", b"7-0"], []]
    summary = parse(raw.cmd("XPENDING", "s", "g"))
    assert summary == [6, b"1-0", b"7-0", [[b"b", b"6"]]]


# ---- blocking ----------------------------------------------------------------------------------

def test_xread_block_times_out(raw):
    start = time.time()
    assert raw.cmd("XREAD", "BLOCK", "100", "STREAMS", "s", "$") == b"*-1\r\n"
    assert 0.09 <= time.time() - start < 2


def test_blocked_xread_woken_by_xadd(server, raw):
    reader = RawClient(server.port)
    try:
        reader.send(encode_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$"))
        time.sleep(0.05)
        xadd(raw, "s", "5-0", "a", "b")
        assert reader.read_reply() == (b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n5-0\r\n"
                                       + b"*2\r\n$1\r\na\r\n$1\r\nb\r\n")
    finally:
        reader.close()


def test_client_unblock_releases_a_stream_reader(server, raw):
    reader = RawClient(server.port)
    try:
        cid = parse(reader.cmd("CLIENT", "ID"))
        reader.send(encode_command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"))
        raw.cmd("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        reader.send(encode_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$"))
        time.sleep(0.05)
        assert raw.cmd("CLIENT", "UNBLOCK", str(cid), "ERROR") == b":1\r\n"
        # The first request failed at once (no group yet); the second was unblocked.
        assert reader.read_reply().startswith(b"-NOGROUP")
        assert reader.read_reply() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
        reader.send(encode_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$"))
        time.sleep(0.05)
        assert raw.cmd("CLIENT", "UNBLOCK", str(cid)) == b":1\r\n"
        assert reader.read_reply() == b"*-1\r\n"
    finally:
        reader.close()


def test_blocked_readgroup_served_first_come_first_served(server, raw):
    raw.cmd("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    readers = [RawClient(server.port) for _ in range(3)]
    try:
        for i, reader in enumerate(readers):
            reader.send(encode_command("XREADGROUP", "GROUP", "g", "c%d" % i, "COUNT", "1", "BLOCK", "0",
                                       "STREAMS", "s", ">"))
            time.sleep(0.03)
        for i in range(1, 4):
            xadd(raw, "s", "%d-0" % i)
        got = [parse(reader.read_reply())[0][1][0][0] for reader in readers]
        assert got == [b"1-0", b"2-0", b"3-0"]
        owners = parse(raw.cmd("XPENDING", "s", "g", "-", "+", "10"))
        assert [(r[0], r[1]) for r in owners] == [(b"1-0", b"c0"), (b"2-0", b"c1"), (b"3-0", b"c2")]
    finally:
        for reader in readers:
            reader.close()


def test_block_inside_multi_does_not_block(raw):
    raw.cmd("MULTI")
    raw.cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    assert raw.cmd("EXEC") == b"*1\r\n*-1\r\n"


# ---- generic -----------------------------------------------------------------------------------

def test_watch_sees_stream_writes(server, raw):
    other = RawClient(server.port)
    try:
        xadd(raw, "s", "1-0")
        for write in (("XADD", "s", "2-0", "f", "v"), ("XDEL", "s", "2-0"), ("XTRIM", "s", "MAXLEN", "0"),
                      ("XGROUP", "CREATE", "s2", "g", "$", "MKSTREAM")):
            key = write[2] if write[0] == "XGROUP" else write[1]
            raw.cmd("WATCH", key)
            other.cmd(*write)
            raw.cmd("MULTI")
            raw.cmd("PING")
            assert raw.cmd("EXEC") == b"*-1\r\n", write
    finally:
        other.close()


def test_copy_is_independent(raw):
    xadd(raw, "s", "1-0")
    raw.cmd("XGROUP", "CREATE", "s", "g", "0")
    raw.cmd("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert raw.cmd("COPY", "s", "t") == b":1\r\n"
    xadd(raw, "t", "2-0")
    raw.cmd("XACK", "t", "g", "1-0")
    assert raw.cmd("XLEN", "s") == b":1\r\n"
    assert parse(raw.cmd("XPENDING", "s", "g"))[0] == 1
    assert parse(raw.cmd("XPENDING", "t", "g"))[0] == 0


def test_keyspace_events(notifying):
    writer, sub = notifying
    writer.cmd("FLUSHALL")
    keyevents(sub)
    writer.cmd("XADD", "s", "MAXLEN", "0", "1-0", "f", "v")
    writer.cmd("XADD", "s", "2-0", "f", "v")
    writer.cmd("XDEL", "s", "2-0")
    writer.cmd("XTRIM", "s", "MAXLEN", "0")
    writer.cmd("XADD", "s", "3-0", "f", "v")
    writer.cmd("XTRIM", "s", "MAXLEN", "0")
    writer.cmd("XGROUP", "CREATE", "s", "g", "$")
    writer.cmd("XGROUP", "CREATECONSUMER", "s", "g", "c")
    writer.cmd("XGROUP", "SETID", "s", "g", "0")
    writer.cmd("XGROUP", "DELCONSUMER", "s", "g", "c")
    writer.cmd("XGROUP", "DESTROY", "s", "g")
    writer.cmd("XSETID", "s", "9-0")
    assert keyevents(sub) == ["xadd s", "xtrim s", "xadd s", "xdel s", "xadd s", "xtrim s",
                              "xgroup-create s", "xgroup-createconsumer s", "xgroup-setid s",
                              "xgroup-delconsumer s", "xgroup-destroy s", "xsetid s"]


def test_type_scan_and_encoding(raw):
    xadd(raw, "s", "1-0")
    raw.cmd("SET", "str", "x")
    assert raw.cmd("TYPE", "s") == b"+stream\r\n"
    assert raw.cmd("OBJECT", "ENCODING", "s") == bulk("stream")
    assert parse(raw.cmd("SCAN", "0", "TYPE", "stream"))[1] == [b"s"]


# ---- the container -----------------------------------------------------------------------------

def _check(stream):
    """Invariants: sorted keys, node counts and sizes, the live length, first ID."""
    # Read past the dropped head nodes without compacting them away, as the stream itself does.
    head = stream.head
    assert head == 0 or head < len(stream._nodes) - head
    nodes, keys = stream._nodes[head:], stream._keys[head:]
    assert stream.node_count() == len(nodes)
    assert keys == [n.master for n in nodes]
    assert keys == sorted(keys)
    live = 0
    previous = -1
    for node in nodes:
        ids, items, _ = decode(node)
        assert (ids, items) == node.entries()[:2]
        assert ids[0] == node.master and ids[-1] == node.last and node.count > 0
        assert node.count == sum(item is not None for item in items)
        assert node.deleted == len(ids) - node.count
        assert ids == sorted(ids) and ids[0] > previous
        lp = node.listpack()
        assert len(lp) == node.nbytes()
        assert from_listpack(node.master, lp, node.last, node.count, node.deleted,
                             len(node.fields)).listpack() == lp
        previous = ids[-1]
        live += node.count
    assert live == stream.length
    first = stream.first_entry()
    assert stream.first_id == (first[0] if first else 0)


def _pairs(rng):
    """Entries of every shape a node encodes differently: master fields or not, integers, long strings."""
    roll = rng.random()
    if roll < 0.5:
        return [b"f", b"x" * rng.randint(0, 40)]
    if roll < 0.6:
        return [b"f", rng.choice([b"0", b"127", b"128", b"-1", b"-4096", b"40000", b"-9223372036854775808",
                                  b"9223372036854775807", b"9223372036854775808", b"007", b"+1", b"1 "])]
    if roll < 0.7:
        return [b"g", b"y" * rng.choice([63, 64, 4095, 4096, 5000])]
    if roll < 0.85:
        return [b"f", b"%d" % rng.randint(-99999, 99999), b"name", b"v"]
    return [b"12", b"", b"f", b"z", b"other", b"w" * rng.randint(0, 100)]


@pytest.mark.parametrize("decoded_limit", [128, 2])
@pytest.mark.parametrize("max_entries,max_bytes", [(100, 4096), (1, 0), (3, 4096), (0, 120), (7, 60)])
def test_container_layout_and_ranges(max_entries, max_bytes, decoded_limit):
    from pyredis.types import stream_node
    stream_node.set_decoded_limit(decoded_limit)
    try:
        _layout_and_ranges(max_entries, max_bytes)
    finally:
        stream_node.set_decoded_limit(128)


def _layout_and_ranges(max_entries, max_bytes):
    import random

    rng = random.Random(max_entries * 31 + max_bytes)
    s = Stream()
    model = {}
    sid = 0
    for step in range(600):
        roll = rng.random()
        if roll < 0.6:
            # Deltas of every integer width, up to an ms delta that is negative as an int64.
            step = rng.choice([1, 2, 200, 1 << 64, 5 << 64, 300 << 64, ((1 << 63) + 7) << 64])
            sid += step if sid + step < MAX_ID else 1
            pairs = _pairs(rng)
            s.append(sid, pairs, max_entries, max_bytes)
            model[sid] = pairs
        elif roll < 0.8 and model:
            victim = rng.choice(sorted(model))
            assert s.xdel([victim]) == 1
            del model[victim]
        elif roll < 0.85:
            n = rng.randint(0, 50)
            s.trim(maxlen=n, approx=rng.random() < 0.5)
            if len(s) < len(model):
                keep = sorted(model)[len(model) - len(s):]
                model = {k: model[k] for k in keep}
        _check(s)
        assert len(s) == len(model)
        if model:
            lo, hi = sorted(rng.sample(sorted(model), 2)) if len(model) > 1 else (min(model),) * 2
            want = [(k, model[k]) for k in sorted(model) if lo <= k <= hi]
            assert s.range(lo, hi) == want
            assert s.range(lo, hi, 3, True) == want[::-1][:3]
            for count, rev in ((0, False), (0, True), (1, False), (3, True), (10, False)):
                got = want[::-1] if rev else want
                got = got[:count] if count else got
                assert s.range_reply(lo, hi, count, rev) == (len(got), _resp(got))
    assert s.range(0, MAX_ID) == sorted(model.items())
    assert s.range_reply(0, MAX_ID) == (len(model), _resp(sorted(model.items())))


def _resp(entries):
    """The RESP array elements of [id, [field, value ...]] entries, spelt out."""
    out = b""
    for sid, pairs in entries:
        text = format_id(sid)
        out += b"*2\r\n$%d\r\n%b\r\n*%d\r\n" % (len(text), text, len(pairs))
        out += b"".join(b"$%d\r\n%b\r\n" % (len(x), x) for x in pairs)
    return out


def test_trimming_head_nodes_moves_no_other_node():
    """XTRIM ~ drops head nodes in O(nodes removed): the node list is compacted only now and then."""
    s = Stream()
    for i in range(1, 1001):
        s.append(make_id(i, 0), [b"f", b"v"], 1, 4096)
    nodes = s._nodes
    assert s.trim(maxlen=990, approx=True) == 10
    assert s._nodes is nodes and len(nodes) == 1000 and s.head == 10
    assert s.range(0, MAX_ID, 2) == [(make_id(11, 0), [b"f", b"v"]), (make_id(12, 0), [b"f", b"v"])]
    assert s.range(0, make_id(10, 0)) == [] and s.get(make_id(10, 0)) is None
    assert s.range_reply(0, make_id(11, 0), 0, True) == (1, _resp([(make_id(11, 0), [b"f", b"v"])]))
    # The oldest node emptied by XDEL goes the same way.
    assert s.xdel([make_id(11, 0)]) == 1 and s.head == 11 and s.first_id == make_id(12, 0)
    for maxlen in range(980, 480, -100):
        s.trim(maxlen=maxlen, approx=True)
        _check(s)
    assert len(nodes) == 1000 and s.head == 420
    s.trim(maxlen=499, approx=True)
    # Half the list dropped: compacted once, the live nodes kept in order.
    assert s.head == 0 and len(s._nodes) == 499 and s.first_id == make_id(502, 0)
    _check(s)
    copy = s.copy()
    _check(copy)
    assert copy.range(0, MAX_ID) == s.range(0, MAX_ID)
    s.trim(maxlen=0)
    assert (len(s), s.node_count(), s.first_id) == (0, 0, 0)
    s.append(make_id(2000, 0), [b"f", b"w"], 1, 4096)
    assert s.range(0, MAX_ID) == [(make_id(2000, 0), [b"f", b"w"])]
    _check(s)


def test_format_id():
    assert format_id(make_id(5, 7)) == b"5-7"
    assert format_id(MAX_ID) == b"18446744073709551615-18446744073709551615"


def test_loaded_node_keeps_its_bytes_or_reencodes_odd_flags():
    from pyredis.persistence.blobs import listpack, lp_entry, lp_int_entry
    from pyredis.persistence.stream_listpack import node_from_listpack

    def entry(flags_encoded, seq, value):
        return [flags_encoded, lp_int_entry(0), lp_int_entry(seq), lp_entry(value), lp_int_entry(4)]

    master = [lp_int_entry(2), lp_int_entry(1), lp_int_entry(1), lp_entry(b"f"), lp_int_entry(0)]
    canonical = listpack(master + entry(lp_int_entry(2), 0, b"a") + entry(lp_int_entry(3), 1, b"b")
                         + entry(lp_int_entry(2), 2, b"c"))
    node = node_from_listpack(make_id(5, 0), canonical)
    assert node.listpack() == canonical
    # The same entries with flags as 13-bit integers: valid, but a flag byte cannot be flipped in place.
    wide = listpack(master + entry(b"\xc0\x02\x02", 0, b"a") + entry(b"\xc0\x03\x02", 1, b"b")
                    + entry(b"\xc0\x02\x02", 2, b"c"))
    odd = node_from_listpack(make_id(5, 0), wide)
    assert odd.listpack() == canonical
    for n in (node, odd):
        s = Stream()
        s.nodes, s.keys, s.length, s.last_id = [n], [n.master], 2, make_id(5, 2)
        s._refresh_first()
        assert s.range(0, MAX_ID) == [(make_id(5, 0), [b"f", b"a"]), (make_id(5, 2), [b"f", b"c"])]
        assert s.xdel([make_id(5, 2)]) == 1
        s.append(make_id(6, 0), [b"f", b"d"], 100, 4096)
        _check(s)
        assert s.range(0, MAX_ID) == [(make_id(5, 0), [b"f", b"a"]), (make_id(6, 0), [b"f", b"d"])]
