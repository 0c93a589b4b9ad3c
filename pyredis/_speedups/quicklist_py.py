"""Pure-Python QuickList: a doubly linked list of small element arrays.

This is the twin of quicklist.pyx. Both implement the same algorithms step
for step, so that for any sequence of operations they return the same values
and end with the same node layout. A change to one must be made to the other.

Each node holds a Python list of ``bytes`` and the byte size that list would
have as a Redis listpack.  A node that stops being the head or the tail
because a push gave the list a new end is packed: its elements become one
``bytes`` string, each a LEB128 length and the element's bytes, so a long
list costs its payload, not an object per element.  A write that reaches a
packed node unpacks it for good; reads decode it without unpacking. The fill factor (``list-max-listpack-size``) bounds
a node either by bytes (negative fill) or by element count (positive fill,
with an 8 KiB safety cap); a single element larger than the limit gets a
node of its own.
An element of at least the packed threshold (``set_packed_threshold``,
1 GiB by default) goes in a plain node instead: alone, unpacked, its size its
length, taking no other element and never merged, as Redis 7.0's plain nodes.

Nodes are filled by Redis 7.0.15's rules: a node takes an element while its
size plus the element's length and 8 bytes (SIZE_ESTIMATE_OVERHEAD) fits
the fill; a replace happens in place, whatever size the node grows to;
deletions never merge nodes; an insert into a full node splits it as
_quicklistSplitNode does and merges the nodes around it as
_quicklistMergeNodes does, so a node may end over the fill's size.

Indexes are Redis-style: negative values count from the tail. They must fit
in a signed 64-bit integer, as the command layer parses them.
"""

import sys

from .resp_py import encode_bulks

__all__ = ["QuickList", "set_packed_threshold"]

_FILL_LEVELS = (4096, 8192, 16384, 32768, 65536)
_SAFETY_LIMIT = 8192
_FILL_MAX = 1 << 15
_COMPRESS_MAX = (1 << 16) - 1
# listpack header (total bytes + element count) plus its end byte
_LP_OVERHEAD = 7
_NOT_BYTES = "quicklist elements must be bytes"
_MAXSIZE = sys.maxsize


# Elements of at least this many bytes live alone in a plain node, stored as
# they are instead of in a listpack (Redis 7.0's packed_threshold).
_PACKED_THRESHOLD_DEFAULT = 1 << 30
_PACKED_THRESHOLD_MAX = (1 << 32) - (1 << 20)
_packed_threshold = 1 << 30


def set_packed_threshold(size):
    """quicklistisSetPackedThreshold: 0 restores the default (1 GiB); False,
    and no change, above the maximum."""
    global _packed_threshold
    size = _index_arg(size)
    if size > _PACKED_THRESHOLD_MAX:
        return False
    _packed_threshold = size if size else _PACKED_THRESHOLD_DEFAULT
    return True


def _estimate(n):
    """What _quicklistNodeAllowInsert counts an element of ``n`` bytes as
    adding to a node: its length plus SIZE_ESTIMATE_OVERHEAD, an upper bound
    of a listpack entry's header and back-length."""
    return n + 8


def _entry_size(n):
    """Bytes a string of length ``n`` takes in a listpack: encoding header,
    data and the back-length that lets the listpack be walked backwards."""
    if n < 64:
        e = n + 1
    elif n < 4096:
        e = n + 2
    else:
        e = n + 5
    if e <= 127:
        return e + 1
    if e < 16383:
        return e + 2
    if e < 2097151:
        return e + 3
    if e < 268435455:
        return e + 4
    return e + 5


_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


# Sizes of integers met lately: pushes and pops read them from here rather
# than parse the same element twice.
_INT_SIZES = {}
_INT_SIZES_MAX = 4096


def _int_entry_size(v):
    """Bytes ``v`` takes in a listpack as an integer (lpStringToInt64 reads it
    as one: no sign but '-', no leading zero, fits 64 bits), else 0."""
    e = _parse_int_entry_size(v)
    if e:
        if len(_INT_SIZES) >= _INT_SIZES_MAX:
            _INT_SIZES.clear()
        _INT_SIZES[v] = e
    return e


