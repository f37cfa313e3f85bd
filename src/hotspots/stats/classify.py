"""Emerging hot spot rules: one category per grid cell from its Gi* history (array kernels).

The rules are pure functions over ``(z, significant)`` matrices (cells x periods), so they can
be tested and reused without a grid; :func:`hotspots.change.classify.hotspot_classify` builds
the matrices from incidents and calls them.

- :func:`classify_sfhotspot`: sfhotspot's ``hotspot_classify`` rules (optionally its 1.0.0 code
  exactly).
- :func:`classify_arcgis`: the rules of ArcGIS's Emerging Hot Spot Analysis.
- :func:`period_significance`: which periods count as significant, after correction.
- :data:`SFHOTSPOT_CATEGORIES` and :data:`ARCGIS_CATEGORIES`: the categories, in legend order.
"""

from __future__ import annotations

import logging
import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from hotspots.stats.inference import mann_kendall
from hotspots.stats.multiple import adjust_pvalues

__all__ = [
    "ARCGIS_CATEGORIES",
    "COMPAT_OPTIONS",
    "SFHOTSPOT_CATEGORIES",
    "Compat",
    "classify_arcgis",
    "classify_sfhotspot",
    "period_significance",
]

logger = logging.getLogger(__name__)

#: Categories of the sfhotspot scheme (:func:`classify_sfhotspot`), in legend order.
SFHOTSPOT_CATEGORIES = (
    "persistent hotspot", "emerging hotspot", "former hotspot", "intermittent hotspot",
    "persistent coldspot", "emerging coldspot", "former coldspot", "intermittent coldspot",
    "mixed hot/coldspot", "no pattern",
)

_ARCGIS_KINDS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
                 "oscillating", "historical")
#: Categories of ArcGIS's Emerging Hot Spot Analysis (:func:`classify_arcgis`), legend order.
ARCGIS_CATEGORIES = (
    *(f"{k} hot spot" for k in _ARCGIS_KINDS),
    *(f"{k} cold spot" for k in _ARCGIS_KINDS),
    "no pattern detected",
)

Compat = Literal["sfhotspot-1.0"] | None
#: Accepted values of ``compat``.
COMPAT_OPTIONS = (None, "sfhotspot-1.0")


# stats imports nothing of the package above it (not even hotspots._params), so these two
# checks are written out here, with the wording of hotspots._params.
def _check_compat(compat: object, caller: str) -> None:
    if compat not in COMPAT_OPTIONS:
        raise ValueError(f"The 'compat' parameter of {caller} must be one of None, "
                         f"'sfhotspot-1.0'. Got {compat!r} instead.")


def _check_probability(name: str, value: object, caller: str) -> None:
    try:
        ok = 0 < float(value) < 1  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"The {name!r} parameter of {caller} must be a float in (0, 1). "
                         f"Got {value!r} instead.")

