"""The library's log: silent by default, one call to see it in a notebook.

Every module logs under the ``hotspots`` logger (automatic choices, rows set aside). A library
must not print unasked, so the logger has a :class:`logging.NullHandler` until the user asks
with :func:`show_log`; the command line configures logging itself.
"""

from __future__ import annotations

import logging

__all__ = ["show_log"]

LOGGER_NAME = "hotspots"
logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())


def show_log(level: str | int = "INFO") -> None:
    """Print the library's log messages (automatic choices, rows set aside) in a notebook.

    Calling it again changes the level without adding a second handler.

    Parameters
    ----------
    level : str or int
        The lowest level to show, e.g. ``"INFO"`` or ``"DEBUG"``.

    Examples
    --------
    >>> import logging
    >>> from hotspots import show_log
    >>> show_log("DEBUG")
    >>> show_log("DEBUG")  # no second handler
    >>> logger = logging.getLogger("hotspots")
    >>> logger.level == logging.DEBUG
    True
    >>> sum(getattr(h, "_hotspots_show_log", False) for h in logger.handlers)
    1
    >>> show_log("WARNING")
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(getattr(h, "_hotspots_show_log", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._hotspots_show_log = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
