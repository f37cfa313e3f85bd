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


def test_auto_permutations_skewness_equals_scipy():
    # the 'auto' rule's skewness is written out (no scipy.stats import for the verbs)
    from scipy import stats

    from hotspots.hotspot._results import _skewness

    rng = np.random.default_rng(3)
    for v in (rng.poisson(0.3, 2_000).astype(float), rng.normal(size=57),
              np.array([0.0, 0.0, 0.0, 5.0]), rng.negative_binomial(1, 0.2, 500) * 1.0):
        assert _skewness(v) == pytest.approx(float(stats.skew(v)), rel=1e-12)
