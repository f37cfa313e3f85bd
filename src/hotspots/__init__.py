"""hotspots: where incidents concentrate, which areas hold them, and what to do about it.

The public API is re-exported here; see ``__all__``.
"""

from __future__ import annotations

import logging

from hotspots.areas import AreaSet, area_counts, assign_areas
from hotspots.centrography import CentreShift, centre_shift
from hotspots.change import PeriodComparison, compare_periods, hotspot_change, trend
from hotspots.classify import hotspot_classify
from hotspots.cluster import IncidentClusterer, cluster_incidents, cluster_summary
from hotspots.errors import (
    CRSError,
    DataQualityWarning,
    EmptyDataError,
    HotspotsError,
    PublicModeError,
    ValidationError,
)
from hotspots.grid import hotspot_grid
from hotspots.hotspot import area_gistar, hotspot_count, hotspot_gistar, hotspot_kde
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
from hotspots.io.write import write_table, write_visit_plan
from hotspots.maps import (
    explore_areas,
    explore_change,
    explore_clusters,
    explore_hotspots,
    explore_premises,
)
from hotspots.narrative import describe
from hotspots.periods import Period, parse_period
from hotspots.premises import (
    VisitPlan,
    link_premises,
    premises_rank,
    proximity_report,
    visit_plan,
)
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
    "CentreShift",
    "DataQualityWarning",
    "EmptyDataError",
    "HotspotsError",
    "IncidentClusterer",
    "LoadReport",
    "Period",
    "PeriodComparison",
    "PublicModeError",
    "ValidationError",
    "VisitPlan",
    "__version__",
    "area_counts",
    "area_gistar",
    "assign_areas",
    "centre_shift",
    "cluster_incidents",
    "cluster_summary",
    "compare_periods",
    "describe",
    "episodes_as_incidents",
    "explore_areas",
    "explore_change",
    "explore_clusters",
    "explore_hotspots",
    "explore_premises",
    "hotspot_change",
    "hotspot_classify",
    "hotspot_count",
    "hotspot_gistar",
    "hotspot_grid",
    "hotspot_kde",
    "link_premises",
    "list_boundaries",
    "load_boundaries",
    "parse_period",
    "premises_rank",
    "proximity_report",
    "read_boundaries",
    "read_fhrs",
    "read_incidents",
    "read_missing_episodes",
    "read_police_uk",
    "read_premises",
    "show_log",
    "simulate_incidents",
    "suppress",
    "trend",
    "visit_plan",
    "write_table",
    "write_visit_plan",
]
