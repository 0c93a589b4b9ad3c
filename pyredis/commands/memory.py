"""MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE.

USAGE estimates what redis-server would use for the key (see memsize); the
process totals in STATS are pyredis's own (RSS), as INFO memory shows them.
"""
import random

from .. import allocator, errors, eviction, info, memsize, reply
from ..config import on_change
from ..server import Server
from ..errors import E_NOT_INTEGER, E_SYNTAX
from ..numbers import parse_int
from . import command, container
from .connection import evict_clients
from .introspection import help_reply

# Below this much data Redis's doctor has nothing to say (5 MB).
DOCTOR_MIN_BYTES = 5 * 1024 * 1024
# Keys sampled to estimate a whole db's dataset for STATS and DOCTOR.
DATASET_SAMPLES = 64

container("memory", group="server")

_HELP = [
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
]


# MEMORY USAGE key [SAMPLES count]
@command("memory|usage", -3, "readonly", keys=(2, 2, 1), group="server")
def memory_usage(c, argv):
    samples = 5
    i = 3
    n = len(argv)
    while i < n:
        if argv[i].lower() == b"samples" and i + 1 < n:
            samples = parse_int(argv[i + 1])
            if samples is None:
                raise E_NOT_INTEGER
            if samples < 0:
                raise E_SYNTAX
            i += 2
        else:
            raise E_SYNTAX
    # dbFind: the entry as stored, without an expiry check.
    value = c.db.data.get(argv[2])
    if value is None:
        return reply.NULL
    return reply.integer(memsize.key_usage(argv[2], value, samples))


def dataset_estimate(db):
    """A db's values, keys and entries as Redis would hold them, from a sample of keys."""
    n = len(db.data)
    if n <= DATASET_SAMPLES:
        return sum(memsize.key_usage(k, v) for k, v in db.data.items())
    # The sampled positions are visited in one walk of the keyspace: a
    # random key each costs a walk of its own, and a fork (fork_done) or
    # INFO would wait for 64 of them.
    positions = sorted(random.randrange(n) for _ in range(DATASET_SAMPLES))
    total = sum(memsize.key_usage(key, value) for key, value in db.data.items_at(positions))
    return total * n // DATASET_SAMPLES


def _db_overhead(db):
    keys = len(db.data)
    main = keys * memsize.DICT_ENTRY + memsize.dict_slots(keys) * 8 + keys * memsize.ROBJ
    expires = len(db.expires)
    return main, expires * memsize.DICT_ENTRY + memsize.dict_slots(expires) * 8


# MEMORY STATS
@command("memory|stats", 2, "", group="server")
def memory_stats(c, argv):
    server = c.server
    used = used_memory(server)
    m = info.metrics(server)
    m.peak_memory = peak = max(m.peak_memory, used)
    startup = eviction.STARTUP_BYTES
    clients = sum(cl.output_size() for cl in server.clients.values())
    items = [b"peak.allocated", reply.integer(peak),
             b"total.allocated", reply.integer(used),
             b"startup.allocated", reply.integer(startup),
             b"replication.backlog", reply.ZERO,
             b"clients.slaves", reply.ZERO,
             b"clients.normal", reply.integer(clients),
             b"cluster.links", reply.ZERO,
             b"aof.buffer", reply.ZERO,
             b"lua.caches", reply.ZERO,
             b"functions.caches", reply.ZERO]
    overhead = startup + clients
    keys = 0
    for db in server.dbs:
        if not db.data:
            continue
        main, expires = _db_overhead(db)
        overhead += main + expires
        keys += len(db.data)
        items += [b"db.%d" % db.id, reply.Map([
            reply.bulk(b"overhead.hashtable.main"), reply.integer(main),
            reply.bulk(b"overhead.hashtable.expires"), reply.integer(expires),
            reply.bulk(b"overhead.hashtable.slot-to-keys"), reply.ZERO])]
    net = max(used - startup, 0)
    dataset = max(used - overhead, 0)
    items += [b"overhead.total", reply.integer(overhead),
              b"keys.count", reply.integer(keys),
              b"keys.bytes-per-key", reply.integer(net // keys if keys else 0),
              b"dataset.bytes", reply.integer(dataset),
              b"dataset.percentage", reply.double(dataset * 100.0 / net if net else 0.0),
              b"peak.percentage", reply.double(used * 100.0 / peak if peak else 0.0),
              b"allocator.allocated", reply.integer(used),
              b"allocator.active", reply.integer(used),
              b"allocator.resident", reply.integer(used),
              b"allocator-fragmentation.ratio", reply.double(1.0),
              b"allocator-fragmentation.bytes", reply.ZERO,
              b"allocator-rss.ratio", reply.double(1.0),
              b"allocator-rss.bytes", reply.ZERO,
              b"rss-overhead.ratio", reply.double(1.0),
              b"rss-overhead.bytes", reply.ZERO,
              b"fragmentation", reply.double(1.0),
              b"fragmentation.bytes", reply.ZERO]
    # Names at even positions, replies at odd ones.
    for i in range(0, len(items), 2):
        items[i] = reply.bulk(items[i])
    return reply.Map(items)


# MEMORY DOCTOR
@command("memory|doctor", 2, "", group="server")
def memory_doctor(c, argv):
    dataset = sum(dataset_estimate(db) for db in c.server.dbs if db.data)
    if dataset < DOCTOR_MIN_BYTES:
        text = (b"Hi Sam, this instance is empty or is using very little memory, my issues "
                b"detector can't be used in these conditions. Please, leave for your mission on "
                b"Earth and fill it with some data. The new Sam and I will be back to our "
                b"programming as soon as I finished rebooting.\n")
    else:
        text = (b"Hi Sam, I can't find any memory issue in your instance. I can only account "
                b"for what occurs on this base.\n")
    return reply.Verbatim(text)


# MEMORY MALLOC-STATS
@command("memory|malloc-stats", 2, "", group="server")
def memory_malloc_stats(c, argv):
    # What a Redis built without jemalloc answers.
    return reply.Verbatim(b"Stats not supported for the current allocator")


# MEMORY PURGE
@command("memory|purge", 2, "", group="server")
def memory_purge(c, argv):
    allocator.release()
    return reply.OK


# MEMORY HELP
@command("memory|help", 2, "loading stale", group="server")
def memory_help(c, argv):
    return help_reply("MEMORY", _HELP)


def used_memory(server):
    """used_memory as pyredis reports it: an empty server's plus the dataset estimate."""
    memory = server.memory
    if memory.active:
        return memory.used()
    return eviction.STARTUP_BYTES + sum(dataset_estimate(db) for db in server.dbs if db.data)


@on_change("maxmemory")
def _maxmemory_changed(server, value):
    memory = server.memory
    server.maxmemory = bool(value)
    if value and not memory.active:
        memory.start()
    elif not value and memory.active:
        memory.stop()
    if value:
        memory.perform()


def _start(server):
    server.memory = eviction.Memory(server)
    server.maxmemory = False


def _cron(server):
    if server.memory.running:
        server.memory.perform()
    if server.config["maxmemory-clients"]:
        evict_clients(server)


# Before the config runs its change listeners at start-up, which read this state.
Server.start_hooks.insert(0, _start)
Server.cron_hooks.append(_cron)
