"""Readers and writers: the only part of :mod:`hotspots` that opens files.

Every reader returns a frame in EPSG:27700 with a :class:`LoadReport` in
``frame.attrs["hotspots"]["load"]`` that accounts for every input row.

The readers load on first use (PEP 562): reading police.uk files does not pay for the
GeoParquet dataset, boundary, premises or episode readers and the libraries behind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotspots._lazy import lazy_dir, lazy_getattr

if TYPE_CHECKING:
    from hotspots.io.boundaries import list_boundaries, load_boundaries, read_boundaries
    from hotspots.io.dataset import read_incident_dataset
    from hotspots.io.episodes import episodes_as_incidents, read_missing_episodes
    from hotspots.io.incidents import is_police_uk, read_incidents, read_police_uk
    from hotspots.io.load_report import LoadReport
    from hotspots.io.premises import read_fhrs, read_premises
    from hotspots.io.stream import convert_incidents
    from hotspots.io.visits import read_visit_log

__all__ = [
    "LoadReport",
    "convert_incidents",
    "episodes_as_incidents",
    "is_police_uk",
    "list_boundaries",
    "load_boundaries",
    "read_boundaries",
    "read_fhrs",
    "read_incident_dataset",
    "read_incidents",
    "read_missing_episodes",
    "read_police_uk",
    "read_premises",
    "read_visit_log",
]

_READERS = {
    "LoadReport": "hotspots.io.load_report:LoadReport",
    "convert_incidents": "hotspots.io.stream:convert_incidents",
    "episodes_as_incidents": "hotspots.io.episodes:episodes_as_incidents",
    "is_police_uk": "hotspots.io.incidents:is_police_uk",
    "list_boundaries": "hotspots.io.boundaries:list_boundaries",
    "load_boundaries": "hotspots.io.boundaries:load_boundaries",
    "read_boundaries": "hotspots.io.boundaries:read_boundaries",
    "read_fhrs": "hotspots.io.premises:read_fhrs",
    "read_incident_dataset": "hotspots.io.dataset:read_incident_dataset",
    "read_incidents": "hotspots.io.incidents:read_incidents",
    "read_missing_episodes": "hotspots.io.episodes:read_missing_episodes",
    "read_police_uk": "hotspots.io.incidents:read_police_uk",
    "read_premises": "hotspots.io.premises:read_premises",
    "read_visit_log": "hotspots.io.visits:read_visit_log",
}
__getattr__ = lazy_getattr("hotspots.io", _READERS, globals())
__dir__ = lazy_dir(_READERS, globals())
