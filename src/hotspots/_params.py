"""Declarative parameter checks, in the spirit of scikit-learn's ``validate_params``.

A public verb states its constraints once, next to its signature::

    @validate_params({"alpha": Probability(), "cell_size": Positive(allow_none=True),
                      "p_adjust": OneOf(PADJUST_METHODS)})
    def hotspot_gistar(incidents, *, cell_size=None, alpha=0.05, p_adjust="fdr_bh"): ...

and a bad value fails before any work with a message that names the verb the user called:
``The 'alpha' parameter of hotspot_gistar must be a float in (0, 1). Got 2 instead.``

Shared helpers deeper down do not need the verb's name passed to them (the old ``caller=``
plumbing): :func:`current_verb` returns the outermost decorated verb that is running, so
``check_positive("eps", eps)`` inside a helper names ``cluster_incidents`` when
``cluster_incidents`` called it. :func:`rename_keyword` keeps an old keyword working, with a
:class:`FutureWarning`, for one release after a rename.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import math
import warnings
from collections.abc import Callable, Collection, Mapping
from typing import Any, Literal, TypeVar, overload

__all__ = [
    "Constraint", "OneOf", "Positive", "Probability", "check_in", "check_positive",
    "check_probability", "current_verb", "rename_keyword", "validate_params",
]

F = TypeVar("F", bound=Callable[..., Any])
_VERB: contextvars.ContextVar[str | None] = contextvars.ContextVar("hotspots_verb", default=None)


def current_verb(default: str = "hotspots") -> str:
    """Return the name of the outermost running verb decorated with :func:`validate_params`."""
    return _VERB.get() or default


def _fail(name: str, caller: str | None, expected: str, value: Any) -> ValueError:
    verb = caller or current_verb()
    return ValueError(
        f"The '{name}' parameter of {verb} must be {expected}. Got {value!r} instead."
    )


class Constraint:
    """One rule a parameter value must satisfy; subclasses implement :meth:`check`."""

    def check(self, name: str, value: Any, caller: str | None = None) -> Any:
        """Return ``value`` (possibly normalised) or raise :class:`ValueError`."""
        raise NotImplementedError


class Positive(Constraint):
    """A finite number > 0 (or >= 0 with ``allow_zero``), or None with ``allow_none``."""

    def __init__(self, *, allow_none: bool = False, allow_zero: bool = False) -> None:
        self.allow_none, self.allow_zero = allow_none, allow_zero

    def check(self, name: str, value: Any, caller: str | None = None) -> float | None:
        """Return the value as a float, or None when allowed."""
        if value is None and self.allow_none:
            return None
        expected = "a finite number " + (">= 0" if self.allow_zero else "> 0")
        if isinstance(value, bool):
            raise _fail(name, caller, expected, value)
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise _fail(name, caller, expected, value) from None
        if not math.isfinite(v) or not (v > 0 or (self.allow_zero and v == 0)):
            raise _fail(name, caller, expected, value)
        return v


class Probability(Constraint):
    """A float strictly between 0 and 1."""

    def check(self, name: str, value: Any, caller: str | None = None) -> float:
        """Return the value as a float."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise _fail(name, caller, "a float in (0, 1)", value) from None
        if not 0 < v < 1:
            raise _fail(name, caller, "a float in (0, 1)", value)
        return v


class OneOf(Constraint):
    """One of a fixed set of options (None only if listed)."""

    def __init__(self, options: Collection[Any]) -> None:
        self.options = tuple(options)

    def check(self, name: str, value: Any, caller: str | None = None) -> Any:
        """Return the value unchanged."""
        try:
            ok = value in self.options
        except TypeError:  # unhashable against a set-like of options
            ok = False
        if not ok:
            shown = ", ".join(repr(o) for o in self.options)
            raise _fail(name, caller, f"one of {shown}", value)
        return value


@overload
def check_positive(name: str, value: Any, *, caller: str | None = None,
                   allow_none: Literal[False] = False, allow_zero: bool = False) -> float: ...
@overload
def check_positive(name: str, value: Any, *, caller: str | None = None,
                   allow_none: bool = False, allow_zero: bool = False) -> float | None: ...
def check_positive(name: str, value: Any, *, caller: str | None = None,
                   allow_none: bool = False, allow_zero: bool = False) -> float | None:
    """Check one value with :class:`Positive` (for values known only inside a verb)."""
    return Positive(allow_none=allow_none, allow_zero=allow_zero).check(name, value, caller)


def check_probability(name: str, value: Any, *, caller: str | None = None) -> float:
    """Check one value with :class:`Probability`."""
    return Probability().check(name, value, caller)


def check_in(name: str, value: Any, options: Collection[Any], *,
             caller: str | None = None) -> Any:
    """Check one value with :class:`OneOf`."""
    return OneOf(options).check(name, value, caller)


def validate_params(constraints: Mapping[str, Constraint]) -> Callable[[F], F]:
    """Check a verb's arguments against ``constraints`` before it runs.

    The verb's name is the one in messages, for its own arguments and (through
    :func:`current_verb`) for checks made by the helpers it calls.
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        unknown = set(constraints) - set(signature.parameters)
        if unknown:  # a typo here would silently switch a check off
            raise TypeError(f"validate_params on {func.__name__}: no parameter {sorted(unknown)}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            outer = _VERB.get()
            verb = outer or func.__name__
            bound = signature.bind_partial(*args, **kwargs)
            for name, constraint in constraints.items():
                if name in bound.arguments:
                    constraint.check(name, bound.arguments[name], verb)
            if outer is not None:
                return func(*args, **kwargs)
            token = _VERB.set(func.__name__)
            try:
                return func(*args, **kwargs)
            finally:
                _VERB.reset(token)

        return wrapper  # type: ignore[return-value]

    return decorate


def rename_keyword(old: str, new: str, *, since: str = "0.2.0") -> Callable[[F], F]:
    """Accept ``old=`` for one release after renaming it ``new=``, with a FutureWarning."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{func.__name__}() got both '{old}' and its new name "
                                    f"'{new}'; use '{new}'")
                warnings.warn(f"{func.__name__}({old}=...) is renamed {new}= in {since}; "
                              f"'{old}' will stop working in the next release",
                              FutureWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
