"""MULTI / EXEC / DISCARD / WATCH / UNWATCH against a live pyredis, raw bytes."""
import socket
import time

import pytest

from respclient import RawClient, encode_command


def hello3(client):
    assert client.cmd("HELLO", "3").startswith(b"%")


def run_tx(client, *commands):
    """MULTI, the commands (each must be QUEUED), EXEC; EXEC's raw reply."""
    assert client.cmd("MULTI") == b"+OK\r\n"
    for cmd in commands:
        assert client.cmd(*cmd) == b"+QUEUED\r\n", cmd
    return client.cmd("EXEC")


# ---- MULTI / EXEC / DISCARD ----------------------------------------------

def test_exec_replies_array_of_results(raw):
    assert run_tx(raw, ("SET", "k", "v"), ("GET", "k"), ("PING",)) == b"*3\r\n+OK\r\n$1\r\nv\r\n+PONG\r\n"
    assert raw.cmd("GET", "k") == b"$1\r\nv\r\n"


def test_empty_transaction(raw):
    assert run_tx(raw) == b"*0\r\n"


def test_errors_outside_multi(raw):
    assert raw.cmd("EXEC") == b"-ERR EXEC without MULTI\r\n"
    assert raw.cmd("DISCARD") == b"-ERR DISCARD without MULTI\r\n"


def test_nested_multi_and_watch_inside_multi_do_not_abort(raw):
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("MULTI") == b"-ERR MULTI calls can not be nested\r\n"
    assert raw.cmd("WATCH", "x") == b"-ERR WATCH inside MULTI is not allowed\r\n"
    assert raw.cmd("SET", "a", "1") == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == b"*1\r\n+OK\r\n"


@pytest.mark.parametrize("bad", [("NOSUCHCMD", "x"), ("GET",), ("WATCH",), ("MULTI", "x"), ("DISCARD", "x")])
def test_rejected_command_while_queueing_aborts(raw, bad):
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("SET", "k", "v") == b"+QUEUED\r\n"
    assert raw.cmd(*bad).startswith(b"-ERR ")
    assert raw.cmd("SET", "k2", "v") == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    assert raw.cmd("GET", "k") == b"$-1\r\n"
    assert raw.cmd("EXEC") == b"-ERR EXEC without MULTI\r\n"
    # The abort state does not leak into the next transaction.
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_rejected_exec_discards_the_transaction(raw):
    abort = b"-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"
    assert raw.cmd("EXEC", "x") == abort
    raw.cmd("MULTI")
    raw.cmd("SET", "k", "v")
    assert raw.cmd("EXEC", "x") == abort
    assert raw.cmd("EXEC") == b"-ERR EXEC without MULTI\r\n"
    assert raw.cmd("GET", "k") == b"$-1\r\n"


def test_exec_in_subscribed_context_aborts(raw):
    raw.cmd("SUBSCRIBE", "c")
    assert raw.cmd("EXEC") == (
        b"-EXECABORT Transaction discarded because of: Can't execute 'exec': only (P|S)SUBSCRIBE / "
        b"(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n")


def test_exec_before_auth_aborts(start_server):
    proc = start_server("--requirepass", "pw")
    c = RawClient(proc.port)
    assert c.cmd("EXEC") == b"-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n"
    assert c.cmd("MULTI") == b"-NOAUTH Authentication required.\r\n"
    c.close()


def test_runtime_error_does_not_stop_the_rest(raw):
    assert run_tx(raw, ("SET", "a", "1"), ("SELECT", "999"), ("SET", "b", "2")) == (
        b"*3\r\n+OK\r\n-ERR DB index is out of range\r\n+OK\r\n")
    assert raw.cmd("GET", "b") == b"$1\r\n2\r\n"


def test_runtime_wrongtype_inside_exec(raw):
    assert run_tx(raw, ("SET", "s", "abc"), ("INCR", "s"), ("GET", "s")) == (
        b"*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$3\r\nabc\r\n")


def test_discard_drops_the_queue(raw):
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("SET", "k", "v") == b"+QUEUED\r\n"
    assert raw.cmd("DISCARD") == b"+OK\r\n"
    assert raw.cmd("GET", "k") == b"$-1\r\n"
    assert raw.cmd("EXEC") == b"-ERR EXEC without MULTI\r\n"


def test_pipelined_transaction(raw):
    raw.send(encode_command("MULTI") + encode_command("SET", "p", "1") + encode_command("GET", "p")
             + encode_command("EXEC") + encode_command("GET", "p"))
    got = b"".join(raw.read_reply() for _ in range(5))
    assert got == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\n1\r\n$1\r\n1\r\n"


