"""INFO: the sections, field names and formats of Redis 7.0's genRedisInfoString.

Numbers pyredis cannot measure the way Redis does (allocator internals, forks,
replication) are reported with the values an idle standalone Redis shows;
memory is the process's resident size, read from /proc without walking the heap.
"""
import os
import platform
import resource
import sys
import time

from . import clock, shutdown
from .replication.failover import state_name as failover_state_name
# Output order; "modules" is Redis's module list section.
SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
            "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace")
DEFAULT = frozenset(("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                     "modules", "errorstats", "cluster", "keyspace"))
ALL = frozenset(SECTIONS)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# Samples kept for the instantaneous metrics, as Redis's STATS_METRIC_SAMPLES.
METRIC_SAMPLES = 16


def rss_bytes():
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def total_system_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0




def bytes_to_human(n):
    """Redis's bytesToHuman."""
    if n < 1024:
        return "%dB" % n
    for i, unit in enumerate("KMGTP", 1):
        if n < 1024 ** (i + 1) or unit == "P":
            return "%.2f%s" % (n / 1024 ** i, unit)
    return "%dB" % n


def _os_name():
    u = os.uname()
    return "%s %s %s" % (u.sysname, u.release, u.machine)


def _gcc_version():
    compiler = platform.python_compiler()
    if compiler.startswith("GCC "):
        return compiler.split()[1]
    return "0.0.0"


class Metrics:
    """Per-tick samples behind instantaneous_ops_per_sec and the kbps figures."""

    def __init__(self):
        self.last = None
        self.samples = {"ops": [], "in": [], "out": []}
        self.peak_memory = 0

    def tick(self, server):
        now = time.monotonic()
        st = server.stats
        current = (now, st.total_commands, st.net_input_bytes, st.net_output_bytes)
        if self.last is not None:
            elapsed = now - self.last[0]
            if elapsed > 0:
                for key, i in (("ops", 1), ("in", 2), ("out", 3)):
                    rate = max(0, current[i] - self.last[i]) / elapsed
                    samples = self.samples[key]
                    samples.append(rate)
                    if len(samples) > METRIC_SAMPLES:
                        del samples[0]
        self.last = current

    def rate(self, key):
        samples = self.samples[key]
        return sum(samples) / len(samples) if samples else 0.0

    def reset(self):
        self.samples = {"ops": [], "in": [], "out": []}
        self.peak_memory = 0


def metrics(server):
    m = getattr(server, "info_metrics", None)
    if m is None:
        m = server.info_metrics = Metrics()
    return m


def select_sections(args):
    """The sections an INFO call asks for (genInfoSectionDict)."""
    if not args:
        return DEFAULT
    wanted = set()
    for arg in args:
        name = arg.decode("latin-1").lower()
        if name in ("all", "everything"):
            wanted |= ALL
        elif name == "default":
            wanted |= DEFAULT
        elif name in ALL:
            wanted.add(name)
    return wanted


def generate(server, sections):
    out = []
    for name in SECTIONS:
        if name in sections:
            out.append(_GENERATORS[name](server))
    return "\r\n".join(out).encode("latin-1")


def _section(title, fields):
    lines = ["# %s\r\n" % title]
    lines.extend("%s:%s\r\n" % kv for kv in fields)
    return "".join(lines)


def _server(server):
    config = server.config
    now = clock.time()
    uptime = int(now - server.start_time)
    return _section("Server", [
        ("redis_version", server.redis_version),
        ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", "0"),
        ("redis_build_id", "0"),
        ("redis_mode", "standalone" if server.cluster is None else "cluster"),
        ("os", _os_name()),
        ("arch_bits", "64" if sys.maxsize > 2 ** 32 else "32"),
        ("monotonic_clock", "POSIX clock_gettime"),
        ("multiplexing_api", "epoll" if sys.platform.startswith("linux") else "select"),
        ("atomicvar_api", "c11-builtin"),
        ("gcc_version", _gcc_version()),
        ("process_id", os.getpid()),
        ("process_supervised", "no"),
        ("run_id", server.run_id),
        ("tcp_port", server.port),
        ("server_time_usec", int(now * 1000000)),
        ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400),
        ("hz", config["hz"]),
        ("configured_hz", config["hz"]),
        ("lru_clock", int(now) & ((1 << 24) - 1)),
        ("executable", os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else sys.executable),
        ("config_file", config_file(server) or ""),
        ("io_threads_active", 0),
    ] + _shutdown_field(server) + [
        ("pyredis_version", server.version),
        ("pyredis_implementation", server.implementation),
    ])


def _shutdown_field(server):
    ms = shutdown.in_milliseconds(server)
    return [] if ms is None else [("shutdown_in_milliseconds", ms)]


def config_file(server):
    """The absolute path of the config file the server started with, or None."""
    path = getattr(server.config, "path", None)
    if path:
        return path
    # ``pyredis-server /path/redis.conf [options]``: the first argument, when not an option.
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        return os.path.abspath(args[0])
    return None


def _clients(server):
    clients = server.clients.values()
    blocked = sum(1 for c in clients if c.blocked is not None)
    max_in = max((c.query_buffer_bytes() for c in clients), default=0)
    max_out = max((c.output_size() for c in clients), default=0)
    return _section("Clients", [
        ("connected_clients", len(server.clients)),
        ("cluster_connections", 0),
        ("maxclients", server.config["maxclients"]),
        ("client_recent_max_input_buffer", max_in),
        ("client_recent_max_output_buffer", max_out),
        ("blocked_clients", blocked),
        ("tracking_clients", server.tracking.clients),
        ("clients_in_timeout_table", blocked),
    ])


def _scripts_memory(server):
    """The Lua VMs' memory and what the script cache and the libraries hold."""
    scripting = server.scripting
    vm_eval, vm_functions = scripting.memory()
    cache = scripting.cache
    libraries = scripting.libraries
    scripts = cache.body_bytes
    functions = libraries.code_bytes()
    return [
        ("used_memory_lua", vm_eval),
        ("used_memory_vm_eval", vm_eval),
        ("used_memory_lua_human", bytes_to_human(vm_eval)),
        ("used_memory_scripts_eval", scripts),
        ("number_of_cached_scripts", len(cache.scripts)),
        ("number_of_functions", libraries.function_count()),
        ("number_of_libraries", len(libraries.libraries)),
        ("used_memory_vm_functions", vm_functions),
        ("used_memory_vm_total", vm_eval + vm_functions),
        ("used_memory_vm_total_human", bytes_to_human(vm_eval + vm_functions)),
        ("used_memory_functions", functions),
        ("used_memory_scripts", scripts + functions),
        ("used_memory_scripts_human", bytes_to_human(scripts + functions)),
    ]


def _memory(server):
    from .commands.memory import used_memory
    from .eviction import STARTUP_BYTES
    rss = rss_bytes()
    m = metrics(server)
    # used_memory is what redis-server would use for this dataset (the
    # estimate maxmemory counts); RSS is the process's own.
    used = used_memory(server)
    peak = max(m.peak_memory, used)
    m.peak_memory = peak
    startup = STARTUP_BYTES
    dataset = used - startup
    maxmemory = server.config["maxmemory"]
    return _section("Memory", [
        ("used_memory", used),
        ("used_memory_human", bytes_to_human(used)),
        ("used_memory_rss", rss),
        ("used_memory_rss_human", bytes_to_human(rss)),
        ("used_memory_peak", peak),
        ("used_memory_peak_human", bytes_to_human(peak)),
        ("used_memory_peak_perc", "%.2f%%" % (used * 100.0 / peak if peak else 0)),
        ("used_memory_overhead", startup),
        ("used_memory_startup", startup),
        ("used_memory_dataset", dataset),
        ("used_memory_dataset_perc", "%.2f%%" % (dataset * 100.0 / used if used else 0)),
        ("allocator_allocated", used),
        ("allocator_active", used),
        ("allocator_resident", rss),
        ("total_system_memory", total_system_memory()),
        ("total_system_memory_human", bytes_to_human(total_system_memory())),
    ] + _scripts_memory(server) + [
        ("maxmemory", maxmemory),
        ("maxmemory_human", bytes_to_human(maxmemory)),
        ("maxmemory_policy", server.config["maxmemory-policy"]),
        ("allocator_frag_ratio", "1.00"),
        ("allocator_frag_bytes", 0),
        ("allocator_rss_ratio", "1.00"),
        ("allocator_rss_bytes", 0),
        ("rss_overhead_ratio", "1.00"),
        ("rss_overhead_bytes", 0),
        ("mem_fragmentation_ratio", "1.00"),
        ("mem_fragmentation_bytes", 0),
        ("mem_not_counted_for_evict", 0),
        ("mem_replication_backlog", 0),
        ("mem_total_replication_buffers", 0),
        ("mem_clients_slaves", 0),
        ("mem_clients_normal", sum(c.output_size() for c in server.clients.values())),
        ("mem_cluster_links", 0),
        ("mem_aof_buffer", 0),
        ("mem_allocator", "libc"),
        ("active_defrag_running", 0),
        ("lazyfree_pending_objects", 0),
        ("lazyfreed_objects", 0),
    ])


def _persistence(server):
    from .persistence.snapshots import loading_fields
    rdb = server.rdb
    now = time.time()
    return _section("Persistence", [
        ("loading", 1 if rdb.loading else 0),
        ("async_loading", 1 if rdb.async_loading else 0),
        ("current_cow_peak", 0),
        ("current_cow_size", 0),
        ("current_cow_size_age", 0),
        ("current_fork_perc", "0.00"),
        ("current_save_keys_processed", 0),
        ("current_save_keys_total", 0),
        ("rdb_changes_since_last_save", server.dirty),
        ("rdb_bgsave_in_progress", 1 if rdb.child_pid >= 0 else 0),
        ("rdb_last_save_time", rdb.lastsave),
        ("rdb_last_bgsave_status", "ok" if rdb.last_status_ok else "err"),
        ("rdb_last_bgsave_time_sec", rdb.last_bgsave_seconds),
        ("rdb_current_bgsave_time_sec", int(now - rdb.child_start) if rdb.child_pid >= 0 else -1),
        ("rdb_saves", rdb.saves),
        ("rdb_last_cow_size", 0),
        ("rdb_last_load_keys_expired", rdb.keys_expired),
        ("rdb_last_load_keys_loaded", rdb.keys_loaded),
    ] + server.aof.info_fields() + loading_fields(server))


def _pubsub_counts(server):
    ps = getattr(server, "pubsub", None)
    if ps is not None:
        return len(ps.channels), len(ps.patterns), len(ps.shard_channels)
    channels, patterns, shard = set(), set(), set()
    for c in server.clients.values():
        if c.channels:
            channels.update(c.channels)
        if c.patterns:
            patterns.update(c.patterns)
        if c.shard_channels:
            shard.update(c.shard_channels)
    return len(channels), len(patterns), len(shard)


def _stats(server):
    st = server.stats
    m = metrics(server)
    channels, patterns, shard = _pubsub_counts(server)
    return _section("Stats", [
        ("total_connections_received", st.total_connections),
        ("total_commands_processed", st.total_commands),
        ("instantaneous_ops_per_sec", int(m.rate("ops"))),
        ("total_net_input_bytes", st.net_input_bytes),
        ("total_net_output_bytes", st.net_output_bytes),
        ("total_net_repl_input_bytes", 0),
        ("total_net_repl_output_bytes", 0),
        ("instantaneous_input_kbps", "%.2f" % (m.rate("in") / 1024)),
        ("instantaneous_output_kbps", "%.2f" % (m.rate("out") / 1024)),
        ("instantaneous_input_repl_kbps", "0.00"),
        ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", st.rejected_connections),
        ("sync_full", server.master.sync_full),
        ("sync_partial_ok", server.master.sync_partial_ok),
        ("sync_partial_err", server.master.sync_partial_err),
        ("expired_keys", st.expired_keys),
        ("expired_stale_perc", "0.00"),
        ("expired_time_cap_reached_count", 0),
        ("expire_cycle_cpu_milliseconds", 0),
        ("evicted_keys", st.evicted_keys),
        ("evicted_clients", st.evicted_clients),
        ("total_eviction_exceeded_time", 0),
        ("current_eviction_exceeded_time", 0),
        ("keyspace_hits", st.keyspace_hits),
        ("keyspace_misses", st.keyspace_misses),
        ("pubsub_channels", channels),
        ("pubsub_patterns", patterns),
        ("pubsubshard_channels", shard),
        ("latest_fork_usec", st.latest_fork_usec),
        ("total_forks", st.total_forks),
        ("migrate_cached_sockets", 0),
        ("slave_expires_tracked_keys", 0),
        ("active_defrag_hits", 0),
        ("active_defrag_misses", 0),
        ("active_defrag_key_hits", 0),
        ("active_defrag_key_misses", 0),
        ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0),
        ("tracking_total_keys", len(server.tracking.table)),
        ("tracking_total_items", server.tracking.items),
        ("tracking_total_prefixes", len(server.tracking.prefixes)),
        ("unexpected_error_replies", 0),
        ("total_error_replies", st.total_error_replies),
        ("dump_payload_sanitizations", 0),
        ("total_reads_processed", st.reads_processed),
        ("total_writes_processed", st.writes_processed),
        ("io_threaded_reads_processed", 0),
        ("io_threaded_writes_processed", 0),
        ("reply_buffer_shrinks", 0),
        ("reply_buffer_expands", 0),
    ])


