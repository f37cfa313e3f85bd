"""Tests for hotspots.io.premises: the class table, FHRS JSON/XML/CSV and bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from hotspots import schema
from hotspots.errors import DataQualityWarning, EmptyDataError, ValidationError
from hotspots.io.premises import (
    CLASS_KEYWORDS,
    PREMISES_CLASS_NAMES,
    PREMISES_COLUMNS,
    PREMISES_TYPE_CLASSES,
    classify_premises,
    read_fhrs,
    read_premises,
)

FHRS_DIR = Path("data") / "city-of-london" / "premises"  # in the shared folder
FHRS_JSON = "fhrs-city-of-london-2021-08-19.json"
FHRS_CSV = "fhrs-city-of-london-2021-08-19.csv"


# --------------------------------------------------------------------------------------------
# the class table
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("type_text", "name", "expected"),
    [
        # FHRS business types map directly, whatever the name says
        ("Restaurant/Cafe/Canteen", "The Chamberlain Hotel", "cafe/restaurant"),
        ("Takeaway/sandwich shop", "Pret a Manger", "takeaway"),
        ("Pub/bar/nightclub", "Karaoke Box", "pub/bar/nightclub"),
        ("Hotel/bed & breakfast/guest house", "Andaz", "hotel/guest house"),
        ("Mobile caterer", "Bean About Town", "takeaway"),
        ("Retailers - other", "Hotel Chocolat", "other"),  # a specific type beats the name
        ("  pub/BAR/nightclub ", "x", "pub/bar/nightclub"),  # case and spaces ignored
        # generic types fall back to keywords in the name
        ("Other catering premises", "Good Hotel London", "hotel/guest house"),
        ("Other catering premises", "Dabbers Social Bingo", "entertainment"),
        ("Other catering premises", "Bar & Co, The Wilfred", "pub/bar/nightclub"),
        ("Other catering premises", "Balls Brothers, Catering only", "other"),
        ("Distributors/Transporters", "Star Cars", "taxi/private hire"),
        ("Caring Premises", "Oak Lodge Children's Home", "residential"),
        # unknown types: keywords on the type text first, then on the name
        ("Snooker & pool club", "Cue Ball", "snooker/pool hall"),
        ("Private hire operator", "A1 Travel", "taxi/private hire"),
        ("Licensed premises", "Super Kebab House", "takeaway"),
        ("Licensed premises", "Amusement Arcade", "amusement arcade"),
        (None, "City Taxis Ltd", "taxi/private hire"),
        (None, "Tom & Jerry's Cafe", "cafe/restaurant"),
        (None, "Acme Widgets", "other"),
        ("", "", "other"),
    ],
)
def test_classify_premises_table_and_keywords(type_text, name, expected):
    assert classify_premises([type_text], [name]).tolist() == [expected]


def test_classify_premises_type_map_override_wins_and_may_add_classes():
    types = ["Pub/bar/nightclub", "Other catering premises", "Shisha lounge"]
    names = ["The Crown", "Good Hotel London", "Cloud Nine"]
    default = classify_premises(types, names).tolist()
    assert default == ["pub/bar/nightclub", "hotel/guest house", "shisha lounge"]
    got = classify_premises(types, names, type_map={"PUB/BAR/NIGHTCLUB": "entertainment",
                                                     "shisha lounge": "shisha"}).tolist()
    assert got == ["entertainment", "hotel/guest house", "shisha"]


def test_class_table_uses_only_documented_classes():
    assert len(set(schema.PREMISES_CLASSES)) == len(schema.PREMISES_CLASSES) == 14
    assert {v for v in PREMISES_TYPE_CLASSES.values() if v is not None} <= set(
        schema.PREMISES_CLASSES)
    assert {c for c, _ in CLASS_KEYWORDS} <= set(schema.PREMISES_CLASSES)
    # both layers name the classes with the one tuple in hotspots.schema
    from hotspots.premises import PREMISES_CLASS_NAMES as COMPUTE_NAMES

    assert PREMISES_CLASS_NAMES is schema.PREMISES_CLASSES
    assert COMPUTE_NAMES is schema.PREMISES_CLASSES


def test_agency_table_covers_every_class():
    from hotspots.premises import VISIT_AGENCIES

    assert set(VISIT_AGENCIES) == set(schema.PREMISES_CLASSES)
    # the police attend every visit
    assert all(agencies[0] == "police" for agencies in VISIT_AGENCIES.values())


def test_classify_premises_returns_string_series_aligned():
    types = pd.Series(["Takeaway/sandwich shop", None], index=[7, 9])
    out = classify_premises(types, ["a", "b"])
    assert out.index.tolist() == [7, 9]
    assert str(out.dtype) == "string"
    assert out.notna().all()


# --------------------------------------------------------------------------------------------
# FHRS, real data (the FSA's City of London extract)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fhrs_dir(shared_dir):
    return shared_dir / FHRS_DIR


@pytest.fixture(scope="module")
def fhrs_raw(fhrs_dir):
    doc = json.loads((fhrs_dir / FHRS_JSON).read_text(encoding="utf-8"))
    return doc["establishments"]


@pytest.fixture(scope="module")
def fhrs_json(fhrs_dir):
    return read_fhrs(fhrs_dir / FHRS_JSON)


def test_read_fhrs_json_counts_match_the_file(fhrs_json, fhrs_raw, fhrs_dir):
    # independent count straight from the JSON: 1,720 establishments, 1,698 geocoded
    n = len(fhrs_raw)
    with_xy = sum(1 for e in fhrs_raw
                  if (e.get("geocode") or {}).get("longitude") not in (None, "")
                  and (e.get("geocode") or {}).get("latitude") not in (None, ""))
    assert (n, with_xy) == (1720, 1698)
    report = fhrs_json.attrs["hotspots"]["load"]
    assert (report.rows_read, report.located, report.unknown_location) == (n, with_xy,
                                                                           n - with_xy)
    assert report.rejected_total == 0
    assert report.duplicates_removed == 0
    assert len(fhrs_json) == n
    assert (fhrs_json["location_status"] == "located").sum() == with_xy
    assert fhrs_json.geometry.is_empty.sum() == n - with_xy
    # the file record carries the real hash
    digest = hashlib.sha256((fhrs_dir / FHRS_JSON).read_bytes()).hexdigest()
    assert report.files[0].sha256 == digest
    assert report.files[0].name == FHRS_JSON


def test_read_fhrs_json_schema_and_values(fhrs_json, fhrs_raw):
    assert list(fhrs_json.columns[: len(PREMISES_COLUMNS)]) == list(PREMISES_COLUMNS)
    assert fhrs_json.crs.to_epsg() == 27700
    assert fhrs_json["premises_id"].tolist() == [str(e["FHRSID"]) for e in fhrs_raw]
    assert fhrs_json["name"].tolist() == [e["BusinessName"] for e in fhrs_raw]
    assert fhrs_json["premises_type"].tolist() == [e["BusinessType"] for e in fhrs_raw]
    assert fhrs_json["source_row"].tolist() == list(range(2, len(fhrs_raw) + 2))
    # every Restaurant/Cafe/Canteen is a cafe/restaurant; every pub type a pub
    def classes_of(business_type: str) -> set[str]:
        return set(fhrs_json.loc[fhrs_json["premises_type"] == business_type,
                                 "premises_class"].tolist())

    assert classes_of("Restaurant/Cafe/Canteen") == {"cafe/restaurant"}
    assert classes_of("Pub/bar/nightclub") == {"pub/bar/nightclub"}
    assert classes_of("Hotel/bed & breakfast/guest house") == {"hotel/guest house"}
    counts = pd.Series([e["BusinessType"] for e in fhrs_raw]).value_counts()
    assert counts["Restaurant/Cafe/Canteen"] == 815  # as documented in the data README
    # projection: the first establishment, transformed independently with pyproj
    first = fhrs_raw[0]
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    ex, ny = tr.transform(float(first["geocode"]["longitude"]),
                          float(first["geocode"]["latitude"]))
    pt = fhrs_json.geometry.iloc[0]
    assert (pt.x, pt.y) == pytest.approx((ex, ny), abs=1e-6)
    # address lines joined, blanks skipped; rating kept as text
    assert fhrs_json["address"].iloc[0] == "1 Lombard Street, London"
    assert fhrs_json["rating"].iloc[0] == "5"
    assert fhrs_json["rating_date"].iloc[0] == pd.Timestamp("2021-07-13")
    # the FSA's 1901-01-01 "no date" becomes NaT
    n_placeholder = sum(1 for e in fhrs_raw if str(e.get("RatingDate", "")).startswith("1901"))
    assert n_placeholder == 81
    assert fhrs_json["rating_date"].isna().sum() == 81


def test_read_fhrs_csv_equals_json(fhrs_json, fhrs_dir):
    csv = read_fhrs(fhrs_dir / FHRS_CSV)
    report = csv.attrs["hotspots"]["load"]
    assert (report.rows_read, report.located, report.unknown_location) == (1720, 1698, 22)
    for col in ("premises_id", "name", "premises_type", "premises_class", "address",
                "postcode", "rating", "rating_date", "location_status", "source_row"):
        pd.testing.assert_series_equal(csv[col], fhrs_json[col], check_names=False)
    same = shapely.equals_exact(csv.geometry.to_numpy(), fhrs_json.geometry.to_numpy(), 1e-6)
    assert same.all()


# --------------------------------------------------------------------------------------------
# FHRS XML (fixture written from the FSA's documented schema)
# --------------------------------------------------------------------------------------------
_XML = """<?xml version="1.0" encoding="utf-8"?>
<FHRSEstablishment xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Header>
    <ExtractDate>2021-08-19</ExtractDate>
    <ItemCount>3</ItemCount>
    <ReturnCode>Success</ReturnCode>
  </Header>
  <EstablishmentCollection>
    <EstablishmentDetail>
      <FHRSID>1001</FHRSID>
      <LocalAuthorityBusinessID>PI/1</LocalAuthorityBusinessID>
      <BusinessName>Tom &amp; Jerry's "Cafe"</BusinessName>
      <BusinessType>Restaurant/Cafe/Canteen</BusinessType>
      <BusinessTypeID>1</BusinessTypeID>
      <AddressLine1>1 Cheapside</AddressLine1>
      <AddressLine2>London</AddressLine2>
      <PostCode>EC2V 6AA</PostCode>
      <RatingValue>4</RatingValue>
      <RatingKey>fhrs_4_en-GB</RatingKey>
      <RatingDate>2019-03-01</RatingDate>
      <LocalAuthorityCode>508</LocalAuthorityCode>
      <LocalAuthorityName>City of London Corporation</LocalAuthorityName>
      <Scores><Hygiene>5</Hygiene><Structural>5</Structural></Scores>
      <SchemeType>FHRS</SchemeType>
      <NewRatingPending>False</NewRatingPending>
      <Geocode><Longitude>-0.0931</Longitude><Latitude>51.5140</Latitude></Geocode>
    </EstablishmentDetail>
    <EstablishmentDetail>
      <FHRSID>1002</FHRSID>
      <BusinessName>Star Cars</BusinessName>
      <BusinessType>Distributors/Transporters</BusinessType>
      <PostCode>EC3N</PostCode>
      <RatingValue>AwaitingInspection</RatingValue>
      <RatingDate xsi:nil="true" />
      <Geocode />
    </EstablishmentDetail>
    <EstablishmentDetail>
      <FHRSID>1003</FHRSID>
      <BusinessName>The Crown</BusinessName>
      <BusinessType>Pub/bar/nightclub</BusinessType>
      <RatingValue>5</RatingValue>
      <RatingDate>2020-01-15</RatingDate>
      <Geocode><Longitude>-0.0800</Longitude><Latitude>51.5150</Latitude></Geocode>
    </EstablishmentDetail>
  </EstablishmentCollection>
