"""Per-premises totals of the linked incidents of :func:`premises_rank`.

An incident tied between premises at the same distance (``premises_ids`` of
:func:`~hotspots.premises.link_premises`) counts ``1/n_tied`` at each, so every total here
is a sum of shares: counts, harm, recency-weighted harm, recent incidents, the two halves
of the window and repeats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.premises._common import PREMISES_ID
from hotspots.premises._timing import IncidentTiming

__all__ = ["LinkTally", "incident_harm", "link_pairs", "tally_links"]

# Count columns that are fractional when ties share incidents (always float64, so that the
# type never depends on the data).
_SHARE_COLUMNS = ("n_linked", "n_recent", "n_first_half", "n_second_half", "n_repeat")


@dataclass(frozen=True)
class LinkTally:
    """The per-premises table and what the later steps need from the links."""

    out: pd.DataFrame          # one row per premises, in the premises' order
    cat_counts: pd.DataFrame   # (premises_id, category) -> n, harm
    linked: np.ndarray         # bool per incident: linked and in the window
    pair_pos: np.ndarray       # incident position of each (incident, premises) pair
    pair_pid: np.ndarray       # premises id of each pair
    n_tied_links: int          # linked incidents shared between premises
    share_tied: float


def incident_harm(incidents: gpd.GeoDataFrame, weights: Mapping[str, float]
                  ) -> tuple[pd.Series, np.ndarray]:
    """(category, harm) per incident: ``weight`` times the category's weight (default 1)."""
    if schema.CATEGORY in incidents.columns:
        category = incidents[schema.CATEGORY].astype("string").fillna("(no category)")
    else:
        category = pd.Series("(no category)", index=incidents.index, dtype="string")
    base_w = (pd.to_numeric(incidents[schema.WEIGHT], errors="coerce").fillna(1.0).to_numpy(
        dtype=float) if schema.WEIGHT in incidents.columns else np.ones(len(incidents)))
    cat_w = category.map(lambda c: float(weights.get(c, 1.0))).to_numpy(dtype=float)
    return category, base_w * cat_w


def link_pairs(link: pd.DataFrame, pid_link: pd.Series, linked: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(incident position, premises id, share) of every link of the ``linked`` incidents.

    Uses ``premises_ids`` (all premises tied at the nearest distance, each with share
    ``1/n_tied``) when the link has it, else ``premises_id`` with share 1.
    """
    pos = np.flatnonzero(linked)
    ids = pid_link.to_numpy(dtype=object)
    tied = link["premises_ids"].to_numpy(dtype=object) if "premises_ids" in link.columns \
        else None
    groups = [tuple(tied[i]) if tied is not None and len(tied[i]) else (str(ids[i]),)
              for i in pos]
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    pair_pos = np.repeat(pos, sizes)
    pair_pid = np.array([p for g in groups for p in g], dtype=object)
    share = np.repeat(1.0 / np.maximum(sizes, 1), sizes)
    return pair_pos, pair_pid, share


def _per_premises(inc: pd.DataFrame) -> pd.DataFrame:
    """Sum the shares of the (incident, premises) pairs per premises, with repeats."""
    grouped = inc.groupby(PREMISES_ID, sort=True)
    per = pd.DataFrame(
        {
            "n_linked": grouped["share"].sum(),
            "n_tied": grouped["tied"].sum(),
            "n_recent": grouped["recent"].sum(),
            "harm": grouped["harm"].sum(),
            "recency_score": grouped["recency"].sum(),
            "n_first_half": grouped["first"].sum(),
            "n_second_half": grouped["second"].sum(),
        }
    )
    # repeats: every incident of a (category, month) after the first; with shares, the
    # group's total share less its largest share (the integer count - 1 without ties)
    distinct = inc.groupby([PREMISES_ID, "category", "month"], sort=False)["share"].agg(
        ["sum", "max"])
    per["n_repeat"] = (distinct["sum"] - distinct["max"]).groupby(level=0).sum().reindex(
        per.index)
    return per


def tally_links(link: pd.DataFrame, premises: gpd.GeoDataFrame, timing: IncidentTiming,
                category: pd.Series, harm_i: np.ndarray) -> LinkTally:
    """Per-premises totals (zero rows included) of the links of the incidents in the window."""
    pid_link = link[PREMISES_ID].astype("string")
    linked = pid_link.notna().to_numpy() & timing.in_window
    pair_pos, pair_pid, share = link_pairs(link, pid_link, linked)
    n_tied_links = len(np.unique(pair_pos[share < 1.0]))
    inc = pd.DataFrame(
        {
            PREMISES_ID: pair_pid,
            "category": category.to_numpy(dtype=object)[pair_pos],
            "month": timing.month.to_numpy(dtype=object)[pair_pos],
            "share": share,
            "tied": (share < 1.0).astype(np.int64),
            "harm": harm_i[pair_pos] * share,
            "recency": (harm_i * timing.decay)[pair_pos] * share,
            "recent": timing.recent[pair_pos] * share,
            "first": timing.first_half[pair_pos] * share,
            "second": timing.second_half[pair_pos] * share,
        }
    )
    out = pd.DataFrame({PREMISES_ID: premises[PREMISES_ID].astype("string").to_numpy()})
    out = out.join(_per_premises(inc), on=PREMISES_ID)
    for col in _SHARE_COLUMNS:
        out[col] = out[col].fillna(0.0).astype(float).round(9)
    out["n_tied"] = out["n_tied"].fillna(0).astype(np.int64)
    for col in ("harm", "recency_score"):
        out[col] = out[col].fillna(0.0).astype(float)
    cat_counts = inc.groupby([PREMISES_ID, "category"], sort=False).agg(
        n=("share", "sum"), harm=("harm", "sum"))
    return LinkTally(
        out=out, cat_counts=cat_counts, linked=linked, pair_pos=pair_pos, pair_pid=pair_pid,
        n_tied_links=n_tied_links,
        share_tied=n_tied_links / int(linked.sum()) if linked.any() else 0.0,
    )
