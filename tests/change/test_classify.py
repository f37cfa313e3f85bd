"""Emerging hot spot rules (one hand-built series per category) and hotspot_classify."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.change.classify import (
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

X0, Y0 = 400_000.0, 430_000.0
CELL = 100.0


def _planted(seed: int = 4):
    """10 years on a 1 km square (100 cells of 100 m): background 400 a year, a 3 x 3 block
    of cells centred on (250, 250) hot every year (+90 a year) and one centred on (750, 650)
    hot in the last two years only (+90 a year)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed)
    xy, dates = [], []
    for year in range(2010, 2020):
        parts = [rng.uniform([X0, Y0], [X0 + 1000, Y0 + 1000], size=(400, 2)),
                 rng.uniform([X0 + 100, Y0 + 100], [X0 + 400, Y0 + 400], size=(90, 2))]
        if year >= 2018:
            parts.append(rng.uniform([X0 + 600, Y0 + 500], [X0 + 900, Y0 + 800], size=(90, 2)))
        pts = np.vstack(parts)
        xy.append(pts)
        dates += [pd.Timestamp(year, 1, 1) + pd.Timedelta(days=int(d))
                  for d in rng.integers(0, 365, len(pts))]
    inc = gpd.GeoDataFrame({"occurred": pd.to_datetime(dates)},
                           geometry=shapely.points(np.vstack(xy)), crs="EPSG:27700")
    clip = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    return inc, clip


def _cell_at(result, x, y):
    return result.index[(np.abs(result["x"] - x) < CELL / 2) & (np.abs(result["y"] - y) < CELL / 2)
                        ][0]


@pytest.fixture(scope="module")
def planted():
    return _planted()


def test_hotspot_classify_finds_planted_patterns_sfhotspot(planted):
    from hotspots.change.classify import hotspot_classify

    inc, clip = planted
    res = hotspot_classify(inc, freq="Y", cell_size=CELL, clip=clip)
    assert res.columns.tolist()[-7:] == ["n", "n_sig_hot", "n_sig_cold", "mk_z", "mk_p",
                                         "category", "geometry"]
    assert len(res) == 100
    assert res["n"].sum() == len(inc)
    persistent = _cell_at(res, X0 + 250, Y0 + 250)
    emerging = _cell_at(res, X0 + 750, Y0 + 650)
    assert res.loc[persistent, "category"] == "persistent hotspot"
    assert res.loc[persistent, "n_sig_hot"] == 10
    assert res.loc[emerging, "category"] == "emerging hotspot"
    assert res.loc[emerging, "n_sig_hot"] == 2
    assert res.attrs["hotspots"]["periods"] == [str(y) for y in range(2010, 2020)]
    assert list(res["category"].cat.categories) == list(SFHOTSPOT_CATEGORIES)


def test_hotspot_classify_finds_planted_patterns_arcgis(planted):
    from hotspots.change.classify import hotspot_classify

    inc, clip = planted
    res = hotspot_classify(inc, freq="Y", scheme="arcgis", cell_size=CELL, clip=clip)
    persistent = _cell_at(res, X0 + 250, Y0 + 250)
    consecutive = _cell_at(res, X0 + 750, Y0 + 650)
    assert res.loc[persistent, "mk_p"] > 0.05  # no trend in this draw
    assert res.loc[persistent, "category"] == "persistent hot spot"
    assert res.loc[consecutive, "category"] == "consecutive hot spot"
    assert res.loc[consecutive, "mk_z"] > 0


def test_hotspot_classify_significance_matches_hotspot_gistar(planted):
    """n_sig_hot counts the periods in which hotspot_gistar (FDR) labels the cell hot."""
    from hotspots.change.classify import hotspot_classify
    from hotspots.hotspot import hotspot_gistar

    inc, clip = planted
    res = hotspot_classify(inc, freq="Y", cell_size=CELL, clip=clip)
    grid = res[["cell_id", "x", "y", "inside", "geometry"]]
    years = inc["occurred"].dt.year
    hot = np.zeros(len(res), dtype=int)
    cold = np.zeros(len(res), dtype=int)
    for year in range(2010, 2020):
        g = hotspot_gistar(inc[years == year], grid=grid, p_adjust="fdr_bh", alpha=0.05)
        hot += (g["hotspot"] == "hot").to_numpy()
        cold += (g["hotspot"] == "cold").to_numpy()
    assert (res["n_sig_hot"].to_numpy() == hot).all()
    assert (res["n_sig_cold"].to_numpy() == cold).all()


def test_period_significance_holm_across_periods_in_compat():
    from hotspots.change.classify import period_significance

    p = np.array([[0.01, 0.02, 0.04], [0.001, 0.3, 0.6]])
    # R: p.adjust(c(.01, .02, .04), "holm") = .03 .04 .04; p.adjust(c(.001, .3, .6)) =
    # .003 .6 .6
    assert period_significance(p, compat="sfhotspot-1.0").tolist() == [[True, True, True],
                                                                        [True, False, False]]
    # the clean default corrects across cells within each period: BH over 2 cells makes
    # period 3 (0.04, 0.6) -> (0.08, 0.6), so nothing is significant there
    assert period_significance(p).tolist() == [[True, True, False], [True, False, False]]
    assert period_significance(p, p_adjust="bonferroni").tolist() == [[True, True, False],
                                                                     [True, False, False]]
    assert period_significance(p, p_adjust="none", alpha=0.015).tolist() == [
        [True, False, False], [True, False, False]]


