"""LATENCY: latency spikes by event class, and per-command latency histograms.

Events (``command``, ``fast-command``, ``expire-cycle`` ...) are recorded when
they take at least ``latency-monitor-threshold`` milliseconds: one sample a
second per event (the worst), the last 160 kept, as Redis's latency.c.  The
per-command histograms behind LATENCY HISTOGRAM and INFO latencystats keep
durations at the resolution of Redis's HDR histogram (two significant
digits), so the bucket edges and percentiles read as Redis's do.
"""
import time

from .. import errors, reply
from ..server import Server
from . import TABLE, command, container
from .introspection import all_commands, help_reply

TS_LEN = 160
GRAPH_COLS = 80

# The HDR histogram Redis uses: 1 ns to 1 s, two significant digits: values
# below 256 ns are exact, above that they keep their top 8 bits.
HIST_MIN_NS = 1
HIST_MAX_NS = 1000000000


def hdr_lowest(v):
    """The lowest value ``v`` is indistinguishable from in the histogram."""
    if v < 256:
        return v
    shift = v.bit_length() - 8
    return (v >> shift) << shift


def hdr_highest(v):
    if v < 256:
        return v
    shift = v.bit_length() - 8
    return (((v >> shift) + 1) << shift) - 1


def in_ns(hist):
    """A command's durations (us -> count, as call() keeps them) as the HDR histogram holds them."""
    out = {}
    for us, n in hist.items():
        ns = min(max(us * 1000, HIST_MIN_NS), HIST_MAX_NS)
        q = hdr_lowest(ns)
        out[q] = out.get(q, 0) + n
    return out


def percentile(hist, pct):
    """hdr_value_at_percentile over an ``in_ns`` histogram."""
    total = sum(hist.values())
    wanted = max(int(pct / 100.0 * total + 0.5), 1)
    seen = 0
    for v in sorted(hist):
        seen += hist[v]
        if seen >= wanted:
            return hdr_highest(v)
    return 0


