"""Comparisons as a release publishes them: the release's suppressions, for sentences.

:meth:`PeriodComparison.suppress` protects a comparison on its own; a release may hide more
(cells that other tables published beside it would give away), so the table of the
suppressed comparison is replaced by the release's, and "highest area" is kept only when the
release's table still allows it. Used by the committee pack and by the demo's public
findings (:mod:`hotspots.cli.workflows`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from hotspots.privacy import Release, labelled
from hotspots.privacy.ranks import safe_top

__all__ = ["released_comparison", "released_sub_comparison"]


def _with_table(public: Any, table: pd.DataFrame) -> Any:
    return replace(
        public, table=table,
        top_before=safe_top(table, "n_before", public.top_before, public.total_before),
        top_after=safe_top(table, "n_after", public.top_after, public.total_after),
    )


def released_comparison(release: Release, comparison: Any, name: str) -> Any:
    """Return the comparison as published in ``release`` (table ``name``), for sentences."""
    return _with_table(comparison.suppress(k=release.k), labelled(release.tables[name]))


def released_sub_comparison(cmp: Any, release: Any, name: str, rows: pd.Series) -> Any:
    """Return the comparison as the release publishes it, restricted to ``rows``."""
    table = labelled(release.tables[name])
    return _with_table(cmp.suppress(k=release.k), table[rows.to_numpy()].reset_index(drop=True))
