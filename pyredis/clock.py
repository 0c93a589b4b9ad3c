"""The server's one clock: every read of the server's time goes through ``time()``.

Redis reads its time through ``mstime()`` and the command time snapshot; here
``clock.time()`` (seconds, a float like ``time.time()``) plays that part for
TTLs, expiry, TIME, blocking timeouts, client ages, CLIENT PAUSE, SLOWLOG,
MONITOR and LATENCY timestamps.  Tests move it with PYREDIS.CLOCK.

While the clock is not moved, ``time`` *is* ``time.time``: callers pay one
plain call and nothing else.  Moving it rebinds ``time`` to a function that
adds an offset (or returns the frozen instant), so callers must read it as
``clock.time()``, never bind it with ``from .clock import time``.

The clock belongs to the process: servers run in threads of one process share it.
The event loop's own waiting, and durations measured for stats, stay on the
real clocks (``time.monotonic``, ``time.perf_counter``).
"""
import time as _time

_real = _time.time
# Seconds added to the real time while running; the instant held while frozen.
_offset = 0.0
_frozen = None

time = _real


def _shifted():
    return _real() + _offset


def _held():
    return _frozen


def _rebind():
    global time
    if _frozen is not None:
        time = _held
    elif _offset:
        time = _shifted
    else:
        time = _real


def now_ms():
    return int(time() * 1000)


def is_frozen():
    return _frozen is not None


def set_time(seconds):
    """Make the clock read ``seconds`` now; a frozen clock stays frozen there."""
    global _offset, _frozen
    if _frozen is not None:
        _frozen = float(seconds)
    else:
        _offset = seconds - _real()
    _rebind()


def advance(seconds):
    global _offset, _frozen
    if _frozen is not None:
        _frozen += seconds
    else:
        _offset += seconds
    _rebind()


def freeze():
    global _frozen
    if _frozen is None:
        _frozen = time()
    _rebind()


def resume():
    """Let a frozen clock run again from the instant it held."""
    global _offset, _frozen
    if _frozen is not None:
        _offset = _frozen - _real()
        _frozen = None
    _rebind()


def reset():
    """Back to the real time, running."""
    global _offset, _frozen
    _offset = 0.0
    _frozen = None
    _rebind()
