"""LOLWUT VERSION 5 and 6 against redis-server: Redis's art byte for byte where Redis's own
output is fixed (Schotter's first two rows of squares, an empty skyline), its shape elsewhere."""
import re

import pytest

from respclient import parse_typed

_SCHOTTER_TAIL = b"\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n"
_SKYLINE_TAIL = (b"\nDedicated to the 8 bit game developers of past and present.\n"
                 b"Original 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15\n")
_GRAY = re.compile(rb"\x1b\[0;(30;40|90;100|37;47|97;107)m \x1b\[0m")


@pytest.mark.parametrize("params", [
    ("10", "1", "1"), ("66", "8", "2"), ("33", "3", "1"), ("7", "5", "2"), ("1", "1", "1"),
    ("2", "1", "1"), ("3", "200", "2"), ("1000", "200", "2"), ("-3", "0", "-1"), ("100", "7", "2"),
    ("57", "13", "2"), ("999", "37", "1"), ("80", "3", "2"), ("50", "9", "1"), ("123", "11", "2"),
    ("40", "4", "2"), ("40", "1", "1"),
])
def test_schotter_fixed_rows(pair, params):
    reply = pair.run("LOLWUT", "VERSION", "5", *params)
    assert reply.endswith(_SCHOTTER_TAIL + b"\r\n")


@pytest.mark.parametrize("params", [(), ("20", "4", "6"), ("70", "10", "200")])
def test_schotter_shape(pair, params):
    # Rows below the second are moved by rand(): same size and lines, not the same pixels.
    ours = parse_typed(pair.ours.cmd("LOLWUT", "VERSION", "5", *params))[1]
    theirs = parse_typed(pair.theirs.cmd("LOLWUT", "VERSION", "5", *params))[1]
    assert ours.endswith(_SCHOTTER_TAIL) and theirs.endswith(_SCHOTTER_TAIL)
    mine, oracle = ours.decode().split("\n"), theirs.decode().split("\n")
    assert [len(line) for line in mine] == [len(line) for line in oracle]
    cols, per_row = (int(params[0]), int(params[1])) if params else (66, 8)
    # The first rows of squares are not moved: the text lines above the third are Redis's.
    side = (cols * 2 - 4) // per_row
    fixed = (2 + side) // 4
    assert fixed >= 1 and mine[:fixed] == oracle[:fixed]


@pytest.mark.parametrize("params", [("40", "1"), ("3", "-1"), ("1000", "1"), ("1", "1")])
def test_empty_skyline(pair, params):
    reply = pair.run("LOLWUT", "VERSION", "6", *params)
    assert reply.endswith(_SKYLINE_TAIL + b"\r\n")


@pytest.mark.parametrize("params", [(), ("30", "10"), ("5", "3"), ("200", "60")])
def test_skyline_shape(pair, params):
    cols, rows = (int(params[0]), int(params[1])) if params else (80, 20)
    for side in (pair.ours, pair.theirs):
        art = parse_typed(side.cmd("LOLWUT", "VERSION", "6", *params))[1]
        assert art.endswith(_SKYLINE_TAIL)
        lines = art[:-len(_SKYLINE_TAIL)].split(b"\n")
        assert len(lines) == rows
        for line in lines:
            assert len(_GRAY.findall(line)) == cols and not _GRAY.sub(b"", line)
        # The sky (white) is above every building: the top row has the most white.
        assert lines[0].count(b"97;107") >= lines[-1].count(b"97;107")


@pytest.mark.parametrize("args", [
    ("LOLWUT", "VERSION", "5", "x"), ("LOLWUT", "VERSION", "5", "1", "x"), ("LOLWUT", "VERSION", "5", "1", "1", "1.5"),
    ("LOLWUT", "VERSION", "6", "a"), ("LOLWUT", "VERSION", "6", "1", "99999999999999999999"),
    ("LOLWUT", "VERSION", "-1"), ("LOLWUT", "VERSION", "4294967301", "5", "1", "1"),
    ("LOLWUT", "VERSION", "4294967302", "7", "1"), ("LOLWUT", "VERSION", "50"), ("LOLWUT", "10"),
    ("LOLWUT", "VERSION", "5", "3", "2", "1", "extra"),
])
def test_versions_and_arguments(pair, args):
    pair.run(*args)
