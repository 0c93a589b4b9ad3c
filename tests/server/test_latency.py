"""LATENCY and SLOWLOG on a live server, with spikes made by DEBUG SLEEP."""
import re
import time

import pytest


@pytest.fixture
def rl(start_server):
    import redis
    proc = start_server("--enable-debug-command", "yes", "--latency-monitor-threshold", "5")
    client = redis.Redis(port=proc.port)
    yield client
    client.close()


def test_spike_is_recorded_once_per_second(rl):
    rl.execute_command("DEBUG", "SLEEP", "0.02")
    rl.execute_command("DEBUG", "SLEEP", "0.03")
    latest = rl.execute_command("LATENCY", "LATEST")
    assert len(latest) == 1
    event, when, last, worst = latest[0]
    assert event == b"command" and last >= 20 and worst == last
    history = rl.execute_command("LATENCY", "HISTORY", "command")
    assert len(history) in (1, 2) and history[-1][1] == last


def test_graph_and_doctor(rl):
    rl.execute_command("DEBUG", "SLEEP", "0.02")
    graph = rl.execute_command("LATENCY", "GRAPH", "command").decode()
    lines = graph.split("\n")
    assert re.fullmatch(r"command - high (\d+) ms, low \1 ms \(all time high \1 ms\)", lines[0])
    assert lines[1] == "-" * 80
    assert lines[2:] == [" ", " ", " ", "_", " ", "0", "s", ""]
    doctor = rl.execute_command("LATENCY", "DOCTOR").decode()
    assert doctor.startswith("Dave, I have observed latency spikes in this Redis instance.")
    assert "1. command: 1 latency spikes (average " in doctor
    assert "Check your Slow Log" in doctor or "slowlog-log-slower-than" in doctor
    assert rl.execute_command("LATENCY", "RESET", "command", "other") == 1
    assert rl.execute_command("LATENCY", "LATEST") == []


def test_fast_command_below_threshold_is_not_recorded(rl):
    rl.set("a", "b")
    assert rl.execute_command("LATENCY", "LATEST") == []


def test_slowlog_records_slow_commands(rl):
    rl.execute_command("SLOWLOG", "RESET")
    rl.config_set("slowlog-log-slower-than", 10000)
    rl.set("fast", "1")
    rl.execute_command("DEBUG", "SLEEP", "0.02")
    entries = rl.execute_command("SLOWLOG", "GET")
    assert len(entries) == 1
    assert entries[0][3] == [b"DEBUG", b"SLEEP", b"0.02"]
    assert entries[0][2] >= 20000


def test_latencystats_info_and_resetstat(rl):
    rl.set("a", "b")
    stats = rl.info("latencystats")
    assert "latency_percentiles_usec_set" in stats
    assert set(stats["latency_percentiles_usec_set"]) == {"p50", "p99", "p99.9"}
    rl.config_set("latency-tracking-info-percentiles", "50 90")
    assert set(rl.info("latencystats")["latency_percentiles_usec_set"]) == {"p50", "p90"}
    rl.config_resetstat()
    assert "latency_percentiles_usec_set" not in rl.info("latencystats")
    rl.config_set("latency-tracking", "no")
    rl.set("a", "b")
    assert "latency_percentiles_usec_set" not in rl.info("latencystats")


def test_forks_are_counted(rl):
    assert rl.info("stats")["total_forks"] == 0
    rl.set("k", "v")
    rl.bgsave()
    stats = rl.info("stats")
    assert stats["total_forks"] == 1 and stats["latest_fork_usec"] > 0
    for _ in range(200):
        if rl.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.02)
    rl.config_resetstat()
    stats = rl.info("stats")
    assert stats["total_forks"] == 0 and stats["latest_fork_usec"] == 0


class _Config(dict):
    pass


class _Stats:
    latest_fork_usec = 1000000


class _Server:
    """What createLatencyReport reads: config, stats and the recorded events."""

    def __init__(self, **config):
        self.config = {"latency-monitor-threshold": 1, "slowlog-log-slower-than": 10000,
                       "appendfsync": "everysec", "hz": 10}
        self.config.update(config)
        self.stats = _Stats()
        self.latency_events = {}


