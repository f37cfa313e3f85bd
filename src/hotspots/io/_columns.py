"""Column checks of the point readers: names for messages, case-insensitive matches, and
missing columns listed with the columns found and close spellings."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from hotspots.errors import Problem
from hotspots.io._csvfile import shorten
from hotspots.io._csvread import _Raw

__all__ = ["match_case", "missing_columns", "names"]


def names(columns: Sequence[Any], quote: bool = True, limit: int = 30) -> str:
    """Column names for a message: each cut short, at most ``limit`` of them.

    With ``quote=False`` (files of personal data) a name holding a digit is not shown: in a
    file without a header row, the "names" are the first record's values.
    """
    names = [str(c) for c in columns]
    shown = [shorten(c, 40) if quote or not any(ch.isdigit() for ch in c)
             else "(a name with digits, not shown)" for c in names[:limit]]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return (", ".join(shown) + more) or "(none)"


def match_case(raw: _Raw, wanted: Sequence[str]) -> list[tuple[str, str]]:
    """Rename columns that differ from a wanted name only by case or spacing.

    Returns the ``(found, wanted)`` pairs renamed; a name matched by two columns is left
    alone (the missing-column error then lists both).
    """
    columns = [str(c) for c in raw.data.columns]
    norm = [" ".join(c.split()).casefold() for c in columns]
    renamed = []
    for want in wanted:
        if want in columns:
            continue
        key = " ".join(want.split()).casefold()
        hits = [c for c, k in zip(columns, norm, strict=True) if k == key]
        if len(hits) == 1:
            renamed.append((hits[0], want))
    if renamed:
        raw.data = raw.data.rename(columns=dict(renamed))
    return renamed


def missing_columns(columns: Sequence[str], wanted: Mapping[str, str],
                     file: str | None, quote: bool = True) -> list[Problem]:
    """One problem per missing column, listing the columns found and close matches."""
    problems = []
    found = names(columns, quote)
    lower = {c.lower(): c for c in columns}
    for arg, col in wanted.items():
        if col in columns:
            continue
        close = ([lower[col.lower()]] if col.lower() in lower
                 else difflib.get_close_matches(col, list(columns), n=3, cutoff=0.6))
        hint = (f" Did you mean {' or '.join(shorten(c, 40) for c in close)}?"
                if close else "")
        given = f" (given as {arg}=)" if arg != col else ""
        problems.append(Problem(
            "missing_column",
            f"column {col!r}{given} was not found.{hint} Columns found: {found}.",
            column=col, file=file))
    return problems


