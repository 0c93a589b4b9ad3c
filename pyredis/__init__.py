"""pyredis: a Redis 7.0-compatible server in Python."""

__version__ = "0.1.0"
# The Redis release whose behaviour pyredis reproduces; clients read it from INFO and HELLO.
REDIS_VERSION = "7.0.15"
