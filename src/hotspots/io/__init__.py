"""Readers and writers: the only part of :mod:`hotspots` that opens files.

Every reader returns a frame in EPSG:27700 with a :class:`LoadReport` in
``frame.attrs["hotspots"]["load"]`` that accounts for every input row.
"""

from __future__ import annotations

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
