"""Keys in bytewise order (the order of Redis's rax), pure-Python twin of ``keysort.pyx``."""


def sort_keys(keys):
    """The keys of ``keys`` (an iterable) as a new list in ascending bytewise order.

    Keys that are not bytes (a memoryview) come back as bytes.
    """
    try:
        return sorted(keys)
    except TypeError:
        return sorted(k if k.__class__ is bytes else bytes(k) for k in keys)
