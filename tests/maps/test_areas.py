"""hotspots.maps.areas: the area choropleth's renamed keyword and its parameter checks."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.maps import explore_areas, layer_names

from .conftest import same_page


@pytest.fixture
def ward_table(city_areas):
    wards = city_areas["ward"]
    return pd.DataFrame({"area_id": wards["area_id"].astype(str),
                         "area_name": wards["area_name"],
                         "n": [10 + 7 * i for i in range(len(wards))]})


def test_table_keyword_still_works_with_a_warning(ward_table, city_areas, old_keyword,
                                                  quiet):
    new = explore_areas(data=ward_table, areas=city_areas, mode="restricted")
    old = old_keyword(explore_areas, "table", "data", ward_table, areas=city_areas,
                      mode="restricted")
    assert same_page(old, new)
    assert layer_names(new)[0] == "Wards: Incidents"


def test_bad_mode_and_labels_name_the_verb(ward_table, city_areas):
    with pytest.raises(ValueError, match="'mode' parameter of explore_areas"):
        explore_areas(ward_table, city_areas, mode="secret")
    with pytest.raises(ValueError, match="'labels' parameter of explore_areas"):
        explore_areas(ward_table, city_areas, labels="some")
    with pytest.raises(ValueError, match=r"^explore_areas: the result has no column 'rate'"):
        explore_areas(ward_table, city_areas, column="rate")
