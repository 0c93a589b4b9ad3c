"""``pyredis-server``: redis-server's command line and config file syntax.

    pyredis-server [/path/to/redis.conf] [--port 6380] [--<config name> <value> ...] [-]

Options are turned into config lines appended to the file's text, exactly as
redis-server's main() does, so a bad option is reported like a bad config
line, with the same FATAL CONFIG FILE ERROR message and line number.
"""
import glob
import os
import sys

from . import REDIS_VERSION, __version__, allocator
from .config import Config, ConfigError, quote
from .log import LEVELS, LOGO, Log

USAGE = """Usage: ./pyredis-server [/path/to/redis.conf] [options] [-]
       ./pyredis-server - (read config from stdin)
       ./pyredis-server -v or --version
       ./pyredis-server -h or --help

Examples:
       ./pyredis-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./pyredis-server -
       ./pyredis-server /etc/redis/6379.conf
       ./pyredis-server --port 7777
       ./pyredis-server /etc/myredis.conf --loglevel verbose -
       ./pyredis-server /etc/myredis.conf --loglevel verbose
"""

# Directives Redis 7.0 still accepts and ignores (deprecated_configs), with their argc range.
_DEPRECATED = {"list-max-ziplist-entries": (2, 2), "list-max-ziplist-value": (2, 2),
               "lua-replicate-commands": (2, 2)}


class FatalConfigError(Exception):
    pass


def _split(text):
    from ._speedups.resp_py import split_args
    args = split_args(text.encode("latin-1"))
    return None if args is None else [a.decode("latin-1") for a in args]


def parse_args(argv):
    """(config file or None, read stdin?, options text) from arguments, as redis-server's main()."""
    args = [os.fsencode(a).decode("latin-1") for a in argv]
    path = None
    j = 0
    if args and not args[0].startswith("-"):
        path = args[0]
        j = 1
    from_stdin = False
    options = ""
    # After a bare option name, the next argument is its value even if it
    # looks like an option.
    have_value = True
    while j < len(args):
        arg = args[j]
        last = j == len(args) - 1
        if arg == "-" and (j == 0 or last):
            from_stdin = True
        elif have_value and arg.startswith("--"):
            if options:
                options += "\n"
            options += arg[2:] + " "
            if len(_split(arg) or ()) == 1:
                have_value = False
                follows_option = not last and args[j + 1].startswith("--")
                name = arg.lower()
                if name == "--save" and (last or follows_option):
                    # An empty --save means ``save ""``, as before Redis 7.0.1.
                    options += '""'
                    have_value = True
                elif name == "--sentinel" and follows_option:
                    have_value = True
            else:
                # "--port 6380" given as a single argument.
                have_value = True
        else:
            options += quote(arg) + " "
            have_value = True
        j += 1
    return path, from_stdin, options


def _fatal(lineno, line, reason):
    return ("\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\nReading the configuration file, at line %d\n"
            ">>> '%s'\n%s\n" % (REDIS_VERSION, lineno, line, reason))


def _read_file(path):
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def load_config_text(config, text, depth=0):
    """loadServerConfigFromString: apply each line; FatalConfigError on the first bad one."""
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip(" \t\r\n")
        if not line or line.startswith("#"):
            continue
        args = _split(line)
        if args is None:
            raise FatalConfigError(_fatal(lineno, line, "Unbalanced quotes in configuration line"))
        if not args:
            continue
        name = args[0].lower()
        values = args[1:]
        param = config.param(name)
        if param is not None:
            multi = getattr(param, "multi_arg", False)
            if not multi and len(values) != 1:
                raise FatalConfigError(_fatal(lineno, line, "wrong number of arguments"))
            if multi and len(values) == 1 and values[0]:
                # "--bind '1.2.3.4 ::1'": one argument holding several.
                values = _split(values[0]) or []
            try:
                config.set(name, " ".join(values))
            except ConfigError as exc:
                raise FatalConfigError(_fatal(lineno, line, str(exc)))
            continue
        argc = len(args)
        if name in _DEPRECATED and _DEPRECATED[name][0] <= argc <= _DEPRECATED[name][1]:
            continue
        if name == "user" and argc >= 2:
            from .commands.acl import check_user_directive
            error = check_user_directive(config, [a.encode("latin-1") for a in args])
            if error is not None:
                raise FatalConfigError(_fatal(lineno, line, error))
            continue
        if name == "rename-command" and argc == 3:
            error = rename_command(args[1], args[2])
            if error is not None:
                raise FatalConfigError(_fatal(lineno, line, error))
            continue
        if name == "include" and argc == 2:
            for path in sorted(glob.glob(args[1])) if any(ch in args[1] for ch in "*?[") else [args[1]]:
                try:
                    included = _read_file(path)
                except OSError as exc:
                    raise FatalConfigError("Fatal error, can't open config file '%s': %s"
                                           % (path, exc.strerror))
                load_config_text(config, included, depth + 1)
            continue
        raise FatalConfigError(_fatal(lineno, line, "Bad directive or wrong number of arguments"))


