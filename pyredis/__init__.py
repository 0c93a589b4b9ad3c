"""pyredis: a Redis 7.0-compatible server in Python."""

__version__ = "0.1.0"
# The Redis release whose behaviour pyredis reproduces; clients read it from INFO and HELLO.
REDIS_VERSION = "7.0.15"


def __getattr__(name):
    # Imported on first use: ``import pyredis`` stays cheap for the server's own start.
    if name == "RedisServer":
        from .embedded import RedisServer
        return RedisServer
    raise AttributeError("module 'pyredis' has no attribute %r" % name)
