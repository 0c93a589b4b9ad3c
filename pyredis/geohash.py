"""Geohash arithmetic as Redis does it (geohash.c, geohash_helper.c).

A position is a 52-bit integer: 26 bits of latitude on the even bits and 26
of longitude on the odd bits, each the cell index of the coordinate in its
range (latitude limited to Web Mercator's +-85.05112878).  Every floating
step below is the same IEEE double operation, in the same order, as Redis's
C code, so encoded scores, decoded positions and distances are identical to
the last bit.  Nothing here knows about sorted sets or replies.
"""
import math
from math import asin as _asin, cos as _cos, isfinite, nan, pi, sin as _sin, sqrt as _sqrt

LAT_MIN = -85.05112878
LAT_MAX = 85.05112878
LONG_MIN = -180.0
LONG_MAX = 180.0
STEP_MAX = 26

_D_R = pi / 180.0
EARTH_RADIUS = 6372797.560856
MERCATOR_MAX = 20037726.37

_U64 = (1 << 64) - 1
_EVEN = 0x5555555555555555
_ODD = 0xAAAAAAAAAAAAAAAA


def _spread(v):
    """The 32 bits of ``v`` moved to the even bit positions of a 64-bit word."""
    v &= 0xFFFFFFFF
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    v = (v | (v << 1)) & 0x5555555555555555
    return v


def _squash(v):
    """The even bits of a 64-bit word packed into 32 bits (inverse of ``_spread``)."""
    v &= 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    v = (v | (v >> 16)) & 0x00000000FFFFFFFF
    return v


def _c_uint32(x):
    """C's (uint32_t) cast of a non-negative double below 2**32: truncation."""
    return int(x) & 0xFFFFFFFF


def encode(lon_min, lon_max, lat_min, lat_max, longitude, latitude, step):
    """Redis geohashEncode: the ``2*step``-bit hash, or None outside the ranges."""
    if (longitude > LONG_MAX or longitude < LONG_MIN
            or latitude > LAT_MAX or latitude < LAT_MIN):
        return None
    if latitude < lat_min or latitude > lat_max or longitude < lon_min or longitude > lon_max:
        return None
    lat_offset = (latitude - lat_min) / (lat_max - lat_min)
    long_offset = (longitude - lon_min) / (lon_max - lon_min)
    lat_offset *= float(1 << step)
    long_offset *= float(1 << step)
    return _spread(_c_uint32(lat_offset)) | (_spread(_c_uint32(long_offset)) << 1)


def encode_wgs84(longitude, latitude, step=STEP_MAX):
    return encode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, longitude, latitude, step)


def score_of(longitude, latitude):
    """The sorted-set score GEOADD gives a position (52 bits, left-aligned)."""
    return encode_wgs84(longitude, latitude) << (52 - STEP_MAX * 2)


def decode_area(lon_min, lon_max, lat_min, lat_max, bits, step):
    """Redis geohashDecode: (lon_lo, lon_hi, lat_lo, lat_hi) of a hash's cell."""
    lat_scale = lat_max - lat_min
    long_scale = lon_max - lon_min
    ilato = _squash(bits)
    ilono = _squash(bits >> 1)
    div = float(1 << step)
    return (lon_min + (ilono * 1.0 / div) * long_scale,
            lon_min + (((ilono + 1) & 0xFFFFFFFF) * 1.0 / div) * long_scale,
            lat_min + (ilato * 1.0 / div) * lat_scale,
            lat_min + (((ilato + 1) & 0xFFFFFFFF) * 1.0 / div) * lat_scale)


def score_to_bits(score):
    """C's (uint64_t) cast of a score, as x86-64 does it for every double."""
    if score < 9223372036854775808.0:
        if score <= -9223372036854775809.0 or score != score:
            return 1 << 63
        return int(score) & _U64
    if score >= 18446744073709551616.0 or score != score:
        return 0
    return int(score)


