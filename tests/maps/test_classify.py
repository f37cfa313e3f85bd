"""Map classification (issue 15): mapclassify schemes, signed columns, label thinning, privacy."""

from __future__ import annotations

import html as html_lib
import json
import re
import warnings

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest

from hotspots.maps import explore_areas
from hotspots.maps._classify import scheme_classes, signed_classes
from hotspots.maps._style import DIVERGING_DOWN, DIVERGING_UP, SEQUENTIAL


def render(m) -> str:
    return m.get_root().render()


def layer_data(html: str) -> list[dict]:
    """Every FeatureCollection passed to L.geoJson in the page, parsed."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(html, match.end())[0]
            for match in re.finditer(r"L\.geoJson\(", html)]


def legend_items(html: str) -> list[str]:
    """Legend row labels (legends are JSON strings of escaped HTML in the page)."""
    decoded = html.encode().decode("unicode_escape", errors="ignore")
    found = re.findall(r'hotspots-legend-item"><span[^>]*></span><span>([^<]*)</span>', decoded)
    return [html_lib.unescape(item) for item in found]


@pytest.fixture(scope="module")
def city_wards_table(city_areas, city_2018):
    """Real ward counts: every City of London street crime of 2018, by ward."""
    from hotspots.areas import area_counts

    return area_counts(city_2018, city_areas, level="ward")


def _classes_by_area(html: str) -> dict[str, int]:
    """Area name -> style index of the area layer (the first layer; tooltip starts with name)."""
    (fc, *_rest) = layer_data(html)
    return {f["properties"]["t"][0]: f["properties"]["s"] for f in fc["features"]}


def _mapclassify(scheme: str, values: np.ndarray, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed"
        return {
            "natural_breaks": mapclassify.FisherJenks,
            "quantiles": mapclassify.Quantiles,
            "equal_interval": mapclassify.EqualInterval,
            "user_defined": mapclassify.UserDefined,
        }[scheme](values, **kw)


@pytest.mark.parametrize(
    ("scheme", "column", "options"),
    [
        ("natural_breaks", "n", {}),
        ("quantiles", "n", {}),
        ("equal_interval", "n", {}),
        ("natural_breaks", "share", {}),
        ("quantiles", "share", {}),
        ("equal_interval", "share", {}),
        ("user_defined", "n", {"bins": [100, 300, 1000]}),
    ],
)
def test_every_area_is_in_the_class_mapclassify_gives_it(city_wards_table, city_areas, scheme,
                                                         column, options):
    table = city_wards_table[city_wards_table["area_id"].notna()]
    html = render(explore_areas(table, city_areas, column=column, mode="restricted",
                                tiles=None, scheme=scheme, **options))
    values = table[column].to_numpy(dtype=float) * (100 if column == "share" else 1)
    positive = values > 0
    assert positive.sum() >= 20
    kw = {"bins": options["bins"]} if options else {"k": 5}
    peer = _mapclassify(scheme, values[positive], **kw)
    drawn = _classes_by_area(html)
    names = table["area_name"].to_numpy()[positive]
    assert [drawn[name] for name in names] == peer.yb.tolist()
    # One legend row per class, each ending at mapclassify's upper bound (counts: whole).
    classes = scheme_classes(values, scheme=scheme, k=5, integer=column == "n",
                             bins=options.get("bins"), unit="%" if column == "share" else "")
    expected = np.floor(peer.bins) if column == "n" else peer.bins
    np.testing.assert_allclose(classes.breaks, expected, rtol=0, atol=0)
    assert legend_items(html)[: len(classes.labels)] == list(classes.labels)
    assert len(set(peer.yb)) > 2  # the classes really split the areas


def test_unknown_scheme_and_user_scheme_without_bins_are_refused(city_wards_table, city_areas):
    with pytest.raises(ValueError, match="'scheme' parameter of explore_areas"):
        explore_areas(city_wards_table, city_areas, mode="restricted", scheme="jenks_caspall")
    with pytest.raises(ValueError, match="needs bins"):
        explore_areas(city_wards_table, city_areas, mode="restricted", scheme="user_defined")


@pytest.fixture(scope="module")
def ward_gistar(bradford_areas, west_yorkshire_2017):
    """Gi* z-scores of real 2017 West Yorkshire street crime counted by Bradford ward."""
    from hotspots.areas import area_counts
    from hotspots.hotspot.areas import area_gistar

    counts = area_counts(west_yorkshire_2017, bradford_areas, level="ward",
                         allow_outside=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.DataFrame(area_gistar(counts, bradford_areas, level="ward").drop(
            columns="geometry"))


def test_negative_z_scores_are_kept_blue_with_a_legend_below_zero(ward_gistar, bradford_areas):
    z = ward_gistar["gistar"].to_numpy()
    assert (z < 0).sum() >= 5
    assert (z > 0).sum() >= 5
    html = render(explore_areas(ward_gistar, bradford_areas, column="gistar",
                                mode="restricted", tiles=None))
    drawn = _classes_by_area(html)
    classes = signed_classes(z, k=3)
    colours = list(classes.colors)
    for name, value in zip(ward_gistar["area_name"], z, strict=True):
        colour = colours[drawn[name]]  # every area drawn in a class (none dropped)
        assert colour in (DIVERGING_DOWN if value < 0 else DIVERGING_UP), (name, value)
    # Mirror classes: the sizes are mapclassify's natural breaks of |z|.
    peer = _mapclassify("natural_breaks", np.abs(z[z != 0]), k=3)
    np.testing.assert_array_equal(classes.magnitudes, peer.bins)
    items = legend_items(html)
    assert items[0].startswith("-")
    assert float(items[0].split(" to ")[0]) < -1
    assert items == list(classes.labels)
    assert len(items) == 6
    # Symmetric: -x and x get mirror classes.
    idx = classes.index(np.array([-2.0, 2.0, -0.1, 0.1]))
    assert idx[0] + idx[1] == 5
    assert idx[2] + idx[3] == 5


def test_share_change_is_signed_even_when_asked_with_bins(ward_gistar, bradford_areas):
    table = ward_gistar.assign(share_change=ward_gistar["gistar"] / 100)
    html = render(explore_areas(table, bradford_areas, column="share_change",
                                mode="restricted", tiles=None, bins=[1, 2]))
    items = legend_items(html)
    # Sizes 1 and 2 (and the largest), mirrored: the bins are sizes, in percent.
    assert items[1:5] == ["-2 to -1%", "-1 to 0%", "0 to 1%", "1 to 2%"]
    assert len(items) == 6
    assert items[0].endswith(" to -2%")
    assert items[-1].startswith("2 to ")


@pytest.fixture(scope="module")
def lsoa_areas(shared_file):
    from hotspots.areas import AreaSet

    frame = gpd.read_file(shared_file("boundaries", "bradford-lsoa-2011.geojson")).to_crs(27700)
    from hotspots.errors import DataQualityWarning

    with pytest.warns(DataQualityWarning, match="repaired 2 invalid polygon"):
        return AreaSet.from_frames(name="bradford-lsoa-2011", vintage="2011", lsoa=frame)


def _label_boxes_px(html: str, width_px: float = 900) -> tuple[list[str], np.ndarray]:
    """Label texts and their pixel boxes at the zoom that fits the area layer to 900 px."""
    area_fc, label_fc = layer_data(html)[:2]
    area_xy = gpd.GeoDataFrame.from_features(area_fc["features"], crs=4326).to_crs(3857)
    x0, y0, x1, y1 = area_xy.total_bounds
    scale = width_px / max(x1 - x0, (y1 - y0) * 1.5)
    pts = gpd.GeoDataFrame.from_features(label_fc["features"], crs=4326).to_crs(3857)
    texts = [f["properties"]["l"] for f in label_fc["features"]]
    half_w = np.array([len(t) * 6 + 4 for t in texts]) / 2
    return texts, np.c_[pts.geometry.x * scale, pts.geometry.y * scale, half_w]


def _overlapping_pairs(boxes: np.ndarray) -> int:
    x, y, hw = boxes.T
    dx = np.abs(x[:, None] - x[None, :]) < hw[:, None] + hw[None, :]
    dy = np.abs(y[:, None] - y[None, :]) < 12
    return int(np.triu(dx & dy, 1).sum())


def test_lsoa_labels_are_thinned_so_none_collide_and_names_stay_on_hover(lsoa_areas,
                                                                        west_yorkshire_2017):
    from hotspots.areas import area_counts

    table = area_counts(west_yorkshire_2017, lsoa_areas, level="lsoa", allow_outside=True)
    every = render(explore_areas(table, lsoa_areas, mode="restricted", tiles=None, labels=True))
    texts, boxes = _label_boxes_px(every)
    assert len(texts) == 310
    assert _overlapping_pairs(boxes) > 100  # all 310 names: a blur
    html = render(explore_areas(table, lsoa_areas, mode="restricted", tiles=None))
    texts, boxes = _label_boxes_px(html)
    assert 0 < len(texts) < 60
    assert _overlapping_pairs(boxes) == 0
    assert len(_classes_by_area(html)) == 310  # every LSOA still named in its tooltip
    assert any("names too small to write: hover" in i for i in [html.encode().decode(
        "unicode_escape", errors="ignore")])


def test_ward_labels_default_keeps_names_that_fit(bradford_areas, ward_gistar):
    html = render(explore_areas(ward_gistar, bradford_areas, column="n", mode="restricted",
                                tiles=None))
    texts, boxes = _label_boxes_px(html)
    assert 10 <= len(texts) <= 30
    assert _overlapping_pairs(boxes) == 0
    none = render(explore_areas(ward_gistar, bradford_areas, column="n", mode="restricted",
                                tiles=None, labels=False))
    assert len(layer_data(none)) < len(layer_data(html))


def test_public_classes_come_from_shown_values_only(city_areas, city_2018):
    from hotspots.areas import area_counts
    from hotspots.privacy import suppress

    raw = area_counts(city_2018[city_2018["category"] == "Bicycle theft"], city_areas,
                      level="ward")
    shown_table = suppress(raw, k=5)
    mapped = raw["area_id"].notna().to_numpy()
    hidden = shown_table["suppressed"].astype(bool).to_numpy() & mapped
    assert hidden.sum() >= 2
    for scheme in ("natural_breaks", "quantiles", "equal_interval"):
        html = render(explore_areas(raw, city_areas, tiles=None, scheme=scheme))
        items = legend_items(html)
        shown = raw["n"].to_numpy(dtype=float)[~hidden & mapped]
        expected = scheme_classes(shown, scheme=scheme, k=5, integer=True)
        with_hidden = scheme_classes(raw["n"].to_numpy(dtype=float)[mapped], scheme=scheme, k=5,
                                     integer=True)
        assert expected.labels != with_hidden.labels  # the test can tell the two apart
        assert items[: len(expected.labels)] == list(expected.labels)
        # No legend bound is a hidden count.
        hidden_counts = set(raw["n"].to_numpy()[hidden].astype(int))
        bounds = {int(b) for b in expected.breaks} | {int(expected.lower)}
        assert not bounds & hidden_counts
        assert SEQUENTIAL[len(expected.breaks)][0] in html


def test_zero_sits_between_falls_and_rises(ward_gistar, bradford_areas):
    table = ward_gistar.assign(n_change=np.round(ward_gistar["gistar"] * 3))
    assert (table["n_change"] == 0).any()
    items = legend_items(render(explore_areas(table, bradford_areas, column="n_change",
                                              mode="restricted", tiles=None)))
    assert items[3] == "0"
    assert items[2].startswith("-")
    assert not items[4].startswith("-")


def test_natural_breaks_of_many_values_use_evenly_spaced_order_statistics():
    import mapclassify

    from hotspots.maps._classify import _JENKS_MAX, _jenks_sample, class_breaks

    rng = np.random.default_rng(7)
    values = rng.negative_binomial(2, 0.1, 3000).astype(float)
    sample = _jenks_sample(values)
    assert sample.size == _JENKS_MAX
    assert sample[0] == values.min()
    assert sample[-1] == values.max()
    breaks = class_breaks(values, scheme="natural_breaks", k=5)
    # deterministic, ends at the maximum, and equal to Fisher-Jenks of the sample itself
    assert breaks.tolist() == class_breaks(values, scheme="natural_breaks", k=5).tolist()
    assert breaks[-1] == values.max()
    assert breaks.tolist() == np.unique(mapclassify.FisherJenks(sample, k=5).bins).tolist()
    # small inputs are classed exactly, as before
    small = values[:200]
    assert (class_breaks(small, scheme="natural_breaks", k=4).tolist()
            == np.unique(mapclassify.FisherJenks(small, k=4).bins).tolist())
