"""Command-line options an analyst needs: one test per option, on real or simulated data.

--title, --period, --category (repeatable filter; the generic column is --category-column),
--cell-size, --eps, --population (rates), --agencies (partner agencies in a visit plan); the
footer always states the period, and the change map names the periods it compares.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.cli.labels import change_period_label, data_period_label
from hotspots.cli.options import FilterError, filter_incidents, read_population

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CITY = SHARED / "data" / "city-of-london" / "street"
FHRS = SHARED / "data" / "city-of-london" / "premises" / "fhrs-city-of-london-2021-08-19.json"
POPULATION = SHARED / "data" / "population" / "bradford_ward_population_mid2022_oi.csv"


def _city(months=("2019-01", "2019-02", "2019-03")):
    files = [CITY / f"{m}-city-of-london-street.csv" for m in months]
    if not all(f.exists() for f in files):
        pytest.skip("City of London data missing")
    return [str(f) for f in files]


def _csv_rows(files):
    rows = []
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh))
    return rows


# --- helpers ---------------------------------------------------------------------------------
def test_filter_by_period_and_categories_counts_what_it_keeps(city_2018):
    kept, note = filter_incidents(city_2018, period="2018-03:2018-04",
                                  categories=["drugs", "Robbery"])
    expected = city_2018[
        (city_2018["occurred"] >= "2018-03-01") & (city_2018["occurred"] < "2018-05-01")
        & city_2018["category"].astype(str).isin(["Drugs", "Robbery"])]
    assert len(kept) == len(expected) > 0
    assert kept.index.equals(expected.index)
    assert note.startswith(f"kept {len(expected):,} of {len(city_2018):,} incidents")
    assert kept.attrs["hotspots"]["filters"]["categories"] == ["drugs", "Robbery"]
    assert "load" in kept.attrs["hotspots"]  # the load report travels on
    assert filter_incidents(city_2018) == (city_2018, None)


def test_filter_refuses_an_unknown_category_listing_the_real_ones(city_2018):
    with pytest.raises(FilterError, match=r"'Drug'.*no incident.*Drugs \(\d"):
        filter_incidents(city_2018, categories=["Drug"])
    with pytest.raises(FilterError, match="--period"):
        filter_incidents(city_2018, period="the spring")


def test_period_labels():
    months = pd.DataFrame({"occurred": pd.to_datetime(["2019-01-01", "2019-12-01"])})
    assert data_period_label(months) == "Jan 2019 to Dec 2019"
    days = pd.DataFrame({"occurred": [pd.Timestamp("2019-01-05 10:00"),
                                      pd.Timestamp("2019-02-01")]})
    assert data_period_label(days) == "05 Jan 2019 to 01 Feb 2019"
    assert data_period_label(pd.DataFrame({"occurred": [pd.NaT]})) is None
    result = pd.DataFrame()
    result.attrs = {"hotspots": {"split": "boundary", "split_at": "2019-06-16T00:00:00"}}
    assert change_period_label(result, months) == (
        "before 16 Jun 2019 (Jan 2019 on) vs from 16 Jun 2019 (to Dec 2019)")


def test_read_population_detects_columns_and_names_bad_rows(bradford_areas, tmp_path):
    wards = bradford_areas["ward"]["area_id"]
    pop, note = read_population(POPULATION, wards)
    assert pop["E05001341"] == 16202.0  # Baildon, mid-2022
    assert "30 of 30 areas matched" in note
    bad = tmp_path / "pop.csv"
    bad.write_text("code,residents,notes\nE05001341,16202,x\nE05001342,n/a,y\n")
    with pytest.raises(FilterError, match=r"pop.csv, row 3, column 'residents': 'n/a'"):
        read_population(bad, wards, value_column="residents")
    with pytest.raises(FilterError, match="cannot tell which column"):
        read_population(bad, wards)


# --- the command line, one test per option --------------------------------------------------
def _map(tmp_path, capsys, *extra, files=None, name="map.html"):
    out = tmp_path / name
    code = main(["map", *(files or _city()), "--boundaries", "city-of-london-2013",
                 "--offline", "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 0, err
    return out.read_text(encoding="utf-8"), err


def _footer(page: str) -> str:
    found = re.search(r'div.innerHTML = "(Data:[^"]*)"', page)
    assert found, "the map has no footer"
    return found.group(1)


@pytest.mark.slow
def test_title_names_the_map_and_is_escaped(tmp_path, capsys):
    page, _ = _map(tmp_path, capsys, "--kind", "areas", "--title", "Drugs by ward <City>")
    assert "Drugs by ward \\u0026lt;City\\u0026gt;" in page
    assert "Drugs by ward <City>" not in page


@pytest.mark.slow
def test_footer_states_the_period_given_or_the_data_span(tmp_path, capsys):
    # the issue: "Data: period not recorded" on every CLI map
    page, _ = _map(tmp_path, capsys, "--kind", "areas", "--mode", "public")
    assert _footer(page).startswith("Data: Jan 2019 to Mar 2019 · ")
    page, err = _map(tmp_path, capsys, "--kind", "areas", "--period", "2019-02")
    assert _footer(page).startswith("Data: Feb 2019 · ")
    february = _csv_rows(_city(("2019-02",)))
    all_rows = _csv_rows(_city())
    assert f"kept {len(february):,} of {len(all_rows):,} incidents (period Feb 2019" in err


@pytest.mark.slow
def test_category_filter_is_repeatable_and_refuses_unknown_names(tmp_path, capsys):
    rows = _csv_rows(_city())
    wanted = [r for r in rows if r["Crime type"] in ("Drugs", "Robbery")]
    _, err = _map(tmp_path, capsys, "--kind", "areas", "--mode", "restricted",
                  "--category", "Drugs", "--category", "robbery")
    assert f"kept {len(wanted):,} of {len(rows):,} incidents (categories Drugs, robbery" in err
    code = main(["map", *_city(), "--boundaries", "city-of-london-2013", "--category", "Drug",
                 "--out", str(tmp_path / "x.html")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--category 'Drug': no incident has this category" in err
    assert "Drugs (" in err
    assert not (tmp_path / "x.html").exists()


@pytest.mark.slow
def test_cell_size_sets_the_grid(tmp_path, capsys):
    page, _ = _map(tmp_path, capsys, "--kind", "hotspots", "--mode", "restricted",
                   "--cell-size", "120")
    assert "120 m square cells" in page
    assert main(["map", *_city(), "--cell-size", "-5"]) == 2
    assert "must be a positive number of metres" in capsys.readouterr().err


@pytest.mark.slow
def test_eps_sets_the_dbscan_distance(tmp_path, capsys):
    import warnings

    from hotspots import cluster_incidents, read_police_uk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        incidents = read_police_uk(_city())
        expected = int(cluster_incidents(incidents, eps=75).max()) + 1
        default = int(cluster_incidents(incidents).max()) + 1
    assert expected != default  # the option must make a difference here
    page, _ = _map(tmp_path, capsys, "--kind", "clusters", "--mode", "restricted",
                   "--eps", "75")
    listed = len(set(re.findall(r"Cluster (\d+)", page)))
    more = re.search(r"(\d+) more clusters on the map", page)
    assert listed + (int(more.group(1)) if more else 0) == expected


@pytest.mark.slow
def test_change_map_names_its_periods(tmp_path, capsys):
    page, _ = _map(tmp_path, capsys, "--kind", "change", "--mode", "restricted",
                   files=_city(("2019-01", "2019-02", "2019-03", "2019-04")))
    # months Jan..Apr (first days): the midpoint of 1 Jan and 1 Apr is 15 Feb 12:00
    assert _footer(page).startswith(
        "Data: before 15 Feb 2019 (Jan 2019 on) vs from 15 Feb 2019 (to Apr 2019) · ")
    page, _ = _map(tmp_path, capsys, "--kind", "change", "--mode", "restricted",
                   "--before", "2019-01", "--after", "2019-02")
    assert _footer(page).startswith("Data: Jan 2019 vs Feb 2019 · ")


def _simulated_csv(bradford_areas, path):
    from hotspots import simulate_incidents

    sim = simulate_incidents(bradford_areas, seed=3)
    located = ~sim.geometry.is_empty
    frame = pd.DataFrame({"ref": sim["incident_id"].astype(str),
                          "easting": sim.geometry.x.where(located),
                          "northing": sim.geometry.y.where(located),
                          "date": pd.to_datetime(sim["occurred"]).dt.strftime("%Y-%m-%d"),
                          "offence": sim["category"].astype(str)})
    frame.to_csv(path, index=False)
    return frame


@pytest.mark.slow
def test_population_gives_rates_per_1000(bradford_areas, tmp_path, capsys):
    _simulated_csv(bradford_areas, tmp_path / "sim.csv")
    out = tmp_path / "wards.csv"
    code = main(["areas", str(tmp_path / "sim.csv"), "--x", "easting", "--y", "northing",
                 "--occurred", "date", "--category-column", "offence",
                 "--boundaries", "bradford-2013", "--level", "ward",
                 "--population", str(POPULATION), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "30 of 30 areas matched" in err
    table = pd.read_csv(out).set_index("area_name")
    baildon = table.loc["Baildon"]
    assert baildon["population"] == 16202
    assert baildon["rate_per_1000"] == pytest.approx(baildon["n"] / 16202 * 1000, rel=1e-9)
    page_path = tmp_path / "rates.html"
    code = main(["map", str(tmp_path / "sim.csv"), "--x", "easting", "--y", "northing",
                 "--occurred", "date", "--boundaries", "bradford-2013", "--kind", "areas",
                 "--mode", "restricted", "--offline", "--population", str(POPULATION),
                 "--out", str(page_path)])
    assert code == 0, capsys.readouterr().err
    assert "per 1,000" in page_path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_agencies_title_and_visit_log_reach_the_visit_plan(tmp_path, capsys):
    if not FHRS.exists():
        pytest.skip("FHRS data missing")
    out = tmp_path / "out"
    args = ["premises", *_city(("2019-01",)), "--premises", str(FHRS), "--top", "5",
            "--agencies", "HMRC", "--agencies", "Immigration Enforcement",
            "--title", "Operation Nightjar", "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    visits = pd.read_csv(out / "visit-plan-visits.csv", dtype={"premises_id": str})
    assert len(visits) == 5
    assert visits["agencies"].str.endswith("; HMRC; Immigration Enforcement").all()
    sheets = (out / "visit-sheets-all.html").read_text(encoding="utf-8")
    assert "Operation Nightjar: operation 1 of" in sheets
    # feed a visit log back: the top premises was closed, the second found in order
    ranked = pd.read_csv(out / "premises-ranked.csv", dtype={"premises_id": str})
    first, second = ranked["premises_id"].iloc[0], ranked["premises_id"].iloc[1]
    log = tmp_path / "log.csv"
    log.write_text(f"visited,premises_id,outcome\n2019-01-20,{first},no issues\n"
                   f"2019-01-21,{second},closure notice\n", encoding="utf-8")
    again = tmp_path / "again"
    assert main([*args[:-2], "--out", str(again), "--visits", str(log)]) == 0
    new = pd.read_csv(again / "premises-ranked.csv", dtype={"premises_id": str})
    new = new.set_index("premises_id")
    old = ranked.set_index("premises_id")
    assert new.loc[first, "score"] == pytest.approx(old.loc[first, "score"] * 0.5, rel=1e-6)
    assert new.loc[second, "score"] == pytest.approx(old.loc[second, "score"] * 2, rel=1e-6)
    assert new.loc[second, "reasons"].endswith("closure notice on 21 Jan 2019 (score x2)")
    assert new.loc[second, "rank"] == 1
