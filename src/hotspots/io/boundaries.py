"""Boundary files: read any file, and load the named sets of the registry.

The registry is the manifest ``boundaries/manifest.json`` at the root of the repository (also
shipped inside the wheel as ``hotspots/_boundaries/manifest.json``). For each named set it
lists the levels, and for each level the files with their source URL (pinned to a commit),
SHA-256 and code/name fields, plus the licence text.

Where files are looked for
--------------------------
For each file of a set, in this order:

1. the folder passed as ``data_dir``;
2. the folder named by the environment variable ``HOTSPOTS_DATA_DIR``;
3. the copies embedded in the package (``hotspots/data/boundaries``: the sets
   ``bradford-2013`` and ``city-of-london-2013``, so they work offline with no setup);
4. the user cache folder (``$HOTSPOTS_CACHE_DIR``, else the platform cache, e.g.
   ``~/.cache/hotspots/boundaries``);
5. a download from the pinned source into the cache, with the SHA-256 checked (``pooch``).

In each folder a file is looked up by its local name (``bradford-wards-2013.geojson``) and
also inside a ``london/`` subfolder, so the layout of ``../shared/boundaries`` works as it is.
Every file found is checked against the manifest's SHA-256; a file that differs is an error,
never used. When nothing is found and the download is off or fails, one
:class:`~hotspots.errors.HotspotsError` lists every missing file, the folders searched and
where to put the files.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots.areas.areaset import AreaSet
from hotspots.areas.fields import field_for, normalise_area_frame
from hotspots.areas.registry import boundary_manifest, closest_set_name, list_boundaries
from hotspots.errors import CRSError, HotspotsError, Problem, ValidationError

__all__ = [
    "BoundaryFileNotFoundError",
    "boundary_cache_dir",
    "boundary_extent",
    "boundary_manifest",
    "list_boundaries",
    "load_boundaries",
    "read_boundaries",
    "read_boundary_file",
]

# the registry lives in hotspots.areas.registry (package metadata both layers use); these
# names are re-exported here, where users and the command line look for them
_REGISTRY = (boundary_manifest, closest_set_name, list_boundaries)

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "HOTSPOTS_DATA_DIR"
CACHE_DIR_ENV = "HOTSPOTS_CACHE_DIR"
_SUBFOLDERS = ("", "london")


class BoundaryFileNotFoundError(HotspotsError, FileNotFoundError):
    """A boundary file (or every copy of a registry set's files) could not be found."""


def boundary_cache_dir() -> Path:
    """Return the cache folder for downloaded boundary files.

    Returns
    -------
    pathlib.Path
        ``$HOTSPOTS_CACHE_DIR`` when set, else the platform's user cache
        (the folder ``pooch.os_cache("hotspots")`` uses, plus ``boundaries``; e.g.
        ``~/.cache/hotspots/boundaries``).

    Examples
    --------
    >>> from hotspots.io.boundaries import boundary_cache_dir
    >>> import os
    >>> before = os.environ.pop("HOTSPOTS_CACHE_DIR", None)
    >>> boundary_cache_dir().name
    'boundaries'
    >>> os.environ["HOTSPOTS_CACHE_DIR"] = "/tmp/hs-cache"
    >>> boundary_cache_dir().as_posix()
    '/tmp/hs-cache'
    >>> if before is None:
    ...     del os.environ["HOTSPOTS_CACHE_DIR"]
    ... else:
    ...     os.environ["HOTSPOTS_CACHE_DIR"] = before
    """
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    # platformdirs is what pooch.os_cache uses; importing pooch itself here would pull in
    # tqdm.auto, which warns in notebooks without ipywidgets.
    import platformdirs

    return Path(platformdirs.user_cache_dir("hotspots")) / "boundaries"


# --- reading one file ----------------------------------------------------------------------
def read_boundary_file(path: str | os.PathLike[str], *, id_field: str | None = None,
                       name_field: str | None = None) -> gpd.GeoDataFrame:
    """Read one boundary file as the frame of one level (not an AreaSet).

    Parameters
    ----------
    path : str or path-like
        Any file geopandas can read (GeoJSON, GeoPackage, shapefile, ...).
    id_field, name_field : str, optional
        The columns with the area code and name. When not given, the one ONS code column
        (``WD13CD``, ``PCON13CD``, ``LSOA11CD``, ...) and its ``..NM`` partner are used.

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id`` (str), ``area_name`` (str), the file's other columns, ``geometry``, in
        EPSG:27700, in file order (an :class:`~hotspots.areas.AreaSet` sorts it).

    Raises
    ------
    BoundaryFileNotFoundError
        When the file does not exist.
    hotspots.errors.ValidationError
        When a field is missing (the message lists the columns found) or the file holds
        no areas.
    hotspots.errors.CRSError
        When the file has no coordinate reference system.

    Examples
    --------
    >>> from hotspots.io.boundaries import read_boundary_file
    >>> from importlib.resources import files
    >>> path = files("hotspots") / "data/boundaries/bradford-wards-2013.geojson"
    >>> wards = read_boundary_file(path)
    >>> len(wards), wards.crs.to_epsg(), list(wards.columns[:2])
    (30, 27700, ['area_id', 'area_name'])
    """
    path = Path(path)
    if not path.is_file():
        raise BoundaryFileNotFoundError(f"Boundary file not found: {path}")
    frame = gpd.read_file(path)
    if len(frame) == 0:
        raise ValidationError(Problem("empty", "The boundary file holds no areas.",
                                      file=str(path)))
    if frame.crs is None:
        raise CRSError(Problem("missing_crs", "The boundary file has no coordinate reference "
                               "system; add one (e.g. a .prj file) or read it with geopandas "
                               "and call set_crs.", file=str(path)))
    out = normalise_area_frame(frame, id_field=id_field, name_field=name_field,
                               what=f"boundary file {path.name}", file=str(path))
    out[schema.AREA_ID] = out[schema.AREA_ID].astype(str)
    return out.to_crs("EPSG:27700")

def read_boundaries(path: str | os.PathLike[str] | None = None, /, *,
                    name: str = "user boundaries", vintage: str = "unknown",
                    id_fields: str | Mapping[str, str] | None = None,
                    name_fields: str | Mapping[str, str] | None = None,
                    lookup: pd.DataFrame | None = None, id_field: str | None = None,
                    name_field: str | None = None, **paths: Any) -> Any:
    """Read boundary files, one per level, into an :class:`~hotspots.areas.AreaSet`.

    ``read_boundaries`` reads files you name; :func:`load_boundaries` resolves a set named
    in the registry. Both return an AreaSet. (One file as one level frame:
    :func:`read_boundary_file`.)

    Parameters
    ----------
    path : str or path-like, optional
        Deprecated (one release): ``read_boundaries(path)`` with one file returns that
        file's level frame, as :func:`read_boundary_file` does, with a FutureWarning.
    name, vintage : str
        Stamped on results.
    id_fields, name_fields : str or dict of str to str, optional
        The code and name column of each level (one name for all levels, or a dict by
        level); detected from ONS column names (``WD13CD``/``WD13NM``) when not given.
    lookup : pandas.DataFrame, optional
        The official lookup from the lowest level up (see :class:`~hotspots.areas.AreaSet`).
    id_field, name_field : str, optional
        Only with the deprecated ``path``: the columns of that one file.
    **paths : str or path-like
        One keyword per level, lowest first: ``ward="wards.geojson",
        constituency="pcon.geojson"``; any level name works (``lsoa=...``). Any file
        geopandas reads (GeoJSON, GeoPackage, shapefile, ...).

    Returns
    -------
    AreaSet
        (A GeoDataFrame for the deprecated one-``path`` form.)

    Raises
    ------
    BoundaryFileNotFoundError
        When a file does not exist.
    hotspots.errors.ValidationError
        When an id or name column cannot be found (the message lists the columns found).
    ValueError
        When no level is given.

    Examples
    --------
    >>> from hotspots.io.boundaries import read_boundaries
    >>> from importlib.resources import files
    >>> folder = files("hotspots") / "data/boundaries"
    >>> areas = read_boundaries(ward=folder / "bradford-wards-2013.geojson",
    ...                         constituency=folder / "bradford-constituencies-2013.geojson",
    ...                         name="bradford", vintage="2013")
    >>> areas.level_names, len(areas["ward"]), len(areas["constituency"])
    (['ward', 'constituency'], 30, 5)
    """
    if path is not None:
        warnings.warn("read_boundaries(path) returning one level frame is renamed "
                      "read_boundary_file(path) in 0.2.0; read_boundaries(ward=..., "
                      "constituency=...) now returns an AreaSet. The one-path form will stop "
                      "working in the next release", FutureWarning, stacklevel=2)
        if paths:
            raise TypeError("read_boundaries takes either one path (deprecated) or one "
                            "keyword per level, not both.")
        return read_boundary_file(path, id_field=id_field, name_field=name_field)
    if not paths:
        raise ValueError("read_boundaries needs at least one level, e.g. "
                         "read_boundaries(ward='wards.geojson').")
    levels = {
        level: read_boundary_file(file, id_field=field_for(id_fields, level),
                                  name_field=field_for(name_fields, level))
        for level, file in paths.items()
    }
    return AreaSet(levels, name=name, vintage=vintage, lookup=lookup)


# --- resolving the files of a named set ------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _search_dirs(data_dir: str | os.PathLike[str] | None) -> list[tuple[str, Path]]:
    dirs: list[tuple[str, Path]] = []
    if data_dir is not None:
        d = Path(data_dir).expanduser()
        if not d.is_dir():
            raise BoundaryFileNotFoundError(
                f"The data_dir given to load_boundaries does not exist or is not a folder: {d}"
            )
        dirs.append(("data_dir argument", d))
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        d = Path(env).expanduser()
        if d.is_dir():
            dirs.append((f"${DATA_DIR_ENV}", d))
        else:
            logger.info("$%s=%s is not a folder; skipped", DATA_DIR_ENV, d)
    embedded = _embedded_dir()
    if embedded is not None:
        dirs.append(("embedded in the package", embedded))
    dirs.append(("cache", boundary_cache_dir()))
    return dirs


def _embedded_dir() -> Path | None:
    """Return the folder of boundary files shipped in the package, or None when absent.

    Bradford and the City of London ship as package data so that the demo and the default
    sets work offline with no setup; they are checked against the manifest like any copy.
    """
    embedded = Path(str(resources.files("hotspots") / "data" / "boundaries"))
    return embedded if embedded.is_dir() else None


def _candidates(folder: Path, local: str) -> list[Path]:
    base = Path(local).name
    paths = [folder / local, *(folder / sub / base for sub in _SUBFOLDERS)]
    return list(dict.fromkeys(paths))


def _checked(path: Path, entry: Mapping[str, Any]) -> Path:
    actual = _sha256(path)
    if actual != entry["sha256"]:
        raise HotspotsError(
            f"The boundary file {path} does not match the registry: SHA-256 expected "
            f"{entry['sha256']}, found {actual}. It is a different file or version; replace "
            f"it with the file from {entry['url']} (or remove it to download again)."
        )
    return path


def _download(entry: Mapping[str, Any], cache: Path) -> Path:
    import pooch

    target = cache / entry["file"]
    logger.info("downloading %s from %s", entry["file"], entry["url"])
    got = pooch.retrieve(entry["url"], known_hash=f"sha256:{entry['sha256']}",
                         fname=target.name, path=target.parent, progressbar=False)
    return Path(got)


def _resolve(name: str, files: list[dict[str, Any]], data_dir: Any,
             download: bool) -> dict[str, Path]:
    dirs = _search_dirs(data_dir)
    found: dict[str, Path] = {}
    for entry in files:
        for _, folder in dirs:
            hit = next((p for p in _candidates(folder, entry["file"]) if p.is_file()), None)
            if hit is not None:
                found[entry["file"]] = _checked(hit, entry)
                break
    missing = [e for e in files if e["file"] not in found]
    error: str | None = None
    if missing and download:
        cache = boundary_cache_dir()
        for entry in missing:
            try:
                found[entry["file"]] = _checked(_download(entry, cache), entry)
            except HotspotsError:
                raise
            except Exception as exc:  # network, proxy, hash: reported once below
                error = f"{type(exc).__name__}: {exc}"
                logger.info("download of %s failed: %s", entry["url"], error)
                break
    missing = [e for e in files if e["file"] not in found]
    if missing:
        raise BoundaryFileNotFoundError(_missing_message(name, missing, dirs, download, error))
    return found


def _missing_message(name: str, missing: list[dict[str, Any]], dirs: list[tuple[str, Path]],
                     download: bool, error: str | None) -> str:
    lines = [f"The boundary set {name!r} needs {len(missing)} file(s) that were not found:"]
    lines += [f"  - {e['file']}  (source: {e['url']}, sha256 {e['sha256']})" for e in missing]
    lines.append("Looked in (each also with a 'london/' subfolder):")
    lines += [f"  - {label}: {folder}" for label, folder in dirs]
    if not download:
        lines.append("Downloading was switched off (download=False).")
    elif error:
        lines.append(f"Downloading them failed ({error}).")
    lines.append(
        "Put the files in one folder (keeping the 'london/' part of their names where shown) "
        f"and pass it as data_dir=..., or set the environment variable {DATA_DIR_ENV} to it; "
        f"or place them in the cache folder {boundary_cache_dir()}."
    )
    return "\n".join(lines)


def _read_level(level: str, spec: Mapping[str, Any], paths: Mapping[str, Path]
                ) -> gpd.GeoDataFrame:
    """Read the files of one level and dissolve areas that several files share."""
    frames = []
    for entry in spec["files"]:
        frame = read_boundary_file(paths[entry["file"]], id_field=spec["id_field"],
                                   name_field=spec["name_field"])
        frame = frame[[schema.AREA_ID, schema.AREA_NAME, "geometry"]].copy()
        frame["lad_name"] = entry.get("lad_name", "")
        frames.append(frame)
    if len(frames) == 1:
        return frames[0].drop(columns="lad_name")
    combined = pd.concat(frames, ignore_index=True)
    # A constituency that crosses borough lines (Cities of London and Westminster) is in the
    # file of each borough: one area, so its pieces are dissolved into one polygon.
    dup = combined[schema.AREA_ID].duplicated(keep=False)
    if dup.any():
        logger.info("%s: %d features of %d areas appear in several files and were dissolved",
                    level, int(dup.sum()), combined.loc[dup, schema.AREA_ID].nunique())
    rows = []
    for area_id, group in combined.groupby(schema.AREA_ID, sort=False):
        names = group[schema.AREA_NAME].unique()
        if len(names) > 1:
            raise ValidationError(Problem(
                "inconsistent_name", f"{level} {area_id} has different names in different "
                f"files: {', '.join(map(str, names))}.", column=schema.AREA_NAME))
        geom = (group.geometry.iloc[0] if len(group) == 1
                else shapely.make_valid(shapely.union_all(group.geometry.values)))
        rows.append({schema.AREA_ID: area_id, schema.AREA_NAME: names[0],
                     "lad_name": ", ".join(dict.fromkeys(group["lad_name"])), "geometry": geom})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:27700")
    # the same name for different areas (Regent's Park is a ward of Camden and of
    # Westminster): add the borough so that names stay unique and readable
    twice = out[schema.AREA_NAME].duplicated(keep=False)
    out.loc[twice, schema.AREA_NAME] = (out.loc[twice, schema.AREA_NAME] + " ("
                                        + out.loc[twice, "lad_name"] + ")")
    return out.drop(columns="lad_name")


def load_boundaries(name: str, *, data_dir: str | os.PathLike[str] | None = None,
                    download: bool = True) -> AreaSet:
    """Load a named boundary set from the registry.

    Parameters
    ----------
    name : str
        A registry name: ``"bradford-2013"``, ``"city-of-london-2013"``,
        ``"london-central-2013"`` (see :func:`list_boundaries`).
    data_dir : str or path-like, optional
        A folder holding the files; searched first.
    download : bool, default True
        Whether files found nowhere may be downloaded from the pinned source (SHA-256
        checked) into the cache.

    Returns
    -------
    AreaSet
        Levels ``ward`` and ``constituency`` in EPSG:27700, ``name`` and ``vintage`` from the
        registry. Areas that appear in several files of a set are dissolved into one; two
        different areas with one name get their borough appended ("Regent's Park
        (Camden)"). ``areas.sources`` maps each registry file to the path it was read from.

    Raises
    ------
    KeyError
        For an unknown set name.
    BoundaryFileNotFoundError
        When files are missing everywhere and cannot be downloaded: one message lists the
        files, the folders searched and where to put them. Also when ``data_dir`` is not a
        folder.
    hotspots.errors.HotspotsError
        When a file found differs from the registry's SHA-256 (the message names the file
        and both hashes).

    Notes
    -----
    The search order is in the module documentation. Offline, point the library at a copy
    of the files with ``data_dir=`` or ``HOTSPOTS_DATA_DIR``.

    Examples
    --------
    >>> from hotspots.io.boundaries import load_boundaries
    >>> areas = load_boundaries("bradford-2013")  # embedded in the package: works offline
    >>> areas.level_names, len(areas["ward"]), areas.vintage
    (['ward', 'constituency'], 30, '2013')
    """
    entry = boundary_manifest(name)
    files = [f for spec in entry["levels"].values() for f in spec["files"]]
    paths = _resolve(name, files, data_dir, download)
    levels = {level: _read_level(level, spec, paths) for level, spec in entry["levels"].items()}
    areas = AreaSet(levels, name=name, vintage=entry["vintage"])
    areas.sources = {file: str(path) for file, path in paths.items()}
    return areas


def boundary_extent(name: str, *, data_dir: str | os.PathLike[str] | None = None,
                    download: bool = False) -> tuple[float, float, float, float]:
    """Compute the extent of a registered set from its files.

    The registry stores each set's extent (``bbox_27700``), which
    :mod:`hotspots.areas.extent` uses to say which set holds a user's points; this computes
    it afresh, to fill or check the registry.

    Parameters
    ----------
    name : str
        A registry name.
    data_dir : str or path-like, optional
        As in :func:`load_boundaries`.
    download : bool, default False
        As in :func:`load_boundaries`.

    Returns
    -------
    tuple of float
        ``(min_easting, min_northing, max_easting, max_northing)`` in EPSG:27700 over all
        the set's files.

    Examples
    --------
    >>> from hotspots.io.boundaries import boundary_extent
    >>> [round(v) for v in boundary_extent("bradford-2013")]
    [396066, 425348, 423800, 451900]
    """
    entry = boundary_manifest(name)
    files = [f for spec in entry["levels"].values() for f in spec["files"]]
    paths = _resolve(name, files, data_dir, download)
    bounds = np.array([gpd.read_file(p).to_crs("EPSG:27700").total_bounds
                       for p in paths.values()])
    return (float(bounds[:, 0].min()), float(bounds[:, 1].min()),
            float(bounds[:, 2].max()), float(bounds[:, 3].max()))
