"""SORT and SORT_RO (Redis sort.c), over lists, sets and sorted sets.

Options are parsed first, then the key is type-checked, then weights are
loaded; a weight that is not a double fails the command only after every
weight was looked up, as sortCommandGeneric does.  Patterns are read as C
strings by Redis (``strchr``/``strstr``), so bytes after a NUL never hold the
``*`` or the ``->``.
"""
from .. import errors, reply
from .._speedups import QuickList
from ..errors import CommandError, E_SYNTAX, E_WRONGTYPE
from ..numbers import parse_int
from ..types.hash import Hash
from ..types.zset import ZSet
from . import command
from .zsets import strtod


def _cstr(value):
    """The bytes C string functions see: up to the first NUL."""
    nul = value.find(b"\0")
    return value if nul < 0 else value[:nul]


def _long(arg):
    n = parse_int(arg)
    if n is None:
        raise errors.E_NOT_INTEGER
    return n


def lookup_by_pattern(database, pattern, subst):
    """lookupKeyByPattern: ``#``, ``key*`` (a string) or ``key*->field`` (a hash field)."""
    spat = _cstr(pattern)
    if spat == b"#":
        return subst
    star = spat.find(b"*")
    if star < 0:
        return None
    arrow = spat.find(b"->", star + 1)
    field = None
    if arrow >= 0 and arrow + 2 < len(spat):
        field = pattern[arrow + 2:]
        postfix = pattern[star + 1:arrow]
    else:
        postfix = pattern[star + 1:]
    # Redis reads pattern keys without touching them (LOOKUP_NOTOUCH).
    value = database.lookup_read(pattern[:star] + subst + postfix, False)
    if value is None:
        return None
    if field is not None:
        if value.__class__ is not Hash:
            return None
        return value.get(field)
    if value.__class__ is bytes:
        return value
    if value.__class__ is bytearray:
        return bytes(value)
    return None


def _sort_keys(argv):
    """sortGetKeys: the sorted key, and the key after the last STORE."""
    keys = [1]
    store = None
    skips = {b"limit": 2, b"get": 1, b"by": 1}
    i = 2
    n = len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt in skips:
            i += skips[opt]
        elif opt == b"store" and i + 1 < n:
            store = i + 1
        i += 1
    if store is not None:
        keys.append(store)
    return keys


def _sort_generic(c, argv, readonly):
    desc = alpha = dontsort = False
    limit_start, limit_count = 0, -1
    sortby = store = None
    gets = []
    j = 2
    n = len(argv)
    while j < n:
        opt = argv[j].lower()
        left = n - j - 1
        if opt == b"asc":
            desc = False
        elif opt == b"desc":
            desc = True
        elif opt == b"alpha":
            alpha = True
        elif opt == b"limit" and left >= 2:
            limit_start = _long(argv[j + 1])
            limit_count = _long(argv[j + 2])
            j += 2
        elif not readonly and opt == b"store" and left >= 1:
            store = argv[j + 1]
            j += 1
        elif opt == b"by" and left >= 1:
            sortby = argv[j + 1]
            # A pattern without '*' means "do not sort"; a later BY does not undo it.
            if b"*" not in _cstr(sortby):
                dontsort = True
            j += 1
        elif opt == b"get" and left >= 1:
            gets.append(argv[j + 1])
            j += 1
        else:
            raise E_SYNTAX
        j += 1

    database = c.db
    value = database.lookup_read(argv[1])
    if value is None:
        kind = "list"
        elements = []
    elif value.__class__ is QuickList:
        kind = "list"
    elif isinstance(value, set):
        kind = "set"
    elif value.__class__ is ZSet:
        kind = "zset"
    else:
        raise E_WRONGTYPE
    if dontsort and kind == "set" and (store is not None or c is c.server.scripting.client):
        # A set has no order of its own: a stored result, or a script's, must not depend on it.
        dontsort = False
        alpha = True
        sortby = None
    if kind == "zset":
        # Redis converts a listpack sorted set for good before sorting it.
        value.to_skiplist()

    size = len(value) if value is not None else 0
    start = 0 if limit_start < 0 else limit_start
    end = size - 1 if limit_count < 0 else start + limit_count - 1
    if start >= size:
        start = size - 1
        end = size - 2
    if end >= size:
        end = size - 1

    if dontsort and kind != "set" and value is not None:
        # Lists and sorted sets keep their own order: load just the range.
        wanted = end - start + 1 if (start != 0 or end != size - 1) else size
        if kind == "list":
            items = list(reversed(list(value))) if desc else list(value)
        else:
            items = [m for _, m in value.slice(0, size, reverse=desc)]
        elements = items[start:start + wanted] if end >= start else []
        if kind == "zset" or end >= start:
            end -= start
            start = 0
    elif value is not None:
        if kind == "zset":
            elements = list(value.scores)
        elif kind == "set" and hasattr(value, "ordered"):
            # An intset is walked in ascending order; a hashtable in no order clients may rely on.
            elements = value.ordered()
        else:
            elements = list(value)

    if not dontsort and elements:
        not_double = False
        if alpha:
            if sortby is not None:
                keyed = []
                for elem in elements:
                    by = lookup_by_pattern(database, sortby, elem)
                    if by is None:
                        keyed.append(((0,), elem))
                    else:
                        keyed.append(((1, by if store is not None else _cstr(by)), elem))
            elif store is not None:
                keyed = [(elem, elem) for elem in elements]
            else:
                keyed = [(_cstr(elem), elem) for elem in elements]
        else:
            keyed = []
            for elem in elements:
                by = lookup_by_pattern(database, sortby, elem) if sortby is not None else elem
                score = 0.0
                if by is not None:
                    parsed = strtod(by)
                    if parsed is None or parsed[1] or parsed[0] != parsed[0]:
                        not_double = True
                    else:
                        score = parsed[0]
                keyed.append(((score, elem), elem))
        if not_double:
            raise CommandError(errors.SORT_NOT_DOUBLE)
        keyed.sort(key=lambda pair: pair[0], reverse=desc)
        elements = [elem for _, elem in keyed]

    picked = elements[start:end + 1] if end >= start else []
    if store is None:
        if not gets:
            return reply.bulks(picked)
        out = []
        for elem in picked:
            for pattern in gets:
                found = lookup_by_pattern(database, pattern, elem)
                out.append(reply.NULL if found is None else reply.bulk(found))
        return reply.Array(out)
    cfg = c.server.config
    result = QuickList(cfg["list-max-listpack-size"], cfg["list-compress-depth"])
    for elem in picked:
        if not gets:
            result.push_tail(elem)
            continue
        for pattern in gets:
            found = lookup_by_pattern(database, pattern, elem)
            result.push_tail(found if found is not None else b"")
    if len(result):
        database.store(store, result)
        database.signal(store, ("l", "sortstore"), len(result))
    elif database.delete(store):
        database.signal(store, ("g", "del"))
    return reply.integer(len(result))


# SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]
#      [STORE destination]
@command("sort", -2, "write denyoom movablekeys", keys=(1, 1, 1), group="generic",
         event=("l", "sortstore"), getkeys=_sort_keys)
def sort(c, argv):
    return _sort_generic(c, argv, False)


# SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]
@command("sort_ro", -2, "readonly movablekeys", keys=(1, 1, 1), group="generic")
def sort_ro(c, argv):
    return _sort_generic(c, argv, True)