def test_select_inside_transaction_applies_to_later_commands(raw):
    assert run_tx(raw, ("SELECT", "3"), ("SET", "k", "db3")) == b"*2\r\n+OK\r\n+OK\r\n"
    assert raw.cmd("GET", "k") == b"$3\r\ndb3\r\n"
    raw.cmd("SELECT", "0")
    assert raw.cmd("GET", "k") == b"$-1\r\n"


def test_no_other_client_runs_between_queued_commands(raw, raw_factory):
    other = raw_factory()
    assert raw.cmd("MULTI") == b"+OK\r\n"
    for i in range(50):
        assert raw.cmd("SET", "k", str(i)) == b"+QUEUED\r\n"
    # The other client's command waits behind the whole EXEC.
    raw.send(encode_command("EXEC"))
    other.send(encode_command("GET", "k"))
    assert raw.read_reply() == b"*50\r\n" + b"+OK\r\n" * 50
    assert other.read_reply() == b"$2\r\n49\r\n"


def test_blocking_command_inside_multi_does_not_block(raw):
    assert run_tx(raw, ("BLPOP", "nolist", "0"), ("PING",)) == b"*2\r\n*-1\r\n+PONG\r\n"


def test_clients_blocked_on_a_key_are_served_after_exec(raw, raw_factory):
    waiter = raw_factory()
    waiter.send(encode_command("BLPOP", "l", "0"))
    deadline = time.time() + 5
    while b"blocked_clients:1\r\n" not in raw.cmd("INFO", "clients") and time.time() < deadline:
        time.sleep(0.01)
    # Served once EXEC is over: LPOP inside the transaction takes "a" first.
    assert run_tx(raw, ("RPUSH", "l", "a"), ("LPOP", "l"), ("RPUSH", "l", "b")) == (
        b"*3\r\n:1\r\n$1\r\na\r\n:1\r\n")
    assert waiter.read_reply() == b"*2\r\n$1\r\nl\r\n$1\r\nb\r\n"
    assert raw.cmd("EXISTS", "l") == b":0\r\n"


def test_exec_in_resp3(raw):
    hello3(raw)
    assert run_tx(raw, ("SET", "k", "v"), ("GET", "nokey")) == b"*2\r\n+OK\r\n_\r\n"


# ---- WATCH ---------------------------------------------------------------

def test_watch_unmodified_key_executes(raw):
    raw.cmd("SET", "k", "1")
    assert raw.cmd("WATCH", "k", "other") == b"+OK\r\n"
    assert run_tx(raw, ("SET", "k", "2")) == b"*1\r\n+OK\r\n"


def test_watch_modified_by_other_client_fails(raw, raw_factory):
    other = raw_factory()
    assert raw.cmd("WATCH", "k") == b"+OK\r\n"
    other.cmd("SET", "k", "x")
    assert run_tx(raw, ("SET", "k", "mine")) == b"*-1\r\n"
    assert raw.cmd("GET", "k") == b"$1\r\nx\r\n"


@pytest.mark.parametrize("write", [("SET", "k", "x"), ("MSET", "a", "1", "k", "x", "b", "2"),
                                   ("MSET", "k", "x", "k", "y")])
def test_watch_sees_set_and_mset_of_existing_and_new_keys(raw, raw_factory, write):
    other = raw_factory()
    for existing in (False, True):
        if existing:
            other.cmd("SET", "k", "old")
        assert raw.cmd("WATCH", "k") == b"+OK\r\n"
        other.cmd(*write)
        assert run_tx(raw, ("GET", "k")) == b"*-1\r\n"
        other.cmd("DEL", "k")


def test_watch_failure_is_null_in_resp3(raw, raw_factory):
    hello3(raw)
    raw.cmd("WATCH", "k")
    raw_factory().cmd("SET", "k", "x")
    assert run_tx(raw, ("PING",)) == b"_\r\n"


def test_watch_modified_by_same_client_fails(raw):
    raw.cmd("WATCH", "k")
    raw.cmd("SET", "k", "1")
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


def test_write_of_same_value_counts_as_modification(raw, raw_factory):
    raw.cmd("SET", "k", "same")
    raw.cmd("WATCH", "k")
    raw_factory().cmd("SET", "k", "same")
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


