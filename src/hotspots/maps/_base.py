"""Map creation and the parts every map shares: title, footer, boundaries, layer control.

folium and branca are imported inside the functions so ``import hotspots.maps`` stays cheap
and works without them.
"""

from __future__ import annotations

import logging
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from hotspots._params import check_in
from hotspots.errors import PublicModeError
from hotspots.maps._layer import geo_layer
from hotspots.maps._legend import CSS, esc, footer_element, title_element

logger = logging.getLogger(__name__)

_F = TypeVar("_F", bound=Callable[..., Any])

MODES = ("public", "restricted")
#: tiles used when ``tiles="auto"`` and the map is not offline (folium's own default, no key).
DEFAULT_TILES = "OpenStreetMap"
#: boundary outlines are simplified within this many metres (invisible at street zoom).
BOUNDARY_SIMPLIFY_M = 5.0

_LEVEL_STYLES = {
    0: {"color": "#555555", "weight": 1, "opacity": 0.8, "fill": False, "dashArray": "3 3"},
    1: {"color": "#111111", "weight": 2.5, "opacity": 0.9, "fill": False},
}

#: numpydoc entries of the options every builder shares, put into their docstrings by
#: :func:`map_docstring` (``{source}`` is the name of the builder's result argument).
_OPTION_DOCS = {
    "m": "m : folium.Map, optional\n    Add to this map.",
    "title": 'title : str, optional\n    Map title (plain text); default: what the map shows; "" '
             "for none.",
    "areas": "areas : AreaSet, optional\n    Boundaries to outline; default one found in "
             '``{source}.attrs["hotspots"]``.',
    "tiles": 'tiles : str or None\n    ``"auto"``, a folium tiles name, or ``None`` for no tiles.',
    "offline": "offline : bool\n    Write JavaScript and CSS into the page.",
    "period": "period : str, optional\n    Data period for the footer; default from "
              '``{source}.attrs["hotspots"]``.',
}


def map_docstring(source: str, *, areas: bool = True) -> Callable[[_F], _F]:
    """Fill a builder's docstring with the entries of the options every builder shares.

    A line ``{map_options}`` becomes the entries of ``m``, ``title``, ``areas`` (unless
    ``areas=False``), ``tiles``, ``offline`` and ``period``; a line ``{style_options}``
    those of ``title``, ``tiles`` and ``offline``. Each entry keeps the indentation of the
    line it replaces, so ``help()`` shows an ordinary numpydoc docstring.

    Parameters
    ----------
    source : str
        Name of the builder's result argument, for "default from ``summary.attrs``".
    areas : bool
        Include the ``areas`` entry in ``{map_options}``.

    Returns
    -------
    callable
        A decorator that rewrites ``__doc__`` and returns the function itself.
    """
    names = ["m", "title", *(["areas"] if areas else []), "tiles", "offline", "period"]
    blocks = {
        "{map_options}": names,
        "{style_options}": ["title", "tiles", "offline"],
    }

    def decorate(func: _F) -> _F:
        doc = func.__doc__
        if doc is None:  # python -OO strips docstrings
            return func
        for placeholder, entries in blocks.items():
            text = "\n".join(_OPTION_DOCS[name] for name in entries).replace("{source}", source)
            doc = re.sub(
                rf"^([ \t]*){re.escape(placeholder)}$",
                lambda match, text=text: textwrap.indent(text, match.group(1)),
                doc,
                flags=re.MULTILINE,
            )
        func.__doc__ = doc
        return func

    return decorate


def check_mode(mode: str, caller: str) -> str:
    """Check ``mode`` is ``"public"`` or ``"restricted"``."""
    return check_in("mode", mode, MODES, caller=caller)


def hotspots_attrs(obj: Any) -> dict[str, Any]:
    """Return the ``attrs["hotspots"]`` record of a result, or an empty dict."""
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


def resolve_tiles(tiles: str | None, offline: bool) -> str | None:
    """``"auto"`` means the default light tiles online and no tiles offline."""
    if tiles == "auto":
        return None if offline else DEFAULT_TILES
    return tiles


