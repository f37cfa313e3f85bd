"""Getis-Ord Gi* for areal units (wards, constituencies, LSOAs) and the area helpers.

Moved out of :mod:`hotspots.hotspot` (which re-exports :func:`area_gistar`) so that the grid
module stays small; :mod:`hotspots.hotspot_moran` uses the same table reading and weights.

Neighbours default to *fuzzy* contiguity: areas whose boundaries come within
:data:`FUZZY_TOLERANCE` metres of each other. Published boundaries are often simplified
(generalised) one polygon at a time, so neighbours no longer share vertices: queen contiguity
on ``bradford-lsoa-2011.geojson`` makes all 310 LSOAs islands (864 pairs lie within 5 m, none
touch), and Gi* of an island is only a z-score of its own count.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import (
    OneOf,
    Probability,
    check_in,
    check_positive,
    check_probability,
    current_verb,
    validate_params,
)
from hotspots.errors import Problem, ValidationError
from hotspots.grid.build import is_areaset
from hotspots.grid.crs_policy import check_metric_crs
from hotspots.hotspot._results import choose_permutations, finish, hot_cold_labels
from hotspots.stats.gistar import gi_bin, gistar_sparse
from hotspots.stats.multiple import PADJUST_METHODS, adjust_pvalues

__all__ = ["FUZZY_TOLERANCE", "area_gistar", "area_inputs", "area_weights"]

if TYPE_CHECKING:
    from scipy import sparse

logger = logging.getLogger(__name__)

#: Default distance (metres) within which two areas' boundaries make them neighbours.
FUZZY_TOLERANCE = 5.0


@validate_params({"p_adjust": OneOf(PADJUST_METHODS), "alpha": Probability()})
def area_gistar(
    counts_by_area: pd.DataFrame | pd.Series,
    areas: Any,
    *,
    level: str | None = None,
    contiguity: Literal["fuzzy", "queen"] | float = "fuzzy",
    tolerance: float = FUZZY_TOLERANCE,
    column: str = "n",
    p_adjust: str = "fdr_bh",
    alpha: float = 0.05,
    permutations: int | Literal["auto"] = 0,
    random_state: int | np.random.Generator | None = None,
) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* for areal units (wards, constituencies, LSOAs).

    Parameters
    ----------
    counts_by_area : pandas.DataFrame or pandas.Series
        Either an ``area_counts`` table (columns ``area_id`` and ``column``; rows without
        an area id, such as "Outside district" and "Unknown location", are left out and
        counted in ``attrs``), or a Series of values indexed by area id. Areas of the
        boundary missing from it count 0.
    areas : AreaSet or geopandas.GeoDataFrame
        Boundaries: an AreaSet (with ``level``) or a frame with ``area_id``, ``area_name``
        and polygons, in a projected CRS.
    level : str, optional
        Level of an AreaSet (default: its lowest level, e.g. ``"ward"``).
    contiguity : {"fuzzy", "queen"} or float
        Neighbours (see :func:`area_weights`): ``"fuzzy"`` (default), areas whose
        boundaries come within ``tolerance`` metres, which survives simplified boundaries
        whose neighbours do not share vertices; ``"queen"``, a shared edge or corner
        (libpysal ``Queen``); or a float, centroids within that many metres (libpysal
        ``DistanceBand``). Binary weights; the area itself is included. A warning names
        the areas left without a neighbour.
    tolerance : float
        Gap in metres bridged by fuzzy contiguity (default 5).
    column : str
        Column of the table holding the values (default ``"n"``).
    p_adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}
        Multiple-testing correction across areas.
    alpha : float
        Significance level of the ``hotspot`` label.
    permutations : int or "auto"
        0, or 99 to 99,999 conditional permutations (adds ``p_sim``, used for ``p_adj``);
        ``"auto"`` permutes 99,999 times for sparse or skewed values on snap points (see
        :func:`hotspots.hotspot.hotspot_gistar`).
    random_state : int, numpy.random.Generator or None
        Seed for the permutations (None: a fixed default seed, so runs repeat).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area in boundary order, RangeIndex: ``area_id``, ``area_name``,
        ``<column>`` (float64 value), ``gistar``, ``p_norm`` (two-sided), [``p_sim``],
        ``p_adj``, ``gi_bin`` (int8), ``n_neighbours`` (int64, the area itself excluded),
        ``hotspot`` (category "hot"/"cold"/"not significant"), ``geometry``.
        ``attrs["hotspots"]``: ``function``, ``level``, ``contiguity``, ``p_adjust``,
        ``alpha``, ``permutations``, ``inference_reason``, ``n_areas``, ``n_islands``,
        ``n_missing_areas``,
        ``n_rows_without_area``, ``value_without_area``, ``vintage``, ``version``.

    Raises
    ------
    hotspots.errors.ValidationError
        If the table names areas that are not in the boundaries, repeats an area, or holds
        non-numeric (e.g. suppressed "<5") values.

    Notes
    -----
    With few areas (Bradford has 30 wards) the normal approximation is rough and few areas
    can reach significance after FDR; permutations give a better-calibrated ``p_sim``.

    Examples
    --------
    >>> from hotspots.hotspot import area_gistar
    >>> import geopandas as gpd, shapely
    >>> boxes = [shapely.box(100 * i, 100 * j, 100 * i + 100, 100 * j + 100)
    ...          for j in range(4) for i in range(4)]
    >>> ids = list("abcdefghijklmnop")
    >>> wards = gpd.GeoDataFrame({"area_id": ids, "area_name": [i.upper() for i in ids]},
    ...                          geometry=boxes, crs=27700)
    >>> values = pd.Series(0, index=ids); values["f"] = 9
    >>> r = area_gistar(values, wards, p_adjust="none")
    >>> r.loc[[0, 5], ["n_neighbours", "gistar"]].round(4).to_numpy().tolist()
    [[3.0, 1.7321], [8.0, 0.8819]]
    """
    (frame, level, info, ids, values, w, islands, contiguity_text, perms, seed,
     inference_reason) = area_inputs(counts_by_area, areas, level, column, contiguity,
                                     tolerance, permutations, random_state, p_adjust, alpha)
    res = gistar_sparse(values, w, include_self=True, permutations=perms, random_state=seed)
    source = res.p_norm if res.p_sim is None else res.p_sim
    p_adj = adjust_pvalues(source, p_adjust)
    out = {
        schema.AREA_ID: ids.to_numpy(),
        schema.AREA_NAME: frame[schema.AREA_NAME].astype(str).to_numpy(),
        column: values,
        "gistar": res.z,
        "p_norm": res.p_norm,
    }
    if res.p_sim is not None:
        out["p_sim"] = res.p_sim
    out.update({
        "p_adj": p_adj,
        "gi_bin": gi_bin(res.z, source, method=p_adjust, adjusted=p_adj),
        "n_neighbours": res.n_neighbours.astype(np.int64),
        "hotspot": hot_cold_labels(res.z, p_adj, alpha),
    })
    result = gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    info.update({
        "level": level,
        "contiguity": contiguity_text,
        "p_adjust": p_adjust,
        "alpha": float(alpha),
        "permutations": int(res.permutations),
        "inference_reason": inference_reason,
        "random_state": seed if isinstance(seed, (int, np.integer)) and perms else None,
        "n_areas": len(frame),
        "n_islands": int(islands),
        "n_hot": int((out["hotspot"] == "hot").sum()),
        "n_cold": int((out["hotspot"] == "cold").sum()),
    })
    return finish(result, "area_gistar", info)


