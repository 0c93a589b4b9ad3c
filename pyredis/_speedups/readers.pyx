# cython: language_level=3
"""The readers of a key in the tracking table, compiled twin of ``readers_py.py``.

Run for every read by a client that tracks its keys: one dict lookup and an
identity test in the common case, without a Python frame.
"""
from cpython.dict cimport PyDict_GetItemWithError
from cpython.ref cimport PyObject


def remember_key(tracking, key, cid):
    """trackingRememberKeys for one key: the client ``cid`` read ``key``.

    ``tracking.table`` maps a key to the id of its one reader (an int costs
    no allocation) or to the set of the ids of several; ``tracking.extra``
    counts the readers beyond the first of each key.  A key new to the table
    that takes it past ``tracking.max_keys`` calls ``tracking.overflowed()``.
    """
    _remember(tracking, tracking.table, key, cid)


cdef inline _remember(tracking, dict table, key, cid):
    # Borrowed; NULL with an error set raises (an unhashable key).
    cdef PyObject *found = PyDict_GetItemWithError(table, key)
    if found is NULL:
        table[key] = cid
        if len(table) > tracking.max_keys:
            tracking.overflowed()
        return
    # Read again by its one reader: the common case, one lookup.
    if found is <PyObject *>cid:
        return
    readers = <object>found
    if type(readers) is int:
        if readers != cid:
            table[key] = {readers, cid}
            tracking.extra += 1
    elif cid not in readers:
        (<set>readers).add(cid)
        tracking.extra += 1


cdef class Reader:
    """A client in CLIENT TRACKING's default mode: ``read`` after each of its reads.

    It holds ``tracking.table`` itself: the table is emptied, never replaced.
    """

    cdef readonly object tracking, client, cid
    cdef readonly dict table

    def __init__(self, tracking, client):
        self.tracking = tracking
        self.table = tracking.table
        self.client = client
        self.cid = client.id

    def read(self, Py_ssize_t at, cmd, argv):
        """The read ``cmd`` ran: its one key at ``at`` (``cmd.tracked_key``), or with -1
        ``tracking.remember``'s walk of its keys."""
        if at > 0:
            _remember(self.tracking, self.table, argv[at], self.cid)
        else:
            self.tracking.remember(self.client, at, cmd, argv)
