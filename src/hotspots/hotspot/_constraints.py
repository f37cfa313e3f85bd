"""Parameter constraints shared by the grid verbs, declared once for ``validate_params``."""

from __future__ import annotations

from typing import Any

from hotspots._params import Constraint, OneOf, Positive

__all__ = ["COMPAT_MODES", "GRID_PARAMS", "PositiveOr"]

#: Accepted values of ``compat``.
COMPAT_MODES = (None, "sfhotspot-1.0")


class PositiveOr(Constraint):
    """A finite number > 0, None, or one of a few words (e.g. ``"optimized"``).

    Examples
    --------
    >>> PositiveOr("optimized").check("cell_size", "optimized", "hotspot_gistar")
    'optimized'
    >>> PositiveOr("optimized").check("cell_size", -1, "hotspot_gistar")
    Traceback (most recent call last):
    ...
    ValueError: The 'cell_size' parameter of hotspot_gistar must be a finite number > 0. ...
    """

    def __init__(self, *words: str) -> None:
        self.words = words

    def check(self, name: str, value: Any, caller: str | None = None) -> Any:
        """Return the value (a float for numbers)."""
        if value is None or (isinstance(value, str) and value in self.words):
            return value
        return Positive().check(name, value, caller)


#: The grid every grid verb builds (``grid=`` overrides both).
GRID_PARAMS: dict[str, Constraint] = {
    "cell_size": Positive(allow_none=True),
    "grid_type": OneOf(("square", "hex")),
}
