"""Self-contained HTML: inline the map's JavaScript and CSS from assets shipped in the package.

folium links Leaflet and friends from CDNs (folium #1985 asks for inlining; still open), so a
map saved on a locked-down council laptop shows nothing. With ``offline=True`` the builders
swap the map's figure for :class:`OfflineFigure`, whose ``render`` (used by ``save`` and by
Jupyter's ``_repr_html_``) replaces every CDN ``<script src>`` and stylesheet ``<link>`` with
the file's content from ``hotspots/maps/static/`` (see the README there for versions,
licences and checksums). Images referenced by Leaflet's CSS become ``data:`` URIs.

folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome-markers, glyphicons) are not
needed by the hotspots builders and are dropped; a map that still needs one of them (e.g. a
``folium.Marker`` added with ``m=``) triggers a warning naming it.
"""

from __future__ import annotations

import base64
import logging
import re
import warnings
from functools import cache
from importlib import resources
from typing import Any

logger = logging.getLogger(__name__)

# File name at the end of a CDN URL -> vendored file (relative to static/).
_VENDORED: dict[str, str] = {
    "leaflet.js": "leaflet/leaflet.js",
    "leaflet.css": "leaflet/leaflet.css",
    "L.Map.Sync.js": "leaflet-sync/L.Map.Sync.js",
    "L.Map.Sync.min.js": "leaflet-sync/L.Map.Sync.js",
}
# Asset names folium adds by default that no hotspots builder uses, with a JS symbol that
# would show the map still needs it.
_DROPPABLE: dict[str, str | None] = {
    "jquery": "jQuery(",
    "bootstrap": None,
    "glyphicons": None,
    "fontawesome": None,
    "font-awesome": None,
    "awesome-markers": "L.AwesomeMarkers",
    "awesome.rotate": None,
}

_SCRIPT_RE = re.compile(r"<script\b[^>]*\bsrc=[\"']([^\"']+)[\"'][^>]*>\s*</script>", re.I)
_LINK_RE = re.compile(r"<link\b[^>]*\bhref=[\"']([^\"']+)[\"'][^>]*/?>", re.I)
_SOURCE_MAP_RE = re.compile(r"^\s*//# sourceMappingURL=.*$", re.M)
_CSS_URL_RE = re.compile(r"url\((?![\"']?(?:data:|#))[\"']?([^)\"']+)[\"']?\)")


def _static(relative: str) -> bytes:
    return resources.files("hotspots.maps").joinpath("static", *relative.split("/")).read_bytes()


@cache
def _inline_js(relative: str) -> str:
    text = _static(relative).decode("utf-8")
    # The source map is not shipped; a dangling reference makes devtools try to fetch it.
    text = _SOURCE_MAP_RE.sub("", text)
    return text.replace("</script", "<\\/script")


@cache
def _inline_css(relative: str) -> str:
    folder = relative.rsplit("/", 1)[0]

    def data_uri(match: re.Match[str]) -> str:
        name = match.group(1)
        payload = base64.b64encode(_static(f"{folder}/{name}")).decode("ascii")
        return f'url("data:image/png;base64,{payload}")'

    text = _CSS_URL_RE.sub(data_uri, _static(relative).decode("utf-8"))
    return text.replace("</style", "<\\/style")


def _is_external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def _droppable(url: str) -> str | None:
    low = url.lower()
    for key in _DROPPABLE:
        if key in low:
            return key
    return None


def inline_assets(page: str) -> str:
    """Replace the CDN scripts and stylesheets of a rendered folium page with inline copies.

    Parameters
    ----------
    page : str
        The HTML of a rendered map (``figure.render()``).

    Returns
    -------
    str
        The same page needing no network for its JavaScript and CSS. Tile images still come
        from the network unless the map was made with ``tiles=None``.

    Warns
    -----
    UserWarning
        When the page links an asset that is neither vendored nor safe to drop (it is left
        as a link), or when it uses a dropped library.
    """
    dropped: list[str] = []

    def replace(match: re.Match[str], *, css: bool) -> str:
        url = match.group(1)
        if not _is_external(url):
            return match.group(0)
        if css and "stylesheet" not in match.group(0).lower():
            return match.group(0)
        name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if name in _VENDORED:
            if css:
                return f"<style>{_inline_css(_VENDORED[name])}</style>"
            return f"<script>{_inline_js(_VENDORED[name])}</script>"
        key = _droppable(url)
        if key is not None:
            dropped.append(key)
            return ""
        warnings.warn(
            f"offline map: no packaged copy of {url}; it stays a link and needs the network.",
            UserWarning,
            stacklevel=4,
        )
        return match.group(0)

    page = _SCRIPT_RE.sub(lambda m: replace(m, css=False), page)
    page = _LINK_RE.sub(lambda m: replace(m, css=True), page)
    for key in sorted(set(dropped)):
        symbol = _DROPPABLE[key]
        if symbol and symbol in page:
            warnings.warn(
                f"offline map: the page uses {key} ({symbol}), which hotspots does not ship; "
                "that part of the map will not work without the network.",
                UserWarning,
                stacklevel=3,
            )
    if dropped:
        logger.info("offline map: left out unused assets %s", ", ".join(sorted(set(dropped))))
    return page


@cache
def _offline_figure_class() -> type:
    from branca.element import Figure  # lazy: heavy, only when a map is drawn

    class OfflineFigure(Figure):
        """A branca Figure whose rendered HTML has its scripts and stylesheets inlined."""

        _name = "Figure"

        def render(self, **kwargs: Any) -> str:
            return inline_assets(super().render(**kwargs))

    return OfflineFigure


def make_offline(element: Any) -> None:
    """Make the figure that holds ``element`` (a folium Map or DualMap) render offline."""
    from branca.element import Figure  # lazy: heavy, only when a map is drawn

    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"offline=True needs a map inside a branca Figure, got {type(root)}")
    cls = _offline_figure_class()
    if not isinstance(root, cls):
        # The subclass adds no state, only the render step, so changing the instance's class
        # keeps every child the figure already holds (a map passed in with m=).
        root.__class__ = cls
