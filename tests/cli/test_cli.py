import re

import pandas as pd
import pytest

from hotspots.cli import main

CITY = "city-of-london/street"


@pytest.fixture
def env_boundaries(monkeypatch, shared_dir):
    monkeypatch.setenv("HOTSPOTS_DATA_DIR", str(shared_dir / "boundaries"))


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "hotspots 0.1.0"


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["areas"]) == 2
    assert "the following arguments are required: FILE" in capsys.readouterr().err


def test_generic_table_without_coordinates_is_a_usage_error(tmp_path, capsys):
    f = tmp_path / "crimes.csv"
    f.write_text("ref,easting,northing\n1,416000,433000\n")
    assert main(["validate", str(f)]) == 2
    assert "give the coordinate columns with --x and --y" in capsys.readouterr().err


def test_validation_error_exits_1_without_traceback(tmp_path, capsys):
    f = tmp_path / "crimes.csv"
    f.write_text("ref,lon,lat\n1,53.79,-1.75\n2,53.80,-1.76\n")
    assert main(["validate", str(f), "--x", "lon", "--y", "lat"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hotspots validate: error: ")
    assert "crimes.csv" in err
    assert "swap" in err.lower()
    assert "Traceback" not in err


def test_validate_prints_the_load_report(shared_dir, capsys):
    path = shared_dir / "data" / "police-uk" / "bradford-api-2018-06.csv"
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "6,616" in out
    assert re.search(r"duplicates removed\s+83", out)


def test_areas_command_matches_the_library(shared_dir, tmp_path, env_boundaries, capsys):
    import hotspots as hs

    files = sorted((shared_dir / "data" / CITY).glob("2019-*.csv"))
    out = tmp_path / "wards.csv"
    code = main(["areas", *map(str, files), "--boundaries", "city-of-london-2013",
                 "--level", "ward", "--out", str(out)])
    assert code == 0
    written = pd.read_csv(out)
    expected = hs.area_counts(hs.read_police_uk(files), hs.load_boundaries("city-of-london-2013"),
                              level="ward")
    assert written["n"].tolist() == expected["n"].tolist()
    assert written["n"].sum() == 10032  # every 2019 row, located or not
    assert "Unknown location" in capsys.readouterr().out


def test_areas_command_suppresses_for_committees(shared_dir, tmp_path, env_boundaries):
    path = shared_dir / "data" / "police-uk" / "west-yorkshire-street-2017-sample.csv"
    out = tmp_path / "wards.csv"
    # West Yorkshire data counted by Bradford's wards: most incidents are outside on purpose
    assert main(["areas", str(path), "--boundaries", "bradford-2013", "--allow-outside",
                 "--level", "ward", "--suppress", "5", "--out", str(out)]) == 0
    written = pd.read_csv(out, dtype=str)
    n, shown = written["n"], written["n_display"]
    assert not n.isin(["1", "2", "3", "4"]).any()
    assert not shown.isin(["1", "2", "3", "4"]).any()
    assert (shown == "<5").any()
    # hidden counts are empty in the numeric column, labelled in the display column
    assert n[shown.isin(["<5", "[c]"])].isna().all()


def test_map_command_writes_a_public_map(shared_dir, tmp_path, env_boundaries):
    path = shared_dir / "data" / "police-uk" / "west-yorkshire-street-2017-sample.csv"
    out = tmp_path / "map.html"
    assert main(["map", str(path), "--boundaries", "bradford-2013", "--allow-outside",
                 "--kind", "areas", "--offline", "--out", str(out)]) == 0
    html = out.read_text()
    assert "leaflet" in html.lower()
    assert "<script src=\"http" not in html


def test_demo_writes_tables_findings_and_maps(tmp_path, env_boundaries, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "The highest number moved from" in out
    names = {p.name for p in tmp_path.iterdir()}
    assert {"ward_counts_2018-19_restricted.csv", "constituency_counts_2018-19_public.csv",
            "findings.txt",
            "map_analyst_restricted.html", "map_committee_public.html"} <= names
    ward = pd.read_csv(tmp_path / "ward_counts_2018-19_restricted.csv")
    assert len(ward) == 32  # 30 wards + outside + unknown
    assert ward["n"].sum() == 1000
    assert ward.loc[ward["area_name"] == "Unknown location", "n"].item() == 170


def test_boundaries_command_lists_the_registry(capsys):
    assert main(["boundaries"]) == 0
    out = capsys.readouterr().out
    assert "bradford-2013" in out
    assert "city-of-london-2013" in out


def test_premises_command_reads_generic_tables(tmp_path):
    incidents = tmp_path / "force_extract.csv"
    incidents.write_text(
        "ref,easting,northing,date,offence\n"
        "A1,416010,433005,2019-03-02,Child sexual exploitation\n"
        "A2,416012,433001,2019-05-20,Child sexual exploitation\n"
        "A3,416008,432998,2019-06-11,Child criminal exploitation\n"
        "A4,419500,436500,2019-06-12,Child criminal exploitation\n"
    )
    premises = tmp_path / "licensed.csv"
    premises.write_text(
        "licence,trading_name,kind,east,north\n"
        "L1,Corner Cafe,Cafe,416000,433000\n"
        "L2,Star Hotel,Hotel,418000,435000\n"
    )
    out = tmp_path / "out"
    code = main(["premises", str(incidents), "--x", "easting", "--y", "northing",
                 "--occurred", "date", "--category-column", "offence", "--id", "ref",
                 "--premises", str(premises), "--premises-id", "licence",
                 "--premises-name", "trading_name", "--premises-type", "kind",
                 "--premises-x", "east", "--premises-y", "north", "--out", str(out)])
    assert code == 0
    ranked = next(out.glob("*ranked*.csv"))
    table = pd.read_csv(ranked)
    top = table.sort_values("rank").iloc[0]
    assert top["premises_id"] == "L1"
    assert top["n_linked"] == 3
    assert table.set_index("premises_id").loc["L2", "n_linked"] == 0


@pytest.mark.parametrize(("flags", "offline"), [([], True), (["--offline"], True),
                                            (["--online"], False)])
def test_cli_maps_are_offline_unless_asked_online(shared_dir, tmp_path, env_boundaries, flags,
                                                  offline):
    """Issue 15: police and council networks block CDNs, so the CLI's maps inline Leaflet."""
    path = shared_dir / "data" / "police-uk" / "west-yorkshire-street-2017-sample.csv"
    out = tmp_path / "map.html"
    assert main(["map", str(path), "--boundaries", "bradford-2013", "--allow-outside",
                 "--kind", "areas", *flags, "--out", str(out)]) == 0
    html = out.read_text()
    assert ("<script src=\"http" not in html) is offline
