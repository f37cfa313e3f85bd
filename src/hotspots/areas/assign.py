"""Point-in-area assignment (:func:`assign_areas`) and area tables (:func:`area_counts`).

Assignment rules
----------------
- The points are read by :func:`hotspots.located.located_points` (any CRS; they are
  transformed to EPSG:27700 for the lookup, and the frame itself is not changed).
- The lowest level is assigned from its polygons. A higher level into which the levels
  below it nest (:attr:`AreaSet.nesting <hotspots.areas.AreaSet.nesting>`) is derived from
  the lowest through :attr:`AreaSet.lookup <hotspots.areas.AreaSet.lookup>`: an incident's
  constituency is the constituency of its ward, so ward tables add up exactly to
  constituency tables even where generalised polygons of the two levels disagree by a few
  metres. A higher level that does not nest (the City of London's constituency reaches
  beyond its wards) is assigned from its own polygons. ``attrs["hotspots"]["assign"]
  ["method"]`` records which way each level was assigned.
- A located point that lies in no area of a level is labelled ``"Outside district"``; a row
  whose location is unknown is labelled ``"Unknown location"``. No row is ever dropped.
- **Edge rule.** Areas are closed sets: a point on an area's boundary lies in that area (as
  ``geopandas.sjoin(predicate="intersects")`` sees it). A point that lies in several areas of
  one level (on an edge or corner they share, or where generalised polygons overlap) goes to
  the one with the **smallest** ``area_id`` (plain string order). The rule is deterministic
  and does not depend on the order of the rows or of the areas.

How it is fast: see :mod:`hotspots.areas._locate`.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import OneOf, current_verb, validate_params
from hotspots._threads import halves, map_parts
from hotspots.areas._tables import group_codes, population_array
from hotspots.areas.areaset import AreaSet
from hotspots.areas.extent import check_outside
from hotspots.areas.people import PEOPLE_NOTE, people_table_counts, person_codes
from hotspots.errors import DataQualityWarning, Problem, ValidationError
from hotspots.located import LocatedPoints, located_points
from hotspots.periods import Period, PeriodLike, check_coverage, parse_period

__all__ = ["area_counts", "assign_areas"]

logger = logging.getLogger(__name__)

_POLYGONS = "polygons"
# pandas 3 always copies on write; pandas 2 only when the option is switched on
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or bool(
    pd.get_option("mode.copy_on_write") is True)
_EDGE_RULE = "closed polygons; shared edges go to the smallest area_id"


# ============================================================================================
# assign_areas
# ============================================================================================
def _level_list(areas: AreaSet, levels: str | Sequence[str] | None) -> list[str]:
    if not isinstance(areas, AreaSet):
        raise TypeError(f"The 'areas' parameter of {current_verb()} must be an AreaSet (see "
                        f"hotspots.io.load_boundaries); got {type(areas).__name__}.")
    if levels is None:
        return areas.level_names
    chosen = [levels] if isinstance(levels, str) else list(levels)
    unknown = [lv for lv in chosen if lv not in areas]
    if unknown:
        raise ValueError(
            f"The 'levels' parameter of {current_verb()} must name levels of {areas.name!r} "
            f"({', '.join(map(repr, areas.level_names))}). Got {unknown[0]!r} instead."
        )
    return chosen


def derived_levels(areas: AreaSet) -> set[str]:
    """Higher levels into which every level below nests: derived from the lowest."""
    derived: set[str] = set()
    if len(areas) < 2:
        return derived
    for row in areas.nesting.itertuples():
        if not row.nests:
            break
        derived.add(row.higher)
    return derived


def parent_positions(areas: AreaSet, level: str) -> np.ndarray:
    """Position in ``areas[level]`` of the area holding each area of the lowest level."""
    ids = areas.lookup[schema.area_id_column(level)].astype(object).to_numpy()
    pos_of = {a: i for i, a in enumerate(areas[level][schema.AREA_ID])}
    return np.array([pos_of.get(a, -1) for a in ids], dtype=np.int64)


def _distinct_locations(pts: LocatedPoints
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Return the points to look up, and the one each located row takes its answer from.

    When the frame holds one point object per snap point (police.uk, as read), the
    located rows share a few tens of thousands of objects (``pts.groups``): each is looked
    up once, and the rows take its answer. Otherwise every row is looked up.
    """
    groups = getattr(pts, "groups", None)
    if groups is None or len(groups) == 0:
        return pts.x, pts.y, None
    n = int(groups.max()) + 1
    if n > len(groups) // 2:
        return pts.x, pts.y, None
    if pts.group_xy is not None:  # each object's coordinates, as read: no scatter back
        return pts.group_xy[0], pts.group_xy[1], groups
    # groups that hold no located row keep NaN: looked up as outside, and never read
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    x[groups], y[groups] = pts.x, pts.y
    return x, y, groups


