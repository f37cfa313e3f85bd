"""Array-level statistical kernels (numpy/scipy only, no geopandas).

- :mod:`hotspots.stats.gistar`: Getis-Ord Gi* on regular grids and with sparse weights,
  permutation p-values and ArcGIS-style significance bins.
- :mod:`hotspots.stats.kde`: binned FFT and exact kernel density, bandwidth rules.
- :mod:`hotspots.stats.concentration`: Gini, top-share tables, PAI, PEI, RRI, hit rates.
- :mod:`hotspots.stats.multiple`: multiple-testing corrections.
- :mod:`hotspots.stats.inference`: E-test, SPPT, Mann-Kendall, WDD.

The frame-level verbs (:func:`hotspots.hotspot.hotspot_gistar` and friends) wrap these.
"""

from __future__ import annotations

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
    GiStarResult,
    gi_bin,
    gistar_grid,
    gistar_sparse,
    permutation_pvalues,
)
from hotspots.stats.kde import bandwidth_arcgis, bandwidth_nrd, kde_binned, kde_exact
from hotspots.stats.multiple import adjust_pvalues

__all__ = [
    "GiStarResult",
    "adjust_pvalues",
    "bandwidth_arcgis",
    "bandwidth_nrd",
    "concentration_table",
    "gi_bin",
    "gini",
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
