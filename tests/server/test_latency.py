"""LATENCY and SLOWLOG on a live server, with spikes made by DEBUG SLEEP."""
import re

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
