"""Areas: boundary sets (:class:`AreaSet`), point-in-area assignment and area tables.

An :class:`AreaSet` holds named levels of areas, ordered from the lowest (e.g. ``"ward"``) to
the highest (e.g. ``"constituency"``), all in British National Grid (EPSG:27700).
:func:`assign_areas` labels every incident with its area at every level, and
:func:`area_counts` turns the labels into a tidy table of counts, shares and rates.

Assignment rules
----------------
- Each level is assigned from its own polygons (never through the lookup), so levels that do
  not nest (the City of London's wards and the constituency that reaches beyond the City) are
  both right.
- A located point that lies in no area of a level is labelled ``"Outside district"``; a row
  whose location is unknown is labelled ``"Unknown location"``. No row is ever dropped.
- **Edge rule.** Areas are closed sets: a point on an area's boundary lies in that area (as
  ``geopandas.sjoin(predicate="intersects")`` sees it). A point that lies in several areas of
  one level (on an edge or corner they share, or where generalised polygons overlap) goes to
  the one with the **smallest** ``area_id`` (plain string order). The rule is deterministic
  and does not depend on the order of the rows or of the areas.

How it is fast
--------------
Each level is turned once into a *label raster* over its bounding box (about four million
cells; 14 m cells over Bradford) and cached on the :class:`AreaSet`. Cells that no boundary
touches carry the label of their area (found by one exact test per connected block of such
cells); cells that a boundary crosses are marked. A point is labelled by an array lookup of
its cell; only points in marked cells (about 1-3 % over Bradford) get an exact
``STRtree`` point-in-polygon test. Points are processed in chunks, so memory stays flat.
The result is identical to ``geopandas.sjoin`` with the edge rule above applied to its
multiple matches.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from hotspots import schema
from hotspots._params import check_in
from hotspots.areas.extent import check_outside
from hotspots.crs import BNG, ensure_bng
from hotspots.errors import CRSError, DataQualityWarning, Problem, ValidationError
from hotspots.periods import PeriodLike, check_coverage, parse_period

__all__ = [
    "NOT_RECORDED",
    "AreaSet",
    "area_counts",
    "assign_areas",
]

logger = logging.getLogger(__name__)

#: label of the ``by`` group that holds rows whose ``by`` value is missing
NOT_RECORDED = "Not recorded"

#: a lower area "lies within" a higher area when at least this share of it does; generalised
#: boundaries of different levels are simplified separately, so exact containment never holds
NEST_TOLERANCE = 0.05

# label raster: the largest number of cells, and the smallest cell side in metres
_MAX_CELLS = 4_000_000
_MIN_CELL = 0.5
# boundary pieces are widened by this (metres) before marking cells, so that rounding in the
# cell arithmetic can never put a point into an unmarked cell that a boundary touches
_EPS = 1e-4
# points per chunk in the lookup (bounds the temporaries to ~40 MB)
_CHUNK = 1 << 20

_RESERVED_LEVEL_NAMES = frozenset(
    {*schema.INCIDENT_COLUMNS, "geometry", schema.AREA_ID, schema.AREA_NAME, "n", "share",
     "population", "rate_per_1000", "suppressed", schema.SOURCE_FILE, schema.SOURCE_ROW}
)


# ============================================================================================
# the label raster (one per level, cached on the AreaSet)
# ============================================================================================
@dataclass
class _LabelRaster:
    """Point-in-polygon lookup for one level: a raster of labels plus exact tests at edges.

    ``lut`` holds, per cell (row-major, row = y), the position of the area that holds the
    whole cell, ``-1`` when the cell lies outside every area, and ``-2`` when a boundary
    crosses the cell (points there get an exact test).
    """

    geoms: np.ndarray
    rank: np.ndarray  # rank of each area's id in string order (edge rule)
    by_rank: np.ndarray  # area position of each rank
    tree: shapely.STRtree
    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    lut: np.ndarray = field(repr=False)
    share_marked: float = 0.0

    @classmethod
    def build(cls, geoms: np.ndarray, ids: Sequence[str]) -> _LabelRaster:
        geoms = np.asarray(geoms, dtype=object)
        order = np.argsort(np.asarray(ids, dtype=str), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        cell = max(math.sqrt((xmax - xmin) * (ymax - ymin) / _MAX_CELLS), _MIN_CELL)
        # one cell of margin all round: points on the bounding box edge fall inside the raster
        x0, y0 = xmin - cell, ymin - cell
        nx = int((xmax - x0) // cell) + 2
        ny = int((ymax - y0) // cell) + 2
        marked = _mark_boundary_cells(geoms, x0, y0, cell, nx, ny)
        self = cls(geoms=geoms, rank=rank, by_rank=order, tree=shapely.STRtree(geoms), x0=x0,
                   y0=y0, cell=cell, nx=nx, ny=ny, lut=np.empty(0, dtype=np.int16),
                   share_marked=float(marked.mean()))
        # No boundary crosses an unmarked cell, nor the edge shared by two unmarked neighbours,
        # so a 4-connected block of unmarked cells lies wholly in one area (or in none): one
        # exact test at one cell centre labels the whole block.
        blocks, n_blocks = ndimage.label(~marked)
        flat = blocks.ravel()
        first = np.full(n_blocks + 1, flat.size, dtype=np.int64)
        np.minimum.at(first, flat, np.arange(flat.size, dtype=np.int64))
        rep_y, rep_x = np.divmod(first[1:], nx)
        label = np.full(n_blocks + 1, -1, dtype=np.int64)
        label[1:] = self.exact(x0 + (rep_x + 0.5) * cell, y0 + (rep_y + 0.5) * cell)
        dtype = np.int16 if len(geoms) < np.iinfo(np.int16).max else np.int32
        self.lut = np.where(marked, -2, label[blocks]).astype(dtype).ravel()
        logger.info(
            "label raster for %d areas: %d x %d cells of %.1f m, %.1f%% on boundaries",
            len(geoms), nx, ny, cell, 100 * self.share_marked,
        )
        return self

    def exact(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Exact area positions of points (closed polygons, smallest id on shared edges)."""
        out = np.full(len(x), -1, dtype=np.int64)
        if len(x) == 0:
            return out
        pts = shapely.points(x, y)
        pi, gi = self.tree.query(pts, predicate="intersects")
        if len(pi) == 0:
            return out
        best = np.full(len(x), len(self.geoms), dtype=np.int64)
        np.minimum.at(best, pi, self.rank[gi])
        hit = best < len(self.geoms)
        out[hit] = self.by_rank[best[hit]]
        return out

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Area position of each point, ``-1`` outside every area or for NaN coordinates."""
        n = len(x)
        out = np.empty(n, dtype=np.int32)
        inv = 1.0 / self.cell
        for start in range(0, n, _CHUNK):
            xs = x[start:start + _CHUNK]
            ys = y[start:start + _CHUNK]
            fx = (xs - self.x0) * inv
            fy = (ys - self.y0) * inv
            # NaN compares False, so unknown coordinates count as outside the raster
            ok = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
            fx[~ok] = 0
            fy[~ok] = 0
            idx = fy.astype(np.intp)
            idx *= self.nx
            idx += fx.astype(np.intp)
            code = self.lut[idx].astype(np.int32)
            code[~ok] = -1
            need = np.flatnonzero(code == -2)
            if len(need):
                code[need] = self.exact(xs[need], ys[need])
            out[start:start + _CHUNK] = code
        return out


def _mark_boundary_cells(geoms: np.ndarray, x0: float, y0: float, cell: float, nx: int,
                         ny: int) -> np.ndarray:
    """Boolean raster of the cells that any polygon ring touches (a conservative superset).

    Each ring segment is cut into pieces no longer than a cell; a piece touches at most a
    few cells, and every cell in the piece's (slightly widened) bounding box is marked.
    """
    rings = shapely.get_rings(shapely.get_parts(geoms))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    d = b - a
    k = np.maximum(1, np.ceil(np.hypot(d[:, 0], d[:, 1]) / cell)).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), k)
    j = np.arange(len(seg)) - np.repeat(np.cumsum(k) - k, k)
    p = a[seg] + d[seg] * (j / k[seg])[:, None]
    q = a[seg] + d[seg] * ((j + 1) / k[seg])[:, None]
    lo = np.minimum(p, q) - _EPS
    hi = np.maximum(p, q) + _EPS

    def index(v: np.ndarray, origin: float, size: int) -> np.ndarray:
        return np.clip(np.floor((v - origin) / cell), 0, size - 1).astype(np.int64)

    ix0, ix1 = index(lo[:, 0], x0, nx), index(hi[:, 0], x0, nx)
    iy0, iy1 = index(lo[:, 1], y0, ny), index(hi[:, 1], y0, ny)
    marked = np.zeros((ny, nx), dtype=bool)
    span = int(max((ix1 - ix0).max(initial=0), (iy1 - iy0).max(initial=0))) + 1
    for dx in range(span):
        for dy in range(span):
            sel = (ix0 + dx <= ix1) & (iy0 + dy <= iy1)
            marked[iy0[sel] + dy, ix0[sel] + dx] = True
    return marked


# ============================================================================================
# AreaSet
# ============================================================================================
class AreaSet:
    """Named levels of areas (lowest first), their outline, lookup and vintage.

    Parameters
    ----------
    levels : dict of str to geopandas.GeoDataFrame
        The levels from the lowest to the highest, e.g. ``{"ward": wards, "constituency":
        constituencies}``. Each frame needs the columns ``area_id``, ``area_name`` and a
        polygon geometry with a CRS; other columns are kept (e.g. a population column).
    name : str
        Name of the boundary set, stamped on results (``"bradford-2013"``).
    vintage : str
        Boundary vintage, stamped on results (``"2013"``).
    lookup : pandas.DataFrame, optional
        The official lookup from the lowest level to higher levels: a column
        ``<lowest>_id`` and a column ``<higher>_id`` for one or more higher levels. Levels it
        does not cover are derived from the geometry by largest overlap.

    Attributes
    ----------
    name : str
    vintage : str
    level_names : list of str
        Lowest first.
    sources : dict of str to str
        Where each boundary file came from (set by
        :func:`hotspots.io.boundaries.load_boundaries`; empty otherwise).

    Raises
    ------
    hotspots.errors.ValidationError
        Missing columns, missing or duplicated area ids, empty or non-polygon geometries.
    hotspots.errors.CRSError
        A level frame without a CRS.

    Notes
    -----
    Every level is reprojected to EPSG:27700 and sorted by ``area_name`` (then ``area_id``)
    with a fresh RangeIndex. Invalid polygons are repaired with :func:`shapely.make_valid`
    and a :class:`~hotspots.errors.DataQualityWarning` names them. Two areas of one level
    with the same name get their id appended (``"Regent's Park (E05000140)"``) so names
    stay unique. The district ``outline`` is the union of the lowest level.

    Examples
    --------
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"area_id": ["W1", "W2"], "area_name": ["A", "B"]},
    ...                          geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
    ...                          crs="EPSG:27700")
    >>> areas = AreaSet({"ward": wards}, name="toy", vintage="2024")
    >>> areas.level_names
    ['ward']
    """

    def __init__(self, levels: Mapping[str, gpd.GeoDataFrame], *, name: str, vintage: str,
                 lookup: pd.DataFrame | None = None) -> None:
        if not isinstance(levels, Mapping) or len(levels) == 0:
            raise ValueError(
                "The 'levels' parameter of AreaSet must be a non-empty dict of level name to "
                f"GeoDataFrame, lowest level first. Got {type(levels).__name__} instead."
            )
        self.name = str(name)
        self.vintage = str(vintage)
        self.sources: dict[str, str] = {}
        self._levels: dict[str, gpd.GeoDataFrame] = {}
        for level, frame in levels.items():
            _check_level_name(level)
            self._levels[level] = _prepare_level(frame, level)
        self._given_lookup = None if lookup is None else pd.DataFrame(lookup).copy()
        self._outline: shapely.Geometry | None = None
        self._lookup: pd.DataFrame | None = None
        self._overlaps: dict[tuple[str, str], _Overlap] = {}
        self._rasters: dict[str, _LabelRaster] = {}
        if self._given_lookup is not None:
            self._check_given_lookup()

    # --- constructors -----------------------------------------------------------------------
    @classmethod
    def from_frames(cls, *, name: str = "user boundaries", vintage: str = "unknown",
                    id_fields: str | Mapping[str, str] | None = None,
                    name_fields: str | Mapping[str, str] | None = None,
                    lookup: pd.DataFrame | None = None,
                    **frames: gpd.GeoDataFrame) -> AreaSet:
        """Build an AreaSet from GeoDataFrames with any id and name columns.

        Parameters
        ----------
        name, vintage : str
            Stamped on results.
        id_fields, name_fields : str or dict of str to str, optional
            The code and name column of each level (one name for all levels, or a dict by
            level). When not given, ``area_id``/``area_name`` are used if present, else an ONS
            code column such as ``WD13CD``/``LSOA11CD`` and its ``..NM`` partner.
        lookup : pandas.DataFrame, optional
            See :class:`AreaSet`.
        **frames : geopandas.GeoDataFrame
            One keyword per level, lowest first: ``ward=wards, constituency=pcons``.

        Returns
        -------
        AreaSet

        Raises
        ------
        hotspots.errors.ValidationError
            When an id or name column cannot be found (the message lists the columns).
        """
        if not frames:
            raise ValueError("AreaSet.from_frames needs at least one level, e.g. ward=frame.")
        levels = {}
        for level, frame in frames.items():
            id_field = _field_for(id_fields, level)
            name_field = _field_for(name_fields, level)
            levels[level] = normalize_area_frame(frame, id_field=id_field,
                                                 name_field=name_field, what=f"level '{level}'")
        return cls(levels, name=name, vintage=vintage, lookup=lookup)

    @classmethod
    def from_files(cls, *, name: str = "user boundaries", vintage: str = "unknown",
                   id_fields: str | Mapping[str, str] | None = None,
                   name_fields: str | Mapping[str, str] | None = None,
                   lookup: pd.DataFrame | None = None, **paths: Any) -> AreaSet:
        """Build an AreaSet from boundary files (GeoJSON, GeoPackage, shapefile, ...).

        Parameters
        ----------
        name, vintage : str
            Stamped on results.
        id_fields, name_fields : str or dict of str to str, optional
            As in :meth:`from_frames`; detected from ONS column names when not given.
        lookup : pandas.DataFrame, optional
            See :class:`AreaSet`.
        **paths : str or path-like
            One keyword per level, lowest first: ``ward="wards.geojson",
            constituency="pcon.geojson"``; any level name works (``lsoa=...``).

        Returns
        -------
        AreaSet

        Raises
        ------
        FileNotFoundError
            When a file does not exist (a :class:`~hotspots.errors.HotspotsError` too).
        hotspots.errors.ValidationError
            When an id or name column cannot be found.

        Examples
        --------
        >>> areas = AreaSet.from_files(ward="wards.geojson", constituency="pcon.geojson",
        ...                            vintage="2013")  # doctest: +SKIP
        """
        # files are read by the io layer; imported here so that areas stays free of io at import
        from hotspots.io.boundaries import read_boundaries

        if not paths:
            raise ValueError("AreaSet.from_files needs at least one level, e.g. ward='w.json'.")
        levels = {
            level: read_boundaries(path, id_field=_field_for(id_fields, level),
                                   name_field=_field_for(name_fields, level))
            for level, path in paths.items()
        }
        return cls(levels, name=name, vintage=vintage, lookup=lookup)

    # --- access -----------------------------------------------------------------------------
    @property
    def level_names(self) -> list[str]:
        """Names of the levels, lowest first."""
        return list(self._levels)

    @property
    def levels(self) -> dict[str, gpd.GeoDataFrame]:
        """The level frames (copies), lowest first."""
        return {level: frame.copy() for level, frame in self._levels.items()}

    def __getitem__(self, level: str) -> gpd.GeoDataFrame:
        """Return the frame of one level (a copy): ``area_id, area_name, ..., geometry``."""
        return self._frame(level).copy()

    def __contains__(self, level: object) -> bool:
        return level in self._levels

    def __len__(self) -> int:
        return len(self._levels)

    def _frame(self, level: str) -> gpd.GeoDataFrame:
        if level not in self._levels:
            raise KeyError(
                f"{level!r} is not a level of the boundary set {self.name!r}; its levels are "
                f"{', '.join(repr(lv) for lv in self._levels)}."
            )
        return self._levels[level]

    @property
    def outline(self) -> shapely.Geometry:
        """The district: the union of the lowest level's areas (EPSG:27700)."""
        if self._outline is None:
            lowest = self._levels[self.level_names[0]]
            self._outline = shapely.make_valid(shapely.union_all(lowest.geometry.values))
        return self._outline

    @property
    def outline_frame(self) -> gpd.GeoDataFrame:
        """The outline as a one-row GeoDataFrame: ``name, vintage, area_km2, geometry``."""
        return gpd.GeoDataFrame(
            {"name": [self.name], "vintage": [self.vintage],
             "area_km2": [shapely.area(self.outline) / 1e6]},
            geometry=[self.outline], crs=BNG,
        )

    @property
    def crs(self) -> str:
        """Always ``"EPSG:27700"``."""
        return BNG

    # --- lookup and nesting -----------------------------------------------------------------
    def _overlap(self, lower: str, higher: str) -> _Overlap:
        key = (lower, higher)
        if key not in self._overlaps:
            self._overlaps[key] = _Overlap.compute(self._frame(lower), self._frame(higher))
        return self._overlaps[key]

    @property
    def lookup(self) -> pd.DataFrame:
        """Lookup from the lowest level to every higher level.

        Returns
        -------
        pandas.DataFrame
            One row per area of the lowest level (in its order), columns
            ``<lowest>_id, <lowest>``, then for each higher level ``<level>_id, <level>,
            <level>_overlap``: the area holding the largest part of the lower area (or the
            one given in the ``lookup`` argument), and the share of the lower area's area
            that lies in it (0 to 1). Lower areas that touch no higher area get ``<NA>``.
        """
        if self._lookup is None:
            self._lookup = self._build_lookup()
        return self._lookup.copy()

    def _build_lookup(self) -> pd.DataFrame:
        lowest = self.level_names[0]
        low = self._levels[lowest]
        out = pd.DataFrame({
            schema.area_id_column(lowest): pd.array(low[schema.AREA_ID], dtype="string"),
            schema.area_name_column(lowest): pd.array(low[schema.AREA_NAME], dtype="string"),
        })
        given = self._given_lookup
        for higher in self.level_names[1:]:
            high = self._levels[higher]
            ov = self._overlap(lowest, higher)
            hid = schema.area_id_column(higher)
            if given is not None and hid in given.columns:
                mapping = dict(zip(given[schema.area_id_column(lowest)].astype(str),
                                   given[hid], strict=True))
                pos_of = {a: i for i, a in enumerate(high[schema.AREA_ID])}
                best = np.array([pos_of.get(str(mapping.get(a)), -1)
                                 for a in low[schema.AREA_ID]], dtype=np.int64)
                share = ov.share_in(best)
            else:
                best, share = ov.best, ov.best_share
            has = best >= 0
            ids = np.where(has, high[schema.AREA_ID].to_numpy(dtype=object)[best.clip(0)], None)
            names = np.where(has, high[schema.AREA_NAME].to_numpy(dtype=object)[best.clip(0)],
                             None)
            out[hid] = pd.array(ids, dtype="string")
            out[schema.area_name_column(higher)] = pd.array(names, dtype="string")
            out[f"{higher}_overlap"] = np.where(has, share, 0.0)
        return out

    @property
    def nesting(self) -> pd.DataFrame:
        """How each level sits in the next one up.

        Returns
        -------
        pandas.DataFrame
            One row per pair of consecutive levels: ``lower, higher, n_lower,
            n_not_within`` (lower areas with less than 95 % of their area in one higher area:
            split between several, or outside all),
            ``min_share`` (the smallest such largest share), ``n_beyond`` (higher areas
            less than 95 % covered by the lower areas assigned to them, i.e. reaching
            beyond the lower level), ``min_coverage``, and ``nests`` (no split and nothing
            beyond).
        """
        rows = []
        names = self.level_names
        for lower, higher in itertools.pairwise(names):
            ov = self._overlap(lower, higher)
            split = ov.best_share < 1 - NEST_TOLERANCE
            beyond = ov.coverage < 1 - NEST_TOLERANCE
            rows.append({
                "lower": lower, "higher": higher, "n_lower": len(ov.best),
                "n_not_within": int(split.sum()),
                "min_share": float(ov.best_share.min()) if len(ov.best) else 1.0,
                "n_beyond": int(beyond.sum()),
                "min_coverage": float(ov.coverage.min()) if len(ov.coverage) else 1.0,
                "nests": bool(not split.any() and not beyond.any()),
            })
        return pd.DataFrame(rows, columns=["lower", "higher", "n_lower", "n_not_within",
                                           "min_share", "n_beyond", "min_coverage", "nests"])

    @property
    def nests(self) -> bool:
        """Whether every level nests in the next one up (see :attr:`nesting`)."""
        return bool(self.nesting["nests"].all())

    # --- assignment -------------------------------------------------------------------------
    def locate(self, x: Any, y: Any, *, level: str) -> np.ndarray:
        """Positions in ``self[level]`` of the areas holding the points ``(x, y)``.

        Parameters
        ----------
        x, y : array-like of float
            Eastings and northings in EPSG:27700.
        level : str
            The level to look up.

        Returns
        -------
        numpy.ndarray of int32
            Row position of the area in ``self[level]``, or ``-1`` when the point lies in no
            area or has a NaN coordinate. Points on shared edges follow the edge rule (module
            documentation).

        Notes
        -----
        The first call per level builds and caches a label raster (about 0.2 s); later calls
        cost a few array operations per point plus an exact test for points near a boundary.
        """
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("x and y must be one-dimensional arrays of the same length.")
        return self._raster(level).locate(x, y)

    def _raster(self, level: str) -> _LabelRaster:
        if level not in self._rasters:
            frame = self._frame(level)
            self._rasters[level] = _LabelRaster.build(frame.geometry.values,
                                                      frame[schema.AREA_ID].tolist())
        return self._rasters[level]

    # --- display ----------------------------------------------------------------------------
    def _summary_rows(self) -> list[tuple[str, int, float]]:
        return [(lv, len(f), float(shapely.area(f.geometry.values).sum() / 1e6))
                for lv, f in self._levels.items()]

    def __repr__(self) -> str:
        lines = [f"AreaSet {self.name!r} (vintage {self.vintage}, {BNG})"]
        for level, n, km2 in self._summary_rows():
            lines.append(f"  {level:<14} {n:>5} areas  {km2:>9.1f} km2")
        lines.append(f"  outline        {shapely.area(self.outline) / 1e6:>21.1f} km2")
        lines += [f"  {_nest_text(row)}" for row in self.nesting.itertuples()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{escape(lv)}</td><td style='text-align:right'>{n}</td>"
            f"<td style='text-align:right'>{km2:.1f}</td></tr>"
            for lv, n, km2 in self._summary_rows()
        )
        nest = "".join(f"<li>{escape(_nest_text(r))}</li>" for r in self.nesting.itertuples())
        return (
            f"<div><strong>AreaSet {escape(self.name)}</strong> (vintage "
            f"{escape(self.vintage)}, {BNG})<table><thead><tr><th>level</th><th>areas</th>"
            f"<th>km&sup2;</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<ul>{nest}</ul></div>"
        )

    # --- checks -----------------------------------------------------------------------------
    def _check_given_lookup(self) -> None:
        given = self._given_lookup
        assert given is not None
        lowest = self.level_names[0]
        low_col = schema.area_id_column(lowest)
        problems = []
        if low_col not in given.columns:
            problems.append(Problem("missing_column", f"The lookup needs a column {low_col!r}; "
                                    f"columns found: {', '.join(map(str, given.columns))}.",
                                    column=low_col))
        else:
            ids = given[low_col].astype(str)
            low_ids = set(self._levels[lowest][schema.AREA_ID])
            if ids.duplicated().any():
                dup = sorted(set(ids[ids.duplicated()]))
                problems.append(Problem("duplicate_id", f"The lookup lists {len(dup)} "
                                        f"{lowest} ids more than once: {', '.join(dup[:5])}.",
                                        column=low_col))
            missing = sorted(low_ids - set(ids))
            if missing:
                problems.append(Problem("missing_id", f"The lookup misses {len(missing)} "
                                        f"{lowest} ids: {', '.join(missing[:5])}.",
                                        column=low_col))
        for higher in self.level_names[1:]:
            col = schema.area_id_column(higher)
            if col in given.columns:
                unknown = sorted(set(given[col].dropna().astype(str))
                                 - set(self._levels[higher][schema.AREA_ID]))
                if unknown:
                    problems.append(Problem("unknown_id", f"The lookup names {len(unknown)} "
                                            f"{higher} ids that are not in the boundaries: "
                                            f"{', '.join(unknown[:5])}.", column=col))
        if problems:
            raise ValidationError(problems, context="lookup")


