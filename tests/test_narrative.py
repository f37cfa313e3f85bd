"""Sentences from hotspots.narrative.describe, rounding and p-value formatting."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from hotspots import _templates
from hotspots.change import compare_periods
from hotspots.errors import DataQualityWarning
from hotspots.narrative import describe, format_p, percent, round_half_up

_spec = importlib.util.spec_from_file_location(
    "toy_change", Path(__file__).parent / "change" / "test_change.py")
_toy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_toy)
toy_areas, make_incidents = _toy.toy_areas, _toy.make_incidents


@pytest.fixture(scope="module")
def areas():
    return toy_areas()


def spec(before: dict[str, int], after: dict[str, int], *, b="2018-06-01", a="2019-06-01"):
    return ([(w, b, n) for w, n in before.items()] + [(w, a, n) for w, n in after.items()])


def sentences(areas, before, after, *, level="ward", k=None, **periods):
    periods = periods or {"before": 2018, "after": 2019}
    inc = make_incidents(spec(before, after))
    return describe(compare_periods(inc, areas, level=level, **periods), k=k)


# --- rounding and formatting ---------------------------------------------------------------

def test_round_half_up_not_bankers():
    assert round_half_up(12.5) == Decimal(13)
    assert round_half_up(13.5) == Decimal(14)
    assert round(12.5) == 12  # what Python would have printed
    assert round_half_up(0.145, 2) == Decimal("0.15")


def test_percent_exact_for_counts():
    assert percent(29, 200) == 15  # 14.5% exactly; the float 100*29/200 is 14.4999...
    assert percent(1, 8) == 13  # 12.5%
    assert percent(60, 344) == 17
    assert percent(61, 284) == 21  # 21.48%
    assert percent(45, 284) == 16  # 15.85%


def test_format_p():
    assert format_p(0.0167) == "p = 0.02"
    assert format_p(0.0043) == "p = 0.004"
    assert format_p(0.00049) == "p < 0.001"
    assert format_p(0.5) == "p = 0.50"
    # 0.0496 would print as 0.05 and look not significant: more digits are shown
    assert format_p(0.0496) == "p = 0.0496"
    assert format_p(0.0504) == "p = 0.05"  # 0.05 is not below 0.05 either: no ambiguity
    assert format_p(0.051) == "p = 0.05"
    assert format_p(0.045) == "p = 0.045"  # 0.05 would hide that it is below 0.05


def test_every_template_key_is_used_consistently():
    # every sentence comes from the one dictionary; placeholders are plain names
    for key, text in _templates.SENTENCES.items():
        assert isinstance(text, str), key
        assert "{}" not in text, key


# --- totals ----------------------------------------------------------------------------------

def test_total_down_significant(areas):
    out = sentences(areas, {"Alpha": 60, "Beta": 40}, {"Alpha": 40, "Beta": 30})
    # 100 -> 70: 30% reduction. p-values in this file come from the brute-force double sum
    # of tests/stats/test_change_tests.py (crimepy's etest): etest(100, 70) = 0.02137.
    assert out[0] == ("70 offences in 2019, down from 100 in 2018, a 30% reduction "
                      "(statistically significant, E-test p = 0.02).")


def test_total_up_not_significant_with_article(areas):
    out = sentences(areas, {"Alpha": 50, "Beta": 50}, {"Alpha": 61, "Beta": 50})
    assert out[0] == ("111 offences in 2019, up from 100 in 2018, an 11% increase "
                      "(not statistically significant, E-test p = 0.45).")  # 0.4505


def test_total_same_and_tiny_change(areas):
    out = sentences(areas, {"Alpha": 30}, {"Beta": 30})
    assert out[0] == "30 offences in 2019, the same number as in 2018."
    out = sentences(areas, {"Alpha": 250}, {"Alpha": 249})
    assert out[0] == ("249 offences in 2019, down from 250 in 2018, a reduction of less "
                      "than 1% (not statistically significant, E-test p = 0.97).")  # 0.9654


def test_total_up_from_none(areas):
    # no incident before: the data alone cannot show that 2018 was covered, so it is said
    with pytest.warns(DataQualityWarning, match="No incident is dated in the period 2018"):
        out = sentences(areas, {}, {"Alpha": 25})
    assert out[0] == ("25 offences in 2019, up from none in 2018 "
                      "(statistically significant, E-test p < 0.001).")


def test_small_numbers_are_flagged(areas):
    out = sentences(areas, {"Alpha": 9}, {"Alpha": 5})  # etest(9, 5) = 0.3042
    assert out[0] == ("5 offences in 2019, down from 9 in 2018, a 44% reduction "
                      "(not statistically significant, E-test p = 0.30); numbers are small, "
                      "so the change may be chance.")
    out = sentences(areas, {"Alpha": 15}, {"Alpha": 2})
    assert out[0].endswith("numbers are small, so treat the change with caution.")
    assert "(statistically significant, E-test p = 0.001)" in out[0]  # 0.00105


def test_different_period_lengths_compare_monthly_rates(areas):
    inc = make_incidents([("Alpha", "2018-06-01", 120), ("Alpha", "2019-02-01", 14)])
    out = describe(compare_periods(inc, areas, level="ward", before=2018, after="2019-Q1"))
    # 120 in 365 days = 10.0 a month; 14 in 90 days = 4.7 a month; -52.7%;
    # etest(120, 14, 365, 90) = 0.00662
    assert out[0] == ("14 offences in 2019 Q1 (4.7 a month), compared with 120 in 2018 "
                      "(10.0 a month): the rate fell by 53% (statistically significant, "
                      "E-test p = 0.007).")
    assert out[1] == ("The two periods differ in length (365 and 90 days), so rates are "
                      "compared and the tests allow for the lengths.")


# --- shares and the top area ---------------------------------------------------------------

def test_shares_group_equal_percentages_alphabetically(areas):
    before = {"Alpha": 50, "Beta": 30, "Gamma": 20}
    # of 200: Gamma 41%, Beta 40.5% -> 41% (half up), Alpha 9.5% -> 10%, unknown 9%
    after = {"Gamma": 82, "Beta": 81, "Alpha": 19, "unknown": 18}
    out = sentences(areas, before, after)
    assert out[1] == ("In 2019, Beta and Gamma each had 41% of offences, Alpha 10%; "
                      "in 9% the location is not known.")
    assert out[2] == "The highest number moved from Alpha (50 to 19) to Gamma (20 to 82)."
    # etest(50, 19) = 1.6e-4, etest(20, 82) = 2.3e-10; one month per period, so "auto"
    # uses the E-test, and the area sentences give the BH-adjusted value
    assert out[3] == ("The fall in Alpha is statistically significant (E-test, "
                      "Benjamini–Hochberg adjusted p < 0.001); the rise in Gamma is "
                      "statistically significant (E-test, Benjamini–Hochberg adjusted "
                      "p < 0.001).")


def test_top_area_unchanged_and_outside_district(areas):
    out = sentences(areas, {"Alpha": 40, "Beta": 10}, {"Alpha": 44, "Beta": 6, "outside": 5})
    assert out[1] == ("In 2019, Alpha had 80% of offences, Beta 11%; 9% were outside the "
                      "district; the location of every one is known.")
    assert out[2] == "Alpha had the highest number in both periods (40 to 44)."
    assert out[3] == ("The rise in Alpha is not statistically significant (E-test, "
                      "Benjamini–Hochberg adjusted p = 0.67).")


def test_sppt_sentence(areas):
    out = sentences(areas, {"Alpha": 60, "Beta": 40}, {"Alpha": 30, "Beta": 70})
    assert out[-1] == ("The share of offences changed significantly in Alpha (60% to 30%) "
                       "and Beta (40% to 70%) (SPPT with Benjamini–Yekutieli correction, "
                       "q < 0.05).")
    out = sentences(areas, {"Alpha": 60, "Beta": 40}, {"Alpha": 58, "Beta": 42})
    assert out[-1] == ("No area's share of offences changed significantly (SPPT with "
                       "Benjamini–Yekutieli correction; no q-value below 0.05).")


def test_noun_is_used(areas):
    inc = make_incidents(spec({"Alpha": 30}, {"Alpha": 20}))
    out = describe(compare_periods(inc, areas, level="ward", before=2018, after=2019),
                   noun="missing episodes")
    assert out[0].startswith("20 missing episodes in 2019, down from 30 in 2018")


# --- suppression ---------------------------------------------------------------------------

def test_suppressed_numbers_never_appear(areas):
    before = {"Alpha": 40, "Beta": 3, "Gamma": 12}
    after = {"Alpha": 30, "Beta": 2, "Gamma": 4, "unknown": 3}
    inc = make_incidents(spec(before, after))
    cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019)
    out = describe(cmp, k=5)
    assert out == describe(cmp.suppress(5))
    text = " ".join(out)
    for hidden in ("2 ", "3 ", "4 ", "(3 to", "(12 to 4)", "12 to"):
        assert hidden not in text
    assert "fewer than 5" in text
    assert out[1] == ("In 2019, Alpha had 77% of offences; the location is not known for "
                      "fewer than 5 offences.")


def test_suppressed_small_areas_are_not_ranked_or_tested(areas):
    inc = make_incidents(spec({"Alpha": 4, "Beta": 1}, {"Beta": 3, "Alpha": 1}))
    out = describe(compare_periods(inc, areas, level="ward", before=2018, after=2019), k=5)
    # no shares, no "highest number" (it would order hidden counts), no tests
    assert out == ["Fewer than 5 offences in 2019, compared with 5 in 2018; numbers this "
                   "small are not published or tested."]


def test_hidden_change_of_a_top_area_is_not_tested(areas):
    # Gamma (6 and 7) is hidden too (secondary suppression), so 30 and 25 stay protected
    inc = make_incidents(spec({"Alpha": 30, "Beta": 3, "Gamma": 6},
                              {"Alpha": 4, "Beta": 25, "Gamma": 7}))
    out = describe(compare_periods(inc, areas, level="ward", before=2018, after=2019), k=5)
    assert out[2] == ("The highest number moved from Alpha (30 to fewer than 5) to Beta "
                      "(fewer than 5 to 25).")
    words = " ".join(out).replace(".", " ").replace(",", " ").replace(")", " ").split()
    assert "6" not in words
    assert "7" not in words
    assert out[3] == ("The change in Alpha is not tested here because the numbers are small; "
                      "the change in Beta is not tested here because the numbers are small.")


# --- split by a column ---------------------------------------------------------------------

def test_by_groups_add_one_sentence_each(areas):
    rows = spec({"Alpha": 30, "Beta": 20}, {"Alpha": 20, "Beta": 10})
    inc = make_incidents(rows, category=["x"] * 30 + ["y"] * 20 + ["x"] * 20 + ["y"] * 10)
    cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019, by="category")
    out = describe(cmp)
    assert out[0].startswith("30 offences in 2019, down from 50 in 2018, a 40% reduction")
    # etest(30, 20) = 0.1596, etest(20, 10) = 0.0688
    assert out[-2] == ("X: 20 in 2019, compared with 30 in 2018 (not statistically "
                       "significant, E-test p = 0.16).")
    # 20 is not below SMALL_COUNT (20): no caution
    assert out[-1] == ("Y: 10 in 2019, compared with 20 in 2018 (not statistically "
                       "significant, E-test p = 0.07).")


def test_other_significant_changes_are_named_largest_first(city_2018, city_2019, city_areas):
    both = pd.concat([city_2018, city_2019], ignore_index=True)
    cmp = compare_periods(both, city_areas, level="ward", before="2018", after="2019")
    sentences = describe(cmp)
    others = [s for s in sentences if s.startswith("Other statistically significant")]
    # Bishopsgate (the top area) is described by its own sentence and is not repeated here;
    # counts recomputed from the table: Langbourn 285 -> 475 is the largest other change
    # monthly data: quasi-Poisson test per ward, Benjamini-Hochberg across the wards
    assert others == [
        "Other statistically significant changes (quasi-Poisson test, Benjamini–Hochberg "
        "adjusted): Langbourn rose from 285 to 475 (p < 0.001), Cordwainer rose from 355 to "
        "473 (p = 0.04), Tower rose from 596 to 710 (p = 0.04) and 1 more."
    ]
    t = cmp.table.set_index("area_name")
    sig = t[(t["q_change"] < 0.05)].drop(index=["Bishopsgate", "Outside district",
                                                 "Unknown location"], errors="ignore")
    assert len(sig) == 4
    # the uncorrected Poisson E-test would name 9 (the old behaviour, issue 11)
    assert int((t["p_etest"] < 0.05).drop(index=["Bishopsgate", "Outside district",
                                                  "Unknown location"]).sum()) == 9


def test_other_changes_sentence_never_uses_suppressed_counts(city_2019, city_areas):
    from hotspots.areas import assign_areas

    located = assign_areas(city_2019, city_areas)
    q1 = located["occurred"] < pd.Timestamp("2019-04-01")
    q2 = (located["occurred"] >= pd.Timestamp("2019-04-01")) & (
        located["occurred"] < pd.Timestamp("2019-07-01"))
    in_ward = located["ward"] == "Bassishaw"
    # Bassishaw: 4 offences in Q1 (a count a committee must not see) and 22 in Q2
    before = located[q1 & ~in_ward]
    spike = pd.concat([located[q1 & in_ward].head(4), located[q2 & in_ward].head(22)])
    after = located[q2 & ~in_ward]
    assert len(spike) == 26
    frame = pd.concat([before, spike, after]).drop(columns=["ward", "ward_id",
                                                            "constituency", "constituency_id"])
    # the uncorrected E-test flags the spike; that is what must not leak once suppressed
    cmp = compare_periods(frame, city_areas, level="ward", before="2019-Q1", after="2019-Q2",
                          test="etest-score", correction="none")
    text = " ".join(describe(cmp))
    assert "Bassishaw rose from 4 to 22" in text
    public = " ".join(describe(cmp.suppress(k=5)))
    assert "Bassishaw rose" not in public
    assert "from 4 to" not in public


# --- issue 9, leak 6: no rank that involves a hidden count ------------------------------------

def test_suppress_drops_a_top_area_whose_count_is_hidden(areas):
    # Alpha (6) is hidden by secondary suppression beside Beta (3): "Highest: Alpha" would say
    # Beta <= Alpha, and with the total (9) narrow both hidden counts.
    inc = make_incidents(spec({"Alpha": 6, "Beta": 3}, {"Alpha": 40, "Beta": 30}))
    cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019)
    assert (cmp.top_before, cmp.top_after) == ("Alpha", "Alpha")
    public = cmp.suppress(5)
    assert public.table.set_index("area_name").loc["Alpha", "n_before"] == "[c]"
    assert public.top_before is None
    assert public.top_after == "Alpha"  # nothing is hidden after: the rank is safe
    assert "Highest" not in public._repr_html_()
    text = " ".join(describe(public))
    assert "highest" not in text.lower()


def test_shares_sentence_names_no_area_a_hidden_count_could_exceed(areas):
    # After: Alpha 8 ([c], secondary), Beta 3 (<5), Gamma 9, 20 unknown, total 40. The hidden
    # counts add up to 11, so Alpha could be up to 10: "Gamma had 23%" (the largest area)
    # would tell a reader Alpha <= 9 and so Beta >= 2.
    inc = make_incidents(spec({"Alpha": 20, "Beta": 20, "Gamma": 20},
                              {"Alpha": 8, "Beta": 3, "Gamma": 9, "unknown": 20}))
    cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019)
    assert any(s.startswith("In 2019, Gamma had 23% of offences") for s in describe(cmp))
    out = describe(cmp, k=5)
    assert cmp.suppress(5).table.set_index("area_name").loc["Alpha", "n_after"] == "[c]"
    assert not any("Gamma had" in s or s.startswith("In 2019") for s in out)
    assert "Gamma fell from 20 to 9" in " ".join(out)  # its own change is still described
    # when the shown area is larger than any hidden count could be, it is named
    inc = make_incidents(spec({"Alpha": 20, "Beta": 20, "Gamma": 20},
                              {"Alpha": 8, "Beta": 3, "Gamma": 40}))
    out = describe(compare_periods(inc, areas, level="ward", before=2018, after=2019), k=5)
    assert "In 2019, Gamma had 78% of offences; the location of every one is known." in out


def test_no_significant_share_change_is_claimed_for_hidden_areas(areas):
    inc = make_incidents(spec({"Alpha": 60, "Beta": 3, "Gamma": 40},
                              {"Alpha": 58, "Beta": 2, "Gamma": 42}))
    out = describe(compare_periods(inc, areas, level="ward", before=2018, after=2019), k=5)
    assert out[-1].startswith("No area with published numbers had a significant change")


def test_split_comparison_keeps_the_top_area_only_when_the_overall_one_does(areas):
    rows = spec({"Alpha": 6, "Beta": 3}, {"Alpha": 40, "Beta": 30})
    inc = make_incidents(rows, category=["x"] * 9 + ["x"] * 40 + ["y"] * 30)
    cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019, by="category")
    public = cmp.suppress(5)
    assert (cmp.top_before, cmp.top_after) == ("Alpha", "Alpha")
    assert (public.top_before, public.top_after) == (public.overall.top_before,
                                                     public.overall.top_after)
    assert public.top_before is None
    assert public.top_after == "Alpha"
