"""Tests for link_premises (:mod:`hotspots.premises.link`): distance and name links, ties."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import CRSError, ValidationError
from hotspots.premises import (
    link_premises,
)
from hotspots.premises.link import _normalize_name

from ._helpers import as_list, make_incidents, make_premises


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
