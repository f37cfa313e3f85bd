"""What a public map may show: the checks every builder runs in ``mode="public"``.

A public map is read by anyone, alongside every other public output. So public mode never
trusts a ``suppressed`` column or a suppression stamp in ``attrs``: it looks at the numbers it
is about to write and refuses (:class:`~hotspots.errors.PublicModeError`) when one of them is
a count from 1 to ``k - 1``. The rules:

- **Grid cells are at least** :data:`PUBLIC_MIN_CELL_M` **(100 m) across.** police.uk snaps
  crimes to a few points per street; a 34 m cell holds one or two of those points, so its count
  or hot spot class describes a handful of addresses. Finer grids are refused with a message
  that says which cell size to use.
- **Gi* and KDE maps show the class only** (hot spot 99/95/90%, cold spot, or the density
  band of the legend): no count, z-score, p-value or density value is written into the page.
- **Tables are re-checked**: a table whose visible counts include one from 1 to ``k - 1`` is
  refused, whatever its stamp says; a table with no hidden cell at all is suppressed here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots._params import current_verb
from hotspots.errors import PublicModeError

logger = logging.getLogger(__name__)

__all__ = [
    "PUBLIC_MIN_CELL_M",
    "cell_size_of",
    "check_cell_size",
    "hidden_cells",
    "protect_table",
]

#: Smallest grid cell (square side, or hexagon width across the flats, in metres) a public
#: map may draw. At 100 m a cell covers several snap points of police.uk's anonymised map.
PUBLIC_MIN_CELL_M = 100.0


def cell_size_of(frame: Any, record: dict[str, Any] | None = None) -> float | None:
    """Size of a grid's cells in metres: the smaller of the recorded and the drawn size.

    The recorded size is ``attrs["hotspots"]["cell_size"]``; the drawn size is the 90th
    percentile, over cells, of the shorter side of each cell's bounding box in a projected
    CRS (a square's side, a pointy-topped hexagon's width). Cells cut by the boundary are
    smaller, so a high percentile is used rather than the median; the smaller of the two sizes
    is returned so that neither a wrong record nor a few large cells can pass a fine grid.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Polygons of a grid.
    record : dict, optional
        The frame's ``attrs["hotspots"]``.

    Returns
    -------
    float or None
        None when the frame holds no polygons.
    """
    sizes = []
    recorded = (record or {}).get("cell_size")
    if recorded is not None and np.isfinite(float(recorded)):
        sizes.append(float(recorded))
    geoms = frame.geometry
    geoms = geoms[~(geoms.isna() | geoms.is_empty)]
    geoms = geoms[geoms.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(geoms):
        if geoms.crs is not None and not geoms.crs.is_projected:
            geoms = geoms.to_crs(geoms.estimate_utm_crs())
        b = geoms.bounds
        extent = np.minimum(b["maxx"] - b["minx"], b["maxy"] - b["miny"]).to_numpy()
        sizes.append(float(np.percentile(extent, 90)))
    return min(sizes) if sizes else None


def check_cell_size(frame: Any, record: dict[str, Any], caller: str | None = None,
                    minimum: float = PUBLIC_MIN_CELL_M) -> None:
    """Refuse a public map of grid cells finer than ``minimum`` metres.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The grid about to be drawn.
    record : dict
        Its ``attrs["hotspots"]``.
    caller : str, optional
        The builder's name, for the message.
    minimum : float
        Smallest cell size allowed (default :data:`PUBLIC_MIN_CELL_M`).

    Raises
    ------
    PublicModeError
        When the cells are smaller than ``minimum``.
    """
    caller = caller or current_verb()
    size = cell_size_of(frame, record)
    if size is None or size >= minimum * (1 - 1e-9):
        return
    raise PublicModeError(
        f"{caller}: a public map cannot draw cells of {size:.0f} m; the smallest allowed is "
        f"{minimum:.0f} m (a smaller cell describes a few addresses). Recompute the grid with "
        f"cell_size={minimum:.0f} or more, e.g. hotspot_gistar(incidents, "
        f"cell_size={minimum:.0f}, clip=areas), or use mode='restricted' for an analyst's map."
    )


def _is_marker(value: Any) -> bool:
    """Tell a suppression marker such as ``"<5"`` or ``"[c]"`` (text that is no number)."""
    if not isinstance(value, str):
        return False
    try:
        float(value.replace(",", ""))
    except ValueError:
        return True
    return False


def hidden_cells(table: pd.DataFrame, column: str) -> np.ndarray:
    """Rows whose ``column`` is hidden: a marker in the column or in its display column.

    Two layouts of a suppressed table are understood: counts replaced by markers (``"<5"``,
    ``"[c]"``) in an object column, and a numeric column with ``<NA>`` where hidden beside a
    display column (``n_display``) holding the markers.

    Parameters
    ----------
    table : pandas.DataFrame
    column : str

    Returns
    -------
    numpy.ndarray of bool
    """
    hidden = table[column].map(_is_marker).to_numpy(dtype=bool)
    display = f"{column}_display"
    if display in table.columns:
        hidden |= table[display].map(_is_marker).to_numpy(dtype=bool)
    return hidden


#: Columns that describe an area rather than count in it: shown for hidden rows too.
_DESCRIPTIVE = frozenset({"area_id", "area_name", "population", "level", "geometry",
                          "suppressed"})


def _with_display(table: pd.DataFrame) -> pd.DataFrame:
    """Fold ``<col>_display`` columns into ``<col>``: the marker where hidden, else the value."""
    out = table.copy()
    for column in list(out.columns):
        display = f"{column}_display"
        if display not in out.columns:
            continue
        marker = out[display].map(_is_marker).to_numpy(dtype=bool)
        if marker.any():
            values = out[column].astype(object).to_numpy().copy()
            values[marker] = out[display].to_numpy(dtype=object)[marker]
            out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def protect_table(table: pd.DataFrame, k: int, caller: str | None = None,
                  count_columns: Sequence[str] = ("n",)) -> pd.DataFrame:
    """Work out the table a public map may draw from its numbers alone.

    - No count hidden (a raw table, whatever its ``suppressed`` column or stamp says): it is
      suppressed here with :func:`hotspots.privacy.suppress` at ``k``.
    - Some counts hidden: it is refused if a count from 1 to ``k - 1`` is visible, or a
      hidden count can be worked out from a share (:func:`hotspots.privacy.check_public`);
      otherwise every value of a row with a hidden count,
      other than the area's name, code and population, is shown as ``"[c]"`` (a share or
      rate left beside a hidden count would give it back).

    Parameters
    ----------
    table : pandas.DataFrame
        An area table, suppressed or not (both layouts of :func:`hidden_cells`).
    k : int
        Smallest count a public output may show.
    caller : str, optional
        The builder's name, for messages.
    count_columns : sequence of str
        The count columns (those absent are skipped).

    Returns
    -------
    pandas.DataFrame
        Counts and derived values as numbers or marker strings, with
        ``attrs["hotspots"]["suppression"]`` describing what was done (``k`` at least).

    Raises
    ------
    PublicModeError
        When a count from 1 to ``k - 1`` is visible, or a hidden count can be worked out.
    """
    # privacy brings its audit (an LP solver): loaded only when an area table is protected,
    # not with every map (a hot spot map never needs it)
    from hotspots.privacy import SUPPRESSED, check_public, suppress

    caller = caller or current_verb()
    counts = [c for c in count_columns if c in table.columns]
    if not counts:
        raise PublicModeError(
            f"{caller}: a public map needs the counts behind the values "
            f"({', '.join(count_columns)}) to protect small numbers; keep the count column."
        )
    if not _hidden_rows(table, counts).any():

        raw = table.drop(columns=[c for c in table.columns
                                  if str(c).endswith("_display") or c == "suppressed"])
        record = dict(raw.attrs.get("hotspots", {}))
        stamp = record.pop("suppression", None)
        raw.attrs = {**raw.attrs, "hotspots": record}
        if stamp is not None:
            # A stamp on a table that shows every count says nothing we can rely on.
            logger.info("%s: the table carries a %r suppression stamp but shows every count; "
                        "suppressing it again with k=%d", caller, stamp.get("mode"), k)
        table = suppress(raw, k=k, count_columns=counts)
    hidden = _hidden_rows(table, counts)
    out = _with_display(table)
    check_public(out, k, count_columns=counts,
                 share_column="share" if "share" in out.columns else None, caller=caller)
    for column in out.columns:
        if column in _DESCRIPTIVE or column in counts or str(column).endswith("_display"):
            continue
        values = out[column].astype(object).to_numpy().copy()
        values[hidden] = SUPPRESSED
        out[column] = pd.Series(values, index=out.index, dtype=object)
    out = out.drop(columns=[c for c in out.columns if str(c).endswith("_display")])
    record = dict(out.attrs.get("hotspots", {}))
    stamp = dict(record.get("suppression") or {})
    stamp["k"] = max(int(stamp.get("k", k)), k)
    record["suppression"] = stamp
    out.attrs = {**out.attrs, "hotspots": record}
    return out


def _hidden_rows(table: pd.DataFrame, counts: Sequence[str]) -> np.ndarray:
    hidden = np.zeros(len(table), dtype=bool)
    for column in counts:
        hidden |= hidden_cells(table, column)
    return hidden
