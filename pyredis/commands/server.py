"""Server commands: INFO, CONFIG, TIME, DBSIZE, SHUTDOWN."""
import os
import socket
import time

from .. import clock
from .. import REDIS_VERSION, errors, info, reply
from .. import lolwut as lolwut_art
from .. import shutdown as shutdown_mod
from ..config import PARAMS, PARAMS_BY_NAME, ConfigError, on_change
from ..errors import CommandError
from ..numbers import parse_int
from ..dispatch import allow_protected
from ..persistence import aof
from ..server import Server, tcp_listeners
from . import TABLE, command, container
from .introspection import help_reply


# ---- listening sockets follow CONFIG SET port / bind ------------------------
def _relisten(server, error):
    """Replace the TCP listeners after a port or bind change (changeListenPort/changeBindAddr)."""
    config = server.config
    wanted = (config["bind"], config["port"])
    current = getattr(server, "listen_spec", None)
    server.listen_spec = wanted
    if current is None or current == wanted or not server.listeners:
        return
    port = config["port"]
    new = []
    if port:
        try:
            new = tcp_listeners(config["bind"], port, config["tcp-backlog"], server.log)
        except OSError:
            server.listen_spec = current
            raise ConfigError(error)
    for sock in [s for s in server.listeners if s.family != socket.AF_UNIX]:
        server.listeners.remove(sock)
        fd = sock.fileno()
        server.fds.pop(fd, None)
        try:
            server.poller.unregister(fd)
        except (KeyError, ValueError, OSError):
            pass
        sock.close()
    server.ports = []
    for sock in new:
        server._add_listener(sock)
        server.ports.append(sock.getsockname()[1])


@on_change("port")
def _port_changed(server, value):
    _relisten(server, "Unable to listen on this port")


@on_change("bind")
def _bind_changed(server, value):
    _relisten(server, "Failed to bind to specified addresses.")


def _start(server):
    # The config's ``on_change`` listeners get the server, and the start-up values.
    server.config.bind_server(server)


def _cron(server):
    info.metrics(server).tick(server)


Server.start_hooks.append(_start)
Server.start_hooks.append(aof.install)
Server.cron_hooks.append(_cron)


# ---- INFO ---------------------------------------------------------------------
# INFO [section [section ...]]
@command("info", -1, "loading stale", group="server")
def info_(c, argv):
    sections = info.select_sections(argv[1:])
    return reply.Verbatim(info.generate(c.server, sections))


# ---- CONFIG -------------------------------------------------------------------
container("config", group="server")


# CONFIG GET parameter [parameter ...]
@command("config|get", -3, "admin noscript loading stale", group="server")
def config_get(c, argv):
    config = c.server.config
    found = {}
    for arg in argv[2:]:
        for name, value in config.get_matching(arg.decode("latin-1")):
            found.setdefault(name.lower(), (name, value))
    items = []
    for name, value in found.values():
        items.append(reply.bulk(name.encode("latin-1")))
        items.append(reply.bulk(value.encode("latin-1")))
    return reply.Map(items)


# CONFIG SET parameter value [parameter value ...]
@command("config|set", -4, "admin noscript loading stale", group="server")
def config_set(c, argv):
    """configSetCommand: look every name up first, then parse all, then apply all or nothing."""
    if len(argv) % 2:
        raise errors.E_SYNTAX
    server = c.server
    config = server.config
    unknown = None
    failure = None
    chosen = []
    for i in range(2, len(argv), 2):
        given = argv[i].decode("latin-1")
        p = config.visible(given)
        if p is None:
            if unknown is None and failure is None:
                unknown = given
            continue
        if unknown is not None or failure is not None:
            continue
        if not p.mutable:
            failure = (given, errors.CONFIG_IMMUTABLE)
            continue
        if p.protected and not allow_protected(config["enable-protected-configs"], c):
            failure = (given, errors.CONFIG_PROTECTED)
            continue
        # A name and its alias count as two parameters, as in Redis.
        if any(name == given.lower() for name, _, _ in chosen):
            failure = (given, errors.CONFIG_DUPLICATE)
        chosen.append((given.lower(), p, argv[i + 1].decode("latin-1")))
    if unknown is not None:
        raise errors.fmt(errors.CONFIG_SET_UNKNOWN, unknown)
    if failure is not None:
        raise CommandError(errors.CONFIG_SET_FAILED % (errors.arg(failure[0]), failure[1]))
    parsed = []
    for name, p, text in chosen:
        try:
            parsed.append((name, p, p.merge(config.values[p.name], p.parse(text), None)))
        except ConfigError as exc:
            raise CommandError(errors.CONFIG_SET_FAILED % (name, exc))
    old = [(name, p, config.values[p.name]) for name, p, _ in parsed]
    for name, p, value in parsed:
        if value == config.values[p.name]:
            continue
        try:
            config.apply(p, value)
        except ConfigError as exc:
            server.log("warning", "Failed applying new configuration. Possibly related to new %s "
                       "setting. Restoring previous settings." % name)
            for _, q, value in reversed(old):
                if config.values[q.name] != value:
                    config.apply(q, value)
            raise CommandError(errors.CONFIG_SET_FAILED % (name, exc))
    return reply.OK


