"""Colour classes for choropleths, with mapclassify's schemes.

Breaks come from mapclassify (Fisher-Jenks natural breaks, quantiles, equal interval or the
user's bins), so a map drawn here and a map drawn with geopandas' ``.plot(scheme=...)`` class
the same values the same way. The classes are built only from the values passed in: callers
pass the values a page shows (suppressed cells already removed), so no break can reveal a
hidden number.

Signed columns (Gi* z-scores, changes) get classes symmetric about zero in ColorBrewer RdBu
(colour-blind safe): the scheme classes the sizes ``|x|`` and the classes are mirrored, so a
fall and a rise of the same size get mirror colours and negative values are kept and drawn blue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hotspots._params import current_verb
from hotspots.maps._jenks import fisher_jenks_bins
from hotspots.maps._style import (
    DIVERGING_DOWN,
    DIVERGING_UP,
    SEQUENTIAL,
    Classes,
    format_number,
)

__all__ = ["SCHEMES", "SymmetricClasses", "class_breaks", "scheme_classes", "signed_classes"]

# Our names -> mapclassify classifiers.
SCHEMES = ("natural_breaks", "quantiles", "equal_interval", "user_defined")
_ALIASES = {
    "natural_breaks": "natural_breaks", "fisher_jenks": "natural_breaks",
    "fisherjenks": "natural_breaks", "jenks": "natural_breaks",
    "quantiles": "quantiles", "quantile": "quantiles",
    "equal_interval": "equal_interval", "equalinterval": "equal_interval",
    "user_defined": "user_defined", "userdefined": "user_defined", "user": "user_defined",
}
MAX_CLASSES = 6  # colours per side in our palettes


def _scheme_name(scheme: str, bins: Sequence[float] | None, caller: str | None) -> str:
    caller = caller or current_verb()
    name = _ALIASES.get(str(scheme).lower().replace("-", "_").replace(" ", "_"))
    if name is None:
        raise ValueError(
            f"The 'scheme' parameter of {caller} must be one of {list(SCHEMES)}. "
            f"Got {scheme!r} instead."
        )
    if bins is not None:
        name = "user_defined"
    if name == "user_defined" and (bins is None or len(bins) == 0):
        raise ValueError(f"{caller}: scheme='user_defined' needs bins=[upper bounds...]")
    return name


def class_breaks(
    values: np.ndarray, *, scheme: str = "natural_breaks", k: int = 5,
    bins: Sequence[float] | None = None, caller: str | None = None,
) -> np.ndarray:
    """Upper bounds of the classes mapclassify makes of ``values`` (finite values only).

    Parameters
    ----------
    values : numpy.ndarray
        Finite values to class (at least one).
    scheme : {"natural_breaks", "quantiles", "equal_interval", "user_defined"}
        mapclassify's FisherJenks, Quantiles, EqualInterval or UserDefined.
    k : int
        Number of classes (cut to the number of distinct values).
    bins : sequence of float, optional
        Upper bounds for ``"user_defined"`` (implies it); the data maximum is added as a last
        bound when it is above them, as mapclassify does.
    caller : str, optional
        Name used in messages; default the verb running (``current_verb``).

    Returns
    -------
    numpy.ndarray
        Sorted, distinct upper bounds; the last is at least the data maximum.

    Examples
    --------
    >>> import numpy as np
    >>> class_breaks(np.array([1.0, 2, 3, 10, 11, 12]), scheme="natural_breaks", k=2).tolist()
    [3.0, 12.0]
    """
    import mapclassify  # lazy: heavy, only when a map is drawn

    name = _scheme_name(scheme, bins, caller)
    arr = np.asarray(values, dtype=float)
    distinct = np.unique(arr)
    k = int(min(max(k, 1), distinct.size))
    if name == "user_defined":
        assert bins is not None  # _scheme_name refuses user_defined without bins
        breaks = mapclassify.UserDefined(arr, bins=sorted(float(b) for b in bins)).bins
    elif k == 1:
        breaks = np.array([arr.max()])
    elif name == "natural_breaks":
        # mapclassify's FisherJenks programme, vectorised (identical breaks; its pure-Python
        # fallback without numba cost about 0.3 s per map)
        breaks = fisher_jenks_bins(_jenks_sample(arr), k)
    elif name == "quantiles":
        breaks = mapclassify.Quantiles(arr, k=k).bins
    else:
        breaks = mapclassify.EqualInterval(arr, k=k).bins
    return np.unique(np.asarray(breaks, dtype=float))


#: Fisher-Jenks is O(k n^2) in time and memory: larger inputs are classed on this many evenly
#: spaced order statistics, which keeps the breaks deterministic (mapclassify's
#: FisherJenksSampled draws a random sample)
_JENKS_MAX = 300


def _jenks_sample(arr: np.ndarray) -> np.ndarray:
    """``arr``, or ``_JENKS_MAX`` evenly spaced order statistics of it (min and max kept)."""
    finite = np.sort(arr[np.isfinite(arr)])
    if finite.size <= _JENKS_MAX:
        return arr
    return finite[np.linspace(0, finite.size - 1, _JENKS_MAX).round().astype(np.int64)]


def _labels(lows: Sequence[float], highs: Sequence[float], integer: bool, unit: str) -> list[str]:
    labels = []
    for lo, hi in zip(lows, highs, strict=True):
        if integer and lo == hi:
            labels.append(f"{format_number(hi, True)}{unit}")
        else:
            labels.append(
                f"{format_number(lo, integer)} to {format_number(hi, integer)}{unit}"
            )
    return labels


def scheme_classes(
    values: Sequence[float] | np.ndarray, *, scheme: str = "natural_breaks", k: int = 5,
    bins: Sequence[float] | None = None, integer: bool = False, unit: str = "",
    caller: str | None = None,
) -> Classes:
    """Class the positive values of a column with a mapclassify scheme (ColorBrewer YlOrRd).

    Parameters
    ----------
    values : array-like of float
        The values the map shows. Zero, negative and non-finite values are not classed
        (callers draw zeros neutral and suppressed cells grey).
    scheme, k, bins
        As for :func:`class_breaks`; ``k`` is cut to 6 (the palette's size).
    integer : bool
        Counts: a bound such as 7.4 becomes 7 (the same counts fall in each class) and
        labels read ``"3 to 7"``.
    unit : str
        Appended to every label.

    Returns
    -------
    Classes

    Examples
    --------
    >>> c = scheme_classes([1, 2, 3, 10, 11, 12], k=2, integer=True)
    >>> c.breaks, c.labels
    ((3.0, 12.0), ('1 to 3', '4 to 12'))
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if arr.size == 0:
        _scheme_name(scheme, bins, caller)
        return Classes(breaks=(), lower=0.0, colors=(), labels=())
    breaks = class_breaks(arr, scheme=scheme, k=min(k, MAX_CLASSES), bins=bins, caller=caller)
    if integer:
        # Whole counts: x <= 7.4 is x <= 7, so flooring keeps every count in its class.
        breaks = np.unique(np.floor(breaks))
    breaks = breaks[breaks >= arr.min()]  # user bins below every value hold nothing
    if breaks.size > MAX_CLASSES:
        raise ValueError(
            f"{caller or current_verb()}: {breaks.size} classes is more than the "
            f"palette's {MAX_CLASSES}; pass fewer bins"
        )
    bounds = [float(b) for b in breaks]
    lows = [float(arr.min())] + [(b + 1 if integer else b) for b in bounds[:-1]]
    return Classes(
        breaks=tuple(bounds), lower=float(arr.min()),
        colors=tuple(SEQUENTIAL[len(bounds)]), labels=tuple(_labels(lows, bounds, integer, unit)),
    )


@dataclass(frozen=True)
class SymmetricClasses(Classes):
    """Classes mirrored about zero: ``magnitudes`` are the upper bounds of ``|x|``.

    Class ``m - 1 - j`` holds negatives whose size is in magnitude class ``j``, class
    ``m + j`` the positives, so ``-x`` and ``x`` always get mirror classes (``m`` is the
    number of magnitude classes). Zero is left to the caller (drawn neutral).
    """

    magnitudes: tuple[float, ...] = ()

    def index(self, values: np.ndarray) -> np.ndarray:
        """Class index of each value (``-1`` for zero, non-finite or out-of-range values)."""
        values = np.asarray(values, dtype=float)
        mags = np.asarray(self.magnitudes)
        m = mags.size
        size = np.abs(values)
        j = np.searchsorted(mags, size, side="left")
        idx = np.where(values > 0, m + j, m - 1 - j)
        bad = ~np.isfinite(values) | (values == 0) | (j >= m)
        return np.where(bad, -1, idx)


def signed_classes(
    values: Sequence[float] | np.ndarray, *, scheme: str = "natural_breaks", k: int = 3,
    bins: Sequence[float] | None = None, unit: str = "", caller: str | None = None,
) -> SymmetricClasses:
    """Classes symmetric about zero for a signed column (z-scores, changes).

    The scheme classes the sizes ``|x|`` of the non-zero values into ``k`` (at most 3)
    classes; each is used once below zero (blues) and once above (reds), ColorBrewer RdBu.

    Parameters
    ----------
    values : array-like of float
        The values the map shows (suppressed cells removed).
    scheme, bins
        As for :func:`class_breaks`, applied to ``|x|`` (``bins`` are sizes: ``[1.96, 2.58]``
        makes classes at +-1.96 and +-2.58).
    k : int
        Classes on each side of zero (1 to 3).
    unit : str
        Appended to every label.

    Returns
    -------
    SymmetricClasses
        Up to six classes, most negative first; the legend spans below zero whenever a
        value does.

    Examples
    --------
    >>> c = signed_classes([-3.0, -1.0, 0.5, 2.0, 3.0], k=2)
    >>> c.magnitudes, c.labels[0]
    ((1.0, 3.0), '-3 to -1')
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr) & (arr != 0)]
    if arr.size == 0:
        _scheme_name(scheme, bins, caller)
        return SymmetricClasses(breaks=(), lower=0.0, colors=(), labels=(), magnitudes=())
    mags: Any = class_breaks(np.abs(arr), scheme=scheme, k=min(max(k, 1), 3), bins=bins,
                             caller=caller)  # an array, then the list of its floats
    if mags.size > 3:
        raise ValueError(
            f"{caller or current_verb()}: a signed column takes at most 3 bins (sizes); "
            f"got {mags.size}"
        )
    mags = [float(v) for v in mags]
    m = len(mags)
    lows = [0.0, *mags[:-1]]
    down = [f"{format_number(-hi)} to {format_number(-lo)}{unit}" for lo, hi in zip(lows, mags,
                                                                                     strict=True)]
    up = [f"{format_number(lo)} to {format_number(hi)}{unit}" for lo, hi in zip(lows, mags,
                                                                                 strict=True)]
    # Take the palette's outer colours first so few classes still read strongly.
    colors_down = DIVERGING_DOWN[:m] if m < 3 else DIVERGING_DOWN
    colors_up = DIVERGING_UP[3 - m:]
    return SymmetricClasses(
        breaks=(*(-v for v in reversed(mags[:-1])), 0.0, *mags),
        lower=-mags[-1],
        colors=(*colors_down, *colors_up),
        labels=(*reversed(down), *up),
        magnitudes=tuple(mags),
    )
