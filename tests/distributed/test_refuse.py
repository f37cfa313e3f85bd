"""The in-memory verbs refuse a Dask frame and name the distributed verb to use instead."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

import hotspots

dask_geopandas = pytest.importorskip("dask_geopandas")


@pytest.mark.parametrize("verb", ["area_counts", "assign_areas"])
def test_in_memory_verbs_point_a_dask_frame_at_hotspots_distributed(verb):
    areas = hotspots.load_boundaries("bradford-2013")
    frame = gpd.GeoDataFrame({"location_status": ["located"] * 2},
                             geometry=shapely.points([[415000, 433000], [416000, 433500]]),
                             crs="EPSG:27700")
    lazy = dask_geopandas.from_geopandas(frame, npartitions=1)
    with pytest.raises(TypeError, match=rf"hotspots\.distributed\.{verb} \(same arguments\)"):
        getattr(hotspots, verb)(lazy, areas)