def test_watch_other_db_is_independent(raw, raw_factory):
    other = raw_factory()
    raw.cmd("WATCH", "k")
    other.cmd("SELECT", "1")
    other.cmd("SET", "k", "v")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_unwatch_forgets_modifications(raw, raw_factory):
    raw.cmd("WATCH", "k")
    raw_factory().cmd("SET", "k", "x")
    assert raw.cmd("UNWATCH") == b"+OK\r\n"
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_watch_after_dirty_stays_dirty(raw, raw_factory):
    raw.cmd("WATCH", "k")
    raw_factory().cmd("SET", "k", "x")
    assert raw.cmd("WATCH", "j") == b"+OK\r\n"
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


def test_exec_and_discard_unwatch(raw, raw_factory):
    other = raw_factory()
    raw.cmd("WATCH", "k")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"
    other.cmd("SET", "k", "1")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"
    raw.cmd("WATCH", "k")
    raw.cmd("MULTI")
    raw.cmd("DISCARD")
    other.cmd("SET", "k", "2")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_failed_exec_unwatches_too(raw, raw_factory):
    other = raw_factory()
    raw.cmd("WATCH", "k")
    other.cmd("SET", "k", "1")
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"
    other.cmd("SET", "k", "2")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_unwatch_inside_multi_is_queued(raw):
    raw.cmd("MULTI")
    assert raw.cmd("UNWATCH") == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == b"*1\r\n+OK\r\n"


def test_watch_arity(raw):
    assert raw.cmd("WATCH") == b"-ERR wrong number of arguments for 'watch' command\r\n"


def test_watch_missing_key_then_created(raw, raw_factory):
    raw.cmd("WATCH", "k")
    raw_factory().cmd("SET", "k", "v")
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


def test_del_of_missing_watched_key_is_not_a_modification(raw, raw_factory):
    raw.cmd("WATCH", "k")
    assert raw_factory().cmd("DEL", "k") == b":0\r\n"
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


@pytest.mark.parametrize("write", [
    ("DEL", "k"), ("EXPIRE", "k", "100"), ("PERSIST", "k"), ("RENAME", "k", "k2"), ("RENAME", "src", "k"),
    ("MOVE", "k", "5"), ("APPEND", "k", "x"), ("INCR", "n"), ("UNLINK", "k"), ("COPY", "src", "k", "REPLACE"),
    ("GETDEL", "k"), ("SETRANGE", "k", "0", "x"), ("GETEX", "k", "EX", "100"),
])
def test_keyspace_writes_touch_watchers(raw, raw_factory, write):
    raw.cmd("SET", "k", "1")
    raw.cmd("SET", "n", "1")
    raw.cmd("SET", "src", "s")
    raw.cmd("EXPIRE", "k", "1000") if write[0] == "PERSIST" else None
    raw.cmd("WATCH", "k", "n")
    assert not raw_factory().cmd(*write).startswith(b"-")
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


@pytest.mark.parametrize("flush", [("FLUSHALL",), ("FLUSHDB",)])
def test_flush_touches_existing_watched_keys(raw, raw_factory, flush):
    other = raw_factory()
    raw.cmd("SET", "k", "1")
    raw.cmd("WATCH", "k")
    other.cmd(*flush)
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"
    # A watched key that did not exist is not modified by a flush.
    raw.cmd("WATCH", "k")
    other.cmd(*flush)
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_flushdb_of_another_db_leaves_watchers_clean(raw, raw_factory):
    other = raw_factory()
    other.cmd("SELECT", "1")
    other.cmd("SET", "k", "1")
    raw.cmd("SET", "k", "0")
    raw.cmd("WATCH", "k")
    other.cmd("FLUSHDB")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_swapdb_touches_watchers(raw, raw_factory):
    other = raw_factory()
    # The key exists only in the db swapped in.
    other.cmd("SELECT", "1")
    other.cmd("SET", "k", "v")
    raw.cmd("WATCH", "k")
    assert other.cmd("SWAPDB", "0", "1") == b"+OK\r\n"
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"
    # Missing on both sides: nothing changed.
    raw.cmd("WATCH", "nokey")
    other.cmd("SWAPDB", "0", "1")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


# ---- WATCH and expiry ------------------------------------------------------

def test_key_expiring_between_watch_and_exec_fails(raw):
    raw.cmd("SET", "k", "v")
    raw.cmd("PEXPIRE", "k", "40")
    raw.cmd("WATCH", "k")
    time.sleep(0.06)
    # Nobody touched the key: EXEC itself notices the expiry.
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


