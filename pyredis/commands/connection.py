"""Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET and CLIENT.

Authentication knows one user, ``default``, whose password is ``requirepass``
(none: every password is accepted, as for Redis's ``nopass`` default user).
"""
import time

from .. import clock
from .. import errors, reply, REDIS_VERSION
from ..blocking import unblock_command
from ..config import on_change
from .. import shutdown
from ..replication import failover
from ..errors import CommandError
from ..numbers import parse_int
from . import command, container
from .acl import auth_required, authenticate, refresh_client

INT_MAX = (1 << 31) - 1
LONG_MAX = (1 << 63) - 1

E_WRONGPASS = CommandError(errors.WRONGPASS)


# PING [message]
@command("ping", -1, "fast", group="connection")
def ping(c, argv):
    if len(argv) > 2:
        raise CommandError(errors.WRONG_ARITY % "ping")
    if c.subscriptions and c.resp == 2:
        # A subscribed RESP2 client gets PING's answer in the pub/sub reply shape.
        return reply.bulks([b"pong", argv[1] if len(argv) == 2 else b""])
    if len(argv) == 2:
        return reply.bulk(argv[1])
    return reply.PONG


# ECHO message
@command("echo", 2, "loading stale fast", group="connection")
def echo(c, argv):
    return reply.bulk(argv[1])


# QUIT
@command("quit", -1, "noscript loading stale fast no_auth allow_busy", group="connection")
def quit_(c, argv):
    c.close_after_reply = True
    return reply.OK


# SELECT index
@command("select", 2, "loading stale fast", group="connection")
def select(c, argv):
    # getIntFromObjectOrReply: not an integer, then the int range check.
    index = parse_int(argv[1])
    if index is None:
        raise errors.E_NOT_INTEGER
    if not -INT_MAX - 1 <= index <= INT_MAX:
        raise CommandError(errors.ZSET_VALUE_BETWEEN % (-INT_MAX - 1, INT_MAX))
    if c.server.cluster is not None and index != 0:
        raise CommandError(errors.CLUSTER_SELECT)
    if not 0 <= index < len(c.server.dbs):
        raise CommandError(errors.DB_INDEX_OUT_OF_RANGE)
    c.db = c.server.dbs[index]
    return reply.OK


# ---- authentication -------------------------------------------------------
# AUTH [username] password
@command("auth", -2, "noscript loading stale fast no_auth allow_busy", group="connection")
def auth(c, argv):
    if len(argv) > 3:
        raise errors.E_SYNTAX
    if len(argv) == 2:
        if c.server.users[b"default"].nopass:
            raise CommandError(errors.AUTH_NOPASS)
        username, password = b"default", argv[1]
    else:
        username, password = argv[1], argv[2]
    if not authenticate(c, username, password):
        raise E_WRONGPASS
    return reply.OK


# HELLO [protover [AUTH username password] [SETNAME clientname]]
@command("hello", -1, "noscript loading stale fast no_auth allow_busy", group="connection")
def hello(c, argv):
    version = 0
    n = len(argv)
    if n >= 2:
        version = parse_int(argv[1])
        if version is None:
            raise CommandError(errors.HELLO_PROTO_NOT_INTEGER)
        if not 2 <= version <= 3:
            raise CommandError(errors.NOPROTO)
    credentials = name = None
    j = 2
    # Every option is parsed before anything is applied, as helloCommand does.
    while j < n:
        more = n - 1 - j
        opt = argv[j].lower()
        if opt == b"auth" and more >= 2:
            credentials = (argv[j + 1], argv[j + 2])
            j += 3
        elif opt == b"setname" and more:
            name = argv[j + 1]
            j += 2
        else:
            raise errors.fmt(errors.HELLO_SYNTAX, argv[j])
    if credentials is not None and not authenticate(c, *credentials, command_name="hello"):
        raise E_WRONGPASS
    if not c.authenticated:
        raise CommandError(errors.HELLO_NOAUTH)
    if name is not None:
        set_name(c, name)
    if version:
        c.resp = version
    return reply.Map([b"$6\r\nserver\r\n", b"$5\r\nredis\r\n",
                      b"$7\r\nversion\r\n", reply.bulk(REDIS_VERSION.encode()),
                      b"$5\r\nproto\r\n", reply.integer(c.resp),
                      b"$2\r\nid\r\n", reply.integer(c.id),
                      b"$4\r\nmode\r\n",
                      b"$10\r\nstandalone\r\n" if c.server.cluster is None else b"$7\r\ncluster\r\n",
                      b"$4\r\nrole\r\n", b"$6\r\nmaster\r\n",
                      b"$7\r\nmodules\r\n", reply.EMPTY_ARRAY])


