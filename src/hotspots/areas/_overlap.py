"""How the areas of a lower level overlap those of a higher one (lookup and nesting)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

#: a lower area "lies within" a higher area when at least this share of it does; generalised
#: boundaries of different levels are simplified separately, so exact containment never holds
NEST_TOLERANCE = 0.05


def _nest_text(row: Any) -> str:
    if row.nests:
        return f"{row.lower} -> {row.higher}: nested"
    return (f"{row.lower} -> {row.higher}: not nested ({row.n_not_within} {row.lower} areas "
            f"not within one {row.higher}, {row.n_beyond} {row.higher} areas reach beyond)")


@dataclass
class _Overlap:
    """Overlap between the areas of a lower and a higher level."""

    best: np.ndarray  # position of the higher area with the largest overlap, -1 when none
    best_share: np.ndarray  # share of the lower area in it
    coverage: np.ndarray  # per higher area: share covered by lower areas assigned to it
    pairs: dict[tuple[int, int], float]  # (lower, higher) -> overlap area
    lower_area: np.ndarray

    @classmethod
    def compute(cls, lower: gpd.GeoDataFrame, higher: gpd.GeoDataFrame) -> _Overlap:
        lg = lower.geometry.values
        hg = higher.geometry.values
        li, hi = shapely.STRtree(np.asarray(hg)).query(np.asarray(lg), predicate="intersects")
        inter = shapely.area(shapely.intersection(np.asarray(lg)[li], np.asarray(hg)[hi]))
        lower_area = shapely.area(np.asarray(lg))
        best = np.full(len(lg), -1, dtype=np.int64)
        best_area = np.zeros(len(lg))
        # per lower area, the pair with the largest overlap (ties: the smaller position)
        order = np.lexsort((hi, -inter, li))
        first = order[np.r_[True, li[order][1:] != li[order][:-1]]] if len(order) else order
        best[li[first]] = hi[first]
        best_area[li[first]] = inter[first]
        best[best_area <= 0] = -1
        share = np.divide(best_area, lower_area, out=np.zeros(len(lg)), where=lower_area > 0)
        covered = np.zeros(len(hg))
        assigned = best[li] == hi
        np.add.at(covered, hi[assigned], inter[assigned])
        high_area = shapely.area(np.asarray(hg))
        coverage = np.divide(covered, high_area, out=np.zeros(len(hg)), where=high_area > 0)
        pairs = {(int(a), int(b)): float(v) for a, b, v in zip(li, hi, inter, strict=True)}
        return cls(best=best, best_share=share, coverage=coverage, pairs=pairs,
                   lower_area=lower_area)

    def share_in(self, higher_pos: np.ndarray) -> np.ndarray:
        """Share of each lower area inside the given higher area (0 when none)."""
        out = np.zeros(len(higher_pos))
        for i, h in enumerate(higher_pos):
            if h >= 0 and self.lower_area[i] > 0:
                out[i] = self.pairs.get((i, int(h)), 0.0) / self.lower_area[i]
        return out
