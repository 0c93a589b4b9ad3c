"""Stream nodes: both twins build the same listpack bytes and decode them alike."""
import random

import pytest

from pyredis.listpack import lp_entry, lp_int_entry

MASTER = (1700000000000 << 64) | 5


def _pairs(rng):
    roll = rng.random()
    if roll < 0.4:
        return [b"f", b"x" * rng.randint(0, 70)]
    if roll < 0.55:
        return [b"f", rng.choice([b"0", b"127", b"128", b"-1", b"-4096", b"-4097", b"40000",
                                  b"-8388608", b"8388608", b"-2147483649", b"9223372036854775807",
                                  b"-9223372036854775808", b"9223372036854775808", b"007", b""])]
    if roll < 0.65:
        return [b"f", b"y" * rng.choice([63, 64, 4095, 4096, 5000])]
    if roll < 0.8:
        return [b"f", b"1", b"g", b"2"]
    return [b"g", b"%d" % rng.randint(-10 ** 6, 10 ** 6), b"12", b"z"]


def _build(mod, seed, fields):
    rng = random.Random(seed)
    node = mod.Node(MASTER, fields)
    sid = MASTER
    for step in range(rng.randint(1, 150)):
        node.append(sid, _pairs(rng))
        sid += rng.choice([1, 300, 70000, 1 << 64, 200 << 64, ((1 << 63) + 3) << 64])
        sid &= (1 << 128) - 1
        if sid <= node.last:
            break
        if rng.random() < 0.1:
            ids, items, _ = node.entries()
            live = [i for i, item in enumerate(items) if item is not None]
            if len(live) > 1:
                node.mark_deleted(rng.sample(live, rng.randint(1, len(live) - 1)))
        if rng.random() < 0.05:
            node.freeze()
    return node


@pytest.mark.parametrize("seed", range(40))
def test_twins_build_and_decode_alike(streamnode_twins, seed):
    fields = [[b"f"], [b"f", b"g"], [b"12"]][seed % 3]
    compiled, pure = (_build(mod, seed, fields) for mod in streamnode_twins)
    assert compiled.listpack() == pure.listpack()
    assert compiled.nbytes() == pure.nbytes() == len(pure.listpack())
    assert (compiled.count, compiled.deleted, compiled.elements, compiled.last) == \
        (pure.count, pure.deleted, pure.elements, pure.last)
    for keep in (False, True):
        assert streamnode_twins[0].decode(compiled, keep) == streamnode_twins[1].decode(pure, keep)
    assert compiled.entries()[:2] == pure.entries()[:2] == streamnode_twins[1].decode(pure)[:2]
    for pairs in ([b"f", b"v"], [b"f", b"v" * 5000], [b"a", b"b", b"c", b"d"]):
        for max_entries, max_bytes in ((0, 1 << 30), (100, 4096), (1, 1 << 30), (500, 200)):
            assert compiled.takes(pairs, max_entries, max_bytes) == \
                pure.takes(pairs, max_entries, max_bytes)
    assert compiled.copy().listpack() == pure.copy().listpack() == pure.listpack()


def test_decode_reads_every_element_encoding(streamnode):
    """Entries as any listpack writer may encode them: each integer width, each string length."""
    wide_strings = [b"s" * 100, b"t" * 5000]
    ints = [-4096, 4095, -32768, 32767, -8388608, 8388607, -2147483648, 2147483647,
            -(1 << 63), (1 << 63) - 1]
    node = streamnode.Node(MASTER, [b"f"])
    data = []
    entries = []
    for i, v in enumerate(ints + wide_strings):
        value = lp_int_entry(v) if isinstance(v, int) else lp_entry(v)
        # Deltas in wide encodings too: a 13-bit ms delta and a 16-bit seq delta.
        data += [lp_int_entry(2), lp_int_entry(i), b"\xf1" + (1000 + i).to_bytes(2, "little") + b"\x03",
                 value, lp_int_entry(4)]
        entries.append(((MASTER >> 64) + i << 64 | (5 + 1000 + i),
                        [b"f", b"%d" % v if isinstance(v, int) else v]))
    node.data = b"".join(data)
    ids, items, offsets = streamnode.decode(node)
    assert list(zip(ids, items)) == entries
    assert offsets[0] == 0 and len(offsets) == len(entries)


def test_decoded_cache_keeps_appends_and_marks(streamnode):
    streamnode.set_decoded_limit(1)
    try:
        a = streamnode.Node(MASTER, [b"f"])
        b = streamnode.Node(MASTER, [b"f"])
        a.append(MASTER, [b"f", b"1"])
        b.append(MASTER, [b"f", b"2"])
        assert a.entries()[1] == [[b"f", b"1"]]
        a.append(MASTER + 1, [b"f", b"3"])
        assert b.entries()[1] == [[b"f", b"2"]]
        # ``a`` was evicted: its next read decodes the bytes, which hold the append.
        assert a.decoded is None
        assert a.entries()[1] == [[b"f", b"1"], [b"f", b"3"]]
        a.freeze()
        a.mark_deleted([0])
        assert a.entries()[1] == [None, [b"f", b"3"]]
        assert streamnode.decode(a)[1] == [None, [b"f", b"3"]]
        assert (a.count, a.deleted) == (1, 1)
    finally:
        streamnode.set_decoded_limit(128)


def _resp(ids, items, indexes):
    out = b""
    for j in indexes:
        if items[j] is None:
            continue
        text = b"%d-%d" % (ids[j] >> 64, ids[j] & ((1 << 64) - 1))
        out += b"*2\r\n$%d\r\n%b\r\n*%d\r\n" % (len(text), text, len(items[j]))
        out += b"".join(b"$%d\r\n%b\r\n" % (len(x), x) for x in items[j])
    return out


@pytest.mark.parametrize("seed", range(12))
def test_encode_range_replies_as_the_decoded_entries(streamnode_twins, seed):
    """Both twins encode any run of a node's live entries, either way, with any limit, alike."""
    fields = [[b"f"], [b"f", b"g"], [b"12"]][seed % 3]
    rng = random.Random(seed)
    compiled, pure = (_build(mod, seed, fields) for mod in streamnode_twins)
    ids, items, _ = pure.entries()
    n = len(ids)
    for _ in range(60):
        i = rng.randrange(n)
        stop = rng.randint(i, n) if rng.random() < 0.5 else rng.randint(-1, i)
        limit = rng.choice([0, 1, 2, 5, 1000])
        step = 1 if stop >= i else -1
        live = [j for j in range(i, stop, step) if items[j] is not None]
        if limit:
            live = live[:limit]
        want = (_resp(ids, items, live), len(live))
        assert streamnode_twins[0].encode_range(compiled, i, stop, limit) == want
        assert streamnode_twins[1].encode_range(pure, i, stop, limit) == want
