"""Functions RQ workers run (importable by name, as RQ requires)."""


def add(a, b):
    return a + b


def fail():
    raise ValueError("boom")
