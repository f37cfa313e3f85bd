"""Safe writes (issue 10, #11 and #12): headers neutralised; every writer is atomic.

An interrupted write (an error or Ctrl-C raised from inside the writer, as a SIGINT would)
must leave the final path absent or with its previous content, and no temporary file.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook

from hotspots.io.atomic import atomic_path, atomic_save, atomic_write_text
from hotspots.io.write import build_manifest, manifest_path, write_table

EVIL = '=HYPERLINK("http://evil.example","click")'


def _table(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame({EVIL: [f"v{k}" for k in range(n)], "n": range(n)})


def _leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# --- #11 header cells --------------------------------------------------------------------------
def test_csv_header_formula_is_neutralised(tmp_path):
    path = write_table(_table(), tmp_path / "t.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == ["'" + EVIL, "n"]


def test_xlsx_header_formula_is_plain_text(tmp_path):
    path = write_table(_table(), tmp_path / "t.xlsx")
    ws = load_workbook(path)["data"]
    assert ws["A1"].value == EVIL
    assert ws["A1"].data_type == "s"  # a string cell: shown, never run
    assert ws["B1"].value == "n"


# --- #12 atomic writes ---------------------------------------------------------------------------
class _Interrupt(KeyboardInterrupt):
    """Stands for the SIGINT of the issue (Ctrl-C part-way through a write)."""


def _interrupting(partial_bytes=b"incident_id,n\n1,1\n2,"):
    """A ``method(self, target, ...)`` that starts writing to its target, then is interrupted."""

    def writer(self, target, *args, **kwargs):
        with open(str(target), "wb") as fh:
            fh.write(partial_bytes)
        raise _Interrupt

    return writer


@pytest.mark.parametrize("previous", [None, "old,content\n1,2\n"])
def test_interrupted_csv_write_leaves_previous_or_nothing(tmp_path, monkeypatch, previous):
    final = tmp_path / "table.csv"
    if previous is not None:
        final.write_text(previous, encoding="utf-8")
    monkeypatch.setattr(pd.DataFrame, "to_csv", _interrupting())
    with pytest.raises(KeyboardInterrupt):
        write_table(_table(1000), final)
    if previous is None:
        assert not final.exists()
    else:
        assert final.read_text(encoding="utf-8") == previous
    assert _leftovers(tmp_path, {"table.csv"}) == []


def test_interrupted_xlsx_write_keeps_previous(tmp_path, monkeypatch):
    from openpyxl import Workbook

    final = write_table(pd.DataFrame({"n": [1, 2]}), tmp_path / "t.xlsx")
    before = final.read_bytes()
    monkeypatch.setattr(Workbook, "save", _interrupting(b"PK\x03\x04partial"))
    with pytest.raises(KeyboardInterrupt):
        write_table(_table(), final)
    assert final.read_bytes() == before
    assert _leftovers(tmp_path, {"t.xlsx"}) == []


def test_interrupted_gpkg_write_keeps_previous(tmp_path, monkeypatch):
    frame = gpd.GeoDataFrame({"n": [1, 2]}, geometry=shapely.points([[0, 0], [1, 1]]),
                             crs="EPSG:27700")
    final = write_table(frame, tmp_path / "t.gpkg")
    before = final.read_bytes()
    calls = {"n": 0}
    real = gpd.GeoDataFrame.to_file

    def half_then_stop(self, filename, *args, **kwargs):
        real(self, filename, *args, **kwargs)  # a complete data layer in the temporary file
        calls["n"] += 1
        raise _Interrupt  # ... and Ctrl-C before the manifest table

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", half_then_stop)
    with pytest.raises(KeyboardInterrupt):
        write_table(frame.assign(n=[7, 8]), final, manifest={"description": "x"})
    assert calls["n"] == 1
    assert final.read_bytes() == before
    assert _leftovers(tmp_path, {"t.gpkg"}) == []
    assert gpd.read_file(final)["n"].tolist() == [1, 2]


def test_interrupted_manifest_sidecar_keeps_previous(tmp_path, monkeypatch):
    final = write_table(_table(), tmp_path / "t.csv", manifest=build_manifest(description="one"))
    side = manifest_path(final)
    before = side.read_text(encoding="utf-8")
    real = Path.write_text

    def half_then_stop(self, text, *args, **kwargs):
        real(self, text[: len(text) // 2], *args, **kwargs)
        raise _Interrupt

    monkeypatch.setattr(Path, "write_text", half_then_stop)
    with pytest.raises(KeyboardInterrupt):
        write_table(_table(), final, manifest=build_manifest(description="two"))
    assert side.read_text(encoding="utf-8") == before
    assert json.loads(before)["description"] == "one"


def test_atomic_save_of_a_map_page_interrupted(tmp_path):
    final = tmp_path / "map.html"
    final.write_text("<p>previous map</p>", encoding="utf-8")

    def save(path: str) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("<html><body>half a ma")
        raise _Interrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_save(save, final)
    assert final.read_text(encoding="utf-8") == "<p>previous map</p>"
    assert _leftovers(tmp_path, {"map.html"}) == []


def test_atomic_path_temporary_file_is_beside_the_final_one(tmp_path):
    seen = []
    with atomic_path(tmp_path / "sub" / "t.gpkg") as tmp:
        seen.append(tmp)
        assert not tmp.exists()
        tmp.write_bytes(b"x")
    assert seen[0].parent == tmp_path / "sub"
    assert seen[0].suffix == ".gpkg"  # GDAL and openpyxl choose the format from it
    assert (tmp_path / "sub" / "t.gpkg").read_bytes() == b"x"
    assert _leftovers(tmp_path / "sub", {"t.gpkg"}) == []


def test_atomic_path_refuses_when_nothing_was_written(tmp_path):
    with pytest.raises(OSError, match="Nothing was written"), atomic_path(tmp_path / "t.csv"):
        pass
    assert not (tmp_path / "t.csv").exists()


def test_visit_sheets_are_written_atomically(tmp_path, monkeypatch):
    import hotspots.report.visit_sheet as vs

    final = tmp_path / "visit-sheets-all.html"
    final.write_text("previous", encoding="utf-8")
    monkeypatch.setattr(vs, "render_visit_sheets", lambda *a, **k: (_ for _ in ()).throw(
        _Interrupt()))
    # the rendering is interrupted before any byte reaches the final file
    with pytest.raises(KeyboardInterrupt):
        vs.write_visit_sheets(_FakePlan(), tmp_path)
    assert final.read_text(encoding="utf-8") == "previous"
    # and the writer goes through atomic_write_text (a partial write never lands)
    calls = []
    monkeypatch.setattr(vs, "render_visit_sheets", lambda *a, **k: "<html>ok</html>")
    monkeypatch.setattr(vs, "atomic_write_text",
                        lambda p, text: calls.append(p) or atomic_write_text(p, text))
    vs.write_visit_sheets(_FakePlan(), tmp_path)
    assert final in calls
    assert final.read_text(encoding="utf-8") == "<html>ok</html>"


class _FakePlan:
    operations = pd.DataFrame({"operation": [1]})
