"""Which premises a public map may draw: an allow-list of clearly commercial types.

A public premises map must never point at a home: a children's home, a care home, supported
lodgings, a refuge, a hostel or a family's flat. Premises registers describe such places in
endless ways ("Caring Premises", "Semi-independent accommodation", "Home address"...), so a
list of words to leave out always misses one. Public maps therefore draw a premises only when
its **type** (the register's own text, not its name and not a class guessed from the name) is
in :data:`PUBLIC_PREMISES_TYPES`, a table of types that are clearly businesses open to the
public: restaurants and cafes, takeaways, pubs, bars and nightclubs, hotels, shops, and
licensed entertainment. Everything else is left out: residential, care and supported housing,
refuges, hostels, "Caring Premises", "Other catering premises" and mobile caterers (often run
from a home), taxi and private hire operators (often registered at a home address), schools,
and any premises with an unknown or blank type.

Two further checks fail closed: a premises classed ``"residential"`` is never drawn, whatever
its type, nor is one whose name reads like a home or a care setting
(:data:`HOME_NAME_PATTERN`).

The table is a documented default: pass your own (``public_types=``) to
:func:`hotspots.maps.explore_premises` to add a local register's types. Matching ignores case
and repeated spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

# The allow-list lives beside the premises class table in io, its one home (the same
# register type texts): a type added to one is seen next to the other.
from hotspots.io.premises import PUBLIC_PREMISES_TYPES

__all__ = ["HOME_NAME_PATTERN", "PUBLIC_PREMISES_TYPES", "public_premises"]

#: A premises whose name matches this is never drawn on a public map, whatever its type.
HOME_NAME_PATTERN = re.compile(
    r"children'?s home|care home|nursing home|residential|refuge|hostel|foster|"
    r"supported (?:living|housing|lodgings?|accommodation)|semi.?independent|"
    r"\bhmo\b|multiple occupation|dwelling|home address|private (?:house|address|residence)",
    re.IGNORECASE,
)


def _normalise(text: Any) -> str:
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return ""
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def public_premises(frame: pd.DataFrame,
                    public_types: Iterable[str] | None = None) -> np.ndarray:
    """Tell which premises a public map may draw (the allow-list; see the module notes).

    Parameters
    ----------
    frame : pandas.DataFrame
        Premises with a ``premises_type`` column (the register's type text), and optionally
        ``premises_class`` and ``name``.
    public_types : iterable of str, optional
        The types that may be drawn; default the keys of :data:`PUBLIC_PREMISES_TYPES`.

    Returns
    -------
    numpy.ndarray of bool
        True where the premises may be drawn: its type is listed, it is not classed
        ``"residential"`` and its name does not read like a home. All False without a
        ``premises_type`` column (nothing can be shown to be a business).

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "name": ["The Crown", "Oak Lodge", "Rose House", "Kebab King"],
    ...     "premises_type": ["Pub/bar/nightclub", "Caring Premises",
    ...                       "Semi-independent accommodation", None]})
    >>> public_premises(frame).tolist()
    [True, False, False, False]
    """
    if "premises_type" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    allowed = {_normalise(t) for t in (PUBLIC_PREMISES_TYPES if public_types is None
                                       else public_types)}
    allowed.discard("")
    types = frame["premises_type"].map(_normalise)
    keep = np.array(types.isin(allowed), dtype=bool)
    if "premises_class" in frame.columns:
        keep = keep & ~np.array(frame["premises_class"].map(_normalise).eq("residential"),
                                dtype=bool)
    if "name" in frame.columns:
        keep = keep & ~np.array(frame["name"].astype("string").str.contains(
            HOME_NAME_PATTERN, na=False), dtype=bool)
    return keep