def _area_positions(areas: AreaSet, chosen: list[str], pts: LocatedPoints
                    ) -> dict[str, tuple[np.ndarray, str]]:
    """Area position of each located point at each chosen level, and how it was found."""
    xs, ys, rows = _distinct_locations(pts)
    found = _level_positions(areas, chosen, xs, ys)
    if rows is None:
        return found
    return {level: (pos[rows], method) for level, (pos, method) in found.items()}


def _level_positions(areas: AreaSet, chosen: list[str], xs: np.ndarray, ys: np.ndarray
                     ) -> dict[str, tuple[np.ndarray, str]]:
    """Area position of each point ``(xs, ys)`` at each chosen level, and how it was found."""
    lowest = areas.level_names[0]
    derived = areas._memoised("assign.derived", lambda: derived_levels(areas))
    low: np.ndarray | None = None
    out: dict[str, tuple[np.ndarray, str]] = {}
    for level in chosen:
        if level in derived:
            if low is None:
                low = areas.locate(xs, ys, level=lowest)
            parent = areas._memoised(("assign.parent", level),
                                     functools.partial(_parents, areas, level))
            pos = parent[low].astype(np.int32)  # no ward (-1) reads the final -1
            out[level] = (pos, f"from {lowest} through the lookup (the levels nest)")
        else:
            pos = areas.locate(xs, ys, level=level)
            if level == lowest:
                low = pos
            out[level] = (pos, _POLYGONS)
    return out


def _parents(areas: AreaSet, level: str) -> np.ndarray:
    """:func:`parent_positions`, then -1 (what a point in no area of the lowest level reads)."""
    return np.append(parent_positions(areas, level), -1)


def _label_columns(out: gpd.GeoDataFrame, areas: AreaSet, level: str, idx: np.ndarray,
                   pos: np.ndarray) -> list[str]:
    """Write ``<level>_id`` and ``<level>``; return the existing columns replaced."""
    ids, dtype = areas._memoised(("assign.labels", level), lambda: _labels(areas, level))
    n_areas = len(ids) - 2
    # the smallest integer codes (int8 up to 126 areas): less memory to fill and to take by
    small = np.int8 if n_areas + 2 <= np.iinfo(np.int8).max else np.int32
    code_of = np.arange(n_areas + 1, dtype=small)
    code_of[-1] = n_areas  # pos -1 reads "Outside district"
    codes = np.full(len(out), n_areas + 1, dtype=small)  # Unknown location
    codes[idx] = code_of[pos]
    id_col, name_col = schema.area_id_column(level), schema.area_name_column(level)
    replaced = [c for c in (id_col, name_col) if c in out.columns]
    # A take from the few area ids: building the string column from one Python object per
    # row cost 0.5 s at 3M rows. Arrow's take lets go of the GIL: a large frame's halves
    # are taken on two threads and kept as two chunks of one column.
    parts = map_parts(lambda start, stop: ids.take(codes[start:stop]), halves(len(codes)))
    out[id_col] = type(ids)._concat_same_type(parts)
    out[name_col] = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
    return replaced


def _labels(areas: AreaSet, level: str) -> tuple[Any, pd.CategoricalDtype]:
    """Return the ids (then two missing) to take from, and the categories, of a level."""
    frame = areas[level]
    ids = np.append(frame[schema.AREA_ID].to_numpy(dtype=object), [None, None])
    cats = [*frame[schema.AREA_NAME].tolist(), schema.OUTSIDE_DISTRICT,
            schema.UNKNOWN_LOCATION]
    return pd.array(ids, dtype="string"), pd.CategoricalDtype(cats)


