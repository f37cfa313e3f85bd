"""Open an incident dataset as a dask-geopandas frame, one partition per Parquet part."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import dask_geopandas  # noqa: F401  (registers the GeoDataFrame backend used by from_map)
import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads

from hotspots.io.dataset import (
    PARTITIONING,
    REPORT_FILE,
    arrow_dataset,
    check_complete,
    dataset_filter,
    read_dtypes,
    report_from_dict,
    restore_dtypes,
    to_geopandas,
)
from hotspots.periods import PeriodLike

__all__ = ["read_incident_dataset"]


def _partition_dtypes(dtypes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return dtypes every partition can share.

    A categorical whose categories depend on the values (``category``) stays a string
    column, so partitions concatenate cleanly.
    """
    out = {}
    for name, info in dtypes.items():
        if info["dtype"] == "category" and info.get("categories") is None:
            out[name] = {"dtype": "string"}
        else:
            out[name] = info
    return out


class _ReadPart:
    """Read one part with the filter applied (a picklable callable for ``from_map``)."""

    def __init__(self, folder: Path, expr: pads.Expression | None, schema: pa.Schema,
                 dtypes: dict[str, dict[str, Any]], columns: list[str] | None) -> None:
        # the dataset's schema is read once here, not once per part on the workers
        self.folder, self.expr, self.schema, self.dtypes = folder, expr, schema, dtypes
        self.columns = columns

    def __call__(self, part: str) -> gpd.GeoDataFrame:
        one = pads.dataset([part], schema=self.schema, format="parquet",
                           partitioning=PARTITIONING, partition_base_dir=str(self.folder))
        frame = to_geopandas(one.to_table(filter=self.expr, columns=self.columns))
        frame = frame.iloc[np.argsort(frame["_pos"].to_numpy(), kind="stable")]
        return restore_dtypes(frame, self.dtypes)


def read_incident_dataset(path: Any, *, period: PeriodLike | None = None,
                          level: str | None = None,
                          area_ids: str | Sequence[str] | None = None,
                          columns: Sequence[str] | None = None) -> Any:
    """Open an incident dataset lazily as a dask-geopandas GeoDataFrame.

    Parameters
    ----------
    path : path-like
        A folder written by :func:`hotspots.io.stream.convert_incidents`.
    period, level, area_ids
        Filters, as :func:`hotspots.io.dataset.read_incident_dataset`; pushed down to
        Parquet in every partition.
    columns : list of str, optional
        Only these columns (``geometry`` is always read): counting needs only
        ``geometry, location_status, occurred`` and the ``<level>``/``<level>_id`` columns,
        and reading fewer columns is the main saving per partition.

    Returns
    -------
    dask_geopandas.GeoDataFrame
        One partition per Parquet part (a force's month), in EPSG:27700, with the columns
        and dtypes of the in-memory reader except ``category``, kept as a string column
        (its categories are only known once every partition is read). ``attrs`` of the
        computed frame are empty; the load report is returned by
        ``report_from_dict(json.load(open(path / "_load_report.json")))`` and in
        ``frame.attrs`` of :func:`hotspots.io.dataset.read_incident_dataset`.

    Raises
    ------
    hotspots.errors.ValidationError
        When ``path`` is not a complete dataset.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from hotspots.io import convert_incidents
    >>> from hotspots.distributed import read_incident_dataset
    >>> frame = pd.DataFrame({"x": [415000.0, 416000.0], "y": [433000.0, 434000.0],
    ...                       "when": ["2019-01-05", "2019-02-07"]})
    >>> out = tempfile.mkdtemp()
    >>> _ = convert_incidents(frame, out, x="x", y="y", occurred="when")
    >>> lazy = read_incident_dataset(out)
    >>> lazy.npartitions, len(lazy.compute(scheduler="synchronous"))
    (2, 2)
    """
    folder = Path(path)
    check_complete(folder)
    expr = dataset_filter(period, level, area_ids)
    data = arrow_dataset(folder)
    parts = [f.path for f in data.get_fragments(filter=expr)]
    dtypes = _partition_dtypes(read_dtypes(folder))
    cols = None if columns is None else list(dict.fromkeys([*columns, "geometry", "_pos"]))
    reader = _ReadPart(folder, expr, data.schema, dtypes, cols)
    empty = pads.dataset(data.files[:1], schema=data.schema, format="parquet",
                         partitioning=data.partitioning, partition_base_dir=str(folder))
    meta = restore_dtypes(to_geopandas(empty.head(0, columns=cols)), dtypes)
    if not parts:
        return dd.from_pandas(meta, npartitions=1)
    return dd.from_map(reader, parts, meta=meta, label="read-incident-dataset",
                       enforce_metadata=False)


def load_report(path: Any) -> Any:
    """Return the load report of a dataset (from its ``_load_report.json``)."""
    folder = Path(path)
    check_complete(folder)
    return report_from_dict(json.loads((folder / REPORT_FILE).read_text(encoding="utf-8")))
