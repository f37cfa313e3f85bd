"""Linked counts of premises_rank recomputed independently with geopandas.sjoin_nearest."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import DataQualityWarning
from hotspots.premises import link_premises, premises_rank

pytestmark = pytest.mark.reference

SHARED = Path(__file__).parents[2] / ".." / "shared"
STREET = SHARED / "data" / "city-of-london" / "street"
FHRS_JSON = SHARED / "data" / "city-of-london" / "premises" / "fhrs-city-of-london-2021-08-19.json"


def _sjoin_counts(incidents: gpd.GeoDataFrame, premises: gpd.GeoDataFrame,
                  max_distance: float) -> pd.Series:
    """Nearest premises per incident by sjoin_nearest; ties (all returned) share it equally."""
    inc = incidents[~incidents.geometry.is_empty][["geometry"]].reset_index(names="inc")
    prem = premises[~premises.geometry.is_empty][["premises_id", "geometry"]]
    joined = gpd.sjoin_nearest(inc, prem, how="inner", max_distance=max_distance,
                               distance_col="d")
    joined["premises_id"] = joined["premises_id"].astype(str)
    # sjoin_nearest returns every premises at the nearest distance: 1/k of the incident each
    joined["share"] = 1.0 / joined.groupby("inc")["inc"].transform("size")
    return joined.groupby("premises_id")["share"].sum()


def _compare(incidents: gpd.GeoDataFrame, premises: gpd.GeoDataFrame, radius: float) -> None:
    expected = _sjoin_counts(incidents, premises, radius)
    ranked = premises_rank(incidents, premises, radius=radius)
    got = ranked.set_index("premises_id")["n_linked"]
    got = got[got > 0]
    got.index = got.index.astype(str)
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index().astype(got.dtype),
                                   check_names=False, rtol=1e-12)
    link = link_premises(incidents, premises, max_distance=radius)
    assert int(link["premises_id"].notna().sum()) == round(expected.sum())


def test_linked_counts_match_sjoin_nearest_synthetic():
    rng = np.random.default_rng(42)
    # premises on a coarse lattice (many exact ties), incidents anywhere
    px = rng.integers(0, 20, 150) * 25.0
    py = rng.integers(0, 20, 150) * 25.0
    premises = gpd.GeoDataFrame(
        {"premises_id": pd.array([f"p{k:03d}" for k in range(150)], dtype="string"),
         "name": [f"P{k}" for k in range(150)]},
        geometry=shapely.points(px, py), crs=27700)
    ix = rng.integers(0, 80, 2000) * 6.25
    iy = rng.integers(0, 80, 2000) * 6.25
    incidents = gpd.GeoDataFrame(
        {"occurred": pd.Timestamp("2019-06-01") + pd.to_timedelta(rng.integers(0, 100, 2000),
                                                                  unit="D"),
         "category": pd.Categorical(["Drugs"] * 2000)},
        geometry=shapely.points(ix, iy), crs=27700)
    for radius in (10.0, 30.0, 50.0):
        with pytest.warns(DataQualityWarning, match="equally near several premises"):
            _compare(incidents, premises, radius)


def test_linked_counts_match_sjoin_nearest_city_of_london():
    files = sorted(STREET.glob("2019-0[1-3]-*.csv"))
    if not files or not FHRS_JSON.exists():
        if os.environ.get("CI"):
            pytest.fail("City of London data missing in CI")
        pytest.skip("City of London data missing")
    from hotspots.io import read_police_uk
    from hotspots.io.premises import read_fhrs

    incidents = read_police_uk(files)
    premises = read_fhrs(FHRS_JSON)
    with (pytest.warns(DataQualityWarning, match="police.uk"),
          pytest.warns(DataQualityWarning, match="equally near several premises")):
        _compare(incidents, premises, 50.0)
