# A command's counts and the clock calls are timed with, for the compiled
# twins that record calls (scriptcall.pyx).
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC


cdef inline long long clock_ns() noexcept:
    """time.perf_counter_ns's clock (CLOCK_MONOTONIC), read without a call into Python."""
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000000000LL + ts.tv_nsec

cdef class Meter:
    cdef public unsigned long long calls
    cdef public long long ns
    # Calls by whole microseconds below 256, allocated on the first; longer
    # ones by their coarser duration.
    cdef unsigned long long *fine
    cdef dict coarse

    cdef long long c_record(self, long long ns, bint count, bint latency) except -1
    cdef int _coarse(self, long long us) except -1


cdef class Stopwatch:
    cdef long long last
