"""Areas: boundary sets (:class:`AreaSet`), point-in-area assignment and area tables.

An :class:`AreaSet` (:mod:`hotspots.areas.areaset`) holds named levels of areas, ordered from
the lowest (e.g. ``"ward"``) to the highest (e.g. ``"constituency"``), all in British National
Grid (EPSG:27700). :func:`assign_areas` labels every incident with its area at every level,
and :func:`area_counts` turns the labels into a tidy table of counts, shares and rates
(:mod:`hotspots.areas.assign`, which states the assignment rules). The raster point index
is in :mod:`hotspots.areas._locate`, ONS field detection in :mod:`hotspots.areas.fields`,
people counts in :mod:`hotspots.areas.people` and the extent check in
:mod:`hotspots.areas.extent`. This package reads no files: boundary files and the registry
are read by :mod:`hotspots.io.boundaries`.
"""

from hotspots.areas import extent, people
from hotspots.areas._overlap import NEST_TOLERANCE
from hotspots.areas._tables import NOT_RECORDED, group_codes
from hotspots.areas.areaset import AreaSet
from hotspots.areas.assign import area_counts, assign_areas
from hotspots.areas.fields import normalise_area_frame, normalize_area_frame

__all__ = [
    "NOT_RECORDED",
    "AreaSet",
    "area_counts",
    "assign_areas",
]

# Re-exported for modules outside this package that import them from here today (the lead
# sweeps those imports to the defining modules): group_codes (change._common),
# normalise_area_frame (io.boundaries), the deprecated normalize_area_frame, and the
# submodules extent and people.
_REEXPORTED = (NEST_TOLERANCE, extent, group_codes, normalise_area_frame,
               normalize_area_frame, people)
