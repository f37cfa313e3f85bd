"""The one reading of an incident frame: located points in metres, one CRS rule, row numbers.

Every verb that needs the points of an incident frame (gridding, clustering, assigning
areas) reads them here, so the same fault gets the same problem code and message
everywhere.

API
---
``located_points(data, *, weights=None, reproject=False) -> LocatedPoints``
    The located rows of a GeoDataFrame (or GeoSeries) of incidents: ``x``, ``y`` (metres),
    ``positions`` (``iloc`` of the located rows), ``weights`` (or None), ``n_rows``,
    ``n_unknown``, ``crs`` (of ``x``/``y``), ``reprojected_from`` (or None).
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

import logging
import warnings
import weakref
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from hotspots import schema
from hotspots._objects import object_addresses
from hotspots._params import current_verb
from hotspots._threads import halves, map_parts
from hotspots.crs import BNG, is_bng, normalise_crs, to_bng
from hotspots.errors import CRSError, DataQualityWarning, Problem, ValidationError

__all__ = ["LocatedPoints", "check_measurable_crs", "located_points", "row_numbers"]

logger = logging.getLogger(__name__)

_POINT = 0  # shapely type id of a Point
#: rows sampled to decide whether a geometry array repeats the same objects
_SAMPLE = 16_384
#: The last large geometry array read (this many rows or more) and its reading: a notebook
#: runs verb after verb on one frame, and reading 1M scattered points costs more than most
#: kernels. Geometries are immutable and the entry holds its objects, so equal addresses
#: mean the same reading; it goes with the array it came from.
_REMEMBER = 100_000
_LAST: list[tuple[np.ndarray, np.ndarray, tuple[Any, ...], object]] = []


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
    if not np.any((kinds != _POINT) & (kinds >= 0) & ~empty):
        return
    if groups is not None:
        kinds = kinds[groups]
    bad = candidates[kinds[candidates] != _POINT]
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


class _RawMemory:
    """A numpy view of process memory from ``start``, ``count`` 8-byte words (not copied)."""

    def __init__(self, start: int, count: int) -> None:
        self.__array_interface__ = {"data": (start, True), "shape": (count,), "typestr": "<u8",
                                    "version": 3}


def _exact_points(values: np.ndarray, addresses: np.ndarray | None) -> np.ndarray | None:
    """Whether each element is exactly a ``shapely.Point`` (its Python type), or None.

    A CPython object starts with its reference count and then its type, so the types are
    one gather from the objects' addresses, no call per object (22 ms on 1M points where
    ``shapely.get_type_id`` takes 28 ms). The layout is checked on a sample against
    ``type()``; on any other (free-threaded, non-CPython) the answer is None: ask GEOS.
    """
    if addresses is None:
        addresses = object_addresses(values)
    if addresses is None or addresses.size == 0:
        return None
    lo = int(addresses.min())
    if np.any(addresses & 7) or lo <= 0:
        return None
    words = (addresses - lo) >> 3
    memory = np.asarray(_RawMemory(lo, int(words.max()) + 2))
    types = memory[words + 1]
    check = np.unique(np.r_[0, values.size - 1, np.arange(0, values.size, 1 + values.size // 64)])
    if not all(int(types[i]) == id(type(values[i])) for i in check):
        return None
    result: np.ndarray = types == id(shapely.Point)
    return result


def _each_coordinate(values: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Type id, emptiness, x and y (NaN unless a non-empty point) of each geometry.

    ``get_x`` gives NaN for anything but a point (and None), so only rows without finite
    x and y need their type and emptiness read. GEOS refuses ``get_x`` on an empty point:
    when there are some (rows without a location), emptiness is read first.
    """
    try:
        x, y = shapely.get_x(values), shapely.get_y(values)
        empty = None
    except shapely.errors.GEOSException:
        empty = shapely.is_empty(values)
        x = np.full(values.size, np.nan)
        y = np.full(values.size, np.nan)
        full = np.flatnonzero(~empty)
        x[full], y[full] = shapely.get_x(values[full]), shapely.get_y(values[full])
    kinds = np.full(values.size, _POINT, dtype=np.int64)
    odd = np.flatnonzero(~(np.isfinite(x) & np.isfinite(y)))
    if odd.size:
        kinds[odd] = shapely.get_type_id(values[odd])
    if empty is None:
        empty = np.zeros(values.size, dtype=bool)
        if odd.size:
            empty[odd] = shapely.is_empty(values[odd])
    return kinds, empty, x, y


