"""Log lines in redis-server's format: ``pid:role dd Mon yyyy hh:mm:ss.mmm <level> message``."""
import os
import sys
import time

LEVELS = {"debug": 0, "verbose": 1, "notice": 2, "warning": 3, "nothing": 4}
_MARKS = {0: ".", 1: "-", 2: "*", 3: "#"}


class Log:
    def __init__(self, level="notice", path="", role="M"):
        self.level = LEVELS[level]
        self.path = path
        self.role = role

    def __call__(self, level, message):
        lvl = LEVELS[level]
        if lvl < self.level:
            return
        now = time.time()
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(now)) + ".%03d" % (int(now * 1000) % 1000)
        line = "%d:%s %s %s %s\n" % (os.getpid(), self.role, stamp, _MARKS[lvl], message)
        if self.path:
            with open(self.path, "a") as f:
                f.write(line)
        else:
            sys.stdout.write(line)
            sys.stdout.flush()