def _report_for(event, ms=3, **config):
    from pyredis import clock
    from pyredis.commands.latency import _report
    from pyredis.latency import add_sample
    server = _Server(**config)
    server.latency_events = {}
    add_sample(server, event, ms)
    report = _report(server)
    head = ("Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
            "about it, do you Dave?\n\n1. %s: 1 latency spikes (average %dms, mean deviation 0ms, "
            "period 1.00 sec). Worst all time event %dms." % (event, ms, ms))
    assert report.startswith(head), report
    return report[len(head):]


_ADVICE_STARTS = {
    "vm": "- If you are using a virtual machine",
    "slowlog_inspect": "- Check your Slow Log",
    "scheduler": "- The system is slow to execute Redis code paths",
    "local_disk": "- It is strongly advised to use local disks",
    "ssd": "- SSD disks are able to reduce fsync latency",
    "writeback": "- Mounting ext3/4 filesystems with data=writeback",
    "contention": "- Try to lower the disk contention.",
    "no_appendfsync": "- Assuming from the point of view of data safety",
    "fsync_always": "- Your fsync policy is set to 'always'.",
    "write_load": "- Latency during the AOF atomic rename operation",
    "hz": "- In order to make the Redis keys expiring process more incremental",
    "large": "- Deleting, expiring or evicting (because of maxmemory policy) large objects",
    "mass": "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET'",
}


def _advices(tail):
    """The advices of a report's tail, by name, in the order written."""
    assert tail.startswith("\n\nI have a few advices for you:\n\n"), tail
    names = []
    for line in tail.split("\n"):
        for name, start in _ADVICE_STARTS.items():
            if line.startswith(start):
                names.append(name)
    return names


@pytest.mark.parametrize("event, config, advices", [
    ("fast-command", {}, ["scheduler"]),
    ("aof-write-pending-fsync", {}, ["local_disk", "ssd", "writeback", "contention"]),
    ("aof-write-active-child", {}, ["ssd", "writeback", "no_appendfsync"]),
    ("aof-write-alone", {}, ["local_disk", "ssd", "writeback"]),
    ("aof-fsync-always", {"appendfsync": "always"}, ["fsync_always"]),
    ("aof-fstat", {}, ["local_disk", "contention"]),
    ("rdb-unlink-temp-file", {}, ["local_disk", "contention"]),
    ("aof-rename", {}, ["local_disk", "ssd", "writeback", "write_load"]),
    ("expire-cycle", {}, ["hz", "large"]),
    ("eviction-del", {}, ["large"]),
    ("eviction-cycle", {}, ["mass"]),
    ("command", {"slowlog-log-slower-than": 0}, ["slowlog_inspect", "large"]),
])
def test_doctor_advices_per_event(event, config, advices):
    assert _advices(_report_for(event, **config)) == advices


def test_doctor_advices_that_depend_on_settings():
    # The fsync and hz advices only stand while the setting they change still needs it:
    # with nothing else to say, the report says so.
    no_fix = ("\n\nWhile there are latency events logged, I'm not able to suggest any easy fix. "
              "Please use the Redis community to get some help, providing this report in your help "
              "request.\n")
    assert _report_for("aof-fsync-always", appendfsync="everysec") == "\n\nI have a few advices for you:\n\n"
    assert _advices(_report_for("expire-cycle", hz=100)) == ["large"]
    assert _report_for("aof-write") == no_fix
    assert _report_for("some-module-event") == no_fix


@pytest.mark.parametrize("rate, quality, advices", [
    (5.0, "terrible", ["vm"]), (10.0, "poor", ["vm"]), (25.0, "good", []), (100.0, "excellent", []),
])
def test_doctor_fork_rate(rate, quality, advices, monkeypatch):
    # The rate is the dataset's size over the last fork's time: here one second.
    monkeypatch.setattr("pyredis.commands.latency.used_memory", lambda server: rate * (1 << 30))
    tail = _report_for("fork")
    assert tail.startswith(" Fork rate is %.2f GB/sec (%s).\n" % (rate, quality))
    if advices:
        assert _advices(tail[tail.index("\n"):]) == advices
    else:
        assert tail.endswith("I'm not able to suggest any easy fix. Please use the Redis community "
                             "to get some help, providing this report in your help request.\n")
