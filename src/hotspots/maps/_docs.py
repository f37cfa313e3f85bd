"""The numpydoc entries every map builder shares, written into their docstrings once."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import Any, TypeVar, cast

_F = TypeVar("_F", bound=Callable[..., Any])

#: numpydoc entries of the options every builder shares, put into their docstrings by
#: :func:`map_docstring` (``{source}`` is the name of the builder's result argument).
_OPTION_DOCS = {
    "m": "m : folium.Map, optional\n    Add to this map.",
    "title": 'title : str, optional\n    Map title (plain text); default: what the map shows; "" '
             "for none.",
    "areas": "areas : AreaSet, optional\n    Boundaries to outline; default one found in "
             '``{source}.attrs["hotspots"]``.',
    "tiles": 'tiles : str or None\n    Web tiles are opt-in: ``"auto"`` (none offline, light '
             "tiles online), a folium tiles name or URL (a note shows if they cannot load), or "
             "``None`` for none.",
    "offline": "offline : bool\n    Write JavaScript and CSS into the page (default), so it opens "
               "with no network; ``False`` links them from CDNs.",
    "period": "period : str, optional\n    Data period for the footer; default from "
              '``{source}.attrs["hotspots"]``.',
}


def map_docstring(source: str, *, areas: bool = True) -> Callable[[_F], _F]:
    """Fill a builder's docstring with the entries of the options every builder shares.

    A line ``{map_options}`` becomes the entries of ``m``, ``title``, ``areas`` (unless
    ``areas=False``), ``tiles``, ``offline`` and ``period``; a line ``{style_options}``
    those of ``title``, ``tiles`` and ``offline``. Each entry keeps the indentation of the
    line it replaces, so ``help()`` shows an ordinary numpydoc docstring.

    Parameters
    ----------
    source : str
        Name of the builder's result argument, for "default from ``summary.attrs``".
    areas : bool
        Include the ``areas`` entry in ``{map_options}``.

    Returns
    -------
    callable
        A decorator that rewrites ``__doc__`` and returns the function itself.
    """
    names = ["m", "title", *(["areas"] if areas else []), "tiles", "offline", "period"]
    blocks = {
        "{map_options}": names,
        "{style_options}": ["title", "tiles", "offline"],
    }

    def decorate(func: _F) -> _F:
        doc = func.__doc__
        if doc is None:  # python -OO strips docstrings
            return func
        for placeholder, entries in blocks.items():
            text = "\n".join(_OPTION_DOCS[name] for name in entries).replace("{source}", source)
            doc = re.sub(
                rf"^([ \t]*){re.escape(placeholder)}$",
                cast(Callable[[re.Match[str]], str],
                     lambda match, text=text: textwrap.indent(text, match.group(1))),
                doc,
                flags=re.MULTILINE,
            )
        func.__doc__ = doc
        return func

    return decorate
