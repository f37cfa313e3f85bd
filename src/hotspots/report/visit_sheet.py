"""Printable HTML visit sheets, one per operation of a :class:`~hotspots.premises.VisitPlan`.

Each sheet fits an A4 landscape page: the operation's agencies, the time window when its
linked incidents happen, the route as a small map, and a table of visits with blank columns
for the officers to fill in (visited, outcome, notes), which is the visit log that feeds
the next ranking.

The map is a static SVG drawn from the plan's coordinates, not a web map: it prints, it
needs no network, no tiles and no JavaScript, so a sheet opens the same on a locked-down
laptop or on paper. Link the interactive :func:`hotspots.maps.explore_premises` map with
``map_href=``.

Every text that comes from data (names, addresses, reasons) goes through Jinja2 with
autoescaping on, so a premises called ``<script>alert(1)</script>`` is printed, never run.
jinja2 is imported only when a sheet is rendered.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots.io.atomic import atomic_write_text
from hotspots.premises.inspection import inspection_text

__all__ = ["render_visit_sheets", "route_svg", "write_visit_sheets"]

logger = logging.getLogger(__name__)

TEMPLATE = "visit_sheet.html.j2"
#: Default protective marking printed at the top and bottom of every sheet.
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
_SVG_SIZE = (440, 230)  # wide and short: the page is for the table of visits
_SVG_PAD = 36
_NICE_LENGTHS = (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


def _template() -> Any:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    text = resources.files("hotspots").joinpath("templates", TEMPLATE).read_text(
        encoding="utf-8")
    return env.from_string(text)


def route_svg(xy: np.ndarray, names: Sequence[str], *,
              size: tuple[int, int] = _SVG_SIZE) -> dict[str, Any] | None:
    """Lay out a route for the SVG map: pixel positions, the polyline and a scale bar.

    Parameters
    ----------
    xy : numpy.ndarray
        Coordinates in metres (projected CRS), shape ``(n, 2)``, in visit order; NaN rows
        (unknown locations) are left out.
    names : sequence of str
        Premises names in the same order (labels; escaped by the template).
    size : (int, int)
        Width and height in pixels.

    Returns
    -------
    dict or None
        ``width``, ``height``, ``points`` (dicts with ``x``, ``y``, ``order``, ``name``,
        ``label``, ``label_x``, ``anchor``), ``path`` (the polyline's points attribute),
        ``scale_px`` and ``scale_label``; ``None`` when no point has a location. North is
        up and both axes share one scale.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    ok = np.isfinite(xy).all(axis=1)
    if not ok.any():
        return None
    width, height = size
    pts = xy[ok]
    lo = pts.min(axis=0)
    hi = pts.max(axis=0)
    extent = np.maximum(hi - lo, 50.0)  # at least 50 m across, so one premises has a scale
    centre = (lo + hi) / 2
    scale = min((width - 2 * _SVG_PAD) / extent[0], (height - 2 * _SVG_PAD) / extent[1])
    px = width / 2 + (xy[:, 0] - centre[0]) * scale
    py = height / 2 - (xy[:, 1] - centre[1]) * scale  # SVG y grows downwards
    points = []
    for k in np.flatnonzero(ok):
        name = str(names[k])  # type: ignore[call-overload]  # numpy int as a sequence index
        right_half = px[k] > width / 2
        points.append({"x": round(float(px[k]), 1), "y": round(float(py[k]), 1),
                       "order": int(k) + 1, "name": name,
                       "label": name if len(name) <= 24 else name[:23] + "…",
                       # labels point inwards so that they stay inside the frame
                       "label_x": round(float(px[k]) + (-12 if right_half else 12), 1),
                       "anchor": "end" if right_half else "start"})
    path = " ".join(f"{p['x']},{p['y']}" for p in points) if len(points) > 1 else ""
    target = (width / 4) / scale  # a bar about a quarter of the width
    metres = max([m for m in _NICE_LENGTHS if m <= target] or [_NICE_LENGTHS[0]])
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m"
    return {"width": width, "height": height, "points": points, "path": path,
            "scale_px": round(metres * scale, 1), "scale_label": label}


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _metres(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if not np.isfinite(v) else f"{v:,.0f}"


def _last_visit(v: Any) -> str:
    when = getattr(v, "last_visit", None)
    if when is None or pd.isna(when):
        return ""
    return f"{pd.Timestamp(when):%d %b %Y}, {_text(getattr(v, 'last_outcome', ''))}".rstrip(", ")


def _operation_context(plan: Any, op_row: Any) -> dict[str, Any]:
    visits = plan.visits[plan.visits["operation"] == op_row["operation"]].sort_values("order")
    geoms = visits.geometry.to_numpy()
    xy = np.full((len(visits), 2), np.nan)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.any():
        xy[ok] = shapely.get_coordinates(geoms[ok])
    rows: list[dict[str, Any]] = []
    for v in visits.itertuples(index=False):
        rows.append({
            "order": int(v.order), "rank": int(v.rank), "premises_id": _text(v.premises_id),
            "name": _text(v.name), "premises_class": _text(v.premises_class),
            "address": _text(getattr(v, "address", "")),
            "postcode": _text(getattr(v, "postcode", "")), "agencies": _text(v.agencies),
            "leg": _metres(v.leg_distance_m), "reasons": _text(getattr(v, "reasons", "")),
            "rating": inspection_text(getattr(v, "rating", None), getattr(v, "rating_date", None)),
            "last_visit": _last_visit(v),
        })
    return {
        "operation": int(op_row["operation"]),
        "n_visits": int(op_row["n_visits"]),
        "best_rank": int(op_row["best_rank"]),
        "agencies": _text(op_row["agencies"]),
        "time_window": _text(op_row["time_window"]),
        "n_incidents": int(op_row["n_incidents"]),
        "route_length": _metres(op_row["route_length_m"]),
        "span": _metres(op_row["span_m"]),
        "premises": _text(op_row["premises"]),
        "visits": rows,
        "svg": route_svg(xy, [r["name"] for r in rows]),
    }


def render_visit_sheets(
    plan: Any,
    *,
    operations: Sequence[int] | None = None,
    title: str = "Premises visits",
    manifest: Mapping[str, Any] | None = None,
    marking: str | None = DEFAULT_MARKING,
    map_href: str | None = None,
    caveats: Sequence[str] = (),
) -> str:
    """Render visit sheets as one HTML page (one printed page per operation).

    Parameters
    ----------
    plan : hotspots.premises.VisitPlan
        The plan to print.
    operations : sequence of int, optional
        Operation numbers to include (default: all, in order).
    title : str
        Heading of each sheet.
    manifest : mapping, optional
        Run manifest (:func:`hotspots.io.write.build_manifest`): the data period, run time
        and input files (with hashes) are printed on each sheet.
    marking : str or None
        Protective marking printed at the top and bottom of each sheet; ``None`` for none.
    map_href : str, optional
        Link to an interactive map (e.g. ``"premises-map.html"``).
    caveats : sequence of str
        Sentences printed under the summary (e.g. the police.uk snap-point caveat).

    Returns
    -------
    str
        A complete, self-contained HTML document (no scripts, no external resources).

    Raises
    ------
    ValueError
        When an operation number is not in the plan.

    Notes
    -----
    All data values are escaped (Jinja2 autoescape).
    """
    ops = plan.operations.sort_values("operation")
    if operations is not None:
        wanted = [int(o) for o in operations]
        unknown = sorted(set(wanted) - set(ops["operation"].astype(int)))
        if unknown:
            raise ValueError(f"The 'operations' parameter of render_visit_sheets names "
                             f"operations not in the plan: {unknown}.")
        ops = ops[ops["operation"].isin(wanted)]
    manifest = dict(manifest or {})
    period = manifest.get("data_period")
    if isinstance(period, Mapping):
        period = period.get("label") or f"{period.get('start')} to {period.get('end')}"
    run_time = manifest.get("run_time") or _dt.datetime.now(_dt.UTC).isoformat(
        timespec="seconds")
    from hotspots._version import __version__

    context = {
        "title": title,
        "marking": marking,
        "version": __version__,
        "period": _text(period),
        "run_time": run_time,
        "map_href": map_href,
        "caveats": list(caveats),
        "inputs": list(manifest.get("inputs") or []),
        "n_operations": len(plan.operations),
        "operations": [_operation_context(plan, row) for _, row in ops.iterrows()],
    }
    return _template().render(**context)


def write_visit_sheets(
    plan: Any,
    out_dir: str | Path,
    *,
    title: str = "Premises visits",
    manifest: Mapping[str, Any] | None = None,
    marking: str | None = DEFAULT_MARKING,
    map_href: str | None = None,
    caveats: Sequence[str] = (),
    prefix: str = "visit-sheet",
) -> list[Path]:
    """Write one HTML visit sheet per operation, plus all of them in one file.

    Parameters
    ----------
    plan : hotspots.premises.VisitPlan
    out_dir : str or Path
        Folder (created if needed).
    title, manifest, marking, map_href, caveats
        As :func:`render_visit_sheets`.
    prefix : str
        File names are ``<prefix>-operation-01.html``... and ``<prefix>s-all.html``.

    Returns
    -------
    list of pathlib.Path
        The combined file first, then one per operation.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"title": title, "manifest": manifest, "marking": marking,
                              "map_href": map_href, "caveats": caveats}
    combined = out / f"{prefix}s-all.html"
    atomic_write_text(combined, render_visit_sheets(plan, **kwargs))
    written = [combined]
    width = max(2, len(str(len(plan.operations))))
    for op in plan.operations["operation"].astype(int):
        path = out / f"{prefix}-operation-{op:0{width}d}.html"
        atomic_write_text(path, render_visit_sheets(plan, operations=[op], **kwargs))
        written.append(path)
    logger.info("wrote %d visit sheets to %s", len(written) - 1, out)
    return written