def area_inputs(counts_by_area: Any, areas: Any, level: str | None, column: str,
                contiguity: str | float, tolerance: float, permutations: Any,
                random_state: Any, p_adjust: str, alpha: float) -> tuple[Any, ...]:
    """Check and prepare what every area statistic needs (area_gistar, area_moran).

    Returns ``(frame, level, info, ids, values, w, islands, contiguity_text, permutations,
    seed, inference_reason)``: the level's areas, their ids as str, the values in area order,
    the weights and how they were built, and the inference chosen for ``values``.
    """
    # also checked here for callers that are not decorated verbs
    check_in("p_adjust", p_adjust, PADJUST_METHODS)
    check_probability("alpha", alpha)
    frame, level, info = area_frame(areas, level)
    ids = frame[schema.AREA_ID].astype(str)
    values, table_info = _area_values(counts_by_area, ids, column)
    info.update(table_info)
    w, islands, contiguity_text = area_weights(frame, contiguity, tolerance=tolerance)
    perms, seed, inference_reason = choose_permutations(permutations, values, random_state)
    return (frame, level, info, ids, values, w, islands, contiguity_text, perms, seed,
            inference_reason)


def area_frame(areas: Any, level: str | None, caller: str | None = None) -> tuple[
    gpd.GeoDataFrame, str | None, dict[str, Any]
]:
    """Return the checked polygons of ``areas`` (an AreaSet level or a frame), RangeIndex."""
    caller = caller or current_verb()
    info: dict[str, Any] = {}
    if is_areaset(areas):
        names = list(areas.level_names)
        if level is None:
            level = names[0]
        check_in("level", level, names, caller=caller)
        frame = areas[level]
        for key in ("name", "vintage"):
            value = getattr(areas, key, None)
            if value is not None:
                info["boundary" if key == "name" else key] = value
    elif isinstance(areas, gpd.GeoDataFrame):
        frame = areas
    else:
        raise TypeError(f"{caller}: areas must be an AreaSet or a GeoDataFrame; got "
                        f"{type(areas).__name__}.")
    missing_cols = [c for c in (schema.AREA_ID, schema.AREA_NAME) if c not in frame.columns]
    if missing_cols:
        raise ValidationError(Problem(
            "missing_column", f"{caller}: the areas lack column(s) {missing_cols}.",
            column=missing_cols[0],
        ))
    check_metric_crs(frame.crs, "areas")
    return frame.reset_index(drop=True), level, info


