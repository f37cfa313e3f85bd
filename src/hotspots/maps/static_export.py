"""Static pictures (PNG, SVG) of the maps, for papers: the equivalent of sfhotspot's ``autoplot``.

:func:`static_figure` draws the same input an ``explore_*`` builder takes (an area table, a
grid of hot spot cells, a period comparison; clusters, ranked premises and missing-episode
flows through :mod:`hotspots.maps.static_points`) with the same colour classes
(:mod:`hotspots.maps._style`), the same public-mode protection (:mod:`hotspots.maps._public`)
and the same footer (period, boundaries, suppression, version), on a plain background with
no tiles, so nothing is fetched from the network. Each picture has a legend in real units,
a scale bar, a north arrow and area names thinned so that no two labels overlap.
:func:`save_static` writes it as PNG or SVG, atomically.

The figures are built with :class:`matplotlib.figure.Figure` (no ``pyplot``), so they do not
depend on a display or on the global backend.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from hotspots._params import OneOf, validate_params
from hotspots.errors import PublicModeError
from hotspots.io.atomic import atomic_path
from hotspots.maps import _base, _public, _results, _text, static_points
from hotspots.maps._choropleth import class_styles, classify_column
from hotspots.maps._style import (
    GI_BIN_COLORS,
    GI_BIN_LABELS,
    NEUTRAL,
    OUTLINE_COLOR,
    SUPPRESSED_COLOR,
    diverging_classes,
    format_number,
    sequential_classes,
)
from hotspots.maps.areas import pick_level

__all__ = ["figure_bytes", "save_static", "static_figure"]

_KINDS = ("areas", "hotspots", "change", "clusters", "premises", "flows")
#: kinds drawn as points, outlines or lines by :mod:`hotspots.maps.static_points`
_POINT_KINDS = ("clusters", "premises", "flows")
#: cold spots are hatched so that, printed in greyscale, a dark cold cell is not read as hot
_COLD_HATCH = "...."
_HIDDEN_HATCH = "////"


@validate_params({"mode": OneOf(_results.MODES)})
def static_figure(data: Any, *, kind: str = "auto", areas: Any = None, level: str | None = None,
                  column: str | None = None, mode: str = "public", title: str | None = None,
                  period: str | None = None, k: int = 5, labels: bool = True,
                  outline: Any = None, unit: str = "offences",
                  figsize: tuple[float, float] = (7.0, 7.6), **kind_options: Any) -> Any:
    """Draw an ``explore_*`` input as a static map with legend, scale bar and north arrow.

    Parameters
    ----------
    data : pandas.DataFrame, geopandas.GeoDataFrame or PeriodComparison
        ``kind="areas"``: an area table (:func:`~hotspots.areas.area_counts`), as for
        :func:`~hotspots.maps.explore_areas`. ``kind="hotspots"``: a grid from
        :func:`~hotspots.hotspot.hotspot_gistar` (``gi_bin``), ``hotspot_kde`` or
        ``hotspot_count``, as for :func:`~hotspots.maps.explore_hotspots`.
        ``kind="change"``: a :class:`~hotspots.change.PeriodComparison` or its table
        (``change`` column), as for :func:`~hotspots.maps.explore_change`.
        ``kind="clusters"``: a :func:`~hotspots.cluster.cluster_summary`, as for
        :func:`~hotspots.maps.explore_clusters`. ``kind="premises"``: ranked premises, as
        for :func:`~hotspots.maps.explore_premises`. ``kind="flows"``: missing episodes or
        :func:`~hotspots.maps.flows.flow_lines`, as for
        :func:`~hotspots.maps.flows.explore_flows` (restricted only).
    kind : {"auto", "areas", "hotspots", "change", "clusters", "premises", "flows"}
        ``"auto"``: a comparison or a table with ``change`` is "change", a table with
        ``cluster_id`` "clusters", with ``rank`` "premises", episodes or flow lines
        "flows", a GeoDataFrame of cells "hotspots", any other table "areas".
    areas : AreaSet
        The boundaries (needed for "areas" and "change"; outlines for "hotspots").
    level : str, optional
        Level of ``areas`` for area tables (default from the table's ``attrs``).
    column : str, optional
        Column to colour by (default ``n``; ``gi_bin`` first for grids; ``change``).
    mode : {"public", "restricted"}
        Default ``"public"``: the checks of the interactive public maps apply (small counts
        suppressed or refused, grids of at least 100 m drawn by class only).
    title : str, optional
        Title above the map; default says what is drawn.
    period : str, optional
        Data period for the footer; default from ``attrs``.
    k : int, default 5
        Public threshold for small counts.
    labels : bool, default True
        Write area names, thinned so that none overlaps another (largest areas first).
    outline : geopandas.GeoDataFrame, optional
        Polygons drawn as the outline and defining the extent (e.g. one constituency's
        wards); default the areas of the level drawn (or the lowest level for grids).
    unit : str, default "offences"
        What a count counts, for the legend ("Offences", "Children").
    figsize : (float, float)
        Inches; the default fits half an A4 page.
    **kind_options
        For "clusters": ``incidents``, ``labels`` (restricted only); for "premises":
        ``top``, ``public_types``; for "flows": ``cell_size``, ``min_count``. The public
        rules are those of the interactive builders (:mod:`hotspots.maps.static_points`).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    hotspots.errors.PublicModeError
        As the interactive builder in public mode.
    ValueError
        For an unknown ``kind`` or a missing column.

    Examples
    --------
    >>> import shapely
    >>> from hotspots.maps.static_export import legend_entries, static_figure
    >>> cells = gpd.GeoDataFrame(
    ...     {"gi_bin": [3, 0, -2]},
    ...     geometry=[shapely.box(x, 430000, x + 200, 430200)
    ...               for x in range(415000, 415600, 200)], crs="EPSG:27700")
    >>> fig = static_figure(cells, kind="hotspots")
    >>> legend_entries(fig)
    ['Hot spot, 99% confidence', 'Cold spot, 95% confidence']
    """
    kind = _pick_kind(data, kind)
    layer = _layer_of(data, kind, areas, level, column, mode, k, unit, kind_options)
    record = layer["record"]
    if outline is None:
        outline = layer.get("boundary")
        if outline is None and areas is not None:
            outline = areas[areas.level_names[0]]
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # heavy: only for a picture
    from matplotlib.figure import Figure  # lazy: heavy, only when a map is drawn
    from matplotlib.patches import Patch  # lazy: heavy, only when a map is drawn

    fig = Figure(figsize=figsize, dpi=150, layout="constrained")
    FigureCanvasAgg(fig)  # a canvas of its own: text sizes are measured for label thinning
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    _draw_data(ax, layer, outline)
    _fit_extent(fig, ax, layer, outline, figsize)
    if labels and layer.get("label_frame") is not None:
        named = layer["label_frame"]
        if outline is not None and "area_id" in getattr(outline, "columns", []):
            # only the areas of the outline: names of neighbours would fall off the map
            named = named[named["area_id"].isin(outline["area_id"].astype("string"))]
        _thinned_labels(fig, ax, named)
    _scale_bar(ax)
    _north_arrow(ax)
    handles = layer.get("handles") or [Patch(facecolor=c, edgecolor="#555555", hatch=h,
                                             label=lab) for c, lab, h in layer["entries"]]
    # a figure legend "outside" the axes: constrained layout makes room for it
    fig.legend(handles=handles, title=_wrap(layer["legend_title"], 28),
               loc="outside right upper", frameon=False, fontsize=8, title_fontsize=9)
    fig.suptitle(title if title is not None else layer["legend_title"], fontsize=11,
                 x=0.02, ha="left")
    period = period or layer.get("period") or _results.describe_period(record)
    parts = _base.footer_parts(period=period, areas=areas,
                               vintage=record.get("vintage"), mode=mode,
                               suppression=layer.get("suppression"))
    notes = layer.get("notes") or []
    fig.text(0.01, 0.005, "\n".join([*notes, " · ".join(parts)]), fontsize=7,
             ha="left", va="bottom", color="#333333", wrap=True)
    # layout="constrained": a ConstrainedLayoutEngine, whose set() takes rect
    cast(Any, fig.get_layout_engine()).set(rect=(0, 0.05 + 0.02 * len(notes), 1, 0.95))
    cast(Any, fig)._hotspots_alt = layer.get("alt", "")  # text alternative, for HTML reports
    return fig


def _layer_of(data: Any, kind: str, areas: Any, level: str | None, column: str | None,
              mode: str, k: int, unit: str, kind_options: dict[str, Any]) -> dict[str, Any]:
    """Return the layer description of ``data`` drawn as ``kind``."""
    if kind == "clusters":
        return static_points.cluster_layer(data, mode, k, **kind_options)
    if kind == "premises":
        return static_points.premises_layer(data, mode, k, **kind_options)
    if kind == "flows":
        return static_points.flow_layer(data, mode, **kind_options)
    if kind_options:
        raise TypeError(f"static_figure: kind {kind!r} takes no {', '.join(kind_options)}.")
    if kind == "areas":
        return _area_layer(data, areas, level, column or "n", mode, k, unit)
    if kind == "hotspots":
        return _grid_layer(data, column, mode)
    return _change_layer(data, areas, level, column or "change", mode, k, unit)


def _draw_data(ax: Any, layer: dict[str, Any], outline: Any) -> None:
    """Draw the layer: points and lines draw themselves, areas and cells by colour."""
    if "draw" in layer:
        layer["draw"](ax)  # points, outlines and lines (static_points)
        return
    frame = layer["frame"]
    drawn = np.ones(len(frame), dtype=bool)
    if outline is not None and "area_id" in getattr(outline, "columns", []) \
            and "area_id" in frame.columns:
        # a part of the district (one constituency): its own areas only, on a plain ground
        drawn = frame["area_id"].isin(outline["area_id"].astype("string")).to_numpy()
    _draw_layer(ax, frame[drawn], {**layer, "colors": np.asarray(layer["colors"])[drawn],
                                   "hatches": np.asarray(layer["hatches"])[drawn]})


def _fit_extent(fig: Any, ax: Any, layer: dict[str, Any], outline: Any,
                figsize: tuple[float, float]) -> None:
    """Fit the view to the outline (or what is drawn) and the figure's height to its shape."""
    bounds = None
    if outline is not None and len(outline):
        outline.boundary.plot(ax=ax, color=OUTLINE_COLOR, linewidth=0.6)
        bounds = outline.total_bounds
    elif layer.get("extent") is not None and len(layer["extent"]):
        # no boundaries given: the extent of what is drawn, with room around lone points
        bounds = layer["extent"].geometry.buffer(150.0).total_bounds
    if bounds is None:
        return
    minx, miny, maxx, maxy = bounds
    pad = 0.03 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    # the height follows the shape of the area (the map takes ~70% of the width)
    aspect = (maxy - miny + 2 * pad) / max(maxx - minx + 2 * pad, 1.0)
    fig.set_size_inches(figsize[0], float(np.clip(0.7 * figsize[0] * aspect + 1.4,
                                                  3.6, figsize[1] + 1.5)))


def save_static(data: Any, path: str | Path, **kwargs: Any) -> Path:
    """Save the static map of ``data`` as PNG or SVG (format from the suffix), atomically.

    Parameters
    ----------
    data : DataFrame, GeoDataFrame, PeriodComparison or matplotlib Figure
        What :func:`static_figure` draws, or a figure it made.
    path : str or Path
        ``.png`` or ``.svg``.
    **kwargs
        Passed to :func:`static_figure`.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> save_static(gistar, "hotspots.png", kind="hotspots", areas=areas)  # doctest: +SKIP
    PosixPath('hotspots.png')
    """
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"save_static writes .png or .svg, not {p.suffix!r} ({p}).")
    fig = data if hasattr(data, "savefig") else static_figure(data, **kwargs)
    with atomic_path(p) as tmp:
        tmp.write_bytes(figure_bytes(fig, fmt))
    return p


