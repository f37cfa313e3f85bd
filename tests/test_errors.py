import pytest

from hotspots.errors import (
    CRSError,
    DataQualityWarning,
    EmptyDataError,
    HotspotsError,
    Problem,
    PublicModeError,
    ValidationError,
)


@pytest.mark.parametrize("cls", [ValidationError, CRSError, EmptyDataError])
def test_errors_are_also_value_errors(cls):
    err = cls(Problem("x", "bad"))
    assert isinstance(err, HotspotsError)
    assert isinstance(err, ValueError)


def test_public_mode_error_is_shared_with_maps():
    import hotspots.errors
    import hotspots.maps

    assert issubclass(PublicModeError, HotspotsError)
    assert issubclass(PublicModeError, ValueError)
    assert "PublicModeError" in hotspots.errors.__all__
    assert hotspots.maps.PublicModeError is PublicModeError


def test_warning_is_user_warning():
    assert issubclass(DataQualityWarning, UserWarning)


def test_problem_text_names_file_column_and_rows():
    p = Problem("non_numeric_coordinate", "Coordinates must be numbers.", n_rows=7,
                rows=(3, 9, 12), column="Longitude", file="jan.csv")
    text = str(p)
    assert text == ("[file jan.csv; column 'Longitude'; 7 rows (first: 3, 9, 12)] "
                    "Coordinates must be numbers.")


def test_validation_error_lists_every_problem():
    problems = [Problem("a", "first thing", n_rows=1, rows=(2,)),
                Problem("b", "second thing", column="Month")]
    err = ValidationError(problems, context="crimes.csv")
    assert err.problems == problems
    lines = str(err).splitlines()
    assert lines[0] == "crimes.csv: 2 problems found:"
    assert lines[1] == "  - [1 row (2)] first thing"
    assert lines[2] == "  - [column 'Month'] second thing"
