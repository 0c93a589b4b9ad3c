"""The parser twins on random and mutated requests (tests/fuzz/parser.py): always in step.

The default run is short; ``-m slow`` runs a million inputs.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from fuzz.parser import soak  # noqa: E402


def test_short_soak():
    done, _ = soak(5000, 0, seed=20261205)
    assert done == 5000


@pytest.mark.slow
def test_million_inputs():
    done, _ = soak(1000000, 0, seed=7)
    assert done == 1000000
