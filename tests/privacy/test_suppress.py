"""Disclosure control: primary and secondary suppression checked cell by cell."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import ValidationError
from hotspots.privacy import SUPPRESSED, labelled
from hotspots.privacy import suppress as suppress_numeric


def suppress(*args, **kwargs) -> pd.DataFrame:
    """The printed form of a suppressed table (labels in the count columns), which the cell-by-
    cell expectations below are written against; the numeric form is tested at the end."""
    return labelled(suppress_numeric(*args, **kwargs))


def one_line(counts, names=None) -> pd.DataFrame:
    counts = list(counts)
    total = sum(counts)
    names = names or [f"area {i}" for i in range(len(counts))]
    return pd.DataFrame({"area_name": names, "n": counts,
                         "share": [c / total for c in counts]})


def csv_cells(table: pd.DataFrame) -> list[str]:
    text = table.to_csv(index=False)
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


# --- one line ------------------------------------------------------------------------------------
def test_differencing_would_reveal_a_single_hidden_cell():
    t = one_line([3, 8, 40, 0])
    # without secondary suppression: 3 = total (from 40 and its share) - 8 - 40 - 0
    total = round(40 / t.loc[2, "share"])
    assert total - 8 - 40 - 0 == 3
    out = suppress(t)
    assert out["n"].tolist() == ["<5", SUPPRESSED, 40, 0]
    assert out["share"].tolist()[:2] == [SUPPRESSED, SUPPRESSED]
    assert out["share"].tolist()[2:] == [40 / 51, 0.0]
    assert out["suppressed"].tolist() == [True, True, False, False]
    stamp = out.attrs["hotspots"]["suppression"]
    assert stamp["k"] == 5
    assert stamp["mode"] == "public"
    assert stamp["n_primary"] == 1
    assert stamp["n_secondary"] == 1


def test_nothing_to_hide():
    out = suppress(one_line([0, 12, 40, 0]))
    assert out["n"].tolist() == [0, 12, 40, 0]
    assert not out["suppressed"].any()


def test_two_small_cells_protect_each_other():
    # 2 + 3 = 5 leaves 1..4 possible for each: no secondary suppression needed
    out = suppress(one_line([2, 3, 50, 60]))
    assert out["n"].tolist() == ["<5", "<5", 50, 60]


def test_two_ones_are_pinned_by_their_sum():
    # hidden sum 2 with each at least 1: both must be 1, so a third cell is hidden
    out = suppress(one_line([1, 1, 50, 60]))
    assert out["n"].tolist() == ["<5", "<5", SUPPRESSED, 60]


def test_one_and_five_are_pinned_by_their_sum():
    # "<5" is 1..4 and "[c]" is 5 or more: a hidden sum of 6 forces 1 and 5
    out = suppress(one_line([1, 5, 20, 30]))
    assert out["n"].tolist() == ["<5", SUPPRESSED, SUPPRESSED, 30]
    # with 6 instead of 5 the pair is safe (1+6, 2+5)
    assert suppress(one_line([1, 6, 20, 30]))["n"].tolist() == ["<5", SUPPRESSED, 20, 30]


def test_ties_take_the_first_row():
    out = suppress(one_line([4, 9, 9, 30]))
    assert out["n"].tolist() == ["<5", SUPPRESSED, 9, 30]


def test_k_threshold():
    out = suppress(one_line([9, 10, 11, 50]), k=10)
    assert out["n"].tolist() == ["<10", SUPPRESSED, 11, 50]
    assert out.attrs["hotspots"]["suppression"]["k"] == 10


def test_zeros_shown_by_default_and_hidden_on_request():
    t = one_line([0, 3, 30, 40])
    assert suppress(t)["n"].tolist() == [0, "<5", SUPPRESSED, 40]
    out = suppress(t, suppress_zeros=True)
    # 0 and 3 hidden as "<5" (0..4 each); their sum 3 pins nothing
    assert out["n"].tolist() == ["<5", "<5", 30, 40]


def test_line_with_nothing_left_to_hide_is_reported():
    out = suppress(one_line([3, 0, 0]))
    assert out["n"].tolist() == ["<5", 0, 0]
    assert out.attrs["hotspots"]["suppression"]["n_unprotected_lines"] == 1


# --- two-way tables (by) -------------------------------------------------------------------------
def two_way() -> pd.DataFrame:
    rows = []
    data = {"g1": {"A": 3, "B": 10, "C": 20}, "g2": {"A": 12, "B": 6, "C": 30}}
    for group, cells in data.items():
        total = sum(cells.values())
        for area, n in cells.items():
            rows.append({"category": group, "area_name": area, "n": n, "share": n / total,
                         "population": 1000, "rate_per_1000": n})
    return pd.DataFrame(rows)


def test_two_way_table_cell_by_cell():
    t = two_way()
    out = suppress(t, by="category")
    got = {(r.category, r.area_name): r.n for r in out.itertuples()}
    # g1/A = 3 is primary. Column g1 then has one hidden cell: the smallest other, g1/B = 10.
    # Row A (across groups) has one hidden cell: g2/A = 12. Row B likewise: g2/B = 6.
    # Column g2 then holds 12 and 6 hidden (sum 18, each 5..13): safe. Row C untouched.
    assert got == {("g1", "A"): "<5", ("g1", "B"): SUPPRESSED, ("g1", "C"): 20,
                   ("g2", "A"): SUPPRESSED, ("g2", "B"): SUPPRESSED, ("g2", "C"): 30}
    # without the row step, g1/A = (g1/A + g2/A) - g2/A could be read off the area total
    assert out["suppressed"].tolist() == [True, True, False, True, True, False]
    # shares and rates (rate * population / 1000 = n) go with the counts; population stays
    assert out["share"].tolist()[:2] == [SUPPRESSED, SUPPRESSED]
    assert out["rate_per_1000"].tolist() == [SUPPRESSED, SUPPRESSED, 20, SUPPRESSED,
                                             SUPPRESSED, 30]
    assert out["population"].tolist() == [1000] * 6


def test_without_by_the_table_is_one_line():
    t = two_way()
    out = suppress(t)
    # one line: 3 hidden, then the smallest other (6) hidden; sum 9 pins nothing
    assert out["n"].tolist() == ["<5", 10, 20, 12, SUPPRESSED, 30]


def test_hidden_numbers_are_nowhere_in_the_csv():
    t = pd.DataFrame({"area_name": ["North", "South", "East", "West"],
                      "n": [4, 17, 250, 729]})
    t["share"] = t["n"] / t["n"].sum()
    t.attrs["hotspots"] = {"function": "area_counts", "n_total": 1000}
    out = suppress(t)
    assert out["n"].tolist() == ["<5", SUPPRESSED, 250, 729]
    cells = csv_cells(out)
    for hidden in ("4", "17", repr(0.004), repr(0.017), str(4 / 1000), str(17 / 1000)):
        assert hidden not in cells
    text = out.to_csv(index=False)
    assert "0.004" not in text
    assert "0.017" not in text
    assert ",17," not in text
    assert "17" not in repr(out.attrs)
    assert "0.017" not in repr(out.attrs)
    assert out.attrs["hotspots"]["n_total"] == 1000
    assert t["n"].tolist() == [4, 17, 250, 729]  # input untouched


# --- the 10-5 rule and modes ---------------------------------------------------------------------
def test_ons_10_5_rule():
    t = one_line([3, 12, 13, 27, 0])
    out = suppress(t, rule="10-5")
    assert out["n"].tolist() == ["<10", 10, 15, 25, 0]
    # shares follow the rounded counts, so they do not give the exact ones back
    total = 55
    assert out["share"].tolist() == [SUPPRESSED, pytest.approx(10 / total),
                                     pytest.approx(15 / total), pytest.approx(25 / total), 0.0]
    stamp = out.attrs["hotspots"]["suppression"]
    assert stamp["rule"] == "10-5"
    assert stamp["k"] == 10
    assert stamp["n_secondary"] == 0


def test_restricted_mode_hides_nothing_but_stamps():
    t = one_line([3, 8, 40, 0])
    out = suppress(t, mode="restricted")
    assert out["n"].tolist() == [3, 8, 40, 0]
    assert not out["suppressed"].any()
    assert out.attrs["hotspots"]["suppression"]["mode"] == "restricted"


def test_several_count_columns_pair_with_their_shares():
    t = pd.DataFrame({"area_name": ["A", "B", "C"], "n_before": [2, 20, 30],
                      "n_after": [20, 30, 40]})
    t["share_before"] = t["n_before"] / 52
    t["share_after"] = t["n_after"] / 90
    t["change"] = t["n_after"] - t["n_before"]
    out = suppress(t, count_columns=["n_before", "n_after"],
                   share_columns=["share_before", "share_after", "change"])
    assert out["n_before"].tolist() == ["<5", SUPPRESSED, 30]
    assert out["n_after"].tolist() == [20, 30, 40]
    assert out["share_before"].tolist()[:2] == [SUPPRESSED, SUPPRESSED]
    assert out["share_after"].tolist() == [pytest.approx(20 / 90), pytest.approx(30 / 90),
                                           pytest.approx(40 / 90)]
    # "change" follows no single count column, so it is hidden wherever a count is
    assert out["change"].tolist() == [SUPPRESSED, SUPPRESSED, 10]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"k": 0}, "'k' parameter of suppress must be an int >= 1"),
    ({"mode": "secret"}, "'mode' parameter of suppress must be one of"),
    ({"rule": "11-5"}, "'rule' parameter of suppress must be one of"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        suppress(one_line([1, 2]), **kwargs)


def test_bad_tables():
    with pytest.raises(ValidationError, match=r"needs the column 'n'\. Columns found: a"):
        suppress(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValidationError, match=r"whole numbers >= 0.*'<5' at position 0"):
        suppress(pd.DataFrame({"n": ["<5", 7]}), share_columns=[])
    with pytest.raises(ValidationError, match="whole numbers >= 0"):
        suppress(pd.DataFrame({"n": [1.5, np.nan]}), share_columns=[])
    once = suppress(one_line([3, 8, 40]))
    with pytest.raises(ValidationError, match="already been suppressed"):
        suppress(once.assign(n=[3, 8, 40]))
    with pytest.raises(ValidationError, match="needs the column 'area_name'"):
        suppress(pd.DataFrame({"g": ["a"], "n": [1]}), by="g", share_columns=[])


def test_numeric_columns_computed_from_counts_are_hidden_by_default():
    # n_weighted equals n with unit weights and change = n_after - n_before: either would
    # give the hidden count back, although neither is named like a share
    t = pd.DataFrame({"cell_id": [0, 1, 2, 3], "x": [10.0, 20.0, 30.0, 40.0],
                      "n": [3, 8, 40, 0], "n_weighted": [3.0, 8.0, 40.0, 0.0],
                      "change": [1, -2, 5, 0], "population": [100, 200, 300, 400],
                      "label": ["a", "b", "c", "d"]})
    out = suppress(t)
    assert out["n"].tolist() == ["<5", SUPPRESSED, 40, 0]
    assert out["n_weighted"].tolist() == [SUPPRESSED, SUPPRESSED, 40.0, 0.0]
    assert out["change"].tolist() == [SUPPRESSED, SUPPRESSED, 5, 0]
    # columns that describe the row, not its count, stay
    assert out["cell_id"].tolist() == [0, 1, 2, 3]
    assert out["x"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert out["population"].tolist() == [100, 200, 300, 400]
    assert out["label"].tolist() == ["a", "b", "c", "d"]
    assert out.attrs["hotspots"]["suppression"]["share_columns"] == ["n_weighted", "change"]
    cells = csv_cells(out[["n", "n_weighted", "change"]])
    for hidden in ("3", "8", "3.0", "8.0", "1", "-2"):
        assert hidden not in cells


# --- the numeric format ------------------------------------------------------------------------
def test_counts_stay_numeric_with_a_display_column():
    t = one_line([3, 8, 40, 0])
    out = suppress_numeric(t)
    assert str(out["n"].dtype) == "Int64"
    assert out["n"].isna().tolist() == [True, True, False, False]
    assert int(out["n"].sum()) == 40  # .sum() works and adds the shown counts
    assert out["n_display"].tolist() == ["<5", SUPPRESSED, "40", "0"]
    assert str(out["share"].dtype) == "Float64"
    assert out["share"].isna().tolist() == [True, True, False, False]
    stamp = out.attrs["hotspots"]["suppression"]
    assert stamp["format"] == "numeric"
    assert stamp["display_columns"] == {"n": "n_display"}
    cells = csv_cells(out)
    for hidden in ("3", "8", repr(3 / 51), repr(8 / 51)):
        assert hidden not in cells


def test_derived_columns_keep_their_kind():
    t = pd.DataFrame({"area_name": ["A", "B", "C"], "n": [2, 30, 40],
                      "change": [1, -2, 5], "significant": [True, False, True],
                      "direction": ["up", "down", "up"]})
    out = suppress_numeric(t, share_columns=["change", "significant", "direction"])
    assert str(out["change"].dtype) == "Int64"
    assert str(out["significant"].dtype) == "boolean"
    assert out["change"].isna().tolist() == [True, True, False]
    assert out["significant"].isna().tolist() == [True, True, False]
    assert out["direction"].tolist() == [SUPPRESSED, SUPPRESSED, "up"]
