"""Link incidents to premises: the nearest within a distance, or a premises named in a text.

:func:`link_premises` gives every incident one row, linked or not: unlinked incidents are
counted by reason (:data:`UNLINKED_REASONS`), never dropped. Each link carries its method
(:data:`LINK_METHODS`) and a documented confidence that combines distance and name evidence.
The ranking (:mod:`hotspots.premises.rank`) and the visit plan's time windows
(:mod:`hotspots.premises.plan`) are built on these links.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from itertools import pairwise
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._params import check_positive, check_probability
from hotspots.errors import Problem, ValidationError
from hotspots.premises import _common
from hotspots.premises._common import PREMISES_ID

__all__ = ["LINK_METHODS", "UNLINKED_REASONS", "link_premises"]

logger = logging.getLogger(__name__)

#: How an incident was linked to its premises (``link_method`` of :func:`link_premises`).
LINK_METHODS = ("distance", "name", "distance+name")
#: Why an incident is not linked (``unlinked_reason`` of :func:`link_premises`).
UNLINKED_REASONS = ("no location", "none within distance", "ambiguous name")

# The digits, letters and space that normalised names are made of (character-bag filter).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 "
_LOCATION_PREFIX = re.compile(r"^\s*(?:on or near|near to|near|outside|o/s|inside|at)\s+", re.I)
_STOPWORDS = frozenset({"the", "ltd", "limited", "plc"})


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
          "ambiguous name"), <NA> when linked;
        - ``n_tied`` (int64): how many premises share the link: the premises at exactly the
          nearest distance for a distance link (premises at one coordinate), 1 for a name
          link, 0 when unlinked;
        - ``premises_ids`` (object, tuples of str): the ``n_tied`` premises sharing the link,
          in id order (``premises_id`` is the first of them); ``()`` when unlinked.

        ``attrs["hotspots"]`` holds ``n_linked``, ``n_unlinked`` (a dict by reason),
        ``by_method``, ``n_tied_links`` and ``share_tied_links`` (links with ``n_tied > 1``
        and their share of the links) and the parameters.

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
    over all incident–premises pairs within ``max_distance``; the nearest premises wins.
    **Ties**: premises often share one coordinate (the 1,698 located City of London FSA
    premises sit at 860 distinct points), so an incident can be equally near several; at
    50 m 46% of City 2019 links are such ties. Handing each to the smallest id would
    credit one premises of a building with every incident and leave its neighbours with
    none (282 tied City premises got nothing). A tied incident is therefore linked to all
    the tied premises (``n_tied``, ``premises_ids``), and
    :func:`hotspots.premises.premises_rank` counts ``1/n_tied`` of it at each. Nothing
    depends on the ids or the row order; ``premises_id`` shows the first tied id only so
    that the column stays one id per incident.

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
    incidents = _common.check_frame(incidents, "incidents", caller)
    premises = _common.check_premises(premises, caller)
    _common.check_same_crs(incidents, premises, ("incidents", "premises"), caller)
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
    inc_ok = _common.located_mask(incidents)
    prem_ok = _common.located_mask(premises)
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

    # --- distance evidence: nearest within max_distance; ties shared ---------------------
    near = pair_d <= max_distance
    ni, npm, nd = pair_inc[near], pair_prem[near], pair_d[near]
    n_candidates = np.bincount(ni, minlength=n)
    w = _decay(nd, max_distance)
    decay_sum = np.bincount(ni, weights=w, minlength=n)
    tied_ids, d_prem = _tied_premises(ni, npm, nd, id_order, pids, n)

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

    # a name link names one premises; a distance link is shared by the premises tied at
    # the nearest distance (premises at one coordinate: FSA premises in one building)
    n_tied = np.where(linked, 1, 0).astype(np.int64)
    by_distance = linked & ~use_name
    n_tied[by_distance] = [len(tied_ids[i]) for i in np.flatnonzero(by_distance)]
    linked_ids = np.empty(n, dtype=object)
    for i in range(n):
        if by_distance[i]:
            linked_ids[i] = tied_ids[i]
        elif linked[i]:
            linked_ids[i] = (str(pids[link[i]]),)
        else:
            linked_ids[i] = ()

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
            "n_tied": n_tied,
            "premises_ids": linked_ids,
        },
        index=incidents.index,
    )
    n_unlinked = {r: int((reason == r).sum()) for r in UNLINKED_REASONS}
    n_tied_links = int((n_tied > 1).sum())
    share_tied = n_tied_links / int(linked.sum()) if linked.any() else 0.0
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
        "n_tied_links": n_tied_links,
        "share_tied_links": share_tied,
        "tie_rule": "an incident tied between premises at the same nearest distance is "
                    "shared equally among them (1/n_tied each)",
    }
    if n_tied_links:
        logger.info("link_premises: %d of %d links (%.0f%%) are ties between premises at the "
                    "same distance; each is shared equally among them", n_tied_links,
                    int(linked.sum()), 100 * share_tied)
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


def _tied_premises(ni: np.ndarray, npm: np.ndarray, nd: np.ndarray, id_order: np.ndarray,
                   pids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per incident, the ids (in id order) of the premises at its nearest distance.

    Also returns the position of the first of them (-1 when none is within reach).
    """
    out = np.empty(n, dtype=object)
    out[:] = [()] * n
    first = np.full(n, -1, dtype=np.int64)
    if not len(ni):
        return out, first
    dmin = np.full(n, np.inf)
    np.minimum.at(dmin, ni, nd)
    # exact ties (equal coordinates) and ties within float rounding of the distance
    at_min = nd <= dmin[ni] + 1e-9 * np.maximum(1.0, dmin[ni])
    ti, tp = ni[at_min], npm[at_min]
    order = np.lexsort((id_order[tp], ti))
    ti, tp = ti[order], tp[order]
    bounds = np.flatnonzero(np.r_[True, ti[1:] != ti[:-1], True])
    for a, b in pairwise(bounds.tolist()):
        out[ti[a]] = tuple(str(pids[p]) for p in tp[a:b])
        first[ti[a]] = tp[a]
    return out, first
