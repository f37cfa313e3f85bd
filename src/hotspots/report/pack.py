"""Write a committee pack: HTML, PDF, PNG/SVG pictures, the workbook and a manifest.

Nothing is written when the pack's release fails its disclosure audit
(:class:`~hotspots.errors.PublicModeError`); every file is written atomically, and the
manifest records the audit and the SHA-256 of every file of the pack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hotspots.errors import PublicModeError
from hotspots.io.atomic import atomic_path, atomic_write_text
from hotspots.io.write import file_sha256
from hotspots.report.html import render_html
from hotspots.report.pdf import html_to_pdf
from hotspots.report.xlsx import write_pack_xlsx

__all__ = ["slug", "write_pack"]


def slug(name: str) -> str:
    """Return a file-name-safe form of a section name ("Bradford East" -> "bradford-east")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "report"


def write_pack(pack: Any, out_dir: str | Path, *, pdf: bool | str = "auto",
               xlsx: bool = True) -> list[Path]:
    """Write every report of ``pack`` into ``out_dir``.

    Parameters
    ----------
    pack : CommitteePack
        From :func:`hotspots.report.committee_report`.
    out_dir : str or Path
        Created if needed. Per section: ``<slug>.html``, ``<slug>.pdf``, and
        ``<slug>-<figure>.png``/``.svg``; then ``committee-tables.xlsx`` and
        ``manifest.json``.
    pdf : bool or "auto", default "auto"
        Print each page to PDF with Chromium (:mod:`hotspots.report.pdf`). ``"auto"``: when
        Playwright and a Chromium are present (the manifest says why not otherwise);
        ``True``: fail without them.
    xlsx : bool, default True
        Write the workbook.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    hotspots.errors.PublicModeError
        When the release fails its disclosure audit: nothing is written.
    RuntimeError
        ``pdf=True`` and no PDF could be made.

    Examples
    --------
    >>> write_pack(pack, "committee")  # doctest: +SKIP

    Nothing is written for a pack that has not passed its disclosure audit:

    >>> from pathlib import Path
    >>> from hotspots.privacy import Release
    >>> from hotspots.report import CommitteePack, write_pack
    >>> unaudited = CommitteePack(sections=[], release=Release(5), method={},
    ...                           marking="OFFICIAL", contact="", before="2017/18",
    ...                           after="2018/19", k=5)
    >>> write_pack(unaudited, "committee")
    Traceback (most recent call last):
    ...
    hotspots.errors.PublicModeError: The committee pack fails its disclosure audit; nothing...
    >>> Path("committee").exists()
    False
    """
    audit = pack.release.audit_result
    if audit is None or not audit.passed:
        failures = list(getattr(audit, "failures", []) or ["(not audited)"])
        raise PublicModeError("The committee pack fails its disclosure audit; nothing is "
                              "written. A reader could work out:\n  - "
                              + "\n  - ".join(map(str, failures[:5])))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pages: list[tuple[Path, Path]] = []
    for section in pack.sections:
        name = slug(section.name)
        for fig in section.figures:
            for ext, data in (("png", fig.png), ("svg", fig.svg)):
                p = out / f"{name}-{fig.name}.{ext}"
                with atomic_path(p) as tmp:
                    tmp.write_bytes(data)
                written.append(p)
        html_path = atomic_write_text(out / f"{name}.html", render_html(pack, section))
        written.append(html_path)
        pages.append((html_path, out / f"{name}.pdf"))
    if xlsx:
        written.append(write_pack_xlsx(pack, out / "committee-tables.xlsx"))
    pdf_note = None
    if pdf:
        pdf_note = html_to_pdf(pages)
        if pdf_note is None:
            written += [p for _, p in pages]
        elif pdf is True:
            raise RuntimeError(f"No PDF was written: {pdf_note}.")
    else:
        pdf_note = "not requested"
    summary = audit.to_dict()
    summary.pop("cells", None)
    manifest = {
        "description": pack.method["title"], "marking": pack.marking,
        "periods": {"before": pack.method["before"], "after": pack.method["after"]},
        "boundaries": pack.method["boundaries"], "suppression_k": pack.k,
        "suppression_rule": pack.method["suppression"],
        "disclosure_audit": summary, "release_tables": sorted(pack.release.tables),
        "inputs": pack.method["inputs"], "pdf": pdf_note or "written with Chromium",
        "hotspots_version": pack.method["hotspots_version"],
        "run_time": pack.method["run_time"],
        "files": [{"name": p.name, "sha256": file_sha256(p)} for p in written],
    }
    written.append(atomic_write_text(out / "manifest.json",
                                     json.dumps(manifest, indent=2, default=str) + "\n"))
    return written
