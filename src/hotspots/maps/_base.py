"""Map creation and the parts every map shares: title, footer, boundaries, layer control.

What a builder reads from its input is in :mod:`~hotspots.maps._results`, how values are
written in :mod:`~hotspots.maps._text`, the background in :mod:`~hotspots.maps._tiles`,
and the shared docstring entries in :mod:`~hotspots.maps._docs`. folium and branca are
imported inside the functions so ``import hotspots.maps`` stays cheap and works without them.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import shapely

from hotspots._version import __version__
from hotspots.maps._layer import geo_layer
from hotspots.maps._legend import CSS, esc, footer_element, raw_text, title_element
from hotspots.maps._offline import make_offline
from hotspots.maps._results import _is_area_set
from hotspots.maps._text import column_label
from hotspots.maps._tiles import add_tiles, resolve_tiles

logger = logging.getLogger(__name__)

#: boundary outlines are simplified within this many metres (invisible at street zoom).
BOUNDARY_SIMPLIFY_M = 5.0

_LEVEL_STYLES = {
    0: {"color": "#555555", "weight": 1, "opacity": 0.8, "fill": False, "dashArray": "3 3"},
    1: {"color": "#111111", "weight": 2.5, "opacity": 0.9, "fill": False},
}


def unique_layer_name(m: Any, name: str) -> str:
    """``name`` HTML-escaped, made unique among the map's layers (folium keys layers by name).

    Leaflet's layer control writes names with ``innerHTML``, so they are escaped here.
    """
    from folium.map import Layer  # heavy: imported when a map is built

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


def layer_names(m: Any) -> list[str]:
    """Names of the toggleable layers on a map, in the order they were added.

    Examples
    --------
    >>> import folium
    >>> from hotspots.maps import layer_names
    >>> m = folium.Map(tiles=None)
    >>> _ = folium.FeatureGroup(name="Wards").add_to(m)
    >>> layer_names(m)
    ['Wards']
    """
    from folium.map import Layer  # heavy: imported when a map is built

    return [child.layer_name for child in m._children.values()
            if isinstance(child, Layer) and getattr(child, "control", True)]


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
        xy = _degree_coordinates(frame.geometry)
        if xy is None:
            continue
        if xy.points and len(xy.x) >= 4:
            pts = np.column_stack([xy.x, xy.y])
            q1, q3 = np.quantile(pts, [0.25, 0.75], axis=0)
            low, high = q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1)
            pts = pts[((pts >= low) & (pts <= high)).all(axis=1)]
            boxes.append([*pts.min(axis=0), *pts.max(axis=0)])
        else:
            boxes.append([np.nanmin(xy.x), np.nanmin(xy.y), np.nanmax(xy.x), np.nanmax(xy.y)])
    if not boxes:
        return None
    arr = np.vstack(boxes)
    west, south = arr[:, 0].min(), arr[:, 1].min()
    east, north = arr[:, 2].max(), arr[:, 3].max()
    return [[float(south), float(west)], [float(north), float(east)]]


class _Coordinates(NamedTuple):
    x: np.ndarray
    y: np.ndarray
    points: bool


def _degree_coordinates(geoms: Any) -> _Coordinates | None:
    """Longitude and latitude of the vertices of the non-empty geometries (None if none).

    The bounds of the geometries in EPSG:4326 are the extremes of their vertices there, so
    only the vertices are transformed, each distinct one once (grid cells share their
    corners), with the transformer ``GeoSeries.to_crs`` uses: the same numbers as
    ``geoms.to_crs(4326).total_bounds`` for a fraction of the time (0.4 s for 37,000 cells).
    """
    values = np.asarray(geoms.values, dtype=object)
    kinds = shapely.get_type_id(values)
    values = values[(kinds >= 0) & ~shapely.is_empty(values)]
    if len(values) == 0:
        return None
    points = bool((shapely.get_type_id(values) == 0).all())
    xy = shapely.get_coordinates(values)
    if geoms.crs is not None and not geoms.crs.equals("EPSG:4326"):
        if not points:
            # a point frame keeps every row: its quartiles count repeated locations
            xy = np.unique(xy, axis=0) if len(xy) < 4096 else _distinct_rows(xy)
        x, y = _to_degrees(geoms.crs).transform(xy[:, 0], xy[:, 1])
        return _Coordinates(np.asarray(x, dtype=float), np.asarray(y, dtype=float), points)
    return _Coordinates(xy[:, 0].copy(), xy[:, 1].copy(), points)


def _distinct_rows(xy: np.ndarray) -> np.ndarray:
    """The distinct coordinate pairs (hashing, faster than sorting for many vertices)."""
    import pandas as pd  # with geopandas, always loaded by now

    pairs = np.ascontiguousarray(xy, dtype=float).view(np.complex128).ravel()
    distinct = pd.unique(pairs)
    return np.column_stack([distinct.real, distinct.imag])


def _to_degrees(crs: Any) -> Any:
    """The CRS -> EPSG:4326 transformer ``GeoSeries.to_crs`` uses (lon, lat order).

    geopandas keeps its transformers in a cache; taking ours from it means one transformer
    (creating one reads the PROJ database: 0.05-0.1 s in a fresh process) for the bounds
    and the layers, and exactly the numbers ``to_crs`` gives.
    """
    from geopandas import array as geo_array
    from pyproj import CRS

    make = getattr(geo_array, "TransformerFromCRS", None) or _transformer
    return make(CRS.from_user_input(crs), CRS.from_user_input("EPSG:4326"), always_xy=True)


@functools.lru_cache(maxsize=16)
def _transformer(source: Any, target: Any, *, always_xy: bool) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=always_xy)

def add_css(m: Any) -> None:
    """Add the hotspots stylesheet to the figure holding ``m`` (once)."""
    from branca.element import Figure  # with folium, when a map is built

    root = m.get_root()
    if isinstance(root, Figure):
        root.header.add_child(raw_text(CSS), name="hotspots_css")


def create_map(
    *,
    m: Any = None,
    tiles: str | None = "auto",
    offline: bool = True,
    title: str | None = None,
    bounds: list[list[float]] | None = None,
) -> Any:
    """Make a ``folium.Map`` (or reuse ``m``) ready for layers, with a title and stylesheet.

    Parameters
    ----------
    m : folium.Map, optional
        Add to this map instead of making one; its tiles and view are left alone.
    tiles : str or None
        folium tiles name or URL (a note shows on the map if they cannot load); ``None``
        for a blank, boundaries-only base map (no requests); ``"auto"`` for none when
        ``offline`` (the default) and light tiles online.
    offline : bool
        Inline JavaScript and CSS when the map is saved or shown (see ``_offline``); the
        default, so a map opens with no network.
    title : str, optional
        Shown centred at the top (escaped).
    bounds : list, optional
        ``[[south, west], [north, east]]`` to fit the view to.

    Returns
    -------
    folium.Map
    """
    import folium  # heavy: imported when a map is built, not with the package

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
        add_tiles(m, tiles)
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
    offline: bool = True,
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
    import folium  # heavy: imported when a map is built

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
    import folium  # heavy: imported when a map is built

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

def map_parts(m: Any) -> set[str]:
    """Names of the shared parts (boundaries, footer) already on ``m``, to add them once."""
    parts = getattr(m, "_hotspots_parts", None)
    if parts is None:
        parts = set()
        m._hotspots_parts = parts
    return parts
