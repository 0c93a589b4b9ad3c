"""Imports one twin by name for the benchmarks, never through the chooser.

A missing build then fails the benchmark instead of timing the pure twin twice.
"""
import importlib
import importlib.machinery


def import_twin(name, kind):
    """``pyredis._speedups.<name>`` for kind "cython", ``<name>_py`` for "python"."""
    module = importlib.import_module("pyredis._speedups." + name + ("" if kind == "cython" else "_py"))
    if kind == "cython" and not module.__file__.endswith(
            tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        raise ImportError("%s is not a compiled extension" % module.__file__)
    return module
