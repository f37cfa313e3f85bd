"""Read the points of a geometry array once, and remember the last large array's reading.

:func:`read_geometries` is the reading behind :func:`hotspots.located.located_points`: the
type, emptiness and coordinates of every geometry, read straight from the objects with as
few passes over scattered memory as possible; rows that hold one object (police.uk's snap
points, as the readers build them) are read once per object. A notebook runs verb after
verb on one frame, so the last large array's reading is kept (:data:`_LAST`), and a reader
that knows which object each row holds says so (:func:`remember_shared_points`), so that
even the first verb does not work it out again.
"""

from __future__ import annotations

import sys
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots._objects import object_addresses
from hotspots._threads import halves, map_parts

__all__ = ["POINT_TYPE", "read_geometries", "remember_shared_points"]

POINT_TYPE = 0  #: shapely type id of a Point
#: rows sampled to decide whether a geometry array repeats the same objects
_SAMPLE = 16_384
#: The last large geometry array read (this many rows or more) and its reading: a notebook
#: runs verb after verb on one frame, and reading 1M scattered points costs more than most
#: kernels. Geometries are immutable and the entry holds its objects (see _Remembered), so
#: equal addresses mean the same reading.
_REMEMBER = 100_000


@dataclass(eq=False)
class _Remembered:
    """A geometry array's reading, and the objects that keep its addresses theirs.

    The entry holds the objects (a copy of the array, or its distinct objects when rows
    share them), so no new object can take one of their addresses: equal addresses then
    mean the very same objects. It goes when the arrays it was read from (or recalled for)
    go; an entry of shared objects stays while some other array still holds them (a verb's
    output is a copy of its input), to be recalled for it.
    """

    key: np.ndarray  # the address of each row's object
    reading: tuple[Any, ...]  # kinds, empty, x, y, groups, clean (see read_geometries)
    token: object  # what the finalizers that release the entry look for
    objects: np.ndarray  # the array's copy, or its distinct objects (shared)
    shared: bool
    holders: int  # arrays alive that it was read or recalled for


_LAST: list[_Remembered] = []


class _RawMemory:
    """A numpy view of process memory from ``start``, ``count`` 8-byte words (not copied)."""

    def __init__(self, start: int, count: int) -> None:
        self.__array_interface__ = {"data": (start, True), "shape": (count,), "typestr": "<u8",
                                    "version": 3}


