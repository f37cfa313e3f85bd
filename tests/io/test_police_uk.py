"""Tests of hotspots.io.read_police_uk on the real police.uk files in ../shared/data.

Expected numbers are computed independently here with the csv module, not copied from the
reader.
"""

from __future__ import annotations

import collections
import csv
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from hotspots.errors import DataQualityWarning, EmptyDataError, ValidationError
from hotspots.io import read_police_uk
from hotspots.io.incidents import API_CATEGORIES

CITY = "data/city-of-london/street"
API = "data/police-uk/bradford-api-2018-06.csv"
WY = "data/police-uk/west-yorkshire-street-2017-sample.csv"

STREET_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                 "LSOA code,LSOA name,Crime type,Last outcome category,Context")
API_HEADER = ("id,persistent_id,month,category,latitude,longitude,street_id,street_name,"
              "location_type,location_subtype,context,outcome_category,outcome_date")


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def city_dir(shared_file) -> Path:
    """The 36 City of London street-crime files (2018 to 2020)."""
    return shared_file(CITY)


@pytest.fixture(scope="module")
def city(city_dir):
    start = time.perf_counter()
    frame = read_police_uk(city_dir)
    return frame, time.perf_counter() - start


@pytest.fixture(scope="module")
def city_truth(city_dir):
    files = sorted(city_dir.glob("*.csv"))
    rows = {f.name: csv_rows(f) for f in files}
    return files, rows


# --- the 36 City of London files ----------------------------------------------------------
def test_city_counts_match_the_files(city, city_truth):
    frame, _ = city
    files, rows = city_truth
    n_rows = sum(len(r) for r in rows.values())
    n_unknown = sum(1 for r in rows.values() for x in r
                    if x["Longitude"] == "" and x["Latitude"] == "")
    assert len(files) == 36
    assert (n_rows, n_rows - n_unknown, n_unknown) == (24_750, 22_943, 1_807)
    report = frame.attrs["hotspots"]["load"]
    assert report.rows_read == n_rows
    assert report.located == n_rows - n_unknown
    assert report.unknown_location == n_unknown
    assert report.rejected_total == 0
    assert report.duplicates_removed == 0
    assert report.rows_read == (report.located + report.unknown_location
                                + report.rejected_total + report.duplicates_removed)
    assert len(frame) == n_rows
    assert (frame["location_status"] == "unknown").sum() == n_unknown
    assert frame.geometry.is_empty.sum() == n_unknown
    assert [f.rows for f in report.files] == [len(rows[f.name]) for f in files]


def test_city_hashes_match_sha256sums(city, city_dir):
    frame, _ = city
    sums = dict(line.split()[::-1] for line in
                (city_dir / "SHA256SUMS").read_text().splitlines() if line.strip())
    report = frame.attrs["hotspots"]["load"]
    assert {f.name: f.sha256 for f in report.files} == sums


def test_city_categories_and_months(city, city_truth):
    frame, _ = city
    _, rows = city_truth
    truth = collections.Counter(x["Crime type"] for r in rows.values() for x in r)
    assert frame["category"].value_counts().to_dict() == dict(truth)
    assert str(frame["occurred"].dtype) == "datetime64[ns]"
    months = frame["source_file"].str.slice(0, 7) + "-01"
    assert (frame["occurred"] == pd.to_datetime(months)).all()
    assert frame["occurred"].min() == pd.Timestamp("2017-12-01")
    assert frame["occurred"].max() == pd.Timestamp("2020-11-01")


def test_city_rows_trace_back_to_the_files(city, city_truth):
    frame, _ = city
    _, rows = city_truth
    t = Transformer.from_crs(4326, 27700, always_xy=True)
    sample = frame.iloc[::997]
    for _, r in sample.iterrows():
        src = rows[r["source_file"]][r["source_row"] - 2]
        assert r["category"] == src["Crime type"]
        assert r["location"] == src["Location"]
        if src["Crime ID"]:
            assert r["incident_id"] == src["Crime ID"]
        if src["Longitude"]:
            e, n = t.transform(float(src["Longitude"]), float(src["Latitude"]))
            assert r.geometry.x == pytest.approx(e, abs=1e-6)
            assert r.geometry.y == pytest.approx(n, abs=1e-6)
        else:
            assert r.geometry.is_empty
            assert r["location_status"] == "unknown"