def test_key_already_expired_at_watch_then_deleted_is_not_a_change(raw, raw_factory):
    raw.cmd("SET", "k", "v")
    raw.cmd("PEXPIRE", "k", "1")
    time.sleep(0.01)
    raw.cmd("WATCH", "k")
    # A read expires it lazily (or the active cycle did): logically no change.
    assert raw_factory().cmd("GET", "k") == b"$-1\r\n"
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_key_already_expired_at_watch_then_written_fails(raw, raw_factory):
    raw.cmd("SET", "k", "v")
    raw.cmd("PEXPIRE", "k", "1")
    time.sleep(0.01)
    raw.cmd("WATCH", "k")
    raw_factory().cmd("SET", "k", "new")
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


def test_key_already_expired_at_watch_then_flushed_is_not_a_change(raw, raw_factory):
    raw.cmd("SET", "k", "v")
    raw.cmd("PEXPIRE", "k", "1")
    time.sleep(0.01)
    raw.cmd("WATCH", "k")
    raw_factory().cmd("FLUSHALL")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"


def test_active_expiry_of_watched_key_fails_exec(raw):
    raw.cmd("SET", "k", "v")
    raw.cmd("PEXPIRE", "k", "10")
    raw.cmd("WATCH", "k")
    deadline = time.time() + 3
    while raw.cmd("DBSIZE") != b":0\r\n" and time.time() < deadline:
        time.sleep(0.05)
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


# ---- RESET and disconnect --------------------------------------------------

def test_reset_discards_and_unwatches(raw, raw_factory):
    raw.cmd("WATCH", "k")
    raw.cmd("MULTI")
    raw.cmd("SET", "k", "queued")
    assert raw.cmd("RESET") == b"+RESET\r\n"
    assert raw.cmd("EXEC") == b"-ERR EXEC without MULTI\r\n"
    raw_factory().cmd("SET", "k", "x")
    assert run_tx(raw, ("PING",)) == b"*1\r\n+PONG\r\n"
    assert raw.cmd("GET", "k") == b"$1\r\nx\r\n"


def test_watcher_disconnect_does_not_disturb_others(raw, raw_factory):
    gone = raw_factory()
    gone.cmd("WATCH", "k")
    raw.cmd("WATCH", "k")
    gone.close()
    time.sleep(0.05)
    raw_factory().cmd("SET", "k", "1")
    assert run_tx(raw, ("PING",)) == b"*-1\r\n"


# ---- in-process: the WATCH registry never keeps dead entries ---------------

@pytest.fixture
def local_server():
    from pyredis.config import Config
    from pyredis.server import Server
    server = Server(Config(), lambda level, msg: None)
    socks = []

    def client():
        from pyredis.client import Client
        a, b = socket.socketpair()
        socks.extend((a, b))
        c = Client(server, a, server.next_client_id)
        server.next_client_id += 1
        server.clients[c.id] = c
        return c

    server.new_client = client
    yield server
    for s in socks:
        s.close()


def _run(c, *args):
    from pyredis.dispatch import execute
    before = len(c.out)
    execute(c, [a.encode() if isinstance(a, str) else a for a in args])
    return b"".join(x if isinstance(x, bytes) else x.encode(c.resp) for x in c.out[before:])


def test_watch_registry_is_cleaned(local_server):
    db = local_server.dbs[0]
    a, b = local_server.new_client(), local_server.new_client()
    _run(a, "WATCH", "k1", "k2")
    _run(b, "WATCH", "k2")
    _run(a, "SELECT", "2")
    _run(a, "WATCH", "k1")
    assert set(db.watched) == {b"k1", b"k2"}
    assert local_server.dbs[2].watched == {b"k1": {a}}
    _run(a, "MULTI")
    _run(a, "EXEC")
    assert db.watched == {b"k2": {b}} and not local_server.dbs[2].watched
    assert a.watching is None
    local_server.free_client(b)
    assert db.watched == {}
    _run(a, "WATCH", "x")
    _run(a, "UNWATCH")
    assert local_server.dbs[2].watched == {}
    _run(a, "WATCH", "x")
    _run(a, "MULTI")
    _run(a, "DISCARD")
    assert local_server.dbs[2].watched == {}


def test_exec_restores_deny_blocking(local_server):
    a = local_server.new_client()
    _run(a, "MULTI")
    _run(a, "PING")
    assert _run(a, "EXEC") == b"*1\r\n+PONG\r\n"
    assert a.deny_blocking is False and a.multi is None


def test_move_touches_watchers_in_the_target_db(raw, raw_factory):
    watcher = raw_factory()
    watcher.cmd("SELECT", "5")
    watcher.cmd("WATCH", "k")
    raw.cmd("SET", "k", "v")
    assert raw.cmd("MOVE", "k", "5") == b":1\r\n"
    assert run_tx(watcher, ("PING",)) == b"*-1\r\n"