@validate_params({})
def assign_areas(incidents: gpd.GeoDataFrame, areas: AreaSet, *,
                 levels: str | Sequence[str] | None = None,
                 allow_outside: bool = False) -> gpd.GeoDataFrame:
    """Label every incident with its area at each level.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The canonical incident frame (points, or empty points for unknown locations) with a
        CRS; other CRSs are transformed to EPSG:27700 for the lookup.
    areas : AreaSet
        The boundaries.
    levels : str or list of str, optional
        The levels to assign; all by default.
    allow_outside : bool, default False
        Accept that most located incidents fall outside every area of a level (a force-wide
        download counted by the wards of one district). By default that is refused: it is
        what the wrong boundary set looks like.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``incidents`` with, for every level, ``<level>_id`` (``string``; ``<NA>``
        when outside every area or unknown) and ``<level>`` (categorical: the area names in
        boundary order, then ``"Outside district"``, ``"Unknown location"``). Existing
        columns of those names are replaced. ``attrs["hotspots"]["assign"]`` records the
        boundary set, vintage, levels, counts, ``method`` (per level: ``"polygons"`` or
        derived from the lowest level through the lookup) and ``reprojected_from``.

    Raises
    ------
    TypeError
        When ``incidents`` is not a GeoDataFrame or ``areas`` not an AreaSet.
    hotspots.errors.CRSError
        When the incidents have no CRS.
    hotspots.errors.ValidationError
        When a geometry is not a point.
    hotspots.areas.extent.OutsideAreasError
        When more than half of the located incidents fall outside every area of a level
        (unless ``allow_outside``); the message names the registered boundary sets whose
        extent holds them.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        When rows marked ``located`` have no coordinates (they count as unknown).

    Notes
    -----
    The rules (which rows are located, nesting, the edge rule) are in the module
    documentation.

    Examples
    --------
    >>> from hotspots.areas import AreaSet, assign_areas
    >>> from shapely import box, Point
    >>> wards = gpd.GeoDataFrame({"area_id": ["W2", "W1"], "area_name": ["East", "West"]},
    ...                          geometry=[box(10, 0, 20, 10), box(0, 0, 10, 10)],
    ...                          crs="EPSG:27700")
    >>> areas = AreaSet({"ward": wards}, name="toy", vintage="2024")
    >>> inc = gpd.GeoDataFrame(geometry=[Point(5, 5), Point(10, 5), Point(50, 5), Point()],
    ...                        crs="EPSG:27700")
    >>> assign_areas(inc, areas)["ward"].tolist()
    ['West', 'West', 'Outside district', 'Unknown location']
    """
    _refuse_dask(incidents)
    chosen = _level_list(areas, levels)
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise TypeError(f"The 'incidents' parameter of {current_verb()} must be a GeoDataFrame "
                        f"(see hotspots.io.read_incidents); got {type(incidents).__name__}.")
    pts = located_points(incidents, reproject=True)
    # Columns are only added or replaced here; under copy-on-write a shallow copy keeps the
    # caller's frame safe from later writes too, without duplicating every column (a
    # second copy of a 3M-row frame is about 1 GB).
    out = incidents.copy(deep=not _COPY_ON_WRITE)
    idx = pts.positions
    record: dict[str, Any] = {
        "boundaries": areas.name, "vintage": areas.vintage, "levels": chosen,
        "n_rows": len(out), "n_located": len(idx), "n_unknown": len(out) - len(idx),
        "n_outside": {}, "allow_outside": allow_outside, "edge_rule": _EDGE_RULE,
        "method": {}, "reprojected_from": pts.reprojected_from,
    }
    replaced = []
    for level, (pos, method) in _area_positions(areas, chosen, pts).items():
        check_outside(pts.x, pts.y, pos < 0, areas_name=areas.name, level=level,
                      allow_outside=allow_outside)
        replaced += _label_columns(out, areas, level, idx, pos)
        record["n_outside"][level] = int((pos < 0).sum())
        record["method"][level] = method
    if replaced:
        logger.info("assign_areas replaced the existing columns %s", ", ".join(replaced))
    out.attrs = dict(out.attrs)
    info = dict(out.attrs.get("hotspots", {}))
    info["assign"] = record
    out.attrs["hotspots"] = info
    return out