# The names redis-server's command table answers to, as renamed so far: a
# config written for Redis may rename or disable commands pyredis lacks.
_command_names = None


def rename_command(old, new):
    """The rename-command directive: ``old`` is called ``new`` from now on, or not at all
    when ``new`` is empty; the command keeps its own name in COMMAND's replies.

    The error text, or None.
    """
    global _command_names
    from .commands import TABLE, introspection, load_all
    load_all()
    if _command_names is None:
        _command_names = {name for name in introspection.records() if "|" not in name}
    old = old.lower()
    if old not in _command_names:
        return "No such command in rename-command"
    _command_names.discard(old)
    cmd = TABLE.pop(old.encode("latin-1"), None)
    if new:
        new = new.lower()
        if new in _command_names:
            return "Target command name already exists"
        _command_names.add(new)
        if cmd is not None:
            TABLE[new.encode("latin-1")] = cmd
    return None


def build_config(argv, log=None):
    """A Config from redis-server-style arguments (file, stdin, --options)."""
    config = Config()
    path, from_stdin, options = parse_args(argv)
    text = ""
    if path is not None:
        path = os.path.abspath(path)
        try:
            text = _read_file(path)
        except OSError as exc:
            raise FatalConfigError("Fatal error, can't open config file '%s': %s" % (path, exc.strerror))
        config.path = path
    if from_stdin:
        if log is not None:
            log("warning", "Reading config from stdin")
        text += sys.stdin.buffer.read().decode("latin-1")
    load_config_text(config, text + "\n" + options)
    return config


# File descriptors Redis keeps for itself beyond one per client.
RESERVED_FDS = 32


def adjust_open_files_limit(config, log):
    """adjustOpenFilesLimit: room for maxclients connections, or maxclients lowered to fit.

    False when not even the reserved descriptors fit (the server exits).
    """
    import resource
    maxclients = config["maxclients"]
    maxfiles = maxclients + RESERVED_FDS
    try:
        old, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        log("warning", "Unable to obtain the current NOFILE limit, assuming 1024 and setting "
                       "the max clients configuration accordingly.")
        config.values["maxclients"] = 1024 - RESERVED_FDS
        return True
    if old >= maxfiles:
        return True
    best = maxfiles
    error = None
    while best > old:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (best, best))
            break
        except (OSError, ValueError) as exc:
            error = getattr(exc, "strerror", None) or "Operation not permitted"
            if best < 16:
                best = old
                break
            best -= 16
    if best < old:
        best = old
    if best < maxfiles:
        if best <= RESERVED_FDS:
            log("warning", "Your current 'ulimit -n' of %d is not enough for the server to start. "
                           "Please increase your open file limit to at least %d. Exiting."
                % (old, maxfiles))
            return False
        config.values["maxclients"] = best - RESERVED_FDS
        log("warning", "You requested maxclients of %d requiring at least %d max file descriptors."
            % (maxclients, maxfiles))
        log("warning", "Server can't set maximum open files to %d because of OS error: %s."
            % (maxfiles, error))
        log("warning", "Current maximum open files is %d. maxclients has been reduced to %d to "
                       "compensate for low ulimit. If you need higher maxclients increase "
                       "'ulimit -n'." % (best, best - RESERVED_FDS))
    else:
        log("notice", "Increased maximum number of open files to %d (it was originally set to %d)."
            % (maxfiles, old))
    return True


