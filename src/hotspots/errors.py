"""Exceptions and warnings raised by :mod:`hotspots`.

Every error the library raises on purpose is a :class:`HotspotsError`, and also the
matching built-in (``ValueError`` for bad data), so ``except ValueError`` keeps working.
Data problems that still leave usable rows are a :class:`DataQualityWarning` with counts.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CRSError",
    "DataQualityWarning",
    "EmptyDataError",
    "HotspotsError",
    "Problem",
    "PublicModeError",
    "ValidationError",
]


@dataclass(frozen=True)
class Problem:
    """One problem found while validating input.

    Attributes
    ----------
    code : str
        Short machine-readable code, e.g. ``"missing_column"`` or ``"non_numeric_coordinate"``.
    message : str
        A sentence that says what is wrong and how to fix it.
    n_rows : int
        How many rows have this problem (0 when it concerns the whole file).
    rows : tuple of int
        The first few offending rows, as spreadsheet row numbers (the header is row 1).
    column : str or None
        The column concerned, when there is one.
    file : str or None
        The file concerned, when the input came from a file.

    Examples
    --------
    >>> from hotspots.errors import Problem
    >>> print(Problem("missing_weight", "Fill the gaps.", n_rows=7, rows=(3, 9),
    ...               column="weight", file="crimes.csv"))
    [file crimes.csv; column 'weight'; 7 rows (first: 3, 9)] Fill the gaps.
    """

    code: str
    message: str
    n_rows: int = 0
    rows: tuple[int, ...] = ()
    column: str | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = f" (first: {shown})" if self.n_rows > len(self.rows) else f" ({shown})"
            where.append(f"{self.n_rows} row{'s' if self.n_rows != 1 else ''}{more}")
        prefix = f"[{'; '.join(where)}] " if where else ""
        return f"{prefix}{self.message}"


class HotspotsError(Exception):
    """Base class of every error raised on purpose by :mod:`hotspots`."""


class ValidationError(HotspotsError, ValueError):
    """Input data that cannot be used as given.

    Parameters
    ----------
    problems : list of Problem
        Every problem found; all are reported together rather than the first one alone.
    context : str, optional
        What was being read or checked, e.g. the file name, used as the message's first line.

    Examples
    --------
    >>> from hotspots.errors import Problem, ValidationError
    >>> err = ValidationError([Problem("a", "First."), Problem("b", "Second.", column="x")],
    ...                       context="crimes.csv")
    >>> print(err)
    crimes.csv: 2 problems found:
      - First.
      - [column 'x'] Second.
    >>> isinstance(err, ValueError), [p.code for p in err.problems]
    (True, ['a', 'b'])
    """

    def __init__(self, problems: list[Problem] | Problem, context: str | None = None) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.context = context
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.context}: " if self.context else ""
        if len(self.problems) == 1:
            return f"{head}{self.problems[0]}"
        lines = [f"{head}{len(self.problems)} problems found:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class CRSError(ValidationError):
    """Coordinates whose reference system is missing, wrong or cannot be told apart."""


class EmptyDataError(ValidationError):
    """No rows left to work with (an empty file, or every row removed by an earlier step)."""


class PublicModeError(HotspotsError, ValueError):
    """A public-mode output was asked to show something only restricted outputs may show.

    Raised, for example, when a public map is asked to draw incident points: public maps
    show aggregates and suppressed counts only.
    """


class DataQualityWarning(UserWarning):
    """Rows were kept or set aside because of a data problem; the message gives the counts."""
