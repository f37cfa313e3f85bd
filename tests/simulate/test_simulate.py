import numpy as np
import pytest
import shapely

from hotspots import schema
from hotspots.areas import area_counts
from hotspots.simulate import random_points_in, simulate_incidents


@pytest.fixture(scope="module")
def bradford(bradford_areas):
    return bradford_areas


def test_simulation_is_deterministic_and_canonical(bradford):
    a = simulate_incidents(bradford, n_before=300, n_after=200, seed=3)
    b = simulate_incidents(bradford, n_before=300, n_after=200, seed=3)
    c = simulate_incidents(bradford, n_before=300, n_after=200, seed=4)
    assert a.equals(b)
    assert not a.geometry.equals(c.geometry)
    assert list(a.columns) == [*schema.INCIDENT_COLUMNS, "geometry"]
    assert a.crs.to_epsg() == 27700
    assert a[schema.INCIDENT_ID].is_unique
    assert str(a[schema.OCCURRED].dtype) == "datetime64[ns]"


def test_simulation_rows_shares_and_periods(bradford):
    inc = simulate_incidents(bradford, n_before=400, n_after=300, unknown_share=0.2,
                             recent_share=0.5, seed=1)
    assert len(inc) == 700
    unknown = inc[schema.LOCATION_STATUS] == schema.UNKNOWN
    assert unknown.sum() == 80 + 60
    assert inc.geometry[unknown].is_empty.all()
    assert not inc.geometry[~unknown].is_empty.any()
    # every located point lies in the district
    xy = shapely.get_coordinates(inc.geometry[~unknown].to_numpy())
    assert shapely.contains_xy(bradford.outline, xy[:, 0], xy[:, 1]).all()
    before = inc[schema.OCCURRED] < np.datetime64("2018-04-01")
    assert before.sum() == 400
    assert inc[schema.OCCURRED].min() >= np.datetime64("2017-04-01")
    assert inc[schema.OCCURRED].max() < np.datetime64("2019-04-01")
    share_recent = (inc[schema.RECENCY] == schema.RECENT).mean()
    assert 0.4 < share_recent < 0.6


def test_planted_shift_moves_counts_between_the_named_areas(bradford):
    inc = simulate_incidents(bradford, n_before=2000, n_after=2000, shift_share=0.3,
                             clusters=0, shift_from="Keighley", shift_to="Shipley", seed=2)
    sim = inc.attrs["hotspots"]["simulation"]
    assert (sim["shift_from"], sim["shift_to"]) == ("Keighley", "Shipley")
    before = area_counts(inc, bradford, level="constituency", period="2017/18")
    after = area_counts(inc, bradford, level="constituency", period="2018/19")
    before, after = before.set_index("area_name"), after.set_index("area_name")
    # the shift part (30% of 1,660 located rows = 498) moves from Keighley to Shipley
    assert before.loc["Keighley", "n"] - after.loc["Keighley", "n"] > 300
    assert after.loc["Shipley", "n"] - before.loc["Shipley", "n"] > 300
    assert before["n"].sum() == after["n"].sum() == 2000


def test_default_shift_leaves_the_largest_area_for_the_runner_up(bradford):
    # the issue asks for "a planted shift of the largest constituency": by default the top
    # area of the first period loses the shift part to the runner-up, which overtakes it
    inc = simulate_incidents(bradford, seed=0)
    sim = inc.attrs["hotspots"]["simulation"]
    before = area_counts(inc, bradford, period="2017/18").set_index("area_name")["n"]
    after = area_counts(inc, bradford, period="2018/19").set_index("area_name")["n"]
    real = [n for n in before.index if n not in ("Outside district", "Unknown location")]
    assert (sim["shift_from"], sim["shift_to"]) == ("Bradford West", "Keighley")
    assert before[real].idxmax() == "Bradford West"
    assert after[real].idxmax() == "Keighley"
    # 12% of the 996 located rows of 2017/18 (120 rows) sit in Bradford West on top of its
    # share of the background and clusters; they move to Keighley in 2018/19
    assert before["Bradford West"] - after["Bradford West"] > 120


def test_planted_clusters_are_recorded_and_dense(bradford):
    inc = simulate_incidents(bradford, clusters=3, cluster_share=0.5, cluster_sd=150, seed=5)
    centres = inc.attrs["hotspots"]["simulation"]["clusters"]
    assert len(centres) == 3
    located = inc[inc[schema.LOCATION_STATUS] == schema.LOCATED]
    xy = shapely.get_coordinates(located.geometry.to_numpy())
    for c in centres:
        near = np.hypot(xy[:, 0] - c["x"], xy[:, 1] - c["y"]) < 300
        # ~1/3 of 50% of ~1,826 located rows sit within 2 sd of each centre
        assert near.sum() > 200


def test_bad_parameters(bradford):
    with pytest.raises(ValueError, match="'unknown_share' parameter"):
        simulate_incidents(bradford, unknown_share=1.5)
    with pytest.raises(ValueError, match="is not a constituency"):
        simulate_incidents(bradford, shift_to="Leeds Central")


def test_random_points_in_polygon():
    rng = np.random.default_rng(0)
    ring = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)]).difference(
        shapely.box(2, 2, 8, 8))
    xy = random_points_in(ring, 5000, rng)
    assert xy.shape == (5000, 2)
    assert shapely.contains_xy(ring, xy[:, 0], xy[:, 1]).all()
    # uniform: the share in the left strip (x < 2) is its share of the area (20 / 64)
    assert abs((xy[:, 0] < 2).mean() - 20 / 64) < 0.03
    assert random_points_in(ring, 0, rng).shape == (0, 2)

