"""The set container: a Python ``set`` of bytes members that knows its Redis encoding.

Redis 7.0 keeps a set as an intset while every member is an integer by
``string2ll``'s rules and it has at most ``set-max-intset-entries`` members,
and converts it to a hashtable for good when either stops being true.  An
intset is sorted, so Redis replies its members in ascending numeric order;
``ordered`` gives that order.  A hashtable set replies in its hash table's
order, which clients cannot rely on.

Mutate through ``add_members``/``remove_member`` so the random-pick index
stays right.  An intset also remembers its width (2, 4 or 8 bytes a member):
intsetAdd widens it for a member that needs more and nothing narrows it
again, so an RDB or DUMP of it writes that width, as Redis does.
"""
from .. import db, memsize
from .._speedups import parse_int
from . import ENCODINGS

INTSET = b"intset"
HASHTABLE = b"hashtable"

# intset.c cannot grow past this many entries, whatever the config says.
INTSET_MAX = 1 << 30


def is_intset_member(member):
    return parse_int(member) is not None


def intset_width(members, width=2):
    """The width an intset of ``width`` has after adding the integer ``members`` (others skipped)."""
    for m in members:
        if width == 8:
            break
        n = parse_int(m)
        if n is None or -32768 <= n <= 32767:
            continue
        width = 4 if -2147483648 <= n <= 2147483647 and width < 8 else 8
    return width


def fits_intset(members, max_entries):
    """Whether Redis would hold ``members``, added one by one to an empty intset, as an intset."""
    if len(members) > min(max_entries, INTSET_MAX):
        return False
    if members.__class__ is Set and members.intset:
        return True
    return all(parse_int(m) is not None for m in members)


class Set(set):
    # ``index``: a types.RandomIndex once the set was sampled (SPOP, SRANDMEMBER), else None.
    # ``table_from``: the slots Redis's table had when the set became one
    # (setTypeConvert presizes it to the intset's length), 0 if it grew from empty.
    __slots__ = ("intset", "index", "width", "table_from")

    def __init__(self, members=(), intset=True, width=0):
        set.__init__(self, members)
        self.intset = intset
        self.index = None
        self.width = width or (intset_width(self) if intset else 2)
        self.table_from = 0

    @classmethod
    def build(cls, members, max_entries):
        """A set of ``members`` encoded as Redis encodes a set built by adding them (setTypeAdd)."""
        s = cls(members, False)
        if fits_intset(s, max_entries):
            s.reset_intset()
        return s

    def reset_intset(self):
        """Encoded as an intset built afresh from the members (setTypeCreate, then adds)."""
        self.intset = True
        self.width = intset_width(self)

    @classmethod
    def for_first_member(cls, member):
        """An empty set encoded as Redis's setTypeCreate(member) creates it."""
        return cls(intset=is_intset_member(member))

    def copy(self):
        s = Set(self, self.intset, self.width)
        s.table_from = self.table_from
        return s

    def __reduce__(self):
        return (Set, (set(self), self.intset, self.width))

    def add_members(self, members, max_entries):
        """Redis setTypeAdd for each of ``members``; the number that were new."""
        before = len(self)
        converted_at = 0
        if self.intset and (before + len(members) > min(max_entries, INTSET_MAX)
                            or not all(parse_int(m) is not None for m in members)):
            converted_at = self._conversion_length(members, max_entries)
        index = self.index
        if index is None:
            self.update(members)
        else:
            for m in members:
                if m not in self:
                    self.add(m)
                    index.add(m)
        added = len(self) - before
        # A member already present in an intset is an integer, so checking
        # every argument is the same as checking the new ones.
        if added and self.intset:
            if (len(self) > min(max_entries, INTSET_MAX)
                    or not all(parse_int(m) is not None for m in members)):
                self.intset = False
                self.table_from = memsize.dict_slots(converted_at)
            else:
                self.width = intset_width(members, self.width)
        return added

    def _conversion_length(self, members, max_entries):
        """The intset's length when adding ``members`` one by one converts it (setTypeAdd):
        at a member that is not an integer, or once it holds more than the limit."""
        limit = min(max_entries, INTSET_MAX)
        n = len(self)
        seen = set()
        for m in members:
            if parse_int(m) is None:
                return n
            if m not in self and m not in seen:
                seen.add(m)
                n += 1
                if n > limit:
                    return n
        return n

    def add_member(self, member, max_entries):
        if member in self:
            return False
        self.add_members((member,), max_entries)
        return True

    def remove_member(self, member):
        """Delete ``member``; True if it was there."""
        if member not in self:
            return False
        self.remove(member)
        if self.index is not None:
            self.index.discard(member)
        return True

    def ordered(self):
        """The members in the order Redis iterates them: ascending for an intset."""
        if self.intset:
            return sorted(self, key=int)
        return list(self)


def encoding(value, config):
    return INTSET if value.intset else HASHTABLE


db.TYPE_NAMES[Set] = b"set"
ENCODINGS[Set] = encoding


def _memory(s, samples):
    if s.intset:
        return memsize.ROBJ + memsize.alloc(memsize.INTSET_HEADER + s.width * len(s))
    slots = memsize.dict_slots(len(s))
    if slots > s.table_from:
        slots = memsize.growing_dict_slots(len(s))
    else:
        # Not grown since it was presized: one table, no rehashing.
        slots = s.table_from
    return (memsize.ROBJ + memsize.DICT + 8 * slots
            + memsize._sampled(iter(s), len(s), samples,
                               lambda m: memsize.DICT_ENTRY + memsize.sds(len(m))))


memsize.SIZERS[Set] = _memory