def decode_score(score):
    """Redis decodeGeohash: the (longitude, latitude) of a member's score (its cell's centre)."""
    lon_lo, lon_hi, lat_lo, lat_hi = decode_area(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX,
                                                 score_to_bits(score), STEP_MAX)
    lon = (lon_lo + lon_hi) / 2
    if lon > LONG_MAX:
        lon = LONG_MAX
    if lon < LONG_MIN:
        lon = LONG_MIN
    lat = (lat_lo + lat_hi) / 2
    if lat > LAT_MAX:
        lat = LAT_MAX
    if lat < LAT_MIN:
        lat = LAT_MIN
    return lon, lat


_BASE32 = b"0123456789bcdefghjkmnpqrstuvwxyz"


def standard_geohash(longitude, latitude):
    """The 11-character geohash string GEOHASH prints (standard -90..90 latitude range)."""
    bits = encode(-180.0, 180.0, -90.0, 90.0, longitude, latitude, STEP_MAX) or 0
    out = bytearray(11)
    for i in range(10):
        out[i] = _BASE32[(bits >> (52 - (i + 1) * 5)) & 0x1F]
    out[10] = _BASE32[0]
    return bytes(out)


# ---- distances ------------------------------------------------------------------
# C's libm answers NaN where Python's math raises (cos(inf), sqrt(-1) ...):
# an infinite radius must search, not fail.
def cos(x):
    return math.cos(x) if isfinite(x) else nan


def sqrt(x):
    return math.sqrt(x) if x >= 0.0 or x != x else nan


def _deg_rad(ang):
    return ang * _D_R


def _rad_deg(ang):
    return ang / _D_R


def lat_distance(lat1, lat2):
    return EARTH_RADIUS * abs(_deg_rad(lat2) - _deg_rad(lat1))


def distance(lon1, lat1, lon2, lat2):
    """Redis geohashGetDistance: haversine on a sphere of EARTH_RADIUS metres.

    Coordinates are finite here, so only asin's argument can leave libm's
    domain (by rounding, for near antipodes), where C answers NaN.
    """
    lon1r = lon1 * _D_R
    lon2r = lon2 * _D_R
    v = _sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return EARTH_RADIUS * abs(lat2 * _D_R - lat1 * _D_R)
    lat1r = lat1 * _D_R
    lat2r = lat2 * _D_R
    u = _sin((lat2r - lat1r) / 2)
    a = u * u + _cos(lat1r) * _cos(lat2r) * v * v
    if not 0.0 <= a <= 1.0:
        return nan
    return 2.0 * EARTH_RADIUS * _asin(_sqrt(a))


# ---- search areas ------------------------------------------------------------------
class Shape:
    """A search: centre, and a radius or a width x height box, in metres via ``conversion``."""

    __slots__ = ("lon", "lat", "radius", "width", "height", "conversion", "is_box")

    def __init__(self, lon, lat, conversion, radius=None, width=None, height=None):
        self.lon = lon
        self.lat = lat
        self.conversion = conversion
        self.radius = radius
        self.width = width
        self.height = height
        self.is_box = radius is None

    def contains(self, lon, lat):
        """Redis geoWithinShape: the distance from the centre when inside, else None."""
        if not self.is_box:
            d = distance(self.lon, self.lat, lon, lat)
            return None if d > self.radius * self.conversion else d
        if lat_distance(lat, self.lat) > self.height * self.conversion / 2:
            return None
        if distance(lon, lat, self.lon, lat) > self.width * self.conversion / 2:
            return None
        return distance(self.lon, self.lat, lon, lat)


