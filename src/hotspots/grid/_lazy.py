"""Cell polygons made on first use: a GeometryArray that builds itself when read.

A grid verb returns one polygon per cell, but most calls never look at them (the
statistics use the lattice; a table or a map of a few cells reads a few). Making 150,000
square polygons costs more than the whole Gi* verb around it, so a clipped grid's frame
holds a :class:`LazyCells` array: it has the length, dtype and CRS of the polygons and
builds them (once per grid, shared through the cache) the first time anything reads them:
a repr, a map, ``.area``, a file. The frame and its values are the same as with the
polygons made up front; only when the cost is paid changes.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from geopandas.array import GeometryArray

__all__ = ["CellSource", "LazyCells"]


class CellSource:
    """The polygons of some cells of a lattice, made once on first request."""

    def __init__(self, lattice: Any, cell_ids: np.ndarray) -> None:
        self.lattice = lattice
        self.cell_ids = cell_ids
        self._polygons: np.ndarray | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self.cell_ids.size)

    def polygons(self) -> np.ndarray:
        """The cells' polygons (a new array each call; the polygons are made once)."""
        with self._lock:
            if self._polygons is None:
                self._polygons = self.lattice.polygons(self.cell_ids)
        # each array owns its buffer, so setting a cell in one frame changes no other
        return self._polygons.copy()


def _plain(data: np.ndarray, crs: Any) -> GeometryArray:
    return GeometryArray(data, crs=crs)


class _Holder:
    """The polygons of one array and of its views (made on first read)."""

    __slots__ = ("made", "source")

    def __init__(self, source: CellSource) -> None:
        self.source = source
        self.made: np.ndarray | None = None


class LazyCells(GeometryArray):
    """A :class:`geopandas.array.GeometryArray` of cell polygons made when first read.

    Every method of the parent reads ``self._data``, which makes the polygons; length,
    dtype, CRS, views and copies do not. Views share one buffer (as views do); a copy gets
    its own. Pickling gives a plain array.
    """

    def __init__(self, data: Any, crs: Any = None) -> None:
        self._holder: _Holder | None
        if isinstance(data, (CellSource, _Holder)):
            self._holder = data if isinstance(data, _Holder) else _Holder(data)
            self._crs = None
            self.crs = crs
            self._sindex = None
        else:
            self._holder = None
            super().__init__(data, crs=crs)

    @property
    def _data(self) -> np.ndarray:
        holder = self._holder
        assert holder is not None
        if holder.made is None:
            holder.made = holder.source.polygons()
        return holder.made

    @_data.setter
    def _data(self, value: np.ndarray) -> None:
        if getattr(self, "_holder", None) is None:
            self._holder = _Holder(CellSource(None, np.empty(0, dtype=np.int64)))
        assert self._holder is not None
        self._holder.made = value

    @property
    def is_made(self) -> bool:
        """Whether the polygons exist yet."""
        return self._holder is not None and self._holder.made is not None

    @property
    def size(self) -> int:
        holder = self._holder
        assert holder is not None
        return len(holder.source) if holder.made is None else int(holder.made.size)

    @property
    def shape(self) -> tuple:
        return (self.size,)

    def view(self, dtype: Any = None) -> Any:
        if dtype is None and not self.is_made:
            assert self._holder is not None
            return LazyCells(self._holder, crs=self._crs)
        return super().view(dtype)

    def copy(self, *args: Any, **kwargs: Any) -> GeometryArray:
        if not self.is_made:
            assert self._holder is not None
            return LazyCells(self._holder.source, crs=self._crs)
        return super().copy(*args, **kwargs)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_plain, (self._data, self._crs))
