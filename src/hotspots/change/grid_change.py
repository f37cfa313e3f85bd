"""Counts before and after on one grid: :func:`hotspot_change` (sfhotspot's ``hotspot_change``).

For tests of whether a change is more than chance see :func:`hotspots.change.compare_periods`
(areas) and :func:`hotspots.change.classify.hotspot_classify` (cells over many periods).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import OneOf, current_verb, rename_keyword, validate_params
from hotspots.change._common import (
    count_on,
    dated,
    grid_choices,
    grid_for,
    grid_output,
    resolve_periods,
)
from hotspots.periods import PeriodLike

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["hotspot_change"]

logger = logging.getLogger(__name__)


@rename_keyword("boundary", "split_at")
@validate_params({"grid_type": OneOf(("square", "hex"))})
def hotspot_change(
    incidents: gpd.GeoDataFrame,
    *,
    before: PeriodLike | None = None,
    after: PeriodLike | None = None,
    split_at: Any = None,
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    time: str = schema.OCCURRED,
) -> gpd.GeoDataFrame:
    """Count incidents before and after on one grid (sfhotspot's ``hotspot_change``).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres).
    before, after : period, optional
        Two periods (as in :func:`compare_periods`). When omitted, the data are split at
        ``split_at``.
    split_at : date-like, optional
        Split instant: before is ``t < split_at``, after ``t >= split_at`` (half-open, as
        sfhotspot's ``boundary``). Default: the midpoint of the earliest and latest dates,
        ``min + (max - min) / 2``. Not allowed together with ``before``/``after``.
        Called ``boundary`` before 0.2.0 (in this library a boundary is a polygon); the old
        name still works for one release, with a FutureWarning.
    cell_size, grid_type, grid, clip
        The grid, as in :func:`hotspots.hotspot.hotspot_count`; one grid is built from
        all the incidents used and both periods are counted on it.
    time : str
        Column of incident dates.

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns (``cell_id, x, y, inside, [<level>_id, <level>]``), then:

        ==============  =======  ====================================================
        ``n_before``    int64    incidents in the cell in the first period
        ``n_after``     int64    incidents in the cell in the second period
        ``change``      int64    ``n_after - n_before``
        ``geometry``             cell polygon
        ==============  =======  ====================================================

        ``attrs["hotspots"]``: ``function``, ``split`` ("boundary": split at one instant,
        or "periods"), ``split_at`` (ISO time) and ``split_at_reason``, or
        ``before``/``after`` labels, ``n_before``, ``n_after``, ``n_no_date``, and the
        grid's ``cell_size``, ``cell_size_reason``, ``grid_type`` (and ``boundary``,
        ``vintage`` for an AreaSet clip).

    Raises
    ------
    ValueError
        When both ``split_at`` and periods are given, only one period is given, the
        periods overlap, or there is no dated incident.

    Notes
    -----
    Unlike sfhotspot, an incident on an edge shared by two cells is counted once (see
    :func:`hotspots.hotspot.hotspot_count`). For tests of whether a change is more than
    chance use :func:`compare_periods` (areas) or
    :func:`hotspots.change.classify.hotspot_classify` (cells over many periods).

    Examples
    --------
    >>> from hotspots import hotspot_change, load_boundaries, simulate_incidents
    >>> areas = load_boundaries("bradford-2013")
    >>> incidents = simulate_incidents(areas, n_before=300, n_after=200, seed=1)
    >>> change = hotspot_change(incidents, before="2017/18", after="2018/19",
    ...                         cell_size=2000, clip=areas)
    >>> int(change["n_before"].sum()), int(change["n_after"].sum())
    (249, 166)
    >>> change.columns.tolist()[-4:]
    ['n_before', 'n_after', 'change', 'geometry']
    >>> change.attrs["hotspots"]["split"], change.attrs["hotspots"]["cell_size"]
    ('periods', 2000.0)
    """
    times = dated(incidents, time)
    if before is not None or after is not None:
        m_b, m_a, info = _period_masks(times, before, after, split_at)
    else:
        m_b, m_a, info = _split_masks(times, split_at, time)
    used = incidents[m_b | m_a]
    g = grid_for(used, grid=grid, cell_size=cell_size, grid_type=grid_type, clip=clip)
    nb = count_on(incidents[m_b], g)
    na = count_on(incidents[m_a], g)
    out = grid_output(g, {"n_before": nb, "n_after": na, "change": na - nb})
    info.update(grid_choices(g))
    info.update(n_before=int(m_b.sum()), n_after=int(m_a.sum()),
                n_no_date=int(times.isna().sum()))
    out.attrs = {"hotspots": info}
    return out


def _period_masks(times: pd.Series, before: PeriodLike | None, after: PeriodLike | None,
                  split_at: Any) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Incidents in ``before`` and in ``after`` (both must be given, without ``split_at``)."""
    verb = current_verb()
    if before is None or after is None:
        raise ValueError(f"Give both 'before' and 'after' to {verb}, or neither (then the "
                         "data are split at 'split_at').")
    if split_at is not None:
        raise ValueError(f"Give either 'split_at' or 'before'/'after' to {verb}, not both.")
    pb, pa = resolve_periods(before, after)
    info = {"function": "hotspot_change", "split": "periods", "before": pb.label,
            "after": pa.label}
    return pb.contains(times), pa.contains(times), info


def _split_masks(times: pd.Series, split_at: Any, time: str
                 ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Incidents before and from one instant (given, or the midpoint of the dates)."""
    valid = times.dropna()
    if valid.empty:
        raise ValueError(f"{current_verb()}: no incident has a date in column {time!r}.")
    if split_at is None:
        b = valid.min() + (valid.max() - valid.min()) / 2
        logger.info("hotspot_change: split_at set to the time midpoint %s", b)
        reason = "automatic: midpoint of the earliest and latest dates (sfhotspot)"
    else:
        b = pd.Timestamp(split_at)
        reason = "given"
    # "split": "boundary" is the recorded value since 0.1 (read by the CLI labels): kept
    info = {"function": "hotspot_change", "split": "boundary", "split_at": b.isoformat(),
            "split_at_reason": reason}
    return ((times < b).to_numpy(dtype=bool), (times >= b).to_numpy(dtype=bool), info)
