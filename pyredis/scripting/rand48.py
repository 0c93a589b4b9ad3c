"""Redis's rand48.c: the PRNG behind ``math.random`` in scripts.

A 48-bit linear congruential generator (a = 0x5DEECE66D, c = 0xB).  Its
state starts at rand48's static initial value and is never reset between
scripts (Redis 7.0 does not reseed before EVAL); ``math.randomseed`` reseeds
it as redisSrand48.
"""
_MASK48 = (1 << 48) - 1
_A = 0x5DEECE66D
_C = 0xB
_INITIAL = 0x1234ABCD330E
_LRAND48_MAX = 0x7FFFFFFF


class Rand48:
    __slots__ = ("x",)

    def __init__(self):
        self.x = _INITIAL

    def seed(self, value):
        """redisSrand48: the low 32 bits of the seed above the fixed 0x330E."""
        value = int(value) & 0xFFFFFFFF
        self.x = (value << 16) | 0x330E

    def lrand48(self):
        self.x = (_A * self.x + _C) & _MASK48
        return self.x >> 17

    def random(self):
        """math_random's r: a double in [0, 1)."""
        return (self.lrand48() % _LRAND48_MAX) / _LRAND48_MAX
