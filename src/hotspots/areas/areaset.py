"""AreaSet: named levels of areas (lowest first), their outline, lookup, nesting and vintage.

All levels are kept in British National Grid (EPSG:27700). :meth:`AreaSet.locate` finds the
area holding each point through a cached label raster (:mod:`hotspots.areas._locate`);
:attr:`AreaSet.lookup` says which higher area each area of the lowest level lies in (given,
or by largest overlap), and :attr:`AreaSet.nesting` whether the levels nest.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots.areas._levels import check_level_name, prepare_level
from hotspots.areas._locate import _LabelRaster
from hotspots.areas._overlap import NEST_TOLERANCE, _nest_text, _Overlap
from hotspots.areas.fields import field_for, normalise_area_frame
from hotspots.crs import BNG
from hotspots.errors import Problem, ValidationError

__all__ = ["AreaSet"]


class AreaSet:
    """Named levels of areas (lowest first), their outline, lookup and vintage.

    Parameters
    ----------
    levels : dict of str to geopandas.GeoDataFrame
        The levels from the lowest to the highest, e.g. ``{"ward": wards, "constituency":
        constituencies}``. Each frame needs the columns ``area_id``, ``area_name`` and a
        polygon geometry with a CRS; other columns are kept (e.g. a population column).
    name : str
        Name of the boundary set, stamped on results (``"bradford-2013"``).
    vintage : str
        Boundary vintage, stamped on results (``"2013"``).
    lookup : pandas.DataFrame, optional
        The official lookup from the lowest level to higher levels: a column
        ``<lowest>_id`` and a column ``<higher>_id`` for one or more higher levels. Levels it
        does not cover are derived from the geometry by largest overlap.

    Attributes
    ----------
    name : str
    vintage : str
    level_names : list of str
        Lowest first.
    sources : dict of str to str
        Where each boundary file came from (set by
        :func:`hotspots.io.boundaries.load_boundaries`; empty otherwise).

    Raises
    ------
    hotspots.errors.ValidationError
        Missing columns, missing or duplicated area ids, empty or non-polygon geometries.
    hotspots.errors.CRSError
        A level frame without a CRS.

    Notes
    -----
    Every level is reprojected to EPSG:27700 and sorted by ``area_name`` (then ``area_id``)
    with a fresh RangeIndex. Invalid polygons are repaired with :func:`shapely.make_valid`
    and a :class:`~hotspots.errors.DataQualityWarning` names them. Two areas of one level
    with the same name get their id appended (``"Regent's Park (E05000140)"``) so names
    stay unique. The district ``outline`` is the union of the lowest level.

    Examples
    --------
    >>> from hotspots.areas import AreaSet
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"area_id": ["W1", "W2"], "area_name": ["A", "B"]},
    ...                          geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
    ...                          crs="EPSG:27700")
    >>> areas = AreaSet({"ward": wards}, name="toy", vintage="2024")
    >>> areas.level_names
    ['ward']
    """

    def __init__(self, levels: Mapping[str, gpd.GeoDataFrame], *, name: str, vintage: str,
                 lookup: pd.DataFrame | None = None) -> None:
        if not isinstance(levels, Mapping) or len(levels) == 0:
            raise ValueError(
                "The 'levels' parameter of AreaSet must be a non-empty dict of level name to "
                f"GeoDataFrame, lowest level first. Got {type(levels).__name__} instead."
            )
        self.name = str(name)
        self.vintage = str(vintage)
        self.sources: dict[str, str] = {}
        self._levels: dict[str, gpd.GeoDataFrame] = {}
        for level, frame in levels.items():
            check_level_name(level)
            self._levels[level] = prepare_level(frame, level)
        self._given_lookup = None if lookup is None else pd.DataFrame(lookup).copy()
        self._outline: shapely.Geometry | None = None
        self._lookup: pd.DataFrame | None = None
        self._overlaps: dict[tuple[str, str], _Overlap] = {}
        self._rasters: dict[str, _LabelRaster] = {}
        # values derived from the levels (which never change: every accessor hands out
        # copies), made once per AreaSet: grid cache keys, label arrays (see _memoised)
        self._memo: dict[Any, Any] = {}
        if self._given_lookup is not None:
            self._check_given_lookup()

    # --- constructors -----------------------------------------------------------------------
    @classmethod
    def from_frames(cls, *, name: str = "user boundaries", vintage: str = "unknown",
                    id_fields: str | Mapping[str, str] | None = None,
                    name_fields: str | Mapping[str, str] | None = None,
                    lookup: pd.DataFrame | None = None,
                    **frames: gpd.GeoDataFrame) -> AreaSet:
        """Build an AreaSet from GeoDataFrames with any id and name columns.

        Parameters
        ----------
        name, vintage : str
            Stamped on results.
        id_fields, name_fields : str or dict of str to str, optional
            The code and name column of each level (one name for all levels, or a dict by
            level). When not given, ``area_id``/``area_name`` are used if present, else an ONS
            code column such as ``WD13CD``/``LSOA11CD`` and its ``..NM`` partner.
        lookup : pandas.DataFrame, optional
            See :class:`AreaSet`.
        **frames : geopandas.GeoDataFrame
            One keyword per level, lowest first: ``ward=wards, constituency=pcons``.

        Returns
        -------
        AreaSet

        Raises
        ------
        hotspots.errors.ValidationError
            When an id or name column cannot be found (the message lists the columns).

        Examples
        --------
        >>> from hotspots.areas import AreaSet
        >>> from shapely import box
        >>> wards = gpd.GeoDataFrame({"WD13CD": ["E2", "E1"], "WD13NM": ["Town", "Moor"]},
        ...                          geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=27700)
        >>> AreaSet.from_frames(ward=wards, vintage="2013")["ward"][["area_id", "area_name"]]
          area_id area_name
        0      E1      Moor
        1      E2      Town
        """
        if not frames:
            raise ValueError("AreaSet.from_frames needs at least one level, e.g. ward=frame.")
        levels = {}
        for level, frame in frames.items():
            id_field = field_for(id_fields, level)
            name_field = field_for(name_fields, level)
            levels[level] = normalise_area_frame(frame, id_field=id_field,
                                                 name_field=name_field, what=f"level '{level}'")
        return cls(levels, name=name, vintage=vintage, lookup=lookup)

    @classmethod
    def from_files(cls, *, name: str = "user boundaries", vintage: str = "unknown",
                   id_fields: str | Mapping[str, str] | None = None,
                   name_fields: str | Mapping[str, str] | None = None,
                   lookup: pd.DataFrame | None = None, **paths: Any) -> AreaSet:
        """Build an AreaSet from files: deprecated, use :func:`hotspots.io.read_boundaries`.

        Kept for one release; it warns with a :class:`FutureWarning` and returns what
        ``read_boundaries(name=..., vintage=..., ward=..., constituency=...)`` returns.

        Returns
        -------
        AreaSet

        Examples
        --------
        >>> from hotspots.areas import AreaSet
        >>> import warnings
        >>> from hotspots.io import read_boundaries
        >>> read_boundaries.__name__  # the replacement
        'read_boundaries'
        """
        # The one import of io from areas, kept only for this deprecated shim (one release):
        # files are read by the io layer, which sits above areas. Remove with the shim.
        from hotspots.io.boundaries import read_boundaries

        warnings.warn("AreaSet.from_files is deprecated in 0.2.0: use "
                      "hotspots.read_boundaries(ward=..., constituency=..., vintage=...), "
                      "which takes the same arguments; AreaSet.from_files will be removed "
                      "in the next release", FutureWarning, stacklevel=2)
        return read_boundaries(name=name, vintage=vintage, id_fields=id_fields,
                               name_fields=name_fields, lookup=lookup, **paths)

    # --- access -----------------------------------------------------------------------------
    @property
    def level_names(self) -> list[str]:
        """Names of the levels, lowest first."""
        return list(self._levels)

    @property
    def levels(self) -> dict[str, gpd.GeoDataFrame]:
        """The level frames (copies), lowest first."""
        return {level: frame.copy() for level, frame in self._levels.items()}

    def __getitem__(self, level: str) -> gpd.GeoDataFrame:
        """Return the frame of one level (a copy): ``area_id, area_name, ..., geometry``."""
        return self._frame(level).copy()

    def __contains__(self, level: object) -> bool:
        return level in self._levels

    def __len__(self) -> int:
        return len(self._levels)

    def _frame(self, level: str) -> gpd.GeoDataFrame:
        if level not in self._levels:
            raise KeyError(
                f"{level!r} is not a level of the boundary set {self.name!r}; its levels are "
                f"{', '.join(repr(lv) for lv in self._levels)}."
            )
        return self._levels[level]

    @property
    def outline(self) -> shapely.Geometry:
        """The district: the union of the lowest level's areas (EPSG:27700)."""
        if self._outline is None:
            lowest = self._levels[self.level_names[0]]
            self._outline = shapely.make_valid(shapely.union_all(lowest.geometry.values))
        return self._outline

    @property
    def outline_frame(self) -> gpd.GeoDataFrame:
        """The outline as a one-row GeoDataFrame: ``name, vintage, area_km2, geometry``."""
        return gpd.GeoDataFrame(
            {"name": [self.name], "vintage": [self.vintage],
             "area_km2": [shapely.area(self.outline) / 1e6]},
            geometry=[self.outline], crs=BNG,
        )

    @property
    def crs(self) -> str:
        """Always ``"EPSG:27700"``."""
        return BNG

    # --- lookup and nesting -----------------------------------------------------------------
    def _overlap(self, lower: str, higher: str) -> _Overlap:
        key = (lower, higher)
        if key not in self._overlaps:
            self._overlaps[key] = _Overlap.compute(self._frame(lower), self._frame(higher))
        return self._overlaps[key]

    @property
    def lookup(self) -> pd.DataFrame:
        """Lookup from the lowest level to every higher level.

        Returns
        -------
        pandas.DataFrame
            One row per area of the lowest level (in its order), columns
            ``<lowest>_id, <lowest>``, then for each higher level ``<level>_id, <level>,
            <level>_overlap``: the area holding the largest part of the lower area (or the
            one given in the ``lookup`` argument), and the share of the lower area's area
            that lies in it (0 to 1). Lower areas that touch no higher area get ``<NA>``.

        Examples
        --------
        >>> from hotspots.areas import AreaSet
        >>> from hotspots.io import load_boundaries
        >>> areas = load_boundaries("bradford-2013")
        >>> areas.lookup.loc[areas.lookup["ward"] == "City", ["ward", "constituency"]]
           ward   constituency
        6  City  Bradford West
        """
        if self._lookup is None:
            self._lookup = self._build_lookup()
        return self._lookup.copy()

    def _build_lookup(self) -> pd.DataFrame:
        lowest = self.level_names[0]
        low = self._levels[lowest]
        out = pd.DataFrame({
            schema.area_id_column(lowest): pd.array(low[schema.AREA_ID], dtype="string"),
            schema.area_name_column(lowest): pd.array(low[schema.AREA_NAME], dtype="string"),
        })
        given = self._given_lookup
        for higher in self.level_names[1:]:
            high = self._levels[higher]
            ov = self._overlap(lowest, higher)
            hid = schema.area_id_column(higher)
            if given is not None and hid in given.columns:
                mapping = dict(zip(given[schema.area_id_column(lowest)].astype(str),
                                   given[hid], strict=True))
                pos_of = {a: i for i, a in enumerate(high[schema.AREA_ID])}
                best = np.array([pos_of.get(str(mapping.get(a)), -1)
                                 for a in low[schema.AREA_ID]], dtype=np.int64)
                share = ov.share_in(best)
            else:
                best, share = ov.best, ov.best_share
            has = best >= 0
            ids = np.where(has, high[schema.AREA_ID].to_numpy(dtype=object)[best.clip(0)], None)
            names = np.where(has, high[schema.AREA_NAME].to_numpy(dtype=object)[best.clip(0)],
                             None)
            out[hid] = pd.array(ids, dtype="string")
            out[schema.area_name_column(higher)] = pd.array(names, dtype="string")
            out[f"{higher}_overlap"] = np.where(has, share, 0.0)
        return out

    @property
    def nesting(self) -> pd.DataFrame:
        """How each level sits in the next one up.

        Returns
        -------
        pandas.DataFrame
            One row per pair of consecutive levels: ``lower, higher, n_lower,
            n_not_within`` (lower areas with less than 95 % of their area in one higher area:
            split between several, or outside all),
            ``min_share`` (the smallest such largest share), ``n_beyond`` (higher areas
            less than 95 % covered by the lower areas assigned to them, i.e. reaching
            beyond the lower level), ``min_coverage``, and ``nests`` (no split and nothing
            beyond).

        Examples
        --------
        >>> from hotspots.areas import AreaSet
        >>> from hotspots.io import load_boundaries
        >>> areas = load_boundaries("bradford-2013")
        >>> areas.nesting[["lower", "higher", "n_not_within", "nests"]]
          lower        higher  n_not_within  nests
        0  ward  constituency             0   True
        """
        rows = []
        names = self.level_names
        for lower, higher in itertools.pairwise(names):
            ov = self._overlap(lower, higher)
            split = ov.best_share < 1 - NEST_TOLERANCE
            beyond = ov.coverage < 1 - NEST_TOLERANCE
            rows.append({
                "lower": lower, "higher": higher, "n_lower": len(ov.best),
                "n_not_within": int(split.sum()),
                "min_share": float(ov.best_share.min()) if len(ov.best) else 1.0,
                "n_beyond": int(beyond.sum()),
                "min_coverage": float(ov.coverage.min()) if len(ov.coverage) else 1.0,
                "nests": bool(not split.any() and not beyond.any()),
            })
        return pd.DataFrame(rows, columns=["lower", "higher", "n_lower", "n_not_within",
                                           "min_share", "n_beyond", "min_coverage", "nests"])

    @property
    def nests(self) -> bool:
        """Whether every level nests in the next one up (see :attr:`nesting`)."""
        return bool(self.nesting["nests"].all())

    # --- assignment -------------------------------------------------------------------------
    def locate(self, x: Any, y: Any, *, level: str) -> np.ndarray:
        """Positions in ``self[level]`` of the areas holding the points ``(x, y)``.

        Parameters
        ----------
        x, y : array-like of float
            Eastings and northings in EPSG:27700.
        level : str
            The level to look up.

        Returns
        -------
        numpy.ndarray of int32
            Row position of the area in ``self[level]``, or ``-1`` when the point lies in no
            area or has a NaN coordinate. Points on shared edges follow the edge rule (module
            documentation).

        Notes
        -----
        The first call per level with more than 65,536 points builds and caches a label
        raster (about 0.1-0.2 s); later calls cost a few array operations per point plus an
        exact test for points near a boundary. Smaller calls before that test every point
        exactly (about 0.5 us a point over 30 wards), which costs less than the raster.

        Examples
        --------
        >>> from hotspots.areas import AreaSet
        >>> from shapely import box
        >>> wards = gpd.GeoDataFrame({"area_id": ["W1", "W2"], "area_name": ["A", "B"]},
        ...                          geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        ...                          crs="EPSG:27700")
        >>> areas = AreaSet({"ward": wards}, name="toy", vintage="2024")
        >>> areas.locate([5.0, 10.0, 15.0, 50.0], [5.0, 5.0, 5.0, 5.0], level="ward").tolist()
        [0, 0, 1, -1]
        """
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("x and y must be one-dimensional arrays of the same length.")
        return self._raster(level).locate(x, y)

    def _memoised(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per AreaSet and ``key``.

        Only for values that depend on nothing but the levels, which an AreaSet never
        changes after it is built (its accessors hand out copies).
        """
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def _raster(self, level: str) -> _LabelRaster:
        if level not in self._rasters:
            frame = self._frame(level)
            # the raster itself is built by the first lookup of many points
            self._rasters[level] = _LabelRaster.build(frame.geometry.values,
                                                      frame[schema.AREA_ID].tolist(),
                                                      raster=False)
        return self._rasters[level]

    # --- display ----------------------------------------------------------------------------
    def _summary_rows(self) -> list[tuple[str, int, float]]:
        return [(lv, len(f), float(shapely.area(f.geometry.values).sum() / 1e6))
                for lv, f in self._levels.items()]

    def __repr__(self) -> str:
        lines = [f"AreaSet {self.name!r} (vintage {self.vintage}, {BNG})"]
        for level, n, km2 in self._summary_rows():
            lines.append(f"  {level:<14} {n:>5} areas  {km2:>9.1f} km2")
        lines.append(f"  outline        {shapely.area(self.outline) / 1e6:>21.1f} km2")
        lines += [f"  {_nest_text(row)}" for row in self.nesting.itertuples()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{escape(lv)}</td><td style='text-align:right'>{n}</td>"
            f"<td style='text-align:right'>{km2:.1f}</td></tr>"
            for lv, n, km2 in self._summary_rows()
        )
        nest = "".join(f"<li>{escape(_nest_text(r))}</li>" for r in self.nesting.itertuples())
        return (
            f"<div><strong>AreaSet {escape(self.name)}</strong> (vintage "
            f"{escape(self.vintage)}, {BNG})<table><thead><tr><th>level</th><th>areas</th>"
            f"<th>km&sup2;</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<ul>{nest}</ul></div>"
        )

    # --- checks -----------------------------------------------------------------------------
    def _check_given_lookup(self) -> None:
        given = self._given_lookup
        assert given is not None
        lowest = self.level_names[0]
        low_col = schema.area_id_column(lowest)
        problems = []
        if low_col not in given.columns:
            problems.append(Problem("missing_column", f"The lookup needs a column {low_col!r}; "
                                    f"columns found: {', '.join(map(str, given.columns))}.",
                                    column=low_col))
        else:
            ids = given[low_col].astype(str)
            low_ids = set(self._levels[lowest][schema.AREA_ID])
            if ids.duplicated().any():
                dup = sorted(set(ids[ids.duplicated()]))
                problems.append(Problem("duplicate_id", f"The lookup lists {len(dup)} "
                                        f"{lowest} ids more than once: {', '.join(dup[:5])}.",
                                        column=low_col))
            missing = sorted(low_ids - set(ids))
            if missing:
                problems.append(Problem("missing_id", f"The lookup misses {len(missing)} "
                                        f"{lowest} ids: {', '.join(missing[:5])}.",
                                        column=low_col))
        for higher in self.level_names[1:]:
            col = schema.area_id_column(higher)
            if col in given.columns:
                unknown = sorted(set(given[col].dropna().astype(str))
                                 - set(self._levels[higher][schema.AREA_ID]))
                if unknown:
                    problems.append(Problem("unknown_id", f"The lookup names {len(unknown)} "
                                            f"{higher} ids that are not in the boundaries: "
                                            f"{', '.join(unknown[:5])}.", column=col))
        if problems:
            raise ValidationError(problems, context="lookup")
