"""The propagation stream: what each command changed, as commands, for the AOF and replicas.

After a command runs through ``dispatch.call()`` and moved ``server.dirty``,
its argv (or what its handler rewrote it to) joins the pending operations of
the running execution unit; when the outermost call returns they go to every
listener, wrapped in MULTI ... EXEC when there is more than one (Redis's
``alsoPropagate`` and ``propagatePendingCommands``).  A command that ran
other commands (EXEC, a script) propagates their effects instead of itself.
An expiry's delete joins the effects of the command that met the key, or
goes out at once from the active expiry cycle (Redis's ``propagateDeletion``).

Listeners are called ``listener(db_id, argv)`` and keep their own idea of the
selected db.  With no listener the stream costs dispatch one flag test.
"""

MULTI = [b"MULTI"]
EXEC = [b"EXEC"]


class Propagation:
    def __init__(self, server):
        self.server = server
        self.listeners = []
        self.ops = []
        self.depth = 0
        # What the running command propagates instead of its argv: None (as
        # called, if it changed something), True (as called, in any case),
        # False (nothing) or an argv; saved and restored per nested call.
        self.current = None
        # Ops appended for calls that ended: a command whose nested calls
        # propagated something does not propagate itself.
        self.called = 0

    def add_listener(self, listener):
        self.listeners.append(listener)
        self.server.propagating = True

    def remove_listener(self, listener):
        if listener in self.listeners:
            self.listeners.remove(listener)
        self.server.propagating = bool(self.listeners)

    # ---- the API handlers use -------------------------------------------
    def rewrite(self, argv):
        """The running command propagates as ``argv`` (a list of bytes) instead of itself."""
        if self.depth:
            self.current = argv

    def prevent(self):
        """The running command propagates nothing of itself (what it added with ``also`` stays)."""
        if self.depth:
            self.current = False

    def force(self):
        """The running command propagates as called even if it changed nothing (FLUSHDB of an empty db)."""
        if self.depth and self.current is None:
            self.current = True

    def also(self, db_id, argv):
        """Propagate ``argv`` in ``db_id`` as part of the running command's effects."""
        if self.depth:
            self.ops.append((db_id, argv))

    def now(self, db_id, argv):
        """Propagate ``argv`` at once, outside any execution unit."""
        for listener in self.listeners:
            listener(db_id, argv)

    def expired(self, db_id, argv):
        """An expiry's delete: part of the running command's effects, else at once (active expiry)."""
        if self.depth:
            self.ops.append((db_id, argv))
        else:
            self.now(db_id, argv)

    # ---- dispatch.call() -------------------------------------------------
    def begin(self):
        self.depth += 1
        saved = self.current
        self.current = None
        return self.called, saved

    def end(self, c, argv, changed, mark):
        start, saved = mark
        own = self.current
        self.current = saved
        if own is True:
            own = None
            changed = True
        if changed and own is not False:
            if own is not None:
                self.ops.append((c.db.id, own))
                self.called += 1
            elif self.called == start:
                self.ops.append((c.db.id, argv))
                self.called += 1
        self.depth -= 1
        if not self.depth and self.ops:
            self.flush()

    def flush(self):
        ops, self.ops = self.ops, []
        listeners = self.listeners
        if len(ops) == 1:
            db_id, argv = ops[0]
            for listener in listeners:
                listener(db_id, argv)
            return
        # MULTI takes the first op's db, EXEC the last one's, so no SELECT
        # lands between EXEC and what it closes.
        for listener in listeners:
            listener(ops[0][0], MULTI)
            for db_id, argv in ops:
                listener(db_id, argv)
            listener(ops[-1][0], EXEC)
