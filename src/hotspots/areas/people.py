"""Counting distinct people instead of rows, for ``area_counts`` and ``compare_periods``.

A child with five missing episodes is one child. Counting people means counting each
distinct pseudonym (the ``person`` column, e.g. ``child`` from
:func:`hotspots.read_missing_episodes` or :func:`hotspots.read_at_risk`) once per cell of
the table. A child whose rows fall in two areas (moved home, found in two places) is
counted in each: the cell counts are right, but they then add up to more than the number
of children, so shares of a total do not add to 1. The total is always the number of
distinct children, and how many were counted in more than one area is reported.

Rows without a person id cannot be told apart; they are left out with a warning and
counted, never guessed.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from hotspots._params import current_verb
from hotspots.errors import DataQualityWarning, Problem, ValidationError

__all__ = ["PEOPLE_NOTE", "distinct_counts", "noun_for", "person_codes"]

#: The note stored with every people count.
PEOPLE_NOTE = ("n counts distinct people; a person with rows in several areas is counted in "
               "each, so the counts can add up to more than the total and shares to more "
               "than 1")


def noun_for(person: str | None) -> str:
    """Return the plural noun for a person column ("child" -> "children", else "people")."""
    return "children" if person in ("child", "child_id", "children") else "people"


def person_codes(frame: pd.DataFrame, person: str | None,
                 caller: str | None = None) -> np.ndarray:
    """Integer code per row for ``person`` (-1 where blank), warning about blank ids.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows.
    person : str
        The person column (pseudonyms).
    caller : str, optional
        The public function, for messages; by default the verb running
        (:func:`hotspots._params.current_verb`).

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> from hotspots.areas.people import person_codes
    >>> person_codes(pd.DataFrame({"child": ["a", "b", "a"]}), "child").tolist()
    [0, 1, 0]
    """
    caller = caller or current_verb()
    if person is None:
        raise ValueError(f"{caller}(count='people') needs person=, the column that identifies "
                         "a person (e.g. person='child').")
    if person not in frame.columns:
        raise ValidationError(Problem(
            "missing_column", f"{caller}(person={person!r}): no such column. Columns found: "
            f"{', '.join(map(str, frame.columns))}.", column=person))
    values = frame[person].astype("string").str.strip().replace("", pd.NA)
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    n_blank = int((codes < 0).sum())
    if n_blank:
        # the message names the column, never a value: values are (pseudonymised) ids
        warnings.warn(f"{caller}: {n_blank} rows have no {person!r} value and cannot be "
                      "counted as people; they are left out of the people counts.",
                      DataQualityWarning, stacklevel=3)
    return codes.astype(np.int64)


def distinct_counts(bins: np.ndarray, persons: np.ndarray, n_bins: int) -> np.ndarray:
    """Distinct persons per bin: ``bins`` and ``persons`` aligned, persons < 0 ignored.

    Examples
    --------
    >>> from hotspots.areas.people import distinct_counts
    >>> distinct_counts(np.array([0, 0, 1, 1]), np.array([7, 7, 7, -1]), 2).tolist()
    [1, 1]
    """
    ok = persons >= 0
    if not ok.any():
        return np.zeros(n_bins, dtype=np.int64)
    p = persons[ok]
    width = int(p.max()) + 1
    key = np.unique(bins[ok].astype(np.int64) * width + p)
    return np.bincount(key // width, minlength=n_bins).astype(np.int64)


def people_table_counts(persons: np.ndarray, keep: np.ndarray, group: np.ndarray,
                        area_codes: np.ndarray, n_groups: int, n_cells: int
                        ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Distinct people per (group, area cell), per group, and the double-count account.

    Returns
    -------
    counts : (n_groups, n_cells) int64
    totals : (n_groups, 1) int64, distinct people in each group (all cells)
    info : dict with ``n_people``, ``n_people_in_several_areas``, ``n_rows_no_person``
    """
    sel = keep & (persons >= 0)
    g = group[sel].astype(np.int64)
    cells = g * n_cells + area_codes[sel].astype(np.int64)
    counts = distinct_counts(cells, persons[sel], n_groups * n_cells).reshape(n_groups, n_cells)
    totals = distinct_counts(g, persons[sel], n_groups).reshape(n_groups, 1)
    # people counted in more than one area cell of their group
    per_group_cells = counts.sum(axis=1)
    info = {
        "n_people": len(np.unique(persons[sel])),
        "n_people_in_several_areas": int((per_group_cells - totals[:, 0]).sum()),
        "n_rows_no_person": int((keep & (persons < 0)).sum()),
    }
    return counts, totals, info


