"""Flow map: restricted only, ends aggregated to cells of at least 100 m, never points."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from hotspots import simulate_episodes
from hotspots.errors import PublicModeError
from hotspots.maps.flows import explore_flows, flow_lines


@pytest.fixture(scope="module")
def eps(bradford_areas):
    return simulate_episodes(bradford_areas, seed=4, fy_counts={"2018/19": 1500})


def test_flow_lines_snap_both_ends_to_cells(eps):
    lines = flow_lines(eps, cell_size=250)
    both = ((eps["from_status"] == "located") & (eps["found_status"] == "located")).sum()
    assert lines["n"].sum() == both
    assert lines.attrs["hotspots"]["n_without_both_ends"] == len(eps) - both
    ends = shapely.get_coordinates(lines.geometry.to_numpy())
    # every end is a cell centre: (k + 0.5) * 250
    assert np.allclose(np.mod(ends - 125.0, 250.0), 0.0)
    home = eps.attrs["hotspots"]["simulation"]["home_xy"]
    assert not np.isclose(ends, home).all(axis=1).any()
    assert (lines["children"] <= lines["n"]).all()


def test_small_cells_and_public_maps_are_refused(eps, bradford_areas):
    with pytest.raises(ValueError, match="at least 100"):
        flow_lines(eps, cell_size=50)
    with pytest.raises(PublicModeError, match="public map"):
        explore_flows(eps, areas=bradford_areas, mode="public")


def test_flow_map_draws_lines_not_points(eps, bradford_areas, tmp_path):
    m = explore_flows(eps, areas=bradford_areas, cell_size=250, min_count=3)
    path = tmp_path / "flows.html"
    m.save(path)
    html = path.read_text()
    assert "restricted" in html.lower()
    assert '"type":"Point"' not in html.replace(" ", "")
    assert "L.polyline" in html
    assert eps["child"].dropna().iloc[0] not in html  # not even pseudonyms
