"""Log lines in redis-server's format: ``pid:role dd Mon yyyy hh:mm:ss.mmm <level> message``."""
import os
import sys
import time

LEVELS = {"debug": 0, "verbose": 1, "notice": 2, "warning": 3, "nothing": 4}
_MARKS = {0: ".", 1: "-", 2: "*", 3: "#"}


# The logo redis-server prints at start (with always-show-logo, or on a terminal).
LOGO = r"""                _._                                                  
           _.-``__ ''-._                                             
      _.-``    `.  `_.  ''-._           Redis %s (00000000/0) 64 bit
  .-`` .-```.  ```\/    _.,_ ''-._                                  
 (    '      ,       .-`  | `,    )     Running in standalone mode
 |`-._`-...-` __...-.``-._|'` _.-'|     Port: %d
 |    `-._   `._    /     _.-'    |     PID: %d
  `-._    `-._  `-./  _.-'    _.-'                                   
 |`-._`-._    `-.__.-'    _.-'_.-'|                                  
 |    `-._`-._        _.-'_.-'    |           https://redis.io       
  `-._    `-._`-.__.-'_.-'    _.-'                                   
 |`-._`-._    `-.__.-'    _.-'_.-'|                                  
 |    `-._`-._        _.-'_.-'    |                                  
  `-._    `-._`-.__.-'_.-'    _.-'                                   
      `-._    `-.__.-'    _.-'                                       
          `-._        _.-'                                           
              `-.__.-'                                               

"""

_SYSLOG_PRIORITY = {0: 7, 1: 6, 2: 5, 3: 4}


class Log:
    def __init__(self, level="notice", path="", role="M", syslog_ident=None, syslog_facility=None):
        self.level = LEVELS[level]
        self.path = path
        self.role = role
        self.syslog = None
        if syslog_ident is not None:
            import syslog
            facility = getattr(syslog, "LOG_" + syslog_facility.upper(), syslog.LOG_LOCAL0)
            syslog.openlog(syslog_ident, syslog.LOG_PID | syslog.LOG_NDELAY | syslog.LOG_NOWAIT,
                           facility)
            self.syslog = syslog

    def raw(self, text):
        """Text written as is (the logo), to wherever the log goes."""
        if self.path:
            with open(self.path, "a") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()

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
        if self.syslog is not None:
            self.syslog.syslog(_SYSLOG_PRIORITY[lvl], message)
