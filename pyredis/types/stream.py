"""The stream container (Redis t_stream.c's data structure), with no reply code.

An ID is one int, ``ms << 64 | seq``, so IDs compare as Redis compares its
128-bit big-endian rax keys.  Entries live in nodes that hold Redis's
listpacks byte for byte (``stream_node``): a node is opened with a "master
entry" (the first entry's field names), takes entries until it holds
``stream-node-max-entries`` entries (live and deleted) or its listpack would
reach ``stream-node-max-bytes``, and is never split afterwards.  A deleted
entry stays in its node with its DELETED flag set until the whole node goes;
approximate trimming removes only whole nodes.  So the node boundaries, and
with them every figure trimming and XINFO report, match Redis's.  Nodes are
found by bisecting their master IDs.

Consumer groups keep the pending entries list (PEL) as a dict of ID ->
``Nack`` plus a sorted list of the IDs for range scans; each consumer keeps
its own PEL the same way, sharing the ``Nack`` objects with its group.
"""
from bisect import bisect_left, bisect_right, insort

from .. import memsize
from .stream_node import Node, encode_range

SEQ_MASK = (1 << 64) - 1
MAX_ID = (1 << 128) - 1
# Redis's STREAM_LISTPACK_MAX_SIZE: the byte cap when stream-node-max-bytes is 0 or larger.
LISTPACK_MAX_SIZE = 1 << 30
INVALID_ENTRIES_READ = -1


def make_id(ms, seq):
    return ms << 64 | seq


def format_id(sid):
    return b"%d-%d" % (sid >> 64, sid & SEQ_MASK)


class Nack:
    """A pending entry: its consumer, last delivery time and delivery count."""

    __slots__ = ("consumer", "delivery_time", "delivery_count")

    def __init__(self, consumer, delivery_time, delivery_count=1):
        self.consumer = consumer
        self.delivery_time = delivery_time
        self.delivery_count = delivery_count


class Pel:
    """ID -> Nack with the IDs kept sorted."""

    __slots__ = ("map", "ids")

    def __init__(self):
        self.map = {}
        self.ids = []

    def __len__(self):
        return len(self.map)

    def get(self, sid):
        return self.map.get(sid)

    def add(self, sid, nack):
        """Insert ``sid`` if absent; True when it was inserted."""
        if sid in self.map:
            return False
        self.map[sid] = nack
        ids = self.ids
        if not ids or ids[-1] < sid:
            ids.append(sid)
        else:
            insort(ids, sid)
        return True

    def remove(self, sid):
        if self.map.pop(sid, None) is None:
            return False
        ids = self.ids
        del ids[bisect_left(ids, sid)]
        return True

    def from_id(self, start, end=MAX_ID):
        """IDs in [start, end], in order."""
        ids = self.ids
        i = bisect_left(ids, start)
        j = bisect_right(ids, end)
        return ids[i:j]

    def iter_from(self, start):
        ids = self.ids
        for i in range(bisect_left(ids, start), len(ids)):
            yield ids[i]


class Consumer:
    __slots__ = ("name", "seen_time", "pel")

    def __init__(self, name, now):
        self.name = name
        self.seen_time = now
        self.pel = Pel()


class Group:
    __slots__ = ("name", "last_id", "entries_read", "pel", "consumers")

    def __init__(self, name, last_id, entries_read):
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel = Pel()
        self.consumers = {}

    def create_consumer(self, name, now):
        """The new consumer, or None when one of that name exists (streamCreateConsumer)."""
        if name in self.consumers:
            return None
        consumer = self.consumers[name] = Consumer(name, now)
        return consumer

    def delete_consumer(self, name):
        """Drop a consumer and its pending entries; how many it had, or None."""
        consumer = self.consumers.pop(name, None)
        if consumer is None:
            return None
        for sid in consumer.pel.ids:
            self.pel.remove(sid)
        return len(consumer.pel)

    def sorted_consumers(self):
        return [self.consumers[k] for k in sorted(self.consumers)]


def rax_node_count(ids):
    """Nodes of a Redis radix tree keyed by the sorted IDs ``ids`` as 16-byte big-endian keys.

    Every key is a leaf of the same depth, so the tree has: the root, each
    key, each prefix where keys branch and each child of such a prefix.
    """
    keys = [k.to_bytes(16, "big") for k in ids]
    if not keys:
        return 1
    prefixes = {b""}
    prefixes.update(keys)
    for a, b in zip(keys, keys[1:]):
        n = 0
        while a[n] == b[n]:
            n += 1
        prefixes.add(a[:n])
        prefixes.add(a[:n + 1])
        prefixes.add(b[:n + 1])
    return len(prefixes)


