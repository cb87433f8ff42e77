"""Where and how the recommenders run: the device (``auto`` -> CUDA when present), CPU threads,
the autocast dtype of mixed precision."""
from __future__ import annotations

import os

import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` -> ``cuda`` when available, else ``cpu``; anything else is passed to ``torch.device``."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but torch.cuda.is_available() is False")
    return device


def set_threads(num_threads: int | None) -> int:
    """Set torch's CPU intra-op threads (``None``: all cores available to this process)."""
    if num_threads is None:
        try:
            num_threads = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - non-Linux
            num_threads = os.cpu_count() or 1
    torch.set_num_threads(max(1, int(num_threads)))
    return torch.get_num_threads()


def amp_dtype(device: torch.device, enabled: bool) -> torch.dtype | None:
    """The autocast dtype to use: None on CPU or when disabled; bfloat16 on CUDA if supported, else float16."""
    if not enabled or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
