"""The model of a release: the cells of its tables and the relations a reader can write down.

Used by :class:`hotspots.privacy.Release` (see its module for what the relations are).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.privacy._model import Model
from hotspots.privacy.suppress import _counts

__all__ = ["Entry", "build_model", "group_keys", "single_relation"]

_PSEUDO = (schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION)


@dataclass
class Entry:
    """One table of a release: what its rows and count columns are."""

    name: str
    table: pd.DataFrame
    level: str
    by: list[str]
    periods: dict[str, str]  # count column -> period label
    share_columns: list[str]
    area_column: str
    cells: dict[str, np.ndarray] | None = None  # count column -> cell index per row


def build_model(entries: list[Entry], areas: Any, unsplit_known: bool) -> Model:
    """Make the model of the tables ``entries``: their cells and every relation between them.

    Sets ``entry.cells`` (count column -> cell index per row) on each entry.
    """
    model = Model()
    groups: dict[tuple[str, str, tuple], dict[str, int]] = defaultdict(dict)
    for e in entries:
        names = e.table[e.area_column].astype(str).to_numpy()
        group = group_keys(e.table, e.by)
        e.cells = {}
        for col, period in e.periods.items():
            values = _counts(e.table, col)
            idx = np.empty(len(values), dtype=np.int64)
            for r, (a, g, v) in enumerate(zip(names, group, values, strict=True)):
                key = ("cell", period, e.level, g, a)
                idx[r] = model.cell(key, v, _label(a, e.level, period, g))
                groups[(period, e.level, g)][a] = idx[r]
            e.cells[col] = idx
    _relate_splits(model, groups, unsplit_known)
    _relate_totals(model, groups)
    _relate_levels(model, groups, areas)
    model.reset_status()
    return model

def _relate_splits(model: Model, groups: dict, unsplit_known: bool) -> None:
    """Relate the ``by`` groups of an area to its unsplit count, group totals to the total."""
    split: dict[tuple[str, str, tuple], dict[tuple, dict[str, int]]] = defaultdict(dict)
    for (period, level, g), cells in list(groups.items()):
        if g:
            split[(period, level, tuple(c for c, _ in g))][g] = cells
    for (period, level, _cols), by_group in split.items():
        names = list(dict.fromkeys(a for cells in by_group.values() for a in cells))
        values = np.asarray(model.values)
        for a in names:
            parts = [cells[a] for cells in by_group.values() if a in cells]
            total = int(values[parts].sum())
            key = ("cell", period, level, (), a)
            if model.find(key) is None and not unsplit_known:
                continue  # the unsplit count is not published: nothing to relate
            i = model.cell(key, total, _label(a, level, period, ()),
                           known=unsplit_known)
            groups[(period, level, ())].setdefault(a, i)
            model.relate(f"{a} ({level}, {period}): its groups add up to it",
                         [i, *parts], [1.0] + [-1.0] * len(parts))

def _relate_totals(model: Model, groups: dict) -> None:
    """Relate the areas of each period, level and group to their known total."""
    values = np.asarray(model.values)
    by_period: dict[tuple[str, tuple], int] = {}
    for (period, level, g), cells in list(groups.items()):
        parts = list(cells.values())
        total = int(values[parts].sum())
        group_text = f", {_group_text(g)}" if g else ""
        t = model.cell(("total", period, g), total, f"the total of {period}{group_text}",
                       known=True)
        by_period[(period, g)] = t
        model.relate(f"{level} table {period}{group_text}: the areas add up to the total",
                     [t, *parts], [1.0] + [-1.0] * len(parts))
    grand: dict[tuple[str, tuple], list[int]] = defaultdict(list)
    for (period, g), t in by_period.items():
        if g:
            grand[(period, tuple(c for c, _ in g))].append(t)
    for (period, _cols), parts in grand.items():
        total = int(np.asarray(model.values)[parts].sum())
        t = model.cell(("total", period, ()), total, f"the total of {period}", known=True)
        model.relate(f"{period}: the group totals add up to the total",
                     [t, *parts], [1.0] + [-1.0] * len(parts))

def _relate_levels(model: Model, groups: dict, areas: Any) -> None:
    """Relate each higher area to the sum of the lower areas the lookup puts in it."""
    levels = {level for (_, level, _) in groups}
    if len(levels) < 2:
        return
    if areas is None or not hasattr(areas, "lookup"):
        raise ValueError("Release: tables at several levels need areas= (the AreaSet they "
                         "were made with), so the nesting of the levels is known.")
    names = list(areas.level_names)
    lowest = names[0]
    lookup = areas.lookup
    for higher in names[1:]:
        if lowest not in levels or higher not in levels:
            continue
        parent = dict(zip(lookup[schema.area_name_column(lowest)].astype(str),
                          lookup[schema.area_name_column(higher)].astype(object),
                          strict=True))
        parent.update({p: p for p in _PSEUDO})
        for (period, level, g), high_cells in list(groups.items()):
            if level != higher or (period, lowest, g) not in groups:
                continue
            low_cells = groups[(period, lowest, g)]
            children: dict[str, list[int]] = defaultdict(list)
            for a, i in low_cells.items():
                p = parent.get(a)
                if p is not None and not pd.isna(p):
                    children[str(p)].append(i)
            values = np.asarray(model.values)
            for h, i in high_cells.items():
                parts = children.get(h)
                if not parts:
                    continue
                name = (f"{h} ({higher}, {period}{_group_suffix(g)}) = the sum of its "
                        f"{lowest}s")
                if values[i] != values[parts].sum():
                    # incidents in slivers where the levels do not quite nest: a reader
                    # cannot know by how much the sum is off, so no exact relation
                    model.approximate.append(name)
                    continue
                model.relate(name, [i, *parts], [1.0] + [-1.0] * len(parts))


def group_keys(table: pd.DataFrame, by: list[str]) -> list[tuple]:
    if not by:
        return [()] * len(table)
    cols = [table[c].astype(object).where(table[c].notna(), "Not recorded").astype(str)
            for c in by]
    return [tuple(zip(by, vals, strict=True)) for vals in zip(*cols, strict=True)]


def _group_text(g: tuple) -> str:
    return ", ".join(f"{c} {v}" for c, v in g)


def _group_suffix(g: tuple) -> str:
    return f", {_group_text(g)}" if g else ""


def _label(area: str, level: str, period: str, g: tuple) -> str:
    return f"{area} ({level}, {period}{_group_suffix(g)})"


def single_relation(coefs: np.ndarray, rhs: float, lo: np.ndarray,
                     hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each variable from one equation ``coefs @ x = rhs`` and its bounds."""
    t_lo = np.where(coefs > 0, coefs * lo, coefs * hi)
    t_hi = np.where(coefs > 0, coefs * hi, coefs * lo)
    with np.errstate(invalid="ignore"):
        lo_fin = np.where(np.isinf(t_lo), 0.0, t_lo)
        hi_fin = np.where(np.isinf(t_hi), 0.0, t_hi)
        n_lo_inf = np.isinf(t_lo).sum() - np.isinf(t_lo)
        n_hi_inf = np.isinf(t_hi).sum() - np.isinf(t_hi)
        rest_lo = np.where(n_lo_inf > 0, -math.inf, lo_fin.sum() - lo_fin)
        rest_hi = np.where(n_hi_inf > 0, math.inf, hi_fin.sum() - hi_fin)
        a = (rhs - rest_hi) / coefs
        b = (rhs - rest_lo) / coefs
    new_lo = np.maximum(lo, np.minimum(a, b))
    new_hi = np.minimum(hi, np.maximum(a, b))
    return np.ceil(new_lo - 1e-9), np.floor(new_hi + 1e-9)
