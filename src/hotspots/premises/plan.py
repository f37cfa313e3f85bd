"""Plan visits to the top-ranked premises: operations, routes, agencies and time windows.

:func:`visit_plan` takes a :func:`hotspots.premises.premises_rank` result and returns a
:class:`VisitPlan`:

- grouping: the top premises are split into operations of nearby premises (complete
  linkage, so no operation spans more than ``max_span`` metres, and at most
  ``max_per_operation`` visits each);
- routing: each operation is ordered by nearest neighbour from its best-ranked premises,
  then shortened by 2-opt;
- agencies: who to invite, by premises class (:data:`VISIT_AGENCIES`, listed in
  :data:`AGENCY_ORDER`);
- time windows: the peak day and 3-hour window of the incidents linked to the operation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots._params import Positive, current_verb, validate_params
from hotspots.errors import Problem, ValidationError
from hotspots.premises import _common
from hotspots.premises._common import PREMISES_CLASS, PREMISES_ID
from hotspots.premises._route import group, route
from hotspots.premises._route import nearest_neighbour_route as _nearest_neighbor_route  # noqa: F401
from hotspots.premises._route import path_length as _path_length  # noqa: F401
from hotspots.premises._route import route as _route  # noqa: F401
from hotspots.premises._route import two_opt as _two_opt  # noqa: F401
from hotspots.premises._windows import time_windows
from hotspots.premises.inspection import INSPECTION_COLUMNS

__all__ = ["AGENCY_ORDER", "VISIT_AGENCIES", "VisitPlan", "visit_plan"]

logger = logging.getLogger(__name__)

#: Agencies to invite, by premises class. The police attend every visit; environmental
#: health inspects food businesses and registers special treatments (massage, nails) and
#: enforces the smoke-free law in shisha lounges; council licensing covers alcohol,
#: entertainment, gambling (arcades) and sex-establishment licences; taxi licensing covers
#: private hire operators; the fire service inspects sleeping accommodation (hotels, houses in
#: multiple occupation); the GLAA (Gangmasters and Labour Abuse Authority) investigates
#: labour exploitation, the risk in hand car washes and nail bars. HMRC and Immigration
#: Enforcement are optional partners: add them with ``visit_plan(extra_agencies=...)``.
VISIT_AGENCIES: dict[str, tuple[str, ...]] = {
    "cafe/restaurant": ("police", "environmental health"),
    "takeaway": ("police", "environmental health"),
    "pub/bar/nightclub": ("police", "council licensing"),
    "hotel/guest house": ("police", "council licensing", "fire service"),
    "shisha lounge": ("police", "council licensing", "environmental health"),
    "snooker/pool hall": ("police", "council licensing"),
    "amusement arcade": ("police", "council licensing"),
    "entertainment": ("police", "council licensing"),
    "massage parlour": ("police", "council licensing", "environmental health"),
    "nail bar": ("police", "environmental health", "GLAA"),
    "car wash": ("police", "GLAA"),
    "taxi/private hire": ("police", "taxi licensing"),
    "residential": ("police", "fire service"),
    "other": ("police",),
}

#: Order in which agencies are listed in outputs (others follow alphabetically).
AGENCY_ORDER = (
    "police",
    "council licensing",
    "environmental health",
    "taxi licensing",
    "fire service",
    "GLAA",
    "HMRC",
    "Immigration Enforcement",
)



def _point_xy(geoms: np.ndarray) -> np.ndarray:
    """x, y of points; a polygon or line is represented by a point on its surface."""
    pts = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    return shapely.get_coordinates(pts)


@dataclass
class VisitPlan:
    """Operations of nearby premises to visit, each with an ordered route.

    Attributes
    ----------
    visits : geopandas.GeoDataFrame
        One row per premises visited, ordered by operation then ``order``: ``operation``
        (int, 1 = the operation holding the highest-ranked premises), ``order`` (int, 1..n
        along the route), ``rank``, ``premises_id``, ``name``, ``premises_class``,
        ``agencies`` (str, "; "-separated), ``leg_distance_m`` (float, straight-line metres
        from the previous visit; NaN for the first), ``score``, ``reasons``, ``address``,
        ``postcode``, ``location_status``, then, when the ranking has them, ``rating`` and
        ``rating_date`` (FHRS) and ``last_visit``, ``last_outcome`` (visit log), and
        ``geometry``.
    operations : geopandas.GeoDataFrame
        One row per operation: ``operation``, ``n_visits``, ``best_rank``, ``span_m``
        (largest distance between two of its premises), ``route_length_m`` (sum of the legs),
        ``agencies`` (union over its visits), ``n_incidents`` (linked incidents behind the
        time window), ``peak_day``, ``peak_hours``, ``time_window`` (text; "unknown" when the
        incident times are not known), ``premises`` (names in route order), ``geometry``
        (the route as a LineString, a Point for a single visit, empty when unlocated).
    params : dict
        The parameters used (top, max_per_operation, max_span, agency table, ...).

    Examples
    --------
    Plans come from :func:`visit_plan`; a plan with two premises 80 m apart:

    >>> import shapely
    >>> from hotspots.premises import VisitPlan, premises_rank, visit_plan
    >>> prem = gpd.GeoDataFrame({"premises_id": ["a", "b"], "name": ["The Crown", "Spa"]},
    ...                         geometry=[shapely.Point(0, 0), shapely.Point(80, 0)],
    ...                         crs=27700)
    >>> inc = gpd.GeoDataFrame(geometry=[shapely.Point(1, 0), shapely.Point(79, 0)],
    ...                        crs=27700)
    >>> plan = visit_plan(premises_rank(inc, prem))
    >>> isinstance(plan, VisitPlan), plan.operations.loc[0, "premises"]
    (True, 'The Crown → Spa')
    >>> float(plan.operations.loc[0, "route_length_m"])
    80.0
    """

    visits: gpd.GeoDataFrame
    operations: gpd.GeoDataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"VisitPlan({len(self.visits)} visits in {len(self.operations)} operations, "
                f"max span {self.params.get('max_span')} m)")


@validate_params({"max_span": Positive()})
def visit_plan(
    ranked: gpd.GeoDataFrame,
    *,
    top: int = 20,
    max_per_operation: int = 6,
    max_span: float = 1000.0,
    agencies: Mapping[str, Sequence[str]] | None = None,
    extra_agencies: Sequence[str] = (),
    incidents: gpd.GeoDataFrame | None = None,
    link: pd.DataFrame | None = None,
    radius: float | None = None,
) -> VisitPlan:
    """Group the top-ranked premises into operations and order each into a short route.

    Parameters
    ----------
    ranked : geopandas.GeoDataFrame
        A :func:`~hotspots.premises.premises_rank` result (``rank``, ``premises_id``,
        ``name``, ``premises_class``, ``score``, geometry).
    top : int
        How many premises to visit: the first ``top`` by rank among those with a score
        above zero.
    max_per_operation : int
        Most visits in one operation.
    max_span : float
        Largest distance in metres between any two premises of one operation.
    agencies : mapping of str to sequence of str, optional
        Agencies by premises class, replacing the rows of :data:`VISIT_AGENCIES` for the
        classes given (a class absent from both gets the "other" row).
    extra_agencies : sequence of str
        Agencies invited to every operation, e.g. ``("HMRC", "Immigration Enforcement")``.
    incidents : geopandas.GeoDataFrame, optional
        The incidents behind the ranking, for the time window of each operation.
    link : pandas.DataFrame, optional
        Their :func:`link_premises` result; computed against ``ranked`` with
        ``max_distance=radius`` when not given.
    radius : float, optional
        Link distance used when ``link`` is computed here; default the ranking's radius
        (``ranked.attrs``) or 50 m.

    Returns
    -------
    VisitPlan
        ``.visits`` and ``.operations`` (schemas in :class:`VisitPlan`) and ``.params``.

    Raises
    ------
    TypeError, CRSError, ValidationError
        When ``ranked`` is not a projected premises frame with ``rank`` and ``score``.
    ValueError
        When ``top`` or ``max_per_operation`` is not a positive integer, or ``max_span``
        is not a positive number.

    Notes
    -----
    Grouping is complete-linkage agglomerative clustering (scikit-learn) of the premises
    with distance threshold ``max_span``: complete linkage merges two groups only while the
    largest distance between their members stays below the threshold, so no operation spans
    more than ``max_span``. Groups larger than ``max_per_operation`` are split again by
    complete linkage into ``ceil(n / max_per_operation)`` groups, recursively. Premises
    without a location get an operation each.

    Each route starts at the operation's highest-ranked premises and visits the nearest
    unvisited premises next; 2-opt then reverses segments while that shortens the open path,
    so the route is never longer than the nearest-neighbour one. Distances are straight
    lines in metres (walking or driving distances are longer).

    The time window uses the linked incidents of the operation's premises: the most common
    day of the week (when dates are known to the day) and the busiest 3-hour window of the
    day (when times are known). police.uk data (months only) gives "unknown".

    Examples
    --------
    Three premises with incidents, two of them 100 m apart and one 5 km away:

    >>> import shapely
    >>> from hotspots.premises import premises_rank, visit_plan
    >>> prem = gpd.GeoDataFrame(
    ...     {"premises_id": ["a", "b", "c"], "name": ["The Crown", "Kebab House", "Spa"],
    ...      "premises_class": ["pub/bar/nightclub", "takeaway", "massage parlour"]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(100, 0), shapely.Point(5000, 0)],
    ...     crs=27700)
    >>> inc = gpd.GeoDataFrame(
    ...     {"occurred": pd.to_datetime(["2024-01-05 23:10", "2024-01-12 22:40",
    ...                                  "2024-02-02 23:30", "2024-02-20 14:00"])},
    ...     geometry=[shapely.Point(2, 0), shapely.Point(3, 1), shapely.Point(101, 0),
    ...               shapely.Point(4999, 0)], crs=27700)
    >>> ranked = premises_rank(inc, prem)
    >>> plan = visit_plan(ranked, max_span=500, incidents=inc)
    >>> plan
    VisitPlan(3 visits in 2 operations, max span 500.0 m)
    >>> plan.visits[["operation", "order", "name", "leg_distance_m"]]
       operation  order         name  leg_distance_m
    0          1      1    The Crown             NaN
    1          1      2  Kebab House           100.0
    2          2      1          Spa             NaN
    >>> plan.visits.loc[2, "agencies"]
    'police; council licensing; environmental health'
    >>> plan.operations.loc[0, "time_window"]
    'Friday (3 of 3), 21:00-00:00 (3 of 3)'
    """
    ranked = _check_ranked(ranked)
    _check_count("top", top)
    _check_count("max_per_operation", max_per_operation)
    max_span = float(max_span)
    table = {**VISIT_AGENCIES, **{k: tuple(v) for k, v in (agencies or {}).items()}}
    extra = tuple(extra_agencies)

    chosen = ranked[pd.to_numeric(ranked["score"], errors="coerce").fillna(0) > 0]
    chosen = chosen.sort_values(["rank", PREMISES_ID]).head(int(top)).reset_index(drop=True)
    ok = _common.located_mask(chosen)
    xy = np.full((len(chosen), 2), np.nan)
    if ok.any():
        xy[ok] = _point_xy(chosen.geometry.to_numpy()[ok])
    ranks = chosen["rank"].to_numpy(dtype=np.int64)
    groups, op_number = _operations(xy, ok, ranks, max_span, int(max_per_operation))
    classes = (chosen[PREMISES_CLASS].astype("string").fillna("other")
               if PREMISES_CLASS in chosen.columns
               else pd.Series("other", index=chosen.index, dtype="string"))
    agency_text = [
        "; ".join(_sorted_agencies(set(table.get(c, table["other"])) | set(extra)))
        for c in classes
    ]
    time_info = time_windows(chosen, incidents, link, radius, ranked, groups, op_number)

    visit_rows, op_rows = [], []
    for g, op in sorted(op_number.items(), key=lambda kv: kv[1]):
        members = np.flatnonzero(groups == g)
        members = members[np.argsort(ranks[members], kind="stable")]
        members, legs, span, line = _route_operation(members, xy, ok)
        for order, (m, leg) in enumerate(zip(members, legs, strict=True), start=1):
            visit_rows.append({"operation": op, "order": order, "_pos": m,
                               "leg_distance_m": float(leg)})
        union = set().union(*(set(agency_text[m].split("; ")) for m in members))
        op_rows.append(_operation_row(op, members, legs, span, line, ranks,
                                      "; ".join(_sorted_agencies(union)),
                                      time_info.get(op, {}), chosen))

    visits = _visits_frame(visit_rows, chosen, ranks, classes, agency_text, ranked.crs)
    operations = gpd.GeoDataFrame(pd.DataFrame(op_rows, columns=list(_OPERATION_COLUMNS)),
                                  geometry="geometry", crs=ranked.crs)
    params = {
        "function": "visit_plan",
        "top": int(top),
        "max_per_operation": int(max_per_operation),
        "max_span": max_span,
        "agencies": {k: list(v) for k, v in table.items()},
        "extra_agencies": list(extra),
        "n_candidates": len(chosen),
        "n_unlocated": int((~ok).sum()),
        "time_precision": time_info.get("precision", "unknown"),
    }
    visits.attrs["hotspots"] = dict(params)
    operations.attrs["hotspots"] = dict(params)
    logger.info("visit_plan: %d visits in %d operations (max span %.0f m, at most %d each)",
                len(visits), len(operations), max_span, max_per_operation)
    return VisitPlan(visits=visits, operations=operations, params=params)


_OPERATION_COLUMNS = ("operation", "n_visits", "best_rank", "span_m", "route_length_m",
                      "agencies", "n_incidents", "peak_day", "peak_hours", "time_window",
                      "premises", "geometry")


def _check_ranked(ranked: Any) -> gpd.GeoDataFrame:
    """Return ``ranked`` if it is a premises frame with a ranking's ``rank`` and ``score``."""
    ranked = _common.check_premises(ranked, name="ranked")
    for col in ("rank", "score"):
        if col not in ranked.columns:
            raise ValidationError(Problem("missing_column", f"'ranked' has no {col!r} column; "
                                                            "pass a premises_rank result.",
                                          column=col), context=current_verb())
    return ranked


