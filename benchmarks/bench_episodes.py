"""Per-child and per-place missing-episode metrics: hotspots against a plain pandas groupby.

Usage: ``python benchmarks/bench_episodes.py [--quick]``.

Data: :func:`hotspots.simulate_episodes` on Bradford with 100,000 episodes of 10,000
children over three financial years (``--quick``: 10,000 of 1,000), read through
``read_missing_episodes`` as real data would be (not timed). Timed: ``repeat_flags``
(3 in 90 days), ``per_child`` and ``per_place`` (all their metrics), best of 3. The peer is
what an analyst would write in pandas: ``groupby("child").agg`` for counts and durations
and a per-child time-based ``rolling("90D")`` count for the repeat flag; the table says
whether the two give the same numbers. Target: all hotspots metrics under 2 s on 2 cores.
"""

from __future__ import annotations

import argparse
import warnings

import _common

_common.use_source_tree()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _pandas_per_child(eps: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame({"child": eps["child"].astype(str), "start": eps["start"],
                       "hours": eps["duration_hours"]}).dropna(subset=["child"])
    agg = df.groupby("child").agg(episodes=("start", "size"), total_hours=("hours", "sum"),
                                  longest_hours=("hours", "max"))
    # a run of 3 within 90 days: some episode has 2 more in the 90 days before it
    s = df.sort_values(["child", "start"]).set_index("start")
    last3 = s.groupby("child").apply(
        lambda g: bool((g.index[2:] - g.index[:-2] <= pd.Timedelta(days=90)).any())
        if len(g) >= 3 else False, include_groups=False)
    agg["repeat"] = last3
    return agg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_eps, n_children = (10_000, 1_000) if args.quick else (100_000, 10_000)
    from hotspots import load_boundaries, simulate_episodes
    from hotspots.episodes import per_child, per_place, repeat_flags

    areas = load_boundaries("bradford-2013", data_dir=_common.data_dir(), download=False)
    third = n_eps // 3
    counts = {"2016/17": third, "2017/18": third, "2018/19": n_eps - 2 * third}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eps = simulate_episodes(areas, fy_counts=counts, n_children=n_children,
                                home_children=20, child_shape=4.0, seed=1)
    t_flags, flags = _common.best_of(lambda: repeat_flags(eps), 3)
    t_child, ours = _common.best_of(lambda: per_child(eps), 3)
    t_place, places = _common.best_of(lambda: per_place(eps), 3)
    t_peer, peer = _common.best_of(lambda: _pandas_per_child(eps), 1)
    mine = ours.set_index("child")
    peer = peer.reindex(mine.index.astype(str))
    same = (np.array_equal(mine["episodes"].to_numpy(), peer["episodes"].to_numpy())
            and np.allclose(mine["total_hours"].to_numpy(), peer["total_hours"].to_numpy(),
                            equal_nan=True)
            and np.allclose(mine["longest_hours"].to_numpy(),
                            peer["longest_hours"].to_numpy(), equal_nan=True)
            and np.array_equal(mine["repeat"].to_numpy(), peer["repeat"].to_numpy(bool)))
    total = t_flags + t_child + t_place
    print(f"{len(eps):,} episodes of {eps['child'].nunique():,} children; "
          f"{len(places):,} places")
    print(f"{'step':<34}{'hotspots (s)':>14}{'pandas (s)':>12}")
    print(f"{'repeat_flags (3 in 90 days)':<34}{t_flags:>14.3f}{'':>12}")
    print(f"{'per_child (all metrics)':<34}{t_child:>14.3f}{t_peer:>12.3f}")
    print(f"{'per_place (all metrics)':<34}{t_place:>14.3f}{'':>12}")
    print(f"{'total':<34}{total:>14.3f}")
    print(f"same per-child counts, durations and repeat flags as pandas: {same}")
    print(f"under 2 s: {total < 2.0}; repeat children: {int(mine['repeat'].sum()):,}; "
          f"flagged episodes: {int(flags.sum()):,}; peak memory {_common.peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
