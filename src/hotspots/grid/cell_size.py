"""Automatic cell size: sfhotspot's rule, and its rounding to a size people quote."""

from __future__ import annotations

import math

from hotspots.nice import nice_length

__all__ = ["cell_size_auto", "readable_cell_size"]


def cell_size_auto(bounds: tuple[float, float, float, float], *, what: str = "data") -> tuple[
    float, str
]:
    """Cell size chosen as sfhotspot's ``set_cell_size`` does, with the reason.

    The shorter side of the bounding box is divided into 50 cells and the size is rounded
    down to a multiple of 100 m; when that gives 0 (a side shorter than 5 km) the size is
    ``side / 50`` unrounded.

    Parameters
    ----------
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in metres.
    what : str
        What the box belongs to, for the reason text (e.g. ``"the boundary"``).

    Returns
    -------
    tuple
        ``(cell_size, reason)``.

    Raises
    ------
    ValueError
        If the box has zero width or height.

    Examples
    --------
    >>> from hotspots.grid import cell_size_auto
    >>> cell_size_auto((0, 0, 20_000, 15_000))[0], cell_size_auto((0, 0, 4_000, 4_000))[0]
    (300.0, 80.0)
    """
    minx, miny, maxx, maxy = bounds
    side = min(maxx - minx, maxy - miny)
    if not side > 0 or not math.isfinite(side):
        raise ValueError(
            f"Cannot choose a cell size automatically: the bounding box of {what} has zero "
            "width or height (a single location?). Pass cell_size explicitly."
        )
    hundreds = math.floor(side / 50 / 100)
    if hundreds > 0:
        size = float(hundreds * 100)
        reason = (
            f"automatic: 50 cells on the shorter side ({side:,.0f} m) of the bounding box of "
            f"{what}, rounded down to a multiple of 100 m (sfhotspot rule)"
        )
    else:
        size = float(side / 50)
        reason = (
            f"automatic: the shorter side ({side:,.0f} m) of the bounding box of {what} "
            "divided by 50 (under 100 m, so not rounded to 100 m; sfhotspot rule)"
        )
    return size, reason


def readable_cell_size(rule_size: float, reason: str) -> tuple[float, str]:
    """Round an automatic cell size to a readable value, saying so in the reason.

    Multiples of 100 m (the sfhotspot rule on districts over 5 km) are already readable and
    kept; below that the rule's ``side / 50`` is rounded with :func:`hotspots.nice.nice_length`.
    """
    if rule_size >= 100 and float(rule_size).is_integer() and rule_size % 100 == 0:
        return float(rule_size), reason
    size = nice_length(rule_size)
    return size, f"{reason}; rounded from {rule_size:.1f} m to a readable {size:g} m"
