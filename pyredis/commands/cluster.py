"""Cluster commands: CLUSTER and its subcommands, READONLY, READWRITE, ASKING.

They answer as a Redis node that is alone in its cluster would; the slot map,
the routing and nodes.conf live in pyredis.cluster.  Without cluster-enabled
every one of them is refused, as clusterCommand does.
"""
from .. import cluster as _cluster, errors, reply
from ..cluster import SLOTS, key_slot
from ..config import on_change
from ..errors import CommandError
from ..numbers import parse_int
from ..server import Server
from . import command, container

container("cluster", group="cluster")

_ADMIN = "admin stale no_async_loading"

_HELP = reply.array([reply.simple(line) for line in (
    b"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"ADDSLOTS <slot> [<slot> ...]",
    b"    Assign slots to current node.",
    b"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    b"    Assign slots which are between <start-slot> and <end-slot> to current node.",
    b"BUMPEPOCH",
    b"    Advance the cluster config epoch.",
    b"COUNT-FAILURE-REPORTS <node-id>",
    b"    Return number of failure reports for <node-id>.",
    b"COUNTKEYSINSLOT <slot>",
    b"    Return the number of keys in <slot>.",
    b"DELSLOTS <slot> [<slot> ...]",
    b"    Delete slots information from current node.",
    b"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    b"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    b"FAILOVER [FORCE|TAKEOVER]",
    b"    Promote current replica node to being a master.",
    b"FORGET <node-id>",
    b"    Remove a node from the cluster.",
    b"GETKEYSINSLOT <slot> <count>",
    b"    Return key names stored by current node in a slot.",
    b"FLUSHSLOTS",
    b"    Delete current node own slots information.",
    b"INFO",
    b"    Return information about the cluster.",
    b"KEYSLOT <key>",
    b"    Return the hash slot for <key>.",
    b"MEET <ip> <port> [<bus-port>]",
    b"    Connect nodes into a working cluster.",
    b"MYID",
    b"    Return the node id.",
    b"NODES",
    b"    Return cluster configuration seen by node. Output format:",
    b"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    b"REPLICATE <node-id>",
    b"    Configure current node as replica to <node-id>.",
    b"RESET [HARD|SOFT]",
    b"    Reset current node (default: soft).",
    b"SET-CONFIG-EPOCH <epoch>",
    b"    Set config epoch of current node.",
    b"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    b"    Set slot state.",
    b"REPLICAS <node-id>",
    b"    Return <node-id> replicas.",
    b"SAVECONFIG",
    b"    Force saving cluster configuration on disk.",
    b"SLOTS",
    b"    Return information about slots range mappings. Each range is made of:",
    b"    start, end, master and replicas IP addresses, ports and ids",
    b"SHARDS",
    b"    Return information about slot range mappings and the nodes associated with them.",
    b"LINKS",
    b"    Return information about all network links between this node and its peers.",
    b"    Output format is an array where each array element is a map containing attributes of a link",
    b"HELP",
    b"    Prints this help.",
)])


def _state(c):
    """The node's cluster state; refused when cluster mode is off."""
    cluster = c.server.cluster
    if cluster is None:
        raise CommandError(errors.CLUSTER_DISABLED)
    return cluster


def _slot_arg(arg):
    """getSlotOrReply."""
    slot = parse_int(arg)
    if slot is None or not 0 <= slot < SLOTS:
        raise CommandError(errors.CLUSTER_INVALID_SLOT_RANGE)
    return slot


def _integer(arg):
    value = parse_int(arg)
    if value is None:
        raise errors.E_NOT_INTEGER
    return value


def _node(cluster, arg):
    """clusterLookupNode: only this node is known."""
    if arg.decode("latin-1") != cluster.myid:
        raise CommandError(errors.CLUSTER_UNKNOWN_NODE % errors.arg(arg))
    return cluster.myid


def _subcommand_syntax(argv):
    return CommandError(errors.SUBCOMMAND_SYNTAX % (errors.arg(argv[1]), "CLUSTER"))


