"""maxmemory: the memory the policy counts, and evicting keys to stay under it.

What counts is the estimate MEMORY USAGE gives for each key (see memsize),
on top of what an empty redis-server uses, so a test can predict from MEMORY
USAGE when eviction starts.  The estimate is kept up to date only while
``maxmemory`` is set: every write reaches ``Database.signal``, which hands the
key to ``Memory.account``; with no limit nothing is counted.

Eviction follows Redis's performEvictions: sample ``maxmemory-samples`` keys
per db (all keys, or those with a TTL for the volatile policies), keep the 16
best candidates in a pool, evict the best, repeat until under the limit or out
of time (``maxmemory-eviction-tenacity``); the rest continues on the next
event-loop pass.  Samples come from a list of key names kept per db while the
limit is set, so picking one is O(1) whatever the size of the keyspace.
"""
import random
import time

from . import memsize
from .latency import add_sample

# used_memory of an empty redis-server 7.0 (used_memory_startup).
STARTUP_BYTES = 876128
POOL_SIZE = 16

OK = 0
RUNNING = 1
FAIL = 2


def time_limit_us(tenacity):
    """evictionTimeLimitUs."""
    if tenacity <= 10:
        return 50 * tenacity
    if tenacity < 100:
        return int(500 * 1.15 ** (tenacity - 10))
    return None


class Memory:
    """The dataset estimate of a server with ``maxmemory`` set."""

    def __init__(self, server):
        self.server = server
        self.active = False
        self.dataset = 0
        self.running = False

    def start(self):
        """Count every key once (CONFIG SET maxmemory, or start-up with a limit)."""
        self.active = True
        self.dataset = 0
        for db in self.server.dbs:
            db.mem_sizes = sizes = {}
            db.sample_keys = list(db.data)
            for key, value in db.data.items():
                size = memsize.key_usage(key, value)
                sizes[key] = size
                self.dataset += size

    def stop(self):
        self.active = False
        for db in self.server.dbs:
            db.mem_sizes = None
            db.sample_keys = None

    def account(self, db, key):
        """A write to ``key`` happened: its estimate follows its value."""
        sizes = db.mem_sizes
        old = sizes.get(key, 0)
        value = db.data.get(key)
        if value is None:
            if old:
                del sizes[key]
                self.dataset -= old
            return
        new = memsize.key_usage(key, value)
        if not old:
            db.sample_keys.append(key)
        sizes[key] = new
        self.dataset += new - old

    def flushed(self, db):
        if db.mem_sizes is not None:
            self.dataset -= sum(db.mem_sizes.values())
            db.mem_sizes = {}
            db.sample_keys = []

    def used(self):
        return STARTUP_BYTES + self.dataset

    # ---- eviction -----------------------------------------------------------
    def perform(self):
        """performEvictions: OK, RUNNING (time ran out, more on the next pass) or FAIL."""
        server = self.server
        config = server.config
        limit = config["maxmemory"]
        if not self.active or self.used() <= limit:
            self.running = False
            return OK
        if server.master_link is not None and config["replica-ignore-maxmemory"]:
            # A replica follows its master's evictions instead of making its own.
            return OK
        policy = config["maxmemory-policy"]
        if policy == "noeviction":
            return FAIL
        started = time.perf_counter()
        try:
            return self._evict_until(limit, policy, config)
        finally:
            add_sample(server, "eviction-cycle", int((time.perf_counter() - started) * 1000))

    def _evict_until(self, limit, policy, config):
        budget = time_limit_us(config["maxmemory-eviction-tenacity"])
        deadline = None if budget is None else time.perf_counter() + budget / 1e6
        pool = []
        evicted = 0
        while self.used() > limit:
            victim = self._pick(policy, config["maxmemory-samples"], pool)
            if victim is None:
                return FAIL
            db, key = victim
            started = time.perf_counter()
            self._evict(db, key)
            add_sample(self.server, "eviction-del", int((time.perf_counter() - started) * 1000))
            evicted += 1
            if deadline is not None and evicted % 16 == 0 and time.perf_counter() > deadline:
                if self.used() > limit:
                    self.running = True
                    return RUNNING
        self.running = False
        return OK

    def _pick(self, policy, samples, pool):
        server = self.server
        volatile = policy.startswith("volatile")
        if policy.endswith("random"):
            for _ in range(len(server.dbs)):
                for db in server.dbs:
                    key = self._sample(db, volatile)
                    if key is not None:
                        return db, key
            return None
        clock = server.access_clock
        for _ in range(4):
            for db in server.dbs:
                for _ in range(samples):
                    key = self._sample(db, volatile)
                    if key is None:
                        break
                    score = self._score(db, key, policy, clock)
                    entry = (score, db.id, key)
                    if entry in pool:
                        continue
                    if len(pool) < POOL_SIZE:
                        pool.append(entry)
                    elif score > pool[0][0]:
                        pool[0] = entry
                    else:
                        continue
                    pool.sort(key=lambda e: e[0])
            while pool:
                score, dbid, key = pool.pop()
                db = server.dbs[dbid]
                if key in db.data and (not volatile or key in db.expires):
                    return db, key
        return None

    def _sample(self, db, volatile):
        """A random key of ``db`` (with a TTL for volatile policies), or None."""
        if volatile:
            keys = db._ttl_keys
            source = db.expires
        else:
            keys = db.sample_keys
            source = db.data
        if not source:
            return None
        for _ in range(16):
            if not keys:
                return None
            if len(keys) > 2 * len(source) + 64:
                keys[:] = list(source)
            i = random.randrange(len(keys))
            key = keys[i]
            if key in source:
                return key
            keys[i] = keys[-1]
            keys.pop()
        return None

    @staticmethod
    def _score(db, key, policy, clock):
        """Higher is a better victim (evictionPoolPopulate's idle)."""
        if policy.endswith("ttl"):
            return -db.expires.get(key, 0)
        field = db.access.get(key)
        if field is None:
            field = clock.fresh()
        if policy.endswith("lfu"):
            return 255 - clock.frequency(field)
        return clock.idle_ms(field)

    def _evict(self, db, key):
        """Delete ``key`` as Redis evicts: an event and a propagated delete, no change counted."""
        server = self.server
        db.delete(key)
        server.stats.evicted_keys += 1
        db.signal(key, ("e", "evicted"))
        server.dirty -= 1
        if server.propagating:
            lazy = server.config["lazyfree-lazy-eviction"]
            server.propagation.expired(db.id, [b"UNLINK" if lazy else b"DEL", key])
