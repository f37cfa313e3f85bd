"""Tests of hotspots.episodes.places: the planted children's home ranks first."""

from __future__ import annotations

import pytest

from hotspots.episodes import (
    per_place,
)

from ._helpers import episodes_frame


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
    eps = episodes_frame([("a", f"2018-{m:02d}-01", f"2018-{m:02d}-01 05:00", (0, 0), None)
                for m in range(1, 13)] + [("b", "2019-06-01", "2019-06-02", (0, 0), None)])
    out = per_place(eps, as_of="2019-07-01")
    assert out.loc[0, "episodes_last_year"] == 7   # Jul 2018 .. Jun 2019
    assert out.loc[0, "episodes_previous_year"] == 6
