"""The sections of a committee pack: the district summary and one report per constituency.

Every number printed here comes from the pack's release (:mod:`hotspots.report.build`):
the protected tables, shown with their suppression labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.areas import AreaSet
from hotspots.areas.people import noun_for
from hotspots.change import compare_periods
from hotspots.maps.static_export import figure_bytes, static_figure
from hotspots.narrative import describe
from hotspots.privacy import labelled
from hotspots.report.charts import trend_figure
from hotspots.report.released import released_comparison, released_sub_comparison
from hotspots.report.section import Figure, Section

__all__ = ["constituency_section", "district_section"]

_PSEUDO = (schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION)


def _count(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "\u2013"
    return f"{int(v):,}"


def _signed(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "\u2013"
    return f"{int(v):+,}".replace("-", "\u2212")


def _pct(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
        return "\u2013"
    return f"{v:+.0f}%".replace("-", "\u2212")


def _rate(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
        return "\u2013"
    return f"{v:.1f}"


def _yes_no(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "\u2013"
    return "Yes" if bool(v) else "No"


def _printed_table(ctx: dict[str, Any], level: str, names: list[str] | None) -> pd.DataFrame:
    """Build the printed comparison table of ``level``: counts, change, rate, significance."""
    release = ctx["release"]
    cmp = labelled(release.tables[f"{level}_comparison"])
    after = labelled(release.tables[f"{level}_{ctx['tag'][ctx['after']]}"])
    keep = ~cmp[schema.AREA_NAME].isin(_PSEUDO)
    if names is not None:
        keep &= cmp[schema.AREA_NAME].isin(names)
    rows = cmp[keep]
    b, a = ctx["before"].label, ctx["after"].label
    out = pd.DataFrame({
        level.capitalize(): rows[schema.AREA_NAME].astype(str).to_numpy(),
        b: [_count(v) for v in rows["n_before"]],
        a: [_count(v) for v in rows["n_after"]],
        "Change": [_signed(v) for v in rows["change"]],
        "% change": [_pct(v) for v in rows["pct_change"]],
    })
    if ctx["has_population"] and "rate_per_1000" in after.columns:
        rate = after.set_index(schema.AREA_NAME)["rate_per_1000"]
        out[f"Rate per 1,000 {ctx['population_label']}, {a}"] = [
            _rate(rate.get(n)) for n in out[level.capitalize()]]
    out["Significant change"] = [_yes_no(v) for v in rows["significant"]]
    return out


def _figure(name: str, fig: Any, caption: str) -> Figure:
    return Figure(name=name, png=figure_bytes(fig, "png", dpi=110),
                  svg=figure_bytes(fig, "svg"), alt=getattr(fig, "_hotspots_alt", caption),
                  caption=caption)


def _ward_map(ctx: dict[str, Any], names: list[str] | None, title: str) -> Figure:
    areas = ctx["areas"]
    low = areas.level_names[0]
    table = ctx["release"].tables[f"{low}_{ctx['tag'][ctx['after']]}"]
    outline = areas[low]
    if names is not None:
        outline = outline[outline[schema.AREA_NAME].isin(names)]
    fig = static_figure(table, kind="areas", areas=areas, level=low, mode="public",
                        title=title, period=ctx["after"].label, k=ctx["k"],
                        outline=outline, unit=ctx["noun"])
    caption = (f"{ctx['noun'].capitalize()} by {low}, {ctx['after'].label}. Grey hatched "
               "areas are suppressed.")
    return _figure("ward-map", fig, caption)


def _hotspot_map(ctx: dict[str, Any], names: list[str] | None, title: str) -> Figure | None:
    grid = ctx.get("gistar")
    if grid is None:
        return None
    areas = ctx["areas"]
    low = areas.level_names[0]
    outline = areas[low]
    if names is not None:
        outline = outline[outline[schema.AREA_NAME].isin(names)]
        inside = grid.geometry.centroid.within(outline.union_all())
        grid = grid[inside.to_numpy()]
    fig = static_figure(grid, kind="hotspots", areas=areas, mode="public", title=title,
                        period=ctx["after"].label, outline=outline, labels=False)
    caption = (f"Getis-Ord Gi* hot spots of {ctx['noun']}, {ctx['after'].label}: cells where "
               "more incidents cluster than chance would give.")
    return _figure("hotspot-map", fig, caption)


def _trend(ctx: dict[str, Any], name: str | None, title: str) -> Figure:
    areas = ctx["areas"]
    top = areas.level_names[-1]
    months, values, periods = [], [], []
    for per in (ctx["before"], ctx["after"]):
        table = ctx["release"].tables[f"{top}_months_{ctx['tag'][per]}"]
        if name is None:
            # district: the month totals (what the release assumes a reader knows)
            raw = ctx["release"].source(f"{top}_months_{ctx['tag'][per]}")
            totals = raw.groupby("month", observed=True, sort=False)["n"].sum()
            for m, v in totals.items():
                months.append(str(m))
                values.append(int(v))
                periods.append(per.label)
        else:
            shown = labelled(table)
            rows = shown[shown[schema.AREA_NAME] == name]
            for m, v in zip(rows["month"].astype(str), rows["n"], strict=True):
                months.append(m)
                values.append(v)
                periods.append(per.label)
    fig = trend_figure(months, values, periods, title=title, noun=ctx["noun"], unit=_unit(ctx))
    caption = f"{ctx['noun'].capitalize()} per {_unit(ctx)}, {ctx['before'].label} and " \
              f"{ctx['after'].label}."
    return _figure("trend", fig, caption)


def _unit(ctx: dict[str, Any]) -> str:
    return "month" if ctx.get("freq", "M") == "M" else "quarter"


def district_section(ctx: dict[str, Any]) -> Section:
    """Build the district summary: constituency table, findings, maps and trend."""
    areas, release = ctx["areas"], ctx["release"]
    top = areas.level_names[-1]
    public = released_comparison(release, ctx["cmp_top"], f"{top}_comparison")
    findings = describe(public, noun=ctx["noun"])
    table = _printed_table(ctx, top, None)
    figures = [_ward_map(ctx, None, f"{ctx['noun'].capitalize()} by ward, "
                                    f"{ctx['after'].label}")]
    hot = _hotspot_map(ctx, None, f"Hot spots, {ctx['after'].label}")
    if hot is not None:
        figures.append(hot)
    figures.append(_trend(ctx, None, f"{ctx['noun'].capitalize()} per {_unit(ctx)}, district"))
    return Section(name=f"{areas.name.split('-')[0].capitalize()} district summary",
                   kind="district", findings=findings, table=table,
                   table_caption=f"{ctx['noun'].capitalize()} by {top}, "
                                 f"{ctx['before'].label} and {ctx['after'].label}",
                   figures=figures, people=_people(ctx, None),
                   people_caption=_people_caption(ctx))


def _wards_of(areas: Any, name: str) -> list[str]:
    low, top = areas.level_names[0], areas.level_names[-1]
    lookup = areas.lookup
    return lookup.loc[lookup[schema.area_name_column(top)].astype(str) == name,
                      schema.area_name_column(low)].astype(str).tolist()


def constituency_section(ctx: dict[str, Any], name: str) -> Section:
    """One constituency's report: its wards' table, findings, maps and trend."""
    areas, release = ctx["areas"], ctx["release"]
    low, top = areas.level_names[0], areas.level_names[-1]
    wards = _wards_of(areas, name)
    # the constituency's own comparison gives the total and its test; the ward rows shown
    # are the release's (its suppressions, ward tests corrected across the district)
    sub_areas = AreaSet({low: areas[low][areas[low][schema.AREA_NAME].isin(wards)]},
                        name=areas.name, vintage=areas.vintage)
    inc = ctx["inc"]
    mine = inc[(inc[schema.area_name_column(top)].astype(str) == name).to_numpy()]
    sub = compare_periods(mine.drop(columns=[schema.area_name_column(low),
                                             schema.area_id_column(low)]),
                          sub_areas, level=low, before=ctx["before"], after=ctx["after"])
    cmp_rows = release.tables[f"{low}_comparison"][schema.AREA_NAME].astype(str).isin(wards)
    public = released_sub_comparison(sub, release, f"{low}_comparison", cmp_rows)
    findings = describe(public, noun=ctx["noun"])
    figures = [_ward_map(ctx, wards, f"{ctx['noun'].capitalize()} by ward, {name}, "
                                     f"{ctx['after'].label}")]
    hot = _hotspot_map(ctx, wards, f"Hot spots, {name}, {ctx['after'].label}")
    if hot is not None:
        figures.append(hot)
    figures.append(_trend(ctx, name, f"{ctx['noun'].capitalize()} per {_unit(ctx)}, {name}"))
    return Section(name=name, kind="constituency", findings=findings,
                   table=_printed_table(ctx, low, wards),
                   table_caption=f"{ctx['noun'].capitalize()} by ward in {name}, "
                                 f"{ctx['before'].label} and {ctx['after'].label}",
                   figures=figures, people=_people(ctx, wards),
                   people_caption=_people_caption(ctx))


def _people_caption(ctx: dict[str, Any]) -> str:
    noun = ctx.get("people_noun") or noun_for(ctx.get("person"))
    return (f"Distinct {noun} by ward, {ctx['after'].label} (a person recorded in two wards "
            "counts in each).")


def _people(ctx: dict[str, Any], wards: list[str] | None) -> pd.DataFrame | None:
    if ctx.get("person") is None:
        return None

    noun = ctx.get("people_noun") or noun_for(ctx.get("person"))
    table = labelled(ctx["release"].tables["people"])
    rows = table[~table[schema.AREA_NAME].isin(_PSEUDO)]
    if wards is not None:
        rows = rows[rows[schema.AREA_NAME].isin(wards)]
    return pd.DataFrame({"Ward": rows[schema.AREA_NAME].astype(str).to_numpy(),
                         noun.capitalize(): [_count(v) for v in rows["n"]]})
