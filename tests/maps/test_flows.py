"""hotspots.maps.flows: the flow map's renamed keyword (episodes= -> data=)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import PublicModeError
from hotspots.maps.flows import explore_flows

from .conftest import same_page


@pytest.fixture
def episodes():
    rng = np.random.default_rng(4)
    n = 30
    start = rng.integers(0, 3, n)
    return pd.DataFrame({
        "child": [f"C{i % 7}" for i in range(n)],
        "from_geometry": [shapely.Point(416000 + 600 * s, 433000) for s in start],
        "found_geometry": [shapely.Point(417500, 433900 + 10 * (i % 2)) for i in range(n)],
    })


def test_episodes_keyword_still_works_with_a_warning(episodes, old_keyword, quiet):
    new = explore_flows(data=episodes)
    old = old_keyword(explore_flows, "episodes", "data", episodes)
    assert same_page(old, new)
    assert "Leaflet 1.9.4" in new.get_root().render()  # offline by default


def test_public_flow_map_is_refused(episodes):
    with pytest.raises(PublicModeError, match="journeys of children"):
        explore_flows(episodes, mode="public")
    with pytest.raises(ValueError, match="'mode' parameter of explore_flows"):
        explore_flows(episodes, mode="open")
