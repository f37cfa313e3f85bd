"""Shared fixtures: paths to ../shared, real boundary sets and incidents, hypothesis profiles.

Session fixtures read each real file once per test process; tests must not modify what they
return (AreaSets hand out copies; frames are read-only by convention: ``.copy()`` first).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import settings

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
BOUNDARIES = SHARED / "boundaries"
CITY_STREET = SHARED / "data" / "city-of-london" / "street"
WEST_YORKSHIRE_2017 = SHARED / "data" / "police-uk" / "west-yorkshire-street-2017-sample.csv"

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


def canonical_incidents(xy, n_unknown: int = 0, weight=None):
    """A canonical incident frame: located rows at ``xy``, then rows with an unknown location.

    Every row is a burglary on 2019-01-01 with id ``i<k>``; ``weight`` defaults to 1.0.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy) + n_unknown
    geoms = list(shapely.points(xy)) + [shapely.Point()] * n_unknown
    return gpd.GeoDataFrame(
        {
            "incident_id": pd.array([f"i{k}" for k in range(n)], dtype="string"),
            "occurred": pd.Timestamp("2019-01-01"),
            "category": pd.Categorical(["Burglary"] * n),
            "recency": pd.Categorical([None] * n, categories=["recent", "non-recent"]),
            "weight": 1.0 if weight is None else np.asarray(weight, dtype=float),
            "location_status": pd.Categorical(
                ["located"] * len(xy) + ["unknown"] * n_unknown,
                categories=["located", "unknown"],
            ),
        },
        geometry=gpd.GeoSeries(geoms, crs=27700),
    )


@pytest.fixture(scope="session")
def make_incidents() -> Callable[..., object]:
    """:func:`canonical_incidents`: ``make_incidents(xy, n_unknown=0, weight=None)``."""
    return canonical_incidents


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return need_shared(SHARED)


@pytest.fixture(scope="session")
def shared_file() -> Callable[..., Path]:
    """``shared_file("data", "x.csv")``: that path under ../shared, or skip (fail under CI)."""
    return lambda *parts: need_shared(SHARED.joinpath(*parts))


@pytest.fixture(scope="session")
def boundaries_dir() -> Path:
    return need_shared(BOUNDARIES)


@pytest.fixture(scope="session")
def bradford_areas():
    from hotspots.io.boundaries import load_boundaries

    return load_boundaries("bradford-2013", data_dir=need_shared(BOUNDARIES), download=False)


@pytest.fixture(scope="session")
def bradford_wards():
    """Bradford's 2013 wards read straight from the GeoJSON (no AreaSet), EPSG:27700."""
    return gpd.read_file(need_shared(BOUNDARIES / "bradford-wards-2013.geojson")).to_crs(27700)


@pytest.fixture(scope="session")
def city_areas():
    from hotspots.io.boundaries import load_boundaries

    return load_boundaries("city-of-london-2013", data_dir=need_shared(BOUNDARIES),
                           download=False)


@pytest.fixture(scope="session")
def city_2018():
    """City of London 2018 police.uk street crimes (12 real monthly files)."""
    from hotspots.io import read_police_uk

    files = sorted(need_shared(CITY_STREET).glob("2018-*.csv"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # police.uk snap-point notes are not the point here
        return read_police_uk(files)


@pytest.fixture(scope="session")
def city_2019():
    """City of London 2019 police.uk street crimes (12 real monthly files)."""
    from hotspots.io import read_police_uk

    files = sorted(need_shared(CITY_STREET).glob("2019-*.csv"))
    assert len(files) == 12
    return read_police_uk(files)


@pytest.fixture(scope="session")
def west_yorkshire_2017():
    """The real West Yorkshire 2017 police.uk street-crime sample (one file)."""
    from hotspots.io import read_police_uk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # police.uk snap-point notes are not the point here
        return read_police_uk(need_shared(WEST_YORKSHIRE_2017))
