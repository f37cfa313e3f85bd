"""How values are written into a map page: column display names, shares, masked counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd


def share_text(values: Iterable[Any]) -> list[Any]:
    """Write shares (fractions) as percentages with one decimal place.

    Parameters
    ----------
    values : iterable
        Fractions 0..1, NA, or suppression strings (kept as they are).

    Returns
    -------
    list
        ``"12.3%"`` strings, NA and suppression strings.
    """
    out: list[Any] = []
    for v in values:
        if isinstance(v, str) or v is None or pd.isna(v):
            out.append(v)
        else:
            out.append(f"{100 * float(v):.1f}%")
    return out

COLUMN_LABELS: dict[str, str] = {
    "cell_id": "Cell",
    "n": "Incidents",
    "n_weighted": "Weighted incidents",
    "kde": "KDE (sfhotspot units)",
    "kde_density": "Density (per km²)",
    "gistar": "Gi* z-score",
    "p_norm": "p-value",
    "p_adj": "p-value (FDR-adjusted)",
    "gi_bin": "Gi* bin",
    "hotspot": "Result",
    "n_neighbours": "Cells in neighbourhood",
    "ward": "Ward",
    "constituency": "Constituency",
    "area_name": "Area",
    "area_id": "Code",
    "share": "Share of all incidents",
    "population": "Population",
    "rate_per_1000": "Rate per 1,000",
    "n_before": "Before",
    "n_after": "After",
    "change": "Change",
    "pct_change": "Change (%)",
    "p_etest": "p-value (E-test)",
    "share_before": "Share before",
    "share_after": "Share after",
    "share_change": "Change in share",
    "p_sppt": "p-value (SPPT)",
    "q_sppt": "q (SPPT, FDR)",
    "significant": "Statistically significant",
    "direction": "Direction",
    "cluster_id": "Cluster",
    "category": "Category",
    "n_sig_hot": "Periods significantly hot",
    "n_sig_cold": "Periods significantly cold",
    "mk_z": "Trend z (Mann-Kendall)",
    "first": "First",
    "last": "Last",
    "top_categories": "Main categories",
    "wards": "Wards",
    "rank": "Rank",
    "score": "Score",
    "reasons": "Reasons",
}


def column_label(column: str) -> str:
    """Display name of a column (its own name when there is no better one)."""
    return COLUMN_LABELS.get(column, column.replace("_", " ").capitalize())


def mask_small_counts(values: Any, k: int) -> tuple[list[Any], np.ndarray]:
    """Show counts 1 to ``k - 1`` as the text ``"<k"``, for public maps of raw counts.

    Parameters
    ----------
    values : array-like
        Counts (numbers or strings already suppressed upstream).
    k : int
        Suppression threshold.

    Returns
    -------
    shown : list
        The values to write into the page: masked counts are the string ``f"<{k}"``.
    masked : numpy.ndarray of bool
        True where a value was masked or was already a suppression string.
    """
    shown: list[Any] = []
    masked = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if isinstance(value, str):
            shown.append(value)
            masked[i] = not _is_number_text(value)
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            shown.append(value)
            continue
        if 0 < number < k:
            shown.append(f"<{k}")
            masked[i] = True
        else:
            shown.append(value)
    return shown, masked


def _is_number_text(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True
