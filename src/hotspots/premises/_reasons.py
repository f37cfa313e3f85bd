"""The plain-English ``reasons`` and ``top_categories`` texts of :func:`premises_rank`.

Wording only: every number written here was computed by the ranking steps
(:mod:`hotspots.premises._tally`, :mod:`hotspots.premises._context`). The templates are
listed in the Notes of :func:`hotspots.premises.premises_rank`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hotspots.periods import Period
from hotspots.premises._common import PREMISES_ID, short_category

__all__ = ["num", "plural", "reasons", "top_categories", "window_text"]

# Confidence level written for each Gi* significance bin ("inside a 95% hot spot").
_GI_CONFIDENCE = {1: 90, 2: 95, 3: 99}


def num(n: float) -> str:
    """Write a count for reasons: "3", or "2.5" / "0.33" when ties share incidents."""
    n = float(n)
    if abs(n - round(n)) < 1e-9:
        return str(round(n))
    return f"{n:.2f}".rstrip("0").rstrip(".")


def plural(n: float, word: str, plural_word: str | None = None) -> str:
    """``"1 repeat"``, ``"2 repeats"``, ``"2.5 incidents"``."""
    return f"{num(n)} {word if float(n) == 1 else (plural_word or word + 's')}"


def window_text(period: Period | None) -> str:
    """"in 12 months" for a window of whole months, else "in 45 days"; "" without one."""
    if period is None:
        return ""
    s, e = period.start, period.end
    if s == s.normalize() and e == e.normalize() and s.day == 1 and e.day == 1:
        months = (e.year - s.year) * 12 + e.month - s.month
        return f"in {plural(months, 'month')}"
    return f"in {plural(round(period.days), 'day')}"


def top_categories(cat_counts: pd.DataFrame, pids: pd.Series, k: int = 3) -> list[str]:
    """e.g. "3 violence, 2 ASB": the ``k`` categories with most harm, per premises."""
    if cat_counts.empty:
        return [""] * len(pids)
    c = cat_counts.reset_index()
    c["short"] = c["category"].map(short_category)
    c = c.sort_values([PREMISES_ID, "harm", "n", "short"], ascending=[True, False, False, True])
    text = (
        c.groupby(PREMISES_ID, sort=False)
        .head(k)
        .assign(part=lambda f: f["n"].map(num) + " " + f["short"])
        .groupby(PREMISES_ID, sort=False)["part"]
        .agg(", ".join)
    )
    return pids.map(text).fillna("").tolist()


def _reason(row: Any, window: str, recent_days: float | None) -> str:
    """The reasons text of one premises row (a namedtuple of the ranking frame)."""
    if row.n_linked == 0:
        return "no linked incidents"
    head = f"{plural(row.n_linked, 'linked incident')}"
    if window:
        head += f" {window}"
    if recent_days is not None:
        head += f", {num(row.n_recent)} in the last {recent_days:g} days"
    parts = [head]
    if row.n_tied:
        parts.append(f"{plural(row.n_tied, 'incident')} shared with premises at the "
                     "same distance")
    if row.n_repeat:
        parts.append(f"{plural(row.n_repeat, 'repeat')} (same offence, same month)")
    if row.in_hot_cell:
        parts.append(f"inside a {_GI_CONFIDENCE[min(int(row.gi_bin), 3)]}% hot spot")
    if row.in_cluster:
        parts.append(f"in incident cluster {int(row.cluster_id)}")
    if row.trend in ("up", "down"):
        word = "rising" if row.trend == "up" else "falling"
        parts.append(f"{word} ({num(row.n_first_half)} → {num(row.n_second_half)}, "
                     f"p={row.trend_p:.2g})")
    if row.top_categories:
        parts.append(row.top_categories)
    if np.isfinite(row.n_per_capacity):
        parts.append(f"{row.n_per_capacity:.2g} per room/seat")
    return "; ".join(parts)


def reasons(out: pd.DataFrame, window: str, recent_days: float | None) -> list[str]:
    """One reasons text per row of the ranking frame ``out``, joined parts with "; "."""
    return [_reason(row, window, recent_days) for row in out.itertuples(index=False)]
