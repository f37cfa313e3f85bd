"""Every public callable has a numpydoc Examples section, and the examples run (issue 12).

"Public" means a callable named in ``__all__`` of :mod:`hotspots` or of one of its
subpackages. Each example runs as a doctest with the package importable and the embedded
boundary sets available, so examples stay offline and fast. As in the pandas and geopandas
docs, ``np``, ``pd`` and ``gpd`` are imported for every example; everything else an example
uses it imports itself.
"""

from __future__ import annotations

import doctest
import importlib
import inspect

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

PUBLIC_MODULES = [
    "hotspots", "hotspots.io", "hotspots.maps", "hotspots.privacy", "hotspots.premises",
    "hotspots.episodes", "hotspots.stats", "hotspots.report", "hotspots.simulate",
    "hotspots.areas", "hotspots.grid", "hotspots.cluster", "hotspots.change", "hotspots.hotspot",
    "hotspots.distributed",
]


def _public_callables() -> dict[str, object]:
    found: dict[int, tuple[str, object]] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
                continue
            # one entry per object: hotspots.read_fhrs is hotspots.io.read_fhrs
            found.setdefault(id(obj), (f"{module_name}.{name}", obj))
    return dict(sorted(found.values()))


PUBLIC = _public_callables()


def test_there_are_public_callables_to_check():
    assert len(PUBLIC) > 100


@pytest.mark.parametrize("qualname", list(PUBLIC))
def test_public_callable_has_a_running_example(qualname, monkeypatch, tmp_path):
    obj = PUBLIC[qualname]
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc, f"{qualname} has no numpydoc Examples section"
    assert ">>>" in doc, f"{qualname}'s Examples section has no doctest"
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    parser = doctest.DocTestParser()
    namespace = {"__name__": "__doctest__", "np": np, "pd": pd, "gpd": gpd}
    test = parser.get_doctest(doc, namespace, qualname, None, 0)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)
