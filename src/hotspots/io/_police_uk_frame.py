"""police.uk rows mapped onto the canonical incident frame: street-level CSVs and API downloads.

The layouts and their sniffing are in :mod:`hotspots.io._police_uk`; here the checked rows
of each layout become incidents: ids (generated for anti-social behaviour, which police.uk
publishes without one), month, crime type (API slugs mapped to the street-level names).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.io._csvfile import shorten
from hotspots.io._incident_frame import assemble, blank_to_na, generated_ids
from hotspots.io._ledger import TableRows
from hotspots.io._police_uk import (
    API_REQUIRED,
    STREET_REQUIRED,
    location_comma_repair,
    reject_broken_street_rows,
)

__all__ = ["API_CATEGORIES", "API_COLUMNS", "LOCATION_COMMA", "STREET_CRIME_TYPES",
           "api_frame", "street_frame"]

#: police.uk API category slugs and the crime-type names used in the street-level CSVs
API_CATEGORIES: dict[str, str] = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-crime": "Other crime",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    # used before May 2013, when police.uk split it into public order and weapons
    "public-disorder-weapons": "Public disorder and weapons",
}

# police.uk street-level CSV columns -> canonical extra columns
_STREET_EXTRA = {
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Last outcome category": "outcome",
    "Context": "context",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
}
# police.uk API (flattened JSON) columns -> canonical extra columns
_API_EXTRA = {
    "street_name": "location",
    "outcome_category": "outcome",
    "outcome_date": "outcome_date",
    "context": "context",
    "persistent_id": "persistent_id",
    "street_id": "street_id",
    "location_type": "location_type",
    "location_subtype": "location_subtype",
}
API_COLUMNS = (*API_REQUIRED, *_API_EXTRA)

#: crime types of the street-level CSVs, with "Violent crime", their name before May 2013
STREET_CRIME_TYPES = frozenset({*API_CATEGORIES.values(), "Violent crime"})
LOCATION_COMMA = location_comma_repair(STREET_CRIME_TYPES)


def _file_and_id(files: np.ndarray, ids: pd.Series) -> pd.Series:
    """One integer per (file, id) pair, -1 where the id is blank: cheap to test for repeats."""
    file_code, _ = pd.factorize(files, use_na_sentinel=False)
    id_code, uniques = pd.factorize(ids, use_na_sentinel=True)
    key = file_code.astype(np.int64) * (len(uniques) + 1) + id_code
    return pd.Series(np.where(id_code < 0, -1, key))


def street_frame(rows: TableRows) -> gpd.GeoDataFrame:
    """The incident frame of street-level CSV rows (broken rows rejected first)."""
    reject_broken_street_rows(rows, STREET_CRIME_TYPES)
    data = rows.data
    given = blank_to_na(data["Crime ID"])
    blank = given.isna()
    ids = given
    if blank.any():
        ids = given.where(~blank, generated_ids(rows, blank.to_numpy()))
        n_asb = int((blank & (data["Crime type"] == "Anti-social behaviour")).sum())
        rows.notes.append(
            f"{int(blank.sum()):,} rows had a blank Crime ID ({n_asb:,} of them anti-social "
            "behaviour, which police.uk publishes without ids) and were given stable ids "
            "'<file stem>:<row>'.")
    # repeated Crime IDs within one file are real rows (different crimes share a reference
    # or an outcome was split): keep every one, but say how many
    key = _file_and_id(rows.source_file, given)
    rep = (key >= 0) & key.duplicated(keep=False)
    if rep.any():
        n_ids = key[rep].nunique()
        rows.notes.append(
            f"{n_ids:,} Crime IDs appear on more than one row of the same file ({int(rep.sum()):,}"
            " rows); all were kept, as police.uk lists them as separate records.")
    extra = data[[c for c in data.columns if c not in {*STREET_REQUIRED}]]
    extra = extra.rename(columns=_STREET_EXTRA)
    return assemble(rows, incident_id=ids, occurred=rows.dates["Month"],
                    category=blank_to_na(data["Crime type"]), recency=None, weight=None,
                    extra=extra)


def api_frame(rows: TableRows) -> gpd.GeoDataFrame:
    """The incident frame of API download rows (repeated ids removed first)."""
    rows.drop_duplicates(blank_to_na(rows.data["id"]), detail="police.uk API: same 'id'")
    data = rows.data
    slug = blank_to_na(data["category"]).str.lower()
    category = slug.map(API_CATEGORIES).astype("string")
    unknown = (slug.notna() & category.isna()).to_numpy()
    if unknown.any():
        seen = pd.unique(slug[unknown])[:5]
        rows.flag(unknown, "unknown_api_category", "unknown API category slugs",
                  f"Slugs {', '.join(shorten(s) for s in seen)} are not in the police.uk list "
                  "and were kept as written.", column="category")
        category = category.where(~unknown, slug)
    ids = blank_to_na(data["id"])
    blank = ids.isna()
    if blank.any():
        ids = ids.where(~blank, generated_ids(rows, blank.to_numpy()))
        rows.notes.append(f"{int(blank.sum()):,} rows had a blank 'id' and were given ids "
                          "'<file stem>:<row>'.")
    rows.notes.append("police.uk API category slugs mapped to street-level crime type names "
                      "(e.g. 'violent-crime' -> 'Violence and sexual offences').")
    extra = data[[c for c in data.columns if c not in {*API_REQUIRED}]]
    extra = extra.rename(columns=_API_EXTRA)
    return assemble(rows, incident_id=ids, occurred=rows.dates["month"], category=category,
                    recency=None, weight=None, extra=extra)


