"""hotspots.io.datasets finds the shared data through the environment or the folder layout."""

from __future__ import annotations

import pytest

from hotspots.io import datasets


def _make_shared(root):
    (root / "data" / "city-of-london" / "street").mkdir(parents=True)
    (root / "boundaries").mkdir()
    return root


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv(datasets.SHARED_DIR_ENV, raising=False)
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    # nothing beside the checkout either: only what each test sets up
    monkeypatch.setattr(datasets, "__file__", str(tmp_path / "a" / "b" / "c" / "d" / "x.py"))
    # and no folder of the machine's: the search walks up from the test's folder, past
    # tmp_path's parents (a /tmp/shared or /shared there is real, not this test's)
    is_shared = datasets._is_shared
    monkeypatch.setattr(datasets, "_is_shared",
                        lambda folder: folder.is_relative_to(tmp_path) and is_shared(folder))
    return monkeypatch


def test_shared_dir_from_its_own_variable(clean_env, tmp_path):
    shared = _make_shared(tmp_path / "elsewhere")
    clean_env.setenv(datasets.SHARED_DIR_ENV, str(shared))
    assert datasets.get_path("city-of-london-street") == (
        shared / "data" / "city-of-london" / "street")


def test_shared_dir_from_the_boundaries_variable(clean_env, tmp_path):
    shared = _make_shared(tmp_path / "s")
    clean_env.setenv(datasets.DATA_DIR_ENV, str(shared / "boundaries"))
    assert datasets.shared_dir() == shared


def test_shared_dir_found_above_a_notebook_folder(clean_env, tmp_path):
    shared = _make_shared(tmp_path / "work" / "shared")
    nb = tmp_path / "work" / "main" / "notebooks"
    nb.mkdir(parents=True)
    clean_env.chdir(nb)
    assert datasets.shared_dir() == shared


def test_not_found_says_what_to_set(clean_env):
    with pytest.raises(FileNotFoundError, match="HOTSPOTS_SHARED_DIR"):
        datasets.shared_dir()


def test_unknown_and_missing_data_sets(clean_env, tmp_path):
    clean_env.setenv(datasets.SHARED_DIR_ENV, str(_make_shared(tmp_path / "s")))
    with pytest.raises(KeyError, match="known: west-yorkshire-street-2017"):
        datasets.get_path("nope")
    with pytest.raises(FileNotFoundError, match="city-of-london-fhrs"):
        datasets.get_path("city-of-london-fhrs")


def test_every_named_data_set_exists_in_the_real_shared_folder(shared_dir, monkeypatch):
    monkeypatch.setenv(datasets.SHARED_DIR_ENV, str(shared_dir))
    for name in datasets.DATASETS:
        assert datasets.get_path(name).exists(), name
