"""Tests of hotspots.episodes.places: the planted children's home ranks first."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.episodes import (
    per_place,
)


def _eps(rows):
    """A small episodes frame: (child, start, end, from_xy, found_xy or None)."""
    child, start, end, fr, fo = zip(*rows, strict=True)
    return gpd.GeoDataFrame({
        "episode_id": [f"e{i}" for i in range(len(rows))],
        "child": pd.array(child, dtype="string"),
        "start": pd.to_datetime(list(start), format="ISO8601"),
        "end": pd.to_datetime(list(end), format="ISO8601"),
        "duration_hours": (pd.to_datetime(list(end), format="ISO8601")
                           - pd.to_datetime(list(start), format="ISO8601"))
        / pd.Timedelta(hours=1),
        "found_geometry": gpd.GeoSeries([shapely.Point(p) if p else shapely.Point()
                                         for p in fo], crs=27700),
    }, geometry=gpd.GeoSeries([shapely.Point(p) for p in fr], crs=27700)
    ).rename_geometry("from_geometry")


# --- per place: the planted children's home ranks first -----------------------------------
def test_children_home_ranks_first(sim):
    truth = sim.attrs["hotspots"]["simulation"]
    places = per_place(sim)
    top = places.iloc[0]
    assert top["rank"] == 1
    assert (top["x"], top["y"]) == pytest.approx(truth["home_xy"], abs=0.5)
    assert top["episodes"] == truth["n_home_episodes"]
    assert top["children"] == 10
    assert top["repeat_share"] == 1.0
    # every episode with a from location is in exactly one place
    assert places["episodes"].sum() + places.attrs["hotspots"]["n_no_place"] == len(sim)


def test_per_place_trend_counts_windows():
    eps = _eps([("a", f"2018-{m:02d}-01", f"2018-{m:02d}-01 05:00", (0, 0), None)
                for m in range(1, 13)] + [("b", "2019-06-01", "2019-06-02", (0, 0), None)])
    out = per_place(eps, as_of="2019-07-01")
    assert out.loc[0, "episodes_last_year"] == 7   # Jul 2018 .. Jun 2019
    assert out.loc[0, "episodes_previous_year"] == 6
