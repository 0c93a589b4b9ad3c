"""The replica side: the link to a master, from connect to the applied stream (Redis's replication.c).

``server.master_link`` holds one ``MasterLink`` while the node is a replica.
The link owns its socket until the sync ends: a non-blocking connect, the
handshake (PING, AUTH, REPLCONF listening-port / capa, PSYNC), then the RDB
payload, as ``$<len>`` or streamed up to an ``EOF:<mark>``.  Once loaded, the
master becomes a client (``flags=M``) whose commands run through dispatch with
their replies dropped; the link reads its socket and counts the bytes applied,
which is the offset the replica ACKs and the stream its own replicas get.

The event loop calls ``ready()`` when the socket is readable (or, while it
connects, writable); ``cron()`` runs once a second for timeouts, reconnection
and the ACK.
"""
import errno
import os
import socket
import time

from .. import clock, errors, reply
from ..client import Client
from ..config import ConfigError
from ..db import now_ms
from ..errors import CommandError
from . import failover
from .reader import StreamError, StreamReader
from .state import NO_REPLID

CONNECT = "connect"
CONNECTING = "connecting"
RECEIVE_PING_REPLY = "receive_ping_reply"
RECEIVE_REPLIES = "receive_replies"
RECEIVE_PSYNC_REPLY = "receive_psync_reply"
TRANSFER = "sync"
CONNECTED = "connected"
HANDSHAKE_STATES = (RECEIVE_PING_REPLY, RECEIVE_REPLIES, RECEIVE_PSYNC_REPLY)

# Redis's CONFIG_RUN_ID_SIZE: the length of an EOF mark and of a replication ID.
RUN_ID_SIZE = 40
READ_SIZE = 64 * 1024

READONLY = CommandError(errors.READONLY_REPLICA)
MASTERDOWN = CommandError(errors.MASTERDOWN)


class MasterClient(Client):
    """The master as a client: replies are dropped, an error is logged (afterErrorReply)."""
    __slots__ = ()
    # Redis creates it with no user: CLIENT LIST shows user=(superuser).
    superuser = True

    def reply(self, r):
        if r.__class__ is bytes and r[:1] == b"-":
            name = self.cmd.fullname if self.cmd is not None else "<unknown>"
            self.server.log("warning", "== CRITICAL == This replica is sending an error to its master: "
                            "'%s' after processing the command '%s'"
                            % (r[1:].rstrip(b"\r\n").decode("latin-1"), name))


class MasterState:
    """What a replica knows of its master's stream (a live or cached master client's replid and offsets)."""
    __slots__ = ("replid", "reploff", "read_reploff", "db_id", "pre_psync")

    def __init__(self, replid, reploff, db_id=0):
        self.replid = replid
        self.reploff = reploff
        self.read_reploff = reploff
        self.db_id = db_id
        # Synced by SYNC (offset -1): such a master takes no REPLCONF ACK (CLIENT_PRE_PSYNC).
        self.pre_psync = reploff == -1


def _master_side(name):
    """A function of the master side's module (present once both sides are merged), or None."""
    try:
        from . import master
    except ImportError:
        return None
    return getattr(master, name, None)


def disconnect_replicas(server):
    fn = _master_side("disconnect_replicas")
    if fn is not None:
        fn(server)


def _send_command(argv):
    out = [b"*%d\r\n" % len(argv)]
    for a in argv:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%b\r\n" % (len(a), a))
    return b"".join(out)


