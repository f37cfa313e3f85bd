"""hotspots: where incidents concentrate, which areas hold them, and what to do about it.

The public API is re-exported here; see ``__all__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotspots._lazy import lazy_dir, lazy_getattr
from hotspots._version import __version__
from hotspots.errors import (
    CRSError,
    DataQualityWarning,
    EmptyDataError,
    HotspotsError,
    PublicModeError,
    ValidationError,
)
from hotspots.logs import show_log

if TYPE_CHECKING:  # type checkers and IDEs see the real names; at run time they load lazily
    from hotspots.areas import AreaSet, area_counts, assign_areas
    from hotspots.change import PeriodComparison, compare_periods, hotspot_change
    from hotspots.change.centrography import CentreShift, centre_shift
    from hotspots.change.classify import hotspot_classify
    from hotspots.change.trend import trend
    from hotspots.cluster import IncidentClusterer, cluster_incidents, cluster_summary
    from hotspots.episodes.cohort import at_risk_snapshots, cohort_series
    from hotspots.grid import hotspot_grid
    from hotspots.hotspot import area_gistar, hotspot_count, hotspot_gistar, hotspot_kde
    from hotspots.hotspot.moran import area_moran, hotspot_moran
    from hotspots.io import (
        LoadReport,
        datasets,
        episodes,
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
    from hotspots.io.at_risk import read_at_risk
    from hotspots.io.visits import read_visit_log
    from hotspots.io.write import write_table, write_visit_plan
    from hotspots.maps import (
        explore_areas,
        explore_change,
        explore_clusters,
        explore_hotspots,
        explore_premises,
    )
    from hotspots.maps.static_export import save_static
    from hotspots.narrative import describe
    from hotspots.periods import Period, parse_period
    from hotspots.premises import (
        VisitPlan,
        link_premises,
        premises_rank,
        proximity_report,
        visit_plan,
    )
    from hotspots.privacy import Release, protect
    from hotspots.privacy.suppress import suppress
    from hotspots.report import committee_report
    from hotspots.simulate import simulate_incidents
    from hotspots.simulate.children import simulate_at_risk, simulate_episodes

# Public name -> "module:attribute" (or "module:" for a subpackage). The names load on first
# use (PEP 562) so that `import hotspots` and `hotspots --help` do not pay for scipy.stats,
# scikit-learn, folium and friends (~3-5 s on a council laptop) before they are needed.
_LAZY: dict[str, str] = {
    "area_counts": "hotspots.areas:area_counts",
    "area_gistar": "hotspots.hotspot:area_gistar",
    "area_moran": "hotspots.hotspot.moran:area_moran",
    "AreaSet": "hotspots.areas:AreaSet",
    "assign_areas": "hotspots.areas:assign_areas",
    "at_risk_snapshots": "hotspots.episodes.cohort:at_risk_snapshots",
    "centre_shift": "hotspots.change.centrography:centre_shift",
    "CentreShift": "hotspots.change.centrography:CentreShift",
    "cluster_incidents": "hotspots.cluster:cluster_incidents",
    "cluster_summary": "hotspots.cluster:cluster_summary",
    "cohort_series": "hotspots.episodes.cohort:cohort_series",
    "committee_report": "hotspots.report:committee_report",
    "save_static": "hotspots.maps.static_export:save_static",
    "compare_periods": "hotspots.change:compare_periods",
    "datasets": "hotspots.io.datasets:",
    "describe": "hotspots.narrative:describe",
    "episodes": "hotspots.episodes:",
    "episodes_as_incidents": "hotspots.io:episodes_as_incidents",
    "explore_areas": "hotspots.maps:explore_areas",
    "explore_change": "hotspots.maps:explore_change",
    "explore_clusters": "hotspots.maps:explore_clusters",
    "explore_hotspots": "hotspots.maps:explore_hotspots",
    "explore_premises": "hotspots.maps:explore_premises",
    "hotspot_change": "hotspots.change:hotspot_change",
    "hotspot_classify": "hotspots.change.classify:hotspot_classify",
    "hotspot_count": "hotspots.hotspot:hotspot_count",
    "hotspot_gistar": "hotspots.hotspot:hotspot_gistar",
    "hotspot_grid": "hotspots.grid:hotspot_grid",
    "hotspot_kde": "hotspots.hotspot:hotspot_kde",
    "hotspot_moran": "hotspots.hotspot.moran:hotspot_moran",
    "IncidentClusterer": "hotspots.cluster:IncidentClusterer",
    "link_premises": "hotspots.premises:link_premises",
    "list_boundaries": "hotspots.io:list_boundaries",
    "load_boundaries": "hotspots.io:load_boundaries",
    "LoadReport": "hotspots.io:LoadReport",
    "parse_period": "hotspots.periods:parse_period",
    "Period": "hotspots.periods:Period",
    "PeriodComparison": "hotspots.change:PeriodComparison",
    "protect": "hotspots.privacy:protect",
    "Release": "hotspots.privacy:Release",
    "premises_rank": "hotspots.premises:premises_rank",
    "proximity_report": "hotspots.premises:proximity_report",
    "read_at_risk": "hotspots.io.at_risk:read_at_risk",
    "read_boundaries": "hotspots.io:read_boundaries",
    "read_fhrs": "hotspots.io:read_fhrs",
    "read_incidents": "hotspots.io:read_incidents",
    "read_missing_episodes": "hotspots.io:read_missing_episodes",
    "read_police_uk": "hotspots.io:read_police_uk",
    "read_premises": "hotspots.io:read_premises",
    "read_visit_log": "hotspots.io.visits:read_visit_log",
    "simulate_at_risk": "hotspots.simulate.children:simulate_at_risk",
    "simulate_episodes": "hotspots.simulate.children:simulate_episodes",
    "simulate_incidents": "hotspots.simulate:simulate_incidents",
    "suppress": "hotspots.privacy:suppress",
    "trend": "hotspots.change:trend",
    "visit_plan": "hotspots.premises:visit_plan",
    "VisitPlan": "hotspots.premises:VisitPlan",
    "write_table": "hotspots.io.write:write_table",
    "write_visit_plan": "hotspots.io.write:write_visit_plan",
}


# a public name is imported on first use and cached on the package
__getattr__ = lazy_getattr("hotspots", _LAZY, globals())
__dir__ = lazy_dir(_LAZY, globals())


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
    "Release",
    "ValidationError",
    "VisitPlan",
    "__version__",
    "area_counts",
    "area_gistar",
    "area_moran",
    "assign_areas",
    "at_risk_snapshots",
    "centre_shift",
    "cluster_incidents",
    "cluster_summary",
    "cohort_series",
    "committee_report",
    "compare_periods",
    "datasets",
    "describe",
    "episodes",
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
    "hotspot_moran",
    "link_premises",
    "list_boundaries",
    "load_boundaries",
    "parse_period",
    "premises_rank",
    "protect",
    "proximity_report",
    "read_at_risk",
    "read_boundaries",
    "read_fhrs",
    "read_incidents",
    "read_missing_episodes",
    "read_police_uk",
    "read_premises",
    "read_visit_log",
    "save_static",
    "show_log",
    "simulate_at_risk",
    "simulate_episodes",
    "simulate_incidents",
    "suppress",
    "trend",
    "visit_plan",
    "write_table",
    "write_visit_plan",
]