# CONFIG RESETSTAT
@command("config|resetstat", 2, "admin noscript loading stale", group="server")
def config_resetstat(c, argv):
    reset_stats(c.server)
    return reply.OK


def reset_stats(server):
    server.stats.reset()
    for cmd in TABLE.values():
        for each in cmd.all_commands():
            each.reset_stats()
    info.metrics(server).reset()


# CONFIG REWRITE
@command("config|rewrite", 2, "admin noscript loading stale", group="server")
def config_rewrite(c, argv):
    server = c.server
    path = info.config_file(server)
    if path is None:
        raise CommandError(errors.CONFIG_NO_FILE)
    try:
        rewrite_config_file(server.config, path)
    except OSError as exc:
        server.log("warning", "CONFIG REWRITE failed: %s" % exc.strerror)
        raise CommandError(errors.CONFIG_REWRITE_FAILED % exc.strerror)
    server.log("notice", "CONFIG REWRITE executed with success.")
    return reply.OK


SIGNATURE = "# Generated by CONFIG REWRITE"


def _split_args(line):
    from .._speedups.resp_py import split_args
    args = split_args(line.encode("latin-1"))
    return None if args is None else [a.decode("latin-1") for a in args]


def rewrite_config_file(config, path, force_all=False):
    """rewriteConfig: keep the file's lines and comments, update the known options in place,
    append the others (non-default, or all with ``force_all``) after a signature line, blank
    stale ones."""
    try:
        with open(path, encoding="latin-1") as f:
            content = f.read()
    except FileNotFoundError:
        content = ""
    lines = []
    option_lines = {}
    needs_signature = True
    for raw in content.split("\n"):
        line = raw.strip(" \t\r\n")
        if not line or line.startswith("#"):
            if line == SIGNATURE:
                needs_signature = False
            lines.append(line)
            continue
        args = _split_args(line)
        if not args:
            lines.append("# ??? " + line)
            continue
        name = args[0].lower()
        p = PARAMS_BY_NAME.get(name)
        if p is not None:
            name = p.name
        option_lines.setdefault(name, []).append(len(lines))
        lines.append(line)
    processed = set()

    def rewrite_line(option, line, force):
        nonlocal needs_signature
        processed.add(option)
        slots = option_lines.get(option)
        if not slots and not force:
            return
        if slots:
            lines[slots.pop(0)] = line
        else:
            if needs_signature:
                lines.append(SIGNATURE)
                needs_signature = False
            lines.append(line)

    for p in PARAMS:
        value = config.values[p.name]
        force = force_all or not p.is_default(value) or p.name == "latency-tracking-info-percentiles"
        for line in p.rewrite(value):
            rewrite_line(p.name, line, force)
        processed.add(p.name)
    # Redis also writes a "user default ..." line (rewriteConfigUserOption); pyredis has
    # no ACL users and its config loader takes no "user" directive, so none is written.
    for option, slots in option_lines.items():
        if option in processed:
            for i in slots:
                lines[i] = ""
    out = []
    was_empty = False
    for line in lines:
        if not line:
            if was_empty:
                continue
            was_empty = True
        else:
            was_empty = False
        out.append(line + "\n")
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="latin-1") as f:
        f.write("".join(out))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


