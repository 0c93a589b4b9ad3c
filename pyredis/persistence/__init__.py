"""Persistence: the propagation stream and the append only file."""
