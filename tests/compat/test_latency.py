"""LATENCY DOCTOR against redis-server: the same report for the same events.

Spikes are made the same way on both (DEBUG SLEEP for ``command``, a CONFIG SET
maxmemory that evicts every key for ``eviction-cycle``); only the measured
milliseconds and the period are masked, every word around them is compared.
"""
import re

import pytest

from respclient import RawClient

# The figures of an event line that depend on timing.
_FIGURES = re.compile(rb"(average |deviation |period |event )[0-9.]+")


def _masked(raw):
    """The report's text (the bulk's body), timing figures masked."""
    body = raw[raw.index(b"\r\n") + 2:-2]
    return _FIGURES.sub(rb"\1N", body)


@pytest.fixture(scope="module")
def both(servers_with):
    servers = servers_with("--enable-debug-command", "yes")
    clients = [RawClient(proc.port) for proc in servers]
    yield clients
    for c in clients:
        c.close()


def _run(both, *args):
    replies = [c.cmd(*args) for c in both]
    assert replies[0] == replies[1], "%r\n  pyredis: %r\n  redis:   %r" % (args, *replies)
    return replies[0]


def _doctor(both):
    ours, theirs = [_masked(c.cmd("LATENCY", "DOCTOR")) for c in both]
    assert ours == theirs, "\n  pyredis: %r\n  redis:   %r" % (ours, theirs)
    return ours.decode()


@pytest.fixture(autouse=True)
def fresh(both):
    # Not compared: how many kinds a test left depends on timing (eviction-del).
    for c in both:
        c.cmd("LATENCY", "RESET")
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", "0")
    _run(both, "CONFIG", "SET", "slowlog-log-slower-than", "10000")
    yield
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", "0")
    _run(both, "CONFIG", "SET", "slowlog-log-slower-than", "10000")
    _run(both, "CONFIG", "SET", "maxmemory", "0")
    _run(both, "FLUSHALL")


def test_disabled_and_quiet(both):
    assert _doctor(both).startswith("I'm sorry, Dave, I can't do that.")
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", "100")
    assert _doctor(both).startswith("Dave, no latency spike was observed")


@pytest.mark.parametrize("threshold, slower, advice", [
    ("5", "10000", "Your current Slow Log configuration only logs events that are slower"),
    ("10", "10000", "- Check your Slow Log"),
    ("5", "-1", "Try to enable the Slow Log Redis feature using the command "
                "'CONFIG SET slowlog-log-slower-than 5000'"),
    ("8", "0", "- Check your Slow Log"),
])
def test_command_spike(both, threshold, slower, advice):
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", threshold)
    _run(both, "CONFIG", "SET", "slowlog-log-slower-than", slower)
    _run(both, "DEBUG", "SLEEP", "0.03")
    report = _doctor(both)
    assert report.startswith("Dave, I have observed latency spikes")
    assert "1. command: 1 latency spikes (average N" in report
    assert advice in report
    assert report.endswith("try to fragment those objects into multiple smaller objects.\n")


def test_events_kept_after_monitoring_is_turned_off(both):
    # The "disabled" answer is only for an instance that never recorded anything.
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", "5")
    _run(both, "DEBUG", "SLEEP", "0.02")
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", "0")
    assert "1. command: 1 latency spikes" in _doctor(both)


def test_two_spikes_of_one_event(both):
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", "5")
    _run(both, "DEBUG", "SLEEP", "0.02")
    _run(both, "DEBUG", "SLEEP", "1.01")
    report = _doctor(both)
    assert "1. command: 2 latency spikes" in report


