"""The one reading of an incident frame: located points in metres, one CRS rule, row numbers.

Every verb that needs the points of an incident frame (gridding, clustering, assigning
areas) reads them here, so the same fault gets the same problem code and message
everywhere.

API
---
``located_points(data, *, weights=None, reproject=False) -> LocatedPoints``
    The located rows of a GeoDataFrame (or GeoSeries) of incidents: ``x``, ``y`` (metres),
    ``positions`` (``iloc`` of the located rows), ``weights`` (or None), ``n_rows``,
    ``n_unknown``, ``crs`` (of ``x``/``y``), ``reprojected_from`` (or None); when rows share
    point objects, ``groups``, ``group_xy`` and ``per_object`` (each object's ``x``, ``y``
    and located rows) with ``per_object_sums(values)``, for sums over rows done per object.
``check_measurable_crs(crs, name="incidents")``
    Refuse a CRS in which distances are not metres (the rule below, for any frame).
``row_numbers(frame, positions, limit=5) -> tuple[int, ...]``
    Spreadsheet row numbers of row positions, for :class:`~hotspots.errors.Problem`.

Which rows are located
    A row is located when its geometry is a point with finite coordinates and its
    ``location_status`` (when the column exists) is not ``"unknown"``. Other rows are
    counted in ``n_unknown`` and never dropped silently: rows that say ``"located"`` but have
    no geometry, and points with non-finite coordinates, raise a
    :class:`~hotspots.errors.DataQualityWarning` naming their spreadsheet rows. A located
    geometry that is not a point (a polygon, a multipoint) is an error, problem code
    ``not_point`` (formerly also ``non_point_geometry`` in clustering).

The CRS rule
    A verb that *measures* (cell sizes, search distances; ``reproject=False``) needs a
    projected CRS in metres that is not Web Mercator: otherwise the numbers the user gave
    in metres would silently mean something else (degrees; Web Mercator metres are
    stretched by about 1.6 in Britain). Such a frame is refused with a
    :class:`~hotspots.errors.CRSError` whose message says ``incidents.to_crs('EPSG:27700')``
    (problem codes ``missing_crs``, ``not_projected``, ``web_mercator``), and the points are
    returned in the frame's own CRS, so a verb's output stays in the CRS of its input.
    A verb that only asks *which polygon* holds a point (``reproject=True``) accepts any
    CRS: the coordinates are transformed to EPSG:27700 (exact, so no answer changes) and
    ``reprojected_from`` records the source CRS for the verb's ``attrs``.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point
>>> inc = gpd.GeoDataFrame({"location_status": ["located", "unknown", "located"]},
...                        geometry=[Point(1, 2), Point(3, 4), Point(5, 6)], crs=27700)
>>> pts = located_points(inc)
>>> pts.x.tolist(), pts.positions.tolist(), pts.n_unknown
([1.0, 5.0], [0, 2], 1)
"""

from __future__ import annotations

import functools
import logging
import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from hotspots import schema
from hotspots._params import current_verb
from hotspots._point_reading import POINT_TYPE, read_geometries
from hotspots.crs import BNG, is_bng, normalise_crs, to_bng
from hotspots.errors import CRSError, DataQualityWarning, Problem, ValidationError

__all__ = ["LocatedPoints", "check_measurable_crs", "located_points", "row_numbers"]

logger = logging.getLogger(__name__)

