"""Sparse propagation ``A @ X`` with a cheap backward, the hot loop of every graph recommender here.

``torch.sparse.mm`` on a CSR matrix differentiates w.r.t. the dense operand by building the
transpose of ``A`` on every backward pass. Graph propagation matrices are fixed, so :func:`spmm`
takes the transpose once (or knows that ``A`` is symmetric, as LightGCN's normalised adjacency is)
and computes ``grad_X = A^T @ grad_Y`` with the same fast CSR kernel. Propagation always runs in
float32, also under autocast (sparse kernels have no half-precision path on CPU and gain little on
CUDA).
"""
from __future__ import annotations

import torch


class _SpMM(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: torch.Tensor, a_t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.a_t = a_t
        return torch.sparse.mm(a, x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        return None, None, torch.sparse.mm(ctx.a_t, grad.contiguous())


def spmm(a: torch.Tensor, x: torch.Tensor, a_t: torch.Tensor | None = None) -> torch.Tensor:
    """``a @ x`` for a fixed sparse ``a`` (CSR) and dense ``x``; ``a_t`` is ``a``'s transpose (``None``:
    ``a`` is symmetric). Gradients flow to ``x`` only."""
    if x.dtype != torch.float32:
        x = x.float()
    with torch.autocast(device_type=x.device.type, enabled=False):
        if torch.is_grad_enabled() and x.requires_grad:
            return _SpMM.apply(a, a if a_t is None else a_t, x)
        return torch.sparse.mm(a, x)
