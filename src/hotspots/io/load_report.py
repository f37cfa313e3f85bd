"""The load report every reader attaches to what it returns.

A :class:`LoadReport` accounts for every input row: it was kept with a location, kept with
an unknown location, rejected (with a reason), or removed as a duplicate, and

    rows_read == located + unknown_location + rejected + duplicates_removed

always holds (checked when the report is built). Rows that were kept but have a problem
(a date that did not parse, coordinates ``(0, 0)``) are listed under ``flagged``.

Readers store it as ``frame.attrs["hotspots"]["load"]``. Other readers (premises, missing
episodes) build the same report, usually through :class:`hotspots.io._table.TableRows`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

__all__ = ["FileRecord", "LoadReport", "RowIssue"]

#: how many (file, row) examples a report keeps per reason
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class FileRecord:
    """One file that was read.

    Attributes
    ----------
    name : str
        File name (no folder), as shown in messages.
    rows : int
        Data rows in the file (the header and empty lines not counted).
    sha256 : str or None
        Hex SHA-256 of the file's bytes (``None`` for in-memory frames).
    path : str or None
        The path as given.
    """

    name: str
    rows: int
    sha256: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class RowIssue:
    """Rows sharing one problem: how many, which (the first few) and why.

    Attributes
    ----------
    label : str
        Short human label, e.g. ``"non-numeric coordinates"``.
    count : int
        Number of rows.
    rows : tuple of (str or None, int)
        The first few rows as ``(file name, spreadsheet row number)``; the header is row 1.
        The file is ``None`` when the input was a DataFrame.
    message : str
        A sentence explaining the problem and what was done.
    column : str or None
        The column concerned, if any.
    """

    label: str
    count: int
    rows: tuple[tuple[str | None, int], ...] = ()
    message: str = ""
    column: str | None = None

    def rows_text(self) -> str:
        """Return the example rows as text, e.g. ``"a.csv rows 3, 7; b.csv row 2"``."""
        return _rows_text(self.rows, self.count)

    def merged(self, other: RowIssue) -> RowIssue:
        """Combine two issues with the same code (counts added, examples kept in order).

        Both messages are kept when they differ: a message can hold its own rows' counts
        ("2 with 'Latitude' only"), and the first one alone would misstate the total.
        """
        if not other.message or other.message in self.message.split("\n"):
            message = self.message
        elif not self.message:
            message = other.message
        else:
            message = f"{self.message}\n{other.message}"
        return replace(
            self,
            count=self.count + other.count,
            rows=(self.rows + other.rows)[:MAX_EXAMPLES],
            message=message,
        )


def _rows_text(rows: Iterable[tuple[str | None, int]], count: int) -> str:
    groups: dict[str | None, list[int]] = {}
    for f, r in rows:
        groups.setdefault(f, []).append(int(r))
    parts = []
    for f, rs in groups.items():
        word = "row" if len(rs) == 1 else "rows"
        nums = ", ".join(str(r) for r in rs)
        parts.append(f"{f} {word} {nums}" if f else f"{word} {nums}")
    text = "; ".join(parts)
    shown = sum(len(v) for v in groups.values())
    if text and count > shown:
        text = f"first: {text}"
    return text


def _num(n: int) -> str:
    return f"{n:,}"


@dataclass
class LoadReport:
    """What happened to every row a reader read.

    Attributes
    ----------
    source : str
        What was read, e.g. ``"36 police.uk street-level CSV files"``.
    rows_read : int
        Data rows read from all files (empty lines are not rows).
    located : int
        Rows kept with a location in Great Britain.
    unknown_location : int
        Rows kept without a location (empty geometry, ``location_status="unknown"``).
    rejected : dict of str to RowIssue
        Rows set aside, by reason code (e.g. ``"non_numeric_coordinate"``).
    duplicates_removed : int
        Rows removed as duplicates of an earlier row.
    duplicates_detail : str
        How duplicates were defined, e.g. ``"same 'id' (83 ids appeared twice)"``.
    duplicate_rows : tuple of (str or None, int)
        The first few removed duplicate rows.
    files : list of FileRecord
        The files read, in order.
    flagged : dict of str to RowIssue
        Rows that were *kept* with a problem (dates that did not parse, dates in the future,
        coordinates ``(0, 0)`` treated as unknown, ...).
    notes : list of str
        Choices made and facts worth knowing (detected CRS, repeated ids kept, ...).
    warnings : list of str
        The text of every :class:`~hotspots.errors.DataQualityWarning` issued while reading.

    Raises
    ------
    AssertionError
        On construction, when ``rows_read`` differs from located + unknown + rejected +
        duplicates removed: a reader lost or invented rows, which is a bug.

    Examples
    --------
    Readers build the report; it balances or refuses to exist.

    >>> import pandas as pd
    >>> from hotspots.io import read_incidents
    >>> inc = read_incidents(pd.DataFrame({"lon": [-1.75, None], "lat": [53.79, None]}),
    ...                      x="lon", y="lat")
    >>> report = inc.attrs["hotspots"]["load"]
    >>> report.rows_read, report.located, report.unknown_location
    (2, 1, 1)
    """

    source: str
    rows_read: int
    located: int
    unknown_location: int
    rejected: dict[str, RowIssue] = field(default_factory=dict)
    duplicates_removed: int = 0
    duplicates_detail: str = ""
    duplicate_rows: tuple[tuple[str | None, int], ...] = ()
    files: list[FileRecord] = field(default_factory=list)
    flagged: dict[str, RowIssue] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.check()

    # --- accounting -------------------------------------------------------------------
    @property
    def rejected_total(self) -> int:
        """Rows rejected, all reasons together."""
        return sum(issue.count for issue in self.rejected.values())

    @property
    def kept(self) -> int:
        """Rows in the returned frame (located + unknown location)."""
        return self.located + self.unknown_location

    def check(self) -> None:
        """Check that every row read is accounted for exactly once.

        Raises
        ------
        AssertionError
            When a count is negative or rows_read != located + unknown_location + rejected +
            duplicates_removed; the message gives every term.
        """
        counts = {"rows_read": self.rows_read, "located": self.located,
                  "unknown_location": self.unknown_location,
                  "duplicates_removed": self.duplicates_removed}
        for name, value in counts.items():
            if value < 0:
                raise AssertionError(
                    f"LoadReport for {self.source}: {name} is negative ({value}).")
        total = (self.located + self.unknown_location + self.rejected_total
                 + self.duplicates_removed)
        if total != self.rows_read:
            raise AssertionError(
                f"LoadReport for {self.source} does not balance: rows read ({self.rows_read}) "
                f"!= located ({self.located}) + unknown location ({self.unknown_location}) + "
                f"rejected ({self.rejected_total}) + duplicates removed "
                f"({self.duplicates_removed}) = {total}."
            )

    @classmethod
    def combine(cls, reports: Iterable[LoadReport], *, source: str) -> LoadReport:
        """Add several reports together (e.g. one per file layout).

        Parameters
        ----------
        reports : iterable of LoadReport
        source : str
            Description of the combined input.

        Returns
        -------
        LoadReport
        """
        reports = list(reports)
        rejected: dict[str, RowIssue] = {}
        flagged: dict[str, RowIssue] = {}
        for rep in reports:
            for target, issues in ((rejected, rep.rejected), (flagged, rep.flagged)):
                for code, issue in issues.items():
                    target[code] = target[code].merged(issue) if code in target else issue
        details = [r.duplicates_detail for r in reports if r.duplicates_detail]
        return cls(
            source=source,
            rows_read=sum(r.rows_read for r in reports),
            located=sum(r.located for r in reports),
            unknown_location=sum(r.unknown_location for r in reports),
            rejected=rejected,
            duplicates_removed=sum(r.duplicates_removed for r in reports),
            duplicates_detail="; ".join(details),
            duplicate_rows=tuple(x for r in reports for x in r.duplicate_rows)[:MAX_EXAMPLES],
            files=[f for r in reports for f in r.files],
            flagged=flagged,
            notes=[n for r in reports for n in r.notes],
            warnings=[w for r in reports for w in r.warnings],
        )

    # --- output -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain Python (for JSON run manifests).

        Returns
        -------
        dict
            Keys as the attributes; issues as ``{code: {"label", "count", "column", "rows",
            "message"}}``, rows as ``[file, row]`` lists, files as dicts.
        """
        def issues(d: Mapping[str, RowIssue]) -> dict[str, Any]:
            return {code: {"label": i.label, "count": i.count, "column": i.column,
                           "rows": [list(r) for r in i.rows], "message": i.message}
                    for code, i in d.items()}
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "located": self.located,
            "unknown_location": self.unknown_location,
            "rejected": issues(self.rejected),
            "duplicates_removed": self.duplicates_removed,
            "duplicates_detail": self.duplicates_detail,
            "duplicate_rows": [list(r) for r in self.duplicate_rows],
            "files": [{"name": f.name, "rows": f.rows, "sha256": f.sha256, "path": f.path}
                      for f in self.files],
            "flagged": issues(self.flagged),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        """Return the report as a tidy table.

        Returns
        -------
        pandas.DataFrame
            Columns ``section`` (``"rows"``, ``"rejected"``, ``"duplicates"``, ``"flagged"``,
            ``"files"``), ``item`` (a label, reason or file name), ``count`` (int) and
            ``detail`` (example rows, hash or explanation). The ``"rows"`` section has one row
            each for rows read, located, unknown location, rejected and duplicates removed.
        """
        records: list[tuple[str, str, int, str]] = [
            ("rows", "rows read", self.rows_read, self.source),
            ("rows", "located", self.located, ""),
            ("rows", "unknown location", self.unknown_location, ""),
            ("rows", "rejected", self.rejected_total, ""),
            ("rows", "duplicates removed", self.duplicates_removed, self.duplicates_detail),
        ]
        records += [("rejected", i.label, i.count, i.rows_text()) for i in self.rejected.values()]
        if self.duplicates_removed:
            records.append(("duplicates", "duplicates removed", self.duplicates_removed,
                            _rows_text(self.duplicate_rows, self.duplicates_removed)))
        records += [("flagged", i.label, i.count, i.rows_text()) for i in self.flagged.values()]
        records += [("files", f.name, f.rows, f.sha256 or "") for f in self.files]
        frame = pd.DataFrame(records, columns=["section", "item", "count", "detail"])
        frame["count"] = frame["count"].astype("int64")
        return frame

    def _lines(self) -> list[tuple[str, int | None, str, int]]:
        """(label, count, detail, indent) lines shared by the text and HTML views."""
        lines: list[tuple[str, int | None, str, int]] = [
            ("rows read", self.rows_read, "", 0),
            ("located", self.located, "", 0),
            ("unknown location", self.unknown_location, "", 0),
            ("rejected", self.rejected_total, "", 0),
        ]
        lines += [(i.label, i.count, i.rows_text(), 1) for i in self.rejected.values()]
        lines.append(("duplicates removed", self.duplicates_removed,
                      "; ".join(x for x in (self.duplicates_detail,
                                            _rows_text(self.duplicate_rows,
                                                       self.duplicates_removed)) if x), 0))
        if self.flagged:
            lines.append(("kept with a warning", None, "", 0))
            lines += [(i.label, i.count, i.rows_text(), 1) for i in self.flagged.values()]
        return lines

    def _file_lines(self, limit: int = 10) -> list[str]:
        out = []
        for f in self.files[:limit]:
            digest = f", sha256 {f.sha256[:12]}" if f.sha256 else ""
            out.append(f"{f.name} ({_num(f.rows)} rows{digest})")
        if len(self.files) > limit:
            out.append(f"... and {len(self.files) - limit} more")
        return out

    def __repr__(self) -> str:
        lines = self._lines()
        width = max(len("  " * ind + label) for label, _, _, ind in lines)
        cwidth = max(len(_num(c)) for _, c, _, _ in lines if c is not None)
        out = [f"LoadReport: {self.source}"]
        for label, count, detail, ind in lines:
            name = ("  " * ind + label).ljust(width)
            num = _num(count).rjust(cwidth) if count is not None else " " * cwidth
            out.append(f"  {name}  {num}{'   ' + detail if detail else ''}".rstrip())
        if self.files:
            out.append(f"  files read ({len(self.files)}):")
            out += [f"    {line}" for line in self._file_lines()]
        if self.notes:
            out.append("  notes:")
            out += [f"    - {n}" for n in self.notes]
        if self.warnings:
            out.append("  warnings:")
            out += [f"    - {w}" for w in self.warnings]
        return "\n".join(out)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = []
        for label, count, detail, ind in self._lines():
            pad = "padding-left:1.5em;" if ind else "font-weight:bold;"
            num = _num(count) if count is not None else ""
            rows.append(f"<tr><td style='text-align:left;{pad}'>{esc(label)}</td>"
                        f"<td style='text-align:right'>{num}</td>"
                        f"<td style='text-align:left'>{esc(detail)}</td></tr>")
        parts = [
            "<div class='hotspots-load-report'>",
            f"<p><strong>Load report</strong>: {esc(self.source)}</p>",
            "<table><thead><tr><th style='text-align:left'></th><th>rows</th>"
            "<th style='text-align:left'>detail</th></tr></thead><tbody>",
            *rows,
            "</tbody></table>",
        ]
        for title, items in (("Files read", self._file_lines()), ("Notes", self.notes),
                             ("Warnings", self.warnings)):
            if items:
                lis = "".join(f"<li>{esc(t)}</li>" for t in items)
                n = len(self.files) if title == "Files read" else len(items)
                parts.append(f"<p>{title} ({n}):</p><ul>{lis}</ul>")
        parts.append("</div>")
        return "".join(parts)