def _check_count(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"The '{name}' parameter of {current_verb()} must be an int >= 1. "
                         f"Got {value!r} instead.")


def _operations(xy: np.ndarray, ok: np.ndarray, ranks: np.ndarray, max_span: float,
                max_size: int) -> tuple[np.ndarray, dict[int, int]]:
    """Group label per premises and operation number per group (1 = best rank first).

    Premises without a location get an operation each.
    """
    groups = np.full(len(xy), -1, dtype=np.int64)
    located = np.flatnonzero(ok)
    if len(located):
        groups[located] = group(xy[located], max_span, max_size)
    next_label = groups.max() + 1 if len(xy) else 0
    for i in np.flatnonzero(~ok):
        groups[i] = next_label
        next_label += 1
    best = {g: ranks[groups == g].min() for g in np.unique(groups)}
    return groups, {g: k + 1 for k, g in enumerate(sorted(best, key=lambda g: best[g]))}


def _route_operation(members: np.ndarray, xy: np.ndarray, ok: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, float, Any]:
    """(members in route order, leg lengths, span, route geometry) of one operation."""
    if not ok[members].all():
        return members, np.full(len(members), np.nan), 0.0, shapely.Point()
    members = members[route(xy[members])]
    legs = np.r_[np.nan, np.hypot(*np.diff(xy[members], axis=0).T)]
    diffs = xy[members][:, None, :] - xy[members][None, :, :]
    span = float(np.sqrt((diffs ** 2).sum(axis=2)).max())
    line = (shapely.LineString(xy[members]) if len(members) > 1
            else shapely.Point(xy[members[0]]))
    return members, legs, span, line


