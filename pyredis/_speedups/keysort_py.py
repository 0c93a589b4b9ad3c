"""Keys in bytewise order (the order of Redis's rax), pure-Python twin of ``keysort.pyx``."""


def sort_keys(keys):
    """The bytes of ``keys`` (an iterable) as a new list in ascending bytewise order."""
    return sorted(keys)
