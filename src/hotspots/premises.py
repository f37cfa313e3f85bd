"""Premises of concern: link incidents to premises, rank them with reasons, plan visits.

The licensing journey in four verbs, all pure computation on canonical frames (no files):

- :func:`link_premises`: each incident to the nearest premises within a distance, or to a
  premises named in a location text, with a documented confidence; unlinked incidents are
  counted by reason, never dropped.
- :func:`premises_rank`: one row per premises with counts, harm, recency, repeats, trend,
  hot-spot and cluster context, a documented score, a deterministic rank and a plain-English
  ``reasons`` text.
- :func:`visit_plan`: the top premises grouped into operations of nearby premises (no
  operation spans more than ``max_span`` metres), each routed by nearest neighbour then 2-opt,
  with the agencies to invite and the time window when the linked incidents happen.
- :func:`proximity_report`: for each vulnerable location (children's homes, schools, pupil
  referral units), the incidents and hot cells around it and the nearest ranked premises.

The premises frame
------------------
A GeoDataFrame in the same projected CRS as the incidents (EPSG:27700 from the readers) with
at least ``premises_id`` (unique), ``name`` and ``geometry`` (Point, or an empty Point when
the location is unknown). :func:`hotspots.io.read_premises` and :func:`hotspots.io.read_fhrs`
also give ``premises_type``, ``premises_class``, ``address``, ``postcode``, ``capacity``,
``kind`` and ``location_status``; these are used when present.

Caveat for open data: police.uk locations are anonymised snap points shared by many crimes,
so a link from police.uk data says "near this premises", not "at this premises".
:func:`premises_rank` warns when the incidents look like police.uk data.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots._params import check_positive, check_probability
from hotspots.errors import CRSError, DataQualityWarning, EmptyDataError, Problem, ValidationError
from hotspots.periods import Period, PeriodLike, parse_period
from hotspots.stats.tests import etest

__all__ = [
    "AGENCY_ORDER",
    "CLUSTER_BOOST",
    "HOT_CELL_BOOST",
    "LINK_METHODS",
    "PREMISES_CLASS_NAMES",
    "UNLINKED_REASONS",
    "VISIT_AGENCIES",
    "VisitPlan",
    "link_premises",
    "premises_rank",
    "proximity_report",
    "visit_plan",
]

logger = logging.getLogger(__name__)

PREMISES_ID = "premises_id"
PREMISES_CLASS = "premises_class"

#: The premises classes of :data:`hotspots.io.premises.PREMISES_CLASSES`, in display order.
#: (Kept here as plain strings because computation must not import :mod:`hotspots.io`.)
PREMISES_CLASS_NAMES = (
    "cafe/restaurant",
    "takeaway",
    "pub/bar/nightclub",
    "hotel/guest house",
    "entertainment",
    "taxi/private hire",
    "residential",
    "other",
)

#: How an incident was linked to its premises (``link_method`` of :func:`link_premises`).
LINK_METHODS = ("distance", "name", "distance+name")
#: Why an incident is not linked (``unlinked_reason`` of :func:`link_premises`).
UNLINKED_REASONS = ("no location", "none within distance", "ambiguous name")

#: Agencies to invite, by premises class. The police attend every visit; environmental
#: health inspects food businesses; council licensing covers alcohol and entertainment
#: licences; taxi licensing covers private hire operators; the fire service inspects
#: sleeping accommodation (hotels, houses in multiple occupation). HMRC and Immigration
#: Enforcement are optional partners: add them with ``visit_plan(extra_agencies=...)``.
VISIT_AGENCIES: dict[str, tuple[str, ...]] = {
    "cafe/restaurant": ("police", "environmental health"),
    "takeaway": ("police", "environmental health"),
    "pub/bar/nightclub": ("police", "council licensing"),
    "hotel/guest house": ("police", "council licensing", "fire service"),
    "entertainment": ("police", "council licensing"),
    "taxi/private hire": ("police", "taxi licensing"),
    "residential": ("police", "fire service"),
    "other": ("police",),
}

#: Order in which agencies are listed in outputs (others follow alphabetically).
AGENCY_ORDER = (
    "police",
    "council licensing",
    "environmental health",
    "taxi licensing",
    "fire service",
    "HMRC",
    "Immigration Enforcement",
)

#: Score multiplier per significance level of the Gi* hot cell holding the premises:
#: the score is multiplied by ``1 + HOT_CELL_BOOST * gi_bin`` for ``gi_bin`` 1, 2, 3
#: (90%, 95%, 99% confidence), i.e. by 1.1, 1.2 or 1.3.
HOT_CELL_BOOST = 0.1
#: Score multiplier ``1 + CLUSTER_BOOST`` when the premises is in an incident cluster.
CLUSTER_BOOST = 0.1

_GI_CONFIDENCE = {1: 90, 2: 95, 3: 99}

# Short labels for the police.uk categories in reasons ("3 violence, 2 ASB").
_SHORT_CATEGORY = {
    "violence and sexual offences": "violence",
    "anti-social behaviour": "ASB",
    "criminal damage and arson": "criminal damage",
    "theft from the person": "theft from the person",
    "other theft": "other theft",
    "possession of weapons": "weapons",
    "public order": "public order",
    "vehicle crime": "vehicle crime",
    "bicycle theft": "bicycle theft",
    "other crime": "other crime",
    "violent-crime": "violence",
    "anti-social-behaviour": "ASB",
}

# The digits, letters and space that normalised names are made of (character-bag filter).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 "
_LOCATION_PREFIX = re.compile(r"^\s*(?:on or near|near to|near|outside|o/s|inside|at)\s+", re.I)
_STOPWORDS = frozenset({"the", "ltd", "limited", "plc"})


# --------------------------------------------------------------------------------------------
# small helpers shared by the verbs
# --------------------------------------------------------------------------------------------
def _check_frame(frame: Any, name: str, caller: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(
            f"The '{name}' parameter of {caller} must be a GeoDataFrame. "
            f"Got {type(frame).__name__} instead."
        )
    if frame.crs is None:
        raise CRSError(
            Problem("missing_crs", f"'{name}' has no CRS; read it with hotspots.io, or set "
                                   "one with .set_crs(...)."),
            context=caller,
        )
    if frame.crs.is_geographic:
        raise CRSError(
            Problem("geographic_crs", f"'{name}' is in {frame.crs.to_string()} (degrees); "
                                      "distances need metres. Use .to_crs('EPSG:27700')."),
            context=caller,
        )
    return frame


def _check_same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, names: tuple[str, str],
                    caller: str) -> None:
    if not a.crs.equals(b.crs):
        raise CRSError(
            Problem("crs_mismatch", f"'{names[0]}' is in {a.crs.to_string()} but '{names[1]}' "
                                    f"is in {b.crs.to_string()}; reproject one with "
                                    ".to_crs(...)."),
            context=caller,
        )


def _check_premises(premises: Any, caller: str, name: str = "premises") -> gpd.GeoDataFrame:
    premises = _check_frame(premises, name, caller)
    missing = [c for c in (PREMISES_ID, "name") if c not in premises.columns]
    if missing:
        raise ValidationError(
            Problem("missing_column", f"'{name}' has no column {', '.join(map(repr, missing))}; "
                                      "read it with hotspots.io.read_premises or read_fhrs.",
                    column=missing[0]),
            context=caller,
        )
    ids = premises[PREMISES_ID].astype("string")
    if ids.isna().any():
        rows = tuple(int(i) for i in np.flatnonzero(ids.isna().to_numpy())[:5])
        raise ValidationError(
            Problem("missing_id", f"'{name}' has premises without a premises_id (positions "
                                  f"{rows}).", n_rows=int(ids.isna().sum()), column=PREMISES_ID),
            context=caller,
        )
    dup = ids.duplicated(keep=False)
    if dup.any():
        shown = ", ".join(sorted(set(ids[dup].head(5))))
        raise ValidationError(
            Problem("duplicate_id", f"'{name}' has {int(dup.sum())} rows sharing a premises_id "
                                    f"(e.g. {shown}); ids must be unique.",
                    n_rows=int(dup.sum()), column=PREMISES_ID),
            context=caller,
        )
    return premises


def _located_mask(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Rows with a usable point: status "located" (when given) and a non-empty geometry."""
    geom = frame.geometry.to_numpy()
    ok = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if schema.LOCATION_STATUS in frame.columns:
        status = frame[schema.LOCATION_STATUS].astype("string")
        ok &= (status == schema.LOCATED).fillna(False).to_numpy(dtype=bool)
    return ok


def _point_xy(geoms: np.ndarray) -> np.ndarray:
    """x, y of points; a polygon or line is represented by a point on its surface."""
    pts = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    return shapely.get_coordinates(pts)


def _time_precision(times: pd.Series) -> str:
    """"month" (all on the 1st at midnight: police.uk), "day" (all at midnight) or "time"."""
    t = pd.to_datetime(times, errors="coerce").dropna()
    if t.empty:
        return "unknown"
    midnight = (t == t.dt.normalize()).all()
    if midnight and (t.dt.day == 1).all():
        return "month"
    return "day" if midnight else "time"


def _short_category(category: str) -> str:
    text = str(category)
    return _SHORT_CATEGORY.get(text.strip().lower(), text.strip().lower())


def _plural(n: int | float, word: str, plural: str | None = None) -> str:
    n_int = int(n)
    return f"{n_int} {word if n_int == 1 else (plural or word + 's')}"


