"""The replication history an RDB file carries (Redis's rdbSaveInfo): repl-stream-db, repl-id, repl-offset.

A snapshot taken by a node that is part of a replication chain records its
replication ID and offset, and the db its stream last selected; a node that
starts from that file takes them back, so a restarted replica (or a master
restarted from its own dump) can PSYNC partially instead of syncing in full.
"""
from .. import clock

RUN_ID_SIZE = 40


def save_info(server):
    """rdbPopulateSaveInfo: (stream db, replid, offset) for the aux fields, or None when nothing to record."""
    repl = getattr(server, "repl", None)
    if repl is None:
        return None
    link = getattr(server, "master_link", None)
    if link is None:
        if repl.backlog is None:
            return None
        master = getattr(server, "master", None)
        seldb = master.seldb if master is not None else -1
        # -1: no write since the last full sync; the next one selects its db anyway.
        return (max(seldb, 0), repl.replid, repl.master_repl_offset)
    if link.client is not None:
        db_id = link.client.db.id
    elif link.cached is not None:
        db_id = link.cached.db_id
    else:
        return None
    return (db_id, repl.replid, repl.master_repl_offset)


def _number(value):
    """atoi/strtoll: the leading integer of ``value``, 0 when there is none."""
    text = value.strip()
    end = 1 if text[:1] in (b"-", b"+") else 0
    while end < len(text) and 48 <= text[end] <= 57:
        end += 1
    try:
        return int(text[:end])
    except ValueError:
        return 0


def read_info(aux):
    """The (stream db, replid, offset) an RDB's aux fields hold, or None unless all three are valid."""
    replid = aux.get(b"repl-id")
    if replid is None or len(replid) != RUN_ID_SIZE:
        return None
    db_id = _number(aux[b"repl-stream-db"]) if b"repl-stream-db" in aux else -1
    offset = _number(aux[b"repl-offset"]) if b"repl-offset" in aux else -1
    if db_id == -1 or offset == -1:
        return None
    return (db_id, replid.decode("latin-1"), offset)


def begin_startup_load(server):
    """loadDataFromDisk's start on a master: the ``expired`` callback of the load, or None.

    A master leaves out the keys the file holds already expired and feeds a
    DEL (UNLINK with lazyfree-lazy-expire) for each into a backlog made for
    them (RDBFLAGS_FEED_REPL), so replicas that continue the file's history
    drop them too.  ``restore`` keeps that backlog only if the file had a history.
    """
    master = getattr(server, "master", None)
    if master is None or getattr(server, "master_link", None) is not None:
        return None
    server.repl.create_backlog()
    master.start_listening()
    command = b"UNLINK" if server.config["lazyfree-lazy-expire"] else b"DEL"

    def expired(db_id, key):
        master.propagate(db_id, [command, key])
    return expired


def restore(server, aux):
    """loadDataFromDisk's end: take back the replication ID and offset of the file just loaded."""
    info = read_info(aux)
    repl = server.repl
    if info is None:
        if getattr(server, "master_link", None) is None and repl.backlog is not None:
            # No history to continue: the DELs' backlog goes (their bytes stay counted, as Redis's).
            repl.free_backlog()
            master = getattr(server, "master", None)
            if master is not None:
                master.stop_listening()
        return
    db_id, replid, offset = info
    link = getattr(server, "master_link", None)
    if link is not None:
        # replicationCacheMasterUsingMyself with the file's history: a PSYNC may continue it.
        from .replica import MasterState
        repl.replid = replid
        repl.master_repl_offset = offset
        server.log("notice", "Before turning into a replica, using my own master parameters to "
                             "synthesize a cached master: I may be able to synchronize with the new "
                             "master with just a partial transfer.")
        link.cached = MasterState(replid, offset, db_id if 0 <= db_id < len(server.dbs) else 0)
        return
    # A master keeps the file's history as its second ID: its old replicas may continue.
    repl.replid2 = replid
    repl.second_replid_offset = offset + 1
    # Rebased on the file's offset: the DELs of expired keys follow it in the backlog.
    repl.master_repl_offset += offset
    repl.create_backlog()
    repl.backlog_off = repl.master_repl_offset - repl.histlen + 1
    master = getattr(server, "master", None)
    if master is not None:
        master.no_replicas_since = int(clock.time())
        # The first writes already belong to the continued history's backlog.
        master.start_listening()
