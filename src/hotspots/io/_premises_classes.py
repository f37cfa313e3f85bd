"""Premises classes: the one table of premises type texts, and the keyword rules.

Each premises gets a ``premises_class`` used by the ranking and the visit plan (which
agencies to invite). The source's type text is looked up, in this order:

1. ``type_map=`` (yours; case-insensitive exact match on the type text);
2. :data:`PREMISES_TYPE_CLASSES` (the FHRS business types and common licence-register types);
3. the keyword rules :data:`CLASS_KEYWORDS` on the type text (e.g. "Private hire operator");
4. for *generic* types (``None`` in the table, e.g. "Other catering premises") and for
   types nobody recognised, the same keyword rules on the premises **name** ("Star Cars",
   "Dabbers Social Bingo", "Good Hotel London");
5. otherwise ``"other"``.

A specific type always wins over the name: "Hotel Chocolat" (Retailers - other) is not a
hotel.

:data:`PUBLIC_PREMISES_TYPES` sits beside the class table on purpose: it is the allow-list
of the same register type texts that a public map may draw
(:mod:`hotspots.premises.public`), so a type added to one is seen next to the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.io._points import NULL_TOKENS

__all__ = ["CLASS_KEYWORDS", "PREMISES_CLASS_NAMES", "PREMISES_TYPE_CLASSES",
           "PUBLIC_PREMISES_TYPES", "classify_premises"]

#: Our premises classes, in display order: :data:`hotspots.schema.PREMISES_CLASSES` (the same
#: tuple; ``hotspots.premises.VISIT_AGENCIES`` has a row for each).
PREMISES_CLASS_NAMES = schema.PREMISES_CLASSES

#: Source type text -> premises class. ``None`` marks a *generic* type, decided by the
#: keyword rules on the premises name (else "other"). Matching ignores case and the spaces
#: around the text. The first block holds the FSA FHRS business types.
PREMISES_TYPE_CLASSES: dict[str, str | None] = {
    # FSA food hygiene rating scheme (BusinessType)
    "Restaurant/Cafe/Canteen": "cafe/restaurant",
    "Takeaway/sandwich shop": "takeaway",
    "Mobile caterer": "takeaway",
    "Pub/bar/nightclub": "pub/bar/nightclub",
    "Hotel/bed & breakfast/guest house": "hotel/guest house",
    "Other catering premises": None,
    "Distributors/Transporters": None,
    "Caring Premises": None,
    "Hospitals/Childcare/Caring Premises": None,
    "Retailers - other": "other",
    "Retailers - supermarkets/hypermarkets": "other",
    "Retailers - supermarkets": "other",
    "School/college/university": "other",
    "Manufacturers/packers": "other",
    "Importers/Exporters": "other",
    "Farmers/growers": "other",
    # common licence-register and council-list types
    "Cafe": "cafe/restaurant",
    "Restaurant": "cafe/restaurant",
    "Takeaway": "takeaway",
    "Hot food takeaway": "takeaway",
    "Late night refreshment": "takeaway",
    "Pub": "pub/bar/nightclub",
    "Public house": "pub/bar/nightclub",
    "Bar": "pub/bar/nightclub",
    "Nightclub": "pub/bar/nightclub",
    "Off licence": "other",
    "Hotel": "hotel/guest house",
    "Guest house": "hotel/guest house",
    "Bed and breakfast": "hotel/guest house",
    "Hostel": "hotel/guest house",
    "Snooker hall": "snooker/pool hall",
    "Snooker club": "snooker/pool hall",
    "Pool hall": "snooker/pool hall",
    "Snooker and pool hall": "snooker/pool hall",
    "Amusement arcade": "amusement arcade",
    "Adult gaming centre": "amusement arcade",
    "Family entertainment centre": "amusement arcade",
    "Shisha lounge": "shisha lounge",
    "Shisha bar": "shisha lounge",
    "Shisha cafe": "shisha lounge",
    "Massage parlour": "massage parlour",
    "Massage": "massage parlour",
    "Sauna": "massage parlour",
    "Nail bar": "nail bar",
    "Nail salon": "nail bar",
    "Car wash": "car wash",
    "Hand car wash": "car wash",
    "Bingo hall": "entertainment",
    "Casino": "entertainment",
    "Betting shop": "entertainment",
    "Private hire operator": "taxi/private hire",
    "Private hire office": "taxi/private hire",
    "Taxi office": "taxi/private hire",
    "Minicab office": "taxi/private hire",
    "Hackney carriage": "taxi/private hire",
    "Taxi": "taxi/private hire",
    # special treatment licences cover massage, nails, tattoos and sunbeds: the name decides
    "Special treatment": None,
    "Special treatment licence": None,
    "House in multiple occupation": "residential",
    "HMO": "residential",
    "Dwelling": "residential",
    "Residential": "residential",
    "Children's home": "residential",
    "Supported accommodation": "residential",
}

#: Keyword rules (class, regular expression), tried in order on the lower-case type text
#: and, for generic or unknown types, on the name. The first match wins, so the premises the
#: safeguarding partnership names (shisha lounges, snooker and pool halls, arcades, massage
#: parlours, nail bars, car washes) come before the broad classes that share their words
#: ("Star Cars Hand Car Wash" is a car wash, "Shisha Bar" a shisha lounge, not a bar).
CLASS_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("car wash",
     r"car ?wash|hand ?wash|\bvalet(?:ing|ers?)?\b|jet ?wash"),
    ("shisha lounge",
     r"shisha|hookah|hubble|narg(?:h)?ile"),
    ("massage parlour",
     r"massage|\bsaunas?\b|relaxation (?:centre|lounge|suite)"),
    ("nail bar",
     r"\bnails?\b|manicure|pedicure"),
    ("snooker/pool hall",
     r"snooker|billiard|\bpool (?:hall|club|room|lounge|bar)\b|\bcue (?:sports|club)"),
    ("amusement arcade",
     r"arcade|amusement|adult gaming|gaming cent|family entertainment cent"),
    ("taxi/private hire",
     r"\btaxis?\b|\bcabs?\b|minicab|private hire|\bcars\b|chauffeur|hackney"),
    ("hotel/guest house",
     r"\bhotels?\b|aparthotel|guest ?house|\bb ?& ?b\b|bed (?:and|&) breakfast|\bhostels?\b|"
     r"\bmotels?\b|premier inn|holiday inn|travelodge|\bibis\b|serviced apartments?"),
    ("entertainment",
     r"bingo|casino|betting|bookmaker|karaoke|bowling"),
    ("pub/bar/nightclub",
     r"\bpubs?\b|public house|\bbars?\b|night ?club|\btavern\b|cocktail"),
    ("takeaway",
     r"take ?away|kebab|fried chicken|\bpizz|fish (?:and|&) chips|chippy|burger"),
    ("cafe/restaurant",
     r"\bcaf[eé]s?\b|\bcaffe\b|restaurant|\bcoffee\b|canteen|bistro|brasserie|\bdiner\b|"
     r"tea ?rooms?"),
    ("residential",
     r"\bhmo\b|multiple occupation|dwelling|residential|care home|children'?s home|"
     r"supported (?:living|housing|accommodation)"),
)

#: Columns every premises frame starts with, in order (others may follow).

#: Premises types a public map may draw, with the kind of business each is. Keys are the
#: register's type text (FSA food hygiene ``BusinessType`` first, then common licence-register
#: types).
PUBLIC_PREMISES_TYPES: dict[str, str] = {
    # FSA food hygiene rating scheme
    "Restaurant/Cafe/Canteen": "cafe/restaurant",
    "Takeaway/sandwich shop": "takeaway",
    "Pub/bar/nightclub": "pub/bar/nightclub",
    "Hotel/bed & breakfast/guest house": "hotel",
    "Retailers - other": "retail",
    "Retailers - supermarkets/hypermarkets": "retail",
    "Retailers - supermarkets": "retail",
    # licence registers and council lists
    "Cafe": "cafe/restaurant",
    "Restaurant": "cafe/restaurant",
    "Takeaway": "takeaway",
    "Hot food takeaway": "takeaway",
    "Late night refreshment": "takeaway",
    "Pub": "pub/bar/nightclub",
    "Public house": "pub/bar/nightclub",
    "Bar": "pub/bar/nightclub",
    "Nightclub": "pub/bar/nightclub",
    "Off licence": "retail",
    "Shop": "retail",
    "Supermarket": "retail",
    "Convenience store": "retail",
    "Hotel": "hotel",
    "Snooker hall": "entertainment",
    "Amusement arcade": "entertainment",
    "Adult gaming centre": "entertainment",
    "Family entertainment centre": "entertainment",
    "Bingo hall": "entertainment",
    "Casino": "entertainment",
    "Betting shop": "entertainment",
    "Cinema": "entertainment",
    "Bowling alley": "entertainment",
}

_COMPILED = tuple((cls, re.compile(rx)) for cls, rx in CLASS_KEYWORDS)
# FHRS writes 1901-01-01 for "no rating date"

def _keyword_class(text: str) -> str | None:
    for cls, rx in _COMPILED:
        if rx.search(text):
            return cls
    return None


def classify_premises(
    types: Sequence[Any] | pd.Series | None,
    names: Sequence[Any] | pd.Series | None = None,
    *,
    type_map: Mapping[str, str] | None = None,
) -> pd.Series:
    """Map source type texts (and names) to premises classes.

    Parameters
    ----------
    types : sequence of str, optional
        The source's type text per premises (``None``/blank allowed). ``None`` for no type
        column at all.
    names : sequence of str, optional
        Premises names, used by the keyword rules for generic or unknown types.
    type_map : mapping of str to str, optional
        Your own type text -> class table; it is consulted before :data:`PREMISES_TYPE_CLASSES`
        (case-insensitive). Its classes may be new ones (agencies then default to the
        "other" row of the visit plan's table).

    Returns
    -------
    pandas.Series
        ``premises_class`` (pandas ``string`` dtype), one per premises, never missing.

    Notes
    -----
    See the module documentation for the order of the rules.

    Examples
    --------
    >>> classify_premises(["Pub/bar/nightclub", "Other catering premises",
    ...                    "Retailers - other"],
    ...                   ["The Crown", "Dabbers Social Bingo", "Hotel Chocolat"]).tolist()
    ['pub/bar/nightclub', 'entertainment', 'other']
    """
    n = len(types) if types is not None else (len(names) if names is not None else 0)
    type_list = list(types) if types is not None else [None] * n
    name_list = list(names) if names is not None else [None] * n
    if len(name_list) != n:
        raise ValueError(f"types and names differ in length ({n} and {len(name_list)}).")
    user = {str(k).strip().lower(): str(v) for k, v in (type_map or {}).items()}
    table = {k.strip().lower(): v for k, v in PREMISES_TYPE_CLASSES.items()}

    def clean(v: Any) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return ""
        s = str(v).strip()
        return "" if s.lower() in NULL_TOKENS else s

    cache: dict[tuple[str, str], str] = {}
    out = []
    for t, nm in zip(type_list, name_list, strict=True):
        key = (clean(t).lower(), clean(nm).lower())
        if key not in cache:
            cache[key] = _classify_one(*key, user, table)
        out.append(cache[key])
    index = types.index if isinstance(types, pd.Series) else None
    return pd.Series(out, index=index, dtype="string", name="premises_class")


def _classify_one(t: str, nm: str, user: Mapping[str, str],
                  table: Mapping[str, str | None]) -> str:
    if t in user:
        return user[t]
    if t in table and table[t] is not None:
        return str(table[t])
    if t and t not in table:
        by_type = _keyword_class(t)
        if by_type is not None:
            return by_type
    return _keyword_class(nm) or "other"