# CLUSTER HELP
@command("cluster|help", 2, "loading stale", group="cluster")
def cluster_help(c, argv):
    _state(c)
    return _HELP


# CLUSTER INFO
@command("cluster|info", 2, "stale", group="cluster")
def cluster_info(c, argv):
    cluster = _state(c)
    assigned = cluster.owned_count
    lines = (
        "cluster_state:%s" % ("ok" if cluster.ok else "fail"),
        "cluster_slots_assigned:%d" % assigned,
        "cluster_slots_ok:%d" % assigned,
        "cluster_slots_pfail:0",
        "cluster_slots_fail:0",
        "cluster_known_nodes:1",
        "cluster_size:%d" % (1 if assigned else 0),
        "cluster_current_epoch:%d" % cluster.current_epoch,
        "cluster_my_epoch:%d" % cluster.my_epoch,
        "cluster_stats_messages_sent:0",
        "cluster_stats_messages_received:0",
        "total_cluster_links_buffer_limit_exceeded:0",
    )
    return reply.Verbatim(("\r\n".join(lines) + "\r\n").encode("latin-1"))


# CLUSTER MYID
@command("cluster|myid", 2, "stale", group="cluster")
def cluster_myid(c, argv):
    return reply.bulk(_state(c).myid.encode())


# CLUSTER NODES
@command("cluster|nodes", 2, "stale", group="cluster")
def cluster_nodes(c, argv):
    cluster = _state(c)
    return reply.Verbatim((cluster.node_line() + "\n").encode("latin-1"))


def _node_reply(cluster):
    """addNodeToNodeReply: preferred endpoint, port, id, then the other endpoints."""
    kind = cluster.config["cluster-preferred-endpoint-type"]
    extra = []
    if kind != "ip":
        extra += [reply.bulk(b"ip"), reply.bulk(cluster.announced_ip().encode("latin-1"))]
    hostname = cluster.hostname()
    if kind != "hostname" and hostname:
        extra += [reply.bulk(b"hostname"), reply.bulk(hostname.encode("latin-1"))]
    # An unknown endpoint is "" in SHARDS but a null here.
    endpoint = (reply.NULL if kind == "unknown-endpoint"
                else reply.bulk(cluster.endpoint().encode("latin-1")))
    return reply.array([endpoint, reply.integer(cluster.port()), reply.bulk(cluster.myid.encode()),
                        reply.map_of(extra)])


# CLUSTER SLOTS
@command("cluster|slots", 2, "stale", group="cluster")
def cluster_slots(c, argv):
    cluster = _state(c)
    node = _node_reply(cluster)
    return reply.array([reply.array([reply.integer(start), reply.integer(end), node])
                        for start, end in cluster.ranges()])


# CLUSTER SHARDS
@command("cluster|shards", 2, "stale", group="cluster")
def cluster_shards(c, argv):
    cluster = _state(c)
    slots = []
    for start, end in cluster.ranges():
        slots += [reply.integer(start), reply.integer(end)]
    fields = [reply.bulk(b"id"), reply.bulk(cluster.myid.encode()),
              reply.bulk(b"port"), reply.integer(cluster.port()),
              reply.bulk(b"ip"), reply.bulk(cluster.announced_ip().encode("latin-1")),
              reply.bulk(b"endpoint"), reply.bulk(cluster.endpoint().encode("latin-1"))]
    if cluster.hostname():
        fields += [reply.bulk(b"hostname"), reply.bulk(cluster.hostname().encode("latin-1"))]
    fields += [reply.bulk(b"role"), reply.bulk(b"master"),
               reply.bulk(b"replication-offset"), reply.integer(c.server.repl.master_repl_offset),
               reply.bulk(b"health"), reply.bulk(b"online")]
    shard = reply.map_of([reply.bulk(b"slots"), reply.array(slots),
                          reply.bulk(b"nodes"), reply.array([reply.map_of(fields)])])
    return reply.array([shard])


