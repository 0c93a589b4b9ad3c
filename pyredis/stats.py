"""Counters shown by INFO stats and reset by CONFIG RESETSTAT."""
import collections


class Stats:
    def __init__(self):
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
