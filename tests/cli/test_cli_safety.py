"""The command line refuses what it cannot answer and says so (issue 10: #1, #2, #10, #13).

Boundaries are never assumed; unknown set names, Ctrl-C, warnings, ``-q`` and huge messages
are handled; FHRS files are recognised by their content.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hotspots.cli import _short, main

CITY = "city-of-london/street"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context\n")


@pytest.fixture
def env_boundaries(monkeypatch, shared_dir):
    monkeypatch.setenv("HOTSPOTS_DATA_DIR", str(shared_dir / "boundaries"))


def _police_uk(path: Path, month: str, points: list[tuple[float, float]]) -> Path:
    rows = [f"c{k},{month},West Yorkshire Police,West Yorkshire Police,{lon},{lat},"
            f"On or near High Street,E01010000,Bradford 001A,Burglary,Under investigation,\n"
            for k, (lon, lat) in enumerate(points)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


BRADFORD_POINTS = [(-1.752 + 0.001 * k, 53.795 + 0.0005 * k) for k in range(12)]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


# --- #1: where the data are ----------------------------------------------------------------------
def test_no_silent_bradford_default_the_set_holding_the_data_is_picked(
        tmp_path, env_boundaries, capsys):
    f = _police_uk(tmp_path / "2019-01-west-yorkshire-street.csv", "2019-01", BRADFORD_POINTS)
    assert main(["areas", str(f), "--level", "ward"]) == 0
    captured = capsys.readouterr()
    assert "using the boundary set bradford-2013" in captured.err
    assert "12 located incidents" in captured.err
    assert "Outside district" in captured.out


def test_city_data_without_boundaries_asks_which_set(shared_dir, env_boundaries, capsys):
    files = sorted((shared_dir / "data" / CITY).glob("2019-0[12]-*.csv"))
    assert main(["areas", *map(str, files), "--level", "ward"]) == 2
    err = capsys.readouterr().err
    # the old code printed 30 Bradford wards of zeros and exited 0
    assert "within 2 registered boundary sets" in err
    assert "city-of-london-2013" in err
    assert "london-central-2013" in err
    assert "--boundaries city-of-london-2013" in err
    assert "Traceback" not in err


def test_city_data_with_bradford_boundaries_is_an_error_naming_the_right_set(
        shared_dir, env_boundaries, capsys):
    files = sorted((shared_dir / "data" / CITY).glob("2019-*.csv"))
    code = main(["-q", "areas", *map(str, files), "--boundaries", "bradford-2013", "--level",
                 "ward"])
    err = capsys.readouterr().err
    assert code == 1
    assert "9,356 of 9,356 located incidents (100.0%) fall outside every ward" in err
    assert "--boundaries city-of-london-2013" in err
    assert "--allow-outside" in err
    assert len(err.splitlines()) == 1  # one paragraph: numbers, the right set, the way out


def test_allow_outside_on_the_command_line(shared_dir, env_boundaries, capsys):
    files = sorted((shared_dir / "data" / CITY).glob("2019-01-*.csv"))
    assert main(["areas", *map(str, files), "--boundaries", "bradford-2013",
                 "--allow-outside", "--level", "ward"]) == 0
    assert "Outside district" in capsys.readouterr().out


def test_data_in_no_registered_set_asks_for_boundaries(tmp_path, env_boundaries, capsys):
    f = _police_uk(tmp_path / "2019-01-devon-street.csv", "2019-01",
                   [(-3.53, 50.72)] * 12)  # Exeter
    assert main(["areas", str(f)]) == 2
    err = capsys.readouterr().err
    assert "no registered boundary set holds most of the located incidents" in err
    assert "--wards/--constituencies" in err


# --- #2: when the data are -----------------------------------------------------------------------
def test_period_outside_the_data_is_an_error_on_the_command_line(tmp_path, env_boundaries,
                                                                 capsys):
    files = [_police_uk(tmp_path / f"2017-{m:02d}-west-yorkshire-street.csv", f"2017-{m:02d}",
                        BRADFORD_POINTS) for m in range(1, 13)]
    code = main(["-q", "areas", *map(str, files), "--boundaries", "bradford-2013",
                 "--period", "2019"])
    err = capsys.readouterr().err
    assert code == 1
    assert "the incidents cover 2017-01 to 2017-12" in err
    code = main(["-q", "areas", *map(str, files), "--boundaries", "bradford-2013",
                 "--period", "2017/18"])
    captured = capsys.readouterr()
    assert code == 0
    # a warning on stderr, with the coverage, even with -q
    assert ("hotspots areas: warning: The period 2017/18 (2017-04 to 2018-03) is only partly "
            "covered: the incidents cover 2017-01 to 2017-12") in captured.err


# --- #10: names, Ctrl-C, warnings, -q, long messages  -----------------------------------------
@pytest.mark.parametrize(("name", "hint"), [("nope", None), ("bradford", "bradford-2013"),
                                            ("city-of-london", "city-of-london-2013"),
                                            ("bradford-2031", "bradford-2013"),
                                            ("bradfrod-2013", "bradford-2013"),
                                            ("calderdale-2013", None)])
def test_unknown_boundary_set_is_a_usage_error_listing_the_names(tmp_path, capsys, name, hint):
    f = _police_uk(tmp_path / "2019-01-west-yorkshire-street.csv", "2019-01", BRADFORD_POINTS)
    assert main(["areas", str(f), "--boundaries", name]) == 2
    err = capsys.readouterr().err
    assert f"there is no boundary set named {name!r}" in err
    assert "bradford-2013, city-of-london-2013, london-central-2013" in err
    if hint:
        assert f"Did you mean {hint!r}?" in err
    else:
        assert "Did you mean" not in err
    assert "Traceback" not in err
    assert "KeyError" not in err


def test_ctrl_c_exits_130_with_one_line(tmp_path):
    script = (
        "import sys, time\n"
        "import hotspots.cli as cli\n"
        "def slow(args):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(60)\n"
        "cli._cmd_validate = slow\n"
        "sys.exit(cli.main(['validate', 'x.csv']))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=tmp_path)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert err.strip() == "hotspots validate: interrupted (no file is left half-written)"


def _no_date_extract(tmp_path: Path) -> Path:
    f = tmp_path / "extract.csv"
    f.write_text("ref,easting,northing,date\n"
                 + "".join(f"A{k},{416000 + k},{433000 + k},2019-0{1 + k % 9}-01\n"
                           for k in range(20))
                 + "B1,416100,433100,\n", encoding="utf-8")
    return f


AREAS_OF_EXTRACT = ["--x", "easting", "--y", "northing", "--occurred", "date", "--crs",
                    "EPSG:27700", "--boundaries", "bradford-2013", "--level", "ward",
                    "--period", "2019"]


@pytest.mark.slow
def test_warnings_are_shown_on_stderr_outside_the_test_runner(tmp_path):
    """In a plain process (no pytest filters) a data-quality warning reaches the user: the
    old logging.captureWarnings sent it to a logger without a handler."""
    f = _no_date_extract(tmp_path)
    env = _env()
    env["HOTSPOTS_DATA_DIR"] = str(Path(__file__).resolve().parents[3] / "shared"
                                   / "boundaries")
    env.pop("PYTHONWARNINGS", None)
    done = subprocess.run([sys.executable, "-m", "hotspots.cli", "-v", "areas", str(f),
                           *AREAS_OF_EXTRACT], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "hotspots areas: warning: 1 incidents have no date" in done.stderr


def test_warnings_are_shown_with_quiet(tmp_path, env_boundaries, capsys):
    f = _no_date_extract(tmp_path)
    assert main(["-q", "areas", str(f), *AREAS_OF_EXTRACT]) == 0
    err = capsys.readouterr().err
    assert "hotspots areas: warning: 1 incidents have no date" in err


def test_quiet_hides_the_progress_bar(shared_dir, capsys):
    files = [str(p) for p in sorted((shared_dir / "data" / CITY).glob("2019-0[1-3]-*.csv"))]
    assert main(["validate", *files]) == 0
    loud = capsys.readouterr()
    assert main(["-q", "validate", *files]) == 0
    quiet = capsys.readouterr()
    assert "reading" in loud.err  # the progress bar over the files
    assert "reading" not in quiet.err
    assert quiet.err == ""
    assert quiet.out == loud.out


def test_error_message_stays_short_for_a_huge_line(tmp_path, capsys):
    f = tmp_path / "big.csv"
    huge = "x" * 3_000_000
    f.write_text(f"ref,{huge},lat\n1,2,3\n", encoding="utf-8")
    assert main(["validate", str(f), "--x", "lon", "--y", "lat"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hotspots validate: error: ")
    assert len(err) < 5_000
    assert len(err.splitlines()) <= 13


def test_any_error_is_cut_to_a_few_lines_whatever_raised_it(monkeypatch, capsys):
    """The command line's own guarantee, for a message that quotes a 30 MB line."""
    import hotspots.cli as cli
    from hotspots.errors import Problem, ValidationError

    def broken(args):
        raise ValueError("bad row: " + "y" * 30_000_000 + "\nsecond line")

    monkeypatch.setattr(cli, "_cmd_validate", broken)
    assert main(["validate", "x.csv"]) == 1
    err = capsys.readouterr().err
    assert len(err) < 1_200
    assert err.splitlines()[0].endswith("... (29,999,009 more characters)")
    assert err.splitlines()[1] == "second line"

    def many_lines(args):
        raise ValidationError([Problem("bad", f"row {k} is bad") for k in range(10_000)])

    monkeypatch.setattr(cli, "_cmd_validate", many_lines)
    assert main(["validate", "x.csv"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 13
    # a heading line and 10,000 problem lines: 12 shown, 9,989 left out
    assert err.splitlines()[-1] == "... (9,989 more lines; run with -v for all)"


def test_short_keeps_short_messages_and_cuts_long_ones():
    assert _short("one line") == "one line"
    long = "\n".join(f"line {k}" for k in range(40))
    cut = _short(long)
    assert cut.splitlines()[:12] == [f"line {k}" for k in range(12)]
    assert cut.splitlines()[-1] == "... (28 more lines; run with -v for all)"
    assert _short("a" * 3000) == "a" * 1000 + "... (2,000 more characters)"


# --- #13: FHRS by content ------------------------------------------------------------------------
def _ratings_json(path: Path) -> Path:
    path.write_text(json.dumps({"establishments": [
        {"FHRSID": 1, "BusinessName": "Corner Cafe", "BusinessType": "Restaurant/Cafe/Canteen",
         "PostCode": "EC3V 9AA", "RatingValue": "5", "RatingDate": "2021-07-13T00:00:00",
         "geocode": {"longitude": "-0.0900", "latitude": "51.5127"}},
        {"FHRSID": 2, "BusinessName": "Star Pub", "BusinessType": "Pub/bar/nightclub",
         "PostCode": "EC3M 5AL", "RatingValue": "4", "RatingDate": "2020-01-02T00:00:00",
         "geocode": {"longitude": "-0.0800", "latitude": "51.5200"}},
    ]}), encoding="utf-8")
    return path


def test_run_premises_reads_fhrs_by_content_and_says_so(tmp_path):
    from hotspots.cli.premises import _read_premises, is_fhrs_file

    ratings = _ratings_json(tmp_path / "download.json")
    assert is_fhrs_file(ratings)
    premises = _read_premises(ratings, False, None)
    assert sorted(premises["name"]) == ["Corner Cafe", "Star Pub"]
    notes = premises.attrs["hotspots"]["load"].notes
    assert any("recognised as FSA food hygiene (FHRS) data by its content" in n for n in notes)
    # an FHRS CSV read with the user's own columns stays the user's choice
    flat = tmp_path / "fhrs.csv"
    flat.write_text("FHRSID,BusinessName,BusinessType,Longitude,Latitude\n"
                    "1,Cafe,Restaurant/Cafe/Canteen,-0.09,51.51\n", encoding="utf-8")
    assert is_fhrs_file(flat)
    assert not is_fhrs_file(flat, {"id": "FHRSID", "name": "BusinessName"})


@pytest.mark.slow
def test_fhrs_json_is_recognised_without_the_flag(tmp_path, capsys):
    incidents = tmp_path / "force_extract.csv"
    incidents.write_text(
        "ref,easting,northing,date,offence\n"
        "A1,532500,181300,2019-03-02,Child sexual exploitation\n"
        "A2,532502,181301,2019-05-20,Child sexual exploitation\n"
        "A3,532498,181298,2019-06-11,Child criminal exploitation\n", encoding="utf-8")
    ratings = _ratings_json(tmp_path / "ratings.json")  # an FHRS download, named freely
    out = tmp_path / "out"
    code = main(["premises", str(incidents), "--x", "easting", "--y", "northing",
                 "--occurred", "date", "--category-column", "offence", "--id", "ref",
                 "--premises", str(ratings), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err  # the old code: "not FHRS data (use --fhrs if it is)", exit 1
    assert "ratings.json is FSA food hygiene (FHRS) data by its content" in err
    ranked = pd.read_csv(next(out.glob("*ranked*.csv")))
    assert sorted(ranked["name"]) == ["Corner Cafe", "Star Pub"]
    assert sorted(ranked["premises_type"]) == ["Pub/bar/nightclub", "Restaurant/Cafe/Canteen"]


def test_generic_premises_file_still_needs_its_columns(tmp_path, capsys):
    incidents = tmp_path / "force_extract.csv"
    incidents.write_text("ref,easting,northing,date\nA1,532500,181300,2019-03-02\n",
                         encoding="utf-8")
    premises = tmp_path / "licensed.csv"
    premises.write_text("licence,trading_name,east,north\nL1,Cafe,532500,181300\n",
                        encoding="utf-8")
    code = main(["premises", str(incidents), "--x", "easting", "--y", "northing",
                 "--occurred", "date", "--premises", str(premises), "--out",
                 str(tmp_path / "out")])
    assert code == 1
    assert "is not FHRS data" in capsys.readouterr().err


@pytest.mark.slow
def test_interrupted_map_write_leaves_no_partial_page(tmp_path, env_boundaries, monkeypatch):
    import folium

    f = _police_uk(tmp_path / "2019-01-west-yorkshire-street.csv", "2019-01", BRADFORD_POINTS)
    out = tmp_path / "map.html"
    out.write_text("previous map", encoding="utf-8")

    def half_then_ctrl_c(self, outfile, *args, **kwargs):
        Path(outfile).write_text("<html><head>", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(folium.Map, "save", half_then_ctrl_c)
    assert main(["map", str(f), "--boundaries", "bradford-2013", "--kind", "areas",
                 "--offline", "--out", str(out)]) == 130
    assert out.read_text(encoding="utf-8") == "previous map"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f.name, "map.html"]

