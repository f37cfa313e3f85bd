"""Tests of hotspots.io.read_missing_episodes and episodes_as_incidents."""

from __future__ import annotations

import hashlib
import hmac
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from hotspots.errors import CRSError, DataQualityWarning, ValidationError
from hotspots.io import episodes_as_incidents, read_missing_episodes

KEY = "test-key-of-24-bytes!!!"
RAW_IDS = ["CHILD-ZQX-0001", "CHILD-ZQX-0002", "CHILD-ZQX-0001", "CHILD-ZQX-0003"]
WGS_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


def expected_pseudonym(raw: str, key: str = KEY) -> str:
    return hmac.new(key.encode(), raw.encode(), hashlib.sha256).hexdigest()[:16]


def episodes_csv(tmp_path: Path) -> Path:
    text = (
        "ref,went,back,fx,fy,gx,gy,episode,notes\n"
        "CHILD-ZQX-0001,01/02/2019 22:00,02/02/2019 04:30,-1.75,53.79,-1.76,53.80,E1,a\n"
        "CHILD-ZQX-0002,2019-02-03 10:00,,-1.74,53.78,,,E2,b\n"
        "CHILD-ZQX-0001,2019-03-01 18:00,2019-03-01 17:00,,,-1.76,53.80,E3,c\n"
        "CHILD-ZQX-0003,2019-04-01,2019-04-02,-1.74,53.78,oops,53.8,E4,d\n"
    )
    path = tmp_path / "episodes.csv"
    path.write_text(text)
    return path


def read(tmp_path: Path, **kw):
    args = {"child_id": "ref", "start": "went", "end": "back", "from_x": "fx", "from_y": "fy",
                "found_x": "gx", "found_y": "gy", "episode_id": "episode", "key": KEY}
    args.update(kw)
    with pytest.warns(DataQualityWarning) as rec:
        frame = read_missing_episodes(episodes_csv(tmp_path), **args)
    return frame, [str(w.message) for w in rec]


def test_columns_values_and_geometry(tmp_path):
    ep, _ = read(tmp_path)
    assert list(ep.columns) == ["episode_id", "child", "start", "end", "duration_hours",
                                "from_status", "found_status", "from_geometry",
                                "found_geometry", "notes", "source_file", "source_row"]
    assert ep.geometry.name == "from_geometry"
    assert ep.crs.to_epsg() == 27700
    assert ep["found_geometry"].crs.to_epsg() == 27700
    assert ep["episode_id"].tolist() == ["E1", "E2", "E3", "E4"]
    assert ep["start"].tolist() == [pd.Timestamp("2019-02-01 22:00"),
                                    pd.Timestamp("2019-02-03 10:00"),
                                    pd.Timestamp("2019-03-01 18:00"),
                                    pd.Timestamp("2019-04-01")]
    assert ep["duration_hours"].iloc[0] == pytest.approx(6.5)
    assert np.isnan(ep["duration_hours"].iloc[1])  # no end
    assert np.isnan(ep["duration_hours"].iloc[2])  # end before start
    assert ep["duration_hours"].iloc[3] == pytest.approx(24.0)
    assert ep["from_status"].tolist() == ["located", "located", "unknown", "located"]
    assert ep["found_status"].tolist() == ["located", "unknown", "located", "unknown"]
    e, n = WGS_TO_BNG.transform(-1.76, 53.80)
    assert ep["found_geometry"].iloc[0].x == pytest.approx(e, abs=1e-6)
    assert ep["found_geometry"].iloc[0].y == pytest.approx(n, abs=1e-6)
    assert ep["found_geometry"].iloc[1].is_empty
    assert ep.geometry.iloc[2].is_empty
    assert ep["source_row"].tolist() == [2, 3, 4, 5]


def test_child_ids_are_keyed_hashes(tmp_path):
    ep, _ = read(tmp_path)
    assert ep["child"].tolist() == [expected_pseudonym(r) for r in RAW_IDS]
    assert ep["child"].iloc[0] == ep["child"].iloc[2]  # same child, same pseudonym
    assert str(ep["child"].dtype) == "string"
    assert ep.attrs["hotspots"]["pseudonym"] == {
        "method": "HMAC-SHA256, first 16 hex characters", "key_source": "argument"}