def _operation_row(op: int, members: np.ndarray, legs: np.ndarray, span: float, line: Any,
                   ranks: np.ndarray, agencies: str, info: dict[str, Any],
                   chosen: gpd.GeoDataFrame) -> dict[str, Any]:
    """One row of ``VisitPlan.operations``."""
    return {
        "operation": op,
        "n_visits": len(members),
        "best_rank": int(ranks[members].min()),
        "span_m": span,
        "route_length_m": float(np.nansum(legs)),
        "agencies": agencies,
        "n_incidents": int(info.get("n_incidents", 0)),
        "peak_day": info.get("peak_day", "unknown"),
        "peak_hours": info.get("peak_hours", "unknown"),
        "time_window": info.get("time_window", "unknown"),
        "premises": " → ".join(str(chosen["name"].iloc[m]) for m in members),
        "geometry": line,
    }


def _visits_frame(visit_rows: list[dict[str, Any]], chosen: gpd.GeoDataFrame,
                  ranks: np.ndarray, classes: pd.Series, agency_text: list[str],
                  crs: Any) -> gpd.GeoDataFrame:
    """``VisitPlan.visits``: one row per premises visited, in operation and route order."""
    vis = pd.DataFrame(visit_rows, columns=["operation", "order", "_pos", "leg_distance_m"])
    pos = vis["_pos"].to_numpy(dtype=np.int64)
    visits = pd.DataFrame({
        "operation": vis["operation"].astype(np.int64),
        "order": vis["order"].astype(np.int64),
        "rank": ranks[pos],
        PREMISES_ID: chosen[PREMISES_ID].astype("string").to_numpy()[pos],
        "name": chosen["name"].astype("string").to_numpy()[pos],
        PREMISES_CLASS: classes.to_numpy()[pos],
        "agencies": [agency_text[p] for p in pos],
        "leg_distance_m": vis["leg_distance_m"].astype(float),
        "score": chosen["score"].to_numpy(dtype=float)[pos],
    })
    for col in ("reasons", "address", "postcode", schema.LOCATION_STATUS):
        visits[col] = (chosen[col].to_numpy(dtype=object)[pos] if col in chosen.columns
                       else np.full(len(pos), None, dtype=object))
        visits[col] = visits[col].astype("string")
    # what the people who go need beside the reasons: the food hygiene rating and date
    # (read_fhrs) and what the last visit found (premises_rank(visits=...)), when known
    for col in (*INSPECTION_COLUMNS, "last_visit", "last_outcome"):
        if col in chosen.columns:
            visits[col] = chosen[col].iloc[pos].reset_index(drop=True)
    return gpd.GeoDataFrame(visits, geometry=chosen.geometry.to_numpy()[pos], crs=crs)


def _sorted_agencies(names: set[str]) -> list[str]:
    known = [a for a in AGENCY_ORDER if a in names]
    return known + sorted(n for n in names if n not in AGENCY_ORDER and n)
