"""Small parameter checks with scikit-learn-style messages."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

__all__ = ["check_in", "check_positive", "check_probability"]


def _fail(name: str, caller: str, expected: str, value: Any) -> ValueError:
    return ValueError(
        f"The '{name}' parameter of {caller} must be {expected}. Got {value!r} instead."
    )


def check_positive(name: str, value: Any, *, caller: str, allow_none: bool = False,
                   allow_zero: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise _fail(name, caller, "a number > 0", value) from None
    if not (v > 0 or (allow_zero and v == 0)) or v != v or v == float("inf"):
        raise _fail(name, caller, "a finite number " + (">= 0" if allow_zero else "> 0"), value)
    return v


def check_probability(name: str, value: Any, *, caller: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise _fail(name, caller, "a float in (0, 1)", value) from None
    if not 0 < v < 1:
        raise _fail(name, caller, "a float in (0, 1)", value)
    return v


def check_in(name: str, value: Any, options: Collection[Any], *, caller: str) -> Any:
    if value not in options:
        shown = ", ".join(repr(o) for o in options)
        raise _fail(name, caller, f"one of {shown}", value)
    return value
