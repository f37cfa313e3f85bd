"""Build the area committee pack: every number of every report, protected as ONE release.

A committee member can hold the district summary and all five constituency reports at once,
so every table they show (ward and constituency counts of both periods, the comparisons,
the monthly counts behind the trend charts, people counts) goes into one
:class:`hotspots.privacy.Release`, protected together and audited by linear programming.

Constituency figures are the sum of their wards (by the boundary lookup), not a second point
in polygon count: then the wards add up exactly to their constituency, the release knows that
relation and protects it, and no sliver between generalised boundaries turns into a number a
reader could subtract.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hotspots import schema
from hotspots.areas import area_counts, assign_areas
from hotspots.change import compare_periods
from hotspots.hotspot.gistar import hotspot_gistar
from hotspots.io.write import build_manifest
from hotspots.maps._public import PUBLIC_MIN_CELL_M
from hotspots.periods import parse_period
from hotspots.privacy import Release
from hotspots.report.section import Figure, Section
from hotspots.report.sections import constituency_section, district_section

__all__ = ["CommitteePack", "Figure", "Section", "committee_report"]

logger = logging.getLogger(__name__)

MARKINGS = ("OFFICIAL", "OFFICIAL-SENSITIVE")


@dataclass
class CommitteePack:
    """Everything one committee pack publishes, protected and audited as one release.

    Write it with :func:`hotspots.report.write_pack` (or :meth:`write`): nothing is
    written when the release fails its disclosure audit.

    Examples
    --------
    A pack whose release was never protected has not passed its audit, so it cannot be
    written (:func:`committee_report` always returns a protected, audited pack):

    >>> from hotspots.privacy import Release
    >>> from hotspots.report import CommitteePack, Section
    >>> section = Section(name="Bradford", kind="district", findings=[],
    ...                   table=pd.DataFrame(), table_caption="")
    >>> pack = CommitteePack(sections=[section], release=Release(5), method={},
    ...                      marking="OFFICIAL", contact="", before="2017/18",
    ...                      after="2018/19", k=5)
    >>> pack.audit_passed
    False
    """

    sections: list[Section]
    release: Any
    method: dict[str, Any]
    marking: str
    contact: str
    before: str
    after: str
    k: int

    @property
    def audit_passed(self) -> bool:
        """Whether the disclosure audit of the release passed."""
        return bool(self.release.audit_result is not None and self.release.audit_result.passed)

    def write(self, out_dir: Any, **kwargs: Any) -> list[Any]:
        """Write the pack (see :func:`hotspots.report.write_pack`)."""
        from hotspots.report.pack import write_pack  # cycle: pack renders this class

        return write_pack(self, out_dir, **kwargs)


def assign_by_lowest(incidents: Any, areas: Any, *, allow_outside: bool = False) -> Any:
    """Assign every level, then set the higher levels from the lowest one by the lookup.

    An incident's constituency is then the constituency of its ward, so wards add up exactly
    to their constituency in every table.
    """
    out = assign_areas(incidents, areas, allow_outside=allow_outside)
    lowest = areas.level_names[0]
    lookup = areas.lookup
    low_names = out[schema.area_name_column(lowest)].astype(str)
    for higher in areas.level_names[1:]:
        parent = dict(zip(lookup[schema.area_name_column(lowest)].astype(str),
                          lookup[schema.area_name_column(higher)].astype(str), strict=True))
        parent.update({p: p for p in (schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION)})
        cats = out[schema.area_name_column(higher)].cat.categories
        names = low_names.map(parent)
        out[schema.area_name_column(higher)] = pd.Categorical(names, categories=cats)
        ids = dict(zip(areas[higher][schema.AREA_NAME], areas[higher][schema.AREA_ID],
                       strict=True))
        out[schema.area_id_column(higher)] = pd.array(names.map(ids), dtype="string")
    return out


def _time_bins(before: Any, after: Any, freq: str) -> dict[str, str]:
    """Month label ("Apr 2018") -> label of its bin: itself, or its quarter ("Apr-Jun 2018")."""
    months = pd.period_range(before.start, after.end - pd.Timedelta(days=1), freq="M")
    out: dict[str, str] = {}
    for i, m in enumerate(months):
        if freq == "M":
            out[m.strftime("%b %Y")] = m.strftime("%b %Y")
        else:
            # quarters counted from the first month, so financial years split cleanly
            first = months[i - i % 3]
            last = months[min(i - i % 3 + 2, len(months) - 1)]
            out[m.strftime("%b %Y")] = f"{first.strftime('%b')}\u2013{last.strftime('%b %Y')}"
    return out


def _time_column(incidents: pd.DataFrame, bins: dict[str, str]) -> pd.Categorical:
    values = pd.to_datetime(incidents[schema.OCCURRED]).dt.to_period("M").dt.strftime("%b %Y")
    labels = list(dict.fromkeys(bins.values()))
    return pd.Categorical(values.map(bins), categories=labels, ordered=True)


def _bins_of(period: Any, bins: dict[str, str]) -> list[str]:
    """Labels of the time bins a period covers."""
    months = pd.period_range(period.start, period.end - pd.Timedelta(days=1), freq="M")
    return list(dict.fromkeys(bins[m.strftime("%b %Y")] for m in months
                              if m.strftime("%b %Y") in bins))


def _pick_freq(inc: pd.DataFrame, top: str, before: Any, after: Any, k: int) -> str:
    """Months when a typical area-month holds at least ``2k`` incidents, else quarters.

    Small monthly counts would be mostly suppressed (and hard to protect together);
    quarters keep the chart readable and the release protectable.
    """
    inside = before.contains(inc[schema.OCCURRED]) | after.contains(inc[schema.OCCURRED])
    names = inc.loc[inside, schema.area_name_column(top)].astype(str)
    keep = ~names.isin([schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION])
    n_months = len(pd.period_range(before.start, after.end - pd.Timedelta(days=1), freq="M"))
    per_area = names[keep].value_counts()
    if per_area.empty:
        return "Q"
    return "M" if float(per_area.median()) / n_months >= 2 * k else "Q"


def _population_for(population: Any, areas: Any, level: str) -> pd.Series | None:
    """Residents per area of ``level``: the given ward figures, summed by the lookup above."""
    if population is None:
        return None
    if isinstance(population, pd.DataFrame):
        population = population.set_index("area_id")["population"]
    pop = pd.Series(population, dtype=float)
    pop.index = pop.index.astype(str)
    lowest = areas.level_names[0]
    if level == lowest:
        return pop
    lookup = areas.lookup
    low_ids = lookup[schema.area_id_column(lowest)].astype(str)
    if not low_ids.isin(pop.index).all():
        return None  # a higher area with a ward missing would get a rate too low
    return pop.reindex(low_ids).groupby(lookup[schema.area_id_column(level)].astype(str).values
                                        ).sum()


def committee_report(incidents: Any, areas: Any, *, before: str, after: str,
                     constituency: str | list[str] | None = None, population: Any = None,
                     population_label: str = "residents", person: str | None = None,
                     people_noun: str | None = None, noun: str = "offences", k: int = 5,
                     marking: str = "OFFICIAL", contact: str = "",
                     sources: list[Any] | None = None, title: str | None = None,
                     hotspots: bool = True, trend_freq: str = "auto",
                     allow_outside: bool = False, release: Any = None) -> CommitteePack:
    """Build the area committee pack: one report per constituency and a district summary.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incidents (from :func:`hotspots.io.read_incidents` or simulated).
    areas : AreaSet
        Boundaries with two levels, lowest first (wards, constituencies).
    before, after : str
        The two periods compared ("2017/18", "2018/19"; anything
        :func:`hotspots.periods.parse_period` takes).
    constituency : str or list of str, optional
        The constituencies to report on (names of the higher level). Default: all.
    population : pandas.Series or DataFrame, optional
        Residents (or children) per ward, indexed by ward ``area_id`` (or columns
        ``area_id, population``); adds a rate per 1,000 to the tables.
    population_label : str, default "residents"
        What the population counts ("residents", "children").
    person : str, optional
        A person column (pseudonyms, e.g. ``"child"``): adds the number of distinct people
        per ward in the later period.
    people_noun : str, optional
        Plural noun for the people ("children"); default from ``person``.
    noun : str, default "offences"
        What an incident is, in sentences and legends.
    k : int, default 5
        Counts from 1 to ``k - 1`` are suppressed, with secondary suppression so that no
        published table, alone or together, gives them back.
    marking : {"OFFICIAL", "OFFICIAL-SENSITIVE"}
        Government Security Classification printed on every page.
    contact : str
        Contact line printed on the cover ("Community Safety Analyst, ...").
    sources : list, optional
        Input files (paths) or :class:`~hotspots.io.LoadReport`; the method note lists them
        with their SHA-256.
    title : str, optional
        Pack title (default "Area committee report").
    hotspots : bool, default True
        Add the Gi* hot spot maps.
    trend_freq : {"auto", "M", "Q"}, default "auto"
        Bars of the trend charts: months, or quarters. ``"auto"``: months when a typical
        constituency has at least ``2 * k`` incidents a month, else quarters (monthly counts
        that small would mostly be suppressed).
    allow_outside : bool, default False
        Accept that most located incidents fall outside the district (a force-wide file
        reported on by one district's wards); see :func:`hotspots.areas.assign_areas`.
    release : hotspots.privacy.Release, optional
        A release, not yet protected, holding other tables that will be published beside
        the pack (say the same wards in CSV files). The pack's tables are added to it and it
        is protected once, so no table of either can give back a count the other hides.
        Its tables must count incidents the same way (higher levels from the lowest, see
        :func:`assign_by_lowest`), and incidents outside the district are then kept in the
        pack's tables as they are in the others. Default: a new release of the pack alone,
        which leaves incidents outside the district out and says how many.

    Returns
    -------
    CommitteePack
        ``sections`` (district summary first), ``release`` (protected and audited).

    Raises
    ------
    ValueError
        For an unknown constituency or marking, or boundaries with one level.

    Examples
    --------
    >>> pack = committee_report(incidents, areas, before="2017/18",
    ...                         after="2018/19")  # doctest: +SKIP
    >>> pack.write("committee")  # doctest: +SKIP

    A marking other than the two the pack prints is refused before any work:

    >>> from hotspots.io import load_boundaries
    >>> from hotspots.report import committee_report
    >>> areas = load_boundaries("bradford-2013")
    >>> committee_report(gpd.GeoDataFrame(geometry=[], crs=27700), areas, before="2017/18",
    ...                  after="2018/19", marking="SECRET")
    Traceback (most recent call last):
    ...
    ValueError: committee_report: marking must be one of ('OFFICIAL', ...), got 'SECRET'.
    """
    low, top, chosen = _check_pack_args(areas, marking, constituency)
    p_before, p_after = parse_period(before), parse_period(after)
    inc, n_outside = _district_incidents(incidents, areas, allow_outside=allow_outside,
                                         shared=release is not None)
    freq = _pick_freq(inc, top, p_before, p_after, k) if trend_freq == "auto" else trend_freq
    if freq not in ("M", "Q"):
        raise ValueError(f"committee_report: trend_freq must be 'auto', 'M' or 'Q', got "
                         f"{trend_freq!r}.")
    bins = _time_bins(p_before, p_after, freq)
    inc["month"] = _time_column(inc, bins)
    if person is not None and person not in inc.columns:
        raise ValueError(f"committee_report: no column {person!r} for people counts; columns: "
                         f"{', '.join(map(str, inc.columns))}.")
    if release is None:
        release = Release(k, areas=areas)
    elif release.audit_result is not None or release.k != k:
        raise ValueError("committee_report: release= must be a Release not yet protected, "
                         f"with the pack's k ({k}).")
    tag = {b: b.label.replace("/", "-") for b in (p_before, p_after)}
    cmp_low, cmp_top = _fill_release(release, inc, areas, (p_before, p_after), bins, tag,
                                     population=population, person=person,
                                     allow_outside=allow_outside)

    context = {"inc": inc, "areas": areas, "release": release, "before": p_before,
               "after": p_after, "cmp_low": cmp_low, "cmp_top": cmp_top, "k": k,
               "noun": noun, "population_label": population_label,
               "has_population": population is not None, "person": person,
               "people_noun": people_noun, "tag": tag, "hotspots": hotspots,
               "freq": freq}
    if hotspots:
        context["gistar"] = _public_gistar(inc, areas, p_after)
    sections = [district_section(context)]
    sections += [constituency_section(context, name) for name in chosen]
    method = _method(areas, p_before, p_after, k, sources, cmp_top, release, context)
    method["outside"] = (
        "" if n_outside == 0 else
        f"{'Fewer than ' + str(k) if n_outside < k else format(n_outside, ',')} incidents "
        f"located outside the district's {low}s "
        "(for example in a force-wide file) are not counted in this pack.")
    method["title"] = title or "Area committee report"
    method["noun"] = noun
    return CommitteePack(sections=sections, release=release, method=method, marking=marking,
                         contact=contact, before=p_before.label, after=p_after.label, k=k)


def _check_pack_args(areas: Any, marking: str, constituency: str | list[str] | None
                     ) -> tuple[str, str, list[str]]:
    """(lowest level, top level, constituencies reported on); refuse what cannot be built."""
    if marking not in MARKINGS:
        raise ValueError(f"committee_report: marking must be one of {MARKINGS}, got "
                         f"{marking!r}.")
    if len(areas.level_names) < 2:
        raise ValueError("committee_report needs boundaries with two levels (wards and "
                         "constituencies); got " + ", ".join(areas.level_names) + ".")
    low, top = areas.level_names[0], areas.level_names[-1]
    names = areas[top][schema.AREA_NAME].astype(str).tolist()
    chosen = names if constituency in (None, "all") else (
        [constituency] if isinstance(constituency, str) else list(constituency))
    unknown = [c for c in chosen if c not in names]
    if unknown:
        raise ValueError(f"committee_report: no {top} named {', '.join(map(repr, unknown))}; "
                         f"the {top}s are: {', '.join(names)}.")
    return low, top, chosen


def _district_incidents(incidents: Any, areas: Any, *, allow_outside: bool, shared: bool
                        ) -> tuple[Any, int]:
    """Return the incidents the pack counts, and how many outside the district it leaves out.

    A committee pack reports on the district: incidents located outside every ward are left
    out (and the method note says how many). Publishing their count beside the district
    totals would make a small "outside" count a number every table must protect; leaving
    them in would let a reader subtract it. With a ``shared`` release the other tables count
    them, so they are kept here too (the release protects their row); the tables of one
    release must count the same incidents.
    """
    inc = assign_by_lowest(incidents, areas, allow_outside=allow_outside)
    low = areas.level_names[0]
    outside = (inc[schema.area_name_column(low)] == schema.OUTSIDE_DISTRICT).to_numpy()
    if shared:
        return inc, 0
    return inc[~outside], int(outside.sum())


def _fill_release(release: Any, inc: Any, areas: Any, periods: tuple[Any, Any], bins: Any,
                  tag: dict[Any, str], *, population: Any, person: str | None,
                  allow_outside: bool) -> tuple[Any, Any]:
    """Add every table the pack publishes to ``release`` and protect it once.

    Returns the ward and constituency comparisons of the two periods.
    """
    p_before, p_after = periods
    low, top = areas.level_names[0], areas.level_names[-1]
    for level in (low, top):
        pop = _population_for(population, areas, level)
        for per in (p_before, p_after):
            table = area_counts(inc, areas, level=level, period=per,
                                population=pop if per is p_after else None,
                                allow_outside=allow_outside)
            release.add(table, name=f"{level}_{tag[per]}")
    for per in (p_before, p_after):
        # the months (or quarters) of a period add up to its count: the constituency trend
        # charts are published, so they are in the release
        months = area_counts(inc, areas, level=top, period=per, by="month",
                             allow_outside=allow_outside)
        months = months[months["month"].astype(str).isin(_bins_of(per, bins))]
        release.add(months.reset_index(drop=True), name=f"{top}_months_{tag[per]}",
                    by="month")
    cmp_low = compare_periods(inc, areas, level=low, before=p_before, after=p_after)
    cmp_top = compare_periods(inc, areas, level=top, before=p_before, after=p_after)
    release.add_comparison(cmp_low, name=f"{low}_comparison")
    release.add_comparison(cmp_top, name=f"{top}_comparison")
    if person is not None:
        people = area_counts(inc, areas, level=low, period=p_after, count="people",
                             person=person, allow_outside=allow_outside)
        release.add(people, name="people", period=f"{p_after.label} (people)")
    release.protect()
    return cmp_low, cmp_top


def _public_gistar(inc: Any, areas: Any, after: Any) -> Any:
    """Gi* of the later period on cells no finer than public maps allow."""
    located = (~inc.geometry.isna() & ~inc.geometry.is_empty).to_numpy()
    recent = inc[after.contains(inc[schema.OCCURRED]) & located]
    grid = hotspot_gistar(recent, clip=areas)
    if float(grid.attrs.get("hotspots", {}).get("cell_size") or 0) < PUBLIC_MIN_CELL_M:
        grid = hotspot_gistar(recent, clip=areas, cell_size=PUBLIC_MIN_CELL_M)
    return grid


def _method(areas: Any, before: Any, after: Any, k: int, sources: list[Any] | None,
            cmp_top: Any, release: Any, context: dict[str, Any]) -> dict[str, Any]:
    inputs = [s for s in (sources or []) if not hasattr(s, "files")]
    loads = [s for s in (sources or []) if hasattr(s, "files")]
    manifest = build_manifest(inputs=inputs, loads=loads, period=None,
                              description="Area committee pack")
    boundary_files = [{"name": n, "path": p} for n, p in getattr(areas, "sources", {}).items()]
    audit = release.audit_result
    grid = context.get("gistar")
    gi = grid.attrs.get("hotspots", {}) if grid is not None else {}
    return {
        "inputs": manifest["inputs"],
        "boundaries": f"{areas.name} ({areas.vintage} vintage)",
        "boundary_files": boundary_files,
        "before": {"label": before.label, "start": str(before.start.date()),
                   "end": str((before.end - pd.Timedelta(days=1)).date())},
        "after": {"label": after.label, "start": str(after.start.date()),
                  "end": str((after.end - pd.Timedelta(days=1)).date())},
        "k": k,
        "suppression": (f"Counts from 1 to {k - 1} are shown as \u201c<{k}\u201d. Some other "
                        "counts are hidden as \u201c[c]\u201d so that the hidden ones cannot "
                        "be worked out from totals or from the other tables in this pack; "
                        "every table of the pack was checked together, as one release."),
        "audit_passed": bool(audit is not None and audit.passed),
        "n_hidden": len(release.hidden_cells()),
        "test": cmp_top.test,
        "correction": cmp_top.correction,
        "alpha": cmp_top.alpha,
        "significant": (
            f"\u201cStatistically significant\u201d means a change this large would happen by "
            f"chance less than {100 * cmp_top.alpha:.0f} times in 100 if the underlying rate "
            f"had not changed ({_TEST_NAMES.get(cmp_top.test, cmp_top.test)}; changes of "
            "areas corrected for testing many areas at once, Benjamini\u2013Hochberg). It "
            "does not say why the change happened."),
        "gistar": ({"cell_size": gi.get("cell_size"), "p_adjust": gi.get("p_adjust")}
                   if gi else None),
        "constituency_rule": ("Constituency figures are the sum of their wards (boundary "
                              "lookup)."),
        "hotspots_version": manifest["hotspots_version"],
        "run_time": manifest["run_time"],
    }


_TEST_NAMES = {
    "quasi-poisson": "quasi-Poisson test on monthly counts, allowing for their variation",
    "negative-binomial": "negative binomial test on monthly counts",
    "etest-score": "Poisson E-test",
    "etest-wald": "Poisson E-test (Wald form)",
}
