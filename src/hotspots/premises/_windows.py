"""When to go: the busiest day and 3-hour window of the incidents behind each operation.

Used by :func:`hotspots.premises.visit_plan`; police.uk data (months only) gives "unknown".
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.premises._common import PREMISES_ID, time_precision
from hotspots.premises.link import link_premises

__all__ = ["time_windows"]

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")



def time_windows(chosen: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame | None,
                  link: pd.DataFrame | None, radius: float | None, ranked: gpd.GeoDataFrame,
                  groups: np.ndarray, op_number: dict[int, int]) -> dict[Any, Any]:
    """Per operation: linked incidents, peak day of week and busiest 3-hour window."""
    if incidents is None:
        return {}
    if link is None:
        if radius is None:
            radius = float(ranked.attrs.get("hotspots", {}).get("radius", 50.0))
        link = link_premises(incidents, ranked, max_distance=radius)
    occurred = (pd.to_datetime(incidents[schema.OCCURRED], errors="coerce")
                if schema.OCCURRED in incidents.columns
                else pd.Series(pd.NaT, index=incidents.index))
    precision = time_precision(occurred)
    op_of_pid = {
        str(pid): op_number[g]
        for pid, g in zip(chosen[PREMISES_ID].astype(str), groups, strict=True)
    }
    ops = link[PREMISES_ID].astype("string").map(op_of_pid)
    result: dict[Any, Any] = {"precision": precision}
    frame = pd.DataFrame({"op": ops.to_numpy(dtype=object), "t": occurred.to_numpy()})
    frame = frame[frame["op"].notna()]
    for op, sub in frame.groupby("op"):
        t = pd.to_datetime(sub["t"]).dropna()
        info: dict[str, Any] = {"n_incidents": len(sub), "peak_day": "unknown",
                                "peak_hours": "unknown", "time_window": "unknown"}
        parts = []
        if precision in ("day", "time") and len(t):
            counts = np.bincount(t.dt.day_of_week.to_numpy(), minlength=7)
            day = int(np.argmax(counts))  # ties: the earlier day of the week
            info["peak_day"] = _DAYS[day]
            parts.append(f"{_DAYS[day]} ({counts[day]} of {len(t)})")
        if precision == "time" and len(t):
            hours = np.bincount(t.dt.hour.to_numpy(), minlength=24)
            window3 = hours + np.roll(hours, -1) + np.roll(hours, -2)
            h = int(np.argmax(window3))
            info["peak_hours"] = f"{h:02d}:00-{(h + 3) % 24:02d}:00"
            parts.append(f"{info['peak_hours']} ({window3[h]} of {len(t)})")
        if parts:
            info["time_window"] = ", ".join(parts)
        result[int(op)] = info
    return result