def _normalize_name(text: Any, *, sort_words: bool = True) -> str:
    """Normalised form of a premises name or location text, for fuzzy comparison.

    Lower case, accents removed, "&" read as "and", apostrophes dropped, other punctuation
    read as spaces, a leading "On or near"/"near"/"outside"/"at" removed, the words "the",
    "ltd", "limited" and "plc" dropped, and the words sorted (so "Crown, The" = "The Crown").
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    t = _LOCATION_PREFIX.sub("", t.lower())
    t = t.replace("&", " and ")
    t = re.sub(r"['`]", "", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    words = [w for w in t.split() if w not in _STOPWORDS]
    return " ".join(sorted(words) if sort_words else words)


def _char_counts(texts: Sequence[str]) -> np.ndarray:
    """Bag-of-characters counts over :data:`_ALPHABET` (float32, one row per text)."""
    lookup = np.full(128, -1, dtype=np.int64)
    for k, ch in enumerate(_ALPHABET):
        lookup[ord(ch)] = k
    out = np.zeros((len(texts), len(_ALPHABET)), dtype=np.float32)
    for i, t in enumerate(texts):
        if t:
            codes = lookup[np.frombuffer(t.encode("ascii"), dtype=np.uint8)]
            out[i] = np.bincount(codes[codes >= 0], minlength=len(_ALPHABET))
    return out


def _text_matches(texts: Sequence[str], names: Sequence[str], cutoff: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (text, name) pairs of normalised strings whose difflib ratio is >= ``cutoff``.

    The character-bag bound (difflib's ``quick_ratio``, an upper bound of ``ratio``) is
    computed for all pairs at once with numpy, so the exact ``ratio`` runs only on the few
    pairs that can reach the cutoff.
    """
    ti_out: list[int] = []
    nj_out: list[int] = []
    sc_out: list[float] = []
    if not len(texts) or not len(names):
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([])
    ct, cn = _char_counts(texts), _char_counts(names)
    lt, ln = ct.sum(axis=1), cn.sum(axis=1)
    block = max(1, 2_000_000 // max(1, len(names) * len(_ALPHABET)))
    for start in range(0, len(texts), block):
        stop = min(start + block, len(texts))
        inter = np.minimum(ct[start:stop, None, :], cn[None, :, :]).sum(axis=2)
        total = lt[start:stop, None] + ln[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            bound = np.where(total > 0, 2.0 * inter / total, 0.0)
        for i, j in zip(*np.nonzero(bound >= cutoff - 1e-12), strict=True):
            a, b = texts[start + i], names[j]
            score = 1.0 if a == b else SequenceMatcher(None, a, b, autojunk=False).ratio()
            if score >= cutoff:
                ti_out.append(start + int(i))
                nj_out.append(int(j))
                sc_out.append(score)
    return np.array(ti_out, dtype=np.int64), np.array(nj_out, dtype=np.int64), np.array(sc_out)


def _decay(distance: np.ndarray, max_distance: float) -> np.ndarray:
    """Distance decay used by the link confidence: 1 at 0 m, 0.5 at max/2, 0.25 at max."""
    return np.power(0.5, 2.0 * np.asarray(distance, dtype=float) / max_distance)


# --------------------------------------------------------------------------------------------
# link_premises
# --------------------------------------------------------------------------------------------
def link_premises(
    incidents: gpd.GeoDataFrame,
    premises: gpd.GeoDataFrame,
    *,
    max_distance: float = 50.0,
    text_column: str | None = None,
    min_text_score: float = 0.85,
    text_max_distance: float | None = 250.0,
) -> pd.DataFrame:
    """Link each incident to one premises: the nearest within a distance, or one it names.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame (projected CRS, metres). Rows whose location is unknown
        (``location_status == "unknown"`` or an empty geometry) are kept and reported.
    premises : geopandas.GeoDataFrame
        Premises frame with unique ``premises_id``, ``name`` and point geometry, in the same
        CRS as ``incidents``. Premises without a location can only be linked by name.
    max_distance : float
        Largest distance in metres between an incident and the premises it is linked to by
        distance (inclusive).
    text_column : str, optional
        Column of ``incidents`` holding a location text, such as police.uk's "On or near
        <name>" or a recorded premises name. When given, an incident whose text matches a
        premises name (similarity >= ``min_text_score``) is linked to that premises.
    min_text_score : float
        Smallest name similarity in (0, 1) accepted as a name match.
    text_max_distance : float or None
        A located incident is only matched by name to premises within this many metres
        (names repeat: chains, "The Crown"). ``None`` allows any distance. Incidents without
        a location are matched by name only when a single premises has the best score.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``incidents.index``; one row per incident, none dropped. Columns:

        - ``premises_id`` (string): the linked premises, <NA> when unlinked;
        - ``distance`` (float): metres to the linked premises (NaN when either location is
          unknown or the incident is unlinked);
        - ``link_method`` (categorical "distance", "name", "distance+name"), <NA> when
          unlinked;
        - ``confidence`` (float in [0, 1]; NaN when unlinked), see Notes;
        - ``n_candidates`` (int): premises within ``max_distance`` of the incident;
        - ``text_score`` (float): name similarity of the linked premises (NaN without one);
        - ``unlinked_reason`` (categorical "no location", "none within distance",
          "ambiguous name"), <NA> when linked.

        ``attrs["hotspots"]`` holds ``n_linked``, ``n_unlinked`` (a dict by reason),
        ``by_method`` and the parameters.

    Raises
    ------
    TypeError
        When a frame is not a GeoDataFrame.
    CRSError
        When a frame has no CRS, a geographic one, or the two CRSs differ.
    ValidationError
        When ``premises`` lacks ``premises_id``/``name`` or has missing or repeated ids, or
        ``text_column`` is not a column of ``incidents``.

    Notes
    -----
    Distance links use a spatial index (shapely ``STRtree.query(predicate="dwithin")``)
    over all incident–premises pairs within ``max_distance``; the nearest premises wins and
    equal distances go to the smallest ``premises_id`` (string order), so the result never
    depends on row order.

    Name links compare normalised texts (lower case, accents, "&" = "and", punctuation and
    a leading "On or near" removed, "the"/"ltd" dropped, words sorted) with difflib's
    ``SequenceMatcher.ratio``. A name match wins over a nearer premises found by distance,
    because a recorded name is stronger evidence than proximity; the method is
    "distance+name" when the named premises is also within ``max_distance``. A text found
    inside the premises' own ``address`` names its street, not the premises ("On or near
    King William Street" is not "itsu, King William Street"), so it is not a name match.

    ``confidence = 1 - (1 - c_d) (1 - c_t)`` combines two pieces of evidence as if they
    were independent:

    - distance: ``c_d = decay(d) * share`` with ``decay(d) = 0.5 ** (2 d / max_distance)``
      (1 at the door, 0.5 at half the distance, 0.25 at ``max_distance``) and ``share`` the
      linked premises' decay divided by the sum of the decays of all premises within
      ``max_distance`` (two premises at the same spot get 0.5 each); ``c_d = 0`` beyond
      ``max_distance`` or without locations;
    - name: ``c_t`` = the similarity score (0 without a name match).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> inc = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.Point(500, 0)],
    ...                        crs=27700)
    >>> prem = gpd.GeoDataFrame({"premises_id": ["a", "b"], "name": ["A", "B"]},
    ...                         geometry=[shapely.Point(10, 0), shapely.Point(30, 0)], crs=27700)
    >>> link_premises(inc, prem)[["premises_id", "distance", "link_method"]]
      premises_id  distance link_method
    0           a      10.0    distance
    1        <NA>       NaN         NaN
    """
    caller = "link_premises"
    incidents = _check_frame(incidents, "incidents", caller)
    premises = _check_premises(premises, caller)
    _check_same_crs(incidents, premises, ("incidents", "premises"), caller)
    max_distance = float(check_positive("max_distance", max_distance, caller=caller))
    min_text_score = check_probability("min_text_score", min_text_score, caller=caller) \
        if min_text_score != 1 else 1.0
    text_max_distance = check_positive("text_max_distance", text_max_distance, caller=caller,
                                       allow_none=True)
    if text_column is not None and text_column not in incidents.columns:
        raise ValidationError(
            Problem("missing_column", f"'incidents' has no column {text_column!r} for "
                                      "text_column.", column=text_column),
            context=caller,
        )

    n = len(incidents)
    inc_ok = _located_mask(incidents)
    prem_ok = _located_mask(premises)
    inc_geom = incidents.geometry.to_numpy()
    prem_geom = premises.geometry.to_numpy()
    pids = premises[PREMISES_ID].astype("string").to_numpy(dtype=object)
    # rank of each premises id in string order: the tie-breaker everywhere
    id_order = np.empty(len(pids), dtype=np.int64)
    id_order[np.argsort(pids.astype(str), kind="stable")] = np.arange(len(pids))

    inc_pos = np.flatnonzero(inc_ok)
    prem_pos = np.flatnonzero(prem_ok)
    tree = shapely.STRtree(prem_geom[prem_pos])
    search = max(max_distance, text_max_distance or 0.0) if text_column else max_distance
    qi, qp = tree.query(inc_geom[inc_pos], predicate="dwithin", distance=search)
    pair_inc = inc_pos[qi]
    pair_prem = prem_pos[qp]
    pair_d = shapely.distance(inc_geom[pair_inc], prem_geom[pair_prem])

    # --- distance evidence: nearest within max_distance, ties by premises_id --------------
    near = pair_d <= max_distance
    ni, npm, nd = pair_inc[near], pair_prem[near], pair_d[near]
    n_candidates = np.bincount(ni, minlength=n)
    w = _decay(nd, max_distance)
    decay_sum = np.bincount(ni, weights=w, minlength=n)
    order = np.lexsort((id_order[npm], nd, ni))
    first = order[np.r_[True, ni[order][1:] != ni[order][:-1]]] if len(order) else order
    d_prem = np.full(n, -1, dtype=np.int64)
    d_prem[ni[first]] = npm[first]

    # --- name evidence -------------------------------------------------------------------
    t_prem = np.full(n, -1, dtype=np.int64)
    t_score = np.full(n, np.nan)
    ambiguous = np.zeros(n, dtype=bool)
    if text_column is not None:
        addresses = (premises["address"] if "address" in premises.columns
                     else pd.Series(None, index=premises.index, dtype=object))
        t_prem, t_score, ambiguous = _name_links(
            incidents[text_column], premises["name"], addresses, inc_ok, prem_ok, inc_geom,
            prem_geom, pair_inc, pair_prem, pair_d, id_order, min_text_score,
            text_max_distance,
        )

    # --- combine -------------------------------------------------------------------------
    use_name = t_prem >= 0
    link = np.where(use_name, t_prem, d_prem)
    linked = link >= 0
    dist = np.full(n, np.nan)
    both_located = linked & inc_ok & prem_ok[np.maximum(link, 0)]
    idx = np.flatnonzero(both_located)
    dist[idx] = shapely.distance(inc_geom[idx], prem_geom[link[idx]])
    within = np.nan_to_num(dist, nan=np.inf) <= max_distance
    method = np.full(n, None, dtype=object)
    method[linked & ~use_name] = "distance"
    method[use_name & within] = "distance+name"
    method[use_name & ~within] = "name"

    own = _decay(np.nan_to_num(dist, nan=0.0), max_distance)
    with np.errstate(invalid="ignore", divide="ignore"):
        c_d = np.where(within & (decay_sum > 0), own * own / decay_sum, 0.0)
    c_t = np.where(use_name, np.nan_to_num(t_score), 0.0)
    confidence = np.where(linked, 1.0 - (1.0 - c_d) * (1.0 - c_t), np.nan)

    reason = np.full(n, None, dtype=object)
    reason[~linked & ~inc_ok] = "no location"
    reason[~linked & inc_ok] = "none within distance"
    reason[~linked & ambiguous] = "ambiguous name"

    out = pd.DataFrame(
        {
            PREMISES_ID: pd.array(np.where(linked, pids[np.maximum(link, 0)], None),
                                  dtype="string"),
            "distance": dist,
            "link_method": pd.Categorical(method, categories=list(LINK_METHODS)),
            "confidence": np.clip(confidence, 0.0, 1.0),
            "n_candidates": n_candidates.astype(np.int64),
            "text_score": np.where(use_name, t_score, np.nan),
            "unlinked_reason": pd.Categorical(reason, categories=list(UNLINKED_REASONS)),
        },
        index=incidents.index,
    )
    n_unlinked = {r: int((reason == r).sum()) for r in UNLINKED_REASONS}
    out.attrs["hotspots"] = {
        "function": caller,
        "max_distance": max_distance,
        "text_column": text_column,
        "min_text_score": min_text_score,
        "text_max_distance": text_max_distance,
        "n_incidents": n,
        "n_linked": int(linked.sum()),
        "n_unlinked": n_unlinked,
        "by_method": {m: int((method == m).sum()) for m in LINK_METHODS},
        "n_premises": len(premises),
        "n_premises_unknown_location": int((~prem_ok).sum()),
    }
    logger.info(
        "link_premises: %d of %d incidents linked within %.0f m%s; unlinked: %s",
        int(linked.sum()), n, max_distance, " or by name" if text_column else "",
        ", ".join(f"{v} {k}" for k, v in n_unlinked.items() if v) or "none",
    )
    return out


def _name_links(
    texts: pd.Series, names: pd.Series, addresses: pd.Series, inc_ok: np.ndarray,
    prem_ok: np.ndarray,
    inc_geom: np.ndarray, prem_geom: np.ndarray, pair_inc: np.ndarray, pair_prem: np.ndarray,
    pair_d: np.ndarray, id_order: np.ndarray, cutoff: float, text_max_distance: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best name match per incident: (premises position or -1, score, ambiguous flag)."""
    n = len(texts)
    raw_text = texts.to_numpy(dtype=object)
    norm_text = np.array([_normalize_name(t) for t in raw_text], dtype=object)
    norm_name = np.array([_normalize_name(t) for t in names.to_numpy(dtype=object)], dtype=object)
    u_text, first_of_text, text_code = np.unique(norm_text.astype(str), return_index=True,
                                                 return_inverse=True)
    u_name, name_code = np.unique(norm_name.astype(str), return_inverse=True)
    ti, nj, sc = _text_matches(list(u_text), list(u_name), cutoff)
    # score of every (unique text, unique name) pair that matched
    score_of = {(int(a), int(b)): s for a, b, s in zip(ti, nj, sc, strict=True)}

    # "On or near King William Street" names the street of "itsu, King William Street":
    # a text found inside the premises' own address is a street, not a premises name
    street_text = [f" {_normalize_name(raw_text[i], sort_words=False)} " for i in first_of_text]
    street_addr = [f" {_normalize_name(a, sort_words=False)} "
                   for a in addresses.to_numpy(dtype=object)]

    def is_street(a: int, p: int) -> bool:
        return street_text[a].strip() != "" and street_text[a] in street_addr[p]

    t_prem = np.full(n, -1, dtype=np.int64)
    t_score = np.full(n, np.nan)
    ambiguous = np.zeros(n, dtype=bool)
    if not score_of:
        return t_prem, t_score, ambiguous

    # located incidents: candidates are the premises within text_max_distance, or (None)
    # every located premises whose name matched the incident's text
    if text_max_distance is None:
        matched_names = np.unique(nj)
        prem_any = np.flatnonzero(np.isin(name_code, matched_names))
        inc_any = np.flatnonzero(inc_ok & np.isin(text_code, ti))
        cand_inc = np.repeat(inc_any, len(prem_any))
        cand_prem = np.tile(prem_any, len(inc_any))
        cand_d = np.full(len(cand_inc), np.inf)
        both = prem_ok[cand_prem]
        cand_d[both] = shapely.distance(inc_geom[cand_inc[both]], prem_geom[cand_prem[both]])
    else:
        keep = pair_d <= text_max_distance
        cand_inc, cand_prem, cand_d = pair_inc[keep], pair_prem[keep], pair_d[keep]
    if len(cand_inc):
        keys = list(zip(text_code[cand_inc].tolist(), name_code[cand_prem].tolist(), strict=True))
        cand_score = np.array([
            np.nan if k not in score_of or is_street(k[0], int(p)) else score_of[k]
            for k, p in zip(keys, cand_prem, strict=True)
        ])
        ok = ~np.isnan(cand_score)
        cand_inc, cand_prem, cand_score = cand_inc[ok], cand_prem[ok], cand_score[ok]
        cand_d = cand_d[ok]
        # best score first, then nearest, then smallest premises id
        order = np.lexsort((id_order[cand_prem], cand_d, -cand_score, cand_inc))
        if len(order):
            ci = cand_inc[order]
            first = order[np.r_[True, ci[1:] != ci[:-1]]]
            t_prem[cand_inc[first]] = cand_prem[first]
            t_score[cand_inc[first]] = cand_score[first]

    # incidents without a location: a unique best-scoring premises, else ambiguous
    best_by_text: dict[int, tuple[float, list[int]]] = {}
    for (a, b), s in score_of.items():
        prem_here = [p for p in np.flatnonzero(name_code == b).tolist() if not is_street(a, p)]
        if not prem_here:
            continue
        best = best_by_text.get(a)
        if best is None or s > best[0] + 1e-12:
            best_by_text[a] = (s, prem_here)
        elif abs(s - best[0]) <= 1e-12:
            best[1].extend(prem_here)
    for i in np.flatnonzero(~inc_ok):
        a = int(text_code[i])
        if a not in best_by_text:
            continue
        s, prem_list = best_by_text[a]
        if len(prem_list) == 1:
            t_prem[i] = prem_list[0]
            t_score[i] = s
        else:
            ambiguous[i] = True
    return t_prem, t_score, ambiguous


# --------------------------------------------------------------------------------------------
# premises_rank
# --------------------------------------------------------------------------------------------
def premises_rank(
    incidents: gpd.GeoDataFrame,
    premises: gpd.GeoDataFrame,
    *,
    radius: float = 50.0,
    window: PeriodLike | None = None,
    category_weights: Mapping[str, float] | None = None,
    half_life_days: float | None = 90.0,
    as_of: Any = None,
    gistar: gpd.GeoDataFrame | None = None,
    clusters: pd.Series | gpd.GeoDataFrame | None = None,
    capacity_column: str | None = None,
    recency_weight: float = 0.5,
    recent_days: float | None = None,
    alpha: float = 0.05,
    link: pd.DataFrame | None = None,
    text_column: str | None = None,
    min_text_score: float = 0.85,
) -> gpd.GeoDataFrame:
    """Rank premises by the incidents linked to them, with the reasons in plain English.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame (``occurred``, ``category``, ``weight``, geometry).
    premises : geopandas.GeoDataFrame
        Premises frame (``premises_id``, ``name``, geometry; ``premises_class`` and the other
        reader columns when present), same CRS as ``incidents``.
    radius : float
        Link distance in metres (``max_distance`` of :func:`link_premises`).
    window : period, optional
        Incidents counted, e.g. ``2019``, ``"2019/20"`` or ``("2019-01", "2019-12")`` (see
        :func:`hotspots.parse_period`). Default: from the first to the last incident
        (whole months for month-only dates), undated incidents included in the counts.
    category_weights : mapping of str to float, optional
        Harm weight per category (e.g. Crime Severity Score weights); categories not listed
        weigh 1. Multiplies the incident's ``weight`` column. Weights must be >= 0.
    half_life_days : float or None
        Half-life of the recency weight: an incident ``half_life_days`` before ``as_of``
        counts half. ``None`` switches recency weighting off.
    as_of : date-like, optional
        The date recency is measured from. Default: the end of ``window``.
    gistar : geopandas.GeoDataFrame, optional
        A :func:`hotspots.hotspot.hotspot_gistar` result (cells with ``gi_bin``). Premises
        inside a cell with ``gi_bin`` > 0 are in a significant hot spot.
    clusters : pandas.Series or geopandas.GeoDataFrame, optional
        Either the labels of :func:`hotspots.cluster.cluster_incidents` (aligned to
        ``incidents``; the premises' cluster is the most common cluster among its linked
        incidents) or a :func:`hotspots.cluster.cluster_summary` frame (the polygon holding
        the premises).
    capacity_column : str, optional
        Column of ``premises`` with rooms or seats; default ``"capacity"`` when it holds any
        value. Gives ``n_per_capacity``.
    recency_weight : float
        Share of the recency-weighted harm in the score, in [0, 1] (see Notes).
    recent_days : float, optional
        "Recent" in ``n_recent`` and the reasons; default ``half_life_days`` (90 without one).
    alpha : float
        Significance level of the trend test.
    link : pandas.DataFrame, optional
        A :func:`link_premises` result for these incidents and premises, to reuse.
    text_column, min_text_score
        Passed to :func:`link_premises` when ``link`` is not given.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per premises (all of them, zero counts included), sorted by ``rank``, with a
        RangeIndex and the premises' CRS. Columns:

        - ``rank`` (int, 1 = highest; unique);
        - ``premises_id``, ``name``, ``premises_class``;
        - ``score`` (float, see Notes);
        - ``n_linked`` (int): linked incidents in the window;
        - ``n_recent`` (int): of those, in the last ``recent_days`` before ``as_of``;
        - ``harm`` (float): harm-weighted count;
        - ``recency_score`` (float): harm weighted by recency;
        - ``n_repeat`` (int): linked incidents repeating an earlier one of the same category
          in the same month;
        - ``n_first_half``, ``n_second_half`` (int), ``trend`` ("up", "down", "flat") and
          ``trend_p`` (float, two-sided) comparing the two halves of the window;
        - ``gi_bin`` (Int64, <NA> without ``gistar`` or outside the grid), ``in_hot_cell``
          (bool);
        - ``cluster_id`` (Int64), ``in_cluster`` (bool);
        - ``capacity`` (float), ``n_per_capacity`` (float: linked incidents per room/seat);
        - ``top_categories`` (str, e.g. "3 violence, 2 ASB");
        - ``reasons`` (str);
        - ``premises_type``, ``address``, ``postcode``, ``kind``, ``location_status``,
          ``geometry`` (from ``premises``; <NA> when absent).

        ``attrs["hotspots"]`` records the parameters, the window, ``as_of``, the time
        precision detected, the trend test, and the link accounting (``n_linked``,
        ``n_unlinked`` by reason, ``n_outside_window``).

    Raises
    ------
    TypeError, CRSError, ValidationError
        As :func:`link_premises`; also when a category weight is negative or
        ``capacity_column`` is missing.
    EmptyDataError
        When ``premises`` has no rows.

    Warns
    -----
    DataQualityWarning
        When the incidents look like police.uk open data (month-only dates and "On or near"
        locations): their locations are anonymised snap points, so links are indicative only.

    Notes
    -----
    For each linked incident *i* in the window, with ``w_i`` its ``weight`` and ``c_i`` the
    weight of its category::

        harm_i        = w_i * c_i
        decay_i       = 0.5 ** (age_i / half_life_days)     (age in days before as_of)
        harm          = sum(harm_i)
        recency_score = sum(harm_i * decay_i)
        score = ((1 - recency_weight) * harm + recency_weight * recency_score)
                * (1 + HOT_CELL_BOOST * gi_bin)      # gi_bin 1..3 inside a hot cell, else 0
                * (1 + CLUSTER_BOOST * in_cluster)

    So the score is "incidents, weighted by harm, counting recent ones more", raised by 10%
    per significance level of the hot cell holding the premises and by 10% inside a
    cluster. Undated incidents (allowed when ``window`` is None) have ``decay_i = 0``.
    Month-only dates (police.uk) are taken as mid-month when ages are computed. For a
    fixed ``as_of`` the score can only grow when an incident is linked to the premises.

    The trend compares the counts in the two halves of the window with the two-sided
    Poisson E-test (:func:`hotspots.stats.tests.etest`, equal exposures); "up"/"down" need
    ``trend_p < alpha``. Month-only dates fall in the half that holds their mid-month.

    Ranks order the premises by score (rounded to 9 decimals so that row order cannot
    matter), then linked count, both descending, then ``premises_id``.

    Reason templates, joined with "; " (parts without content are left out)::

        "{n_linked} linked incident(s) in {window}, {n_recent} in the last {recent_days} days"
        "{n_repeat} repeat(s) (same offence, same month)"
        "inside a {90|95|99}% hot spot"
        "in incident cluster {cluster_id}"
        "rising ({n_first_half} → {n_second_half}, p={trend_p})" / "falling (...)"
        "{top_categories}"                      e.g. "3 violence, 2 ASB"
        "{n_per_capacity} per room/seat"
        "no linked incidents"                   (alone, when n_linked is 0)
    """
    caller = "premises_rank"
    incidents = _check_frame(incidents, "incidents", caller)
    premises = _check_premises(premises, caller)
    _check_same_crs(incidents, premises, ("incidents", "premises"), caller)
    if len(premises) == 0:
        raise EmptyDataError(Problem("no_premises", "'premises' has no rows."), context=caller)
    radius = float(check_positive("radius", radius, caller=caller))
    half_life = check_positive("half_life_days", half_life_days, caller=caller, allow_none=True)
    recent_days = check_positive("recent_days", recent_days, caller=caller, allow_none=True)
    if recent_days is None:
        recent_days = half_life if half_life is not None else 90.0
    alpha = check_probability("alpha", alpha, caller=caller)
    if not 0.0 <= float(recency_weight) <= 1.0:
        raise ValueError(f"The 'recency_weight' parameter of {caller} must be a float in "
                         f"[0, 1]. Got {recency_weight!r} instead.")
    recency_weight = float(recency_weight)
    weights_map = dict(category_weights or {})
    bad = {k: v for k, v in weights_map.items() if not (np.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"The 'category_weights' parameter of {caller} must map categories "
                         f"to finite weights >= 0. Got {bad!r} instead.")

    if link is None:
        link = link_premises(incidents, premises, max_distance=radius, text_column=text_column,
                             min_text_score=min_text_score)
    elif not link.index.equals(incidents.index) or PREMISES_ID not in link.columns:
        raise ValidationError(
            Problem("bad_link", "'link' must be a link_premises result aligned to "
                                "incidents.index."),
            context=caller,
        )

    # --- times, window, recency ----------------------------------------------------------
    if schema.OCCURRED in incidents.columns:
        occurred = pd.to_datetime(incidents[schema.OCCURRED], errors="coerce")
    else:
        occurred = pd.Series(pd.NaT, index=incidents.index, dtype="datetime64[ns]")
    occurred = occurred.astype("datetime64[ns]")
    precision = _time_precision(occurred)
    period, window_given = _resolve_window(window, occurred, precision, as_of)
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else (
        period.end if period is not None else None)
    if window_given:
        in_window = period.contains(occurred)
    else:
        in_window = np.ones(len(incidents), dtype=bool)
        if as_of is not None:
            in_window &= ~(occurred >= as_of_ts).to_numpy(dtype=bool)
    # month-only dates stand for the whole month: measure ages from mid-month
    effective = occurred + pd.Timedelta(days=14) if precision == "month" else occurred
    if as_of_ts is not None:
        age = ((as_of_ts - effective) / pd.Timedelta(days=1)).to_numpy(dtype=float)
        age = np.where(np.isnan(age), np.nan, np.maximum(age, 0.0))
    else:
        age = np.full(len(incidents), np.nan)
    if half_life is None:
        decay = np.where(np.isnan(age) & occurred.isna().to_numpy(), 0.0, 1.0)
    else:
        decay = np.where(np.isnan(age), 0.0, np.power(0.5, np.nan_to_num(age) / half_life))
    recent = ~np.isnan(age) & (age <= recent_days)

    # --- harm ----------------------------------------------------------------------------
    if schema.CATEGORY in incidents.columns:
        category = incidents[schema.CATEGORY].astype("string").fillna("(no category)")
    else:
        category = pd.Series("(no category)", index=incidents.index, dtype="string")
    base_w = (pd.to_numeric(incidents[schema.WEIGHT], errors="coerce").fillna(1.0).to_numpy(
        dtype=float) if schema.WEIGHT in incidents.columns else np.ones(len(incidents)))
    cat_w = category.map(lambda c: float(weights_map.get(c, 1.0))).to_numpy(dtype=float)
    harm_i = base_w * cat_w

    pid_link = link[PREMISES_ID].astype("string")
    linked = pid_link.notna().to_numpy() & in_window
    mid = None
    if period is not None:
        mid = period.start + (period.end - period.start) / 2
    first_half = np.zeros(len(incidents), dtype=bool)
    second_half = np.zeros(len(incidents), dtype=bool)
    if mid is not None:
        eff_half = effective if precision == "month" else occurred
        first_half = (eff_half < mid).to_numpy(dtype=bool) & occurred.notna().to_numpy()
        second_half = (eff_half >= mid).to_numpy(dtype=bool) & occurred.notna().to_numpy()
    month = occurred.dt.to_period("M").astype("string").fillna("(no date)")

    inc = pd.DataFrame(
        {
            PREMISES_ID: pid_link.to_numpy(dtype=object),
            "category": category.to_numpy(dtype=object),
            "month": month.to_numpy(dtype=object),
            "harm": harm_i,
            "recency": harm_i * decay,
            "recent": recent.astype(np.int64),
            "first": first_half.astype(np.int64),
            "second": second_half.astype(np.int64),
        }
    )[linked]
    grouped = inc.groupby(PREMISES_ID, sort=True)
    per = pd.DataFrame(
        {
            "n_linked": grouped.size(),
            "n_recent": grouped["recent"].sum(),
            "harm": grouped["harm"].sum(),
            "recency_score": grouped["recency"].sum(),
            "n_first_half": grouped["first"].sum(),
            "n_second_half": grouped["second"].sum(),
        }
    )
    distinct = inc.groupby([PREMISES_ID, "category", "month"], sort=False).size()
    per["n_repeat"] = per["n_linked"] - distinct.groupby(level=0).size().reindex(per.index)
    cat_counts = inc.groupby([PREMISES_ID, "category"], sort=False).agg(
        n=("harm", "size"), harm=("harm", "sum"))

    out = pd.DataFrame({PREMISES_ID: premises[PREMISES_ID].astype("string").to_numpy()})
    out = out.join(per, on=PREMISES_ID)
    for col in ("n_linked", "n_recent", "n_first_half", "n_second_half", "n_repeat"):
        out[col] = out[col].fillna(0).astype(np.int64)
    for col in ("harm", "recency_score"):
        out[col] = out[col].fillna(0.0).astype(float)

    # --- trend ---------------------------------------------------------------------------
    trend_p, test_name = _trend_pvalues(out["n_first_half"].to_numpy(),
                                        out["n_second_half"].to_numpy())
    trend = np.full(len(out), "flat", dtype=object)
    sig = np.nan_to_num(trend_p, nan=1.0) < alpha
    trend[sig & (out["n_second_half"] > out["n_first_half"]).to_numpy()] = "up"
    trend[sig & (out["n_second_half"] < out["n_first_half"]).to_numpy()] = "down"
    if period is None:
        trend[:] = "flat"
        trend_p = np.full(len(out), np.nan)
    out["trend"] = trend
    out["trend_p"] = trend_p

    # --- context: hot cells, clusters, capacity ------------------------------------------
    prem_geom = premises.geometry.to_numpy()
    prem_ok = _located_mask(premises)
    out["gi_bin"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if gistar is not None:
        out["gi_bin"] = _gi_bin_at(gistar, prem_geom, prem_ok, premises, caller)
    gi_pos = out["gi_bin"].fillna(0).clip(lower=0).astype(np.int64).to_numpy()
    out["in_hot_cell"] = gi_pos > 0
    out["cluster_id"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if clusters is not None:
        out["cluster_id"] = _cluster_of(clusters, incidents, pid_link, linked, out,
                                        prem_geom, prem_ok, premises, caller)
    out["in_cluster"] = out["cluster_id"].notna().to_numpy()

    cap_col = capacity_column
    if cap_col is None and "capacity" in premises.columns and premises["capacity"].notna().any():
        cap_col = "capacity"
    if cap_col is not None and cap_col not in premises.columns:
        raise ValidationError(Problem("missing_column", f"'premises' has no column {cap_col!r}.",
                                      column=cap_col), context=caller)
    capacity = (pd.to_numeric(premises[cap_col], errors="coerce").to_numpy(dtype=float)
                if cap_col else np.full(len(out), np.nan))
    out["capacity"] = capacity
    with np.errstate(invalid="ignore", divide="ignore"):
        out["n_per_capacity"] = np.where(capacity > 0, out["n_linked"] / capacity, np.nan)

    # --- score and rank ------------------------------------------------------------------
    base = (1.0 - recency_weight) * out["harm"] + recency_weight * out["recency_score"]
    score = base * (1.0 + HOT_CELL_BOOST * gi_pos) * (1.0 + CLUSTER_BOOST * out["in_cluster"])
    out["score"] = np.round(score.to_numpy(dtype=float), 9)
    out["top_categories"] = _top_categories(cat_counts, out[PREMISES_ID])
    window_text = _window_text(period, window_given, precision)
    out["reasons"] = _reasons(out, window_text, recent_days if as_of_ts is not None else None)

    for col in ("name", PREMISES_CLASS, "premises_type", "address", "postcode", "kind",
                schema.LOCATION_STATUS):
        if col in premises.columns:
            values = premises[col].to_numpy(dtype=object)
        elif col == PREMISES_CLASS:
            values = np.full(len(out), "other", dtype=object)
        elif col == schema.LOCATION_STATUS:
            values = np.where(prem_ok, schema.LOCATED, schema.UNKNOWN).astype(object)
        else:
            values = np.full(len(out), None, dtype=object)
        out[col] = pd.array(values, dtype="string") if col != schema.LOCATION_STATUS else \
            pd.Categorical(values, categories=[schema.LOCATED, schema.UNKNOWN])
    out["geometry"] = prem_geom

    order = np.lexsort((out[PREMISES_ID].astype(str).to_numpy(), -out["n_linked"].to_numpy(),
                        -out["score"].to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    columns = [
        "rank", PREMISES_ID, "name", PREMISES_CLASS, "score", "n_linked", "n_recent", "harm",
        "recency_score", "n_repeat", "n_first_half", "n_second_half", "trend", "trend_p",
        "gi_bin", "in_hot_cell", "cluster_id", "in_cluster", "capacity", "n_per_capacity",
        "top_categories", "reasons", "premises_type", "address", "postcode", "kind",
        schema.LOCATION_STATUS, "geometry",
    ]
    ranked = gpd.GeoDataFrame(out[columns], geometry="geometry", crs=premises.crs)

    snap = _looks_like_police_uk(incidents, precision)
    link_attrs = link.attrs.get("hotspots", {})
    n_no_time = int((~in_window & occurred.isna().to_numpy()).sum())
    ranked.attrs["hotspots"] = {
        "function": caller,
        "radius": radius,
        "window": period.label if period is not None else None,
        "window_start": str(period.start) if period is not None else None,
        "window_end": str(period.end) if period is not None else None,
        "as_of": str(as_of_ts) if as_of_ts is not None else None,
        "half_life_days": half_life,
        "recent_days": recent_days,
        "recency_weight": recency_weight,
        "category_weights": weights_map,
        "hot_cell_boost": HOT_CELL_BOOST,
        "cluster_boost": CLUSTER_BOOST,
        "time_precision": precision,
        "trend_test": test_name,
        "alpha": alpha,
        "capacity_column": cap_col,
        "gistar": gistar is not None,
        "clusters": clusters is not None,
        "n_incidents": len(incidents),
        "n_in_window": int(in_window.sum()),
        "n_outside_window": int((~in_window).sum()),
        "n_undated_outside_window": n_no_time,
        "n_linked": int(linked.sum()),
        "n_unlinked": dict(link_attrs.get("n_unlinked", {})),
        "n_linked_outside_window": int((pid_link.notna().to_numpy() & ~in_window).sum()),
        "n_premises": len(ranked),
        "n_premises_with_incidents": int((ranked["n_linked"] > 0).sum()),
        "snap_point_caveat": snap,
    }
    if snap:
        warnings.warn(
            "These incidents look like police.uk open data (month-only dates, 'On or near' "
            "locations): their points are anonymised snap points shared by many crimes, so "
            "premises links show what is near a premises, not what happened there. Use force "
            "records with exact locations before acting on a premises.",
            DataQualityWarning, stacklevel=2,
        )
    logger.info("premises_rank: %d premises, %d with linked incidents; window %s; as of %s",
                len(ranked), ranked.attrs["hotspots"]["n_premises_with_incidents"],
                ranked.attrs["hotspots"]["window"], ranked.attrs["hotspots"]["as_of"])
    return ranked


def _resolve_window(window: PeriodLike | None, occurred: pd.Series, precision: str,
                    as_of: Any) -> tuple[Period | None, bool]:
    """Return the window (given, or the span of the data) and whether it was given."""
    if window is not None:
        return parse_period(window, name="window"), True
    dated = occurred.dropna()
    if dated.empty:
        return None, False
    start = dated.min().normalize()
    if precision == "month":
        end = dated.max().normalize() + pd.DateOffset(months=1)
    else:
        end = dated.max().normalize() + pd.Timedelta(days=1)
    if as_of is not None:
        end = min(end, pd.Timestamp(as_of))
        if end <= start:
            return None, False
    logger.info("premises_rank: window not given; using the data's span %s to %s",
                f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}")
    return Period(start, end, f"{start:%d %b %Y} to {end:%d %b %Y} (end excluded)"), False


def _window_text(period: Period | None, window_given: bool, precision: str) -> str:
    if period is None:
        return ""
    s, e = period.start, period.end
    if s == s.normalize() and e == e.normalize() and s.day == 1 and e.day == 1:
        months = (e.year - s.year) * 12 + e.month - s.month
        return f"in {_plural(months, 'month')}"
    return f"in {_plural(round(period.days), 'day')}"


def _trend_pvalues(n1: np.ndarray, n2: np.ndarray) -> tuple[np.ndarray, str]:
    """Two-sided E-test p-values for "the second half differs from the first" (equal halves)."""
    p = np.full(len(n1), np.nan)
    cache: dict[tuple[int, int], float] = {}
    for k, (a, b) in enumerate(zip(n1.tolist(), n2.tolist(), strict=True)):
        if a + b > 0:
            if (a, b) not in cache:
                cache[(a, b)] = etest(a, b)
            p[k] = cache[(a, b)]
    return p, "Poisson E-test (equal halves)"


def _gi_bin_at(gistar: gpd.GeoDataFrame, geoms: np.ndarray, ok: np.ndarray,
               premises: gpd.GeoDataFrame, caller: str) -> pd.arrays.IntegerArray:
    """``gi_bin`` of the Gi* cell holding each located premises (<NA> outside the grid)."""
    gistar = _check_frame(gistar, "gistar", caller)
    _check_same_crs(premises, gistar, ("premises", "gistar"), caller)
    if "gi_bin" not in gistar.columns:
        raise ValidationError(Problem("missing_column", "'gistar' has no 'gi_bin' column; pass "
                                                        "a hotspot_gistar result.",
                                      column="gi_bin"), context=caller)
    result = np.full(len(geoms), -99, dtype=np.int64)
    pos = np.flatnonzero(ok)
    cells = gistar.geometry.to_numpy()
    bins = pd.to_numeric(gistar["gi_bin"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(geoms[pos], predicate="intersects")
    # a point on a shared edge touches two cells: keep the first cell in grid order
    order = np.lexsort((ci, pi))
    pi, ci = pi[order], ci[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], dtype=bool)
    result[pos[pi[first]]] = bins[ci[first]]
    return pd.array(np.where(result == -99, None, result), dtype="Int64")


def _cluster_of(clusters: Any, incidents: gpd.GeoDataFrame, pid_link: pd.Series,
                linked: np.ndarray, out: pd.DataFrame, geoms: np.ndarray, ok: np.ndarray,
                premises: gpd.GeoDataFrame, caller: str) -> pd.arrays.IntegerArray:
    """Return the cluster of each premises (from incident labels or cluster polygons)."""
    if isinstance(clusters, gpd.GeoDataFrame):
        _check_same_crs(premises, clusters, ("premises", "clusters"), caller)
        ids = (clusters["cluster_id"] if "cluster_id" in clusters.columns
               else pd.Series(clusters.index)).to_numpy()
        result = np.full(len(geoms), -1, dtype=np.int64)
        pos = np.flatnonzero(ok)
        pi, ci = shapely.STRtree(clusters.geometry.to_numpy()).query(
            geoms[pos], predicate="intersects")
        order = np.lexsort((ids[ci].astype(np.int64), pi))
        pi, ci = pi[order], ci[order]
        first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], dtype=bool)
        result[pos[pi[first]]] = ids[ci[first]].astype(np.int64)
        return pd.array(np.where(result < 0, None, result), dtype="Int64")
    labels = pd.Series(clusters)
    if not labels.index.equals(incidents.index):
        raise ValidationError(Problem("bad_clusters", "'clusters' labels must be aligned to "
                                                      "incidents.index (cluster_incidents "
                                                      "output)."), context=caller)
    lab = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=float)
    use = linked & ~np.isnan(lab) & (lab >= 0)
    frame = pd.DataFrame({"pid": pid_link.to_numpy(dtype=object)[use],
                          "cluster": lab[use].astype(np.int64)})
    if frame.empty:
        return pd.array([pd.NA] * len(out), dtype="Int64")
    counts = frame.groupby(["pid", "cluster"]).size().reset_index(name="n")
    counts = counts.sort_values(["pid", "n", "cluster"], ascending=[True, False, True])
    best = counts.drop_duplicates("pid").set_index("pid")["cluster"]
    mapped = out[PREMISES_ID].map(best)
    return pd.array(mapped.to_numpy(dtype=object), dtype="Int64")


def _top_categories(cat_counts: pd.DataFrame, pids: pd.Series, k: int = 3) -> list[str]:
    """e.g. "3 violence, 2 ASB": the ``k`` categories with most harm, per premises."""
    if cat_counts.empty:
        return [""] * len(pids)
    c = cat_counts.reset_index()
    c["short"] = c["category"].map(_short_category)
    c = c.sort_values([PREMISES_ID, "harm", "n", "short"], ascending=[True, False, False, True])
    text = (
        c.groupby(PREMISES_ID, sort=False)
        .head(k)
        .assign(part=lambda f: f["n"].astype(int).astype(str) + " " + f["short"])
        .groupby(PREMISES_ID, sort=False)["part"]
        .agg(", ".join)
    )
    return pids.map(text).fillna("").tolist()


def _reasons(out: pd.DataFrame, window_text: str, recent_days: float | None) -> list[str]:
    reasons = []
    for row in out.itertuples(index=False):
        if row.n_linked == 0:
            reasons.append("no linked incidents")
            continue
        head = f"{_plural(row.n_linked, 'linked incident')}"
        if window_text:
            head += f" {window_text}"
        if recent_days is not None:
            head += f", {row.n_recent} in the last {recent_days:g} days"
        parts = [head]
        if row.n_repeat:
            parts.append(f"{_plural(row.n_repeat, 'repeat')} (same offence, same month)")
        if row.in_hot_cell:
            parts.append(f"inside a {_GI_CONFIDENCE[min(int(row.gi_bin), 3)]}% hot spot")
        if row.in_cluster:
            parts.append(f"in incident cluster {int(row.cluster_id)}")
        if row.trend in ("up", "down"):
            word = "rising" if row.trend == "up" else "falling"
            parts.append(f"{word} ({row.n_first_half} → {row.n_second_half}, "
                         f"p={row.trend_p:.2g})")
        if row.top_categories:
            parts.append(row.top_categories)
        if np.isfinite(row.n_per_capacity):
            parts.append(f"{row.n_per_capacity:.2g} per room/seat")
        reasons.append("; ".join(parts))
    return reasons


def _looks_like_police_uk(incidents: gpd.GeoDataFrame, precision: str) -> bool:
    if precision != "month" or "location" not in incidents.columns:
        return False
    text = incidents["location"].astype("string").str.lower()
    return bool(text.str.startswith("on or near").mean() > 0.5)


# --------------------------------------------------------------------------------------------
# visit_plan
# --------------------------------------------------------------------------------------------
@dataclass
class VisitPlan:
    """Operations of nearby premises to visit, each with an ordered route.

    Attributes
    ----------
    visits : geopandas.GeoDataFrame
        One row per premises visited, ordered by operation then ``order``: ``operation``
        (int, 1 = the operation holding the highest-ranked premises), ``order`` (int, 1..n
        along the route), ``rank``, ``premises_id``, ``name``, ``premises_class``,
        ``agencies`` (str, "; "-separated), ``leg_distance_m`` (float, straight-line metres
        from the previous visit; NaN for the first), ``score``, ``reasons``, ``address``,
        ``postcode``, ``location_status``, ``geometry``.
    operations : geopandas.GeoDataFrame
        One row per operation: ``operation``, ``n_visits``, ``best_rank``, ``span_m``
        (largest distance between two of its premises), ``route_length_m`` (sum of the legs),
        ``agencies`` (union over its visits), ``n_incidents`` (linked incidents behind the
        time window), ``peak_day``, ``peak_hours``, ``time_window`` (text; "unknown" when the
        incident times are not known), ``premises`` (names in route order), ``geometry``
        (the route as a LineString, a Point for a single visit, empty when unlocated).
    params : dict
        The parameters used (top, max_per_operation, max_span, agency table, ...).
    """

    visits: gpd.GeoDataFrame
    operations: gpd.GeoDataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"VisitPlan({len(self.visits)} visits in {len(self.operations)} operations, "
                f"max span {self.params.get('max_span')} m)")


def visit_plan(
    ranked: gpd.GeoDataFrame,
    *,
    top: int = 20,
    max_per_operation: int = 6,
    max_span: float = 1000.0,
    agencies: Mapping[str, Sequence[str]] | None = None,
    extra_agencies: Sequence[str] = (),
    incidents: gpd.GeoDataFrame | None = None,
    link: pd.DataFrame | None = None,
    radius: float | None = None,
) -> VisitPlan:
    """Group the top-ranked premises into operations and order each into a short route.

    Parameters
    ----------
    ranked : geopandas.GeoDataFrame
        A :func:`premises_rank` result (``rank``, ``premises_id``, ``name``,
        ``premises_class``, ``score``, geometry).
    top : int
        How many premises to visit: the first ``top`` by rank among those with a score
        above zero.
    max_per_operation : int
        Most visits in one operation.
    max_span : float
        Largest distance in metres between any two premises of one operation.
    agencies : mapping of str to sequence of str, optional
        Agencies by premises class, replacing the rows of :data:`VISIT_AGENCIES` for the
        classes given (a class absent from both gets the "other" row).
    extra_agencies : sequence of str
        Agencies invited to every operation, e.g. ``("HMRC", "Immigration Enforcement")``.
    incidents : geopandas.GeoDataFrame, optional
        The incidents behind the ranking, for the time window of each operation.
    link : pandas.DataFrame, optional
        Their :func:`link_premises` result; computed against ``ranked`` with
        ``max_distance=radius`` when not given.
    radius : float, optional
        Link distance used when ``link`` is computed here; default the ranking's radius
        (``ranked.attrs``) or 50 m.

    Returns
    -------
    VisitPlan
        ``.visits`` and ``.operations`` (schemas in :class:`VisitPlan`) and ``.params``.

    Raises
    ------
    TypeError, CRSError, ValidationError
        When ``ranked`` is not a projected premises frame with ``rank`` and ``score``.
    ValueError
        When ``top`` or ``max_per_operation`` is not a positive integer, or ``max_span``
        is not a positive number.

    Notes
    -----
    Grouping is complete-linkage agglomerative clustering (scikit-learn) of the premises
    with distance threshold ``max_span``: complete linkage merges two groups only while the
    largest distance between their members stays below the threshold, so no operation spans
    more than ``max_span``. Groups larger than ``max_per_operation`` are split again by
    complete linkage into ``ceil(n / max_per_operation)`` groups, recursively. Premises
    without a location get an operation each.

    Each route starts at the operation's highest-ranked premises and visits the nearest
    unvisited premises next; 2-opt then reverses segments while that shortens the open path,
    so the route is never longer than the nearest-neighbour one. Distances are straight
    lines in metres (walking or driving distances are longer).

    The time window uses the linked incidents of the operation's premises: the most common
    day of the week (when dates are known to the day) and the busiest 3-hour window of the
    day (when times are known). police.uk data (months only) gives "unknown".
    """
    caller = "visit_plan"
    ranked = _check_premises(ranked, caller, name="ranked")
    for col in ("rank", "score"):
        if col not in ranked.columns:
            raise ValidationError(Problem("missing_column", f"'ranked' has no {col!r} column; "
                                                            "pass a premises_rank result.",
                                          column=col), context=caller)
    for name, value in (("top", top), ("max_per_operation", max_per_operation)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"The '{name}' parameter of {caller} must be an int >= 1. "
                             f"Got {value!r} instead.")
    max_span = float(check_positive("max_span", max_span, caller=caller))
    table = {**VISIT_AGENCIES, **{k: tuple(v) for k, v in (agencies or {}).items()}}
    extra = tuple(extra_agencies)

    chosen = ranked[pd.to_numeric(ranked["score"], errors="coerce").fillna(0) > 0]
    chosen = chosen.sort_values(["rank", PREMISES_ID]).head(int(top)).reset_index(drop=True)
    ok = _located_mask(chosen)
    xy = np.full((len(chosen), 2), np.nan)
    if ok.any():
        xy[ok] = _point_xy(chosen.geometry.to_numpy()[ok])

    groups = np.full(len(chosen), -1, dtype=np.int64)
    located = np.flatnonzero(ok)
    if len(located):
        labels = _group(xy[located], max_span, int(max_per_operation))
        groups[located] = labels
    next_label = groups.max() + 1 if len(chosen) else 0
    for i in np.flatnonzero(~ok):
        groups[i] = next_label
        next_label += 1

    # number operations by their best rank
    ranks = chosen["rank"].to_numpy(dtype=np.int64)
    best = {g: ranks[groups == g].min() for g in np.unique(groups)}
    op_number = {g: k + 1 for k, g in enumerate(sorted(best, key=lambda g: best[g]))}

    classes = (chosen[PREMISES_CLASS].astype("string").fillna("other")
               if PREMISES_CLASS in chosen.columns
               else pd.Series("other", index=chosen.index, dtype="string"))
    agency_text = [
        "; ".join(_sorted_agencies(set(table.get(c, table["other"])) | set(extra)))
        for c in classes
    ]

    time_info = _time_windows(chosen, incidents, link, radius, ranked, groups, op_number)

    visit_rows = []
    op_rows = []
    for g, op in sorted(op_number.items(), key=lambda kv: kv[1]):
        members = np.flatnonzero(groups == g)
        members = members[np.argsort(ranks[members], kind="stable")]
        if ok[members].all():
            route = _route(xy[members])
            members = members[route]
            legs = np.r_[np.nan, np.hypot(*np.diff(xy[members], axis=0).T)]
            diffs = xy[members][:, None, :] - xy[members][None, :, :]
            span = float(np.sqrt((diffs ** 2).sum(axis=2)).max())
            line = (shapely.LineString(xy[members]) if len(members) > 1
                    else shapely.Point(xy[members[0]]))
        else:
            legs = np.full(len(members), np.nan)
            span = 0.0
            line = shapely.Point()
        for order, (m, leg) in enumerate(zip(members, legs, strict=True), start=1):
            visit_rows.append({"operation": op, "order": order, "_pos": m,
                               "leg_distance_m": float(leg)})
        union = set().union(*(set(agency_text[m].split("; ")) for m in members))
        info = time_info.get(op, {})
        op_rows.append({
            "operation": op,
            "n_visits": len(members),
            "best_rank": int(ranks[members].min()),
            "span_m": span,
            "route_length_m": float(np.nansum(legs)),
            "agencies": "; ".join(_sorted_agencies(union)),
            "n_incidents": int(info.get("n_incidents", 0)),
            "peak_day": info.get("peak_day", "unknown"),
            "peak_hours": info.get("peak_hours", "unknown"),
            "time_window": info.get("time_window", "unknown"),
            "premises": " → ".join(str(chosen["name"].iloc[m]) for m in members),
            "geometry": line,
        })

    vis = pd.DataFrame(visit_rows, columns=["operation", "order", "_pos", "leg_distance_m"])
    pos = vis["_pos"].to_numpy(dtype=np.int64)
    visits = pd.DataFrame({
        "operation": vis["operation"].astype(np.int64),
        "order": vis["order"].astype(np.int64),
        "rank": ranks[pos],
        PREMISES_ID: chosen[PREMISES_ID].astype("string").to_numpy()[pos],
        "name": chosen["name"].astype("string").to_numpy()[pos],
        PREMISES_CLASS: classes.to_numpy()[pos],
        "agencies": [agency_text[p] for p in pos],
        "leg_distance_m": vis["leg_distance_m"].astype(float),
        "score": chosen["score"].to_numpy(dtype=float)[pos],
    })
    for col in ("reasons", "address", "postcode", schema.LOCATION_STATUS):
        visits[col] = (chosen[col].to_numpy(dtype=object)[pos] if col in chosen.columns
                       else np.full(len(pos), None, dtype=object))
        visits[col] = visits[col].astype("string")
    visits = gpd.GeoDataFrame(visits, geometry=chosen.geometry.to_numpy()[pos], crs=ranked.crs)
    op_columns = ["operation", "n_visits", "best_rank", "span_m", "route_length_m", "agencies",
                  "n_incidents", "peak_day", "peak_hours", "time_window", "premises", "geometry"]
    operations = gpd.GeoDataFrame(pd.DataFrame(op_rows, columns=op_columns),
                                  geometry="geometry", crs=ranked.crs)
    params = {
        "function": caller,
        "top": int(top),
        "max_per_operation": int(max_per_operation),
        "max_span": max_span,
        "agencies": {k: list(v) for k, v in table.items()},
        "extra_agencies": list(extra),
        "n_candidates": len(chosen),
        "n_unlocated": int((~ok).sum()),
        "time_precision": time_info.get("precision", "unknown"),
    }
    visits.attrs["hotspots"] = dict(params)
    operations.attrs["hotspots"] = dict(params)
    logger.info("visit_plan: %d visits in %d operations (max span %.0f m, at most %d each)",
                len(visits), len(operations), max_span, max_per_operation)
    return VisitPlan(visits=visits, operations=operations, params=params)


def _sorted_agencies(names: set[str]) -> list[str]:
    known = [a for a in AGENCY_ORDER if a in names]
    return known + sorted(n for n in names if n not in AGENCY_ORDER and n)


def _group(xy: np.ndarray, max_span: float, max_size: int) -> np.ndarray:
    """Labels 0..k-1 of groups with span <= max_span and at most max_size members."""
    labels = np.zeros(len(xy), dtype=np.int64)
    if len(xy) == 1:
        return labels
    from sklearn.cluster import AgglomerativeClustering

    # complete linkage: a merge happens only below the threshold, so every group's largest
    # pairwise distance is below max_span
    first = AgglomerativeClustering(n_clusters=None, distance_threshold=max_span,
                                    linkage="complete").fit_predict(xy)
    next_label = 0
    for g in np.unique(first):
        members = np.flatnonzero(first == g)
        for sub in _split(xy, members, max_size):
            labels[sub] = next_label
            next_label += 1
    return labels


def _split(xy: np.ndarray, members: np.ndarray, max_size: int) -> list[np.ndarray]:
    if len(members) <= max_size:
        return [members]
    from sklearn.cluster import AgglomerativeClustering

    k = int(np.ceil(len(members) / max_size))
    sub = AgglomerativeClustering(n_clusters=k, linkage="complete").fit_predict(xy[members])
    parts: list[np.ndarray] = []
    for g in np.unique(sub):
        parts.extend(_split(xy, members[sub == g], max_size))
    return parts


def _path_length(xy: np.ndarray, order: Sequence[int]) -> float:
    pts = xy[list(order)]
    return float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0


def _nearest_neighbor_route(xy: np.ndarray) -> list[int]:
    """Open path from point 0, always to the nearest unvisited point (ties: lower index)."""
    n = len(xy)
    route = [0]
    left = list(range(1, n))
    while left:
        here = xy[route[-1]]
        d = np.hypot(*(xy[left] - here).T)
        k = int(np.argmin(d))
        route.append(left.pop(k))
    return route


def _two_opt(xy: np.ndarray, route: list[int]) -> list[int]:
    """Improve an open path with a fixed start by segment reversals (2-opt)."""
    route = list(route)
    n = len(route)
    if n < 3:
        return route

    def dist(a: int, b: int) -> float:
        return float(np.hypot(*(xy[a] - xy[b])))

    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                a, b = route[i - 1], route[i]
                c = route[j]
                before = dist(a, b)
                after = dist(a, c)
                if j + 1 < n:
                    d = route[j + 1]
                    before += dist(c, d)
                    after += dist(b, d)
                if after < before - 1e-9:
                    route[i:j + 1] = route[i:j + 1][::-1]
                    improved = True
    return route


def _route(xy: np.ndarray) -> np.ndarray:
    """Visit order (positions into ``xy``; ``xy[0]`` is the start): nearest neighbour + 2-opt."""
    return np.asarray(_two_opt(xy, _nearest_neighbor_route(xy)), dtype=np.int64)


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _time_windows(chosen: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame | None,
                  link: pd.DataFrame | None, radius: float | None, ranked: gpd.GeoDataFrame,
                  groups: np.ndarray, op_number: dict[int, int]) -> dict[Any, Any]:
    """Per operation: linked incidents, peak day of week and busiest 3-hour window."""
    if incidents is None:
        return {}
    if link is None:
        if radius is None:
            radius = float(ranked.attrs.get("hotspots", {}).get("radius", 50.0))
        link = link_premises(incidents, ranked, max_distance=radius)
    occurred = (pd.to_datetime(incidents[schema.OCCURRED], errors="coerce")
                if schema.OCCURRED in incidents.columns
                else pd.Series(pd.NaT, index=incidents.index))
    precision = _time_precision(occurred)
    op_of_pid = {
        str(pid): op_number[g]
        for pid, g in zip(chosen[PREMISES_ID].astype(str), groups, strict=True)
    }
    ops = link[PREMISES_ID].astype("string").map(op_of_pid)
    result: dict[Any, Any] = {"precision": precision}
    frame = pd.DataFrame({"op": ops.to_numpy(dtype=object), "t": occurred.to_numpy()})
    frame = frame[frame["op"].notna()]
    for op, sub in frame.groupby("op"):
        t = pd.to_datetime(sub["t"]).dropna()
        info: dict[str, Any] = {"n_incidents": len(sub), "peak_day": "unknown",
                                "peak_hours": "unknown", "time_window": "unknown"}
        parts = []
        if precision in ("day", "time") and len(t):
            counts = np.bincount(t.dt.day_of_week.to_numpy(), minlength=7)
            day = int(np.argmax(counts))  # ties: the earlier day of the week
            info["peak_day"] = _DAYS[day]
            parts.append(f"{_DAYS[day]} ({counts[day]} of {len(t)})")
        if precision == "time" and len(t):
            hours = np.bincount(t.dt.hour.to_numpy(), minlength=24)
            window3 = hours + np.roll(hours, -1) + np.roll(hours, -2)
            h = int(np.argmax(window3))
            info["peak_hours"] = f"{h:02d}:00-{(h + 3) % 24:02d}:00"
            parts.append(f"{info['peak_hours']} ({window3[h]} of {len(t)})")
        if parts:
            info["time_window"] = ", ".join(parts)
        result[int(op)] = info
    return result


# --------------------------------------------------------------------------------------------
# proximity_report
# --------------------------------------------------------------------------------------------
def proximity_report(
    vulnerable: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    radius: float = 200.0,
    gistar: gpd.GeoDataFrame | None = None,
    ranked: gpd.GeoDataFrame | None = None,
    top: int | None = None,
) -> gpd.GeoDataFrame:
    """Report incidents, hot cells and the nearest ranked premises around vulnerable places.

    Parameters
    ----------
    vulnerable : geopandas.GeoDataFrame
        Vulnerable locations (children's homes, schools, pupil referral units), e.g. from
        ``read_premises(..., kind="vulnerable")``: ``premises_id``, ``name``, geometry.
    incidents : geopandas.GeoDataFrame
        Canonical incident frame, same CRS.
    radius : float
        Search radius in metres.
    gistar : geopandas.GeoDataFrame, optional
        A :func:`hotspots.hotspot.hotspot_gistar` result; cells with ``gi_bin`` > 0 are
        significant hot cells.
    ranked : geopandas.GeoDataFrame, optional
        A :func:`premises_rank` result; the nearest premises with a score above zero (and a
        rank up to ``top`` when given) is reported, at any distance.
    top : int, optional
        Only consider ranked premises with ``rank <= top``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per vulnerable location, in input order (index kept): ``premises_id``,
        ``name``, ``kind``, ``premises_class``, ``n_incidents`` (Int64; located incidents
        within ``radius``; <NA> when the location is unknown), ``top_categories``,
        ``n_hot_cells`` (Int64; significant hot cells within ``radius``), ``max_gi_bin``
        (Int64), ``nearest_premises_id``, ``nearest_premises_name``,
        ``nearest_premises_rank`` (Int64), ``nearest_premises_distance_m`` (float),
        ``location_status``, ``geometry``.

    Raises
    ------
    TypeError, CRSError, ValidationError
        As :func:`link_premises`.
    """
    caller = "proximity_report"
    vulnerable = _check_premises(vulnerable, caller, name="vulnerable")
    incidents = _check_frame(incidents, "incidents", caller)
    _check_same_crs(vulnerable, incidents, ("vulnerable", "incidents"), caller)
    radius = float(check_positive("radius", radius, caller=caller))
    n = len(vulnerable)
    v_ok = _located_mask(vulnerable)
    v_geom = vulnerable.geometry.to_numpy()
    v_pos = np.flatnonzero(v_ok)

    i_ok = _located_mask(incidents)
    i_pos = np.flatnonzero(i_ok)
    n_inc = np.zeros(n, dtype=np.int64)
    tops = [""] * n
    if len(i_pos) and len(v_pos):
        tree = shapely.STRtree(incidents.geometry.to_numpy()[i_pos])
        vi, ii = tree.query(v_geom[v_pos], predicate="dwithin", distance=radius)
        n_inc[v_pos] = np.bincount(vi, minlength=len(v_pos))
        if schema.CATEGORY in incidents.columns and len(vi):
            cats = incidents[schema.CATEGORY].astype("string").to_numpy(dtype=object)[i_pos[ii]]
            pairs = pd.DataFrame({"v": v_pos[vi], "c": [_short_category(c) for c in cats]})
            counts = pairs.groupby(["v", "c"]).size().reset_index(name="n")
            counts = counts.sort_values(["v", "n", "c"], ascending=[True, False, True])
            text = (counts.groupby("v").head(3)
                    .assign(part=lambda f: f["n"].astype(str) + " " + f["c"])
                    .groupby("v")["part"].agg(", ".join))
            for v, t in text.items():
                tops[int(v)] = t
    n_hot = np.zeros(n, dtype=np.int64)
    max_bin = np.full(n, -99, dtype=np.int64)
    if gistar is not None:
        _check_same_crs(vulnerable, _check_frame(gistar, "gistar", caller),
                        ("vulnerable", "gistar"), caller)
        bins = pd.to_numeric(gistar["gi_bin"], errors="coerce").fillna(0).astype(
            np.int64).to_numpy()
        hot = np.flatnonzero(bins > 0)
        if len(hot) and len(v_pos):
            vi, ci = shapely.STRtree(gistar.geometry.to_numpy()[hot]).query(
                v_geom[v_pos], predicate="dwithin", distance=radius)
            n_hot[v_pos] = np.bincount(vi, minlength=len(v_pos))
            np.maximum.at(max_bin, v_pos[vi], bins[hot][ci])
    near_id = np.full(n, None, dtype=object)
    near_name = np.full(n, None, dtype=object)
    near_rank = np.full(n, -1, dtype=np.int64)
    near_d = np.full(n, np.nan)
    if ranked is not None:
        _check_same_crs(vulnerable, _check_premises(ranked, caller, name="ranked"),
                        ("vulnerable", "ranked"), caller)
        cand = ranked[(pd.to_numeric(ranked["score"], errors="coerce").fillna(0) > 0)
                      & _located_mask(ranked)]
        if top is not None:
            cand = cand[cand["rank"] <= top]
        if len(cand) and len(v_pos):
            c_geom = cand.geometry.to_numpy()
            vi, ci = shapely.STRtree(c_geom).query_nearest(v_geom[v_pos], return_distance=False,
                                                           all_matches=True)
            d = shapely.distance(v_geom[v_pos][vi], c_geom[ci])
            c_rank = cand["rank"].to_numpy(dtype=np.int64)
            order = np.lexsort((c_rank[ci], d, vi))
            vi, ci, d = vi[order], ci[order], d[order]
            first = np.r_[True, vi[1:] != vi[:-1]]
            tgt = v_pos[vi[first]]
            near_id[tgt] = cand[PREMISES_ID].astype(str).to_numpy()[ci[first]]
            near_name[tgt] = cand["name"].astype(str).to_numpy()[ci[first]]
            near_rank[tgt] = c_rank[ci[first]]
            near_d[tgt] = d[first]

    def _int(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.array(np.where(missing, None, values), dtype="Int64")

    out = pd.DataFrame(
        {
            PREMISES_ID: vulnerable[PREMISES_ID].astype("string").to_numpy(),
            "name": vulnerable["name"].astype("string").to_numpy(),
            "kind": (vulnerable["kind"].astype("string").to_numpy()
                     if "kind" in vulnerable.columns else pd.array([pd.NA] * n, "string")),
            PREMISES_CLASS: (vulnerable[PREMISES_CLASS].astype("string").to_numpy()
                             if PREMISES_CLASS in vulnerable.columns
                             else pd.array([pd.NA] * n, "string")),
            "n_incidents": _int(n_inc, ~v_ok),
            "top_categories": tops,
            "n_hot_cells": _int(n_hot, ~v_ok | (gistar is None)),
            "max_gi_bin": _int(max_bin, ~v_ok | (max_bin == -99)),
            "nearest_premises_id": pd.array(near_id, dtype="string"),
            "nearest_premises_name": pd.array(near_name, dtype="string"),
            "nearest_premises_rank": _int(near_rank, near_rank < 0),
            "nearest_premises_distance_m": near_d,
            schema.LOCATION_STATUS: pd.Categorical(
                np.where(v_ok, schema.LOCATED, schema.UNKNOWN),
                categories=[schema.LOCATED, schema.UNKNOWN]),
        },
        index=vulnerable.index,
    )
    result = gpd.GeoDataFrame(out, geometry=v_geom, crs=vulnerable.crs)
    result.attrs["hotspots"] = {
        "function": caller, "radius": radius, "gistar": gistar is not None,
        "ranked": ranked is not None, "top": top, "n_unknown_location": int((~v_ok).sum()),
        "n_incidents_unknown_location": int((~i_ok).sum()),
    }
    return result
