"""Differential fuzzing against redis-server (python -m tests.fuzz)."""