def figure_bytes(fig: Any, fmt: str = "png", dpi: int = 150) -> bytes:
    """Render a figure to PNG or SVG bytes (SVG text keeps its words searchable)."""
    buf = io.BytesIO()
    # svg.hashsalt fixed and no date: the same data give the same file
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    import matplotlib  # lazy: heavy, only when a map is drawn

    with matplotlib.rc_context({"svg.hashsalt": "hotspots", "svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    return buf.getvalue()


# --- layers -----------------------------------------------------------------------------------
def _pick_kind(data: Any, kind: str) -> str:
    if kind != "auto":
        if kind not in _KINDS:
            raise ValueError(f"static_figure: kind must be one of {_KINDS} or 'auto', got "
                             f"{kind!r}.")
        return kind
    if hasattr(data, "table") and hasattr(data, "before"):
        return "change"
    columns = set(getattr(data, "columns", []))
    if "cluster_id" in columns:
        return "clusters"
    if "rank" in columns and "area_id" not in columns:
        return "premises"
    if {"from_geometry", "found_geometry"} <= columns or {"n", "same_cell"} <= columns:
        return "flows"
    if isinstance(data, pd.DataFrame) and "change" in data.columns:
        return "change"
    if hasattr(data, "geometry") and "area_id" not in getattr(data, "columns", []):
        return "hotspots"
    return "areas"


def _value_classes(raw: pd.Series, column: str, diverging: bool, unit: str,
                   mapclassify: bool = False
                   ) -> tuple[np.ndarray, list[str], list[tuple[str, str, str]], np.ndarray]:
    """Colour per row and legend entries, from numbers and marker strings.

    ``mapclassify=True`` uses the classes of the interactive maps (grids, area tables and
    area changes, issue 15); False keeps the older rounded quantile classes.
    """
    text = raw.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    values = pd.to_numeric(raw.where(~text), errors="coerce").to_numpy(dtype=float)
    missing = ~text & ~np.isfinite(values)
    share = column.startswith("share")
    shown = values * 100 if share else values
    integer = column in ("n", "n_before", "n_after", "change") and bool(
        np.all(~np.isfinite(values) | (values % 1 == 0)))
    label_unit = "%" if share else ""
    if mapclassify and not diverging:
        # the classes explore_hotspots draws: mapclassify natural breaks of the values shown
        return _scheme_colours(raw, column)
    classes = (diverging_classes(shown, integer=integer, unit=label_unit) if diverging
               else sequential_classes(shown, integer=integer, unit=label_unit))
    idx = classes.index(shown)
    colors = np.array([classes.colors[i] if i >= 0 else "#ffffff" for i in idx], dtype=object)
    entries = [(c, lab, "") for c, lab in zip(classes.colors, classes.labels, strict=True)]
    if not diverging:
        zero = (values == 0) & ~text
        if zero.any():
            colors[zero] = NEUTRAL
            entries.insert(0, (NEUTRAL, "0", ""))
    hatches = np.array([""] * len(raw), dtype=object)
    if text.any():
        colors[text] = SUPPRESSED_COLOR
        hatches[text] = _HIDDEN_HATCH
        marks = sorted({str(v) for v in raw[text]})
        entries.append((SUPPRESSED_COLOR, f"Suppressed ({', '.join(marks)})", _HIDDEN_HATCH))
    if missing.any():
        entries.append(("#ffffff", "No value", ""))
    return colors, hatches.tolist(), entries, values


def _scheme_colours(raw: pd.Series, column: str
                    ) -> tuple[np.ndarray, list[str], list[tuple[str, str, str]], np.ndarray]:
    """Colours and legend rows of :func:`_value_classes` from the interactive maps' classes."""
    classed = classify_column(raw, column, signed=False)
    index, styles, entries = class_styles(classed, {}, missing_label="No value")
    colours = np.array([styles[i]["fillColor"] if i >= 0 else "#ffffff" for i in index],
                       dtype=object)
    hatches = np.where(classed.hidden, _HIDDEN_HATCH, "").astype(object)
    rows = [(c.split(":", 1)[-1], lab, _HIDDEN_HATCH if c.startswith("hatch:") else "")
            for c, lab in entries]
    return colours, hatches.tolist(), rows, classed.values


def _boundary_frame(table: pd.DataFrame, areas: Any, level: str | None, caller: str) -> tuple:
    if areas is None or not hasattr(areas, "level_names"):
        raise TypeError(f"{caller}: areas must be an AreaSet (hotspots.areas)")
    level = pick_level(table, areas, level, caller)
    return level, areas[level][["area_id", "area_name", "geometry"]]


def _area_layer(table: Any, areas: Any, level: str | None, column: str, mode: str, k: int,
                unit: str) -> dict[str, Any]:
    caller = "static_figure"
    _results.check_mode(mode, caller)
    _results.require_columns(table, ["area_id", column], caller)
    level, boundary = _boundary_frame(table, areas, level, caller)
    record = _results.hotspots_attrs(table)
    suppression = record.get("suppression")
    if mode == "public":
        table = _public.protect_table(table, k, caller)
        suppression = _results.hotspots_attrs(table).get("suppression", {"k": k})
    keyed = table.assign(area_id=table["area_id"].astype("string"))
    frame = boundary.assign(area_id=boundary["area_id"].astype("string")).merge(
        keyed[["area_id", column]], on="area_id", how="left")
    colors, hatches, entries, _ = _value_classes(frame[column], column, False, unit,
                                                 mapclassify=True)
    label = _legend_label(column, unit)
    return {"frame": frame, "colors": colors, "hatches": hatches, "entries": entries,
            "legend_title": f"{label} by {level}", "record": record,
            "suppression": suppression, "boundary": boundary, "label_frame": frame,
            "alt": _alt_areas(frame, column, label, level)}


def _change_layer(data: Any, areas: Any, level: str | None, column: str, mode: str, k: int,
                  unit: str) -> dict[str, Any]:
    caller = "static_figure"
    _results.check_mode(mode, caller)
    table = data.table if hasattr(data, "table") else data
    level = level or getattr(data, "level", None)
    _results.require_columns(table, ["area_id", column], caller)
    level, boundary = _boundary_frame(table, areas, level, caller)
    record = _results.hotspots_attrs(table)
    suppression = record.get("suppression")
    if mode == "public":
        table = _public.protect_table(table, k, caller, count_columns=("n_before", "n_after"))
        suppression = _results.hotspots_attrs(table).get("suppression", {"k": k})
    keyed = table.assign(area_id=table["area_id"].astype("string"))
    frame = boundary.assign(area_id=boundary["area_id"].astype("string")).merge(
        keyed[["area_id", column]], on="area_id", how="left")
    colors, hatches, entries, _ = _value_classes(frame[column], column, True, unit,
                                                 mapclassify=True)
    before: Any
    after: Any  # a comparison has both periods or neither
    before, after = getattr(data, "before", None), getattr(data, "after", None)
    span = f", {before.label} to {after.label}" if before is not None else ""
    title = f"Change in {unit} by {level}{span}"
    return {"frame": frame, "colors": colors, "hatches": hatches, "entries": entries,
            "legend_title": title, "record": record, "suppression": suppression,
            "boundary": boundary, "label_frame": frame,
            "alt": _alt_areas(frame, column, f"Change in {unit}", level)}


def _grid_layer(grid: Any, column: str | None, mode: str) -> dict[str, Any]:
    caller = "static_figure"
    _results.check_mode(mode, caller)
    _results.to_frame_crs(grid)
    _results.refuse_points(grid, mode, caller)
    record = _results.hotspots_attrs(grid)
    column = column or next((c for c in ("gi_bin", "kde_density", "kde", "n")
                             if c in grid.columns), None)
    if column is None:
        raise ValueError(f"{caller}: the grid has none of gi_bin, kde_density, kde, n.")
    if mode == "public":
        if column not in ("gi_bin", "kde_density", "kde"):
            raise PublicModeError(f"{caller}: a public static map of grid cells shows the Gi* "
                                  f"class or the density band only, not {column!r}.")
        _public.check_cell_size(grid, record, caller)
    frame = grid[[column, "geometry"]]
    notes = []
    size = record.get("cell_size")
    if size:
        notes.append(f"Cells of {float(size):,.0f} m.")
    if column == "gi_bin":
        bins = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        keep = np.isin(bins, [-3, -2, -1, 1, 2, 3])
        frame = frame[keep]
        b = bins[keep].astype(int)
        colors = np.array([GI_BIN_COLORS[v] for v in b], dtype=object)
        hatches = [_COLD_HATCH if v < 0 else "" for v in b]
        present = sorted(set(b.tolist()), reverse=True)
        entries = [(GI_BIN_COLORS[v], GI_BIN_LABELS[v], _COLD_HATCH if v < 0 else "")
                   for v in present] or [("#ffffff", "No significant hot or cold spot", "")]
        notes.append("Getis-Ord Gi*; cells not significant are not shaded"
                     + (f"; p-values adjusted ({record['p_adjust']})."
                        if record.get("p_adjust") else "."))
        n_hot = int((b > 0).sum())
        alt = (f"Map of hot spot cells: {n_hot} cells are significant hot spots and "
               f"{int((b < 0).sum())} cold spots; other cells are not shaded.")
        title = "Getis-Ord Gi* hot spots"
    else:
        values = pd.to_numeric(frame[column], errors="coerce")
        keep = values.to_numpy(dtype=float) > 0
        frame = frame[keep]
        colors, hatches, entries, _ = _value_classes(values[keep], column, False, "",
                                                     mapclassify=True)
        unit = " per km²" if column == "kde_density" else ""
        entries = [(c, f"{lab}{unit}", h) for c, lab, h in entries]
        title = {"kde_density": "Incident density (KDE)"}.get(column, "Incidents per cell")
        alt = f"Map of {title.lower()} in {len(entries)} bands."
    return {"frame": frame, "colors": colors, "hatches": list(hatches), "entries": entries,
            "legend_title": title, "record": record, "notes": notes, "alt": alt,
            "suppression": {"k": 5} if mode == "public" else None}


def _legend_label(column: str, unit: str) -> str:
    if column == "n":
        return unit.capitalize()
    if column == "rate_per_1000":
        return f"{unit.capitalize()} per 1,000 residents"
    return _text.column_label(column)


def _alt_areas(frame: pd.DataFrame, column: str, label: str, level: str) -> str:
    raw = frame[column]
    numeric = pd.to_numeric(raw.where(~raw.map(lambda v: isinstance(v, str))), errors="coerce")
    hidden = int(raw.map(lambda v: isinstance(v, str)).sum())
    text = f"Map of {label.lower()} by {level}, {len(frame)} areas."
    if numeric.notna().any():
        top = frame.loc[numeric.idxmax(), "area_name"]
        text += f" Highest: {top} ({format_number(float(numeric.max()), True)})."
    if hidden:
        text += f" {hidden} areas suppressed."
    return text


# --- drawing ----------------------------------------------------------------------------------
def _draw_layer(ax: Any, frame: Any, layer: dict[str, Any]) -> None:
    if not len(frame):
        return
    colors = np.asarray(layer["colors"], dtype=object)
    hatches = np.asarray(layer["hatches"], dtype=object)
    # one call per hatch pattern (geopandas takes one hatch per call)
    for hatch in dict.fromkeys(hatches.tolist()):
        sel = hatches == hatch
        frame[sel].plot(ax=ax, color=list(colors[sel]), edgecolor="#666666", linewidth=0.3,
                        hatch=hatch or None)


def _thinned_labels(fig: Any, ax: Any, frame: Any) -> None:
    """Write area names, largest areas first, skipping any that would overlap one written.

    Boxes are measured with the renderer's text metrics (no artist is drawn to measure it),
    so thinning 30 wards costs milliseconds.
    """
    import matplotlib.patheffects as pe  # lazy: heavy, only when a map is drawn
    from matplotlib.font_manager import FontProperties  # lazy: heavy, only when a map is drawn

    fig.draw_without_rendering()  # settle the layout, so data-to-pixel transforms are final
    renderer = fig.canvas.get_renderer()
    font = FontProperties(size=6.5)
    pts = frame.geometry.representative_point()
    px, py = pts.x.to_numpy(), pts.y.to_numpy()
    xy = ax.transData.transform(np.column_stack([px, py]))
    order = np.argsort(-frame.geometry.area.to_numpy(), kind="stable")
    names = frame["area_name"].astype(str).to_numpy()
    placed: list[tuple[float, float, float, float]] = []
    pad = 2.0 * fig.dpi / 72  # the white halo around each letter
    for i in order:
        w, h, _ = renderer.get_text_width_height_descent(names[i], font, ismath=False)
        box = (xy[i, 0] - w / 2 - pad, xy[i, 1] - h / 2 - pad,
               xy[i, 0] + w / 2 + pad, xy[i, 1] + h / 2 + pad)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
               for b in placed):
            continue
        placed.append(box)
        ax.text(px[i], py[i], names[i], fontproperties=font, ha="center",
                va="center", color="#111111", clip_on=True, in_layout=False,
                path_effects=[pe.withStroke(linewidth=2, foreground="white")])


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _nice_length(span: float) -> float:
    target = span / 5
    mag = 10 ** math.floor(math.log10(target))
    return max(m * mag for m in (1, 2, 5) if m * mag <= target)


def _scale_bar(ax: Any) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    x, y = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot([x, x + length], [y, y], color="black", linewidth=2.5, solid_capstyle="butt")
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x + length / 2, y + 0.012 * (y1 - y0), text, ha="center", va="bottom", fontsize=7)


def _north_arrow(ax: Any) -> None:
    # British National Grid: grid north is up (within a degree of true north in Bradford)
    ax.annotate("N", xy=(0.95, 0.97), xytext=(0.95, 0.87), xycoords="axes fraction",
                ha="center", va="center", fontsize=9, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2})


def legend_entries(fig: Any) -> Sequence[str]:
    """Return the legend labels of a figure made by :func:`static_figure`."""
    leg = fig.legends[0] if fig.legends else fig.axes[0].get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg is not None else []
