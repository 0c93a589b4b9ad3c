"""Cluster mode on one node: the slot map, nodes.conf and request routing.

A pyredis started with ``cluster-enabled yes`` is a cluster of one: it owns
all 16384 hash slots from the start and knows no other node (there is no
cluster bus).  What a cluster-aware client needs still holds as on Redis: keys
hash to slots by CRC16 with ``{hash tags}``, a request whose keys span slots
is refused with -CROSSSLOT (getNodeByQuery), and the slot map, the node id and
the epochs live in ``cluster-config-file`` in Redis's format.

``server.cluster`` is None when cluster mode is off; dispatch tests only that.
"""
import binascii
import errno
import fcntl
import os
import sys

from . import errors
from .errors import CommandError

SLOTS = 16384
NAME_LEN = 40


def key_slot(key):
    """keyHashSlot: the CRC16 (XMODEM) of the key, or of its first non-empty ``{tag}``."""
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    return binascii.crc_hqx(key, 0) & 0x3FFF


def new_node_id():
    return os.urandom(NAME_LEN // 2).hex()


class SlotIndex:
    """Each slot's keys, newest first (Redis's slot_to_keys), for COUNTKEYSINSLOT and
    GETKEYSINSLOT without a keyspace scan.  db 0 keeps one while cluster mode is on."""

    __slots__ = ("slots",)

    def __init__(self):
        self.slots = [None] * SLOTS

    def add(self, key):
        slot = key_slot(key)
        keys = self.slots[slot]
        if keys is None:
            keys = self.slots[slot] = {}
        keys[key] = None

    def remove(self, key):
        slot = key_slot(key)
        keys = self.slots[slot]
        if keys is not None:
            keys.pop(key, None)
            if not keys:
                self.slots[slot] = None

    def clear(self):
        self.slots = [None] * SLOTS

    def count(self, slot):
        keys = self.slots[slot]
        return len(keys) if keys else 0

    def keys(self, slot, count):
        """Up to ``count`` keys of ``slot``, the most recently added first."""
        keys = self.slots[slot]
        if not keys or count <= 0:
            return []
        out = []
        for key in reversed(keys):
            out.append(key)
            if len(out) == count:
                break
        return out


def _ranges(owned):
    """The runs of owned slots as (start, end) pairs."""
    out = []
    start = None
    for slot in range(SLOTS + 1):
        if slot < SLOTS and owned[slot]:
            if start is None:
                start = slot
        elif start is not None:
            out.append((start, slot - 1))
            start = None
    return out


class ConfigError(Exception):
    pass


class Cluster:
    """This node's view of its cluster of one."""

    def __init__(self, server):
        self.server = server
        self.config = server.config
        self.myid = new_node_id()
        # The ip this node was last known by (nodes.conf keeps it); "" until one is learnt.
        self.ip = ""
        self.owned = bytearray(b"\x01") * SLOTS
        self.owned_count = SLOTS
        self.current_epoch = 0
        self.my_epoch = 0
        self.last_vote_epoch = 0
        self.migrating = {}
        self.importing = {}
        self.ok = True
        self.path = None
        self.lock_fd = None
        self._ranges = None
        # The slot of the request being run (Redis's c->slot): set when it is
        # routed, kept through an EXEC, and taken by the scripts it runs.
        self.request_client = None
        self.request_slot = -1
        # Connections that sent READONLY (CLIENT LIST's "r" flag).
        self.readonly = set()

    # ---- slots ----------------------------------------------------------
    def add_slot(self, slot):
        if not self.owned[slot]:
            self.owned[slot] = 1
            self.owned_count += 1
            self._ranges = None

    def del_slot(self, slot):
        if self.owned[slot]:
            self.owned[slot] = 0
            self.owned_count -= 1
            self._ranges = None
        self.migrating.pop(slot, None)
        self.importing.pop(slot, None)

    def ranges(self):
        if self._ranges is None:
            self._ranges = _ranges(self.owned)
        return self._ranges

    def update_state(self):
        """clusterUpdateState for a lone master: down without slots, or with a
        slot unserved while full coverage is required."""
        if self.owned_count == 0:
            self.ok = False
        elif self.owned_count < SLOTS and self.config["cluster-require-full-coverage"]:
            self.ok = False
        else:
            self.ok = True

    def bump_epoch(self):
        """clusterBumpConfigEpochWithoutConsensus: True if the epoch moved."""
        if self.my_epoch == 0 or self.my_epoch != self.current_epoch:
            self.current_epoch += 1
            self.my_epoch = self.current_epoch
            return True
        return False

    def reset(self, hard):
        for slot in range(SLOTS):
            self.del_slot(slot)
        self.migrating.clear()
        self.importing.clear()
        if hard:
            self.current_epoch = self.my_epoch = self.last_vote_epoch = 0
            self.myid = new_node_id()
        self.update_state()

    # ---- addresses ------------------------------------------------------
    def announced_ip(self):
        return self.config["cluster-announce-ip"] or self.ip

    def port(self):
        return self.config["cluster-announce-port"] or self.server.port

    def bus_port(self):
        return (self.config["cluster-announce-bus-port"] or self.config["cluster-port"]
                or self.server.port + 10000)

    def hostname(self):
        return self.config["cluster-announce-hostname"]

    def endpoint(self):
        """clusterGetPreferredEndpoint."""
        kind = self.config["cluster-preferred-endpoint-type"]
        if kind == "ip":
            return self.announced_ip()
        if kind == "hostname":
            return self.hostname() or "?"
        return ""

    # ---- CLUSTER NODES and nodes.conf -----------------------------------
    def node_line(self):
        """clusterGenNodeDescription for myself, without the trailing newline."""
        address = "%s:%d@%d" % (self.announced_ip(), self.port(), self.bus_port())
        if self.hostname():
            address += "," + self.hostname()
        parts = [self.myid, address, "myself,master", "-", "0", "0", str(self.my_epoch),
                 "connected"]
        for start, end in self.ranges():
            parts.append(str(start) if start == end else "%d-%d" % (start, end))
        for slot in sorted(set(self.migrating) | set(self.importing)):
            if slot in self.migrating:
                parts.append("[%d->-%s]" % (slot, self.migrating[slot]))
            if slot in self.importing:
                parts.append("[%d-<-%s]" % (slot, self.importing[slot]))
        return " ".join(parts)

    def config_text(self):
        return "%s\nvars currentEpoch %d lastVoteEpoch %d\n" % (
            self.node_line(), self.current_epoch, self.last_vote_epoch)

    def load(self, path):
        """clusterLoadConfig: False when there is no file yet; ConfigError when it is
        unreadable or corrupt."""
        try:
            with open(path, "rb") as f:
                text = f.read().decode("latin-1")
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ConfigError("Loading the cluster node config from %s: %s"
                              % (path, exc.strerror)) from None
        if not text.strip():
            return False
        found = False
        try:
            for line in text.splitlines():
                fields = line.split()
                if not fields:
                    continue
                if fields[0] == "vars":
                    for name, value in zip(fields[1::2], fields[2::2]):
                        if name == "currentEpoch":
                            self.current_epoch = int(value)
                        elif name == "lastVoteEpoch":
                            self.last_vote_epoch = int(value)
                    continue
                if len(fields) < 8:
                    raise ValueError(line)
                if "myself" not in fields[2].split(","):
                    # Other nodes of a cluster this file came from: there is no bus to reach them.
                    continue
                self._load_myself(fields)
                found = True
        except ValueError:
            raise ConfigError("Unrecoverable error: corrupted cluster config file.") from None
        if not found:
            raise ConfigError("Unrecoverable error: corrupted cluster config file.")
        self.update_state()
        return True

    def _load_myself(self, fields):
        if len(fields[0]) != NAME_LEN:
            raise ValueError(fields[0])
        self.myid = fields[0]
        address = fields[1].split(",", 1)[0]
        self.ip = address.rsplit(":", 1)[0] if ":" in address else ""
        self.my_epoch = int(fields[6])
        self.owned = bytearray(SLOTS)
        self.owned_count = 0
        self._ranges = None
        for item in fields[8:]:
            if item.startswith("["):
                slot, arrow, node = item[1:-1].partition("->-")
                table = self.migrating
                if not arrow:
                    slot, arrow, node = item[1:-1].partition("-<-")
                    table = self.importing
                if not arrow:
                    raise ValueError(item)
                table[int(slot)] = node
                continue
            start, _, end = item.partition("-")
            start = int(start)
            end = int(end) if end else start
            if not 0 <= start <= end < SLOTS:
                raise ValueError(item)
            for slot in range(start, end + 1):
                self.add_slot(slot)

    def lock(self, path):
        """clusterLockConfig: hold an exclusive lock on the file while running."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError("Can't open %s in order to acquire a lock: %s"
                              % (path, exc.strerror)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise ConfigError(
                    "Sorry, the cluster configuration file %s is already used by a different "
                    "Redis Cluster node. Please make sure that different nodes use different "
                    "cluster configuration files." % path) from None
            raise ConfigError("Impossible to lock %s: %s" % (path, exc.strerror)) from None
        self.lock_fd = fd

    def save(self):
        """clusterSaveConfig: rewrite the file in place (the lock is on its inode)."""
        data = self.config_text().encode("latin-1")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
        finally:
            os.close(fd)

    def save_or_log(self):
        try:
            self.save()
        except OSError as exc:
            self.server.log("warning", "Could not save the cluster config file %s: %s"
                            % (self.path, exc.strerror))

    def changed(self):
        """A slot, epoch or node id changed: new state, and nodes.conf follows."""
        self.update_state()
        self.save_or_log()

    # ---- routing (getNodeByQuery) ---------------------------------------
    def route(self, c, cmd, argv):
        """The error refusing a request at top level, or None to run it here."""
        if cmd.fullname == "exec":
            if c.multi is None:
                return None
            queued = c.multi
        else:
            queued = ((cmd, argv),)
        slot, error = self.slot_of(queued)
        if error is not None:
            return error
        self.request_client = c
        self.request_slot = slot
        if slot < 0:
            return None
        if not self.ok:
            error = self.down_error(queued)
            if error is not None:
                return error
        if self.migrating and slot in self.migrating:
            return self.migrating_error(queued)
        return None

    def slot_of(self, queued):
        """(slot or -1, error or None) for the keys of ``queued``."""
        owned = self.owned
        slot = -1
        for qcmd, qargv in queued:
            try:
                indexes = qcmd.key_indexes(qargv)
            except (CommandError, IndexError, ValueError):
                continue
            for i in indexes:
                this = key_slot(qargv[i])
                if slot < 0:
                    slot = this
                    if not owned[slot]:
                        return slot, CommandError(errors.CLUSTER_DOWN_UNBOUND)
                elif this != slot:
                    return slot, CommandError(errors.CROSSSLOT)
        return slot, None

    def migrating_error(self, queued):
        """A slot migrating (to this very node): a request with some of its keys here
        and some missing cannot be served (TRYAGAIN); with none here it is asked
        for on the migration's target, which is this node, so it is served."""
        if any(q.fullname in _SHARD_PUBSUB or q.fullname == "migrate" for q, _ in queued):
            return None
        db = self.server.dbs[0]
        present = missing = False
        for qcmd, qargv in queued:
            try:
                indexes = qcmd.key_indexes(qargv)
            except (CommandError, IndexError, ValueError):
                continue
            for i in indexes:
                if db.peek(qargv[i]) is None:
                    missing = True
                else:
                    present = True
        if present and missing:
            return CommandError(errors.CLUSTER_TRYAGAIN)
        return None

    def down_error(self, queued):
        """What the cluster-down state refuses (a read may pass when allowed)."""
        config = self.config
        if any(q.fullname in _SHARD_PUBSUB for q, _ in queued):
            if config["cluster-allow-pubsubshard-when-down"]:
                return None
            return CommandError(errors.CLUSTER_DOWN)
        if not config["cluster-allow-reads-when-down"]:
            return CommandError(errors.CLUSTER_DOWN)
        if any(self._writes(q, qargv) for q, qargv in queued):
            return CommandError(errors.CLUSTER_DOWN_RO)
        return None

    def script_check(self, run, cmd, argv):
        """scriptVerifyClusterState for a command a script runs: an error text or None."""
        if not cmd.first_key and cmd.getkeys is None:
            return None
        queued = ((cmd, argv),)
        slot, error = self.slot_of(queued)
        if error is not None:
            return errors.SCRIPT_NON_LOCAL_KEY
        if slot >= 0 and not self.ok:
            error = self.down_error(queued)
            if error is not None:
                if error.text == errors.CLUSTER_DOWN_RO:
                    return errors.SCRIPT_CLUSTER_DOWN_RO
                return errors.SCRIPT_CLUSTER_DOWN
        if slot >= 0 and self.migrating and slot in self.migrating:
            if self.migrating_error(queued) is not None:
                return errors.SCRIPT_NON_LOCAL_KEY
        if slot >= 0 and not run.cross_slot:
            if run.slot < 0:
                run.slot = slot
            elif run.slot != slot:
                return errors.SCRIPT_CROSS_SLOT
        return None


    def _writes(self, cmd, argv):
        """Whether ``cmd`` counts as a write: a script with a shebang, or a function,
        says so by its flags (getCommandFlags, scriptFlagsToCmdFlags)."""
        name = cmd.fullname
        if name in _EVALS and len(argv) > 1:
            from .scripting.scripts import sha1hex, shebang_flags
            sha = argv[1] if "sha" in name else sha1hex(argv[1])
            if len(sha) > 40:
                return "write" in cmd.flags
            script = self.server.scripting.cache.get(sha)
            if script is not None:
                flags, shebang = script.flags, script.shebang
            elif "sha" in name:
                return "write" in cmd.flags
            else:
                try:
                    flags, _, shebang = shebang_flags(argv[1])
                except CommandError:
                    return "write" in cmd.flags
            if shebang:
                return "no-writes" not in flags
        elif name in _FCALLS and len(argv) > 1:
            fn = self.server.scripting.libraries.function(argv[1])
            if fn is not None:
                return "no-writes" not in fn.flags
        return "write" in cmd.flags


_SHARD_PUBSUB = frozenset(("ssubscribe", "sunsubscribe", "spublish"))
_EVALS = frozenset(("eval", "evalsha", "eval_ro", "evalsha_ro"))
_FCALLS = frozenset(("fcall", "fcall_ro"))


def start(server):
    """clusterInit: the node's identity from nodes.conf (or a new one), locked and saved.

    Exits as Redis does when the file is locked by another node or unreadable.
    """
    if not server.config["cluster-enabled"]:
        return
    if server.config["port"] > 65535 - 10000 and not server.config["cluster-port"]:
        server.log("warning", "Redis port number too high. Cluster communication port is 10,000 "
                              "port numbers higher than your Redis port. Your Redis port number "
                              "must be 55535 or less.")
        sys.exit(1)
    cluster = Cluster(server)
    path = server.config["cluster-config-file"]
    cluster.path = path
    try:
        loaded = cluster.load(path)
        cluster.lock(path)
    except ConfigError as exc:
        server.log("warning", str(exc))
        sys.exit(1)
    if not loaded:
        server.log("notice", "No cluster configuration found, I'm %s" % cluster.myid)
    server.cluster = cluster
    server.dbs[0].slots = index = SlotIndex()
    for key in server.dbs[0].data:
        index.add(key)
    cluster.save_or_log()
