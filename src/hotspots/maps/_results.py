"""What a map builder reads from the results it is given: attrs, columns, CRS, mode checks.

Every ``explore_*`` builder starts here: the ``attrs["hotspots"]`` record of its input, the
boundaries found there, the data period, and the checks that refuse an input a map cannot
draw (no CRS, a missing column, points on a public map). Messages name the verb the user
called (:func:`hotspots._params.current_verb`), so no caller's name is passed down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hotspots._params import check_in, current_verb
from hotspots.errors import PublicModeError

MODES = ("public", "restricted")


def check_mode(mode: str, caller: str | None = None) -> str:
    """Check ``mode`` is ``"public"`` or ``"restricted"`` (message names the running verb)."""
    return check_in("mode", mode, MODES, caller=caller)


def hotspots_attrs(obj: Any) -> dict[str, Any]:
    """Return the ``attrs["hotspots"]`` record of a result, or an empty dict.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n": [1]})
    >>> t.attrs["hotspots"] = {"vintage": "2013"}
    >>> hotspots_attrs(t), hotspots_attrs(None)
    ({'vintage': '2013'}, {})
    """
    attrs = getattr(obj, "attrs", None)
    if isinstance(attrs, Mapping):
        record = attrs.get("hotspots")
        if isinstance(record, Mapping):
            return dict(record)
    return {}


def _is_area_set(obj: Any) -> bool:
    return hasattr(obj, "level_names") and hasattr(obj, "__getitem__")


def find_areas(areas: Any, *results: Any) -> Any:
    """Return the boundaries to outline: ``areas`` if given, else an AreaSet in attrs."""
    if areas is not None:
        return areas
    for result in results:
        record = hotspots_attrs(result)
        for key in ("areas", "area_set", "clip"):
            if _is_area_set(record.get(key)):
                return record[key]
    return None


def describe_period(*records: Mapping[str, Any]) -> str | None:
    """Describe the data period recorded in results' attrs, e.g. ``"2018-01 to 2018-12"``."""
    for record in records:
        for key in ("period", "period_label", "periods", "window"):
            value = record.get(key)
            if value is None:
                continue
            label = getattr(value, "label", None)
            if label:
                return str(label)
            if isinstance(value, Mapping) and "label" in value:
                return str(value["label"])
            return str(value)
        start = record.get("start", record.get("period_start"))
        end = record.get("end", record.get("period_end"))
        if start is not None and end is not None:
            return f"{start} to {end}"
        before, after = record.get("before"), record.get("after")
        if before is not None and after is not None:
            return f"{getattr(before, 'label', before)} vs {getattr(after, 'label', after)}"
    return None

def select_columns(frame: Any, columns: Iterable[str]) -> Any:
    """Copy of ``frame`` with only ``columns`` (once each, in order) and the geometry.

    What is not selected cannot reach the page.
    """
    return frame[[*dict.fromkeys(columns), "geometry"]].copy()

def require_columns(frame: Any, columns: Iterable[str], caller: str | None = None) -> None:
    """Raise a ValueError naming the missing columns and the ones present."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{caller or current_verb()}: the result has no column "
            f"{', '.join(repr(c) for c in missing)}; "
            f"columns present: {', '.join(map(str, frame.columns))}"
        )


def to_frame_crs(frame: Any) -> Any:
    """Check ``frame`` is a GeoDataFrame with a CRS (maps need to know where things are)."""
    import geopandas as gpd  # lazy: heavy, only when a map is drawn

    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"expected a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise ValueError(
            "the frame has no CRS; set it (e.g. frame.set_crs('EPSG:27700')) before mapping"
        )
    return frame

def refuse_points(frame: Any, mode: str, caller: str | None = None) -> None:
    """Raise PublicModeError if a public map would draw point features (incident locations).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        What is about to be drawn.
    mode : str
        ``"public"`` or ``"restricted"``.
    caller : str, optional
        The builder's name, for the message; default the verb running.

    Raises
    ------
    PublicModeError
        In public mode, when any geometry is a point or multipoint.
    """
    if mode != "public" or len(frame) == 0:
        return
    kinds = set(frame.geometry.geom_type.dropna().unique())
    if kinds & {"Point", "MultiPoint"}:
        raise PublicModeError(
            f"{caller or current_verb()}: a public map cannot show points (incident "
            "locations); map an aggregate instead (a grid from hotspot_count or an area "
            "table), or use mode='restricted' for an analyst's map."
        )
