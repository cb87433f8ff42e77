"""The extract stage's config: :class:`ExtractConfig` is the ``extract`` section of the pipeline YAML and
:class:`RelationsConfig` its ``extract.relations`` part, key for key::

    extract:
      enabled: true
      batch_size: 256
      n_process: 1            # worker processes (-1: every core)
      reviews: true           # also extract MENTIONS from review texts
      model: default          # default (shipped open extractor) | a span-model directory (with cfg.json)
      min_confidence: 0.5     # attribute values below this stay in artifacts/extraction.parquet only
      entities: true          # NER mentions in descriptions and reviews become MENTIONS edges
      relations:
        enabled: true         # relation triples become MADE_OF / COMPATIBLE_WITH / PART_OF / HAS_FEATURE
        min_confidence: 0.8   # a rule's measured precision must reach this (see extract/rule_precision.json)

It imports no spaCy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from kgmine.sections import Section


@dataclass
class RelationsConfig(Section):
    """Which relation triples go into the graph (all of them stay in ``artifacts/relations.parquet``)."""

    key: ClassVar[str] = "extract.relations"

    enabled: bool = True
    min_confidence: float = 0.8

    def check(self) -> None:
        self.within("min_confidence", 0.0, 1.0)


@dataclass
class ExtractConfig(Section):
    """The open extraction over product texts and reviews (:func:`kgmine.extract.catalog.extract_catalog`)."""

    key: ClassVar[str] = "extract"

    enabled: bool = True
    batch_size: int = 256
    n_process: int = 1
    reviews: bool = True
    model: str | None = "default"
    min_confidence: float = 0.5
    entities: bool = True
    relations: RelationsConfig = field(default_factory=RelationsConfig)

    def check(self) -> None:
        self.within("batch_size", 1)
        if self.n_process == 0 or self.n_process < -1:
            raise self.invalid("n_process", f"must be at least 1, or -1 for every core, not {self.n_process!r}")
        self.within("min_confidence", 0.0, 1.0)
        if self.model not in ("default", None):
            where = Path(self.model)
            if not where.is_dir():
                raise self.invalid("model", f"must be 'default' or a span-model directory; {self.model!r} is no directory")
            if not (where / "cfg.json").is_file():
                raise self.invalid("model", f"{self.model!r} is not a span-model directory (no cfg.json)")

    @property
    def span_model(self) -> str | None:
        """The span-model directory, or ``None`` for the shipped open extractor."""
        return None if self.model in ("default", None) else self.model