def _parse_int_entry_size(v):
    try:
        i = int(v)
    except ValueError:
        return 0
    # int() also takes "007", "-0", "1_0" and blanks: only the canonical
    # spelling is an integer to Redis
    if b"%d" % i != v or not _INT64_MIN <= i <= _INT64_MAX:
        return 0
    # encoding byte(s) with the value, then a one-byte back-length
    if 0 <= i <= 127:
        return 2
    if -4096 <= i <= 4095:
        return 3
    if -32768 <= i <= 32767:
        return 4
    if -8388608 <= i <= 8388607:
        return 5
    if -2147483648 <= i <= 2147483647:
        return 6
    return 10


def _size(v):
    """Bytes element ``v`` takes in a listpack: as an integer if it is one."""
    n = len(v)
    if 0 < n <= 20 and (47 < v[0] < 58 or v[0] == 45):
        e = _int_entry_size(v)
        if e:
            return e
    return n + 2 if n < 64 else _entry_size(n)


def _items_size(items):
    total = 0
    for x in items:
        total += _size(x)
    return total


def _index_arg(value):
    try:
        return value.__index__()
    except AttributeError:
        raise TypeError("an integer is required") from None


_LEN1 = [bytes((n,)) for n in range(128)]


def _pack(items):
    """The elements as one string: each a LEB128 length, then its bytes."""
    parts = []
    add = parts.append
    for v in items:
        n = len(v)
        if n < 128:
            add(_LEN1[n])
        else:
            head = bytearray()
            while n >= 128:
                head.append((n & 127) | 128)
                n >>= 7
            head.append(n)
            add(bytes(head))
        add(v)
    return b"".join(parts)


def _unpack(data, count):
    out = []
    add = out.append
    i = 0
    for _ in range(count):
        n = data[i]
        i += 1
        if n >= 128:
            n &= 127
            shift = 7
            while True:
                b = data[i]
                i += 1
                n |= (b & 127) << shift
                if b < 128:
                    break
                shift += 7
        add(data[i:i + n])
        i += n
    return out


class _Node:
    # a plain node holds one element at least packed_threshold bytes long, as
    # it is (sz is its length); it takes no other element and never merges.
    # A packed node keeps its elements in ``packed`` (``_items`` is None) and
    # their number in ``n``.
    __slots__ = ("prev", "next", "_items", "packed", "n", "sz", "plain")

    def __init__(self, items, sz, plain=False):
        self.prev = None
        self.next = None
        self._items = items
        self.packed = None
        self.n = 0
        self.sz = sz
        self.plain = plain

    @property
    def items(self):
        """The elements as a list to change: a packed node is unpacked."""
        items = self._items
        if items is None:
            items = self._items = _unpack(self.packed, self.n)
            self.packed = None
        return items

    @items.setter
    def items(self, items):
        self._items = items
        self.packed = None

    def view(self):
        """The elements to read; a packed node stays packed."""
        items = self._items
        return items if items is not None else _unpack(self.packed, self.n)

    @property
    def count(self):
        items = self._items
        return len(items) if items is not None else self.n

    def pack(self):
        items = self._items
        if items is not None and not self.plain:
            self.packed = _pack(items)
            self.n = len(items)
            self._items = None


def _plain_node(v):
    return _Node([v], len(v), True)


