"""A stream node: the listpack Redis keeps a run of stream entries in, held as its bytes.

Layout (t_stream.c): the master entry (live count, deleted count, the
master field count, the master fields, a 0 terminator), then per entry its
flags, the ms and seq deltas from the node's master ID, either the field
count and the fields and values or, when the fields are the master's
(SAMEFIELDS), the values only, and last the entry's element count
(lp-count), which lets Redis walk the listpack backwards.  A deleted entry
stays in the listpack with the DELETED flag.

``Node`` and ``decode`` come from the chosen twin (``pyredis._speedups``);
loading a listpack from a file is here.
"""
from .._speedups import streamnode
from ..listpack import element

Node = streamnode.Node
decode = streamnode.decode
encode_range = streamnode.encode_range
set_decoded_limit = streamnode.set_decoded_limit
string_element = streamnode.string_element
SEQ_MASK = streamnode.SEQ_MASK
FLAG_DELETED = streamnode.FLAG_DELETED
FLAG_SAMEFIELDS = streamnode.FLAG_SAMEFIELDS


def from_listpack(master, blob, last, count, deleted, nfields):
    """The node a listpack already checked well-formed holds, keeping its bytes as they are."""
    p = 6
    for _ in range(2):
        p = element(blob, p)[1]
    head_start = p
    fields = []
    p = element(blob, p)[1]
    for _ in range(nfields):
        v, p = string_element(blob, p)
        fields.append(v)
    p = element(blob, p)[1]
    node = Node(master, fields, bytes(blob[head_start:p]))
    node.data = bytes(blob[p:-1])
    node.last = last
    node.count = count
    node.deleted = deleted
    elements = int.from_bytes(blob[4:6], "little")
    if elements == 65535:
        # The header stops counting there: count by walking.
        elements = 0
        q = 0
        data = node.data
        while q < len(data):
            q = element(data, q)[1]
            elements += 1
    else:
        elements -= 3 + nfields + 1
    node.elements = elements
    if any(node.data[off] >= 0x80 for off in decode(node)[2]):
        # Flags in a wider integer encoding than Redis writes: re-encode the entries.
        node = _reencoded(node)
    return node


def _reencoded(node):
    fresh = Node(node.master, node.fields, node.head)
    ids, items, _, dead = decode(node, True)
    for sid, pairs in zip(ids, items):
        fresh.append(sid, pairs)
    if dead:
        fresh.mark_deleted(dead)
    fresh.freeze()
    return fresh
