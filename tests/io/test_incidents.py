"""Tests of hotspots.io.read_incidents and the shared table engine: one test per bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from hotspots.errors import CRSError, DataQualityWarning, EmptyDataError, ValidationError
from hotspots.io import LoadReport, read_incidents
from hotspots.io._table import parse_dates, read_table

TODAY = "2024-01-01"
WGS_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


def write(tmp_path: Path, name: str, text: str, *, encoding: str = "utf-8",
          newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def messages(record) -> list[str]:
    return [str(w.message) for w in record]


GOOD = "id,lon,lat,when,type\n" \
       "A1,-1.7500,53.7900,2019-05-01,Burglary\n" \
       "A2,-1.7600,53.8000,2019-05-02,Robbery\n" \
       "A3,,,2019-05-03,Burglary\n"


# --- the canonical frame ------------------------------------------------------------------
def test_canonical_frame_columns_dtypes_and_values(tmp_path):
    path = write(tmp_path, "good.csv", GOOD)
    f = read_incidents(path, x="lon", y="lat", occurred="when", category="type", incident_id="id")
    assert list(f.columns[:7]) == ["incident_id", "occurred", "category", "recency", "weight",
                                   "location_status", "geometry"]
    assert list(f.columns[-2:]) == ["source_file", "source_row"]
    assert isinstance(f, gpd.GeoDataFrame)
    assert f.crs.to_epsg() == 27700
    assert isinstance(f.index, pd.RangeIndex)
    assert str(f["incident_id"].dtype) == "string"
    assert str(f["occurred"].dtype) == "datetime64[ns]"
    assert list(f["category"].cat.categories) == ["Burglary", "Robbery"]
    assert list(f["recency"].cat.categories) == ["recent", "non-recent"]
    assert f["recency"].isna().all()
    assert f["weight"].dtype == np.float64
    assert (f["weight"] == 1.0).all()
    assert list(f["location_status"].cat.categories) == ["located", "unknown"]
    assert f["location_status"].tolist() == ["located", "located", "unknown"]
    assert f.geometry.iloc[2].is_empty
    assert f["incident_id"].tolist() == ["A1", "A2", "A3"]
    assert f["source_file"].tolist() == ["good.csv"] * 3
    assert f["source_row"].tolist() == [2, 3, 4]
    # projection equals pyproj on the same numbers
    e, n = WGS_TO_BNG.transform([-1.75, -1.76], [53.79, 53.80])
    np.testing.assert_allclose(f.geometry.x.iloc[:2], e, atol=1e-6)
    np.testing.assert_allclose(f.geometry.y.iloc[:2], n, atol=1e-6)
    report = f.attrs["hotspots"]["load"]
    assert isinstance(report, LoadReport)
    assert (report.rows_read, report.located, report.unknown_location) == (3, 2, 1)
    assert report.files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert f.attrs["hotspots"]["crs_in"] == "EPSG:4326"


def test_bng_input_is_detected_and_kept_exactly(tmp_path):
    path = write(tmp_path, "bng.csv", "e,n\n416500.5,432900.25\n416600,433000\n")
    f = read_incidents(path, x="e", y="n")
    assert f.attrs["hotspots"]["crs_in"] == "EPSG:27700"
    assert f.geometry.x.tolist() == [416500.5, 416600.0]
    assert f.geometry.y.tolist() == [432900.25, 433000.0]


def test_other_declared_crs_is_projected(tmp_path):
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(-1.75, 53.79)
    f = read_incidents(pd.DataFrame({"x": [x], "y": [y]}), x="x", y="y", crs="EPSG:3857")
    e, n = Transformer.from_crs(3857, 27700, always_xy=True).transform(x, y)
    assert f.geometry.x.iloc[0] == pytest.approx(e, abs=1e-6)
    assert f.geometry.y.iloc[0] == pytest.approx(n, abs=1e-6)


# --- bad input, one test each -------------------------------------------------------------
def test_missing_required_column_lists_columns_found(tmp_path):
    path = write(tmp_path, "cols.csv", "Crime ID,Longitude,Latitude\nA,-1.7,53.8\n")
    with pytest.raises(ValidationError) as info:
        read_incidents(path, x="longitude", y="Latitude", occurred="Month")
    msg = str(info.value)
    assert "cols.csv" in msg
    assert "column 'longitude' (given as x=) was not found. Did you mean 'Longitude'?" in msg
    assert "column 'Month' (given as occurred=) was not found." in msg
    assert "Columns found: 'Crime ID', 'Longitude', 'Latitude'." in msg
    assert [p.code for p in info.value.problems] == ["missing_column", "missing_column"]
    assert info.value.problems[0].file == "cols.csv"


def test_missing_column_close_match_by_spelling(tmp_path):
    path = write(tmp_path, "typo.csv", "Crime ID,Longitude,Latitude\nA,-1.7,53.8\n")
    with pytest.raises(ValidationError, match="Did you mean 'Longitude'"):
        read_incidents(path, x="Longtitude", y="Latitude")


def test_empty_file(tmp_path):
    path = write(tmp_path, "empty.csv", "")
    with pytest.raises(EmptyDataError) as info:
        read_incidents(path, x="lon", y="lat")
    assert "the file empty.csv is empty (0 bytes)" in str(info.value)
    assert info.value.problems[0].file == "empty.csv"


def test_header_only_file(tmp_path):
    path = write(tmp_path, "header.csv", "id,lon,lat\n", newline="\r\n")
    with pytest.raises(EmptyDataError) as info:
        read_incidents(path, x="lon", y="lat")
    assert "header.csv has a header but no rows" in str(info.value)
    assert "'id', 'lon', 'lat'" in str(info.value)


def test_non_numeric_coordinates_are_rejected_and_counted(tmp_path):
    text = "id,lon,lat\nA,-1.75,53.79\nB,abc,53.79\nC,-1.75,5x\nD,-1.76,53.8\n"
    path = write(tmp_path, "nonnum.csv", text)
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    (msg,) = messages(rec)
    assert "nonnum.csv: 2 of 4 rows rejected" in msg
    assert "'lon' has 1 value that is not a number (e.g. 'abc' in row 3)" in msg
    assert "'lat' has 1 value that is not a number (e.g. '5x' in row 4)" in msg
    assert f["incident_id"].tolist() == ["A", "D"]
    issue = f.attrs["hotspots"]["load"].rejected["non_numeric_coordinate"]
    assert issue.count == 2
    assert issue.rows == (("nonnum.csv", 3), ("nonnum.csv", 4))
    assert issue.column == "lon/lat"


def test_one_coordinate_missing_is_rejected_but_both_missing_is_kept(tmp_path):
    text = "id,lon,lat\nA,-1.75,53.79\nB,-1.75,\nC,,\nD,NULL,n/a\n"
    path = write(tmp_path, "half.csv", text)
    with pytest.warns(DataQualityWarning, match=r"1 of 4 rows rejected.*one coordinate "
                      r"missing: 1 \(half.csv row 3\)"):
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    assert f["incident_id"].tolist() == ["A", "C", "D"]
    assert f["location_status"].tolist() == ["located", "unknown", "unknown"]
    assert f.geometry.is_empty.tolist() == [False, True, True]
    r = f.attrs["hotspots"]["load"]
    assert (r.rows_read, r.located, r.unknown_location, r.rejected_total) == (4, 1, 2, 1)


def test_latlon_swapped_is_a_crs_error_with_the_fix(tmp_path):
    path = write(tmp_path, "swap.csv", "lon,lat\n53.79,-1.75\n53.80,-1.76\n51.5,0.1\n")
    with pytest.raises(CRSError) as info:
        read_incidents(path, x="lon", y="lat")
    msg = str(info.value)
    assert msg.startswith("swap.csv: ")
    assert "Latitude and longitude look swapped" in msg
    assert "pass x='lat', y='lon'" in msg


def test_easting_northing_passed_as_lonlat(tmp_path):
    path = write(tmp_path, "en.csv", "lon,lat\n416500,432900\n416600,433000\n")
    with pytest.raises(CRSError) as info:
        read_incidents(path, x="lon", y="lat", crs="EPSG:4326")
    msg = str(info.value)
    assert "crs=EPSG:4326 (longitude/latitude in degrees) was given" in msg
    assert "British National Grid easting/northing in metres" in msg
    assert "Pass crs='EPSG:27700'" in msg


def test_lonlat_passed_as_bng(tmp_path):
    path = write(tmp_path, "ll.csv", "x,y\n-1.75,53.79\n-1.76,53.8\n")
    with pytest.raises(CRSError, match=r"look like longitude/latitude in degrees\. Pass "
                       "crs='EPSG:4326'"):
        read_incidents(path, x="x", y="y", crs=27700)


def test_ambiguous_detection_is_an_error(tmp_path):
    path = write(tmp_path, "norfolk.csv", "x,y\n1.29,52.63\n1.30,52.62\n")
    with pytest.raises(CRSError, match=r"cannot be detected.*pass crs='EPSG:4326'"):
        read_incidents(path, x="x", y="y")
    # and declaring it resolves it
    f = read_incidents(path, x="x", y="y", crs="EPSG:4326")
    assert (f["location_status"] == "located").all()


def test_zero_coordinates_are_unknown_with_a_warning(tmp_path):
    path = write(tmp_path, "zero.csv", "id,lon,lat\nA,-1.75,53.79\nB,0,0\nC,0.0,0.000\n")
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    (msg,) = messages(rec)
    assert "2 rows kept with coordinates (0, 0) (zero.csv rows 3, 4)" in msg
    assert "location unknown" in msg
    assert f["location_status"].tolist() == ["located", "unknown", "unknown"]
    assert f.geometry.is_empty.tolist() == [False, True, True]
    r = f.attrs["hotspots"]["load"]
    assert r.flagged["zero_coordinates"].count == 2
    assert (r.located, r.unknown_location, r.rejected_total) == (1, 2, 0)


def test_outside_great_britain_is_rejected(tmp_path):
    text = "id,lon,lat\nA,-1.75,53.79\nB,-1.76,53.80\nC,-1.75,40.0\n"
    path = write(tmp_path, "abroad.csv", text)
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    (msg,) = messages(rec)
    assert "outside Great Britain: 1 (abroad.csv row 4)" in msg
    assert "lon=-1.75, lat=40 in row 4" in msg
    assert f["incident_id"].tolist() == ["A", "B"]
    assert f.attrs["hotspots"]["load"].rejected["outside_gb"].rows == (("abroad.csv", 4),)


def test_every_row_rejected_is_an_error_listing_reasons(tmp_path):
    path = write(tmp_path, "bad.csv", "lon,lat\nx,53.8\n-1.7,\n")
    with pytest.raises(EmptyDataError) as info:
        read_incidents(path, x="lon", y="lat")
    msg = str(info.value)
    assert "every one of the 2 rows was rejected" in msg
    assert "non-numeric coordinates" in msg
    assert "one coordinate missing" in msg
    assert {p.code for p in info.value.problems} == {"non_numeric_coordinate",
                                                     "missing_coordinate"}


def test_unparseable_dates_are_kept_as_nat_with_a_warning(tmp_path):
    text = ("id,lon,lat,when\nA,-1.75,53.79,15/06/2018 14:30\nB,-1.75,53.79,32/13/2018\n"
            "C,-1.75,53.79,\nD,-1.75,53.79,soon\n")
    path = write(tmp_path, "dates.csv", text)
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(path, x="lon", y="lat", incident_id="id", occurred="when", today=TODAY)
    (msg,) = messages(rec)
    assert "2 rows kept with unparsed dates in 'when' (dates.csv rows 3, 5)" in msg
    assert "'32/13/2018'" in msg
    assert "NaT" in msg
    assert f["occurred"].iloc[0] == pd.Timestamp("2018-06-15 14:30")
    assert f["occurred"].iloc[1:].isna().all()
    assert len(f) == 4
    assert f.attrs["hotspots"]["load"].flagged["unparsed_date:when"].count == 2


def test_future_dates_are_kept_with_a_warning(tmp_path):
    text = "id,lon,lat,when\nA,-1.75,53.79,2023-12-31\nB,-1.75,53.79,2024-01-02\n" \
           "C,-1.75,53.79,2030-06-01\n"
    path = write(tmp_path, "future.csv", text)
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(path, x="lon", y="lat", incident_id="id", occurred="when", today=TODAY)
    (msg,) = messages(rec)
    assert "2 rows kept with dates after today in 'when' (future.csv rows 3, 4)" in msg
    assert "Dates after 2024-01-01 (latest 2030-06-01)" in msg
    assert f["occurred"].tolist() == [pd.Timestamp("2023-12-31"), pd.Timestamp("2024-01-02"),
                                      pd.Timestamp("2030-06-01")]


def test_today_itself_is_not_in_the_future(tmp_path):
    f = read_incidents(pd.DataFrame({"x": [-1.7], "y": [53.8], "d": ["2024-01-01 23:59"]}),
                       x="x", y="y", occurred="d", today=TODAY)
    assert f["occurred"].iloc[0] == pd.Timestamp("2024-01-01 23:59")


def test_windows_1252_file_is_read_with_a_warning(tmp_path):
    text = "id,lon,lat,place\nA,-1.75,53.79,Caf\u00e9 \u2019Le Pr\u00e9\u2019\n"
    path = write(tmp_path, "cp1252.csv", text, encoding="cp1252")
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    (msg,) = messages(rec)
    assert "cp1252.csv is not UTF-8" in msg
    assert "read as Windows-1252 (cp1252)" in msg
    assert f["place"].iloc[0] == "Caf\u00e9 \u2019Le Pr\u00e9\u2019"


def test_utf8_bom_file(tmp_path):
    path = write(tmp_path, "bom.csv", "id,lon,lat,place\nA,-1.75,53.79,Caf\u00e9\n",
                 encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    f = read_incidents(path, x="lon", y="lat", incident_id="id")  # no warning: BOM is fine
    assert f["incident_id"].tolist() == ["A"]  # the id column was found despite the BOM
    assert f["place"].iloc[0] == "Caf\u00e9"
    assert "UTF-8 with a byte-order mark" in " ".join(f.attrs["hotspots"]["load"].notes)


def test_crlf_line_ends(tmp_path):
    path = write(tmp_path, "crlf.csv", GOOD, newline="\r\n")
    assert b"\r\n" in path.read_bytes()
    f = read_incidents(path, x="lon", y="lat", incident_id="id", category="type")
    assert list(f["category"].cat.categories) == ["Burglary", "Robbery"]  # no stray \r
    assert f["source_row"].tolist() == [2, 3, 4]
    assert not any("\r" in c for c in f.columns)


def test_a_row_longer_than_the_header_is_rejected_with_its_row(tmp_path):
    # issue 10 #3: a long row among good ones is set aside with its reason, not a whole-file
    # error and never shifted
    path = write(tmp_path, "broken.csv", "id,lon,lat\nA,-1.7,53.8\nB,-1.7,53.8,x,y\n")
    with pytest.warns(DataQualityWarning, match=r"1 row rejected, more fields than the header "
                      r"\(broken.csv row 3\)\. The header has 3 fields; these rows have 5"):
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    assert f["incident_id"].tolist() == ["A"]
    r = f.attrs["hotspots"]["load"]
    assert (r.rows_read, r.located, r.rejected_total) == (2, 1, 1)
    assert r.rejected["long_row"].rows == (("broken.csv", 3),)


def test_excel_export_with_trailing_empty_columns_and_a_ragged_line(tmp_path):
    # Excel writes ",,," for formatted-but-empty columns, sometimes one more on a last line
    text = ("id,lon,lat,place,,,\nA,-1.75,53.79,Caf\u00e9 \u00a35,,,\n"
            "B,-1.76,53.80,x,,,\n,,,,,,,,\n")
    path = write(tmp_path, "excel.csv", text, encoding="cp1252", newline="\r\n")
    with pytest.warns(DataQualityWarning, match="not UTF-8"):
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    assert f["incident_id"].tolist() == ["A", "B"]
    assert f["place"].tolist() == ["Caf\u00e9 \u00a35", "x"]
    assert f["source_row"].tolist() == [2, 3]
    assert not any(c.startswith("Unnamed") for c in f.columns)
    r = f.attrs["hotspots"]["load"]
    notes = " ".join(r.notes)
    assert "excel.csv: 3 empty columns without a header ignored." in notes
    assert "excel.csv: 1 empty line ignored (row 4)" in notes
    assert (r.rows_read, r.located, r.unknown_location, r.rejected_total) == (2, 2, 0, 0)


def test_extra_field_with_a_value_is_rejected_when_every_row_is_long(tmp_path):
    # every row longer than the header: pandas alone would shift the columns silently; the
    # blank extra fields are a spreadsheet's, the one holding a value is a malformed row
    path = write(tmp_path, "extra.csv",
                 "id,lon,lat\nA,-1.7,53.8,,\nB,-1.7,53.8,,oops\nC,-1.7,53.8,,\n")
    with pytest.warns(DataQualityWarning, match="more fields than the header"):
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    assert f["incident_id"].tolist() == ["A", "C"]
    r = f.attrs["hotspots"]["load"]
    assert r.rejected["long_row"].rows == (("extra.csv", 3),)
    assert any("blank fields beyond the header" in n for n in r.notes)


def test_rows_longer_than_the_header_do_not_shift_columns(tmp_path):
    path = write(tmp_path, "long.csv", "id,lon,lat\nA,-1.75,53.79,,\nB,-1.76,53.80,,\n")
    f = read_incidents(path, x="lon", y="lat", incident_id="id")
    assert f["incident_id"].tolist() == ["A", "B"]
    expected = WGS_TO_BNG.transform([-1.75, -1.76], [53.79, 53.80])
    np.testing.assert_allclose(f.geometry.x, expected[0])
    np.testing.assert_allclose(f.geometry.y, expected[1])


def test_one_swapped_row_among_good_rows_is_rejected_by_name(tmp_path):
    text = ("id,lon,lat\nA,-1.75,53.79\nB,53.78,-1.74\nC,-1.76,53.80\nD,-1.77,53.81\n")
    path = write(tmp_path, "oneswap.csv", text)
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    (msg,) = messages(rec)
    assert "latitude and longitude swapped: 1 (oneswap.csv row 3)" in msg
    assert "lon=53.78, lat=-1.74 in row 3" in msg
    assert f["incident_id"].tolist() == ["A", "C", "D"]
    r = f.attrs["hotspots"]["load"]
    issue = r.rejected["swapped_coordinates"]
    assert (issue.count, issue.rows, issue.column) == (1, (("oneswap.csv", 3),), "lon/lat")
    assert "outside_gb" not in r.rejected
    assert r.rows_read == r.located + r.unknown_location + r.rejected_total + \
        r.duplicates_removed == 4


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path):
    text = 'id,lon,lat,desc\nA,-1.75,53.79,"two\nlines"\n\nB,bad,53.79,x\n,,,\nC,-1.75,53.79,y\n'
    path = write(tmp_path, "blank.csv", text)
    with pytest.warns(DataQualityWarning, match=r"row 4\b"):
        f = read_incidents(path, x="lon", y="lat", incident_id="id")
    # a spreadsheet shows A on row 2 (two-line cell), a blank row 3, B row 4, blank row 5
    assert f["source_row"].tolist() == [2, 6]
    r = f.attrs["hotspots"]["load"]
    assert r.rows_read == 3
    assert "2 empty lines ignored (rows 3, 5)" in " ".join(r.notes)


# --- dates --------------------------------------------------------------------------------
def test_parse_dates_formats_and_dayfirst():
    s = pd.Series(["2019-02-01", "01/02/2019", "01/02/2019 13:45", "1 Feb 2019",
                   "2019-02-01T10:00:00Z", "", None, "nope"])
    parsed, present, bad = parse_dates(s)
    assert parsed.iloc[:4].tolist() == [pd.Timestamp("2019-02-01"), pd.Timestamp("2019-02-01"),
                                        pd.Timestamp("2019-02-01 13:45"),
                                        pd.Timestamp("2019-02-01")]
    assert parsed.iloc[4] == pd.Timestamp("2019-02-01 10:00")  # UTC = GMT in February
    assert present.tolist() == [True] * 5 + [False, False, True]
    assert bad.tolist() == [False] * 7 + [True]
    us, _, _ = parse_dates(pd.Series(["01/02/2019"]), dayfirst=False)
    assert us.iloc[0] == pd.Timestamp("2019-01-02")
    summer, _, _ = parse_dates(pd.Series(["2019-07-01T10:00:00Z", "2019-07-01T10:00:00+01:00"]))
    assert summer.tolist() == [pd.Timestamp("2019-07-01 11:00"), pd.Timestamp("2019-07-01 10:00")]
    month, _, bad = parse_dates(pd.Series(["2018-06", "2018-13"]), date_format="%Y-%m")
    assert month.iloc[0] == pd.Timestamp("2018-06-01")
    assert bad.tolist() == [False, True]
    assert str(month.dtype) == "datetime64[ns]"


def test_date_out_of_datetime64_range_is_unparsed():
    parsed, _, bad = parse_dates(pd.Series(["0019-06-01", "2019-06-01"]))
    assert bad.tolist() == [True, False]
    assert pd.isna(parsed.iloc[0])


def test_date_format_argument(tmp_path):
    df = pd.DataFrame({"x": [-1.7, -1.7], "y": [53.8, 53.8], "d": ["2019|03|04", "2019-03-04"]})
    with pytest.warns(DataQualityWarning, match="format '%Y|%m|%d'"):
        f = read_incidents(df, x="x", y="y", occurred="d", date_format="%Y|%m|%d")
    assert f["occurred"].iloc[0] == pd.Timestamp("2019-03-04")
    assert pd.isna(f["occurred"].iloc[1])


# --- ids, recency, weight, keep -----------------------------------------------------------
def test_blank_ids_are_generated_stably(tmp_path):
    path = write(tmp_path, "ids.csv", "id,lon,lat\nA,-1.7,53.8\n,-1.7,53.8\n  ,,\n")
    f = read_incidents(path, x="lon", y="lat", incident_id="id")
    assert f["incident_id"].tolist() == ["A", "ids:3", "ids:4"]
    g = read_incidents(path, x="lon", y="lat")
    assert g["incident_id"].tolist() == ["ids:2", "ids:3", "ids:4"]
    assert "2 rows had a blank 'id'" in " ".join(f.attrs["hotspots"]["load"].notes)


def test_deduplicate_on_id_is_counted():
    df = pd.DataFrame({"id": ["a", "b", "a", None, None, "b"], "x": [-1.7] * 6,
                       "y": [53.8] * 6})
    f = read_incidents(df, x="x", y="y", incident_id="id", deduplicate=True)
    assert f["source_row"].tolist() == [2, 3, 5, 6]  # blank ids never match each other
    r = f.attrs["hotspots"]["load"]
    assert r.duplicates_removed == 2
    assert r.duplicate_rows == ((None, 4), (None, 7))
    assert "2 rows removed (2 distinct values)" in r.duplicates_detail
    assert r.rows_read == r.located + r.unknown_location + r.rejected_total + 2
    # without deduplicate every row stays
    assert len(read_incidents(df, x="x", y="y", incident_id="id")) == 6


def test_recency_column_spellings():
    values = ["Recent", "non-recent", "Non Recent", "HISTORIC", "non_recent", "current", None]
    df = pd.DataFrame({"x": [-1.7] * 7, "y": [53.8] * 7, "r": values})
    f = read_incidents(df, x="x", y="y", recency="r")
    assert f["recency"].tolist()[:6] == ["recent", "non-recent", "non-recent", "non-recent",
                                         "non-recent", "recent"]
    assert pd.isna(f["recency"].iloc[6])
    assert f.attrs["hotspots"]["recency_rule"] == "from column 'r'"


def test_recency_yes_no_is_not_guessed_but_can_be_mapped():
    df = pd.DataFrame({"x": [-1.7] * 3, "y": [53.8] * 3, "hist": ["Y", "N", "maybe"]})
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(df, x="x", y="y", recency="hist")
    (msg,) = messages(rec)
    assert "3 rows kept with unrecognised values in 'hist'" in msg
    assert "'Y', 'N', 'maybe'" in msg
    assert "recency_values=" in msg
    assert f["recency"].isna().all()
    with pytest.warns(DataQualityWarning, match="1 row kept with unrecognised"):
        g = read_incidents(df, x="x", y="y", recency="hist",
                           recency_values={"y": "non-recent", "N": "recent"})
    assert g["recency"].tolist()[:2] == ["non-recent", "recent"]
    with pytest.raises(ValueError, match="must map to 'recent' or 'non-recent'"):
        read_incidents(df, x="x", y="y", recency="hist", recency_values={"Y": "old"})


def test_recency_derived_from_reported_and_occurred():
    df = pd.DataFrame({
        "x": [-1.7] * 5, "y": [53.8] * 5,
        "occ": ["2018-01-15", "2018-01-15", "2015-06-01", None, "2018-05-01"],
        "rep": ["2019-01-15", "2019-01-16", "2019-06-01", "2019-01-01", "2018-04-01"],
    })
    with pytest.warns(DataQualityWarning, match="1 row kept with reported before it occurred"):
        f = read_incidents(df, x="x", y="y", occurred="occ", reported="rep")
    # exactly 12 months later is still recent; a day more is non-recent
    assert f["recency"].tolist()[:3] == ["recent", "non-recent", "non-recent"]
    assert f["recency"].iloc[3:].isna().all()
    assert "more than 12 months after" in f.attrs["hotspots"]["recency_rule"]
    g = read_incidents(df.iloc[:3], x="x", y="y", occurred="occ", reported="rep",
                       recent_years=5)
    assert g["recency"].tolist() == ["recent", "recent", "recent"]


def test_reported_needs_occurred():
    with pytest.raises(ValueError, match="needs 'occurred'"):
        read_incidents(pd.DataFrame({"x": [-1.7], "y": [53.8], "r": ["2019-01-01"]}),
                       x="x", y="y", reported="r")


def test_weights():
    df = pd.DataFrame({"x": [-1.7] * 5, "y": [53.8] * 5, "w": ["2.5", "", "-1", "x", "0"]})
    with pytest.warns(DataQualityWarning) as rec:
        f = read_incidents(df, x="x", y="y", weight="w")
    text = " ".join(messages(rec))
    assert "2 rows rejected, invalid weight (rows 4, 5)" in text
    assert "1 row kept with blank 'w' (row 3)" in text
    assert f["weight"].tolist() == [2.5, 1.0, 0.0]
    assert f.attrs["hotspots"]["load"].rejected["invalid_weight"].count == 2


def test_keep_columns_and_name_clashes():
    df = pd.DataFrame({"x": [-1.7], "y": [53.8], "weight": ["heavy"], "note": ["n"],
                       "other": [1]})
    f = read_incidents(df, x="x", y="y")
    assert list(f.columns[7:]) == ["weight_source", "note", "other", "source_file",
                                   "source_row"]
    g = read_incidents(df, x="x", y="y", keep=["note"])
    assert list(g.columns[7:]) == ["note", "source_file", "source_row"]
    h = read_incidents(df, x="x", y="y", keep=False)
    assert list(h.columns[7:]) == ["source_file", "source_row"]
    with pytest.raises(ValidationError, match="column 'nope' \\(in keep=\\) was not found"):
        read_incidents(df, x="x", y="y", keep=["nope"])
    # True keeps every unused column, as None does; a name alone keeps that column; anything
    # else is refused with what keep= takes (it was a TypeError from inside the reader)
    t = read_incidents(df, x="x", y="y", keep=True)
    assert list(t.columns[7:]) == list(f.columns[7:])
    assert list(read_incidents(df, x="x", y="y", keep="note").columns[7:]) == [
        "note", "source_file", "source_row"]
    with pytest.raises(TypeError, match="keep= takes a column name, a list of column names"):
        read_incidents(df, x="x", y="y", keep=3)


# --- sources ------------------------------------------------------------------------------
def test_frame_rows_are_position_plus_two_whatever_the_index():
    df = pd.DataFrame({"x": [-1.7, "bad", -1.7], "y": [53.8, 53.8, 53.8]},
                      index=[100, 7, 42])
    with pytest.warns(DataQualityWarning, match=r"rejected.*\(row 3\)"):
        f = read_incidents(df, x="x", y="y")
    assert f["source_row"].tolist() == [2, 4]
    assert f["source_file"].isna().all()
    assert f.attrs["hotspots"]["load"].files == []
    assert df.index.tolist() == [100, 7, 42]  # input untouched


def test_geodataframe_geometry_is_used_directly():
    g = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d"]},
        geometry=[shapely.Point(-1.75, 53.79), None, shapely.Point(),
                  shapely.Polygon([(0, 0), (1, 0), (1, 1)])],
        crs=4326,
    )
    with pytest.warns(DataQualityWarning, match="geometry is not a point: 1 \\(row 5\\)"):
        f = read_incidents(g, incident_id="id")
    assert f["incident_id"].tolist() == ["a", "b", "c"]
    assert f["location_status"].tolist() == ["located", "unknown", "unknown"]
    e, n = WGS_TO_BNG.transform(-1.75, 53.79)
    assert f.geometry.iloc[0].x == pytest.approx(e, abs=1e-6)
    assert f.geometry.iloc[0].y == pytest.approx(n, abs=1e-6)


def test_geodataframe_without_crs_is_detected_and_conflicts_are_errors():
    g = gpd.GeoDataFrame(geometry=[shapely.Point(416_500, 432_900)])
    f = read_incidents(g)
    assert f.attrs["hotspots"]["crs_in"] == "EPSG:27700"
    with pytest.raises(CRSError, match="the geometry is in EPSG:27700 but crs='EPSG:4326'"):
        read_incidents(g.set_crs(27700), crs="EPSG:4326")


def test_frame_without_coordinates_says_what_to_pass():
    with pytest.raises(ValidationError, match=r"no coordinates: pass x= and y=.*'a', 'b'"):
        read_incidents(pd.DataFrame({"a": [1], "b": [2]}))
    with pytest.raises(ValueError, match="Pass both x= and y="):
        read_incidents(pd.DataFrame({"a": [1], "b": [2]}), x="a")


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "parquet"])
def test_geo_files(tmp_path, suffix):
    g = gpd.GeoDataFrame({"id": ["a", "b"], "when": ["2019-01-01", "2019-01-02"]},
                         geometry=[shapely.Point(-1.75, 53.79), None], crs=4326)
    path = tmp_path / f"points.{suffix}"
    if suffix == "parquet":
        g.to_parquet(path)
    else:
        g.to_file(path)
    f = read_incidents(path, incident_id="id", occurred="when")
    assert f["incident_id"].tolist() == ["a", "b"]
    assert f["location_status"].tolist() == ["located", "unknown"]
    assert f["occurred"].iloc[1] == pd.Timestamp("2019-01-02")
    assert f["source_file"].tolist() == [path.name] * 2
    r = f.attrs["hotspots"]["load"]
    assert r.files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_plain_parquet_with_columns(tmp_path):
    path = tmp_path / "plain.parquet"
    pd.DataFrame({"e": [416_500.0, np.nan], "n": [432_900.0, np.nan]}).to_parquet(path)
    f = read_incidents(path, x="e", y="n")
    assert f["location_status"].tolist() == ["located", "unknown"]


def test_several_files_are_stacked(tmp_path):
    a = write(tmp_path, "a.csv", "id,lon,lat\nA,-1.7,53.8\n")
    b = write(tmp_path, "b.csv", "id,lon,lat,extra\nB,-1.7,53.8,x\n")
    f = read_incidents([a, b], x="lon", y="lat", incident_id="id")
    assert f["incident_id"].tolist() == ["A", "B"]
    assert f["source_file"].tolist() == ["a.csv", "b.csv"]
    assert [x.name for x in f.attrs["hotspots"]["load"].files] == ["a.csv", "b.csv"]


def test_missing_file():
    with pytest.raises(ValidationError, match="does not exist"):
        read_incidents("/no/such/file.csv", x="lon", y="lat")


def test_engine_reject_flag_and_report_balance():
    rows = read_table(pd.DataFrame({"x": [-1.7, -1.7, None], "y": [53.8, 53.8, None],
                                    "k": ["a", "b", "c"]}), x="x", y="y")
    with pytest.warns(DataQualityWarning, match="1 row rejected, custom"):
        rows.reject(rows.data["k"].eq("b").to_numpy(), "custom", "custom", "because")
    report = rows.load_report()
    assert (report.rows_read, report.located, report.unknown_location) == (3, 1, 1)
    assert report.rejected["custom"].rows == ((None, 3),)
    assert rows.geoseries().crs.to_epsg() == 27700


def test_utf16_tab_separated_and_semicolon_files(tmp_path):
    text = "id\tlon\tlat\tplace\nA\t-1.75\t53.79\tCaf\u00e9\n"
    path = tmp_path / "excel.txt"
    path.write_bytes(text.encode("utf-16"))  # with a BOM, as Excel's "Unicode text"
    f = read_incidents(path, x="lon", y="lat", incident_id="id")
    assert f["place"].tolist() == ["Caf\u00e9"]
    semi = write(tmp_path, "semi.csv", "id;lon;lat\nA;-1.75;53.79\n")
    assert read_incidents(semi, x="lon", y="lat",
                          incident_id="id")["incident_id"].tolist() == ["A"]


def test_empty_frame():
    with pytest.raises(EmptyDataError, match=r"the DataFrame has no rows \(columns: 'x', 'y'\)"):
        read_incidents(pd.DataFrame({"x": [], "y": []}), x="x", y="y")
