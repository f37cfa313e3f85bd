"""Synthetic missing episodes and at-risk registers with planted truth, for tests and demos.

:func:`simulate_episodes` plants a children's home whose children go missing again and again,
and a spot (next to a planted premises) where many missing children are found.
:func:`simulate_at_risk` plants a cohort that shrinks while its largest area moves. Both
are seeded: the same arguments give the same rows. The raw tables carry made-up ids
("C00001"); by default they are passed through the readers, so the returned frames hold
pseudonyms only, exactly as real data would. What was planted is in
``attrs["hotspots"]["simulation"]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.periods import parse_period
from hotspots.simulate import _background_points, random_points_in

if TYPE_CHECKING:
    from hotspots.areas import AreaSet

__all__ = ["PUBLISHED_FY_EPISODES", "simulate_at_risk", "simulate_episodes"]

#: Missing episodes of children looked after, Bradford partnership annual report.
PUBLISHED_FY_EPISODES = {"2016/17": 2932, "2017/18": 3073, "2018/19": 2587}

#: The made-up key the simulations pseudonymise with (so runs are reproducible).
SIM_KEY = "hotspots-simulation"


def _inside(areas: AreaSet, xy: np.ndarray) -> np.ndarray:
    import shapely

    outline = areas.outline
    shapely.prepare(outline)
    return shapely.contains_xy(outline, xy[:, 0], xy[:, 1])


def simulate_episodes(
    areas: AreaSet,
    *,
    fy_counts: Mapping[str, int] = PUBLISHED_FY_EPISODES,
    n_children: int = 900,
    home_share: float = 0.15,
    home_children: int = 10,
    hotspot_share: float = 0.12,
    hotspot_sd: float = 25.0,
    found_unknown_share: float = 0.1,
    child_shape: float = 0.5,
    seed: int = 0,
    raw: bool = False,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Simulate missing episodes with a repeat children's home and a found-location hot spot.

    Parameters
    ----------
    areas : AreaSet
        Boundaries; placements are spread over the district.
    fy_counts : mapping of str to int
        Episodes per financial year (default: the published 2,932 / 3,073 / 2,587).
    n_children : int
        Children (besides the children's home's).
    home_share : float
        Share of episodes from the planted children's home.
    home_children : int
        Children living there (each goes missing many times: repeat episodes).
    hotspot_share : float
        Share of episodes found near the planted premises (Gaussian, ``hotspot_sd`` m).
    found_unknown_share : float
        Share of episodes with no found location.
    child_shape : float
        Gamma shape of the children's propensity to go missing: small values (default
        0.5) give the skew of real registers, where a few children account for many
        episodes and some children in the pool for none.
    seed : int
        Random seed.
    raw : bool
        Return the raw table (raw ids, coordinate columns) instead of reading it with
        :func:`hotspots.read_missing_episodes`.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        Episodes as :func:`hotspots.read_missing_episodes` returns them (pseudonyms with the
        key ``"hotspots-simulation"``), plus ``placement_type`` and ``rhi`` (return-home
        interview "Yes"/"No"/blank). ``attrs["hotspots"]["simulation"]`` holds the planted
        ``home_xy``, ``premises_xy``, ``fy_counts`` and ``seed``.

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> episodes = simulate_episodes(load_boundaries("bradford-2013"),
    ...                              fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> len(episodes), episodes["child"].nunique()
    (300, 52)
    >>> str(episodes["start"].min()), str(episodes["start"].max())
    ('2017-04-03 03:01:24', '2018-03-31 15:28:00')
    """
    rng = np.random.default_rng(seed)
    fys = [(parse_period(k), int(v)) for k, v in fy_counts.items()]
    n = sum(v for _, v in fys)
    starts = np.concatenate([
        (p.start + pd.to_timedelta(rng.uniform(0, p.days, v), unit="D")).to_numpy()
        for p, v in fys]).astype("datetime64[s]")
    homes = _background_points(areas, n_children, rng)
    centre = areas.outline.centroid
    home_xy = np.array(random_points_in(centre.buffer(3000).intersection(areas.outline), 1,
                                        rng)[0])
    premises_xy = np.array(random_points_in(centre.buffer(2000).intersection(areas.outline),
                                            1, rng)[0])
    # overdispersed: a few children account for many episodes (gamma-Poisson)
    weight = rng.gamma(child_shape, 1.0, n_children)
    n_home = round(home_share * n)
    child = np.empty(n, dtype=np.int64)
    is_home = np.zeros(n, dtype=bool)
    is_home[rng.choice(n, n_home, replace=False)] = True
    child[is_home] = n_children + rng.integers(0, home_children, n_home)
    child[~is_home] = rng.choice(n_children, n - n_home, p=weight / weight.sum())
    from_xy = np.where(is_home[:, None], home_xy[None, :],
                       homes[np.minimum(child, n_children - 1)])
    # found: near the premises, or a skewed distance from the placement
    found = from_xy + rng.normal(0, 1, (n, 2)) * rng.exponential(1200, (n, 1))
    hot = rng.random(n) < hotspot_share
    found[hot] = premises_xy + rng.normal(0, hotspot_sd, (int(hot.sum()), 2))
    outside = ~_inside(areas, found)
    found[outside & ~hot] = from_xy[outside & ~hot]
    unknown = (rng.random(n) < found_unknown_share) & ~hot
    hours = np.round(rng.lognormal(np.log(10), 1.0, n), 1)
    rhi = rng.choice(np.array(["Yes", "No", ""], dtype=object), n, p=[0.7, 0.2, 0.1])
    ptype = np.where(is_home, "Children's home",
                     np.where(child % 3 == 0, "Foster placement", "Family home"))
    table = pd.DataFrame({
        "episode_ref": [f"E{i:06d}" for i in range(n)],
        "child_id": [f"C{c:05d}" for c in child],
        "start": pd.to_datetime(starts),
        "end": pd.to_datetime(starts) + pd.to_timedelta(hours, unit="h"),
        "from_x": np.round(from_xy[:, 0], 1), "from_y": np.round(from_xy[:, 1], 1),
        "found_x": np.where(unknown, np.nan, np.round(found[:, 0], 1)),
        "found_y": np.where(unknown, np.nan, np.round(found[:, 1], 1)),
        "placement_type": ptype, "rhi": rhi,
    }).sort_values("start", kind="stable").reset_index(drop=True)
    sim = {"home_xy": tuple(map(float, np.round(home_xy, 1))),
           "premises_xy": tuple(map(float, premises_xy)), "fy_counts": dict(fy_counts),
           "hotspot_sd": hotspot_sd, "seed": seed, "n_home_episodes": n_home}
    if raw:
        table.attrs["hotspots"] = {"simulation": sim}
        return table
    from hotspots.io.episodes import read_missing_episodes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # blank found locations are planted on purpose
        eps = read_missing_episodes(table, child_id="child_id", start="start", end="end",
                                    from_x="from_x", from_y="from_y", found_x="found_x",
                                    found_y="found_y", crs="EPSG:27700", key=SIM_KEY,
                                    episode_id="episode_ref", today="2100-01-01")
    eps.attrs["hotspots"]["simulation"] = sim
    return eps