def test_city_blank_crime_ids_get_stable_unique_ids(city, city_truth):
    frame, _ = city
    _, rows = city_truth
    n_blank = sum(1 for r in rows.values() for x in r if x["Crime ID"] == "")
    assert n_blank == 3_501
    generated = frame["incident_id"].str.contains(":", regex=False)
    assert generated.sum() == n_blank
    assert (frame.loc[generated, "category"] == "Anti-social behaviour").all()
    ids = frame.loc[generated, "incident_id"]
    assert ids.is_unique
    expected = (frame.loc[generated, "source_file"].str.replace(".csv", "", regex=False)
                + ":" + frame.loc[generated, "source_row"].astype(str))
    assert (ids == expected).all()
    notes = " ".join(frame.attrs["hotspots"]["load"].notes)
    assert "3,501 rows had a blank Crime ID (3,501 of them anti-social behaviour" in notes


def test_city_repeated_crime_ids_are_kept_and_noted(city, city_truth):
    frame, _ = city
    _, rows = city_truth
    n_ids = n_rows = 0
    for r in rows.values():
        counts = collections.Counter(x["Crime ID"] for x in r if x["Crime ID"])
        n_ids += sum(1 for v in counts.values() if v > 1)
        n_rows += sum(v for v in counts.values() if v > 1)
    assert n_ids == 241
    real = frame[~frame["incident_id"].str.contains(":", regex=False)]
    dup = real.duplicated(["source_file", "incident_id"], keep=False)
    assert dup.sum() == n_rows
    notes = " ".join(frame.attrs["hotspots"]["load"].notes)
    assert f"241 Crime IDs appear on more than one row of the same file ({n_rows:,} rows)" \
        in notes


def test_city_extra_columns(city):
    frame, _ = city
    assert list(frame.columns) == [
        "incident_id", "occurred", "category", "recency", "weight", "location_status",
        "geometry", "reported_by", "falls_within", "location", "lsoa_code", "lsoa_name",
        "outcome", "context", "source_file", "source_row"]
    assert frame["recency"].isna().all()
    assert (frame["weight"] == 1.0).all()
    assert (frame["falls_within"] == "City of London Police").all()
    located = frame[frame["location_status"] == "located"]
    # City of London and its neighbours, in metres (a handful of real rows lie further away)
    in_london = (located.geometry.x.between(520_000, 545_000)
                 & located.geometry.y.between(170_000, 190_000))
    assert in_london.mean() > 0.999


def test_folder_glob_list_and_single_file_agree(city, city_dir):
    frame, _ = city
    files = sorted(city_dir.glob("*.csv"))
    by_glob = read_police_uk(str(city_dir / "2018-*.csv"))
    assert len(by_glob.attrs["hotspots"]["load"].files) == 12
    by_list = read_police_uk(files[1:13])
    pd.testing.assert_frame_equal(pd.DataFrame(by_glob.drop(columns="geometry")),
                                  pd.DataFrame(by_list.drop(columns="geometry")))
    single = read_police_uk(files[0])
    n0 = len(csv_rows(files[0]))
    assert len(single) == n0
    # the text columns of few values are categoricals of the values present: the first
    # file's rows hold fewer distinct locations than all files' rows
    pd.testing.assert_frame_equal(
        pd.DataFrame(single.drop(columns="geometry")),
        pd.DataFrame(frame.iloc[:n0].drop(columns="geometry")), check_categorical=False)
    assert isinstance(single["location"].dtype, pd.CategoricalDtype)
    assert list(single["location"].cat.categories) == sorted(
        single["location"].dropna().unique())


def test_progress_bar(city_dir, capsys):
    files = sorted(city_dir.glob("*.csv"))[:3]
    read_police_uk(files, progress=True)
    assert "3/3" in capsys.readouterr().err
    read_police_uk(files)
    assert capsys.readouterr().err == ""