def version_line():
    from ._speedups import IMPLEMENTATION
    return ("pyredis server v=%s sha=00000000:0 malloc=libc bits=64 build=pyredis-%s implementation=%s"
            % (REDIS_VERSION, __version__, IMPLEMENTATION))


def _daemonize():
    """Detach like redis-server's daemonize(): fork, new session, stdio to /dev/null."""
    if os.fork():
        os._exit(0)
    os.setsid()
    fd = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(fd, std)
    if fd > 2:
        os.close(fd)


def main(argv=None):
    if argv is None and "check-rdb" in os.path.basename(sys.argv[0]):
        # One executable, two tools, as redis-server and redis-check-rdb: chosen by its name.
        from .persistence.rdb_check import main as check_rdb
        return check_rdb()
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-v", "--version"):
        print(version_line())
        return 0
    if argv and argv[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 1
    early = Log("notice", "", role="C")
    if not argv:
        early("warning", "Warning: no config file specified, using the default config. In order to "
                         "specify a config file use pyredis-server /path/to/redis.conf")
    try:
        config = build_config(argv, early)
    except FatalConfigError as exc:
        text = str(exc)
        if text.startswith("\n"):
            sys.stderr.buffer.write(text.encode("latin-1"))
            sys.stderr.flush()
        else:
            early("warning", text)
        return 1
    from ._speedups import IMPLEMENTATION
    from .server import Server
    syslog = (config["syslog-ident"], config["syslog-facility"]) if config["syslog-enabled"] else (None, None)
    log = Log(config["loglevel"], config["logfile"], role="C", syslog_ident=syslog[0],
              syslog_facility=syslog[1])
    config.watch("loglevel", lambda value: setattr(log, "level", LEVELS[value]))
    log("warning", "oO0OoO0OoO0Oo pyredis is starting oO0OoO0OoO0Oo")
    log("warning", "pyredis version=%s, redis_version=%s, implementation=%s, bits=64, pid=%d, just started"
        % (__version__, REDIS_VERSION, IMPLEMENTATION, os.getpid()))
    log("warning", "Configuration loaded")
    if config["daemonize"]:
        _daemonize()
    log.role = "M"
    if not adjust_open_files_limit(config, log):
        return 1
    allocator.tune()
    server = Server(config, log)
    from .commands.acl import load_startup_users
    error = load_startup_users(server)
    if error is not None:
        log("warning", error)
        return 1
    try:
        server.listen()
    except OSError as exc:
        log("warning", str(exc.strerror or exc))
        log("warning", "Failed listening on port %d (TCP), aborting." % config["port"])
        return 1
    if config["always-show-logo"] or (not config["logfile"] and sys.stdout.isatty()):
        log.raw(LOGO % (REDIS_VERSION, server.port, os.getpid()))
    log("notice", "Running mode=%s, port=%d, pid=%d, implementation=%s."
        % ("cluster" if config["cluster-enabled"] else "standalone", server.port, os.getpid(), IMPLEMENTATION))
    log("warning", "Server initialized")
    # loadDataFromDisk: the AOF when it is on, else the RDB file.
    if config["appendonly"]:
        from .persistence.aofload import LoadFailed, load_at_startup
        try:
            load_at_startup(server)
        except LoadFailed:
            return 1
    else:
        from .persistence.snapshots import load_at_startup
        if not load_at_startup(server):
            return 1
    if config["pidfile"]:
        try:
            with open(config["pidfile"], "w") as f:
                f.write("%d\n" % os.getpid())
        except OSError as exc:
            log("warning", "Failed to write PID file: %s" % exc.strerror)
    server.install_signal_handlers()
    log("notice", "Ready to accept connections")
    server.serve_forever()
    return 0
