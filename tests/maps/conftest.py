"""Helpers shared by the map tests."""

from __future__ import annotations

import re
import warnings

import pytest

_IDS = re.compile(r"_[0-9a-f]{32}")


def same_page(m1, m2) -> bool:
    """Two maps render the same page, apart from folium's random element ids."""
    return _IDS.sub("_ID", m1.get_root().render()) == _IDS.sub("_ID", m2.get_root().render())


@pytest.fixture
def old_keyword():
    """Call ``func(**{old: value}, **kwargs)``: return the result, asserting a FutureWarning."""

    def _call(func, old, new, value, **kwargs):
        with pytest.warns(FutureWarning, match=f"{old}=.*renamed {new}="):
            return func(**{old: value}, **kwargs)

    return _call


@pytest.fixture
def quiet():
    """Run without warnings turning into errors (the new keyword must not warn)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        yield