# CLUSTER LINKS
@command("cluster|links", 2, "stale", group="cluster")
def cluster_links(c, argv):
    _state(c)
    return reply.EMPTY_ARRAY


# CLUSTER KEYSLOT key
@command("cluster|keyslot", 3, "stale", group="cluster")
def cluster_keyslot(c, argv):
    _state(c)
    return reply.integer(key_slot(argv[2]))


# CLUSTER COUNTKEYSINSLOT slot
@command("cluster|countkeysinslot", 3, "stale", group="cluster")
def cluster_countkeysinslot(c, argv):
    _state(c)
    slot = _integer(argv[2])
    if not 0 <= slot < SLOTS:
        raise CommandError(errors.CLUSTER_INVALID_SLOT)
    return reply.integer(c.server.dbs[0].slots.count(slot))


# CLUSTER GETKEYSINSLOT slot count
@command("cluster|getkeysinslot", 4, "stale", group="cluster")
def cluster_getkeysinslot(c, argv):
    _state(c)
    slot = _integer(argv[2])
    count = _integer(argv[3])
    if not 0 <= slot < SLOTS or count < 0:
        raise CommandError(errors.CLUSTER_INVALID_SLOT_OR_COUNT)
    return reply.bulks(c.server.dbs[0].slots.keys(slot, count))


# CLUSTER COUNT-FAILURE-REPORTS node-id
@command("cluster|count-failure-reports", 3, "admin stale", group="cluster")
def cluster_count_failure_reports(c, argv):
    _node(_state(c), argv[2])
    return reply.ZERO


def _slots_args(argv, ranges):
    """The slots named by ADDSLOTS/DELSLOTS (or their RANGE forms), each once."""
    seen = set()
    if ranges:
        for i in range(2, len(argv), 2):
            start = _slot_arg(argv[i])
            end = _slot_arg(argv[i + 1])
            if start > end:
                raise CommandError(errors.CLUSTER_SLOT_START_GT_END % (start, end))
            yield start, end
    else:
        for arg in argv[2:]:
            slot = _slot_arg(arg)
            yield slot, slot


def _change_slots(c, argv, ranges, add):
    """clusterCommand's ADDSLOTS/DELSLOTS: every slot checked before any changes."""
    cluster = _state(c)
    if ranges and len(argv) % 2:
        raise CommandError(errors.WRONG_ARITY % ("cluster|" + argv[1].lower().decode("latin-1")))
    owned = cluster.owned
    chosen = set()
    # ADDSLOTS/DELSLOTS parse every slot first; the RANGE forms check each pair as they parse it.
    pairs = _slots_args(argv, ranges)
    for start, end in (pairs if ranges else list(pairs)):
        for slot in range(start, end + 1):
            if add and owned[slot]:
                raise CommandError(errors.CLUSTER_SLOT_BUSY % slot)
            if not add and not owned[slot]:
                raise CommandError(errors.CLUSTER_SLOT_UNASSIGNED % slot)
            if slot in chosen:
                raise CommandError(errors.CLUSTER_SLOT_TWICE % slot)
            chosen.add(slot)
    for slot in chosen:
        if add:
            cluster.importing.pop(slot, None)
            cluster.add_slot(slot)
        else:
            cluster.del_slot(slot)
    cluster.changed()
    return reply.OK


# CLUSTER ADDSLOTS slot [slot ...]
@command("cluster|addslots", -3, _ADMIN, group="cluster")
def cluster_addslots(c, argv):
    return _change_slots(c, argv, False, True)


# CLUSTER DELSLOTS slot [slot ...]
@command("cluster|delslots", -3, _ADMIN, group="cluster")
def cluster_delslots(c, argv):
    return _change_slots(c, argv, False, False)


# CLUSTER ADDSLOTSRANGE start end [start end ...]
@command("cluster|addslotsrange", -4, _ADMIN, group="cluster")
def cluster_addslotsrange(c, argv):
    return _change_slots(c, argv, True, True)