# --- the API layout -------------------------------------------------------------------------
def test_api_file_deduplicates_ids_and_maps_slugs(shared_file):
    api = shared_file(API)
    rows = csv_rows(api)
    first: dict[str, dict[str, str]] = {}
    for r in rows:
        first.setdefault(r["id"], r)
    assert (len(rows), len(first)) == (6_616, 6_533)
    frame = read_police_uk(api)
    report = frame.attrs["hotspots"]["load"]
    assert report.rows_read == 6_616
    assert report.duplicates_removed == 83
    assert "83 rows removed (83 distinct values)" in report.duplicates_detail
    assert report.located + report.unknown_location == 6_533
    assert report.rows_read == (report.located + report.unknown_location
                                + report.rejected_total + report.duplicates_removed)
    assert frame["incident_id"].is_unique
    assert frame["incident_id"].tolist() == list(first)
    truth = collections.Counter(API_CATEGORIES[r["category"]] for r in first.values())
    assert frame["category"].value_counts().to_dict() == dict(truth)
    assert truth["Violence and sexual offences"] > 0
    assert set(frame["category"].cat.categories) <= set(API_CATEGORIES.values())
    assert (frame["occurred"] == pd.Timestamp("2018-06-01")).all()
    # British Transport Police rows are at stations
    assert (frame["location"].str.startswith("On or near")
            | frame["location"].str.endswith("(station)")).all()
    assert {"persistent_id", "street_id", "location_type", "outcome", "ward_code_queried"} \
        <= set(frame.columns)


def test_api_category_table_is_complete():
    street_names = {
        "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson",
        "Drugs", "Other crime", "Other theft", "Possession of weapons", "Public order",
        "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
        "Violence and sexual offences"}
    assert street_names <= set(API_CATEGORIES.values())
    assert API_CATEGORIES["violent-crime"] == "Violence and sexual offences"
    assert API_CATEGORIES["anti-social-behaviour"] == "Anti-social behaviour"
    assert API_CATEGORIES["public-order"] == "Public order"


def test_api_unknown_slug_is_kept_with_a_warning(tmp_path):
    path = tmp_path / "api.csv"
    path.write_text(API_HEADER + "\n1,p,2018-06,violent-crime,53.8,-1.75,1,On or near A,"
                    "Force,,,,\n2,p,2018-06,new-thing,53.8,-1.75,1,On or near B,Force,,,,\n")
    with pytest.warns(DataQualityWarning, match="Slugs 'new-thing' are not in the police.uk"):
        frame = read_police_uk(path)
    assert frame["category"].tolist() == ["Violence and sexual offences", "new-thing"]


# --- the West Yorkshire sample ----------------------------------------------------------------
def test_west_yorkshire_sample_reads_fully(shared_file):
    wy = shared_file(WY)
    rows = csv_rows(wy)
    frame = read_police_uk(wy)
    report = frame.attrs["hotspots"]["load"]
    assert report.rows_read == len(rows) == 2_450
    assert report.located == 2_450
    assert report.unknown_location == 0
    assert report.rejected_total == 0
    assert (frame["lsoa_name"].str.startswith("Bradford ")).sum() == 623
    assert frame["incident_id"].tolist() == [r["Crime ID"] for r in rows]
    # West Yorkshire in metres
    assert frame.geometry.x.between(380_000, 470_000).all()
    assert frame.geometry.y.between(400_000, 470_000).all()