# ============================================================================================
# area_counts
# ============================================================================================
def _current_assignment(frame: pd.DataFrame, areas: AreaSet, level: str) -> bool:
    """Whether ``frame`` already holds an assignment of ``level`` to these areas."""
    col = schema.area_name_column(level)
    if col not in frame.columns or not isinstance(frame[col].dtype, pd.CategoricalDtype):
        return False
    expected = [*areas[level][schema.AREA_NAME].tolist(), schema.OUTSIDE_DISTRICT,
                schema.UNKNOWN_LOCATION]
    return frame[col].cat.categories.tolist() == expected


def _in_period(incidents: pd.DataFrame, period: PeriodLike | None, time: str
               ) -> tuple[np.ndarray, Period | None, int, int]:
    """Rows inside ``period`` (all when None), the period, rows without a date, rows outside."""
    if period is None:
        return np.ones(len(incidents), dtype=bool), None, 0, 0
    per = parse_period(period)
    if time not in incidents.columns:
        raise ValidationError(Problem(
            "missing_column", f"area_counts(period=...) needs the date column {time!r}. "
            f"Columns found: {', '.join(map(str, incidents.columns))}.", column=time))
    times = pd.to_datetime(incidents[time], errors="coerce")
    no_date = times.isna().to_numpy()
    check_coverage(per, times, what="the incidents")
    keep = per.contains(times)
    n_no_date = int(no_date.sum())
    if n_no_date:
        warnings.warn(
            f"{n_no_date} incidents have no date in column {time!r} and are left out of "
            f"the table for {per.label}.", DataQualityWarning, stacklevel=3,
        )
    return keep, per, n_no_date, int((~keep & ~no_date).sum())


def _area_codes(incidents: gpd.GeoDataFrame, areas: AreaSet, level: str,
                allow_outside: bool) -> np.ndarray:
    """Category code of each row at ``level`` (assigned here unless already assigned)."""
    frame = incidents
    if not _current_assignment(incidents, areas, level):
        frame = assign_areas(incidents, areas, levels=[level], allow_outside=allow_outside)
    return frame[schema.area_name_column(level)].cat.codes.to_numpy()


def _by_groups(incidents: pd.DataFrame, by_cols: list[str], n_cells: int
               ) -> tuple[np.ndarray, list[pd.Index], list[Any], int]:
    if by_cols:
        group, labels, dtypes = group_codes(incidents, by_cols)
    else:
        group, labels, dtypes = np.zeros(len(incidents), dtype=np.int64), [], []
    n_groups = int(np.prod([len(lab) for lab in labels])) if labels else 1
    if n_groups * n_cells > 10_000_000:
        raise ValueError(f"area_counts(by={by_cols!r}) would make {n_groups * n_cells:,} rows; "
                         "split by columns with fewer distinct values.")
    return group, labels, dtypes, n_groups


def _table(by_cols: list[str], labels: list[pd.Index], dtypes: list[Any],
           frame_lv: gpd.GeoDataFrame, counts: np.ndarray, totals: np.ndarray
           ) -> dict[str, Any]:
    """Build the columns ``[by...], area_id, area_name, n, share`` of an area table."""
    n_groups, n_cells = counts.shape
    table: dict[str, Any] = {}
    if by_cols:
        grid = pd.MultiIndex.from_product(labels, names=by_cols) if len(by_cols) > 1 else None
        for i, col in enumerate(by_cols):
            values = (grid.get_level_values(i) if grid is not None else labels[0])
            repeated = np.repeat(np.asarray(values, dtype=object), n_cells)
            ordered = isinstance(dtypes[i], pd.CategoricalDtype) and dtypes[i].ordered
            table[col] = pd.Categorical(repeated, categories=list(labels[i]), ordered=ordered)
    ids = [*frame_lv[schema.AREA_ID].tolist(), None, None]
    names = [*frame_lv[schema.AREA_NAME].tolist(), schema.OUTSIDE_DISTRICT,
             schema.UNKNOWN_LOCATION]
    table[schema.AREA_ID] = pd.array(ids * n_groups, dtype="string")
    table[schema.AREA_NAME] = names * n_groups
    table["n"] = counts.ravel().astype(np.int64)
    table["share"] = np.divide(counts, totals, out=np.full(counts.shape, np.nan),
                               where=totals > 0).ravel()
    return table


