"""Tests for visit_plan (:mod:`hotspots.premises.plan`): routes, operations, agencies."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.errors import ValidationError
from hotspots.premises import (
    AGENCY_ORDER,
    VISIT_AGENCIES,
    premises_rank,
    visit_plan,
)
from hotspots.premises.plan import _nearest_neighbor_route, _path_length, _route, _two_opt

from ._helpers import make_incidents, make_premises


# --------------------------------------------------------------------------------------------
# routing and visit plans
# --------------------------------------------------------------------------------------------
def test_two_opt_improves_a_nearest_neighbour_route_by_hand():
    xy = np.array([[8.0, 4.0], [2.0, 8.0], [2.0, 4.0], [6.0, 5.0], [0.0, 0.0]])
    nn = _nearest_neighbor_route(xy)
    assert nn == [0, 3, 2, 1, 4]
    assert _path_length(xy, nn) == pytest.approx(math.sqrt(5) + math.sqrt(17) + 4
                                                 + math.sqrt(68))
    best = _two_opt(xy, nn)
    assert best == [0, 3, 1, 2, 4]
    assert _path_length(xy, best) == pytest.approx(math.sqrt(5) + 5 + 4 + math.sqrt(20))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 1000)), min_size=1, max_size=9))
def test_route_is_never_worse_than_nearest_neighbour(points):
    xy = np.array(points, dtype=float)
    route = _route(xy).tolist()
    assert route[0] == 0
    assert sorted(route) == list(range(len(xy)))
    nn = _nearest_neighbor_route(xy)
    assert _path_length(xy, route) <= _path_length(xy, nn) + 1e-9
    if len(xy) <= 7:  # and never shorter than the best open path from the same start
        best = min(_path_length(xy, [0, *p]) for p in itertools.permutations(range(1, len(xy))))
        assert _path_length(xy, route) >= best - 1e-9


def _ranked_for_plan(xy, classes=None):
    rows = [(f"p{k:02d}", f"Premises {k}", tuple(p) if p is not None else None,
             (classes[k] if classes else "other")) for k, p in enumerate(xy)]
    prem = make_premises(rows)
    # rank by a fixed score so that the plan's input is exactly known
    ranked = prem.copy()
    ranked.insert(0, "rank", np.arange(1, len(prem) + 1))
    ranked["score"] = np.linspace(10, 1, len(prem))
    ranked["reasons"] = "x"
    return ranked


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), max_per=st.integers(1, 6),
       max_span=st.sampled_from([150.0, 400.0, 1000.0]), n=st.integers(1, 30))
def test_visit_plan_respects_span_and_size(seed, max_per, max_span, n):
    rng = np.random.default_rng(seed)
    ranked = _ranked_for_plan([tuple(p) for p in rng.uniform(0, 2000, size=(n, 2))])
    plan = visit_plan(ranked, top=20, max_per_operation=max_per, max_span=max_span)
    visits, ops = plan.visits, plan.operations
    assert len(visits) == min(n, 20)
    assert sorted(visits["rank"]) == list(range(1, min(n, 20) + 1))
    for op, group in visits.groupby("operation"):
        xy = shapely.get_coordinates(group.sort_values("order").geometry.to_numpy())
        span = max((np.hypot(*(a - b)) for a in xy for b in xy), default=0.0)
        assert len(group) <= max_per
        assert span <= max_span + 1e-9
        row = ops.set_index("operation").loc[op]
        assert row["span_m"] == pytest.approx(span)
        assert row["route_length_m"] == pytest.approx(_path_length(xy, range(len(xy))))
        # the route starts at the best-ranked premises and is no worse than nearest neighbour
        assert group.sort_values("order")["rank"].iloc[0] == group["rank"].min()
        assert row["route_length_m"] <= _path_length(xy, _nearest_neighbor_route(xy)) + 1e-9
        assert group["order"].tolist() == list(range(1, len(group) + 1)) or sorted(
            group["order"]) == list(range(1, len(group) + 1))
    # operations numbered by their best rank
    assert ops["best_rank"].is_monotonic_increasing
    assert ops["operation"].tolist() == list(range(1, len(ops) + 1))


def test_visit_plan_separates_far_groups_and_skips_zero_scores():
    xy = [(0, 0), (5000, 0), (10, 0), (5010, 0), (20, 0)]
    ranked = _ranked_for_plan(xy)
    ranked.loc[4, "score"] = 0.0
    plan = visit_plan(ranked, top=10, max_span=500)
    assert len(plan.visits) == 4  # the zero-score premises is not visited
    assert plan.operations["n_visits"].tolist() == [2, 2]
    assert plan.visits.groupby("operation")["premises_id"].agg(list).tolist() == [
        ["p00", "p02"], ["p01", "p03"]]
    assert plan.visits["leg_distance_m"].fillna(-1).tolist() == [-1, 10.0, -1, 10.0]


def test_visit_plan_agencies_table_and_override():
    classes = ["taxi/private hire", "hotel/guest house", "takeaway", "pub/bar/nightclub",
               "residential"]
    ranked = _ranked_for_plan([(0, 0), (10, 0), (20, 0), (30, 0), (40, 0)], classes)
    plan = visit_plan(ranked, top=5)
    by_id = plan.visits.set_index("premises_id")["agencies"]
    assert by_id["p00"] == "police; taxi licensing"
    assert by_id["p01"] == "police; council licensing; fire service"
    assert by_id["p02"] == "police; environmental health"
    assert by_id["p03"] == "police; council licensing"
    assert by_id["p04"] == "police; fire service"
    assert plan.operations["agencies"].item() == (
        "police; council licensing; environmental health; taxi licensing; fire service")
    plan = visit_plan(ranked, top=5, agencies={"takeaway": ["police", "environmental health",
                                                            "HMRC"]},
                      extra_agencies=["Immigration Enforcement"])
    by_id = plan.visits.set_index("premises_id")["agencies"]
    assert by_id["p02"] == "police; environmental health; HMRC; Immigration Enforcement"
    assert by_id["p00"] == "police; taxi licensing; Immigration Enforcement"
    # every class has the police, and the listing order is the documented one
    assert all(a[0] == "police" for a in VISIT_AGENCIES.values())
    for agencies in VISIT_AGENCIES.values():
        assert list(agencies) == sorted(agencies, key=AGENCY_ORDER.index)


def test_visit_plan_time_window():
    prem = make_premises([("a", "A", (0, 0)), ("b", "B", (30, 0))])
    # Fridays 2019-03-01, 03-08, 03-15 late evening; one Monday morning
    times = ["2019-03-01 22:30", "2019-03-08 23:10", "2019-03-15 00:20", "2019-03-04 09:00"]
    inc = make_incidents([(0, 0), (0, 0), (30, 0), (30, 0)], occurred=times)
    ranked = premises_rank(inc, prem, window=2019)
    plan = visit_plan(ranked, incidents=inc)
    op = plan.operations.iloc[0]
    assert op["n_incidents"] == 4
    assert op["peak_day"] == "Friday"
    assert op["peak_hours"] == "22:00-01:00"
    assert op["time_window"] == "Friday (3 of 4), 22:00-01:00 (3 of 4)"
    # month-only dates (police.uk): unknown
    monthly = make_incidents([(0, 0), (30, 0)], occurred=["2019-03-01", "2019-04-01"])
    plan = visit_plan(premises_rank(monthly, prem), incidents=monthly)
    assert plan.operations["time_window"].tolist() == ["unknown"]
    assert plan.params["time_precision"] == "month"


def test_visit_plan_unlocated_premises_get_their_own_operation():
    ranked = _ranked_for_plan([(0, 0), None, (10, 0)])
    plan = visit_plan(ranked, top=3)
    ops = plan.operations.set_index("operation")
    assert ops["n_visits"].tolist() == [2, 1]
    assert ops.loc[2, "span_m"] == 0.0
    assert ops.loc[2, "geometry"].is_empty
    assert plan.params["n_unlocated"] == 1


def test_visit_plan_checks_parameters():
    ranked = _ranked_for_plan([(0, 0)])
    with pytest.raises(ValueError, match="'top'"):
        visit_plan(ranked, top=0)
    with pytest.raises(ValueError, match="max_per_operation"):
        visit_plan(ranked, max_per_operation=2.5)
    with pytest.raises(ValidationError, match="'score'"):
        visit_plan(ranked.drop(columns="score"))
