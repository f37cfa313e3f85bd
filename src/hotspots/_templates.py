"""Every sentence template used by :mod:`hotspots.narrative`, in one place (English).

A translation or a house style replaces this dictionary; the narrative code only picks a
key and fills the fields. Fields are already-formatted strings (counts with thousands
separators, whole-number percentages with "%", p-values with "p = ..."), so templates
contain no formatting logic.

Fields used below
-----------------
noun: "offences"; article: "a" or "an" for the percentage that follows ("an 11%");
before / after: period labels ("2017/18"); n_before / n_after: counts or
"fewer than 5"; pct: "17%"; test: the bracketed test ("statistically significant, E-test
p = 0.017"); area / area_before / area_after: area names; shares: the list of areas and
percentages; unknown: the unknown-location clause; days_before / days_after: whole days.
"""

from __future__ import annotations

SENTENCES: dict[str, str] = {
    # --- totals ---------------------------------------------------------------------------
    "total_down": (
        "{n_after} {noun} in {after}, down from {n_before} in {before}, "
        "{article} {pct} reduction ({test}){caution}."
    ),
    "total_down_tiny": (
        "{n_after} {noun} in {after}, down from {n_before} in {before}, "
        "a reduction of less than 1% ({test}){caution}."
    ),
    "total_up": (
        "{n_after} {noun} in {after}, up from {n_before} in {before}, "
        "{article} {pct} increase ({test}){caution}."
    ),
    "total_up_tiny": (
        "{n_after} {noun} in {after}, up from {n_before} in {before}, "
        "an increase of less than 1% ({test}){caution}."
    ),
    "total_up_from_none": (
        "{n_after} {noun} in {after}, up from none in {before} ({test}){caution}."
    ),
    "total_same": "{n_after} {noun} in {after}, the same number as in {before}.",
    "total_suppressed": (
        "{n_after} {noun} in {after}, compared with {n_before} in {before}; "
        "numbers this small are not published or tested."
    ),
    "total_none": "No {noun} were recorded in {before} or {after}.",
    # periods of different lengths (more than 5% apart): compare monthly rates instead
    "total_rate_down": (
        "{n_after} {noun} in {after} ({rate_after} a month), compared with {n_before} in "
        "{before} ({rate_before} a month): the rate fell by {pct} ({test}){caution}."
    ),
    "total_rate_up": (
        "{n_after} {noun} in {after} ({rate_after} a month), compared with {n_before} in "
        "{before} ({rate_before} a month): the rate rose by {pct} ({test}){caution}."
    ),
    "total_rate_same": (
        "{n_after} {noun} in {after} ({rate_after} a month), compared with {n_before} in "
        "{before} ({rate_before} a month): the same rate."
    ),
    "period_lengths": (
        "The two periods differ in length ({days_before} and {days_after} days), so rates "
        "are compared and the tests allow for the lengths."
    ),
    # --- shares of the largest areas (the later period) -----------------------------------
    "shares": "In {after}, {shares}{unknown}.",
    "share_group_first_one": "{area} had {pct} of {noun}",
    "share_group_first_many": "{areas} each had {pct} of {noun}",
    "share_group_next_one": "{area} {pct}",
    "share_group_next_many": "{areas} {pct} each",
    "unknown_pct": "; in {pct} the location is not known",
    "unknown_tiny": "; in less than 1% the location is not known",
    "unknown_none": "; the location of every one is known",
    "unknown_suppressed": "; the location is not known for {n} {noun}",
    "unknown_withheld": "; the number with no known location is withheld",
    "outside_pct": "; {pct} were outside the district",
    # --- the area with the highest number -------------------------------------------------
    "top_moved": (
        "The highest number moved from {area_before} ({before_counts}) "
        "to {area_after} ({after_counts})."
    ),
    "top_same": "{area} had the highest number in both periods ({counts}).",
    # when people are counted (count="people"), the sentence names them
    "top_moved_people": (
        "The highest number of {noun} moved from {area_before} ({before_counts}) "
        "to {area_after} ({after_counts})."
    ),
    "top_same_people": "{area} had the highest number of {noun} in both periods ({counts}).",
    "counts_pair": "{n_before} to {n_after}",
    # one clause per area, joined with "; " into one sentence
    "change_sig": "the {change} in {area} is statistically significant ({test}){caution}",
    "change_not_sig": "the {change} in {area} is not statistically significant ({test}){caution}",
    "change_none": "the number in {area} did not change",
    "change_hidden": "the change in {area} is not tested here because the numbers are small",
    # significant count changes in areas the sentences above have not named
    "other_changes": "Other statistically significant changes (E-test): {changes}.",
    "other_change": "{area} {direction} from {n_before} to {n_after} ({p})",
    "other_more": "{n} more",
    # appended to a sentence or clause (the {caution} field) when both counts are small
    "caution_chance": "; numbers are small, so the change may be chance",
    "caution_sig": "; numbers are small, so treat the change with caution",
    # totals of each group when the comparison is split by a column
    "group_total": (
        "{group}: {n_after} in {after}, compared with {n_before} in {before} ({test}){caution}."
    ),
    "group_total_untested": "{group}: {n_after} in {after}, compared with {n_before} in {before}.",
    # --- which shares changed (SPPT) ------------------------------------------------------
    "sppt_some": (
        "The share of {noun} changed significantly in {areas} "
        "(SPPT with Benjamini–Yekutieli correction, q < {alpha})."
    ),
    "sppt_none": (
        "No area's share of {noun} changed significantly "
        "(SPPT with Benjamini–Yekutieli correction; no q-value below {alpha})."
    ),
    # some areas' numbers are suppressed: say nothing about their shares
    "sppt_none_shown": (
        "No area with published numbers had a significant change in its share of {noun} "
        "(SPPT with Benjamini–Yekutieli correction; no q-value below {alpha})."
    ),
    "sppt_area": "{area} ({pct_before} to {pct_after})",
    "sppt_more": "{n} other {areas}",
}

#: Words that fill the ``{change}`` and ``{test}`` fields.
WORDS: dict[str, str] = {
    "fall": "fall",
    "rise": "rise",
    "fell": "fell",
    "rose": "rose",
    "and": "and",
    "a": "a",
    "an": "an",
    "fewer_than": "fewer than {k}",
    "withheld": "a withheld number",
    "test_sig": "statistically significant, E-test {p}",
    "test_not_sig": "not statistically significant, E-test {p}",
    "test_only": "E-test {p}",
    "p_equals": "p = {p}",
    "p_below": "p < {p}",
}