def test_raw_child_id_appears_nowhere(tmp_path):
    ep, warned = read(tmp_path)
    inc = episodes_as_incidents(ep)
    for frame in (ep, inc):
        assert "ref" not in frame.columns
        cells = pd.DataFrame(frame.drop(columns=[c for c in frame.columns
                                                 if c.endswith("geometry")]))
        text = cells.astype(str).to_csv()
        report = frame.attrs["hotspots"]["load"]
        blobs = [text, repr(frame.attrs), repr(report), report._repr_html_(),
                 str(report.to_dict()), report.to_frame().to_csv(), " ".join(warned),
                 pickle.dumps(frame.attrs).hex()]
        for raw in RAW_IDS:
            for blob in blobs:
                assert raw not in blob
                assert raw.encode().hex() not in blob
    assert KEY not in repr(ep.attrs)


def test_keep_cannot_carry_the_child_id(tmp_path):
    with pytest.raises(ValueError, match="child id column 'ref' cannot be kept"):
        read_missing_episodes(episodes_csv(tmp_path), child_id="ref", start="went",
                              from_x="fx", from_y="fy", keep=["ref", "notes"], key=KEY)
    with pytest.raises(ValueError, match="child id column 'ref' cannot be kept"):
        read_missing_episodes(episodes_csv(tmp_path), child_id="ref", start="went",
                              from_x="fx", from_y="fy", keep="ref", key=KEY)
    # keep=True (every unused column) never carries the id: it is replaced by the pseudonym
    kept = read_missing_episodes(episodes_csv(tmp_path), child_id="ref", start="went",
                                 from_x="fx", from_y="fy", keep=True, key=KEY)
    assert "ref" not in kept.columns
    assert "notes" in kept.columns
    with pytest.raises(ValueError, match="'ref' cannot also be used as another column"):
        read_missing_episodes(episodes_csv(tmp_path), child_id="ref", start="went",
                              from_x="fx", from_y="fy", episode_id="ref", key=KEY)


def test_key_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_PSEUDONYM_KEY", "env-key-of-at-least-16-bytes")
    ep, _ = read(tmp_path, key=None)
    assert ep["child"].iloc[0] == expected_pseudonym(RAW_IDS[0], "env-key-of-at-least-16-bytes")
    assert ep.attrs["hotspots"]["pseudonym"]["key_source"] == "$HOTSPOTS_PSEUDONYM_KEY"


def test_random_key_warns_and_differs_between_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTSPOTS_PSEUDONYM_KEY", raising=False)
    a, warned = read(tmp_path, key=None)
    b, _ = read(tmp_path, key=None)
    assert any("a random key was used: child pseudonyms will not match those of any other "
               "run" in w for w in warned)
    assert a["child"].iloc[0] == a["child"].iloc[2]  # consistent within one run
    assert a["child"].iloc[0] != b["child"].iloc[0]
    assert a.attrs["hotspots"]["pseudonym"]["key_source"] == "random"


def test_warnings_for_bad_found_location_and_end_before_start(tmp_path):
    ep, warned = read(tmp_path)
    text = " ".join(warned)
    assert "1 row kept with found location: non-numeric coordinates (episodes.csv row 5)" in text
    assert "The episode is kept with the found location unknown" in text
    assert "1 row kept with 'back' before 'went' (episodes.csv row 4)" in text
    report = ep.attrs["hotspots"]["load"]
    assert (report.rows_read, report.located, report.unknown_location) == (4, 3, 1)
    assert report.flagged["found_non_numeric_coordinate"].count == 1
    assert "Found locations: 2 located, 2 unknown." in report.notes


