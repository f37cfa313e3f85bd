"""Tests of hotspots.stats.eps: the knee of the k-distance curve (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.cluster import IncidentClusterer


def test_eps_knee_ignores_strays_and_busy_places():
    from hotspots.stats.eps import eps_knee, knee_of_sorted

    # a dense street (8-14 m), a sparser edge (20-45 m), a busy place (0) and a stray 900 m
    core = np.array([0.0, 8, 9, 10, 11, 12, 13, 14, 20, 30, 45, 900])
    counts = np.array([40] + [2] * 10 + [1])
    eps, reason = eps_knee(core, counts, 5)
    assert eps == 14.0
    assert "3 beyond the upper fence of 35 m" in reason
    # without the fence the stray stretches the curve and the knee moves out to 45 m
    y = np.sort(np.repeat(core[core > 0], counts[core > 0]))
    assert y[knee_of_sorted(y)] == 45.0
    assert np.isnan(eps_knee(np.full(3, np.inf), np.ones(3, int), 5)[0])
    with pytest.raises(ValueError, match="Pass eps"):
        eps_knee(np.zeros(3), np.array([5, 6, 7]), 5)
    with pytest.raises(ValueError, match="'knee', 'arcgis'"):
        IncidentClusterer(eps="elbow").fit(np.zeros((3, 2)))
