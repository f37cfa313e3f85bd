"""The area committee pack: printable, accessible reports that are safe to publish.

:func:`committee_report` builds one report per constituency and a district summary from
incidents and two-level boundaries, with every published number in one audited
:class:`hotspots.privacy.Release`; :func:`write_pack` writes the HTML, PDF, pictures,
workbook and manifest, and writes nothing when the audit fails.
"""

from hotspots.report.build import CommitteePack, Section, committee_report
from hotspots.report.pack import write_pack

__all__ = ["CommitteePack", "Section", "committee_report", "write_pack"]
