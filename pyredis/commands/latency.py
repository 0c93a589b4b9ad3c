"""LATENCY: latency spikes by event class, and per-command latency histograms.

Events (``command``, ``fast-command``, ``expire-cycle`` ...) are recorded when
they take at least ``latency-monitor-threshold`` milliseconds: one sample a
second per event (the worst), the last 160 kept, as Redis's latency.c.  The
per-command histograms behind LATENCY HISTOGRAM and INFO latencystats keep
durations at the resolution of Redis's HDR histogram (two significant
digits), so the bucket edges and percentiles read as Redis's do.

LATENCY LATEST and DOCTOR list events in the order they first occurred.
redis-server lists them in its dict's order, which follows a hash seed drawn
at start-up, so two redis-server processes given the same events disagree
with each other; no order pyredis could choose would match.
"""

from .. import clock
from .. import errors, reply
from ..server import Server
from . import TABLE, command, container
from .introspection import all_commands, help_reply
from .memory import used_memory

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


def in_ns(cmd):
    """A command's durations as the HDR histogram holds them."""
    out = {}
    for us, n in cmd.meter.durations():
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
    now = int(clock.time())
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


_DISABLED = (
    "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. "
    "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. "
    "If we weren't in a deep space mission I'd suggest to take a look at "
    "https://redis.io/topics/latency-monitor.\n")
_SPIKES = ("Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
           "about it, do you Dave?\n\n")
_NO_SPIKES = (
    "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the "
    "slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think "
    "things over.\n")
_NO_ADVICE = (
    "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use "
    "the Redis community to get some help, providing this report in your help request.\n")

# The advices createLatencyReport can give, in the order it writes them.
_ADVICES = [
    ("better_vm",
     "- If you are using a virtual machine, consider upgrading it with a faster one using a "
     "hypervisior that provides less latency during fork() calls. Xen is known to have poor fork() "
     "performance. Even in the context of the same VM provider, certain kinds of instances can "
     "execute fork faster than others.\n"),
    ("slowlog_enabled",
     "- There are latency issues with potentially slow commands you are using. Try to enable the "
     "Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow "
     "log is disabled Redis is not able to log slow commands execution for you.\n"),
    ("slowlog_tuning",
     "- Your current Slow Log configuration only logs events that are slower than your configured "
     "latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n"),
    ("slowlog_inspect",
     "- Check your Slow Log to understand what are the commands you are running which are too slow "
     "to execute. Please check https://redis.io/commands/slowlog for more information.\n"),
    ("scheduler",
     "- The system is slow to execute Redis code paths not containing system calls. This usually "
     "means the system does not provide Redis CPU time to run for long periods. You should try "
     "to:\n"
     "  1) Lower the system load.\n"
     "  2) Use a computer / VM just for Redis if you are running other software in the same "
     "system.\n"
     "  3) Check if you have a \"noisy neighbour\" problem.\n"
     "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your "
     "system.\n"
     "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you "
     "are using Jemalloc. However this may create fragmentation problems.\n"),
    ("local_disk",
     "- It is strongly advised to use local disks for persistence, especially if you are using "
     "AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n"),
    ("ssd",
     "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF "
     "log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks "
     "can be a good option. However Redis should perform reasonably with high load using normal "
     "disks. Use this advice as a last resort.\n"),
    ("data_writeback",
     "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared "
     "to data=ordered, however this mode of operation provides less guarantees, and sometimes it "
     "can happen that after a hard crash the AOF file will have a half-written command at the end "
     "and will require to be repaired before Redis restarts.\n"),
    ("disk_contention",
     "- Try to lower the disk contention. This is often caused by other disk intensive processes "
     "running in the same computer (including other Redis instances).\n"),
    ("no_appendfsync",
     "- Assuming from the point of view of data safety this is viable in your environment, you "
     "could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be "
     "performed while there is a child rewriting the AOF file or producing an RDB file (the moment "
     "where there is high disk contention).\n"),
    ("relax_fsync_policy",
     "- Your fsync policy is set to 'always'. It is very hard to get good performances with such "
     "a setup, if possible try to relax the fsync policy to 'onesec'.\n"),
    ("write_load_info",
     "- Latency during the AOF atomic rename operation or when the final difference is flushed to "
     "the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing "
     "the AOF buffer to get very large. If possible try to send less commands to accomplish the "
     "same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n"),
    ("hz",
     "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' "
     "configuration parameter to 100 using 'CONFIG SET hz 100'.\n"),
    ("large_objects",
     "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking "
     "operation. If you have very large objects that are often deleted, expired, or evicted, try "
     "to fragment those objects into multiple smaller objects.\n"),
    ("mass_eviction",
     "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects "
     "via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys "
     "migrations (RESTORE command), may create sudden memory pressure forcing the server to block "
     "trying to evict keys. \n"),
    ("disable_thp",
     "- I detected a non zero amount of anonymous huge pages used by your process. This creates "
     "very serious latency events in different conditions, especially when Redis is persisting on "
     "disk. To disable THP support use the command 'echo never > "
     "/sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so "
     "that the command will be executed again after a reboot. Note that even if you have already "
     "disabled THP, you still need to restart the Redis process to get rid of the huge pages "
     "already created.\n"),
]