def period_people(names: pd.Series, persons: np.ndarray, mask: np.ndarray,
                  order: list[str]) -> tuple[np.ndarray, int, int]:
    """Distinct people per area name (in ``order``), distinct people overall, and extras.

    Returns the counts, the number of distinct people in ``mask``, and how many extra
    counts come from people in more than one area.
    """
    pos = pd.Index(order).get_indexer(names.astype(str))
    sel = mask & (persons >= 0)
    if (pos[sel] < 0).any():
        unexpected = sorted(set(names[sel & (pos < 0)].astype(str)))[:5]
        raise ValueError(f"Area names {unexpected} in the incidents are not areas of this "
                         "boundary set; reassign the areas with hotspots.areas.assign_areas.")
    counts = distinct_counts(pos[sel], persons[sel], len(order))
    total = len(np.unique(persons[sel]))
    return counts, total, int(counts.sum() - total)


def people_frame(frame: pd.DataFrame, person: str | None, name_col: str, by: str | None,
                 in_b: np.ndarray, in_a: np.ndarray, caller: str | None = None
                 ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Keep one row per person, area (and ``by`` group) in each of the two periods.

    Counting the rows that remain counts distinct people per area and period. Returns the
    reduced frame (rows in neither period and rows without a person id are dropped) and
    the distinct totals: ``n_before``, ``n_after`` (people in each period, all areas),
    ``groups_before``/``groups_after`` (per ``by`` value) and the double-count account.
    """
    codes = person_codes(frame, person, caller)
    period = np.where(in_b, 0, np.where(in_a, 1, -1))
    sel = (codes >= 0) & (period >= 0)
    key = pd.DataFrame({"p": period, "c": codes, "a": frame[name_col].astype(str).to_numpy()})
    if by is not None:
        key["g"] = frame[by].astype("object").to_numpy()
    keep = sel & ~key.duplicated().to_numpy()
    out = frame.loc[keep]
    info: dict[str, Any] = {"count": "people", "person": person,
                            "n_rows_no_person": int(((codes < 0) & (period >= 0)).sum())}
    for label, p in (("before", 0), ("after", 1)):
        in_p = sel & (period == p)
        info[f"n_{label}"] = len(np.unique(codes[in_p]))
        info[f"n_people_in_several_areas_{label}"] = int(
            (keep & in_p).sum() - info[f"n_{label}"]) if by is None else None
        if by is not None:
            g = pd.DataFrame({"g": key.loc[in_p, "g"], "c": codes[in_p]})
            info[f"groups_{label}"] = g.groupby("g", dropna=False)["c"].nunique().to_dict()
    info["note"] = PEOPLE_NOTE
    return out, info


def people_shares(table: pd.DataFrame, group_rows: list[dict[str, Any]],
                  people: dict[str, Any], by: str | None
                  ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Re-base a comparison's shares (and group totals) on distinct people.

    ``share_before``/``share_after`` become the area's people over the distinct people of
    the period (and group), so they can add to more than 1; the SPPT columns still test
    the area against the rest of the cell counts.
    """
    table = table.copy()
    if by is None:
        tb = np.full(len(table), float(people["n_before"]))
        ta = np.full(len(table), float(people["n_after"]))
    else:
        gb, ga = people["groups_before"], people["groups_after"]
        tb = table[by].astype("object").map(lambda g: gb.get(g, 0)).to_numpy(dtype=float)
        ta = table[by].astype("object").map(lambda g: ga.get(g, 0)).to_numpy(dtype=float)
        for row in group_rows:
            nb, na = int(gb.get(row[by], 0)), int(ga.get(row[by], 0))
            row.update(n_before=nb, n_after=na, change=na - nb,
                       pct_change=100.0 * (na - nb) / nb if nb else float("nan"))
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share_before"] = np.where(tb > 0, table["n_before"] / tb, np.nan)
        table["share_after"] = np.where(ta > 0, table["n_after"] / ta, np.nan)
    table["share_change"] = table["share_after"] - table["share_before"]
    return table, group_rows
