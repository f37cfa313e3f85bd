"""The trend chart of a committee report: monthly counts, suppressed months marked."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

__all__ = ["trend_figure"]

# ColorBrewer RdBu ends: colour-blind safe, and far apart in lightness, so the two periods
# stay distinct when the paper is printed in greyscale.
BEFORE_COLOR = "#2166ac"
AFTER_COLOR = "#f4a582"


def trend_figure(months: list[str], values: list[Any], periods: list[str], *, title: str,
                 noun: str = "offences", unit: str = "month") -> Any:
    """Bar chart of monthly counts; hidden months ("<5", "[c]") are marked, not drawn.

    Parameters
    ----------
    months : list of str
        Month labels in time order ("Apr 2017").
    values : list of int or str
        Counts, or the suppression marker of a hidden month.
    periods : list of str
        The period label of each month (two distinct labels: before, after).
    title : str
        Chart title.
    noun : str
        What is counted, for the axis label.
    unit : str, default "month"
        What one bar covers ("month", "quarter").

    Returns
    -------
    matplotlib.figure.Figure
        With ``_hotspots_alt``, a text alternative listing the period totals shown.

    Examples
    --------
    >>> fig = trend_figure(["Apr 2018", "May 2018"], [12, "<5"], ["2018/19"] * 2,
    ...                    title="Monthly offences")
    >>> fig._hotspots_alt
    'Bar chart of offences per month, Apr 2018 to May 2018. 1 month suppressed.'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=(7.0, 3.0), dpi=150, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = np.arange(len(months))
    order = list(dict.fromkeys(periods))
    colors = [BEFORE_COLOR if p == order[0] else AFTER_COLOR for p in periods]
    hidden = [isinstance(v, str) for v in values]
    heights = [0 if h else int(v) for v, h in zip(values, hidden, strict=True)]
    ax.bar(x, heights, color=colors, edgecolor="#333333", linewidth=0.4)
    top = max(heights) if heights and max(heights) > 0 else 1
    for i, (v, h) in enumerate(zip(values, hidden, strict=True)):
        if h:
            ax.text(i, top * 0.02, str(v), ha="center", va="bottom", fontsize=6.5,
                    rotation=90, color="#333333")
    ax.set_xticks(x[::2] if len(x) > 12 else x)
    ax.set_xticklabels(months[::2] if len(x) > 12 else months, rotation=60, ha="right",
                       fontsize=7)
    ax.set_ylabel(f"{noun.capitalize()} per {unit}", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, fontsize=10, loc="left")
    handles = [Patch(facecolor=BEFORE_COLOR if i == 0 else AFTER_COLOR, edgecolor="#333333",
                     label=p) for i, p in enumerate(order)]
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper right")
    n_hidden = sum(hidden)
    alt = (f"Bar chart of {noun} per {unit}, {months[0]} to {months[-1]}."
           if months else f"Bar chart of {noun} per {unit} (none).")
    for p in order:
        shown = [v for v, q, h in zip(values, periods, hidden, strict=True) if q == p and not h]
        if shown and not any(h for q, h in zip(periods, hidden, strict=True) if q == p):
            alt += (f" {p}: {sum(shown):,} in total, {min(shown):,} to {max(shown):,} a "
                    f"{unit}.")
    if n_hidden:
        alt += f" {n_hidden} {unit}{'s' if n_hidden > 1 else ''} suppressed."
    cast(Any, fig)._hotspots_alt = alt  # a text alternative carried by the figure
    return fig
