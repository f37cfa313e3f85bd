"""Parameter constraints of the clustering verbs and estimator (the :mod:`hotspots._params` layer).

:mod:`hotspots._params` has the constraints most verbs need; clustering also needs whole
numbers with a lower bound, booleans, a closed unit interval and DBSCAN's search distance
(a number of metres or the name of a rule). Each names the verb through
:func:`hotspots._params.current_verb` unless a caller is given, like the shared ones.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, cast

import numpy as np

from hotspots._params import Constraint, Positive, _fail, current_verb

__all__ = [
    "CLUSTER_PARAMS", "EPS_RULES", "ESTIMATOR", "Boolean", "Distance", "Integer",
    "SearchDistance", "UnitInterval", "check_all",
]

#: Named rules for the automatic DBSCAN eps (None means "knee").
EPS_RULES = ("knee", "arcgis")
#: Name in messages when the estimator is used directly (not through a verb).
ESTIMATOR = "IncidentClusterer"


class Integer(Constraint):
    """An int (not a bool) of at least ``minimum``."""

    def __init__(self, minimum: int) -> None:
        self.minimum = minimum

    def check(self, name: str, value: Any, caller: str | None = None) -> int:
        """Return the value as an int."""
        if isinstance(value, bool) or not isinstance(value, Integral) or value < self.minimum:
            raise _fail(name, caller, f"an int >= {self.minimum}", value)
        return int(value)


class Boolean(Constraint):
    """True or False (numpy booleans included)."""

    def check(self, name: str, value: Any, caller: str | None = None) -> bool:
        """Return the value as a bool."""
        if not isinstance(value, bool | np.bool_):
            raise _fail(name, caller, "a bool", value)
        return bool(value)


class UnitInterval(Constraint):
    """A real number in [0, 1]."""

    def check(self, name: str, value: Any, caller: str | None = None) -> float:
        """Return the value as a float."""
        if (isinstance(value, bool) or not isinstance(value, Real)
                or not 0 <= cast(float, value) <= 1):
            raise _fail(name, caller, "a float in [0, 1]", value)
        return float(value)


class Distance(Positive):
    """Metres: a finite real number > 0 (>= 0 with ``allow_zero``); text is refused."""

    def check(self, name: str, value: Any, caller: str | None = None) -> float | None:
        """Return the value as a float."""
        if isinstance(value, str):  # Positive would read "5" as 5.0
            raise _fail(name, caller, "a finite number " + (">= 0" if self.allow_zero
                                                            else "> 0") + " (metres)", value)
        return super().check(name, value, caller)


class SearchDistance(Constraint):
    """DBSCAN's eps: None, the name of a rule (:data:`EPS_RULES`) or a finite number > 0."""

    expected = "None, 'knee', 'arcgis' or a finite number > 0 (metres)"

    def check(self, name: str, value: Any, caller: str | None = None) -> float | str | None:
        """Return None, the rule name, or the distance as a float."""
        if value is None or (isinstance(value, str) and value in EPS_RULES):
            return value
        if (isinstance(value, str | bool) or not isinstance(value, Real)
                or not math.isfinite(value) or value <= 0):
            raise _fail(name, caller, self.expected, value)
        return float(value)


#: The estimator's parameters, shared with :func:`hotspots.cluster.cluster_incidents`.
CLUSTER_PARAMS: dict[str, Constraint] = {
    "eps": SearchDistance(),
    "min_samples": Integer(1),
    "min_cluster_size": Integer(2),
    "cluster_selection_epsilon": Distance(allow_zero=True),
    "collapse_duplicates": Boolean(),
}


def check_all(constraints: dict[str, Constraint], values: dict[str, Any]) -> dict[str, Any]:
    """Check ``values`` against ``constraints``; messages name the running verb or the estimator.

    Returns the checked (normalised) values, in the order of ``constraints``.
    """
    verb = current_verb(default=ESTIMATOR)
    return {name: c.check(name, values[name], verb) for name, c in constraints.items()}
