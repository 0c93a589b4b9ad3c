"""Replication: the state both roles share (``state``), the master side and the replica side."""