# --- layouts, folders and odd files -----------------------------------------------------------
def _street_file(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(STREET_HEADER + "\n" + body)
    return path


def test_mixed_layouts_are_combined(tmp_path):
    street = _street_file(tmp_path, "s.csv", "abc,2019-01,F,F,-1.75,53.8,On or near X,E1,L,"
                          "Burglary,,\n,2019-01,F,F,,,No location,,,Anti-social behaviour,,\n")
    api = tmp_path / "a.csv"
    api.write_text(API_HEADER + "\n1,p,2019-02,burglary,53.8,-1.75,1,On or near A,Force,,,,\n"
                   "1,p,2019-02,burglary,53.8,-1.75,1,On or near A,Force,,,,\n")
    frame = read_police_uk([street, api])
    report = frame.attrs["hotspots"]["load"]
    assert (report.rows_read, report.located, report.unknown_location,
            report.duplicates_removed) == (4, 2, 1, 1)
    assert frame["category"].tolist() == ["Burglary", "Anti-social behaviour", "Burglary"]
    assert list(frame["category"].cat.categories) == ["Anti-social behaviour", "Burglary"]
    assert str(frame["incident_id"].dtype) == "string"
    assert frame.crs.to_epsg() == 27700


def test_named_file_with_another_layout_is_an_error(tmp_path):
    other = tmp_path / "stop-and-search.csv"
    other.write_text("Type,Date,Latitude,Longitude\nPerson search,2021-08-01,53.8,-1.75\n")
    with pytest.raises(ValidationError) as info:
        read_police_uk(other)
    msg = str(info.value)
    assert "stop-and-search.csv is not a police.uk street-level crime CSV" in msg
    assert "Columns found: 'Type', 'Date', 'Latitude', 'Longitude'." in msg


def test_folder_skips_other_layouts_with_a_note(tmp_path):
    _street_file(tmp_path, "2019-01-x-street.csv", "a,2019-01,F,F,-1.75,53.8,X,E1,L,Drugs,,\n")
    (tmp_path / "2019-01-x-outcomes.csv").write_text("Crime ID,Month,Outcome type\na,2019-01,x\n")
    frame = read_police_uk(tmp_path)
    assert len(frame) == 1
    notes = " ".join(frame.attrs["hotspots"]["load"].notes)
    assert "1 CSV files without a police.uk crime layout were skipped: " \
           "2019-01-x-outcomes.csv" in notes


def test_header_only_month_among_many_is_noted_but_alone_is_an_error(tmp_path):
    a = _street_file(tmp_path, "a.csv", "a,2019-01,F,F,-1.75,53.8,X,E1,L,Drugs,,\n")
    b = _street_file(tmp_path, "b.csv", "")
    frame = read_police_uk([a, b])
    assert len(frame) == 1
    assert "1 files have a header but no rows: b.csv" in " ".join(
        frame.attrs["hotspots"]["load"].notes)
    with pytest.raises(EmptyDataError, match=r"b\.csv has a header but no rows"):
        read_police_uk(b)


def test_empty_police_file_named_is_an_error(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValidationError, match=r"empty.csv is not a police.uk.*\(none: empty"):
        read_police_uk(empty)


def test_no_matching_files(tmp_path):
    with pytest.raises(ValidationError, match="no file matches"):
        read_police_uk(str(tmp_path / "*.csv"))
    with pytest.raises(ValidationError, match=r"holds no \*\.csv files"):
        read_police_uk(tmp_path)


def test_zero_coordinates_in_police_file_are_unknown(tmp_path):
    path = _street_file(tmp_path, "z.csv", "a,2019-01,F,F,0,0,X,E1,L,Drugs,,\n"
                        "b,2019-01,F,F,-1.75,53.8,X,E1,L,Drugs,,\n")
    with pytest.warns(DataQualityWarning, match=r"1 row kept with coordinates \(0, 0\)"):
        frame = read_police_uk(path)
    assert frame["location_status"].tolist() == ["unknown", "located"]
    assert np.isnan(frame.geometry.x.iloc[0]) or frame.geometry.iloc[0].is_empty


def test_ids_are_worked_out_on_the_kept_rows_when_rows_are_rejected(tmp_path):
    # The Crime IDs are first worked out on every stacked row, on a thread of their own
    # (read_table's prepare=); once a row is rejected they must be those of the kept rows.
    # Row 3 repeats row 2's id but has a broken Month: with it rejected, no id repeats.
    # Row 5 repeats row 4's id and both are kept: one repeat of two rows. Rows 6 and 7 are
    # blank anti-social behaviour rows below the rejected one: their generated ids keep
    # the row numbers of the file.
    path = _street_file(tmp_path, "2019-01-x-street.csv",
                        "a,2019-01,F,F,-1.75,53.8,X,E1,L,Drugs,,\n"
                        "a,2019-xx,F,F,-1.75,53.8,X,E1,L,Drugs,,\n"
                        "b,2019-01,F,F,-1.75,53.8,X,E1,L,Drugs,,\n"
                        "b,2019-01,F,F,-1.75,53.8,X,E1,L,Burglary,,\n"
                        ",2019-01,F,F,-1.75,53.8,X,E1,L,Anti-social behaviour,,\n"
                        ",2019-01,F,F,-1.74,53.8,X,E1,L,Anti-social behaviour,,\n")
    with pytest.warns(DataQualityWarning, match="1 of 6 rows rejected"):
        frame = read_police_uk(path)
    assert frame["incident_id"].tolist() == [
        "a", "b", "b", "2019-01-x-street:6", "2019-01-x-street:7"]
    assert frame["source_row"].tolist() == [2, 4, 5, 6, 7]
    notes = frame.attrs["hotspots"]["load"].notes
    assert any("1 Crime IDs appear on more than one row of the same file (2 rows)" in n
               for n in notes)
    assert any("2 rows had a blank Crime ID (2 of them anti-social behaviour" in n
               for n in notes)


def test_ids_prepared_while_reading_equal_ids_worked_out_after(tmp_path):
    # the early start (read_table's prepare=) and the late path give the same column
    from hotspots.io._police_uk_frame import crime_ids

    body = "".join(f"{'' if i % 3 == 0 else f'id{i % 7}'},2019-01,F,F,-1.75,53.8,X,E1,L,"
                   f"{'Anti-social behaviour' if i % 3 == 0 else 'Drugs'},,\n"
                   for i in range(40))
    path = _street_file(tmp_path, "2019-02-y-street.csv", body)
    frame = read_police_uk(path)
    data = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    data["Crime ID"] = data["Crime ID"].astype("str")
    ids, notes = crime_ids(data, np.array(["2019-02-y-street.csv"] * 40, dtype=object),
                           np.arange(2, 42))
    assert frame["incident_id"].tolist() == ids.tolist()
    assert all(n in frame.attrs["hotspots"]["load"].notes for n in notes)
    assert len(notes) == 2


@pytest.mark.parametrize("large", [False, True])
def test_repeated_ids_by_fingerprint_equal_a_plain_count(large):
    # Crime IDs of one width are proved distinct by 64-bit fingerprints read in place;
    # any shared fingerprint (a repeat) goes to the exact count. Chunks of one file (Arrow
    # parses in blocks), sliced chunks, blanks and ids of other widths must all agree with
    # a count done in Python.
    import pyarrow as pa

    from hotspots.io._police_uk_frame import _repeated_ids, _surely_distinct

    kind = pa.large_string() if large else pa.string()
    rng = np.random.default_rng(5)

    def ids(n: int, width: int) -> list[str | None]:
        return [None if rng.random() < 0.2 else
                "".join(rng.choice(list("0123456789abcdef"), size=width)) for _ in range(n)]

    one = ids(300, 64)
    first = next(v for v in one if v is not None)
    repeat = [*one[:200], first, *one[201:]]  # the first id again, in the second chunk
    cases = [
        [one[:120], one[120:]],                       # distinct, two chunks
        [repeat[:100], repeat[100:]],                 # one id twice, in different chunks
        [[*ids(50, 64), "a" * 63]],                   # one id shorter: the exact count
        [ids(40, 16), ids(40, 16)],                   # 16-character ids
        [[None, None]],                               # blanks only
    ]
    for parts in cases:
        chunks = [pa.array(p, type=kind) for p in parts]
        chunks[0] = pa.concat_arrays([pa.array(["pad"], type=kind), chunks[0]]).slice(1)
        column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=kind)))
        values = [v for p in parts for v in p if v is not None]
        counts = collections.Counter(values)
        want = (sum(1 for c in counts.values() if c > 1),
                sum(c for c in counts.values() if c > 1))
        files = np.array(["f.csv"] * len(column), dtype=object)
        assert _repeated_ids(files, column) == want, parts[0][:2]
        assert want != (0, 0) or parts is not cases[1]  # the repeat case has its repeat
        proved = _surely_distinct(pa.chunked_array(chunks, type=kind))
        if want != (0, 0):
            assert not proved  # sound: a repeat is never proved away
    # the fast proof is taken for distinct ids of one width (the police.uk case)
    assert _surely_distinct(pa.chunked_array([pa.array(p, type=kind) for p in cases[0]]))