# CLUSTER DELSLOTSRANGE start end [start end ...]
@command("cluster|delslotsrange", -4, _ADMIN, group="cluster")
def cluster_delslotsrange(c, argv):
    return _change_slots(c, argv, True, False)


# CLUSTER FLUSHSLOTS
@command("cluster|flushslots", 2, _ADMIN, group="cluster")
def cluster_flushslots(c, argv):
    cluster = _state(c)
    if c.server.dbs[0].data:
        raise CommandError(errors.CLUSTER_FLUSHSLOTS_KEYS)
    for slot in range(SLOTS):
        cluster.del_slot(slot)
    cluster.changed()
    return reply.OK


# CLUSTER SETSLOT slot IMPORTING node-id | MIGRATING node-id | STABLE | NODE node-id
@command("cluster|setslot", -4, _ADMIN, group="cluster")
def cluster_setslot(c, argv):
    cluster = _state(c)
    slot = _slot_arg(argv[2])
    action = argv[3].lower()
    n = len(argv)
    if action == b"migrating" and n == 5:
        if not cluster.owned[slot]:
            raise CommandError(errors.CLUSTER_NOT_OWNER % slot)
        if argv[4].decode("latin-1") != cluster.myid:
            raise CommandError(errors.CLUSTER_DONT_KNOW_NODE % errors.arg(argv[4]))
        cluster.migrating[slot] = cluster.myid
    elif action == b"importing" and n == 5:
        if cluster.owned[slot]:
            raise CommandError(errors.CLUSTER_ALREADY_OWNER % slot)
        if argv[4].decode("latin-1") != cluster.myid:
            raise CommandError(errors.CLUSTER_DONT_KNOW_NODE % errors.arg(argv[4]))
        cluster.importing[slot] = cluster.myid
    elif action == b"stable" and n == 4:
        cluster.migrating.pop(slot, None)
        cluster.importing.pop(slot, None)
    elif action == b"node" and n == 5:
        _node(cluster, argv[4])
        if c.server.dbs[0].slots.count(slot) == 0:
            cluster.migrating.pop(slot, None)
        cluster.add_slot(slot)
        if cluster.importing.pop(slot, None) is not None:
            cluster.bump_epoch()
    else:
        raise CommandError(errors.CLUSTER_SETSLOT_SYNTAX)
    cluster.changed()
    return reply.OK


# CLUSTER BUMPEPOCH
@command("cluster|bumpepoch", 2, _ADMIN, group="cluster")
def cluster_bumpepoch(c, argv):
    cluster = _state(c)
    bumped = cluster.bump_epoch()
    cluster.changed()
    return reply.simple(b"%s %d" % (b"BUMPED" if bumped else b"STILL", cluster.my_epoch))


# CLUSTER SET-CONFIG-EPOCH epoch
@command("cluster|set-config-epoch", 3, _ADMIN, group="cluster")
def cluster_set_config_epoch(c, argv):
    cluster = _state(c)
    epoch = _integer(argv[2])
    if epoch < 0:
        raise CommandError(errors.CLUSTER_EPOCH_INVALID % epoch)
    if cluster.my_epoch != 0:
        raise CommandError(errors.CLUSTER_EPOCH_NONZERO)
    cluster.my_epoch = epoch
    if cluster.current_epoch < epoch:
        cluster.current_epoch = epoch
    cluster.changed()
    return reply.OK


# CLUSTER MEET ip port [cluster-bus-port]
@command("cluster|meet", -4, _ADMIN, group="cluster")
def cluster_meet(c, argv):
    _state(c)
    if len(argv) > 5:
        raise _subcommand_syntax(argv)
    port = parse_int(argv[3])
    if port is None:
        raise CommandError(errors.CLUSTER_MEET_PORT % errors.arg(argv[3]))
    if len(argv) == 5:
        bus = parse_int(argv[4])
        if bus is None:
            raise CommandError(errors.CLUSTER_MEET_BUS_PORT % errors.arg(argv[4]))
    else:
        bus = port + 10000
    if not _valid_ip(argv[2]) or not 0 <= port <= 65535 or not 0 <= bus <= 65535:
        raise CommandError(errors.CLUSTER_MEET_ADDRESS % (errors.arg(argv[2]), errors.arg(argv[3])))
    # Accepted as a lone Redis node accepts it; with no cluster bus the
    # handshake never starts.
    return reply.OK


