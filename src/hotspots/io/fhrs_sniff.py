"""Recognise FSA food hygiene rating (FHRS) data by its content, whatever its name.

:func:`looks_like_fhrs` lets :func:`hotspots.io.read_premises` and the command line read an
FHRS download without being told (``--fhrs``): before, FHRS JSON passed as a plain premises
file was refused as "not FHRS data" although it was.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["looks_like_fhrs"]

_HEAD = 1 << 16
# the JSON API and the XML name every establishment's FHRSID and BusinessName; the flat CSV
# has them as columns of its first line
_JSON_KEYS = (re.compile(rb'"FHRSID"\s*:'), re.compile(rb'"BusinessName"\s*:'))
_XML_TAGS = (re.compile(rb"<(\w+:)?FHRSEstablishment\b"),
             re.compile(rb"<(\w+:)?EstablishmentDetail\b"))
_CSV_COLUMNS = ("fhrsid", "businessname", "businesstype")


def looks_like_fhrs(path: str | os.PathLike) -> bool:
    """Tell from the first 64 KB of a file whether it is FSA FHRS data.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    bool
        True for the ratings API JSON (an object or list whose establishments carry
        ``"FHRSID"`` and ``"BusinessName"``), the open-data XML (``<FHRSEstablishment>`` or
        ``<EstablishmentDetail>``), or a CSV whose header names ``FHRSID``, ``BusinessName``
        and ``BusinessType``; False for anything else, a folder or a missing file.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "ratings.json"
    >>> _ = f.write_text(json.dumps({"establishments": [{"FHRSID": 1, "BusinessName": "A"}]}))
    >>> looks_like_fhrs(f)
    True
    """
    p = Path(path)
    if not p.is_file():
        return False
    with p.open("rb") as fh:
        head = fh.read(_HEAD)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body[:1] in (b"{", b"["):
        return all(rx.search(head) for rx in _JSON_KEYS)
    if body[:1] == b"<":
        return any(rx.search(head) for rx in _XML_TAGS)
    first = body.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    names = {c.strip().strip('"').casefold() for c in first.split(",")}
    return set(_CSV_COLUMNS) <= names
