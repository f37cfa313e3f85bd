"""Array-level statistical kernels (numpy/scipy only, no geopandas).

- :mod:`hotspots.stats.gistar`: Getis-Ord Gi* on regular grids and with sparse weights,
  permutation p-values and ArcGIS-style significance bins.
- :mod:`hotspots.stats.kde`: binned FFT and exact kernel density, bandwidth rules.
- :mod:`hotspots.stats.concentration`: Gini, top-share tables, PAI, PEI, RRI, hit rates.
- :mod:`hotspots.stats.multiple`: multiple-testing corrections.
- :mod:`hotspots.stats.inference`: E-test, SPPT, Mann-Kendall, WDD.

The frame-level verbs (:func:`hotspots.hotspot.hotspot_gistar` and friends) wrap these.

The names below load on first use (PEP 562): a verb that needs one kernel (the grid Gi*,
say) does not pay for the others' scipy subpackages (scipy.spatial for the exact KDE, ~0.1 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotspots._lazy import lazy_dir, lazy_getattr

if TYPE_CHECKING:
    from hotspots.stats.concentration import (
        concentration_table,
        gini,
        hit_rate,
        lorenz_curve,
        pai,
        pei,
        rri,
        top_share,
        top_slice,
        units_for_share,
    )
    from hotspots.stats.gistar import (
        GiStarCells,
        GiStarResult,
        gi_bin,
        gistar_cells,
        gistar_grid,
        gistar_sparse,
        permutation_pvalues,
    )
    from hotspots.stats.kde import bandwidth_arcgis, bandwidth_nrd, kde_binned, kde_exact
    from hotspots.stats.multiple import adjust_pvalues

__all__ = [
    "GiStarCells",
    "GiStarResult",
    "adjust_pvalues",
    "bandwidth_arcgis",
    "bandwidth_nrd",
    "concentration_table",
    "gi_bin",
    "gini",
    "gistar_cells",
    "gistar_grid",
    "gistar_sparse",
    "hit_rate",
    "kde_binned",
    "kde_exact",
    "lorenz_curve",
    "pai",
    "pei",
    "permutation_pvalues",
    "rri",
    "top_share",
    "top_slice",
    "units_for_share",
]

_KERNELS = {
    "concentration_table": "hotspots.stats.concentration:concentration_table",
    "gini": "hotspots.stats.concentration:gini",
    "hit_rate": "hotspots.stats.concentration:hit_rate",
    "lorenz_curve": "hotspots.stats.concentration:lorenz_curve",
    "pai": "hotspots.stats.concentration:pai",
    "pei": "hotspots.stats.concentration:pei",
    "rri": "hotspots.stats.concentration:rri",
    "top_share": "hotspots.stats.concentration:top_share",
    "top_slice": "hotspots.stats.concentration:top_slice",
    "units_for_share": "hotspots.stats.concentration:units_for_share",
    "GiStarCells": "hotspots.stats.gistar:GiStarCells",
    "GiStarResult": "hotspots.stats.gistar:GiStarResult",
    "gi_bin": "hotspots.stats.gistar:gi_bin",
    "gistar_cells": "hotspots.stats.gistar:gistar_cells",
    "gistar_grid": "hotspots.stats.gistar:gistar_grid",
    "gistar_sparse": "hotspots.stats.gistar:gistar_sparse",
    "permutation_pvalues": "hotspots.stats.gistar:permutation_pvalues",
    "bandwidth_arcgis": "hotspots.stats.kde:bandwidth_arcgis",
    "bandwidth_nrd": "hotspots.stats.kde:bandwidth_nrd",
    "kde_binned": "hotspots.stats.kde:kde_binned",
    "kde_exact": "hotspots.stats.kde:kde_exact",
    "adjust_pvalues": "hotspots.stats.multiple:adjust_pvalues",
}
__getattr__ = lazy_getattr("hotspots.stats", _KERNELS, globals())
__dir__ = lazy_dir(_KERNELS, globals())
