"""Geo commands (Redis's geo.c): positions stored as sorted-set scores.

A member's score is its 52-bit interleaved geohash (``pyredis.geohash``), so
a geo key is an ordinary sorted set: ZRANGE shows the same scores as Redis,
and a search scans the score ranges of the nine cells around the centre, in
Redis's order, keeping the members inside the shape.
"""
from .. import errors, reply
from ..errors import CommandError, E_NOT_FLOAT, E_NOT_INTEGER, E_SYNTAX
from ..geohash import (LAT_MAX, LAT_MIN, LONG_MAX, LONG_MIN, Shape, decode_score, distance,
                       score_of, search_boxes, standard_geohash)
from ..numbers import parse_double, parse_int
from ..types.zset import ZSet
from . import command
from .strings import option_name
from .zsets import _built, _zadd_generic

_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}
_E_NO_MEMBER = CommandError(errors.GEO_NO_MEMBER)


def _lon_lat(argv, i):
    """Redis extractLongLatOrReply: a valid (longitude, latitude) from argv[i], argv[i+1]."""
    lon = parse_double(argv[i])
    if lon is None:
        raise E_NOT_FLOAT
    lat = parse_double(argv[i + 1])
    if lat is None:
        raise E_NOT_FLOAT
    if lon < LONG_MIN or lon > LONG_MAX or lat < LAT_MIN or lat > LAT_MAX:
        raise CommandError(errors.GEO_INVALID_PAIR % (lon, lat))
    return lon, lat


def _unit(arg):
    """Redis extractUnitOrReply: metres per unit."""
    factor = _UNITS.get(option_name(arg))
    if factor is None:
        raise CommandError(errors.GEO_UNIT)
    return factor


def _number(arg, error):
    value = parse_double(arg)
    if value is None:
        raise CommandError(error)
    return value


def _radius(argv, i):
    """Redis extractDistanceOrReply: (radius, metres per unit)."""
    radius = _number(argv[i], errors.GEO_NEED_RADIUS)
    if radius < 0:
        raise CommandError(errors.GEO_RADIUS_NEGATIVE)
    return radius, _unit(argv[i + 1])


def _box(argv, i):
    """Redis extractBoxOrReply: (width, height, metres per unit)."""
    width = _number(argv[i], errors.GEO_NEED_WIDTH)
    height = _number(argv[i + 1], errors.GEO_NEED_HEIGHT)
    if height < 0 or width < 0:
        raise CommandError(errors.GEO_BOX_NEGATIVE)
    return width, height, _unit(argv[i + 2])


def _human(value):
    """Redis ld2string(LD_STR_HUMAN) of a double: ``%.17f`` without trailing zeros."""
    text = b"%.17f" % value
    text = text.rstrip(b"0")
    if text.endswith(b"."):
        text = text[:-1]
    return b"0" if text == b"-0" else text


def _coordinate(c, value):
    """Redis addReplyHumanLongDouble."""
    text = _human(value)
    if c.resp == 3:
        return b",%b\r\n" % text
    return reply.bulk(text)


def _distance_reply(d):
    """Redis addReplyDoubleDistance (fixedpoint_d2string with 4 digits).

    Not printf's ``%.4f``: Redis scales by 10000 in double precision and
    rounds that to the nearest integer, ties to even (llrint), which differs
    from exact decimal rounding when the distance sits on a half.
    """
    if d == 0:
        return _ZERO_DISTANCE
    scaled = d * 10000.0
    # llrint answers LLONG_MIN for what no long long holds (NaN included).
    n = round(scaled) if -9.2e18 < scaled < 9.2e18 else -(1 << 63)
    sign = b""
    if n < 0:
        sign = b"-"
        n = -n
    whole, frac = divmod(n, 10000)
    return reply.bulk(b"%b%d.%04d" % (sign, whole, frac))


_ZERO_DISTANCE = reply.bulk(b"0.0000")


def _zset(c, key):
    return c.db.get_typed(key, ZSet)


# GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
@command("geoadd", -5, "write denyoom", keys=(1, 1, 1), group="geo", event=("z", "zadd"))
def geoadd(c, argv):
    i = 2
    n = len(argv)
    nx = xx = False
    while i < n:
        opt = option_name(argv[i])
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt != b"ch":
            break
        i += 1
    if (n - i) % 3 or (nx and xx):
        raise E_SYNTAX
    # Redis turns the call into ZADD key [options] score member ... and runs that.
    zargs = [b"zadd", argv[1]] + [option_name(a) for a in argv[2:i]]
    for j in range(i, n, 3):
        lon, lat = _lon_lat(argv, j)
        zargs.append(b"%d" % score_of(lon, lat))
        zargs.append(argv[j + 2])
    return _zadd_generic(c, zargs, False)


