"""Optimized scale (incremental spatial autocorrelation), issue 11."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.hotspot.gistar import hotspot_gistar
from hotspots.hotspot.scale import optimized_distance


def planted_discs(radius_cells: int, seed: int, n: int = 120) -> np.ndarray:
    """Poisson(1) background plus six discs of the given radius at Poisson(3)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.indices((n, n))
    lam = np.ones((n, n))
    for cy, cx in rng.uniform(radius_cells + 2, n - radius_cells - 2, (6, 2)):
        lam += 2.0 * ((yy - cy) ** 2 + (xx - cx) ** 2 <= radius_cells**2)
    return rng.poisson(lam).astype(float)


@pytest.mark.parametrize("radius_cells", [3, 5, 8])
@pytest.mark.parametrize("seed", [0, 1])
def test_first_peak_is_within_one_step_of_the_planted_radius(radius_cells, seed):
    # 50 m cells, distances 50, 100, ... m: the first peak of global Moran's I z lands one
    # step above the planted radius (measured: 4, 6, 9 cells for radii 3, 5, 8)
    cell = 50.0
    s = optimized_distance(planted_discs(radius_cells, seed), cell_size=cell, n_steps=16)
    assert s.peak
    assert abs(s.distance - radius_cells * cell) <= cell
    # it is a peak: z rises to it and falls after it
    i = int(np.flatnonzero(s.distances == s.distance)[0])
    assert s.z[i] > s.z[i - 1]
    assert s.z[i] >= s.z[i + 1]
    assert s.as_attrs()["distance"] == s.distance


def test_no_structure_falls_back_to_the_largest_z_and_says_so():
    rng = np.random.default_rng(2)
    y = np.zeros((40, 40))
    y[:, :20] = 1.0 + rng.random((40, 20)) * 1e-3  # z rises with distance: no peak
    s = optimized_distance(y, cell_size=1.0, n_steps=5)
    assert not s.peak
    assert "no peak" in s.reason
    assert s.distance == s.distances[int(np.nanargmax(s.z))]


def test_gistar_optimized_neighbour_distance(make_incidents):
    rng = np.random.default_rng(3)
    xy = np.concatenate([rng.uniform(0, 3000, (3000, 2)),
                         rng.normal([900, 900], 120, (400, 2)),
                         rng.normal([2200, 2000], 120, (400, 2))])
    import shapely

    g = hotspot_gistar(make_incidents(xy), cell_size=50,
                       clip=shapely.box(0, 0, 3000, 3000), neighbour_distance="optimized")
    info = g.attrs["hotspots"]
    assert info["neighbour_distance_reason"].startswith("optimized: first peak")
    search = info["scale_search"]
    assert info["neighbour_distance"] == search["distance"]
    # the distance is the first peak of the recorded z-scores
    z = search["z"]
    i = search["distances"].index(search["distance"])
    assert z[i] > z[i - 1]
    assert z[i] >= z[i + 1]
    assert (g.loc[g["hotspot"] == "hot", "gistar"] > 0).all()
    with pytest.raises(ValueError, match="'neighbour_distance'"):
        hotspot_gistar(make_incidents(xy), cell_size=50, neighbour_distance="best")
