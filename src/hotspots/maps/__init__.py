"""Interactive maps of hotspots results (folium), for analysts, licensing teams and committees.

Every builder returns a ``folium.Map`` (or ``folium.plugins.DualMap``) that shows itself in
Jupyter and writes a page with ``.save(path)``. Each map has boundary outlines as toggleable
layers, a layer control, a legend, a title and a footer stamped with the data period, the
boundary vintage, the output mode and the library version.

Two modes decide what a map may show:

- ``"restricted"`` (analysts): incident points and every premises allowed;
- ``"public"`` (committees, shared outputs): aggregates and suppressed counts only; asking for
  incident points raises :class:`PublicModeError`. Public maps work out what they may show
  from the numbers they are given, never from a stamp (:mod:`hotspots.maps._public`): grid
  cells at least 100 m across, Gi* and KDE cells as their class only, no count below ``k``
  in any tooltip or popup, cluster dates as months, and premises only of clearly commercial
  types (:mod:`hotspots.premises.public`).

Maps never compute statistics: they draw the columns results already have. folium, branca and
jinja2 are imported only when a map is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotspots._lazy import lazy_dir, lazy_getattr
from hotspots.errors import PublicModeError
from hotspots.maps._base import layer_names

if TYPE_CHECKING:
    from hotspots.maps.areas import explore_areas
    from hotspots.maps.change import explore_change
    from hotspots.maps.clusters import explore_clusters
    from hotspots.maps.hotspots import explore_hotspots
    from hotspots.maps.premises import explore_premises

__all__ = [
    "PublicModeError",
    "explore_areas",
    "explore_change",
    "explore_clusters",
    "explore_hotspots",
    "explore_premises",
    "layer_names",
]

# Each builder is loaded on first use: a hot spot map need not load the premises and change
# builders (with the premises, privacy and io modules they import, 0.15-0.25 s).
_BUILDERS = {
    "explore_areas": "hotspots.maps.areas:explore_areas",
    "explore_change": "hotspots.maps.change:explore_change",
    "explore_clusters": "hotspots.maps.clusters:explore_clusters",
    "explore_hotspots": "hotspots.maps.hotspots:explore_hotspots",
    "explore_premises": "hotspots.maps.premises:explore_premises",
}
__getattr__ = lazy_getattr("hotspots.maps", _BUILDERS, globals())
__dir__ = lazy_dir(_BUILDERS, globals())
