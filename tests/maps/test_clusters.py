"""hotspots.maps.clusters: one public cluster rule for both maps, and the renamed keyword."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from hotspots.maps import explore_clusters
from hotspots.maps.clusters import PUBLIC_BLUR_M, public_clusters
from hotspots.maps.static_export import legend_entries, static_figure

from .conftest import same_page


@pytest.fixture
def summary():
    return gpd.GeoDataFrame(
        {"cluster_id": [0, 1], "n": [40, 3], "share": [0.4, 0.03],
         "top_categories": ["Shoplifting 30, Drugs 3", "Robbery 3"],
         "first": ["2019-01-03", "2019-02-11"], "last": ["2019-12-30", "2019-03-02"]},
        geometry=[shapely.Point(416000, 433000).buffer(120),
                  shapely.Point(417000, 433500).buffer(80)], crs="EPSG:27700")


def test_public_clusters_masks_small_sizes_names_blurs_and_gives_months(summary):
    shown = public_clusters(summary, 5)
    assert shown["n"].tolist() == [40, "<5"]
    assert shown["share"].tolist() == [0.4, "[c]"]
    assert shown["top_categories"].tolist() == ["Shoplifting 30, other", "other"]
    assert shown["first"].tolist() == ["2019-01", "2019-02"]
    grown = shown.geometry.area / summary.geometry.area
    assert (grown > 1).all()
    assert shown.geometry.iloc[1].bounds[2] == pytest.approx(417000 + 80 + PUBLIC_BLUR_M,
                                                             abs=1)
    assert summary["n"].tolist() == [40, 3]  # the input is not changed


def test_static_and_interactive_maps_show_the_same_public_sizes(summary):
    fig = static_figure(summary, kind="clusters", mode="public")
    assert legend_entries(fig) == ["Cluster 0: 40 incidents", "Cluster 1: <5 incidents"]
    page = explore_clusters(summary, mode="public").get_root().render()
    assert "\\u003c5" in page
    assert "2019-01-03" not in page


def test_summary_keyword_still_works_with_a_warning(summary, old_keyword, quiet):
    new = explore_clusters(data=summary, mode="public")
    old = old_keyword(explore_clusters, "summary", "data", summary, mode="public")
    assert same_page(old, new)