# GEODIST key member1 member2 [M | KM | FT | MI]
@command("geodist", -4, "readonly", keys=(1, 1, 1), group="geo")
def geodist(c, argv):
    to_meter = 1.0
    if len(argv) == 5:
        to_meter = _unit(argv[4])
    elif len(argv) > 5:
        raise E_SYNTAX
    zs = _zset(c, argv[1])
    if zs is None:
        return reply.NULL
    s1 = zs.get(argv[2])
    s2 = zs.get(argv[3])
    if s1 is None or s2 is None:
        return reply.NULL
    lon1, lat1 = decode_score(s1)
    lon2, lat2 = decode_score(s2)
    return _distance_reply(distance(lon1, lat1, lon2, lat2) / to_meter)


# GEOHASH key [member [member ...]]
@command("geohash", -2, "readonly", keys=(1, 1, 1), group="geo")
def geohash(c, argv):
    zs = _zset(c, argv[1])
    out = []
    for member in argv[2:]:
        score = zs.get(member) if zs is not None else None
        if score is None:
            out.append(reply.NULL)
        else:
            out.append(reply.bulk(standard_geohash(*decode_score(score))))
    return reply.array(out)


# GEOPOS key [member [member ...]]
@command("geopos", -2, "readonly", keys=(1, 1, 1), group="geo")
def geopos(c, argv):
    zs = _zset(c, argv[1])
    out = []
    for member in argv[2:]:
        score = zs.get(member) if zs is not None else None
        if score is None:
            out.append(reply.NULL_ARRAY)
        else:
            lon, lat = decode_score(score)
            out.append(reply.array([_coordinate(c, lon), _coordinate(c, lat)]))
    return reply.array(out)


# ---- searches --------------------------------------------------------------------
_RADIUS_COORDS = 1
_RADIUS_MEMBER = 2
_NOSTORE = 4
_SEARCH = 8
_SEARCH_STORE = 16


def _member_position(zs, member):
    score = zs.get(member)
    if score is None:
        raise _E_NO_MEMBER
    return decode_score(score)


def _walk(zs, start, stop):
    """The pairs at positions [start, stop), fetched in growing chunks: a search
    that stops early at its COUNT copies little more than it read."""
    chunk = 16
    while start < stop:
        end = min(start + chunk, stop)
        yield from zs.slice(start, end)
        start = end
        chunk = min(chunk * 2, 4096)


def _collect(zs, shape, limit):
    """Redis membersOfAllNeighbors: [(dist, score, member, lon, lat)] in scan order."""
    found = []
    for lo, hi in search_boxes(shape):
        if found and limit and len(found) >= limit:
            break
        start, stop = zs.score_span(lo, False, hi, True)
        for score, member in _walk(zs, start, stop):
            lon, lat = decode_score(score)
            d = shape.contains(lon, lat)
            if d is None:
                continue
            found.append((d, score, member, lon, lat))
            if limit and len(found) >= limit:
                break
    return found


def _keyword_key(argv, keyword, start):
    for i in range(start, len(argv)):
        if argv[i].lower() == keyword:
            return [i + 1] if i + 1 < len(argv) else []
    return []


def _georadius_keys(argv):
    """The key specs of GEORADIUS: the source, the first STORE key, the first STOREDIST key."""
    return [1] + _keyword_key(argv, b"store", 6) + _keyword_key(argv, b"storedist", 6)


def _georadiusbymember_keys(argv):
    return [1] + _keyword_key(argv, b"store", 5) + _keyword_key(argv, b"storedist", 5)


