"""Tests for :mod:`hotspots.premises._reasons`: the wording of ``reasons`` and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.periods import Period
from hotspots.premises._reasons import num, plural, reasons, top_categories, window_text


def test_counts_are_written_as_integers_or_short_fractions():
    assert num(3.0) == "3"
    assert num(2.5) == "2.5"
    assert num(1 / 3) == "0.33"
    assert plural(1, "repeat") == "1 repeat"
    assert plural(2, "repeat") == "2 repeats"
    assert plural(0.5, "incident") == "0.5 incidents"


def test_window_text_counts_whole_months_else_days():
    months = Period(pd.Timestamp("2019-01-01"), pd.Timestamp("2020-01-01"), "2019")
    days = Period(pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-11"), "ten days")
    assert window_text(months) == "in 12 months"
    assert window_text(days) == "in 10 days"
    assert window_text(None) == ""


def test_top_categories_by_harm_then_count():
    counts = pd.DataFrame({"premises_id": ["a", "a", "a", "b"],
                           "category": ["Anti-social behaviour", "Violence and sexual offences",
                                        "Shoplifting", "Shoplifting"],
                           "n": [3.0, 2.0, 1.0, 1.0], "harm": [3.0, 6.0, 1.0, 1.0]}
                          ).set_index(["premises_id", "category"])
    pids = pd.Series(["a", "b", "c"])
    assert top_categories(counts, pids, k=2) == ["2 violence, 3 ASB", "1 shoplifting", ""]


def test_reasons_join_the_parts_that_have_content():
    row = {"n_linked": 4.0, "n_recent": 2.0, "n_tied": 0, "n_repeat": 1.0, "in_hot_cell": True,
           "gi_bin": 3, "in_cluster": False, "cluster_id": pd.NA, "trend": "flat",
           "trend_p": np.nan, "n_first_half": 2.0, "n_second_half": 2.0,
           "top_categories": "4 violence", "n_per_capacity": np.nan}
    none = {**row, "n_linked": 0.0}
    text = reasons(pd.DataFrame([row, none]), "in 12 months", 90.0)
    assert text == [
        "4 linked incidents in 12 months, 2 in the last 90 days; 1 repeat (same offence, same "
        "month); inside a 99% hot spot; 4 violence",
        "no linked incidents",
    ]