def _area_values(
    table: pd.DataFrame | pd.Series, ids: pd.Series, column: str
) -> tuple[np.ndarray, dict[str, Any]]:
    caller = current_verb()
    info: dict[str, Any] = {"n_rows_without_area": 0, "value_without_area": 0.0}
    if isinstance(table, pd.Series):
        keys = table.index.astype(str)
        raw = table
    elif isinstance(table, pd.DataFrame):
        if schema.AREA_ID not in table.columns or column not in table.columns:
            raise ValidationError(Problem(
                "missing_column",
                f"{caller}: the table needs columns '{schema.AREA_ID}' and '{column}'.",
                column=column if column not in table.columns else schema.AREA_ID,
            ))
        no_area = table[schema.AREA_ID].isna()
        if no_area.any():
            info["n_rows_without_area"] = int(no_area.sum())
            info["value_without_area"] = float(
                pd.to_numeric(table.loc[no_area, column], errors="coerce").fillna(0).sum()
            )
        kept = table.loc[~no_area]
        keys = kept[schema.AREA_ID].astype(str)
        raw = kept[column]
        raw.index = keys
    else:
        raise TypeError(f"{caller}: counts_by_area must be a DataFrame or a Series.")
    nums = pd.to_numeric(raw, errors="coerce")
    bad = nums.isna() | ~np.isfinite(nums.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        shown = ", ".join(f"{k}={v!r}" for k, v in list(raw[bad].items())[:3])
        raise ValidationError(Problem(
            "non_numeric_value",
            f"{caller}: {int(bad.sum())} areas have a missing or non-numeric value "
            f"({shown}); suppressed counts such as '<5' cannot be tested, use the counts "
            "before suppression.",
            n_rows=int(bad.sum()),
            column=column,
        ))
    if pd.Index(keys).has_duplicates:
        dup = pd.Index(keys)[pd.Index(keys).duplicated()].unique()[:3].tolist()
        raise ValidationError(Problem(
            "duplicate_area",
            f"{caller}: areas appear more than once ({dup}); filter the table to one group.",
        ))
    unknown = sorted(set(keys) - set(ids))
    if unknown:
        raise ValidationError(Problem(
            "unknown_area",
            f"{caller}: {len(unknown)} area ids are not in the boundaries (first: "
            f"{unknown[:3]}); check the level and the boundary vintage.",
            n_rows=len(unknown),
        ))
    series = pd.Series(nums.to_numpy(dtype=float), index=pd.Index(keys))
    values = np.array(series.reindex(ids.to_numpy()).to_numpy(dtype=float), copy=True)
    missing = np.isnan(values)
    info["n_missing_areas"] = int(missing.sum())
    if missing.any():
        logger.info("%s: %d areas are absent from the table and count 0", caller,
                    int(missing.sum()))
    values[missing] = 0.0
    return values, info


def area_weights(
    frame: gpd.GeoDataFrame,
    contiguity: str | float = "fuzzy",
    *,
    tolerance: float = FUZZY_TOLERANCE,
    caller: str | None = None,
) -> tuple[sparse.csr_array, int, str]:
    """Binary neighbour matrix of polygons (no self-weights), islands counted and warned.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Polygons in a projected CRS (metres), one row per area.
    contiguity : {"fuzzy", "queen"} or float
        ``"fuzzy"`` (default): areas whose boundaries are within ``tolerance`` metres of
        each other (touching included), found with shapely's ``dwithin`` through the
        spatial index; libpysal's ``fuzzy_contiguity(buffering=True)`` with a buffer of
        ``tolerance / 2`` gives the same pairs up to the polygonal approximation of its
        buffers. ``"queen"``: a shared edge or corner (libpysal ``Queen``), exact only when
        neighbours share vertices. A float: centroids within that many metres (libpysal
        ``DistanceBand``).
    tolerance : float
        Gap in metres bridged by ``"fuzzy"``.
    caller : str, optional
        Verb named in messages; default the running verb (or ``area_weights``).

    Returns
    -------
    weights : scipy.sparse.csr_array
        n x n binary matrix with a zero diagonal.
    n_islands : int
        Areas with no neighbour. A ``UserWarning`` names them when there are any: their
        local statistic compares the area with the whole district only.
    description : str
        The rule used, for ``attrs``.

    Examples
    --------
    >>> import shapely
    >>> boxes = [shapely.box(0, 0, 10, 10), shapely.box(12, 0, 20, 10)]  # a 2 m gap
    >>> f = gpd.GeoDataFrame({"area_id": ["a", "b"]}, geometry=boxes, crs=27700)
    >>> w, islands, text = area_weights(f)
    >>> w.toarray().tolist(), islands, text
    ([[0.0, 1.0], [1.0, 0.0]], 0, 'fuzzy contiguity: boundaries within 5 m')
    """
    import libpysal  # lazy: heavy import, only needed for areal units
    from scipy import sparse  # lazy too: ~20 ms, and the grid verbs never use it

    caller = caller or current_verb("area_weights")

    n = len(frame)
    if isinstance(contiguity, str):
        check_in("contiguity", contiguity, ("fuzzy", "queen"), caller=caller)
        if contiguity == "fuzzy":
            tol = check_positive("tolerance", tolerance, caller=caller)
            geoms = frame.geometry.to_numpy()
            left, right = frame.sindex.query(geoms, predicate="dwithin", distance=float(tol))
            keep = left != right
            mat = sparse.csr_array(
                (np.ones(int(keep.sum())), (left[keep], right[keep])), shape=(n, n)
            )
            mat.sum_duplicates()
            mat.data[:] = 1.0
            text = f"fuzzy contiguity: boundaries within {tol:g} m"
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # libpysal warns about islands; we do below
                w = libpysal.weights.Queen.from_dataframe(frame, use_index=False,
                                                          silence_warnings=True)
            mat = w.sparse.tocsr()
            text = "queen"
    else:
        d = check_positive("contiguity", contiguity, caller=caller)
        cent = frame.geometry.centroid
        xy = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = libpysal.weights.DistanceBand(xy, threshold=float(d), binary=True,
                                              silence_warnings=True)
        mat = w.sparse.tocsr()
        text = f"distance band {d:g} m between centroids"
    mat = sparse.csr_array(mat, dtype=float)
    island_rows = np.flatnonzero(np.diff(mat.indptr) == 0)
    if island_rows.size:
        names = frame.iloc[island_rows[:3]]
        shown = ", ".join(str(v) for v in (names[schema.AREA_ID] if schema.AREA_ID in names
                                           else island_rows[:3]))
        advice = ("use contiguity='fuzzy' with a larger tolerance, or a distance band"
                  if text != "queen" else "use contiguity='fuzzy' (simplified boundaries "
                  "rarely share vertices) or a distance band")
        warnings.warn(
            f"{caller}: {island_rows.size} of {n} areas have no neighbour under {text} "
            f"(first: {shown}); their statistic only compares each with the whole "
            f"district. To give them neighbours {advice}.",
            UserWarning,
            stacklevel=3,
        )
        logger.info("%s: %d areas have no neighbour (islands)", caller, island_rows.size)
    return mat, int(island_rows.size), text
