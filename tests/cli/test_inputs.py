"""Tests for :mod:`hotspots.cli._inputs`: which boundary set a command uses (issue 15)."""

from __future__ import annotations

import argparse
import contextlib
import io

import geopandas as gpd
import pytest
import shapely

from hotspots.cli._inputs import UsageError, choose_boundaries


def _city_incidents():
    # points around Guildhall: inside the City of London and central London sets
    pts = [shapely.Point(532400 + 10 * k, 181400 + 5 * k) for k in range(20)]
    return gpd.GeoDataFrame(geometry=pts, crs=27700)


def test_two_sets_hold_the_data_so_counts_ask_but_outlines_take_the_tightest():
    args = argparse.Namespace(command="map")
    with pytest.raises(UsageError, match="--boundaries city-of-london-2013"):
        choose_boundaries(args, _city_incidents())
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        name = choose_boundaries(argparse.Namespace(command="premises"), _city_incidents(),
                                 pick_best=True)
    assert name == "city-of-london-2013"
    assert "using the boundary set city-of-london-2013" in stderr.getvalue()
    assert "london-central-2013" in stderr.getvalue()


def test_no_located_incident_asks_for_the_set_even_for_outlines():
    frame = gpd.GeoDataFrame(geometry=[shapely.Point()], crs=27700)
    with pytest.raises(UsageError, match="no incident has a location"):
        choose_boundaries(argparse.Namespace(command="premises"), frame, pick_best=True)
