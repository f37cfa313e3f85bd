"""Name evidence for :func:`~hotspots.premises.link_premises`: is a location text a premises?

Texts and names are normalised (:func:`normalise_name`), compared with difflib's ratio behind
a vectorised character-bag bound (:func:`text_matches`), and each incident gets its best name
match (:func:`name_links`): among nearby premises when it is located, or a unique best premises
anywhere when it is not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

import numpy as np
import pandas as pd
import shapely

__all__ = ["name_links", "normalise_name", "text_matches"]

# The digits, letters and space that normalised names are made of (character-bag filter).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 "

_LOCATION_PREFIX = re.compile(r"^\s*(?:on or near|near to|near|outside|o/s|inside|at)\s+", re.I)

_STOPWORDS = frozenset({"the", "ltd", "limited", "plc"})



def normalise_name(text: Any, *, sort_words: bool = True) -> str:
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



def text_matches(texts: Sequence[str], names: Sequence[str], cutoff: float
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



def name_links(
    texts: pd.Series, names: pd.Series, addresses: pd.Series, inc_ok: np.ndarray,
    prem_ok: np.ndarray,
    inc_geom: np.ndarray, prem_geom: np.ndarray, pair_inc: np.ndarray, pair_prem: np.ndarray,
    pair_d: np.ndarray, id_order: np.ndarray, cutoff: float, text_max_distance: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best name match per incident: (premises position or -1, score, ambiguous flag)."""
    n = len(texts)
    raw_text = texts.to_numpy(dtype=object)
    norm_text = np.array([normalise_name(t) for t in raw_text], dtype=object)
    norm_name = np.array([normalise_name(t) for t in names.to_numpy(dtype=object)], dtype=object)
    u_text, first_of_text, text_code = np.unique(norm_text.astype(str), return_index=True,
                                                 return_inverse=True)
    u_name, name_code = np.unique(norm_name.astype(str), return_inverse=True)
    ti, nj, sc = text_matches(list(u_text), list(u_name), cutoff)
    # score of every (unique text, unique name) pair that matched
    score_of = {(int(a), int(b)): s for a, b, s in zip(ti, nj, sc, strict=True)}

    # "On or near King William Street" names the street of "itsu, King William Street":
    # a text found inside the premises' own address is a street, not a premises name
    street_text = [f" {normalise_name(raw_text[i], sort_words=False)} " for i in first_of_text]
    street_addr = [f" {normalise_name(a, sort_words=False)} "
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

