"""Atomic file writes: a reader never sees a half-written output.

Every writer of the library writes to a temporary file in the folder of the final file and
renames it over the final path (``os.replace``, atomic on POSIX and Windows when both are on
one file system) only when the write has finished. An error or Ctrl-C part-way leaves the
previous file, if any, intact and removes the temporary file: a committee table can never be
a truncated one with complete-looking rows.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "atomic_save", "atomic_write_text"]


def _temporary_name(final: Path) -> Path:
    # A hidden name in the same folder (so the rename stays on one file system) that keeps
    # the suffix, because some writers (GDAL, openpyxl) choose the format from it. The file
    # is not created here: the writer creates it with the usual permissions.
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return final.with_name(f".{final.stem}.{token}.partial{final.suffix}")


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Give a temporary path to write to; rename it to ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or path-like
        The final file. Its folder is created when missing.

    Yields
    ------
    pathlib.Path
        A path in the same folder, with the same suffix, that does not exist yet.

    Notes
    -----
    When the block raises (including ``KeyboardInterrupt``), the temporary file is removed and
    the final path is left as it was (absent, or its previous content).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "table.csv") as tmp:
    ...     _ = tmp.write_text("a,b")
    >>> (folder / "table.csv").read_text()
    'a,b'
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_name(final)
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"Nothing was written to {final}.")
        os.replace(tmp, final)
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: Path) -> None:
    # SQLite-based formats (GeoPackage) may leave journal files beside the temporary file.
    for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(OSError):  # best effort: the original error is re-raised
            leftover.unlink(missing_ok=True)


def atomic_write_text(path: str | os.PathLike[str], text: str, *,
                      encoding: str = "utf-8") -> Path:
    """Write text to ``path`` atomically.

    Parameters
    ----------
    path : str or path-like
        The final file.
    text : str
        The content.
    encoding : str, default "utf-8"

    Returns
    -------
    pathlib.Path
        The final path.

    Examples
    --------
    >>> import tempfile
    >>> p = atomic_write_text(Path(tempfile.mkdtemp()) / "note.txt", "hello")
    >>> p.read_text()
    'hello'
    """
    final = Path(path)
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding=encoding)
    return final


def atomic_save(save: Callable[[str], object], path: str | os.PathLike[str]) -> Path:
    """Call a ``save(path)`` method (a folium map, a workbook) so that it writes atomically.

    Parameters
    ----------
    save : callable
        Takes the path (as ``str``) to write to, e.g. ``folium.Map.save``.
    path : str or path-like
        The final file.

    Returns
    -------
    pathlib.Path
        The final path.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "page.html"
    >>> _ = atomic_save(lambda p: Path(p).write_text("<p>map</p>"), target)
    >>> target.read_text()
    '<p>map</p>'
    """
    final = Path(path)
    with atomic_path(final) as tmp:
        save(str(tmp))
    return final