def test_hotspot_classify_compat_and_arguments(planted):
    from hotspots.change.classify import hotspot_classify

    inc, clip = planted
    res = hotspot_classify(inc, freq="Y", cell_size=CELL, clip=clip, compat="sfhotspot-1.0")
    assert res.attrs["hotspots"]["p_adjust"] == "none"
    assert res.loc[_cell_at(res, X0 + 250, Y0 + 250), "category"] == "persistent hotspot"
    with pytest.raises(ValueError, match="compat"):
        hotspot_classify(inc, freq="Y", scheme="arcgis", clip=clip, compat="sfhotspot-1.0")
    with pytest.raises(ValueError, match="scheme"):
        hotspot_classify(inc, freq="Y", scheme="esri", clip=clip)
    one_year = inc[inc["occurred"].dt.year == 2015]
    with pytest.raises(ValueError, match="at least 2 periods"):
        hotspot_classify(one_year, freq="Y", cell_size=CELL, clip=clip)


def test_hotspot_classify_empty_period_is_not_significant(planted):
    from hotspots.change.classify import hotspot_classify

    inc, clip = planted
    gap = inc[inc["occurred"].dt.year != 2013]  # 2013 has no incidents at all
    res = hotspot_classify(gap, freq="Y", cell_size=CELL, clip=clip)
    assert res.attrs["hotspots"]["empty_periods"] == ["2013"]
    persistent = _cell_at(res, X0 + 250, Y0 + 250)
    assert res.loc[persistent, "n_sig_hot"] == 9


# --- issue 11: partly covered first/last periods ---------------------------------------------

def test_partial_last_period_turns_persistent_into_historical_unless_left_out(planted):
    from hotspots.change.classify import hotspot_classify

    inc, clip = planted
    # the extract ends on 21 January 2019: 2019 is covered for 21 of 365 days and holds 25
    # incidents, too few for the block's Gi* to be significant in this draw
    cut = inc[inc["occurred"] < "2019-01-22"]
    kw = {"freq": "Y", "scheme": "arcgis", "cell_size": CELL, "clip": clip}
    used = hotspot_classify(cut, partial_periods="include", **kw)
    left_out = hotspot_classify(cut, **kw)
    cell = _cell_at(used, X0 + 250, Y0 + 250)
    # with the 41-day "year" last, the always-hot block looks as if it had cooled
    assert used.loc[cell, "category"] == "historical hot spot"
    assert left_out.loc[cell, "category"] == "persistent hot spot"
    for res in (used, left_out):
        assert res.attrs["hotspots"]["partial_periods"] == ["2019"]
    assert left_out.attrs["hotspots"]["periods"] == [str(y) for y in range(2010, 2019)]
    assert used.attrs["hotspots"]["n_periods"] == 10
    # every incident is accounted for: used, or counted as in a left-out period
    n_2019 = int((cut["occurred"].dt.year == 2019).sum())
    assert left_out.attrs["hotspots"]["n_in_excluded_periods"] == n_2019
    assert left_out["n"].sum() + n_2019 == used["n"].sum() == len(cut)
    assert n_2019 == 25
    with pytest.raises(ValueError, match="partial_periods"):
        hotspot_classify(cut, partial_periods="drop", **kw)


@pytest.mark.slow
def test_city_quarters_flag_the_partly_covered_2017_q4_and_2020_q4(city_areas, shared_file):
    # issue 11: police.uk files Dec 2017 to Nov 2020 hold 1 month of 2017 Q4 and 2 of
    # 2020 Q4; with them, 9 cells (100 m) are "former hot spots"
    import warnings

    from hotspots.change.classify import hotspot_classify
    from hotspots.io import read_police_uk

    street = shared_file("data", "city-of-london", "street")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # police.uk snap-point notes are not the point here
        city = read_police_uk(sorted(street.glob("*.csv")))
    kw = {"freq": "Q", "cell_size": 100, "clip": city_areas}
    used = hotspot_classify(city, partial_periods="include", **kw)
    left_out = hotspot_classify(city, **kw)
    info = left_out.attrs["hotspots"]
    assert info["partial_periods"] == ["2017 Q4", "2020 Q4"]
    assert info["n_periods"] == 11
    assert info["periods"][0] == "2018 Q1"
    assert info["periods"][-1] == "2020 Q3"
    assert info["coverage_start"].startswith("2017-12-01")
    assert info["coverage_end"].startswith("2020-12-01")
    assert int((used["category"] == "former hotspot").sum()) == 9
    # without the partial quarters the two most recent are 2020 Q2-Q3, the lockdown: the
    # "former hot spots" that remain reflect a real fall, not a short quarter
    former = left_out["category"] == "former hotspot"
    assert int(former.sum()) == 10
    assert int((left_out["category"] == "persistent hotspot").sum()) == 9
