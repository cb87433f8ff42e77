"""Pipeline configuration: one typed config per stage, YAML loading, validation with clear errors.

A pipeline config is a nested mapping (see ``pipelines/demo.yaml``) whose sections map one-to-one onto
the stages' config dataclasses, each next to its stage and holding its defaults:

=====================  ===================================================
section                dataclass
=====================  ===================================================
``name``, ``seed``     :class:`PipelineConfig` (this module; holds the sections)
``data``               :class:`kgmine.io.config.DataConfig`
``store``              :class:`kgmine.graph.stores.config.StoreConfig`
``extract``            :class:`kgmine.extract.config.ExtractConfig`
``extract.relations``  :class:`kgmine.extract.config.RelationsConfig`
``mine.rules``         :class:`kgmine.mine.config.RulesConfig`
``mine.clusters``      :class:`kgmine.mine.config.ClustersConfig`
``mine.analytics``     :class:`kgmine.mine.config.AnalyticsConfig`
``recommend``          :class:`kgmine.recommend.config.RecommendConfig`
``report``             :class:`kgmine.report.config.ReportConfig`
=====================  ===================================================

:func:`load_config` merges a YAML file over :data:`DEFAULTS` (``PipelineConfig().to_dict()``) and
validates every section (types and allowed values) before anything runs; unknown keys and bad values
raise :class:`ConfigError` naming the file and the dotted key, so a typo never silently falls back to a
default. Keys under ``data.options`` are free-form (they go to the reader).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kgmine.extract.config import ExtractConfig
from kgmine.graph.stores.config import StoreConfig
from kgmine.io.config import DataConfig
from kgmine.mine.config import MineConfig
from kgmine.recommend.config import RecommendConfig
from kgmine.report.config import ReportConfig
from kgmine.sections import ConfigError, Section

__all__ = ["DEFAULTS", "ConfigError", "PipelineConfig", "load_config", "merge_config", "pipeline_config"]


#: where the stages that scale run: in this process, or on Spark (the ``spark`` extra; see kgmine.spark)
ENGINES = ("local", "spark")


@dataclass
class PipelineConfig(Section):
    """A whole pipeline config: the run's name and seed, the engine (``local`` or ``spark``: product
    extraction and itemset mining on the SparkSession of ``spark_master``, default
    ``$KGMINE_SPARK_MASTER`` or ``local[*]``), and one section per stage."""

    name: str = "demo"
    seed: int = 0
    engine: str = "local"
    spark_master: str | None = None
    data: DataConfig = field(default_factory=DataConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    mine: MineConfig = field(default_factory=MineConfig)
    recommend: RecommendConfig = field(default_factory=RecommendConfig)
    report: ReportConfig = field(default_factory=ReportConfig)

    def check(self) -> None:
        self.one_of("engine", ENGINES)


DEFAULTS: dict[str, Any] = PipelineConfig().to_dict()
"""Every key of a pipeline config with its default, generated from the stages' dataclasses."""


def _with_data_sources(cfg: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """``data: [source, ...]`` (a list of catalogs) as ``data: {kind: merge, sources: [...]}``."""
    if isinstance(cfg, Mapping) and isinstance(cfg.get("data"), list):
        return {**cfg, "data": {"kind": "merge", "sources": cfg["data"]}}
    return cfg


def merge_config(overrides: Mapping[str, Any] | None, source: str = "config") -> dict[str, Any]:
    """``overrides`` merged over :data:`DEFAULTS` and validated, as a plain mapping; unknown keys and bad
    values raise :class:`ConfigError` naming ``source`` and the dotted key.

    Keys under ``data.options`` are free-form (they go to the reader).
    """
    return PipelineConfig.from_dict(_with_data_sources(overrides), source=source).to_dict()


def pipeline_config(cfg: PipelineConfig | Mapping[str, Any], source: str = "config") -> PipelineConfig:
    """``cfg`` as a validated :class:`PipelineConfig` (a mapping is merged over the defaults; a
    :class:`PipelineConfig` is checked again, in case a field was set after it was built)."""
    return PipelineConfig.from_dict(cfg.to_dict() if isinstance(cfg, PipelineConfig) else _with_data_sources(cfg),
                                    source=source)


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a pipeline YAML file and merge it over the defaults."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such pipeline file")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    return merge_config(raw, source=str(path))
