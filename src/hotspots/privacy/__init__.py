"""Statistical disclosure control: suppress, protect releases, audit them as an attacker would.

- :func:`suppress` protects ONE table (primary and per-line secondary suppression).
- :class:`Release` / :func:`protect` protect every table published together (wards and
  constituencies, several periods, ``by`` splits, a period comparison, the totals) with one
  consistent set of secondary suppressions.
- :func:`audit` computes, by linear programming, the interval of values a reader holding
  every published number can deduce for each hidden cell.
- :func:`check_public` refuses a table that shows counts below ``k``, whatever it is
  stamped with.
"""

from hotspots.privacy.audit import AuditResult, ProtectionRule, audit
from hotspots.privacy.check import check_public
from hotspots.privacy.release import Release, protect
from hotspots.privacy.suppress import SUPPRESSED, display_column, labelled, suppress

__all__ = [
    "SUPPRESSED",
    "AuditResult",
    "ProtectionRule",
    "Release",
    "audit",
    "check_public",
    "display_column",
    "labelled",
    "protect",
    "suppress",
]
