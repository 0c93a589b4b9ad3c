"""Geo commands byte for byte against redis-server 7.0.15: scores, positions, distances, order."""
import random
import shlex

import pytest


def script(pair, text):
    for line in text.strip().splitlines():
        line = line.strip()
        if line:
            pair.run(*shlex.split(line))


def test_geo_scripted(pair):
    script(pair, """
        GEOADD g 200 10 x
        GEOADD g 10 85.06 x
        GEOADD g nx xx 1 1 m
        GEOADD g a b c
        GEOADD g 1 1 m 2
        GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        GEOADD Sicily ch 13.361389 38.115556 Palermo 15 37 Catania 0 0 zero
        GEOADD Sicily xx ch 1 2 zero 3 4 new
        GEOADD Sicily nx 1 2 zero 3 4 new
        GEOADD Sicily -180 -85.05112878 sw 180 85.05112878 ne -0.0 -0.0 negzero
        ZRANGE Sicily 0 -1 WITHSCORES
        GEODIST Sicily Palermo Catania
        GEODIST Sicily Palermo Catania km
        GEODIST Sicily Palermo Catania MI
        GEODIST Sicily Palermo Catania ft
        GEODIST Sicily sw ne
        GEODIST Sicily Palermo x
        GEODIST nokey a b foo
        GEODIST Sicily a b foo
        GEODIST Sicily a b km x
        GEOHASH Sicily Palermo Catania zero sw ne negzero nope
        GEOHASH nokey a
        GEOPOS Sicily Palermo Catania zero sw ne negzero nope
        GEOPOS nokey a
        GEOPOS Sicily
        ZADD odd -5 neg 1e30 huge 1.5 frac 4503599627370496 big inf pinf -inf ninf
        GEOPOS odd neg huge frac big pinf ninf
        GEOHASH odd neg huge frac big pinf ninf
        GEORADIUS odd 0 0 20000 km WITHDIST WITHHASH
        GEODIST odd neg huge
    """)


def test_geo_search_scripted(pair):
    script(pair, """
        GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        GEORADIUS Sicily 15 37 200 km
        GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH ASC
        GEORADIUS Sicily 15 37 200 km WITHDIST desc count 1
        GEORADIUS Sicily 15 37 200 km STORE dst
        ZRANGE dst 0 -1 WITHSCORES
        GEORADIUS Sicily 15 37 200 km STOREDIST dst
        ZRANGE dst 0 -1 WITHSCORES
        OBJECT ENCODING dst
        GEORADIUS Sicily 15 37 200 km STORE a STOREDIST b
        EXISTS a b
        GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST
        GEORADIUSBYMEMBER Sicily nope 200 km WITHDIST
        GEORADIUSBYMEMBER nokey nope x km WITHDIST
        GEORADIUSBYMEMBER nokey nope 1 km STORE dst
        EXISTS dst
        GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STORE x
        GEORADIUS_RO Sicily 15 37 200 km STOREDIST x
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km WITHDIST WITHCOORD ASC
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST WITHCOORD COUNT 1 ANY
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 20000 km WITHDIST
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 0 km
        GEOSEARCHSTORE d2 Sicily FROMLONLAT 15 37 BYRADIUS 20000 km STOREDIST
        ZRANGE d2 0 -1 WITHSCORES
        GEOSEARCHSTORE d2 Sicily FROMLONLAT 15 37 BYRADIUS 0 km STOREDIST
        EXISTS d2
        GEOSEARCHSTORE d2 Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHDIST
        GEOSEARCHSTORE d2 Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE x
        GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 1 BYRADIUS 1 m
        GEOSEARCH Sicily BYRADIUS 1 m BYBOX 1 1 m
        GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX 1 1 m STORE x
        GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX 1 1 m STOREDIST
        GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 m
        GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 m WITHDIST ANY
        GEOSEARCH Sicily FROMMEMBER x BYRADIUS 1 m
        GEOSEARCH Sicily BYRADIUS 1 m ASC DESC
        geosearch Sicily FROMLONLAT 1 1 ASC DESC
        GEOSEARCH Sicily FROMLONLAT 1 1 BYRADIUS 1 m COUNT 0
        GEOSEARCH Sicily FROMLONLAT 1 1 BYRADIUS 1 m COUNT -1
        GEOSEARCH Sicily FROMLONLAT 1 1 BYRADIUS 1 m COUNT x
        GEOSEARCH Sicily FROMLONLAT 1 1 BYRADIUS 1 m ANY
        GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX -1 x km
        GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX x -1 km
        GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX 1 -1 km
        GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX 1 1 kms
        GEOSEARCH Sicily FROMLONLAT 1 91 BYBOX 1 1 km
        GEOSEARCH Sicily FROMLONLAT 1 nan BYBOX 1 1 km
        GEORADIUS Sicily 15 37 -1 km
        GEORADIUS Sicily 15 37 1 kms
        GEORADIUS Sicily 15 91 1 km
        GEORADIUS Sicily 15 37 inf km COUNT 1
        GEORADIUS Sicily 15 37 inf km WITHDIST
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX inf inf km WITHDIST
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX inf 1 km WITHDIST
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1e308 mi WITHDIST
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 0 0 km WITHDIST
        GEORADIUS Sicily 15 37 1 km STORE x WITHDIST
        SET s x
        GEORADIUS s 15 37 1 km
        GEOSEARCH s FROMLONLAT 1 1 BYBOX 1 1 km
        GEOSEARCHSTORE d s FROMLONLAT 1 1 BYBOX 1 1 km
        GEOSEARCHSTORE s Sicily FROMLONLAT 15 37 BYBOX 400 400 km
        TYPE s
        COMMAND GETKEYS GEORADIUS k 1 1 1 m STORE a STORE b STOREDIST c STOREDIST d
        COMMAND GETKEYS GEORADIUSBYMEMBER k 1 STORE m a STORE b
        COMMAND INFO GEORADIUS GEORADIUSBYMEMBER GEOSEARCHSTORE GEOADD
    """)


