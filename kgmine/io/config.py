"""The read stage's config: :class:`DataConfig` is the ``data`` section of the pipeline YAML, key for key::

    data:
      kind: demo            # a reader of kgmine.io.READERS: demo | amazon | tabular | movielens | lightgcn | recbole
      n_products: 2000      # demo world size
      n_users: 1000
      options: {}           # passed to the reader (paths, column mapping, ...), free-form
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from kgmine.io import READERS
from kgmine.sections import Section


@dataclass
class DataConfig(Section):
    """Which data the run reads: a reader kind and its options, or the size of the synthetic demo world."""

    key: ClassVar[str] = "data"

    kind: str = "demo"
    n_products: int = 2000
    n_users: int = 1000
    options: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        self.one_of("kind", sorted(READERS))
        self.within("n_products", 1)
        self.within("n_users", 1)
