"""The report stage's config: :class:`ReportConfig` is the ``report`` section of the pipeline YAML::

    report:
      enabled: true           # write RUN_DIR/report.html (kgmine.report.html.render_report)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kgmine.sections import Section


@dataclass
class ReportConfig(Section):
    """Whether the run ends with its HTML report."""

    key: ClassVar[str] = "report"

    enabled: bool = True
