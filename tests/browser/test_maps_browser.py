"""Maps built from real and simulated data, opened in headless Chromium with no network.

Every map is saved with ``offline=True`` and ``tiles=None``, so the page must work with all
requests blocked: the tests assert no request was even attempted, no console or page error,
the Leaflet container, the layer-control entries, the legend rows, and a non-blank screenshot.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

COL_FHRS = "data/city-of-london/premises/fhrs-city-of-london-2021-08-19.csv"
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def bradford_sample(bradford_areas, west_yorkshire_2017):
    """The real West Yorkshire 2017 sample, Bradford part kept by the map's boundaries."""
    incidents = west_yorkshire_2017
    inside = incidents.geometry.within(bradford_areas.outline)
    return incidents[inside.to_numpy()].reset_index(drop=True)


@pytest.fixture(scope="module")
def simulated(bradford_areas):
    from hotspots.simulate import simulate_incidents

    return simulate_incidents(bradford_areas, n_before=1500, n_after=1500, seed=3)


def save(m, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.html"
    m.save(str(path))
    return path


def test_city_of_london_gistar_map(city_areas, city_2018, open_map, tmp_path, check_page):
    from hotspots.hotspot import hotspot_gistar
    from hotspots.maps import explore_hotspots

    areas, incidents = city_areas, city_2018
    result = hotspot_gistar(incidents, clip=areas)
    m = explore_hotspots(result, areas=areas, title="City of London, 2018: Gi* hot spots",
                         tiles=None, offline=True)
    opened = open_map(save(m, tmp_path, "gistar"))
    check_page(opened, overlays=3, legend_rows=7)
    title = opened.page.locator(".hotspots-title").inner_text()
    assert title == "City of London, 2018: Gi* hot spots"


def test_city_of_london_public_ward_map(city_areas, city_2018, open_map, tmp_path, check_page):
    from hotspots.areas import area_counts
    from hotspots.maps import explore_areas

    areas, incidents = city_areas, city_2018
    table = area_counts(incidents, areas, level="ward")
    m = explore_areas(table, areas, title="Crimes by ward, 2018", tiles=None, offline=True)
    opened = open_map(save(m, tmp_path, "areas"))
    page = opened.page
    n_wards = len(areas["ward"])
    # Areas, names, ward and constituency outlines.
    legend_rows = page.locator(".hotspots-legend-item").count()
    check_page(opened, overlays=4, legend_rows=legend_rows)
    assert legend_rows >= 3
    # labels="auto": every ward is named except Lime Street, whose name would run over a
    # bigger neighbour's (it is named on hover); no two drawn names overlap on screen.
    assert page.locator(".hotspots-label").count() == n_wards - 1
    boxes = [b for b in (el.bounding_box() for el in page.locator(".hotspots-label").all()) if b]
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]]
    assert not overlaps
    assert "Aldgate" in page.locator(".hotspots-label").all_inner_texts()
    assert "Public" in page.locator(".hotspots-footer").inner_text()


def test_bradford_sample_clusters_restricted(
    bradford_areas, bradford_sample, open_map, tmp_path, check_page
):
    from hotspots.cluster import cluster_incidents, cluster_summary
    from hotspots.maps import explore_clusters

    labels = cluster_incidents(bradford_sample, eps=400, min_samples=5)
    summary = cluster_summary(bradford_sample, labels)
    assert len(summary) >= 2
    m = explore_clusters(summary, bradford_sample, labels=labels, areas=bradford_areas,
                         title="Bradford sample 2017: clusters", tiles=None, offline=True)
    opened = open_map(save(m, tmp_path, "clusters"))
    shown = min(len(summary), 8)
    check_page(opened, overlays=4, legend_rows=shown + 1)
    assert "RESTRICTED" in opened.page.locator(".hotspots-footer").inner_text()


def test_simulated_change_toggle_and_dual(
    bradford_areas, simulated, open_map, tmp_path, check_page
):
    from hotspots.change import compare_periods
    from hotspots.maps import explore_change

    sim = simulated.attrs["hotspots"]["simulation"]
    comparison = compare_periods(simulated, bradford_areas, level="ward", before=sim["before"],
                                 after=sim["after"])
    m = explore_change(comparison, areas=bradford_areas, tiles=None, offline=True)
    opened = open_map(save(m, tmp_path, "change"))
    page = opened.page
    rows = page.locator(".hotspots-legend-item").count()
    # Before, after, change, ward and constituency outlines.
    check_page(opened, overlays=5, legend_rows=rows)
    assert rows >= 6
    dual = explore_change(comparison, areas=bradford_areas, layout="dual", tiles=None,
                          offline=True)
    opened = open_map(save(dual, tmp_path, "change-dual"))
    assert opened.errors == []
    assert opened.blocked == []
    assert opened.page.locator(".leaflet-container").count() == 2
    assert opened.page.locator(".leaflet-control-layers").count() == 2


def test_simulated_kde_numeric_legend(bradford_areas, simulated, open_map, tmp_path, check_page):
    from hotspots.hotspot import hotspot_kde
    from hotspots.maps import explore_hotspots

    result = hotspot_kde(simulated, clip=bradford_areas)
    m = explore_hotspots(result, column="kde_density", areas=bradford_areas, tiles=None,
                         offline=True)
    opened = open_map(save(m, tmp_path, "kde"))
    rows = opened.page.locator(".hotspots-legend-item")
    check_page(opened, overlays=3, legend_rows=rows.count())
    assert rows.count() >= 3
    assert all(text.endswith("per km²") for text in rows.all_inner_texts())


