"""The registry of named boundary sets: the manifest shipped with the package.

The manifest (``boundaries/manifest.json`` at the root of the repository, shipped inside the
wheel as ``hotspots/_boundaries/manifest.json``) lists, for each named set, its levels and
files (source URL pinned to a commit, SHA-256, code/name fields), its extent in EPSG:27700
(``bbox_27700``) and the licence text. It is package metadata, read here so that both
:mod:`hotspots.areas.extent` (which registered set holds these points?) and
:mod:`hotspots.io.boundaries` (which files to read) use it without importing each other.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from hotspots.errors import HotspotsError

__all__ = ["boundary_manifest", "closest_set_name", "list_boundaries"]


# --- the manifest --------------------------------------------------------------------------
def _manifest_path() -> Path:
    """Find the manifest: inside the installed package, else in the source checkout."""
    packaged = resources.files("hotspots") / "_boundaries" / "manifest.json"
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "boundaries" / "manifest.json"
    if checkout.is_file():
        return checkout
    raise HotspotsError(
        "The boundary registry (boundaries/manifest.json) is missing from this installation; "
        "reinstall hotspots, or read your own files with hotspots.read_boundaries(...)."
    )


@functools.lru_cache(maxsize=1)
def _manifest() -> dict[str, Any]:
    with _manifest_path().open(encoding="utf-8") as fh:
        return json.load(fh)


def boundary_manifest(name: str | None = None) -> dict[str, Any]:
    """Return the registry entry of one named set, or the whole manifest.

    Parameters
    ----------
    name : str, optional
        A set name such as ``"bradford-2013"``; ``None`` for the whole manifest.

    Returns
    -------
    dict
        For a set: ``description, vintage, district, lad_codes, levels`` where each level has
        ``id_field, name_field, files`` and each file ``file, url, sha256, lad_code,
        lad_name, size_bytes``; the set also carries the manifest's ``licence`` and
        ``source``. A deep copy: changing it changes nothing.

    Raises
    ------
    KeyError
        For an unknown name (the message lists the known names).

    Examples
    --------
    >>> from hotspots.areas.registry import boundary_manifest
    >>> entry = boundary_manifest("bradford-2013")
    >>> entry["vintage"], list(entry["levels"]), entry["bbox_27700"][:2]
    ('2013', ['ward', 'constituency'], [396065, 425348])
    """
    manifest = json.loads(json.dumps(_manifest()))
    if name is None:
        return manifest
    sets = manifest["sets"]
    if name not in sets:
        close = closest_set_name(str(name), list(sets))
        hint = f" Did you mean {close!r}?" if close else ""
        raise KeyError(f"No boundary set named {name!r}.{hint} Known sets: {', '.join(sets)}.")
    entry = sets[name]
    entry["licence"] = manifest["licence"]
    entry["source"] = manifest["source"]
    return entry


def closest_set_name(name: str, names: list[str]) -> str | None:
    """Return the registered name a mistyped set name most likely meant, or None.

    Parameters
    ----------
    name : str
        The name given.
    names : list of str
        The registered names.

    Returns
    -------
    str or None
        A name that starts with ``name`` ("bradford" -> "bradford-2013"), else the one whose
        place part (without the ``-YYYY`` vintage) is closest to it, when close enough
        ("bradfrod-2013", "bradford-2031"); None when nothing is close ("calderdale-2013").

    Examples
    --------
    >>> from hotspots.areas.registry import closest_set_name
    >>> closest_set_name("bradford", ["bradford-2013", "city-of-london-2013"])
    'bradford-2013'
    >>> closest_set_name("calderdale-2013", ["bradford-2013"]) is None
    True
    """
    starts = [n for n in names if n.startswith(name)]
    if starts:
        return starts[0]

    def place(text: str) -> str:
        return re.sub(r"-\d{4}$", "", text.strip().lower())

    by_place = {place(n): n for n in names}
    close = difflib.get_close_matches(place(name), list(by_place), n=1, cutoff=0.75)
    return by_place[close[0]] if close else None


def list_boundaries() -> dict[str, str]:
    """List the named boundary sets of the registry.

    Returns
    -------
    dict of str to str
        Set name to its one-line description, in registry order.

    Examples
    --------
    >>> from hotspots.areas.registry import list_boundaries
    >>> "bradford-2013" in list_boundaries()
    True
    """
    return {name: entry["description"] for name, entry in _manifest()["sets"].items()}