# ---- the stream ---------------------------------------------------------------------------------
class Stream:
    __slots__ = ("_nodes", "_keys", "head", "length", "last_id", "first_id", "max_deleted_id",
                 "entries_added", "groups")

    def __init__(self):
        # The nodes in ID order from _nodes[head]: trimming drops head nodes by moving ``head``
        # and compacts the lists only once the dropped part outgrows the rest, so removing k
        # nodes costs O(k) amortised.
        self._nodes = []
        # _keys[i] is _nodes[i].master: the rax keys, for bisecting.
        self._keys = []
        self.head = 0
        self.length = 0
        self.last_id = 0
        self.first_id = 0
        self.max_deleted_id = 0
        self.entries_added = 0
        self.groups = {}

    def __len__(self):
        return self.length

    def __bool__(self):
        # A stream key stays when its last entry goes: never "empty" for removal.
        return True

    # ---- the node list --------------------------------------------------------------------------
    def _compact(self):
        if self.head:
            del self._nodes[:self.head]
            del self._keys[:self.head]
            self.head = 0

    @property
    def nodes(self):
        """The nodes in ID order (a list the stream keeps using)."""
        self._compact()
        return self._nodes

    @nodes.setter
    def nodes(self, nodes):
        self._nodes = nodes
        self.head = 0

    @property
    def keys(self):
        """Each node's master ID, in order (a list the stream keeps using)."""
        self._compact()
        return self._keys

    @keys.setter
    def keys(self, keys):
        self._keys = keys
        self.head = 0

    def node_count(self):
        return len(self._nodes) - self.head

    def _drop_head(self, k):
        """Forget the first ``k`` nodes."""
        self.head += k
        head = self.head
        if head >= len(self._nodes) - head:
            self._compact()

    def _drop(self, n):
        """Forget the node at index ``n`` of ``_nodes``."""
        if n == self.head:
            self._drop_head(1)
        else:
            del self._nodes[n]
            del self._keys[n]

    # ---- appending ------------------------------------------------------------------------------
    def append(self, sid, pairs, max_entries, max_bytes):
        """streamAppendItem with an ID already checked to be above ``last_id``."""
        nodes = self._nodes
        if len(nodes) > self.head:
            node = nodes[-1]
            if max_bytes == 0 or max_bytes > LISTPACK_MAX_SIZE:
                max_bytes = LISTPACK_MAX_SIZE
            if not node.takes(pairs, max_entries, max_bytes):
                node.freeze()
                node = None
        else:
            node = None
        if node is None:
            node = Node(sid, pairs[0::2])
            nodes.append(node)
            self._keys.append(sid)
        node.append(sid, pairs)
        self.last_id = sid
        self.length += 1
        self.entries_added += 1
        if self.length == 1:
            self.first_id = sid

    # ---- seeking --------------------------------------------------------------------------------
    def _node_at(self, sid):
        """Index in ``_nodes`` of the node whose ID span may hold ``sid`` (below ``head`` when
        ``sid`` is before them all)."""
        return bisect_right(self._keys, sid, self.head) - 1

    def get(self, sid):
        """The field/value list of the live entry ``sid``, or None."""
        n = self._node_at(sid)
        if n < self.head:
            return None
        node = self._nodes[n]
        if sid > node.last:
            return None
        ids, items, _ = node.entries()
        i = bisect_left(ids, sid)
        if i < len(ids) and ids[i] == sid:
            return items[i]
        return None

    def _first_node(self, start, end, rev):
        """Index in ``_nodes`` of the first node a scan of [start, end] visits."""
        if rev:
            return self._node_at(end)
        n = self._node_at(start)
        if n < self.head:
            return self.head
        return n + 1 if self._nodes[n].last < start else n

    @staticmethod
    def _span(node, start, end, rev):
        """(first, stop, more): the node's entry indexes in [start, end] in scan order, ``stop``
        excluded (descending when ``rev``), and whether the scan goes on to the next node."""
        if node.master < start or node.last > end:
            ids = node.entries()[0]
        if rev:
            i = node.count + node.deleted - 1 if node.last <= end else bisect_right(ids, end) - 1
            if node.master < start:
                stop = bisect_left(ids, start) - 1
                return i, stop, stop < 0
            return i, -1, True
        i = bisect_left(ids, start) if node.master < start else 0
        if node.last <= end:
            return i, node.count + node.deleted, True
        return i, bisect_right(ids, end), False

    def _spans(self, start, end, rev):
        """(node, first, stop) per node holding IDs in [start, end], in scan order (``_span``)."""
        if start > end:
            return
        nodes = self._nodes
        n = self._first_node(start, end, rev)
        step = -1 if rev else 1
        while self.head <= n < len(nodes):
            node = nodes[n]
            if (node.last < start) if rev else (node.master > end):
                return
            i, stop, more = self._span(node, start, end, rev)
            yield node, i, stop
            if not more:
                return
            n += step

    def range(self, start, end, count=0, rev=False):
        """Live (id, pairs) with start <= id <= end, ascending or descending; ``count`` 0 = all."""
        out = []
        for node, i, stop in self._spans(start, end, rev):
            ids, items, _ = node.entries()
            if not rev and not node.deleted:
                # No marks in this node: take the run as one slice.
                if count:
                    stop = min(stop, i + count - len(out))
                out.extend(zip(ids[i:stop], items[i:stop]))
            else:
                for j in range(i, stop, -1 if rev else 1):
                    item = items[j]
                    if item is not None:
                        out.append((ids[j], item))
                        if len(out) == count:
                            return out
            if count and len(out) >= count:
                return out
        return out

    def range_reply(self, start, end, count=0, rev=False):
        """What ``range`` returns, as (how many, their RESP array elements as bytes).

        The walk of ``_spans`` written out: this is XRANGE's whole work.
        """
        if start > end:
            return 0, b""
        nodes = self._nodes
        n = self._first_node(start, end, rev)
        step = -1 if rev else 1
        parts = []
        taken = 0
        while self.head <= n < len(nodes):
            node = nodes[n]
            if (node.last < start) if rev else (node.master > end):
                break
            i, stop, more = self._span(node, start, end, rev)
            data, got = encode_range(node, i, stop, count - taken if count else 0)
            parts.append(data)
            taken += got
            if not more or (count and taken >= count):
                break
            n += step
        return taken, parts[0] if len(parts) == 1 else b"".join(parts)

    def first_entry(self):
        r = self.range(0, MAX_ID, 1)
        return r[0] if r else None

    def last_entry(self):
        r = self.range(0, MAX_ID, 1, True)
        return r[0] if r else None

    def last_valid_id(self):
        """streamLastValidID: the last live ID (0 when there is none)."""
        e = self.last_entry()
        return e[0] if e is not None else 0

    # ---- deleting -------------------------------------------------------------------------------
    def delete(self, sid):
        """Mark the live entry ``sid`` deleted (dropping its node if it was the last); True if it was there."""
        n = self._node_at(sid)
        if n < self.head:
            return False
        node = self._nodes[n]
        if sid > node.last:
            return False
        ids, items, _ = node.entries()
        i = bisect_left(ids, sid)
        if i == len(ids) or ids[i] != sid or items[i] is None:
            return False
        if node.count == 1:
            self._drop(n)
        else:
            node.mark_deleted((i,))
        self.length -= 1
        return True

    def _refresh_first(self):
        e = self.first_entry() if self.length else None
        self.first_id = e[0] if e is not None else 0

    def xdel(self, ids):
        """XDEL's effect: how many of ``ids`` were deleted; keeps first and max-deleted IDs."""
        deleted = 0
        first_gone = False
        for sid in ids:
            if self.delete(sid):
                if sid == self.first_id:
                    first_gone = True
                if sid > self.max_deleted_id:
                    self.max_deleted_id = sid
                deleted += 1
        if deleted:
            if self.length == 0:
                self.first_id = 0
            elif first_gone:
                self._refresh_first()
        return deleted

    def trim(self, maxlen=None, minid=None, approx=False, limit=0):
        """streamTrim by MAXLEN (``maxlen``) or MINID (``minid``); entries removed."""
        nodes = self._nodes
        head = self.head
        removed_nodes = 0
        deleted = 0
        while head + removed_nodes < len(nodes):
            if maxlen is not None and self.length <= maxlen:
                break
            node = nodes[head + removed_nodes]
            entries = node.count
            if limit and deleted + entries > limit:
                break
            if maxlen is not None:
                remove_node = self.length - entries >= maxlen
            else:
                remove_node = node.last < minid
            if remove_node:
                removed_nodes += 1
                self.length -= entries
                deleted += entries
                continue
            if approx:
                break
            ids, items, _ = node.entries()
            marks = []
            for i in range(len(ids)):
                if maxlen is not None:
                    if self.length <= maxlen:
                        break
                elif ids[i] >= minid:
                    break
                if items[i] is not None:
                    marks.append(i)
                    self.length -= 1
            if marks:
                node.mark_deleted(marks)
            deleted += len(marks)
            break
        if removed_nodes:
            self._drop_head(removed_nodes)
        if self.length == 0:
            self.first_id = 0
        else:
            self._refresh_first()
        return deleted

    # ---- figures --------------------------------------------------------------------------------
    def rax_nodes(self):
        """Nodes of Redis's radix tree holding the node keys (16-byte big-endian IDs)."""
        return rax_node_count(self.keys)

    def has_tombstones(self, start=0, end=MAX_ID):
        """streamRangeHasTombstones."""
        if not self.length or not self.max_deleted_id:
            return False
        if self.first_id > self.max_deleted_id:
            return False
        return start <= self.max_deleted_id <= end

    def estimate_distance(self, sid):
        """streamEstimateDistanceFromFirstEverEntry: the entries-read counter of ``sid``, or -1."""
        if not self.entries_added:
            return 0
        if not self.length and sid <= self.last_id:
            return self.entries_added
        if sid == self.last_id:
            return self.entries_added
        if sid > self.last_id:
            return INVALID_ENTRIES_READ
        if not self.max_deleted_id or self.max_deleted_id < self.first_id:
            if sid < self.first_id:
                return self.entries_added - self.length
            if sid == self.first_id:
                return self.entries_added - self.length + 1
        return INVALID_ENTRIES_READ

    def group_lag(self, group):
        """streamReplyWithCGLag: the group's lag, or None when it cannot be known."""
        if not self.entries_added:
            return 0
        if group.entries_read != INVALID_ENTRIES_READ and not self.has_tombstones(group.last_id):
            return self.entries_added - group.entries_read
        read = self.estimate_distance(group.last_id)
        if read != INVALID_ENTRIES_READ:
            return self.entries_added - read
        return None

    def delivered(self, group, sid):
        """A read through ``group`` reached ``sid``: advance its last ID and entries-read."""
        if sid > group.last_id:
            if group.entries_read != INVALID_ENTRIES_READ and not self.has_tombstones(sid):
                group.entries_read += 1
            elif self.entries_added:
                group.entries_read = self.estimate_distance(sid)
            group.last_id = sid

    # ---- whole value ----------------------------------------------------------------------------
    def copy(self):
        new = Stream()
        head = self.head
        new._nodes = [node.copy() for node in self._nodes[head:]]
        new._keys = self._keys[head:]
        new.length = self.length
        new.last_id = self.last_id
        new.first_id = self.first_id
        new.max_deleted_id = self.max_deleted_id
        new.entries_added = self.entries_added
        for name, group in self.groups.items():
            g = new.groups[name] = Group(name, group.last_id, group.entries_read)
            for cname, consumer in group.consumers.items():
                nc = g.consumers[cname] = Consumer(cname, consumer.seen_time)
                for sid in consumer.pel.ids:
                    old = consumer.pel.map[sid]
                    nack = Nack(nc, old.delivery_time, old.delivery_count)
                    nc.pel.add(sid, nack)
                    g.pel.add(sid, nack)
        return new


