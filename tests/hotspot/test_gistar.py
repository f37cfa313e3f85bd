"""hotspot_gistar (hotspot/gistar.py): the renamed keyword, declared checks, attrs."""

import math

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.hotspot.gistar import hotspot_gistar
from hotspots.hotspot.moran import hotspot_moran

BOX = shapely.box(0, 0, 1000, 1000)
XY = [[x, y] for x in (150, 250, 350) for y in (150, 250, 350)] * 3 + [[650, 850], [50, 950]]


@pytest.mark.parametrize("verb", [hotspot_gistar, hotspot_moran])
def test_old_neighbor_distance_keyword_warns_and_gives_the_same_result(make_incidents, verb):
    frame = make_incidents(XY)
    kw = {"cell_size": 100, "clip": BOX, "permutations": 0}
    new = verb(frame, neighbour_distance=250.0, **kw)
    with pytest.warns(FutureWarning, match=r"neighbor_distance=\.\.\.\) is renamed"):
        old = verb(frame, neighbor_distance=250.0, **kw)
    pd.testing.assert_frame_equal(old.drop(columns="geometry"), new.drop(columns="geometry"))
    assert old.attrs["hotspots"]["neighbour_distance"] == 250.0
    assert "neighbor_distance" not in old.attrs["hotspots"]


def test_checks_and_helpers_name_the_verb_called(make_incidents):
    frame = make_incidents(XY)
    with pytest.raises(ValueError, match="'neighbour_distance' parameter of hotspot_gistar"):
        hotspot_gistar(frame, cell_size=100, clip=BOX, neighbour_distance=-1)
    # a check made deep in the grid helpers still names the verb, with no caller= passed
    with pytest.raises(ValueError, match="'grid_type' parameter of hotspot_moran"):
        hotspot_moran(frame, cell_size=100, clip=BOX, grid_type="triangle")


def test_default_neighbour_distance_is_the_queen_ring_and_recorded(make_incidents):
    g = hotspot_gistar(make_incidents(XY), cell_size=100, clip=BOX, permutations=0)
    info = g.attrs["hotspots"]
    assert info["neighbour_distance"] == pytest.approx(100 * math.sqrt(2))
    assert info["neighbour_distance_reason"].startswith("automatic: cell_size x sqrt(2)")
    interior = (g["x"] > 100) & (g["x"] < 900) & (g["y"] > 100) & (g["y"] < 900)
    assert (g.loc[interior, "n_neighbours"] == 8).all()
    assert (g["hot_empty"] == ((g["hotspot"] == "hot") & (g["n"] == 0))).all()
    assert info["n_hot"] == int((g["hotspot"] == "hot").sum()) > 0


def test_unsnapped_data_do_not_pay_for_the_spacing(make_incidents):
    rng = np.random.default_rng(3)
    g = hotspot_gistar(make_incidents(rng.random((400, 2)) * 1000), cell_size=100, clip=BOX,
                       permutations=0)
    snap = g.attrs["hotspots"]["snap"]
    assert snap["snapped"] is False
    assert snap["spacing"] is None  # not computed: only snapped data use it


def test_snapped_data_measure_the_spacing_only_for_an_automatic_cell_size(make_incidents):
    rng = np.random.default_rng(4)
    sites = rng.random((40, 2)) * 1000
    pts = make_incidents(sites[rng.integers(0, 40, 600)])
    given = hotspot_gistar(pts, cell_size=100, clip=BOX, permutations=0)
    snap = given.attrs["hotspots"]["snap"]
    assert snap["snapped"] is True
    assert snap["n_locations"] == 40
    assert snap["spacing"] is None  # a given cell size does not use it
    auto = hotspot_gistar(pts, clip=BOX, permutations=0).attrs["hotspots"]["snap"]
    assert auto["spacing"] is not None
    assert auto["spacing"] > 0
    assert {k: v for k, v in auto.items() if k != "spacing"} == {
        k: v for k, v in snap.items() if k != "spacing"}


def test_auto_permutations_skewness_equals_scipy():
    # the 'auto' rule's skewness is written out (no scipy.stats import for the verbs)
    from scipy import stats

    from hotspots.hotspot._results import _skewness

    rng = np.random.default_rng(3)
    for v in (rng.poisson(0.3, 2_000).astype(float), rng.normal(size=57),
              np.array([0.0, 0.0, 0.0, 5.0]), rng.negative_binomial(1, 0.2, 500) * 1.0):
        assert _skewness(v) == pytest.approx(float(stats.skew(v)), rel=1e-12)


@pytest.mark.parametrize("alpha", [0.05, 1.0])
def test_hot_cold_labels_and_gi_bin_match_the_written_out_rules(alpha):
    from hotspots.hotspot._results import HOTSPOT_LABELS, hot_cold_labels
    from hotspots.stats.gistar import GI_BIN_LEVELS, gi_bin

    rng = np.random.default_rng(9)
    z = rng.normal(0, 2, 2_000)
    p = rng.random(2_000) ** 3
    z[:50] = np.nan
    p[25:75] = np.nan  # NaN z with a p-value, NaN p with a z, and both
    z[100:120] = 0.0
    labels = hot_cold_labels(z, p, alpha)
    sig = np.nan_to_num(p, nan=1.0) <= alpha  # a missing p-value counts as 1
    want = np.where(sig & (np.nan_to_num(z) > 0), "hot",
                    np.where(sig & (np.nan_to_num(z) < 0), "cold", "not significant"))
    assert list(labels.categories) == list(HOTSPOT_LABELS)
    assert labels.astype(str).tolist() == want.tolist()
    bins = gi_bin(z, p, method="none")
    level = sum((np.nan_to_num(p, nan=1.0) <= a).astype(int) for a in GI_BIN_LEVELS)
    assert bins.dtype == np.int8
    assert bins.tolist() == (level * np.sign(np.nan_to_num(z))).astype(int).tolist()
