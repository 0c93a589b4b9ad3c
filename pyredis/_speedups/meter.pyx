# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A command's calls, time and latency histogram, compiled twin of ``meter_py.py``.

Every call a server runs is counted and timed, so the count, the sum and the
histogram (INFO commandstats and latencystats, LATENCY HISTOGRAM) are C
integers here: recording a call makes no Python integer, and a pipelined
run's ``Stopwatch.lap`` reads the clock (CLOCK_MONOTONIC, time.perf_counter's)
and records in one call.  The pure twin documents the semantics.
"""
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.string cimport memset


cdef enum:
    # Durations below this many microseconds are counted one by one.
    FINE = 256


cdef inline int _bit_length(unsigned long long v) noexcept:
    cdef int n = 0
    while v:
        v >>= 1
        n += 1
    return n


cdef class Meter:
    """One command's counts; see meter_py.Meter."""

    def __cinit__(self):
        self.fine = NULL
        self.coarse = None

    def __init__(self):
        self.reset()

    def __dealloc__(self):
        PyMem_Free(self.fine)

    def reset(self):
        self.calls = 0
        self.ns = 0
        PyMem_Free(self.fine)
        self.fine = NULL
        self.coarse = None

    @property
    def usec(self):
        return self.ns // 1000

    @property
    def tracked(self):
        return self.fine != NULL

    def record(self, long long ns, bint count=True, bint latency=True):
        return self.c_record(ns, count, latency)

    cdef long long c_record(self, long long ns, bint count, bint latency) except -1:
        cdef long long us = ns // 1000
        if ns < 0:
            raise ValueError("a duration is not negative")
        self.ns += ns
        if not count:
            return us
        self.calls += 1
        if not latency:
            return us
        if self.fine == NULL:
            self.fine = <unsigned long long *>PyMem_Malloc(FINE * sizeof(unsigned long long))
            if self.fine == NULL:
                raise MemoryError()
            memset(self.fine, 0, FINE * sizeof(unsigned long long))
            self.coarse = {}
        if us < FINE:
            self.fine[us] += 1
        else:
            self._coarse(us)
        return us

    cdef int _coarse(self, long long us) except -1:
        cdef int shift = _bit_length(<unsigned long long>us) - 8
        key = (us >> shift) << shift
        self.coarse[key] = self.coarse.get(key, 0) + 1
        return 0

    def durations(self):
        """[(microseconds, calls)] of every duration recorded, fine ones first."""
        cdef int us
        out = []
        if self.fine == NULL:
            return out
        for us in range(FINE):
            if self.fine[us]:
                out.append((us, self.fine[us]))
        out.extend(self.coarse.items())
        return out


cdef class Stopwatch:
    """The clock of one client's pipelined run; see meter_py.Stopwatch."""

    def __init__(self):
        self.last = clock_ns()

    def start(self):
        self.last = clock_ns()

    def lap(self, Meter meter, bint latency):
        cdef long long now = clock_ns()
        cdef long long ns = now - self.last
        self.last = now
        return meter.c_record(ns, True, latency)


__all__ = ["Meter", "Stopwatch"]
