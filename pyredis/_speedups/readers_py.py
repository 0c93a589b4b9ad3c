"""The readers of a key in the tracking table, pure-Python twin of ``readers.pyx``."""


def remember_key(tracking, key, cid):
    """trackingRememberKeys for one key: the client ``cid`` read ``key``.

    ``tracking.table`` maps a key to the id of its one reader (an int costs
    no allocation) or to the set of the ids of several; ``tracking.extra``
    counts the readers beyond the first of each key.  A key new to the table
    that takes it past ``tracking.max_keys`` calls ``tracking.overflowed()``.
    """
    _remember(tracking, tracking.table, key, cid)


def _remember(tracking, table, key, cid):
    readers = table.get(key)
    if readers is None:
        table[key] = cid
        if len(table) > tracking.max_keys:
            tracking.overflowed()
        return
    # Read again by its one reader: the common case, one lookup.
    if readers is cid:
        return
    if readers.__class__ is int:
        if readers != cid:
            table[key] = {readers, cid}
            tracking.extra += 1
    elif cid not in readers:
        readers.add(cid)
        tracking.extra += 1


class Reader:
    """A client in CLIENT TRACKING's default mode: ``read`` after each of its reads.

    It holds ``tracking.table`` itself: the table is emptied, never replaced.
    """

    __slots__ = ("tracking", "table", "client", "cid")

    def __init__(self, tracking, client):
        self.tracking = tracking
        self.table = tracking.table
        self.client = client
        self.cid = client.id

    def read(self, at, cmd, argv):
        """The read ``cmd`` ran: its one key at ``at`` (``cmd.tracked_key``), or with -1
        ``tracking.remember``'s walk of its keys."""
        if at > 0:
            _remember(self.tracking, self.table, argv[at], self.cid)
        else:
            self.tracking.remember(self.client, at, cmd, argv)
