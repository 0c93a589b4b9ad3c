"""Geo commands against a live pyredis: raw replies, as redis-server 7.0.15 prints them."""
import time

import pytest
from respclient import RawClient, bulk, bulks, keyevents

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NOT_FLOAT = b"-ERR value is not a valid float\r\n"
NOT_INTEGER = b"-ERR value is not an integer or out of range\r\n"

PALERMO = ("13.361389", "38.115556", "Palermo")
CATANIA = ("15.087269", "37.502669", "Catania")


@pytest.fixture
def sicily(raw):
    assert raw.cmd("GEOADD", "Sicily", *PALERMO, *CATANIA) == b":2\r\n"
    return raw


def test_geoadd_scores_are_redis_geohashes(sicily):
    assert sicily.cmd("ZRANGE", "Sicily", "0", "-1", "WITHSCORES") == bulks(
        "Palermo", "3479099956230698", "Catania", "3479447370796909")
    assert sicily.cmd("TYPE", "Sicily") == b"+zset\r\n"


def test_geoadd_options(sicily):
    assert sicily.cmd("GEOADD", "Sicily", "NX", "1", "1", "Palermo", "2", "2", "x") == b":1\r\n"
    assert sicily.cmd("GEOPOS", "Sicily", "Palermo") != sicily.cmd("GEOPOS", "Sicily", "x")
    assert sicily.cmd("GEOADD", "Sicily", "XX", "CH", "1", "1", "Palermo", "3", "3", "y") == b":1\r\n"
    assert sicily.cmd("ZSCORE", "Sicily", "y") == b"$-1\r\n"
    assert sicily.cmd("GEOADD", "Sicily", "CH", "1", "1", "Palermo") == b":0\r\n"


def test_geoadd_errors(raw):
    raw.cmd("SET", "s", "x")
    assert raw.cmd("GEOADD", "g", "200", "10", "x") == (
        b"-ERR invalid longitude,latitude pair 200.000000,10.000000\r\n")
    assert raw.cmd("GEOADD", "g", "10", "85.06", "x") == (
        b"-ERR invalid longitude,latitude pair 10.000000,85.060000\r\n")
    assert raw.cmd("GEOADD", "g", "NX", "XX", "1", "1", "m") == SYNTAX
    assert raw.cmd("GEOADD", "g", "1", "1", "m", "2") == SYNTAX
    assert raw.cmd("GEOADD", "g", "a", "1", "m") == NOT_FLOAT
    assert raw.cmd("GEOADD", "g", "1", "1") == (
        b"-ERR wrong number of arguments for 'geoadd' command\r\n")
    assert raw.cmd("GEOADD", "s", "1", "1", "m") == WRONGTYPE
    assert raw.cmd("EXISTS", "g") == b":0\r\n"


def test_geopos_and_geohash(sicily):
    assert sicily.cmd("GEOPOS", "Sicily", "Palermo", "nope") == (
        b"*2\r\n*2\r\n" + bulk("13.36138933897018433") + bulk("38.11555639549629859")
        + b"*-1\r\n")
    assert sicily.cmd("GEOHASH", "Sicily", "Palermo", "Catania", "nope") == (
        b"*3\r\n" + bulk("sqc8b49rny0") + bulk("sqdtr74hyu0") + b"$-1\r\n")
    assert sicily.cmd("GEOPOS", "missing", "a") == b"*1\r\n*-1\r\n"
    assert sicily.cmd("GEOHASH", "missing", "a") == b"*1\r\n$-1\r\n"
    assert sicily.cmd("GEOPOS", "Sicily") == b"*0\r\n"
    sicily.cmd("GEOADD", "g", "0", "0", "zero", "-180", "-85.05112878", "corner")
    assert sicily.cmd("GEOPOS", "g", "zero", "corner") == (
        b"*2\r\n*2\r\n" + bulk("0.00000268220901489") + bulk("0.00000126736058093")
        + b"*2\r\n" + bulk("-179.99999731779098511") + bulk("-85.05112751263942528"))


