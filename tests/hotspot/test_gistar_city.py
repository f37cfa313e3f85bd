"""Issue 11 findings 1 and 2 on the real City of London 2019 police.uk data.

Gi* defaults to the plain ArcGIS/esda statistic (finding 1); police.uk snap points change
the automatic cell size, the inference and the labels (finding 2). Figures are the issue's,
recomputed here from the shared files.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hotspots.grid.snap import snap_info
from hotspots.hotspot import hotspot_count, hotspot_gistar


def _significant(g):
    return int((g["hotspot"] != "not significant").sum())


@pytest.mark.slow
def test_plain_gistar_is_the_default_city_200m(city_2019, city_areas):
    plain = hotspot_gistar(city_2019, clip=city_areas, cell_size=200)
    info = plain.attrs["hotspots"]
    assert info["edge_correction"] == "none"
    assert info["n_cells_tested"] == len(plain) == 106
    assert info["inference_reason"].startswith("automatic")
    normal = hotspot_gistar(city_2019, clip=city_areas, cell_size=200, permutations=0)
    hot = normal[normal["hotspot"] == "hot"].sort_values("n")
    # the issue: 3 hot cells, the busiest with n = 921 and z = 3.50
    assert hot["n"].tolist() == [71, 115, 921]
    assert hot["gistar"].iloc[-1] == pytest.approx(3.5015, abs=1e-3)
    # the old default (counts / coverage, cells under half inside dropped) loses all three
    scaled = hotspot_gistar(city_2019, clip=city_areas, cell_size=200, permutations=0,
                            edge_correction="coverage")
    assert scaled.attrs["hotspots"]["n_hot"] == 0
    assert scaled.attrs["hotspots"]["n_cells_tested"] == 71
    busiest = scaled.loc[scaled["n"] == 921, "gistar"].item()
    assert busiest == pytest.approx(2.48, abs=0.01)
    # "drop" (ptools::prep_grid) tests the same 71 cells on raw counts
    drop = hotspot_gistar(city_2019, clip=city_areas, cell_size=200, permutations=0,
                          edge_correction="drop")
    assert drop.attrs["hotspots"]["n_cells_tested"] == 71
    assert drop.attrs["hotspots"]["gistar_value"] == "n"


def test_city_2019_sits_on_560_snap_points(city_2019):
    xy = city_2019.geometry.get_coordinates().dropna().to_numpy()
    s = snap_info(xy[:, 0], xy[:, 1])
    assert (s.n_located, s.n_locations) == (9356, 560)
    assert s.snapped
    assert s.share_at_shared > 0.98
    assert s.spacing == pytest.approx(47.2, abs=0.1)


def test_snap_points_fine_grid_and_empty_hot_cells(city_2019, city_areas):
    # the plain rule: the shorter side 1,690 m / 50 = 33.79 m, now rounded to a readable 30 m
    # with the rule's value kept (issue 15)
    plain = hotspot_gistar(city_2019, clip=city_areas, snap_aware=False, permutations=0)
    pinfo = plain.attrs["hotspots"]
    assert pinfo["cell_size"] == 30.0
    assert pinfo["cell_size_rule"] == pytest.approx(33.794, abs=0.001)
    assert "rounded from 33.8 m to a readable 30 m" in pinfo["cell_size_reason"]
    assert (plain["n"] == 0).mean() == pytest.approx(0.876, abs=0.001)
    assert (pinfo["n_hot"], pinfo["n_hot_empty"]) == (30, 25)
    # the grid (the unrounded 34 m cells): 84% empty, 33 hot cells under the normal
    # approximation, most of them without an incident of their own (the issue counted 25 of
    # 33; this grid gives 26)
    fine = hotspot_gistar(city_2019, clip=city_areas, cell_size=pinfo["cell_size_rule"],
                          permutations=0)
    info = fine.attrs["hotspots"]
    assert (fine["n"] == 0).mean() == pytest.approx(0.845, abs=0.001)
    assert info["n_hot"] == 33
    assert info["n_hot_empty"] == int(fine["hot_empty"].sum()) == 26
    assert (fine.loc[fine["hot_empty"], "n"] == 0).all()
    assert (fine.loc[fine["hot_empty"], "hotspot"] == "hot").all()
    # snap-aware default: not below the 47.2 m median spacing of the 560 points, rounded UP
    # to a readable 50 m (rounding to the nearest, 50 m too here, could go below the spacing)
    aware = hotspot_gistar(city_2019, clip=city_areas, permutations=0)
    ainfo = aware.attrs["hotspots"]
    assert ainfo["cell_size"] == 50.0
    assert ainfo["cell_size_rule"] == pytest.approx(47.231, abs=0.001)
    assert ainfo["cell_size"] >= ainfo["snap"]["spacing"]
    assert "snap points (560 distinct locations" in ainfo["cell_size_reason"]
    assert "rounded up to a readable 50 m" in ainfo["cell_size_reason"]
    assert ainfo["snap"]["snapped"] is True
    assert (aware["n"] == 0).mean() == pytest.approx(0.691, abs=0.001)
    assert ainfo["n_hot_empty"] < info["n_hot_empty"]


@pytest.mark.slow
def test_skewed_snapped_counts_switch_to_permutations_city_100m(city_2019, city_areas):
    counts = hotspot_count(city_2019, clip=city_areas, cell_size=100)
    assert stats.skew(counts["n"]) == pytest.approx(5.73, abs=0.01)
    normal = hotspot_gistar(city_2019, clip=city_areas, cell_size=100, permutations=0)
    assert _significant(normal) == 14
    auto = hotspot_gistar(city_2019, clip=city_areas, cell_size=100)
    info = auto.attrs["hotspots"]
    assert info["permutations"] == 99_999
    assert info["p_value_source"] == "p_sim"
    assert "snap points" in info["inference_reason"]
    assert "skewness 5.7" in info["inference_reason"]
    # the issue: 7 significant under 99,999 permutations (5 hot, 2 cold here)
    assert _significant(auto) == 7
    assert (info["n_hot"], info["n_cold"]) == (5, 2)
    # reproducible without a seed: the same map on every run
    again = hotspot_gistar(city_2019, clip=city_areas, cell_size=100)
    np.testing.assert_array_equal(auto["p_sim"], again["p_sim"])


def test_pai_of_hot_cells_uses_the_covered_area_city_100m(city_2019, city_areas):
    from hotspots.stats.concentration import pai

    g = hotspot_gistar(city_2019, clip=city_areas, cell_size=100, permutations=0)
    hot = (g["hotspot"] == "hot").to_numpy()
    assert hot.sum() == 14
    full = pai(g["n"], hot)
    covered = pai(g["n"], hot, area=g["coverage"])
    assert full == pytest.approx(4.442, abs=1e-3)
    assert covered == pytest.approx(3.715, abs=1e-3)
    # by hand: hit rate over the share of the district's area in the hot cells
    hit = g.loc[hot, "n"].sum() / g["n"].sum()
    assert covered == pytest.approx(hit / (g.loc[hot, "coverage"].sum() / g["coverage"].sum()))
    assert g.attrs["hotspots"]["pai_hot"] == pytest.approx(covered)
    assert g.attrs["hotspots"]["pai_area"] == "covered"
