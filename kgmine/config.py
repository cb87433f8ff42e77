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
default. Keys under ``data.options`` are the keyword arguments of the ``data.kind`` reader
(:data:`kgmine.io.READERS`): each is checked against the reader's signature (:func:`check_reader_options`),
so ``data.options.catalogue`` fails naming the key and the accepted names, before any stage runs.

Relative paths in a YAML file are relative to **the YAML file's folder**, not the current directory
(:func:`load_config`): ``store.path``, ``extract.model`` (a span-model directory) and every path option of
the reader under ``data.options`` (the parameters typed as a path: ``catalog``, ``interactions``,
``reviews_path``, ``meta_path``, ``path``). Configs built in Python (:func:`merge_config`) keep paths as given.
"""
from __future__ import annotations

import inspect
import os
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

__all__ = ["DEFAULTS", "ConfigError", "PipelineConfig", "check_reader_options", "load_config", "merge_config",
           "pipeline_config", "resolve_paths"]


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
        if self.data.kind == "merge":  # each source's options go to its own reader
            for i, src in enumerate(self.data.sources):
                try:
                    check_reader_options(src.kind, src.options)
                except ConfigError as exc:
                    raise ConfigError(f"data.sources[{i}] ({src.source}): {exc}") from None
        else:
            check_reader_options(self.data.kind, self.data.options)


def _reader_parameters(kind: str) -> dict[str, inspect.Parameter]:
    """The keyword parameters of the ``kind`` reader (``**kwargs`` excluded)."""
    from kgmine.io import READERS

    params = inspect.signature(READERS[kind]).parameters
    return {name: p for name, p in params.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _is_path_parameter(param: inspect.Parameter) -> bool:
    """Whether a reader parameter takes a file or folder (its annotation names ``os.PathLike``)."""
    return "PathLike" in str(param.annotation)


_OPTION_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "bool": (bool,), "int": (int,), "float": (int, float)}


def _check_option_type(name: str, value: Any, param: inspect.Parameter) -> None:
    """``data.options.<name>`` must have the type the reader's annotation names (a path, a plain scalar, or
    ``None`` where the annotation allows it); other annotations are not checked."""
    hint = str(param.annotation).replace(" ", "")
    parts = set(hint.split("|"))
    if value is None:
        if "None" in parts or param.default is None:
            return
        raise ConfigError(f"data.options.{name}: must not be null")
    if _is_path_parameter(param):
        if not isinstance(value, (str, os.PathLike)):
            raise ConfigError(f"data.options.{name}: must be a file or folder path, not {value!r}")
        return
    kinds = [_OPTION_TYPES[p] for p in parts - {"None"} if p in _OPTION_TYPES]
    if kinds and len(kinds) == len(parts - {"None"}):
        allowed = tuple(t for k in kinds for t in k)
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            words = {"str": "a string", "bool": "true or false", "int": "an integer", "float": "a number"}
            wanted = " or ".join(words[p] for p in sorted(parts - {"None"}))
            raise ConfigError(f"data.options.{name}: must be {wanted}, not {value!r}")


def check_reader_options(kind: str, options: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` naming ``data.options.<key>`` for an option the ``kind`` reader does not
    take (with the accepted names), a required one that is missing, or a choice value it would refuse
    (``event``, ``unknown_products``, ``keep_meta``, the field names of a tabular ``mapping``)."""
    from kgmine.io.tables import EVENTS

    if kind == "demo":
        if options:
            raise ConfigError(f"data.options.{next(iter(options))}: data kind 'demo' takes no options "
                              "(its size is data.n_products / data.n_users)")
        return
    params = _reader_parameters(kind)
    accepted = sorted(params)
    for name in options:
        if name not in params:
            raise ConfigError(f"data.options.{name}: not an option of the {kind!r} reader; accepted: {accepted}")
    for name, param in params.items():
        if param.default is inspect.Parameter.empty and name not in options:
            raise ConfigError(f"data.options.{name}: required by the {kind!r} reader (accepted: {accepted})")
    for name, value in options.items():
        _check_option_type(name, value, params[name])
    choices: dict[str, tuple] = {"event": EVENTS}
    if kind == "tabular":
        from kgmine.io.tabular import CATALOG_FIELDS, INTERACTION_FIELDS, UNKNOWN_PRODUCTS

        choices["unknown_products"] = UNKNOWN_PRODUCTS
        if options.get("catalog") is None and options.get("interactions") is None:
            raise ConfigError("data.options: the 'tabular' reader needs data.options.catalog, "
                              "data.options.interactions or both")
        mapping = options.get("mapping") or {}
        if not isinstance(mapping, Mapping):
            raise ConfigError(f"data.options.mapping: must be a mapping of kgmine field -> your column, "
                              f"not {mapping!r}")
        fields_ = list(dict.fromkeys(CATALOG_FIELDS + INTERACTION_FIELDS))
        for name in mapping:
            if name not in fields_:
                raise ConfigError(f"data.options.mapping.{name}: not a kgmine field; known: {fields_}")
    if kind == "amazon":
        from kgmine.io.amazon import KEEP_META

        choices["keep_meta"] = KEEP_META
    for name, allowed in choices.items():
        value = options.get(name)
        if name in options and value is not None and value not in allowed:
            raise ConfigError(f"data.options.{name}: must be one of {list(allowed)}, not {value!r}")


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
    """Read a pipeline YAML file and merge it over the defaults.

    Relative paths in the file (``store.path``, ``extract.model``, the reader's path options under
    ``data.options``) are made absolute against the folder of ``path``, so a pipeline runs the same from
    any working directory (:func:`resolve_paths`)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such pipeline file")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (not UTF-8)") from None
    if isinstance(raw, Mapping):
        raw = resolve_paths(raw, path.parent)
    return merge_config(raw, source=str(path))


def _resolved(value: Any, base: Path) -> Any:
    """A relative path string made absolute against ``base`` (``~`` expanded); anything else unchanged."""
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        return value
    text = os.path.expanduser(os.fspath(value))
    return text if os.path.isabs(text) else os.path.normpath(os.path.join(base.absolute(), text))


def resolve_paths(raw: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """A copy of the YAML mapping ``raw`` with its relative paths made absolute against ``base``: ``store.path``,
    ``extract.model`` (unless ``default``) and the options under ``data.options`` that the reader types as a path.
    Malformed sections are left as they are (validation reports them)."""
    out = dict(raw)
    store = out.get("store")
    if isinstance(store, Mapping) and store.get("path") is not None:
        out["store"] = {**store, "path": _resolved(store["path"], base)}
    extract = out.get("extract")
    if isinstance(extract, Mapping) and extract.get("model") not in (None, "default"):
        out["extract"] = {**extract, "model": _resolved(extract["model"], base)}
    data = out.get("data")
    if isinstance(data, Mapping) and isinstance(data.get("options"), Mapping):
        from kgmine.io import READERS

        kind = data.get("kind", "demo")
        params = _reader_parameters(kind) if kind in READERS else {}
        options = {name: _resolved(value, base) if name in params and _is_path_parameter(params[name]) else value
                   for name, value in data["options"].items()}
        out["data"] = {**data, "options": options}
    return out
