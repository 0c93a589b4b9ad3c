"""Persistence: the RDB format and snapshots, the propagation stream and the append only file."""