class MasterLink:
    def __init__(self, server, host, port):
        self.server = server
        self.host = host
        self.port = port
        self.state = CONNECT
        self.sock = None
        self.fd = -1
        self.inbuf = bytearray()
        # Handshake replies still to read, in order.
        self.expected = []
        # The master's stream: live (with a client) or cached for a PSYNC.
        self.master = None
        self.client = None
        self.cached = None
        # Redis's server.master_replid: empty until a +FULLRESYNC names one.
        self.master_replid = ""
        self.initial_offset = -1
        self.reader = None
        # Bytes applied but not yet counted (a MULTI not yet closed by EXEC).
        self.unapplied = []
        self.out = b""
        self.down_since = 0
        self.transfer_size = -1
        self.transfer_read = 0
        self.transfer_lastio = 0
        self.transfer_file = None
        self.transfer_path = None
        self.transfer_buf = None
        self.eofmark = None
        self.tail = b""
        # Set while the node leaves this master (REPLICAOF): losing it then is no reason to reconnect.
        self.leaving = False
        self._protocol_error = False
        # (db id, key) given a TTL by this replica's own clients (replica-read-only no):
        # nothing from the master will delete them (Redis's slaveKeysWithExpire).
        self.own_ttl_keys = set()

    # ---- what ROLE and INFO show ----------------------------------------
    def role_state(self):
        if self.state in HANDSHAKE_STATES:
            return "handshake"
        return self.state

    def role_reply(self):
        """ROLE on a replica: slave, the master's address, the link state, the applied offset."""
        return reply.array([reply.bulk(b"slave"), reply.bulk(self.host.encode("latin-1")),
                            reply.integer(self.port), reply.bulk(self.role_state().encode()),
                            reply.integer(self.master.reploff if self.master is not None else -1)])

    def _offsets(self):
        state = self.master if self.master is not None else self.cached
        if state is None:
            return 1, 1
        return state.read_reploff, state.reploff

    def info_fields(self):
        now = int(clock.time())
        read_off, off = self._offsets()
        fields = [
            ("master_host", self.host),
            ("master_port", self.port),
            ("master_link_status", "up" if self.state == CONNECTED else "down"),
            ("master_last_io_seconds_ago",
             now - int(self.client.last_interaction) if self.client is not None else -1),
            ("master_sync_in_progress", int(self.state == TRANSFER)),
            ("slave_read_repl_offset", read_off),
            ("slave_repl_offset", off),
        ]
        if self.state == TRANSFER:
            perc = self.transfer_read * 100.0 / self.transfer_size if self.transfer_size else 0.0
            fields += [
                ("master_sync_total_bytes", self.transfer_size),
                ("master_sync_read_bytes", self.transfer_read),
                ("master_sync_left_bytes", self.transfer_size - self.transfer_read),
                ("master_sync_perc", "%.2f" % perc),
                ("master_sync_last_io_seconds_ago", now - int(self.transfer_lastio)),
            ]
        if self.state != CONNECTED:
            fields.append(("master_link_down_since_seconds",
                           now - int(self.down_since) if self.down_since else -1))
        config = self.server.config
        fields += [
            ("slave_priority", config["replica-priority"]),
            ("slave_read_only", int(config["replica-read-only"])),
            ("replica_announced", int(config["replica-announced"])),
        ]
        return fields

    # ---- dispatch's checks ----------------------------------------------
    def readonly_error(self, c, cmd, argv):
        """processCommand's READONLY: writes from anyone but the master, on a read-only replica."""
        if c is self.client or not self.server.config["replica-read-only"]:
            return None
        flags = command_flags(c, cmd, argv)
        if "write" in flags or (cmd.fullname == "exec" and c.multi
                                and any("write" in q.flags for q, _ in c.multi)):
            return READONLY
        return None

    def readonly_for(self, c):
        """Whether ``c`` may not write here (replica-read-only, and not the master)."""
        return c is not self.client and self.server.config["replica-read-only"]

    def stale(self):
        """Serving stale data is refused now (replica-serve-stale-data no, link down)."""
        return self.state != CONNECTED and not self.server.config["replica-serve-stale-data"]

    def stale_error(self, c, cmd, argv):
        """processCommand's MASTERDOWN: only "stale" commands while the link is down."""
        if self.state == CONNECTED or self.server.config["replica-serve-stale-data"]:
            return None
        if c is self.client:
            return None
        if "stale" not in command_flags(c, cmd, argv) or (cmd.fullname == "exec" and c.multi
                                        and any("stale" not in q.flags for q, _ in c.multi)):
            return MASTERDOWN
        return None

    def hides_expired(self):
        """expireIfNeeded on a replica: the master sees its keys, others see them gone (not deleted)."""
        return self.client is None or self.server.current_client is not self.client

    # ---- keys with a TTL written here -----------------------------------
    def expire_set(self, db, key):
        c = self.server.current_client
        if c is not None and c is not self.client:
            self.own_ttl_keys.add((db.id, key))

    def expire_own_keys(self):
        """expireSlaveKeys: the replica's own keys expire here, the master's when it says so."""
        if not self.own_ttl_keys:
            return
        server = self.server
        now = now_ms()
        dbs = server.dbs
        repl = server.repl
        for entry in list(self.own_ttl_keys):
            db = dbs[entry[0]]
            when = db.expires.get(entry[1])
            if when is None:
                self.own_ttl_keys.discard(entry)
            elif when <= now:
                self.own_ttl_keys.discard(entry)
                # Its DEL reaches the AOF, not this node's replicas (they follow the master's stream).
                repl.proxying = True
                try:
                    db.expire_key(entry[1])
                finally:
                    repl.proxying = False

    # ---- connecting -----------------------------------------------------
    def connect(self):
        """connectWithMaster: a non-blocking connect; the loop tells us when it is done."""
        log = self.server.log
        try:
            infos = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_STREAM)
            family, kind, proto, _, addr = infos[0]
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            log("warning", "Unable to connect to MASTER: %s" % (exc.strerror or exc))
            return False
        sock.setblocking(False)
        err = sock.connect_ex(addr)
        if err not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            sock.close()
            log("warning", "Unable to connect to MASTER: %s" % os.strerror(err))
            return False
        self.sock = sock
        self.fd = sock.fileno()
        self.server.fds[self.fd] = self
        self.server.poller.register(self.fd, 2)  # EVENT_WRITE: the connect completed
        self.transfer_lastio = clock.time()
        self.state = CONNECTING
        log("notice", "MASTER <-> REPLICA sync started")
        return True

    def _drop_socket(self):
        if self.sock is None:
            return
        server = self.server
        if server.fds.get(self.fd) is self:
            del server.fds[self.fd]
        try:
            server.poller.unregister(self.fd)
        except (KeyError, ValueError, OSError):
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self.sock = None
        self.fd = -1
        self.inbuf = bytearray()
        self.out = b""

    def _send(self, data):
        self.out += data
        self._flush()

    def _flush(self):
        if not self.out or self.sock is None:
            return
        try:
            n = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        self.out = self.out[n:]

    # ---- the event loop's entry -----------------------------------------
    def ready(self):
        if self.state == CONNECTING:
            self._connected()
            return
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            data = None
            reason = exc.strerror
        else:
            reason = "connection lost"
        if not data:
            self._read_failed(reason)
            return
        now = clock.time()
        self.server.stats.net_input_bytes += len(data)
        if self.state == CONNECTED:
            self.client.last_interaction = now
            self._stream(data)
        elif self.state == TRANSFER:
            self.transfer_lastio = now
            self._payload(data)
        else:
            self.inbuf += data
            self._handshake()

    def _read_failed(self, reason):
        log = self.server.log
        if self.state == CONNECTED:
            self.server.free_client(self.client)
        elif self.state == TRANSFER:
            log("warning", "I/O error trying to sync with MASTER: %s" % reason)
            self.cancel_handshake(False)
        else:
            log("warning", "Master did not respond to command during SYNC handshake")
            self._error()

    def _error(self):
        """syncWithMaster's error path: the next cron tries again."""
        self._drop_socket()
        self._abort_transfer_file()
        self.state = CONNECT

    def _connected(self):
        log = self.server.log
        err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            log("warning", "Error condition on socket for SYNC: %s" % os.strerror(err))
            self._error()
            return
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.poller.modify(self.fd, 1)  # EVENT_READ
        log("notice", "Non blocking connect for SYNC fired the event.")
        self.state = RECEIVE_PING_REPLY
        self._send(b"*1\r\n$4\r\nPING\r\n")

    # ---- the handshake --------------------------------------------------
    def _line(self):
        end = self.inbuf.find(b"\n")
        if end < 0:
            return None
        line = bytes(self.inbuf[:end]).rstrip(b"\r")
        del self.inbuf[:end + 1]
        return line.decode("latin-1")

    def _handshake(self):
        log = self.server.log
        config = self.server.config
        while self.state in HANDSHAKE_STATES:
            line = self._line()
            if line is None:
                return
            if self.state == RECEIVE_PING_REPLY:
                if (not line.startswith("+") and not line.startswith("-NOAUTH")
                        and not line.startswith("-NOPERM")
                        and not line.startswith("-ERR operation not permitted")):
                    log("warning", "Error reply to PING from master: '%s'" % line)
                    self._error()
                    return
                log("notice", "Master replied to PING, replication can continue...")
                self._send_handshake()
            elif self.state == RECEIVE_REPLIES:
                step = self.expected.pop(0)
                if line.startswith("-"):
                    if step == "auth":
                        log("warning", "Unable to AUTH to MASTER: %s" % line)
                        self._error()
                        return
                    what = {"port": "REPLCONF listening-port", "ip": "REPLCONF ip-address",
                            "capa": "REPLCONF capa"}[step]
                    log("notice", "(Non critical) Master does not understand %s: %s" % (what, line))
                if not self.expected:
                    self._send_psync()
            else:
                if not line:
                    # Newlines keep the link alive while the master prepares.
                    continue
                self._psync_reply(line)
                return
        del config

    def _send_handshake(self):
        config = self.server.config
        out = []
        self.expected = []
        if config["masterauth"]:
            args = ["AUTH"]
            if config["masteruser"]:
                args.append(config["masteruser"])
            args.append(config["masterauth"])
            out.append(_send_command(args))
            self.expected.append("auth")
        port = config["replica-announce-port"] or self.server.port
        out.append(_send_command(["REPLCONF", "listening-port", str(port)]))
        self.expected.append("port")
        if config["replica-announce-ip"]:
            out.append(_send_command(["REPLCONF", "ip-address", config["replica-announce-ip"]]))
            self.expected.append("ip")
        out.append(_send_command(["REPLCONF", "capa", "eof", "capa", "psync2"]))
        self.expected.append("capa")
        self.state = RECEIVE_REPLIES
        self._send(b"".join(out))

    def _send_psync(self):
        """slaveTryPartialResynchronization, sending half."""
        log = self.server.log
        self.initial_offset = -1
        if self.cached is not None:
            replid = self.cached.replid
            offset = str(self.cached.reploff + 1)
            log("notice", "Trying a partial resynchronization (request %s:%s)." % (replid, offset))
        else:
            log("notice", "Partial resynchronization not possible (no cached master)")
            replid, offset = "?", "-1"
        self.state = RECEIVE_PSYNC_REPLY
        args = ["PSYNC", replid, offset]
        if failover.in_progress(self.server):
            # The target promotes itself on this (a FAILOVER of ours).
            args.append("FAILOVER")
        self._send(_send_command(args))

    def _psync_reply(self, line):
        """slaveTryPartialResynchronization, reading half."""
        server = self.server
        log = server.log
        if line.startswith("+FULLRESYNC"):
            parts = line.split(" ")
            if len(parts) < 3 or len(parts[1]) != RUN_ID_SIZE:
                log("warning", "Master replied with wrong +FULLRESYNC syntax.")
                self.master_replid = ""
            else:
                self.master_replid = parts[1]
                try:
                    self.initial_offset = int(parts[2])
                except ValueError:
                    self.initial_offset = 0
                log("notice", "Full resync from master: %s:%d" % (self.master_replid, self.initial_offset))
            failover.psync_settled(server, True)
            self._start_transfer()
            return
        if line.startswith("+CONTINUE"):
            log("notice", "Successful partial resynchronization with master.")
            new = line[10:].strip()
            repl = server.repl
            if len(new) == RUN_ID_SIZE and new != self.cached.replid:
                log("notice", "Master replication ID changed to %s" % new)
                repl.replid2 = self.cached.replid
                repl.second_replid_offset = repl.master_repl_offset + 1
                repl.replid = new
                self.cached.replid = new
                disconnect_replicas(server)
            rest = bytes(self.inbuf)
            self.inbuf = bytearray()
            self._attach(self.cached)
            self.cached = None
            if repl.backlog is None:
                repl.create_backlog()
            log("notice", "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
            failover.psync_settled(server, True)
            if rest:
                self._stream(rest)
            return
        if line.startswith("-NOMASTERLINK") or line.startswith("-LOADING"):
            log("notice", "Master is currently unable to PSYNC but should be in the future: %s" % line)
            if not failover.psync_settled(server, False):
                self._error()
            return
        if not line.startswith("-ERR"):
            log("warning", "Unexpected reply to PSYNC from master: %s" % line)
        else:
            log("notice", "Master does not support PSYNC or is in error state (reply: %s)" % line)
        if failover.psync_settled(server, False):
            return
        log("notice", "Retrying with SYNC...")
        self._send(b"SYNC\r\n")
        self._start_transfer()

    # ---- the payload ----------------------------------------------------
    def _diskless_load(self):
        mode = self.server.config["repl-diskless-load"]
        if mode == "swapdb":
            return True
        if mode == "on-empty-db":
            return all(not db.data for db in self.server.dbs)
        return False

    def _start_transfer(self):
        self.state = TRANSFER
        self.transfer_size = -1
        self.transfer_read = 0
        self.transfer_lastio = clock.time()
        self.eofmark = None
        self.tail = b""
        self.diskless = self._diskless_load()
        if self.diskless:
            self.transfer_buf = bytearray()
        else:
            self.transfer_path = "temp-%d.%d.rdb" % (int(time.time()), os.getpid())
            try:
                self.transfer_file = open(self.transfer_path, "wb")
            except OSError as exc:
                self.server.log("warning", "Opening the temp file needed for MASTER <-> REPLICA "
                                "synchronization: %s" % exc.strerror)
                self.cancel_handshake(True)
                return
        rest = bytes(self.inbuf)
        self.inbuf = bytearray()
        if rest:
            self._payload(rest)

    def _payload(self, data):
        """readSyncBulkPayload."""
        log = self.server.log
        if self.transfer_size == -1:
            self.inbuf += data
            while True:
                line = self._line()
                if line is None:
                    return
                if line.startswith("-"):
                    log("warning", "MASTER aborted replication with an error: %s" % line[1:])
                    self.cancel_handshake(False)
                    return
                if not line:
                    continue
                if not line.startswith("$"):
                    log("warning", "Bad protocol from MASTER, the first byte is not '$' (we received "
                        "'%s'), are you sure the host and port are right?" % line)
                    self.cancel_handshake(False)
                    return
                break
            where = "to parser" if self.diskless else "to disk"
            if line.startswith("$EOF:") and len(line) - 5 >= RUN_ID_SIZE:
                self.eofmark = line[5:5 + RUN_ID_SIZE].encode("latin-1")
                self.transfer_size = 0
                log("notice", "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF %s"
                    % where)
            else:
                try:
                    self.transfer_size = int(line[1:])
                except ValueError:
                    self.transfer_size = 0
                log("notice", "MASTER <-> REPLICA sync: receiving %d bytes from master %s"
                    % (self.transfer_size, where))
            data = bytes(self.inbuf)
            self.inbuf = bytearray()
            if not data:
                return
        rest = b""
        if self.eofmark is None:
            left = self.transfer_size - self.transfer_read
            if len(data) > left:
                data, rest = data[:left], data[left:]
        else:
            # A master that streams its writes without waiting for the ACK
            # can send them in the same read as the mark: they follow the RDB.
            window = self.tail + data
            at = window.find(self.eofmark)
            if at >= 0:
                after = len(window) - at - RUN_ID_SIZE
                if after:
                    data, rest = data[:len(data) - after], data[len(data) - after:]
        self.transfer_read += len(data)
        if self.transfer_file is not None:
            try:
                self.transfer_file.write(data)
            except OSError as exc:
                log("warning", "Write error or short write writing to the DB dump file needed for "
                    "MASTER <-> REPLICA synchronization: %s" % exc.strerror)
                self.cancel_handshake(True)
                return
        else:
            self.transfer_buf += data
        if self.eofmark is not None:
            self.tail = (self.tail + data)[-RUN_ID_SIZE:]
            if self.tail != self.eofmark:
                return
            # The mark is not part of the RDB.
            if self.transfer_file is not None:
                self.transfer_file.flush()
                self.transfer_file.truncate(self.transfer_read - RUN_ID_SIZE)
            else:
                del self.transfer_buf[-RUN_ID_SIZE:]
        elif self.transfer_read < self.transfer_size:
            return
        self._load(rest)

    def _abort_transfer_file(self):
        if self.transfer_file is not None:
            try:
                self.transfer_file.close()
            except OSError:
                pass
            self.transfer_file = None
            try:
                os.unlink(self.transfer_path)
            except OSError:
                pass
        self.transfer_buf = None

    def _load(self, rest):
        server = self.server
        log = server.log
        from ..persistence import rdb, rdb_loader, snapshots
        if self.transfer_file is not None:
            try:
                self.transfer_file.flush()
                os.fsync(self.transfer_file.fileno())
                self.transfer_file.close()
            except OSError:
                pass
            self.transfer_file = None
        aof = getattr(server, "aof", None)
        if aof is not None and server.config["appendonly"]:
            # stopAppendOnly: the loaded data reaches the AOF by the rewrite restarting it.
            aof.disable()
        # repl-diskless-load swapdb: the old data and functions stay (and the cached
        # master with them) until the new set has loaded into temp dbs and a temp
        # function context, then the two are swapped; a failed load keeps the old.
        temp_dbs = temp_functions = None
        async_loading = False
        if self.diskless and server.config["repl-diskless-load"] == "swapdb":
            # The same history as the data held (a full resync from the same master):
            # that data is served until the new set replaces it (Redis's async loading).
            async_loading = server.repl.replid == self.master_replid
            from ..db import Database
            temp_dbs = [Database(i, server) for i in range(len(server.dbs))]
            temp_functions = server.scripting.new_functions()
        else:
            self._attach_to_new_master()
            log("notice", "MASTER <-> REPLICA sync: Flushing old data")
            empty_data(server)
            self.own_ttl_keys = set()
        log("notice", "MASTER <-> REPLICA sync: Loading DB in memory")
        state = server.rdb
        if self.diskless:
            data, self.transfer_buf = bytes(self.transfer_buf), None
        else:
            path = server.config["dbfilename"]
            try:
                os.replace(self.transfer_path, path)
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as exc:
                log("warning", "Failed trying to rename the temp DB into %s in MASTER <-> REPLICA "
                    "synchronization: %s" % (path, exc.strerror))
                self.cancel_handshake(True)
                return
        # Other clients are served while it loads (-LOADING, INFO's loading:1); the
        # master's socket waits, as Redis takes its read handler away meanwhile.
        self._mute(True)
        # Read from the socket, the RDB's size is not known up front (INFO shows 0).
        serve = snapshots.begin_loading(server, 0 if self.diskless else len(data), async_loading)
        newline_at = [clock.time()]

        def progress(pos):
            # replicationSendNewlineToMaster: the master must not time the link out meanwhile.
            now = clock.time()
            if now - newline_at[0] >= 1:
                newline_at[0] = now
                self._send(b"\n")
            serve(pos)
        try:
            result = rdb_loader.read_rdb(server, data, progress=progress, aof_preamble=True, dbs=temp_dbs,
                                         functions=temp_functions)
        except rdb.RdbLoadError as exc:
            snapshots.end_loading(server)
            self._mute(False)
            self._load_failed(exc, temp_dbs is not None)
            return
        finally:
            data = None
        snapshots.end_loading(server)
        self._mute(False)
        if server.master_link is not self or self.state != TRANSFER:
            return
        state.keys_loaded = result.keys_loaded
        state.keys_expired = result.keys_expired
        log("notice", "Done loading RDB, keys loaded: %d, keys expired: %d."
            % (result.keys_loaded, result.keys_expired))
        if temp_dbs is not None:
            from ..commands.keyspace import swap_databases
            self._attach_to_new_master()
            log("notice", "MASTER <-> REPLICA sync: Swapping active DB with loaded DB")
            for db, loaded in zip(server.dbs, temp_dbs):
                swap_databases(server, db, loaded)
            server.scripting.swap_functions(temp_functions)
            self.own_ttl_keys = set()
            log("notice", "MASTER <-> REPLICA sync: Discarding old DB in background")
        db_id = result.aux.get(b"repl-stream-db")
        try:
            db_id = int(db_id) if db_id is not None else 0
        except ValueError:
            db_id = 0
        self._attach(MasterState(self.master_replid, self.initial_offset, db_id))
        repl = server.repl
        repl.replid = self.master_replid
        repl.master_repl_offset = self.initial_offset
        repl.replid2 = NO_REPLID
        repl.second_replid_offset = -1
        repl.create_backlog()
        log("notice", "MASTER <-> REPLICA sync: Finished with success")
        if self.eofmark is not None:
            self.send_ack()
        if aof is not None and server.config["appendonly"]:
            try:
                aof.enable()
            except (ConfigError, OSError) as exc:
                log("warning", "Failed to restart the AOF after a successful sync: %s" % exc)
        if rest:
            self._stream(rest)

    def _mute(self, muted):
        """Stop (or resume) reading the master's socket."""
        if self.sock is None:
            return
        try:
            if muted:
                self.server.poller.unregister(self.fd)
            else:
                self.server.poller.register(self.fd, 1)  # EVENT_READ
        except (KeyError, ValueError, OSError):
            pass

    def _load_failed(self, exc, swapping=False):
        """readSyncBulkPayload's failure paths: retry, resume, or exit as rdbReportError does."""
        from ..persistence import rdb, snapshots
        server = self.server
        log = server.log
        where = "socket" if self.diskless else "disk"
        if exc.report == rdb.FATAL:
            # A bad signature or version: rdbLoad fails without reporting, the sync is retried.
            log("warning", exc.args[0])
        elif self.diskless and exc.report == rdb.REPORT and exc.truncated:
            log("warning", "%s. Failure loading rdb format from socket, assuming connection error, "
                "resuming operation." % snapshots.report_message(server, exc))
        elif self.diskless and exc.report == rdb.REPORT:
            log("warning", "%s. Failure loading rdb format" % snapshots.report_message(server, exc))
            log("warning", "Terminating server after rdb file reading failure.")
            raise SystemExit(1)
        else:
            snapshots.log_load_error(server, exc)
            raise SystemExit(1)
        if swapping:
            log("notice", "MASTER <-> REPLICA sync: Discarding temporary DB in background")
        elif self.diskless:
            # The half-loaded data goes.
            empty_data(server)
        log("warning", "Failed trying to load the MASTER synchronization DB from %s: Invalid argument"
            % where)
        self.cancel_handshake(True)

    def _attach_to_new_master(self):
        """replicationAttachToNewMaster: our replicas must resync, our backlog is history."""
        self.discard_cached()
        disconnect_replicas(self.server)
        self.server.repl.free_backlog()

    def discard_cached(self):
        if self.cached is not None:
            self.server.log("notice", "Discarding previously cached master state.")
            self.cached = None

    # ---- the master client ----------------------------------------------
    def _attach(self, state):
        """replicationCreateMasterClient / replicationResurrectCachedMaster."""
        server = self.server
        c = MasterClient(server, self.sock, server.next_client_id)
        server.next_client_id += 1
        c.set_authenticated(True)
        c.acl_check = None
        c.flags_extra = "M"
        c.db = server.dbs[state.db_id] if state.db_id < len(server.dbs) else server.dbs[0]
        server.clients[c.id] = c
        self.client = c
        self.master = state
        self.reader = StreamReader()
        self.unapplied = []
        self.state = CONNECTED
        self.down_since = 0

    def _stream(self, data):
        """processInputBuffer for the master: run each command, count what was applied."""
        server = self.server
        c = self.client
        state = self.master
        reader = self.reader
        reader.feed(data)
        state.read_reploff += len(data)
        if server.busy is not None or server.rdb.loading:
            # The stream waits while a script runs long (Redis only accumulates it then).
            return
        applied = []
        from ..dispatch import execute
        repl = server.repl
        while c is self.client and not c.closed:
            try:
                item = reader.take()
            except StreamError as exc:
                server.log("warning", "Protocol error (%s) from client: id=%d addr=%s. "
                           "Master stream is corrupt" % (exc, c.id, c.addr))
                self._protocol_error = True
                server.free_client(c)
                break
            if item is None:
                break
            argv, raw = item
            if argv:
                name = argv[0].lower()
                if name == b"replconf" and len(argv) >= 2 and argv[1].lower() == b"getack":
                    self.send_ack()
                else:
                    repl.proxying = True
                    try:
                        execute(c, argv)
                    finally:
                        repl.proxying = False
            self.unapplied.append(raw)
            if c.multi is None:
                chunk = b"".join(self.unapplied)
                self.unapplied = []
                state.reploff += len(chunk)
                applied.append(chunk)
        if applied:
            repl.feed(b"".join(applied))

    def resume(self):
        """Apply what the stream held back while a script ran long."""
        if self.client is not None and self.reader is not None and self.reader.pending() \
                and self.server.busy is None:
            self._stream(b"")

    def send_ack(self):
        """replicationSendAck: REPLCONF ACK <offset>, the only thing a replica says to its master."""
        if self.master is None or self.sock is None:
            return
        self._send(_send_command(["REPLCONF", "ACK", str(self.master.reploff)]))

    def master_closed(self, c):
        """freeClient of the master: cache its state for a PSYNC, then reconnect (replicationCacheMaster)."""
        server = self.server
        log = server.log
        log("notice", "Connection with master lost.")
        self.client = None
        state = self.master
        self.master = None
        # free_client closed the socket; forget it without closing it twice.
        if server.fds.get(self.fd) is self:
            del server.fds[self.fd]
        try:
            server.poller.unregister(self.fd)
        except (KeyError, ValueError, OSError):
            pass
        self.sock = None
        self.fd = -1
        self.out = b""
        self.inbuf = bytearray()
        self.reader = None
        if not self._protocol_error:
            log("notice", "Caching the disconnected master state.")
            state.read_reploff = state.reploff
            state.db_id = c.db.id
            self.cached = state
        self._protocol_error = False
        self.unapplied = []
        self.state = CONNECT
        self.down_since = clock.time()
        if not self.leaving:
            log("notice", "Reconnecting to MASTER %s:%d" % (self.host, self.port))
            self.connect()

    def cancel_handshake(self, reconnect):
        """cancelReplicationHandshake."""
        if self.state == TRANSFER:
            self._abort_transfer_file()
            self._drop_socket()
        elif self.state == CONNECTING or self.state in HANDSHAKE_STATES:
            self._drop_socket()
        else:
            return False
        self.state = CONNECT
        if reconnect:
            self.server.log("notice", "Reconnecting to MASTER %s:%d after failure" % (self.host, self.port))
            self.connect()
        return True

    # ---- once a second --------------------------------------------------
    def cron(self):
        server = self.server
        log = server.log
        now = clock.time()
        timeout = server.config["repl-timeout"]
        if (self.state == CONNECTING or self.state in HANDSHAKE_STATES) and \
                now - self.transfer_lastio > timeout:
            log("warning", "Timeout connecting to the MASTER...")
            self.cancel_handshake(True)
        if self.state == TRANSFER and now - self.transfer_lastio > timeout:
            log("warning", "Timeout receiving bulk data from MASTER... If the problem persists try to "
                "set the 'repl-timeout' parameter in redis.conf to a larger value.")
            self.cancel_handshake(True)
        if self.state == CONNECTED and now - self.client.last_interaction > timeout:
            log("warning", "MASTER timeout: no data nor PING received...")
            server.free_client(self.client)
        if self.state == CONNECT:
            log("notice", "Connecting to MASTER %s:%d" % (self.host, self.port))
            self.connect()
        if self.state == CONNECTED:
            if not self.master.pre_psync:
                self.send_ack()
        else:
            self._flush()

    # ---- leaving --------------------------------------------------------
    def close(self):
        """The node stops being a replica of this master (REPLICAOF NO ONE or another master)."""
        if self.client is not None:
            self.server.free_client(self.client)
        self.discard_cached()
        self.cancel_handshake(False)


SCRIPT_COMMANDS = frozenset(("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"))


def command_flags(c, cmd, argv):
    """getCommandFlags: a script that declares flags makes them its command's (scriptFlagsToCmdFlags)."""
    if cmd.fullname not in SCRIPT_COMMANDS or len(argv) < 2:
        return cmd.flags
    declared = _declared_script_flags(c.server.scripting, cmd.fullname, argv[1])
    if declared is None:
        return cmd.flags
    flags = set(cmd.flags) - {"stale", "denyoom", "write"}
    if "no-writes" not in declared:
        flags.add("write")
        if "allow-oom" not in declared:
            flags.add("denyoom")
    if "allow-stale" in declared:
        flags.add("stale")
    return flags


def _declared_script_flags(scripting, name, arg):
    from ..scripting.scripts import sha1hex, shebang_flags
    if name.startswith("fcall"):
        fn = scripting.libraries.function(arg)
        return fn.flags if fn is not None else None
    if name.startswith("evalsha"):
        script = scripting.cache.get(arg)
    else:
        script = scripting.cache.get(sha1hex(arg))
        if script is None:
            try:
                flags, _, shebang = shebang_flags(arg)
            except CommandError:
                return None
            return flags if shebang else None
    if script is None or not script.shebang:
        return None
    return script.flags


def empty_data(server):
    """emptyData(-1): every db and the function libraries, as a full sync replaces them."""
    for db in server.dbs:
        db.flush()
    _flush_functions(server)


def _flush_functions(server):
    scripting = getattr(server, "scripting", None)
    if scripting is not None:
        scripting.flush_functions()