def _valid_ip(arg):
    import socket
    try:
        text = arg.decode("ascii")
    except UnicodeDecodeError:
        return False
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, text)
            return True
        except OSError:
            pass
    return False


# CLUSTER FORGET node-id
@command("cluster|forget", 3, _ADMIN, group="cluster")
def cluster_forget(c, argv):
    _node(_state(c), argv[2])
    raise CommandError(errors.CLUSTER_FORGET_MYSELF)


# CLUSTER REPLICATE node-id
@command("cluster|replicate", 3, _ADMIN, group="cluster")
def cluster_replicate(c, argv):
    _node(_state(c), argv[2])
    raise CommandError(errors.CLUSTER_REPLICATE_MYSELF)


def _replicas(c, argv):
    _node(_state(c), argv[2])
    return reply.EMPTY_ARRAY


# CLUSTER REPLICAS node-id
@command("cluster|replicas", 3, "admin stale", group="cluster")
def cluster_replicas(c, argv):
    return _replicas(c, argv)


# CLUSTER SLAVES node-id
@command("cluster|slaves", 3, "admin stale", group="cluster")
def cluster_slaves(c, argv):
    return _replicas(c, argv)


# CLUSTER FAILOVER [FORCE|TAKEOVER]
@command("cluster|failover", -2, _ADMIN, group="cluster")
def cluster_failover(c, argv):
    _state(c)
    if len(argv) == 3:
        if argv[2].lower() not in (b"force", b"takeover"):
            raise errors.E_SYNTAX
    elif len(argv) > 3:
        raise _subcommand_syntax(argv)
    raise CommandError(errors.CLUSTER_FAILOVER_MASTER)


# CLUSTER RESET [HARD|SOFT]
@command("cluster|reset", -2, "admin noscript stale", group="cluster")
def cluster_reset(c, argv):
    cluster = _state(c)
    hard = False
    if len(argv) == 3:
        mode = argv[2].lower()
        if mode == b"hard":
            hard = True
        elif mode != b"soft":
            raise errors.E_SYNTAX
    elif len(argv) > 3:
        raise _subcommand_syntax(argv)
    if c.server.dbs[0].data:
        raise CommandError(errors.CLUSTER_RESET_KEYS)
    cluster.reset(hard)
    cluster.changed()
    return reply.OK


# CLUSTER SAVECONFIG
@command("cluster|saveconfig", 2, _ADMIN, group="cluster")
def cluster_saveconfig(c, argv):
    cluster = _state(c)
    try:
        cluster.save()
    except OSError as exc:
        raise CommandError(errors.CLUSTER_SAVE_FAILED % exc.strerror) from None
    return reply.OK


# READONLY
@command("readonly", 1, "loading stale fast", group="cluster")
def readonly(c, argv):
    # Reads from a replica: this node is a master, so only CLIENT LIST shows it.
    _state(c).readonly.add(c)
    return reply.OK


# READWRITE
@command("readwrite", 1, "loading stale fast", group="cluster")
def readwrite(c, argv):
    _state(c).readonly.discard(c)
    return reply.OK


# ASKING
@command("asking", 1, "fast", group="cluster")
def asking(c, argv):
    # Matters only for a slot being imported from another node, which needs a bus.
    _state(c)
    return reply.OK


def _forget(c):
    cluster = c.server.cluster
    if cluster is not None:
        cluster.readonly.discard(c)


@on_change("cluster-require-full-coverage")
def _coverage_changed(server, value):
    if server.cluster is not None:
        server.cluster.update_state()


Server.start_hooks.append(_cluster.start)
Server.close_hooks.append(_forget)
Server.reset_hooks.append(_forget)
