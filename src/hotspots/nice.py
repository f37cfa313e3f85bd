"""Readable values for automatic choices (cell sizes, distances) that people will quote.

A rule such as "the shorter side of the extent divided by 150" gives a cell of
``33.79399999398272`` m; a map legend or a committee paper should say 30 m. :func:`nice_length`
rounds a length to the nearest value of the series 10, 15, 20, 25, 30, 40, 50, 60, 75, 100
(times a power of ten); callers record both the rule's value and the rounded one.
"""

from __future__ import annotations

import math

__all__ = ["NICE_STEPS", "nice_length", "nice_length_up"]

#: Readable values within one power of ten (in units of that power).
NICE_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5, 10.0)


def nice_length(value: float) -> float:
    """Round a positive length to the nearest readable value (…, 25, 30, 40, 50, 60, 75, 100, …).

    Parameters
    ----------
    value : float
        A positive, finite length (any unit).

    Returns
    -------
    float
        The nearest value of :data:`NICE_STEPS` times a power of ten (ties go down).

    Raises
    ------
    ValueError
        When ``value`` is not a positive finite number.

    Examples
    --------
    >>> nice_length(33.79399999398272)
    30.0
    >>> [nice_length(v) for v in (0.23, 87.0, 88.0, 262.0, 1234.0)]
    [0.25, 75.0, 100.0, 250.0, 1000.0]
    """
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"nice_length needs a positive finite number. Got {value!r} instead.")
    power = 10.0 ** math.floor(math.log10(v))
    candidates = [s * power for s in NICE_STEPS]
    best = min(candidates, key=lambda c: (abs(c - v), c))
    # clean binary noise (0.1 * 2.5 = 0.25000000000000006)
    return float(f"{best:.12g}")


def nice_length_up(value: float) -> float:
    """Round a positive length UP to the nearest readable value (never below ``value``).

    Used where a rule sets a floor that rounding must not break (a grid cell not finer than
    the spacing of police.uk snap points).

    Parameters
    ----------
    value : float
        A positive, finite length (any unit).

    Returns
    -------
    float
        The smallest readable value ``>= value``.

    Raises
    ------
    ValueError
        When ``value`` is not a positive finite number.

    Examples
    --------
    >>> nice_length_up(47.2), nice_length_up(50.0), nice_length_up(76.0)
    (50.0, 50.0, 100.0)
    """
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"nice_length_up needs a positive finite number. Got {value!r} instead.")
    power = 10.0 ** math.floor(math.log10(v))
    # 1e-12 relative slack so that 50.000000000001 (binary noise) stays 50, not 60
    best = min(s * power for s in NICE_STEPS if s * power >= v * (1 - 1e-12))
    return float(f"{best:.12g}")