def _check_matrices(z: ArrayLike, significant: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    zz = np.asarray(z, dtype=float)
    ss = np.asarray(significant, dtype=bool)
    if zz.ndim != 2 or zz.shape != ss.shape:
        raise ValueError("z and significant must be 2-d arrays of the same shape "
                         f"(cells x periods); got {zz.shape} and {ss.shape}.")
    if zz.shape[1] < 2:
        raise ValueError("At least 2 periods are needed to classify hot spots; got "
                         f"{zz.shape[1]}.")
    return zz, ss


def classify_sfhotspot(
    z: ArrayLike,
    significant: ArrayLike,
    *,
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    compat: Compat = None,
) -> np.ndarray:
    """Classify cells with sfhotspot's ``hotspot_classify`` rules.

    Parameters
    ----------
    z : array-like, shape (cells, periods)
        Gi* z-score of every cell in every period, periods in time order. NaN counts as
        neither hot nor cold.
    significant : array-like of bool, same shape
        Whether each z-score is significant (already adjusted as wanted).
    hotspot_prop, persistent_prop, recent_prop : float
        sfhotspot's ``hotspot_classify_params`` (defaults 0.1, 0.8, 0.2).
    compat : {None, "sfhotspot-1.0"}
        None (default): the documented rules. ``"sfhotspot-1.0"``: reproduce sfhotspot
        1.0.0's code exactly, including its off-by-one (the "recent" proportion sums
        ``r + 1`` periods but divides by ``r``) and its comparison of the recent
        proportion with ``recent_prop`` instead of ``hotspot_prop`` for "emerging".

    Returns
    -------
    numpy.ndarray of str, shape (cells,)
        One of :data:`SFHOTSPOT_CATEGORIES`.

    Raises
    ------
    ValueError
        When the arrays do not match or there are fewer than 2 periods.

    Notes
    -----
    With ``K`` periods and ``r = max(1, floor(recent_prop * K))`` recent periods, per cell
    and separately for hot (``z > 0``) and cold (``z < 0``) significant periods:
    ``prop`` = share of all periods, ``recent`` = share of the last ``r`` periods,
    ``older`` = share of the first ``K - r``. The first rule that holds wins:

    1. persistent: ``prop >= persistent_prop``;
    2. emerging: ``older < hotspot_prop`` and ``recent >= hotspot_prop``;
    3. former: ``older >= hotspot_prop`` and ``recent < hotspot_prop``;
    4. intermittent: ``prop >= hotspot_prop``;
    5. otherwise no pattern.

    A cell with both a hot and a cold category is "mixed hot/coldspot".

    Examples
    --------
    >>> from hotspots.stats.classify import classify_sfhotspot
    >>> z = [[3.0] * 10, [0.0] * 8 + [3.0, 3.0]]
    >>> classify_sfhotspot(z, np.abs(z) > 1.96).tolist()
    ['persistent hotspot', 'emerging hotspot']
    """
    _check_compat(compat, "classify_sfhotspot")
    zz, ss = _check_matrices(z, significant)
    n_periods = zz.shape[1]
    r = math.floor(recent_prop * n_periods)
    if r < 1 or n_periods - r < 1:
        logger.info("classify_sfhotspot: %g of %d periods is less than one period; the final "
                    "period is treated as recent.", recent_prop, n_periods)
        r = 1
    if compat == "sfhotspot-1.0":
        recent_cols = slice(n_periods - r - 1, n_periods)  # R's (K - r):K is r + 1 columns
        emerging_cut = recent_prop
    else:
        recent_cols = slice(n_periods - r, n_periods)
        emerging_cut = hotspot_prop
    older_cols = slice(0, n_periods - r)

    def categorise(flags: np.ndarray, word: str) -> np.ndarray:
        prop = flags.sum(axis=1) / n_periods
        recent = flags[:, recent_cols].sum(axis=1) / r
        older = flags[:, older_cols].sum(axis=1) / (n_periods - r)
        return np.select(
            [prop >= persistent_prop,
             (older < hotspot_prop) & (recent >= emerging_cut),
             (older >= hotspot_prop) & (recent < hotspot_prop),
             prop >= hotspot_prop],
            [f"persistent {word}", f"emerging {word}", f"former {word}",
             f"intermittent {word}"],
            default="no pattern",
        )

    hot = categorise(ss & (zz > 0), "hotspot")
    cold = categorise(ss & (zz < 0), "coldspot")
    return np.where((hot != "no pattern") & (cold != "no pattern"), "mixed hot/coldspot",
                    np.where(hot != "no pattern", hot, cold)).astype(object)


def classify_arcgis(
    z: ArrayLike,
    significant: ArrayLike,
    *,
    mk_z: ArrayLike | None = None,
    mk_p: ArrayLike | None = None,
    trend_alpha: float = 0.05,
    share: float = 0.9,
) -> np.ndarray:
    """Classify cells with the rules of ArcGIS's Emerging Hot Spot Analysis.

    Parameters
    ----------
    z : array-like, shape (cells, periods)
        Gi* z-score of every cell in every period, in time order (NaN: not significant).
    significant : array-like of bool, same shape
        Whether each z-score is significant (FDR-adjusted in ArcGIS).
    mk_z, mk_p : array-like, shape (cells,), optional
        Mann–Kendall z and p of each cell's z series; computed with
        :func:`hotspots.stats.inference.mann_kendall` when not given.
    trend_alpha : float
        Level of the Mann–Kendall trend test.
    share : float
        The "90% of time steps" threshold.

    Returns
    -------
    numpy.ndarray of str, shape (cells,)
        One of :data:`ARCGIS_CATEGORIES`.

    Raises
    ------
    ValueError
        When the arrays do not match or there are fewer than 2 periods.

    Notes
    -----
    "Hot" is a significant period with ``z > 0`` ("cold": ``z < 0``), "final" the last
    period, "mostly hot" at least ``ceil(share * K)`` of the ``K`` periods hot. A cell
    that is hot in the final period takes the first hot category that holds:

    - **new**: hot in the final period only, and never significant (hot or cold) before;
    - **consecutive**: a run of at least 2 hot periods ends at the final one, nothing was
      significant before the run, and it is not mostly hot;
    - **intensifying** / **diminishing**: mostly hot with a significant upward / downward
      Mann–Kendall trend in z;
    - **persistent**: mostly hot without a significant trend;
    - **oscillating**: not mostly hot and cold in some earlier period;
    - **sporadic**: not mostly hot and never cold.

    A cell that is not significant in the final period is a **historical** hot spot when
    it is mostly hot (else "no pattern detected"). Cold spots mirror all of this. The final
    period decides which side a cell is on, so each cell gets exactly one category. These
    are ArcGIS's documented definitions with its ambiguities settled (the "new" and
    "consecutive" rules require no significant cold period before, so a cell that turns
    from cold to hot is "oscillating", as in sfdep); sfdep's known departures (ANCHORS b3)
    are not copied.

    Examples
    --------
    >>> from hotspots.stats.classify import classify_arcgis
    >>> z = np.array([[0.0] * 9 + [3.0], [-3.0, 0, 0, 0, 0, 0, 0, 0, 3.0, 3.0]])
    >>> classify_arcgis(z, np.abs(z) > 1.96).tolist()
    ['new hot spot', 'oscillating hot spot']
    """
    zz, ss = _check_matrices(z, significant)
    _check_probability("trend_alpha", trend_alpha, "classify_arcgis")
    if mk_z is None or mk_p is None:
        mk = mann_kendall(np.nan_to_num(zz, nan=0.0))
        mk_z, mk_p = mk.z, mk.p
    mz = np.asarray(mk_z, dtype=float)
    mp = np.nan_to_num(np.asarray(mk_p, dtype=float), nan=1.0)
    n_periods = zz.shape[1]
    need = math.ceil(share * n_periods - 1e-9)
    up = (mp < trend_alpha) & (mz > 0)
    down = (mp < trend_alpha) & (mz < 0)
    hot = ss & (zz > 0)
    cold = ss & (zz < 0)
    any_sig = hot | cold
    out = np.full(zz.shape[0], "no pattern detected", dtype=object)

    def side(same: np.ndarray, other: np.ndarray, word: str, rising: np.ndarray,
             falling: np.ndarray) -> None:
        final = same[:, -1]
        count = same.sum(axis=1)
        mostly = count >= need
        # length of the run of `same` periods ending at the final one
        run = np.argmin(np.concatenate([same[:, ::-1], np.zeros((len(same), 1), bool)], 1), 1)
        before_run = np.array([any_sig[i, : n_periods - run[i]].any() for i in range(len(run))],
                              dtype=bool)
        new = final & (count == 1) & ~any_sig[:, :-1].any(axis=1)
        consecutive = final & (run >= 2) & ~before_run & ~mostly
        cats = np.select(
            [new, consecutive, final & mostly & rising, final & mostly & falling,
             final & mostly, final & other[:, :-1].any(axis=1), final,
             ~any_sig[:, -1] & mostly],
            [f"new {word}", f"consecutive {word}", f"intensifying {word}",
             f"diminishing {word}", f"persistent {word}", f"oscillating {word}",
             f"sporadic {word}", f"historical {word}"],
            default="",
        )
        set_ = cats != ""
        out[set_] = cats[set_]

    # For cold spots the trend that strengthens them is downward.
    side(hot, cold, "hot spot", up, down)
    side(cold, hot, "cold spot", down, up)
    return out



def _holm_rows(p: np.ndarray) -> np.ndarray:
    """Holm adjustment within each row (R ``p.adjust(method="holm")`` per cell)."""
    m = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1)
    stepped = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ranked), axis=1)
    out = np.empty_like(p)
    np.put_along_axis(out, order, stepped, axis=1)
    return out