def _search(c, argv, src_index, flags):
    """Redis georadiusGeneric: every GEORADIUS*/GEOSEARCH* form."""
    db = c.db
    zs = _zset(c, argv[src_index])
    store_key = None
    store_dist = False
    center = None
    size = None
    if flags & _RADIUS_COORDS:
        base = 6
        center = _lon_lat(argv, 2)
        size = _radius(argv, 4)
    elif flags & _RADIUS_MEMBER:
        base = 5
        if zs is not None:
            center = _member_position(zs, argv[2])
            size = _radius(argv, 3)
    else:
        base = 2
        if flags & _SEARCH_STORE:
            base = 3
            store_key = argv[1]
    with_dist = with_hash = with_coord = any_ = False
    sort = 0
    count = 0
    from_member = from_lonlat = by_radius = by_box = False
    n = len(argv)
    i = base
    while i < n:
        arg = option_name(argv[i])
        left = n - i - 1
        if arg == b"withdist":
            with_dist = True
        elif arg == b"withhash":
            with_hash = True
        elif arg == b"withcoord":
            with_coord = True
        elif arg == b"any":
            any_ = True
        elif arg == b"asc":
            sort = 1
        elif arg == b"desc":
            sort = -1
        elif arg == b"count" and left >= 1:
            count = parse_int(argv[i + 1])
            if count is None:
                raise E_NOT_INTEGER
            if count <= 0:
                raise CommandError(errors.GEO_COUNT_POSITIVE)
            i += 1
        elif (arg in (b"store", b"storedist") and left >= 1
              and not flags & (_NOSTORE | _SEARCH)):
            store_key = argv[i + 1]
            store_dist = arg == b"storedist"
            i += 1
        elif arg == b"storedist" and flags & _SEARCH and flags & _SEARCH_STORE:
            store_dist = True
        elif arg == b"frommember" and left >= 1 and flags & _SEARCH and not from_lonlat:
            if zs is not None:
                center = _member_position(zs, argv[i + 1])
            from_member = True
            i += 1
        elif arg == b"fromlonlat" and left >= 2 and flags & _SEARCH and not from_member:
            center = _lon_lat(argv, i + 1)
            from_lonlat = True
            i += 2
        elif arg == b"byradius" and left >= 2 and flags & _SEARCH and not by_box:
            size = _radius(argv, i + 1)
            by_radius = True
            i += 2
        elif arg == b"bybox" and left >= 3 and flags & _SEARCH and not by_radius:
            size = _box(argv, i + 1)
            by_box = True
            i += 3
        else:
            raise E_SYNTAX
        i += 1
    if store_key is not None and (with_dist or with_hash or with_coord):
        raise CommandError(errors.GEO_STORE_WITH % (
            "GEOSEARCHSTORE" if flags & _SEARCH_STORE else "STORE option in GEORADIUS"))
    if flags & _SEARCH and not (from_member or from_lonlat):
        raise errors.fmt(errors.GEO_NEED_FROM, argv[0])
    if flags & _SEARCH and not (by_radius or by_box):
        raise errors.fmt(errors.GEO_NEED_BY, argv[0])
    if any_ and not count:
        raise CommandError(errors.GEO_ANY_NEEDS_COUNT)
    if zs is None:
        if store_key is not None:
            if db.delete(store_key):
                db.signal(store_key, ("g", "del"))
            return reply.ZERO
        return reply.EMPTY_ARRAY
    if count and not sort and not any_:
        sort = 1
    if len(size) == 2:
        shape = Shape(center[0], center[1], size[1], radius=size[0])
    else:
        shape = Shape(center[0], center[1], size[2], width=size[0], height=size[1])
    found = _collect(zs, shape, count if any_ else 0)
    if not found and store_key is None:
        return reply.EMPTY_ARRAY
    if sort:
        if count and count < len(found):
            partial_sort(found, count - 1, sort < 0)
            del found[count:]
        else:
            # glibc's qsort is a merge sort: stable, as Python's.
            found.sort(key=_by_distance, reverse=sort < 0)
    elif count:
        del found[count:]
    conversion = shape.conversion
    if store_key is None:
        extras = with_dist + with_hash + with_coord
        out = []
        for d, score, member, lon, lat in found:
            if not extras:
                out.append(reply.bulk(member))
                continue
            item = [reply.bulk(member)]
            if with_dist:
                item.append(_distance_reply(d / conversion))
            if with_hash:
                item.append(reply.integer(int(score)))
            if with_coord:
                item.append(reply.array([_coordinate(c, lon), _coordinate(c, lat)]))
            out.append(reply.array(item))
        return reply.array(out)
    if found:
        scores = {}
        for d, score, member, _, _ in found:
            scores[member] = d / conversion if store_dist else score
        db.store(store_key, _built(c, scores))
        db.signal(store_key, ("z", "geosearchstore" if flags & _SEARCH else "georadiusstore"))
        c.server.dirty += len(found) - 1
    elif db.delete(store_key):
        db.signal(store_key, ("g", "del"))
    return reply.integer(len(found))


def _by_distance(entry):
    return entry[0]


