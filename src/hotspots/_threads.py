"""Run one pass over the two halves of a large input on two threads.

numpy's ufuncs and gathers, ``np.floor`` and shapely 2's vectorised functions release the
GIL, so a pass over a million points split in two halves runs on both cores of a small
machine. The split depends only on the input's size, never on whether threads are used, so
a result assembled from the halves is bit for bit the same with threads or without
(:func:`serial` turns them off, for tests and for comparing).

API
---
``halves(n, minimum=MIN_PARALLEL) -> list[tuple[int, int]]``
    ``[(0, n)]`` below ``minimum``, else ``[(0, n // 2), (n // 2, n)]``.
``map_parts(fn, parts) -> list``
    ``[fn(start, stop) for start, stop in parts]``, the second part on a worker thread.
``serial()``
    Context manager: run every part on the calling thread.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["MIN_PARALLEL", "halves", "map_parts", "serial"]

_T = TypeVar("_T")

#: Inputs smaller than this run in one part: handing work to a thread costs 50-100 us,
#: about what a few ufunc passes over 100k values take.
MIN_PARALLEL = 100_000

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = -1
_serial = threading.local()
_PREFIX = "hotspots-half"


def halves(n: int, minimum: int = MIN_PARALLEL) -> list[tuple[int, int]]:
    """Split ``range(n)`` in two halves, or keep it whole below ``minimum``.

    Parameters
    ----------
    n : int
        Number of items.
    minimum : int
        Smallest ``n`` that is split.

    Returns
    -------
    list of tuple of int
        ``(start, stop)`` pairs covering ``0..n``.

    Examples
    --------
    >>> halves(10, minimum=4)
    [(0, 5), (5, 10)]
    >>> halves(3, minimum=4)
    [(0, 3)]
    """
    if n < max(2, minimum):
        return [(0, n)]
    half = n // 2
    return [(0, half), (half, n)]


def _worker() -> ThreadPoolExecutor | None:
    global _pool, _pool_pid
    if getattr(_serial, "on", False) or (os.cpu_count() or 1) < 2:
        return None
    if threading.current_thread().name.startswith(_PREFIX):
        return None  # a part that splits again must not wait for its own thread
    with _lock:
        # a forked child inherits the pool object but not its thread: make a new one
        if _pool is None or _pool_pid != os.getpid():
            # imported here: 5 ms that a small input, which never splits, does not need
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=_PREFIX)
            _pool_pid = os.getpid()
        return _pool


def map_parts(fn: Callable[[int, int], _T], parts: list[tuple[int, int]]) -> list[_T]:
    """Call ``fn(start, stop)`` for each part; with two parts, the second on a worker thread.

    Parameters
    ----------
    fn : callable
        Work on one part; it should spend its time in code that releases the GIL.
    parts : list of tuple of int
        From :func:`halves`.

    Returns
    -------
    list
        The results, in the order of ``parts``.

    Examples
    --------
    >>> map_parts(lambda a, b: b - a, halves(10, minimum=4))
    [5, 5]
    """
    pool = _worker() if len(parts) == 2 else None
    if pool is None:
        return [fn(a, b) for a, b in parts]
    future = pool.submit(fn, *parts[1])
    try:
        first = fn(*parts[0])
    finally:
        second = future.result()  # also waits when the first part raised
    return [first, second]


@contextlib.contextmanager
def serial() -> Iterator[None]:
    """Run the parts of :func:`map_parts` on the calling thread inside this block.

    Examples
    --------
    >>> with serial():
    ...     map_parts(lambda a, b: b - a, halves(10, minimum=4))
    [5, 5]
    """
    before = getattr(_serial, "on", False)
    _serial.on = True
    try:
        yield
    finally:
        _serial.on = before
