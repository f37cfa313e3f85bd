"""The Dask path: incident datasets bigger than one machine, counted per partition.

Install with ``pip install hotspots[dask]`` (``dask[distributed]`` and ``dask-geopandas``).
A dataset written by :func:`hotspots.io.stream.convert_incidents` (``hotspots convert``) is
opened lazily, one partition per Parquet part, with the period and area filters pushed down
to Parquet. Area assignment, area counts and grid counts (per cell and period) run on each
partition with ``map_partitions`` and reduce to the small tables that Gi*, KDE, the change
tests and the maps already work on. Dask schedules the work: on a laptop with the default
scheduler or a :class:`dask.distributed.LocalCluster`, on many machines by pointing a
:class:`dask.distributed.Client` at a scheduler address; nothing here depends on which.

Every verb here also accepts an in-memory GeoDataFrame and then gives the same result as the
in-memory verbs (``area_counts``); the tests check that the two paths agree exactly.
"""

from __future__ import annotations

from hotspots.distributed.counts import area_counts, assign_areas, grid_counts
from hotspots.distributed.dataset import read_incident_dataset

__all__ = ["area_counts", "assign_areas", "grid_counts", "read_incident_dataset"]
