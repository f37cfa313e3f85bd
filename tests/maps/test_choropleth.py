"""hotspots.maps._choropleth: one mapclassify classification for every choropleth (issue 15)."""

from __future__ import annotations

import mapclassify
import numpy as np
import pandas as pd
import pytest

from hotspots.maps._choropleth import change_words, class_styles, classify_column
from hotspots.maps._style import NEUTRAL, SUPPRESSED_COLOR


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_unsigned_values_get_mapclassify_natural_breaks():
    values = np.array([1, 2, 3, 4, 20, 21, 22, 50, 51, 90], dtype=float)
    c = classify_column(pd.Series(values), "kde", n_classes=3)
    expected = mapclassify.FisherJenks(values, k=3).bins
    assert np.allclose(c.classes.breaks, expected)
    assert not c.signed


def test_quantiles_equal_interval_and_user_bins():
    values = pd.Series(np.arange(1, 101, dtype=float))
    q = classify_column(values, "kde", scheme="quantiles", n_classes=4)
    assert np.allclose(q.classes.breaks, mapclassify.Quantiles(values.to_numpy(), k=4).bins)
    e = classify_column(values, "kde", scheme="equal_interval", n_classes=4)
    assert np.allclose(e.classes.breaks, mapclassify.EqualInterval(values.to_numpy(), k=4).bins)
    u = classify_column(values, "kde", bins=[10, 50])
    assert u.classes.breaks == (10.0, 50.0, 100.0)


def test_signed_values_are_centred_on_zero_with_a_diverging_palette():
    c = classify_column(pd.Series([-8.0, -2.0, 0.0, 1.0, 6.0]), "anything")
    assert c.signed  # a negative value makes it signed
    index, styles, entries = class_styles(c, {})
    labels = [label for _, label in entries]
    assert labels.index("0") == len(c.classes.magnitudes)  # zero between falls and rises
    colours = [styles[i]["fillColor"] for i in index]
    assert colours[2] == NEUTRAL
    # A fall and a rise of similar size get mirror classes.
    m = len(c.classes.magnitudes)
    assert index[0] < m <= index[4]
    assert c.classes.breaks[0] < 0 < c.classes.breaks[-1]


def test_suppressed_text_never_enters_a_class_break():
    raw = pd.Series([2, 3, "<5", 40, 41, "[c]"], dtype=object)
    c = classify_column(raw, "n", n_classes=2)
    assert c.hidden.tolist() == [False, False, True, False, False, True]
    assert c.hidden_text == ("<5", "[c]")
    index, styles, entries = class_styles(c, {"weight": 1})
    assert entries[-1] == (f"hatch:{SUPPRESSED_COLOR}", "Suppressed (<5, [c])")
    assert styles[index[2]]["fillColor"] == SUPPRESSED_COLOR
    assert max(c.classes.breaks) == 41.0


def test_change_words():
    c = classify_column(pd.Series([-9, -2, 0, 1, 3]), "change", n_classes=4)
    _, _, entries = class_styles(c, {})
    labels = [label for _, label in change_words(entries, c)]
    assert labels[0].startswith("Fall of ")
    assert labels[-1].startswith("Rise of ")
    assert "No change" in labels