</FHRSEstablishment>
"""


def test_read_fhrs_xml(tmp_path):
    path = tmp_path / "fhrs.xml"
    path.write_text(_XML, encoding="utf-8")
    got = read_fhrs(path)
    assert got["premises_id"].tolist() == ["1001", "1002", "1003"]
    assert got["name"].tolist() == ["Tom & Jerry's \"Cafe\"", "Star Cars", "The Crown"]
    assert got["premises_class"].tolist() == ["cafe/restaurant", "taxi/private hire",
                                              "pub/bar/nightclub"]
    assert got["location_status"].tolist() == ["located", "unknown", "located"]
    assert got["address"].iloc[0] == "1 Cheapside, London"
    assert pd.isna(got["address"].iloc[1])
    assert pd.isna(got["rating_date"].iloc[1])
    assert got["rating_date"].iloc[0] == pd.Timestamp("2019-03-01")
    assert got["rating"].tolist() == ["4", "AwaitingInspection", "5"]
    report = got.attrs["hotspots"]["load"]
    assert (report.rows_read, report.located, report.unknown_location) == (3, 2, 1)
    assert report.files[0].name == "fhrs.xml"
    assert got["source_file"].tolist() == ["fhrs.xml"] * 3
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    assert (got.geometry.iloc[2].x, got.geometry.iloc[2].y) == pytest.approx(
        tr.transform(-0.08, 51.515), abs=1e-6)


def test_read_fhrs_sniffs_format_without_suffix(tmp_path):
    path = tmp_path / "download"
    path.write_text(_XML, encoding="utf-8")
    assert len(read_fhrs(path)) == 3
    path.write_text(json.dumps([{"FHRSID": 5, "BusinessName": "A", "BusinessType": "Pub/bar/"
                                 "nightclub", "geocode": {"longitude": "-0.09",
                                                          "latitude": "51.51"}}]))
    got = read_fhrs(path)
    assert got["premises_class"].tolist() == ["pub/bar/nightclub"]


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
def test_read_fhrs_rejects_files_that_are_not_fhrs(tmp_path):
    bad_json = tmp_path / "other.json"
    bad_json.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(ValidationError, match=r"other\.json.*establishments"):
        read_fhrs(bad_json)
    broken = tmp_path / "broken.json"
    broken.write_text('{"establishments": [')
    with pytest.raises(ValidationError, match="not valid JSON"):
        read_fhrs(broken)
    xml = tmp_path / "other.xml"
    xml.write_text("<kml><Document/></kml>")
    with pytest.raises(ValidationError, match=r"not FSA FHRS XML.*<kml>"):
        read_fhrs(xml)
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"establishments": []}))
    with pytest.raises(EmptyDataError, match="no establishments"):
        read_fhrs(empty)
    no_fields = tmp_path / "nofields.json"
    no_fields.write_text(json.dumps({"establishments": [{"id": 1, "name": "x"}]}))
    with pytest.raises(ValidationError, match="FHRSID"):
        read_fhrs(no_fields)
    with pytest.raises(ValidationError, match="does not exist"):
        read_fhrs(tmp_path / "missing.json")


def _register_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "register.csv"
    header = "licence,premises,type,easting,northing,rooms,street,town,pc,what"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_read_premises_generic_register(tmp_path):
    path = _register_csv(tmp_path, [
        "L1,The Crown,Public house,532000,181000,,1 High St,London,EC1 1AA,pub",
        "L2,Star Cars,Private hire operator,532100,181050,,2 High St,,EC1 1AB,taxi",
        "L3,Kings Hotel,Hotel,532200,181100,40,3 High St,London,,hotel",
    ])
    got = read_premises(path, premises_id="licence", name="premises", premises_type="type",
                        x="easting", y="northing", address=["street", "town"], postcode="pc",
                        capacity="rooms", kind="what")
    assert list(got.columns[: len(PREMISES_COLUMNS)]) == list(PREMISES_COLUMNS)
    assert got["premises_class"].tolist() == ["pub/bar/nightclub", "taxi/private hire",
                                              "hotel/guest house"]
    assert got["address"].tolist() == ["1 High St, London", "2 High St", "3 High St, London"]
    assert got["capacity"].tolist()[2] == 40.0
    assert np.isnan(got["capacity"].iloc[0])
    assert got["kind"].tolist() == ["pub", "taxi", "hotel"]  # a column
    assert got.geometry.iloc[0].equals(shapely.Point(532000, 181000))
    assert got.attrs["hotspots"]["classes"]["taxi/private hire"] == 1
    # kind as one value for every row (no column of that name)
    vul = read_premises(path, premises_id="licence", name="premises", x="easting", y="northing",
                        kind="vulnerable")
    assert vul["kind"].tolist() == ["vulnerable"] * 3
    assert vul["premises_type"].isna().all()


def test_read_premises_accounts_for_bad_rows(tmp_path):
    path = _register_csv(tmp_path, [
        "L1,The Crown,Pub,532000,181000,,,,,",
        ",No Id Cafe,Cafe,532010,181000,,,,,",          # blank id: generated, flagged
        "L1,The Crown again,Pub,532020,181000,,,,,",    # repeated id: removed as duplicate
        "L4,,Pub,532030,181000,,,,,",                   # blank name: flagged
        "L5,Lost Bar,Bar,abc,181000,,,,,",              # non-numeric coordinate: rejected
        "L6,Nowhere Inn,Pub,,,,,,,",                     # no coordinates: kept, unknown
        "L7,Zero Club,Nightclub,0,0,,,,,",              # (0, 0): kept, unknown, flagged
        "L8,Big Hotel,Hotel,532040,181000,lots,,,,",     # capacity not a number: flagged
    ])
    with pytest.warns(DataQualityWarning) as record:
        got = read_premises(path, premises_id="licence", name="premises",
                            premises_type="type", x="easting", y="northing", capacity="rooms")
    text = " ".join(str(w.message) for w in record)
    for fragment in ("blank ids", "blank names", "rejected", "(0, 0)", "capacities"):
        assert fragment in text
    report = got.attrs["hotspots"]["load"]
    assert report.rows_read == 8
    assert report.rejected_total == 1
    assert report.duplicates_removed == 1
    assert (report.located, report.unknown_location) == (4, 2)
    assert report.located + report.unknown_location == len(got) == 6
    assert got["premises_id"].tolist() == ["L1", "register:3", "L4", "L6", "L7", "L8"]
    assert got.loc[got["premises_id"] == "L4", "name"].item() == "(no name)"
    assert got.loc[got["premises_id"] == "L6", "location_status"].item() == "unknown"
    assert np.isnan(got.loc[got["premises_id"] == "L8", "capacity"].item())
    # rejected rows are named by file row (header = row 1)
    issue = next(iter(report.rejected.values()))
    assert issue.rows == (("register.csv", 6),)


def test_read_premises_missing_column_names_close_match(tmp_path):
    path = _register_csv(tmp_path, ["L1,The Crown,Pub,532000,181000,,,,,"])
    with pytest.raises(ValidationError, match=r"'premise'.*Did you mean 'premises'"):
        read_premises(path, premises_id="licence", name="premise", x="easting", y="northing")


def test_read_premises_from_geodataframe_and_lonlat_frame():
    frame = gpd.GeoDataFrame(
        {"uprn": ["1", "2"], "label": ["Oak House", "Kebab Corner"]},
        geometry=[shapely.Point(532000, 181000), shapely.Point(532050, 181000)], crs=27700)
    got = read_premises(frame, premises_id="uprn", name="label", kind="vulnerable")
    assert got["premises_class"].tolist() == ["other", "takeaway"]
    assert got.geometry.iloc[1].equals(shapely.Point(532050, 181000))
    lonlat = pd.DataFrame({"id": ["a"], "name": ["Star Hotel"], "lon": [-0.09], "lat": [51.51]})
    got = read_premises(lonlat, premises_id="id", name="name", x="lon", y="lat")
    assert got.attrs["hotspots"]["load"].notes[0].startswith("Input coordinates in EPSG:4326")
    assert got["premises_class"].tolist() == ["hotel/guest house"]