def period_significance(
    p: ArrayLike,
    *,
    p_adjust: str = "fdr_bh",
    alpha: float = 0.05,
    compat: Compat = None,
) -> np.ndarray:
    """Decide which cells are significant in which period from raw Gi* p-values.

    Parameters
    ----------
    p : array-like, shape (cells, periods)
        Two-sided Gi* p-values (NaN: not testable, never significant).
    p_adjust : str
        Correction across cells within each period (see
        :func:`hotspots.stats.multiple.adjust_pvalues`); ignored with ``compat``.
    alpha : float
        A period is significant when its adjusted p-value is below ``alpha``.
    compat : {None, "sfhotspot-1.0"}
        ``"sfhotspot-1.0"``: no correction across cells, then Holm's correction across
        the periods of each cell (R's ``p.adjust`` default, which sfhotspot 1.0.0 applies
        by accident; fixed in its development version, sfhotspot #94).

    Returns
    -------
    numpy.ndarray of bool, shape (cells, periods)

    Examples
    --------
    >>> from hotspots.stats.classify import period_significance
    >>> period_significance([[0.01, 0.03, 0.2]], compat="sfhotspot-1.0").tolist()
    [[True, False, False]]
    >>> period_significance([[0.01], [0.03], [0.2]], p_adjust="fdr_bh").ravel().tolist()
    [True, True, False]
    """
    pp = np.asarray(p, dtype=float)
    if compat == "sfhotspot-1.0":
        adj = _holm_rows(np.nan_to_num(pp, nan=1.0))
    else:
        adj = np.column_stack([adjust_pvalues(pp[:, j], p_adjust) for j in range(pp.shape[1])])
    return np.nan_to_num(adj, nan=1.0) < alpha
