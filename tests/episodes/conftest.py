"""Fixtures shared by the tests of :mod:`hotspots.episodes`."""

from __future__ import annotations

import pytest

from hotspots import simulate_episodes


@pytest.fixture(scope="session")  # read-only: shared by every test module
def sim(bradford_areas):
    """Simulated Bradford episodes (seed 1) with a planted children's home and premises."""
    return simulate_episodes(bradford_areas, seed=1)