def _replication(server):
    repl = server.repl
    link = getattr(server, "master_link", None)
    if link is None:
        fields = [("role", "master")]
    else:
        fields = [("role", "slave")] + link.info_fields()
    return _section("Replication", fields + server.master.info_fields() + [
        ("master_failover_state", failover_state_name(server)),
        ("master_replid", repl.replid),
        ("master_replid2", repl.replid2),
        ("master_repl_offset", repl.master_repl_offset),
        ("second_repl_offset", repl.second_replid_offset),
        ("repl_backlog_active", int(repl.backlog is not None)),
        ("repl_backlog_size", server.config["repl-backlog-size"]),
        ("repl_backlog_first_byte_offset", repl.backlog_off),
        ("repl_backlog_histlen", repl.histlen),
    ])


def _timeval(seconds):
    whole = int(seconds)
    return "%d.%06d" % (whole, int(round((seconds - whole) * 1000000)) % 1000000)


def _cpu(server):
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    thread = resource.getrusage(getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF))
    return _section("CPU", [
        ("used_cpu_sys", _timeval(me.ru_stime)),
        ("used_cpu_user", _timeval(me.ru_utime)),
        ("used_cpu_sys_children", _timeval(children.ru_stime)),
        ("used_cpu_user_children", _timeval(children.ru_utime)),
        ("used_cpu_sys_main_thread", _timeval(thread.ru_stime)),
        ("used_cpu_user_main_thread", _timeval(thread.ru_utime)),
    ])


