"""Canonical column names and labels, in one place.

Readers map their sources onto these names and every verb reads them from here, so a
column is never spelt two ways. See ``docs/ARCHITECTURE.md`` ("The canonical incident frame").
"""

from __future__ import annotations

__all__ = [
    "AREA_ID",
    "AREA_NAME",
    "CATEGORY",
    "CELL_ID",
    "INCIDENT_COLUMNS",
    "INCIDENT_ID",
    "LOCATED",
    "LOCATION_STATUS",
    "NON_RECENT",
    "OCCURRED",
    "OUTSIDE_DISTRICT",
    "PREMISES_CLASSES",
    "RECENCY",
    "RECENT",
    "SOURCE_FILE",
    "SOURCE_ROW",
    "UNKNOWN",
    "UNKNOWN_LOCATION",
    "WEIGHT",
    "area_id_column",
    "area_name_column",
]

# --- the canonical incident frame -------------------------------------------------------
INCIDENT_ID = "incident_id"  #: string; source id, or a stable generated one when blank
OCCURRED = "occurred"  #: datetime64[ns]; police.uk months are the first day of the month
CATEGORY = "category"  #: categorical offence type or flag
RECENCY = "recency"  #: categorical "recent" / "non-recent" / <NA>
WEIGHT = "weight"  #: float, default 1 (harm weight, or a count at a snap point)
LOCATION_STATUS = "location_status"  #: categorical "located" / "unknown"
SOURCE_FILE = "source_file"  #: file the row came from (name only), when read from a file
SOURCE_ROW = "source_row"  #: spreadsheet row number in that file (the header is row 1)

INCIDENT_COLUMNS = (INCIDENT_ID, OCCURRED, CATEGORY, RECENCY, WEIGHT, LOCATION_STATUS)

LOCATED = "located"
UNKNOWN = "unknown"
RECENT = "recent"
NON_RECENT = "non-recent"

# --- areas --------------------------------------------------------------------------------
AREA_ID = "area_id"
AREA_NAME = "area_name"
#: label given to located incidents that fall in no area of the boundary set
OUTSIDE_DISTRICT = "Outside district"
#: label given to incidents whose location is not known
UNKNOWN_LOCATION = "Unknown location"

# --- premises -----------------------------------------------------------------------------
#: The premises classes, in display order: ``premises_class`` of the premises readers, and the
#: rows of the visit plan's agency table (``hotspots.premises.VISIT_AGENCIES``).
PREMISES_CLASSES = (
    "cafe/restaurant",
    "takeaway",
    "pub/bar/nightclub",
    "hotel/guest house",
    "shisha lounge",
    "snooker/pool hall",
    "amusement arcade",
    "entertainment",
    "massage parlour",
    "nail bar",
    "car wash",
    "taxi/private hire",
    "residential",
    "other",
)

# --- grids --------------------------------------------------------------------------------
CELL_ID = "cell_id"


def area_id_column(level: str) -> str:
    """Name of the column that holds the area code of ``level`` after assignment."""
    return f"{level}_id"


def area_name_column(level: str) -> str:
    """Name of the column that holds the area name of ``level`` after assignment."""
    return level
