"""hotspots.maps.hotspots: grid maps classed with mapclassify; the renamed keyword."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import mapclassify
import numpy as np
import pytest
import shapely

from hotspots.maps import explore_hotspots

from .conftest import same_page

VALUES = [0.0, 1.0, 2.0, 3.0, 20.0, 21.0, 22.0, 60.0, 61.0, 140.0]


@pytest.fixture
def kde():
    return gpd.GeoDataFrame(
        {"kde_density": VALUES},
        geometry=[shapely.box(415000 + 200 * i, 430000, 415200 + 200 * i, 430200)
                  for i in range(len(VALUES))], crs="EPSG:27700")


def _legend_rows(m) -> list[str]:
    page = m.get_root().render()
    html = "".join(json.loads(s) for s in re.findall(r"div.innerHTML = (\"[^\n]*\");", page))
    return re.findall(r'hotspots-legend-item"><span[^>]*></span><span>([^<]*)</span>', html)


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_kde_classes_are_mapclassify_natural_breaks_by_default(kde):
    rows = _legend_rows(explore_hotspots(kde, n_classes=3))
    positive = np.array([v for v in VALUES if v > 0])
    top = mapclassify.FisherJenks(positive, k=3).bins
    assert len(rows) == 3
    assert rows[-1].endswith(f"{top[-1]:.0f} per km²")
    quantiles = _legend_rows(explore_hotspots(kde, scheme="quantiles", n_classes=3))
    assert quantiles != rows


def test_user_bins(kde):
    rows = _legend_rows(explore_hotspots(kde, bins=[10, 100]))
    assert rows == ["1 to 10 per km²", "10 to 100 per km²", "100 to 140 per km²"]


def test_result_keyword_still_works_with_a_warning(kde, old_keyword, quiet):
    new = explore_hotspots(data=kde)
    old = old_keyword(explore_hotspots, "result", "data", kde)
    assert same_page(old, new)
