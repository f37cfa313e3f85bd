"""The linear model of a release: every number a reader holds and how the numbers add up.

A *cell* is one count that a published table shows or hides (or a total the reader is
assumed to know). A *relation* is a linear equation between cells that holds for the true
counts and that a reader can write down from the published tables: a table's cells add up
to its total, a ``by`` split adds up to the unsplit count, the wards of a constituency add
up to it. :mod:`hotspots.privacy.release` builds the model; :mod:`hotspots.privacy.audit`
attacks it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hotspots.errors import Problem, ValidationError

#: cell status: shown, hidden as "<k" (primary), hidden as "[c]" (secondary)
SHOWN, PRIMARY, SECONDARY = 0, 1, 2


@dataclass
class Relation:
    """``sum(coef * x[cells]) == const`` for the true counts; ``name`` says where it comes from."""

    name: str
    cells: np.ndarray
    coefs: np.ndarray
    const: float = 0.0


@dataclass
class Model:
    """Cells (true values, status, labels) and the relations between them."""

    keys: list[Hashable] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    values: list[int] = field(default_factory=list)
    known: list[bool] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    approximate: list[str] = field(default_factory=list)
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    _index: dict[Hashable, int] = field(default_factory=dict)

    def cell(self, key: Hashable, value: int, label: str, *, known: bool = False) -> int:
        """Add a cell (or find it: the same count in two tables is one cell) and its index.

        ``known`` marks a total the reader is assumed to know (never hidden). A cell met
        twice must carry the same count, else the tables were not made from the same data.
        """
        i = self._index.get(key)
        if i is None:
            i = len(self.keys)
            self._index[key] = i
            self.keys.append(key)
            self.labels.append(label)
            self.values.append(int(value))
            self.known.append(bool(known))
            return i
        if self.values[i] != int(value):
            raise ValidationError(Problem(
                "inconsistent_release", f"The tables of this release disagree: {label} is "
                f"{int(value)} in one table and {self.values[i]} in another (or in the "
                "totals). Make every table of a release from the same incidents.",
            ))
        if not known and self.known[i]:
            # a table publishes a cell first assumed known: it becomes an ordinary cell
            self.known[i] = False
            self.labels[i] = label
        return i

    def find(self, key: Hashable) -> int | None:
        """Index of the cell ``key`` (None when absent)."""
        return self._index.get(key)

    def relate(self, name: str, cells: Sequence[int], coefs: Sequence[float]) -> None:
        """Add the relation ``sum(coefs * cells) == const``, ``const`` taken from the truth.

        Taking the constant from the true counts (zero when the tables add up exactly, the
        difference otherwise, e.g. incidents in slivers where levels do not quite nest)
        assumes the reader knows it: the safe side.
        """
        idx = np.asarray(cells, dtype=np.int64)
        coef = np.asarray(coefs, dtype=float)
        if len(idx) < 2:
            return
        const = float(coef @ np.asarray(self.values, dtype=float)[idx])
        self.relations.append(Relation(name, idx, coef, const))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Values and known flags as arrays (status is kept as an array already)."""
        return np.asarray(self.values, dtype=np.int64), np.asarray(self.known, dtype=bool)

    def reset_status(self) -> None:
        """Make the status array as long as the cells (all shown)."""
        self.status = np.zeros(len(self.keys), dtype=np.int8)
