"""Read the addresses behind a numpy object array, to group its elements by identity.

An object array holds one pointer per element. Reading those pointers as integers tells
which elements are the very same Python object at the cost of a memory copy, where comparing
or hashing the objects costs a Python call per element (3M rows: 2 ms against 50 ms).
"""

from __future__ import annotations

import ctypes

import numpy as np

__all__ = ["object_addresses"]


def object_addresses(values: np.ndarray, *, copy: bool = True) -> np.ndarray | None:
    """Return the address of each element of an object array (CPython's ``id``), or None.

    Read straight from the array's buffer of object pointers, so equal addresses mean the
    very same object. None if the array is not a contiguous buffer of 8-byte pointers.

    Parameters
    ----------
    values : numpy.ndarray
        An object array.
    copy : bool, default True
        Copy the addresses (True), or view the array's own buffer (False: no allocation,
        but valid only while ``values`` lives and is not changed; for a caller that reads
        them at once).

    Returns
    -------
    numpy.ndarray of int64 or None

    Examples
    --------
    >>> name = "2023-01.csv"
    >>> values = np.array([name, name, "other"], dtype=object)
    >>> addresses = object_addresses(values)
    >>> bool(addresses[0] == addresses[1] == id(name)), bool(addresses[2] == id(name))
    (True, False)
    """
    if values.dtype != object or values.itemsize != 8 or not values.flags.c_contiguous:
        return None
    raw = (ctypes.c_uint64 * values.size).from_address(values.ctypes.data)
    view = np.frombuffer(memoryview(raw).cast("B"), dtype=np.int64)
    return view.copy() if copy else view
