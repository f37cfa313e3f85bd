"""Every public map, opened in Chromium: every tooltip and popup shows no count below k.

The maps are built from the real City of London police.uk files of 2019-01..03 (the data of
issue 9, full of small numbers), with the public default of each builder and of the command
line's ``build_map``. In the browser every overlay is switched on, then every feature's
tooltip and popup is opened and its rows are read as a reader sees them.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

K = 5
FHRS = "data/city-of-london/premises/fhrs-city-of-london-2021-08-19.csv"
#: Row labels whose value is a count of incidents.
COUNT_LABEL = re.compile(r"^(Incidents|Weighted incidents|Before|After|Linked incidents)\b")
#: Row labels whose value lists categories with counts.
CATEGORY_LABEL = re.compile(r"^Main categories$")

_OPEN_ALL = """
() => {
  const maps = Object.keys(window).filter(k => /^map_[0-9a-f]+$/.test(k))
    .map(k => window[k]).filter(m => m && typeof m.eachLayer === "function");
  const rows = el => el ? Array.from(el.querySelectorAll("tr")).map(tr => [
      tr.querySelector("th") ? tr.querySelector("th").innerText : "",
      tr.querySelector("td") ? tr.querySelector("td").innerText : ""]) : [];
  const out = [];
  for (const map of maps) {
    map.eachLayer(layer => {
      const where = layer.getBounds ? layer.getBounds().getCenter()
                  : (layer.getLatLng ? layer.getLatLng() : null);
      if (!where) { return; }
      const tip = layer.getTooltip ? layer.getTooltip() : null;
      if (tip && !tip.options.permanent) {
        layer.openTooltip(where);
        out.push({kind: "tooltip", rows: rows(tip.getElement())});
        layer.closeTooltip();
      }
      const pop = layer.getPopup ? layer.getPopup() : null;
      if (pop) {
        layer.openPopup(where);
        out.push({kind: "popup", rows: rows(pop.getElement())});
        layer.closePopup();
      }
    });
  }
  return out;
}
"""


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def small_counts(opened: list[dict]) -> list[tuple[str, str]]:
    """The (label, value) rows that show a count from 1 to K - 1."""
    bad = []
    for item in opened:
        for label, value in item["rows"]:
            if COUNT_LABEL.match(label):
                n = _number(value)
                if n is not None and 0 < n < K:
                    bad.append((label, value))
            elif CATEGORY_LABEL.match(label):
                for part in value.split(", "):
                    counts = [float(x) for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])",
                                                          part)]
                    if any(0 < c < K for c in counts):
                        bad.append((label, value))
    return bad


@pytest.fixture(scope="module")
def city_q1_2019(city_2019):
    return city_2019[city_2019["occurred"] < pd.Timestamp("2019-04-01")].reset_index(drop=True)


def _maps(kind: str, incidents, areas, shared_file):
    """The public map of ``kind``, built the way a user would."""
    from hotspots import maps
    from hotspots.cli.workflows import build_map
    from hotspots.hotspot import hotspot_count, hotspot_kde

    common = {"offline": True, "tiles": None, "mode": "public"}
    if kind.startswith("cli-"):
        options = {"before": "2019-01", "after": "2019-03"} if kind == "cli-change-areas" else {}
        cli_kind = {"cli-change-areas": "change", "cli-change-grid": "change"}.get(
            kind, kind.removeprefix("cli-"))
        return build_map(incidents, areas, kind=cli_kind, mode="public", offline=True,
                         **options)
    if kind == "kde":
        return maps.explore_hotspots(hotspot_kde(incidents, clip=areas, cell_size=100),
                                     areas=areas, **common)
    if kind == "counts":
        return maps.explore_hotspots(hotspot_count(incidents, clip=areas, cell_size=100),
                                     areas=areas, **common)
    if kind == "change-dual":
        from hotspots.change import compare_periods

        cmp = compare_periods(incidents, areas, level="ward", before="2019-01",
                              after="2019-03")
        return maps.explore_change(cmp, areas=areas, layout="dual", **common)
    if kind == "premises":
        from hotspots.io.premises import read_fhrs
        from hotspots.premises import premises_rank

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ranked = premises_rank(incidents, read_fhrs(shared_file(FHRS)))
        return maps.explore_premises(ranked, areas=areas, **common)
    raise AssertionError(kind)


KINDS = ["cli-hotspots", "cli-areas", "cli-clusters", "cli-change-grid", "cli-change-areas",
         "kde", "counts", "change-dual", "premises"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_no_count_below_k_in_any_tooltip_or_popup(kind, city_areas, city_q1_2019, shared_file,
                                                  open_map, tmp_path):
    m = _maps(kind, city_q1_2019, city_areas, shared_file)
    path = Path(tmp_path) / f"{kind}.html"
    m.save(str(path))
    opened = open_map(path)
    page = opened.page
    assert opened.errors == []
    assert opened.blocked == []
    # switch on every overlay, so layers hidden by default are opened too
    for box in page.locator(".leaflet-control-layers-overlays input[type=checkbox]").all():
        if not box.is_checked():
            box.dispatch_event("click")  # collapsed controls (dual maps) hide the boxes
    items = page.evaluate(_OPEN_ALL)
    rows = [row for item in items for row in item["rows"]]
    assert len(items) >= 3, kind
    assert rows, kind
    assert small_counts(items) == []
    footer = page.locator(".hotspots-footer").first.inner_text()
    assert "Public" in footer
    if kind in ("cli-hotspots", "kde"):
        # class-only maps: no number at all, just the class or band and the ward
        values = [value for _, value in rows]
        assert not [v for v in values if _number(v) is not None], kind
    if kind == "cli-clusters":
        months = [value for label, value in rows if label in ("First", "Last")]
        assert months
        assert all(re.fullmatch(r"\d{4}-\d{2}", v) for v in months)
    if kind == "premises":
        assert not any(label == "Reasons" for label, _ in rows)


def test_the_check_finds_small_counts_on_a_restricted_map(city_areas, city_q1_2019, open_map,
                                                          tmp_path):
    # The same reading of a restricted map finds the small counts: the check can fail.
    from hotspots.cli.workflows import build_map

    thefts = city_q1_2019[city_q1_2019["category"] == "Bicycle theft"]
    m = build_map(thefts, city_areas, kind="areas", mode="restricted", offline=True)
    path = Path(tmp_path) / "restricted.html"
    m.save(str(path))
    opened = open_map(path)
    items = opened.page.evaluate(_OPEN_ALL)
    assert small_counts(items)
