"""Render one report section as a self-contained HTML page (images as data URIs, print CSS)."""

from __future__ import annotations

import base64
from importlib import resources
from typing import Any

__all__ = ["render_html"]


def _env() -> Any:
    import jinja2

    # autoescape: area names and sentences come from data; they are text, never markup
    return jinja2.Environment(
        loader=jinja2.PackageLoader("hotspots.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False,
    )


def render_html(pack: Any, section: Any) -> str:
    """Return the HTML page of ``section`` of ``pack``: offline, A4 print CSS, accessible.

    Parameters
    ----------
    pack : CommitteePack
    section : Section

    Returns
    -------
    str
        A complete HTML document; every image is an embedded PNG (``data:`` URI) with alt text.

    Examples
    --------
    >>> html = render_html(pack, pack.sections[0])  # doctest: +SKIP
    """
    css = resources.files("hotspots.report").joinpath("templates/report.css").read_text(
        encoding="utf-8")
    figures = [{"src": "data:image/png;base64," + base64.b64encode(f.png).decode("ascii"),
                "alt": f.alt, "caption": f.caption} for f in section.figures]
    people_rows = (section.people.astype(str).values.tolist()
                   if section.people is not None and len(section.people) else [])
    k = pack.k
    return _env().get_template("report.html.j2").render(
        section=section, method=pack.method, marking=pack.marking, contact=pack.contact,
        before=pack.before, after=pack.after, css=css, figures=figures,
        rows=section.table.astype(str).values.tolist(), people_rows=people_rows,
        noun=pack.method.get("noun", "offences"),
        suppression_short=(f"\u201c<{k}\u201d: a count from 1 to {k - 1}; \u201c[c]\u201d: "
                           "hidden so that small counts cannot be worked out."),
    )