def cumulative_buckets(hist):
    """(bucket edge in us, cumulative count) for the log buckets 1024 ns * 2^k that gained counts."""
    out = []
    values = sorted(hist)
    i = 0
    seen = 0
    edge = 1024
    while i < len(values):
        top = hdr_highest(edge)
        added = 0
        while i < len(values) and values[i] <= top:
            added += hist[values[i]]
            i += 1
        if added:
            seen += added
            out.append((top // 1000, seen))
        edge *= 2
    return out


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
    now = int(time.time())
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


container("latency", group="server")

_HELP = [
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
]


# LATENCY LATEST
@command("latency|latest", 2, "admin noscript loading stale", group="server")
def latency_latest(c, argv):
    out = []
    for event, series in c.server.latency_events.items():
        when, ms = series.samples[-1]
        out.append(reply.array([reply.bulk(event.encode()), reply.integer(when),
                                reply.integer(ms), reply.integer(series.max)]))
    return reply.array(out)


# LATENCY HISTORY event
@command("latency|history", 3, "admin noscript loading stale", group="server")
def latency_history(c, argv):
    series = c.server.latency_events.get(argv[2].decode("latin-1"))
    if series is None:
        return reply.EMPTY_ARRAY
    return reply.array([reply.array([reply.integer(t), reply.integer(ms)])
                        for t, ms in series.samples])


# LATENCY RESET [event ...]
@command("latency|reset", -2, "admin noscript loading stale", group="server")
def latency_reset(c, argv):
    events = c.server.latency_events
    if len(argv) == 2:
        n = len(events)
        events.clear()
        return reply.integer(n)
    n = 0
    for name in argv[2:]:
        if events.pop(name.decode("latin-1"), None) is not None:
            n += 1
    return reply.integer(n)


# LATENCY GRAPH event
@command("latency|graph", 3, "admin noscript loading stale", group="server")
def latency_graph(c, argv):
    event = argv[2].decode("latin-1")
    series = c.server.latency_events.get(event)
    if series is None:
        raise errors.fmt(errors.LATENCY_NO_SAMPLES, argv[2])
    return reply.Verbatim(_graph(event, series).encode("latin-1"))


def _graph(event, series):
    now = int(time.time())
    values = []
    labels = []
    for t, ms in series.samples:
        elapsed = now - t
        if elapsed < 60:
            label = "%ds" % elapsed
        elif elapsed < 3600:
            label = "%dm" % (elapsed // 60)
        elif elapsed < 86400:
            label = "%dh" % (elapsed // 3600)
        else:
            label = "%dd" % (elapsed // 86400)
        values.append(ms)
        labels.append(label)
    out = "%s - high %d ms, low %d ms (all time high %d ms)\n" % (
        event, max(values), min(values), series.max)
    out += "-" * GRAPH_COLS + "\n"
    chunks = []
    for j in range(0, len(values), GRAPH_COLS):
        chunks.append(_sparkline(values, labels, j, min(GRAPH_COLS, len(values) - j), 4))
    return out + "\n".join(chunks)


_FILL = "_o#"


def _sparkline(values, labels, offset, length, rows):
    """A filled sparkline of ``rows`` rows, labels written vertically below it."""
    lo, hi = min(values), max(values)
    rel = (hi - lo) or 1
    steps = len(_FILL) * rows
    out = []
    row = 0
    while True:
        more = False
        chars = [" "] * length
        for j in range(length):
            step = int((values[offset + j] - lo) * steps / rel)
            step = min(max(step, 0), steps - 1)
            if row < rows:
                more = True
                idx = step - (rows - row - 1) * len(_FILL)
                if 0 <= idx < len(_FILL):
                    chars[j] = _FILL[idx]
                elif idx >= len(_FILL):
                    chars[j] = "|"
            else:
                # One blank row between the graph and the labels.
                if row - rows < 1:
                    more = True
                    break
                label = labels[offset + j]
                pos = row - rows - 1
                if len(label) > pos:
                    more = True
                    chars[j] = label[pos]
        if not more:
            break
        row += 1
        out.append("".join(chars) + "\n")
    return "".join(out)


# LATENCY DOCTOR
@command("latency|doctor", 2, "admin noscript loading stale", group="server")
def latency_doctor(c, argv):
    return reply.Verbatim(_report(c.server).encode("latin-1"))


def _report(server):
    config = server.config
    threshold = config["latency-monitor-threshold"]
    if not threshold:
        return ("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
                "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
                "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
                "look at https://redis.io/topics/latency-monitor.\n")
    events = server.latency_events
    if not events:
        return ("Dave, no latency spike was observed during the lifetime of this Redis instance, "
                "not in the slightest bit. I honestly think you ought to sit down calmly, take a "
                "stress pill, and think things over.\n")
    now = int(time.time())
    out = ("Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
           "about it, do you Dave?\n\n")
    advise_slowlog = advise_large_objects = False
    for n, (event, series) in enumerate(events.items(), 1):
        samples = [ms for _, ms in series.samples]
        count = len(samples)
        avg = sum(samples) // count
        mad = sum(abs(ms - avg) for ms in samples) // count
        period = (now - min(t for t, _ in series.samples)) or 1
        out += ("%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). "
                "Worst all time event %dms." % (n, event, count, avg, mad, period / count,
                                                series.max))
        out += "\n"
        if event in ("command", "fast-command"):
            advise_slowlog = True
            advise_large_objects = event == "command"
    out += "\nI have a few advices for you:\n\n"
    if advise_slowlog:
        slower = config["slowlog-log-slower-than"]
        if slower < 0:
            out += ("- The system slow log is disabled. Please use 'CONFIG SET slowlog-log-slower-"
                    "than %d' to enable it.\n" % (threshold * 1000))
        elif slower // 1000 > threshold:
            out += ("- Your current Slow Log configuration only logs events that are slower than "
                    "your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-"
                    "slower-than %d'.\n" % (threshold * 1000))
        else:
            out += ("- Check your Slow Log to understand what are the commands you are running "
                    "which are too slow to execute. Please check https://redis.io/commands/slowlog "
                    "for more information.\n")
    if advise_large_objects:
        out += ("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a "
                "blocking operation. If you have very large objects that are often deleted, "
                "expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
    return out


# LATENCY HISTOGRAM [command ...]
@command("latency|histogram", -2, "admin noscript loading stale", group="server")
def latency_histogram(c, argv):
    if len(argv) == 2:
        cmds = [cmd for cmd in all_commands() if cmd.latency]
    else:
        cmds = []
        seen = set()
        for name in argv[2:]:
            cmd = _find(name)
            if cmd is None:
                continue
            for each in cmd.all_commands():
                if each.latency and each.fullname not in seen:
                    seen.add(each.fullname)
                    cmds.append(each)
    return _map([(reply.bulk(cmd.fullname.encode()), _histogram_reply(cmd)) for cmd in cmds])


def _map(pairs):
    return reply.Map([x for pair in pairs for x in pair])


def _find(name):
    parent, _, sub = name.lower().partition(b"|")
    cmd = TABLE.get(parent)
    if cmd is None or not sub:
        return cmd
    return (cmd.subcommands or {}).get(sub)


def _histogram_reply(cmd):
    hist = in_ns(cmd.latency)
    buckets = cumulative_buckets(hist)
    return _map([
        (reply.bulk(b"calls"), reply.integer(sum(hist.values()))),
        (reply.bulk(b"histogram_usec"),
         _map([(reply.integer(edge), reply.integer(n)) for edge, n in buckets])),
    ])


# LATENCY HELP
@command("latency|help", 2, "loading stale", group="server")
def latency_help(c, argv):
    return help_reply("LATENCY", _HELP)


def latencystats_fields(server):
    """INFO latencystats: the configured percentiles of every command that ran."""
    pcts = server.config["latency-tracking-info-percentiles"].split()
    fields = []
    for cmd in all_commands():
        if not cmd.latency:
            continue
        hist = in_ns(cmd.latency)
        parts = ",".join("p%s=%.3f" % (p, percentile(hist, float(p)) / 1000.0) for p in pcts)
        fields.append(("latency_percentiles_usec_" + cmd.fullname, parts))
    return fields


def _start(server):
    server.latency_events = {}


# Before the config runs its change listeners at start-up, which read this state.
Server.start_hooks.insert(0, _start)