def _read_points(values: np.ndarray, addresses: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """As :func:`_each_coordinate` reading the objects once, and whether all rows are clean.

    ``shapely.bounds`` reads x and y in one pass (a point's bounds are ``(x, y, x, y)``),
    half the cost of ``get_x`` and ``get_y``; as bounds do not tell a point from a line of
    zero length, the Python type says which rows are points (:func:`_exact_points`).
    Other rows and non-finite points (none, usually; else ``clean`` is False) are read by
    :func:`_each_coordinate`, so every answer is its. Both reads wait on scattered memory
    and release the GIL: a large array's halves are read on two threads (``_threads``).
    """
    if addresses is None:
        addresses = object_addresses(values)
    # written through a transposed view, so that x and y come out contiguous, uncopied
    box = np.empty((4, values.size))

    def part(start: int, stop: int) -> np.ndarray | None:
        # rows start:stop that are not plain points with finite coordinates (positions in
        # values), or None when the Python types cannot be read
        rows = values[start:stop]
        is_point = _exact_points(rows, None if addresses is None else addresses[start:stop])
        if is_point is None:
            return None
        shapely.bounds(rows, out=box.T[start:stop])
        # x + y is finite exactly when both are, bar an overflow near 1e308, which only
        # sends a row to the exact reading below (the same answer, slower)
        with np.errstate(over="ignore", invalid="ignore"):
            ok = np.isfinite(box[0, start:stop] + box[1, start:stop])
        ok &= is_point
        return np.flatnonzero(~ok) + start

    odds = map_parts(part, halves(values.size))
    if any(odd is None for odd in odds):
        kinds, empty, x, y = _each_coordinate(values)
        return kinds, empty, x, y, False
    odd = np.concatenate([o for o in odds if o is not None])
    x, y = box[0], box[1]
    # _POINT is 0, and zeroed memory comes from the system with no pass over it
    kinds = np.zeros(values.size, dtype=np.int64)
    empty = np.zeros(values.size, dtype=bool)
    if odd.size:
        kinds[odd], empty[odd], x[odd], y[odd] = _each_coordinate(values[odd])
    return kinds, empty, x, y, odd.size == 0


def _read_geometries(values: np.ndarray) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool
]:
    """Type id, emptiness, x and y of every geometry, the groups of repeated objects, clean.

    ``x``, ``y`` are NaN where the geometry is not a non-empty point. police.uk data put
    millions of incidents on tens of thousands of snap points, and a reader may hand one
    Point object to every incident at one: then each distinct object is read once (hashing
    3M addresses costs a fifth of reading 3M scattered objects), ``groups`` is each row's
    object and the arrays are per object; else ``groups`` is None and they are per row.
    ``clean``: all are finite points. The last large array's reading is kept (``_LAST``).
    """
    groups = None
    distinct = values
    key = addresses = object_addresses(values)
    last = _LAST[0] if _LAST else None
    if key is not None and last is not None and np.array_equal(last[0], key):
        kinds, empty, x, y, groups, clean = last[2]
        return kinds, empty, x.copy(), y.copy(), groups, clean  # copies: callers own x, y
    if values.size > 4 * _SAMPLE and addresses is not None:
        # with all-distinct objects a sample has no repeat at all; a few percent of
        # repeats mean at most ~10 x _SAMPLE distinct objects, where reading each once
        # pays for the hashing many times over
        sample = np.sort(addresses[:: values.size // _SAMPLE])
        if np.count_nonzero(sample[1:] != sample[:-1]) + 1 <= 0.95 * sample.size:
            groups, uniques = _factorize_addresses(addresses)
            # any row of a group will do: they all hold the same object
            one = np.empty(uniques.size, dtype=np.int64)
            one[groups] = np.arange(values.size)
            distinct = values[one]
            addresses = uniques
    kinds, empty, x, y, clean = _read_points(distinct, addresses)
    if key is not None and values.size >= _REMEMBER:
        for a in (kinds, empty, groups):
            if a is not None:
                a.flags.writeable = False  # shared with later calls: nobody writes them
        # the objects are kept (a copy of the array), so their addresses stay theirs; the
        # finalizer holds a token, not the entry, which a later array may replace
        token = object()
        _LAST[:] = [(key, values.copy(), (kinds, empty, x.copy(), y.copy(), groups, clean), token)]
        weakref.finalize(values, lambda: _LAST.clear() if _LAST and _LAST[0][3] is token else None)
    return kinds, empty, x, y, groups, clean


def _factorize_addresses(addresses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group code of each address (codes ``0..m-1``) and the ``m`` distinct addresses.

    Addresses are multiples of the allocator's alignment (16 bytes), and pandas' int64
    hash (shifts and xors) then fills a sixteenth of its buckets; divided by it first, 3M
    rows holding 40k objects group in half the time (0.12 s against 0.23 s).
    """
    low = int(np.bitwise_or.reduce(addresses)) & 15
    shift = (low & -low).bit_length() - 1 if low else 4  # trailing zero bits, at most 4
    codes, uniques = pd.factorize(addresses >> shift)
    return codes.astype(np.int64, copy=False), uniques.astype(np.int64, copy=False) << shift


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
    kinds, empty, x, y, groups, clean = _read_geometries(values)
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
