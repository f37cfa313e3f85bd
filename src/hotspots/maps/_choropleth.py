"""One classification for every choropleth: the values a page shows, classed with mapclassify.

``explore_areas``, the grid maps of ``explore_hotspots`` and ``explore_change``, and the
static export all class their numbers here (issue 15): natural breaks, quantiles, equal
interval or the user's bins (:mod:`hotspots.maps._classify`), and a diverging palette centred
on zero for signed values (z-scores, changes). Suppressed cells arrive as text (``"<5"``,
``"[c]"``): they are drawn grey and hatched and never enter a class break, so no break can
reveal a hidden number. Zero is drawn neutral; a row with no value white.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots.maps._classify import scheme_classes, signed_classes
from hotspots.maps._style import NEUTRAL, SUPPRESSED_COLOR, Classes, format_number

__all__ = ["SHARE_COLUMNS", "SIGNED_COLUMNS", "Classed", "change_words", "class_styles",
           "classify_column"]

SHARE_COLUMNS = ("share", "share_before", "share_after", "share_change")
# Columns whose sign means something (z-scores, changes): drawn with classes symmetric about 0.
SIGNED_COLUMNS = ("gistar", "z", "z_score", "zscore", "gi_z", "change", "n_change",
                  "share_change", "rate_change", "difference")
_COUNT_COLUMNS = ("n", "n_before", "n_after", "n_weighted", "change", "n_change")


@dataclass(frozen=True)
class Classed:
    """A column's values as a page shows them, and the colour classes made of them."""

    values: np.ndarray  #: the numbers (NaN for text and missing values)
    shown: np.ndarray  #: the numbers in the units shown (percent for shares)
    hidden: np.ndarray  #: True where the value is suppression text
    missing: np.ndarray  #: True where there is no value at all
    classes: Classes
    is_share: bool
    integer: bool
    signed: bool
    hidden_text: tuple[str, ...] = ()  #: the distinct suppression texts, sorted