def simulate_at_risk(
    areas: AreaSet,
    *,
    start: Any = "2016-04",
    end: Any = "2019-03",
    n_start: int = 350,
    n_end: int = 125,
    move_from: str = "Bradford East",
    move_to: str = "Bradford South",
    level: str = "constituency",
    churn: float = 0.04,
    category: str = "CSE",
    seed: int = 0,
    raw: bool = False,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Simulate an at-risk register whose cohort shrinks while its largest area moves.

    At the end of the first month ``n_start`` children are at risk, most of them living in
    ``move_from``; at the end of the last month ``n_end``, most in ``move_to``. In between the
    size and the area mix change linearly, with ``churn`` of each area's children replaced
    every month (closed and newly assessed), so entries and exits are both non-zero.

    Parameters
    ----------
    areas : AreaSet
        Boundaries; homes are drawn uniformly inside the areas of ``level``.
    start, end : period-like
        First and last month.
    n_start, n_end : int
        Children at risk at the end of the first and the last month.
    move_from, move_to : str
        Areas (of ``level``) with the most children at the start and at the end.
    level : str
        The area level.
    churn : float
        Monthly share of each area's children replaced.
    category : str
        The register's category ("CSE").
    seed : int
        Random seed.
    raw : bool
        Return the raw table instead of reading it with :func:`hotspots.read_at_risk`.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        The register as :func:`hotspots.read_at_risk` returns it; what was planted is in
        ``attrs["hotspots"]["simulation"]`` (``targets``: children per area per month).

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_at_risk
    >>> register = simulate_at_risk(load_boundaries("bradford-2013"), n_start=40, n_end=20,
    ...                             seed=1)
    >>> len(register), register["category"].unique().tolist()
    (49, ['CSE'])
    """
    rng = np.random.default_rng(seed)
    frame = areas[level]
    names = frame[schema.AREA_NAME].astype(str).tolist()
    for nm in (move_from, move_to):
        if nm not in names:
            raise ValueError(f"simulate_at_risk: {nm!r} is not an area of level {level!r}; "
                             f"areas: {names}.")
    months = pd.period_range(parse_period(start).start, parse_period(end).end
                             - pd.Timedelta(days=1), freq="M")
    n_m = len(months)
    k = len(names)
    base = np.full(k, 1.0)
    w0, w1 = base.copy(), base.copy()
    w0[names.index(move_from)], w1[names.index(move_to)] = 2.5, 2.5
    w0[names.index(move_to)], w1[names.index(move_from)] = 1.3, 1.3
    frac = np.linspace(0, 1, n_m)[:, None]
    sizes = np.round(np.linspace(n_start, n_end, n_m)).astype(int)
    mix = (1 - frac) * (w0 / w0.sum()) + frac * (w1 / w1.sum())
    targets = np.floor(mix * sizes[:, None]).astype(int)
    # hand out the rounding remainder by largest fraction so each month hits its size
    rem = sizes - targets.sum(axis=1)
    frac_part = mix * sizes[:, None] - targets
    for i in range(n_m):
        targets[i, np.argsort(-frac_part[i], kind="stable")[: rem[i]]] += 1
    rows: list[tuple[int, int, pd.Timestamp, pd.Timestamp | None]] = []
    next_id = 0
    for a in range(k):
        active: list[int] = []  # indexes into rows
        for i, mon in enumerate(months):
            m0 = mon.start_time
            days = mon.days_in_month

            def day(lo: int = 0, m0: pd.Timestamp = m0, days: int = days) -> pd.Timestamp:
                return m0 + pd.Timedelta(days=int(rng.integers(lo, days)))

            if i > 0:
                n_close = max(len(active) - targets[i, a], 0) + round(churn * len(active))
                n_close = min(n_close, len(active))
                for j in sorted(rng.choice(len(active), n_close, replace=False), reverse=True):
                    r = active.pop(int(j))
                    rows[r] = (*rows[r][:3], day())
            while len(active) < targets[i, a]:
                when = (m0 - pd.Timedelta(days=int(rng.integers(1, 400)))) if i == 0 else day()
                rows.append((next_id, a, when, None))
                active.append(len(rows) - 1)
                next_id += 1
    ids = np.array([r[0] for r in rows])
    area_idx = np.array([r[1] for r in rows])
    xy = np.empty((len(rows), 2))
    for a in range(k):
        sel = area_idx == a
        xy[sel] = random_points_in(frame.geometry.iloc[a], int(sel.sum()), rng)
    assessed = pd.to_datetime([r[2] for r in rows])
    closed = pd.to_datetime([r[3] for r in rows])
    table = pd.DataFrame({
        "child_id": [f"R{i:05d}" for i in ids], "assessment_date": assessed,
        "risk_level": rng.choice(["High", "Medium", "Low"], len(rows), p=[0.2, 0.5, 0.3]),
        "review_date": assessed + pd.Timedelta(days=90), "closure_date": closed,
        "category": category, "home_x": np.round(xy[:, 0], 1), "home_y": np.round(xy[:, 1], 1),
    }).sort_values("assessment_date", kind="stable").reset_index(drop=True)
    sim = {"targets": pd.DataFrame(targets, index=[m.strftime("%b %Y") for m in months],
                                   columns=names),
           "move_from": move_from, "move_to": move_to, "n_start": n_start, "n_end": n_end,
           "level": level, "seed": seed}
    if raw:
        table.attrs["hotspots"] = {"simulation": sim}
        return table
    from hotspots.io.at_risk import read_at_risk

    reg = read_at_risk(table, child_id="child_id", assessed="assessment_date",
                       closed="closure_date", review="review_date", risk_level="risk_level",
                       category="category", home_x="home_x", home_y="home_y",
                       crs="EPSG:27700", key=SIM_KEY, today="2100-01-01")
    reg.attrs["hotspots"]["simulation"] = sim
    return reg