def _modules(server):
    return "# Modules\r\n"


def _commandstats(server):
    from .commands.introspection import all_commands
    fields = []
    for cmd in all_commands():
        calls = cmd.meter.calls
        if not (calls or cmd.failed_calls or cmd.rejected_calls):
            continue
        usec = cmd.meter.usec
        per_call = usec / calls if calls else 0.0
        fields.append(("cmdstat_" + cmd.fullname,
                       "calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d"
                       % (calls, usec, per_call, cmd.rejected_calls, cmd.failed_calls)))
    return _section("Commandstats", fields)


def _errorstats(server):
    errors = server.stats.errors
    # Redis keeps error codes in a radix tree, so they come out sorted.
    return _section("Errorstats", [("errorstat_" + code, "count=%d" % errors[code])
                                   for code in sorted(errors)])


def _latencystats(server):
    from .commands.latency import latencystats_fields
    return _section("Latencystats", latencystats_fields(server))


def _cluster(server):
    return _section("Cluster", [("cluster_enabled", 0 if server.cluster is None else 1)])


def _keyspace(server):
    fields = []
    for db in server.dbs:
        keys = len(db.data)
        if keys:
            fields.append(("db%d" % db.id, "keys=%d,expires=%d,avg_ttl=%d"
                           % (keys, len(db.expires), db.avg_ttl)))
    return _section("Keyspace", fields)


_GENERATORS = {
    "server": _server, "clients": _clients, "memory": _memory, "persistence": _persistence,
    "stats": _stats, "replication": _replication, "cpu": _cpu, "modules": _modules,
    "commandstats": _commandstats, "errorstats": _errorstats, "latencystats": _latencystats,
    "cluster": _cluster, "keyspace": _keyspace,
}