def test_mass_eviction(both):
    for c in both:
        # Enough keys that evicting them all takes well over a millisecond on both.
        assert c.cmd("DEBUG", "POPULATE", "50000") == b"+OK\r\n"
    _run(both, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
    # No time limit: every key goes in the one cycle CONFIG SET runs.
    _run(both, "CONFIG", "SET", "maxmemory-eviction-tenacity", "100")
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", "1")
    try:
        for c in both:
            c.cmd("CONFIG", "SET", "maxmemory", "1")
    finally:
        for c in both:
            c.cmd("CONFIG", "SET", "maxmemory", "0")
        _run(both, "CONFIG", "SET", "maxmemory-policy", "noeviction")
        _run(both, "CONFIG", "SET", "maxmemory-eviction-tenacity", "10")
    reports = [_masked(c.cmd("LATENCY", "DOCTOR")).decode() for c in both]
    for report in reports:
        # Eviction may go on in the cron after CONFIG SET returns: one spike or more.
        assert re.search(r"\d\. eviction-cycle: \d+ latency spikes \(average Nms, mean deviation Nms, "
                         r"period N sec\)\. Worst all time event Nms\.\n", report)
        assert "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of " \
               "large objects via sets or sorted sets intersections, STORE option of SORT, Redis " \
               "Cluster large keys migrations (RESTORE command), may create sudden memory " \
               "pressure forcing the server to block trying to evict keys. \n" in report


def _by_event(report):
    """(head, {event line without its number}, tail) of a report.

    redis-server lists events in its dict's order, which follows a hash seed
    drawn at start-up (two redis-server processes disagree with each other):
    the event lines are compared as a set, their numbering as 1..n.  Spike
    counts depend on how many seconds the spikes spread over, and a single
    eviction taking a millisecond (``eviction-del``) on how loaded the
    machine is: both are left out.
    """
    lines = report.split("\n")
    numbered = [i for i, line in enumerate(lines) if re.match(r"\d+\. ", line)]
    events = lines[numbered[0]:numbered[-1] + 1]
    assert [int(line.split(".")[0]) for line in events] == list(range(1, len(events) + 1))
    events = sorted(re.sub(r": \d+ latency", ": N latency", line.split(" ", 1)[1])
                    for line in events)
    return (lines[:numbered[0]], [e for e in events if not e.startswith("eviction-del:")],
            lines[numbered[-1] + 1:])


def test_several_event_kinds(both):
    for c in both:
        assert c.cmd("DEBUG", "POPULATE", "50000") == b"+OK\r\n"
    _run(both, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
    _run(both, "CONFIG", "SET", "maxmemory-eviction-tenacity", "100")
    _run(both, "CONFIG", "SET", "latency-monitor-threshold", "1")
    _run(both, "CONFIG", "SET", "slowlog-log-slower-than", "-1")
    try:
        for c in both:
            c.cmd("CONFIG", "SET", "maxmemory", "1")
    finally:
        for c in both:
            c.cmd("CONFIG", "SET", "maxmemory", "0")
        _run(both, "CONFIG", "SET", "maxmemory-policy", "noeviction")
        _run(both, "CONFIG", "SET", "maxmemory-eviction-tenacity", "10")
        # Above what a fast command may take on a loaded machine.
        _run(both, "CONFIG", "SET", "latency-monitor-threshold", "10")
    _run(both, "DEBUG", "SLEEP", "0.02")
    try:
        ours, theirs = [_by_event(_masked(c.cmd("LATENCY", "DOCTOR")).decode()) for c in both]
        assert ours == theirs, "\n  pyredis: %r\n  redis:   %r" % (ours, theirs)
        assert ours[1] == [
            "command: N latency spikes (average Nms, mean deviation Nms, period N sec). "
            "Worst all time event Nms.",
            "eviction-cycle: N latency spikes (average Nms, mean deviation Nms, period N sec). "
            "Worst all time event Nms."]
        latest = [set(re.findall(rb"\$\d+\r\n([a-z-]+)\r\n", c.cmd("LATENCY", "LATEST")))
                  for c in both]
        assert latest[0] - {b"eviction-del"} == latest[1] - {b"eviction-del"} == \
            {b"command", b"eviction-cycle"}
    finally:
        for c in both:
            c.cmd("LATENCY", "RESET")