def partial_sort(items, last, descending):
    """Redis's pqsort (a NetBSD quicksort that skips partitions outside 0..last).

    Only positions 0..last come out sorted; members at equal distances end up
    in the very order Redis leaves them, which a stable sort would not give.
    """
    def cmp(i, j):
        a = items[i][0]
        b = items[j][0]
        r = 0 if a == b else (1 if a > b else -1)
        return -r if descending else r

    def swap(i, j):
        items[i], items[j] = items[j], items[i]

    def med3(a, b, c):
        if cmp(a, b) < 0:
            return b if cmp(b, c) < 0 else (c if cmp(a, c) < 0 else a)
        return b if cmp(b, c) > 0 else (a if cmp(a, c) < 0 else c)

    lrange, rrange = 0, last
    stack = [(0, len(items))]
    while stack:
        a, n = stack.pop()
        while True:
            if n < 7:
                for pm in range(a + 1, a + n):
                    pl = pm
                    while pl > a and cmp(pl - 1, pl) > 0:
                        swap(pl, pl - 1)
                        pl -= 1
                break
            pm = a + n // 2
            if n > 7:
                pl = a
                pn = a + n - 1
                if n > 40:
                    d = n // 8
                    pl = med3(pl, pl + d, pl + 2 * d)
                    pm = med3(pm - d, pm, pm + d)
                    pn = med3(pn - 2 * d, pn - d, pn)
                pm = med3(pl, pm, pn)
            swap(a, pm)
            pa = pb = a + 1
            pc = pd = a + n - 1
            while True:
                while pb <= pc:
                    r = cmp(pb, a)
                    if r > 0:
                        break
                    if r == 0:
                        swap(pa, pb)
                        pa += 1
                    pb += 1
                while pb <= pc:
                    r = cmp(pc, a)
                    if r < 0:
                        break
                    if r == 0:
                        swap(pc, pd)
                        pd -= 1
                    pc -= 1
                if pb > pc:
                    break
                swap(pb, pc)
                pb += 1
                pc -= 1
            pn = a + n
            r = min(pa - a, pb - pa)
            for k in range(r):
                swap(a + k, pb - r + k)
            r = min(pd - pc, pn - pd - 1)
            for k in range(r):
                swap(pb + k, pn - r + k)
            r = pb - pa
            if r > 1:
                lo, hi = a, a + r - 1
                if not ((lrange < lo and rrange < lo) or (lrange > hi and rrange > hi)):
                    stack.append((a, r))
            r = pd - pc
            if r > 1:
                a = pn - r
                n = r
                lo, hi = a, a + r - 1
                if not ((lrange < lo and rrange < lo) or (lrange > hi and rrange > hi)):
                    continue
            break


# GEORADIUS key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH]
#     [COUNT count [ANY]] [ASC | DESC] [STORE key] [STOREDIST key]
@command("georadius", -6, "write denyoom", keys=(1, 1, 1), group="geo",
         event=("z", "georadiusstore"), getkeys=_georadius_keys)
def georadius(c, argv):
    return _search(c, argv, 1, _RADIUS_COORDS)


# GEORADIUS_RO key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST]
#     [WITHHASH] [COUNT count [ANY]] [ASC | DESC]
@command("georadius_ro", -6, "readonly", keys=(1, 1, 1), group="geo")
def georadius_ro(c, argv):
    return _search(c, argv, 1, _RADIUS_COORDS | _NOSTORE)


# GEORADIUSBYMEMBER key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH]
#     [COUNT count [ANY]] [ASC | DESC] [STORE key] [STOREDIST key]
@command("georadiusbymember", -5, "write denyoom", keys=(1, 1, 1), group="geo",
         event=("z", "georadiusstore"), getkeys=_georadiusbymember_keys)
def georadiusbymember(c, argv):
    return _search(c, argv, 1, _RADIUS_MEMBER)


# GEORADIUSBYMEMBER_RO key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST]
#     [WITHHASH] [COUNT count [ANY]] [ASC | DESC]
@command("georadiusbymember_ro", -5, "readonly", keys=(1, 1, 1), group="geo")
def georadiusbymember_ro(c, argv):
    return _search(c, argv, 1, _RADIUS_MEMBER | _NOSTORE)


# GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude latitude>
#     <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC]
#     [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
@command("geosearch", -7, "readonly", keys=(1, 1, 1), group="geo")
def geosearch(c, argv):
    return _search(c, argv, 1, _SEARCH)


# GEOSEARCHSTORE destination source <FROMMEMBER member | FROMLONLAT longitude latitude>
#     <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC]
#     [COUNT count [ANY]] [STOREDIST]
@command("geosearchstore", -8, "write denyoom", keys=(1, 2, 1), group="geo",
         event=("z", "geosearchstore"))
def geosearchstore(c, argv):
    return _search(c, argv, 2, _SEARCH | _SEARCH_STORE)
