"""Tracking shifts in counts: whether the numbers, or the areas holding them, really changed.

One module per job:

- :mod:`~hotspots.change.compare`: :func:`compare_periods`, counts and shares by area in two
  periods with a test of each count change that allows for overdispersion and the SPPT test
  of each change in share; its result :class:`PeriodComparison` lives in
  :mod:`~hotspots.change.comparison` and :func:`hotspots.narrative.describe` turns it into
  sentences.
- :mod:`~hotspots.change.trend`: :func:`trend`, counts per financial year, year, quarter or
  month with the change from the previous period and its E-test.
- :mod:`~hotspots.change.grid_change`: :func:`hotspot_change`, counts before and after on
  one grid (sfhotspot's ``hotspot_change``).
- :mod:`~hotspots.change.classify`: :func:`hotspot_classify`, emerging hot spot categories
  over many periods (the array rules are in :mod:`hotspots.stats.classify`).
- :mod:`~hotspots.change.centrography`: :func:`centre_shift`, how the centre of the
  incidents moved.
- ``_common`` (helpers shared by the verbs) and ``_tests`` (which count test, and running it).
"""

from __future__ import annotations

from hotspots.change.centrography import COMPASS_POINTS, CentreShift, centre_shift
from hotspots.change.classify import (
    ARCGIS_CATEGORIES,
    SFHOTSPOT_CATEGORIES,
    hotspot_classify,
)
from hotspots.change.compare import compare_periods
from hotspots.change.comparison import DIRECTIONS, PeriodComparison
from hotspots.change.grid_change import hotspot_change
from hotspots.change.trend import trend

__all__ = [
    "ARCGIS_CATEGORIES",
    "COMPASS_POINTS",
    "DIRECTIONS",
    "SFHOTSPOT_CATEGORIES",
    "CentreShift",
    "PeriodComparison",
    "centre_shift",
    "compare_periods",
    "hotspot_change",
    "hotspot_classify",
    "trend",
]
