"""``pyredis-server``: redis-server's command line and config file syntax.

    pyredis-server [/path/to/redis.conf] [--port 6380] [--<config name> <value> ...] [-]

Options are appended to the file's text as directives, exactly as
redis-server does, so a bad option is reported like a bad config line.
"""
import os
import sys

from . import REDIS_VERSION, __version__
from .config import Config, ConfigError, Save, Bind, ClientOutputBufferLimit
from .log import Log

USAGE = """Usage: pyredis-server [/path/to/redis.conf] [options] [-]
       pyredis-server - (read config from stdin)
       pyredis-server -v or --version
       pyredis-server -h or --help

Examples:
       pyredis-server (run the server with default conf)
       echo 'maxmemory 128mb' | pyredis-server -
       pyredis-server /etc/redis/6379.conf
       pyredis-server --port 7777
       pyredis-server /etc/myredis.conf --loglevel verbose
"""

# Directives whose arguments form one value.
_MULTI_ARG = (Save, Bind, ClientOutputBufferLimit)


class FatalConfigError(Exception):
    pass


def _quote(arg):
    """An argument as redis-server echoes it in a config error (sdscatrepr)."""
    out = ['"']
    for ch in arg:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch.isprintable() and ord(ch) < 128:
            out.append(ch)
        else:
            out.append("\\x%02x" % ord(ch))
    out.append('"')
    return "".join(out)


def options_to_text(args):
    """Turn ``--name value ...`` command-line options into config lines."""
    lines = []
    current = None
    for arg in args:
        if arg.startswith("--") and len(arg) > 2:
            if current is not None:
                lines.append(current)
            current = arg[2:]
        else:
            if current is None:
                current = ""
            current += " " + _quote(arg)
    if current is not None:
        lines.append(current)
    return "".join("\n" + line for line in lines)


def load_config_text(config, text):
    from ._speedups.resp_py import split_args
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        args = split_args(line.encode("latin-1"))
        if args is None:
            raise FatalConfigError(_fatal(lineno, line, "Unbalanced quotes in configuration line"))
        if not args:
            continue
        name = args[0].decode("latin-1").lower()
        values = [a.decode("latin-1") for a in args[1:]]
        param = config.param(name)
        if param is None or not values or (len(values) > 1 and not isinstance(param, _MULTI_ARG)):
            raise FatalConfigError(_fatal(lineno, line, "Bad directive or wrong number of arguments"))
        try:
            config.set(name, " ".join(values))
        except ConfigError as exc:
            raise FatalConfigError(_fatal(lineno, line, str(exc)))


def _fatal(lineno, line, reason):
    return ("\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\nReading the configuration file, at line %d\n"
            ">>> '%s'\n%s\n" % (REDIS_VERSION, lineno, line, reason))


def build_config(argv):
    config = Config()
    text = ""
    args = list(argv)
    if args and not args[0].startswith("-"):
        path = args.pop(0)
        try:
            with open(path, encoding="latin-1") as f:
                text = f.read()
        except OSError as exc:
            raise FatalConfigError("Fatal error, can't open config file '%s': %s" % (path, exc.strerror))
    if args and args[-1] == "-":
        args.pop()
        text += "\n" + sys.stdin.read()
    text += options_to_text(args)
    load_config_text(config, text)
    return config


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-v", "--version"):
        print("pyredis server v=%s redis_version=%s" % (__version__, REDIS_VERSION))
        return 0
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    try:
        config = build_config(argv)
    except FatalConfigError as exc:
        sys.stderr.write(str(exc) + "\n")
        return 1
    from .server import Server
    from ._speedups import IMPLEMENTATION
    log = Log(config["loglevel"], config["logfile"])
    log("warning", "oO0OoO0OoO0Oo pyredis is starting oO0OoO0OoO0Oo")
    log("warning", "pyredis version=%s, redis_version=%s, implementation=%s, pid=%d, just started"
        % (__version__, REDIS_VERSION, IMPLEMENTATION, os.getpid()))
    server = Server(config, log)
    try:
        server.listen()
    except OSError as exc:
        log("warning", str(exc.strerror or exc))
        return 1
    log("notice", "Running mode=standalone, port=%d, implementation=%s." % (server.port, IMPLEMENTATION))
    log("notice", "Server initialized")
    if config["pidfile"]:
        with open(config["pidfile"], "w") as f:
            f.write("%d\n" % os.getpid())
    log("notice", "Ready to accept connections")
    server.install_signal_handlers()
    server.serve_forever()
    return 0
