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


def twin_fixtures(name, what):
    """Fixtures ``<name>`` (the module, once per twin) and ``<name>_twins`` (compiled, pure)."""
    @pytest.fixture(scope="session", params=sorted(TWIN_SUFFIXES))
    def each(request):
        return import_twin(name, request.param)

    @pytest.fixture(scope="session")
    def both():
        return import_twin(name, "cython"), import_twin(name, "python")

    each.__doc__ = "The %s module, once per twin." % what
    both.__doc__ = "Both %s modules, for differential tests: (compiled, pure)." % what
    return each, both


resp, resp_twins = twin_fixtures("resp", "RESP parser")
quicklist, quicklist_twins = twin_fixtures("quicklist", "QuickList")
access, access_twins = twin_fixtures("access", "per-key access metadata")
lzf, lzf_twins = twin_fixtures("lzf", "LZF compressor")
crc64, crc64_twins = twin_fixtures("crc64", "CRC-64/Jones")
hll, hll_twins = twin_fixtures("hll", "HyperLogLog registers")
bitops, bitops_twins = twin_fixtures("bitops", "whole-string bit operations")
streamnode, streamnode_twins = twin_fixtures("streamnode", "stream node")
zskiplist, zskiplist_twins = twin_fixtures("zskiplist", "sorted-set skiplist")
zsetreply, zsetreply_twins = twin_fixtures("zsetreply", "sorted-set reply encoder")
listpack, listpack_twins = twin_fixtures("listpack", "listpack/intset/ziplist blob")
rdbrun, rdbrun_twins = twin_fixtures("rdbrun", "RDB plain-string run loader")
keysort, keysort_twins = twin_fixtures("keysort", "bytewise key sort")
readers, readers_twins = twin_fixtures("readers", "tracking table readers")
scriptcall, scriptcall_twins = twin_fixtures("scriptcall", "redis.call's common case")
keytable, keytable_twins = twin_fixtures("keytable", "keyspace table")


def sibling(module, name):
    """The twin of module ``name`` of the same kind as ``module`` (a db's table for its AccessTable)."""
    return import_twin(name, "python" if module.__name__.endswith("_py") else "cython")
sockio, sockio_twins = twin_fixtures("sockio", "client socket reads and writes")
meter, meter_twins = twin_fixtures("meter", "command call meter")
