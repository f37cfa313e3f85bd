"""Plain-English findings for committee papers, with the numbers and the test behind each.

:func:`describe` turns a :class:`hotspots.change.PeriodComparison` into a few short
sentences. Every template lives in :mod:`hotspots._templates`; this module only chooses
templates and formats numbers.

Conventions
-----------
- Percentages are whole numbers rounded half up, as published tables do (12.5% is 13%);
  Python's ``round`` (half to even) is never used. A non-zero change that rounds to 0% is
  "less than 1%".
- Counts have thousands separators ("1,234").
- p-values have two decimals (three below 0.01, "p < 0.001" below 0.001), and more when
  the rounding would hide which side of ``alpha`` the value is on (0.0496 is "0.0496", not
  "0.05").
- **Small numbers**: when both counts of a change are below :data:`SMALL_COUNT` (20) the
  sentence adds "numbers are small, so the change may be chance" (or "treat the change with
  caution" when the test is nevertheless significant). With fewer than about 20 incidents a
  Poisson count varies by ±45% or more from year to year by chance alone.
- **Suppressed comparisons** (:meth:`~hotspots.change.PeriodComparison.suppress`): a hidden
  count is written "fewer than 5", and changes involving one are not tested in the text.
  No rank is stated that involves a hidden count: the highest area is named only when the
  suppressed comparison keeps it, and the shares sentence names only areas larger than any
  value a hidden count could take (:mod:`hotspots.privacy.ranks`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspots import schema
from hotspots._templates import SENTENCES, WORDS
from hotspots.privacy.ranks import rank_floor

if TYPE_CHECKING:
    from hotspots.change import PeriodComparison

__all__ = ["SMALL_COUNT", "TOP_AREAS", "describe", "format_p", "percent", "round_half_up"]

#: Below this count (in both periods) a change is described as possibly due to chance.
SMALL_COUNT = 20
#: How many of the largest areas the shares sentence names.
TOP_AREAS = 3
#: Most areas named in the sentence on significant changes of share.
MAX_LISTED = 5
#: Periods whose lengths differ by more than this fraction are compared as monthly rates.
LENGTH_TOLERANCE = 0.05
#: Average days in a month, for monthly rates.
DAYS_PER_MONTH = "30.4375"


def round_half_up(value: float | int | Fraction | Decimal, ndigits: int = 0) -> Decimal:
    """Round half away from zero, as published tables do (not Python's half-to-even).

    Parameters
    ----------
    value : float, int, Fraction or Decimal
        The number. A float is taken at its shortest decimal representation
        (``repr``), so ``0.145`` rounds to ``0.15`` as a reader expects, not to ``0.14``.
    ndigits : int
        Decimal places to keep.

    Returns
    -------
    decimal.Decimal

    Examples
    --------
    >>> from hotspots.narrative import round_half_up
    >>> round_half_up(12.5), round_half_up(13.5), round(12.5)
    (Decimal('13'), Decimal('14'), 12)
    >>> round_half_up(0.145, 2)
    Decimal('0.15')
    """
    if isinstance(value, Fraction):
        dec = Decimal(value.numerator) / Decimal(value.denominator)
    elif isinstance(value, Decimal):
        dec = value
    else:
        dec = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(int(value))
    return dec.quantize(Decimal(1).scaleb(-ndigits), rounding=ROUND_HALF_UP)


def percent(numerator: float | Fraction, denominator: float | Fraction) -> int:
    """Whole-number percentage ``100 * numerator / denominator``, rounded half up.

    Integer inputs are rounded exactly (29 of 200 is 14.5% and gives 15, where the float
    ``100 * 29 / 200`` is 14.499999...).

    Parameters
    ----------
    numerator, denominator : int or float
        ``denominator`` must not be 0.

    Returns
    -------
    int

    Examples
    --------
    >>> from hotspots.narrative import percent
    >>> percent(29, 200), percent(60, 344), percent(1, 8)
    (15, 17, 13)
    """
    if isinstance(numerator, Fraction) or isinstance(denominator, Fraction):
        frac = Fraction(numerator) * 100 / Fraction(denominator)
    elif float(numerator).is_integer() and float(denominator).is_integer():
        frac = Fraction(int(numerator) * 100, int(denominator))
    else:
        frac = Fraction(repr(float(numerator))) * 100 / Fraction(repr(float(denominator)))
    return int(round_half_up(frac))


def format_p(p: float, alpha: float = 0.05) -> str:
    """Write a p-value for a sentence: "p = 0.02", "p = 0.004", "p < 0.001".

    Parameters
    ----------
    p : float
        The p-value.
    alpha : float
        Significance level: more decimals are shown when fewer would put the printed value
        on the other side of ``alpha`` from the true one.

    Returns
    -------
    str

    Examples
    --------
    >>> from hotspots.narrative import format_p
    >>> format_p(0.0167), format_p(0.0043), format_p(0.0002), format_p(0.0496)
    ('p = 0.02', 'p = 0.004', 'p < 0.001', 'p = 0.0496')
    """
    if p < 0.001:
        return WORDS["p_below"].format(p="0.001")
    digits = 3 if p < 0.01 else 2
    while digits < 6:
        shown = round_half_up(p, digits)
        if (float(shown) < alpha) == (p < alpha):
            break
        digits += 1
    return WORDS["p_equals"].format(p=f"{round_half_up(p, digits)}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _hidden(value: Any) -> bool:
    return isinstance(value, str)


def _count(value: Any, k: int | None) -> str:
    """Write a count for a sentence; hidden counts never show their value."""
    if isinstance(value, str):
        if value.startswith("<"):
            return WORDS["fewer_than"].format(k=value[1:] if k is None else k)
        return WORDS["withheld"]
    return f"{int(value):,}"


def _pct_text(numerator: float | Fraction, denominator: float | Fraction) -> str:
    pct = percent(numerator, denominator)
    if pct == 0 and numerator > 0:
        return "less than 1%"
    return f"{pct}%"


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {WORDS['and']} " + names[-1]


def _test_phrase(p: float, alpha: float, *, with_verdict: bool = True,
                 name: str = "E-test") -> str:
    fp = format_p(p, alpha)
    if not with_verdict:
        return WORDS["test_only"].format(p=fp).replace("E-test", name)
    return WORDS["test_sig" if p < alpha else "test_not_sig"].format(p=fp).replace("E-test",
                                                                                   name)


def _area_test(cmp: PeriodComparison, row: pd.Series) -> tuple[Any, str]:
    """Return the p-value that decides an area's ``significant``, and its name.

    The corrected ``q_change`` when the table has it (the test and correction named, e.g.
    "quasi-Poisson test, Benjamini–Hochberg adjusted"), else the E-test's ``p_etest``.
    """
    if "q_change" not in row.index:
        return row["p_etest"], "E-test"
    name = getattr(cmp, "test_name", "E-test")
    correction = getattr(cmp, "correction", "none")
    if correction != "none":
        name = f"{name}, {cmp.correction_name} adjusted"
    return row["q_change"], name


def _caution(n_before: int, n_after: int, p: float, alpha: float) -> str:
    if max(n_before, n_after) >= SMALL_COUNT:
        return ""
    return SENTENCES["caution_sig" if p < alpha else "caution_chance"]


def _lengths_differ(cmp: PeriodComparison) -> bool:
    """Whether the periods differ in length by more than :data:`LENGTH_TOLERANCE`."""
    longer = max(cmp.before.days, cmp.after.days)
    return abs(cmp.before.days - cmp.after.days) > LENGTH_TOLERANCE * longer


def _monthly(n: int, days: float) -> str:
    rate = Fraction(n) * Fraction(DAYS_PER_MONTH) / Fraction(repr(days))
    return f"{round_half_up(rate, 1):,}"


def _total_sentence(cmp: PeriodComparison, noun: str) -> str:
    nb, na = cmp.total_before, cmp.total_after
    fields = {"noun": noun, "before": cmp.before.label, "after": cmp.after.label}
    if _hidden(nb) or _hidden(na):
        return _cap(SENTENCES["total_suppressed"].format(
            n_before=_count(nb, cmp.k), n_after=_count(na, cmp.k), **fields))
    nb, na = int(nb), int(na)
    fields.update(n_before=f"{nb:,}", n_after=f"{na:,}")
    if nb == 0 and na == 0:
        return SENTENCES["total_none"].format(**fields)
    fields["test"] = _test_phrase(cmp.p_total, cmp.alpha,
                                  name=getattr(cmp, "test_name", "E-test"))
    fields["caution"] = _caution(nb, na, cmp.p_total, cmp.alpha)
    if _lengths_differ(cmp) and nb > 0:
        # compare monthly rates: "down from" on raw counts would mislead
        rb = Fraction(nb) / Fraction(repr(cmp.before.days))
        ra = Fraction(na) / Fraction(repr(cmp.after.days))
        fields.update(rate_before=_monthly(nb, cmp.before.days),
                      rate_after=_monthly(na, cmp.after.days))
        if ra == rb:
            return _cap(SENTENCES["total_rate_same"].format(**fields))
        pct = _pct_text(abs(ra - rb), rb)
        key = "total_rate_down" if ra < rb else "total_rate_up"
        return _cap(SENTENCES[key].format(pct=pct, **fields))
    if nb == na:
        return _cap(SENTENCES["total_same"].format(**fields))
    if nb == 0:
        return _cap(SENTENCES["total_up_from_none"].format(**fields))
    whole = percent(abs(na - nb), nb)
    key = ("total_down" if na < nb else "total_up") + ("_tiny" if whole == 0 else "")
    return _cap(SENTENCES[key].format(pct=f"{whole}%", article=_article(whole), **fields))


def _article(number: int) -> str:
    """Return "a" or "an" for a whole number read aloud ("an 8%", "an 11%", "a 17%")."""
    text = str(number)
    spoken_vowel = text.startswith("8") or text in ("11", "18") or (
        len(text) == 5 and text[:2] in ("11", "18"))
    return WORDS["an"] if spoken_vowel else WORDS["a"]


def _shares_sentence(cmp: PeriodComparison, noun: str) -> str | None:
    table = cmp.table
    total = cmp.total_after
    if _hidden(total) or int(total) == 0:
        return None
    rows = table[~table[schema.AREA_NAME].isin([schema.OUTSIDE_DISTRICT,
                                                schema.UNKNOWN_LOCATION])]
    visible = rows[~rows["n_after"].map(_hidden)].copy()
    visible["n_after"] = visible["n_after"].astype(int)
    # Naming the largest areas says every hidden area is smaller: name only areas larger
    # than any value a hidden count could take (0 when nothing is hidden).
    floor = rank_floor(table, "n_after", total) if cmp.suppressed else 0
    visible = visible[visible["n_after"] > max(floor, 0)]
    if visible.empty:
        return None
    visible = visible.sort_values(["n_after", schema.AREA_NAME], ascending=[False, True],
                                  kind="stable").head(TOP_AREAS)
    # Areas whose rounded percentages are equal are named together, alphabetically.
    groups: list[tuple[str, list[str]]] = []
    for name, n in zip(visible[schema.AREA_NAME], visible["n_after"], strict=True):
        pct = _pct_text(n, int(total))
        if groups and groups[-1][0] == pct:
            groups[-1][1].append(str(name))
        else:
            groups.append((pct, [str(name)]))
    parts = []
    for i, (pct, names) in enumerate(groups):
        names = sorted(names)
        which = ("first" if i == 0 else "next") + ("_one" if len(names) == 1 else "_many")
        parts.append(SENTENCES[f"share_group_{which}"].format(
            area=names[0], areas=_join(names), pct=pct, noun=noun))
    tail = ""
    outside = table.loc[table[schema.AREA_NAME] == schema.OUTSIDE_DISTRICT, "n_after"]
    if len(outside) and not _hidden(outside.iloc[0]) and int(outside.iloc[0]) > 0:
        tail += SENTENCES["outside_pct"].format(pct=_pct_text(int(outside.iloc[0]), int(total)))
    unknown = table.loc[table[schema.AREA_NAME] == schema.UNKNOWN_LOCATION, "n_after"]
    if len(unknown):
        u = unknown.iloc[0]
        if _hidden(u) and str(u).startswith("<"):
            tail += SENTENCES["unknown_suppressed"].format(n=_count(u, cmp.k), noun=noun)
        elif _hidden(u):
            tail += SENTENCES["unknown_withheld"]
        elif int(u) == 0:
            tail += SENTENCES["unknown_none"]
        else:
            tail += SENTENCES["unknown_pct"].format(pct=_pct_text(int(u), int(total)))
    return SENTENCES["shares"].format(after=cmp.after.label, shares=", ".join(parts),
                                      unknown=tail)


def _area_row(cmp: PeriodComparison, name: str) -> pd.Series:
    t = cmp.table
    return t[t[schema.AREA_NAME] == name].iloc[0]


def _change_clause(cmp: PeriodComparison, row: pd.Series) -> str:
    area = str(row[schema.AREA_NAME])
    (p, name), nb, na = _area_test(cmp, row), row["n_before"], row["n_after"]
    if _hidden(nb) or _hidden(na) or _hidden(p):
        return SENTENCES["change_hidden"].format(area=area)
    nb, na, p = int(nb), int(na), float(p)
    # rates, so that a longer period's larger count is not called a rise
    rate_b = Fraction(nb) / Fraction(repr(cmp.before.days))
    rate_a = Fraction(na) / Fraction(repr(cmp.after.days))
    if rate_a == rate_b:
        return SENTENCES["change_none"].format(area=area)
    change = WORDS["fall"] if rate_a < rate_b else WORDS["rise"]
    key = "change_sig" if p < cmp.alpha else "change_not_sig"
    return SENTENCES[key].format(change=change, area=area,
                                 test=_test_phrase(p, cmp.alpha, with_verdict=False,
                                                   name=name),
                                 caution=_caution(nb, na, p, cmp.alpha))


def _top_sentences(cmp: PeriodComparison, noun: str | None = None) -> list[str]:
    # people counts name what is counted ("The highest number of children ... moved")
    people = cmp.table.attrs.get("hotspots", {}).get("count") == "people"
    suffix, extra = ("_people", {"noun": noun}) if people and noun else ("", {})
    if cmp.top_before is None or cmp.top_after is None:
        return []
    rb, ra = _area_row(cmp, cmp.top_before), _area_row(cmp, cmp.top_after)
    if _hidden(rb["n_before"]) or _hidden(ra["n_after"]):
        # naming the "highest" of suppressed counts would reveal their order
        return []

    def pair(row: pd.Series) -> str:
        return SENTENCES["counts_pair"].format(n_before=_count(row["n_before"], cmp.k),
                                               n_after=_count(row["n_after"], cmp.k))

    if cmp.top_before == cmp.top_after:
        first = SENTENCES["top_same" + suffix].format(area=cmp.top_after, counts=pair(ra),
                                                      **extra)
        clauses = [_change_clause(cmp, ra)]
    else:
        first = SENTENCES["top_moved" + suffix].format(
            area_before=cmp.top_before, area_after=cmp.top_after, before_counts=pair(rb),
            after_counts=pair(ra), **extra)
        clauses = [_change_clause(cmp, rb), _change_clause(cmp, ra)]
    return [first, _cap("; ".join(clauses)) + "."]


#: Most areas named in the "other significant changes" sentence.
OTHER_CHANGES = 3


def _other_changes_sentence(cmp: PeriodComparison) -> str | None:
    """Name the largest significant count changes in areas the top-area sentences skip."""
    t = cmp.table
    named = {cmp.top_before, cmp.top_after, schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION}
    rows = []
    name = "E-test"
    for _, row in t.iterrows():
        (p, name), nb, na = _area_test(cmp, row), row["n_before"], row["n_after"]
        if row[schema.AREA_NAME] in named or _hidden(nb) or _hidden(na) or _hidden(p):
            continue
        if pd.notna(p) and float(p) < cmp.alpha:
            # direction from daily rates, as _change_clause does, for unequal periods
            fell = int(na) * cmp.before.days < int(nb) * cmp.after.days
            rows.append((abs(int(na) - int(nb)), str(row[schema.AREA_NAME]), int(nb), int(na),
                         float(p), fell))
    if not rows:
        return None
    rows.sort(key=lambda r: (-r[0], r[1]))
    parts = [
        SENTENCES["other_change"].format(
            area=area, n_before=f"{nb:,}", n_after=f"{na:,}", p=format_p(p, cmp.alpha),
            direction=WORDS["fell"] if fell else WORDS["rose"])
        for _, area, nb, na, p, fell in rows[:OTHER_CHANGES]
    ]
    if len(rows) > OTHER_CHANGES:
        parts.append(SENTENCES["other_more"].format(n=len(rows) - OTHER_CHANGES))
    return SENTENCES["other_changes"].format(changes=_join(parts)).replace("E-test", name)


def _sppt_sentence(cmp: PeriodComparison, noun: str) -> str | None:
    t = cmp.table
    rows = t[~t[schema.AREA_NAME].isin([schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION])]
    q = rows["q_sppt"]
    testable = q.map(lambda v: not _hidden(v) and pd.notna(v))
    if not testable.any():
        return None
    sig = rows[testable & q.map(lambda v: not _hidden(v) and pd.notna(v) and v < cmp.alpha)]
    alpha = f"{cmp.alpha:g}"
    if sig.empty:
        # With hidden rows, "no area" would state something about their hidden q-values.
        key = "sppt_none_shown" if q.map(_hidden).any() else "sppt_none"
        return SENTENCES[key].format(noun=noun, alpha=alpha)
    total_b, total_a = int(cmp.total_before), int(cmp.total_after)
    sig = sig.assign(_size=sig["share_change"].abs()).sort_values(
        ["_size", schema.AREA_NAME], ascending=[False, True], kind="stable")
    items = []
    for _, r in sig.head(MAX_LISTED).iterrows():
        before, after = _pct_pair(int(r["n_before"]), total_b, int(r["n_after"]), total_a)
        items.append(SENTENCES["sppt_area"].format(area=r[schema.AREA_NAME],
                                                   pct_before=before, pct_after=after))
    if len(sig) > MAX_LISTED:
        items.append(SENTENCES["sppt_more"].format(n=len(sig) - MAX_LISTED,
                                                   areas=_plural(cmp.level)))
    return SENTENCES["sppt_some"].format(noun=noun, areas=_join(items), alpha=alpha)


def _pct_pair(nb: int, tb: int, na: int, ta: int) -> tuple[str, str]:
    """Two shares as whole percentages, or with one decimal when those would be equal."""
    before, after = _pct_text(nb, tb), _pct_text(na, ta)
    if before == after and nb * ta != na * tb:
        before = f"{round_half_up(Fraction(100 * nb, tb), 1)}%"
        after = f"{round_half_up(Fraction(100 * na, ta), 1)}%"
    return before, after


def _plural(level: str) -> str:
    if level.endswith("y") and not level.endswith(("ay", "ey", "oy")):
        return level[:-1] + "ies"
    return level + "s"


def _group_sentences(cmp: PeriodComparison) -> list[str]:
    if cmp.group_totals is None or cmp.by is None:
        return []
    out = []
    for _, g in cmp.group_totals.iterrows():
        nb, na, p = g["n_before"], g["n_after"], g["p_etest"]
        fields = {"group": _cap(str(g[cmp.by])), "n_before": _count(nb, cmp.k),
                  "n_after": _count(na, cmp.k), "before": cmp.before.label,
                  "after": cmp.after.label}
        if _hidden(nb) or _hidden(na) or _hidden(p) or pd.isna(p) or int(nb) == int(na):
            out.append(SENTENCES["group_total_untested"].format(**fields))
            continue
        out.append(SENTENCES["group_total"].format(
            test=_test_phrase(float(p), cmp.alpha),
            caution=_caution(int(nb), int(na), float(p), cmp.alpha), **fields))
    return out


def describe(comparison: PeriodComparison, *, noun: str | None = None,
             k: int | None = None) -> list[str]:
    """Describe a period comparison in short sentences for a committee paper.

    Parameters
    ----------
    comparison : PeriodComparison
        From :func:`hotspots.change.compare_periods` (suppressed or not).
    noun : str, optional
        What is counted, plural ("offences", "missing episodes", "children assessed at
        risk"). Default "offences", or "children" ("people") when the comparison counts
        distinct people (``compare_periods(count="people", person="child")``); the
        sentence on the highest area then names them ("The highest number of children
        assessed at risk moved from ...").
    k : int, optional
        Suppress the comparison at this threshold first (as
        ``comparison.suppress(k)``), so that no count below ``k`` appears in the text.
        A comparison that is already suppressed keeps its own threshold.

    Returns
    -------
    list of str
        In order:

        1. the total and its change, with the comparison's test (``test``)
           ("284 offences in 2018/19, down from 344 in 2017/18, a 17% reduction
           (statistically significant, E-test p = 0.02).");
        2. when the periods differ in length, a note that daily rates are compared;
        3. the shares of the :data:`TOP_AREAS` largest areas and of unknown locations in
           the later period ("In 2018/19, Bradford East and Bradford South each had 21% of
           offences, Keighley 16%; in 17% the location is not known.");
        4. the area with the highest number: "The highest number moved from Bradford East
           (89 to 60) to Bradford South (55 to 61)." or "X had the highest number in both
           periods (...)";
        5. whether each of those changes is statistically significant, by the
           comparison's test and corrected across areas ("quasi-Poisson test,
           Benjamini–Hochberg adjusted p = 0.03"), as its ``significant`` column;
        6. which areas' shares changed significantly (SPPT, Benjamini–Yekutieli);
        7. with ``by``: one sentence per group total.

    Notes
    -----
    The sentences describe all groups together when the comparison is split ``by`` a
    column (its ``overall`` comparison), then add the group totals. See the module
    documentation for rounding, the small-number caution and suppression.

    Examples
    --------
    >>> from hotspots import compare_periods, describe, load_boundaries, simulate_incidents
    >>> areas = load_boundaries("bradford-2013")
    >>> incidents = simulate_incidents(areas, n_before=300, n_after=200, seed=1)
    >>> cmp = compare_periods(incidents, areas, before="2017/18", after="2018/19")
    >>> for sentence in describe(cmp)[:3]:
    ...     print(sentence)
    200 offences in 2018/19, down from 300 in 2017/18, a 33% reduction (statistically
    significant, quasi-Poisson test p < 0.001).
    In 2018/19, Keighley had 30% of offences, Shipley 26%, Bradford South 14%; in 17% the
    location is not known.
    Keighley had the highest number in both periods (115 to 59).
    """
    if k is not None and not comparison.suppressed:
        comparison = comparison.suppress(k)
    main = comparison.overall if comparison.overall is not None else comparison
    if noun is None:
        # "offences" for rows; "children"/"people" when the comparison counts people
        info = main.table.attrs.get("hotspots", {})
        if info.get("count") == "people":
            from hotspots.areas.people import noun_for

            noun = noun_for(info.get("person"))
        else:
            noun = "offences"
    noun = str(noun)
    out = [_total_sentence(main, noun)]
    if _lengths_differ(main):
        out.append(SENTENCES["period_lengths"].format(
            days_before=f"{main.before.days:,.0f}", days_after=f"{main.after.days:,.0f}"))
    shares = _shares_sentence(main, noun)
    if shares:
        out.append(shares)
    out.extend(_top_sentences(main, noun))
    others = _other_changes_sentence(main)
    if others:
        out.append(others)
    if not main.suppressed or not (_hidden(main.total_before) or _hidden(main.total_after)):
        sppt = _sppt_sentence(main, noun)
        if sppt:
            out.append(sppt)
    out.extend(_group_sentences(comparison))
    return out