class QuickList:
    __slots__ = ("_head", "_tail", "_count", "_nodes", "_fill", "_compress",
                 "_limit", "_maxcount")

    def __init__(self, fill=-2, compress=0):
        fill = _index_arg(fill)
        compress = _index_arg(compress)
        # clamped like quicklistSetFill / quicklistSetCompressDepth
        if fill > _FILL_MAX:
            fill = _FILL_MAX
        elif fill < -5:
            fill = -5
        if compress > _COMPRESS_MAX:
            compress = _COMPRESS_MAX
        elif compress < 0:
            compress = 0
        self._fill = fill
        self._compress = compress
        if fill < 0:
            self._limit = _FILL_LEVELS[-fill - 1]
            self._maxcount = _MAXSIZE
        else:
            # fill 0 allows no second element in a node: one element per node
            self._limit = _SAFETY_LIMIT
            self._maxcount = fill
        self._head = None
        self._tail = None
        self._count = 0
        self._nodes = 0

    def __del__(self):
        # prev/next form reference cycles, and a chain freed by refcount
        # recurses once per node: unlink node by node so a dropped list is
        # freed at once, without waiting for the cycle collector, at any length
        node = getattr(self, "_head", None)
        self._head = self._tail = None
        while node is not None:
            nxt = node.next
            node.next = node.prev = None
            node = nxt

    @property
    def fill(self):
        return self._fill

    @property
    def compress(self):
        return self._compress

    @property
    def node_count(self):
        return self._nodes

    @property
    def nbytes(self):
        total = 0
        node = self._head
        while node is not None:
            total += node.sz
            node = node.next
        return total

    def __len__(self):
        return self._count

    # -- linking ---------------------------------------------------------

    def _link_after(self, node, new):
        nxt = node.next
        new.prev = node
        new.next = nxt
        node.next = new
        if nxt is None:
            self._tail = new
        else:
            nxt.prev = new
        self._nodes += 1

    def _link_before(self, node, new):
        prv = node.prev
        new.next = node
        new.prev = prv
        node.prev = new
        if prv is None:
            self._head = new
        else:
            prv.next = new
        self._nodes += 1

    def _unlink(self, node):
        prv = node.prev
        nxt = node.next
        if prv is None:
            self._head = nxt
        else:
            prv.next = nxt
        if nxt is None:
            self._tail = prv
        else:
            nxt.prev = prv
        node.prev = None
        node.next = None
        self._nodes -= 1

    def _mergeable(self, a, b):
        """_quicklistNodeAllowMerge: the merged size is estimated as both
        sizes less 11 bytes (a ziplist's header and end), 4 more than the
        listpack header and end byte the merge saves."""
        return (a is not None and b is not None and not a.plain and not b.plain
                and a.sz + b.sz - 11 <= self._limit
                and a.count + b.count <= self._maxcount)

    def _merge(self, a, b):
        a.items.extend(b.view())
        a.sz += b.sz - _LP_OVERHEAD
        self._unlink(b)
        return a

    def _merge_around(self, center):
        """_quicklistMergeNodes: the two nodes before ``center``, the two
        after it, then ``center`` with what precedes and follows it."""
        prev = center.prev
        prev_prev = prev.prev if prev is not None else None
        nxt = center.next
        next_next = nxt.next if nxt is not None else None
        if self._mergeable(prev_prev, prev):
            self._merge(prev_prev, prev)
        if self._mergeable(nxt, next_next):
            self._merge(nxt, next_next)
        target = center
        if self._mergeable(center.prev, center):
            target = self._merge(center.prev, center)
        if self._mergeable(target, target.next):
            self._merge(target, target.next)

    def _seek(self, i):
        """Node and offset of element ``i`` (0 <= i < len), walking from the
        nearer end and skipping whole nodes by their counts."""
        if i <= (self._count - 1) >> 1:
            node = self._head
            n = node.count
            while i >= n:
                i -= n
                node = node.next
                n = node.count
            return node, i
        j = self._count - 1 - i
        node = self._tail
        n = node.count
        while j >= n:
            j -= n
            node = node.prev
            n = node.count
        return node, n - 1 - j

    # -- pushes and pops ---------------------------------------------------

    def push_tail(self, v):
        if type(v) is not bytes:
            raise TypeError(_NOT_BYTES)
        n = len(v)
        # A node takes an element while its size plus the element's string
        # size fits (Redis's estimate); it then grows by what the element
        # really takes, less for an integer.
        esz = _estimate(n)
        act = n + 2 if n < 64 else _entry_size(n)
        if 0 < n <= 20 and (47 < v[0] < 58 or v[0] == 45):
            act = _INT_SIZES.get(v) or _int_entry_size(v) or act
        t = self._tail
        if n >= _packed_threshold:
            node = _plain_node(v)
        elif (t is not None and t.sz + esz <= self._limit
                and t.count < self._maxcount and not t.plain):
            t.items.append(v)
            t.sz += act
            node = None
        else:
            node = _Node([v], act + _LP_OVERHEAD)
        if node is not None:
            node.prev = t
            if t is None:
                self._head = node
            else:
                t.next = node
                if t.prev is not None:
                    t.pack()
            self._tail = node
            self._nodes += 1
        self._count += 1

    def push_head(self, v):
        if type(v) is not bytes:
            raise TypeError(_NOT_BYTES)
        n = len(v)
        esz = _estimate(n)
        act = n + 2 if n < 64 else _entry_size(n)
        if 0 < n <= 20 and (47 < v[0] < 58 or v[0] == 45):
            act = _INT_SIZES.get(v) or _int_entry_size(v) or act
        h = self._head
        if n >= _packed_threshold:
            node = _plain_node(v)
        elif (h is not None and h.sz + esz <= self._limit
                and h.count < self._maxcount and not h.plain):
            h.items.insert(0, v)
            h.sz += act
            node = None
        else:
            node = _Node([v], act + _LP_OVERHEAD)
        if node is not None:
            node.next = h
            if h is None:
                self._tail = node
            else:
                h.prev = node
                if h.next is not None:
                    h.pack()
            self._head = node
            self._nodes += 1
        self._count += 1

    def extend_tail(self, values):
        push = self.push_tail
        for v in values:
            push(v)

    def extend_head(self, values):
        push = self.push_head
        for v in values:
            push(v)

    def pop_head(self):
        h = self._head
        if h is None:
            return None
        items = h.items
        v = items.pop(0)
        self._count -= 1
        if items:
            n = len(v)
            if 0 < n <= 20 and (47 < v[0] < 58 or v[0] == 45):
                h.sz -= _INT_SIZES.get(v) or _int_entry_size(v) or n + 2
            else:
                h.sz -= n + 2 if n < 64 else _entry_size(n)
        else:
            self._unlink(h)
        return v

    def pop_tail(self):
        t = self._tail
        if t is None:
            return None
        items = t.items
        v = items.pop()
        self._count -= 1
        if items:
            n = len(v)
            if 0 < n <= 20 and (47 < v[0] < 58 or v[0] == 45):
                t.sz -= _INT_SIZES.get(v) or _int_entry_size(v) or n + 2
            else:
                t.sz -= n + 2 if n < 64 else _entry_size(n)
        else:
            self._unlink(t)
        return v

    def pop_head_many(self, count):
        out = []
        pop = self.pop_head
        while count > 0 and self._count:
            out.append(pop())
            count -= 1
        return out

    def pop_tail_many(self, count):
        out = []
        pop = self.pop_tail
        while count > 0 and self._count:
            out.append(pop())
            count -= 1
        return out

    # -- random access -------------------------------------------------------

    def index(self, i):
        count = self._count
        if i < 0:
            i += count
        if i < 0 or i >= count:
            return None
        node, off = self._seek(i)
        return node.view()[off]

    def replace(self, i, v):
        if type(v) is not bytes:
            raise TypeError(_NOT_BYTES)
        count = self._count
        if i < 0:
            i += count
        if i < 0 or i >= count:
            return False
        node, off = self._seek(i)
        items = node.items
        n = len(v)
        esz = _estimate(n)
        act = _size(v)
        if node.plain or n >= _packed_threshold:
            self._replace_plain(node, off, v, esz, act)
            return True
        # quicklistReplaceEntry replaces in place, whatever the node's size then.
        node.sz += act - _size(items[off])
        items[off] = v
        return True

    def _replace_plain(self, node, off, v, esz, act):
        """Replace where a plain node is involved, as quicklistReplaceEntry:
        a large value takes a plain node of its own, a small one leaving a
        plain node goes to the head of the next node if it fits there."""
        if len(v) >= _packed_threshold:
            if node.plain:
                node.items[0] = v
                node.sz = len(v)
            else:
                self._split_plain(node, off, 1, v)
            return
        nxt = node.next
        if (nxt is not None and nxt.sz + esz <= self._limit
                and nxt.count < self._maxcount and not nxt.plain):
            nxt.items.insert(0, v)
            nxt.sz += act
            self._unlink(node)
        else:
            node.plain = False
            node.items[0] = v
            node.sz = act + _LP_OVERHEAD

    def _split_plain(self, node, pos, drop, v):
        """Split packed ``node`` at ``pos``, dropping ``drop`` elements there,
        with a plain node for ``v`` between the halves; nothing merges."""
        items = node.items
        left = items[:pos]
        right = items[pos + drop:]
        mid = _plain_node(v)
        if left:
            node.items = left
            node.sz = _LP_OVERHEAD + _items_size(left)
            self._link_after(node, mid)
        else:
            self._link_before(node, mid)
        if right:
            if left:
                self._link_after(mid, _Node(right, _LP_OVERHEAD + _items_size(right)))
            else:
                node.items = right
                node.sz = _LP_OVERHEAD + _items_size(right)
        elif not left:
            self._unlink(node)

    def insert_before(self, i, v):
        return self._insert(i, v, False)

    def insert_after(self, i, v):
        return self._insert(i, v, True)

    def insert_pivot(self, pivot, v, after):
        """Insert ``v`` next to the first element equal to ``pivot``, walking
        from the head. Returns False when there is no such element."""
        if type(v) is not bytes or type(pivot) is not bytes:
            raise TypeError(_NOT_BYTES)
        node = self._head
        while node is not None:
            items = node.view()
            if pivot in items:
                off = items.index(pivot)
                self._insert_at(node, off + 1 if after else off, v, after)
                return True
            node = node.next
        return False

    def _insert(self, i, v, after):
        if type(v) is not bytes:
            raise TypeError(_NOT_BYTES)
        count = self._count
        if i < 0:
            i += count
        if i < 0 or i >= count:
            return False
        node, off = self._seek(i)
        self._insert_at(node, off + 1 if after else off, v, after)
        return True

    def _insert_at(self, node, pos, v, after):
        """Put ``v`` at offset ``pos`` (0..count) of ``node``, as
        _quicklistInsert: in the node if it has room, else at the edge of
        the neighbour past the node's edge if that one has room, else in a
        node of its own there; else the node is split at ``pos`` and ``v``
        joins the part that is not the node (the part after it when
        inserting after an element), and the nodes around merge."""
        n = len(v)
        esz = _estimate(n)
        act = _size(v)
        limit = self._limit
        maxcount = self._maxcount
        items = node.items
        n = len(items)
        if len(v) >= _packed_threshold:
            # quicklist's _quicklistInsert for a large element: a plain node
            # beside the node at its edges (or beside a plain one), else a split
            if pos == n:
                self._link_after(node, _plain_node(v))
            elif pos == 0:
                self._link_before(node, _plain_node(v))
            else:
                self._split_plain(node, pos, 0, v)
        elif node.sz + esz <= limit and n < maxcount and not node.plain:
            items.insert(pos, v)
            node.sz += act
        elif pos == n and (node.next is not None or node.plain):
            nxt = node.next
            if (nxt is not None and nxt.sz + esz <= limit
                    and nxt.count < maxcount and not nxt.plain):
                nxt.items.insert(0, v)
                nxt.sz += act
            else:
                self._link_after(node, _Node([v], act + _LP_OVERHEAD))
        elif pos == 0 and (node.prev is not None or node.plain):
            prv = node.prev
            if (prv is not None and prv.sz + esz <= limit
                    and prv.count < maxcount and not prv.plain):
                prv.items.append(v)
                prv.sz += act
            else:
                self._link_before(node, _Node([v], act + _LP_OVERHEAD))
        else:
            # _quicklistSplitNode
            left = items[:pos]
            right = items[pos:]
            if after:
                node.items = left
                node.sz = _LP_OVERHEAD + _items_size(left)
                right.insert(0, v)
                self._link_after(node, _Node(right, _LP_OVERHEAD + _items_size(right)))
            else:
                node.items = right
                node.sz = _LP_OVERHEAD + _items_size(right)
                left.append(v)
                self._link_before(node, _Node(left, _LP_OVERHEAD + _items_size(left)))
            self._merge_around(node)
        self._count += 1

    # -- deletion ----------------------------------------------------------

    def delete_range(self, start, count):
        """Delete ``count`` elements from index ``start`` (negative counts
        from the tail); the count is cut at the list's end. Returns the
        number of elements deleted."""
        total = self._count
        if count <= 0:
            return 0
        if start < 0:
            start += total
        if start < 0 or start >= total:
            return 0
        if count > total - start:
            count = total - start
        node, off = self._seek(start)
        remaining = count
        while remaining:
            n = node.count
            nxt = node.next
            if off == 0 and remaining >= n:
                self._unlink(node)
                remaining -= n
            else:
                items = node.items
                end = off + remaining
                if end > n:
                    end = n
                node.sz -= _items_size(items[off:end])
                del items[off:end]
                remaining -= end - off
            off = 0
            node = nxt
        self._count -= count
        return count

    def trim(self, start, stop):
        """Keep only the elements from ``start`` to ``stop`` inclusive, with
        LTRIM's index rules. Returns the number of elements deleted."""
        total = self._count
        if start < 0:
            start += total
        if stop < 0:
            stop += total
        if start < 0:
            start = 0
        if start > stop or start >= total:
            ltrim = total
            rtrim = 0
        else:
            if stop >= total:
                stop = total - 1
            ltrim = start
            rtrim = total - stop - 1
        deleted = 0
        if ltrim:
            deleted += self.delete_range(0, ltrim)
        if rtrim:
            deleted += self.delete_range(-rtrim, rtrim)
        return deleted

    def remove(self, value, count):
        """Delete elements equal to ``value``, as LREM does: the first
        ``count`` from the head when ``count`` > 0, the last ``-count`` from
        the tail when ``count`` < 0, all when 0. Returns how many."""
        if type(value) is not bytes:
            raise TypeError(_NOT_BYTES)
        count = _index_arg(count)
        limit = count if count >= 0 else -count
        if limit > _MAXSIZE:
            limit = _MAXSIZE
        esz = _size(value)
        removed = 0
        if count >= 0:
            node = self._head
            while node is not None:
                nxt = node.next
                items = node.view()
                if value in items:
                    need = limit - removed if limit else len(items)
                    keep, k = _without(items, value, need, False)
                    removed += k
                    if keep:
                        node.items = keep
                        node.sz -= k * esz
                    else:
                        self._unlink(node)
                    if limit and removed >= limit:
                        break
                node = nxt
        else:
            node = self._tail
            while node is not None:
                prv = node.prev
                items = node.view()
                if value in items:
                    keep, k = _without(items, value, limit - removed, True)
                    removed += k
                    if keep:
                        node.items = keep
                        node.sz -= k * esz
                    else:
                        self._unlink(node)
                    if removed >= limit:
                        break
                node = prv
        self._count -= removed
        return removed

    # -- reading -----------------------------------------------------------

    def range(self, start, stop):
        """Elements from ``start`` to ``stop`` inclusive, with LRANGE's index
        rules (out-of-range bounds are clamped, an empty range gives [])."""
        total = self._count
        if start < 0:
            start += total
        if stop < 0:
            stop += total
        if start < 0:
            start = 0
        if start > stop or start >= total:
            return []
        if stop >= total:
            stop = total - 1
        want = stop - start + 1
        node, off = self._seek(start)
        out = node.view()[off:off + want]
        want -= len(out)
        while want > 0:
            node = node.next
            items = node.view()
            if len(items) <= want:
                out.extend(items)
                want -= len(items)
            else:
                out.extend(items[:want])
                want = 0
        return out

    def encode_range(self, start, stop):
        """``range(start, stop)`` as a RESP array of bulk strings (LRANGE's
        reply); the compiled twin writes it with no list of the elements between."""
        return encode_bulks(self.range(start, stop))

    def iter_from(self, index, reverse=False):
        """Iterate from element ``index`` towards the tail, or towards the
        head when ``reverse``. Nothing is yielded when ``index`` is out of
        range. The list must not be modified while iterating."""
        total = self._count
        if index < 0:
            index += total
        if index < 0 or index >= total:
            return iter(())
        node, off = self._seek(index)
        return _walk(node, off, total, reverse)

    def iter_range(self, start, stop, reverse=False):
        """Iterate the LRANGE-normalised range ``start``..``stop``, from
        ``start`` up or, when ``reverse``, from ``stop`` down."""
        total = self._count
        if start < 0:
            start += total
        if stop < 0:
            stop += total
        if start < 0:
            start = 0
        if start > stop or start >= total:
            return iter(())
        if stop >= total:
            stop = total - 1
        node, off = self._seek(stop if reverse else start)
        return _walk(node, off, stop - start + 1, reverse)

    def __iter__(self):
        if self._head is None:
            return iter(())
        return _walk(self._head, 0, self._count, False)

    def __reversed__(self):
        t = self._tail
        if t is None:
            return iter(())
        return _walk(t, t.count - 1, self._count, True)

    def find(self, value, rank=1, count=1, maxlen=0):
        """Indexes of elements equal to ``value``, as LPOS finds them: skip
        the first ``|rank| - 1`` matches, walking from the head when ``rank``
        > 0 and from the tail when < 0; return at most ``count`` indexes (0
        for all) and compare at most ``maxlen`` elements (0 for all)."""
        if type(value) is not bytes:
            raise TypeError(_NOT_BYTES)
        rank = _index_arg(rank)
        count = _index_arg(count)
        maxlen = _index_arg(maxlen)
        if rank == 0:
            raise ValueError("rank must not be zero")
        if count < 0:
            raise ValueError("count must not be negative")
        if maxlen < 0:
            raise ValueError("maxlen must not be negative")
        skip = rank - 1 if rank > 0 else -rank - 1
        if skip > _MAXSIZE:
            skip = _MAXSIZE
        if count > _MAXSIZE:
            count = _MAXSIZE
        total = self._count
        budget = total if maxlen == 0 or maxlen > total else maxlen
        out = []
        base = 0
        if rank > 0:
            node = self._head
            while node is not None and budget > 0:
                items = node.view()
                n = len(items)
                end = n if n <= budget else budget
                p = _index_in(items, value, 0, end)
                while p >= 0:
                    if skip:
                        skip -= 1
                    else:
                        out.append(base + p)
                        if len(out) == count:
                            return out
                    p = _index_in(items, value, p + 1, end)
                budget -= end
                base += n
                node = node.next
        else:
            node = self._tail
            while node is not None and budget > 0:
                items = node.view()
                n = len(items)
                begin = n - budget if n > budget else 0
                hits = []
                p = _index_in(items, value, begin, n)
                while p >= 0:
                    hits.append(p)
                    p = _index_in(items, value, p + 1, n)
                for h in reversed(hits):
                    if skip:
                        skip -= 1
                    else:
                        out.append(total - 1 - (base + n - 1 - h))
                        if len(out) == count:
                            return out
                budget -= n - begin
                base += n
                node = node.prev
        return out

    # -- whole list ----------------------------------------------------------

    def copy(self):
        """A new QuickList with the same settings, elements and layout."""
        other = QuickList(self._fill, self._compress)
        node = self._head
        while node is not None:
            if node.packed is not None:
                new = _Node(None, node.sz)
                new.packed = node.packed
                new.n = node.n
            else:
                new = _Node(node.items[:], node.sz, node.plain)
            t = other._tail
            new.prev = t
            if t is None:
                other._head = new
            else:
                t.next = new
            other._tail = new
            node = node.next
        other._count = self._count
        other._nodes = self._nodes
        return other

    def nodes(self):
        """(count, size, plain, elements) of each node, head first (DEBUG QUICKLIST)."""
        out = []
        node = self._head
        while node is not None:
            out.append((node.count, node.sz, node.plain, list(node.view())))
            node = node.next
        return out

    def head_sizes(self, count):
        """The byte sizes of the first ``count`` nodes, head first (MEMORY USAGE samples them)."""
        out = []
        node = self._head
        while node is not None and len(out) < count:
            out.append(node.sz)
            node = node.next
        return out

    def node_layout(self):
        out = []
        node = self._head
        while node is not None:
            out.append(node.count)
            node = node.next
        return out

    def verify(self):
        """Check every structural invariant; raise AssertionError naming the
        first one broken."""
        maxcount = self._maxcount
        if (self._head is None) != (self._tail is None):
            raise AssertionError("head and tail disagree on emptiness")
        forward = []
        count = 0
        prev = None
        node = self._head
        while node is not None:
            pos = len(forward)
            if node.prev is not prev:
                raise AssertionError("node %d: prev link broken" % pos)
            if node.packed is not None:
                if node._items is not None or node.plain:
                    raise AssertionError("node %d: packed and unpacked" % pos)
                if _pack(node.view()) != node.packed:
                    raise AssertionError("node %d: packed string malformed" % pos)
            elif node._items is None:
                raise AssertionError("node %d: no elements" % pos)
            items = node.view()
            n = len(items)
            if n == 0:
                raise AssertionError("node %d: empty" % pos)
            for x in items:
                if type(x) is not bytes:
                    raise AssertionError("node %d: element is not bytes" % pos)
            if node.plain:
                if n != 1 or node.sz != len(items[0]):
                    raise AssertionError("node %d: plain node holds %d elements in %d bytes"
                                         % (pos, n, node.sz))
                forward.append(node)
                count += n
                prev = node
                node = node.next
                continue
            sz = _LP_OVERHEAD + _items_size(items)
            if sz != node.sz:
                raise AssertionError("node %d: size %d recorded, %d actual"
                                     % (pos, node.sz, sz))
            # Sizes may pass the fill (an in-place replace, a merge's
            # estimate); counts never pass a count fill.
            if n > 1 and n > maxcount:
                raise AssertionError("node %d: %d elements break fill %d"
                                     % (pos, n, self._fill))
            forward.append(node)
            count += n
            prev = node
            node = node.next
        if prev is not self._tail:
            raise AssertionError("tail is not the last node")
        pos = len(forward)
        node = self._tail
        while node is not None:
            pos -= 1
            if pos < 0 or forward[pos] is not node:
                raise AssertionError("backward walk differs from forward walk")
            node = node.prev
        if pos != 0:
            raise AssertionError("backward walk differs from forward walk")
        if count != self._count:
            raise AssertionError("%d elements recorded, %d in nodes"
                                 % (self._count, count))
        if len(forward) != self._nodes:
            raise AssertionError("%d nodes recorded, %d linked"
                                 % (self._nodes, len(forward)))


def _walk(node, off, left, reverse):
    # each node is sliced before yielding so a node's list is never read
    # half-way through a change
    if reverse:
        while left > 0:
            chunk = node.view()[off - left + 1 if left <= off else 0:off + 1]
            chunk.reverse()
            yield from chunk
            left -= len(chunk)
            node = node.prev
            if node is None:
                return
            off = node.count - 1
    else:
        while left > 0:
            chunk = node.view()[off:off + left]
            yield from chunk
            left -= len(chunk)
            node = node.next
            if node is None:
                return
            off = 0


def _index_in(items, value, start, end):
    try:
        return items.index(value, start, end)
    except ValueError:
        return -1


def _without(items, value, need, from_end):
    """``items`` without its first (or last, ``from_end``) ``need``
    occurrences of ``value``, and how many were dropped."""
    hits = []
    p = _index_in(items, value, 0, len(items))
    while p >= 0:
        hits.append(p)
        p = _index_in(items, value, p + 1, len(items))
    if len(hits) > need:
        hits = hits[len(hits) - need:] if from_end else hits[:need]
    keep = []
    prev = 0
    for p in hits:
        keep.extend(items[prev:p])
        prev = p + 1
    keep.extend(items[prev:])
    return keep, len(hits)
