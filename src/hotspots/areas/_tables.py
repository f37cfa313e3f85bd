"""The pieces of an area table: group codes for ``by`` columns and populations per area."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.errors import DataQualityWarning, Problem, ValidationError

__all__ = ["NOT_RECORDED", "group_codes", "population_array"]

logger = logging.getLogger(__name__)

#: label of the ``by`` group that holds rows whose ``by`` value is missing
NOT_RECORDED = "Not recorded"


def group_codes(frame: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, list[pd.Index],
                                                              list[Any]]:
    """Integer group code per row for the ``by`` columns, all combinations kept."""
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise ValidationError(Problem(
            "missing_column", f"area_counts(by=...) names the column {missing[0]!r}, which the "
            f"incidents do not have. Columns found: {', '.join(map(str, frame.columns))}.",
            column=missing[0]))
    codes = np.zeros(len(frame), dtype=np.int64)
    labels: list[pd.Index] = []
    dtypes: list[Any] = []
    for col in by:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            c = s.cat.codes.to_numpy().astype(np.int64)
        else:
            values = s.dropna().unique()
            try:
                cats = sorted(values)
            except TypeError:
                cats = sorted(values, key=str)
            c = pd.Categorical(s, categories=cats).codes.astype(np.int64)
        if (c < 0).any():
            cats = [*cats, NOT_RECORDED]
            c = np.where(c < 0, len(cats) - 1, c)
        labels.append(pd.Index(cats))
        dtypes.append(s.dtype)
        codes = codes * len(cats) + c
    return codes, labels, dtypes


def population_array(population: Any, frame: gpd.GeoDataFrame, level: str) -> np.ndarray:
    """Return the population of each area of the level, in its order (NaN when unknown)."""
    ids = frame[schema.AREA_ID]
    if isinstance(population, str):
        if population not in frame.columns:
            raise ValidationError(Problem(
                "missing_column", f"population={population!r} is not a column of the "
                f"{level} boundaries. Columns found: {', '.join(map(str, frame.columns))}.",
                column=population))
        values = pd.Series(frame[population].to_numpy(), index=ids)
    elif isinstance(population, pd.DataFrame):
        need = [c for c in (schema.AREA_ID, "population") if c not in population.columns]
        if need:
            raise ValidationError(Problem(
                "missing_column", "A population table needs the columns 'area_id' and "
                f"'population'. Columns found: {', '.join(map(str, population.columns))}.",
                column=need[0]))
        values = pd.Series(population["population"].to_numpy(),
                           index=population[schema.AREA_ID].astype(str))
    elif isinstance(population, pd.Series):
        values = population.copy()
        values.index = values.index.astype(str)
    else:
        raise TypeError("population must be a Series indexed by area_id, a DataFrame with "
                        "columns area_id and population, or the name of a boundary column; "
                        f"got {type(population).__name__}.")
    if values.index.duplicated().any():
        dup = values.index[values.index.duplicated()].unique().tolist()
        raise ValidationError(Problem("duplicate_id", f"The population lists {len(dup)} area "
                                      f"ids more than once: {', '.join(dup[:5])}.",
                                      column=schema.AREA_ID))
    numeric = pd.to_numeric(values, errors="coerce")
    if (numeric.isna() & values.notna()).any():
        bad = values.index[numeric.isna() & values.notna()].tolist()
        raise ValidationError(Problem("non_numeric", f"The population of {len(bad)} areas is "
                                      f"not a number ({', '.join(bad[:5])}).",
                                      column="population"))
    matched = numeric.reindex(ids.to_numpy())
    extra = len(set(values.index) - set(ids))
    if extra:
        logger.info("population: %d areas are not %ss of this boundary set and are ignored",
                    extra, level)
    bad = matched.isna() | (matched <= 0)
    if bad.any():
        names = frame.loc[bad.to_numpy(), schema.AREA_NAME].tolist()
        warnings.warn(
            f"No usable population for {len(names)} {level}(s) ({', '.join(names[:5])}); "
            "their rate_per_1000 is left empty.", DataQualityWarning, stacklevel=3,
        )
    return matched.where(~bad).to_numpy(dtype=np.float64)
