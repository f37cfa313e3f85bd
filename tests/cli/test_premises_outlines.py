"""``hotspots premises`` draws ward and constituency outlines, chosen like the other commands."""

from __future__ import annotations

import contextlib
import io
import re
import warnings

import pytest

from hotspots.cli import main
from hotspots.errors import DataQualityWarning

CITY_2019_JAN = "city-of-london/street/2019-01-city-of-london-street.csv"
FHRS_JSON = "city-of-london/premises/fhrs-city-of-london-2021-08-19.json"


def _run(args: list[str]) -> tuple[int, str]:
    stderr = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(stderr):
        warnings.simplefilter("ignore", DataQualityWarning)  # police.uk caveats: not the point
        try:
            code = main(args)
        except SystemExit as exc:  # argparse refusals
            code = exc.code
    return code, stderr.getvalue()


def _overlays(page: str) -> list[str]:
    return re.findall(r'"([^"]+)"\s*:\s*feature_group_', page)


@pytest.fixture(scope="module")
def premises_inputs(shared_dir, boundaries_dir):
    month = shared_dir / "data" / CITY_2019_JAN
    if not month.exists():  # file names differ: take the first 2019 month there is
        month = sorted((shared_dir / "data").glob("city-of-london/street/2019-*.csv"))[0]
    return [str(month), "--premises", str(shared_dir / "data" / FHRS_JSON), "--fhrs",
            "--data-dir", str(boundaries_dir)]


@pytest.mark.slow  # runs the whole premises command (~3 s)
def test_premises_map_picks_the_tightest_set_when_two_hold_the_data(premises_inputs, tmp_path):
    # City of London crimes lie inside two registered sets (the City and central London).
    # The outlines only help the reader find their way, so the command draws the tightest
    # fit (the City) rather than none (issue 15), and names it and the other on stderr.
    code, stderr = _run(["premises", *premises_inputs, "--out", str(tmp_path)])
    assert code == 0, stderr
    assert "the map has no ward outlines" not in stderr
    assert "using the boundary set city-of-london-2013" in stderr
    assert "london-central-2013" in stderr  # the alternative is named
    overlays = _overlays((tmp_path / "premises-map.html").read_text(encoding="utf-8"))
    assert "Wards (2013)" in overlays
    assert "Constituencies (2013)" in overlays


@pytest.mark.slow  # runs the whole premises command (~3 s)
def test_premises_map_outlines_the_named_set_and_refuses_an_unknown_one(premises_inputs,
                                                                           tmp_path):
    code, stderr = _run(["premises", *premises_inputs, "--out", str(tmp_path / "a"),
                         "--boundaries", "city-of-london-2013"])
    assert code == 0, stderr
    overlays = _overlays((tmp_path / "a" / "premises-map.html").read_text(encoding="utf-8"))
    assert "Wards (2013)" in overlays
    assert "Constituencies (2013)" in overlays
    code, stderr = _run(["premises", *premises_inputs, "--out", str(tmp_path / "b"),
                         "--boundaries", "city-of-londn-2013"])
    assert code != 0
    assert "no boundary set named 'city-of-londn-2013'" in stderr
