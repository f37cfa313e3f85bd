"""The parts of a committee pack: a :class:`Section` (one report) and its :class:`Figure`.

Built by :mod:`hotspots.report.sections`, gathered by :func:`hotspots.report.committee_report`
into a :class:`~hotspots.report.CommitteePack`, rendered by :mod:`hotspots.report.html`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Figure", "Section"]


@dataclass
class Figure:
    """One picture of a report: PNG and SVG bytes, alt text and caption."""

    name: str
    png: bytes
    svg: bytes
    alt: str
    caption: str


@dataclass
class Section:
    """One report: a constituency, or the district summary.

    Examples
    --------
    Sections are built by :func:`hotspots.report.committee_report`; their tables hold the
    printed (already suppressed) text:

    >>> from hotspots.report import Section
    >>> section = Section(
    ...     name="Keighley", kind="constituency", findings=["120 offences in 2018/19."],
    ...     table=pd.DataFrame({"Ward": ["Keighley Central", "Worth Valley"],
    ...                         "2018/19": ["97", "<5"]}),
    ...     table_caption="Offences by ward")
    >>> section.table
                   Ward 2018/19
    0  Keighley Central      97
    1      Worth Valley      <5
    >>> section.figures
    []
    """

    name: str
    kind: str  # "constituency" or "district"
    findings: list[str]
    table: pd.DataFrame  # printed ward (or constituency) table: text cells, suppressed
    table_caption: str
    figures: list[Figure] = field(default_factory=list)
    people: pd.DataFrame | None = None
    people_caption: str = ""
