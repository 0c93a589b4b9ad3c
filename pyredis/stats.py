"""Counters shown by INFO stats and reset by CONFIG RESETSTAT."""
import collections


class Stats:
    def __init__(self, keyspace):
        # Keyspace hits and misses are the access clock's C counters
        # (``hits``, ``misses``): the compiled lookups count them there.
        self.keyspace = keyspace
        self.reset()
        self.blocked_clients = 0

    def reset(self):
        self.total_connections = 0
        self.total_commands = 0
        self.rejected_connections = 0
        self.expired_keys = 0
        self.evicted_keys = 0
        self.evicted_clients = 0
        self.keyspace_hits = 0
        self.keyspace_misses = 0
        self.net_input_bytes = 0
        self.net_output_bytes = 0
        self.pubsub_messages = 0
        # The last fork's duration, and its rate in GB of used_memory a second (redisFork).
        self.latest_fork_usec = 0
        self.total_forks = 0
        # Read and write events handled (not requests): Redis counts each
        # readQueryFromClient and writeToClient call.
        self.reads_processed = 0
        self.writes_processed = 0
        self.total_error_replies = 0
        self.errors = collections.Counter()

    def count_error(self, code):
        self.total_error_replies += 1
        self.errors[code] += 1

    @property
    def keyspace_hits(self):
        return self.keyspace.hits

    @keyspace_hits.setter
    def keyspace_hits(self, value):
        self.keyspace.hits = value

    @property
    def keyspace_misses(self):
        return self.keyspace.misses

    @keyspace_misses.setter
    def keyspace_misses(self, value):
        self.keyspace.misses = value