# ---- MEMORY USAGE (objectComputeSize) ----------------------------------------------------------
# sizeof of Redis's stream, streamCG, streamNACK and streamConsumer structs.
_STREAM = 80
_GROUP = 40
_NACK = 24
_CONSUMER = 24
# What a new node's listpack is allocated with (STREAM_LISTPACK_MAX_PRE_ALLOCATE).
_PREALLOC = 4096


def _rax_usage(ids):
    """streamRadixTreeMemoryUsage, with its arithmetic: 16 bytes a key, 244 a tree node."""
    return len(ids) * 16 + rax_node_count(ids) * 244


def _memory(stream, samples):
    size = memsize.ROBJ + _STREAM + _rax_usage(stream.keys)
    nodes = stream.nodes
    if nodes:
        taken = nodes[:samples] if samples else nodes
        lpsize = sum(memsize.alloc(node.nbytes()) for node in taken)
        if len(nodes) <= len(taken):
            size += lpsize - memsize.alloc(nodes[-1].nbytes())
        else:
            size += lpsize // len(taken) * (len(nodes) - 1)
        # The last node still holds the room it was created with.
        size += memsize.alloc(max(nodes[-1].nbytes(), _PREALLOC))
    for group in stream.groups.values():
        size += _GROUP + _rax_usage(group.pel.ids) + _NACK * len(group.pel)
        for consumer in group.consumers.values():
            size += _CONSUMER + len(consumer.name) + _rax_usage(consumer.pel.ids)
    return size


memsize.SIZERS[Stream] = _memory
