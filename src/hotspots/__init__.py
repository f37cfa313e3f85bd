"""hotspots: where incidents concentrate, which areas hold them, and what to do about it.

The public API is re-exported here; see ``__all__``.
"""

from __future__ import annotations

import logging

from hotspots.errors import (
    CRSError,
    DataQualityWarning,
    EmptyDataError,
    HotspotsError,
    ValidationError,
)
from hotspots.periods import Period, parse_period

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def show_log(level: str | int = "INFO") -> None:
    """Print the library's log messages (automatic choices, rows set aside) in a notebook.

    Parameters
    ----------
    level : str or int
        The lowest level to show, e.g. ``"INFO"`` or ``"DEBUG"``.
    """
    logger = logging.getLogger(__name__)
    logger.setLevel(level)
    if not any(getattr(h, "_hotspots_show_log", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._hotspots_show_log = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


__all__ = [
    "CRSError",
    "DataQualityWarning",
    "EmptyDataError",
    "HotspotsError",
    "Period",
    "ValidationError",
    "__version__",
    "parse_period",
    "show_log",
]
