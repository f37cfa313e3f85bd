"""``hotspots report`` on real police.uk rows (West Yorkshire 2017 sample, Bradford wards)."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from hotspots.cli import main

pytestmark = pytest.mark.slow

SAMPLE = "data/police-uk/west-yorkshire-street-2017-sample.csv"


@pytest.fixture(scope="module")
def population_csv(shared_file, tmp_path_factory):
    raw = pd.read_csv(shared_file("data/population/bradford_ward_population_mid2022_oi.csv"))
    path = tmp_path_factory.mktemp("pop") / "wards.csv"
    raw.rename(columns={"WD23CD": "area_id", "2022 estimate": "population"})[
        ["area_id", "population"]].to_csv(path, index=False)
    return path


def test_report_writes_the_pack_for_one_constituency(shared_file, population_csv, tmp_path,
                                                     capsys):
    sample = shared_file(SAMPLE)
    out = tmp_path / "pack"
    code = main(["report", str(sample), "--boundaries", "bradford-2013", "--allow-outside",
                 "--before", "2017-01:2017-06", "--after", "2017-07:2017-12",
                 "--constituency", "Keighley", "--population", str(population_csv),
                 "--marking", "OFFICIAL-SENSITIVE", "--no-pdf", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert (out / "keighley.html").exists()
    assert (out / "bradford-district-summary.html").exists()
    assert not (out / "shipley.html").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    inputs = {f["name"]: f["sha256"] for f in manifest["inputs"]}
    assert inputs[sample.name] == hashlib.sha256(sample.read_bytes()).hexdigest()
    assert manifest["disclosure_audit"]["passed"] is True
    assert manifest["pdf"] == "not requested"
    page = (out / "keighley.html").read_text()
    assert sample.name in page
    assert inputs[sample.name] in page
    assert "Rate per 1,000 residents" in page
    printed = capsys.readouterr().out
    assert "1 constituency report(s) and the district summary" in printed


def test_bad_population_file_names_file_row_and_column(shared_file, tmp_path, capsys):
    bad = tmp_path / "pop.csv"
    bad.write_text("area_id,population\nE05001341,16202\nE05001342,n/a\n")
    code = main(["report", str(shared_file(SAMPLE)), "--boundaries", "bradford-2013",
                 "--allow-outside", "--before", "2017-01:2017-06", "--after",
                 "2017-07:2017-12", "--population", str(bad), "--no-pdf",
                 "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert "pop.csv, row 3, column population" in err
    assert "'n/a'" in err
    assert not (tmp_path / "out").exists()
