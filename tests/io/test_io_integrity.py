"""Issue 10 (readers): inputs that used to give a silent wrong answer, one test per case.

Every file is made here, in tmp_path. Each test failed on the code before issue 10 (padded
rows, shifted columns, US dates read as UK, summer times shifted an hour, files skipped in
folder mode, UnboundLocalError on gzip, FHRS JSON refused, short keys accepted).
"""

from __future__ import annotations

import bz2
import gzip
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hotspots.errors import EmptyDataError, ValidationError
from hotspots.io import read_incidents, read_missing_episodes, read_police_uk, read_premises
from hotspots.io._csvfile import field_counts, shorten

TODAY = "2024-01-01"
KEY = "a-test-key-of-32-bytes-exactly!!"
STREET = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")
ROW_A = ("a1,2019-01,WYP,WYP,-1.75,53.79,On or near Park Road,E01010001,Bradford 001A,"
         "Burglary,Under investigation,")
ROW_B = ("b2,2019-01,WYP,WYP,-1.76,53.80,On or near Main St, Bradford,E01010000,"
         "Bradford 002B,Vehicle crime,Under investigation,")
ROW_C = ("c3,2019-01,WYP,WYP,-1.74,53.78,On or near Mill Lane,E01010002,Bradford 003C,"
         "Robbery,Unable to prosecute suspect,")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def quiet(fn, *args, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn(*args, **kw)
    return out, [str(w.message) for w in rec]


# --- 3. short and long rows are set aside, never padded or shifted -------------------------
def test_short_row_is_rejected_with_its_field_count_not_padded(tmp_path):
    path = write(tmp_path / "cut.csv", "id,lon,lat,type\nA,-1.75,53.79,Burglary\n"
                 "B,-1.76,53.80\nC,-1.74,53.78,Robbery\n")
    f, warned = quiet(read_incidents, path, x="lon", y="lat", incident_id="id", category="type")
    assert f["incident_id"].tolist() == ["A", "C"]
    r = f.attrs["hotspots"]["load"]
    assert (r.rows_read, r.located, r.unknown_location, r.rejected_total) == (3, 2, 0, 1)
    issue = r.rejected["short_row"]
    assert issue.rows == (("cut.csv", 3),)
    assert "The header has 4 fields; these rows have 3" in issue.message
    assert any("1 row rejected, fewer fields than the header (cut.csv row 3)" in w
               for w in warned)


def test_garbage_after_a_valid_header_is_rejected_not_unknown_location(tmp_path):
    raw = (b"id,lon,lat\nA,-1.75,53.79\n\x8f\xe3garbage\x07\x02 bytes\n"
           b"B,-1.76,53.80\n\x91\x92\x93\n")
    (tmp_path / "g.csv").write_bytes(raw)
    f, _ = quiet(read_incidents, tmp_path / "g.csv", x="lon", y="lat", incident_id="id")
    assert f["incident_id"].tolist() == ["A", "B"]
    assert (f["location_status"] == "located").all()  # nothing became "unknown location"
    r = f.attrs["hotspots"]["load"]
    assert r.rows_read == 4
    assert r.rejected_total == 2
    assert r.rejected["binary_row"].rows == (("g.csv", 3),)
    assert r.rejected["short_row"].rows == (("g.csv", 5),)


def test_a_file_of_short_rows_only_is_an_error_naming_the_reason(tmp_path):
    path = write(tmp_path / "allshort.csv", "id,lon,lat\nA,-1.75\nB,-1.76\n")
    with pytest.raises(EmptyDataError, match=r"every one of the 2 rows was rejected") as info:
        read_incidents(path, x="lon", y="lat")
    (p,) = info.value.problems
    assert (p.code, p.rows) == ("short_row", (2, 3))


EPISODES = ("child,went,fx,fy,episode\n"
            "CH-1001-ALFA,2019-02-01 22:00,-1.75,53.79,E1\n"
            "CH-1009-GOLF,-1.76,53.80,E2\n"       # the start date is missing: one field short
            "CH-1010-HOTEL,2019-02-03 10:00,-1.74,53.78,E3\n"
            "CH-1011-INDIA,2019-02-04 10:00,-1.74,53.78\n")  # the episode id is missing


def test_short_row_in_an_episode_file_never_shows_a_child_id(tmp_path):
    path = write(tmp_path / "episodes.csv", EPISODES)
    ep, warned = quiet(read_missing_episodes, path, child_id="child", start="went",
                       from_x="fx", from_y="fy", episode_id="episode", key=KEY)
    assert ep["episode_id"].tolist() == ["E1", "E3"]  # no id moved into episode_id/start
    report = ep.attrs["hotspots"]["load"]
    assert report.rejected["short_row"].rows == (("episodes.csv", 3), ("episodes.csv", 5))
    everything = " ".join([*warned, repr(report), report._repr_html_(),
                           json.dumps(report.to_dict()), repr(ep.attrs),
                           ep.astype(str).to_csv()])
    for raw in ("CH-1001", "CH-1009", "GOLF", "CH-1010", "CH-1011", "INDIA"):
        assert raw not in everything


def test_episode_messages_never_quote_cells(tmp_path):
    # a value in the wrong column (the id typed into the date and the coordinate) is named
    # by its row, not quoted
    path = write(tmp_path / "ep.csv", "child,went,fx,fy\nCH-1009-GOLF,CH-1009-GOLF,-1.75,53.79\n"
                 "CH-1010-HOTEL,2019-02-01,CH-1010-HOTEL,53.79\nCH-1011-X,2019-02-01,-1.7,53.7\n")
    ep, warned = quiet(read_missing_episodes, path, child_id="child", start="went",
                       from_x="fx", from_y="fy", key=KEY)
    text = " ".join([*warned, repr(ep.attrs["hotspots"]["load"])])
    assert "unparsed dates in 'went'" in text
    assert "first in row 2" in text
    assert "not a number (e.g. row 3)" in text
    assert "CH-10" not in text
    assert "GOLF" not in text
    assert "HOTEL" not in text


def test_headerless_episode_file_does_not_list_ids_as_column_names(tmp_path):
    path = write(tmp_path / "nohead.csv", "CH-1009-GOLF,2019-02-01,-1.75,53.79\n"
                 "CH-1010-HOTEL,2019-02-02,-1.74,53.78\n")
    with pytest.raises(ValidationError) as info:
        read_missing_episodes(path, child_id="child", start="went", from_x="fx", from_y="fy",
                              key=KEY)
    assert "GOLF" not in str(info.value)
    assert "CH-1009" not in str(info.value)
    assert "(a name with digits, not shown)" in str(info.value)


# --- 4. police.uk's unquoted comma inside Location ------------------------------------------
def test_unquoted_comma_in_location_is_repaired_and_reported(tmp_path):
    path = write(tmp_path / "2019-01-x-street.csv", "\n".join([STREET, ROW_A, ROW_B, ROW_C]))
    f, warned = quiet(read_police_uk, path)
    assert f["incident_id"].tolist() == ["a1", "b2", "c3"]
    row = f.iloc[1]
    assert row["category"] == "Vehicle crime"            # was "Bradford 002B"
    assert row["outcome"] == "Under investigation"        # was "Vehicle crime"
    assert row["location"] == "On or near Main St, Bradford"
    assert (row["lsoa_code"], row["lsoa_name"]) == ("E01010000", "Bradford 002B")
    r = f.attrs["hotspots"]["load"]
    assert r.rejected_total == 0
    assert r.flagged["repaired_location_comma"].rows == (("2019-01-x-street.csv", 3),)
    assert any("unquoted comma in Location, repaired" in w for w in warned)


@pytest.mark.parametrize("bad", [
    # the comma is in Context (LSOA code is where it belongs): not the Location pattern
    "d4,2019-01,WYP,WYP,-1.75,53.79,On or near X,E01010001,Bradford 001A,Burglary,,a, b",
    # joined, the crime type is not a police.uk one: some other shift
    "d4,2019-01,WYP,WYP,-1.75,53.79,On or near X, Y,E01010001,Bradford 001A,Burglery,,",
    # Location does not read like police.uk's
    "d4,2019-01,WYP,WYP,-1.75,53.79,Main St, Bradford,E01010001,Bradford 001A,Burglary,,",
])
def test_an_extra_field_that_is_not_certainly_the_location_comma_is_rejected(tmp_path, bad):
    path = write(tmp_path / "s.csv", "\n".join([STREET, ROW_A, bad, ROW_C]))
    f, _ = quiet(read_police_uk, path)
    assert f["incident_id"].tolist() == ["a1", "c3"]
    r = f.attrs["hotspots"]["load"]
    assert r.rejected["long_row"].rows == (("s.csv", 3),)
    assert "repaired_location_comma" not in r.flagged


def test_a_stray_quote_pair_does_not_swallow_a_police_uk_row(tmp_path):
    # two stray quotes at field edges make valid CSV in which row 3 is inside row 2's Context
    text = "\n".join([STREET, ROW_A + '"ctx', ROW_B.replace("Main St, ", "") + '"',
                      ROW_C])
    f, _ = quiet(read_police_uk, write(tmp_path / "q.csv", text))
    assert f["incident_id"].tolist() == ["c3"]
    r = f.attrs["hotspots"]["load"]
    assert r.rejected["line_break_in_value"].rows == (("q.csv", 2),)
    assert r.rows_read == 2  # the joined record is one record: it is counted, not lost


def test_text_after_a_closing_quote_is_refused_with_the_line(tmp_path):
    path = write(tmp_path / "q.csv", 'id,lon,lat,note\nA,-1.75,53.79,"a"b\nB,-1.7,53.7,x\n')
    with pytest.raises(ValidationError, match=r"q.csv is not a well-formed CSV file: the "
                       r"quoting breaks near line 2"):
        read_incidents(path, x="lon", y="lat")


def test_a_shifted_police_row_of_the_right_width_is_rejected_by_its_values(tmp_path):
    # Crime ID lost and a blank field added after Falls within: 12 fields, all shifted
    shifted = "2019-01,WYP,WYP,,-1.75,53.79,On or near X,E01010001,Bradford 001A,Burglary,,"
    # Crime type lost and a blank added at the end: LSOA fine, category would be an outcome
    late = ("e5,2019-01,WYP,WYP,-1.75,53.79,On or near X,E01010001,Bradford 001A,"
            "Under investigation,,")
    # Location lost and a blank added after LSOA name: "LSOA code" holds the LSOA name
    lsoa = "f6,2019-01,WYP,WYP,-1.75,53.79,E01010001,Bradford 001A,,Burglary,,"
    f, _ = quiet(read_police_uk, write(tmp_path / "s.csv",
                                       "\n".join([STREET, ROW_A, shifted, late, lsoa])))
    assert f["incident_id"].tolist() == ["a1"]
    r = f.attrs["hotspots"]["load"]
    assert r.rejected["unparsed_date:Month"].rows == (("s.csv", 3),)
    assert r.rejected["unknown_crime_type"].rows == (("s.csv", 4),)
    assert r.rejected["odd_lsoa_code"].rows == (("s.csv", 5),)


# --- 5. day/month order ---------------------------------------------------------------------
def _dates_file(tmp_path: Path, dates: list[str]) -> Path:
    lines = ["id,lon,lat,when"] + [f"R{i},-1.75,53.79,{d}" for i, d in enumerate(dates)]
    return write(tmp_path / "d.csv", "\n".join(lines) + "\n")


def test_us_dates_are_detected_from_the_values_that_decide(tmp_path):
    path = _dates_file(tmp_path, ["01/13/2019", "02/01/2019", "12/25/2019", "03/04/2019"])
    f, _ = quiet(read_incidents, path, x="lon", y="lat", occurred="when", today=TODAY)
    assert f["occurred"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-01-13", "2019-02-01", "2019-12-25", "2019-03-04"]
    notes = " ".join(f.attrs["hotspots"]["load"].notes)
    assert "'when' read month first (mm/dd/yyyy): 2 values can only be month first" in notes


def test_uk_dates_are_still_day_first(tmp_path):
    path = _dates_file(tmp_path, ["13/01/2019", "02/01/2019"])
    f, _ = quiet(read_incidents, path, x="lon", y="lat", occurred="when", today=TODAY)
    assert f["occurred"].dt.strftime("%Y-%m-%d").tolist() == ["2019-01-13", "2019-01-02"]


def test_a_column_mixing_day_first_and_month_first_is_refused(tmp_path):
    path = _dates_file(tmp_path, ["13/01/2019", "01/13/2019", "02/03/2019"])
    with pytest.raises(ValidationError, match=r"mixes day-first dates \(1 values.*row 2\) and "
                       r"month-first dates \(1 values.*row 3\)") as info:
        read_incidents(path, x="lon", y="lat", occurred="when", today=TODAY)
    assert info.value.problems[0].code == "mixed_date_order"
    # the user can say which: the contradicting value is flagged, not guessed
    f, _ = quiet(read_incidents, path, x="lon", y="lat", occurred="when", today=TODAY,
                 dayfirst=True)
    assert f["occurred"].dt.strftime("%Y-%m-%d").fillna("NaT").tolist() == [
        "2019-01-13", "NaT", "2019-03-02"]
    assert f.attrs["hotspots"]["load"].flagged["unparsed_date:when"].count == 1


def test_all_ambiguous_dates_are_read_day_first_with_a_note(tmp_path):
    path = _dates_file(tmp_path, ["01/02/2019", "03/04/2019"])
    f, _ = quiet(read_incidents, path, x="lon", y="lat", occurred="when", today=TODAY)
    assert f["occurred"].dt.strftime("%Y-%m-%d").tolist() == ["2019-02-01", "2019-04-03"]
    assert "could not be told from the values" in " ".join(f.attrs["hotspots"]["load"].notes)


# --- 6. time zones --------------------------------------------------------------------------
def test_naive_times_are_local_and_a_zoned_value_is_converted_and_reported(tmp_path):
    path = _dates_file(tmp_path, ["2019-07-31 23:30", "2019-07-31T22:30:00Z",
                                  "2019-01-15 12:00"])
    f, warned = quiet(read_incidents, path, x="lon", y="lat", occurred="when", today=TODAY)
    # 23:30 local stays 23:30 (not shifted to 00:30 on 1 August); 22:30Z is 23:30 BST
    assert f["occurred"].tolist() == [pd.Timestamp("2019-07-31 23:30"),
                                      pd.Timestamp("2019-07-31 23:30"),
                                      pd.Timestamp("2019-01-15 12:00")]
    flag = f.attrs["hotspots"]["load"].flagged["mixed_time_zones:when"]
    assert flag.count == 1
    assert flag.rows == (("d.csv", 3),)
    assert "converted to Europe/London" in flag.message
    assert any("times with a zone among local times" in w for w in warned)


def test_tz_parameter_sets_the_local_zone(tmp_path):
    path = _dates_file(tmp_path, ["2019-07-31T22:30:00Z"])
    f, _ = quiet(read_incidents, path, x="lon", y="lat", occurred="when", today=TODAY,
                 tz="UTC")
    assert f["occurred"].tolist() == [pd.Timestamp("2019-07-31 22:30")]


# --- 8. implausible dates and duplicate header names ----------------------------------------
def test_dates_before_1900_are_flagged(tmp_path):
    path = _dates_file(tmp_path, ["1850-03-01", "1899-12-31", "2019-05-01"])
    f, warned = quiet(read_incidents, path, x="lon", y="lat", occurred="when", today=TODAY)
    flag = f.attrs["hotspots"]["load"].flagged["early_date:when"]
    assert flag.count == 2
    assert flag.rows == (("d.csv", 2), ("d.csv", 3))
    assert "earliest 1850-03-01" in flag.message
    assert any("dates before 1900 in 'when'" in w for w in warned)


def test_duplicate_header_names_are_an_error_naming_them(tmp_path):
    path = write(tmp_path / "dup.csv", "id,lon,lat,type,type\nA,-1.75,53.79,Burglary,Robbery\n")
    with pytest.raises(ValidationError, match=r"column name used twice in its header: 'type'"):
        read_incidents(path, x="lon", y="lat", category="type")
    frame = pd.DataFrame([[1, -1.75, 53.79, "x"]], columns=["id", "lon", "lat", "id"])
    with pytest.raises(ValidationError, match=r"column names used twice: 'id'"):
        read_incidents(frame, x="lon", y="lat")


# --- 7. folder mode: nothing skipped in silence ---------------------------------------------
def test_folder_reads_utf16_title_lines_and_header_case_variants(tmp_path):
    write(tmp_path / "2019-01-x-street.csv", STREET + "\n" + ROW_A + "\n")
    write(tmp_path / "2019-02-x-street.csv", STREET + "\n" + ROW_C + "\n", "utf-16")
    write(tmp_path / "2019-03-x-street.csv", "Crime data, exported 3 May\n\n"
          + STREET.upper() + "\n" + ROW_A.replace("a1", "a9") + "\n")
    f, _ = quiet(read_police_uk, tmp_path)
    r = f.attrs["hotspots"]["load"]
    assert r.rows_read == 3
    assert len(r.files) == 3
    assert f["incident_id"].tolist() == ["a1", "c3", "a9"]
    assert f["category"].tolist() == ["Burglary", "Robbery", "Burglary"]
    assert f["lsoa_name"].tolist() == ["Bradford 001A", "Bradford 003C", "Bradford 001A"]
    assert f["source_row"].tolist() == [2, 2, 4]  # the header of the third file is row 3
    notes = " ".join(r.notes)
    assert "UTF-16 text, converted to UTF-8" in notes
    assert "2 lines above the header skipped" in notes
    assert "matched ignoring case" in notes


def test_a_police_uk_named_file_that_cannot_be_read_is_an_error_in_folder_mode(tmp_path):
    write(tmp_path / "2019-01-x-street.csv", STREET + "\n" + ROW_A + "\n")
    write(tmp_path / "2019-02-x-street.csv", "Reference,When,Where\n1,2019-02,somewhere\n")
    with pytest.raises(ValidationError, match=r"2019-02-x-street.csv is not a police.uk "
                       r"street-level crime CSV.*named like a police.uk street-level file"):
        read_police_uk(tmp_path)


def test_title_line_without_a_header_below_is_refused_with_the_line(tmp_path):
    path = write(tmp_path / "t.csv", "Crime export\nref,x,y\n1,2,3\n")
    with pytest.raises(ValidationError, match=r"line 1 of t.csv looks like a title"):
        read_incidents(path, x="lon", y="lat")


# --- 9. compressed and binary files ---------------------------------------------------------
@pytest.mark.parametrize("kind", ["gzip", "bz2", "zip", "gz-suffix"])
def test_compressed_csv_is_read(tmp_path, kind):
    text = (STREET + "\n" + ROW_A + "\n" + ROW_C + "\n").encode()
    if kind == "gzip":  # a gzip file that kept its .csv name
        path = tmp_path / "2019-01-x-street.csv"
        path.write_bytes(gzip.compress(text))
    elif kind == "gz-suffix":
        path = tmp_path / "crimes.csv.gz"
        path.write_bytes(gzip.compress(text))
    elif kind == "bz2":
        path = tmp_path / "crimes.csv.bz2"
        path.write_bytes(bz2.compress(text))
    else:
        path = tmp_path / "crimes.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("2019-01-x-street.csv", text)
    f, _ = quiet(read_police_uk, path)
    assert f["incident_id"].tolist() == ["a1", "c3"]
    assert f.attrs["hotspots"]["load"].files[0].rows == 2


def test_folder_with_a_gzipped_month_reads_it(tmp_path):
    write(tmp_path / "2019-01-x-street.csv", STREET + "\n" + ROW_A + "\n")
    (tmp_path / "2019-02-x-street.csv").write_bytes(gzip.compress(
        (STREET + "\n" + ROW_C + "\n").encode()))
    f, _ = quiet(read_police_uk, tmp_path)
    assert f["incident_id"].tolist() == ["a1", "c3"]


def test_binary_garbage_is_not_a_text_table(tmp_path):
    rng = np.random.default_rng(7)
    path = tmp_path / "photo.csv"
    path.write_bytes(rng.integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(ValidationError, match=r"photo.csv is not a text table") as info:
        read_incidents(path, x="lon", y="lat")
    assert info.value.problems[0].code == "not_a_text_table"
    with pytest.raises(ValidationError, match=r"not a text table"):
        read_police_uk(path)


def test_a_zip_of_several_files_is_refused_clearly(tmp_path):
    path = tmp_path / "many.csv"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.csv", "x,y\n1,2\n")
        zf.writestr("b.csv", "x,y\n1,2\n")
    with pytest.raises(ValidationError, match=r"many.csv is a zip archive with 2 files"):
        read_incidents(path, x="x", y="y")


# --- 13. FHRS JSON recognised by its content ------------------------------------------------
def _fhrs_json(tmp_path: Path) -> Path:
    doc = {"establishments": [
        {"FHRSID": 1, "BusinessName": "The Crown", "BusinessType": "Pub/bar/nightclub",
         "RatingValue": "5", "RatingDate": "2020-01-02",
         "geocode": {"longitude": "-0.09", "latitude": "51.51"}},
        {"FHRSID": 2, "BusinessName": "Star Cafe", "BusinessType": "Restaurant/Cafe/Canteen",
         "RatingValue": "4", "RatingDate": "2020-01-03",
         "geocode": {"longitude": "-0.091", "latitude": "51.512"}}]}
    path = tmp_path / "premises.json"
    path.write_text(json.dumps(doc))
    return path


def test_fhrs_json_is_recognised_by_read_premises(tmp_path):
    from hotspots.io.premises import looks_like_fhrs

    path = _fhrs_json(tmp_path)
    assert looks_like_fhrs(path)
    assert not looks_like_fhrs(write(tmp_path / "other.json", '{"type": "FeatureCollection"}'))
    p, _ = quiet(read_premises, path)
    assert p["premises_id"].tolist() == ["1", "2"]
    assert p["premises_class"].tolist() == ["pub/bar/nightclub", "cafe/restaurant"]
    assert p.attrs["hotspots"]["function"] == "read_fhrs"
    assert any("recognised as FSA food hygiene (FHRS) data" in n
               for n in p.attrs["hotspots"]["load"].notes)


# --- pseudonym key length --------------------------------------------------------------------
def test_short_pseudonym_keys_are_refused(tmp_path, monkeypatch):
    from hotspots.io.episodes import pseudonymise

    path = write(tmp_path / "ep.csv", "child,went,fx,fy\nC1,2019-02-01,-1.75,53.79\n")
    with pytest.raises(ValueError, match=r"is 6 bytes long; it must be at least 16 bytes"):
        read_missing_episodes(path, child_id="child", start="went", from_x="fx", from_y="fy",
                              key="secret")
    monkeypatch.setenv("HOTSPOTS_PSEUDONYM_KEY", "short-env-key")
    with pytest.raises(ValueError, match=r"\$HOTSPOTS_PSEUDONYM_KEY\) is 13 bytes"):
        read_missing_episodes(path, child_id="child", start="went", from_x="fx", from_y="fy")
    with pytest.raises(ValueError, match="at least 16 bytes"):
        pseudonymise(["C1"], key=b"0123456789abcde")  # 15 bytes
    assert pseudonymise(["C1"], key=b"0123456789abcdef").notna().all()  # 16 is enough


# --- messages stay short ---------------------------------------------------------------------
@pytest.mark.slow
def test_a_30_mb_line_gives_a_short_message(tmp_path):
    huge = "x" * 30_000_000
    path = write(tmp_path / "huge.csv", f"id,lon,lat\nA,{huge},53.79\nB,-1.75,53.79\n")
    f, warned = quiet(read_incidents, path, x="lon", y="lat")
    assert f.attrs["hotspots"]["load"].rejected["non_numeric_coordinate"].count == 1
    assert max(len(w) for w in warned) < 2000
    head = write(tmp_path / "head.csv", f"{huge},b\n1,2\n")
    with pytest.raises(ValidationError) as info:
        read_incidents(head, x="lon", y="lat")
    assert len(str(info.value)) < 2000


def test_shorten_cuts_long_values():
    assert shorten("abc") == "'abc'"
    assert shorten("y" * 1000, 5) == "'yyyyy...' (1,000 characters)"


def test_field_counts_respect_quotes_and_line_ends():
    shape = field_counts(b'a,b,c\n"x, y",2,3\r\n"multi\nline",5\n\n1,2,3', ",")
    assert shape.counts.tolist() == [3, 3, 2, 1, 3]
    assert shape.empty.tolist() == [False, False, False, True, False]
    assert shape.starts.tolist() == [0, 6, 18, 33, 34]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "1.5", "", " x ", "\x00", "\x07", "\t", "é"]),
                         min_size=1, max_size=4), min_size=1, max_size=8),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_files_without_quotes_are_shaped_like_files_with_them(records, line_end, final):
    # a file without any quote takes a one-pass path; two quotes in front make the same
    # records take the general one: records, control bytes and widths must agree
    body = line_end.join(",".join(r) for r in records) + (line_end if final else "")
    assume(body)  # no bytes at all is no record (tested above)
    plain = field_counts(body.encode(), ",")
    quoted = field_counts(('""' + body).encode(), ",")
    assert plain.starts.tolist() == [0, *(quoted.starts[1:] - 2).tolist()]
    assert plain.controls.tolist() == quoted.controls.tolist()
    lines = body.split(line_end)
    if body.endswith(line_end):  # a last line end closes the last record, opens none
        lines.pop()
    assert plain.controls.tolist() == [any(c in line for c in "\x00\x07") for line in lines]
    assert plain.counts.tolist() == quoted.counts.tolist() == [
        line.count(",") + 1 for line in lines]
