"""One seed for a whole run: :func:`seed_everything` seeds Python's, numpy's legacy and torch's generators."""
from __future__ import annotations

import random

import numpy as np


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, numpy's legacy global generator and torch (CPU and CUDA).

    torch is imported here, not at module import, so seeding a run costs nothing until it is needed.
    """
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
