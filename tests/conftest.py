"""Shared fixtures: paths to ../shared, real boundary sets, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
BOUNDARIES = SHARED / "boundaries"

settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=100, deadline=None)
_default_profile = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default_profile))


def need_shared(path: Path) -> Path:
    """Return ``path``, or skip the test when it is missing (fail instead under CI)."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared data missing: {path}")
        pytest.skip(f"shared data missing: {path}")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return need_shared(SHARED)


@pytest.fixture(scope="session")
def bradford_areas():
    from hotspots.io.boundaries import load_boundaries

    return load_boundaries("bradford-2013", data_dir=need_shared(BOUNDARIES), download=False)


@pytest.fixture(scope="session")
def city_areas():
    from hotspots.io.boundaries import load_boundaries

    return load_boundaries("city-of-london-2013", data_dir=need_shared(BOUNDARIES),
                           download=False)
