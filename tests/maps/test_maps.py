"""Fast tests of hotspots.maps (no browser): what the rendered HTML holds, and what it must not."""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
import sys
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.maps import (
    PublicModeError,
    explore_areas,
    explore_change,
    explore_clusters,
    explore_hotspots,
    explore_premises,
)
from hotspots.maps._style import (
    GI_BIN_COLORS,
    diverging_classes,
    sequential_classes,
)

FHRS = "data/city-of-london/premises/fhrs-city-of-london-2021-08-19.csv"
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def simulated(bradford_areas):
    from hotspots.simulate import simulate_incidents

    return simulate_incidents(bradford_areas, n_before=2000, n_after=2000, seed=3)


@pytest.fixture(scope="module")
def gistar(simulated, bradford_areas):
    from hotspots.hotspot import hotspot_gistar

    return hotspot_gistar(simulated, clip=bradford_areas)


@pytest.fixture(scope="module")
def counts(simulated, bradford_areas):
    from hotspots.hotspot import hotspot_count

    return hotspot_count(simulated, clip=bradford_areas)


def render(m) -> str:
    return m.get_root().render()


def layer_data(html: str) -> list[dict]:
    """Every FeatureCollection passed to L.geoJson in the page, parsed."""
    decoder = json.JSONDecoder()
    out = []
    for match in re.finditer(r"L\.geoJson\(", html):
        obj, _ = decoder.raw_decode(html, match.end())
        out.append(obj)
    return out


def shown_values(html: str) -> list:
    """Every value written into tooltips, popups, labels and rank markers of the page."""
    values = []
    for fc in layer_data(html):
        for feature in fc["features"]:
            props = feature["properties"]
            for key in ("t", "p"):
                values.extend(props.get(key, []))
            values.extend(props[key] for key in ("l", "r") if key in props)
    return values


def number_in_page(number: int, html: str) -> bool:
    """True if ``number`` appears as a whole number anywhere (not inside 1.74321 etc.)."""
    return re.search(rf"(?<![\d.]){number}(?![\d.])", html) is not None


def overlay_names(html: str) -> list[str]:
    """Names of the overlays listed in the page's layer control(s)."""
    return re.findall(r'"([^"]+)"\s*:\s*feature_group_', html)


def legend_items(html: str) -> list[str]:
    """Legend row labels (legends are JSON strings of escaped HTML in the page)."""
    decoded = html.encode().decode("unicode_escape", errors="ignore")
    found = re.findall(r'hotspots-legend-item"><span[^>]*></span><span>([^<]*)</span>', decoded)
    return [html_lib.unescape(item) for item in found]


def square_grid(n_side=20, cell=250.0, x0=412000.0, y0=430000.0, seed=0):
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(x0 + cell * np.arange(n_side), y0 + cell * np.arange(n_side))
    xs, ys = xs.ravel(), ys.ravel()
    frame = gpd.GeoDataFrame(
        {
            "cell_id": np.arange(xs.size),
            "n": rng.poisson(4, xs.size),
            "ward": "Bradford Moor",
        },
        geometry=shapely.box(xs, ys, xs + cell, ys + cell),
        crs="EPSG:27700",
    )
    frame.attrs["hotspots"] = {"cell_size": cell, "grid_type": "square"}
    return frame


# --- import laziness -------------------------------------------------------------------------

