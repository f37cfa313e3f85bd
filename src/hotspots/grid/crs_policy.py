"""The grid's CRS rule: projected, in metres, not Web Mercator, and one CRS on both sides.

Cell sizes and neighbour distances are lengths, so a grid is built only in a projected CRS
whose unit is the metre; Web Mercator is refused because its "metres" are stretched by
1/cos(latitude) (about 1.6 in Britain).
"""

from __future__ import annotations

from typing import Any

from pyproj import CRS

from hotspots.errors import CRSError, Problem

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
    hotspots.errors.CRSError: the incidents is in EPSG:4326 (longitude/latitude in degrees), ...
    """
    if crs is None:
        raise CRSError(Problem(
            "missing_crs",
            f"{name} has no coordinate reference system. Set it first, e.g. "
            f"{name}.set_crs('EPSG:27700').",
        ))
    c = CRS.from_user_input(crs)
    unit = c.axis_info[0].unit_name if c.axis_info else ""
    # the variable a user would hold, for the suggested fix ("the incidents" -> incidents)
    var = name.removeprefix("the ").replace(" ", "_")
    if not c.is_projected or unit not in ("metre", "meter"):
        kind = "longitude/latitude in degrees" if c.is_geographic else "not metres"
        raise CRSError(Problem(
            "not_projected",
            f"{name} is in {c.to_string()} ({kind}), not a projected CRS in metres: grid "
            f"cells and distances would be wrong. Reproject first, e.g. "
            f"{var}.to_crs('EPSG:27700').",
        ))
    if is_web_mercator(c):
        # "metres" on paper, but stretched by 1/cos(latitude): about 1.6 in Britain, so a
        # 250 m cell would really be about 150 m across
        raise CRSError(Problem(
            "web_mercator",
            f"{name} is in {c.to_string()} (Web Mercator), whose metres are stretched by "
            "1/cos(latitude), about 1.6 in Britain, so cell sizes and distances would be "
            f"wrong. Reproject first, e.g. {var}.to_crs('EPSG:27700').",
        ))


def is_web_mercator(c: CRS) -> bool:
    """Whether ``c`` is (pseudo) Web Mercator, whose metres are stretched."""
    op = c.coordinate_operation
    method = op.method_name if op is not None else ""
    return "pseudo mercator" in method.lower() or c.to_epsg() in (3857, 900913)


def same_crs(a: Any, b: Any, name_a: str, name_b: str) -> None:
    """Raise :class:`~hotspots.errors.CRSError` when two known CRSs differ (None passes)."""
    if a is not None and b is not None and CRS.from_user_input(a) != CRS.from_user_input(b):
        raise CRSError(Problem(
            "crs_mismatch",
            f"{name_a} is in {CRS.from_user_input(a).to_string()} but {name_b} is in "
            f"{CRS.from_user_input(b).to_string()}. Use to_crs() to reproject one of them.",
        ))
