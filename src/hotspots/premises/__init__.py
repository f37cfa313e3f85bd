"""Premises of concern: link incidents to premises, rank them with reasons, plan visits.

The licensing journey in four verbs, all pure computation on canonical frames (no files),
one module each:

- :func:`link_premises` (:mod:`~hotspots.premises.link`): each incident to the nearest
  premises within a distance, or to a premises named in a location text, with a documented
  confidence; unlinked incidents are counted by reason, never dropped.
- :func:`premises_rank` (:mod:`~hotspots.premises.rank`): one row per premises with counts,
  harm, recency, repeats, trend, hot-spot and cluster context, a documented score, a
  deterministic rank and a plain-English ``reasons`` text.
- :func:`visit_plan` (:mod:`~hotspots.premises.plan`): the top premises grouped into
  operations of nearby premises (no operation spans more than ``max_span`` metres), each
  routed by nearest neighbour then 2-opt, with the agencies to invite and the time window
  when the linked incidents happen.
- :func:`proximity_report` (:mod:`~hotspots.premises.proximity`): for each vulnerable
  location (children's homes, schools, pupil referral units), the incidents and hot cells
  around it and the nearest ranked premises.

Every public name is importable from here (``from hotspots.premises import visit_plan``).

The premises frame
------------------
A GeoDataFrame in the same projected CRS as the incidents (EPSG:27700 from the readers) with
at least ``premises_id`` (unique), ``name`` and ``geometry`` (Point, or an empty Point when
the location is unknown). :func:`hotspots.io.read_premises` and :func:`hotspots.io.read_fhrs`
also give ``premises_type``, ``premises_class`` (one of
:data:`hotspots.schema.PREMISES_CLASSES`), ``address``, ``postcode``, ``capacity``, ``kind``
and ``location_status``; these are used when present.

Caveat for open data: police.uk locations are anonymised snap points shared by many crimes,
so a link from police.uk data says "near this premises", not "at this premises".
:func:`premises_rank` warns when the incidents look like police.uk data.
"""

from __future__ import annotations

from hotspots import schema
from hotspots.premises._common import PREMISES_CLASS as PREMISES_CLASS
from hotspots.premises._common import PREMISES_ID as PREMISES_ID
from hotspots.premises.link import LINK_METHODS, UNLINKED_REASONS, link_premises
from hotspots.premises.plan import AGENCY_ORDER, VISIT_AGENCIES, VisitPlan, visit_plan
from hotspots.premises.proximity import proximity_report
from hotspots.premises.rank import CLUSTER_BOOST, HOT_CELL_BOOST, premises_rank

__all__ = [
    "AGENCY_ORDER",
    "CLUSTER_BOOST",
    "HOT_CELL_BOOST",
    "LINK_METHODS",
    "PREMISES_CLASS_NAMES",
    "UNLINKED_REASONS",
    "VISIT_AGENCIES",
    "VisitPlan",
    "link_premises",
    "premises_rank",
    "proximity_report",
    "visit_plan",
]

#: The premises classes, in display order: :data:`hotspots.schema.PREMISES_CLASSES` (the
#: same tuple; :data:`VISIT_AGENCIES` has a row for each).
PREMISES_CLASS_NAMES = schema.PREMISES_CLASSES
