"""hotspots: where incidents concentrate, which areas hold them, and what to do about it.

The public API is re-exported here; see ``__all__``.
"""

from __future__ import annotations

import logging

from hotspots.areas import AreaSet, area_counts, assign_areas
from hotspots.errors import (
    CRSError,
    DataQualityWarning,
    EmptyDataError,
    HotspotsError,
    ValidationError,
)
from hotspots.io import (
    LoadReport,
    episodes_as_incidents,
    list_boundaries,
    load_boundaries,
    read_boundaries,
    read_fhrs,
    read_incidents,
    read_missing_episodes,
    read_police_uk,
    read_premises,
)
from hotspots.periods import Period, parse_period
from hotspots.privacy import suppress
from hotspots.simulate import simulate_incidents

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def show_log(level: str | int = "INFO") -> None:
    """Print the library's log messages (automatic choices, rows set aside) in a notebook.

    Parameters
    ----------
    level : str or int
        The lowest level to show, e.g. ``"INFO"`` or ``"DEBUG"``.
    """
    logger = logging.getLogger(__name__)
    logger.setLevel(level)
    if not any(getattr(h, "_hotspots_show_log", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._hotspots_show_log = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


__all__ = [
    "AreaSet",
    "CRSError",
    "DataQualityWarning",
    "EmptyDataError",
    "HotspotsError",
    "LoadReport",
    "Period",
    "ValidationError",
    "__version__",
    "area_counts",
    "assign_areas",
    "episodes_as_incidents",
    "list_boundaries",
    "load_boundaries",
    "parse_period",
    "read_boundaries",
    "read_fhrs",
    "read_incidents",
    "read_missing_episodes",
    "read_police_uk",
    "read_premises",
    "show_log",
    "simulate_incidents",
    "suppress",
]