# Event name -> the advices it calls for (createLatencyReport's per-event branches).
_EVENT_ADVICES = {
    "fast-command": ("scheduler",),
    "aof-write-pending-fsync": ("local_disk", "disk_contention", "ssd", "data_writeback"),
    "aof-write-active-child": ("no_appendfsync", "data_writeback", "ssd"),
    "aof-write-alone": ("local_disk", "data_writeback", "ssd"),
    "aof-fsync-always": ("relax_fsync_policy",),
    "aof-fstat": ("disk_contention", "local_disk"),
    "rdb-unlink-temp-file": ("disk_contention", "local_disk"),
    "aof-rewrite-diff-write": ("write_load_info", "data_writeback", "ssd", "local_disk"),
    "aof-rename": ("write_load_info", "data_writeback", "ssd", "local_disk"),
    "expire-cycle": ("hz", "large_objects"),
    "eviction-del": ("large_objects",),
    "eviction-cycle": ("mass_eviction",),
}


def _fork_quality(rate):
    """The fork rate's word, and whether it calls for a better VM."""
    if rate < 10:
        return "terrible", True
    if rate < 25:
        return "poor", True
    if rate < 100:
        return "good", False
    return "excellent", False


def anon_huge_pages():
    """THPGetAnonHugePagesSize: the process's AnonHugePages, in bytes."""
    total = 0
    try:
        with open("/proc/self/smaps", "rb") as f:
            for line in f:
                if line.startswith(b"AnonHugePages:"):
                    total += int(line.split()[1]) * 1024
    except OSError:
        return 0
    return total


def _analyze(series, now):
    """analyzeLatencyForEvent: samples, average, mean deviation and period (seconds covered)."""
    samples = [ms for _, ms in series.samples]
    count = len(samples)
    avg = sum(samples) // count
    mad = sum(abs(ms - avg) for ms in samples) // count
    period = (now - min(t for t, _ in series.samples)) or 1
    return count, avg, mad, period


def _report(server):
    """createLatencyReport: each event's figures, then the advices they call for."""
    config = server.config
    threshold = config["latency-monitor-threshold"]
    events = server.latency_events
    if not events and not threshold:
        return _DISABLED
    now = int(clock.time())
    wanted = set()
    advices = 0
    out = []
    for n, (event, series) in enumerate(events.items(), 1):
        if n == 1:
            out.append(_SPIKES)
        count, avg, mad, period = _analyze(series, now)
        out.append("%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). "
                   "Worst all time event %dms." % (n, event, count, avg, mad, period / count,
                                                   series.max))
        name = event.lower()
        if name == "fork":
            usec = max(server.stats.latest_fork_usec, 1)
            rate = used_memory(server) * 1000000.0 / usec / (1 << 30)
            quality, slow = _fork_quality(rate)
            if slow:
                wanted.add("better_vm")
                advices += 1
            out.append(" Fork rate is %.2f GB/sec (%s)." % (rate, quality))
        if name == "command":
            slower = config["slowlog-log-slower-than"]
            if slower < 0:
                wanted.add("slowlog_enabled")
                advices += 1
            elif slower // 1000 > threshold:
                wanted.add("slowlog_tuning")
                advices += 1
            wanted.update(("slowlog_inspect", "large_objects"))
            advices += 2
        for advice in _EVENT_ADVICES.get(name, ()):
            wanted.add(advice)
            advices += 1
        out.append("\n")
    if anon_huge_pages() > 0:
        wanted.add("disable_thp")
        advices += 1
    if not events and not advices:
        out.append(_NO_SPIKES)
    elif not advices:
        out.append(_NO_ADVICE)
    else:
        # Two advices are only given when the setting they would change still needs it.
        if config["appendfsync"] != "always":
            wanted.discard("relax_fsync_policy")
        if config["hz"] >= 100:
            wanted.discard("hz")
        out.append("\nI have a few advices for you:\n\n")
        for advice, text in _ADVICES:
            if advice in wanted:
                out.append(text % (threshold * 1000) if "%d" in text else text)
    return "".join(out)


# LATENCY HISTOGRAM [command ...]
@command("latency|histogram", -2, "admin noscript loading stale", group="server")
def latency_histogram(c, argv):
    if len(argv) == 2:
        cmds = [cmd for cmd in all_commands() if cmd.meter.tracked]
    else:
        cmds = []
        seen = set()
        for name in argv[2:]:
            cmd = _find(name)
            if cmd is None:
                continue
            for each in cmd.all_commands():
                if each.meter.tracked and each.fullname not in seen:
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
    hist = in_ns(cmd)
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
        if not cmd.meter.tracked:
            continue
        hist = in_ns(cmd)
        parts = ",".join("p%s=%.3f" % (p, percentile(hist, float(p)) / 1000.0) for p in pcts)
        fields.append(("latency_percentiles_usec_" + cmd.fullname, parts))
    return fields


def _start(server):
    server.latency_events = {}


# Before the config runs its change listeners at start-up, which read this state.
Server.start_hooks.insert(0, _start)