# RESET
@command("reset", 1, "noscript loading stale fast no_auth allow_busy", group="connection")
def reset(c, argv):
    # clearClientConnectionState: db 0, RESP2, default user, no transaction,
    # WATCH or subscription (the hooks of those groups), no name, replies on.
    server = c.server
    c.db = server.dbs[0]
    c.resp = 2
    c.user = server.users[b"default"]
    refresh_client(c)
    c.set_authenticated(not auth_required(server))
    c.auth_implicit = False
    for hook in server.reset_hooks:
        hook(c)
    c.name = b""
    c.reply_off = False
    c.reply_skip = 0
    return b"+RESET\r\n"


# ---- CLIENT ----------------------------------------------------------------
container("client", group="connection")

_HELP = [
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
]
HELP_REPLY = b"*%d\r\n%b" % (len(_HELP), b"".join(b"+%b\r\n" % line.encode() for line in _HELP))

# getClientTypeByName
CLIENT_TYPES = {b"normal": "normal", b"slave": "replica", b"replica": "replica",
                b"pubsub": "pubsub", b"master": "master"}


def client_type(c):
    """getClientType: a replication link's client (flags M or S), pubsub or normal."""
    if c.flags_extra:
        return "master" if c.flags_extra == "M" else "replica"
    return "pubsub" if c.subscriptions else "normal"


def set_name(c, name):
    """clientSetNameOrReply: printable ASCII without spaces; empty clears the name."""
    for byte in name:
        if byte < 33 or byte > 126:
            raise CommandError(errors.CLIENT_NAME_INVALID)
    c.name = name


def client_memory(c):
    """tot-mem of CLIENT LIST for a client that is not the caller (what client eviction counts)."""
    qbuf = c.query_buffer_bytes()
    multi_mem = sum(len(a) for _, args in c.multi for a in args) if c.multi else 0
    return 20474 + qbuf + multi_mem + 1024 + c.output_size() + 768


def evict_clients(server):
    """evictClients: past maxmemory-clients, close the clients using the most memory."""
    config = server.config
    limit = config["maxmemory-clients"]
    if limit < 0:
        limit = config["maxmemory"] * -limit // 100
    if not limit:
        return
    # clientEvictionAllowed: normal and pubsub clients only.
    candidates = [(client_memory(c), c) for c in server.clients.values()
                  if not c.no_evict and not c.closed and not c.flags_extra]
    total = sum(m for m, _ in candidates)
    candidates.sort(key=lambda mc: mc[0], reverse=True)
    for mem, c in candidates:
        if total < limit:
            break
        server.log("verbose", "Evicting client: id=%d addr=%s" % (c.id, c.addr))
        server.free_client(c)
        server.stats.evicted_clients += 1
        total -= mem