def _add_rates(table: dict[str, Any], population: Any, frame_lv: gpd.GeoDataFrame,
               level: str, n_groups: int) -> None:
    pop = np.append(population_array(population, frame_lv, level), [np.nan, np.nan])
    pop_rows = np.tile(pop, n_groups)
    table["population"] = pop_rows
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rate_per_1000"] = np.where(pop_rows > 0, 1000 * table["n"] / pop_rows, np.nan)


@validate_params({"count": OneOf(("rows", "people"))})
def area_counts(incidents: gpd.GeoDataFrame, areas: AreaSet, *, level: str = "constituency",
                by: str | Sequence[str] | None = None, period: PeriodLike | None = None,
                population: pd.Series | pd.DataFrame | str | None = None,
                suppress: int | str | None = None,
                time: str = schema.OCCURRED, allow_outside: bool = False,
                count: str = "rows", person: str | None = None) -> pd.DataFrame:
    """Count incidents per area: a tidy table with shares and rates.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The canonical incident frame. Areas are assigned here unless the ``<level>`` column
        already holds an assignment to ``areas`` (from :func:`assign_areas`).
    areas : AreaSet
        The boundaries.
    level : str, default "constituency"
        The level to count by.
    by : str or list of str, optional
        Columns to split by (e.g. ``"category"``, ``"recency"``). Every combination of their
        values (all categories of a categorical) gets every area, zeros included; missing
        values form a group labelled ``"Not recorded"``.
    period : str, int or tuple, optional
        Only incidents whose ``time`` lies in this half-open period
        (:func:`hotspots.periods.parse_period`: ``"2018/19"``, ``2018``, ``"2018-06"``,
        ``("2019-01", "2019-06")``, ...).
    population : pandas.Series, pandas.DataFrame or str, optional
        Residents per area: a Series indexed by ``area_id``, a DataFrame with columns
        ``area_id`` and ``population``, or the name of a column of the level's boundaries.
    suppress : int or "10-5", optional
        Hide small counts for public output: the table is protected as a
        :class:`hotspots.privacy.Release` of its own and audited (``k``), or rounded by the
        ONS 10-5 rule. ``n`` stays ``Int64`` (``<NA>`` where hidden) beside ``n_display``
        (``"<5"``, ``"[c]"``). Tables published together (wards and constituencies, two
        periods) must be protected together with :class:`hotspots.privacy.Release`.
    time : str, default "occurred"
        The date column used by ``period``.
    allow_outside : bool, default False
        Accept that most located incidents fall outside every area (see
        :func:`assign_areas`); refused by default.
    count : {"rows", "people"}, default "rows"
        ``"people"`` counts distinct values of ``person`` (e.g. children) instead of rows
        (see :mod:`hotspots.areas.people`): a person with rows in two areas is counted in each,
        ``share`` is over the distinct people of the group (shares can then add to more
        than 1), and ``attrs["hotspots"]`` gains ``count, person, n_people,
        n_people_in_several_areas, n_rows_no_person, note``.
    person : str, optional
        The person column (pseudonyms) for ``count="people"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by...], area_id, area_name, n, share`` (+ ``population,
        rate_per_1000`` when a population is given; + ``suppressed`` when suppressed).
        Per ``by`` group: one row per area of the level in boundary order (zeros included),
        then ``"Outside district"`` and ``"Unknown location"`` (``area_id`` ``<NA>``).
        ``n`` is int64; ``share`` is ``n`` over all incidents of the group, those two rows
        included, so shares add to 1 in each group (NaN for an empty group);
        ``rate_per_1000`` is ``1000 * n / population`` (NaN for the two extra rows).
        ``attrs["hotspots"]``: ``function, boundaries, vintage, level, by, period,
        period_start, period_end, n_input, n_total, n_excluded_no_date,
        n_outside_period``.

    Raises
    ------
    KeyError
        When ``level`` is not a level of ``areas``.
    hotspots.errors.ValidationError
        When a ``by``/``time`` column is missing or the population is unusable; when the
        period lies wholly outside the months the data cover (the message gives them).
    hotspots.areas.extent.OutsideAreasError
        When most located incidents fall outside every area of the level (unless
        ``allow_outside``): the wrong boundary set.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        When a period is given and some incidents have no date (they are left out and
        counted in ``n_excluded_no_date``), when the data cover the period only in part
        (the warning gives the months covered), or areas lack a population.

    Examples
    --------
    >>> from hotspots.areas import AreaSet, area_counts
    >>> from shapely import box, Point
    >>> wards = gpd.GeoDataFrame({"area_id": ["W1", "W2"], "area_name": ["West", "East"]},
    ...                          geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
    ...                          crs="EPSG:27700")
    >>> areas = AreaSet({"ward": wards}, name="toy", vintage="2024")
    >>> inc = gpd.GeoDataFrame({"category": ["theft", "theft", "arson", "theft"]},
    ...                        geometry=[Point(2, 2), Point(3, 3), Point(15, 5), Point()],
    ...                        crs="EPSG:27700")
    >>> area_counts(inc, areas, level="ward")[["area_name", "n", "share"]]
              area_name  n  share
    0              East  1   0.25
    1              West  2   0.50
    2  Outside district  0   0.00
    3  Unknown location  1   0.25
    """
    _refuse_dask(incidents)
    _level_list(areas, [level] if isinstance(level, str) else level)
    frame_lv = areas[level]
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keep, per, n_no_date, n_outside_period = _in_period(incidents, period, time)
    area_codes = _area_codes(incidents, areas, level, allow_outside)
    n_cells = len(frame_lv) + 2
    group, labels, dtypes, n_groups = _by_groups(incidents, by_cols, n_cells)
    people: dict[str, Any] = {}
    if count == "people":
        persons = person_codes(incidents, person)
        counts, totals, people = people_table_counts(persons, keep, group, area_codes,
                                                     n_groups, n_cells)
        people = {"count": "people", "person": person, **people, "note": PEOPLE_NOTE}
    else:
        flat = group[keep] * n_cells + area_codes[keep].astype(np.int64)
        counts = np.bincount(flat, minlength=n_groups * n_cells).reshape(n_groups, n_cells)
        totals = counts.sum(axis=1, keepdims=True)
    table = _table(by_cols, labels, dtypes, frame_lv, counts, totals)
    if population is not None:
        _add_rates(table, population, frame_lv, level, n_groups)
    out = pd.DataFrame(table)
    out.attrs["hotspots"] = {
        "function": "area_counts", "boundaries": areas.name, "vintage": areas.vintage,
        "level": level, "by": by_cols or None,
        "period": None if per is None else per.label,
        "period_start": None if per is None else per.start.isoformat(),
        "period_end": None if per is None else per.end.isoformat(),
        "n_input": len(incidents), "n_total": int(keep.sum()),
        "n_excluded_no_date": n_no_date, "n_outside_period": n_outside_period, **people,
    }
    if suppress is not None:
        # privacy sits below areas, but its audit pulls in scipy.optimize's LP solver: loaded
        # only when a table is suppressed. Refused with PublicModeError when no suppression
        # pattern protects the table.
        from hotspots.privacy.publish import protect_area_table

        out = protect_area_table(out, suppress, by=by_cols)
    return out


def _refuse_dask(incidents: Any) -> None:
    """Point a Dask frame at :mod:`hotspots.distributed` instead of computing it whole.

    ``areas`` sits below ``distributed`` in the layers, so it cannot dispatch there itself;
    silently calling ``.compute()`` would load the whole data set into memory.
    """
    if hasattr(incidents, "map_partitions") and hasattr(incidents, "npartitions"):
        verb = current_verb()
        raise TypeError(f"{verb} got a Dask frame: use hotspots.distributed.{verb} (same "
                        "arguments), which works per partition and returns the small table.")