def _nest_text(row: Any) -> str:
    if row.nests:
        return f"{row.lower} -> {row.higher}: nested"
    return (f"{row.lower} -> {row.higher}: not nested ({row.n_not_within} {row.lower} areas "
            f"not within one {row.higher}, {row.n_beyond} {row.higher} areas reach beyond)")


@dataclass
class _Overlap:
    """Overlap between the areas of a lower and a higher level."""

    best: np.ndarray  # position of the higher area with the largest overlap, -1 when none
    best_share: np.ndarray  # share of the lower area in it
    coverage: np.ndarray  # per higher area: share covered by lower areas assigned to it
    pairs: dict[tuple[int, int], float]  # (lower, higher) -> overlap area
    lower_area: np.ndarray

    @classmethod
    def compute(cls, lower: gpd.GeoDataFrame, higher: gpd.GeoDataFrame) -> _Overlap:
        lg = lower.geometry.values
        hg = higher.geometry.values
        li, hi = shapely.STRtree(np.asarray(hg)).query(np.asarray(lg), predicate="intersects")
        inter = shapely.area(shapely.intersection(np.asarray(lg)[li], np.asarray(hg)[hi]))
        lower_area = shapely.area(np.asarray(lg))
        best = np.full(len(lg), -1, dtype=np.int64)
        best_area = np.zeros(len(lg))
        # per lower area, the pair with the largest overlap (ties: the smaller position)
        order = np.lexsort((hi, -inter, li))
        first = order[np.r_[True, li[order][1:] != li[order][:-1]]] if len(order) else order
        best[li[first]] = hi[first]
        best_area[li[first]] = inter[first]
        best[best_area <= 0] = -1
        share = np.divide(best_area, lower_area, out=np.zeros(len(lg)), where=lower_area > 0)
        covered = np.zeros(len(hg))
        assigned = best[li] == hi
        np.add.at(covered, hi[assigned], inter[assigned])
        high_area = shapely.area(np.asarray(hg))
        coverage = np.divide(covered, high_area, out=np.zeros(len(hg)), where=high_area > 0)
        pairs = {(int(a), int(b)): float(v) for a, b, v in zip(li, hi, inter, strict=True)}
        return cls(best=best, best_share=share, coverage=coverage, pairs=pairs,
                   lower_area=lower_area)

    def share_in(self, higher_pos: np.ndarray) -> np.ndarray:
        """Share of each lower area inside the given higher area (0 when none)."""
        out = np.zeros(len(higher_pos))
        for i, h in enumerate(higher_pos):
            if h >= 0 and self.lower_area[i] > 0:
                out[i] = self.pairs.get((i, int(h)), 0.0) / self.lower_area[i]
        return out