def client_info(c, now, caller):
    """One CLIENT LIST line, fields in Redis 7.0's order (catClientInfoString)."""
    flags = c.flags_extra + ("O" if c.monitor else "")
    if c.subscriptions:
        flags += "P"
    if c.multi is not None:
        flags += "x"
    if c.blocked is not None or c.postponed:
        flags += "b"
    if c.tracking is not None:
        flags += "t"
        if c.tracking.broken_redirect:
            flags += "R"
        if c.tracking.bcast:
            flags += "B"
    if c.dirty_cas:
        flags += "d"
    if c.close_after_reply:
        flags += "c"
    if c.unix:
        flags += "U"
    if c.server.cluster is not None and c in c.server.cluster.readonly:
        flags += "r"
    if c.no_evict:
        flags += "e"
    events = ("r" if not c.paused_reading else "") + ("w" if c.writing else "")
    current = c is caller
    argv_mem = sum(len(a) for a in c.argv) if current and c.argv else 0
    multi_mem = sum(len(a) for _, args in c.multi for a in args) if c.multi else 0
    qbuf = c.query_buffer_bytes()
    obuf = c.out_len
    omem = c.output_size() - obuf
    # Sizes of Redis's buffers as a fresh client has them; pyredis's memory differs.
    rbs = 16384 if current else 1024
    tot_mem = 20474 + qbuf + argv_mem + multi_mem + rbs + omem + 768
    return ("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d "
            "multi=%d qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=%d rbs=%d rbp=%d obl=%d oll=%d omem=%d "
            "tot-mem=%d events=%s cmd=%s user=%s redir=%d resp=%d" % (
                c.id, c.addr, c.laddr, c.fd, c.name.decode("latin-1"), int(now) - int(c.created),
                int(now) - int(c.last_interaction), flags or "N", c.db.id, len(c.channels or ()),
                len(c.patterns or ()), len(c.shard_channels or ()),
                len(c.multi) if c.multi is not None else -1, qbuf, max(20474 - qbuf, 0), argv_mem,
                multi_mem, rbs, rbs if current else 0, obuf, 1 if omem else 0, omem, tot_mem, events,
                c.cmd.fullname if c.cmd is not None else "NULL",
                # A client no ACL user stands behind (the master's link) is Redis's NULL user.
                "(superuser)" if getattr(c, "superuser", False) else c.user.name.decode("latin-1"),
                c.tracking.redirect if c.tracking is not None else -1, c.resp))


def _info_reply(text):
    return reply.Verbatim(text.encode("latin-1"))


# CLIENT HELP
@command("client|help", 2, "loading stale", group="connection")
def client_help(c, argv):
    return HELP_REPLY


# CLIENT ID
@command("client|id", 2, "noscript loading stale", group="connection")
def client_id(c, argv):
    return reply.integer(c.id)


# CLIENT INFO
@command("client|info", 2, "noscript loading stale", group="connection")
def client_info_cmd(c, argv):
    return _info_reply(client_info(c, clock.time(), c) + "\n")


# CLIENT LIST [TYPE normal|master|replica|pubsub] [ID client-id [client-id ...]]
@command("client|list", -2, "admin noscript loading stale", group="connection")
def client_list(c, argv):
    server = c.server
    now = clock.time()
    n = len(argv)
    if n == 4 and argv[2].lower() == b"type":
        kind = CLIENT_TYPES.get(argv[3].lower())
        if kind is None:
            raise errors.fmt(errors.UNKNOWN_CLIENT_TYPE, argv[3])
        clients = [cl for cl in server.clients.values() if client_type(cl) == kind]
    elif n > 3 and argv[2].lower() == b"id":
        clients = []
        for arg in argv[3:]:
            cid = parse_int(arg)
            if cid is None:
                raise CommandError(errors.INVALID_CLIENT_ID)
            found = server.clients.get(cid)
            if found is not None:
                clients.append(found)
    elif n != 2:
        raise errors.E_SYNTAX
    else:
        clients = list(server.clients.values())
    return _info_reply("".join(client_info(cl, now, c) + "\n" for cl in clients))


# CLIENT SETNAME connection-name
@command("client|setname", 3, "noscript loading stale", group="connection")
def client_setname(c, argv):
    set_name(c, argv[2])
    return reply.OK


# CLIENT GETNAME
@command("client|getname", 2, "noscript loading stale", group="connection")
def client_getname(c, argv):
    return reply.bulk(c.name) if c.name else reply.NULL


