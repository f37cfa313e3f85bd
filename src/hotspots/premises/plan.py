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
from hotspots._params import check_positive
from hotspots.errors import Problem, ValidationError
from hotspots.premises import _common
from hotspots.premises._common import PREMISES_CLASS, PREMISES_ID
from hotspots.premises.inspection import INSPECTION_COLUMNS
from hotspots.premises.link import link_premises

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
    """

    visits: gpd.GeoDataFrame
    operations: gpd.GeoDataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"VisitPlan({len(self.visits)} visits in {len(self.operations)} operations, "
                f"max span {self.params.get('max_span')} m)")


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
    """
    caller = "visit_plan"
    ranked = _common.check_premises(ranked, caller, name="ranked")
    for col in ("rank", "score"):
        if col not in ranked.columns:
            raise ValidationError(Problem("missing_column", f"'ranked' has no {col!r} column; "
                                                            "pass a premises_rank result.",
                                          column=col), context=caller)
    for name, value in (("top", top), ("max_per_operation", max_per_operation)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"The '{name}' parameter of {caller} must be an int >= 1. "
                             f"Got {value!r} instead.")
    max_span = float(check_positive("max_span", max_span, caller=caller))
    table = {**VISIT_AGENCIES, **{k: tuple(v) for k, v in (agencies or {}).items()}}
    extra = tuple(extra_agencies)

    chosen = ranked[pd.to_numeric(ranked["score"], errors="coerce").fillna(0) > 0]
    chosen = chosen.sort_values(["rank", PREMISES_ID]).head(int(top)).reset_index(drop=True)
    ok = _common.located_mask(chosen)
    xy = np.full((len(chosen), 2), np.nan)
    if ok.any():
        xy[ok] = _point_xy(chosen.geometry.to_numpy()[ok])

    groups = np.full(len(chosen), -1, dtype=np.int64)
    located = np.flatnonzero(ok)
    if len(located):
        labels = _group(xy[located], max_span, int(max_per_operation))
        groups[located] = labels
    next_label = groups.max() + 1 if len(chosen) else 0
    for i in np.flatnonzero(~ok):
        groups[i] = next_label
        next_label += 1

    # number operations by their best rank
    ranks = chosen["rank"].to_numpy(dtype=np.int64)
    best = {g: ranks[groups == g].min() for g in np.unique(groups)}
    op_number = {g: k + 1 for k, g in enumerate(sorted(best, key=lambda g: best[g]))}

    classes = (chosen[PREMISES_CLASS].astype("string").fillna("other")
               if PREMISES_CLASS in chosen.columns
               else pd.Series("other", index=chosen.index, dtype="string"))
    agency_text = [
        "; ".join(_sorted_agencies(set(table.get(c, table["other"])) | set(extra)))
        for c in classes
    ]

    time_info = _time_windows(chosen, incidents, link, radius, ranked, groups, op_number)

    visit_rows = []
    op_rows = []
    for g, op in sorted(op_number.items(), key=lambda kv: kv[1]):
        members = np.flatnonzero(groups == g)
        members = members[np.argsort(ranks[members], kind="stable")]
        if ok[members].all():
            route = _route(xy[members])
            members = members[route]
            legs = np.r_[np.nan, np.hypot(*np.diff(xy[members], axis=0).T)]
            diffs = xy[members][:, None, :] - xy[members][None, :, :]
            span = float(np.sqrt((diffs ** 2).sum(axis=2)).max())
            line = (shapely.LineString(xy[members]) if len(members) > 1
                    else shapely.Point(xy[members[0]]))
        else:
            legs = np.full(len(members), np.nan)
            span = 0.0
            line = shapely.Point()
        for order, (m, leg) in enumerate(zip(members, legs, strict=True), start=1):
            visit_rows.append({"operation": op, "order": order, "_pos": m,
                               "leg_distance_m": float(leg)})
        union = set().union(*(set(agency_text[m].split("; ")) for m in members))
        info = time_info.get(op, {})
        op_rows.append({
            "operation": op,
            "n_visits": len(members),
            "best_rank": int(ranks[members].min()),
            "span_m": span,
            "route_length_m": float(np.nansum(legs)),
            "agencies": "; ".join(_sorted_agencies(union)),
            "n_incidents": int(info.get("n_incidents", 0)),
            "peak_day": info.get("peak_day", "unknown"),
            "peak_hours": info.get("peak_hours", "unknown"),
            "time_window": info.get("time_window", "unknown"),
            "premises": " → ".join(str(chosen["name"].iloc[m]) for m in members),
            "geometry": line,
        })

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
    visits = gpd.GeoDataFrame(visits, geometry=chosen.geometry.to_numpy()[pos], crs=ranked.crs)
    op_columns = ["operation", "n_visits", "best_rank", "span_m", "route_length_m", "agencies",
                  "n_incidents", "peak_day", "peak_hours", "time_window", "premises", "geometry"]
    operations = gpd.GeoDataFrame(pd.DataFrame(op_rows, columns=op_columns),
                                  geometry="geometry", crs=ranked.crs)
    params = {
        "function": caller,
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


def _sorted_agencies(names: set[str]) -> list[str]:
    known = [a for a in AGENCY_ORDER if a in names]
    return known + sorted(n for n in names if n not in AGENCY_ORDER and n)


def _group(xy: np.ndarray, max_span: float, max_size: int) -> np.ndarray:
    """Labels 0..k-1 of groups with span <= max_span and at most max_size members."""
    labels = np.zeros(len(xy), dtype=np.int64)
    if len(xy) == 1:
        return labels
    from sklearn.cluster import AgglomerativeClustering

    # complete linkage: a merge happens only below the threshold, so every group's largest
    # pairwise distance is below max_span
    first = AgglomerativeClustering(n_clusters=None, distance_threshold=max_span,
                                    linkage="complete").fit_predict(xy)
    next_label = 0
    for g in np.unique(first):
        members = np.flatnonzero(first == g)
        for sub in _split(xy, members, max_size):
            labels[sub] = next_label
            next_label += 1
    return labels


def _split(xy: np.ndarray, members: np.ndarray, max_size: int) -> list[np.ndarray]:
    if len(members) <= max_size:
        return [members]
    from sklearn.cluster import AgglomerativeClustering

    k = int(np.ceil(len(members) / max_size))
    sub = AgglomerativeClustering(n_clusters=k, linkage="complete").fit_predict(xy[members])
    parts: list[np.ndarray] = []
    for g in np.unique(sub):
        parts.extend(_split(xy, members[sub == g], max_size))
    return parts


def _path_length(xy: np.ndarray, order: Sequence[int]) -> float:
    pts = xy[list(order)]
    return float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0


def _nearest_neighbor_route(xy: np.ndarray) -> list[int]:
    """Open path from point 0, always to the nearest unvisited point (ties: lower index)."""
    n = len(xy)
    route = [0]
    left = list(range(1, n))
    while left:
        here = xy[route[-1]]
        d = np.hypot(*(xy[left] - here).T)
        k = int(np.argmin(d))
        route.append(left.pop(k))
    return route


def _two_opt(xy: np.ndarray, route: list[int]) -> list[int]:
    """Improve an open path with a fixed start by segment reversals (2-opt)."""
    route = list(route)
    n = len(route)
    if n < 3:
        return route

    def dist(a: int, b: int) -> float:
        return float(np.hypot(*(xy[a] - xy[b])))

    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                a, b = route[i - 1], route[i]
                c = route[j]
                before = dist(a, b)
                after = dist(a, c)
                if j + 1 < n:
                    d = route[j + 1]
                    before += dist(c, d)
                    after += dist(b, d)
                if after < before - 1e-9:
                    route[i:j + 1] = route[i:j + 1][::-1]
                    improved = True
    return route


def _route(xy: np.ndarray) -> np.ndarray:
    """Visit order (positions into ``xy``; ``xy[0]`` is the start): nearest neighbour + 2-opt."""
    return np.asarray(_two_opt(xy, _nearest_neighbor_route(xy)), dtype=np.int64)


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _time_windows(chosen: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame | None,
                  link: pd.DataFrame | None, radius: float | None, ranked: gpd.GeoDataFrame,
                  groups: np.ndarray, op_number: dict[int, int]) -> dict[Any, Any]:
    """Per operation: linked incidents, peak day of week and busiest 3-hour window."""
    if incidents is None:
        return {}
    if link is None:
        if radius is None:
            radius = float(ranked.attrs.get("hotspots", {}).get("radius", 50.0))
        link = link_premises(incidents, ranked, max_distance=radius)
    occurred = (pd.to_datetime(incidents[schema.OCCURRED], errors="coerce")
                if schema.OCCURRED in incidents.columns
                else pd.Series(pd.NaT, index=incidents.index))
    precision = _common.time_precision(occurred)
    op_of_pid = {
        str(pid): op_number[g]
        for pid, g in zip(chosen[PREMISES_ID].astype(str), groups, strict=True)
    }
    ops = link[PREMISES_ID].astype("string").map(op_of_pid)
    result: dict[Any, Any] = {"precision": precision}
    frame = pd.DataFrame({"op": ops.to_numpy(dtype=object), "t": occurred.to_numpy()})
    frame = frame[frame["op"].notna()]
    for op, sub in frame.groupby("op"):
        t = pd.to_datetime(sub["t"]).dropna()
        info: dict[str, Any] = {"n_incidents": len(sub), "peak_day": "unknown",
                                "peak_hours": "unknown", "time_window": "unknown"}
        parts = []
        if precision in ("day", "time") and len(t):
            counts = np.bincount(t.dt.day_of_week.to_numpy(), minlength=7)
            day = int(np.argmax(counts))  # ties: the earlier day of the week
            info["peak_day"] = _DAYS[day]
            parts.append(f"{_DAYS[day]} ({counts[day]} of {len(t)})")
        if precision == "time" and len(t):
            hours = np.bincount(t.dt.hour.to_numpy(), minlength=24)
            window3 = hours + np.roll(hours, -1) + np.roll(hours, -2)
            h = int(np.argmax(window3))
            info["peak_hours"] = f"{h:02d}:00-{(h + 3) % 24:02d}:00"
            parts.append(f"{info['peak_hours']} ({window3[h]} of {len(t)})")
        if parts:
            info["time_window"] = ", ".join(parts)
        result[int(op)] = info
    return result
