"""Tokenizer rules for product text.

Product titles glue values together (``12.5g/50mm``, ``G9(Gen8``, ``Black/White``); spaCy's English
tokenizer keeps such strings as one token, so a value inside them can never be a span of its own.
:func:`customize_tokenizer` adds infix rules that split on ``/``, ``(``, ``)``, ``;``, ``|`` and ``+``
between letters or digits, and on an inch mark between a number and a letter (``39"W``). The span
model is trained with these rules, so a pipeline that runs it must use them too (:func:`kgmine.extract.pipeline.build_pipeline` does).
"""
from __future__ import annotations

from spacy.language import Language
from spacy.util import compile_infix_regex

PRODUCT_INFIXES = (
    r"(?<=[A-Za-z0-9])[/|;+](?=[A-Za-z0-9])",
    r"(?<=[A-Za-z0-9%])[\(\)\[\]](?=[A-Za-z0-9])",
    r"(?<=[A-Za-z0-9])[\(\)\[\]](?=[A-Za-z0-9%])",
    r"(?<=[0-9])[\"”″](?=[A-Za-z])",
)
_MARK = "kgmine_product_tokenizer"


def customize_tokenizer(nlp: Language) -> Language:
    """Add :data:`PRODUCT_INFIXES` to ``nlp.tokenizer`` (idempotent) and return ``nlp``."""
    if nlp.meta.get(_MARK):
        return nlp
    infixes = list(nlp.Defaults.infixes or []) + list(PRODUCT_INFIXES)
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.meta[_MARK] = True
    return nlp


def has_product_tokenizer(nlp: Language) -> bool:
    """True when :func:`customize_tokenizer` was applied to ``nlp``."""
    return bool(nlp.meta.get(_MARK))
