"""The committee pack part of ``hotspots demo``: five constituency reports and the summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotspots.report import committee_report, write_pack

__all__ = ["committee_section", "write_committee_pack"]


def committee_section(out: Path, incidents: Any, areas: Any, before: str, after: str, *,
                      release: Any = None) -> Any:
    """Build the demo's committee pack (written later by :func:`write_committee_pack`).

    Parameters
    ----------
    out : Path
        The demo's output folder (unused until the pack is written; kept for symmetry).
    incidents : geopandas.GeoDataFrame
        The demo's simulated incidents, higher levels assigned from wards.
    areas : AreaSet
    before, after : str
        The demo's periods.
    release : hotspots.privacy.Release, optional
        The demo's other public tables, not yet protected: the pack joins them and the
        whole is protected and audited once (see :func:`hotspots.report.committee_report`).

    Returns
    -------
    CommitteePack
        With its release protected and audited.

    Examples
    --------
    >>> pack = committee_section(Path("demo"), incidents, areas, "2017/18",
    ...                          "2018/19")  # doctest: +SKIP
    """
    return committee_report(incidents, areas, before=before, after=after,
                            contact="Demo: simulated data, not real offences",
                            release=release)


def write_committee_pack(pack: Any, out: Path, *,
                         echo: Callable[..., None] = lambda *_: None) -> list[Path]:
    """Write the demo's committee pack into ``out/committee`` and say so.

    Parameters
    ----------
    pack : CommitteePack
        From :func:`committee_section`.
    out : Path
        The demo's output folder.
    echo : callable
        Called with each printed line.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> write_committee_pack(pack, Path("demo"))  # doctest: +SKIP
    """
    written = write_pack(pack, out / "committee")
    pdfs = sum(p.suffix == ".pdf" for p in written)
    echo(f"\nCommittee pack: {len(pack.sections) - 1} constituency reports and the district "
         f"summary in committee/ (HTML, {pdfs} PDFs, PNG/SVG, XLSX; disclosure audit "
         "passed).")
    return written
