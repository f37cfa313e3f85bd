"""Square and hexagonal grids over a district or over the incidents, and fast point binning.

:func:`hotspot_grid` returns the grid as a GeoDataFrame (one row per cell, a stable
``cell_id``, the cell centre, whether the centre is inside the boundary, the cell's ward and
constituency); :class:`Grid` is the small array-level description behind it (origin, cell
size, rows, columns, study mask) that bins points with integer arithmetic and
``np.bincount``, never a spatial join.

One job per module:

- :mod:`~hotspots.grid.lattice`: :class:`Grid`, the lattice (layout, locating, binning);
- :mod:`~hotspots.grid.cell_size`: the automatic cell size and its readable rounding;
- :mod:`~hotspots.grid.crs_policy`: the CRS rule (projected, metres, not Web Mercator);
- :mod:`~hotspots.grid.points`: located points of an incident frame;
- :mod:`~hotspots.grid.clip`: cells clipped to a boundary (mask, coverage, labels; cached);
- :mod:`~hotspots.grid.build`: region, cell size and cells of a new grid (:func:`build_grid`,
  the interface the grid verbs of :mod:`hotspots.hotspot` use);
- :mod:`~hotspots.grid.frame`: :func:`hotspot_grid` and :func:`grid_from_frame`;
- :mod:`~hotspots.grid.snap`: police.uk snap-point detection.
"""

from hotspots._version import __version__
from hotspots.grid.build import MAX_CELLS_WARNING, GridBuild, build_grid, is_areaset, outline_of
from hotspots.grid.cell_size import cell_size_auto, readable_cell_size
from hotspots.grid.crs_policy import check_metric_crs, same_crs
from hotspots.grid.frame import grid_from_frame, hotspot_grid
from hotspots.grid.lattice import Grid
from hotspots.grid.lattice import GridType as GridType
from hotspots.grid.points import LocatedPoints, incident_points

__all__ = ["MAX_CELLS_WARNING", "Grid", "cell_size_auto", "grid_from_frame", "hotspot_grid"]

# Old private names, kept for modules outside this package that still import them (the
# lead's import sweep moves them to the public-to-the-package names above).
_build_grid = build_grid
_GridBuild = GridBuild
_check_crs = check_metric_crs
_same_crs = same_crs
_is_areaset = is_areaset
_outline_of = outline_of
_incident_points = incident_points
_Points = LocatedPoints
_readable_cell_size = readable_cell_size


def _version() -> str:
    return __version__
