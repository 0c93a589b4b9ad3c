"""Fixtures that hand each twin test both implementations.

Each twin module is imported directly by name, never through the chooser in
``pyredis._speedups``: a missing or stale build must fail these tests, not
quietly run the pure-Python twin twice.
"""
import importlib
import importlib.machinery

import pytest

# Suffix added to the compiled module's name to get its pure-Python twin.
TWIN_SUFFIXES = {"cython": "", "python": "_py"}


def import_twin(name, kind):
    """Import ``pyredis._speedups.<name>`` (compiled) or ``<name>_py`` (pure)."""
    module = importlib.import_module("pyredis._speedups." + name + TWIN_SUFFIXES[kind])
    if kind == "cython" and not module.__file__.endswith(
            tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        raise ImportError("%s is not a compiled extension: %s" % (module.__name__, module.__file__))
    return module


@pytest.fixture(scope="session", params=sorted(TWIN_SUFFIXES))
def resp(request):
    """The RESP parser module, once per twin."""
    return import_twin("resp", request.param)


@pytest.fixture(scope="session")
def resp_twins():
    """Both RESP parser modules, for differential tests: (compiled, pure)."""
    return import_twin("resp", "cython"), import_twin("resp", "python")


@pytest.fixture(scope="session", params=sorted(TWIN_SUFFIXES))
def quicklist(request):
    """The QuickList module, once per twin."""
    return import_twin("quicklist", request.param)


@pytest.fixture(scope="session", params=sorted(TWIN_SUFFIXES))
def access(request):
    """The per-key access metadata module, once per twin."""
    return import_twin("access", request.param)


@pytest.fixture(scope="session")
def access_twins():
    """Both access metadata modules, for differential tests: (compiled, pure)."""
    return import_twin("access", "cython"), import_twin("access", "python")
