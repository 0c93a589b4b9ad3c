"""The master side of replication: attached replicas, full and partial resync, the stream to them.

A replica asks with PSYNC (or the old SYNC).  A partial resync continues from
the backlog (``server.repl``); a full one ships an RDB, to disk by a BGSAVE
or straight to the replica sockets (``repl-diskless-sync``) by a fork of its
own, then the writes made since the fork.  Writes reach the stream from the
propagation stream (``propagate``) as RESP, a SELECT first when the db
changes; ``server.repl.feed`` puts them in the backlog and hands them to
``Master.to_replicas``, which writes them to each replica or holds them
until its RDB is out (Redis's replication.c).
"""
import os
import signal
import time

from .. import clock, errors
from ..errors import CommandError
from ..persistence import snapshots
from ..persistence.aofformat import encode_command, select as select_db
from .transfer import diskless_child, write_now
from .rdbinfo import save_info

# Replica states (Redis's SLAVE_STATE_*).
WAIT_BGSAVE_START = 0
WAIT_BGSAVE_END = 1
SEND_BULK = 2
ONLINE = 3
STATE_NAMES = ("wait_bgsave", "wait_bgsave", "send_bulk", "online")

# CONFIG_REPL_BACKLOG_MIN_SIZE
BACKLOG_MIN_SIZE = 16 * 1024
EOF_MARK_SIZE = 40
E_NOREPLICAS = CommandError(errors.NOREPLICAS)
PING = encode_command([b"PING"])
GETACK = encode_command([b"REPLCONF", b"GETACK", b"*"])


class Replica:
    """What the master knows of one replica connection (Redis keeps it on the client)."""

    __slots__ = ("client", "state", "listening_port", "ip", "capa_eof", "capa_psync2", "rdb_only",
                 "ack_off", "aof_off", "ack_time", "initial_offset", "pending", "pending_len",
                 "after_bulk", "wait_ack", "pre_psync", "since", "socket_target", "filtered",
                 "exclude_functions", "early_ack")

    def __init__(self, client):
        self.client = client
        self.state = None
        self.listening_port = 0
        self.ip = None
        self.capa_eof = False
        self.capa_psync2 = False
        self.rdb_only = False
        self.ack_off = 0
        self.aof_off = 0
        self.ack_time = 0
        self.initial_offset = -1
        # The stream held back until the RDB is out (or, diskless, until the first ACK).
        self.pending = []
        self.pending_len = 0
        # SEND_BULK: bytes queued behind the RDB; it is out when no more than these remain.
        self.after_bulk = 0
        self.wait_ack = False
        self.pre_psync = False
        self.since = 0
        self.socket_target = False
        # REPLCONF rdb-filter-only was sent (Redis's SLAVE_REQ_RDB_MASK): the RDB
        # leaves the data out, and the functions too unless the filter names them.
        self.filtered = False
        self.exclude_functions = False
        # An ACK read before the diskless child was reaped: the replica has the
        # whole RDB, and a SYNC replica sends no second one to wait for.
        self.early_ack = False

    def req(self):
        """Redis's slave_req: replicas share an RDB only when they ask for the same one."""
        return (self.filtered, self.exclude_functions)

    def name(self):
        """replicationGetSlaveName."""
        c = self.client
        ip = self.ip
        if ip is None:
            ip = c.addr.rsplit(":", 1)[0].strip("[]")
        if not ip:
            return "client id #%d" % c.id
        if self.listening_port:
            return ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, self.listening_port)
        return "%s:<unknown-replica-port>" % ip

    def address(self):
        c = self.client
        return self.ip if self.ip is not None else c.addr.rsplit(":", 1)[0].strip("[]")


class AckCount:
    """WAIT's reply, counted when it is sent (at the timeout or CLIENT UNBLOCK)."""

    __slots__ = ("master", "offset")

    def __init__(self, master, offset):
        self.master = master
        self.offset = offset

    def encode(self, resp):
        return b":%d\r\n" % self.master.count_acks(self.offset)