def unique_layer_name(m: Any, name: str) -> str:
    """``name`` HTML-escaped, made unique among the map's layers (folium keys layers by name).

    Leaflet's layer control writes names with ``innerHTML``, so they are escaped here.
    """
    from folium.map import Layer

    taken = {
        getattr(child, "layer_name", None)
        for child in m._children.values()
        if isinstance(child, Layer)
    }
    base = esc(name)
    candidate, i = base, 2
    while candidate in taken:
        candidate = f"{base} ({i})"
        i += 1
    return candidate


def bounds_of(frames: Iterable[Any]) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` in degrees of the non-empty frames' geometries.

    Areas, cells and hulls count whole. Frames of points count only up to Tukey's far-out
    fences (``Q1 - 3 IQR``, ``Q3 + 3 IQR`` on each axis): police.uk files carry a few stray
    points tens of kilometres away (213 km in City of London 2019), and fitting the view to
    them shows the district as a dot (issue 15). The strays are still drawn.
    """
    boxes = []
    for frame in frames:
        if frame is None or len(frame) == 0:
            continue
        geoms = frame.geometry
        geoms = geoms[~(geoms.is_empty | geoms.isna())]
        if len(geoms) == 0:
            continue
        if geoms.crs is not None and not geoms.crs.equals("EPSG:4326"):
            geoms = geoms.to_crs("EPSG:4326")
        if (geoms.geom_type == "Point").all() and len(geoms) >= 4:
            xy = geoms.get_coordinates().to_numpy()
            q1, q3 = np.quantile(xy, [0.25, 0.75], axis=0)
            low, high = q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1)
            xy = xy[((xy >= low) & (xy <= high)).all(axis=1)]
            boxes.append([*xy.min(axis=0), *xy.max(axis=0)])
        else:
            boxes.append(geoms.total_bounds)
    if not boxes:
        return None
    arr = np.vstack(boxes)
    west, south = arr[:, 0].min(), arr[:, 1].min()
    east, north = arr[:, 2].max(), arr[:, 3].max()
    return [[float(south), float(west)], [float(north), float(east)]]


def blank_background(m: Any) -> None:
    """Give a map without tiles a plain pale background instead of Leaflet's grey."""
    from branca.element import Element

    m.get_root().header.add_child(
        Element("<style>div.leaflet-container{background:#fbfbf8;}</style>"),
        name="hotspots_blank_background",
    )


def add_css(m: Any) -> None:
    """Add the hotspots stylesheet to the figure holding ``m`` (once)."""
    from branca.element import Element, Figure

    root = m.get_root()
    if isinstance(root, Figure):
        root.header.add_child(Element(CSS), name="hotspots_css")


def create_map(
    *,
    m: Any = None,
    tiles: str | None = "auto",
    offline: bool = False,
    title: str | None = None,
    bounds: list[list[float]] | None = None,
) -> Any:
    """Make a ``folium.Map`` (or reuse ``m``) ready for layers, with a title and stylesheet.

    Parameters
    ----------
    m : folium.Map, optional
        Add to this map instead of making one; its tiles and view are left alone.
    tiles : str or None
        folium tiles name or URL; ``None`` for a blank, boundaries-only base map (no requests);
        ``"auto"`` for light tiles online and none when ``offline``.
    offline : bool
        Inline JavaScript and CSS when the map is saved or shown (see ``_offline``).
    title : str, optional
        Shown centred at the top (escaped).
    bounds : list, optional
        ``[[south, west], [north, east]]`` to fit the view to.

    Returns
    -------
    folium.Map
    """
    import folium

    from hotspots.maps._offline import make_offline

    new = m is None
    if new:
        tiles = resolve_tiles(tiles, offline)
        centre = [53.79, -1.75]
        if bounds is not None:
            centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
        # prefer_canvas draws thousands of cells on one canvas rather than as SVG nodes
        # (folium #787/#1293: large layers slow the page down).
        m = folium.Map(
            location=centre,
            zoom_start=12,
            tiles=None,
            control_scale=True,
            prefer_canvas=True,
        )
        if tiles is not None:
            folium.TileLayer(tiles, name="Base map", control=False).add_to(m)
        else:
            blank_background(m)
        if bounds is not None:
            m.fit_bounds(bounds)
    add_css(m)
    if title:
        m.add_child(title_element(title))
    if offline:
        make_offline(m)
    return m


def default_title(title: str | None, m: Any, default: str) -> str | None:
    """Return ``title``, or ``default`` for a new map (a map passed with ``m=`` keeps its own)."""
    if title is not None:
        return title or None
    return default if m is None else None


def start_map(
    m: Any,
    *,
    title: str | None,
    default: str,
    frames: Iterable[Any],
    tiles: str | None = "auto",
    offline: bool = False,
) -> Any:
    """Make a map fitted to ``frames`` (or reuse ``m``), titled ``title`` or ``default``.

    The first step of every builder: :func:`default_title` then :func:`create_map` with
    the bounds of what will be drawn.

    Parameters
    ----------
    m : folium.Map or None
        The map passed to the builder, if any (it keeps its own title and view).
    title : str or None
        The title asked for; ``None`` for ``default``, ``""`` for none.
    default : str
        The builder's title for a new map (what the map shows).
    frames : iterable of GeoDataFrame
        What will be drawn, to fit the view to.
    tiles, offline
        As for :func:`create_map`.

    Returns
    -------
    folium.Map
    """
    return create_map(
        m=m,
        tiles=tiles,
        offline=offline,
        title=default_title(title, m, default),
        bounds=bounds_of(frames),
    )


def labelled_layer(
    frame: Any,
    *,
    style_index: Any,
    styles: list[dict[str, Any]],
    tooltip: Sequence[str] = (),
    popup: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """Make a ``geo_layer`` whose tooltip and popup rows have display names.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The features, with the allow-listed columns.
    style_index, styles
        As for ``geo_layer``.
    tooltip, popup : sequence of str
        The allow-lists of columns shown on hover and on click.
    labels : mapping, optional
        Display names that replace :func:`column_label` for some columns.
    **kwargs
        Passed on to ``geo_layer`` (``simplify``, ``rank``, ``point_kind``...).

    Returns
    -------
    branca.element.MacroElement
        The layer (``.n_features`` features).
    """
    names = dict(labels or {})

    def label_of(columns: Sequence[str]) -> list[str]:
        return [names.get(c, column_label(c)) for c in columns]

    return geo_layer(
        frame,
        style_index=style_index,
        styles=styles,
        tooltip=tooltip,
        tooltip_labels=label_of(tooltip),
        popup=popup,
        popup_labels=label_of(popup),
        **kwargs,
    )


def add_layer(
    m: Any,
    element: Any,
    name: str,
    *,
    show: bool = True,
) -> Any:
    """Put ``element`` in a toggleable ``folium.FeatureGroup`` called ``name`` on ``m``."""
    import folium

    group = folium.FeatureGroup(name=unique_layer_name(m, name), show=show)
    group.add_child(element)
    m.add_child(group)
    return group


def add_boundaries(m: Any, areas: Any, *, levels: Iterable[str] | None = None) -> list[Any]:
    """Add each boundary level of ``areas`` as an outline layer (wards dashed, above solid).

    Parameters
    ----------
    m : folium.Map
    areas : AreaSet, GeoDataFrame or None
        An AreaSet (every level outlined, lowest first) or a frame of polygons (one layer).
    levels : iterable of str, optional
        Only these levels of an AreaSet.

    Returns
    -------
    list of folium.FeatureGroup
        The layers added (none when ``areas`` is None).
    """
    if areas is None or "boundaries" in map_parts(m):
        return []
    map_parts(m).add("boundaries")
    vintage = getattr(areas, "vintage", None)
    if _is_area_set(areas):
        names = list(levels) if levels is not None else list(areas.level_names)
        frames = [(level, areas[level]) for level in names]
    else:
        frames = [("boundary", areas)]
    groups = []
    for depth, (level, frame) in enumerate(frames):
        style = _LEVEL_STYLES[min(depth, 1)] if len(frames) > 1 else _LEVEL_STYLES[1]
        element = geo_layer(
            frame,
            style_index=np.zeros(len(frame), dtype=int),
            styles=[style],
            simplify=BOUNDARY_SIMPLIFY_M,
            interactive=False,
        )
        plural = {"ward": "Wards", "constituency": "Constituencies"}.get(
            level, f"{level[:1].upper()}{level[1:]}"
        )
        label = f"{plural} ({vintage})" if vintage else plural
        groups.append(add_layer(m, element, label))
    return groups


def footer_parts(
    *,
    period: str | None,
    areas: Any,
    vintage: str | None,
    mode: str,
    suppression: Mapping[str, Any] | None = None,
) -> list[str]:
    """List the footer's phrases: period, boundaries, mode (with suppression), version."""
    from hotspots._version import __version__

    parts = []
    parts.append(f"Data: {period}" if period else "Data: period not recorded")
    name = getattr(areas, "name", None)
    vintage = getattr(areas, "vintage", None) or vintage
    if name or vintage:
        parts.append(f"Boundaries: {name or ''}{f' ({vintage} vintage)' if vintage else ''}")
    if mode == "public":
        if suppression:
            k = suppression.get("k", 5)
            parts.append(f"Public: aggregates only, counts under {k} suppressed")
        else:
            parts.append("Public: aggregates only")
    else:
        parts.append("RESTRICTED: not for publication")
    parts.append(f"hotspots {__version__}")
    return parts


def finish(
    m: Any,
    *,
    period: str | None,
    areas: Any,
    vintage: str | None,
    mode: str,
    suppression: Mapping[str, Any] | None = None,
    collapsed: bool = False,
) -> Any:
    """Add the footer and, if the map has none yet, a layer control; return ``m``."""
    import folium

    # With m= the map may already carry a footer: replace it, and keep "restricted" if any
    # layer on the map is restricted.
    previous = getattr(m, "_hotspots_footer", None)
    if previous is not None:
        m._children.pop(previous.get_name(), None)
        if getattr(m, "_hotspots_mode", None) == "restricted":
            mode = "restricted"
        period = period or getattr(m, "_hotspots_period", None)
    footer = footer_element(
        footer_parts(
            period=period, areas=areas, vintage=vintage, mode=mode, suppression=suppression
        )
    )
    m.add_child(footer)
    m._hotspots_footer = footer
    m._hotspots_mode = mode
    m._hotspots_period = period
    # folium's LayerControl collects the map's layers when it renders, so one control lists
    # the layers added later with m= too.
    if not any(isinstance(c, folium.LayerControl) for c in m._children.values()):
        folium.LayerControl(collapsed=collapsed, position="topright").add_to(m)
    return m


def complete_map(
    m: Any,
    areas: Any,
    *legends: Any,
    period: str | None,
    vintage: str | None,
    mode: str,
    suppression: Mapping[str, Any] | None = None,
) -> Any:
    """Finish a builder's map: boundary outlines, legends, footer and layer control.

    Parameters
    ----------
    m : folium.Map
        The map with the builder's layers on it.
    areas : AreaSet, GeoDataFrame or None
        Boundaries to outline (see :func:`add_boundaries`).
    *legends : branca element
        Legends to add, in order.
    period, vintage, mode, suppression
        For the footer (see :func:`finish`).

    Returns
    -------
    folium.Map
        ``m``.
    """
    add_boundaries(m, areas)
    for element in legends:
        m.add_child(element)
    return finish(
        m, period=period, areas=areas, vintage=vintage, mode=mode, suppression=suppression
    )


def select_columns(frame: Any, columns: Iterable[str]) -> Any:
    """Copy of ``frame`` with only ``columns`` (once each, in order) and the geometry.

    What is not selected cannot reach the page.
    """
    return frame[[*dict.fromkeys(columns), "geometry"]].copy()


def share_text(values: Iterable[Any]) -> list[Any]:
    """Write shares (fractions) as percentages with one decimal place.

    Parameters
    ----------
    values : iterable
        Fractions 0..1, NA, or suppression strings (kept as they are).

    Returns
    -------
    list
        ``"12.3%"`` strings, NA and suppression strings.
    """
    out: list[Any] = []
    for v in values:
        if isinstance(v, str) or v is None or pd.isna(v):
            out.append(v)
        else:
            out.append(f"{100 * float(v):.1f}%")
    return out


def require_columns(frame: Any, columns: Iterable[str], caller: str) -> None:
    """Raise a ValueError naming the missing columns and the ones present."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{caller}: the result has no column {', '.join(repr(c) for c in missing)}; "
            f"columns present: {', '.join(map(str, frame.columns))}"
        )


#: Display names of result columns in tooltips, popups and legends.
COLUMN_LABELS: dict[str, str] = {
    "cell_id": "Cell",
    "n": "Incidents",
    "n_weighted": "Weighted incidents",
    "kde": "KDE (sfhotspot units)",
    "kde_density": "Density (per km²)",
    "gistar": "Gi* z-score",
    "p_norm": "p-value",
    "p_adj": "p-value (FDR-adjusted)",
    "gi_bin": "Gi* bin",
    "hotspot": "Result",
    "n_neighbours": "Cells in neighbourhood",
    "ward": "Ward",
    "constituency": "Constituency",
    "area_name": "Area",
    "area_id": "Code",
    "share": "Share of all incidents",
    "population": "Population",
    "rate_per_1000": "Rate per 1,000",
    "n_before": "Before",
    "n_after": "After",
    "change": "Change",
    "pct_change": "Change (%)",
    "p_etest": "p-value (E-test)",
    "share_before": "Share before",
    "share_after": "Share after",
    "share_change": "Change in share",
    "p_sppt": "p-value (SPPT)",
    "q_sppt": "q (SPPT, FDR)",
    "significant": "Statistically significant",
    "direction": "Direction",
    "cluster_id": "Cluster",
    "category": "Category",
    "n_sig_hot": "Periods significantly hot",
    "n_sig_cold": "Periods significantly cold",
    "mk_z": "Trend z (Mann-Kendall)",
    "first": "First",
    "last": "Last",
    "top_categories": "Main categories",
    "wards": "Wards",
    "rank": "Rank",
    "score": "Score",
    "reasons": "Reasons",
}


def column_label(column: str) -> str:
    """Display name of a column (its own name when there is no better one)."""
    return COLUMN_LABELS.get(column, column.replace("_", " ").capitalize())


def mask_small_counts(values: Any, k: int) -> tuple[list[Any], np.ndarray]:
    """Show counts 1 to ``k - 1`` as the text ``"<k"``, for public maps of raw counts.

    Parameters
    ----------
    values : array-like
        Counts (numbers or strings already suppressed upstream).
    k : int
        Suppression threshold.

    Returns
    -------
    shown : list
        The values to write into the page: masked counts are the string ``f"<{k}"``.
    masked : numpy.ndarray of bool
        True where a value was masked or was already a suppression string.
    """
    shown: list[Any] = []
    masked = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if isinstance(value, str):
            shown.append(value)
            masked[i] = not _is_number_text(value)
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            shown.append(value)
            continue
        if 0 < number < k:
            shown.append(f"<{k}")
            masked[i] = True
        else:
            shown.append(value)
    return shown, masked


def _is_number_text(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def to_frame_crs(frame: Any) -> Any:
    """Check ``frame`` is a GeoDataFrame with a CRS (maps need to know where things are)."""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"expected a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise ValueError(
            "the frame has no CRS; set it (e.g. frame.set_crs('EPSG:27700')) before mapping"
        )
    return frame


def map_parts(m: Any) -> set[str]:
    """Names of the shared parts (boundaries, footer) already on ``m``, to add them once."""
    parts = getattr(m, "_hotspots_parts", None)
    if parts is None:
        parts = set()
        m._hotspots_parts = parts
    return parts


def refuse_points(frame: Any, mode: str, caller: str) -> None:
    """Raise PublicModeError if a public map would draw point features (incident locations).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        What is about to be drawn.
    mode : str
        ``"public"`` or ``"restricted"``.
    caller : str
        The builder's name, for the message.

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
            f"{caller}: a public map cannot show points (incident locations); map an "
            "aggregate instead (a grid from hotspot_count or an area table), or use "
            "mode='restricted' for an analyst's map."
        )
