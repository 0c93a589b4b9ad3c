"""Value containers shared by the command groups, and what the rest of the server asks of them.

``ENCODINGS`` maps a value class to ``fn(value, config) -> bytes``: the name
OBJECT ENCODING reports for it (Redis's internal encodings: ``listpack``,
``intset``, ``hashtable`` ...).  Each type module registers its class when it
is imported; ``encoding_of`` is the single entry point.

``RandomIndex`` gives O(1) uniform random picks from a Python ``set`` or
``dict``, which have no random access of their own.
"""
import random

ENCODINGS = {}


def encoding_of(value, config):
    """OBJECT ENCODING of ``value``, or None for a class nobody registered."""
    fn = ENCODINGS.get(value.__class__)
    return None if fn is None else fn(value, config)


# Below this size a container is simply listed for each random pick: that is
# as cheap as keeping an index and costs no memory between calls.
SMALL = 64


class RandomIndex:
    """The members of a container in a list, with each member's position.

    Redis picks random elements in O(1) (``dictGetFairRandomKey``,
    ``intsetRandom``).  A Python set or dict cannot, and listing it per call
    is O(n).  So a container that is sampled gets this index once: a list for
    random positions and a dict for O(1) swap-removal.  The container keeps
    it in step on every insert and delete made through its own methods;
    ``members_for_sampling`` rebuilds it if the sizes ever disagree.
    """

    __slots__ = ("items", "pos")

    def __init__(self, members):
        items = self.items = list(members)
        self.pos = dict(zip(items, range(len(items))))

    def add(self, member):
        """Record ``member``, which must be new to the container."""
        self.pos[member] = len(self.items)
        self.items.append(member)

    def discard(self, member):
        i = self.pos.pop(member, None)
        if i is None:
            return
        items = self.items
        last = items.pop()
        if i < len(items):
            items[i] = last
            self.pos[last] = i


def members_for_sampling(container):
    """A list of the members of ``container`` for random picks by position.

    Small containers are listed afresh; bigger ones share their maintained
    ``RandomIndex`` list, which callers must not mutate themselves (deleting
    through the container's methods keeps it right).
    """
    n = len(container)
    if n <= SMALL:
        return list(container)
    index = container.index
    if index is None or len(index.items) != n:
        index = container.index = RandomIndex(container)
    return index.items


def random_member(container):
    items = members_for_sampling(container)
    return items[random.randrange(len(items))]
