"""Static map export: same classes and protection as the interactive maps, legible on paper."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shapely import box

from hotspots.errors import PublicModeError
from hotspots.maps.static_export import legend_entries, save_static, static_figure


@pytest.fixture(scope="module")
def ward_table(bradford_areas):
    """A ward table with one small count (2) and the rest from 10 upwards."""
    wards = bradford_areas["ward"]
    n = np.arange(10, 10 + len(wards))
    n[3] = 2
    t = pd.DataFrame({"area_id": wards["area_id"].astype(str), "area_name": wards["area_name"],
                      "n": n})
    t["share"] = t["n"] / t["n"].sum()
    t.attrs["hotspots"] = {"level": "ward", "period": "2018/19", "vintage": "2013"}
    return t


def _grid(size: float, bins: list[int]) -> object:
    import geopandas as gpd

    x0, y0 = 414000, 433000
    cells = [box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(len(bins))]
    g = gpd.GeoDataFrame({"gi_bin": bins}, geometry=cells, crs="EPSG:27700")
    g.attrs["hotspots"] = {"cell_size": size, "p_adjust": "fdr_bh", "period": "2018/19"}
    return g


def test_public_area_map_suppresses_small_counts_in_the_legend(ward_table, bradford_areas):
    fig = static_figure(ward_table, areas=bradford_areas, kind="areas")
    labels = legend_entries(fig)
    assert any(lab.startswith("Suppressed (") for lab in labels)
    # the classes are built from the numbers left after suppression: none starts at 2
    assert not any(lab.split(" ")[0] in ("1", "2", "3", "4") for lab in labels)
    assert labels[-1].startswith("Suppressed")
    footer = fig.texts[-1].get_text()
    assert "Data: 2018/19" in footer
    assert "counts under 5 suppressed" in footer
    assert "Boundaries: bradford-2013 (2013 vintage)" in footer


def test_restricted_area_map_shows_the_small_count(ward_table, bradford_areas):
    fig = static_figure(ward_table, areas=bradford_areas, kind="areas", mode="restricted")
    labels = legend_entries(fig)
    assert not any(lab.startswith("Suppressed") for lab in labels)
    # the lowest class starts at the small count (natural breaks may make "2" a class of its own)
    assert labels[0].split(" ")[0] == "2"
    assert "RESTRICTED" in fig.texts[-1].get_text()


def test_ward_labels_are_thinned_so_none_overlaps(ward_table, bradford_areas):
    fig = static_figure(ward_table, areas=bradford_areas, kind="areas")
    ax = fig.axes[0]
    names = set(ward_table["area_name"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]
    # Bradford's small central wards cannot all be named at this size: some are left out
    assert 10 <= len(boxes) < len(names)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_scale_bar_and_north_arrow(ward_table, bradford_areas):
    fig = static_figure(ward_table, areas=bradford_areas, kind="areas")
    ax = fig.axes[0]
    bar = ax.lines[-1]
    x = bar.get_xdata()
    # Bradford is ~35 km across: the bar is a round 5 km, drawn in metres (EPSG:27700)
    assert x[1] - x[0] == pytest.approx(5000)
    assert "5 km" in [t.get_text() for t in ax.texts]
    assert "N" in [t.get_text() for t in ax.texts]


def test_public_grid_finer_than_100_m_is_refused():
    with pytest.raises(PublicModeError):
        static_figure(_grid(50.0, [3, 0, -3]), kind="hotspots")


def test_public_grid_is_drawn_by_class_with_cold_spots_hatched():
    fig = static_figure(_grid(250.0, [3, 0, -2, 1]), kind="hotspots")
    assert legend_entries(fig) == ["Hot spot, 99% confidence", "Hot spot, 90% confidence",
                                   "Cold spot, 95% confidence"]
    handles = fig.legends[0].legend_handles
    assert [h.get_hatch() or "" for h in handles] == ["", "", "...."]


def test_public_grid_refuses_statistics_other_than_the_class():
    g = _grid(250.0, [3, 0])
    g["gistar"] = [3.2, 0.1]
    with pytest.raises(PublicModeError, match="class"):
        static_figure(g, kind="hotspots", column="gistar")


def test_save_static_svg_and_png_are_deterministic(ward_table, bradford_areas, tmp_path):
    a = save_static(ward_table, tmp_path / "a.svg", areas=bradford_areas)
    b = save_static(ward_table, tmp_path / "b.svg", areas=bradford_areas)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text()
    assert text.lstrip().startswith("<?xml")
    assert "Data: 2018/19" in text
    png = save_static(ward_table, tmp_path / "a.png", areas=bradford_areas)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        save_static(ward_table, tmp_path / "a.pdf", areas=bradford_areas)
    assert not (tmp_path / "a.pdf").exists()


def test_change_map_uses_diverging_classes(bradford_areas):
    wards = bradford_areas["ward"]
    t = pd.DataFrame({"area_id": wards["area_id"].astype(str),
                      "area_name": wards["area_name"],
                      "n_before": np.full(len(wards), 40), "n_after": np.full(len(wards), 40)})
    t.loc[0, "n_after"] = 70
    t.loc[1, "n_after"] = 10
    t["change"] = t["n_after"] - t["n_before"]
    fig = static_figure(t, areas=bradford_areas, kind="change", mode="restricted")
    labels = legend_entries(fig)
    assert labels[0] == "Fall of 21 or more"
    assert labels[-1] == "Rise of 21 or more"
    assert "No change" in labels