# --- level frames ---------------------------------------------------------------------------
def _check_level_name(level: Any) -> None:
    if not isinstance(level, str) or not level.isidentifier():
        raise ValueError(f"Level names must be identifiers such as 'ward'; got {level!r}.")
    if level in _RESERVED_LEVEL_NAMES:
        raise ValueError(
            f"{level!r} cannot be a level name: it would clash with the column of that name in "
            "incident frames and area tables. Use e.g. 'ward', 'constituency' or 'lsoa'."
        )


def _field_for(fields: str | Mapping[str, str] | None, level: str) -> str | None:
    if fields is None or isinstance(fields, str):
        return fields
    return fields.get(level)


def _detect_field(columns: Iterable[str], suffix: str, id_field: str | None = None) -> str | None:
    """Find the ONS-style code/name column (``WD13CD``, ``LSOA11NM``) when exactly one fits."""
    cols = [c for c in columns if isinstance(c, str)]
    if id_field is not None and id_field.endswith("CD"):
        partner = id_field[:-2] + suffix
        if partner in cols:
            return partner
    found = [c for c in cols if re.fullmatch(rf"[A-Z]{{2,6}}\d{{2}}{suffix}", c)]
    return found[0] if len(found) == 1 else None


def normalize_area_frame(frame: gpd.GeoDataFrame, *, id_field: str | None = None,
                         name_field: str | None = None, what: str = "boundaries",
                         file: str | None = None) -> gpd.GeoDataFrame:
    """Rename a boundary frame's code and name columns to ``area_id`` and ``area_name``.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Boundaries with a code and a name column.
    id_field, name_field : str, optional
        The columns to use. When not given: ``area_id``/``area_name`` if present, else the
        one ONS code column (``WD13CD``, ``PCON13CD``, ``LSOA11CD``, ...) and its ``NM``
        partner; the id doubles as the name when no name column is found.
    what : str
        How to call the frame in messages.
    file : str, optional
        The file it came from, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id`` (str), ``area_name`` (str), the other columns, ``geometry``; not yet
        reprojected or sorted.

    Raises
    ------
    hotspots.errors.ValidationError
        When a named column is missing or no id column can be told; the message lists the
        columns found.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"{what} must be a GeoDataFrame, got {type(frame).__name__}.")
    cols = [c for c in frame.columns if c != frame.geometry.name]
    found = ", ".join(map(str, cols))
    if id_field is None:
        id_field = schema.AREA_ID if schema.AREA_ID in cols else _detect_field(cols, "CD")
        if id_field is None:
            raise ValidationError(Problem(
                "missing_column",
                f"Cannot tell which column of {what} holds the area codes; pass id_field= "
                f"(or id_fields=). Columns found: {found}.", file=file))
    if name_field is None:
        name_field = (schema.AREA_NAME if schema.AREA_NAME in cols
                      else _detect_field(cols, "NM", id_field) or id_field)
    problems = [
        Problem("missing_column", f"{what} has no column {f!r}. Columns found: {found}.",
                column=f, file=file)
        for f in dict.fromkeys([id_field, name_field]) if f not in cols
    ]
    if problems:
        raise ValidationError(problems)
    out = frame.copy()
    ids = out[id_field]
    names = out[name_field]
    rest = [c for c in cols if c not in (id_field, name_field, schema.AREA_ID, schema.AREA_NAME)]
    data = {schema.AREA_ID: ids.to_numpy(dtype=object), schema.AREA_NAME: names.to_numpy(
        dtype=object)}
    data.update({c: out[c].to_numpy() for c in rest})
    return gpd.GeoDataFrame(data, geometry=out.geometry.to_numpy(), crs=frame.crs)


def _prepare_level(frame: Any, level: str) -> gpd.GeoDataFrame:
    """Validate, repair, reproject and sort one level frame."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"Level {level!r} must be a GeoDataFrame, got {type(frame).__name__}.")
    what = f"level '{level}'"
    missing = [c for c in (schema.AREA_ID, schema.AREA_NAME) if c not in frame.columns]
    if missing:
        raise ValidationError(Problem(
            "missing_column",
            f"{what} needs the columns 'area_id' and 'area_name' (use AreaSet.from_frames to "
            f"map other column names). Columns found: {', '.join(map(str, frame.columns))}.",
            column=missing[0]))
    if frame.crs is None:
        raise CRSError(Problem("missing_crs", f"{what} has no coordinate reference system; "
                               "set it, e.g. frame.set_crs('EPSG:4326').", column="geometry"))
    if len(frame) == 0:
        raise ValidationError(Problem("empty", f"{what} has no areas."))
    out = ensure_bng(frame, name=what).copy()
    problems = []
    ids = out[schema.AREA_ID]
    if ids.isna().any():
        problems.append(Problem("missing_id", f"{what}: {int(ids.isna().sum())} areas have no "
                                "area_id.", n_rows=int(ids.isna().sum()), column="area_id"))
    out[schema.AREA_ID] = ids.astype(str)
    dup = out[schema.AREA_ID][out[schema.AREA_ID].duplicated()].unique().tolist()
    if dup:
        problems.append(Problem(
            "duplicate_id", f"{what}: {len(dup)} area ids occur more than once "
            f"({', '.join(dup[:5])}); dissolve them first (e.g. frame.dissolve('area_id')).",
            n_rows=len(dup), column="area_id"))
    geoms = np.asarray(out.geometry.values, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        bad = out.loc[empty, schema.AREA_ID].tolist()
        problems.append(Problem("empty_geometry", f"{what}: {len(bad)} areas have no geometry "
                                f"({', '.join(bad[:5])}).", n_rows=len(bad), column="geometry"))
    if problems:
        raise ValidationError(problems)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        bad = out.loc[invalid, schema.AREA_ID].tolist()
        reasons = [shapely.is_valid_reason(g) for g in geoms[invalid][:3]]
        warnings.warn(
            f"{what}: repaired {len(bad)} invalid polygon(s) with shapely.make_valid "
            f"({', '.join(bad[:5])}; {'; '.join(reasons)}).",
            DataQualityWarning, stacklevel=3,
        )
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    geoms = _polygonal(geoms, out[schema.AREA_ID].tolist(), what)
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=BNG))
    names = out[schema.AREA_NAME].astype(str).where(out[schema.AREA_NAME].notna(),
                                                    out[schema.AREA_ID])
    twice = names.duplicated(keep=False)
    if twice.any():
        logger.info("%s: %d areas share a name with another; their ids were appended",
                    what, int(twice.sum()))
        names = names.where(~twice, names + " (" + out[schema.AREA_ID] + ")")
    out[schema.AREA_NAME] = names
    out = out.sort_values([schema.AREA_NAME, schema.AREA_ID], kind="stable",
                          ignore_index=True)
    cols = [schema.AREA_ID, schema.AREA_NAME,
            *[c for c in out.columns if c not in (schema.AREA_ID, schema.AREA_NAME,
                                                  out.geometry.name)], out.geometry.name]
    out = out[cols]
    if out.geometry.name != "geometry":
        out = out.rename_geometry("geometry")
    return out


