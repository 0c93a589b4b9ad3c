"""redis.call twins (scriptcall.pyx and scriptcall_py.py): the arguments a script passes.

The call itself runs against a live server on both twins (tests/server's
scripting and function tests); here, luaArgsToRedisArgv's conversion of the
values lupa hands over: strings as they are, numbers as Lua's %.17g.
"""
import math

from hypothesis import given, settings
from hypothesis import strategies as st


def test_strings_and_numbers(scriptcall):
    assert scriptcall.number_argv([b"SET", b"k", 10, 1.5, -0.0, 1e20, 2 ** 60]) == [
        b"SET", b"k", b"10", b"1.5", b"-0", b"1e+20", b"1.152921504606847e+18"]
    assert scriptcall.number_argv([b"x", math.inf, -math.inf]) == [b"x", b"inf", b"-inf"]
    assert scriptcall.number_argv([]) == []


def test_other_values_are_not_its_case(scriptcall):
    for odd in (None, True, "text", [1], {}, bytearray(b"x")):
        assert scriptcall.number_argv([b"GET", odd]) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=8), st.integers(-2 ** 70, 2 ** 70),
                          st.floats(allow_nan=False), st.booleans(), st.none())))
def test_twins_agree(scriptcall_twins, args):
    compiled, pure = scriptcall_twins
    assert compiled.number_argv(args) == pure.number_argv(args)
