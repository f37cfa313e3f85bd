"""Tests of hotspots.episodes.flows: small flows hidden in public tables."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.episodes import (
    episode_flows,
)


# --- flows ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_flows_public_hide_small_counts(sim, bradford_areas):
    rest = episode_flows(sim, bradford_areas, mode="restricted")
    assert rest["n"].sum() == len(sim)
    assert (rest["children"] <= rest["n"]).all()
    pub = episode_flows(sim, bradford_areas)
    assert "children" not in pub.columns
    shown = pd.to_numeric(pub["n"], errors="coerce")
    assert not ((shown > 0) & (shown < 5)).any()
    small = (rest["n"] > 0) & (rest["n"] < 5)
    assert small.any()  # the test means something: there were small flows to hide
    assert pub.loc[small.to_numpy(), "suppressed"].all()
    stamp = pub.attrs["hotspots"]["suppression"]
    assert stamp["audit"]["passed"]
    assert stamp["n_secondary"] > 0  # row and column totals cannot give the hidden back