# CLIENT KILL ip:port
# CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no]
@command("client|kill", -3, "admin noscript loading stale", group="connection")
def client_kill(c, argv):
    server = c.server
    addr = laddr = kind = user = None
    cid = 0
    skipme = True
    n = len(argv)
    if n == 3:
        # The old form may kill the caller itself.
        addr = argv[2].decode("latin-1")
        skipme = False
    else:
        i = 2
        while i < n:
            opt = argv[i].lower()
            if i + 1 >= n:
                raise errors.E_SYNTAX
            value = argv[i + 1]
            if opt == b"id":
                cid = parse_int(value)
                if cid is None or not 1 <= cid <= LONG_MAX:
                    raise CommandError(errors.CLIENT_ID_POSITIVE)
            elif opt == b"type":
                kind = CLIENT_TYPES.get(value.lower())
                if kind is None:
                    raise errors.fmt(errors.UNKNOWN_CLIENT_TYPE, value)
            elif opt == b"addr":
                addr = value.decode("latin-1")
            elif opt == b"laddr":
                laddr = value.decode("latin-1")
            elif opt == b"user":
                if value not in c.server.users:
                    raise errors.fmt(errors.NO_SUCH_USER, value)
                user = value
            elif opt == b"skipme":
                low = value.lower()
                if low == b"yes":
                    skipme = True
                elif low == b"no":
                    skipme = False
                else:
                    raise errors.E_SYNTAX
            else:
                raise errors.E_SYNTAX
            i += 2
    killed = 0
    close_self = False
    for target in list(server.clients.values()):
        if addr is not None and target.addr != addr:
            continue
        if laddr is not None and target.laddr != laddr:
            continue
        if kind is not None and client_type(target) != kind:
            continue
        if cid and target.id != cid:
            continue
        if user is not None and target.user.name != user:
            continue
        if target is c:
            if skipme:
                continue
            close_self = True
        else:
            server.free_client(target)
        killed += 1
    if n == 3:
        if not killed:
            raise CommandError(errors.NO_SUCH_CLIENT)
        result = reply.OK
    else:
        result = reply.integer(killed)
    if close_self:
        # The reply goes out first, then the connection closes.
        c.close_after_reply = True
    return result


# CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
@command("client|unblock", -3, "admin noscript loading stale", group="connection")
def client_unblock(c, argv):
    if len(argv) > 4:
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1][:128], argv[0].upper())
    mode_error = False
    if len(argv) == 4:
        reason = argv[3].lower()
        if reason == b"error":
            mode_error = True
        elif reason != b"timeout":
            raise CommandError(errors.UNBLOCK_REASON)
    cid = parse_int(argv[2])
    if cid is None:
        raise errors.E_NOT_INTEGER
    return unblock_command(c.server, c.server.clients.get(cid), mode_error)


# CLIENT NO-EVICT ON|OFF
@command("client|no-evict", 3, "admin noscript loading stale", group="connection")
def client_no_evict(c, argv):
    mode = argv[2].lower()
    if mode == b"on":
        c.no_evict = True
    elif mode == b"off":
        c.no_evict = False
    else:
        raise errors.E_SYNTAX
    return reply.OK


# CLIENT REPLY ON|OFF|SKIP
@command("client|reply", 3, "noscript loading stale", group="connection")
def client_reply(c, argv):
    mode = argv[2].lower()
    if mode == b"on":
        c.reply_off = False
        c.reply_skip = 0
        return reply.OK
    if mode == b"off":
        c.reply_off = True
        c.reply_skip = 0
        return None
    if mode == b"skip":
        # The event loop counts reply_skip down after each command, so the
        # replies of the next one are dropped (resetClient's
        # CLIENT_REPLY_SKIP_NEXT).  REPLY OFF wins over SKIP.
        if not c.reply_off or c.reply_skip:
            c.reply_skip = 2
            c.reply_off = True
        return None
    raise errors.E_SYNTAX


# CLIENT PAUSE timeout [WRITE|ALL]
@command("client|pause", -3, "admin noscript loading stale", group="connection")
def client_pause(c, argv):
    if len(argv) > 4:
        raise errors.fmt(errors.SUBCOMMAND_SYNTAX, argv[1][:128], argv[0].upper())
    pause_all = True
    if len(argv) == 4:
        mode = argv[3].lower()
        if mode == b"write":
            pause_all = False
        elif mode != b"all":
            raise CommandError(errors.PAUSE_MODE)
    # getTimeoutFromObjectOrReply in milliseconds.
    ms = parse_int(argv[2])
    if ms is None:
        raise CommandError(errors.TIMEOUT_NOT_INTEGER)
    if ms < 0:
        raise CommandError(errors.TIMEOUT_NEGATIVE)
    end = clock.time() + ms / 1000.0 if ms else 0.0
    c.server.pause(end, pause_all)
    failover.client_paused(c.server, end, pause_all)
    shutdown.client_paused(c.server, end, pause_all)
    return reply.OK


# CLIENT UNPAUSE
@command("client|unpause", 2, "admin noscript loading stale", group="connection")
def client_unpause(c, argv):
    c.server.unpause()
    failover.client_unpaused(c.server)
    shutdown.client_unpaused(c.server)
    return reply.OK
