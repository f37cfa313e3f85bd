"""The Bradford and City of London boundary sets ship inside the package and work offline.

(``hotspots demo`` offline with no data dir is in tests/test_readme_demo.py.)

Every test here runs with ``HOTSPOTS_DATA_DIR`` unset, an empty cache and a socket guard
that fails any attempt to open a network connection.
"""

from __future__ import annotations

import hashlib
import socket
from importlib import resources
from pathlib import Path

import pytest

import hotspots.io.boundaries as bmod
from hotspots.io.boundaries import BoundaryFileNotFoundError, boundary_manifest, load_boundaries

EMBEDDED_SETS = ("bradford-2013", "city-of-london-2013")


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    """No data dir, an empty cache and no network: only the package itself can help."""
    monkeypatch.delenv(bmod.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(bmod.CACHE_DIR_ENV, str(tmp_path / "empty-cache"))

    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)


def _package_dir() -> Path:
    return Path(str(resources.files("hotspots") / "data" / "boundaries"))


def _files(name: str) -> list[dict]:
    entry = boundary_manifest(name)
    return [f for spec in entry["levels"].values() for f in spec["files"]]


def test_socket_guard_is_live():
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("example.org", 80))


@pytest.mark.parametrize("name", EMBEDDED_SETS)
def test_embedded_files_are_the_registry_files(name):
    for f in _files(name):
        path = _package_dir() / f["file"]
        assert path.is_file(), f"{f['file']} is not embedded"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
        assert path.stat().st_size == f["size_bytes"]
    licence = (_package_dir() / "LICENCE.txt").read_text(encoding="utf-8")
    assert "Open Government Licence v3" in licence
    assert boundary_manifest(name)["source"]["commit"] in licence


def test_sha256sums_lists_exactly_the_embedded_geojson():
    listed = {}
    for line in (_package_dir() / "SHA256SUMS").read_text().splitlines():
        digest, file = line.split(maxsplit=1)
        listed[file] = digest
    expected = {f["file"]: f["sha256"] for name in EMBEDDED_SETS for f in _files(name)}
    assert listed == expected
    on_disk = {str(p.relative_to(_package_dir())) for p in _package_dir().rglob("*.geojson")}
    assert on_disk == set(expected)


def test_bradford_loads_offline_with_no_setup():
    areas = load_boundaries("bradford-2013")
    assert len(areas["ward"]) == 30
    assert len(areas["constituency"]) == 5
    assert "Keighley" in set(areas["constituency"]["area_name"])
    for source in areas.sources.values():
        assert Path(source).is_relative_to(_package_dir())


def test_city_of_london_loads_offline_with_no_setup():
    areas = load_boundaries("city-of-london-2013")
    assert len(areas["ward"]) == 25
    assert areas.sources["london/city-of-london-wards-2013.geojson"] == str(
        _package_dir() / "london" / "city-of-london-wards-2013.geojson")


def test_a_data_dir_still_comes_first(shared_dir):
    areas = load_boundaries("bradford-2013", data_dir=shared_dir / "boundaries")
    assert areas.sources["bradford-wards-2013.geojson"] == str(
        shared_dir / "boundaries" / "bradford-wards-2013.geojson")


def test_other_sets_still_need_the_registry_and_name_only_what_is_missing():
    # london-central shares the City's files (embedded) but not its six neighbours' files
    with pytest.raises(BoundaryFileNotFoundError) as err:
        load_boundaries("london-central-2013", download=False)
    msg = str(err.value)
    assert "needs 12 file(s)" in msg
    assert "london/camden-wards-2013.geojson" in msg
    assert "city-of-london-wards-2013.geojson" not in msg
    assert f"embedded in the package: {_package_dir()}" in msg


def test_other_sets_resolve_from_the_data_dir_as_before(shared_dir, monkeypatch):
    monkeypatch.setenv(bmod.DATA_DIR_ENV, str(shared_dir / "boundaries"))
    areas = load_boundaries("london-central-2013", download=False)
    assert len(areas["ward"]) == 136


def test_a_tampered_embedded_file_is_refused(monkeypatch, tmp_path):
    fake = tmp_path / "pkg"
    for f in _files("bradford-2013"):
        (fake / f["file"]).parent.mkdir(parents=True, exist_ok=True)
        (fake / f["file"]).write_bytes((_package_dir() / f["file"]).read_bytes())
    wards = fake / "bradford-wards-2013.geojson"
    wards.write_bytes(wards.read_bytes().replace(b"Baildon", b"Bailden"))
    monkeypatch.setattr(bmod, "_embedded_dir", lambda: fake)
    with pytest.raises(bmod.HotspotsError, match="does not match the registry"):
        load_boundaries("bradford-2013", download=False)
