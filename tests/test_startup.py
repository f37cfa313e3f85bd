"""Start-up cost: `import hotspots` and `hotspots --help` load no heavy package.

Timing is measured in the issue note (``python -X importtime -c "import hotspots"``), never
asserted here; these tests check the cause instead: which modules a fresh interpreter holds.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import hotspots

# scipy.signal alone cost ~1.5 s; scikit-learn, scipy.stats, folium and libpysal ~0.3-1 s each
HEAVY = ("scipy.signal", "scipy.stats", "sklearn", "folium", "branca", "libpysal", "openpyxl",
         "jinja2", "matplotlib", "mapclassify", "geopandas", "pandas")


def _loaded_after(code: str) -> list[str]:
    probe = (f"import sys, json\n{code}\n"
             f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _printed(code: str) -> list[str]:
    """The words a fresh interpreter prints running ``code``."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_import_hotspots_loads_no_heavy_package():
    assert _loaded_after("import hotspots") == []


def test_cli_help_loads_no_heavy_package():
    code = ("from hotspots.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert _loaded_after(code) == []


def test_no_verb_loads_scipy_signal():
    # the binned KDE convolves with scipy.fft, so nothing needs scipy.signal (~1 s to import)
    assert "scipy.signal" not in _loaded_after("from hotspots import hotspot_gistar")
    # nor scipy.stats (half a second): the grid verbs' skewness is written out
    assert "scipy.stats" not in _loaded_after("from hotspots import hotspot_gistar")
    assert "scipy.signal" not in _loaded_after(
        "import numpy as np\nfrom hotspots.stats.kde import kde_binned\n"
        "kde_binned(np.zeros((3, 2)), np.zeros((1, 2)), bandwidth=10.0)")


def test_reading_police_uk_files_loads_no_other_reader():
    # hotspots.io loads its readers on first use: the police.uk journey does not pay for
    # the dataset (pyarrow.dataset), boundary, premises or episode readers
    loaded = set(_printed("import sys\nfrom hotspots.io import read_police_uk\n"
                          "print(' '.join(sorted(sys.modules)))"))
    assert "hotspots.io.incidents" in loaded
    for module in ("hotspots.io.dataset", "hotspots.io.premises", "hotspots.io.episodes",
                   "hotspots.io.boundaries", "pyarrow.dataset", "pyarrow.parquet"):
        assert module not in loaded


def test_every_public_name_resolves_and_is_the_real_object():
    from hotspots.io.incidents import read_incidents
    from hotspots.premises.rank import premises_rank

    for name in hotspots.__all__:
        assert getattr(hotspots, name) is not None, name
    assert hotspots.read_incidents is read_incidents
    assert hotspots.premises_rank is premises_rank
    assert set(hotspots.__all__) <= set(dir(hotspots))


def test_lazy_table_matches_all():
    # a name added to __all__ without a lazy entry (or the reverse) would fail only on use
    eager = {"__version__", "show_log", "CRSError", "DataQualityWarning", "EmptyDataError",
             "HotspotsError", "PublicModeError", "ValidationError"}
    assert set(hotspots._LAZY) | (eager & set(hotspots.__all__)) == set(hotspots.__all__)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'not_a_function'"):
        hotspots.not_a_function  # noqa: B018
    code = "from hotspots import not_a_function"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 1
    assert "ImportError" in res.stderr


def test_the_grid_gistar_verb_loads_no_scipy_subpackage_until_it_runs():
    # the stats and hotspot packages load their names on first use: the grid Gi* does not
    # pay for the area Gi* (scipy.sparse), the exact KDE (scipy.spatial) or the others
    assert _printed("import sys\nfrom hotspots.hotspot import hotspot_gistar\n"
                    "import hotspots.stats\n"
                    "print(' '.join(sorted(m for m in sys.modules if m.startswith('scipy'))))"
                    ) == []


def test_p_values_of_a_district_grid_need_no_scipy_special():
    # scipy.special costs 0.2 s to import: Gi* p-values of up to 150,000 cells use math.erfc
    assert _printed("import sys\nimport numpy as np\n"
                    "from hotspots.stats.gistar import two_sided_p\n"
                    "p = two_sided_p(np.linspace(-4, 4, 100_000))\n"
                    "print('scipy.special' in sys.modules, round(float(p[0]), 8))"
                    ) == ["False", "6.334e-05"]


@pytest.mark.parametrize(("package", "table_name"),
                         [("hotspots.stats", "_KERNELS"), ("hotspots.hotspot", "_VERBS")])
def test_lazy_packages_resolve_every_public_name(package, table_name):
    import importlib

    module = importlib.import_module(package)
    table = getattr(module, table_name)
    assert set(module.__all__) <= set(table)
    for name in table:
        target, _, attr = table[name].partition(":")
        assert getattr(module, name) is getattr(importlib.import_module(target), attr), name
    assert set(module.__all__) <= set(dir(module))
