"""Automatic cell size: the sfhotspot rule and its readable rounding (grid/cell_size.py)."""

import logging

import numpy as np
import pytest

from hotspots.grid import cell_size as cell_size_mod
from hotspots.grid import cell_size_auto, hotspot_grid


# --- cell size ----------------------------------------------------------------------------
def test_cell_size_rule_matches_sfhotspot_examples():
    assert cell_size_auto((0, 0, 20_000, 15_000))[0] == 300.0
    assert cell_size_auto((0, 0, 4_000, 4_000))[0] == 80.0
    assert cell_size_auto((0, 0, 30_000, 26_499))[0] == 500.0
    assert "rounded down" in cell_size_auto((0, 0, 20_000, 15_000))[1]
    with pytest.raises(ValueError, match="Pass cell_size"):
        cell_size_auto((5, 5, 5, 10))


def test_automatic_cell_size_is_logged_and_recorded(bradford_wards, caplog):
    with caplog.at_level(logging.INFO, logger="hotspots.grid"):
        g = hotspot_grid(clip=bradford_wards)
    info = g.attrs["hotspots"]
    # Bradford's bounding box is 27.7 km x 26.6 km: 26.6 km / 50 = 531 -> 500 m
    assert info["cell_size"] == 500.0
    assert info["cell_size_rule"] == 500.0  # a multiple of 100 m is kept as it is
    assert info["cell_size_reason"].startswith("automatic: 50 cells")
    assert "cell size 500" in caplog.text
    assert info["n_cells"] == len(g)
    assert info["grid_extent"] == "boundary"


def test_automatic_cell_size_is_readable_and_keeps_the_rule(make_incidents):
    # issue 15: side / 50 = 33.79 m on a 1,689.7 m box is drawn as 30 m, the rule kept beside it
    xy = np.array([[0.0, 0.0], [1689.7, 2000.0], [800.0, 900.0]]) + 400_000
    frame = make_incidents(xy)
    info = hotspot_grid(frame).attrs["hotspots"]
    assert info["cell_size"] == 30.0
    assert info["cell_size_rule"] == pytest.approx(33.794)
    assert hotspot_grid(frame, cell_size=33.794).attrs["hotspots"]["cell_size_rule"] is None
    # sfhotspot compat reproduces its rule, unrounded
    from hotspots.hotspot import hotspot_kde

    compat = hotspot_kde(frame, compat="sfhotspot-1.0").attrs["hotspots"]
    assert compat["cell_size"] == pytest.approx(33.794)
    # a rule at or over the public maps' 100 m minimum never rounds below it
    for rule in (100.0, 104.9, 120.0, 149.0):
        size, _ = cell_size_mod.readable_cell_size(rule, "r")
        assert size >= 100.0
    assert cell_size_mod.readable_cell_size(700.0, "r")[0] == 700.0  # multiples of 100 m kept
