"""Missing-episode analysis: per child, per place, over time, flows, and meeting offences.

- :func:`per_child`, :func:`repeat_flags`: episodes, repeat-missing runs, durations and
  distances for each child (pseudonyms only).
- :func:`per_place`: where children go missing from (children's homes, placements).
- :func:`episode_trend`, :func:`monthly_profile`, :func:`return_interviews`: financial
  years, the August-to-July profile and return-home interview completion.
- :func:`episode_flows`: gone-missing-from area to found area, suppressed for publication.
- :func:`found_colocation`, :func:`found_in_hot_cells`: found locations against offences.
- :func:`missing_signal`: missing children found near each premises, for
  :func:`hotspots.premises_rank`.

Found-location hot spots and clusters use the existing verbs on
``hotspots.episodes_as_incidents(episodes, location="found")``.
"""

from hotspots.episodes.children import per_child, repeat_flags
from hotspots.episodes.flows import episode_flows
from hotspots.episodes.meet import found_colocation, found_in_hot_cells
from hotspots.episodes.places import per_place
from hotspots.episodes.premises import missing_signal
from hotspots.episodes.trends import episode_trend, monthly_profile, return_interviews

__all__ = [
    "episode_flows",
    "episode_trend",
    "found_colocation",
    "found_in_hot_cells",
    "missing_signal",
    "monthly_profile",
    "per_child",
    "per_place",
    "repeat_flags",
    "return_interviews",
]
