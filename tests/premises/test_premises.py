"""Tests for hotspots.premises: linking, ranking, visit plans and the proximity report."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots.errors import CRSError, DataQualityWarning, ValidationError
from hotspots.premises import (
    AGENCY_ORDER,
    VISIT_AGENCIES,
    link_premises,
    premises_rank,
    proximity_report,
    visit_plan,
)
from hotspots.premises.link import _normalize_name
from hotspots.premises.plan import _nearest_neighbor_route, _path_length, _route, _two_opt
from hotspots.stats.inference import etest

BNG = 27700


def make_premises(rows, *, index=None):
    """rows: (id, name, (x, y) or None, class[, address[, capacity]])."""
    data = {
        "premises_id": pd.array([r[0] for r in rows], dtype="string"),
        "name": pd.array([r[1] for r in rows], dtype="string"),
        "premises_class": pd.array([r[3] if len(r) > 3 else "other" for r in rows],
                                   dtype="string"),
        "address": pd.array([r[4] if len(r) > 4 else None for r in rows], dtype="string"),
        "capacity": [r[5] if len(r) > 5 else np.nan for r in rows],
        "location_status": pd.Categorical(
            ["located" if r[2] is not None else "unknown" for r in rows],
            categories=["located", "unknown"]),
    }
    geoms = [shapely.Point(*r[2]) if r[2] is not None else shapely.Point() for r in rows]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=BNG, index=index)


def make_incidents(points, occurred=None, category=None, *, location=None, index=None,
                   weight=None):
    n = len(points)
    occurred = pd.to_datetime(occurred if occurred is not None else ["2019-06-15"] * n)
    category = category if category is not None else ["Violence and sexual offences"] * n
    data = {
        "incident_id": pd.array([f"i{k}" for k in range(n)], dtype="string"),
        "occurred": occurred.astype("datetime64[ns]"),
        "category": pd.Categorical(category),
        "weight": np.ones(n) if weight is None else np.asarray(weight, dtype=float),
        "location_status": pd.Categorical(
            ["located" if p is not None else "unknown" for p in points],
            categories=["located", "unknown"]),
    }
    if location is not None:
        data["location"] = location
    geoms = [shapely.Point(*p) if p is not None else shapely.Point() for p in points]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=BNG, index=index)


def as_list(series):
    """Values with every missing marker (<NA>, NaN) as None."""
    return [None if pd.isna(v) else v for v in series.tolist()]


# --------------------------------------------------------------------------------------------
# link_premises
# --------------------------------------------------------------------------------------------
def test_link_nearest_within_distance_inclusive_and_unlinked_counted():
    prem = make_premises([("a", "A", (0, 0)), ("b", "B", (100, 0))])
    inc = make_incidents([(10, 0), (50, 0), (90, 0), (0, 50), (0, 50.001), None, (300, 300)],
                         index=[10, 11, 12, 13, 14, 15, 16])
    got = link_premises(inc, prem, max_distance=50)
    assert got.index.tolist() == inc.index.tolist()
    # (50, 0) is 50 m from both: the tie goes to the smaller id
    assert got["premises_id"].tolist()[:4] == ["a", "a", "b", "a"]
    assert got["premises_id"].isna().tolist() == [False] * 4 + [True] * 3
    assert got["distance"].tolist()[:4] == [10.0, 50.0, 10.0, 50.0]
    assert got["unlinked_reason"].tolist()[4:] == ["none within distance", "no location",
                                                   "none within distance"]
    assert got["link_method"].tolist()[:4] == ["distance"] * 4
    assert got["n_candidates"].tolist() == [1, 2, 1, 1, 0, 0, 0]
    info = got.attrs["hotspots"]
    assert info["n_linked"] == 4
    assert info["n_unlinked"] == {"no location": 1, "none within distance": 2,
                                  "ambiguous name": 0}
    assert info["n_linked"] + sum(info["n_unlinked"].values()) == len(inc)


def test_link_ties_do_not_depend_on_row_order():
    # three premises at the same spot (one building) and one incident on top of them
    rows = [("p3", "C", (5, 5)), ("p1", "A", (5, 5)), ("p2", "B", (5, 5))]
    inc = make_incidents([(5, 5), (6, 5)])
    for perm in itertools.permutations(rows):
        got = link_premises(inc, make_premises(list(perm)))
        assert got["premises_id"].tolist() == ["p1", "p1"]


def test_link_confidence_formula():
    # one premises 25 m away with max 50: decay 0.5 ** (2*25/50) = 0.5, share 1
    prem = make_premises([("a", "A", (0, 0))])
    got = link_premises(make_incidents([(25, 0), (0, 0)]), prem, max_distance=50)
    assert got["confidence"].tolist() == pytest.approx([0.5, 1.0])
    # two premises on the same spot share the evidence: 0.5 each
    prem2 = make_premises([("a", "A", (0, 0)), ("b", "B", (0, 0))])
    got = link_premises(make_incidents([(0, 0)]), prem2, max_distance=50)
    assert got["confidence"].item() == pytest.approx(0.5)
    # a at 10 m, b at 40 m: decays 0.5**0.4 and 0.5**1.6; c_d = w_a**2 / (w_a + w_b)
    prem3 = make_premises([("a", "A", (10, 0)), ("b", "B", (-40, 0))])
    got = link_premises(make_incidents([(0, 0)]), prem3, max_distance=50)
    wa, wb = 0.5 ** 0.4, 0.5 ** 1.6
    assert got["confidence"].item() == pytest.approx(wa * wa / (wa + wb))


def test_link_by_name_text():
    prem = make_premises([
        ("crown", "The Crown", (0, 0), "pub/bar/nightclub", "12 High Street"),
        ("cafe", "Tom & Jerry's \"Cafe\"", (120, 0), "cafe/restaurant", "3 Mill Lane"),
        ("near", "Kebab House", (95, 0), "takeaway", "5 Mill Lane"),
        ("lost", "Star Hotel", None, "hotel/guest house"),
    ])
    inc = make_incidents(
        [(100, 0), (10, 0), (110, 0), None, None, (5, 0)],
        location=["On or near Tom and Jerrys Cafe", "On or near Crown, The",
                  "outside tom & jerry's cafe", "STAR HOTEL", "On or near Nowhere",
                  "On or near High Street"],
    )
    got = link_premises(inc, prem, max_distance=50, text_column="location")
    assert as_list(got["premises_id"]) == ["cafe", "crown", "cafe", "lost", None, "crown"]
    # the named cafe is 20 m away: within max_distance, so distance+name; "Star Hotel" has
    # no location: name only; the last text is the crown's street, so distance only
    assert as_list(got["link_method"]) == ["distance+name", "distance+name", "distance+name",
                                           "name", None, "distance"]
    assert got["text_score"].iloc[0] == 1.0
    assert got["distance"].iloc[0] == pytest.approx(20.0)
    assert np.isnan(got["distance"].iloc[3])
    assert got["confidence"].iloc[3] == pytest.approx(1.0)  # exact name, no distance
    assert got["unlinked_reason"].iloc[4] == "no location"
    # a name match beyond max_distance is "name" (within text_max_distance)
    far = make_incidents([(200, 0)], location=["On or near The Crown"])
    got = link_premises(far, prem, max_distance=50, text_column="location")
    assert as_list(got["premises_id"]) == ["crown"]
    assert as_list(got["link_method"]) == ["name"]
    assert got["distance"].item() == pytest.approx(200.0)
    got = link_premises(far, prem, max_distance=50, text_column="location",
                        text_max_distance=100)
    assert got["premises_id"].isna().all()


def test_link_by_name_ambiguous_without_location():
    prem = make_premises([("c1", "The Crown", (0, 0)), ("c2", "Crown", (5000, 0))])
    inc = make_incidents([None, (4990, 0)], location=["The Crown", "The Crown"])
    got = link_premises(inc, prem, text_column="location")
    assert as_list(got["premises_id"]) == [None, "c2"]
    assert as_list(got["unlinked_reason"]) == ["ambiguous name", None]
    assert got.attrs["hotspots"]["n_unlinked"]["ambiguous name"] == 1


def test_normalize_name():
    assert _normalize_name("Tom & Jerry's \"Cafe\"") == _normalize_name("tom and jerrys cafe")
    assert _normalize_name("Crown, The") == _normalize_name("On or near The Crown")
    assert _normalize_name("Café Rouge Ltd") == "cafe rouge"
    assert _normalize_name(None) == ""


def test_link_checks_inputs():
    prem = make_premises([("a", "A", (0, 0))])
    inc = make_incidents([(0, 0)])
    with pytest.raises(CRSError, match=r"EPSG:27700.*EPSG:3857"):
        link_premises(inc, prem.set_crs(3857, allow_override=True))
    with pytest.raises(CRSError, match="degrees"):
        link_premises(inc.to_crs(4326), prem.to_crs(4326))
    dup = make_premises([("a", "A", (0, 0)), ("a", "B", (1, 0))])
    with pytest.raises(ValidationError, match="premises_id"):
        link_premises(inc, dup)
    with pytest.raises(ValidationError, match="'where'"):
        link_premises(inc, prem, text_column="where")
    with pytest.raises(ValueError, match="max_distance"):
        link_premises(inc, prem, max_distance=-1)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        link_premises(pd.DataFrame(inc), prem)


# --------------------------------------------------------------------------------------------
# premises_rank
# --------------------------------------------------------------------------------------------
def test_rank_score_by_hand():
    prem = make_premises([("a", "A", (0, 0)), ("b", "B", (500, 0)), ("z", "Z", (900, 900))])
    inc = make_incidents(
        [(1, 0), (2, 0), (501, 0)],
        occurred=["2019-03-31 12:00", "2018-12-31 12:00", "2019-03-01 12:00"],
        category=["Violence and sexual offences", "Anti-social behaviour", "Public order"],
        weight=[1.0, 1.0, 2.0],
    )
    as_of = pd.Timestamp("2019-04-01")
    got = premises_rank(inc, prem, window=("2018-04", "2019-03"), as_of=as_of,
                        category_weights={"Violence and sexual offences": 3.0})
    a = got.set_index("premises_id").loc["a"]
    # ages 0.5 and 90.5 days (31 + 28 + 31 days + 12 h); harm 3 (violence x3) and 1
    recency = 3 * 0.5 ** (0.5 / 90) + 1 * 0.5 ** (90.5 / 90)
    assert a["harm"] == pytest.approx(4.0)
    assert a["recency_score"] == pytest.approx(recency)
    assert a["score"] == pytest.approx(0.5 * 4.0 + 0.5 * recency)
    assert a["n_linked"] == 2
    assert a["n_recent"] == 1
    b = got.set_index("premises_id").loc["b"]
    assert b["harm"] == pytest.approx(2.0)  # weight 2, category weight 1
    assert b["score"] == pytest.approx(0.5 * 2 + 0.5 * 2 * 0.5 ** (30.5 / 90))
    assert got["premises_id"].tolist() == ["a", "b", "z"]
    assert got["rank"].tolist() == [1, 2, 3]
    assert got["reasons"].iloc[2] == "no linked incidents"
    assert got["score"].iloc[2] == 0.0
    assert got.crs.to_epsg() == BNG
    assert got.attrs["hotspots"]["window_end"] == "2019-04-01 00:00:00"


def test_rank_reasons_text_and_repeats():
    prem = make_premises([("a", "A", (0, 0))])
    inc = make_incidents(
        [(1, 0)] * 4,
        occurred=["2019-01-10", "2019-01-20", "2019-11-01", "2019-12-20"],
        category=["Violence and sexual offences", "Violence and sexual offences",
                  "Anti-social behaviour", "Violence and sexual offences"],
    )
    got = premises_rank(inc, prem, window=2019)
    # the two January violence offences: one repeat; Dec 20 and Nov 1 are within 90 days of
    # 1 Jan 2020 (Oct 3 onwards)
    assert got["n_repeat"].item() == 1
    assert got["n_recent"].item() == 2
    assert got["reasons"].item() == ("4 linked incidents in 12 months, 2 in the last 90 days; "
                                     "1 repeat (same offence, same month); 3 violence, 1 ASB")
    assert got["top_categories"].item() == "3 violence, 1 ASB"


def test_rank_trend_uses_the_etest():
    prem = make_premises([("a", "A", (0, 0)), ("b", "B", (1000, 0))])
    first = ["2019-02-01 10:00"] * 1
    second = ["2019-10-01 10:00"] * 11
    inc = make_incidents([(0, 0)] * 12 + [(1000, 0)] * 4,
                         occurred=first + second + ["2019-02-01 10:00"] * 2
                         + ["2019-10-01 10:00"] * 2)
    got = premises_rank(inc, prem, window=2019).set_index("premises_id")
    assert (got.loc["a", "n_first_half"], got.loc["a", "n_second_half"]) == (1, 11)
    assert got.loc["a", "trend_p"] == pytest.approx(etest(1, 11))
    assert got.loc["a", "trend"] == "up"
    assert f"rising (1 → 11, p={etest(1, 11):.2g})" in got.loc["a", "reasons"]
    assert got.loc["b", "trend"] == "flat"
    assert got.loc["b", "trend_p"] == 1.0
    # and the other way round
    down = make_incidents([(0, 0)] * 12, occurred=["2019-02-01 10:00"] * 11
                          + ["2019-10-01 10:00"])
    got = premises_rank(down, prem, window=2019).set_index("premises_id")
    assert got.loc["a", "trend"] == "down"
    assert f"falling (11 → 1, p={etest(11, 1):.2g})" in got.loc["a", "reasons"]


def test_rank_hot_cell_cluster_and_capacity():
    prem = make_premises([("a", "A", (50, 50), "hotel/guest house", None, 20),
                          ("b", "B", (350, 50))])
    inc = make_incidents([(50, 50)] * 2 + [(350, 50)] * 2)
    cells = gpd.GeoDataFrame({"cell_id": [0, 1], "gi_bin": [3, 0]},
                             geometry=[shapely.box(0, 0, 100, 100), shapely.box(300, 0, 400, 100)],
                             crs=BNG)
    labels = pd.Series([2, 2, -1, pd.NA], index=inc.index, dtype="Int64")
    got = premises_rank(inc, prem, window=2019, as_of="2020-01-01", gistar=cells,
                        clusters=labels).set_index("premises_id")
    base = 0.5 * 2 + 0.5 * 2 * 0.5 ** ((pd.Timestamp("2020-01-01")
                                        - pd.Timestamp("2019-06-15")).days / 90)
    assert got.loc["a", "gi_bin"] == 3
    assert got.loc["a", "in_hot_cell"]
    assert got.loc["a", "cluster_id"] == 2
    assert got.loc["a", "in_cluster"]
    assert got.loc["a", "score"] == pytest.approx(base * 1.3 * 1.1)
    assert got.loc["b", "score"] == pytest.approx(base)
    assert not got.loc["b", "in_hot_cell"]
    assert not got.loc["b", "in_cluster"]
    assert "inside a 99% hot spot" in got.loc["a", "reasons"]
    assert "in incident cluster 2" in got.loc["a", "reasons"]
    assert got.loc["a", "n_per_capacity"] == pytest.approx(0.1)
    assert "0.1 per room/seat" in got.loc["a", "reasons"]
    # cluster polygons (cluster_summary) work too
    hulls = gpd.GeoDataFrame({"cluster_id": [7]}, geometry=[shapely.box(300, 0, 400, 100)],
                             crs=BNG)
    got = premises_rank(inc, prem, window=2019, clusters=hulls).set_index("premises_id")
    assert got.loc["b", "cluster_id"] == 7
    assert pd.isna(got.loc["a", "cluster_id"])


def test_rank_ties_are_deterministic_and_row_order_free():
    rng = np.random.default_rng(3)
    rows = [(f"p{k:02d}", f"P{k}", (float(x), float(y)))
            for k, (x, y) in enumerate(rng.uniform(0, 1000, size=(25, 2)))]
    # premises p00 and p01 share a location, so they tie on everything
    rows[1] = ("p01", "P1", rows[0][2])
    prem = make_premises(rows)
    pts = [tuple(p) for p in rng.uniform(0, 1000, size=(300, 2))]
    dates = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 365, 300), unit="D")
    cats = rng.choice(["Violence and sexual offences", "Drugs", "Public order"], 300)
    inc = make_incidents(pts, occurred=dates, category=list(cats))
    with pytest.warns(DataQualityWarning, match="equally near several premises"):
        ref = premises_rank(inc, prem, window=2019)
    order = ref["premises_id"].tolist()
    # scores ordered, ties broken by linked count then id
    key = list(zip(-ref["score"], -ref["n_linked"], ref["premises_id"], strict=True))
    assert key == sorted(key)
    for seed in range(3):
        r = np.random.default_rng(seed)
        with pytest.warns(DataQualityWarning, match="equally near"):
            shuffled = premises_rank(inc.iloc[r.permutation(len(inc))],
                                     prem.iloc[r.permutation(len(prem))], window=2019)
        assert shuffled["premises_id"].tolist() == order
        np.testing.assert_allclose(shuffled["score"], ref["score"])
    # an explicit tie: two premises at one spot share the incident there (issue 11; it
    # went whole to the smallest id before), so c with a whole incident ranks first
    twin = make_premises([("b", "B", (0, 0)), ("a", "A", (0, 0)), ("c", "C", (10, 0))])
    with pytest.warns(DataQualityWarning, match="1 of the 2 linked incidents"):
        got = premises_rank(make_incidents([(10, 0), (0, 0)]), twin, window=2019)
    assert got["premises_id"].tolist() == ["c", "a", "b"]
    assert got["n_linked"].tolist() == [1.0, 0.5, 0.5]
    assert got["n_tied"].tolist() == [0, 1, 1]


def test_rank_window_excludes_and_counts():
    prem = make_premises([("a", "A", (0, 0))])
    inc = make_incidents([(0, 0)] * 3, occurred=["2018-12-31", "2019-05-01", None])
    got = premises_rank(inc, prem, window=2019)
    assert got["n_linked"].item() == 1
    assert got.attrs["hotspots"]["n_outside_window"] == 2
    # without a window, the undated incident is counted but has no recency weight
    got = premises_rank(inc, prem)
    assert got["n_linked"].item() == 3
    assert got["harm"].item() == 3.0


def test_rank_warns_for_police_uk_snap_points():
    prem = make_premises([("a", "A", (0, 0))])
    inc = make_incidents([(0, 0), (1, 0)], occurred=["2019-01-01", "2019-02-01"],
                         location=["On or near Bell Inn Yard", "On or near Bell Inn Yard"])
    with pytest.warns(DataQualityWarning, match="police.uk"):
        got = premises_rank(inc, prem)
    assert got.attrs["hotspots"]["snap_point_caveat"] is True
    assert got.attrs["hotspots"]["time_precision"] == "month"


def test_rank_rejects_bad_parameters():
    prem = make_premises([("a", "A", (0, 0))])
    inc = make_incidents([(0, 0)])
    with pytest.raises(ValueError, match="category_weights"):
        premises_rank(inc, prem, category_weights={"Drugs": -1})
    with pytest.raises(ValueError, match="recency_weight"):
        premises_rank(inc, prem, recency_weight=2)
    with pytest.raises(ValueError, match="half_life_days"):
        premises_rank(inc, prem, half_life_days=0)


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    dx=st.floats(-40, 40),
    dy=st.floats(-40, 40),
    day=st.integers(0, 364),
    category=st.sampled_from(["Violence and sexual offences", "Drugs", "Public order"]),
    target=st.integers(0, 5),
)
def test_adding_an_incident_near_a_premises_never_lowers_any_score(seed, dx, dy, day,
                                                                    category, target):
    rng = np.random.default_rng(seed)
    rows = [(f"p{k}", f"P{k}", tuple(xy)) for k, xy in
            enumerate(rng.uniform(0, 300, size=(6, 2)))]
    prem = make_premises(rows)
    n = 40
    pts = [tuple(p) for p in rng.uniform(0, 300, size=(n, 2))]
    dates = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    cats = list(rng.choice(["Violence and sexual offences", "Drugs", "Public order"], n))
    inc = make_incidents(pts, occurred=dates, category=cats)
    kwargs = {"window": 2019, "category_weights": {"Violence and sexual offences": 3.0},
              "gistar": gpd.GeoDataFrame({"gi_bin": [2]}, geometry=[shapely.box(0, 0, 150, 150)],
                                         crs=BNG)}
    before = premises_rank(inc, prem, **kwargs).set_index("premises_id")["score"]
    px, py = rows[target][2]
    extra = make_incidents([(px + dx, py + dy)],
                           occurred=[pd.Timestamp("2019-01-01") + pd.Timedelta(days=day)],
                           category=[category], index=[n])
    both = pd.concat([inc, extra])
    after = premises_rank(both, prem, **kwargs).set_index("premises_id")["score"]
    assert (after.reindex(before.index) >= before - 1e-9).all()
    linked_to = link_premises(extra, prem)["premises_id"].item()
    if linked_to is not None and not pd.isna(linked_to):
        assert after[linked_to] > before[linked_to]


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


# --------------------------------------------------------------------------------------------
# proximity_report
# --------------------------------------------------------------------------------------------
def test_proximity_report_by_hand():
    vulnerable = make_premises([("home", "Oak House", (0, 0)), ("school", "School", None)])
    inc = make_incidents([(100, 0), (0, 150), (250, 0), None],
                         category=["Drugs", "Drugs", "Public order", "Drugs"])
    cells = gpd.GeoDataFrame({"gi_bin": [3, 2, 0, 1]},
                             geometry=[shapely.box(100, 0, 200, 100),
                                       shapely.box(300, 0, 400, 100),
                                       shapely.box(-100, -100, 0, 0),
                                       shapely.box(-250, 0, -150, 100)], crs=BNG)
    prem = make_premises([("far", "Far Bar", (600, 0)), ("near", "Near Cafe", (0, 300)),
                          ("none", "Quiet", (5, 0))])
    ranked = premises_rank(make_incidents([(600, 0), (600, 0), (0, 300)]), prem, window=2019)
    got = proximity_report(vulnerable, inc, radius=200, gistar=cells, ranked=ranked)
    home = got.iloc[0]
    assert home["n_incidents"] == 2
    assert home["top_categories"] == "2 drugs"
    assert home["n_hot_cells"] == 2  # the 99% cell (100 m) and the 90% cell (150 m)
    assert home["max_gi_bin"] == 3
    # "Quiet" is nearer but has no linked incidents: the nearest *ranked* premises is Near Cafe
    assert home["nearest_premises_id"] == "near"
    assert home["nearest_premises_distance_m"] == pytest.approx(300.0)
    assert home["nearest_premises_rank"] == 2
    school = got.iloc[1]
    assert pd.isna(school["n_incidents"])
    assert school["location_status"] == "unknown"
    assert got.index.tolist() == vulnerable.index.tolist()
    got = proximity_report(vulnerable, inc, radius=200, ranked=ranked, top=1)
    assert got.iloc[0]["nearest_premises_id"] == "far"
