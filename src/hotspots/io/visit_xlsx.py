"""The visit-plan workbook, laid out for the officers who print it and fill it in.

:func:`hotspots.io.write.write_visit_plan` calls :func:`write_plan_workbook`. Compared with a
plain table export, the workbook:

- shows numbers as people read them (scores to one decimal, distances in whole metres with
  thousands separators, dates as "02 Mar 2021"), while the cells keep numbers, not text;
- has an autofilter on every sheet and a frozen header row (and the first columns of the
  visits sheet, so the premises stays in view when scrolling right);
- prints on A4 landscape, fitted to the page width, with the header row repeated on every
  page and "page n of m" in the footer;
- ends the visits sheet with three columns to fill in: ``visited`` (a date), ``outcome``
  (a drop-down of :data:`hotspots.io.visits.VISIT_OUTCOMES`) and ``notes``. Filled in, the
  sheet is a visit log: ``read_visit_log("plan.xlsx", sheet="visits")`` reads it back.

Text from data that starts with "=" is stored as text, never as a formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspots.io.atomic import atomic_path
from hotspots.io.visits import VISIT_OUTCOMES

__all__ = ["FILL_IN_COLUMNS", "NUMBER_FORMATS", "write_plan_workbook"]

#: The columns officers fill in, appended to the visits sheet.
FILL_IN_COLUMNS = ("visited", "outcome", "notes")

#: Excel number format by column name (columns not listed keep the general format).
NUMBER_FORMATS: dict[str, str] = {
    "operation": "0", "order": "0", "rank": "0", "best_rank": "0", "n_visits": "0",
    "n_incidents": "0", "n_linked": "0.##", "score": "0.0", "visit_factor": "0.0#",
    "leg_distance_m": "#,##0", "span_m": "#,##0", "route_length_m": "#,##0",
    "easting": "0", "northing": "0", "longitude": "0.000000", "latitude": "0.000000",
    "rating_date": "dd mmm yyyy", "last_visit": "dd mmm yyyy", "visited": "dd mmm yyyy hh:mm",
}
#: Decimals kept in the cell values themselves (display rounding alone would leave
#: 75.07063847814769 in the cell, and in every copy pasted from it).
_ROUND = {"score": 2, "visit_factor": 2, "leg_distance_m": 0, "span_m": 0,
          "route_length_m": 0, "n_linked": 2}
_WIDTH = {"reasons": 60, "premises": 60, "notes": 40, "address": 30, "name": 28,
          "agencies": 28, "time_window": 28, "outcome": 22, "visited": 17}
# visits: keep operation, order, rank, id and name in view when scrolling right
_FREEZE = {"visits": "F2"}


def _cell(value: Any) -> Any:
    """Convert to a value openpyxl can store (NA -> empty, numpy -> Python)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, (list, tuple, dict, set)):
        return str(value)
    return value


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col, decimals in _ROUND.items():
        if col in out.columns and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(decimals)
    return out


def _sheet(wb: Any, name: str, frame: pd.DataFrame, title: str) -> Any:
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    ws = wb.create_sheet(title=name[:31])
    columns = [str(c) for c in frame.columns]
    ws.append(columns)
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    for k, col in enumerate(columns, start=1):
        letter = get_column_letter(k)
        fmt = NUMBER_FORMATS.get(col)
        values = frame.iloc[:, k - 1]
        longest = max([len(col), *(min(len(str(v)), 60) for v in values if isinstance(v, str))])
        ws.column_dimensions[letter].width = _WIDTH.get(col, max(8, min(longest + 2, 40)))
        for cell in ws[letter][1:]:
            if fmt:
                cell.number_format = fmt
            cell.alignment = wrap
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = TYPE_STRING  # text from data, never a formula
    # header cells come from data too (column names of the input files)
    for cell in ws[1]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = TYPE_STRING
    last = get_column_letter(max(1, len(columns)))
    ws.auto_filter.ref = f"A1:{last}{max(1, ws.max_row)}"
    ws.freeze_panes = _FREEZE.get(name, "A2")
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.center.text = title.replace("&", "&&")
    ws.oddFooter.center.text = "Page &P of &N"
    return ws


def _add_fill_in(ws: Any, n_rows: int) -> None:
    """Date and drop-down validation on the columns officers fill in."""
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    header = [c.value for c in ws[1]]
    last_row = max(2, n_rows + 1)
    yellow = PatternFill("solid", fgColor="FFF7CC")
    for col in FILL_IN_COLUMNS:
        letter = get_column_letter(header.index(col) + 1)
        for cell in ws[letter][1:last_row]:
            cell.fill = yellow
    visited = get_column_letter(header.index("visited") + 1)
    dv_date = DataValidation(type="date", operator="greaterThan", formula1="36526",
                             allow_blank=True, showErrorMessage=True,
                             errorTitle="Visit date", error="Enter the date of the visit.")
    dv_date.add(f"{visited}2:{visited}{last_row}")
    outcome = get_column_letter(header.index("outcome") + 1)
    choices = ",".join(VISIT_OUTCOMES)
    dv_outcome = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                showErrorMessage=True, errorTitle="Outcome",
                                error="Choose an outcome from the list.")
    dv_outcome.add(f"{outcome}2:{outcome}{last_row}")
    ws.add_data_validation(dv_date)
    ws.add_data_validation(dv_outcome)


def write_plan_workbook(path: Path, visits: pd.DataFrame, operations: pd.DataFrame,
                        manifest_rows: list[tuple[str, str]] | None,
                        title: str = "Premises visit plan") -> Path:
    """Write the visit-plan workbook (visits, operations, manifest) atomically.

    Parameters
    ----------
    path : pathlib.Path
        The ``.xlsx`` file.
    visits, operations : pandas.DataFrame
        Flat tables (no geometry column) of the plan.
    manifest_rows : list of (str, str), optional
        Key/value rows of the run manifest, written to a ``manifest`` sheet.
    title : str
        Printed in the page header.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"operation": [1], "order": [1], "rank": [1],
    ...                        "premises_id": ["A1"], "name": ["The Crown"],
    ...                        "score": [75.07063847814769]})
    >>> ops = pd.DataFrame({"operation": [1], "n_visits": [1]})
    >>> write_plan_workbook(Path("plan.xlsx"), visits, ops, None)  # doctest: +SKIP
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    table = _prepare(visits)
    for col in FILL_IN_COLUMNS:
        if col in table.columns:  # a plan read back and written again: keep what was filled
            continue
        table[col] = pd.Series([None] * len(table), dtype=object)
    ws = _sheet(wb, "visits", table, title)
    _add_fill_in(ws, len(table))
    _sheet(wb, "operations", _prepare(operations), title)
    if manifest_rows is not None:
        ws = _sheet(wb, "manifest", pd.DataFrame(manifest_rows, columns=["key", "value"]),
                    title)
        ws.column_dimensions["B"].width = 80
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def manifest_title(manifest: Mapping[str, Any] | None) -> str:
    """Return the page header: "Premises visit plan", with the data period when recorded.

    Parameters
    ----------
    manifest : mapping, optional
        The run manifest (``data_period`` is a label or a mapping with ``label``).

    Returns
    -------
    str

    Examples
    --------
    >>> manifest_title({"data_period": {"label": "2019"}})
    'Premises visit plan, data 2019'
    """
    period = (manifest or {}).get("data_period")
    if isinstance(period, Mapping):
        period = period.get("label") or (
            f"{period.get('start')} to {period.get('end')}" if period.get("start") else None)
    return f"Premises visit plan, data {period}" if period else "Premises visit plan"