CONFIG_HELP = (
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
)


# CONFIG HELP
@command("config|help", 2, "loading stale", group="server")
def config_help(c, argv):
    return help_reply("CONFIG", CONFIG_HELP)


# ---- TIME, DBSIZE -------------------------------------------------------------
# TIME
@command("time", 1, "loading stale fast", group="server")
def time_(c, argv):
    now = int(clock.time() * 1000000)
    return reply.bulks([b"%d" % (now // 1000000), b"%d" % (now % 1000000)])


# LOLWUT [VERSION version] [version-specific arguments ...]
@command("lolwut", -1, "readonly fast", group="server")
def lolwut(c, argv):
    version = REDIS_VERSION
    args = argv[1:]
    if len(argv) >= 3 and argv[1].lower() == b"version":
        ver = parse_int(argv[2])
        if ver is None:
            raise errors.E_NOT_INTEGER
        # lolwutCommand prints the number as an unsigned int and looks at its first digits.
        version = "%d.0.0" % (ver & 0xFFFFFFFF)
        args = argv[3:]
    release = REDIS_VERSION.encode()
    if version[:2] == "5." and version[2] != "9" or version[:3] == "4.9":
        cols, per_row, per_col = _lolwut_args(args, (66, 8, 12), (1000, 200, 200))
        art = lolwut_art.version5(cols, per_row, per_col, release)
    elif version[:2] == "6." and version[2] != "9" or version[:3] == "5.9":
        cols, rows = _lolwut_args(args, (80, 20), (1000, 1000))
        art = lolwut_art.version6(cols, rows, release)
    else:
        art = b"Redis ver. " + release + b"\n"
    return reply.Verbatim(art)


def _lolwut_args(args, defaults, highs):
    """The version's numeric arguments in order, defaulted, then clamped to 1..high."""
    out = []
    for i, (default, high) in enumerate(zip(defaults, highs)):
        value = default
        if i < len(args):
            value = parse_int(args[i])
            if value is None:
                raise errors.E_NOT_INTEGER
        out.append(min(max(value, 1), high))
    return out


# DBSIZE
@command("dbsize", 1, "readonly fast", group="server")
def dbsize(c, argv):
    return reply.integer(len(c.db.data))


# ---- SHUTDOWN -----------------------------------------------------------------
# SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
@command("shutdown", -1, "admin noscript loading stale no_multi allow_busy", group="server")
def shutdown(c, argv):
    nosave = save = now = force = abort = False
    for arg in argv[1:]:
        word = arg.lower()
        if word == b"nosave":
            nosave = True
        elif word == b"save":
            save = True
        elif word == b"now":
            now = True
        elif word == b"force":
            force = True
        elif word == b"abort":
            abort = True
        else:
            raise errors.E_SYNTAX
    if (abort and (nosave or save or now or force)) or (nosave and save):
        raise errors.E_SYNTAX
    server = c.server
    if abort:
        if not shutdown_mod.abort(server):
            raise CommandError(errors.SHUTDOWN_NOT_IN_PROGRESS)
        return reply.OK
    if not now and c.deny_blocking:
        raise CommandError(errors.SHUTDOWN_DENY_BLOCKING)
    # During a busy script only SHUTDOWN NOSAVE may stop the server.
    if not nosave and server.busy is not None:
        raise CommandError(server.busy)
    if server.shutdown_pending is not None:
        # Already waiting for the replicas: this caller waits for the same end.
        shutdown_mod.wait_for_it(server, c)
        return None
    flags = ((shutdown_mod.SAVE if save else 0) | (shutdown_mod.NOSAVE if nosave else 0)
             | (shutdown_mod.NOW if now or server.busy is not None else 0)
             | (shutdown_mod.FORCE if force else 0))
    if shutdown_mod.prepare(server, flags, c):
        c.close_after_reply = True
    return None


Server.cron_hooks.append(shutdown_mod.cron)


# BGREWRITEAOF
@command("bgrewriteaof", 1, "admin noscript no_async_loading", group="server")
def bgrewriteaof(c, argv):
    return aof.bgrewriteaof(c.server)