def classify_column(
    raw: pd.Series | Sequence[Any], column: str, *, scheme: str = "natural_breaks",
    bins: Sequence[float] | None = None, n_classes: int = 5, signed: bool | None = None,
    unit: str = "",
) -> Classed:
    """Class the values of ``column`` with a mapclassify scheme (diverging when signed).

    Parameters
    ----------
    raw : pandas.Series or sequence
        The values the page shows: numbers, NA, or suppression text.
    column : str
        The column's name: shares are shown in percent, counts as whole numbers, and
        z-score and change columns are signed.
    scheme, bins, n_classes
        As for :func:`hotspots.maps.explore_areas`.
    signed : bool, optional
        Class about zero; default for the signed columns or any negative value.
    unit : str
        Appended to the labels (``"%"`` is used for shares whatever is given).

    Returns
    -------
    Classed

    Examples
    --------
    >>> c = classify_column(pd.Series([-3.0, -1.0, 0.0, 2.0, 3.0]), "gistar", n_classes=4)
    >>> c.signed, c.classes.labels[0], c.classes.labels[-1]
    (True, '-3 to -2', '2 to 3')
    >>> classify_column(pd.Series([1, 5, "<5", 9]), "n", n_classes=2).hidden.tolist()
    [False, False, True, False]
    """
    raw = pd.Series(raw).reset_index(drop=True)
    hidden = raw.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    values = pd.to_numeric(raw.where(~hidden), errors="coerce").to_numpy(dtype=float)
    missing = ~hidden & ~np.isfinite(values)
    is_share = column in SHARE_COLUMNS
    integer = column in _COUNT_COLUMNS and bool(np.all(~np.isfinite(values) | (values % 1 == 0)))
    shown = values * 100 if is_share else values
    if signed is None:
        signed = column in SIGNED_COLUMNS or bool(np.nanmin(shown, initial=0.0) < 0)
    unit = "%" if is_share else unit
    if signed:
        classes: Classes = signed_classes(shown, scheme=scheme, bins=bins, unit=unit,
                                          k=max(1, min(3, (n_classes + 1) // 2)))
    else:
        classes = scheme_classes(shown, scheme=scheme, bins=bins, k=n_classes,
                                 integer=integer, unit=unit)
    return Classed(values=values, shown=shown, hidden=hidden, missing=missing, classes=classes,
                   is_share=is_share, integer=integer, signed=bool(signed),
                   hidden_text=tuple(sorted({str(v) for v in raw[hidden]})))


def class_styles(classed: Classed, base_style: dict[str, Any], *, zero: bool = True,
                 missing_label: str | None = "Not in the table",
                 ) -> tuple[np.ndarray, list[dict[str, Any]], list[tuple[str, str]]]:
    """Style index per row, the styles and the legend entries of a classed column.

    Parameters
    ----------
    classed : Classed
        From :func:`classify_column`.
    base_style : dict
        Leaflet path options every style starts from (``fillColor`` is set here).
    zero : bool
        Draw zeros neutral with their own legend row (between falls and rises when signed).
    missing_label : str or None
        Legend text of rows with no value; None leaves them undrawn (empty grid cells).

    Returns
    -------
    index : numpy.ndarray of int
        Style of each row (``-1``: not drawn).
    styles : list of dict
    entries : list of (colour, label)
        ``"hatch:#..."`` colours draw hatched legend rows (suppressed values).

    Examples
    --------
    >>> c = classify_column(pd.Series([0, 3, 8, "<5"]), "n", n_classes=2)
    >>> index, styles, entries = class_styles(c, {"weight": 1})
    >>> [label for _, label in entries]
    ['0', '3', '4 to 8', 'Suppressed (<5)']
    >>> index.tolist()
    [2, 0, 1, 3]
    """
    classes, values, hidden = classed.classes, classed.values, classed.hidden
    index = classes.index(classed.shown)
    styles = [{**base_style, "fillColor": c} for c in classes.colors]
    entries = list(zip(classes.colors, classes.labels, strict=True))
    is_zero = (values == 0) & ~hidden
    if zero and is_zero.any():
        index = np.where(is_zero, len(styles), index)
        styles.append({**base_style, "fillColor": NEUTRAL})
        # Zero sits between the falls and the rises of a signed column, else first.
        entries.insert(len(getattr(classes, "magnitudes", ())), (NEUTRAL, "0"))
    if hidden.any():
        index = np.where(hidden, len(styles), index)
        styles.append({**base_style, "fillColor": SUPPRESSED_COLOR, "dashArray": "4 3"})
        entries.append((f"hatch:{SUPPRESSED_COLOR}",
                        f"Suppressed ({', '.join(classed.hidden_text)})"))
    if missing_label is not None and classed.missing.any():
        index = np.where(classed.missing, len(styles), index)
        styles.append({**base_style, "fillColor": "#ffffff", "fillOpacity": 0.2})
        entries.append(("#ffffff", missing_label))
    return np.asarray(index, dtype=int), styles, entries


def change_words(entries: list[tuple[str, str]], classed: Classed) -> list[tuple[str, str]]:
    """Legend rows of a change map in words: "Fall of 4 to 9", "No change", "Rise of 1 to 3".

    Parameters
    ----------
    entries : list of (colour, label)
        From :func:`class_styles` of a signed :class:`Classed`.
    classed : Classed
        The signed classes (their ``magnitudes`` give the sizes).

    Returns
    -------
    list of (colour, label)
        The same rows, relabelled; rows that are not value classes are kept as they are.

    Examples
    --------
    >>> c = classify_column(pd.Series([-9, -2, 0, 1, 3]), "change", n_classes=4)
    >>> _, _, entries = class_styles(c, {})
    >>> [label for _, label in change_words(entries, c)]
    ['Fall of 4 to 9', 'Fall of 1 to 3', 'No change', 'Rise of 1 to 3', 'Rise of 4 to 9']
    """
    mags = list(getattr(classed.classes, "magnitudes", ()))
    if not mags:
        return entries
    step = 1.0 if classed.integer else 0.0
    sizes = []
    for j, hi in enumerate(mags):
        lo = mags[j - 1] + step if j else (1.0 if classed.integer else 0.0)
        if classed.integer and lo >= hi:
            sizes.append(format_number(hi, True))
        elif lo == 0:
            sizes.append(f"up to {format_number(hi)}")
        else:
            sizes.append(f"{format_number(lo, classed.integer)} to "
                         f"{format_number(hi, classed.integer)}")
    words = [f"Fall of {t}" for t in reversed(sizes)] + [f"Rise of {t}" for t in sizes]
    labels = list(classed.classes.labels)
    out = []
    for colour, label in entries:
        if label in labels:
            label = words[labels.index(label)]
        elif label == "0":
            label = "No change"
        out.append((colour, label))
    return out