def test_premises_name_shows_as_text_and_never_runs(
    city_areas, city_2018, shared_file, open_map, tmp_path, check_page
):
    from hotspots.io.premises import read_fhrs
    from hotspots.maps import explore_premises
    from hotspots.premises import premises_rank

    areas, incidents = city_areas, city_2018
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        premises = read_fhrs(shared_file(COL_FHRS))
        ranked = premises_rank(incidents, premises)
    ranked.loc[ranked["rank"] == 1, "name"] = EVIL
    m = explore_premises(ranked, top=15, areas=areas, tiles=None, offline=True)
    opened = open_map(save(m, tmp_path, "premises"))
    page = opened.page
    check_page(opened, overlays=3, legend_rows=2)  # ranks 1-10 and 11-15
    assert page.locator(".hotspots-rank").count() == 15
    page.locator(".hotspots-rank").filter(has_text=re.compile(r"^1$")).click()
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    popup = page.locator(".leaflet-popup-content")
    assert EVIL in popup.inner_text()
    assert popup.locator("script").count() == 0
    page.wait_for_timeout(200)
    assert opened.dialogs == []
    assert opened.errors == []


# --- data text never runs, in any builder ----------------------------------------------------

# A <script> put in with innerHTML never runs, so a page that forgot to escape would still pass
# a test with EVIL alone; an <img> with onerror does run. Both go into every data text field.
PAYLOAD = EVIL + "<img src=x onerror=alert(2)>"

_OPEN_EVERYTHING = """() => {
    let opened = 0;
    for (const key of Object.keys(window)) {
        const map = window[key];
        if (!(map instanceof L.Map)) { continue; }
        map.eachLayer((layer) => {
            if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened++; }
            if (layer.getPopup && layer.getPopup()) {
                layer.openPopup();
                opened++;
                // keep every popup's content in the page, not only the last one opened
                const box = document.createElement("div");
                box.className = "copied-popup";
                box.innerHTML = layer.getPopup().getElement().innerHTML;
                document.body.appendChild(box);
            }
        });
    }
    return opened;
}"""


def _evil_areas(areas):
    """The City of London boundaries with one ward and one constituency renamed PAYLOAD."""
    from hotspots.areas import AreaSet

    levels = {}
    for level in areas.level_names:
        frame = areas[level].copy()
        frame.loc[0, "area_name"] = PAYLOAD
        levels[level] = frame
    return AreaSet(levels, name="evil", vintage=PAYLOAD)


def _assert_inert(opened, *, min_opened: int) -> None:
    page = opened.page
    n_opened = page.evaluate(_OPEN_EVERYTHING)
    assert n_opened >= min_opened
    page.wait_for_timeout(400)  # let a failed <img> fire onerror, were it ever created
    assert opened.dialogs == []
    assert opened.errors == []
    assert page.locator("img[src='x']").count() == 0
    text = page.locator("body").inner_text()
    assert EVIL in text  # shown as text, not dropped
    # Control: the same payload put in unescaped does fire, so the check above can fail.
    page.evaluate("(html) => { const d = document.createElement('div'); d.innerHTML = html;"
                  " document.body.appendChild(d); }", PAYLOAD)
    page.wait_for_timeout(400)
    assert opened.dialogs == ["2"]


def test_data_text_shows_as_text_and_never_runs_in_every_builder(
    city_areas, city_2018, shared_file, open_map, tmp_path
):
    import geopandas as gpd
    import shapely

    from hotspots.areas import area_counts
    from hotspots.change import compare_periods
    from hotspots.hotspot import hotspot_count
    from hotspots.io.premises import read_fhrs
    from hotspots.maps import (
        explore_areas,
        explore_change,
        explore_clusters,
        explore_hotspots,
        explore_premises,
    )
    from hotspots.premises import premises_rank

    areas = _evil_areas(city_areas)
    incidents = city_2018.copy()
    incidents["category"] = incidents["category"].cat.rename_categories(
        {incidents["category"].cat.categories[0]: PAYLOAD})
    common = {"title": PAYLOAD, "period": PAYLOAD, "tiles": None, "offline": True}

    counts = hotspot_count(incidents, clip=areas)
    counts["ward"] = PAYLOAD
    maps = {"hotspots": (explore_hotspots(counts, column="n", tooltip=["ward", "n"],
                                          areas=areas, **common), 10)}
    table = area_counts(incidents, areas, level="ward")
    maps["areas"] = (explore_areas(table, areas, **common), 1)
    both = pd.concat([city_2018, incidents], ignore_index=True)
    both["occurred"] = both["occurred"].where(both.index < len(city_2018),
                                              both["occurred"] + pd.DateOffset(years=1))
    comparison = compare_periods(both, areas, level="ward", before=2018, after=2019)
    maps["change"] = (explore_change(comparison, areas=areas, **common), 3)
    summary = gpd.GeoDataFrame(
        {"cluster_id": [0], "n": [40], "share": [0.4], "top_categories": [PAYLOAD],
         "wards": [PAYLOAD]},
        geometry=[shapely.Point(532500, 181300).buffer(100)], crs="EPSG:27700")
    maps["clusters"] = (explore_clusters(summary, areas=areas, **common), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = premises_rank(city_2018, read_fhrs(shared_file(COL_FHRS)))
    for column in ("name", "premises_type", "reasons"):
        ranked[column] = ranked[column].astype(object)
        ranked.loc[ranked["rank"] <= 3, column] = PAYLOAD
    maps["premises"] = (explore_premises(ranked, top=5, areas=areas, **common), 5)

    for kind, (m, min_opened) in maps.items():
        opened = open_map(save(m, tmp_path, f"evil-{kind}"))
        assert opened.page.locator(".hotspots-title").inner_text() == PAYLOAD, kind
        _assert_inert(opened, min_opened=min_opened)
