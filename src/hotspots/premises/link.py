"""Link incidents to premises: the nearest within a distance, or a premises named in a text.

:func:`link_premises` gives every incident one row, linked or not: unlinked incidents are
counted by reason (:data:`UNLINKED_REASONS`), never dropped. Each link carries its method
(:data:`LINK_METHODS`) and a documented confidence that combines distance and name evidence.
The ranking (:mod:`hotspots.premises.rank`) and the visit plan's time windows
(:mod:`hotspots.premises.plan`) are built on these links. Name evidence (normalised names,
fuzzy matching) lives in :mod:`hotspots.premises._names`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._params import Positive, check_probability, current_verb, validate_params
from hotspots.errors import Problem, ValidationError
from hotspots.premises import _common
from hotspots.premises._common import PREMISES_ID
from hotspots.premises._names import name_links
from hotspots.premises._names import normalise_name as _normalize_name  # noqa: F401 (tests)

__all__ = ["LINK_METHODS", "UNLINKED_REASONS", "link_premises"]

logger = logging.getLogger(__name__)

#: How an incident was linked to its premises (``link_method`` of :func:`link_premises`).
LINK_METHODS = ("distance", "name", "distance+name")
#: Why an incident is not linked (``unlinked_reason`` of :func:`link_premises`).
UNLINKED_REASONS = ("no location", "none within distance", "ambiguous name")


@dataclass(frozen=True)
class _Frames:
    """The arrays of both frames that every linking step reads."""

    inc_ok: np.ndarray     # located incidents
    prem_ok: np.ndarray    # located premises
    inc_geom: np.ndarray
    prem_geom: np.ndarray
    pids: np.ndarray       # premises ids (str)
    id_order: np.ndarray   # rank of each premises id in string order: the tie-breaker

    @classmethod
    def of(cls, incidents: gpd.GeoDataFrame, premises: gpd.GeoDataFrame) -> _Frames:
        pids = premises[PREMISES_ID].astype("string").to_numpy(dtype=object)
        id_order = np.empty(len(pids), dtype=np.int64)
        id_order[np.argsort(pids.astype(str), kind="stable")] = np.arange(len(pids))
        return cls(_common.located_mask(incidents), _common.located_mask(premises),
                   incidents.geometry.to_numpy(), premises.geometry.to_numpy(), pids, id_order)


def _decay(distance: np.ndarray, max_distance: float) -> np.ndarray:
    """Distance decay used by the link confidence: 1 at 0 m, 0.5 at max/2, 0.25 at max."""
    return np.power(0.5, 2.0 * np.asarray(distance, dtype=float) / max_distance)



@validate_params({"max_distance": Positive(), "text_max_distance": Positive(allow_none=True)})
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
    >>> from hotspots.premises import link_premises
    >>> inc = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.Point(500, 0)],
    ...                        crs=27700)
    >>> prem = gpd.GeoDataFrame({"premises_id": ["a", "b"], "name": ["A", "B"]},
    ...                         geometry=[shapely.Point(10, 0), shapely.Point(30, 0)], crs=27700)
    >>> link_premises(inc, prem)[["premises_id", "distance", "link_method"]]
      premises_id  distance link_method
    0           a      10.0    distance
    1        <NA>       NaN         NaN
    """
    incidents = _common.check_frame(incidents, "incidents")
    premises = _common.check_premises(premises)
    _common.check_same_crs(incidents, premises, ("incidents", "premises"))
    max_distance = float(max_distance)
    text_max_distance = None if text_max_distance is None else float(text_max_distance)
    min_text_score = _check_min_text_score(min_text_score)
    if text_column is not None and text_column not in incidents.columns:
        raise ValidationError(
            Problem("missing_column", f"'incidents' has no column {text_column!r} for "
                                      "text_column.", column=text_column),
            context=current_verb(),
        )

    n = len(incidents)
    fr = _Frames.of(incidents, premises)
    search = max(max_distance, text_max_distance or 0.0) if text_column else max_distance
    pairs = _pairs_within(fr, search)
    # distance evidence: nearest within max_distance; ties shared
    near = pairs[2] <= max_distance
    ni, npm, nd = pairs[0][near], pairs[1][near], pairs[2][near]
    n_candidates = np.bincount(ni, minlength=n)
    decay_sum = np.bincount(ni, weights=_decay(nd, max_distance), minlength=n)
    tied_ids, d_prem = _tied_premises(ni, npm, nd, fr.id_order, fr.pids, n)
    # name evidence
    t_prem, t_score = np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
    ambiguous = np.zeros(n, dtype=bool)
    if text_column is not None:
        addresses = (premises["address"] if "address" in premises.columns
                     else pd.Series(None, index=premises.index, dtype=object))
        t_prem, t_score, ambiguous = name_links(
            incidents[text_column], premises["name"], addresses, fr.inc_ok, fr.prem_ok,
            fr.inc_geom, fr.prem_geom, *pairs, fr.id_order, min_text_score, text_max_distance,
        )

    use_name = t_prem >= 0
    link = np.where(use_name, t_prem, d_prem)
    linked = link >= 0
    dist, method, confidence = _combine(fr, link, use_name, t_score, decay_sum, max_distance)
    n_tied, linked_ids = _shared_ids(fr, link, linked & ~use_name, linked, tied_ids)
    reason = np.full(n, None, dtype=object)
    reason[~linked & ~fr.inc_ok] = "no location"
    reason[~linked & fr.inc_ok] = "none within distance"
    reason[~linked & ambiguous] = "ambiguous name"

    out = pd.DataFrame(
        {
            PREMISES_ID: pd.array(np.where(linked, fr.pids[np.maximum(link, 0)], None),  # type: ignore[call-overload]
                                  dtype="string"),  # numpy stubs reject None in where()
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
    params = {"max_distance": max_distance, "text_column": text_column,
              "min_text_score": min_text_score, "text_max_distance": text_max_distance}
    out.attrs["hotspots"] = _link_attrs(out, premises, fr, params)
    _log_links(out.attrs["hotspots"])
    return out


def _check_min_text_score(min_text_score: Any) -> float:
    """Return the name cutoff: a probability, or exactly 1 (identical names only)."""
    if min_text_score == 1:
        return 1.0
    return float(check_probability("min_text_score", min_text_score))


def _pairs_within(fr: _Frames, search: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(incident position, premises position, distance) of located pairs within ``search``."""
    inc_pos = np.flatnonzero(fr.inc_ok)
    prem_pos = np.flatnonzero(fr.prem_ok)
    tree = shapely.STRtree(fr.prem_geom[prem_pos])
    qi, qp = tree.query(fr.inc_geom[inc_pos], predicate="dwithin", distance=search)
    pair_inc, pair_prem = inc_pos[qi], prem_pos[qp]
    return pair_inc, pair_prem, shapely.distance(fr.inc_geom[pair_inc], fr.prem_geom[pair_prem])


def _combine(fr: _Frames, link: np.ndarray, use_name: np.ndarray, t_score: np.ndarray,
             decay_sum: np.ndarray, max_distance: float
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance, method and confidence of each incident's link (Notes of link_premises)."""
    n = len(link)
    linked = link >= 0
    dist = np.full(n, np.nan)
    idx = np.flatnonzero(linked & fr.inc_ok & fr.prem_ok[np.maximum(link, 0)])
    dist[idx] = shapely.distance(fr.inc_geom[idx], fr.prem_geom[link[idx]])
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
    return dist, method, confidence


def _shared_ids(fr: _Frames, link: np.ndarray, by_distance: np.ndarray, linked: np.ndarray,
                tied_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(``n_tied``, ``premises_ids``) per incident.

    A name link names one premises; a distance link is shared by the premises tied at the
    nearest distance (premises at one coordinate: FSA premises in one building).
    """
    n = len(link)
    n_tied = np.where(linked, 1, 0).astype(np.int64)
    n_tied[by_distance] = [len(tied_ids[i]) for i in np.flatnonzero(by_distance)]
    linked_ids = np.empty(n, dtype=object)
    for i in range(n):
        if by_distance[i]:
            linked_ids[i] = tied_ids[i]
        elif linked[i]:
            linked_ids[i] = (str(fr.pids[link[i]]),)
        else:
            linked_ids[i] = ()
    return n_tied, linked_ids


def _link_attrs(out: pd.DataFrame, premises: gpd.GeoDataFrame, fr: _Frames,
                params: dict[str, Any]) -> dict[str, Any]:
    """``attrs["hotspots"]`` of a link: parameters and the accounting of every incident."""
    linked = out[PREMISES_ID].notna().to_numpy()
    reason = out["unlinked_reason"].astype(object).to_numpy()
    method = out["link_method"].astype(object).to_numpy()
    n_tied_links = int((out["n_tied"].to_numpy() > 1).sum())
    return {
        "function": "link_premises",
        **params,
        "n_incidents": len(out),
        "n_linked": int(linked.sum()),
        "n_unlinked": {r: int((reason == r).sum()) for r in UNLINKED_REASONS},
        "by_method": {m: int((method == m).sum()) for m in LINK_METHODS},
        "n_premises": len(premises),
        "n_premises_unknown_location": int((~fr.prem_ok).sum()),
        "n_tied_links": n_tied_links,
        "share_tied_links": n_tied_links / int(linked.sum()) if linked.any() else 0.0,
        "tie_rule": "an incident tied between premises at the same nearest distance is "
                    "shared equally among them (1/n_tied each)",
    }


def _log_links(attrs: dict[str, Any]) -> None:
    n_linked, n_tied_links = attrs["n_linked"], attrs["n_tied_links"]
    if n_tied_links:
        logger.info("link_premises: %d of %d links (%.0f%%) are ties between premises at the "
                    "same distance; each is shared equally among them", n_tied_links,
                    n_linked, 100 * attrs["share_tied_links"])
    logger.info(
        "link_premises: %d of %d incidents linked within %.0f m%s; unlinked: %s",
        n_linked, attrs["n_incidents"], attrs["max_distance"],
        " or by name" if attrs["text_column"] else "",
        ", ".join(f"{v} {k}" for k, v in attrs["n_unlinked"].items() if v) or "none",
    )


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
