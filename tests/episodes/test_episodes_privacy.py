"""Raw child ids appear in no output, warning, attrs or report of any children function."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots import (
    area_counts,
    at_risk_snapshots,
    cohort_series,
    compare_periods,
    describe,
    premises_rank,
    read_at_risk,
    read_missing_episodes,
    simulate_at_risk,
    simulate_episodes,
)
from hotspots import episodes as ep

KEY = "privacy-test-key-0123456789abcdef"


def _text(obj) -> str:
    """Everything a reader of ``obj`` could see: values, columns, attrs."""
    if isinstance(obj, pd.DataFrame):
        return obj.to_csv() + repr(obj.attrs)
    return repr(obj)


@pytest.fixture(scope="module")
def outputs(bradford_areas):
    """Run every new function on data read from raw ids; collect outputs and warnings."""
    raw_eps = simulate_episodes(bradford_areas, seed=9, raw=True,
                                fy_counts={"2017/18": 600, "2018/19": 500})
    raw_reg = simulate_at_risk(bradford_areas, seed=9, raw=True, n_start=60, n_end=30)
    raw_ids = set(raw_eps["child_id"]) | set(raw_reg["child_id"])
    # a blank id and a bad row make the readers warn (warnings must not carry ids either)
    raw_eps.loc[3, "child_id"] = None
    raw_eps = raw_eps.astype({"from_x": object})
    raw_eps.loc[4, "from_x"] = "bad"
    out: list[object] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eps = read_missing_episodes(raw_eps, child_id="child_id", start="start", end="end",
                                    from_x="from_x", from_y="from_y", found_x="found_x",
                                    found_y="found_y", crs="EPSG:27700", key=KEY,
                                    today="2100-01-01")
        reg = read_at_risk(raw_reg, child_id="child_id", assessed="assessment_date",
                           closed="closure_date", home_x="home_x", home_y="home_y",
                           crs="EPSG:27700", key=KEY, today="2100-01-01")
        px, py = raw_eps.attrs["hotspots"]["simulation"]["premises_xy"]
        prem = gpd.GeoDataFrame({"premises_id": ["P1"], "name": ["Hotel"]},
                                geometry=gpd.GeoSeries([shapely.Point(px, py)], crs=27700))
        offences = gpd.GeoDataFrame(
            {"occurred": pd.to_datetime(["2019-01-01"] * 3), "category": "CSE", "weight": 1.0},
            geometry=gpd.GeoSeries(shapely.points([[px, py], [px + 5, py], [px, py + 9]]),
                                   crs=27700))
        snaps = at_risk_snapshots(reg, areas=bradford_areas, level="constituency")
        cmp = compare_periods(snaps, bradford_areas, before=str(snaps["period"].iloc[0]),
                              after=str(snaps["period"].iloc[-1]), count="people",
                              person="child", time="period_start")
        found = eps.set_geometry("found_geometry")
        signal = ep.missing_signal(eps, prem)
        out += [
            eps, reg, eps.attrs["hotspots"]["load"], reg.attrs["hotspots"]["load"],
            ep.per_child(eps), ep.per_place(eps), ep.episode_trend(eps),
            ep.monthly_profile(eps), ep.return_interviews(eps, column="rhi"),
            ep.episode_flows(eps, bradford_areas),
            ep.episode_flows(eps, bradford_areas, mode="restricted"),
            ep.found_colocation(eps, offences, permutations=9),
            signal, premises_rank(offences, prem, missing=signal),
            area_counts(found, bradford_areas, count="people", person="child"),
            snaps, cohort_series(reg, bradford_areas), cmp.table, describe(cmp),
        ]
    return raw_ids, out, [str(w.message) for w in caught]


@pytest.mark.slow
def test_no_raw_id_in_any_output(outputs):
    raw_ids, out, _ = outputs
    text = "\n".join(_text(o) for o in out)
    leaked = [c for c in raw_ids if c in text]
    assert leaked == []
    assert len(raw_ids) > 100  # the check covered many ids


@pytest.mark.slow
def test_no_raw_id_in_any_warning(outputs):
    raw_ids, _, messages = outputs
    assert messages  # the readers did warn (blank id, bad coordinate)
    text = "\n".join(messages)
    assert [c for c in raw_ids if c in text] == []


@pytest.mark.slow
def test_demo_children_section_writes_no_raw_id(bradford_areas, tmp_path):
    import re

    from hotspots.cli.demo_children import children_section

    lines: list[str] = []
    written = children_section(tmp_path, bradford_areas, seed=0, echo=lines.append)
    assert {p.name for p in written} >= {"children_flows_public.csv",
                                          "findings_children.txt",
                                          "map_children_flows_restricted.html"}
    # the simulations' raw ids look like C00012 (episodes) and R00012 (register)
    raw = re.compile(r"\b[CR]\d{5}\b")
    for path in written:
        assert not raw.search(path.read_text(encoding="utf-8-sig")), path.name
    assert not raw.search("\n".join(lines))
    findings = (tmp_path / "findings_children.txt").read_text()
    assert "The highest number of children assessed at risk moved from Bradford East" in findings
