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

The same call on this machine and on a cluster (only the ``Client`` line differs; the
workers need ``hotspots`` installed and the dataset folder at the same path, e.g. on a
shared file system or object store)::

    from dask.distributed import Client, LocalCluster

    import hotspots as hs
    from hotspots import distributed as hd

    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # this machine
    # client = Client("tcp://scheduler:8786")                          # a real scheduler
    areas = hs.load_boundaries("bradford-2013")
    lazy = hd.read_incident_dataset("incidents.parquet", period="2019",
                                    columns=["location_status", "occurred", "ward", "ward_id"])
    wards = hd.area_counts(lazy, areas, level="ward", allow_outside=True)
    cells = hd.grid_counts(lazy, hs.hotspot_grid(clip=areas, cell_size=100))
    # or both in one pass over the partitions:
    # wards, cells = hd.area_and_grid_counts(lazy, areas, grid, level="ward", ...)

``wards`` and ``cells`` are small pandas tables, ready for Gi*, KDE, the change tests and
the maps. ``benchmarks/bench_dask.py`` measures it (throughput, each worker's peak RSS)
and checks the counts against the in-memory verbs.
"""

from __future__ import annotations

from hotspots.distributed.counts import (
    area_and_grid_counts,
    area_counts,
    assign_areas,
    grid_counts,
)
from hotspots.distributed.dataset import read_incident_dataset

__all__ = ["area_and_grid_counts", "area_counts", "assign_areas", "grid_counts",
           "read_incident_dataset"]