def _exact_points(values: np.ndarray, addresses: np.ndarray | None) -> np.ndarray | None:
    """Whether each element is exactly a ``shapely.Point`` (its Python type), or None.

    A CPython object starts with its reference count and then its type, so the types are
    one gather from the objects' addresses, no call per object (22 ms on 1M points where
    ``shapely.get_type_id`` takes 28 ms). The layout is checked on a sample against
    ``type()``; on any other (free-threaded, non-CPython) the answer is None: ask GEOS.
    """
    if addresses is None:
        addresses = object_addresses(values)
    if addresses is None or addresses.size == 0:
        return None
    lo = int(addresses.min())
    if np.any(addresses & 7) or lo <= 0:
        return None
    words = (addresses - lo) >> 3
    memory = np.asarray(_RawMemory(lo, int(words.max()) + 2))
    types = memory[words + 1]
    check = np.unique(np.r_[0, values.size - 1, np.arange(0, values.size, 1 + values.size // 64)])
    if not all(int(types[i]) == id(type(values[i])) for i in check):
        return None
    result: np.ndarray = types == id(shapely.Point)
    return result


def _each_coordinate(values: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Type id, emptiness, x and y (NaN unless a non-empty point) of each geometry.

    ``get_x`` gives NaN for anything but a point (and None), so only rows without finite
    x and y need their type and emptiness read. GEOS refuses ``get_x`` on an empty point:
    when there are some (rows without a location), emptiness is read first.
    """
    try:
        x, y = shapely.get_x(values), shapely.get_y(values)
        empty = None
    except shapely.errors.GEOSException:
        empty = shapely.is_empty(values)
        x = np.full(values.size, np.nan)
        y = np.full(values.size, np.nan)
        full = np.flatnonzero(~empty)
        x[full], y[full] = shapely.get_x(values[full]), shapely.get_y(values[full])
    kinds = np.full(values.size, POINT_TYPE, dtype=np.int64)
    odd = np.flatnonzero(~(np.isfinite(x) & np.isfinite(y)))
    if odd.size:
        kinds[odd] = shapely.get_type_id(values[odd])
    if empty is None:
        empty = np.zeros(values.size, dtype=bool)
        if odd.size:
            empty[odd] = shapely.is_empty(values[odd])
    return kinds, empty, x, y


def _read_points(values: np.ndarray, addresses: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """As :func:`_each_coordinate` reading the objects once, and whether all rows are clean.

    ``shapely.bounds`` reads x and y in one pass (a point's bounds are ``(x, y, x, y)``),
    half the cost of ``get_x`` and ``get_y``; as bounds do not tell a point from a line of
    zero length, the Python type says which rows are points (:func:`_exact_points`).
    Other rows and non-finite points (none, usually; else ``clean`` is False) are read by
    :func:`_each_coordinate`, so every answer is its. Both reads wait on scattered memory
    and release the GIL: a large array's halves are read on two threads (``_threads``).
    """
    if addresses is None:
        addresses = object_addresses(values)
    # written through a transposed view, so that x and y come out contiguous, uncopied
    box = np.empty((4, values.size))

    def part(start: int, stop: int) -> np.ndarray | None:
        # rows start:stop that are not plain points with finite coordinates (positions in
        # values), or None when the Python types cannot be read
        rows = values[start:stop]
        is_point = _exact_points(rows, None if addresses is None else addresses[start:stop])
        if is_point is None:
            return None
        shapely.bounds(rows, out=box.T[start:stop])
        # x + y is finite exactly when both are, bar an overflow near 1e308, which only
        # sends a row to the exact reading below (the same answer, slower)
        with np.errstate(over="ignore", invalid="ignore"):
            ok = np.isfinite(box[0, start:stop] + box[1, start:stop])
        ok &= is_point
        return np.flatnonzero(~ok) + start

    odds = map_parts(part, halves(values.size))
    if any(odd is None for odd in odds):
        kinds, empty, x, y = _each_coordinate(values)
        return kinds, empty, x, y, False
    odd = np.concatenate([o for o in odds if o is not None])
    x, y = box[0], box[1]
    # POINT_TYPE is 0, and zeroed memory comes from the system with no pass over it
    kinds = np.zeros(values.size, dtype=np.int64)
    empty = np.zeros(values.size, dtype=bool)
    if odd.size:
        kinds[odd], empty[odd], x[odd], y[odd] = _each_coordinate(values[odd])
    return kinds, empty, x, y, odd.size == 0


def read_geometries(values: np.ndarray) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool
]:
    """Type id, emptiness, x and y of every geometry, the groups of repeated objects, clean.

    ``x``, ``y`` are NaN where the geometry is not a non-empty point. police.uk data put
    millions of incidents on tens of thousands of snap points, and a reader may hand one
    Point object to every incident at one: then each distinct object is read once (hashing
    3M addresses costs a fifth of reading 3M scattered objects), ``groups`` is each row's
    object and the arrays are per object; else ``groups`` is None and they are per row.
    ``clean``: all are finite points. The last large array's reading is kept (``_LAST``).
    """
    _sweep()
    groups = None
    distinct = values
    key = addresses = object_addresses(values)
    remembered = _recall(values, key)
    if remembered is not None:
        kinds, empty, x, y, groups, clean = remembered
        return kinds, empty, x.copy(), y.copy(), groups, clean  # copies: callers own x, y
    if addresses is not None and _repeats_objects(addresses):
        groups, uniques = _factorize_addresses(addresses)
        # any row of a group will do: they all hold the same object
        one = np.empty(uniques.size, dtype=np.int64)
        one[groups] = np.arange(values.size)
        distinct = values[one]
        addresses = uniques
    kinds, empty, x, y, clean = _read_points(distinct, addresses)
    if key is not None and values.size >= _REMEMBER:
        _remember(values, key, (kinds, empty, x, y, groups, clean),
                  None if groups is None else distinct)
    return kinds, empty, x, y, groups, clean


def _repeats_objects(addresses: np.ndarray) -> bool:
    """Tell from a sample whether a large array holds the same objects on many rows."""
    if addresses.size <= 4 * _SAMPLE:
        return False
    # with all-distinct objects a sample has no repeat at all; a few percent of repeats
    # mean at most ~10 x _SAMPLE distinct objects, where reading each once pays for the
    # hashing many times over
    sample = np.sort(addresses[:: addresses.size // _SAMPLE])
    return bool(np.count_nonzero(sample[1:] != sample[:-1]) + 1 <= 0.95 * sample.size)


def _recall(values: np.ndarray, key: np.ndarray | None) -> tuple[Any, ...] | None:
    """Return the remembered reading of ``values``, whose objects have addresses ``key``."""
    last = _LAST[0] if _LAST else None
    if key is None or last is None or not np.array_equal(last.key, key):
        return None
    last.holders += 1  # it now lives with this array too
    weakref.finalize(values, _release, last.token)
    return last.reading


def _remember(values: np.ndarray, key: np.ndarray, reading: tuple[Any, ...],
              distinct: np.ndarray | None) -> None:
    """Keep the reading of ``values`` (``distinct``: its objects, when rows share them)."""
    kinds, empty, x, y, groups, clean = reading
    for a in (kinds, empty, groups):
        if a is not None:
            a.flags.writeable = False  # shared with later calls: nobody writes them
    reading = (kinds, empty, x.copy(), y.copy(), groups, clean)
    shared = distinct is not None
    # the distinct objects are a new array already; the rows are the caller's array
    objects = distinct if distinct is not None else values.copy()
    # the finalizer holds a token, not the entry, which a later array may replace
    token = object()
    _LAST[:] = [_Remembered(key, reading, token, objects, shared, 1)]
    weakref.finalize(values, _release, token)


def _release(token: object) -> None:
    """An array the entry ``token`` was read for has gone: forget it when none is left.

    Unless its objects are shared and still held elsewhere (each is held once by the entry
    and once by the call to ``sys.getrefcount``; a sample of them is asked): they then
    belong to a copy of the frame, such as a verb's output, and the next verb on it will
    recall the entry (and hold it for that array).
    """
    last = _LAST[0] if _LAST else None
    if last is None or last.token is not token:
        return
    last.holders -= 1
    _sweep()


def _sweep() -> None:
    """Forget the entry when no array it was read or recalled for lives.

    Shared objects still held elsewhere keep it: a copy of the frame holds them, and a
    verb may yet recall the entry for it; the next reading asks again.
    """
    last = _LAST[0] if _LAST else None
    if last is None or last.holders > 0:
        return
    objects = last.objects
    if last.shared:
        sample = (objects[i] for i in range(0, objects.size, max(1, objects.size // 64)))
        if any(o is not None and sys.getrefcount(o) > 3 for o in sample):
            return
    _LAST.clear()


def remember_shared_points(values: np.ndarray, table: np.ndarray, codes: np.ndarray) -> None:
    """Read, once, the points of an array built as ``table[codes]``, for the verbs to come.

    A reader that makes one point object per distinct location knows which object each row
    holds; reading the table's few objects and grouping the rows by their codes costs a
    fraction of what the first verb would pay to find that out (hashing every row's
    address, then reading the objects). Nothing is kept unless the rows are checked to hold
    those very objects, and the array is large and repeats objects (as
    :func:`read_geometries` would decide), so the verbs get the same reading either way.

    Parameters
    ----------
    values : numpy.ndarray of object
        The geometries, one per row (the reader's output column).
    table : numpy.ndarray of object
        Distinct geometry objects.
    codes : numpy.ndarray of int
        Position in ``table`` of each row's object.
    """
    if values.size < _REMEMBER:
        return
    key = object_addresses(values)
    if key is None or not _repeats_objects(key):
        return
    table_addresses = object_addresses(table)
    if table_addresses is None or np.unique(table_addresses).size != table.size \
            or not np.array_equal(table_addresses[codes], key):
        return  # not the promised objects: the first verb reads them itself
    # numbered in order of first appearance, as hashing the rows' addresses numbers them
    groups, first = pd.factorize(codes)
    distinct = table[first]
    kinds, empty, x, y, clean = _read_points(distinct, table_addresses[first])
    _remember(values, key, (kinds, empty, x, y, groups.astype(np.int64, copy=False), clean),
              distinct)


def _factorize_addresses(addresses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group code of each address (codes ``0..m-1``) and the ``m`` distinct addresses.

    Addresses are multiples of the allocator's alignment (16 bytes), and pandas' int64
    hash (shifts and xors) then fills a sixteenth of its buckets; divided by it first, 3M
    rows holding 40k objects group in half the time (0.12 s against 0.23 s).
    """
    low = int(np.bitwise_or.reduce(addresses)) & 15
    shift = (low & -low).bit_length() - 1 if low else 4  # trailing zero bits, at most 4
    codes, uniques = pd.factorize(addresses >> shift)
    return codes.astype(np.int64, copy=False), uniques.astype(np.int64, copy=False) << shift
