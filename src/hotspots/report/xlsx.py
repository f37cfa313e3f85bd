"""The committee workbook: one formatted sheet per report and a notes sheet, written atomically.

Counts are whole numbers (``#,##0``), changes in percent are percentages (``0%``), rates
have one decimal; suppressed cells keep their label ("<5", "[c]") as text. Each sheet has a
frozen header, an autofilter and a landscape, fit-to-width print setup.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["write_pack_xlsx"]

_NUMBER = re.compile(r"^[+\u2212-]?[\d,]+(\.\d+)?%?$")


def _value(text: str) -> tuple[Any, str | None]:
    """Turn a printed cell back into (number, format); labels and dashes stay text."""
    t = str(text).strip()
    if not _NUMBER.match(t):
        return t, None
    percent = t.endswith("%")
    num = float(t.rstrip("%").replace(",", "").replace("\u2212", "-"))
    if percent:
        return num / 100, "0%"
    if num.is_integer() and "." not in t:
        return int(num), "#,##0"
    return num, "0.0"


def _sheet(wb: Any, title: str, frame: Any, caption: str) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=title[:31])
    ws.append([str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for row in frame.astype(str).itertuples(index=False, name=None):
        values = [row[0]] + [_value(v)[0] for v in row[1:]]
        ws.append(values)
        r = ws.max_row
        for j, v in enumerate(row[1:], start=2):
            fmt = _value(v)[1]
            cell = ws.cell(row=r, column=j)
            if fmt:
                cell.number_format = fmt
            else:
                cell.alignment = Alignment(horizontal="right")
    for j, col in enumerate(frame.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:, j - 1]])
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 2), 40)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.oddHeader.center.text = caption[:250]


def write_pack_xlsx(pack: Any, path: str | Path) -> Path:
    """Write the pack's tables to one formatted workbook.

    Parameters
    ----------
    pack : CommitteePack
    path : str or Path
        ``.xlsx``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> write_pack_xlsx(pack, "committee.xlsx")  # doctest: +SKIP
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from hotspots.io.atomic import atomic_path

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for s in pack.sections:
        title = _unique(s.name.replace("district summary", "summary"), used)
        _sheet(wb, title, s.table, f"{pack.marking}: {s.table_caption}")
        if s.people is not None and len(s.people):
            _sheet(wb, _unique(f"{title[:24]} people", used), s.people,
                   f"{pack.marking}: {s.people_caption}")
    notes = wb.create_sheet("Notes")
    m = pack.method
    rows = [
        ("Marking", pack.marking), ("Contact", pack.contact or "(fill in)"),
        ("Title", m["title"]),
        ("Period before", f"{m['before']['label']}: {m['before']['start']} to "
                          f"{m['before']['end']}"),
        ("Period after", f"{m['after']['label']}: {m['after']['start']} to {m['after']['end']}"),
        ("Boundaries", m["boundaries"]), ("Constituencies", m["constituency_rule"]),
        ("Outside the district", m.get("outside") or "none"),
        ("Suppression rule", m["suppression"]),
        ("Disclosure audit", "passed" if m["audit_passed"] else "FAILED"),
        ("Significance", m["significant"]),
    ]
    rows += [(f"Source: {f['name']}", f"SHA-256 {f['sha256']}") for f in m["inputs"]]
    rows += [("Boundary file", f["name"]) for f in m["boundary_files"]]
    rows += [("hotspots version", m["hotspots_version"]), ("Made", m["run_time"])]
    notes.append(["Item", "Value"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for r in rows:
        notes.append([str(r[0]), str(r[1])])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 110
    notes.page_setup.orientation = "landscape"
    notes.freeze_panes = "A2"
    p = Path(path)
    with atomic_path(p) as tmp:
        wb.save(tmp)
    return p


def _unique(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:31]
    name, i = base, 2
    while name in used:
        name = f"{base[:28]} {i}"
        i += 1
    used.add(name)
    return name