def test_import_maps_does_not_import_folium_branca_jinja2():
    code = (
        "import sys, json, hotspots, hotspots.maps; "
        "print(json.dumps(sorted(m for m in ('folium', 'branca', 'jinja2') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_builders_load_on_first_use():
    # a hot spot map need not load the premises, change and area builders (and the
    # premises, io and privacy modules behind them)
    code = (
        "import sys, json, hotspots.maps as m; before = sorted(k for k in sys.modules "
        "if k.startswith('hotspots.maps.') and not k.split('.')[-1].startswith('_')); "
        "from hotspots.maps import explore_hotspots; "
        "after = sorted(k for k in sys.modules if k.startswith('hotspots.maps.') "
        "and not k.split('.')[-1].startswith('_')); "
        "print(json.dumps([before, after, explore_hotspots.__module__, "
        "'explore_premises' in dir(m)]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after, module, listed = json.loads(out.stdout)
    assert before == []
    assert after == ["hotspots.maps.hotspots"]
    assert module == "hotspots.maps.hotspots"
    assert listed
    import hotspots.maps

    assert hotspots.maps.explore_premises is explore_premises
    with pytest.raises(AttributeError, match="no attribute 'explore_nothing'"):
        hotspots.maps.explore_nothing  # noqa: B018


# --- palettes and classes --------------------------------------------------------------------

def test_sequential_classes_cover_positive_values_and_label_in_units():
    values = np.array([0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, np.nan])
    classes = sequential_classes(values, k=4, integer=True)
    idx = classes.index(values)
    assert idx[0] == -1
    assert idx[-1] == -1
    assert (idx[1:-1] >= 0).all()
    assert list(idx[1:-1]) == sorted(idx[1:-1])  # monotone
    assert classes.labels[0].startswith("1 to ")
    assert classes.labels[-1].endswith("89")
    kde = sequential_classes([0.5, 12.0, 250.0], unit=" per km²")
    assert all(label.endswith(" per km²") for label in kde.labels)


def test_diverging_classes_mirror_rises_and_falls():
    classes = diverging_classes([-9, -4, -1, 0, 1, 4, 9], integer=True)
    idx = classes.index(np.array([-9, -4, -1, 0, 1, 4, 9]))
    assert list(idx) == [0, 1, 2, 3, 4, 5, 6]
    assert classes.labels[3] == "No change"
    assert classes.labels[2] == "Fall of 1 to 3"
    assert classes.labels[4] == "Rise of 1 to 3"
    assert classes.labels[0] == "Fall of 7 or more"
    assert classes.labels[6] == "Rise of 7 or more"


# --- explore_hotspots --------------------------------------------------------------------------

def test_gistar_cells_coloured_by_their_bin_with_seven_legend_rows(gistar):
    bins = gistar["gi_bin"].to_numpy()
    assert (bins > 0).any()  # the simulation plants hot spots
    html = render(explore_hotspots(gistar, tiles=None))
    (fc, *_outlines) = layer_data(html)
    # Not significant cells are not drawn; every other cell is, in its bin's colour.
    assert len(fc["features"]) == int((bins != 0).sum())
    styles = json.loads(re.search(r"var styles = (\[.*?\]);", html).group(1))
    drawn = [[-3, -2, -1, 0, 1, 2, 3][f["properties"]["s"]] for f in fc["features"]]
    assert sorted(drawn) == sorted(bins[bins != 0].tolist())
    for feature, gi_bin in zip(fc["features"], drawn, strict=True):
        assert styles[feature["properties"]["s"]]["fillColor"] == GI_BIN_COLORS[gi_bin]
    # Tooltip: n, z, adjusted p, ward, in that order, rounded for display.
    hot = gistar[gistar["gi_bin"] != 0].iloc[0]
    tip = fc["features"][0]["properties"]["t"]
    assert tip[0] == int(hot["n"])
    assert tip[1] == pytest.approx(hot["gistar"], rel=1e-3)
    assert tip[3] == hot["ward"]
    items = legend_items(html)
    assert items[0] == "Hot spot, 99% confidence"
    assert items[-1] == "Cold spot, 99% confidence"
    assert len(items) == 7


def test_tooltip_allow_list_keeps_other_columns_out_of_the_page(counts):
    grid = counts.copy()
    grid["secret_note"] = "VICTIM-NAME-XYZ"
    html = render(explore_hotspots(grid, column="n", tiles=None))
    assert "VICTIM-NAME-XYZ" not in html
    # Area codes are in the grid but not in the allow-list (n, ward).
    for column in ("ward_id", "constituency_id"):
        for code in grid[column].dropna().unique():
            assert str(code) not in html
    (fc,) = layer_data(html)
    assert all(len(f["properties"]["t"]) == 2 for f in fc["features"])
    html2 = render(explore_hotspots(grid, column="n", tooltip=["secret_note"], tiles=None))
    assert "VICTIM-NAME-XYZ" in html2


def test_public_hotspot_counts_hide_small_cell_counts(counts):
    small = counts["n"].between(1, 4)
    assert small.any()
    html = render(explore_hotspots(counts, column="n", mode="public", tiles=None))
    (fc,) = layer_data(html)
    shown = [f["properties"]["t"][0] for f in fc["features"]]
    assert not any(isinstance(v, int) and 0 < v < 5 for v in shown)
    assert shown.count("<5") == int(small.sum())
    assert "1 to 4 (shown as <5)" in legend_items(html)


def test_coordinates_rounded_to_five_decimals(counts):
    html = render(explore_hotspots(counts, column="n", tiles=None))
    (fc,) = layer_data(html)
    coords = np.array(fc["features"][0]["geometry"]["coordinates"][0])
    assert np.allclose(coords, np.round(coords, 5), atol=0, rtol=0)
    assert not re.search(r"\[-?\d+\.\d{6,},-?\d+\.\d{6,}\]", html)


def test_title_and_footer_escaped_and_stamped(counts, bradford_areas):
    import hotspots

    html = render(explore_hotspots(counts, column="n", title=EVIL, areas=bradford_areas,
                                   tiles=None, period="2018"))
    assert EVIL not in html
    decoded = html.encode().decode("unicode_escape", errors="ignore")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decoded
    assert f"hotspots {hotspots.__version__}" in decoded
    assert "Data: 2018" in decoded
    assert "2013 vintage" in decoded
    assert "RESTRICTED" in decoded
    # ward and constituency outlines as two layers, plus the cells: three overlays.
    assert overlay_names(html) == ["Incidents per cell", "Wards (2013)",
                                   "Constituencies (2013)"]


def test_m_adds_layers_to_an_existing_map_with_one_footer_and_one_set_of_outlines(
    counts, gistar, bradford_areas
):
    m = explore_hotspots(counts, column="n", areas=bradford_areas, tiles=None)
    m2 = explore_hotspots(gistar, areas=bradford_areas, m=m)
    assert m2 is m
    html = render(m)
    assert html.count("hotspots-footer leaflet-control") == 1
    assert overlay_names(html) == ["Incidents per cell", "Wards (2013)",
                                   "Constituencies (2013)", "Getis-Ord Gi* hot spots"]
    assert m._repr_html_().startswith("<div")


def test_save_writes_html(tmp_path, counts):
    path = tmp_path / "map.html"
    explore_hotspots(counts, column="n", tiles=None).save(str(path))
    assert path.read_text(encoding="utf-8").lstrip().startswith("<!DOCTYPE html>")


# --- offline ----------------------------------------------------------------------------------

def test_offline_page_has_no_external_scripts_or_stylesheets(counts):
    html = render(explore_hotspots(counts, column="n", offline=True))
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", html)
    assert "Leaflet 1.9.4" in html  # inlined from the vendored copy
    assert "data:image/png;base64," in html  # leaflet.css images inlined
    assert "tile.openstreetmap" not in html
    assert "cartocdn" not in html
    # Nothing that loads: no src= or CSS url() or @import pointing anywhere but data: or an
    # in-page reference, in any tag (img, iframe, style, inline style attributes).
    assert not re.search(r"\bsrc\s*=\s*[\"']?(https?:)?//", html)
    assert not re.search(r"url\(\s*+[\"']?+(?!data:|#)", html)
    assert "@import" not in html
    # The only web addresses left are the SVG namespace, the Leaflet attribution link (read,
    # not fetched) and comments in the vendored Leaflet CSS.
    hosts = set(re.findall(r"https?://([^/\s\"'<>)]+)", html))
    assert hosts <= {"www.w3.org", "leafletjs.com", "bugzilla.mozilla.org", "bugs.chromium.org"}


def test_online_page_uses_tiles_and_cdn_links(counts):
    # Offline is the default (issue 15): an online page is asked for.
    html = render(explore_hotspots(counts, column="n", offline=False))
    assert "tile.openstreetmap.org" in html
    assert re.search(r"<script[^>]+src=\"https://", html)


# --- explore_areas: suppression ---------------------------------------------------------------

@pytest.fixture(scope="module")
def bicycle_thefts(city_areas, city_2018):
    """Real ward counts with small numbers: City of London bicycle thefts, 2018."""
    from hotspots.areas import area_counts

    areas, incidents = city_areas, city_2018
    table = area_counts(incidents[incidents["category"] == "Bicycle theft"], areas,
                        level="ward")
    assert table["n"].between(1, 4).sum() >= 2
    return table


def _shown_by_area(html: str) -> dict[str, list]:
    (fc, *_rest) = layer_data(html)
    return {f["properties"]["t"][0]: f["properties"]["t"][1:] for f in fc["features"]}


def test_public_areas_map_suppresses_and_never_holds_the_hidden_numbers(city_areas,
                                                                        bicycle_thefts):
    areas = city_areas
    raw = bicycle_thefts
    # Online page: the whole-page search below must not match the inlined Leaflet CSS
    # (rgba(0,0,0,0.65)) now that maps are offline by default (issue 15).
    html = render(explore_areas(raw, areas, tiles=None, offline=False))  # public by default
    shown = _shown_by_area(html)
    from hotspots.privacy import suppress

    expected = suppress(raw, k=5).set_index("area_name")
    hidden = expected.index[expected["suppressed"].astype(bool)]
    assert len(hidden) >= 2
    for name in hidden:
        n_shown, share_shown = shown[name]
        assert n_shown in ("<5", "[c]")
        assert share_shown == "[c]"
        true_n = int(raw.set_index("area_name").loc[name, "n"])
        assert true_n not in shown[name]
    visible = raw[~raw["area_name"].isin(hidden) & raw["area_id"].notna()]
    for name, n in zip(visible["area_name"], visible["n"], strict=True):
        assert shown[name][0] == int(n)
    items = legend_items(html)
    assert any(item.startswith("Suppressed (<5") for item in items)
    decoded = html.encode().decode("unicode_escape", errors="ignore")
    assert "counts under 5 suppressed" in decoded
    # The whole page source: every layer's properties of a hidden area hold no number at all,
    # and its share, in any way a page would write it, is nowhere in the file.
    raw_by_name = raw.set_index("area_name")
    for layer in layer_data(html):
        for feature in layer["features"]:
            props = feature["properties"]
            values = [*props.get("t", []), *props.get("p", []), props.get("l")]
            if values and values[0] in hidden:
                assert all(isinstance(v, str) or v is None for v in values[1:]), values
    visible_shares = set(raw.loc[~raw["area_name"].isin(hidden), "share"].round(6))
    for name in hidden:
        share = float(raw_by_name.loc[name, "share"])
        if round(share, 6) in visible_shares:
            continue
        for text in (f"{100 * share:.1f}%", f"{100 * share:.2f}", f"{share:.4g}",
                     repr(share)):
            assert text not in html, (name, text)
            assert text not in decoded, (name, text)
    # Legend classes come from the visible counts only (all 5 or more).
    numbers = [int(v) for item in items for v in re.findall(r"\d+", item)]
    assert min(n for n in numbers if n != 0) >= 5


def test_public_areas_map_of_a_suppressed_table_draws_it_as_given(city_areas, bicycle_thefts):
    from hotspots.privacy import suppress

    areas = city_areas
    table = suppress(bicycle_thefts, k=5)
    html = render(explore_areas(table, areas, tiles=None))
    shown = _shown_by_area(html)
    drawn = 0
    for name, text in zip(table["area_name"], table["n_display"], strict=True):
        if name in shown:
            drawn += 1
            assert shown[name][0] == (int(text) if text.isdigit() else text)
    assert drawn == len(areas["ward"])


def test_restricted_areas_map_shows_raw_counts(city_areas, bicycle_thefts):
    areas = city_areas
    html = render(explore_areas(bicycle_thefts, areas, mode="restricted", tiles=None))
    shown = _shown_by_area(html)
    small = bicycle_thefts[bicycle_thefts["n"].between(1, 4)]
    for name, n in zip(small["area_name"], small["n"], strict=True):
        assert shown[name][0] == int(n)


def test_area_labels_and_unmapped_rows(city_areas, bicycle_thefts):
    areas = city_areas
    html = render(explore_areas(bicycle_thefts, areas, mode="restricted", tiles=None))
    fcs = layer_data(html)
    assert len(fcs) == 4  # areas, names, ward and constituency outlines
    labels = [f["properties"]["l"] for f in fcs[1]["features"]]
    # Default labels="auto": Lime Street's name would run over a bigger neighbour's, so it
    # is named on hover only; labels=True writes every name.
    assert sorted(labels) == sorted(set(areas["ward"]["area_name"]) - {"Lime Street"})
    every = layer_data(render(explore_areas(bicycle_thefts, areas, mode="restricted",
                                            tiles=None, labels=True)))
    assert sorted(f["properties"]["l"] for f in every[1]["features"]) == sorted(
        areas["ward"]["area_name"])
    decoded = html.encode().decode("unicode_escape", errors="ignore")
    outside = bicycle_thefts.set_index("area_name").loc["Outside district", "n"]
    assert f"Outside district: {outside}" in decoded


def test_area_table_split_by_group_is_refused(city_areas, city_2018):
    from hotspots.areas import area_counts

    areas, incidents = city_areas, city_2018
    table = area_counts(incidents, areas, level="ward", by="category")
    with pytest.raises(ValueError, match="more than once"):
        explore_areas(table, areas, mode="restricted")


# --- premises, clusters: public mode and escaping ---------------------------------------------

@pytest.fixture(scope="module")
def ranked(city_2018, shared_file):
    """Real premises ranking: City of London FHRS premises and 2018 crimes."""
    fhrs = shared_file(FHRS)
    from hotspots.io.premises import read_fhrs
    from hotspots.premises import premises_rank

    incidents = city_2018
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return premises_rank(incidents, read_fhrs(fhrs))


def test_premises_names_escaped_and_numbered_markers(ranked):
    frame = ranked.copy()
    frame.loc[frame["rank"] == 1, "name"] = EVIL
    html = render(explore_premises(frame, top=10, tiles=None))
    assert EVIL not in html
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html
    (fc, *_rest) = layer_data(html)
    assert [f["properties"]["r"] for f in fc["features"]] == list(range(1, 11))
    # Popup: rank, name, type, class, score, linked, top categories, reasons (allow-list).
    first = fc["features"][0]["properties"]["p"]
    assert first[:2] == [1, EVIL]
    assert first[-1] == frame.loc[frame["rank"] == 1, "reasons"].iloc[0]
    address = frame.loc[frame["rank"] == 1, "address"].iloc[0]
    assert address not in html  # not in the default allow-list


#: The FSA types of the City file that are businesses open to the public.
_COMMERCIAL_FHRS = {"Restaurant/Cafe/Canteen", "Takeaway/sandwich shop", "Pub/bar/nightclub",
                    "Hotel/bed & breakfast/guest house", "Retailers - other",
                    "Retailers - supermarkets/hypermarkets"}


def test_public_premises_map_leaves_out_residential(ranked):
    frame = ranked.copy()
    frame.loc[frame["rank"] == 2, "premises_class"] = "residential"
    frame.loc[frame["rank"] == 4, "premises_type"] = "Children's home"
    hidden = set(frame.loc[frame["rank"].isin([2, 4]), "name"])
    html = render(explore_premises(frame, top=5, mode="public", tiles=None))
    (fc, *_rest) = layer_data(html)
    ordered = frame.sort_values("rank")
    allowed = ordered["premises_type"].isin(_COMMERCIAL_FHRS) & ~ordered["rank"].isin([2, 4])
    allowed &= ordered["score"] > 0
    # Numbered 1..5 in rank order: true ranks would have gaps that tell of hidden premises.
    assert [f["properties"]["r"] for f in fc["features"]] == [1, 2, 3, 4, 5]
    assert [f["properties"]["p"][1] for f in fc["features"]] == ordered.loc[
        allowed, "name"].head(5).tolist()
    for name in hidden:
        assert name not in [f["properties"]["p"][1] for f in fc["features"]]
    decoded = html.encode().decode("unicode_escape", errors="ignore")
    located = ~(frame.geometry.is_empty | frame.geometry.isna())
    left_out = int((located & ~(frame["premises_type"].isin(_COMMERCIAL_FHRS)
                               & ~frame["rank"].isin([2, 4]))).sum())
    assert left_out >= 2
    assert f"{left_out} premises not shown: public maps show only commercial types" in decoded


def test_premises_default_leaves_out_unlinked_and_checks_top(ranked):
    html = render(explore_premises(ranked, tiles=None))
    (fc, *_rest) = layer_data(html)
    located = ~(ranked.geometry.is_empty | ranked.geometry.isna())
    assert len(fc["features"]) == int(((ranked["score"] > 0) & located).sum())
    with pytest.raises(ValueError, match="'top' parameter"):
        explore_premises(ranked, top=0)


def _clusters():
    centres = [(416000, 433000), (418000, 434000)]
    hulls = [shapely.Point(c).buffer(150) for c in centres]
    summary = gpd.GeoDataFrame(
        {"cluster_id": [0, 1], "n": [40, 3], "share": [0.4, 0.03],
         "top_categories": ["Violence", EVIL], "wards": ["A", "B"]},
        geometry=hulls, crs="EPSG:27700",
    )
    rng = np.random.default_rng(0)
    xy = np.vstack([rng.normal(c, 50, (20, 2)) for c in centres])
    incidents = gpd.GeoDataFrame({"cluster": [0] * 20 + [1] * 20},
                                 geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
                                 crs="EPSG:27700")
    return summary, incidents


@pytest.fixture(scope="module")
def city_clusters(city_2018):
    from hotspots.cluster import cluster_incidents, cluster_summary

    incidents = city_2018
    labels = cluster_incidents(incidents, eps=75, min_samples=50)
    return cluster_summary(incidents, labels), labels


def test_public_cluster_map_refuses_incident_points(city_2018, city_clusters):
    incidents = city_2018
    summary, labels = city_clusters
    with pytest.raises(PublicModeError, match="cannot show incident points"):
        explore_clusters(summary, incidents, labels=labels, mode="public")


def test_restricted_cluster_map_draws_located_points_and_summaries(city_2018, city_clusters):
    incidents = city_2018
    summary, labels = city_clusters
    html = render(explore_clusters(summary, incidents, labels=labels, tiles=None))
    hulls, points = layer_data(html)
    assert len(hulls["features"]) == len(summary)
    located = incidents["location_status"] == "located"
    assert len(points["features"]) == int(located.sum())
    popup = hulls["features"][0]["properties"]["p"]
    assert popup[:2] == [int(summary["cluster_id"].iloc[0]), int(summary["n"].iloc[0])]
    assert popup[2] == f"{100 * summary['share'].iloc[0]:.1f}%"


def test_public_cluster_map_hides_small_sizes_and_escapes():
    summary, _ = _clusters()
    html = render(explore_clusters(summary, mode="public", tiles=None))
    assert EVIL not in html
    (fc,) = layer_data(html)
    popups = [f["properties"]["p"] for f in fc["features"]]
    assert popups[1][1] == "<5"
    assert popups[1][2] == "[c]"


# --- explore_change --------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["arcgis", "sfhotspot"])
def test_classify_categories_coloured_with_a_legend_of_those_present(simulated, bradford_areas,
                                                                      scheme):
    from hotspots.change.classify import hotspot_classify
    from hotspots.maps._style import EHSA_CATEGORIES, SFHOTSPOT_CATEGORIES, normalise_category

    result = hotspot_classify(simulated, freq="Q", clip=bradford_areas, scheme=scheme)
    html = render(explore_change(result, tiles=None))
    palette = {key: color for key, _label, color in [*SFHOTSPOT_CATEGORIES, *EHSA_CATEGORIES]}
    present = [c for c in result["category"].cat.categories
               if (result["category"] == c).any() and not c.startswith("no pattern")]
    assert present  # the simulation plants persistent hot spots
    items = legend_items(html)
    assert items == [c[:1].upper() + c[1:] for c in present]  # the producer's order
    (fc, *_outlines) = layer_data(html)
    patterned = ~result["category"].astype(str).str.startswith("no pattern")
    assert len(fc["features"]) == int(patterned.sum())  # "no pattern" cells not drawn
    styles = json.loads(re.search(r"var styles = (\[.*?\]);", html).group(1))
    for feature in fc["features"]:
        category = feature["properties"]["t"][0]
        color = styles[feature["properties"]["s"]]["fillColor"]
        assert color == palette[normalise_category(category)]


def test_grid_change_is_diverging_and_public_hides_small_counts(simulated, bradford_areas):
    from hotspots.change import hotspot_change

    sim = simulated.attrs["hotspots"]["simulation"]
    result = hotspot_change(simulated, before=sim["before"], after=sim["after"],
                            clip=bradford_areas)
    html = render(explore_change(result, mode="restricted", tiles=None))
    items = legend_items(html)
    assert items[0].startswith("Fall")
    assert items[-1].startswith("Rise")
    (fc, *_outlines) = layer_data(html)
    assert len(fc["features"]) == int((result["change"] != 0).sum())
    html = render(explore_change(result, tiles=None))  # public
    (fc, *_outlines) = layer_data(html)
    for feature in fc["features"]:
        change, n_before, n_after = feature["properties"]["t"][:3]
        assert not (isinstance(n_before, int) and 0 < n_before < 5)
        assert not (isinstance(n_after, int) and 0 < n_after < 5)
        if "<5" in (n_before, n_after):
            assert change == "[c]"


@pytest.fixture(scope="module")
def comparison(simulated, bradford_areas):
    from hotspots.change import compare_periods

    sim = simulated.attrs["hotspots"]["simulation"]
    return compare_periods(simulated, bradford_areas, level="ward", before=sim["before"],
                           after=sim["after"])


def test_change_map_of_a_comparison_public_and_restricted(comparison, bradford_areas):
    table = comparison.table.set_index("area_name")
    html = render(explore_change(comparison, areas=bradford_areas, mode="restricted", tiles=None))
    before, after, change, *_outlines = layer_data(html)
    # One feature per ward in each layer; the popup holds the comparison's own numbers.
    assert len(change["features"]) == len(bradford_areas["ward"])
    assert len(before["features"]) == len(after["features"]) == len(bradford_areas["ward"])
    for feature in change["features"]:
        name, n_before, n_after, diff = feature["properties"]["t"][:4]
        assert (n_before, n_after, diff) == tuple(
            int(table.loc[name, c]) for c in ("n_before", "n_after", "change"))
    assert len(overlay_names(html)) == 5
    # Public (default): the comparison goes through PeriodComparison.suppress.
    public = comparison.suppress(5).table.set_index("area_name")
    html = render(explore_change(comparison, areas=bradford_areas, tiles=None))
    for feature in layer_data(html)[2]["features"]:
        name, n_before, n_after, diff = feature["properties"]["t"][:4]
        expected = [public.loc[name, c] for c in ("n_before", "n_after", "change")]
        assert [n_before, n_after, diff] == [v if isinstance(v, str) else int(v)
                                            for v in expected]


def test_change_dual_layout_is_a_dualmap(comparison, bradford_areas):
    from folium.plugins import DualMap

    dual = explore_change(comparison, areas=bradford_areas, layout="dual", tiles=None,
                          offline=True)
    assert isinstance(dual, DualMap)
    html = render(dual)
    assert "Leaflet.Sync" not in html or "L.Map.Sync" not in html or ".sync(" in html
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html)
    assert html.count("hotspots-footer leaflet-control") == 2


def test_bad_change_input_raises():
    with pytest.raises(ValueError, match="expected a PeriodComparison"):
        explore_change(square_grid())
    with pytest.raises(ValueError, match="'layout' parameter"):
        explore_change(square_grid(), layout="side")


# --- size budget ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def million(bradford_areas):
    from hotspots.simulate import simulate_incidents

    return simulate_incidents(bradford_areas, n_before=500_000, n_after=500_000, seed=0)


@pytest.mark.slow
@pytest.mark.parametrize("cell_size", [None, 100.0], ids=["auto", "100m"])
def test_million_incident_count_grid_stays_under_10_mb(bradford_areas, million, cell_size):
    from hotspots.hotspot import hotspot_count

    assert len(million) == 1_000_000
    grid = hotspot_count(million, clip=bradford_areas, cell_size=cell_size)
    html = render(explore_hotspots(grid, column="n", areas=bradford_areas, tiles=None))
    size = len(html.encode("utf-8"))
    assert size < 10 * 1024 * 1024
    (cells, *_outlines) = layer_data(html)
    # Every cell with incidents is drawn (nothing dropped to meet the budget).
    assert len(cells["features"]) == int((grid["n"] > 0).sum())


def test_public_maps_refuse_incident_points():
    _, incidents = _clusters()
    incidents["n"] = 1
    with pytest.raises(PublicModeError, match="cannot show points"):
        explore_hotspots(incidents, column="n", mode="public")
    incidents["change"] = 1
    with pytest.raises(PublicModeError, match="cannot show points"):
        explore_change(incidents)  # public by default
    # Restricted analysts' maps may draw them.
    html = render(explore_hotspots(incidents, column="n", mode="restricted", tiles=None))
    assert len(layer_data(html)[0]["features"]) == 40


def test_offline_notebook_repr_is_self_contained(counts):
    m = explore_hotspots(counts, column="n", offline=True)
    shown = m._repr_html_()
    assert "Leaflet 1.9.4" in shown
    page = html_lib.unescape(shown)
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", page)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", page)
