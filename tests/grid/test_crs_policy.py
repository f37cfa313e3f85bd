"""The grid's CRS rule (grid/crs_policy.py): projected metres, not Web Mercator, one CRS."""

import pytest

from hotspots.errors import CRSError
from hotspots.grid.crs_policy import check_metric_crs, is_web_mercator, same_crs


@pytest.mark.parametrize(("crs", "code"), [(None, "missing_crs"), ("EPSG:4326", "not_projected"),
                                           ("EPSG:3857", "web_mercator")])
def test_unmeasurable_crs_is_refused_with_its_problem_code(crs, code):
    with pytest.raises(CRSError) as err:
        check_metric_crs(crs, "the incidents")
    assert err.value.problems[0].code == code
    if crs is not None:
        assert "incidents.to_crs('EPSG:27700')" in str(err.value)


def test_metric_crs_passes_and_mercator_is_recognised():
    from pyproj import CRS

    check_metric_crs("EPSG:27700", "clip")
    check_metric_crs("EPSG:32630", "clip")  # UTM 30N: metres
    assert is_web_mercator(CRS.from_user_input(3857))
    assert not is_web_mercator(CRS.from_user_input(27700))


def test_same_crs_compares_known_crs_only():
    same_crs("EPSG:27700", 27700, "the incidents", "clip")
    same_crs(None, "EPSG:4326", "the incidents", "clip")  # unknown on one side: no claim
    with pytest.raises(CRSError, match="EPSG:27700 but clip is in EPSG:32630"):
        same_crs(27700, 32630, "the incidents", "clip")
