"""police.uk rows mapped onto the canonical incident frame: street-level CSVs and API downloads.

The layouts and their sniffing are in :mod:`hotspots.io._police_uk`; here the checked rows
of each layout become incidents: ids (generated for anti-social behaviour, which police.uk
publishes without one), month, crime type (API slugs mapped to the street-level names).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots.io._csvfile import shorten
from hotspots.io._incident_frame import (
    arrow_text,
    assemble,
    blank_to_na,
    categorical_text,
    generated_id_texts,
    generated_ids,
    per_distinct,
    text_buffers,
    value_runs,
)
from hotspots.io._ledger import TableRows
from hotspots.io._police_uk import (
    API_REQUIRED,
    STREET_REQUIRED,
    location_comma_repair,
    reject_broken_street_rows,
)

__all__ = ["API_CATEGORIES", "API_COLUMNS", "LOCATION_COMMA", "STREET_CRIME_TYPES",
           "api_frame", "crime_ids", "street_frame"]

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


#: multiplier of the fingerprint below (the 64-bit golden ratio: odd, bits well mixed)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _fingerprints(chunk: pa.Array) -> np.ndarray | None:
    """One 64-bit fingerprint per filled value of ``chunk``; None when they cannot be read.

    police.uk Crime IDs are 64 hexadecimal characters: when every filled value has the
    same length (a multiple of 8 bytes), the text is read in place as 64-bit words and
    folded into one number per value. Equal ids give equal fingerprints.
    """
    if not pa.types.is_string(chunk.type) and not pa.types.is_large_string(chunk.type):
        return None
    offsets, valid, text = text_buffers(chunk)
    filled = np.diff(offsets)[valid]
    if filled.size == 0:
        return np.zeros(0, dtype=np.uint64)
    size = int(filled[0])
    start, stop = int(offsets[0]), int(offsets[-1])
    # the filled values side by side, each of `size` bytes, nothing between them
    if size == 0 or size % 8 or (filled != size).any() or stop - start != size * filled.size:
        return None
    words = text[start:stop].view(np.uint64)
    words = words.reshape(filled.size, size // 8)
    fingerprint = words[:, 0].copy()
    for k in range(1, words.shape[1]):
        fingerprint *= _MIX
        fingerprint ^= words[:, k]
    return fingerprint


def _surely_distinct(part: pa.ChunkedArray) -> bool:
    """True when the filled values of ``part`` are certainly all different.

    Fingerprints (:func:`_fingerprints`) that are all different prove the ids are; a shared
    one (a real repeat, or a collision) answers False and the caller counts the ids
    themselves. Sorting 64-bit numbers costs a fraction of hashing the texts.
    """
    prints = []
    for chunk in part.chunks:
        fingerprint = _fingerprints(chunk)
        if fingerprint is None:
            return False
        prints.append(fingerprint)
    every = np.sort(np.concatenate(prints)) if prints else np.zeros(0, dtype=np.uint64)
    return not (every[1:] == every[:-1]).any()


def _repeats_in(part: pa.ChunkedArray) -> tuple[int, int]:
    """Ids found on more than one row of ``part``, and those rows: (ids, rows)."""
    if _surely_distinct(part):
        return 0, 0  # the usual case, proved without hashing the texts
    if len(part.unique()) - (part.null_count > 0) == len(part) - part.null_count:
        return 0, 0  # every id once after all (a fingerprint collision)
    counts = pc.value_counts(part.drop_null()).field("counts").to_numpy()
    return int((counts > 1).sum()), int(counts[counts > 1].sum())


def _repeated_ids(files: np.ndarray, ids: pd.Series) -> tuple[int, int]:
    """Crime IDs found on more than one row of the same file: (ids, rows).

    Rows of one file are contiguous after stacking, so each file's ids are counted on
    their own: a distinct count answers the usual case (no repeat) with one hashing pass
    over a slice that fits in cache, and only a file with repeats is counted id by id.
    Arrow lets go of the GIL while it hashes, so files are counted on two threads.
    """
    arr = arrow_text(ids)
    assert arr is not None  # blank_to_na gives Arrow-backed text
    starts, _, _ = value_runs(files)
    bounds = np.append(starts, len(files))
    parts = [arr.slice(int(start), int(stop - start))
             for start, stop in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = list(pool.map(_repeats_in, parts))
    return sum(f[0] for f in found), sum(f[1] for f in found)


def _fill_blanks(ids: pa.ChunkedArray, blank: np.ndarray, made: pa.Array) -> pa.ChunkedArray:
    """``ids`` with its blank cells replaced by ``made`` in order, chunk by chunk.

    One chunk at a time (a file's rows) rather than the whole column combined first: the
    column of millions of 64-character ids is copied once, not twice.
    """
    chunks = []
    start = used = 0
    for chunk in ids.chunks:
        stop = start + len(chunk)
        mask = blank[start:stop]
        n_made = int(mask.sum())
        chunks.append(pc.replace_with_mask(chunk, pa.array(mask), made.slice(used, n_made))
                      if n_made else chunk)
        start, used = stop, used + n_made
    return pa.chunked_array(chunks, type=ids.type)


def crime_ids(data: pd.DataFrame, source_file: np.ndarray,
              source_row: np.ndarray) -> tuple[pd.Series, list[str]]:
    """Crime IDs as given (stripped), generated for the blank ones, and notes on both.

    Pure (it reads its arguments only), so that :func:`read_table` can run it on a thread
    of its own while the coordinates are checked (``prepare=``).
    """
    notes = []
    given = blank_to_na(data["Crime ID"])
    blank = given.isna().to_numpy()
    ids = given
    if blank.any():
        given_arrow = arrow_text(given)
        assert given_arrow is not None  # blank_to_na gives Arrow-backed text
        made = pa.array(generated_id_texts(source_file, source_row, np.flatnonzero(blank)),
                        type=given_arrow.type)
        ids = pd.Series(pd.arrays.ArrowStringArray(_fill_blanks(given_arrow, blank, made)),
                        index=given.index)
        n_asb = int((blank & per_distinct(data["Crime type"],
                                          lambda u: u == "Anti-social behaviour")).sum())
        notes.append(
            f"{int(blank.sum()):,} rows had a blank Crime ID ({n_asb:,} of them anti-social "
            "behaviour, which police.uk publishes without ids) and were given stable ids "
            "'<file stem>:<row>'.")
    # repeated Crime IDs within one file are real rows (different crimes share a reference
    # or an outcome was split): keep every one, but say how many
    n_ids, n_rows = _repeated_ids(source_file, given)
    if n_ids:
        notes.append(
            f"{n_ids:,} Crime IDs appear on more than one row of the same file ({n_rows:,}"
            " rows); all were kept, as police.uk lists them as separate records.")
    return ids, notes


def street_frame(rows: TableRows) -> gpd.GeoDataFrame:
    """The incident frame of street-level CSV rows (broken rows rejected first).

    The Crime IDs come from ``rows.prepared`` (:func:`crime_ids`, started when the files
    were stacked) unless rows were rejected since, when they are worked out again on the
    kept rows (their repeats may differ); either way on another thread than the one that
    builds the other columns.
    """
    reject_broken_street_rows(rows, STREET_CRIME_TYPES)
    # the kept rows with their ids as given (the largest column: 64 characters a row),
    # held only until the ids are settled, so that the frame is assembled without them
    kept = [rows.data]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotspots-ids") as pool:
        prepared = rows.prepared
        if prepared is None:
            prepared = pool.submit(crime_ids, kept[0], rows.source_file, rows.source_row)

        def incident_ids() -> pd.Series:
            ids, notes = prepared.result()
            given = kept.pop()
            if len(ids) != len(given):  # rows were rejected after stacking
                ids, notes = crime_ids(given, rows.source_file, rows.source_row)
            rows.notes.extend(notes)
            del given  # the ids as given: their Arrow buffers go back to the system
            pa.default_memory_pool().release_unused()
            return ids

        data = rows.data = kept[0].drop(columns="Crime ID")
        extra = data[[c for c in data.columns if c not in {*STREET_REQUIRED}]]
        extra = extra.rename(columns=_STREET_EXTRA)
        return assemble(rows, incident_id=incident_ids, occurred=rows.dates["Month"],
                        category=categorical_text(data["Crime type"]), recency=None,
                        weight=None, extra=extra)


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


