"""Latency events as latency.c records them: per event class, the worst sample of each second
that reached ``latency-monitor-threshold`` milliseconds, the last 160 kept."""
import time

from . import clock

TS_LEN = 160


class Series:
    __slots__ = ("samples", "max")

    def __init__(self):
        self.samples = []
        self.max = 0


def add_sample(server, event, ms):
    """latencyAddSampleIfNeeded: record ``ms`` for ``event`` if it reaches the threshold."""
    threshold = server.config["latency-monitor-threshold"]
    if not threshold or ms < threshold:
        return
    series = server.latency_events.get(event)
    if series is None:
        series = server.latency_events[event] = Series()
    now = int(clock.time())
    if ms > series.max:
        series.max = ms
    samples = series.samples
    if samples and samples[-1][0] == now:
        if ms > samples[-1][1]:
            samples[-1] = (now, ms)
        return
    samples.append((now, ms))
    if len(samples) > TS_LEN:
        del samples[0]


def fork_done(server, started):
    """redisFork's bookkeeping in the parent, ``started`` being perf_counter() before fork().

    The fork rate LATENCY DOCTOR reports is worked out when it is asked for:
    estimating the dataset here would walk the keyspace while every page is
    shared with the child, and stall the clients for as long.
    """
    us = max(int((time.perf_counter() - started) * 1000000), 1)
    stats = server.stats
    stats.total_forks += 1
    stats.latest_fork_usec = us
    add_sample(server, "fork", us // 1000)
