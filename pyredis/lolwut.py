"""LOLWUT's computer art, drawn as Redis draws it (lolwut.c, lolwut5.c, lolwut6.c).

Version 5 is Georg Nees's "Schotter": squares drawn with Bresenham lines on a
canvas rendered as braille characters (each 2x4 pixels).  Version 6 is a city
skyline in the four grays of a terminal.  Redis computes with C floats (32-bit)
and rounds half away from zero; both are reproduced, so the output is Redis's
byte for byte wherever Redis's own is deterministic (Schotter's first two rows
of squares, which are not moved at random).  The random parts draw from
``random`` where Redis calls the C library's ``rand()``.
"""
import math
import random
import struct
from array import array

RAND_MAX = 2147483647

_F32 = struct.Struct("f")


def f32(value):
    """``value`` as a C float holds it."""
    return _F32.unpack(_F32.pack(value))[0]


def c_round(value):
    """C's round(): halves away from zero."""
    return math.copysign(math.floor(abs(value) + 0.5), value)


_RAND_MAX_F = f32(RAND_MAX)


def _rand():
    return random.randrange(RAND_MAX + 1)


class Canvas:
    """lwCanvas: ``width`` x ``height`` pixels of one byte each, row by row; drawing outside is ignored."""

    def __init__(self, width, height, bgcolor=0):
        self.width = width
        self.height = height
        self.bgcolor = bgcolor
        self.pixels = bytearray((bgcolor,)) * (width * height)
        self._shapes = {}

    def draw_pixel(self, x, y, color):
        if 0 <= x < self.width and 0 <= y < self.height:
            self.pixels[y * self.width + x] = color

    def get_pixel(self, x, y):
        if 0 <= x < self.width and 0 <= y < self.height:
            return self.pixels[y * self.width + x]
        return 0

    def row(self, y):
        w = self.width
        return self.pixels[y * w:(y + 1) * w]

    def draw_line(self, x1, y1, x2, y2, color):
        """lwDrawLine: Bresenham from (x1, y1) to (x2, y2).

        A line's pixels depend only on (x2 - x1, y2 - y1): each such shape is
        walked once and kept as offsets from its start, in the canvas too.
        """
        w = self.width
        shape = self._shapes.get((x2 - x1, y2 - y1))
        if shape is None:
            points = _bresenham(x2 - x1, y2 - y1)
            shape = self._shapes[(x2 - x1, y2 - y1)] = (points, [oy * w + ox for ox, oy in points])
        pixels = self.pixels
        if 0 <= x1 < w and 0 <= x2 < w and 0 <= y1 < self.height and 0 <= y2 < self.height:
            base = y1 * w + x1
            for offset in shape[1]:
                pixels[base + offset] = color
        else:
            h = self.height
            for ox, oy in shape[0]:
                x = x1 + ox
                y = y1 + oy
                if 0 <= x < w and 0 <= y < h:
                    pixels[y * w + x] = color


def _bresenham(dx, dy):
    """The pixels of lwDrawLine's walk from (0, 0) to (dx, dy)."""
    x = y = 0
    sx = 1 if dx > 0 else -1
    sy = 1 if dy > 0 else -1
    adx, ady = abs(dx), abs(dy)
    err = adx - ady
    points = [(0, 0)]
    while x != dx or y != dy:
        e2 = err * 2
        if e2 > -ady:
            err -= ady
            x += sx
        if e2 < adx:
            err += adx
            y += sy
        points.append((x, y))
    return points


# ---- version 5: Schotter -------------------------------------------------------

def _f32s(values):
    """``f32`` of each value at once."""
    return array("f", values)


