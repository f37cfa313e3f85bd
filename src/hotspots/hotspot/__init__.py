"""Grid and area hotspot statistics on incident frames: counts, KDE and Getis-Ord Gi*.

One verb per module: counts in :mod:`hotspots.hotspot.count`, KDE in
:mod:`hotspots.hotspot.kde`, Gi* on grids in :mod:`hotspots.hotspot.gistar`, Gi* on areas in
:mod:`hotspots.hotspot.areas` and Local Moran's I in :mod:`hotspots.hotspot.moran`; their
shared first half (points, grid, counts) is :mod:`hotspots.hotspot._binning`. All verbs are
re-exported here, so ``from hotspots.hotspot import hotspot_gistar`` keeps working.

Each verb takes the canonical incident frame (rows without a location are kept in the input
and counted, never used for geometry), builds a grid with :func:`hotspots.grid.hotspot_grid`
(or uses ``grid=``), bins the located incidents and returns the grid with new columns. Every
automatic choice (cell size, bandwidth, neighbour distance, p-value adjustment) is logged at
INFO and recorded in ``result.attrs["hotspots"]`` together with the counts of incidents
used, without a location and outside the grid.

``compat="sfhotspot-1.0"`` reproduces the R package sfhotspot v1.0.0 where our defaults
differ (see ANCHORS b2): grid over the convex hull of the points buffered by half a cell with
its origin at the hull's corner, no p-value adjustment, Gi* on counts even when weights are
given, the x-only NRD bandwidth and exact kernel sums at cell centres.

The verbs load on first use (PEP 562): ``from hotspots.hotspot import hotspot_gistar`` does not
import the area Gi* (scipy.sparse) or the KDE and its kernels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotspots._lazy import lazy_dir, lazy_getattr

if TYPE_CHECKING:
    from hotspots.hotspot._constraints import COMPAT_MODES
    from hotspots.hotspot._results import HOTSPOT_LABELS
    from hotspots.hotspot.areas import area_gistar
    from hotspots.hotspot.count import hotspot_count
    from hotspots.hotspot.gistar import hotspot_gistar
    from hotspots.hotspot.kde import EXACT_PAIRS_LIMIT as EXACT_PAIRS_LIMIT
    from hotspots.hotspot.kde import hotspot_kde

__all__ = [
    "COMPAT_MODES",
    "HOTSPOT_LABELS",
    "area_gistar",
    "hotspot_count",
    "hotspot_gistar",
    "hotspot_kde",
]

_VERBS = {
    "COMPAT_MODES": "hotspots.hotspot._constraints:COMPAT_MODES",
    "EXACT_PAIRS_LIMIT": "hotspots.hotspot.kde:EXACT_PAIRS_LIMIT",
    "HOTSPOT_LABELS": "hotspots.hotspot._results:HOTSPOT_LABELS",
    "area_gistar": "hotspots.hotspot.areas:area_gistar",
    "hotspot_count": "hotspots.hotspot.count:hotspot_count",
    "hotspot_gistar": "hotspots.hotspot.gistar:hotspot_gistar",
    "hotspot_kde": "hotspots.hotspot.kde:hotspot_kde",
}
__getattr__ = lazy_getattr("hotspots.hotspot", _VERBS, globals())
__dir__ = lazy_dir(_VERBS, globals())