class Master:
    def __init__(self, server):
        self.server = server
        self.config = server.config
        self.log = server.log
        self.replicas = []
        # Every client that sent REPLCONF or PSYNC -> its Replica (attached or not yet).
        self.links = {}
        # The db the stream last selected (-1: the next command selects).
        self.seldb = -1
        self.own_feed = False
        self.listening = False
        # The diskless transfer's child and the replicas it writes to.
        self.child_pid = -1
        self.child_replicas = []
        # The BGSAVE (disk target) the replicas in WAIT_BGSAVE_END wait for.
        self.disk_child = -1
        self.no_replicas_since = int(clock.time())
        self.good_replicas = 0
        self.getack = False
        # An ACK arrived during a FAILOVER: its status is looked at before the replies go.
        self.failover_check = False
        # Client id -> the stream offset after its last write (Redis's c->woff).
        self.woff = {}
        # WAIT: (client, its block state, offset, numreplicas).
        self.waiting = []
        self.sync_full = 0
        self.sync_partial_ok = 0
        self.sync_partial_err = 0
        self.last_second = int(time.monotonic())
        self.cron_loops = 0
        self.set_obuf_limits(self.config["client-output-buffer-limit"])

    # ---- the stream ----------------------------------------------------
    def propagate(self, db_id, argv):
        """The propagation listener: one command of this node's own writes."""
        server = self.server
        repl = server.repl
        if repl.proxying or server.master_link is not None:
            return
        if db_id != self.seldb:
            self.seldb = db_id
            data = select_db(db_id) + encode_command(argv)
        else:
            data = encode_command(argv)
        self.own_feed = True
        repl.feed(data)
        self.own_feed = False
        c = server.current_client
        if c is not None:
            self.woff[c.id] = repl.master_repl_offset

    def feed_command(self, data):
        """Something the master adds to the stream itself (PING, GETACK), in the selected db."""
        self.own_feed = True
        self.server.repl.feed(data)
        self.own_feed = False

    def to_replicas(self, data):
        """``server.repl``'s listener: ``data`` joined the stream."""
        if not self.own_feed:
            # A master's stream passing through (a chain) selects its own dbs.
            self.seldb = -1
        threshold = self.obuf_threshold
        # A copy: a replica over its output limit leaves the list on the way.
        for r in tuple(self.replicas):
            state = r.state
            if state == ONLINE and not r.wait_ack:
                # Client.reply without its checks: replicas never turn replies off.
                c = r.client
                c.out.append(data)
                c.out_len += len(data)
                if not c.queued:
                    c.queued = True
                    self.server.pending_writes.append(c)
                # Only the size is read on the way: the rest once a limit is reached.
                if threshold and c.out_len >= threshold:
                    self.check_limits(r)
            elif state == SEND_BULK:
                c = r.client
                if c.output_size() <= r.after_bulk:
                    self.put_online(r)
                else:
                    r.after_bulk += len(data)
                c.reply(data)
            elif state == WAIT_BGSAVE_END or (state == ONLINE and r.wait_ack):
                if not r.rdb_only:
                    r.pending.append(data)
                    r.pending_len += len(data)
                    if self.obuf_limits is not None:
                        self.check_limits(r)

    def start_listening(self):
        if not self.listening:
            self.listening = True
            self.seldb = -1
            self.server.propagation.add_listener(self.propagate)

    def stop_listening(self):
        if self.listening:
            self.listening = False
            self.server.propagation.remove_listener(self.propagate)

    # ---- output buffer limits ------------------------------------------
    def obuf_size(self, r):
        if r.state == SEND_BULK:
            # The RDB does not count (Redis sends it from the file).
            return min(r.client.output_size(), r.after_bulk)
        return r.client.output_size() + r.pending_len

    def check_limits(self, r):
        """checkClientOutputBufferLimits for the replica class; True if ``r`` was closed."""
        c = r.client
        if c.closed:
            return True
        if not c.over_output_limit(self.obuf_size(r), *self.obuf_limits):
            return False
        c.log_output_limit()
        self.server.free_client(c)
        return True

    def set_obuf_limits(self, limits):
        hard, soft, seconds = limits["replica"]
        self.obuf_limits = (hard, soft, seconds) if hard or soft else None
        # The smaller limit set: below it no check is needed.
        self.obuf_threshold = min(x for x in (hard, soft) if x) if hard or soft else 0

    # ---- attaching -----------------------------------------------------
    def link(self, c):
        r = self.links.get(c)
        if r is None:
            r = self.links[c] = Replica(c)
        return r

    def attach(self, r):
        """The client becomes a replica (CLIENT_SLAVE): listed, flagged, the backlog exists."""
        c = r.client
        c.flags_extra = "S"
        self.replicas.append(r)
        repl = self.server.repl
        if len(self.replicas) == 1 and repl.backlog is None:
            repl.change_replid()
            repl.create_backlog()
            self.log("notice", "Replication backlog created, my new replication IDs are '%s' and '%s'"
                     % (repl.replid, repl.replid2))
        self.start_listening()

    def try_partial(self, r, replid, offset):
        """masterTryPartialResynchronization: True if the replica continues from the backlog."""
        repl = self.server.repl
        if not repl.can_continue(replid, offset):
            self.log_refusal(r, replid, offset)
            return False
        data = repl.backlog_from(offset)
        c = r.client
        c.flags_extra = "S"
        r.state = ONLINE
        r.ack_time = int(clock.time())
        self.replicas.append(r)
        self.start_listening()
        if r.capa_psync2:
            c.reply(b"+CONTINUE %s\r\n" % repl.replid.encode())
        else:
            c.reply(b"+CONTINUE\r\n")
        if data:
            c.reply(data)
        self.log("notice", "Partial resynchronization request from %s accepted. Sending %d bytes of "
                 "backlog starting from offset %d." % (r.name(), len(data), offset))
        self.refresh_good()
        return True

    def log_refusal(self, r, replid, offset):
        """Why masterTryPartialResynchronization wants a full resync, in its words."""
        repl = self.server.repl
        if replid != repl.replid and (replid != repl.replid2 or offset > repl.second_replid_offset):
            if replid == "?":
                self.log("notice", "Full resync requested by replica %s" % r.name())
            elif replid != repl.replid and replid != repl.replid2:
                self.log("notice", "Partial resynchronization not accepted: Replication ID mismatch "
                         "(Replica asked for '%s', my replication IDs are '%s' and '%s')"
                         % (replid, repl.replid, repl.replid2))
            else:
                self.log("notice", "Partial resynchronization not accepted: Requested offset for "
                         "second ID was %d, but I can reply up to %d"
                         % (offset, repl.second_replid_offset))
            return
        self.log("notice", "Unable to partial resync with replica %s for lack of backlog (Replica "
                 "request was: %d)." % (r.name(), offset))
        if offset > repl.master_repl_offset:
            self.log("warning", "Warning: replica %s tried to PSYNC with an offset that is greater "
                     "than the master replication offset." % r.name())

    def sync(self, c, argv):
        """syncCommand for SYNC and PSYNC."""
        server = self.server
        r = self.links.get(c)
        if r is not None and r.state is not None:
            return
        if len(argv) > 3 and argv[0].lower() == b"psync" and argv[3].lower() == b"failover":
            from ..commands.replicaof import psync_failover
            psync_failover(c, argv[1])
        if getattr(server, "failover", None) is not None:
            raise CommandError(errors.SYNC_FAILING_OVER)
        link = getattr(server, "master_link", None)
        if link is not None and link.role_state() != "connected":
            raise CommandError(errors.SYNC_NOT_CONNECTED)
        if c.out or c.writing:
            raise CommandError(errors.SYNC_PENDING_OUTPUT)
        r = self.link(c)
        if r.filtered and not r.capa_eof:
            raise CommandError(errors.SYNC_FILTER_NEEDS_EOF)
        self.log("notice", "Replica %s asks for synchronization" % r.name())
        if argv[0].lower() == b"psync":
            from ..numbers import parse_int
            offset = parse_int(argv[2])
            if offset is None:
                self.log("warning", "Replica %s asks for synchronization but with a wrong offset"
                         % r.name())
                raise errors.E_NOT_INTEGER
            replid = argv[1].decode("latin-1")
            if self.try_partial(r, replid, offset):
                self.sync_partial_ok += 1
                return
            if not replid.startswith("?"):
                self.sync_partial_err += 1
        else:
            r.pre_psync = True
        self.sync_full += 1
        r.state = WAIT_BGSAVE_START
        r.since = int(clock.time())
        self.attach(r)
        if server.rdb.child_pid >= 0:
            # CASE 1: a BGSAVE to disk runs; join it if another replica records its differences.
            other = None
            for o in self.replicas:
                if o is not r and o.state == WAIT_BGSAVE_END and not o.socket_target:
                    other = o
                    break
            if other is not None and self.disk_child == server.rdb.child_pid and other.req() == r.req():
                r.pending = list(other.pending)
                r.pending_len = other.pending_len
                self.setup_full_resync(r, other.initial_offset)
                self.log("notice", "Waiting for end of BGSAVE for SYNC")
            else:
                self.log("notice", "Can't attach the replica to the current BGSAVE. Waiting for next "
                         "BGSAVE for SYNC")
        elif self.child_pid >= 0:
            self.log("notice", "Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC")
        elif self.config["repl-diskless-sync"] and r.capa_eof and self.config["repl-diskless-sync-delay"]:
            self.log("notice", "Delay next BGSAVE for diskless SYNC")
        elif self.any_child():
            self.log("notice", "No BGSAVE in progress, but another BG operation is active. BGSAVE for "
                     "replication delayed")
        else:
            self.start_bgsave()

    def setup_full_resync(self, r, offset):
        """replicationSetupSlaveForFullResync."""
        r.initial_offset = offset
        r.state = WAIT_BGSAVE_END
        self.seldb = -1
        if not r.pre_psync:
            r.client.reply(b"+FULLRESYNC %s %d\r\n" % (self.server.repl.replid.encode(), offset))

    def any_child(self):
        """hasActiveChildProcess."""
        server = self.server
        return server.rdb.child_pid >= 0 or self.child_pid >= 0 or snapshots.other_child_active(server)

    # ---- full resync ---------------------------------------------------
    def start_bgsave(self):
        """startBgsaveForReplication for every replica waiting for one."""
        server = self.server
        waiting = [r for r in self.replicas if r.state == WAIT_BGSAVE_START]
        if not waiting:
            return
        # One RDB for the replicas asking for the same one; the others wait for the next.
        req = waiting[0].req()
        waiting = [r for r in waiting if r.req() == req]
        socket_target = (self.config["repl-diskless-sync"] or req[0]) and all(r.capa_eof for r in waiting)
        self.log("notice", "Starting BGSAVE for SYNC with target: %s"
                 % ("replicas sockets" if socket_target else "disk"))
        offset = server.repl.master_repl_offset
        if socket_target:
            ok = self.fork_to_sockets(waiting, offset, req)
        else:
            ok = snapshots.bgsave(server)
            if ok:
                self.disk_child = server.rdb.child_pid
                for r in waiting:
                    r.socket_target = False
                    self.setup_full_resync(r, offset)
        if not ok:
            self.log("warning", "BGSAVE for replication failed")
            for r in waiting:
                r.client.reply(b"-ERR BGSAVE failed, replication can't continue\r\n")
                r.client.close_after_reply = True
                self.replicas.remove(r)
                r.state = None

    def fork_to_sockets(self, waiting, offset, req=(False, False)):
        """rdbSaveToSlavesSockets: a child writes the RDB, EOF-marked, to every replica socket."""
        server = self.server
        # Taken before the resync setup forgets the selected db, as rdbPopulateSaveInfo.
        rsi = save_info(server)
        for r in waiting:
            r.socket_target = True
            self.setup_full_resync(r, offset)
            write_now(r.client)
        mark = os.urandom(EOF_MARK_SIZE // 2).hex().encode()
        try:
            pid = os.fork()
        except OSError as exc:
            self.log("warning", "Can't save in background: fork: %s" % exc.strerror)
            return False
        if pid == 0:
            diskless_child(server, [r.client.sock for r in waiting], mark, rsi,
                           data=not req[0], functions=not req[1])
        self.log("notice", "Background RDB transfer started by pid %d" % pid)
        self.child_pid = pid
        self.child_replicas = list(waiting)
        return True

    def check_children(self):
        """checkChildrenDone's part for replication: the diskless child, the BGSAVE to disk."""
        if self.child_pid >= 0:
            try:
                pid, status = os.waitpid(self.child_pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.child_pid, 1 << 8
            if pid:
                self.child_pid = -1
                code = os.waitstatus_to_exitcode(status)
                if code == 0:
                    self.log("notice", "Background RDB transfer terminated with success")
                elif code > 0:
                    self.log("warning", "Background transfer error")
                else:
                    self.log("warning", "Background transfer terminated by signal %d" % -code)
                replicas, self.child_replicas = self.child_replicas, []
                self.socket_transfer_done(replicas, code == 0)
        if self.disk_child >= 0 and self.server.rdb.child_pid != self.disk_child:
            self.disk_child = -1
            self.disk_transfer_start(self.server.rdb.last_status_ok)

    def kill_child(self):
        """The diskless transfer's child goes with the server (killRDBChild at shutdown)."""
        if self.child_pid < 0:
            return
        try:
            os.kill(self.child_pid, signal.SIGUSR1)
            os.waitpid(self.child_pid, 0)
        except (OSError, ChildProcessError):
            pass
        self.child_pid = -1

    def bgsave_killed(self):
        """A BGSAVE replicas waited for was killed (FLUSHALL): they fail and resync, as Redis."""
        if self.disk_child >= 0 and self.server.rdb.child_pid != self.disk_child:
            self.disk_child = -1
            self.disk_transfer_start(False)

    def socket_transfer_done(self, replicas, ok):
        for r in replicas:
            if r.state != WAIT_BGSAVE_END or r.client.closed:
                continue
            if not ok:
                self.log("warning", "SYNC failed. BGSAVE child returned an error")
                self.server.free_client(r.client)
                continue
            self.log("notice", "Streamed RDB transfer with replica %s succeeded (socket). Waiting for "
                     "REPLCONF ACK from replica to enable streaming" % r.name())
            r.wait_ack = True
            self.put_online(r)
            if r.early_ack:
                self.start_stream(r)

    def disk_transfer_start(self, ok):
        """updateSlavesWaitingBgsave for a BGSAVE to disk: send the file to who waits for it."""
        waiting = [r for r in self.replicas if r.state == WAIT_BGSAVE_END and not r.socket_target]
        if not waiting:
            return
        data = None
        if ok:
            try:
                with open(snapshots.rdb_path(self.server), "rb") as f:
                    data = f.read()
            except OSError as exc:
                self.log("warning", "SYNC failed. Can't open/stat DB after BGSAVE: %s" % exc.strerror)
        for r in waiting:
            if data is None:
                if ok:
                    self.server.free_client(r.client)
                else:
                    self.log("warning", "SYNC failed. BGSAVE child returned an error")
                    self.server.free_client(r.client)
                continue
            c = r.client
            c.reply(b"$%d\r\n" % len(data))
            c.reply(data)
            r.state = SEND_BULK
            pending, r.pending = r.pending, []
            r.after_bulk = r.pending_len
            r.pending_len = 0
            for chunk in pending:
                c.reply(chunk)

    def put_online(self, r):
        """replicaPutOnline."""
        r.state = ONLINE
        r.ack_time = int(clock.time())
        if not r.wait_ack:
            r.after_bulk = 0
        self.refresh_good()
        self.log("notice", "Synchronization with replica %s succeeded" % r.name())

    def start_stream(self, r):
        """replicaStartCommandStream: the first ACK after a diskless transfer."""
        r.wait_ack = False
        c = r.client
        pending, r.pending = r.pending, []
        r.pending_len = 0
        for chunk in pending:
            c.reply(chunk)

    def start_pending_fork(self):
        """replicationStartPendingFork / shouldStartChildForReplication."""
        if self.any_child():
            return
        waiting = [r for r in self.replicas if r.state == WAIT_BGSAVE_START]
        if not waiting:
            return
        if self.config["repl-diskless-sync"]:
            now = int(clock.time())
            idle = max(now - r.since for r in waiting)
            most = self.config["repl-diskless-sync-max-replicas"]
            if not ((most > 0 and len(waiting) >= most) or idle >= self.config["repl-diskless-sync-delay"]):
                return
        self.start_bgsave()

    # ---- acks, WAIT, min-replicas --------------------------------------
    def ack(self, r, offset, aof_offset):
        if offset > r.ack_off:
            r.ack_off = offset
        if aof_offset is not None and aof_offset > r.aof_off:
            r.aof_off = aof_offset
        r.ack_time = int(clock.time())
        if r.state == WAIT_BGSAVE_END and self.child_pid >= 0:
            self.check_children()
            if r.state == WAIT_BGSAVE_END:
                r.early_ack = True
        if r.state == ONLINE and r.wait_ack:
            self.start_stream(r)
        if self.waiting:
            self.serve_waiting()
        if self.config["min-replicas-to-write"] and self.config["min-replicas-max-lag"]:
            self.refresh_good()
        if getattr(self.server, "failover", None) is not None:
            # beforeSleep's updateFailoverStatus: the target may have caught up just now.
            # Not here: failing over disconnects the clients this ACK is read among.
            self.failover_check = True
            c = r.client
            if not c.queued:
                c.queued = True
                self.server.pending_writes.append(c)

    def count_acks(self, offset):
        """replicationCountAcksByOffset."""
        n = 0
        for r in self.replicas:
            if r.state == ONLINE and r.ack_off >= offset:
                n += 1
        return n

    def serve_waiting(self):
        """processClientsWaitingReplicas."""
        keep = []
        for entry in self.waiting:
            c, state, offset, numreplicas = entry
            if c.blocked is not state:
                continue
            count = self.count_acks(offset)
            if count >= numreplicas:
                self.server.blocking.release(c, b":%d\r\n" % count)
            else:
                keep.append(entry)
        self.waiting = keep

    def request_ack(self, c):
        """replicationRequestAckFromSlaves: one GETACK goes out before the loop sleeps."""
        self.getack = True
        # The reply hooks run when some client has output queued: the waiting
        # client (with nothing to send yet) makes sure they run this time round.
        if not c.queued:
            c.queued = True
            self.server.pending_writes.append(c)

    def before_reply(self, server):
        if self.getack:
            self.getack = False
            if self.replicas:
                self.feed_command(GETACK)
        if self.failover_check:
            self.failover_check = False
            from .failover import update_status
            update_status(server)

    def refresh_good(self):
        """refreshGoodSlavesCount, and the NOREPLICAS refusal it decides."""
        server = self.server
        config = self.config
        to_write = config["min-replicas-to-write"]
        max_lag = config["min-replicas-max-lag"]
        if not to_write or not max_lag:
            self.good_replicas = 0
            server.noreplicas = None
            return
        now = int(clock.time())
        good = 0
        for r in self.replicas:
            if r.state == ONLINE and now - r.ack_time <= max_lag:
                good += 1
        self.good_replicas = good
        refuse = good < to_write and getattr(server, "master_link", None) is None
        server.noreplicas = E_NOREPLICAS if refuse else None

    # ---- losing replicas -----------------------------------------------
    def forget(self, c):
        """A client went away: if it was a replica, it is no longer one."""
        r = self.links.pop(c, None)
        self.woff.pop(c.id, None)
        if r is None:
            return
        if r in self.replicas:
            self.replicas.remove(r)
            self.log("notice", "Connection with replica %s lost." % r.name())
            if not self.replicas:
                self.no_replicas_since = int(clock.time())
            self.refresh_good()
        if r in self.child_replicas:
            self.child_replicas.remove(r)

    # ---- the cron --------------------------------------------------------
    def cron(self, server):
        if not self.listening and server.repl.backlog is not None:
            # A backlog made by the replica side (a promotion) streams this node's writes.
            self.start_listening()
        if self.child_pid >= 0 or self.disk_child >= 0:
            self.check_children()
        if self.replicas:
            self.start_pending_fork()
            for r in self.replicas:
                if r.state == SEND_BULK and r.client.output_size() <= r.after_bulk:
                    self.put_online(r)
        second = int(time.monotonic())
        if second != self.last_second:
            self.last_second = second
            self.replication_cron()

    def replication_cron(self):
        """replicationCron's master part, once a second."""
        server = self.server
        config = self.config
        self.cron_loops += 1
        now = int(clock.time())
        if self.replicas and getattr(server, "master_link", None) is None:
            # A FAILOVER with a timeout holds the offset still, so the target can match it.
            failover = getattr(server, "failover", None)
            if (self.cron_loops % config["repl-ping-replica-period"] == 0
                    and (failover is None or not failover.end_ms)):
                self.feed_command(PING)
            for r in self.replicas:
                if r.state == WAIT_BGSAVE_START or (r.state == WAIT_BGSAVE_END and not r.socket_target):
                    r.client.reply(b"\n")
        timeout = config["repl-timeout"]
        for r in list(self.replicas):
            if r.state == ONLINE and not r.pre_psync and now - r.ack_time > timeout:
                self.log("warning", "Disconnecting timedout replica (streaming sync): %s" % r.name())
                server.free_client(r.client)
        repl = server.repl
        ttl = config["repl-backlog-ttl"]
        if (not self.replicas and ttl and repl.backlog is not None
                and getattr(server, "master_link", None) is None
                and now - self.no_replicas_since > ttl):
            repl.change_replid()
            repl.free_backlog()
            self.stop_listening()
            self.log("notice", "Replication backlog freed after %d seconds without connected replicas."
                     % ttl)
        if self.obuf_limits is not None:
            for r in list(self.replicas):
                self.check_limits(r)
        self.refresh_good()

    # ---- reports -----------------------------------------------------------
    def info_fields(self):
        """INFO replication's connected_slaves ... slaveN lines."""
        fields = [("connected_slaves", len(self.replicas))]
        if self.config["min-replicas-to-write"] and self.config["min-replicas-max-lag"]:
            fields.append(("min_slaves_good_slaves", self.good_replicas))
        now = int(clock.time())
        for i, r in enumerate(self.replicas):
            lag = now - r.ack_time if r.state == ONLINE else 0
            fields.append(("slave%d" % i, "ip=%s,port=%d,state=%s,offset=%d,lag=%d"
                           % (r.address(), r.listening_port, STATE_NAMES[r.state], r.ack_off, lag)))
        return fields

    def role_reply(self):
        repl = self.server.repl
        items = []
        for r in self.replicas:
            if r.state != ONLINE:
                continue
            port = b"%d" % r.listening_port
            ack = b"%d" % r.ack_off
            ip = r.address().encode()
            items.append(b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                         % (len(ip), ip, len(port), port, len(ack), ack))
        return b"*3\r\n$6\r\nmaster\r\n:%d\r\n*%d\r\n%s" % (repl.master_repl_offset, len(items),
                                                           b"".join(items))


# ---- the functions the replica side uses -----------------------------------------------
def replicas(server):
    """The attached replica clients."""
    return [r.client for r in server.master.replicas]


def disconnect_replicas(server):
    """disconnectSlaves: drop every replica, so each resyncs with this node's new history."""
    for r in list(server.master.replicas):
        server.free_client(r.client)