def _bounding_box(shape):
    """Redis geohashBoundingBox: (min_lon, min_lat, max_lon, max_lat)."""
    lon, lat = shape.lon, shape.lat
    if shape.is_box:
        height = shape.conversion * (shape.height / 2)
        width = shape.conversion * (shape.width / 2)
    else:
        height = width = shape.conversion * shape.radius
    lat_delta = _rad_deg(height / EARTH_RADIUS)
    long_delta_top = _rad_deg(width / EARTH_RADIUS / cos(_deg_rad(lat + lat_delta)))
    long_delta_bottom = _rad_deg(width / EARTH_RADIUS / cos(_deg_rad(lat - lat_delta)))
    if lat < 0:
        return (lon - long_delta_bottom, lat - lat_delta, lon + long_delta_bottom, lat + lat_delta)
    return (lon - long_delta_top, lat - lat_delta, lon + long_delta_top, lat + lat_delta)


def estimate_steps(range_meters, lat):
    """Redis geohashEstimateStepsByRadius."""
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


def _move_x(bits, step, d):
    x = bits & _ODD
    y = bits & _EVEN
    zz = _EVEN >> (64 - step * 2)
    if d > 0:
        x = x + (zz + 1)
    else:
        x = x | zz
        x = x - (zz + 1)
    x &= _ODD >> (64 - step * 2)
    return (x | y) & _U64


def _move_y(bits, step, d):
    x = bits & _ODD
    y = bits & _EVEN
    zz = _ODD >> (64 - step * 2)
    if d > 0:
        y = y + (zz + 1)
    else:
        y = y | zz
        y = y - (zz + 1)
    y &= _EVEN >> (64 - step * 2)
    return (x | y) & _U64


def _decode(bits, step):
    return decode_area(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, bits, step)


def search_boxes(shape):
    """Redis geohashCalculateAreasByShapeWGS84 + membersOfAllNeighbors' box order.

    Returns the score ranges [lo, hi) to scan, in the order Redis scans them
    (centre, N, S, E, W, NE, NW, SE, SW), without the boxes it drops.
    """
    min_lon, min_lat, max_lon, max_lat = _bounding_box(shape)
    if shape.is_box:
        radius_meters = sqrt((shape.width / 2) * (shape.width / 2)
                             + (shape.height / 2) * (shape.height / 2))
    else:
        radius_meters = shape.radius
    radius_meters *= shape.conversion
    steps = estimate_steps(radius_meters, shape.lat)

    def neighbours(bits):
        east = _move_x(bits, steps, 1)
        west = _move_x(bits, steps, -1)
        south = _move_y(bits, steps, -1)
        north = _move_y(bits, steps, 1)
        return [bits, north, south, east, west,
                _move_y(east, steps, 1), _move_y(west, steps, 1),
                _move_y(east, steps, -1), _move_y(west, steps, -1)]

    bits = encode_wgs84(shape.lon, shape.lat, steps)
    boxes = neighbours(bits)
    decrease = False
    if _decode(boxes[1], steps)[3] < max_lat:
        decrease = True
    if _decode(boxes[2], steps)[2] > min_lat:
        decrease = True
    if _decode(boxes[3], steps)[1] < max_lon:
        decrease = True
    if _decode(boxes[4], steps)[0] > min_lon:
        decrease = True
    if steps > 1 and decrease:
        steps -= 1
        bits = encode_wgs84(shape.lon, shape.lat, steps)
        boxes = neighbours(bits)
    area = _decode(bits, steps)
    live = [True] * 9
    if steps >= 2:
        if area[2] < min_lat:
            live[2] = live[8] = live[7] = False
        if area[3] > max_lat:
            live[1] = live[5] = live[6] = False
        if area[0] < min_lon:
            live[4] = live[8] = live[6] = False
        if area[1] > max_lon:
            live[3] = live[7] = live[5] = False
    shift = 52 - steps * 2
    ranges = []
    last = 0
    for i in range(9):
        if not live[i]:
            continue
        # Huge radii make neighbours coincide; Redis skips a box equal to the
        # one it scanned last (never comparing against the centre box).
        if last and boxes[i] == boxes[last]:
            continue
        ranges.append((boxes[i] << shift, (boxes[i] + 1) << shift))
        last = i
    return ranges