def test_bad_from_location_rejects_the_episode(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("ref,went,fx,fy\nA,2019-01-01,-1.75,53.79\nB,2019-01-02,abc,53.79\n")
    with pytest.warns(DataQualityWarning, match=r"1 of 2 rows rejected.*'fx' has 1 value"):
        ep = read_missing_episodes(path, child_id="ref", start="went", from_x="fx",
                                   from_y="fy", key=KEY)
    report = ep.attrs["hotspots"]["load"]
    assert (report.rows_read, report.located, report.rejected_total) == (2, 1, 1)
    assert ep["episode_id"].tolist() == ["e:2"]
    assert ep["found_status"].tolist() == ["unknown"]
    assert ep["end"].isna().all()


def test_blank_child_id_and_numeric_ids():
    df = pd.DataFrame({"cid": [101.0, np.nan, 101.0], "s": ["2019-01-01"] * 3,
                       "x": [416_500.0] * 3, "y": [432_900.0] * 3})
    with pytest.warns(DataQualityWarning, match="1 row kept with blank 'cid'"):
        ep = read_missing_episodes(df, child_id="cid", start="s", from_x="x", from_y="y",
                                   key=KEY)
    assert ep["child"].iloc[0] == expected_pseudonym("101")  # 101.0 -> "101"
    assert pd.isna(ep["child"].iloc[1])
    assert ep["child"].iloc[2] == ep["child"].iloc[0]


def test_missing_columns_and_half_found_pair(tmp_path):
    with pytest.raises(ValidationError, match=r"column 'kid' \(given as child_id=\) was not "
                       "found.*Columns found: 'ref'"):
        read_missing_episodes(episodes_csv(tmp_path), child_id="kid", start="went",
                              from_x="fx", from_y="fy", key=KEY)
    with pytest.raises(ValueError, match="both found_x= and found_y="):
        read_missing_episodes(episodes_csv(tmp_path), child_id="ref", start="went",
                              from_x="fx", from_y="fy", found_x="gx", key=KEY)


def test_found_in_another_crs_is_a_crs_error():
    df = pd.DataFrame({"c": ["a", "b"], "s": ["2019-01-01"] * 2,
                       "x": [416_500.0, 416_600.0], "y": [432_900.0, 433_000.0],
                       "fx": [-1.75, -1.76], "fy": [53.79, 53.8]})
    with pytest.raises(CRSError, match=r"\(found location\).*look like longitude/latitude"):
        read_missing_episodes(df, child_id="c", start="s", from_x="x", from_y="y",
                              found_x="fx", found_y="fy", key=KEY)


# --- episodes_as_incidents ------------------------------------------------------------------
@pytest.mark.parametrize("location", ["from", "found"])
def test_episodes_as_incidents(tmp_path, location):
    ep, _ = read(tmp_path)
    inc = episodes_as_incidents(ep, location=location)
    assert list(inc.columns[:7]) == ["incident_id", "occurred", "category", "recency",
                                     "weight", "location_status", "geometry"]
    assert inc.crs.to_epsg() == 27700
    assert inc.geometry.name == "geometry"
    assert inc["incident_id"].tolist() == ep["episode_id"].tolist()
    assert (inc["occurred"] == ep["start"]).all()
    assert inc["category"].tolist() == ["Missing episode"] * 4
    assert inc["recency"].isna().all()
    assert inc["child"].tolist() == ep["child"].tolist()
    assert inc["location_status"].tolist() == ep[f"{location}_status"].tolist()
    assert list(inc["location_status"].cat.categories) == ["located", "unknown"]
    assert inc.geometry.equals(ep[f"{location}_geometry"].set_crs(27700, allow_override=True)
                               .rename("geometry"))
    other = "found" if location == "from" else "from"
    assert f"{other}_status" in inc.columns
    report = inc.attrs["hotspots"]["load"]
    n_loc = int((ep[f"{location}_status"] == "located").sum())
    assert (report.rows_read, report.located, report.unknown_location) == (4, n_loc, 4 - n_loc)
    assert f"({location} locations)" in report.source
    assert inc["source_row"].tolist() == [2, 3, 4, 5]


def test_episodes_as_incidents_after_filtering_builds_a_fresh_report(tmp_path):
    ep, _ = read(tmp_path)
    inc = episodes_as_incidents(ep.iloc[:2])
    report = inc.attrs["hotspots"]["load"]
    assert (report.rows_read, report.located, report.unknown_location) == (2, 2, 0)
    assert "changed after reading" in report.notes[0]


def test_episodes_as_incidents_checks_input(tmp_path):
    ep, _ = read(tmp_path)
    with pytest.raises(ValueError, match="The 'location' parameter of episodes_as_incidents"):
        episodes_as_incidents(ep, location="home")
    with pytest.raises(ValidationError, match="pass the output of read_missing_episodes"):
        episodes_as_incidents(ep.drop(columns="episode_id"))
