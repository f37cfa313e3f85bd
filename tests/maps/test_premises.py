"""hotspots.maps.premises: the premises map, its one public rule, and its renamed keyword."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

from hotspots.maps import explore_premises
from hotspots.maps.premises import premises_view
from hotspots.maps.static_export import legend_entries, static_figure

from .conftest import same_page


@pytest.fixture
def ranked():
    """Six ranked premises: ranks 2 and 4 are a home and a refuge (never on a public map)."""
    types = ["Pub/bar/nightclub", "Private home", "Takeaway/sandwich shop",
             "Hostel", "Restaurant/Cafe/Canteen", "Pub/bar/nightclub"]
    return gpd.GeoDataFrame(
        {"rank": [1, 2, 3, 4, 5, 6], "name": [f"Premises {i}" for i in range(1, 7)],
         "premises_type": types, "score": [9.0, 8.0, 7.0, 6.0, 5.0, 4.0],
         "n_linked": [20, 18, 16, 14, 12, 10]},
        geometry=[shapely.Point(416000 + 120 * i, 433000) for i in range(6)],
        crs="EPSG:27700")


def _ranks_on_page(m) -> list[int]:
    page = m.get_root().render()
    return sorted(int(r) for r in re.findall(r'"r":(\d+)', page))


def test_public_map_numbers_the_premises_shown_without_gaps(ranked):
    # The old map wrote ranks 1, 3, 5, 6: the gaps told a reader that two hidden premises
    # (here a home and a hostel) ranked between them.
    m = explore_premises(ranked, mode="public")
    assert _ranks_on_page(m) == [1, 2, 3, 4]
    page = m.get_root().render()
    assert "Premises 2" not in page
    assert "Premises 4" not in page
    assert "order among the premises shown" in json.dumps(page)


def test_restricted_map_keeps_the_real_ranks(ranked):
    assert _ranks_on_page(explore_premises(ranked)) == [1, 2, 3, 4, 5, 6]


def test_one_rule_for_the_interactive_and_the_static_map(ranked):
    frame, notes = premises_view(ranked, "public", 5)
    assert frame["name"].tolist() == ["Premises 1", "Premises 3", "Premises 5", "Premises 6"]
    assert frame["rank"].tolist() == [1, 2, 3, 4]
    assert notes == ["2 premises not shown: public maps show only commercial types (no homes, "
                     "care, hostels or unknown types)"]
    fig = static_figure(ranked, kind="premises", mode="public")
    # All four shown are in the top band of what is shown (dense ranks 1-4).
    assert legend_entries(fig) == ["High priority (rank 1-10)"]


def test_ranked_keyword_still_works_with_a_warning(ranked, old_keyword, quiet):
    new = explore_premises(data=ranked, mode="public")
    old = old_keyword(explore_premises, "ranked", "data", ranked, mode="public")
    assert same_page(old, new)


def test_template_syntax_in_the_data_is_written_as_text_never_run(ranked):
    # branca compiles what an element renders as a new jinja2 template: a premises name
    # holding "{{ ... }}" was evaluated (code from a CSV cell run while the page was
    # written) and one holding "{%" broke the map. Names and titles are now plain text.
    ranked = ranked.copy()
    ranked.loc[0, "name"] = "{{ 7 * 7 }} Cafe"
    ranked.loc[2, "name"] = "{% if %} Takeaway"
    m = explore_premises(ranked, mode="restricted", title="{{ 6 * 7 }} premises")
    page = m.get_root().render()
    assert "{{ 7 * 7 }} Cafe" in page
    assert "49 Cafe" not in page
    assert "{% if %} Takeaway" in page
    assert "{{ 6 * 7 }} premises" in page
    assert "42 premises" not in page
