"""Coordinate reference systems: British National Grid, detection and Great Britain checks.

Every frame the library returns is in British National Grid (``EPSG:27700``, metres).
Readers accept WGS84 longitude/latitude or BNG easting/northing; when the input CRS is not
given it is detected from the value ranges, and a detection that could go either way is a
:class:`~hotspots.errors.CRSError` rather than a guess.

The Great Britain checks are bounding boxes, not coastlines: they catch swapped columns,
zeroed coordinates and points from the wrong country, not a point in the sea off Kent.

- WGS84 box: longitude -8.7 to 1.8, latitude 49.8 to 60.9 (Northern Ireland is inside).
- BNG box: easting 0 to 700,000 m, northing 0 to 1,300,000 m, except the 180 m x 90 m
  corner at the false origin (open sea south-west of Scilly), where longitude/latitude
  degrees mistaken for metres would land.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from pyproj import CRS, Transformer

from hotspots.errors import CRSError, Problem

__all__ = [
    "BNG", "GB_BNG_BOUNDS", "GB_LONLAT_BOUNDS", "WGS84", "check_declared_crs",
    "declared_crs_in_doubt", "detect_crs", "ensure_bng", "in_gb_bng", "in_gb_lonlat", "is_bng",
    "is_geographic", "is_zero_point", "normalise_crs", "normalize_crs", "to_bng",
]

logger = logging.getLogger(__name__)

BNG = "EPSG:27700"  #: British National Grid (OSGB36), metres: every output of the library
WGS84 = "EPSG:4326"  #: longitude/latitude in degrees (police.uk, FHRS, GPS)

#: (min lon, min lat, max lon, max lat) of Great Britain, WGS84 degrees
GB_LONLAT_BOUNDS = (-8.7, 49.8, 1.8, 60.9)
#: (min easting, min northing, max easting, max northing) of the BNG grid, metres
GB_BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)

# lat/lon given as x/y: x then holds latitudes and y longitudes (a slightly wider box than
# the GB one so that points just outside still count as "swapped", not "unknown").
_SWAPPED_BOUNDS = (49.0, -9.0, 61.0, 2.0)  # (min x, min y, max x, max y)

#: share of coordinate rows that must agree before a whole-file verdict is given
_MAJORITY = 0.5
_EXAMPLES = 5


# --- small helpers ------------------------------------------------------------------------
def _in_box(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def in_gb_lonlat(lon: Any, lat: Any) -> np.ndarray:
    """Boolean mask of the points inside the Great Britain longitude/latitude box.

    Parameters
    ----------
    lon, lat : array-like of float
        WGS84 degrees. NaN is outside.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> from hotspots.crs import in_gb_lonlat
    >>> in_gb_lonlat([-1.75, 2.35], [53.79, 48.86]).tolist()  # Bradford, Paris
    [True, False]
    """
    return _in_box(lon, lat, GB_LONLAT_BOUNDS)


def _degree_like(x: Any, y: Any) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return (np.abs(x) <= 180) & (np.abs(y) <= 90)


def in_gb_bng(easting: Any, northing: Any) -> np.ndarray:
    """Boolean mask of the points inside the British National Grid box.

    Parameters
    ----------
    easting, northing : array-like of float
        BNG metres. NaN is outside.

    Returns
    -------
    numpy.ndarray of bool
        True inside :data:`GB_BNG_BOUNDS`, except in the corner ``easting <= 180``,
        ``northing <= 90`` at the false origin: that is open sea, and where
        longitude/latitude in degrees would land if taken for metres.

    Examples
    --------
    >>> from hotspots.crs import in_gb_bng
    >>> in_gb_bng([416_000.0, -5.0], [433_000.0, 10.0]).tolist()
    [True, False]
    """
    return _in_box(easting, northing, GB_BNG_BOUNDS) & ~_degree_like(easting, northing)


def is_zero_point(x: Any, y: Any) -> np.ndarray:
    """Boolean mask of the points at exactly ``(0, 0)``.

    police.uk and many exports write ``0, 0`` for a location that is not known, so readers
    treat such rows as *unknown location* (kept, with a warning), never as a real point.

    Parameters
    ----------
    x, y : array-like of float

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> from hotspots.crs import is_zero_point
    >>> is_zero_point([0, 0, 1], [0, 2, 0]).tolist()
    [True, False, False]
    """
    return (np.asarray(x, dtype=float) == 0) & (np.asarray(y, dtype=float) == 0)


@lru_cache(maxsize=32)
def _crs(user_input: Any) -> CRS:
    return CRS.from_user_input(user_input)


def normalise_crs(crs: Any) -> str:
    """Spell any CRS input as ``"EPSG:<code>"`` (or WKT when it has no EPSG code).

    Parameters
    ----------
    crs : str, int or pyproj.CRS
        Anything :meth:`pyproj.CRS.from_user_input` accepts, e.g. ``27700``,
        ``"epsg:4326"`` or ``"OGC:CRS84"``.

    Returns
    -------
    str

    Raises
    ------
    hotspots.errors.CRSError
        If pyproj does not recognise ``crs``.

    Examples
    --------
    >>> from hotspots.crs import normalise_crs
    >>> normalise_crs(27700), normalise_crs("epsg:4326"), normalise_crs("OGC:CRS84")[:6]
    ('EPSG:27700', 'EPSG:4326', 'GEOGCR')
    """
    try:
        obj = _crs(crs if not isinstance(crs, CRS) else crs.to_wkt())
    except Exception as exc:  # pyproj raises its own CRSError; re-raise ours
        raise CRSError(
            Problem("unknown_crs", f"{crs!r} is not a coordinate reference system pyproj knows "
                    f"({exc}). Use e.g. crs='EPSG:27700' or crs='EPSG:4326'.")
        ) from None
    code = obj.to_epsg()
    return f"EPSG:{code}" if code is not None else obj.to_wkt()


def normalize_crs(crs: Any) -> str:
    """Spell a CRS as ``"EPSG:<code>"``: the deprecated spelling of :func:`normalise_crs`.

    Kept for one release (British spelling throughout the library); warns with a
    :class:`FutureWarning`.

    Examples
    --------
    >>> from hotspots.crs import normalize_crs
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     normalize_crs(27700)
    'EPSG:27700'
    """
    warnings.warn("normalize_crs is renamed normalise_crs in 0.2.0; the old name will stop "
                  "working in the next release", FutureWarning, stacklevel=2)
    return normalise_crs(crs)


def is_bng(crs: Any) -> bool:
    """Tell whether ``crs`` is British National Grid (EPSG:27700).

    Parameters
    ----------
    crs : str, int, pyproj.CRS or None

    Returns
    -------
    bool
        False for ``None``.

    Examples
    --------
    >>> from hotspots.crs import is_bng
    >>> is_bng(27700), is_bng("EPSG:4326"), is_bng(None)
    (True, False, False)
    """
    return crs is not None and normalise_crs(crs) == BNG


def is_geographic(crs: Any) -> bool:
    """Tell whether ``crs`` is a geographic (degrees) CRS such as WGS84.

    Parameters
    ----------
    crs : str, int, pyproj.CRS or None

    Returns
    -------
    bool
        False for ``None``.

    Examples
    --------
    >>> from hotspots.crs import is_geographic
    >>> is_geographic("EPSG:4326"), is_geographic(27700), is_geographic(None)
    (True, False, False)
    """
    return crs is not None and _crs(normalise_crs(crs)).is_geographic


@lru_cache(maxsize=32)
def _transformer(crs_from: str) -> Transformer:
    """Return the ``crs_from`` -> EPSG:27700 transformer that ``GeoDataFrame.to_crs`` uses.

    Creating one reads the PROJ database (50 ms): taken from geopandas' cache, reading
    incidents then boundaries in WGS84 builds one, and gives exactly ``to_crs``'s numbers.
    ``always_xy``: x is longitude/easting whatever the CRS's official axis order says.
    """
    from geopandas import array as geo_array  # here: `import hotspots` must not load it

    make = getattr(geo_array, "TransformerFromCRS", None)
    if make is None:  # a geopandas without the cache
        return Transformer.from_crs(crs_from, BNG, always_xy=True)
    return make(CRS.from_user_input(crs_from), CRS.from_user_input(BNG), always_xy=True)


def to_bng(x: Any, y: Any, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Project coordinates to British National Grid.

    Parameters
    ----------
    x, y : array-like of float
        Longitude/easting and latitude/northing (x first whatever the CRS's axis order).
    crs : str, int or pyproj.CRS
        The CRS of ``x`` and ``y``.

    Returns
    -------
    easting, northing : numpy.ndarray of float
        Metres in EPSG:27700; NaN stays NaN.

    Examples
    --------
    >>> from hotspots.crs import to_bng
    >>> e, n = to_bng([-1.75], [53.79], "EPSG:4326")
    >>> round(float(e[0]), -2), round(float(n[0]), -2)
    (416600.0, 432700.0)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    code = normalise_crs(crs)
    if code == BNG:
        return x.copy(), y.copy()
    e, n = _transformer(code).transform(x, y)
    e = np.asarray(e, dtype=float)
    n = np.asarray(n, dtype=float)
    bad = ~(np.isfinite(x) & np.isfinite(y))  # PROJ turns NaN into inf
    e[bad] = np.nan
    n[bad] = np.nan
    return e, n


def ensure_bng(frame: Any, *, name: str = "data") -> Any:
    """Return a GeoDataFrame/GeoSeries in EPSG:27700, reprojecting when needed.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame or geopandas.GeoSeries
    name : str
        How to call ``frame`` in the error message.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        ``frame`` itself when already in BNG, otherwise a reprojected copy.

    Raises
    ------
    hotspots.errors.CRSError
        If ``frame`` has no CRS.

    Examples
    --------
    >>> from hotspots.crs import ensure_bng
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> s = ensure_bng(gpd.GeoSeries([Point(-1.75, 53.79)], crs="EPSG:4326"))
    >>> s.crs.to_epsg(), round(float(s.x.iloc[0]), -2), round(float(s.y.iloc[0]), -2)
    (27700, 416600.0, 432700.0)
    """
    if frame.crs is None:
        raise CRSError(Problem(
            "missing_crs",
            f"{name} has no coordinate reference system. Set it first, e.g. "
            f"{name}.set_crs('EPSG:27700') for eastings/northings or "
            f"{name}.set_crs('EPSG:4326') for longitude/latitude.",
        ))
    if is_bng(frame.crs):
        return frame
    logger.info("reprojecting %s from %s to %s", name, normalise_crs(frame.crs), BNG)
    return frame.to_crs(BNG)


# --- detection ----------------------------------------------------------------------------
def _first(mask: np.ndarray, rows: np.ndarray | None) -> tuple[int, ...]:
    idx = np.flatnonzero(mask)[:_EXAMPLES]
    if rows is None:
        return tuple(int(i) + 2 for i in idx)
    return tuple(int(rows[i]) for i in idx)


def _fmt_rows(rows: Sequence[int]) -> str:
    word = "row" if len(rows) == 1 else "rows"
    return f"{word} {', '.join(str(r) for r in rows)}"


def _prepare(x: Any, y: Any, rows: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y have different lengths ({x.size} and {y.size}).")
    keep = np.isfinite(x) & np.isfinite(y) & ~is_zero_point(x, y)
    r = None if rows is None else np.asarray(rows)[keep]
    return x[keep], y[keep], r


def _swapped_problem(x, y, rows, mask, x_name, y_name, file) -> Problem:
    return Problem(
        "latlon_swapped",
        f"Latitude and longitude look swapped: {x_name} holds values between "
        f"{np.nanmin(x[mask]):.2f} and {np.nanmax(x[mask]):.2f} (latitudes of Great Britain) "
        f"and {y_name} between {np.nanmin(y[mask]):.2f} and {np.nanmax(y[mask]):.2f} "
        f"(longitudes). Swap the columns: pass x='{y_name}', y='{x_name}'.",
        n_rows=int(mask.sum()), rows=_first(mask, rows), column=x_name, file=file,
    )


def _classify(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    ll = in_gb_lonlat(x, y)
    box = _in_box(x, y, GB_BNG_BOUNDS)  # the plain box: GB lon/lat with x >= 0 is inside
    bng = in_gb_bng(x, y)  # without the degree corner, so never overlaps lon/lat
    return {
        "swapped": _in_box(x, y, _SWAPPED_BOUNDS),
        "lonlat_only": ll & ~box,
        "bng_only": bng,
        "both": ll & box,
        "neither": ~ll & ~bng,
        "degree_like": _degree_like(x, y),
    }


def _detect(x: Any, y: Any, *, x_name: str = "x", y_name: str = "y", rows: Any = None,
            file: str | None = None) -> tuple[str, str]:
    x, y, rows = _prepare(x, y, rows)
    n = x.size
    if n == 0:
        raise CRSError(Problem(
            "crs_undetectable",
            "There are no coordinates to detect the coordinate reference system from. "
            "Pass crs='EPSG:4326' (longitude/latitude) or crs='EPSG:27700' (easting/northing).",
            file=file,
        ))
    c = _classify(x, y)
    if c["swapped"].sum() >= _MAJORITY * n:
        raise CRSError(_swapped_problem(x, y, rows, c["swapped"], x_name, y_name, file))
    n_ll, n_bng, n_both = (int(c[k].sum()) for k in ("lonlat_only", "bng_only", "both"))
    if n_ll and n_bng:
        raise CRSError(Problem(
            "crs_mixed",
            f"The coordinates mix two systems: {n_ll} rows look like longitude/latitude "
            f"(e.g. {_fmt_rows(_first(c['lonlat_only'], rows))}) and {n_bng} like British "
            f"National Grid easting/northing (e.g. {_fmt_rows(_first(c['bng_only'], rows))}"
            f"). Convert them to one system in columns '{x_name}'/'{y_name}', or split the file.",
            n_rows=n_ll + n_bng, rows=_first(c["lonlat_only"] | c["bng_only"], rows),
            column=f"{x_name}/{y_name}", file=file,
        ))
    fits = n_ll + n_bng + n_both
    if fits < _MAJORITY * n or fits == 0:
        bad = c["neither"]
        raise CRSError(Problem(
            "crs_undetectable",
            f"{int(bad.sum())} of {n} coordinate pairs fit neither longitude/latitude in Great "
            f"Britain ({x_name} -8.7..1.8, {y_name} 49.8..60.9) nor British National Grid "
            f"({x_name} 0..700000, {y_name} 0..1300000): {x_name} runs "
            f"{np.min(x):g}..{np.max(x):g} and {y_name} {np.min(y):g}..{np.max(y):g}. Check the "
            "columns, or pass the CRS of the data, e.g. crs='EPSG:3857'.",
            n_rows=int(bad.sum()), rows=_first(bad, rows), column=f"{x_name}/{y_name}",
            file=file,
        ))
    if n_ll == 0 and n_bng == 0:
        raise CRSError(Problem(
            "crs_ambiguous",
            f"All {n_both} coordinate pairs fit both longitude/latitude in Great Britain and "
            f"British National Grid metres ({x_name} 0..1.8, {y_name} 49.8..60.9), so the "
            "coordinate system cannot be detected. They are most likely longitude/latitude "
            "(BNG eastings under 2 m would be at sea off Cornwall): pass crs='EPSG:4326', or "
            "crs='EPSG:27700' if they really are metres.",
            n_rows=n_both, column=f"{x_name}/{y_name}", file=file,
        ))
    if n_ll:
        reason = (f"{n_ll + n_both} of {n} coordinate pairs lie in the Great Britain "
                  "longitude/latitude box and none look like BNG metres")
        return WGS84, reason
    reason = (f"{n_bng + n_both} of {n} coordinate pairs lie in the British National Grid box "
              "and none look like longitude/latitude")
    return BNG, reason


def detect_crs(x: Any, y: Any, *, x_name: str = "x", y_name: str = "y", rows: Any = None,
               file: str | None = None) -> str:
    """Detect whether coordinates are WGS84 longitude/latitude or BNG easting/northing.

    Parameters
    ----------
    x, y : array-like of float
        The coordinate columns (NaN and ``(0, 0)`` pairs are ignored).
    x_name, y_name : str
        Column names used in the error messages.
    rows : array-like of int, optional
        Spreadsheet row numbers aligned with ``x``/``y`` for the messages (default:
        position + 2, i.e. a header in row 1).
    file : str, optional
        File name for the messages.

    Returns
    -------
    str
        :data:`WGS84` (``"EPSG:4326"``) or :data:`BNG` (``"EPSG:27700"``).

    Raises
    ------
    hotspots.errors.CRSError
        With code ``latlon_swapped`` when at least half of the pairs look like latitude in
        ``x`` and longitude in ``y``; ``crs_mixed`` when some rows can only be lon/lat and
        others only BNG; ``crs_ambiguous`` when every pair fits both; ``crs_undetectable``
        when fewer than half of the pairs fit either system (or there are none).

    Notes
    -----
    A pair "fits" lon/lat when ``-8.7 <= x <= 1.8`` and ``49.8 <= y <= 60.9``, and BNG when
    ``0 <= x <= 700000`` and ``0 <= y <= 1300000``; it fits both when ``0 <= x <= 1.8``
    (e.g. Norfolk in degrees). Pairs that would be valid degrees elsewhere in the world
    (``|x| <= 180``, ``|y| <= 90``, e.g. Paris) fit neither. When at least half of the pairs
    fit and they all point to one system, that system is returned (logged at INFO level);
    the rows that fit neither are left for the reader to reject as outside Great Britain.

    Examples
    --------
    >>> from hotspots.crs import detect_crs
    >>> detect_crs([-1.75, -1.80], [53.79, 53.80])
    'EPSG:4326'
    >>> detect_crs([416_500.0], [432_900.0])
    'EPSG:27700'
    """
    crs, reason = _detect(x, y, x_name=x_name, y_name=y_name, rows=rows, file=file)
    logger.info("coordinates detected as %s: %s", crs, reason)
    return crs


def check_declared_crs(x: Any, y: Any, crs: Any, *, x_name: str = "x", y_name: str = "y",
                       rows: Any = None, file: str | None = None) -> str:
    """Check that coordinates are plausible in the CRS the user declared.

    Parameters
    ----------
    x, y : array-like of float
        The coordinate columns (NaN and ``(0, 0)`` pairs are ignored).
    crs : str, int or pyproj.CRS
        The declared CRS.
    x_name, y_name, rows, file
        As in :func:`detect_crs`, for the messages.

    Returns
    -------
    str
        The declared CRS, normalised by :func:`normalise_crs`.

    Raises
    ------
    hotspots.errors.CRSError
        When a geographic CRS was declared but at least half of the pairs are latitude/longitude
        swapped (``latlon_swapped``) or look like BNG metres (``bng_as_lonlat``); when BNG
        was declared but at least half look like longitude/latitude (``lonlat_as_bng``).

    Notes
    -----
    Other projected CRSs are not checked here; readers still reject points that fall outside
    Great Britain once projected.

    Examples
    --------
    >>> from hotspots.crs import check_declared_crs
    >>> check_declared_crs([416_000.0, 417_000.0], [433_000.0, 434_000.0], 27700)
    'EPSG:27700'
    >>> check_declared_crs([-1.75], [53.79], 27700)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hotspots.errors.CRSError: ...
    """
    code = normalise_crs(crs)
    xs, ys, r = _prepare(x, y, rows)
    n = xs.size
    if n == 0:
        return code
    c = _classify(xs, ys)
    if is_geographic(code):
        if c["swapped"].sum() >= _MAJORITY * n:
            raise CRSError(_swapped_problem(xs, ys, r, c["swapped"], x_name, y_name, file))
        metres = (np.abs(xs) > 180) | (np.abs(ys) > 90)
        bng_like = metres & in_gb_bng(xs, ys)
        if bng_like.sum() >= _MAJORITY * n:
            raise CRSError(Problem(
                "bng_as_lonlat",
                f"crs={code} (longitude/latitude in degrees) was given, but {x_name} runs "
                f"{xs.min():g}..{xs.max():g} and {y_name} {ys.min():g}..{ys.max():g}: these are "
                "British National Grid easting/northing in metres. Pass crs='EPSG:27700' "
                "(or leave crs out to detect it).",
                n_rows=int(bng_like.sum()), rows=_first(bng_like, r),
                column=f"{x_name}/{y_name}", file=file,
            ))
    elif code == BNG:
        lonlat_like = c["degree_like"]
        if c["swapped"].sum() >= _MAJORITY * n:
            raise CRSError(Problem(
                "lonlat_as_bng",
                f"crs=EPSG:27700 (easting/northing in metres) was given, but {x_name} runs "
                f"{xs.min():g}..{xs.max():g} and {y_name} {ys.min():g}..{ys.max():g}: these "
                "look like latitude and longitude, swapped. Pass crs='EPSG:4326' and "
                f"x='{y_name}', y='{x_name}'.",
                n_rows=int(c["swapped"].sum()), rows=_first(c["swapped"], r),
                column=f"{x_name}/{y_name}", file=file,
            ))
        if lonlat_like.sum() >= _MAJORITY * n:
            raise CRSError(Problem(
                "lonlat_as_bng",
                f"crs=EPSG:27700 (easting/northing in metres) was given, but {x_name} runs "
                f"{xs.min():g}..{xs.max():g} and {y_name} {ys.min():g}..{ys.max():g}: these "
                "look like longitude/latitude in degrees. Pass crs='EPSG:4326' (or leave crs "
                "out to detect it).",
                n_rows=int(lonlat_like.sum()), rows=_first(lonlat_like, r),
                column=f"{x_name}/{y_name}", file=file,
            ))
    return code


def declared_crs_in_doubt(x: Any, y: Any, crs: Any) -> bool:
    """Tell whether :func:`check_declared_crs` could refuse rows that repeat these pairs.

    It counts pairs that look swapped or in the other system: if no given pair does, no
    repetition can reach its majority. Readers ask on the distinct locations and run the
    row-by-row check (with its row numbers) only on True.

    Parameters
    ----------
    x, y : array-like of float
        Coordinate pairs, typically the distinct ones of a table.
    crs : str, int or pyproj.CRS
        The declared CRS.

    Examples
    --------
    >>> declared_crs_in_doubt([-1.75], [53.79], "EPSG:4326")
    False
    >>> declared_crs_in_doubt([53.79], [-1.75], "EPSG:4326")  # latitude first
    True
    """
    code = normalise_crs(crs)
    xs, ys, _ = _prepare(x, y, None)
    swapped = _in_box(xs, ys, _SWAPPED_BOUNDS)
    if is_geographic(code):
        metres = (np.abs(xs) > 180) | (np.abs(ys) > 90)
        return bool(swapped.any() or (metres & in_gb_bng(xs, ys)).any())
    return code == BNG and bool(swapped.any() or _degree_like(xs, ys).any())