@dataclass(frozen=True, eq=False)
class LocatedPoints:
    """The located points of an incident frame and what was set aside.

    Attributes
    ----------
    x, y : numpy.ndarray of float
        Coordinates of the located rows, in metres, in ``crs``.
    positions : numpy.ndarray of int64
        Row positions (``iloc``) of the located rows in the frame, ascending.
    n_rows : int
        Rows in the frame.
    weights : numpy.ndarray of float or None
        The ``weights`` column at the located rows, when one was named.
    crs : Any
        The CRS of ``x`` and ``y``: the frame's own, or ``"EPSG:27700"`` after reprojection.
    reprojected_from : str or None
        The frame's CRS when the points were transformed to EPSG:27700.
    groups : numpy.ndarray of int64 or None
        When the frame holds one point object on many rows (police.uk snap points read
        once per location), each located row's object among the distinct ones: rows of a
        group share a location (rows of different groups may too). None if not worked out.
    group_xy : tuple of numpy.ndarray or None
        ``x``, ``y`` of each distinct object (index them with ``groups``), so that work per
        location need not gather it back from the rows. None without groups, or after a
        reprojection (it is in the frame's CRS).

    Examples
    --------
    >>> from hotspots.located import located_points
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> pts = located_points(gpd.GeoSeries([Point(0, 0), None], crs=27700))
    >>> pts.n_located, pts.n_unknown, pts.located_mask().tolist()
    (1, 1, [True, False])
    """

    x: np.ndarray
    y: np.ndarray
    positions: np.ndarray
    n_rows: int
    weights: np.ndarray | None = None
    crs: Any = None
    reprojected_from: str | None = None
    groups: np.ndarray | None = None
    group_xy: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n_located(self) -> int:
        """Number of located rows."""
        return int(self.positions.size)

    @property
    def n_unknown(self) -> int:
        """Rows without a usable location (kept by the verbs as "Unknown location")."""
        return self.n_rows - self.n_located

    def located_mask(self) -> np.ndarray:
        """Boolean mask over the frame's rows, True where the row is located."""
        mask = np.zeros(self.n_rows, dtype=bool)
        mask[self.positions] = True
        return mask

    @functools.cached_property
    def per_object(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``x``, ``y`` and number of located rows of each distinct point object.

        None without ``group_xy``. Counting, binning and smoothing are sums over rows, so
        they can run over the tens of thousands of snap points that hold a police.uk
        frame's millions of rows, each weighed by its rows. Objects with no located row
        are left out.

        Examples
        --------
        >>> import geopandas as gpd, shapely
        >>> from hotspots.located import located_points
        >>> shared = shapely.points([[0.0, 0.0], [5.0, 5.0]])[[0, 1, 1] * 40_000]
        >>> gx, gy, rows = located_points(gpd.GeoSeries(shared, crs=27700)).per_object
        >>> gx.tolist(), gy.tolist(), rows.tolist()
        ([0.0, 5.0], [0.0, 5.0], [40000, 80000])
        """
        rows, held = self._object_rows, self._held_objects
        if rows is None or held is None or self.group_xy is None:
            return None
        gx, gy = self.group_xy
        return gx[held], gy[held], rows[held]

    def per_object_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (one per located row) over each object of :attr:`per_object`.

        Parameters
        ----------
        values : numpy.ndarray of float
            One value per located row, such as :attr:`weights`.

        Returns
        -------
        numpy.ndarray of float
            One sum per object, in the order of :attr:`per_object`.

        Raises
        ------
        ValueError
            Without groups (when :attr:`per_object` is None).
        """
        held = self._held_objects
        if held is None or self.groups is None or self.group_xy is None:
            raise ValueError("per_object_sums needs rows grouped by their point objects.")
        total = np.bincount(self.groups, weights=values, minlength=self.group_xy[0].size)
        return total[held]

    @functools.cached_property
    def _object_rows(self) -> np.ndarray | None:
        if self.groups is None or self.group_xy is None:
            return None
        return np.bincount(self.groups, minlength=self.group_xy[0].size)

    @functools.cached_property
    def _held_objects(self) -> np.ndarray | None:
        rows = self._object_rows
        return None if rows is None else np.flatnonzero(rows)


def row_numbers(frame: pd.DataFrame | gpd.GeoSeries | None, positions: Any, *,
                limit: int = 5) -> tuple[int, ...]:
    """Spreadsheet row numbers of the first ``limit`` row positions.

    The readers record each row's line in its file in ``source_row``; when every listed row
    has one, those are returned. Otherwise the row of a spreadsheet holding this frame under
    a header line is used: position + 2.

    Parameters
    ----------
    frame : pandas.DataFrame, geopandas.GeoSeries or None
        The frame the positions index (a GeoSeries or None has no ``source_row``).
    positions : array-like of int
        Row positions (``iloc``), in the order to report.
    limit : int, default 5
        How many rows to list (a :class:`~hotspots.errors.Problem` shows a few).

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> from hotspots.located import row_numbers
    >>> import pandas as pd
    >>> row_numbers(pd.DataFrame({"a": [1, 2, 3]}), [0, 2])
    (2, 4)
    >>> row_numbers(pd.DataFrame({"source_row": [7, 9, 12]}), [1, 2])
    (9, 12)
    """
    first = np.asarray(positions, dtype=np.int64)[:limit]
    if isinstance(frame, pd.DataFrame) and schema.SOURCE_ROW in frame.columns:
        rows = pd.to_numeric(frame[schema.SOURCE_ROW], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)[first]
        if np.isfinite(rows).all():
            return tuple(int(r) for r in rows)
    return tuple(int(p) + 2 for p in first)


def is_web_mercator(c: CRS) -> bool:
    """Whether ``c`` is (pseudo) Web Mercator, whose metres are stretched."""
    op = c.coordinate_operation
    method = op.method_name if op is not None else ""
    return "pseudo mercator" in method.lower() or c.to_epsg() in (3857, 900913)


def _missing_crs(name: str) -> CRSError:
    return CRSError(Problem(
        "missing_crs",
        f"There is no coordinate reference system on {name}. Set it first, e.g. "
        f"{name}.set_crs('EPSG:27700') for eastings/northings or "
        f"{name}.set_crs('EPSG:4326') for longitude/latitude.",
    ))


def check_measurable_crs(crs: Any, name: str = "incidents") -> None:
    """Refuse a CRS in which distances are not metres.

    Parameters
    ----------
    crs : Any
        The CRS of the frame (anything :meth:`pyproj.CRS.from_user_input` reads), or None.
    name : str, default "incidents"
        The variable the user holds, for the suggested fix.

    Raises
    ------
    hotspots.errors.CRSError
        ``missing_crs`` when ``crs`` is None; ``not_projected`` for degrees or a projected
        CRS not in metres; ``web_mercator`` for Web Mercator.

    Examples
    --------
    >>> from hotspots.located import check_measurable_crs
    >>> check_measurable_crs("EPSG:27700")
    >>> check_measurable_crs("EPSG:4326")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hotspots.errors.CRSError: The CRS of incidents is EPSG:4326 (longitude/latitude in degrees)...
    """
    if crs is None:
        raise _missing_crs(name)
    c = CRS.from_user_input(crs)
    unit = c.axis_info[0].unit_name if c.axis_info else ""
    if not c.is_projected or unit not in ("metre", "meter"):
        kind = "longitude/latitude in degrees" if c.is_geographic else "not metres"
        raise CRSError(Problem(
            "not_projected",
            f"The CRS of {name} is {normalise_crs(c)} ({kind}), not a projected CRS in metres: "
            f"cell sizes and distances would be wrong. Reproject first, e.g. "
            f"{name}.to_crs('EPSG:27700').",
        ))
    if is_web_mercator(c):
        # "metres" on paper, but stretched by 1/cos(latitude): about 1.6 in Britain, so a
        # 250 m cell would really be about 150 m across
        raise CRSError(Problem(
            "web_mercator",
            f"The CRS of {name} is {normalise_crs(c)} (Web Mercator), whose metres are stretched "
            "by 1/cos(latitude), about 1.6 in Britain, so cell sizes and distances would be "
            f"wrong. Reproject first, e.g. {name}.to_crs('EPSG:27700').",
        ))


def _geometries(data: Any) -> tuple[pd.DataFrame | None, gpd.GeoSeries]:
    if isinstance(data, gpd.GeoDataFrame):
        return data, data.geometry
    if isinstance(data, gpd.GeoSeries):
        return None, data
    raise TypeError(
        f"The 'incidents' parameter of {current_verb()} must be a GeoDataFrame of incidents "
        f"(or a GeoSeries of points); got {type(data).__name__}."
    )


def _said_unknown(frame: pd.DataFrame | None, values: np.ndarray, has_geom: np.ndarray
                  ) -> np.ndarray:
    """Rows whose ``location_status`` says unknown; warn on 'located' rows without a point."""
    if frame is None or schema.LOCATION_STATUS not in frame.columns:
        return np.zeros(len(values), dtype=bool)
    status = frame[schema.LOCATION_STATUS]
    said_unknown = status.eq(schema.UNKNOWN).to_numpy(dtype=bool, na_value=False)
    said_located = status.eq(schema.LOCATED).to_numpy(dtype=bool, na_value=False)
    lost = said_located & ~has_geom
    if lost.any():
        pos = np.flatnonzero(lost)
        warnings.warn(
            f"{current_verb()}: {pos.size} rows have location_status 'located' but no "
            f"geometry; they are counted as unknown location (rows {row_numbers(frame, pos)}).",
            DataQualityWarning, stacklevel=4,
        )
    overruled = said_unknown & has_geom
    if overruled.any():
        logger.info("%d incidents with location_status 'unknown' carry a point; the status "
                    "wins and they count as unknown location", int(overruled.sum()))
    return said_unknown


def _refuse_non_points(frame: pd.DataFrame | None, values: np.ndarray, candidates: np.ndarray,
                       kinds: np.ndarray, empty: np.ndarray,
                       groups: np.ndarray | None = None) -> None:
    # a candidate has a geometry, so only a non-empty non-point object can be refused:
    # with none (the usual case, missing rows included) no row needs looking at
    if not np.any((kinds != POINT_TYPE) & (kinds >= 0) & ~empty):
        return
    if groups is not None:
        kinds = kinds[groups]
    bad = candidates[kinds[candidates] != POINT_TYPE]
    if bad.size:
        types = sorted({g.geom_type for g in values[bad[:50]]})
        raise ValidationError(Problem(
            "not_point",
            f"{bad.size} incidents have a geometry that is not a point (found "
            f"{', '.join(types)}). Incidents must be points: replace the ones that are not "
            "points with their .centroid, or explode multipoints, first.",
            n_rows=int(bad.size), rows=row_numbers(frame, bad), column="geometry",
        ), context=current_verb())


def _weights(frame: pd.DataFrame | None, weights: str, positions: np.ndarray) -> np.ndarray:
    if frame is None or weights not in frame.columns:
        raise ValidationError(Problem(
            "missing_column",
            f"weights={weights!r} names no column of the incidents: they have no column "
            f"{weights!r}.", column=weights,
        ), context=current_verb())
    col = pd.to_numeric(frame[weights], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)[positions]
    bad = ~np.isfinite(col) | (col < 0)
    if bad.any():
        pos = positions[bad]
        raise ValidationError(Problem(
            "bad_weight",
            f"{pos.size} located rows have a missing, non-numeric, infinite or negative weight "
            f"in column '{weights}': weights must be finite numbers >= 0. Fix or fill them "
            "(e.g. with 1).",
            n_rows=int(pos.size), rows=row_numbers(frame, pos), column=weights,
        ), context=current_verb())
    return col


def _clean_rows(frame: pd.DataFrame | None, values: np.ndarray, x: np.ndarray, y: np.ndarray,
                groups: np.ndarray | None) -> tuple[Any, ...]:
    """Located rows when all geometries are finite points: only the status sets rows aside."""
    unknown = _said_unknown(frame, values, np.ones(values.size, dtype=bool))
    if unknown.any():
        rows = np.flatnonzero(~unknown)
        if groups is None:
            return rows, x[rows], y[rows], None
        groups = groups[rows]
    else:
        rows = np.arange(values.size, dtype=np.int64)
    return (rows, x, y, None) if groups is None else (rows, x[groups], y[groups], groups)


def located_points(data: gpd.GeoDataFrame | gpd.GeoSeries, *, weights: str | None = None,
                   reproject: bool = False) -> LocatedPoints:
    """Read the located points of an incident frame (the module documentation has the rules).

    Parameters
    ----------
    data : geopandas.GeoDataFrame or geopandas.GeoSeries
        Incidents: points, with empty or missing geometries (or ``location_status ==
        "unknown"``) for rows without a location.
    weights : str, optional
        A column of non-negative weights to return for the located rows.
    reproject : bool, default False
        False for verbs that measure: the CRS must be projected in metres (not Web
        Mercator) and the points stay in it. True for verbs that only locate points in
        polygons: any CRS, points returned in EPSG:27700.

    Returns
    -------
    LocatedPoints

    Raises
    ------
    TypeError
        If ``data`` is not a GeoDataFrame or GeoSeries.
    hotspots.errors.CRSError
        If the CRS is missing, or (``reproject=False``) not measurable in metres.
    hotspots.errors.ValidationError
        ``not_point`` when a located geometry is not a point; ``missing_column`` or
        ``bad_weight`` for the ``weights`` column.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        When rows say ``located`` but have no geometry, or points have non-finite
        coordinates (both counted as unknown).

    Examples
    --------
    >>> from hotspots.located import located_points
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> inc = gpd.GeoDataFrame({"weight": [2.0, 1.0]},
    ...                        geometry=[Point(-1.75, 53.79), Point()], crs="EPSG:4326")
    >>> pts = located_points(inc, weights="weight", reproject=True)
    >>> round(float(pts.x[0]), -2), pts.weights.tolist(), pts.reprojected_from, pts.n_unknown
    (416600.0, [2.0], 'EPSG:4326', 1)
    """
    frame, geoms = _geometries(data)
    if geoms.crs is None:
        raise _missing_crs("incidents")
    if not reproject:
        check_measurable_crs(geoms.crs)
    values = np.asarray(geoms.array, dtype=object)
    kinds, empty, x, y, groups, clean = read_geometries(values)
    objects = None if groups is None else (x, y)  # per object, before the spread to rows
    if clean:
        candidates, x, y, groups = _clean_rows(frame, values, x, y, groups)
    else:
        has_geom = (kinds >= 0) & ~empty
        if groups is not None:  # spread to the rows
            has_geom = has_geom[groups]
        candidates = np.flatnonzero(has_geom & ~_said_unknown(frame, values, has_geom))
        _refuse_non_points(frame, values, candidates, kinds, empty, groups)
        if groups is not None:
            # one gather per coordinate, from the small per-object arrays
            if candidates.size != values.size:
                groups = groups[candidates]
            x, y = x[groups], y[groups]
        elif candidates.size != values.size:
            x, y = x[candidates], y[candidates]
        finite = np.isfinite(x) & np.isfinite(y)
        if not finite.all():
            pos = candidates[~finite]
            warnings.warn(
                f"{current_verb()}: {pos.size} points have non-finite coordinates; they are "
                f"counted as unknown location (rows {row_numbers(frame, pos)}).",
                DataQualityWarning, stacklevel=2,
            )
            candidates, x, y = candidates[finite], x[finite], y[finite]
            groups = None if groups is None else groups[finite]
    w = None if weights is None else _weights(frame, weights, candidates)
    crs: Any = geoms.crs
    source = None
    if reproject and not is_bng(crs):
        source = normalise_crs(crs)
        x, y = to_bng(x, y, crs)
        crs = BNG
    return LocatedPoints(x, y, candidates.astype(np.int64, copy=False), len(values), w, crs,
                         source, groups, objects if source is None and groups is not None
                         else None)
