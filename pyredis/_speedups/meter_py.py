"""A command's calls, time and latency histogram, pure twin of ``meter.pyx``.

``Meter`` holds what INFO commandstats and latencystats and LATENCY HISTOGRAM
report of one command: its calls, the nanoseconds they took, and how many
took each duration.  Durations are counted by whole microseconds, as Redis
measures a call; below 256 us one by one, longer ones by their top eight
bits (the histogram Redis reports is coarser still).

``Stopwatch`` times a client's pipelined run with one clock read per
command: a lap ends where the one before it ended.
"""
import time

_now_ns = time.perf_counter_ns

# Durations below this many microseconds are counted one by one.
FINE = 256


class Meter:
    __slots__ = ("calls", "ns", "_fine", "_coarse")

    def __init__(self):
        self.reset()

    def reset(self):
        self.calls = 0
        self.ns = 0
        self._fine = None
        self._coarse = None

    @property
    def usec(self):
        return self.ns // 1000

    @property
    def tracked(self):
        """Whether a duration was recorded (LATENCY HISTOGRAM lists the command)."""
        return self._fine is not None

    def record(self, ns, count=True, latency=True):
        """A call of ``ns`` nanoseconds; its whole microseconds.

        Without ``count`` (a call that blocked, counted when it is served)
        only the time is added; without ``latency`` (latency-tracking off)
        the histogram is left alone.
        """
        if ns < 0:
            raise ValueError("a duration is not negative")
        us = ns // 1000
        self.ns += ns
        if not count:
            return us
        self.calls += 1
        if not latency:
            return us
        fine = self._fine
        if fine is None:
            fine = self._fine = [0] * FINE
            self._coarse = {}
        if us < FINE:
            fine[us] += 1
        else:
            shift = us.bit_length() - 8
            key = us >> shift << shift
            self._coarse[key] = self._coarse.get(key, 0) + 1
        return us

    def durations(self):
        """[(microseconds, calls)] of every duration recorded, fine ones first."""
        if self._fine is None:
            return []
        out = [(us, n) for us, n in enumerate(self._fine) if n]
        out.extend(self._coarse.items())
        return out


class Stopwatch:
    __slots__ = ("last",)

    def __init__(self):
        self.last = _now_ns()

    def start(self):
        self.last = _now_ns()

    def lap(self, meter, latency):
        """Record the time since the last lap (or start) as a call of ``meter``; its microseconds."""
        now = _now_ns()
        ns = now - self.last
        self.last = now
        return meter.record(ns, True, latency)
