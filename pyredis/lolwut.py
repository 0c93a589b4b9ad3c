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
    """lwCanvas: ``width`` x ``height`` pixels of one byte each; drawing outside is ignored.

    Only the pixels set to a colour other than the background are stored, so a
    large sparse canvas (Schotter's lines) costs what is drawn on it.
    """

    def __init__(self, width, height, bgcolor=0):
        self.width = width
        self.height = height
        self.bgcolor = bgcolor
        self.pixels = {}

    def draw_pixel(self, x, y, color):
        if 0 <= x < self.width and 0 <= y < self.height:
            self.pixels[(x, y)] = color

    def get_pixel(self, x, y):
        if 0 <= x < self.width and 0 <= y < self.height:
            return self.pixels.get((x, y), self.bgcolor)
        return 0

    def draw_line(self, x1, y1, x2, y2, color):
        """lwDrawLine: Bresenham from (x1, y1) to (x2, y2)."""
        dx = abs(x2 - x1)
        dy = abs(y2 - y1)
        sx = 1 if x1 < x2 else -1
        sy = 1 if y1 < y2 else -1
        err = dx - dy
        while True:
            self.draw_pixel(x1, y1, color)
            if x1 == x2 and y1 == y2:
                break
            e2 = err * 2
            if e2 > -dy:
                err -= dy
                x1 += sx
            if e2 < dx:
                err += dx
                y1 += sy

    def draw_square(self, x, y, size, angle, color):
        """lwDrawSquare: the four corners on a circle, starting at 45 degrees plus ``angle``."""
        size = f32(c_round(f32(size / 1.4142135623)))
        k = f32(math.pi / 4 + angle)
        px = []
        py = []
        for _ in range(4):
            px.append(int(c_round(math.sin(k) * size + x)))
            py.append(int(c_round(math.cos(k) * size + y)))
            k = f32(k + math.pi / 2)
        for j in range(4):
            self.draw_line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color)


# ---- version 5: Schotter -------------------------------------------------------

def schotter(cols, squares_per_row, squares_per_col):
    """lwDrawSchotter: rows of squares more and more rotated and moved as they go down."""
    width = cols * 2
    padding = 2 if width > 4 else 0
    side = f32(f32(width - padding * 2) / squares_per_row)
    height = int(f32(f32(side * squares_per_col) + padding * 2))
    canvas = Canvas(width, height, 0)
    half = f32(side / 2)
    for y in range(squares_per_col):
        for x in range(squares_per_row):
            sx = int(f32(f32(f32(x * side) + half) + padding))
            sy = int(f32(f32(f32(y * side) + half) + padding))
            angle = 0.0
            if y > 1:
                r1 = f32(f32(f32(f32(_rand()) / _RAND_MAX_F) / squares_per_col) * y)
                r2 = f32(f32(f32(f32(_rand()) / _RAND_MAX_F) / squares_per_col) * y)
                r3 = f32(f32(f32(f32(_rand()) / _RAND_MAX_F) / squares_per_col) * y)
                if _rand() % 2:
                    r1 = -r1
                if _rand() % 2:
                    r2 = -r2
                if _rand() % 2:
                    r3 = -r3
                angle = r1
                sx = int(f32(sx + f32(f32(r2 * side) / 3)))
                sy = int(f32(sy + f32(f32(r3 * side) / 3)))
            canvas.draw_square(sx, sy, side, angle, 1)
    return canvas


# Bit of the braille character for each pixel of a 2x4 cell, by (dx, dy).
_BRAILLE_BITS = {(0, 0): 0, (0, 1): 1, (0, 2): 2, (1, 0): 3, (1, 1): 4, (1, 2): 5,
                 (0, 3): 6, (1, 3): 7}
_BLANK = chr(0x2800)


def render_braille(canvas):
    """renderCanvas of version 5: a braille character per 2x4 pixels, a line per 4 pixel rows."""
    cells = {}
    for (x, y), color in canvas.pixels.items():
        if color:
            row = cells.setdefault(y // 4, {})
            cx = x // 2
            row[cx] = row.get(cx, 0) | (1 << _BRAILLE_BITS[(x % 2, y % 4)])
    ncols = (canvas.width + 1) // 2
    blank_row = _BLANK * ncols
    out = []
    for band, y in enumerate(range(0, canvas.height, 4)):
        row = cells.get(band)
        if row is None:
            out.append(blank_row)
        else:
            chars = [_BLANK] * ncols
            for cx, bits in row.items():
                chars[cx] = chr(0x2800 + bits)
            out.append("".join(chars))
        if y != canvas.height - 1:
            out.append("\n")
    return "".join(out).encode("utf-8")


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
    starty = canvas.height - 1
    endy = starty - height + 1
    for y in range(starty, endy - 1, -1):
        for x in range(xoff, xoff + width):
            if y == endy and (x <= xoff + 1 or x >= xoff + width - 2):
                continue
            pixel = color
            if windows and xoff + 1 < x < xoff + width - 2 and endy + 1 < y < starty - 1:
                relx = x - (xoff + 1)
                rely = y - (endy + 1)
                if (relx // 2) % 2 and rely % 2:
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
    for y in range(canvas.height):
        out.append(b"".join(_GRAYS[canvas.get_pixel(x, y)] for x in range(canvas.width)))
        if y != canvas.height - 1:
            out.append(b"\n")
    return b"".join(out)


def version6(cols, rows, version):
    return render_grays(skyline(cols, rows)) + (
        b"\nDedicated to the 8 bit game developers of past and present.\n"
        b"Original 8 bit image from Plaguemon by hikikomori. Redis ver. " + version + b"\n")