def _rlon(rnd):
    return rnd.choice([rnd.uniform(-180, 180), rnd.choice([-180, 180, 179.9999, -179.9999, 0]),
                       rnd.uniform(170, 180), rnd.uniform(-180, -170)])


def _rlat(rnd):
    return rnd.choice([rnd.uniform(-85.05112878, 85.05112878),
                       rnd.choice([85.051128, -85.051128, 85, -85, 0]),
                       rnd.uniform(80, 85.05), rnd.uniform(-85.05, -80)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_searches_over_thousands_of_points(pair, seed):
    """Positions, hashes, distances and search results (order included) on random points,
    with the poles, the antimeridian, duplicates and radius edges well represented."""
    rnd = random.Random(seed)
    n = 2000
    args = []
    for i in range(n):
        args += ["%.6f" % _rlon(rnd), "%.6f" % _rlat(rnd), "m%d" % i]
    pair.run("GEOADD", "pts", *args)
    pair.run("ZRANGE", "pts", "0", "-1", "WITHSCORES")
    members = ["m%d" % i for i in range(n)]
    pair.run("GEOPOS", "pts", *members)
    pair.run("GEOHASH", "pts", *members)
    for _ in range(150):
        lon, lat = "%.5f" % _rlon(rnd), "%.5f" % _rlat(rnd)
        unit = rnd.choice(["m", "km", "mi", "ft"])
        radius = rnd.choice([rnd.uniform(0, 100), rnd.uniform(0, 2000), rnd.uniform(0, 20000), 0])
        radius = str(radius * (1000 if unit == "m" else 1))
        opts = rnd.choice([[], ["WITHDIST"], ["WITHDIST", "WITHCOORD", "WITHHASH"],
                           ["ASC", "WITHDIST"], ["DESC"], ["COUNT", "5"], ["COUNT", "3", "ANY"],
                           ["COUNT", str(rnd.randint(1, 60)), rnd.choice(["ASC", "DESC"])],
                           ["COUNT", str(rnd.randint(1, 60)), "WITHDIST"]])
        if rnd.random() < 0.4:
            pair.run("GEORADIUS", "pts", lon, lat, radius, unit, *opts)
        else:
            frm = (["FROMLONLAT", lon, lat] if rnd.random() < 0.7
                   else ["FROMMEMBER", rnd.choice(members)])
            by = (["BYRADIUS", radius, unit] if rnd.random() < 0.4
                  else ["BYBOX", str(rnd.uniform(0, 3000)), str(rnd.uniform(0, 3000)), "km"])
            pair.run("GEOSEARCH", "pts", *frm, *by, *opts)
    for _ in range(100):
        pair.run("GEODIST", "pts", rnd.choice(members), rnd.choice(members),
                 rnd.choice(["m", "km", "mi", "ft"]))
    pair.run("GEOSEARCHSTORE", "dst", "pts", "FROMLONLAT", "0", "0", "BYRADIUS", "5000", "km",
             "STOREDIST")
    pair.run("ZRANGE", "dst", "0", "-1", "WITHSCORES")


def test_radius_edges(pair):
    """Members exactly at, just inside and just outside the radius."""
    pair.run("GEOADD", "g", "0", "0", "c", "0.001", "0", "e1", "0", "0.001", "n1",
             "-0.001", "-0.001", "sw", "0.5", "0.5", "far")
    pair.run("GEOPOS", "g", "c", "e1", "n1", "sw", "far")
    for radius in ("111.0", "111.19", "111.1950", "111.1951", "157.2", "157.25", "78626",
                   "78627"):
        pair.run("GEORADIUS", "g", "0", "0", radius, "m", "WITHDIST", "ASC")
        pair.run("GEORADIUSBYMEMBER", "g", "c", radius, "m", "WITHDIST", "ASC")
    for width in ("222.38", "222.39", "444", "111194", "111196"):
        pair.run("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", width, width, "m", "WITHDIST")


def test_resp3_replies(pair):
    # The reply to HELLO holds the connection id, which differs.
    pair.ours.cmd("HELLO", "3")
    pair.theirs.cmd("HELLO", "3")
    script(pair, """
        GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania -0.0000001 0 z
        GEOPOS Sicily Palermo x z
        GEODIST Sicily Palermo Catania
        GEOHASH Sicily Palermo x
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD WITHDIST WITHHASH
        GEORADIUS Sicily 15 37 200 km WITHCOORD COUNT 1
    """)


@pytest.mark.parametrize("n", [50, 129, 400])
def test_equal_distances_keep_redis_order(pair, n):
    """Clustered duplicates: many members at one distance, cut by COUNT (Redis's pqsort order)."""
    rnd = random.Random(n)
    base = [(rnd.uniform(-1, 1), rnd.uniform(-1, 1)) for _ in range(n // 5)]
    args = []
    for i in range(n):
        lon, lat = rnd.choice(base)
        if rnd.random() < 0.5:
            lon += rnd.uniform(-0.01, 0.01)
            lat += rnd.uniform(-0.01, 0.01)
        args += ["%.6f" % lon, "%.6f" % lat, "m%d" % i]
    pair.run("GEOADD", "pts", *args)
    for _ in range(30):
        opts = (["COUNT", str(rnd.randint(1, n + 3))]
                + rnd.choice([[], ["ASC"], ["DESC"], ["ANY"], ["ANY", "DESC"]]))
        pair.run("GEORADIUS", "pts", "%.4f" % rnd.uniform(-1, 1), "%.4f" % rnd.uniform(-1, 1),
                 str(rnd.uniform(0, 300)), "km", "WITHDIST", *opts)
        pair.run("GEOSEARCHSTORE", "dst", "pts", "FROMMEMBER", "m%d" % rnd.randrange(n), "BYBOX",
                 str(rnd.uniform(0, 300)), str(rnd.uniform(0, 300)), "km", *opts)
        pair.run("ZRANGE", "dst", "0", "-1", "WITHSCORES")
        pair.run("OBJECT", "ENCODING", "dst")


_TOKENS = ["0", "1", "-1", "x", "1.5", "inf", "-inf", "nan", "km", "m", "mi", "store", "storedist",
           "withdist", "withhash", "withcoord", "count", "any", "asc", "desc", "frommember",
           "fromlonlat", "byradius", "bybox", "999999999999", "13.361389", "38.115556", "Palermo",
           "Catania", "nope", "85.1", "", "s", "z", "nk"]
_TEMPLATES = [
    "GEOADD Z nx ch 13.361389 38.115556 Palermo 15 37 x", "GEODIST Z Palermo Catania km",
    "GEOHASH Z Palermo x", "GEOPOS Z Palermo nope",
    "GEORADIUS Z 15 37 200 km withdist withcoord count 1 asc store D",
    "GEORADIUS_RO Z 15 37 200 km withdist withhash count 2 any desc",
    "GEORADIUSBYMEMBER Z Palermo 200 km withdist count 1 storedist D",
    "GEORADIUSBYMEMBER_RO Z Palermo 200 km withcoord",
    "GEOSEARCH Z frommember Palermo bybox 400 400 km withdist count 1 any asc",
    "GEOSEARCH Z fromlonlat 15 37 byradius 200 km withhash desc",
    "GEOSEARCHSTORE D Z fromlonlat 15 37 byradius 200 km count 1 storedist",
]


def test_mutated_commands_check_order(pair):
    """Valid commands with arguments swapped, dropped or added: the same reply or error wins."""
    rnd = random.Random(6)
    for t in range(1500):
        if t % 25 == 0:
            pair.run("FLUSHALL")
            pair.run("SET", "s", "foobar")
            pair.run("GEOADD", "z", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
                     "Catania")
        words = [rnd.choice(["z", "nk", "s"]) if w == "Z" else rnd.choice(["d", "s", "nk", "z"])
                 if w == "D" else w for w in rnd.choice(_TEMPLATES).split()]
        for _ in range(rnd.choice([0, 1, 1, 2, 3])):
            i = rnd.randrange(1, len(words))
            r = rnd.random()
            if r < 0.6:
                words[i] = rnd.choice(_TOKENS)
            elif r < 0.8:
                del words[i]
            else:
                words.insert(i, rnd.choice(_TOKENS))
            if len(words) < 2:
                break
        pair.run(*words)
