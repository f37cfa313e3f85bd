"""``hotspots episodes``: tables written from a file, raw ids never written."""

from __future__ import annotations

import pandas as pd

from hotspots import simulate_episodes
from hotspots.cli import main


def test_episodes_command_from_a_file(bradford_areas, boundaries_dir, tmp_path, monkeypatch,
                                      capsys):
    raw = simulate_episodes(bradford_areas, seed=6, raw=True,
                            fy_counts={"2017/18": 400, "2018/19": 300})
    path = tmp_path / "episodes.csv"
    raw.to_csv(path, index=False)
    monkeypatch.setenv("HOTSPOTS_PSEUDONYM_KEY", "cli-test-key-0123456789abcdef")
    out = tmp_path / "out"
    rc = main(["episodes", str(path), "--child-id", "child_id", "--start", "start", "--end",
               "end", "--from-x", "from_x", "--from-y", "from_y", "--found-x", "found_x",
               "--found-y", "found_y", "--crs", "EPSG:27700", "--rhi", "rhi",
               "--data-dir", str(boundaries_dir), "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "700 episodes" in printed
    fy = pd.read_csv(out / "fy_trend.csv", encoding="utf-8-sig")
    assert fy["n"].tolist() == [400, 300]
    children = pd.read_csv(out / "restricted" / "per_child.csv", encoding="utf-8-sig")
    assert children["episodes"].sum() == 700
    public = pd.read_csv(out / "flows_public.csv", encoding="utf-8-sig")
    shown = pd.to_numeric(public["n"], errors="coerce")
    assert not ((shown > 0) & (shown < 5)).any()
    written = "".join(p.read_text(encoding="utf-8-sig") for p in out.rglob("*")
                      if p.is_file())
    assert not any(cid in written for cid in set(raw["child_id"]))


def test_episodes_command_needs_columns(boundaries_dir, tmp_path, capsys):
    rc = main(["episodes", "--data-dir", str(boundaries_dir), "--out", str(tmp_path)])
    assert rc == 1
    assert "--child-id" in capsys.readouterr().err
