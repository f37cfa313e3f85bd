"""Find the real public data sets used by the notebooks, examples and benchmarks.

The data (police.uk crime files, the FSA food hygiene register, ONS population tables) are not
shipped with the package: they live in a *shared data folder* holding ``data/`` (and usually
``boundaries/``), as in the project's ``../shared``. :func:`get_path` finds a data set by
name in that folder, looked for in this order:

1. the folder named by ``$HOTSPOTS_SHARED_DIR``;
2. the folder named by ``$HOTSPOTS_DATA_DIR`` (the boundary folder of
   :func:`hotspots.load_boundaries`), or its parent when it is the ``boundaries`` folder
   beside ``data``;
3. a folder called ``shared`` beside the current folder or any folder above it (a notebook
   run from ``notebooks/`` of a checkout finds ``../../shared``), then beside the installed
   package's checkout.

The Bradford and City of London boundaries need none of this: they ship inside the package
(``hs.load_boundaries("bradford-2013")`` works offline).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATASETS", "get_path", "shared_dir"]

SHARED_DIR_ENV = "HOTSPOTS_SHARED_DIR"
DATA_DIR_ENV = "HOTSPOTS_DATA_DIR"

#: Named data sets: name -> path inside ``data/`` of the shared folder (see its README).
DATASETS: dict[str, str] = {
    "west-yorkshire-street-2017": "police-uk/west-yorkshire-street-2017-sample.csv",
    "bradford-api-2018-06": "police-uk/bradford-api-2018-06.csv",
    "west-yorkshire-stop-and-search-2021-08":
        "police-uk/west-yorkshire-stop-and-search-2021-08.csv",
    "bradford-lsoa11-crime-2021-22": "police-uk/bradford-lsoa11-crime-2021-04-to-2022-03.csv",
    "city-of-london-street": "city-of-london/street",
    "city-of-london-fhrs": "city-of-london/premises/fhrs-city-of-london-2021-08-19.json",
    "bradford-ward-population": "population/bradford_ward_population_mid2022_oi.csv",
    "bradford-ward-age": "population/bradford_census2021_age_pct_by_ward_oi.csv",
}


def _is_shared(folder: Path) -> bool:
    return (folder / "data").is_dir()


def _candidates() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    env = os.environ.get(SHARED_DIR_ENV)
    if env:
        found.append((f"${SHARED_DIR_ENV}", Path(env).expanduser()))
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        d = Path(env).expanduser()
        found += [(f"${DATA_DIR_ENV}", d), (f"${DATA_DIR_ENV}/..", d.parent)]
    here = Path.cwd().resolve()
    found += [("beside the current folder", p / "shared") for p in (here, *here.parents)]
    checkout = Path(__file__).resolve().parents[3]  # src/hotspots/io -> the checkout root
    found += [("beside the checkout", p / "shared") for p in checkout.parents]
    return found


def shared_dir() -> Path:
    """Return the shared data folder (the one holding ``data/``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        When no candidate folder holds ``data/``; the message lists where it looked and
        which environment variable to set.

    Examples
    --------
    >>> shared_dir()  # doctest: +SKIP
    PosixPath('/work/shared')
    """
    looked = []
    for label, folder in _candidates():
        if _is_shared(folder):
            return folder
        looked.append(f"{label}: {folder}")
    raise FileNotFoundError(
        "The shared data folder (the one holding data/ and boundaries/) was not found. Set "
        f"the environment variable {SHARED_DIR_ENV} (or {DATA_DIR_ENV} to its boundaries "
        "folder). Looked in:\n  " + "\n  ".join(dict.fromkeys(looked[:12])))


def get_path(name: str) -> Path:
    """Return the path of a named data set (a file, or a folder of monthly files).

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`, e.g. ``"city-of-london-street"``.

    Returns
    -------
    pathlib.Path
        The file or folder, which exists.

    Raises
    ------
    KeyError
        For an unknown name (the message lists the names).
    FileNotFoundError
        When the shared folder, or the data set inside it, is missing.

    Examples
    --------
    >>> import hotspots as hs
    >>> city = hs.read_police_uk(get_path("city-of-london-street"))  # doctest: +SKIP
    """
    if name not in DATASETS:
        raise KeyError(f"Unknown data set {name!r}; known: {', '.join(DATASETS)}.")
    path = shared_dir() / "data" / DATASETS[name]
    if not path.exists():
        raise FileNotFoundError(f"The data set {name!r} should be at {path}, which is missing.")
    return path
