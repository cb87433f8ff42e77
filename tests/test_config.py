"""One config model per stage: every YAML section is a dataclass holding its defaults, validated at load."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kgmine.config import DEFAULTS, ConfigError, PipelineConfig, load_config, merge_config
from kgmine.extract.config import ExtractConfig, RelationsConfig
from kgmine.graph.stores.config import StoreConfig
from kgmine.io.config import DataConfig
from kgmine.mine.config import AnalyticsConfig, ClustersConfig, MineConfig, RulesConfig
from kgmine.recommend.config import RecommendConfig
from kgmine.report.config import ReportConfig

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_the_dataclasses_defaults():
    assert DEFAULTS == PipelineConfig().to_dict()
    sections = {"data": DataConfig, "store": StoreConfig, "extract": ExtractConfig, "mine": MineConfig,
                "recommend": RecommendConfig, "report": ReportConfig}
    assert set(DEFAULTS) == {"name", "seed", "engine", "spark_master", *sections}
    for name, cls in sections.items():
        assert DEFAULTS[name] == cls().to_dict(), name
    assert DEFAULTS["extract"]["relations"] == RelationsConfig().to_dict()
    for name, cls in {"rules": RulesConfig, "clusters": ClustersConfig, "analytics": AnalyticsConfig}.items():
        assert DEFAULTS["mine"][name] == cls().to_dict(), name
    assert (DEFAULTS["name"], DEFAULTS["seed"]) == (PipelineConfig.name, PipelineConfig.seed)


def test_each_section_key_is_its_place_in_the_yaml():
    for cls, key in [(DataConfig, "data"), (StoreConfig, "store"), (ExtractConfig, "extract"),
                     (RelationsConfig, "extract.relations"), (RulesConfig, "mine.rules"),
                     (ClustersConfig, "mine.clusters"), (AnalyticsConfig, "mine.analytics"),
                     (RecommendConfig, "recommend"), (ReportConfig, "report")]:
        assert cls.key == key
        head, _, last = key.rpartition(".")
        assert last in (DEFAULTS if not head else DEFAULTS[head])


def test_the_listed_model_names_are_the_models():
    from kgmine.recommend.config import BASELINE_NAMES, FILTER_NAMES, MODEL_NAMES
    from kgmine.recommend.fitted import BASELINES
    from kgmine.recommend.models import FILTERS, MODELS

    assert set(MODEL_NAMES) == set(MODELS) and set(FILTER_NAMES) == set(FILTERS)
    assert set(BASELINE_NAMES) | set(FILTER_NAMES) == set(BASELINES)


def test_every_shipped_pipeline_loads():
    for path in sorted((ROOT / "pipelines").glob("*.yaml")):
        cfg = load_config(path)
        assert PipelineConfig.from_dict(cfg).to_dict() == cfg, path


def test_importing_the_config_loads_no_model_library():
    code = ("import sys, kgmine.config; "
            "print(sorted(m for m in ('torch', 'spacy', 'sklearn', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


BAD = [
    ({"recommend": {"model": "lightgnc"}}, "recommend.model", "lightgnc"),
    ({"store": {"kind": "postgres"}}, "store.kind", "postgres"),
    ({"extract": {"relations": {"min_confidence": 2}}}, "extract.relations.min_confidence", "[0.0, 1.0]"),
    ({"extract": {"min_confidence": -0.1}}, "extract.min_confidence", "[0.0, 1.0]"),
    ({"extract": {"model": "no/such/model"}}, "extract.model", "no directory"),
    ({"extract": {"enabled": "no"}}, "extract.enabled", "true or false"),
    ({"recommend": {"epochs": "many"}}, "recommend.epochs", "integer"),
    ({"recommend": {"baselines": ["popularity", "random"]}}, "recommend.baselines", "random"),
    ({"recommend": {"test_fraction": 0.6, "valid_fraction": 0.5}}, "recommend.valid_fraction", "training share"),
    ({"mine": {"clusters": {"method": "dbscan"}}}, "mine.clusters.method", "kmeans"),
    ({"mine": {"clusters": {"text": "bert"}}}, "mine.clusters.text", "minilm"),
    ({"mine": {"rules": {"min_confidence": 1.5}}}, "mine.rules.min_confidence", "[0.0, 1.0]"),
    ({"mine": {"rules": {"min_len": 3, "max_len": 2}}}, "mine.rules.max_len", "at least 3"),
    ({"mine": {"rules": {"min_supp": 0.1}}}, "mine.rules.min_supp", "unknown key"),
    ({"data": {"kind": "xml"}}, "data.kind", "tabular"),
    ({"data": {"n_products": 0}}, "data.n_products", "at least 1"),
    ({"seed": "zero"}, "seed", "integer"),
    ({"report": {"enabled": True, "pdf": True}}, "report.pdf", "unknown key"),
    ({"mine": {"rules": 3}}, "mine.rules", "mapping"),
]


@pytest.mark.parametrize("overrides, key, detail", BAD, ids=[b[1] for b in BAD])
def test_a_bad_value_names_the_file_and_the_dotted_key(tmp_path, overrides, key, detail):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(overrides))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and key in message and detail in message, message


def test_values_are_converted_to_the_field_types():
    cfg = merge_config({"recommend": {"lr": "1e-3", "epochs": 12.0, "time_budget": 60},
                        "store": {"path": Path("/tmp/store")},
                        "data": {"kind": "tabular", "options": {"catalog": "c.csv", "mapping": {"title": "name"}}}})
    assert (cfg["recommend"]["lr"], cfg["recommend"]["epochs"], cfg["recommend"]["time_budget"]) == (1e-3, 12, 60.0)
    assert type(cfg["recommend"]["epochs"]) is int and cfg["store"]["path"] == "/tmp/store"
    assert cfg["data"]["options"] == {"catalog": "c.csv", "mapping": {"title": "name"}}  # goes to the reader


def test_extract_model_is_default_or_a_span_model_directory(tmp_path):
    with pytest.raises(ConfigError, match=r"extract.model: .*no cfg.json"):
        merge_config({"extract": {"model": str(tmp_path)}})
    (tmp_path / "cfg.json").write_text("{}")
    assert merge_config({"extract": {"model": str(tmp_path)}})["extract"]["model"] == str(tmp_path)
    assert ExtractConfig(model=None).span_model is None and ExtractConfig().span_model is None


@pytest.mark.parametrize("overrides, key", [b[:2] for b in BAD[:3]], ids=[b[1] for b in BAD[:3]])
def test_kgmine_run_fails_at_config_load_and_writes_nothing(tmp_path, overrides, key):
    from kgmine.cli import app

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", "data": {"n_products": 50, "n_users": 20}, **overrides}))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code != 0
    message = result.output.strip()
    assert message.startswith("error:") and len(message.splitlines()) == 1 and key in message, message
    assert not out.exists()


def test_run_pipeline_validates_a_changed_mapping_before_writing(tmp_path):
    from kgmine.pipeline import run_pipeline

    cfg = merge_config({"data": {"n_products": 50, "n_users": 20}})
    cfg["recommend"]["model"] = "lightgnc"
    with pytest.raises(ConfigError, match="recommend.model"):
        run_pipeline(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_typed_config_changed_after_it_was_built_is_checked_again(tmp_path):
    from kgmine.config import pipeline_config

    cfg = PipelineConfig()
    cfg.store.kind = "postgres"
    with pytest.raises(ConfigError, match="store.kind"):
        pipeline_config(cfg)
    assert pipeline_config(PipelineConfig(seed=3)).seed == 3
