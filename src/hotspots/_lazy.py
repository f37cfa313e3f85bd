"""Names a package imports on first use (PEP 562), so that importing it stays fast.

``hotspots`` and ``hotspots.maps`` expose many names whose modules pull in heavy libraries;
each name is imported the first time it is read, then cached on the package.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_dir", "lazy_getattr"]


def lazy_getattr(package: str, targets: Mapping[str, str],
                 namespace: dict[str, Any]) -> Callable[[str], Any]:
    """Build a module ``__getattr__`` that imports ``targets`` on first use.

    Parameters
    ----------
    package : str
        The package's name, for the error message.
    targets : mapping of str to str
        Each name and where it lives: ``"module:attribute"``, or ``"module"`` for a module.
    namespace : dict
        The package's ``globals()``: a name read once is cached there.

    Returns
    -------
    callable
        The package's ``__getattr__``.
    """
    def __getattr__(name: str) -> Any:
        target = targets.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attr = target.partition(":")
        module = importlib.import_module(module_name)
        value = getattr(module, attr) if attr else module
        namespace[name] = value
        return value

    return __getattr__


def lazy_dir(targets: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[], list[str]]:
    """Build a module ``__dir__`` listing its loaded names and those it loads on first use.

    Parameters
    ----------
    targets : mapping of str to str
        The table given to :func:`lazy_getattr`.
    namespace : dict
        The package's ``globals()``.

    Returns
    -------
    callable
        The package's ``__dir__``.
    """
    def __dir__() -> list[str]:
        return sorted({*namespace, *targets})

    return __dir__
