"""The hash container: a KeyTable of field -> value (both bytes) that knows its Redis encoding.

Redis keeps a small hash as a listpack (fields in insertion order; an update
keeps the field's place, a delete and re-add moves it to the end), exactly the
order of a Python dict, which the KeyTable twins keep (the compiled one keeps
each field's bytes in its entry, as it keeps a db's keys).  It converts the hash to a hashtable for good once it
holds more than ``hash-max-listpack-entries`` fields or a field or value
longer than ``hash-max-listpack-value`` bytes.  ``listpack`` mirrors that
state: replies keep insertion order while it is True; afterwards Redis's
order is its hash table's and clients cannot rely on it.

Mutate through ``store``/``remove`` so the random-pick index stays right.
"""
import itertools

from .. import db, memsize
from .._speedups import KeyTable
from . import ENCODINGS

LISTPACK = b"listpack"
HASHTABLE = b"hashtable"


class Hash(KeyTable):
    # ``index``: a types.RandomIndex once the hash was sampled (HRANDFIELD), else None.
    # ``table_from``: the slots Redis's table had when the hash became one
    # (hashTypeConvertListpack presizes it to the fields then held), 0 if unknown.
    __slots__ = ("listpack", "index", "table_from")

    def __init__(self, items=(), listpack=True):
        KeyTable.__init__(self, items)
        self.listpack = listpack
        self.index = None
        self.table_from = 0

    def to_table(self):
        """Leave the listpack encoding: hashTypeConvertListpack's dictExpand to the fields held."""
        self.listpack = False
        self.table_from = memsize.dict_slots(len(self))

    @classmethod
    def build(cls, items, max_entries, max_value):
        """A hash holding ``items`` with the encoding Redis gives one loaded whole (RDB, RESTORE)."""
        h = cls(items)
        h.listpack = len(h) <= max_entries and all(
            len(f) <= max_value and len(v) <= max_value for f, v in h.items())
        if not h.listpack:
            h.to_table()
        return h

    def copy(self):
        h = Hash(self, self.listpack)
        h.table_from = self.table_from
        return h

    def __reduce__(self):
        return (Hash, (dict(self), self.listpack))

    def check_lengths(self, args, max_value):
        """Redis hashTypeTryConversion: any argument too long for a listpack converts first."""
        if self.listpack:
            for a in args:
                if len(a) > max_value:
                    self.to_table()
                    return

    def store(self, field, value, max_entries, max_value):
        """Redis hashTypeSet: set ``field``; True if it is new."""
        if not self.listpack and self.index is None:
            # A hashtable without a sampling index: nothing to convert or keep.
            new = field not in self
            self[field] = value
            return new
        if self.listpack and (len(field) > max_value or len(value) > max_value):
            self.to_table()
        new = field not in self
        self[field] = value
        if new and self.index is not None:
            self.index.add(field)
        # Checked after updates too: a lowered limit converts on the next write.
        if self.listpack and len(self) > max_entries:
            self.to_table()
        return new

    def remove(self, field):
        """Delete ``field``; True if it was there."""
        if self.pop(field, None) is None:
            return False
        if self.index is not None:
            self.index.discard(field)
        return True


def encoding(value, config):
    return LISTPACK if value.listpack else HASHTABLE


db.TYPE_NAMES[Hash] = b"hash"
ENCODINGS[Hash] = encoding


def _memory(h, samples):
    if h.listpack:
        return memsize.ROBJ + memsize.listpack(itertools.chain.from_iterable(h.items()))
    slots = memsize.dict_slots(len(h))
    if slots > h.table_from:
        slots = memsize.growing_dict_slots(len(h), 2)
    else:
        # Not grown since it was presized: one table, no rehashing.
        slots = h.table_from
    return (memsize.ROBJ + memsize.DICT + 8 * slots
            + memsize._sampled(iter(h.items()), len(h), samples,
                               lambda fv: memsize.DICT_ENTRY + memsize.sds(len(fv[0]))
                               + memsize.sds(len(fv[1]))))


memsize.SIZERS[Hash] = _memory