def test_geopos_resp3_doubles(server):
    c = RawClient(server.port)
    try:
        c.cmd("HELLO", "3")
        c.cmd("DEL", "Sicily")
        c.cmd("GEOADD", "Sicily", *PALERMO)
        assert c.cmd("GEOPOS", "Sicily", "Palermo", "x") == (
            b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n")
        # Distances stay bulk strings in RESP3.
        c.cmd("GEOADD", "Sicily", *CATANIA)
        assert c.cmd("GEODIST", "Sicily", "Palermo", "Catania") == bulk("166274.1516")
    finally:
        c.close()


def test_geodist(sicily):
    assert sicily.cmd("GEODIST", "Sicily", "Palermo", "Catania") == bulk("166274.1516")
    assert sicily.cmd("GEODIST", "Sicily", "Palermo", "Catania", "km") == bulk("166.2742")
    assert sicily.cmd("GEODIST", "Sicily", "Palermo", "Catania", "MI") == bulk("103.3182")
    assert sicily.cmd("GEODIST", "Sicily", "Palermo", "Catania", "ft") == bulk("545518.8700")
    assert sicily.cmd("GEODIST", "Sicily", "Palermo", "Palermo") == bulk("0.0000")
    assert sicily.cmd("GEODIST", "Sicily", "Palermo", "x") == b"$-1\r\n"
    assert sicily.cmd("GEODIST", "missing", "a", "b") == b"$-1\r\n"
    assert sicily.cmd("GEODIST", "missing", "a", "b", "yards") == (
        b"-ERR unsupported unit provided. please use M, KM, FT, MI\r\n")
    assert sicily.cmd("GEODIST", "missing", "a", "b", "km", "x") == SYNTAX


def test_georadius_options(sicily):
    assert sicily.cmd("GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD",
                      "WITHHASH", "ASC") == (
        b"*2\r\n*4\r\n" + bulk("Catania") + bulk("56.4413") + b":3479447370796909\r\n"
        + b"*2\r\n" + bulk("15.08726745843887329") + bulk("37.50266842333162032")
        + b"*4\r\n" + bulk("Palermo") + bulk("190.4424") + b":3479099956230698\r\n"
        + b"*2\r\n" + bulk("13.36138933897018433") + bulk("38.11555639549629859"))
    assert sicily.cmd("GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC") == bulks(
        "Palermo", "Catania")
    assert sicily.cmd("GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1") == bulks(
        "Catania")
    assert sicily.cmd("GEORADIUS", "Sicily", "15", "37", "100", "km") == bulks("Catania")
    assert sicily.cmd("GEORADIUS", "Sicily", "15", "37", "1", "m") == b"*0\r\n"
    assert sicily.cmd("GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "ASC") == bulks(
        "Catania", "Palermo")
    assert sicily.cmd("GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST",
                      "DESC") == (b"*2\r\n*2\r\n" + bulk("Catania") + bulk("166.2742")
                                  + b"*2\r\n" + bulk("Palermo") + bulk("0.0000"))


def test_georadius_store(sicily):
    assert sicily.cmd("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst") == b":2\r\n"
    assert sicily.cmd("ZRANGE", "dst", "0", "-1", "WITHSCORES") == bulks(
        "Palermo", "3479099956230698", "Catania", "3479447370796909")
    assert sicily.cmd("GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km",
                      "STOREDIST", "dst") == b":2\r\n"
    assert sicily.cmd("ZRANGE", "dst", "0", "-1", "WITHSCORES") == bulks(
        "Palermo", "0", "Catania", "166.27415156960032")
    assert sicily.cmd("GEORADIUS", "Sicily", "15", "37", "1", "m", "STORE", "dst") == b":0\r\n"
    assert sicily.cmd("EXISTS", "dst") == b":0\r\n"
    sicily.cmd("SET", "dst", "x")
    assert sicily.cmd("GEORADIUS", "missing", "15", "37", "1", "m", "STORE", "dst") == b":0\r\n"
    assert sicily.cmd("EXISTS", "dst") == b":0\r\n"
    assert sicily.cmd("GEORADIUS", "Sicily", "15", "37", "1", "m", "STORE", "d", "WITHDIST") == (
        b"-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
        b"options\r\n")
    assert sicily.cmd("GEORADIUS_RO", "Sicily", "15", "37", "1", "m", "STORE", "d") == SYNTAX


def test_geosearch(sicily):
    assert sicily.cmd("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km",
                      "ASC", "WITHDIST") == (b"*2\r\n*2\r\n" + bulk("Catania") + bulk("56.4413")
                                             + b"*2\r\n" + bulk("Palermo") + bulk("190.4424"))
    assert sicily.cmd("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km") == (
        bulks("Palermo"))
    assert sicily.cmd("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
                      "COUNT", "1", "ANY") in (bulks("Catania"), bulks("Palermo"))
    assert sicily.cmd("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400",
                      "400", "km", "STOREDIST") == b":2\r\n"
    assert sicily.cmd("ZRANGE", "d", "0", "-1", "WITHSCORES") == bulks(
        "Catania", "56.441257870158204", "Palermo", "190.44242984775784")


@pytest.mark.parametrize("args, error", [
    (("FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "COUNT", "0"), b"COUNT must be > 0"),
    (("FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "COUNT", "x"),
     b"value is not an integer or out of range"),
    (("FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "ANY"),
     b"the ANY argument requires COUNT argument"),
    (("FROMLONLAT", "15", "37", "BYRADIUS", "-1", "m"), b"radius cannot be negative"),
    (("FROMLONLAT", "15", "37", "BYRADIUS", "x", "m"), b"need numeric radius"),
    (("FROMLONLAT", "15", "37", "BYBOX", "x", "1", "m"), b"need numeric width"),
    (("FROMLONLAT", "15", "37", "BYBOX", "1", "x", "m"), b"need numeric height"),
    (("FROMLONLAT", "15", "37", "BYBOX", "1", "-1", "m"), b"height or width cannot be negative"),
    (("FROMLONLAT", "15", "37", "BYBOX", "1", "1", "yd"),
     b"unsupported unit provided. please use M, KM, FT, MI"),
    (("FROMLONLAT", "15", "99", "BYRADIUS", "1", "m"),
     b"invalid longitude,latitude pair 15.000000,99.000000"),
    (("FROMMEMBER", "nope", "BYRADIUS", "1", "m"), b"could not decode requested zset member"),
    (("FROMMEMBER", "Palermo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m"), b"syntax error"),
    (("BYRADIUS", "1", "m", "BYBOX", "1", "1", "m", "x"), b"syntax error"),
    (("BYRADIUS", "1", "m", "WITHDIST", "ASC"),
     b"exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"),
    (("FROMLONLAT", "1", "1", "WITHDIST", "ASC"),
     b"exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"),
    (("FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STOREDIST"), b"syntax error"),
])
def test_geosearch_errors(sicily, args, error):
    assert sicily.cmd("GEOSEARCH", "Sicily", *args) == b"-ERR " + error + b"\r\n"


def test_geo_wrongtype_and_missing(raw):
    raw.cmd("SET", "s", "x")
    for cmd in (("GEOPOS", "s", "a"), ("GEOHASH", "s", "a"), ("GEODIST", "s", "a", "b"),
                ("GEORADIUS", "s", "1", "1", "1", "m"), ("GEORADIUSBYMEMBER", "s", "a", "1", "m"),
                ("GEOSEARCH", "s", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m")):
        assert raw.cmd(*cmd) == WRONGTYPE
    assert raw.cmd("GEOSEARCH", "missing", "FROMMEMBER", "x", "BYRADIUS", "1", "m") == b"*0\r\n"
    assert raw.cmd("GEORADIUSBYMEMBER", "missing", "x", "oops", "m") == b"*0\r\n"


def test_georadius_getkeys(raw):
    assert raw.cmd("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "1", "1", "m", "STORE", "a",
                   "STORE", "b", "STOREDIST", "c") == bulks("k", "a", "c")
    assert raw.cmd("COMMAND", "GETKEYS", "GEOSEARCHSTORE", "d", "s", "FROMLONLAT", "1", "1",
                   "BYRADIUS", "1", "m") == bulks("d", "s")


def test_geosearch_many_points_near_the_antimeridian_and_poles(raw):
    args = []
    for i in range(400):
        lon = -180 + (i % 40) * 0.05 if i % 2 else 180 - (i % 40) * 0.05
        lat = 85.05 - (i // 40) * 0.1 if i < 200 else -85.05 + (i // 40 - 5) * 0.1
        args += ["%.4f" % lon, "%.4f" % lat, "p%d" % i]
    assert raw.cmd("GEOADD", "pts", *args) == b":400\r\n"
    start = time.monotonic()
    near_pole = raw.cmd("GEORADIUS", "pts", "180", "85", "200", "km", "COUNT", "500", "ASC")
    assert time.monotonic() - start < 2
    # Redis's search does not wrap around the antimeridian: only the points
    # on the centre's side are found.
    assert near_pole.startswith(b"*100\r\n")
    south = raw.cmd("GEOSEARCH", "pts", "FROMLONLAT", "-179.99", "-85", "BYBOX", "300", "300", "km")
    assert south.startswith(b"*195\r\n")


@pytest.mark.parametrize("commands, expected", [
    ([("GEOADD", "g", "1", "1", "a"), ("GEOADD", "g", "1", "1", "a")], ["zadd g"]),
    ([("GEOADD", "g", "1", "1", "a"), ("GEORADIUS", "g", "1", "1", "1", "km", "STORE", "d"),
      ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
      ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "50", "50", "BYRADIUS", "1", "km")],
     ["zadd g", "georadiusstore d", "geosearchstore d", "del d"]),
])
def test_keyevents(notifying, commands, expected):
    writer, sub = notifying
    writer.cmd("FLUSHALL")
    keyevents(sub)
    for cmd in commands:
        writer.cmd(*cmd)
    assert keyevents(sub) == expected