def schotter(cols, squares_per_row, squares_per_col):
    """lwDrawSchotter: rows of squares more and more rotated and moved as they go down.

    The float arithmetic is Redis's, step by step, done a row of squares at a
    time (``array("f")`` rounds a whole row to C floats in one go); the
    random numbers are drawn in Redis's order, six per square.
    """
    width = cols * 2
    padding = 2 if width > 4 else 0
    side = f32(f32(width - padding * 2) / squares_per_row)
    height = int(f32(f32(side * squares_per_col) + padding * 2))
    canvas = Canvas(width, height, 0)
    half = f32(side / 2)
    # lwDrawSquare's size, the same for every square.
    size = f32(c_round(f32(side / 1.4142135623)))
    # A square's place before any move, along either axis.
    centers = [int(f32(f32(f32(i * side) + half) + padding))
               for i in range(max(squares_per_row, squares_per_col))]
    n = squares_per_row
    draw_line = canvas.draw_line
    sin, cos = math.sin, math.cos
    for y in range(squares_per_col):
        if y > 1:
            draws = [_rand() for _ in range(6 * n)]
            r = array("f", [draws[i] for i in range(6 * n) if i % 6 < 3])
            r = array("f", [v / _RAND_MAX_F for v in r])
            r = array("f", [v / squares_per_col for v in r])
            r = array("f", [v * y for v in r])
            r = [-v if draws[i + 3] % 2 else v
                 for v, i in zip(r, [6 * (m // 3) + m % 3 for m in range(3 * n)])]
            angles = r[0::3]
            moves_x = array("f", [v / 3 for v in array("f", [v * side for v in r[1::3]])])
            moves_y = array("f", [v / 3 for v in array("f", [v * side for v in r[2::3]])])
            xs = [int(v) for v in array("f", [centers[x] + moves_x[x] for x in range(n)])]
            ys = [int(v) for v in array("f", [centers[y] + moves_y[x] for x in range(n)])]
        else:
            angles = [0.0] * n
            xs = centers[:n]
            ys = [centers[y]] * n
        # lwDrawSquare: the four corners on a circle, from 45 degrees plus the angle.
        k0 = array("f", [math.pi / 4 + a for a in angles])
        k1 = array("f", [k + math.pi / 2 for k in k0])
        k2 = array("f", [k + math.pi / 2 for k in k1])
        k3 = array("f", [k + math.pi / 2 for k in k2])
        for x in range(n):
            cx = xs[x]
            cy = ys[x]
            corners = [(int(c_round(sin(k) * size + cx)), int(c_round(cos(k) * size + cy)))
                       for k in (k0[x], k1[x], k2[x], k3[x])]
            for c in range(4):
                (x1, y1), (x2, y2) = corners[c], corners[(c + 1) % 4]
                draw_line(x1, y1, x2, y2, 1)
    return canvas


# A braille character (U+2800 + bits) in UTF-8 is E2, A0 + bits / 64, 80 + bits % 64.
_BRAILLE_MID = bytes(0xA0 | (b >> 6) for b in range(256))
_BRAILLE_LOW = bytes(0x80 | (b & 0x3F) for b in range(256))
_NONZERO = bytes([0]) + bytes([1]) * 255


def render_braille(canvas):
    """renderCanvas of version 5: a braille character per 2x4 pixels, a line per 4 pixel rows.

    A cell's bits are worked out for a whole band at once: each of its rows,
    pixels as 0/1 bytes and split into even and odd columns, is read as one
    big integer and shifted into its bit (a byte's 1 never leaves the byte).
    """
    width, height = canvas.width, canvas.height
    ncols = (width + 1) // 2
    blank = bytes(width + 1)
    out = []
    # The bit of each pixel of a cell, by row: (even column, odd column).
    shifts = ((0, 3), (1, 4), (2, 5), (6, 7))
    for y in range(0, height, 4):
        bits = 0
        for dy, (even_shift, odd_shift) in enumerate(shifts):
            if y + dy < height:
                row = canvas.row(y + dy).translate(_NONZERO) + blank[:1]
            else:
                row = blank
            bits |= int.from_bytes(row[0:2 * ncols:2], "big") << even_shift
            bits |= int.from_bytes(row[1:2 * ncols:2], "big") << odd_shift
        cells = bits.to_bytes(ncols, "big")
        line = bytearray(3 * ncols)
        line[0::3] = b"\xe2" * ncols
        line[1::3] = cells.translate(_BRAILLE_MID)
        line[2::3] = cells.translate(_BRAILLE_LOW)
        out.append(bytes(line))
        if y != height - 1:
            out.append(b"\n")
    return b"".join(out)


def version5(cols, squares_per_row, squares_per_col, version):
    canvas = schotter(cols, squares_per_row, squares_per_col)
    return render_braille(canvas) + (
        b"\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. " + version + b"\n")


# ---- version 6: skyline --------------------------------------------------------

# Foreground and background set together, for the same look on every terminal.
_GRAYS = [b"\033[0;30;40m \033[0m", b"\033[0;90;100m \033[0m", b"\033[0;37;47m \033[0m",
          b"\033[0;97;107m \033[0m"]


def _skyscraper(canvas, xoff, width, height, windows, color):
    """generateSkyscraper: a block with a narrower roof, and two-pixel windows in gray."""
    pixels = canvas.pixels
    w = canvas.width
    starty = canvas.height - 1
    endy = starty - height + 1
    fill = bytes((color,))
    for y in range(starty, endy - 1, -1):
        if not 0 <= y < canvas.height:
            continue
        if y == endy:
            lo, hi = xoff + 2, xoff + width - 2
        else:
            lo, hi = xoff, xoff + width
        lo, hi = max(lo, 0), min(hi, w)
        if lo < hi:
            pixels[y * w + lo:y * w + hi] = fill * (hi - lo)
        if windows and endy + 1 < y < starty - 1 and (y - (endy + 1)) % 2:
            for x in range(xoff + 2, xoff + width - 2):
                relx = x - (xoff + 1)
                if (relx // 2) % 2:
                    while True:
                        pixel = 1 + _rand() % 2
                        if pixel != color:
                            break
                    if relx % 2:
                        pixel = canvas.get_pixel(x - 1, y)
                    canvas.draw_pixel(x, y, pixel)


def skyline(cols, rows):
    """generateSkyline: two gray rows of buildings behind, black ones with windows in front."""
    canvas = Canvas(cols, rows, 3)
    h = canvas.height
    for color in (2, 1):
        offset = -10
        while offset < canvas.width:
            offset += _rand() % 8
            width = 10 + _rand() % 9
            if color == 2:
                height = h // 2 + (_rand() % h) // 2
            else:
                height = h // 2 + (_rand() % h) // 3
            _skyscraper(canvas, offset, width, height, False, color)
            offset += width // 2 if color == 2 else width + 1
    offset = -10
    while offset < canvas.width:
        offset += _rand() % 8
        width = 5 + _rand() % 14
        if width % 4:
            width += width % 3
        height = h // 3 + (_rand() % h) // 2
        _skyscraper(canvas, offset, width, height, True, 0)
        offset += width + 5
    return canvas


def render_grays(canvas):
    """renderCanvas of version 6: each pixel a space in its gray, a line per pixel row."""
    out = []
    gray = _GRAYS.__getitem__
    for y in range(canvas.height):
        out.append(b"".join(map(gray, canvas.row(y))))
        if y != canvas.height - 1:
            out.append(b"\n")
    return b"".join(out)


def version6(cols, rows, version):
    return render_grays(skyline(cols, rows)) + (
        b"\nDedicated to the 8 bit game developers of past and present.\n"
        b"Original 8 bit image from Plaguemon by hikikomori. Redis ver. " + version + b"\n")
