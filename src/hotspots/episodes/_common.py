"""Shared checks and helpers of :mod:`hotspots.episodes` (input validation, coordinates)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots._params import current_verb
from hotspots.errors import Problem, ValidationError

#: Columns of :func:`hotspots.io.read_missing_episodes` every episode function needs.
EPISODE_COLUMNS = ("child", "start")


def check_episodes(episodes: Any, caller: str | None = None,
                   needed: Sequence[str] = EPISODE_COLUMNS) -> None:
    """Raise a ValidationError naming each missing column (pass read_missing_episodes output).

    Messages name ``caller`` or else the public verb that is running
    (:func:`hotspots._params.current_verb`).
    """
    caller = caller or current_verb()
    if not isinstance(episodes, pd.DataFrame):
        raise TypeError(f"{caller} expects the episodes frame of read_missing_episodes, "
                        f"not {type(episodes).__name__}.")
    missing = [c for c in needed if c not in episodes.columns]
    if missing:
        raise ValidationError([Problem(
            "missing_column", f"{caller}: column {c!r} was not found; pass the output of "
            "hotspots.read_missing_episodes (or simulate_episodes). Columns found: "
            f"{', '.join(map(repr, map(str, episodes.columns)))}.", column=c) for c in missing])


def xy_of(geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return x and y of point geometries (NaN for empty or missing ones)."""
    arr = np.asarray(getattr(geoms, "array", geoms), dtype=object)
    arr = np.where(pd.isna(arr), None, arr)  # type: ignore[call-overload]  # stubs reject None
    # get_coordinates skips empty and missing geometries (get_x raises on empty points)
    xy, which = shapely.get_coordinates(arr, return_index=True)
    x = np.full(len(arr), np.nan)
    y = np.full(len(arr), np.nan)
    x[which], y[which] = xy[:, 0], xy[:, 1]
    return x, y


def child_codes(child: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Factorise pseudonyms: codes (-1 where blank) and the distinct pseudonyms."""
    codes, uniques = pd.factorize(child.astype("string"), use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def start_times(episodes: pd.DataFrame, column: str = "start") -> np.ndarray:
    """Start times as int64 nanoseconds with NaT as the minimum int64 (pandas' own code)."""
    return pd.to_datetime(episodes[column], errors="coerce").to_numpy(
        dtype="datetime64[ns]").astype(np.int64)


NAT = np.iinfo(np.int64).min
