"""hotspot_classify: Gi* per period on one grid, then the emerging hot spot rules."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.change.classify import SFHOTSPOT_CATEGORIES

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


def test_neighbor_distance_still_works_with_a_futurewarning(planted):
    # renamed neighbour_distance in 0.2.0 (issue 12); the old spelling works for one release
    from hotspots.change.classify import hotspot_classify

    inc, clip = planted
    new = hotspot_classify(inc, freq="Y", cell_size=CELL, clip=clip, neighbour_distance=250)
    with pytest.warns(FutureWarning, match=r"neighbor_distance=.*renamed neighbour_distance="):
        old = hotspot_classify(inc, freq="Y", cell_size=CELL, clip=clip, neighbor_distance=250)
    assert old["category"].tolist() == new["category"].tolist()
    np.testing.assert_array_equal(old["mk_z"], new["mk_z"])
    assert old.attrs["hotspots"]["neighbor_distance"] == 250.0
    # a different neighbourhood changes the z-scores: the keyword is not ignored
    default = hotspot_classify(inc, freq="Y", cell_size=CELL, clip=clip)
    assert not np.allclose(default["mk_z"], new["mk_z"])
    with pytest.raises(TypeError, match="both"):
        hotspot_classify(inc, freq="Y", cell_size=CELL, clip=clip, neighbor_distance=250,
                         neighbour_distance=250)
    with pytest.raises(ValueError, match="'neighbour_distance' parameter of hotspot_classify"):
        hotspot_classify(inc, freq="Y", cell_size=CELL, clip=clip, neighbour_distance=-1)

