"""The premises workflow behind ``hotspots premises``: read, link, rank, plan, write.

:func:`run_premises` strings the public verbs together and writes every output with
:mod:`hotspots.io.write` and :mod:`hotspots.report.visit_sheet`; the analysis itself lives in
:mod:`hotspots.premises`.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspots import schema
from hotspots.errors import DataQualityWarning, Problem, ValidationError
from hotspots.hotspot import hotspot_gistar
from hotspots.io.atomic import atomic_save
from hotspots.io.incidents import is_police_uk, read_incidents, read_police_uk
from hotspots.io.premises import looks_like_fhrs, read_fhrs, read_premises
from hotspots.io.visits import read_visit_log
from hotspots.io.write import build_manifest, manifest_path, write_table, write_visit_plan
from hotspots.maps import explore_premises
from hotspots.premises import link_premises, premises_rank, proximity_report, visit_plan
from hotspots.report.visit_sheet import write_visit_sheets

__all__ = ["is_fhrs_file", "run_premises"]

logger = logging.getLogger(__name__)


def _read_incidents(sources: Any, options: Mapping[str, Any] | None) -> gpd.GeoDataFrame:
    if isinstance(sources, gpd.GeoDataFrame):
        return sources
    paths = [Path(p) for p in ([sources] if isinstance(sources, (str, Path)) else sources)]
    if not options and all(is_police_uk(p) for p in paths):
        return read_police_uk(paths if len(paths) > 1 else paths[0])
    if not options:
        raise ValidationError(Problem(
            "incident_columns", "these incident files are not in the police.uk layout: pass "
            "incident_options with the coordinate columns (x=, y=) and occurred=, category=."))
    frames = [read_incidents(p, **options) for p in paths]
    if len(frames) == 1:
        return frames[0]
    combined = pd.concat(frames, ignore_index=True)
    combined.attrs["hotspots"] = {"load": [f.attrs["hotspots"]["load"] for f in frames]}
    return combined


def _read_premises(path: Any, fhrs: bool, options: Mapping[str, Any] | None
                   ) -> gpd.GeoDataFrame:
    if isinstance(path, gpd.GeoDataFrame):
        return path
    opts = dict(options or {})
    detected = not fhrs and is_fhrs_file(path, opts)
    if fhrs or detected:
        # column options describe generic files; FHRS files have fixed fields
        ignored = sorted(set(opts) - {"type_map", "kind"})
        if ignored:
            logger.info("run_premises: FHRS file, so %s ignored", ", ".join(ignored))
        out = read_fhrs(path, **{k: v for k, v in opts.items() if k in ("type_map", "kind")})
        if detected:
            load = out.attrs.get("hotspots", {}).get("load")
            if load is not None:
                load.notes.append(f"{Path(path).name} was recognised as FSA food hygiene "
                                  "(FHRS) data by its content and read as such.")
        return out
    missing = [label for key, label in (("premises_id", "id"), ("name", "name"))
               if key not in opts]
    if missing:
        raise ValidationError(Problem(
            "premises_columns", f"the premises file {Path(path).name} is not FHRS data (use "
            f"--fhrs if it is): give its {' and '.join(missing)} column"
            f"{'s' if len(missing) > 1 else ''} (--premises-id, --premises-name, and "
            "--premises-x/--premises-y unless it has a geometry)."))
    return read_premises(path, **opts)


def is_fhrs_file(path: Any, options: Mapping[str, Any] | None = None) -> bool:
    """Whether a premises file is to be read as FSA FHRS data without ``fhrs=True``.

    Parameters
    ----------
    path : path-like
        The premises file.
    options : mapping, optional
        The generic-table options given (``id``, ``name``, ...).

    Returns
    -------
    bool
        True when its content is FHRS data (:func:`hotspots.io.premises.looks_like_fhrs`)
        and it is JSON or XML, or no ``id``/``name`` columns were given for it: columns given
        for an FHRS CSV are the user's choice and are respected.

    Examples
    --------
    >>> is_fhrs_file("no-such-file.json")
    False
    """
    if not isinstance(path, (str, os.PathLike)) or not looks_like_fhrs(path):
        return False
    opts = options or {}
    # "id" is the keyword's name before 0.2 (read_premises(id=) still works, with a warning)
    has_id = "premises_id" in opts or "id" in opts
    return Path(path).suffix.lower() in (".json", ".xml") or not (has_id and "name" in opts)


def _loads(frame: Any) -> list[Any]:
    load = frame.attrs.get("hotspots", {}).get("load")
    if load is None:
        return []
    return list(load) if isinstance(load, list) else [load]


def _visit_log(visits: Any) -> Any:
    """Read a visit log given as a path (a plan workbook: its ``visits`` sheet)."""
    if visits is None or isinstance(visits, pd.DataFrame):
        return visits

    path = Path(visits)
    sheet = None
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        sheet = "visits" if "visits" in pd.ExcelFile(path).sheet_names else None
    return read_visit_log(path, sheet=sheet)


def run_premises(
    incident_paths: Any,
    premises_path: Any,
    *,
    out_dir: str | Path,
    fhrs: bool = False,
    radius: float = 50.0,
    top: int = 20,
    window: Any = None,
    half_life_days: float | None = 90.0,
    category_weights: Mapping[str, float] | None = None,
    max_per_operation: int = 6,
    max_span: float = 1000.0,
    text_column: str | None = None,
    premises_options: Mapping[str, Any] | None = None,
    incident_options: Mapping[str, Any] | None = None,
    hot_spots: bool = True,
    vulnerable: gpd.GeoDataFrame | None = None,
    marking: str | None = "OFFICIAL-SENSITIVE",
    write_map: bool = True,
    extra_agencies: Sequence[str] = (),
    title: str | None = None,
    visits: Any = None,
    areas: Any = None,
) -> list[Path]:
    """Rank premises of concern and plan visits, writing every output to a folder.

    Parameters
    ----------
    incident_paths : path-like, sequence of path-likes, or GeoDataFrame
        police.uk CSVs (street or API layout, detected), or other incident tables read with
        ``incident_options``, or an incident frame already read.
    premises_path : path-like or GeoDataFrame
        The premises file (FHRS JSON/XML/CSV with ``fhrs=True``, else any table read with
        ``premises_options``), or a premises frame already read.
    out_dir : str or Path
        Output folder (created if needed).
    fhrs : bool
        The premises file is FSA food hygiene rating data (:func:`hotspots.io.read_fhrs`).
    radius : float
        Link distance in metres.
    top : int
        Premises in the visit plan.
    window, half_life_days, category_weights, text_column
        Passed to :func:`hotspots.premises.premises_rank`.
    max_per_operation, max_span
        Passed to :func:`hotspots.premises.visit_plan`.
    premises_options : mapping, optional
        Keyword arguments of :func:`hotspots.io.read_premises` (``id``, ``name``, ``type``,
        ``x``, ``y``...), or of :func:`hotspots.io.read_fhrs` (``type_map``).
    incident_options : mapping, optional
        Keyword arguments of :func:`hotspots.io.read_incidents` for non-police.uk files.
    hot_spots : bool
        Compute a Gi* hot spot grid of the incidents so that the ranking can say "inside a
        99% hot spot".
    vulnerable : geopandas.GeoDataFrame, optional
        Vulnerable locations; adds ``proximity.csv`` (:func:`hotspots.premises.proximity_report`).
    marking : str or None
        Protective marking on the visit sheets.
    write_map : bool
        Write the interactive map (``premises-map.html``, offline).
    extra_agencies : sequence of str
        Partner agencies invited to every operation (``visit_plan(extra_agencies=...)``).
    title : str, optional
        Heading of the visit sheets (default "Premises visits").
    visits : path-like or DataFrame, optional
        A visit log (:func:`hotspots.io.read_visit_log`; the filled-in ``visits`` sheet of
        an earlier plan works as it is) fed back into the ranking (``premises_rank(visits=)``).
    areas : AreaSet or callable, optional
        Boundaries outlined on the map (wards, constituencies), or a function given the
        incidents that returns them or None (how the CLI picks the set holding the data).

    Returns
    -------
    list of pathlib.Path
        Files written: ``premises-ranked.csv`` (+ its ``.manifest.json``) and ``.xlsx``,
        ``incident-links.csv``,
        ``visit-plan.xlsx`` (+ CSV copies and manifest), ``premises-map.html``, the visit
        sheets, and ``proximity.csv`` when ``vulnerable`` is given.

    Raises
    ------
    hotspots.errors.ValidationError
        When the inputs cannot be read (see the readers).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    incidents = _read_incidents(incident_paths, incident_options)
    premises = _read_premises(premises_path, fhrs, premises_options)

    gistar = None
    if hot_spots:
        gistar = _gistar(incidents)

    link = link_premises(incidents, premises, max_distance=radius, text_column=text_column)
    caveats: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataQualityWarning)
        ranked = premises_rank(incidents, premises, radius=radius, window=window,
                               half_life_days=half_life_days, category_weights=category_weights,
                               gistar=gistar, link=link, visits=_visit_log(visits))
    for w in caught:
        if issubclass(w.category, DataQualityWarning):
            caveats.append(str(w.message))
        # re-issue so that the caller (and the CLI) still sees every warning
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    plan = visit_plan(ranked, top=top, max_per_operation=max_per_operation, max_span=max_span,
                      incidents=incidents, link=link, extra_agencies=tuple(extra_agencies))

    attrs = ranked.attrs.get("hotspots", {})
    period = None
    if attrs.get("window_start"):
        period = {"label": attrs.get("window"), "start": attrs["window_start"],
                  "end": attrs["window_end"]}
    manifest = build_manifest(
        loads=_loads(incidents) + _loads(premises),
        parameters={"premises_rank": attrs, "link_premises": link.attrs.get("hotspots", {}),
                    "gistar": (gistar.attrs.get("hotspots", {}) if gistar is not None
                               else None)},
        period=period,
        description="Premises of concern: ranked list and visit plan",
    )

    written: list[Path] = []
    table = ranked.copy()
    written += _with_sidecar(write_table(table, out / "premises-ranked.csv", manifest=manifest))
    written.append(write_table(table, out / "premises-ranked.xlsx", manifest=manifest,
                               sheet="ranked"))
    links = pd.DataFrame({
        schema.INCIDENT_ID: incidents[schema.INCIDENT_ID].to_numpy()
        if schema.INCIDENT_ID in incidents.columns else incidents.index.to_numpy(),
        **{c: link[c].to_numpy() for c in link.columns},
    })
    written.append(write_table(links, out / "incident-links.csv"))
    written += write_visit_plan(plan, out / "visit-plan.xlsx", manifest=manifest)
    map_href = None
    if write_map:
        # Ward and constituency outlines: an AreaSet, or a callable choosing one from the
        # incidents (the CLI's automatic choice), which may find none.
        outline = areas(incidents) if callable(areas) else areas
        m = explore_premises(ranked, top=max(top, 1), offline=True, areas=outline,
                             title="Premises of concern")
        map_path = out / "premises-map.html"
        atomic_save(m.save, map_path)
        written.append(map_path)
        map_href = map_path.name
    written += write_visit_sheets(plan, out, manifest=manifest, marking=marking,
                                  map_href=map_href, caveats=caveats,
                                  **({"title": title} if title else {}))
    if vulnerable is not None:
        report = proximity_report(vulnerable, incidents, gistar=gistar, ranked=ranked)
        written += _with_sidecar(write_table(report, out / "proximity.csv", manifest=manifest))
    logger.info("run_premises: %d files written to %s", len(written), out)
    return written


def _with_sidecar(path: Path) -> list[Path]:
    """Return the written CSV and its ``.manifest.json`` sidecar (when there is one)."""
    sidecar = manifest_path(path)
    return [path, sidecar] if sidecar.exists() else [path]


def _gistar(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """Compute Gi* hot spots of the located incidents (library defaults); None if too few."""
    n_located = int((incidents[schema.LOCATION_STATUS] == schema.LOCATED).sum()) \
        if schema.LOCATION_STATUS in incidents.columns else len(incidents)
    if n_located < 30:
        logger.info("run_premises: %d located incidents, too few for Gi* hot spots",
                    n_located)
        return None
    return hotspot_gistar(incidents)
