"""Static export of clusters, premises and flows: the public rules of the interactive maps."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.errors import PublicModeError
from hotspots.maps.static_export import legend_entries, save_static, static_figure

FHRS = "data/city-of-london/premises/fhrs-city-of-london-2021-08-19.csv"
_COMMERCIAL_FHRS = {"Restaurant/Cafe/Canteen", "Takeaway/sandwich shop", "Pub/bar/nightclub",
                    "Hotel/bed & breakfast/guest house", "Retailers - other",
                    "Retailers - supermarkets/hypermarkets"}


def _clusters():
    """Two clusters of 150 m radius: one of 40 incidents, one of 3 (small)."""
    centres = [(416000, 433000), (418000, 434000)]
    summary = gpd.GeoDataFrame(
        {"cluster_id": [0, 1], "n": [40, 3], "share": [40 / 43, 3 / 43],
         "first": ["2018-01-03", "2018-02-11"], "last": ["2018-11-30", "2018-12-24"]},
        geometry=[shapely.Point(c).buffer(150) for c in centres], crs="EPSG:27700")
    rng = np.random.default_rng(0)
    xy = np.vstack([rng.normal(c, 50, (20, 2)) for c in centres])
    incidents = gpd.GeoDataFrame({"cluster": [0] * 19 + [-1] + [1] * 3 + [-1] * 17},
                                 geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
                                 crs="EPSG:27700")
    return summary, incidents


def _hull_widths(fig):
    paths = fig.axes[0].collections[0].get_paths()
    return sorted(round(float(p.get_extents().width)) for p in paths)


# --- clusters ---------------------------------------------------------------------------------
def test_public_cluster_picture_hides_small_size_and_blurs_outlines(tmp_path):
    summary, _ = _clusters()
    fig = static_figure(summary, kind="clusters")
    assert legend_entries(fig) == ["Cluster 0: 40 incidents", "Cluster 1: <5 incidents"]
    # hulls of 300 m grown by the public blur of 100 m on each side (as the web map)
    assert _hull_widths(fig) == [500, 500]
    footer = fig.texts[-1].get_text()
    assert "Data: 2018-01 to 2018-12" in footer  # months, not the incidents' days
    assert "counts under 5 suppressed" in footer
    svg = save_static(summary, tmp_path / "c.svg").read_text()
    assert "Cluster 1: &lt;5 incidents" in svg
    assert "3 incidents" not in svg
    assert "2018-12-24" not in svg
    png = save_static(summary, tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_public_cluster_picture_refuses_incident_points():
    summary, incidents = _clusters()
    with pytest.raises(PublicModeError, match="cannot show incident points"):
        static_figure(summary, kind="clusters", incidents=incidents)


def test_restricted_cluster_picture_shows_sizes_and_points(tmp_path):
    summary, incidents = _clusters()
    fig = static_figure(summary, mode="restricted", incidents=incidents)  # kind from columns
    assert legend_entries(fig) == ["Cluster 0: 40 incidents", "Cluster 1: 3 incidents",
                                   "Incident not in a cluster (noise)"]
    assert _hull_widths(fig) == [300, 300]  # exact hulls
    noise, members = fig.axes[0].collections[1:3]
    assert len(noise.get_offsets()) == 18
    assert len(members.get_offsets()) == 22
    assert "RESTRICTED" in fig.texts[-1].get_text()
    svg = save_static(fig, tmp_path / "c.svg").read_text()
    assert "Cluster 1: 3 incidents" in svg


# --- premises ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ranked(city_2018, shared_file):
    from hotspots.io.premises import read_fhrs
    from hotspots.premises import premises_rank

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = premises_rank(city_2018, read_fhrs(shared_file(FHRS)))
    frame.loc[frame["rank"] == 2, "premises_class"] = "residential"
    frame.loc[frame["rank"] == 4, "premises_type"] = "Children's home"
    return frame


def _drawn_xy(fig):
    """Drawn markers as a sorted list (premises at one address share a location)."""
    return sorted(tuple(np.round(xy, 3).tolist()) for xy in
                  fig.axes[0].collections[0].get_offsets())


def _xy(geoms):
    return sorted((round(g.x, 3), round(g.y, 3)) for g in geoms)


def test_public_premises_picture_draws_only_the_allow_list(ranked, tmp_path):
    fig = static_figure(ranked, kind="premises", mode="public")
    located = ~(ranked.geometry.is_empty | ranked.geometry.isna())
    allowed = (located & ranked["premises_type"].isin(_COMMERCIAL_FHRS)
               & ~ranked["rank"].isin([2, 4]) & (ranked["n_linked"] >= 5)
               & (ranked["score"] > 0))
    assert 0 < allowed.sum() < (located & (ranked["score"] > 0)).sum()
    # exactly the allowed premises, one marker each: ranks 2 and 4 (made residential and a
    # children's home) and every non-commercial type are not drawn
    assert _drawn_xy(fig) == _xy(ranked.geometry[allowed])
    # no rank numbers: a gap in the ranks would tell how many were left out
    assert not [t for t in fig.axes[0].texts if t.get_text().isdigit()]
    notes = fig.texts[-1].get_text()
    assert "premises not shown: public maps show only commercial types" in notes
    svg = save_static(fig, tmp_path / "p.svg").read_text()
    assert "Public: aggregates only" in svg
    png = save_static(ranked, tmp_path / "p.png", kind="premises")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_restricted_premises_picture_numbers_the_ranks(ranked):
    fig = static_figure(ranked, kind="premises", mode="restricted", top=10)
    ranks = [t.get_text() for t in fig.axes[0].texts if t.get_text().isdigit()]
    assert sorted(map(int, ranks)) == list(range(1, 11))  # the residential ones too
    top = ranked.sort_values("rank").head(10)
    assert _drawn_xy(fig) == _xy(top.geometry)
    assert legend_entries(fig)[0] == "High priority (rank 1-10)"


# --- flows ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def eps(bradford_areas):
    from hotspots import simulate_episodes

    return simulate_episodes(bradford_areas, seed=4, fy_counts={"2018/19": 1500})


def test_public_flow_picture_is_refused(eps, tmp_path):
    from hotspots.maps.flows import flow_lines

    with pytest.raises(PublicModeError, match="journeys of children"):
        save_static(eps, tmp_path / "f.png")  # kind from the columns; public by default
    with pytest.raises(PublicModeError):
        static_figure(flow_lines(eps), kind="flows")
    assert not (tmp_path / "f.png").exists()


def test_restricted_flow_picture_weights_lines_by_count(eps, bradford_areas, tmp_path):
    from matplotlib.collections import LineCollection

    from hotspots.maps.flows import flow_lines

    fig = static_figure(eps, kind="flows", mode="restricted", areas=bradford_areas,
                        min_count=2, cell_size=250)
    lines = flow_lines(eps, cell_size=250, min_count=2)
    lines = lines[~lines["same_cell"]]
    coll = fig.axes[0].collections[0]  # the flows, drawn under the boundary outlines
    assert isinstance(coll, LineCollection)
    segs = coll.get_segments()
    assert len(segs) == len(lines) > 10
    ends = np.vstack(segs)
    assert np.allclose(np.mod(ends - 125.0, 250.0), 0.0)  # cell centres, never a point
    widths = np.asarray(coll.get_linewidths())
    assert widths[np.argmax(lines["n"].to_numpy())] == pytest.approx(4.0)
    assert widths.min() < widths.max()
    footer = fig.texts[-1].get_text()
    assert "Both ends snapped to the centres of 250 m cells" in footer
    start = eps["start"]
    assert f"Data: {start.min():%Y-%m} to {start.max():%Y-%m} (episode starts)" in footer
    svg = save_static(fig, tmp_path / "f.svg").read_text()
    assert "RESTRICTED: not for publication" in svg
    assert eps["child"].dropna().iloc[0] not in svg
    png = save_static(lines, tmp_path / "f.png", kind="flows", mode="restricted")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_flow_lines_without_a_recorded_cell_size_are_refused(eps):
    from hotspots.maps.flows import flow_lines

    lines = flow_lines(eps)
    lines.attrs = {}
    with pytest.raises(ValueError, match="at least 100 m"):
        static_figure(lines, kind="flows", mode="restricted")