def _polygonal(geoms: np.ndarray, ids: list[str], what: str) -> np.ndarray:
    """Keep the polygonal part of every geometry; fail when an area has none."""
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, (3, 6))  # Polygon, MultiPolygon
    if polygonal.all():
        return geoms
    out = geoms.copy()
    for i in np.flatnonzero(~polygonal):
        parts = shapely.get_parts(geoms[i])
        polys = [p for p in parts if shapely.get_type_id(p) in (3, 6)]
        if not polys:
            raise ValidationError(Problem(
                "not_polygon", f"{what}: area {ids[i]} is a {shapely.get_type_id(geoms[i])!r} "
                "type geometry, not a polygon.", column="geometry"))
        out[i] = shapely.union_all(polys)
    return out


# ============================================================================================
# assign_areas
# ============================================================================================
def _level_list(areas: AreaSet, levels: str | Sequence[str] | None, caller: str) -> list[str]:
    if not isinstance(areas, AreaSet):
        raise TypeError(f"The 'areas' parameter of {caller} must be an AreaSet (see "
                        f"hotspots.io.load_boundaries); got {type(areas).__name__}.")
    if levels is None:
        return areas.level_names
    chosen = [levels] if isinstance(levels, str) else list(levels)
    unknown = [lv for lv in chosen if lv not in areas]
    if unknown:
        raise ValueError(
            f"The 'levels' parameter of {caller} must name levels of {areas.name!r} "
            f"({', '.join(map(repr, areas.level_names))}). Got {unknown[0]!r} instead."
        )
    return chosen


