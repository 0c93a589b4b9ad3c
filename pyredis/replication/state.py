"""What a node knows of its replication history: IDs, offset and backlog (Redis's PSYNC2 state).

``server.repl`` holds one ``ReplicationState``.  Everything a master sends its
replicas goes through ``feed()``: it moves ``master_repl_offset``, lands in the
backlog (when one exists) and reaches every listener, so a replica that
forwards its master's stream to its own replicas (a chain) feeds the same way.
"""

import os

NO_REPLID = "0" * 40


def new_replid():
    return os.urandom(20).hex()


class ReplicationState:
    def __init__(self, backlog_size):
        self.replid = new_replid()
        self.replid2 = NO_REPLID
        # The offset up to which replid2 is valid, plus one (-1: none).
        self.second_replid_offset = -1
        self.master_repl_offset = 0
        self.backlog_size = backlog_size
        # None until the first replica attaches (repl_backlog_active:0).
        self.backlog = None
        # Offset of the backlog's first byte, and how many bytes it holds.
        self.backlog_off = 0
        self.histlen = 0
        # Callables fed every chunk after it joined the backlog.
        self.listeners = []
        # True while a replica applies its master's stream: the master side
        # then leaves what those commands propagate to the master's own bytes.
        self.proxying = False

    # ---- the stream --------------------------------------------------------
    def feed(self, data):
        """Append ``data`` (RESP bytes) to the replication stream."""
        if self.backlog is not None:
            self._append(data)
        self.master_repl_offset += len(data)
        for listener in self.listeners:
            listener(data)

    def _append(self, data):
        backlog = self.backlog
        backlog += data
        self.histlen += len(data)
        excess = len(backlog) - self.backlog_size
        if excess > 0:
            del backlog[:excess]
            self.histlen = len(backlog)
        self.backlog_off = self.master_repl_offset + len(data) - self.histlen + 1

    # ---- the backlog -------------------------------------------------------
    def create_backlog(self):
        if self.backlog is None:
            self.backlog = bytearray()
            self.histlen = 0
            self.backlog_off = self.master_repl_offset + 1

    def free_backlog(self):
        self.backlog = None
        self.histlen = 0
        self.backlog_off = 0

    def resize_backlog(self, size):
        self.backlog_size = size
        if self.backlog is not None and len(self.backlog) > size:
            del self.backlog[:len(self.backlog) - size]
            self.histlen = len(self.backlog)
            self.backlog_off = self.master_repl_offset - self.histlen + 1

    def backlog_from(self, offset):
        """The bytes from ``offset`` (1-based, as PSYNC asks) to the end, or None if not held."""
        if self.backlog is None or offset < self.backlog_off:
            return None
        if offset > self.master_repl_offset + 1:
            return None
        return bytes(self.backlog[offset - self.backlog_off:])

    # ---- IDs ---------------------------------------------------------------
    def can_continue(self, replid, offset):
        """Whether PSYNC ``replid`` ``offset`` can continue from the backlog (masterTryPartialResynchronization)."""
        if replid != self.replid and (replid != self.replid2 or offset > self.second_replid_offset):
            return False
        return self.backlog_from(offset) is not None

    def shift_replid(self):
        """A new history starts here (promotion): the old ID stays valid up to the current offset."""
        self.replid2 = self.replid
        self.second_replid_offset = self.master_repl_offset + 1
        self.replid = new_replid()

    def change_replid(self):
        """A history unrelated to the old one (DEBUG change-repl-id, a fresh start)."""
        self.replid = new_replid()
        self.replid2 = NO_REPLID
        self.second_replid_offset = -1
