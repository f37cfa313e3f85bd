"""Glue for the public writers: protect one area table as a release; guard a write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

import pandas as pd

from hotspots.errors import PublicModeError
from hotspots.privacy.release import Release
from hotspots.privacy.suppress import suppress

__all__ = ["audit_of", "guard_public_write", "protect_area_table"]


def protect_area_table(table: pd.DataFrame, k: int | str, *,
                       by: Sequence[str] | None = None) -> pd.DataFrame:
    """Protect one area table as a release of its own and refuse it if the audit fails.

    The table's ``by`` split and its totals are in the release (see
    :class:`~hotspots.privacy.Release`); tables published beside it must be passed to one
    :class:`~hotspots.privacy.Release` together instead. ``k="10-5"`` applies the ONS
    rounding rule with :func:`~hotspots.privacy.suppress` (rounding is its protection).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`hotspots.areas.area_counts`, unsuppressed.
    k : int or "10-5"
    by : sequence of str, optional

    Returns
    -------
    pandas.DataFrame
        The protected table; ``attrs["hotspots"]["suppression"]["audit"]`` holds the audit.

    Raises
    ------
    hotspots.errors.PublicModeError
        When no choice of suppressions protects the table, naming the cell and relation.

    Examples
    --------
    >>> from hotspots.privacy.publish import protect_area_table
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C"], "n": [3, 9, 40]})
    >>> protect_area_table(t, 5)["n_display"].tolist()
    ['<5', '[c]', '40']
    """
    share_cols = [c for c in ("share", "rate_per_1000") if c in table.columns]
    by_cols = list(by or [])
    if isinstance(k, str):
        # suppress checks the rule itself
        return suppress(table, rule=cast(Literal["threshold", "10-5"], k),
                        share_columns=share_cols, by=by_cols or None)
    # the unsplit table is usually published beside a split one: assume it known
    release = Release(k, unsplit_known=True).add(table, name="table", by=by_cols,
                                                 share_columns=share_cols)
    release.protect()
    assert release.audit_result is not None
    release.audit_result.raise_if_failed("This table")
    return release.tables["table"]


def audit_of(frame: Any) -> dict[str, Any] | None:
    """Return the release audit recorded on a protected table (None for other tables)."""
    attrs = getattr(frame, "attrs", None) or {}
    stamp = (attrs.get("hotspots") or {}).get("suppression") or {}
    audit = stamp.get("audit")
    return dict(audit) if isinstance(audit, dict) else None


def guard_public_write(frame: Any, what: str = "This table") -> dict[str, Any] | None:
    """Refuse to write a protected table whose release failed its audit.

    Returns the audit summary for the manifest (None when the table carries none).

    Raises
    ------
    hotspots.errors.PublicModeError
        Naming the failing cells.
    """
    audit = audit_of(frame)
    if audit is not None and not audit.get("passed", False):
        failures = audit.get("failures") or ["(no detail recorded)"]
        raise PublicModeError(
            f"{what} belongs to a release that fails the disclosure audit; it is not "
            f"written. A reader could work out:\n  - " + "\n  - ".join(failures[:5]))
    return audit
