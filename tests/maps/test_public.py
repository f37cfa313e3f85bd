"""Public maps as a hostile reader sees them (issue 9): leaks 1, 2, 5 and 7, one test each.

Each test reads what the page actually holds (the JSON handed to Leaflet) and fails on the
code before issue 9: Gi* tooltips with counts and z for 34 m cells, cluster popups with
per-category counts and incident dates, stamps that were trusted, and a premises deny-list
that let care homes and refuges through.
"""

from __future__ import annotations

import json
import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.cli import main
from hotspots.maps import (
    PublicModeError,
    explore_areas,
    explore_change,
    explore_clusters,
    explore_hotspots,
    explore_premises,
)
from hotspots.maps._style import GI_BIN_LABELS

CITY_Q1_2019 = [f"data/city-of-london/street/2019-0{m}-city-of-london-street.csv"
                for m in (1, 2, 3)]
FHRS = "data/city-of-london/premises/fhrs-city-of-london-2021-08-19.csv"


def render(m) -> str:
    return m.get_root().render()


def layer_data(html: str) -> list[dict]:
    """Every FeatureCollection passed to L.geoJson in the page, parsed."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(html, match.end())[0]
            for match in re.finditer(r"L\.geoJson\(", html)]


def page_values(html: str) -> list:
    """Every value a tooltip, popup, label or marker of the page can show."""
    values = []
    for fc in layer_data(html):
        for feature in fc["features"]:
            props = feature["properties"]
            values += [*props.get("t", []), *props.get("p", [])]
            values += [props[key] for key in ("l", "r") if key in props]
    return values


def small_numbers(values: list, k: int = 5) -> list:
    """Numbers from 1 to k - 1 among the values, and in texts such as "Drugs 3"."""
    found = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
             and 0 < v < k]
    for v in values:
        if isinstance(v, str):
            found += [int(x) for x in re.findall(r"(?<![\d.\-/:])(\d+)(?![\d.%\-/:])", v)
                      if 0 < int(x) < k]
    return found


@pytest.fixture
def env_boundaries(monkeypatch, shared_dir):
    monkeypatch.setenv("HOTSPOTS_DATA_DIR", str(shared_dir / "boundaries"))


def run_map(shared_file, tmp_path, *extra: str) -> str:
    out = tmp_path / "pub.html"
    files = [str(shared_file(f)) for f in CITY_Q1_2019]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["map", *files, "--boundaries", "city-of-london-2013", "--offline",
                     "--out", str(out), *extra]) == 0
    return out.read_text()


# --- leak 1: public Gi* and KDE maps -----------------------------------------------------------

@pytest.mark.slow
def test_cli_public_gistar_map_shows_classes_only_on_100m_cells(shared_file, tmp_path,
                                                                 env_boundaries):
    # Issue 9 leak 1: this command wrote "t":[2,4.25,0.001749,"Candlewick"] for 34 m cells.
    html = run_map(shared_file, tmp_path)
    (cells, *_outlines) = layer_data(html)
    tips = [f["properties"]["t"] for f in cells["features"]]
    assert len(tips) >= 5
    labels = set(GI_BIN_LABELS.values())
    for tip in tips:
        assert len(tip) == 2
        assert tip[0] in labels
        assert tip[0] != "Not significant"
        assert isinstance(tip[1], str)  # the ward's name
    assert not any(isinstance(v, (int, float)) for v in page_values(html))
    assert "100 m square cells" in html
    # the cells drawn are 100 m across (coordinates in degrees: about 0.0009 of latitude)
    ring = np.array(cells["features"][0]["geometry"]["coordinates"][0])
    assert 0.0008 < np.ptp(ring[:, 1]) < 0.00095


def test_public_gistar_refuses_fine_cells_and_numeric_tooltips(city_areas, city_2018):
    from hotspots.hotspot import hotspot_gistar

    # permutations=0: the map's check is the point here, not the inference
    fine = hotspot_gistar(city_2018, clip=city_areas, cell_size=50, permutations=0)
    with pytest.raises(PublicModeError, match=r"cells of 50 m; the smallest allowed is 100 m"):
        explore_hotspots(fine, mode="public")
    from hotspots.maps._public import PUBLIC_MIN_CELL_M, cell_size_of

    # the recorded size is not trusted: the drawn cells are measured too
    fine.attrs["hotspots"] = {**fine.attrs["hotspots"], "cell_size": 500.0}
    assert cell_size_of(fine, fine.attrs["hotspots"]) == pytest.approx(50.0)
    with pytest.raises(PublicModeError, match="cells of 50 m"):
        explore_hotspots(fine, mode="public")
    coarse = hotspot_gistar(city_2018, clip=city_areas, cell_size=PUBLIC_MIN_CELL_M,
                            permutations=0)
    for tooltip in (["n"], ["gistar", "ward"], ["p_adj"]):
        with pytest.raises(PublicModeError, match="cannot show"):
            explore_hotspots(coarse, mode="public", tooltip=tooltip)
    for column in ("gistar", "p_adj"):
        with pytest.raises(PublicModeError, match=f"cannot be coloured by '{column}'"):
            explore_hotspots(coarse, column=column, mode="public")
    # restricted maps still show everything
    html = render(explore_hotspots(fine, tiles=None))
    (cells, *_rest) = layer_data(html)
    assert any(isinstance(f["properties"]["t"][0], int) for f in cells["features"])


def test_public_kde_map_shows_the_band_never_the_density(bradford_areas):
    from hotspots.hotspot import hotspot_kde
    from hotspots.simulate import simulate_incidents

    incidents = simulate_incidents(bradford_areas, n_before=800, n_after=800, seed=5)
    kde = hotspot_kde(incidents, clip=bradford_areas, cell_size=400)
    html = render(explore_hotspots(kde, mode="public", tiles=None))
    (cells, *_rest) = layer_data(html)
    legend = html.encode().decode("unicode_escape", errors="ignore")
    bands = {f["properties"]["t"][0] for f in cells["features"]}
    assert len(bands) >= 3
    for band in bands:
        assert isinstance(band, str)
        assert band.endswith(" per km²")
        assert band.removesuffix(" per km²") in legend  # the band is a row of the legend
    densities = kde["kde_density"].to_numpy()
    for value in densities[densities > 0][:50]:
        assert f"{value:.4g}" not in html
    assert not any(isinstance(v, (int, float)) for v in page_values(html))


# --- leak 2: public cluster maps ---------------------------------------------------------------

def test_public_categories_merge_small_ones_into_other():
    from hotspots.maps.clusters import public_categories

    assert public_categories("Other theft 12, Shoplifting 7, Drugs 3", 5) == (
        "Other theft 12, Shoplifting 7, other")
    assert public_categories("Other theft 3, Anti-social behaviour 2", 5) == "other"
    assert public_categories("Burglary, Robbery", 5) == "other"  # no counts: may be small
    assert public_categories("Theft from the person 9", 5) == "Theft from the person 9"


@pytest.mark.slow
def test_cli_public_cluster_map_has_no_small_count_and_no_day(shared_file, tmp_path,
                                                              env_boundaries):
    html = run_map(shared_file, tmp_path, "--kind", "clusters")
    (clusters, *_outlines) = layer_data(html)
    popups = [f["properties"]["p"] for f in clusters["features"]]
    assert len(popups) >= 2
    for popup in popups:
        _, n, _share, first, last, categories, *_areas = popup
        assert (isinstance(n, int) and n >= 5) or n == "<5"
        assert re.fullmatch(r"\d{4}-\d{2}", first)
        assert re.fullmatch(r"\d{4}-\d{2}", last)
        for part in categories.split(", "):
            count = re.search(r"(\d+)$", part)
            assert part == "other" or int(count.group(1)) >= 5, categories
    # every value but the cluster's id (a label, not a count)
    assert small_numbers([v for p in popups for v in p[1:]]) == []
    assert any(p[5].endswith(", other") for p in popups)  # a small category was merged


def test_public_cluster_map_refuses_a_centroid_popup():
    summary = gpd.GeoDataFrame(
        {"cluster_id": [0], "n": [12], "centroid_x": [416000.0], "centroid_y": [433000.0]},
        geometry=[shapely.Point(416000, 433000).buffer(80)], crs="EPSG:27700")
    with pytest.raises(PublicModeError, match="'centroid_x'"):
        explore_clusters(summary, mode="public", popup=["cluster_id", "centroid_x"])


# --- leak 5: stamps are not trusted ------------------------------------------------------------

@pytest.fixture(scope="module")
def bicycle_thefts(city_areas, city_2018):
    from hotspots.areas import area_counts

    table = area_counts(city_2018[city_2018["category"] == "Bicycle theft"], city_areas,
                        level="ward")
    assert table["n"].between(1, 4).sum() >= 2
    return table


def _area_counts_shown(html: str) -> dict[str, object]:
    (areas, *_rest) = layer_data(html)
    return {f["properties"]["t"][0]: f["properties"]["t"][1] for f in areas["features"]}


@pytest.mark.parametrize("relabel", ["restricted stamp", "suppressed=False column"])
def test_public_area_map_does_not_trust_a_stamp(city_areas, bicycle_thefts, relabel):
    from hotspots.privacy import suppress

    raw = bicycle_thefts
    table = (suppress(raw, mode="restricted") if relabel == "restricted stamp"
             else raw.assign(suppressed=False))
    html = render(explore_areas(table, city_areas, mode="public", tiles=None))
    shown = _area_counts_shown(html)
    small = raw[raw["n"].between(1, 4) & raw["area_id"].notna()]
    assert len(small) >= 2
    for name in small["area_name"]:
        assert shown[name] in ("<5", "[c]"), (name, shown[name])
    assert small_numbers(page_values(html)) == []
    # the same page as for the raw table: the protection is recomputed, not read
    assert shown == _area_counts_shown(render(explore_areas(raw, city_areas, tiles=None)))


def test_public_area_map_refuses_a_table_with_visible_small_counts(city_areas, bicycle_thefts):
    # Hidden cells beside a visible 3: whatever the stamp says, it is not a public table.
    table = bicycle_thefts.copy()
    n = table["n"].astype(object)
    big = table.index[table["n"] >= 5][:2]
    small = table.index[table["n"].between(1, 4)][0]
    n[big] = "[c]"
    n[small] = 3
    table = table.assign(n=n, suppressed=True)
    name = table.loc[small, "area_name"]
    with pytest.raises(PublicModeError, match=rf"below 5 \(.*\b{name} 3\b"):
        explore_areas(table, city_areas, mode="public")
    # restricted maps may show it
    explore_areas(table, city_areas, mode="restricted")


def test_public_change_map_does_not_trust_the_suppressed_flag(city_areas, city_2018):
    from dataclasses import replace

    from hotspots.change import compare_periods

    cmp = compare_periods(city_2018, city_areas, level="ward", before="2018-01",
                          after="2018-02")
    t = cmp.table
    assert (t["n_before"].between(1, 4) | t["n_after"].between(1, 4)).any()
    with pytest.raises(PublicModeError, match="below 5"):
        explore_change(replace(cmp, suppressed=True), areas=city_areas, mode="public")
    html = render(explore_change(cmp, areas=city_areas, mode="public", tiles=None))
    (areas, *_rest) = layer_data(html)
    counts = [v for f in areas["features"] for v in f["properties"]["t"][1:3]]
    assert "<5" in counts
    assert small_numbers([v for v in counts if not isinstance(v, str)]) == []


# --- leak 7: premises allow-list ---------------------------------------------------------------

def test_premises_allow_list_fails_closed():
    from hotspots.premises.public import PUBLIC_PREMISES_TYPES, public_premises

    names = ["The Crown", "Oak View", "Rose House", "Lark Lodge", "Refuge 1", "Flat 2",
             "12 Mill Lane", "Hostel", "Unknown Ltd", "Blank", "Coffee & Care"]
    types = ["Pub/bar/nightclub", "Caring Premises", "Semi-independent accommodation",
             "Supported lodgings", "Women's refuge", "Flat", "Home address", "Hostel",
             "Other catering premises", None, "Hospitals/Childcare/Caring Premises"]
    frame = pd.DataFrame({"name": names, "premises_type": types})
    assert public_premises(frame).tolist() == [True] + [False] * 10
    # a commercial type is still left out when classed residential or named like a home
    frame2 = pd.DataFrame({"name": ["Sunnyside Children's Home", "Kebab King"],
                           "premises_type": ["Takeaway/sandwich shop"] * 2,
                           "premises_class": ["takeaway", "residential"]})
    assert public_premises(frame2).tolist() == [False, False]
    # the table is overridable, and without a type column nothing is drawn
    assert public_premises(frame, public_types=["Flat"]).tolist()[5] is True
    assert not public_premises(frame.drop(columns="premises_type")).any()
    assert "Caring Premises" not in PUBLIC_PREMISES_TYPES


def test_public_premises_map_never_draws_homes_or_care(city_2018, shared_file):
    from hotspots.io.premises import read_fhrs
    from hotspots.premises import premises_rank

    commercial = {"Restaurant/Cafe/Canteen", "Takeaway/sandwich shop", "Pub/bar/nightclub",
                  "Hotel/bed & breakfast/guest house", "Retailers - other",
                  "Retailers - supermarkets/hypermarkets"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = premises_rank(city_2018, read_fhrs(shared_file(FHRS)))
    ranked = ranked.copy()
    risky = ["Caring Premises", "Semi-independent accommodation", "Supported lodgings",
             "Women's refuge", "Flat", "Home address", "Hostel"]
    top = ranked.sort_values("rank").index[:len(risky)]
    ranked.loc[top, "premises_type"] = risky
    ranked.loc[top, "premises_class"] = "other"
    hidden = set(ranked.loc[top, "name"])
    html = render(explore_premises(ranked, mode="public", tiles=None))
    (markers, *_rest) = layer_data(html)
    drawn_types = {f["properties"]["p"][2] for f in markers["features"]}
    assert drawn_types <= commercial
    assert not drawn_types & set(risky)
    assert "Caring Premises" in set(ranked["premises_type"])
    drawn_ranks = {f["properties"]["r"] for f in markers["features"]}
    # Dense ranks of what is shown: no gap where a hidden premises ranks (issue 15 leak).
    assert drawn_ranks == set(range(1, len(markers["features"]) + 1))
    assert len(drawn_ranks) > 100
    for name in hidden - set(ranked.loc[~ranked.index.isin(top), "name"]):
        assert json.dumps(name)[1:-1] not in html
    # no small count in a public popup: premises with 1 to 4 linked incidents are left out,
    # small categories merged, and the reasons (free text of counts) not shown
    popups = [f["properties"]["p"] for f in markers["features"]]
    assert all(len(p) == 7 for p in popups)  # rank, name, type, class, score, linked, top
    assert min(p[5] for p in popups) >= 5
    assert small_numbers([p[6] for p in popups]) == []
    assert any(p[6].endswith("other") for p in popups)
    few = (ranked["n_linked"] > 0) & (ranked["n_linked"] < 5)
    assert few.sum() > 100  # the City file has many: each would point at an incident
    with pytest.raises(PublicModeError, match="'reasons'"):
        explore_premises(ranked, mode="public", popup=["rank", "reasons"])
