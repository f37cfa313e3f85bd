"""The raster point index behind :meth:`AreaSet.locate <hotspots.areas.AreaSet.locate>`.

Each level is turned once into a *label raster* over its bounding box (about four million
cells; 14 m cells over Bradford), cached on the AreaSet. Cells that no boundary touches
carry the label of their area (found by one exact test per connected block of such cells);
cells that a boundary crosses are marked. A point is labelled by an array lookup of its
cell; only points in marked cells (about 1-3 % over Bradford) get an exact point-in-polygon
test (candidate areas by bounding box, then the prepared polygon), once per distinct
location (police.uk points repeat). The raster is built by the first lookup of more than
65,536 points, or once small lookups have added up to 262,144; smaller lookups before it (a
police.uk frame's 40k distinct locations) get exact tests alone, which cost less than
building it. Points are processed in
chunks, so memory stays flat. The result is identical to
``geopandas.sjoin(predicate="intersects")`` with the edge rule (the smallest ``area_id``
wins among the areas whose closed polygon holds the point).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

logger = logging.getLogger(__name__)

# label raster: the largest number of cells, and the smallest cell side in metres
_MAX_CELLS = 4_000_000
_MIN_CELL = 0.5
# boundary pieces are widened by this (metres) before marking cells, so that rounding in the
# cell arithmetic can never put a point into an unmarked cell that a boundary touches
_EPS = 1e-4
# points per chunk in the lookup (bounds the temporaries to ~40 MB)
_CHUNK = 1 << 20
# up to this many areas, exact tests find candidate areas by comparing every point with every
# bounding box (no point geometries are made); above it, through the STRtree
_DENSE_BOXES = 64
# a lookup of at most this many points is answered by exact tests alone (about 0.5 us a point
# over Bradford's wards) when the raster is not built yet: building it costs 0.1-0.2 s, which
# a police.uk frame's 40k distinct locations never repay; once four times this many points
# went that way (small chunks of a stream), the raster is built
_EXACT_ONLY = 65_536
#: GEOS builds a prepared polygon's edge index on its first query, unguarded (prepared
#: geometries are not thread-safe, libgeos/geos#825): two threads querying the same areas
#: at once (Dask workers in one process, a user's threads) can abort the interpreter. The
#: queries on prepared areas, and the lazy raster built from them, hold this lock
#: (reentrant: building the raster queries them).
_PREPARED = threading.RLock()


@dataclass
class _LabelRaster:
    """Point-in-polygon lookup for one level: a raster of labels plus exact tests at edges.

    ``lut`` holds, per cell (row-major, row = y), the position of the area that holds the
    whole cell, ``-1`` when the cell lies outside every area, and ``-2`` when a boundary
    crosses the cell (points there get an exact test).
    """

    geoms: np.ndarray
    rank: np.ndarray  # rank of each area's id in string order (edge rule)
    by_rank: np.ndarray  # area position of each rank
    tree: shapely.STRtree
    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    lut: np.ndarray = field(repr=False)
    share_marked: float = 0.0
    bounds: np.ndarray = field(default_factory=lambda: np.empty((0, 4)), repr=False)
    n_exact: int = 0  # points looked up by exact tests alone, before the raster was built

    @classmethod
    def build(cls, geoms: np.ndarray, ids: Sequence[str], *, raster: bool = True
              ) -> _LabelRaster:
        """Index ``geoms``; with ``raster=False`` the raster waits for a large lookup."""
        geoms = np.asarray(geoms, dtype=object)
        order = np.argsort(np.asarray(ids, dtype=str), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self = cls(geoms=geoms, rank=rank, by_rank=order, tree=shapely.STRtree(geoms), x0=0.0,
                   y0=0.0, cell=1.0, nx=0, ny=0, lut=np.empty(0, dtype=np.int16),
                   bounds=shapely.bounds(geoms))
        shapely.prepare(geoms)
        if raster:
            self._build_raster()
        return self

    def _build_raster(self) -> None:
        geoms = self.geoms
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        cell = max(math.sqrt((xmax - xmin) * (ymax - ymin) / _MAX_CELLS), _MIN_CELL)
        # one cell of margin all round: points on the bounding box edge fall inside the raster
        x0, y0 = xmin - cell, ymin - cell
        nx = int((xmax - x0) // cell) + 2
        ny = int((ymax - y0) // cell) + 2
        marked = _mark_boundary_cells(geoms, x0, y0, cell, nx, ny)
        # No boundary crosses an unmarked cell, nor the edge shared by two unmarked neighbours,
        # so a 4-connected block of unmarked cells lies wholly in one area (or in none): one
        # exact test at one cell centre labels the whole block.
        # scipy.ndimage takes a quarter of a second to import: only for the raster
        from scipy import ndimage

        blocks, n_blocks = ndimage.label(~marked)
        rep_y, rep_x = _block_cells(blocks, n_blocks)
        dtype = np.int16 if len(geoms) < np.iinfo(np.int16).max else np.int32
        label = np.full(n_blocks + 1, -2, dtype=dtype)  # block 0: the marked cells
        label[1:] = self.exact(x0 + (rep_x + 0.5) * cell, y0 + (rep_y + 0.5) * cell)
        self.x0, self.y0, self.cell, self.nx, self.ny = x0, y0, cell, nx, ny
        self.share_marked = float(marked.mean())
        self.lut = label[blocks.ravel()]
        logger.info(
            "label raster for %d areas: %d x %d cells of %.1f m, %.1f%% on boundaries",
            len(geoms), nx, ny, cell, 100 * self.share_marked,
        )

    def exact(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Exact area positions of points (closed polygons, smallest id on shared edges)."""
        out = np.full(len(x), -1, dtype=np.int64)
        if len(x) == 0:
            return out
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        pi, gi = self._candidates(x, y)
        # prepared polygons answer point-in-polygon from their edge index: 3-10x faster than
        # the tree's own predicate, which prepares the (point) query geometry instead
        with _PREPARED:
            hit = shapely.intersects_xy(self.geoms[gi], x[pi], y[pi])
        pi, gi = pi[hit], gi[hit]
        if len(pi) == 0:
            return out
        best = np.full(len(x), len(self.geoms), dtype=np.int64)
        np.minimum.at(best, pi, self.rank[gi])
        hit = best < len(self.geoms)
        out[hit] = self.by_rank[best[hit]]
        return out

    def _candidates(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (point, area) whose bounding boxes hold each other (closed boxes)."""
        n_geoms = len(self.geoms)
        if n_geoms > _DENSE_BOXES:
            return self.tree.query(shapely.points(x, y))
        # few areas: comparing every point with every box beats making point geometries
        b = self.bounds
        pis, gis = [], []
        step = max(1, _CHUNK // (4 * n_geoms))
        for start in range(0, len(x), step):
            xs, ys = x[start:start + step, None], y[start:start + step, None]
            inb = (xs >= b[:, 0]) & (xs <= b[:, 2]) & (ys >= b[:, 1]) & (ys <= b[:, 3])
            p, g = np.nonzero(inb)
            pis.append(p + start)
            gis.append(g)
        return np.concatenate(pis), np.concatenate(gis)

    def _exact_once(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`exact`, testing each distinct location once.

        police.uk snaps crimes to a few thousand points, so the points near boundaries
        repeat: hashing them costs far less than the polygon tests it saves.
        """
        if len(x) < 4096 or _strictly_sorted(x, y):
            return self.exact(x, y)
        pairs = np.empty(len(x), dtype=np.complex128)
        pairs.real, pairs.imag = x, y
        codes, distinct = pd.factorize(pairs)
        if len(distinct) > len(x) // 2:
            return self.exact(x, y)
        return self.exact(distinct.real, distinct.imag)[codes]

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Area position of each point, ``-1`` outside every area or for NaN coordinates."""
        n = len(x)
        with _PREPARED:  # one thread decides, and builds the raster once
            exact_only = self.lut.size == 0 and n <= _EXACT_ONLY \
                and self.n_exact + n <= 4 * _EXACT_ONLY
            if exact_only:
                # many small lookups (chunks of a stream) add up: past the budget the
                # raster pays
                self.n_exact += n
            elif self.lut.size == 0:
                self._build_raster()
        if exact_only:
            # NaN lies in no bounding box, so it comes out as -1
            return self.exact(np.asarray(x, dtype=float),
                              np.asarray(y, dtype=float)).astype(np.int32)
        out = np.empty(n, dtype=np.int32)
        inv = 1.0 / self.cell
        for start in range(0, n, _CHUNK):
            xs = x[start:start + _CHUNK]
            ys = y[start:start + _CHUNK]
            fx = (xs - self.x0) * inv
            fy = (ys - self.y0) * inv
            # NaN compares False, so unknown coordinates count as outside the raster
            ok = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
            fx[~ok] = 0
            fy[~ok] = 0
            idx = fy.astype(np.intp)
            idx *= self.nx
            idx += fx.astype(np.intp)
            code = self.lut[idx].astype(np.int32)
            code[~ok] = -1
            need = np.flatnonzero(code == -2)
            if len(need):
                code[need] = self._exact_once(xs[need], ys[need])
            out[start:start + _CHUNK] = code
        return out


def _strictly_sorted(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether the points are in strictly increasing (y, x) order, so all distinct.

    Cell centres of a grid come so (row by row); hashing them to find repeats is wasted.
    """
    dy = y[1:] - y[:-1]
    return bool(np.all((dy > 0) | ((dy == 0) & (x[1:] > x[:-1]))))


def _block_cells(blocks: np.ndarray, n_blocks: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of one cell of each block ``1..n_blocks`` of a label image.

    The top row of a block's bounding box holds a cell of the block, so one short row
    segment per block is searched rather than the whole raster.
    """
    from scipy import ndimage  # loaded with the raster (see above)

    rows = np.empty(n_blocks, dtype=np.int64)
    cols = np.empty(n_blocks, dtype=np.int64)
    for i, box in enumerate(ndimage.find_objects(blocks)):
        if box is None:  # a label without cells (not made by ndimage.label) labels nothing
            rows[i] = cols[i] = 0
            continue
        top = blocks[box[0].start, box[1]]
        rows[i] = box[0].start
        cols[i] = box[1].start + int(np.argmax(top == i + 1))
    return rows, cols


def _mark_boundary_cells(geoms: np.ndarray, x0: float, y0: float, cell: float, nx: int,
                         ny: int) -> np.ndarray:
    """Boolean raster of the cells that any polygon ring touches (a conservative superset).

    Each ring segment is cut into pieces no longer than a cell; a piece touches at most a
    few cells, and every cell in the piece's (slightly widened) bounding box is marked.
    """
    rings = shapely.get_rings(shapely.get_parts(geoms))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    d = b - a
    k = np.maximum(1, np.ceil(np.hypot(d[:, 0], d[:, 1]) / cell)).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), k)
    j = np.arange(len(seg)) - np.repeat(np.cumsum(k) - k, k)
    p = a[seg] + d[seg] * (j / k[seg])[:, None]
    q = a[seg] + d[seg] * ((j + 1) / k[seg])[:, None]
    lo = np.minimum(p, q) - _EPS
    hi = np.maximum(p, q) + _EPS

    def index(v: np.ndarray, origin: float, size: int) -> np.ndarray:
        return np.clip(np.floor((v - origin) / cell), 0, size - 1).astype(np.int64)

    ix0, ix1 = index(lo[:, 0], x0, nx), index(hi[:, 0], x0, nx)
    iy0, iy1 = index(lo[:, 1], y0, ny), index(hi[:, 1], y0, ny)
    marked = np.zeros((ny, nx), dtype=bool)
    span = int(max((ix1 - ix0).max(initial=0), (iy1 - iy0).max(initial=0))) + 1
    for dx in range(span):
        for dy in range(span):
            sel = (ix0 + dx <= ix1) & (iy0 + dy <= iy1)
            marked[iy0[sel] + dy, ix0[sel] + dx] = True
    return marked
