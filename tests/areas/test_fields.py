"""ONS field detection for boundary frames (hotspots.areas.fields)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely import box

from hotspots.areas.fields import field_for, normalise_area_frame, normalize_area_frame
from hotspots.errors import ValidationError


def _ons() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"WD13CD": ["E1", "E2"], "WD13NM": ["A", "B"], "pop": [1, 2]},
                            geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=27700)


def test_ons_code_and_name_columns_are_found():
    out = normalise_area_frame(_ons())
    assert list(out.columns) == ["area_id", "area_name", "pop", "geometry"]
    assert out["area_id"].tolist() == ["E1", "E2"]
    assert out["area_name"].tolist() == ["A", "B"]


def test_missing_and_ambiguous_fields_are_errors_listing_the_columns():
    with pytest.raises(ValidationError, match=r"no column 'CODE'\. Columns found: WD13CD"):
        normalise_area_frame(_ons(), id_field="CODE")
    two = _ons().assign(LSOA11CD=["x", "y"])
    with pytest.raises(ValidationError, match="Cannot tell which column"):
        normalise_area_frame(two)


def test_field_for_takes_one_name_or_a_dict():
    assert field_for("CODE", "ward") == "CODE"
    assert field_for({"ward": "WD13CD"}, "ward") == "WD13CD"
    assert field_for({"ward": "WD13CD"}, "lsoa") is None
    assert field_for(None, "ward") is None


def test_normalize_area_frame_is_the_deprecated_spelling():
    with pytest.warns(FutureWarning, match="renamed normalise_area_frame"):
        old = normalize_area_frame(_ons(), what="wards")
    pd.testing.assert_frame_equal(old, normalise_area_frame(_ons(), what="wards"))
