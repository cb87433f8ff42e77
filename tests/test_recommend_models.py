"""Models: LightGCN equals torch_geometric's LightGCN, gradients of the sparse product, the KG model, CUDA."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from kgmine.recommend.data import InteractionData
from kgmine.recommend.models import MF, KGLightGCN, LightGCN, spmm
from kgmine.recommend.train import TrainConfig, fit


@pytest.fixture(scope="module")
def tiny() -> InteractionData:
    rng = np.random.default_rng(0)
    rows = [(f"u{u}", f"p{i}") for u in range(25) for i in rng.choice(30, size=6, replace=False)]
    frame = pd.DataFrame(rows, columns=["user_id", "product_id"])
    kg = pd.DataFrame({"head": [f"p{i}" for i in range(30)], "relation": "has_brand",
                       "tail": [f"brand{i % 4}" for i in range(30)]})
    return InteractionData.from_frame(frame, "random", seed=0, kg_triples=kg)


def test_lightgcn_matches_torch_geometric(tiny):
    from torch_geometric.nn.models import LightGCN as PygLightGCN

    ours = LightGCN(tiny.n_users, tiny.n_items, embedding_dim=8, num_layers=3)
    pyg = PygLightGCN(tiny.n_users + tiny.n_items, embedding_dim=8, num_layers=3)
    pyg.embedding.weight.data.copy_(ours.embedding.weight.data)
    u, i = torch.from_numpy(tiny.train[:, 0]), torch.from_numpy(tiny.train[:, 1] + tiny.n_users)
    edge_index = torch.stack([torch.cat([u, i]), torch.cat([i, u])])
    users, items = ours(tiny.graph())
    expected = pyg.get_embedding(edge_index)
    assert torch.allclose(torch.cat([users, items]), expected, atol=1e-5)


def test_spmm_gradient_matches_dense():
    a = torch.rand(6, 5) * (torch.rand(6, 5) > 0.5)
    x = torch.randn(5, 3, requires_grad=True)
    y = spmm(a.to_sparse_csr(), x, a.t().contiguous().to_sparse_csr())
    (y * torch.arange(18.0).view(6, 3)).sum().backward()
    x2 = x.detach().clone().requires_grad_(True)
    ((a @ x2) * torch.arange(18.0).view(6, 3)).sum().backward()
    assert torch.allclose(y, a @ x.detach(), atol=1e-6)
    assert torch.allclose(x.grad, x2.grad, atol=1e-5)


def test_kg_model_uses_the_kg_and_trains(tiny):
    graph = tiny.graph(kg=True)
    model = KGLightGCN(tiny.n_users, tiny.n_items, graph.n_entities, graph.n_relations, embedding_dim=8)
    users, items = model(graph)
    assert users.shape == (tiny.n_users, 8) and items.shape == (tiny.n_items, 8)
    items.sum().backward()
    brand_rows = model.embedding.weight.grad[tiny.n_users + tiny.n_items:]
    assert brand_rows.abs().sum() > 0  # brand entities receive gradient through the KG
    assert model.relation.grad.abs().sum() > 0


@pytest.mark.parametrize("cls", [LightGCN, MF])
def test_training_lowers_the_loss(tiny, cls):
    model = cls(tiny.n_users, tiny.n_items, embedding_dim=8)
    result = fit(model, tiny, TrainConfig(epochs=8, batch_size=64, lr=0.01, eval_every=4, progress=False,
                                          device="cpu", ks=(5,), monitor="ndcg_at_5"))
    loss = result.history["loss"].to_numpy()
    assert loss[-1] < loss[0]
    assert "valid_ndcg_at_5" in result.history.columns and result.best_epoch in (4, 8)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")
def test_cuda_training_with_amp_and_pinned_batches(tiny):
    from kgmine.recommend.train import amp_dtype, resolve_device

    assert resolve_device("auto").type == "cuda"
    assert amp_dtype(torch.device("cuda"), True) in (torch.bfloat16, torch.float16)
    model = LightGCN(tiny.n_users, tiny.n_items, embedding_dim=8)
    result = fit(model, tiny, TrainConfig(epochs=3, batch_size=64, lr=0.01, eval_every=1, progress=False,
                                          device="auto", amp=True, ks=(5,), monitor="ndcg_at_5"))
    assert next(model.parameters()).device.type == "cuda"
    assert np.isfinite(result.history["loss"]).all()
    cpu = LightGCN(tiny.n_users, tiny.n_items, embedding_dim=8)
    cpu.load_state_dict({k: v.cpu() for k, v in model.state_dict().items()})
    gpu_users, _ = model(tiny.graph().to("cuda"))
    cpu_users, _ = cpu(tiny.graph())
    assert torch.allclose(gpu_users.cpu(), cpu_users, atol=1e-4)


def test_ckg_propagation_is_lightgcn_over_the_collaborative_kg(tiny):
    graph = tiny.graph(kg=True)
    model = KGLightGCN(tiny.n_users, tiny.n_items, graph.n_entities, graph.n_relations, embedding_dim=8,
                       num_layers=2, propagation="ckg", kg_loss_weight=0.1, kg_batch_size=16)
    joint = sum(a.to_dense() for a in graph.ckg)
    assert torch.allclose(joint, joint.t(), atol=1e-6)
    x0 = model.embedding.weight.detach()
    x1 = joint @ x0
    expected = (x0 + x1 + joint @ x1) / 3
    users, items = model(graph)
    assert torch.allclose(users.detach(), expected[: tiny.n_users], atol=1e-5)
    assert torch.allclose(items.detach(), expected[tiny.n_users: tiny.n_users + tiny.n_items], atol=1e-5)
    loss = model.kg_loss(graph)
    loss.backward()
    assert torch.isfinite(loss) and model.relation.grad.abs().sum() > 0
