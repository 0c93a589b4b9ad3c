"""Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN ...).

A blocking handler that finds nothing calls ``block``.  When a key of a
blocking type is created, every client waiting on it is retried, first come
first served, by running its command again; a retry that finds data replies
and unblocks.  Ready keys are served after each top-level command, so a write
inside MULTI wakes clients only once EXEC is done.
"""
import collections
import heapq

from . import clock
from . import errors, reply
from . import longdouble
from .numbers import INT64_MAX, INT64_MIN, parse_int


class BlockState:
    __slots__ = ("db", "keys", "deadline", "timeout_reply", "argv", "cmd", "types", "gone_error")

    def __init__(self, db, keys, deadline, timeout_reply, argv, cmd, types):
        self.db = db
        self.keys = keys
        self.deadline = deadline
        self.timeout_reply = timeout_reply
        self.argv = argv
        self.cmd = cmd
        self.types = types
        # The error to answer if a key it waits on is found deleted or of
        # another type when served (a blocked XREADGROUP); None keeps it waiting.
        self.gone_error = None


class Blocking:
    def __init__(self, server):
        self.server = server
        self.waiting = {}
        self.ready = []
        self._ready_set = set()
        self._deadlines = []
        self._seq = 0
        # The key a retried client is being served from (Redis serves a woken
        # client from the key that became ready, not from its first key).
        self.serving = None

    def block(self, c, keys, deadline, timeout_reply, types):
        """Block ``c`` on ``keys`` until ``deadline`` (seconds, 0 = forever).

        Returns the reply the handler should give now: the timeout reply when
        the client may not block (MULTI, scripts), else None.
        """
        if c.deny_blocking:
            return timeout_reply
        if c.blocked is not None:
            return None
        state = BlockState(c.db, keys, deadline, timeout_reply, c.argv, c.cmd, types)
        c.blocked = state
        for key in keys:
            self.waiting.setdefault((c.db.id, key), collections.deque()).append(c)
        if deadline:
            self._seq += 1
            heapq.heappush(self._deadlines, (deadline, self._seq, c, state))
        self.server.stats.blocked_clients += 1
        return None

    def key_created(self, db, key):
        token = (db.id, key)
        if token in self.waiting and token not in self._ready_set:
            self._ready_set.add(token)
            self.ready.append((db, key))

    def serve_ready(self):
        while self.ready:
            ready, self.ready = self.ready, []
            self._ready_set.clear()
            for db, key in ready:
                queue = self.waiting.get((db.id, key))
                if not queue:
                    continue
                for c in list(queue):
                    value = db.lookup(key)
                    state = c.blocked
                    if state is None:
                        continue
                    if value is None or value.__class__ not in state.types:
                        if state.gone_error is not None:
                            self.release_with_error(c, state.gone_error)
                        continue
                    self._retry(c, state, key)

    def candidates(self, keys):
        """The keys a blocking handler should try: only the ready one when serving a retry."""
        serving = self.serving
        if serving is not None and serving in keys:
            return (serving,)
        return keys

    def _retry(self, c, state, key):
        from .dispatch import call
        saved_db = c.db
        c.db = state.db
        self.serving = key
        try:
            result = call(c, state.cmd, state.argv)
        finally:
            c.db = saved_db
            self.serving = None
        if result is not None:
            self.unblock(c, result)

    def unblock(self, c, result):
        """Take ``c`` out of every wait queue and send ``result`` (None sends nothing)."""
        state = c.blocked
        if state is None:
            return
        c.blocked = None
        for key in state.keys:
            token = (state.db.id, key)
            queue = self.waiting.get(token)
            if queue is not None:
                try:
                    queue.remove(c)
                except ValueError:
                    pass
                if not queue:
                    del self.waiting[token]
        self.server.stats.blocked_clients -= 1
        if result is not None:
            c.reply(result)
            self.server.unblocked.append(c)

    def next_deadline(self):
        while self._deadlines and self._deadlines[0][2].blocked is not self._deadlines[0][3]:
            heapq.heappop(self._deadlines)
        return self._deadlines[0][0] if self._deadlines else None

    def expire_timeouts(self, now):
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            _, _, c, state = heapq.heappop(heap)
            if c.blocked is state:
                self.release(c, state.timeout_reply)

    def release(self, c, result):
        """Unblock without serving (timeout, CLIENT UNBLOCK): the command counts as called now."""
        state = c.blocked
        state.cmd.meter.calls += 1
        self.server.stats.total_commands += 1
        self.unblock(c, result)

    def release_with_error(self, c, error):
        """Unblock with an error reply, counted in errorstats and failed_calls as a command's error."""
        c.blocked.cmd.failed_calls += 1
        self.server.stats.count_error(error.code)
        self.release(c, error.reply)


def parse_timeout(value):
    """A blocking timeout in seconds as an absolute deadline (0 = forever).

    Redis 7.0 (getTimeoutFromObjectOrReply) reads it with strtold, computes
    ``(long long) ceill(t * 1000)`` in long double arithmetic and rejects a
    negative result; an out-of-range conversion yields LLONG_MIN, so huge
    values and infinities are "negative" too.
    """
    ld = longdouble.parse(value)
    if ld is None:
        raise errors.CommandError(errors.TIMEOUT_NOT_FLOAT)
    ms = _ceil_ms(ld)
    if ms < 0:
        raise errors.CommandError(errors.TIMEOUT_NEGATIVE)
    if ms == 0:
        return 0
    return clock.time() + ms / 1000.0


def _ceil_ms(ld):
    if ld is longdouble.INF or ld is longdouble.NEG_INF:
        return INT64_MIN
    negative, mantissa, exp = ld
    if mantissa == 0:
        return 0
    product = longdouble.multiply(ld, 1000)
    if product is longdouble.INF or product is longdouble.NEG_INF:
        return INT64_MIN
    negative, mantissa, exp = product
    if exp >= 0:
        magnitude = mantissa << exp
        ms = -magnitude if negative else magnitude
    else:
        whole, rest = divmod(mantissa, 1 << -exp)
        ms = -whole if negative else whole + (1 if rest else 0)
    if not INT64_MIN <= ms <= INT64_MAX:
        return INT64_MIN
    return ms


def unblock_command(server, target, mode_error):
    """CLIENT UNBLOCK: 1 if ``target`` was blocked and is now released."""
    if target is None or target.blocked is None:
        return reply.ZERO
    if mode_error:
        server.blocking.release_with_error(target, errors.CommandError(errors.UNBLOCKED))
    else:
        server.blocking.release(target, target.blocked.timeout_reply)
    return reply.ONE


__all__ = ["Blocking", "parse_timeout", "unblock_command", "parse_int"]
