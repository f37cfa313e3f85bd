"""Emerging hot spot rules (hotspots.stats.classify): one hand-built series per category."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.stats.classify import (
    ARCGIS_CATEGORIES,
    SFHOTSPOT_CATEGORIES,
    classify_arcgis,
    classify_sfhotspot,
)
from hotspots.stats.inference import mann_kendall

CRIT = 1.96  # |z| above this is significant in these hand-built series

# --- ArcGIS Emerging Hot Spot Analysis: 10 periods, "mostly" = 9 of 10 ---------------------
RISING = [2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]  # every period hot, z rising
FLAT = [4, 3, 5, 3, 4, 5, 3, 4, 5, 4]  # every period hot, Mann-Kendall p = 0.57
ARCGIS_HOT_SERIES = {
    "new": [0] * 9 + [3],  # hot in the final period only, nothing before
    "consecutive": [0] * 7 + [3, 3, 3],  # a run of three hot periods ending now
    "intensifying": RISING,
    "persistent": FLAT,
    "diminishing": RISING[::-1],  # still hot at the end (2.5 > 1.96), z falling
    "sporadic": [3, 0, 0, 3, 0, 0, 0, 0, 3, 3],  # on and off, never cold
    "oscillating": [-3, 0, 0, 0, 0, 0, 0, 0, 0, 3],  # cold before, hot now
    "historical": [3] * 9 + [0],  # 9 of 10 hot, but not now
}


@pytest.mark.parametrize("series", [[0.0] * 10, [3, 3, 0, 0, 0, 0, 0, 0, 0, 0],
                                    [3, 3, 3, 3, 3, 3, 3, 3, 0, 0]])
def test_arcgis_no_pattern(series):
    z = np.array([series], dtype=float)
    assert classify_arcgis(z, np.abs(z) > CRIT).tolist() == ["no pattern detected"]


def test_arcgis_trend_inputs_are_used_and_match_mann_kendall():
    z = np.array([RISING, FLAT], dtype=float)
    sig = np.abs(z) > CRIT
    mk = mann_kendall(z)
    assert mk.p[0] < 0.05 < mk.p[1]
    assert classify_arcgis(z, sig).tolist() == classify_arcgis(
        z, sig, mk_z=mk.z, mk_p=mk.p).tolist()
    # a trend test that finds nothing turns intensifying into persistent
    none = classify_arcgis(z, sig, mk_z=np.zeros(2), mk_p=np.ones(2))
    assert none.tolist() == ["persistent hot spot", "persistent hot spot"]


def test_arcgis_consecutive_needs_a_clean_history():
    # a run of two at the end after an earlier hot period is sporadic, not consecutive
    z = np.array([[3, 0, 0, 0, 0, 0, 0, 0, 3, 3]], dtype=float)
    assert classify_arcgis(z, np.abs(z) > CRIT).tolist() == ["sporadic hot spot"]


def test_arcgis_rows_classified_together_one_category_each():
    rows = [sign * np.array(s, dtype=float) for sign in (1, -1)
            for s in ARCGIS_HOT_SERIES.values()]
    z = np.vstack(rows)
    got = classify_arcgis(z, np.abs(z) > CRIT)
    assert len(set(got)) == 16


def test_arcgis_nan_is_not_significant():
    z = np.array([[np.nan] * 9 + [3.0]])
    assert classify_arcgis(z, np.abs(np.nan_to_num(z)) > CRIT).tolist() == ["new hot spot"]


# --- sfhotspot: 10 periods, r = floor(0.2 * 10) = 2 recent periods ------------------------
SF_HOT_SERIES = {
    "persistent": [3] * 8 + [0, 0],  # 8/10 >= persistent_prop 0.8
    "emerging": [0] * 9 + [3],  # older 0/8 < 0.1, recent 1/2 >= 0.1
    "former": [3, 3] + [0] * 8,  # older 2/8 >= 0.1, recent 0/2 < 0.1
    "intermittent": [3, 0, 0, 3, 0, 0, 0, 0, 0, 3],  # older 2/8 and recent 1/2
}


# scheme: (rules, hot series, (hot word, cold word), categories)
SCHEMES = {
    "arcgis": (classify_arcgis, ARCGIS_HOT_SERIES, ("hot spot", "cold spot"), ARCGIS_CATEGORIES),
    "sfhotspot": (classify_sfhotspot, SF_HOT_SERIES, ("hotspot", "coldspot"),
                  SFHOTSPOT_CATEGORIES),
}


@pytest.mark.parametrize(("scheme", "kind"),
                         [(scheme, kind) for scheme, (_, series, _, _) in SCHEMES.items()
                          for kind in series])
@pytest.mark.parametrize("sign", [1, -1], ids=["hot", "cold"])
def test_category_from_hand_built_series(scheme, kind, sign):
    # the cold series mirror the hot ones and must give the mirrored category
    classify, series, words, categories = SCHEMES[scheme]
    z = sign * np.array([series[kind]], dtype=float)
    got = classify(z, np.abs(z) > CRIT)
    assert got.tolist() == [f"{kind} {words[0] if sign == 1 else words[1]}"]
    assert got[0] in categories


def test_sfhotspot_mixed_and_no_pattern():
    z = np.array([[3, 3, 0, 0, 0, 0, 0, 0, 0, -3], [0] * 10], dtype=float)
    assert classify_sfhotspot(z, np.abs(z) > CRIT).tolist() == ["mixed hot/coldspot",
                                                                "no pattern"]


def test_sfhotspot_1_0_off_by_one_recent_window():
    # Hot only in period 8 of 10. Clean: recent = periods 9-10 -> 0/2, older 1/8 -> former.
    # sfhotspot 1.0.0 sums periods 8-10 (r + 1 columns) over r = 2 -> 1/2: not former, and
    # prop = 1/10 >= 0.1 -> intermittent.
    z = np.array([[0] * 7 + [3, 0, 0]], dtype=float)
    sig = np.abs(z) > CRIT
    assert classify_sfhotspot(z, sig).tolist() == ["former hotspot"]
    assert classify_sfhotspot(z, sig, compat="sfhotspot-1.0").tolist() == [
        "intermittent hotspot"]


def test_sfhotspot_1_0_compares_recent_with_recent_prop():
    # 30 periods, r = 6; hot only in the final period: recent = 1/6 = 0.167.
    # Documented rule: 0.167 >= hotspot_prop 0.1 -> emerging. 1.0.0 code: recent (7 columns
    # over 6, still 1/6) >= recent_prop 0.2 fails, prop 1/30 < 0.1 -> no pattern.
    z = np.array([[0] * 29 + [3]], dtype=float)
    sig = np.abs(z) > CRIT
    assert classify_sfhotspot(z, sig).tolist() == ["emerging hotspot"]
    assert classify_sfhotspot(z, sig, compat="sfhotspot-1.0").tolist() == ["no pattern"]


def test_sfhotspot_rejects_bad_input():
    with pytest.raises(ValueError, match="At least 2 periods"):
        classify_sfhotspot(np.zeros((3, 1)), np.zeros((3, 1), bool))
    with pytest.raises(ValueError, match="same shape"):
        classify_sfhotspot(np.zeros((3, 4)), np.zeros((3, 5), bool))
    with pytest.raises(ValueError, match="compat"):
        classify_sfhotspot(np.zeros((3, 4)), np.zeros((3, 4), bool), compat="sfhotspot")


# --- hotspot_classify on a simulated grid ----------------------------------------------------