def _incident_xy(incidents: gpd.GeoDataFrame, caller: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eastings, northings and the located mask of an incident frame (BNG)."""
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise TypeError(f"The 'incidents' parameter of {caller} must be a GeoDataFrame (see "
                        f"hotspots.io.read_incidents); got {type(incidents).__name__}.")
    geom = incidents.geometry
    if geom.crs is None:
        raise CRSError(Problem(
            "missing_crs", "The incidents have no coordinate reference system; set it, e.g. "
            "incidents.set_crs('EPSG:27700').", column=incidents.geometry.name))
    geom = ensure_bng(geom, name="incidents")
    arr = np.asarray(geom.values, dtype=object)
    types = shapely.get_type_id(arr)
    other = (types != 0) & (types != -1) & ~shapely.is_empty(arr)
    if other.any():
        pos = np.flatnonzero(other)
        raise ValidationError(Problem(
            "not_point", f"{len(pos)} incidents have a geometry that is not a point (first "
            f"positions: {', '.join(map(str, pos[:5]))}); use their centroids or points.",
            n_rows=len(pos), column=incidents.geometry.name))
    # get_coordinates skips empty and missing geometries (get_x raises on empty points)
    xy, which = shapely.get_coordinates(arr, return_index=True)
    x = np.full(len(arr), np.nan)
    y = np.full(len(arr), np.nan)
    x[which] = xy[:, 0]
    y[which] = xy[:, 1]
    located = np.isfinite(x) & np.isfinite(y)
    if schema.LOCATION_STATUS in incidents.columns:
        status = incidents[schema.LOCATION_STATUS]
        said_located = (status == schema.LOCATED).fillna(False).to_numpy(dtype=bool)
        said_unknown = (status == schema.UNKNOWN).fillna(False).to_numpy(dtype=bool)
        lost = said_located & ~located
        if lost.any():
            warnings.warn(
                f"{int(lost.sum())} incidents have location_status 'located' but no "
                "coordinates; they are counted as 'Unknown location'.",
                DataQualityWarning, stacklevel=3,
            )
        overruled = said_unknown & located
        if overruled.any():
            logger.info("%d incidents with location_status 'unknown' carry a point; the status "
                        "wins and they count as 'Unknown location'", int(overruled.sum()))
        located &= ~said_unknown
    return x, y, located


def assign_areas(incidents: gpd.GeoDataFrame, areas: AreaSet, *,
                 levels: str | Sequence[str] | None = None,
                 allow_outside: bool = False) -> gpd.GeoDataFrame:
    """Label every incident with its area at each level.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The canonical incident frame (points, or empty points for unknown locations) with a
        CRS; other CRSs are reprojected to EPSG:27700 for the lookup.
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
        boundary set, vintage, levels and counts.

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
    A row is located when its geometry is a non-empty point and ``location_status`` (when
    present) is not ``"unknown"``. Each level is assigned from its own polygons. Points on
    the boundary between areas go to the area with the smallest ``area_id`` among those
    whose closed polygon holds the point; see the module documentation for how the lookup
    is made fast.

    Examples
    --------
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
    chosen = _level_list(areas, levels, "assign_areas")
    x, y, located = _incident_xy(incidents, "assign_areas")
    out = incidents.copy()
    idx = np.flatnonzero(located)
    xs, ys = x[idx], y[idx]
    record = {"boundaries": areas.name, "vintage": areas.vintage, "levels": chosen,
              "n_rows": len(out), "n_located": len(idx), "n_unknown": len(out) - len(idx),
              "n_outside": {}, "allow_outside": allow_outside,
              "edge_rule": "closed polygons; shared edges go to the smallest area_id"}
    replaced = []
    for level in chosen:
        frame = areas._frame(level)
        n_areas = len(frame)
        pos = areas.locate(xs, ys, level=level)
        check_outside(xs, ys, pos < 0, areas_name=areas.name, level=level,
                      allow_outside=allow_outside)
        codes = np.full(len(out), n_areas + 1, dtype=np.int32)  # Unknown location
        codes[idx] = np.where(pos >= 0, pos, n_areas)  # Outside district
        cats = [*frame[schema.AREA_NAME].tolist(), schema.OUTSIDE_DISTRICT,
                schema.UNKNOWN_LOCATION]
        ids = np.append(frame[schema.AREA_ID].to_numpy(dtype=object), [None, None])
        id_col, name_col = schema.area_id_column(level), schema.area_name_column(level)
        replaced += [c for c in (id_col, name_col) if c in out.columns]
        out[id_col] = pd.array(ids[codes], dtype="string")
        out[name_col] = pd.Categorical.from_codes(codes, categories=cats)
        record["n_outside"][level] = int((pos < 0).sum())
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
    expected = [*areas._frame(level)[schema.AREA_NAME].tolist(), schema.OUTSIDE_DISTRICT,
                schema.UNKNOWN_LOCATION]
    return frame[col].cat.categories.tolist() == expected


def group_codes(frame: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, list[pd.Index],
                                                              list[Any]]:
    """Integer group code per row for the ``by`` columns, all combinations kept."""
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise ValidationError(Problem(
            "missing_column", f"area_counts(by=...) names the column {missing[0]!r}, which the "
            f"incidents do not have. Columns found: {', '.join(map(str, frame.columns))}.",
            column=missing[0]))
    codes = np.zeros(len(frame), dtype=np.int64)
    labels: list[pd.Index] = []
    dtypes: list[Any] = []
    for col in by:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            c = s.cat.codes.to_numpy().astype(np.int64)
        else:
            values = s.dropna().unique()
            try:
                cats = sorted(values)
            except TypeError:
                cats = sorted(values, key=str)
            c = pd.Categorical(s, categories=cats).codes.astype(np.int64)
        if (c < 0).any():
            cats = [*cats, NOT_RECORDED]
            c = np.where(c < 0, len(cats) - 1, c)
        labels.append(pd.Index(cats))
        dtypes.append(s.dtype)
        codes = codes * len(cats) + c
    return codes, labels, dtypes


def _population_array(population: Any, frame: gpd.GeoDataFrame, level: str) -> np.ndarray:
    """Return the population of each area of the level, in its order (NaN when unknown)."""
    ids = frame[schema.AREA_ID]
    if isinstance(population, str):
        if population not in frame.columns:
            raise ValidationError(Problem(
                "missing_column", f"population={population!r} is not a column of the "
                f"{level} boundaries. Columns found: {', '.join(map(str, frame.columns))}.",
                column=population))
        values = pd.Series(frame[population].to_numpy(), index=ids)
    elif isinstance(population, pd.DataFrame):
        need = [c for c in (schema.AREA_ID, "population") if c not in population.columns]
        if need:
            raise ValidationError(Problem(
                "missing_column", "A population table needs the columns 'area_id' and "
                f"'population'. Columns found: {', '.join(map(str, population.columns))}.",
                column=need[0]))
        values = pd.Series(population["population"].to_numpy(),
                           index=population[schema.AREA_ID].astype(str))
    elif isinstance(population, pd.Series):
        values = population.copy()
        values.index = values.index.astype(str)
    else:
        raise TypeError("population must be a Series indexed by area_id, a DataFrame with "
                        "columns area_id and population, or the name of a boundary column; "
                        f"got {type(population).__name__}.")
    if values.index.duplicated().any():
        dup = values.index[values.index.duplicated()].unique().tolist()
        raise ValidationError(Problem("duplicate_id", f"The population lists {len(dup)} area "
                                      f"ids more than once: {', '.join(dup[:5])}.",
                                      column=schema.AREA_ID))
    numeric = pd.to_numeric(values, errors="coerce")
    if (numeric.isna() & values.notna()).any():
        bad = values.index[numeric.isna() & values.notna()].tolist()
        raise ValidationError(Problem("non_numeric", f"The population of {len(bad)} areas is "
                                      f"not a number ({', '.join(bad[:5])}).",
                                      column="population"))
    matched = numeric.reindex(ids.to_numpy())
    extra = len(set(values.index) - set(ids))
    if extra:
        logger.info("population: %d areas are not %ss of this boundary set and are ignored",
                    extra, level)
    bad = matched.isna() | (matched <= 0)
    if bad.any():
        names = frame.loc[bad.to_numpy(), schema.AREA_NAME].tolist()
        warnings.warn(
            f"No usable population for {len(names)} {level}(s) ({', '.join(names[:5])}); "
            "their rate_per_1000 is left empty.", DataQualityWarning, stacklevel=3,
        )
    return matched.where(~bad).to_numpy(dtype=np.float64)


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
    >>> table = area_counts(incidents, areas, level="ward", by="recency",
    ...                     period="2018/19")  # doctest: +SKIP
    """
    _level_list(areas, [level] if isinstance(level, str) else level, "area_counts")
    frame_lv = areas._frame(level)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    n_input = len(incidents)
    keep = np.ones(n_input, dtype=bool)
    n_no_date = n_outside_period = 0
    per = None
    if period is not None:
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
        n_outside_period = int((~keep & ~no_date).sum())
        if n_no_date:
            warnings.warn(
                f"{n_no_date} incidents have no date in column {time!r} and are left out of "
                f"the table for {per.label}.", DataQualityWarning, stacklevel=2,
            )
    if _current_assignment(incidents, areas, level):
        area_codes = incidents[schema.area_name_column(level)].cat.codes.to_numpy()
    else:
        assigned = assign_areas(incidents, areas, levels=[level], allow_outside=allow_outside)
        area_codes = assigned[schema.area_name_column(level)].cat.codes.to_numpy()
    n_cells = len(frame_lv) + 2
    if by_cols:
        group, labels, dtypes = group_codes(incidents, by_cols)
    else:
        group, labels, dtypes = np.zeros(n_input, dtype=np.int64), [], []
    n_groups = int(np.prod([len(lab) for lab in labels])) if labels else 1
    if n_groups * n_cells > 10_000_000:
        raise ValueError(f"area_counts(by={by_cols!r}) would make {n_groups * n_cells:,} rows; "
                         "split by columns with fewer distinct values.")
    check_in("count", count, ("rows", "people"), caller="area_counts")
    people: dict[str, Any] = {}
    if count == "people":
        from hotspots.areas.people import PEOPLE_NOTE, people_table_counts, person_codes

        persons = person_codes(incidents, person, "area_counts")
        counts, totals, people = people_table_counts(persons, keep, group, area_codes,
                                                     n_groups, n_cells)
        people = {"count": "people", "person": person, **people, "note": PEOPLE_NOTE}
    else:
        flat = group[keep] * n_cells + area_codes[keep].astype(np.int64)
        counts = np.bincount(flat, minlength=n_groups * n_cells).reshape(n_groups, n_cells)
        totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.full(counts.shape, np.nan), where=totals > 0)

    table: dict[str, Any] = {}
    if by_cols:
        grid = pd.MultiIndex.from_product(labels, names=by_cols) if len(by_cols) > 1 else None
        for i, col in enumerate(by_cols):
            values = (grid.get_level_values(i) if grid is not None else labels[0])
            repeated = np.repeat(np.asarray(values, dtype=object), n_cells)
            cats = list(labels[i])
            ordered = isinstance(dtypes[i], pd.CategoricalDtype) and dtypes[i].ordered
            table[col] = pd.Categorical(repeated, categories=cats, ordered=ordered)
    ids = [*frame_lv[schema.AREA_ID].tolist(), None, None]
    names = [*frame_lv[schema.AREA_NAME].tolist(), schema.OUTSIDE_DISTRICT,
             schema.UNKNOWN_LOCATION]
    table[schema.AREA_ID] = pd.array(ids * n_groups, dtype="string")
    table[schema.AREA_NAME] = names * n_groups
    table["n"] = counts.ravel().astype(np.int64)
    table["share"] = shares.ravel()
    if population is not None:
        pop = np.append(_population_array(population, frame_lv, level), [np.nan, np.nan])
        pop_rows = np.tile(pop, n_groups)
        table["population"] = pop_rows
        with np.errstate(divide="ignore", invalid="ignore"):
            table["rate_per_1000"] = np.where(pop_rows > 0, 1000 * table["n"] / pop_rows,
                                              np.nan)
    out = pd.DataFrame(table)
    out.attrs["hotspots"] = {
        "function": "area_counts", "boundaries": areas.name, "vintage": areas.vintage,
        "level": level, "by": by_cols or None,
        "period": None if per is None else per.label,
        "period_start": None if per is None else per.start.isoformat(),
        "period_end": None if per is None else per.end.isoformat(),
        "n_input": n_input, "n_total": int(keep.sum()),
        "n_excluded_no_date": n_no_date, "n_outside_period": n_outside_period, **people,
    }
    if suppress is not None:
        # protected as a release of its own (totals and by split included) and audited;
        # refused with PublicModeError when no suppression pattern protects it
        from hotspots.privacy.publish import protect_area_table

        out = protect_area_table(out, suppress, by=by_cols)
    return out
