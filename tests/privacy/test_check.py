"""check_public: the protection of one table recomputed from its numbers alone."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.privacy import labelled
from hotspots.privacy import suppress as suppress_numeric


def one_line(counts, names=None) -> pd.DataFrame:
    counts = list(counts)
    total = sum(counts)
    names = names or [f"area {i}" for i in range(len(counts))]
    return pd.DataFrame({"area_name": names, "n": counts,
                         "share": [c / total for c in counts]})


# --- check_public: protection recomputed from the numbers ---------------------------------------
def test_check_public_ignores_stamps_and_suppressed_columns():
    from hotspots.errors import PublicModeError
    from hotspots.privacy import check_public

    t = one_line([2, 8, 40, 0], names=["Baildon", "B", "C", "D"])
    restricted = suppress_numeric(t, mode="restricted")
    with pytest.raises(PublicModeError, match=r"shows 1 count\(s\) below 5 \(Baildon 2\)"):
        check_public(restricted, 5)
    with pytest.raises(PublicModeError, match="Baildon 2"):
        check_public(t.assign(suppressed=False), 5)
    check_public(suppress_numeric(t), 5)  # protected: passes
    check_public(labelled(suppress_numeric(t)), 5)  # printed form too


def test_check_public_finds_a_cell_given_away_by_the_shares():
    from hotspots.errors import PublicModeError
    from hotspots.privacy import check_public

    # one hidden cell: total = 40 / share = 51, minus the shown 8 + 40 + 0 gives 3
    t = one_line([3, 8, 40, 0])
    leaky = t.assign(n=["<5", 8, 40, 0], share=["[c]", 8 / 51, 40 / 51, 0.0])
    with pytest.raises(PublicModeError, match="area 0 can be worked out from the total"):
        check_public(leaky, 5)
    # two hidden cells whose sum is 4: "<5" 1..4 and the other at least 5 cannot add to 4,
    # but as plain non-negative numbers 3 could be 0..4: too narrow for k = 5
    narrow = one_line([3, 1, 40, 60]).assign(n=["<5", "<5", 40, 60],
                                             share=["[c]", "[c]", 40 / 104, 60 / 104])
    with pytest.raises(PublicModeError, match="can be worked out"):
        check_public(narrow, 5)
    fine = one_line([3, 8, 40, 0]).pipe(suppress_numeric)
    check_public(fine, 5)
