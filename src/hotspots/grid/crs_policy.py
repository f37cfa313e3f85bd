"""The grid's CRS rule (the package's one rule, :mod:`hotspots.located`) and one CRS on both sides.

Cell sizes and neighbour distances are lengths, so a grid is built only in a projected CRS
whose unit is the metre; Web Mercator is refused because its "metres" are stretched by
1/cos(latitude) (about 1.6 in Britain).
"""

from __future__ import annotations

from typing import Any

from pyproj import CRS

from hotspots.errors import CRSError, Problem
from hotspots.located import check_measurable_crs, is_web_mercator

__all__ = ["check_metric_crs", "is_web_mercator", "same_crs"]


def check_metric_crs(crs: Any, name: str) -> None:
    """Raise :class:`~hotspots.errors.CRSError` unless ``crs`` is projected, in metres.

    Parameters
    ----------
    crs : Any
        Anything :class:`pyproj.CRS` accepts, or None (an error: no CRS).
    name : str
        What holds the CRS, for the message (e.g. ``"the incidents"``, ``"clip"``).

    Examples
    --------
    >>> check_metric_crs("EPSG:27700", "the incidents")
    >>> check_metric_crs("EPSG:4326", "the incidents")
    Traceback (most recent call last):
    ...
    hotspots.errors.CRSError: The CRS of incidents is EPSG:4326 (longitude/latitude in degrees)...
    """
    # one CRS rule for the whole package (hotspots.located); "the incidents" -> incidents, the
    # variable a user would hold, for the suggested fix
    check_measurable_crs(crs, name.removeprefix("the ").replace(" ", "_"))


def same_crs(a: Any, b: Any, name_a: str, name_b: str) -> None:
    """Raise :class:`~hotspots.errors.CRSError` when two known CRSs differ (None passes)."""
    if a is not None and b is not None and CRS.from_user_input(a) != CRS.from_user_input(b):
        raise CRSError(Problem(
            "crs_mismatch",
            f"{name_a} is in {CRS.from_user_input(a).to_string()} but {name_b} is in "
            f"{CRS.from_user_input(b).to_string()}. Use to_crs() to reproject one of them.",
        ))
