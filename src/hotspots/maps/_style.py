"""Palettes, colour classes and number formats for the map builders.

Maps never compute statistics: the functions here only sort values that a result already holds
into colour classes for display, and say in words what each colour means.

Palettes are colour-blind safe (ColorBrewer RdBu, YlOrRd and PuOr, all marked "colour-blind
friendly" by ColorBrewer), so a red hot spot and a blue cold spot stay apart for readers with
deuteranopia or protanopia.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# ColorBrewer RdBu, 7 classes, reversed so that hot = red: index 0 is gi_bin -3.
GI_BIN_COLORS: dict[int, str] = {
    -3: "#2166ac",
    -2: "#67a9cf",
    -1: "#d1e5f0",
    0: "#f7f7f7",
    1: "#fddbc7",
    2: "#ef8a62",
    3: "#b2182b",
}
GI_BIN_LABELS: dict[int, str] = {
    3: "Hot spot, 99% confidence",
    2: "Hot spot, 95% confidence",
    1: "Hot spot, 90% confidence",
    0: "Not significant",
    -1: "Cold spot, 90% confidence",
    -2: "Cold spot, 95% confidence",
    -3: "Cold spot, 99% confidence",
}

# ColorBrewer YlOrRd (sequential) for counts and densities, lightest first.
SEQUENTIAL: dict[int, list[str]] = {
    1: ["#bd0026"],
    2: ["#fd8d3c", "#bd0026"],
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
}
# ColorBrewer RdBu 6 for change (fall = blue, rise = red), without the neutral middle:
# the "no change" class gets NEUTRAL.
DIVERGING_DOWN = ["#2166ac", "#67a9cf", "#d1e5f0"]  # big fall .. small fall
DIVERGING_UP = ["#fddbc7", "#ef8a62", "#b2182b"]  # small rise .. big rise
NEUTRAL = "#f7f7f7"
SUPPRESSED_COLOR = "#bdbdbd"
OUTLINE_COLOR = "#444444"

# Emerging hot spot categories (ArcGIS Pro's 17 names). ArcGIS draws hot patterns in reds and
# cold patterns in blues, darker for the more settled patterns; these are our hex codes for that
# scheme. Keys are normalised names (see ``normalise_category``).
EHSA_CATEGORIES: list[tuple[str, str, str]] = [
    ("newhotspot", "New hot spot", "#fcae91"),
    ("consecutivehotspot", "Consecutive hot spot", "#fb6a4a"),
    ("intensifyinghotspot", "Intensifying hot spot", "#a50f15"),
    ("persistenthotspot", "Persistent hot spot", "#de2d26"),
    ("diminishinghotspot", "Diminishing hot spot", "#fc9272"),
    ("sporadichotspot", "Sporadic hot spot", "#fdd0a2"),
    ("oscillatinghotspot", "Oscillating hot spot", "#fd8d3c"),
    ("historicalhotspot", "Historical hot spot", "#d9b8a8"),
    ("newcoldspot", "New cold spot", "#9ecae1"),
    ("consecutivecoldspot", "Consecutive cold spot", "#6baed6"),
    ("intensifyingcoldspot", "Intensifying cold spot", "#08519c"),
    ("persistentcoldspot", "Persistent cold spot", "#3182bd"),
    ("diminishingcoldspot", "Diminishing cold spot", "#c6dbef"),
    ("sporadiccoldspot", "Sporadic cold spot", "#c7e9c0"),
    ("oscillatingcoldspot", "Oscillating cold spot", "#41b6c4"),
    ("historicalcoldspot", "Historical cold spot", "#b8c4d9"),
    ("nopattern", "No pattern detected", NEUTRAL),
]

# sfhotspot's hotspot_classify scheme (Chainey), for the categories it adds to ArcGIS's.
SFHOTSPOT_CATEGORIES: list[tuple[str, str, str]] = [
    ("persistenthotspot", "Persistent hotspot", "#de2d26"),
    ("emerginghotspot", "Emerging hotspot", "#fc9272"),
    ("formerhotspot", "Former hotspot", "#d9b8a8"),
    ("intermittenthotspot", "Intermittent hotspot", "#fdd0a2"),
    ("persistentcoldspot", "Persistent coldspot", "#3182bd"),
    ("emergingcoldspot", "Emerging coldspot", "#9ecae1"),
    ("formercoldspot", "Former coldspot", "#b8c4d9"),
    ("intermittentcoldspot", "Intermittent coldspot", "#c6dbef"),
    ("mixedhotcoldspot", "Mixed hot/coldspot", "#c2a5cf"),
]

PRIORITY_COLORS: dict[str, str] = {
    "high": "#b2182b",
    "medium": "#ef8a62",
    "low": "#67a9cf",
}


def normalise_category(value: object) -> str:
    """Lower-case a category name and keep letters only (``"New Hot Spot"`` -> ``"newhotspot"``).

    ``"hotspot"`` and ``"hot spot"`` spellings compare equal after this.
    """
    return re.sub(r"[^a-z]", "", str(value).lower())


@dataclass(frozen=True)
class Classes:
    """Colour classes for a numeric column.

    Attributes
    ----------
    breaks : tuple of float
        Upper bounds of each class (the last is the data maximum).
    lower : float
        Lower bound of the first class.
    colors : tuple of str
        One colour per class.
    labels : tuple of str
        One legend label per class, e.g. ``"12 to 25"``.
    """

    breaks: tuple[float, ...]
    lower: float
    colors: tuple[str, ...]
    labels: tuple[str, ...]

    def index(self, values: np.ndarray) -> np.ndarray:
        """Class index of each value (``-1`` for values outside every class or not finite)."""
        values = np.asarray(values, dtype=float)
        idx = np.searchsorted(np.asarray(self.breaks), values, side="left")
        bad = ~np.isfinite(values) | (values < self.lower) | (idx >= len(self.breaks))
        return np.where(bad, -1, idx)


def nice(value: float, digits: int = 2) -> float:
    """Round ``value`` to ``digits`` significant figures (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def format_number(value: float, integer: bool = False) -> str:
    """Format a number for a legend or tooltip: thousands separators, 2-3 significant figures."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if integer:
        return f"{round(value):,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    if magnitude == 0:
        return "0"
    return f"{nice(value, 2):g}"


def sequential_classes(
    values: Sequence[float] | np.ndarray, *, k: int = 6, integer: bool = False, unit: str = ""
) -> Classes:
    """Split the positive values of a column into at most ``k`` quantile classes for display.

    Parameters
    ----------
    values : array-like of float
        The column to draw. Values that are zero, negative or not finite are not classed (such
        cells are left undrawn, which the legend says).
    k : int
        Largest number of classes (1 to 6).
    integer : bool
        Counts: class bounds are whole numbers and labels read ``"3 to 5"``.
    unit : str
        Appended to every label, e.g. ``" per km²"``.

    Returns
    -------
    Classes
        The breaks, colours (ColorBrewer YlOrRd) and legend labels.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if arr.size == 0:
        return Classes(breaks=(), lower=0.0, colors=(), labels=())
    k = int(min(max(k, 1), 6))
    distinct = np.unique(arr)
    if integer and distinct.size <= k:
        bounds = [float(v) for v in distinct]
        lows = bounds
    else:
        qs = np.quantile(arr, np.linspace(0, 1, k + 1)[1:])
        qs = np.ceil(qs) if integer else np.array([nice(q, 2) for q in qs])
        qs[-1] = arr.max()
        bounds = sorted({float(q) for q in qs})
        lows = [float(arr.min())] + [
            (b + 1 if integer else b) for b in bounds[:-1]
        ]
    colors = SEQUENTIAL[len(bounds)]
    labels = []
    for lo, hi in zip(lows, bounds, strict=True):
        if integer and lo == hi:
            labels.append(f"{format_number(hi, True)}{unit}")
        elif integer:
            labels.append(f"{format_number(lo, True)} to {format_number(hi, True)}{unit}")
        else:
            labels.append(f"{format_number(lo)} to {format_number(hi)}{unit}")
    return Classes(
        breaks=tuple(bounds), lower=float(arr.min()), colors=tuple(colors), labels=tuple(labels)
    )


def diverging_classes(
    values: Sequence[float] | np.ndarray, *, integer: bool = False, unit: str = ""
) -> Classes:
    """Classes symmetric about zero for a change column: three falls, no change, three rises.

    The bounds are the largest absolute change split in thirds (rounded to two significant
    figures), so equal rises and falls get mirror colours.

    Parameters
    ----------
    values : array-like of float
        The change column (after minus before, or a difference of densities).
    integer : bool
        Whole-number bounds (counts).
    unit : str
        Appended to each label.

    Returns
    -------
    Classes
        Seven classes (fewer when all changes are zero) with ColorBrewer RdBu colours.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    top = float(np.abs(arr).max()) if arr.size else 0.0
    if top == 0:
        return Classes(breaks=(0.0,), lower=0.0, colors=(NEUTRAL,), labels=(f"No change{unit}",))
    if integer:
        step: float = max(math.ceil(top / 3), 1)
        edges: list[float] = [step, 2 * step, max(3 * step, math.ceil(top))]
        small = 0.5  # counts: "no change" is exactly zero
    else:
        step = nice(top / 3, 2)
        edges = [step, 2 * step, max(3 * step, top)]
        small = step / 10
    # Upper bounds, from the biggest fall up; searchsorted(side="left") puts x in the class
    # whose upper bound is the first >= x.
    if integer:
        # Whole numbers: falls of 1..e0, e0+1..e1 and more mirror the rises exactly.
        breaks = (-edges[1] - 0.5, -edges[0] - 0.5, -small, small, edges[0], edges[1], edges[2])
    else:
        breaks = (-edges[1], -edges[0], -small, small, edges[0], edges[1], edges[2])
    lower = -edges[2]
    fmt = (lambda v: format_number(v, True)) if integer else format_number
    if integer:
        labels = (
            f"Fall of {fmt(edges[1] + 1)} or more{unit}",
            f"Fall of {fmt(edges[0] + 1)} to {fmt(edges[1])}{unit}",
            f"Fall of 1 to {fmt(edges[0])}{unit}",
            f"No change{unit}",
            f"Rise of 1 to {fmt(edges[0])}{unit}",
            f"Rise of {fmt(edges[0] + 1)} to {fmt(edges[1])}{unit}",
            f"Rise of {fmt(edges[1] + 1)} or more{unit}",
        )
    else:
        labels = (
            f"Fall of more than {fmt(edges[1])}{unit}",
            f"Fall of {fmt(edges[0])} to {fmt(edges[1])}{unit}",
            f"Fall of up to {fmt(edges[0])}{unit}",
            f"Little or no change (within {fmt(small)}){unit}",
            f"Rise of up to {fmt(edges[0])}{unit}",
            f"Rise of {fmt(edges[0])} to {fmt(edges[1])}{unit}",
            f"Rise of more than {fmt(edges[1])}{unit}",
        )
    colors = (*DIVERGING_DOWN, NEUTRAL, *DIVERGING_UP)
    return Classes(breaks=breaks, lower=lower, colors=colors, labels=labels)
